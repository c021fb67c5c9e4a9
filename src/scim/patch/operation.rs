//! The PatchOp message (RFC 7644 §3.5.2): its operations decoded, with Entra's capitalised op
//! names accepted unless strict.
use serde_json::Value;

use crate::scim::ScimError;
use crate::scim::message;
use crate::scim::path::{PatchPath, parse_path};
use crate::scim::validate::Leniency;

pub const PATCH_OP_URN: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Add,
    Remove,
    Replace,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub op: Op,
    pub path: Option<PatchPath>,
    pub value: Option<Value>,
}

/// Parses a PatchOp body. An empty `Operations` list is valid and changes nothing.
pub fn parse(body: &Value, leniency: Leniency) -> Result<Vec<Operation>, ScimError> {
    let Value::Object(object) = body else {
        return Err(ScimError::invalid_syntax(
            "a PatchOp body must be a JSON object",
        ));
    };
    let strict = leniency == Leniency::Strict;
    if strict {
        let declared = object
            .get("schemas")
            .and_then(Value::as_array)
            .is_some_and(|s| s.iter().any(|u| u.as_str() == Some(PATCH_OP_URN)));
        if !declared {
            return Err(ScimError::invalid_syntax(format!(
                "a PatchOp must list {PATCH_OP_URN} in `schemas`"
            )));
        }
    }
    let operations = object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("Operations"))
        .map(|(_, v)| v);
    let Some(Value::Array(operations)) = operations else {
        return Err(ScimError::invalid_syntax(
            "a PatchOp needs an `Operations` array",
        ));
    };
    operations
        .iter()
        .enumerate()
        .map(|(i, op)| operation(i, op, leniency))
        .collect()
}

fn operation(i: usize, op: &Value, leniency: Leniency) -> Result<Operation, ScimError> {
    let op = message::operation(i, op)?;
    let field = |name: &str| message::member(op, name);
    let name = field("op").and_then(Value::as_str).unwrap_or_default();
    let strict = leniency == Leniency::Strict;
    let kind = match name {
        "add" => Op::Add,
        "remove" => Op::Remove,
        "replace" => Op::Replace,
        // Entra sends `Add`, `Replace`, `Remove`.
        n if !strict && n.eq_ignore_ascii_case("add") => Op::Add,
        n if !strict && n.eq_ignore_ascii_case("remove") => Op::Remove,
        n if !strict && n.eq_ignore_ascii_case("replace") => Op::Replace,
        other => {
            return Err(ScimError::invalid_syntax(format!(
                "Operations[{i}].op must be \"add\", \"remove\" or \"replace\", got {other:?}"
            )));
        }
    };
    let path = match field("path") {
        None | Some(Value::Null) => None,
        Some(Value::String(p)) if p.trim().is_empty() => None,
        Some(Value::String(p)) => Some(parse_path(p.trim(), leniency)?),
        Some(other) => {
            return Err(ScimError::invalid_path(format!(
                "Operations[{i}].path must be a string, got {other}"
            )));
        }
    };
    let value = field("value").cloned();
    if kind != Op::Remove && value.is_none() {
        return Err(ScimError::invalid_syntax(format!(
            "Operations[{i}] ({name}) needs a `value`"
        )));
    }
    if kind == Op::Remove && path.is_none() {
        return Err(ScimError::no_target(format!(
            "Operations[{i}]: remove needs a `path` naming what to remove"
        )));
    }
    Ok(Operation {
        op: kind,
        path,
        value,
    })
}
