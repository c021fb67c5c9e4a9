//! JSON resources to import: which resource type each one is (RFC 7643 §3 `schemas`), the
//! resources of a ListResponse document (RFC 7644 §3.4.2) with the line each starts on, and
//! what a resource makes of a stored one.
use serde_json::{Map, Value};

use crate::scim::ScimError;
use crate::scim::schema::{GROUP_URN, ResourceKind, ResourceType, USER_URN};
use crate::scim::validate;

/// The resource type of a JSON resource: the core schema its `schemas` lists, else its
/// `meta.resourceType` (some exports leave `schemas` out).
pub fn kind_of(resource: &Value) -> Result<ResourceKind, ScimError> {
    let Value::Object(object) = resource else {
        return Err(ScimError::invalid_syntax(
            "a resource must be a JSON object",
        ));
    };
    let field = |name: &str| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    };
    let listed = |urn: &str| {
        field("schemas").and_then(Value::as_array).is_some_and(|s| {
            s.iter()
                .any(|u| u.as_str().is_some_and(|u| u.eq_ignore_ascii_case(urn)))
        })
    };
    match (listed(USER_URN), listed(GROUP_URN)) {
        (true, false) => return Ok(ResourceKind::User),
        (false, true) => return Ok(ResourceKind::Group),
        (true, true) => {
            return Err(ScimError::invalid_value(
                "`schemas` lists both the User and the Group schema",
            ));
        }
        (false, false) => {}
    }
    field("meta")
        .and_then(|m| m.get("resourceType"))
        .and_then(Value::as_str)
        .and_then(ResourceKind::from_name)
        .ok_or_else(|| {
            ScimError::invalid_value(format!(
                "`schemas` lists neither {USER_URN} nor {GROUP_URN}"
            ))
        })
}

/// A stored resource with the attributes of `given` (canonical data, as `validate::normalize`
/// gives it) in place of its own: each attribute `given` names, extension attributes one by
/// one, replaces the stored value; what it leaves out stays, and so do immutable values (RFC
/// 7644 §3.5.1). Re-importing a file after an IdP has added attributes keeps them.
pub fn merge(
    rt: &ResourceType,
    stored: &Map<String, Value>,
    given: &Map<String, Value>,
) -> Result<Map<String, Value>, ScimError> {
    let mut out = stored.clone();
    for (key, value) in given {
        match (rt.extension(key), value) {
            (Some(_), Value::Object(attributes)) => {
                validate::extension_object(&mut out, key).extend(attributes.clone());
            }
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    validate::keep_immutable(rt, stored, &mut out)?;
    Ok(out)
}

/// The resources of a ListResponse, each with the 1-based line of `text` it starts on.
pub fn list_response(text: &str) -> Result<Vec<(u64, Value)>, ScimError> {
    let document: Value = serde_json::from_str(text)
        .map_err(|e| ScimError::invalid_syntax(format!("not a JSON document: {e}")))?;
    let resources = document
        .as_object()
        .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(RESOURCES)))
        .map(|(_, v)| v);
    let Some(Value::Array(resources)) = resources else {
        return Err(ScimError::invalid_syntax(format!(
            "no `{RESOURCES}` array: a SCIM ListResponse (RFC 7644 §3.4.2) lists its \
             resources in one; for one resource per line use JSON Lines"
        )));
    };
    let starts = element_starts(text, RESOURCES);
    let lines: Vec<u64> = if starts.len() == resources.len() {
        lines_of(text, &starts)
    } else {
        // A document the scan does not follow (a key given twice): count resources instead.
        (1..=resources.len() as u64).collect()
    };
    Ok(lines.into_iter().zip(resources.iter().cloned()).collect())
}

const RESOURCES: &str = "Resources";

/// The byte offsets where the elements of the array under top-level key `key` start, in a
/// valid JSON document: a scan of its structure (strings, nesting), since serde_json keeps no
/// positions in the values it parses.
fn element_starts(text: &str, key: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = Vec::new();
    let mut depth = 0usize;
    // The last string at depth 1 (a key, when a `:` follows) and whether it named `key`.
    let mut last_string = (0, 0);
    let mut in_key = false;
    let mut inside = false;
    let mut expect_element = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if expect_element && !b.is_ascii_whitespace() && b != b']' {
            starts.push(i);
            expect_element = false;
        }
        match b {
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                if depth == 1 {
                    last_string = (start, i.min(bytes.len()));
                }
            }
            b':' if depth == 1 => {
                in_key = text
                    .get(last_string.0..last_string.1)
                    .is_some_and(|k| k.eq_ignore_ascii_case(key));
            }
            b'[' if depth == 1 && in_key && !inside => {
                depth += 1;
                inside = true;
                expect_element = true;
            }
            b'{' | b'[' => depth += 1,
            b']' if inside && depth == 2 => return starts,
            b'}' | b']' => depth = depth.saturating_sub(1),
            b',' if inside && depth == 2 => expect_element = true,
            b',' if depth == 1 => in_key = false,
            _ => {}
        }
        i += 1;
    }
    starts
}

