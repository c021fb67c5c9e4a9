//! Tenant-defined schema extensions: an RFC 7643 §7 schema document read into a [`Schema`],
//! with the characteristics §2.2 leaves out filled in by their defaults, and every mistake
//! reported as one line an operator can act on.
//!
//! Two rules go beyond the RFC because scimd could not keep them otherwise:
//! - `uniqueness` other than `none` is rejected: scimd enforces uniqueness as a database
//!   constraint, and has such constraints only for `userName`, group `displayName` and `id`.
//! - URNs are restricted to characters that need no quoting anywhere scimd uses them (filter
//!   and PATCH paths, JSON paths in SQL), and none may be a prefix of another, so that
//!   `urn:…:Name:attr` splits into URN and attribute one way only.
use std::fmt;

use serde_json::{Map, Value};

mod urn;

pub use urn::{check_clash, check_urn};

use super::{AttrType, Attribute, Mutability, ResourceType, Returned, Schema, Uniqueness};

/// Why a schema document was refused; its text is one line for an operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentError(pub String);

impl fmt::Display for DocumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DocumentError {}

fn err<T>(detail: impl Into<String>) -> Result<T, DocumentError> {
    Err(DocumentError(detail.into()))
}

// Bounds that keep a registry, and every document it renders, reasonably small.
const MAX_NAME_LEN: usize = 64;
const MAX_ATTRIBUTES: usize = 100;
const MAX_SUB_ATTRIBUTES: usize = 50;
const MAX_CANONICAL_VALUES: usize = 200;
const MAX_TEXT_LEN: usize = 2048;

const DOCUMENT_KEYS: [&str; 6] = ["id", "name", "description", "attributes", "schemas", "meta"];
const ATTRIBUTE_KEYS: [&str; 12] = [
    "name",
    "type",
    "multiValued",
    "description",
    "required",
    "canonicalValues",
    "caseExact",
    "mutability",
    "returned",
    "uniqueness",
    "referenceTypes",
    "subAttributes",
];
const TYPES: [(&str, AttrType); 8] = [
    ("string", AttrType::String),
    ("boolean", AttrType::Boolean),
    ("decimal", AttrType::Decimal),
    ("integer", AttrType::Integer),
    ("dateTime", AttrType::DateTime),
    ("binary", AttrType::Binary),
    ("reference", AttrType::Reference),
    ("complex", AttrType::Complex),
];
const MUTABILITIES: [(&str, Mutability); 4] = [
    ("readOnly", Mutability::ReadOnly),
    ("readWrite", Mutability::ReadWrite),
    ("immutable", Mutability::Immutable),
    ("writeOnly", Mutability::WriteOnly),
];
const RETURNED: [(&str, Returned); 4] = [
    ("always", Returned::Always),
    ("never", Returned::Never),
    ("default", Returned::Default),
    ("request", Returned::Request),
];
const UNIQUENESS: [(&str, Uniqueness); 3] = [
    ("none", Uniqueness::None),
    ("server", Uniqueness::Server),
    ("global", Uniqueness::Global),
];
/// RFC 7643 §7 `referenceTypes`: the resource types scimd has, `external` and `uri`.
const REFERENCE_TYPES: [&str; 4] = ["User", "Group", "external", "uri"];

