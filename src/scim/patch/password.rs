//! The password a PATCH sets, found before the write so it is hashed outside the transaction.
use serde_json::Value;

use super::{Op, Operation};
use crate::scim::path::{PatchPath, parse_path};
use crate::scim::schema::USER_URN;
use crate::scim::validate::Leniency;

/// The new password a PATCH sets, if any: it is hashed before the write transaction starts.
/// It is found where `apply` finds it, so a password `apply` writes is never dropped
/// unhashed: `password` in any case, bare or under the core User URN, as the `path` or as a
/// key of a path-less `value`.
pub fn password(ops: &[Operation]) -> Option<String> {
    ops.iter().rev().find_map(|op| {
        if op.op == Op::Remove {
            return None;
        }
        let value = op.value.as_ref()?;
        match &op.path {
            Some(path) if names_password(path) => password_text(value),
            Some(_) => None,
            None => value.as_object()?.iter().rev().find_map(|(key, value)| {
                let path = parse_path(key, Leniency::Lenient).ok()?;
                names_password(&path).then(|| password_text(value))?
            }),
        }
    })
}

fn names_password(path: &PatchPath) -> bool {
    path.filter.is_none()
        && path.sub.is_none()
        && path.attr.sub.is_none()
        && path.attr.name.eq_ignore_ascii_case("password")
        && path
            .attr
            .urn
            .as_deref()
            .is_none_or(|urn| urn.eq_ignore_ascii_case(USER_URN))
}

/// The password as `apply`'s lenient validation reads the value: numbers and booleans as
/// their text.
fn password_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(_) | Value::Bool(_) => Some(value.to_string()),
        _ => None,
    }
}
