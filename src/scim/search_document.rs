//! What the store keeps beside a resource so that filters and sorting (RFC 7644 §3.4.2.2,
//! §3.4.2.3) run in the database with exactly the semantics of the in-memory evaluator:
//!
//! - the *search document*: the resource's attributes with every caseExact=false string
//!   lower-cased (Unicode, as the evaluator does), dateTimes in one fixed UTC format (so text
//!   order is time order), and the primary value first in each multi-valued attribute (RFC 7644
//!   §3.4.2.3 sorts a multi-valued attribute by its primary value, else its first);
//! - *index values*: (path, lower-cased value) rows for the attributes identity providers
//!   filter on, so `emails[type eq "work"].value eq "…"` is an index lookup.
use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use serde_json::{Map, Value};

use super::schema::{AttrType, Attribute, ResourceKind, ResourceType};

/// Attribute paths kept in the index table, per resource type. userName, group displayName,
/// externalId and id have columns of their own; members are a table.
pub fn indexed_paths(kind: ResourceKind) -> &'static [&'static str] {
    match kind {
        ResourceKind::User => &[
            "displayName",
            "name.familyName",
            "name.givenName",
            "emails.value",
            "emails.type",
        ],
        ResourceKind::Group => &[],
    }
}

/// The case-folded copy of `data` that queries read.
pub fn search_document(rt: &ResourceType, data: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::with_capacity(data.len());
    for (key, value) in data {
        if let Some(ext) = rt.extension(key) {
            if let Value::Object(values) = value {
                let folded = fold_object(&ext.schema.attributes, values);
                out.insert(key.clone(), Value::Object(folded));
            }
            continue;
        }
        let attr = rt.attribute(None, key).map(|a| a.attribute);
        out.insert(key.clone(), fold_attribute(attr, value));
    }
    out
}

fn fold_object(attrs: &[Attribute], values: &Map<String, Value>) -> Map<String, Value> {
    values
        .iter()
        .map(|(k, v)| {
            let attr = attrs.iter().find(|a| a.name == *k);
            (k.clone(), fold_attribute(attr, v))
        })
        .collect()
}

fn fold_attribute(attr: Option<&Attribute>, value: &Value) -> Value {
    let Some(attr) = attr else {
        return value.clone();
    };
    match value {
        Value::Array(items) if attr.multi_valued => {
            let mut folded: Vec<Value> = items.iter().map(|v| fold_single(attr, v)).collect();
            if let Some(primary) = folded
                .iter()
                .position(|v| v.get("primary") == Some(&Value::Bool(true)))
            {
                let first = folded.remove(primary);
                folded.insert(0, first);
            }
            Value::Array(folded)
        }
        other => fold_single(attr, other),
    }
}

/// One element of a multi-valued attribute as the search document holds it: what PATCH
/// value filters are matched against.
pub fn fold_element(attr: &Attribute, value: &Value) -> Value {
    fold_single(attr, value)
}

fn fold_single(attr: &Attribute, value: &Value) -> Value {
    match (attr.kind, value) {
        (AttrType::Complex, Value::Object(values)) => {
            Value::Object(fold_object(&attr.sub_attributes, values))
        }
        (AttrType::DateTime, Value::String(s)) => {
            Value::String(canonical_date_time(s).unwrap_or_else(|| s.clone()))
        }
        (AttrType::String | AttrType::Reference | AttrType::Binary, Value::String(s))
            if !attr.case_exact =>
        {
            Value::String(s.to_lowercase())
        }
        _ => value.clone(),
    }
}

/// One text form per instant: `2008-01-23T04:56:22.000000Z`; timezone-less means UTC.
pub fn canonical_date_time(s: &str) -> Option<String> {
    let at = DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").map(|n| n.and_utc()))
        .ok()?;
    Some(format_date_time(at))
}

pub fn format_date_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// (path, value) rows for the index table, from a search document.
pub fn index_values(
    kind: ResourceKind,
    search: &Map<String, Value>,
) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for path in indexed_paths(kind) {
        let (attr, sub) = path
            .split_once('.')
            .map_or((*path, None), |(a, s)| (a, Some(s)));
        let values: Vec<&Value> = match search.get(attr) {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(single) => vec![single],
            None => Vec::new(),
        };
        for value in values {
            let leaf = match sub {
                Some(sub) => value.get(sub),
                None => Some(value),
            };
            if let Some(Value::String(s)) = leaf
                && !out
                    .iter()
                    .any(|(p, v): &(&str, String)| p == path && v == s)
            {
                out.push((*path, s.clone()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::scim::schema::{ENTERPRISE_USER_URN, Registry};

    fn user() -> &'static ResourceType {
        Registry::core().resource_type(ResourceKind::User)
    }

    #[test]
    fn case_insensitive_strings_are_lowercased_and_case_exact_ones_kept() {
        let data = json!({"userName": "ÉMILE", "externalId": "AbC", "name": {"familyName": "Zoë"},
            ENTERPRISE_USER_URN: {"department": "R&D", "manager": {"value": "M-1"}}});
        let doc = search_document(user(), data.as_object().unwrap());
        assert_eq!(doc["userName"], "émile");
        assert_eq!(doc["externalId"], "AbC");
        assert_eq!(doc["name"]["familyName"], "zoë");
        assert_eq!(doc[ENTERPRISE_USER_URN]["department"], "r&d");
        assert_eq!(
            doc[ENTERPRISE_USER_URN]["manager"]["value"], "M-1",
            "manager.value is caseExact"
        );
    }

    #[test]
    fn the_primary_value_moves_first() {
        let data = json!({"userName": "u", "emails": [
            {"value": "B@x", "type": "home"}, {"value": "A@x", "type": "work", "primary": true}]});
        let doc = search_document(user(), data.as_object().unwrap());
        assert_eq!(doc["emails"][0]["value"], "a@x");
        assert_eq!(doc["emails"][1]["value"], "b@x");
    }

    #[test]
    fn date_times_get_one_text_form() {
        assert_eq!(
            canonical_date_time("2008-01-23T06:56:22+02:00").unwrap(),
            "2008-01-23T04:56:22.000000Z"
        );
        assert_eq!(
            canonical_date_time("2008-01-23T04:56:22.5").unwrap(),
            "2008-01-23T04:56:22.500000Z"
        );
        assert!(canonical_date_time("soon").is_none());
    }

    #[test]
    fn index_values_cover_the_indexed_paths_once_each() {
        let data = json!({"userName": "u", "displayName": "Babs", "name": {"familyName": "Jensen"},
            "emails": [{"value": "A@x", "type": "work"}, {"value": "b@x", "type": "work"}]});
        let doc = search_document(user(), data.as_object().unwrap());
        let values = index_values(ResourceKind::User, &doc);
        assert_eq!(
            values,
            vec![
                ("displayName", "babs".to_owned()),
                ("name.familyName", "jensen".to_owned()),
                ("emails.value", "a@x".to_owned()),
                ("emails.value", "b@x".to_owned()),
                ("emails.type", "work".to_owned()),
            ]
        );
    }
}
