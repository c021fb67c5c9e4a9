//! Resource ids (RFC 7643 §3.1 `id`): scimd issues UUIDs (v7, time-ordered) and accepts nothing
//! else as an id, so one rule decides what a path segment, a member `value`, a `manager`, a
//! `bulkId` substitution or a cursor may name. Anything else can name no resource, and is
//! never sent to the database (a NUL would make PostgreSQL fail).
use std::fmt;

/// A well-formed resource id: a UUID in its 36-character hyphenated form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceId(String);

impl ResourceId {
    /// `text` as an id, if it has the shape of one (any case of hex digits, as sent).
    pub fn parse(text: &str) -> Option<Self> {
        (text.len() == 36 && uuid::Uuid::try_parse(text).is_ok()).then(|| Self(text.to_owned()))
    }

    /// A new id: UUID v7, so rows inserted together sit together in the indexes.
    pub fn new() -> Self {
        Self(uuid::Uuid::now_v7().to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl Default for ResourceId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for ResourceId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::ResourceId;

    #[test]
    fn only_hyphenated_uuids_are_ids() {
        let id = ResourceId::new();
        assert_eq!(ResourceId::parse(id.as_str()), Some(id.clone()));
        assert_eq!(id.as_str().len(), 36);
        for bad in [
            "",
            "x",
            "0b9d1f3e6f594e8b9a0c2f4f7b1c5d11",
            "{0b9d1f3e-6f59-4e8b-9a0c-2f4f7b1c5d11}",
            "urn:uuid:0b9d1f3e-6f59-4e8b-9a0c-2f4f7b1c5d11",
            "0b9d1f3e-6f59-4e8b-9a0c-2f4f7b1c5d1\0",
            "a' OR '1'='1",
        ] {
            assert_eq!(ResourceId::parse(bad), None, "{bad:?}");
        }
    }
}
