//! `/Bulk` (RFC 7644 §3.7): the request, `bulkId` references and their order, and the
//! response. Executing operations is the API layer's job; this module decides what runs
//! when and with which ids.
use std::collections::{HashMap, HashSet};

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};

use super::ScimError;
use super::error::ErrorBody;
use super::message;
use super::schema::ResourceKind;

pub const BULK_REQUEST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
pub const BULK_RESPONSE_URN: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }
}

/// One operation as the client sent it.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub method: Method,
    pub bulk_id: Option<String>,
    /// `If-Match` for this operation.
    pub version: Option<String>,
    pub kind: ResourceKind,
    /// The resource id of `/Users/{id}`, possibly `bulkId:…`.
    pub id: Option<String>,
    pub data: Option<Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub fail_on_errors: Option<u64>,
    pub operations: Vec<Operation>,
}

/// Parses a BulkRequest; more than `max_operations` operations is 413 (RFC 7644 §3.7.4).
pub fn parse(body: &Value, max_operations: usize) -> Result<Request, ScimError> {
    let Value::Object(object) = body else {
        return Err(ScimError::invalid_syntax(
            "a BulkRequest must be a JSON object",
        ));
    };
    let field = |name: &str| message::member(object, name);
    let fail_on_errors = match field("failOnErrors") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_u64().filter(|n| *n > 0).ok_or_else(|| {
            ScimError::invalid_value("`failOnErrors` must be a positive integer")
        })?),
    };
    let Some(Value::Array(items)) = field("Operations") else {
        return Err(ScimError::invalid_syntax(
            "a BulkRequest needs an `Operations` array",
        ));
    };
    if items.len() > max_operations {
        return Err(ScimError::payload_too_large(format!(
            "the request has {} operations; the maximum is {max_operations}",
            items.len()
        )));
    }
    let operations = items
        .iter()
        .enumerate()
        .map(|(i, op)| operation(i, op))
        .collect::<Result<Vec<_>, _>>()?;
    let mut seen = HashSet::new();
    for op in &operations {
        if let Some(id) = &op.bulk_id
            && !seen.insert(id.as_str())
        {
            return Err(ScimError::invalid_value(format!(
                "bulkId {id:?} is used twice"
            )));
        }
    }
    Ok(Request {
        fail_on_errors,
        operations,
    })
}

fn operation(i: usize, op: &Value) -> Result<Operation, ScimError> {
    let op = message::operation(i, op)?;
    let field = |name: &str| message::member(op, name);
    let text = |name: &str| field(name).and_then(Value::as_str).map(str::to_owned);
    let method = match text("method")
        .unwrap_or_default()
        .to_ascii_uppercase()
        .as_str()
    {
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "PATCH" => Method::Patch,
        "DELETE" => Method::Delete,
        other => {
            return Err(ScimError::invalid_syntax(format!(
                "Operations[{i}].method must be POST, PUT, PATCH or DELETE, got {other:?}"
            )));
        }
    };
    let path = text("path").ok_or_else(|| {
        ScimError::invalid_syntax(format!("Operations[{i}] needs a `path` such as \"/Users\""))
    })?;
    let (kind, id) = resource_path(&path).ok_or_else(|| {
        ScimError::invalid_path(format!(
            "Operations[{i}].path {path:?} must be /Users, /Groups, /Users/{{id}} or /Groups/{{id}}"
        ))
    })?;
    match (method, &id) {
        (Method::Post, Some(_)) => {
            return Err(ScimError::invalid_path(format!(
                "Operations[{i}]: POST goes to /Users or /Groups, not to one resource"
            )));
        }
        (Method::Put | Method::Patch | Method::Delete, None) => {
            return Err(ScimError::invalid_path(format!(
                "Operations[{i}]: {} needs a resource path such as /Users/{{id}}",
                method.as_str()
            )));
        }
        _ => {}
    }
    let bulk_id = text("bulkId");
    if method == Method::Post && bulk_id.is_none() {
        return Err(ScimError::invalid_value(format!(
            "Operations[{i}]: a POST needs a `bulkId`"
        )));
    }
    let data = field("data").filter(|d| !d.is_null()).cloned();
    if method != Method::Delete && data.is_none() {
        return Err(ScimError::invalid_syntax(format!(
            "Operations[{i}] ({}) needs `data`",
            method.as_str()
        )));
    }
    Ok(Operation {
        method,
        bulk_id,
        version: text("version"),
        kind,
        id,
        data,
    })
}