/// Reads a schema document (RFC 7643 §7) meant as a resource type extension. The result has
/// every characteristic explicit; [`document`] turns it back into JSON that reads the same.
pub fn parse(doc: &Value) -> Result<Schema, DocumentError> {
    let Value::Object(doc) = doc else {
        return err("a schema document must be a JSON object with `id` and `attributes`");
    };
    if let Some(key) = doc.keys().find(|k| !DOCUMENT_KEYS.contains(&k.as_str())) {
        return err(format!(
            "unknown member `{key}` in the schema document; expected {}",
            DOCUMENT_KEYS.join(", ")
        ));
    }
    let id = match doc.get("id") {
        Some(Value::String(id)) => id.trim(),
        Some(_) => return err("`id` must be a string: the schema's URN"),
        None => {
            return err(
                "the schema document needs an `id`: its URN, e.g. \"urn:ietf:params:scim:schemas:extension:acme:2.0:User\"",
            );
        }
    };
    check_urn(id)?;
    let name = optional_text(doc, "name", "the schema document")?.unwrap_or(id);
    let description = optional_text(doc, "description", "the schema document")?.unwrap_or("");
    let attributes = match doc.get("attributes") {
        Some(Value::Array(items)) if !items.is_empty() => items,
        Some(Value::Array(_)) => return err("`attributes` is empty; list at least one attribute"),
        Some(_) => return err("`attributes` must be an array of attribute definitions"),
        None => {
            return err(
                "the schema document needs `attributes`: an array of attribute definitions",
            );
        }
    };
    if attributes.len() > MAX_ATTRIBUTES {
        return err(format!(
            "{} attributes is too many; at most {MAX_ATTRIBUTES}",
            attributes.len()
        ));
    }
    let attributes = attributes_of(attributes, None)?;
    Ok(Schema {
        id: id.to_owned(),
        name: name.to_owned(),
        description: description.to_owned(),
        attributes,
    })
}

/// The JSON a parsed schema is stored as: what [`parse`] reads back to the same schema.
pub fn document(schema: &Schema) -> Value {
    serde_json::json!({
        "id": schema.id,
        "name": schema.name,
        "description": schema.description,
        "attributes": schema.attributes,
    })
}

/// The top-level attributes of `schema` that an unqualified name will not reach once it
/// extends `rt`, because `rt` (core first, then its extensions in order) already has an
/// attribute of that name; each with the URN of the schema that wins (`None`: the common
/// attributes). Such attributes need their URN in filters, `sortBy` and PATCH paths.
pub fn shadowed<'s>(schema: &'s Schema, rt: &ResourceType) -> Vec<(&'s str, Option<String>)> {
    schema
        .attributes
        .iter()
        .filter_map(|a| {
            let found = rt.attribute(None, &a.name)?;
            Some((a.name.as_str(), found.schema.map(|s| s.id.clone())))
        })
        .collect()
}

fn optional_text<'v>(
    object: &'v Map<String, Value>,
    key: &str,
    whose: &str,
) -> Result<Option<&'v str>, DocumentError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() > MAX_TEXT_LEN => err(format!(
            "`{key}` of {whose} is longer than {MAX_TEXT_LEN} characters"
        )),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => err(format!("`{key}` of {whose} must be a string")),
    }
}

/// The attributes of a schema (`parent` `None`) or the sub-attributes of `parent`.
fn attributes_of(items: &[Value], parent: Option<&str>) -> Result<Vec<Attribute>, DocumentError> {
    let mut out: Vec<Attribute> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let attr = attribute(item, i, parent)?;
        if let Some(twin) = out.iter().find(|a| a.name.eq_ignore_ascii_case(&attr.name)) {
            return err(format!(
                "attribute `{}` is defined twice (as `{}` and `{}`; names are case-insensitive)",
                qualified(parent, &attr.name),
                twin.name,
                attr.name
            ));
        }
        out.push(attr);
    }
    Ok(out)
}

fn qualified(parent: Option<&str>, name: &str) -> String {
    match parent {
        Some(p) => format!("{p}.{name}"),
        None => name.to_owned(),
    }
}