/// The 1-based line of each offset in `starts` (ascending).
fn lines_of(text: &str, starts: &[usize]) -> Vec<u64> {
    let mut lines = Vec::with_capacity(starts.len());
    let (mut line, mut at) = (1u64, 0usize);
    for &start in starts {
        line += text.as_bytes()[at..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        at = start;
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn kind_follows_schemas_then_meta() {
        let user = json!({"schemas": [USER_URN, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"], "userName": "a"});
        assert_eq!(kind_of(&user).unwrap(), ResourceKind::User);
        let group = json!({"schemas": [GROUP_URN.to_lowercase()], "displayName": "g"});
        assert_eq!(kind_of(&group).unwrap(), ResourceKind::Group);
        let exported = json!({"meta": {"resourceType": "Group"}, "displayName": "g"});
        assert_eq!(kind_of(&exported).unwrap(), ResourceKind::Group);
        let both = json!({"schemas": [USER_URN, GROUP_URN]});
        assert!(kind_of(&both).unwrap_err().detail.contains("both"));
        let neither = json!({"userName": "a"});
        assert!(kind_of(&neither).unwrap_err().detail.contains("neither"));
        assert!(kind_of(&json!([1])).is_err());
    }

    #[test]
    fn merge_replaces_the_attributes_given_and_keeps_the_rest() {
        use crate::scim::schema::{ENTERPRISE_USER_URN, Registry};
        let rt = Registry::core().resource_type(ResourceKind::User);
        let stored = json!({
            "userName": "a",
            "name": {"givenName": "A", "familyName": "B"},
            "phoneNumbers": [{"value": "1"}],
            ENTERPRISE_USER_URN: {"department": "R&D", "division": "X"},
        });
        let given = json!({
            "userName": "a",
            "name": {"givenName": "C"},
            ENTERPRISE_USER_URN: {"department": "Ops"},
        });
        let merged = merge(rt, stored.as_object().unwrap(), given.as_object().unwrap()).unwrap();
        assert_eq!(
            Value::Object(merged),
            json!({
                "userName": "a",
                "name": {"givenName": "C"},
                "phoneNumbers": [{"value": "1"}],
                ENTERPRISE_USER_URN: {"department": "Ops", "division": "X"},
            })
        );
        let same = merge(rt, stored.as_object().unwrap(), stored.as_object().unwrap()).unwrap();
        assert_eq!(Value::Object(same), stored);
    }

    #[test]
    fn list_response_resources_come_with_their_first_line() {
        let text = r#"{
  "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
  "totalResults": 3,
  "note": {"Resources": ["not this one"], "s": "],[\"{"},
  "Resources": [
    {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a",
     "nested": [{"x": "]"}, [1, 2]]},
    {"userName": "b"},

    {"displayName": "c \" ,"}
  ]
}"#;
        let resources = list_response(text).unwrap();
        let lines: Vec<u64> = resources.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [6, 8, 10]);
        assert_eq!(resources[1].1["userName"], "b");
    }

    #[test]
    fn a_document_without_resources_says_what_is_missing() {
        let err = list_response(r#"{"totalResults": 0}"#).unwrap_err();
        assert!(
            err.detail.contains("no `Resources` array"),
            "{}",
            err.detail
        );
        let err = list_response("{\"Resources\": [").unwrap_err();
        assert!(
            err.detail.starts_with("not a JSON document"),
            "{}",
            err.detail
        );
        let empty = list_response(r#"{"resources": []}"#).unwrap();
        assert!(empty.is_empty());
    }

    #[test]
    fn one_line_documents_number_resources_on_line_one() {
        let resources = list_response(r#"{"Resources":[{"a":1},{"b":[2]}]}"#).unwrap();
        assert_eq!(
            resources.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
            [1, 1]
        );
    }
}