fn resource_path(path: &str) -> Option<(ResourceKind, Option<String>)> {
    let path = path.trim().trim_start_matches('/');
    let (endpoint, id) = match path.split_once('/') {
        Some((e, id)) if !id.is_empty() && !id.contains('/') => (e, Some(id.to_owned())),
        Some(_) => return None,
        None => (path, None),
    };
    let kind = match endpoint {
        "Users" => ResourceKind::User,
        "Groups" => ResourceKind::Group,
        _ => return None,
    };
    Some((kind, id))
}

const PREFIX: &str = "bulkId:";

/// The `bulkId`s an operation refers to, in its path and anywhere in its data.
pub fn references(op: &Operation) -> HashSet<String> {
    let mut out = HashSet::new();
    if let Some(id) = op.id.as_deref().and_then(|id| id.strip_prefix(PREFIX)) {
        out.insert(id.to_owned());
    }
    if let Some(data) = &op.data {
        collect(data, &mut out);
    }
    out
}

fn collect(value: &Value, out: &mut HashSet<String>) {
    match value {
        Value::String(s) => {
            if let Some(id) = s.strip_prefix(PREFIX) {
                out.insert(id.to_owned());
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
        Value::Object(map) => map.values().for_each(|v| collect(v, out)),
        _ => {}
    }
}

/// `op` with every `bulkId:x` replaced by the id `x` created.
pub fn substitute(op: &Operation, ids: &HashMap<String, String>) -> Operation {
    let swap = |s: &str| match s.strip_prefix(PREFIX).and_then(|b| ids.get(b)) {
        Some(id) => id.clone(),
        None => s.to_owned(),
    };
    fn walk(value: &Value, swap: &dyn Fn(&str) -> String) -> Value {
        match value {
            Value::String(s) => Value::String(swap(s)),
            Value::Array(items) => Value::Array(items.iter().map(|v| walk(v, swap)).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), walk(v, swap)))
                    .collect::<Map<String, Value>>(),
            ),
            other => other.clone(),
        }
    }
    Operation {
        id: op.id.as_deref().map(swap),
        data: op.data.as_ref().map(|d| walk(d, &swap)),
        ..op.clone()
    }
}

/// The order to run operations in: request order, except that an operation waits for the
/// POSTs whose `bulkId`s it names (RFC 7644 §3.7.2). `Err(i)` for operations whose
/// references can never resolve: a cycle, or a `bulkId` no operation declares.
pub fn order(ops: &[Operation]) -> Vec<Result<usize, usize>> {
    let declared: HashMap<&str, usize> = ops
        .iter()
        .enumerate()
        .filter_map(|(i, op)| Some((op.bulk_id.as_deref()?, i)))
        .collect();
    let needs: Vec<HashSet<String>> = ops.iter().map(references).collect();
    let mut done: HashSet<String> = HashSet::new();
    let mut pending: Vec<usize> = (0..ops.len()).collect();
    let mut out = Vec::with_capacity(ops.len());
    while !pending.is_empty() {
        let ready = pending.iter().position(|&i| {
            needs[i]
                .iter()
                .all(|b| done.contains(b) || !declared.contains_key(b.as_str()))
        });
        let Some(pos) = ready else {
            out.extend(pending.drain(..).map(Err));
            break;
        };
        let i = pending.remove(pos);
        if let Some(b) = &ops[i].bulk_id {
            done.insert(b.clone());
        }
        out.push(Ok(i));
    }
    out
}