fn attribute(item: &Value, i: usize, parent: Option<&str>) -> Result<Attribute, DocumentError> {
    let place = match parent {
        Some(p) => format!("sub-attribute {i} of `{p}`"),
        None => format!("attribute {i}"),
    };
    let Value::Object(def) = item else {
        return err(format!(
            "{place} must be a JSON object with at least a `name`"
        ));
    };
    let name = match def.get("name") {
        Some(Value::String(n)) => n.as_str(),
        Some(_) => return err(format!("the `name` of {place} must be a string")),
        None => return err(format!("{place} has no `name`")),
    };
    check_name(name, parent.is_some())
        .map_err(|why| DocumentError(format!("{place}: attribute name {name:?} {why}")))?;
    let at = format!("attribute `{}`", qualified(parent, name));
    if let Some(key) = def.keys().find(|k| !ATTRIBUTE_KEYS.contains(&k.as_str())) {
        let hint = ATTRIBUTE_KEYS
            .iter()
            .find(|k| distance(&k.to_ascii_lowercase(), &key.to_ascii_lowercase()) <= 2)
            .map(|k| format!(" (did you mean `{k}`?)"))
            .unwrap_or_default();
        return err(format!(
            "{at}: unknown characteristic `{key}`{hint}; RFC 7643 §7 defines {}",
            ATTRIBUTE_KEYS.join(", ")
        ));
    }
    // RFC 7643 §2.2: without a type an attribute is a string.
    let kind = keyword(def, "type", &TYPES, &at)?.unwrap_or(AttrType::String);
    let mut attr = Attribute::new(name, kind, "");
    attr.description = optional_text(def, "description", &at)?
        .unwrap_or("")
        .to_owned();
    attr.multi_valued = flag(def, "multiValued", &at)?;
    attr.required = flag(def, "required", &at)?;
    attr.case_exact = flag(def, "caseExact", &at)?;
    attr.mutability =
        keyword(def, "mutability", &MUTABILITIES, &at)?.unwrap_or(Mutability::ReadWrite);
    let returned = keyword(def, "returned", &RETURNED, &at)?;
    attr.uniqueness = keyword(def, "uniqueness", &UNIQUENESS, &at)?.unwrap_or(Uniqueness::None);
    attr.canonical_values = strings(def, "canonicalValues", &at, MAX_CANONICAL_VALUES)?;
    attr.reference_types = strings(def, "referenceTypes", &at, REFERENCE_TYPES.len())?;
    attr.returned = match (attr.mutability, returned) {
        // A writeOnly value is never shown (RFC 7643 §7): a password, a PIN.
        (Mutability::WriteOnly, None | Some(Returned::Never)) => Returned::Never,
        (Mutability::WriteOnly, Some(_)) => {
            return err(format!(
                "{at} is writeOnly, so it is never returned; set `returned` to \"never\" or leave it out"
            ));
        }
        (_, returned) => returned.unwrap_or(Returned::Default),
    };
    if attr.uniqueness != Uniqueness::None {
        return err(format!(
            "{at}: uniqueness {:?} is not supported on custom attributes (scimd enforces uniqueness only on userName, group displayName and id); use \"none\"",
            keyword_name(&UNIQUENESS, attr.uniqueness)
        ));
    }
    if attr.required && attr.is_read_only() {
        return err(format!(
            "{at} is required and readOnly: no client could ever set it; drop one of the two"
        ));
    }
    // Projection and filters apply `returned` to whole top-level attributes; a hidden
    // sub-attribute would show with its parent, or be guessable through a filter.
    if parent.is_some() && matches!(attr.returned, Returned::Never | Returned::Request) {
        return err(format!(
            "{at}: returned \"{}\" (or writeOnly) is supported on top-level attributes only",
            keyword_name(&RETURNED, attr.returned)
        ));
    }
    if parent.is_some() && attr.multi_valued {
        return err(format!(
            "{at} is a multi-valued sub-attribute; scimd supports multi-valued attributes at the top level only"
        ));
    }
    check_references(&mut attr, &at)?;
    let subs = def.get("subAttributes");
    match (kind, subs, parent) {
        (AttrType::Complex, _, Some(_)) => {
            return err(format!(
                "{at} is complex inside a complex attribute; RFC 7643 §2.3.8 allows one level only"
            ));
        }
        (AttrType::Complex, Some(Value::Array(items)), None) if !items.is_empty() => {
            if items.len() > MAX_SUB_ATTRIBUTES {
                return err(format!(
                    "{at} has {} sub-attributes; at most {MAX_SUB_ATTRIBUTES}",
                    items.len()
                ));
            }
            attr.sub_attributes = attributes_of(items, Some(name))?;
        }
        (AttrType::Complex, Some(Value::Array(_)) | None, None) => {
            return err(format!(
                "{at} is complex: list its `subAttributes` (e.g. value and type)"
            ));
        }
        (AttrType::Complex, Some(_), None) => {
            return err(format!("{at}: `subAttributes` must be an array"));
        }
        (_, None, _) => {}
        (_, Some(_), _) => {
            return err(format!(
                "{at} has `subAttributes` but is not complex; set \"type\": \"complex\" or drop them"
            ));
        }
    }
    Ok(attr)
}

