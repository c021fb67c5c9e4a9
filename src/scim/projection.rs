//! `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9): which attributes a
//! response carries, honoring each attribute's `returned` characteristic. Applied to the
//! representation `Resource::to_json` builds, on every read and write response.
use serde_json::{Map, Value};

use super::schema::{Attribute, ResourceType, Returned};

/// One named attribute: a whole attribute, one of its sub-attributes, or a whole extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// The extension URN the attribute is stored under; `None` for core and common ones.
    extension: Option<String>,
    /// The canonical attribute name; `None` selects the whole extension.
    attr: Option<String>,
    sub: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Projection {
    /// Attributes whose `returned` is `always` or `default`.
    #[default]
    Default,
    /// `attributes=…`: these plus the `always` ones.
    Only(Vec<Selection>),
    /// `excludedAttributes=…`: the default set without these (never the `always` ones).
    Without(Vec<Selection>),
}

impl Projection {
    /// From the two parameters' comma-separated values. `attributes` wins when both are
    /// given. Names that are not attributes of `rt` select nothing; a value filter in a name
    /// (`emails[type eq "work"]`, sent by MS validators) is ignored and the whole attribute
    /// is meant.
    pub fn parse(rt: &ResourceType, attributes: Option<&str>, excluded: Option<&str>) -> Self {
        let list = |text: &str| -> Vec<Selection> {
            text.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .filter_map(|name| select(rt, name))
                .collect()
        };
        match (attributes, excluded) {
            (Some(a), _) if !a.trim().is_empty() => Self::Only(list(a)),
            (_, Some(e)) if !e.trim().is_empty() => Self::Without(list(e)),
            _ => Self::Default,
        }
    }

    /// Whether a top-level core attribute appears at all: lets the store skip loading
    /// members or groups nobody asked for.
    pub fn includes(&self, rt: &ResourceType, name: &str) -> bool {
        let Some(attr) = rt.schema.attribute(name) else {
            return false;
        };
        let named = |list: &[Selection]| {
            list.iter()
                .any(|s| s.extension.is_none() && s.attr.as_deref() == Some(&attr.name))
        };
        match (self, attr.returned) {
            (_, Returned::Never) => false,
            (_, Returned::Always) => true,
            (Self::Default, returned) => returned == Returned::Default,
            (Self::Only(list), _) => named(list),
            (Self::Without(list), returned) => {
                returned == Returned::Default
                    && !list.iter().any(|s| {
                        s.extension.is_none()
                            && s.attr.as_deref() == Some(&attr.name)
                            && s.sub.is_none()
                    })
            }
        }
    }

    /// `representation` (from `Resource::to_json`) with only the selected attributes.
    pub fn apply(&self, rt: &ResourceType, representation: Value) -> Value {
        let Value::Object(full) = representation else {
            return representation;
        };
        let mut out = Map::with_capacity(full.len());
        for (key, value) in full {
            if key == "schemas" {
                out.insert(key, value);
                continue;
            }
            let kept = match rt.extension(&key) {
                Some(ext) => self.extension(&key, &ext.schema.attributes, value),
                None => match find(rt, &key) {
                    Some(attr) => self.attribute(None, attr, value),
                    None => Some(value),
                },
            };
            if let Some(value) = kept {
                out.insert(key, value);
            }
        }
        Value::Object(out)
    }

    fn extension(&self, urn: &str, attrs: &[Attribute], value: Value) -> Option<Value> {
        let Value::Object(values) = value else {
            return Some(value);
        };
        let whole = |list: &[Selection]| {
            list.iter()
                .any(|s| s.attr.is_none() && s.extension.as_deref() == Some(urn))
        };
        match self {
            Self::Only(list) if whole(list) => return Some(Value::Object(values)),
            Self::Without(list) if whole(list) => return None,
            _ => {}
        }
        let kept: Map<String, Value> = values
            .into_iter()
            .filter_map(|(k, v)| {
                let attr = attrs.iter().find(|a| a.name == k)?;
                Some((k, self.attribute(Some(urn), attr, v)?))
            })
            .collect();
        (!kept.is_empty()).then_some(Value::Object(kept))
    }

    fn attribute(&self, extension: Option<&str>, attr: &Attribute, value: Value) -> Option<Value> {
        let matching = |list: &'_ [Selection]| -> Vec<Selection> {
            list.iter()
                .filter(|s| {
                    s.extension.as_deref() == extension && s.attr.as_deref() == Some(&attr.name)
                })
                .cloned()
                .collect()
        };
        match (self, attr.returned) {
            (_, Returned::Never) => None,
            (_, Returned::Always) => Some(value),
            (Self::Default, Returned::Default) => Some(value),
            (Self::Default, _) => None,
            (Self::Only(list), _) => {
                let named = matching(list);
                if named.is_empty() {
                    None
                } else if named.iter().any(|s| s.sub.is_none()) {
                    Some(value)
                } else {
                    let subs: Vec<&str> = named.iter().filter_map(|s| s.sub.as_deref()).collect();
                    keep_subs(value, |name| subs.contains(&name) || always(attr, name))
                }
            }
            (Self::Without(list), returned) => {
                if returned == Returned::Request {
                    return None;
                }
                let named = matching(list);
                if named.iter().any(|s| s.sub.is_none()) {
                    None
                } else if named.is_empty() {
                    Some(value)
                } else {
                    let subs: Vec<&str> = named.iter().filter_map(|s| s.sub.as_deref()).collect();
                    keep_subs(value, |name| !subs.contains(&name) || always(attr, name))
                }
            }
        }
    }
}