/// RFC 7644 §3.7: one result per operation that ran.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BulkResponse {
    /// The BulkResponse URN.
    #[schema(schema_with = bulk_response_urns)]
    pub schemas: [&'static str; 1],
    #[serde(rename = "Operations")]
    pub operations: Vec<BulkResult>,
}

/// What one operation did.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkResult {
    #[schema(examples("POST"))]
    pub method: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub bulk_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, format = "uri")]
    pub location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub version: Option<String>,
    /// The operation's HTTP status, as a string.
    #[schema(pattern = "^[1-5][0-9][0-9]$")]
    pub status: String,
    /// The error, for an operation that failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub response: Option<ErrorBody>,
}

fn bulk_response_urns() -> ArrayBuilder {
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some([BULK_RESPONSE_URN])),
        )
        .min_items(Some(1))
}

/// One entry of the BulkResponse.
pub fn result(
    op: &Operation,
    status: u16,
    location: Option<String>,
    version: Option<String>,
    error: Option<&ScimError>,
) -> BulkResult {
    BulkResult {
        method: op.method.as_str(),
        bulk_id: op.bulk_id.clone(),
        location,
        version,
        status: status.to_string(),
        response: error.map(ErrorBody::from),
    }
}

pub fn response(operations: Vec<BulkResult>) -> BulkResponse {
    BulkResponse {
        schemas: [BULK_RESPONSE_URN],
        operations,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn ops(body: Value) -> Vec<Operation> {
        parse(&body, 100).unwrap().operations
    }

    #[test]
    fn references_wait_for_the_posts_they_name() {
        let ops = ops(json!({"Operations": [
            {"method": "POST", "path": "/Groups", "bulkId": "g", "data": {"displayName": "g", "members": [{"value": "bulkId:u"}]}},
            {"method": "POST", "path": "/Users", "bulkId": "u", "data": {"userName": "u"}},
            {"method": "PATCH", "path": "/Users/bulkId:u", "data": {"Operations": []}}
        ]}));
        assert_eq!(order(&ops), vec![Ok(1), Ok(0), Ok(2)]);
        let ids = HashMap::from([("u".to_owned(), "42".to_owned())]);
        let swapped = substitute(&ops[0], &ids);
        assert_eq!(swapped.data.unwrap()["members"][0]["value"], "42");
        assert_eq!(substitute(&ops[2], &ids).id.as_deref(), Some("42"));
    }

    #[test]
    fn cycles_cannot_be_ordered() {
        let ops = ops(json!({"Operations": [
            {"method": "POST", "path": "/Groups", "bulkId": "a", "data": {"displayName": "a", "members": [{"value": "bulkId:b"}]}},
            {"method": "POST", "path": "/Groups", "bulkId": "b", "data": {"displayName": "b", "members": [{"value": "bulkId:a"}]}},
            {"method": "POST", "path": "/Users", "bulkId": "c", "data": {"userName": "c"}}
        ]}));
        assert_eq!(order(&ops), vec![Ok(2), Err(0), Err(1)]);
    }

    #[test]
    fn bad_requests_are_rejected_whole() {
        for (body, status) in [
            (
                json!({"Operations": [{"method": "GET", "path": "/Users"}]}),
                400,
            ),
            (
                json!({"Operations": [{"method": "POST", "path": "/Users", "data": {}}]}),
                400,
            ),
            (
                json!({"Operations": [{"method": "POST", "path": "/Other", "bulkId": "x", "data": {}}]}),
                400,
            ),
            (
                json!({"Operations": [{"method": "DELETE", "path": "/Users"}]}),
                400,
            ),
            (json!({"failOnErrors": 0, "Operations": []}), 400),
        ] {
            assert_eq!(parse(&body, 10).unwrap_err().status, status, "{body}");
        }
        let many: Vec<Value> = (0..3)
            .map(|i| json!({"method": "DELETE", "path": format!("/Users/{i}")}))
            .collect();
        assert_eq!(
            parse(&json!({"Operations": many}), 2).unwrap_err().status,
            413
        );
    }
}