/// RFC 7643 §2.1 `ATTRNAME = ALPHA *(nameChar)`; `$ref` is allowed as a sub-attribute, as
/// §2.4 uses it.
fn check_name(name: &str, sub: bool) -> Result<(), &'static str> {
    if sub && name == "$ref" {
        return Ok(());
    }
    let mut chars = name.chars();
    if !chars.next().is_some_and(|c| c.is_ascii_alphabetic()) {
        return Err("must start with a letter (RFC 7643 §2.1 ATTRNAME)");
    }
    if !chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err("may contain only letters, digits, '-' and '_' (RFC 7643 §2.1 ATTRNAME)");
    }
    if name.len() > MAX_NAME_LEN {
        return Err("is too long (at most 64 characters)");
    }
    Ok(())
}

fn check_references(attr: &mut Attribute, at: &str) -> Result<(), DocumentError> {
    let allowed = REFERENCE_TYPES.join(", ");
    match (attr.kind, attr.reference_types.is_empty()) {
        (AttrType::Reference, true) => err(format!(
            "{at} is a reference: list its `referenceTypes` (any of {allowed})"
        )),
        (AttrType::Reference, false) => {
            for t in &mut attr.reference_types {
                match REFERENCE_TYPES.iter().find(|r| r.eq_ignore_ascii_case(t)) {
                    Some(known) => *t = (*known).to_owned(),
                    None => {
                        return err(format!(
                            "{at}: reference type {t:?} is unknown; use any of {allowed}"
                        ));
                    }
                }
            }
            Ok(())
        }
        (_, false) => err(format!(
            "{at} has `referenceTypes` but is not a reference; set \"type\": \"reference\" or drop them"
        )),
        (_, true) => Ok(()),
    }
}

/// Levenshtein distance, for "did you mean" on a misspelt characteristic.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

fn flag(def: &Map<String, Value>, key: &str, at: &str) -> Result<bool, DocumentError> {
    match def.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => err(format!("{at}: `{key}` must be true or false, got {other}")),
    }
}

/// A keyword characteristic, compared case-insensitively; `None` when absent.
fn keyword<T: Copy>(
    def: &Map<String, Value>,
    key: &str,
    known: &[(&str, T)],
    at: &str,
) -> Result<Option<T>, DocumentError> {
    let names = || known.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ");
    match def.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => match known.iter().find(|(n, _)| n.eq_ignore_ascii_case(s)) {
            Some((_, v)) => Ok(Some(*v)),
            None => err(format!("{at}: unknown {key} {s:?}; use one of {}", names())),
        },
        Some(other) => err(format!(
            "{at}: `{key}` must be a string, one of {}; got {other}",
            names()
        )),
    }
}

fn keyword_name<T: Copy + PartialEq>(known: &[(&'static str, T)], value: T) -> &'static str {
    known
        .iter()
        .find(|(_, v)| *v == value)
        .map_or("", |(n, _)| n)
}

fn strings(
    def: &Map<String, Value>,
    key: &str,
    at: &str,
    max: usize,
) -> Result<Vec<String>, DocumentError> {
    let items = match def.get(key) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return err(format!("{at}: `{key}` must be an array of strings")),
    };
    if items.len() > max {
        return err(format!(
            "{at}: `{key}` has {} entries; at most {max}",
            items.len()
        ));
    }
    items
        .iter()
        .map(|v| match v {
            Value::String(s) if !s.is_empty() && s.len() <= MAX_NAME_LEN * 4 => Ok(s.clone()),
            _ => err(format!(
                "{at}: every entry of `{key}` must be a non-empty string of at most {} bytes",
                MAX_NAME_LEN * 4
            )),
        })
        .collect()
}

#[cfg(test)]
mod tests;