fn always(attr: &Attribute, sub: &str) -> bool {
    attr.sub_attribute(sub)
        .is_some_and(|s| s.returned == Returned::Always)
}

/// `value` (an object, or an array of objects) with only the sub-attributes `keep` accepts;
/// `None` when nothing is left.
fn keep_subs(value: Value, keep: impl Fn(&str) -> bool + Copy) -> Option<Value> {
    let filter = |v: Value| -> Option<Value> {
        let Value::Object(map) = v else {
            return Some(v);
        };
        let kept: Map<String, Value> = map.into_iter().filter(|(k, _)| keep(k)).collect();
        (!kept.is_empty()).then_some(Value::Object(kept))
    };
    match value {
        Value::Array(items) => {
            let kept: Vec<Value> = items.into_iter().filter_map(filter).collect();
            (!kept.is_empty()).then_some(Value::Array(kept))
        }
        other => filter(other),
    }
}

/// A top-level core or common attribute by its canonical output key.
fn find<'r>(rt: &'r ResourceType, key: &str) -> Option<&'r Attribute> {
    rt.attribute(None, key)
        .filter(|a| !a.is_extension(&rt.schema))
        .map(|a| a.attribute)
}

fn select(rt: &ResourceType, name: &str) -> Option<Selection> {
    // `emails[type eq "work"]` or `emails[type eq "work"].value`: the filter is not a
    // projection; keep the attribute (and the sub-attribute after it).
    let name = match (name.find('['), name.rfind(']')) {
        (Some(open), Some(close)) if close > open => {
            format!("{}{}", &name[..open], &name[close + 1..])
        }
        _ => name.to_owned(),
    };
    if let Some(ext) = rt
        .extensions
        .iter()
        .find(|e| e.schema.id.eq_ignore_ascii_case(&name))
    {
        return Some(Selection {
            extension: Some(ext.schema.id.clone()),
            attr: None,
            sub: None,
        });
    }
    let (urn, rest) = rt.split_urn(&name);
    let (attr_name, sub_name) = match rest.split_once('.') {
        Some((a, s)) => (a, Some(s)),
        None => (rest, None),
    };
    let found = rt.attribute(urn, attr_name)?;
    let sub = match sub_name {
        Some(s) => Some(found.attribute.sub_attribute(s)?.name.clone()),
        None => None,
    };
    Some(Selection {
        extension: found
            .is_extension(&rt.schema)
            .then(|| found.schema.map(|s| s.id.clone()))
            .flatten(),
        attr: Some(found.attribute.name.clone()),
        sub,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::scim::schema::{ENTERPRISE_USER_URN, Registry, ResourceKind};

    fn user() -> &'static ResourceType {
        Registry::core().resource_type(ResourceKind::User)
    }

    fn sample() -> Value {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE_USER_URN],
            "id": "42",
            "userName": "bjensen",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [{"value": "b@example.com", "type": "work", "primary": true}],
            ENTERPRISE_USER_URN: {"department": "Sales", "employeeNumber": "7"},
            "meta": {"resourceType": "User", "location": "https://x/Users/42"}
        })
    }

    #[test]
    fn attributes_keep_always_returned_ones_and_the_named_ones() {
        let p = Projection::parse(user(), Some("userName,name.givenName"), None);
        let out = p.apply(user(), sample());
        assert_eq!(
            out,
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE_USER_URN],
                "id": "42",
                "userName": "bjensen",
                "name": {"givenName": "Barbara"}
            })
        );
    }

    #[test]
    fn names_are_case_insensitive_and_may_carry_urns() {
        let p = Projection::parse(
            user(),
            Some(&format!(
                "USERNAME,{ENTERPRISE_USER_URN}:department,urn:ietf:params:scim:schemas:core:2.0:User:emails.value"
            )),
            None,
        );
        let out = p.apply(user(), sample());
        assert_eq!(out["userName"], "bjensen");
        assert_eq!(out[ENTERPRISE_USER_URN], json!({"department": "Sales"}));
        assert_eq!(out["emails"], json!([{"value": "b@example.com"}]));
        assert!(out.get("meta").is_none());
    }

    #[test]
    fn excluded_attributes_drop_named_ones_but_never_id() {
        let p = Projection::parse(user(), None, Some("emails,id,name.familyName,meta"));
        let out = p.apply(user(), sample());
        assert_eq!(out["id"], "42");
        assert!(out.get("emails").is_none());
        assert!(out.get("meta").is_none());
        assert_eq!(out["name"], json!({"givenName": "Barbara"}));
        assert_eq!(out[ENTERPRISE_USER_URN]["department"], "Sales");
    }

    #[test]
    fn whole_extension_and_value_filter_names() {
        let p = Projection::parse(user(), None, Some(ENTERPRISE_USER_URN));
        assert!(p.apply(user(), sample()).get(ENTERPRISE_USER_URN).is_none());
        let p = Projection::parse(user(), Some("emails[type eq \"work\"]"), None);
        assert_eq!(p.apply(user(), sample())["emails"][0]["type"], "work");
    }

    #[test]
    fn includes_tells_whether_members_are_needed() {
        let group = Registry::core().resource_type(ResourceKind::Group);
        assert!(Projection::Default.includes(group, "members"));
        assert!(!Projection::parse(group, None, Some("members")).includes(group, "members"));
        assert!(!Projection::parse(group, Some("displayName"), None).includes(group, "members"));
        assert!(Projection::parse(group, Some("members.value"), None).includes(group, "members"));
        assert!(Projection::parse(group, None, Some("members.display")).includes(group, "members"));
    }
}
