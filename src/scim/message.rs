//! Reading the members of SCIM request messages (SearchRequest, PatchOp, BulkRequest), whose
//! names are case-insensitive (RFC 7643 §2.1) and which real IdPs capitalise freely.
use serde_json::{Map, Value};

use super::ScimError;

/// The member `name` of `object`, compared case-insensitively.
pub fn member<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// `Operations[i]` of a PatchOp or BulkRequest, which must be an object.
pub fn operation(i: usize, op: &Value) -> Result<&Map<String, Value>, ScimError> {
    op.as_object()
        .ok_or_else(|| ScimError::invalid_syntax(format!("Operations[{i}] must be an object")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn members_match_in_any_case_and_operations_must_be_objects() {
        let op = json!({"OP": "Add", "Path": "members"});
        let op = operation(0, &op).unwrap();
        assert_eq!(member(op, "op"), Some(&json!("Add")));
        assert_eq!(member(op, "path"), Some(&json!("members")));
        assert_eq!(member(op, "value"), None);
        let err = operation(3, &json!("add")).unwrap_err();
        assert_eq!(err.detail, "Operations[3] must be an object");
    }
}
