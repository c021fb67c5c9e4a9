//! Input validation and IdP leniency for resource bodies (RFC 7643 §2, RFC 7644 §3.3, §3.5.1;
//! shared/idp-quirks.md §2.9). Everything after this module sees canonical data: attribute
//! names as the schema spells them, typed values, extension attributes under their URN, and
//! no unassigned (`null`, `""`, `[]`) values.
use serde_json::{Map, Value};

mod immutable;

pub use immutable::keep_immutable;

use super::error::ScimError;
use super::schema::{AttrType, Attribute, ResourceType, Returned, Schema};

/// Whether the non-RFC accommodations for real IdPs are on (the default) or off
/// (`SCIMD_STRICT=true`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Leniency {
    #[default]
    Lenient,
    Strict,
}

impl Leniency {
    fn strict(self) -> bool {
        self == Self::Strict
    }
}

/// Validates a POST or PUT body against `rt` and returns its canonical attributes.
/// readOnly attributes (`id`, `meta`, `groups`, …) are dropped, as RFC 7644 §3.3 asks.
pub fn normalize(
    rt: &ResourceType,
    body: &Value,
    leniency: Leniency,
) -> Result<Map<String, Value>, ScimError> {
    let Value::Object(object) = body else {
        return Err(ScimError::invalid_syntax(
            "the request body must be a JSON object",
        ));
    };
    check_schemas(rt, object.get("schemas"), leniency)?;
    let mut out = Map::new();
    for (key, value) in object {
        if key == "schemas" {
            continue;
        }
        if let Some(extension) = rt.extension(key) {
            normalize_extension(&extension.schema, key, value, leniency, &mut out)?;
            continue;
        }
        let (urn, name) = rt.split_urn(key);
        let Some(found) = rt.attribute(urn, name) else {
            if leniency.strict() {
                return Err(ScimError::invalid_syntax(format!(
                    "unknown attribute `{key}` for resource type {}",
                    rt.name()
                )));
            }
            continue;
        };
        let unqualified_extension = urn.is_none() && found.is_extension(&rt.schema);
        if unqualified_extension && leniency.strict() {
            return Err(ScimError::invalid_syntax(format!(
                "`{key}` belongs to an extension; send it inside the extension's URN object"
            )));
        }
        let target = match found.schema.filter(|_| found.is_extension(&rt.schema)) {
            Some(schema) => extension_object(&mut out, &schema.id),
            None => &mut out,
        };
        insert(target, found.attribute, value, key, leniency)?;
    }
    check_required(rt, &out)?;
    Ok(out)
}

/// Normalises the value of one attribute. `Ok(None)` means unassigned.
pub fn normalize_attribute(
    attr: &Attribute,
    value: &Value,
    path: &str,
    leniency: Leniency,
) -> Result<Option<Value>, ScimError> {
    if attr.multi_valued {
        let items: Vec<&Value> = match value {
            Value::Null => return Ok(None),
            Value::Array(items) => items.iter().collect(),
            // Old OneLogin templates send a single object where an array belongs; a bare id
            // stands for one reference (`members: "id"`), a bare scalar for one simple value.
            single @ Value::Object(_) if !leniency.strict() => vec![single],
            single if !leniency.strict() && (!attr.is_complex() || attr.refers_to_resources()) => {
                vec![single]
            }
            // `"emails": "a@b.c"`: which sub-attribute the string was meant for is a guess.
            single if attr.is_complex() => {
                return Err(ScimError::invalid_value(format!(
                    "`{path}` is a multi-valued complex attribute: send an array of objects \
                     such as [{{\"value\": …}}], got {}",
                    describe_unless_never(attr, single)
                )));
            }
            _ => {
                return Err(ScimError::invalid_value(format!(
                    "`{path}` is multi-valued and must be an array"
                )));
            }
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            if let Some(v) = normalize_single(attr, item, &format!("{path}[{i}]"), leniency)? {
                out.push(v);
            }
        }
        if attr.is_complex() {
            single_primary(&mut out, path, leniency)?;
        }
        return Ok((!out.is_empty()).then_some(Value::Array(out)));
    }
    match value {
        // A one-element array for a singular attribute (Entra sends manager that way).
        Value::Array(items) if items.len() <= 1 && !leniency.strict() => match items.first() {
            Some(item) => normalize_single(attr, item, path, leniency),
            None => Ok(None),
        },
        Value::Array(_) => Err(ScimError::invalid_value(format!(
            "`{path}` is single-valued and must not be an array"
        ))),
        _ => normalize_single(attr, value, path, leniency),
    }
}

fn check_schemas(
    rt: &ResourceType,
    schemas: Option<&Value>,
    leniency: Leniency,
) -> Result<(), ScimError> {
    // OneLogin templates may omit `schemas` or send unknown URNs; only strict mode cares.
    if !leniency.strict() {
        return Ok(());
    }
    let Some(Value::Array(urns)) = schemas else {
        return Err(ScimError::invalid_syntax(format!(
            "`schemas` must be an array containing \"{}\"",
            rt.schema.id
        )));
    };
    let mut has_core = false;
    for urn in urns {
        let Some(urn) = urn.as_str() else {
            return Err(ScimError::invalid_syntax("`schemas` must contain strings"));
        };
        if urn.eq_ignore_ascii_case(&rt.schema.id) {
            has_core = true;
        } else if rt.extension(urn).is_none() {
            return Err(ScimError::invalid_value(format!(
                "schema \"{urn}\" is not supported by resource type {}",
                rt.name()
            )));
        }
    }
    if has_core {
        Ok(())
    } else {
        Err(ScimError::invalid_syntax(format!(
            "`schemas` must contain \"{}\"",
            rt.schema.id
        )))
    }
}

fn normalize_extension(
    schema: &Schema,
    key: &str,
    value: &Value,
    leniency: Leniency,
    out: &mut Map<String, Value>,
) -> Result<(), ScimError> {
    let object = match value {
        Value::Null => return Ok(()),
        Value::Object(object) => object,
        _ => {
            return Err(ScimError::invalid_syntax(format!(
                "`{key}` must be a JSON object of extension attributes"
            )));
        }
    };
    let target = extension_object(out, &schema.id);
    for (name, value) in object {
        match schema.attribute(name) {
            Some(attr) => insert(
                target,
                attr,
                value,
                &format!("{}:{name}", schema.id),
                leniency,
            )?,
            None if leniency.strict() => {
                return Err(ScimError::invalid_syntax(format!(
                    "unknown attribute `{name}` in extension {}",
                    schema.id
                )));
            }
            None => {}
        }
    }
    if target.is_empty() {
        out.remove(&schema.id);
    }
    Ok(())
}

/// The object holding extension `urn`'s attributes inside `data`, created if absent.
pub fn extension_object<'m>(
    data: &'m mut Map<String, Value>,
    urn: &str,
) -> &'m mut Map<String, Value> {
    let slot = data
        .entry(urn.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    match slot {
        Value::Object(map) => map,
        _ => unreachable!("the slot was made an object just above"),
    }
}

fn insert(
    target: &mut Map<String, Value>,
    attr: &Attribute,
    value: &Value,
    path: &str,
    leniency: Leniency,
) -> Result<(), ScimError> {
    if attr.is_read_only() {
        return Ok(());
    }
    if target.contains_key(&attr.name) {
        return Err(ScimError::invalid_syntax(format!(
            "attribute `{}` appears more than once (names are case-insensitive)",
            attr.name
        )));
    }
    if let Some(v) = normalize_attribute(attr, value, path, leniency)? {
        target.insert(attr.name.clone(), v);
    }
    Ok(())
}

fn normalize_single(
    attr: &Attribute,
    value: &Value,
    path: &str,
    leniency: Leniency,
) -> Result<Option<Value>, ScimError> {
    let lenient = !leniency.strict();
    let wrong = |what: &str| {
        // A value that is never returned (a password) is not quoted back either.
        let got = match attr.returned {
            Returned::Never => String::new(),
            _ => format!(", got {}", describe(value)),
        };
        Err(ScimError::invalid_value(format!(
            "`{path}` must be {what}{got}"
        )))
    };
    match (attr.kind, value) {
        (_, Value::Null) => Ok(None),
        (AttrType::Complex, Value::Object(object)) => {
            normalize_complex(attr, object, path, leniency)
        }
        // `manager: "id"`, `members: ["id"]` (Entra, Microsoft's reference shape): a bare id
        // where a reference to a resource belongs. Nowhere else is it clear which
        // sub-attribute a bare value was meant for.
        (AttrType::Complex, Value::String(_) | Value::Number(_))
            if lenient && attr.refers_to_resources() =>
        {
            let object = Map::from_iter([("value".to_owned(), value.clone())]);
            normalize_complex(attr, &object, path, leniency)
        }
        (AttrType::Complex, _) => wrong("a JSON object such as {\"value\": …}"),
        // PostgreSQL cannot store NUL in text or jsonb; no real attribute value contains one.
        (AttrType::String | AttrType::Reference | AttrType::Binary, Value::String(s))
            if s.contains('\0') =>
        {
            Err(ScimError::invalid_value(format!(
                "`{path}` must not contain NUL characters"
            )))
        }
        (AttrType::String | AttrType::Reference | AttrType::Binary, Value::String(s)) => {
            Ok((!s.is_empty()).then(|| value.clone()))
        }
        (AttrType::String | AttrType::Reference, Value::Number(_) | Value::Bool(_)) if lenient => {
            Ok(Some(Value::String(value.to_string())))
        }
        (AttrType::String | AttrType::Reference | AttrType::Binary, _) => wrong("a string"),
        (AttrType::Boolean, Value::Bool(_)) => Ok(Some(value.clone())),
        (AttrType::Boolean, Value::String(s)) if lenient => match parse_bool(s) {
            Some(b) => Ok(Some(Value::Bool(b))),
            None if s.is_empty() => Ok(None),
            None => wrong("a boolean (true or false)"),
        },
        (AttrType::Boolean, _) => wrong("a boolean (true or false)"),
        (AttrType::Integer, Value::Number(n)) if n.is_i64() || n.is_u64() => {
            Ok(Some(value.clone()))
        }
        (AttrType::Integer, Value::String(s)) if lenient => match s.trim().parse::<i64>() {
            Ok(i) => Ok(Some(Value::from(i))),
            Err(_) if s.is_empty() => Ok(None),
            Err(_) => wrong("an integer"),
        },
        (AttrType::Integer, _) => wrong("an integer"),
        (AttrType::Decimal, Value::Number(_)) => Ok(Some(value.clone())),
        (AttrType::Decimal, Value::String(s)) if lenient => {
            match s
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
            {
                Some(n) => Ok(Some(Value::Number(n))),
                None if s.is_empty() => Ok(None),
                None => wrong("a decimal number"),
            }
        }
        (AttrType::Decimal, _) => wrong("a decimal number"),
        (AttrType::DateTime, Value::String(s)) if s.is_empty() => Ok(None),
        (AttrType::DateTime, Value::String(s)) if is_date_time(s) => Ok(Some(value.clone())),
        (AttrType::DateTime, _) => wrong("an xsd:dateTime such as \"2008-01-23T04:56:22Z\""),
    }
}

fn normalize_complex(
    attr: &Attribute,
    object: &Map<String, Value>,
    path: &str,
    leniency: Leniency,
) -> Result<Option<Value>, ScimError> {
    let mut out = Map::new();
    for (name, value) in object {
        let Some(sub) = attr
            .sub_attribute(name)
            .or_else(|| label_alias(attr, object, name, leniency))
        else {
            if leniency.strict() {
                return Err(ScimError::invalid_syntax(format!(
                    "unknown sub-attribute `{path}.{name}`"
                )));
            }
            continue;
        };
        insert(
            &mut out,
            sub,
            value,
            &format!("{path}.{}", sub.name),
            leniency,
        )?;
    }
    if out.is_empty() {
        return Ok(None);
    }
    for sub in attr.sub_attributes.iter().filter(|s| s.required) {
        if !out.contains_key(&sub.name) {
            return Err(ScimError::invalid_value(format!(
                "`{path}.{}` is required",
                sub.name
            )));
        }
    }
    Ok(Some(Value::Object(out)))
}

/// Microsoft's reference collection labels members `{"value": id, "displayName": "…"}`: in
/// lenient mode a `displayName` inside a reference to resources that has only `display` is
/// read as `display`, unless the object carries `display` too.
fn label_alias<'a>(
    attr: &'a Attribute,
    object: &Map<String, Value>,
    name: &str,
    leniency: Leniency,
) -> Option<&'a Attribute> {
    let alias = !leniency.strict()
        && attr.refers_to_resources()
        && name.eq_ignore_ascii_case("displayName")
        && !object.keys().any(|k| k.eq_ignore_ascii_case("display"));
    alias.then(|| attr.sub_attribute("display")).flatten()
}

/// RFC 7643 §2.4: "primary" may be true for at most one value.
fn single_primary(values: &mut [Value], path: &str, leniency: Leniency) -> Result<(), ScimError> {
    let mut seen = false;
    for value in values.iter_mut() {
        let Some(object) = value.as_object_mut() else {
            continue;
        };
        if object.get("primary") != Some(&Value::Bool(true)) {
            continue;
        }
        if !seen {
            seen = true;
        } else if leniency.strict() {
            return Err(ScimError::invalid_value(format!(
                "`{path}` has more than one value with \"primary\": true"
            )));
        } else {
            // Keep the first primary value, as a client listing its preferred one first meant.
            object.insert("primary".to_owned(), Value::Bool(false));
        }
    }
    Ok(())
}

fn check_required(rt: &ResourceType, data: &Map<String, Value>) -> Result<(), ScimError> {
    for attr in rt
        .schema
        .attributes
        .iter()
        .filter(|a| a.required && !a.is_read_only())
    {
        if !data.contains_key(&attr.name) {
            return Err(ScimError::invalid_value(format!(
                "`{}` is required for a {}",
                attr.name,
                rt.name()
            )));
        }
    }
    for ext in &rt.extensions {
        let present = data.get(&ext.schema.id).and_then(Value::as_object);
        if ext.required && present.is_none() {
            return Err(ScimError::invalid_value(format!(
                "extension {} is required for a {}",
                ext.schema.id,
                rt.name()
            )));
        }
        for attr in ext.schema.attributes.iter().filter(|a| a.required) {
            if present.is_some_and(|p| !p.contains_key(&attr.name)) {
                return Err(ScimError::invalid_value(format!(
                    "`{}:{}` is required",
                    ext.schema.id, attr.name
                )));
            }
        }
    }
    Ok(())
}

/// Booleans as Entra and OneLogin send them: `"True"`, `"false"`, any case.
pub fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// xsd:dateTime (RFC 7643 §2.3.5): RFC 3339 with an offset, or without one.
pub fn is_date_time(s: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(s).is_ok()
        || chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").is_ok()
}

/// A value that is never returned (a password) is not quoted back either.
fn describe_unless_never(attr: &Attribute, value: &Value) -> String {
    match attr.returned {
        Returned::Never => "a value of the wrong type".to_owned(),
        _ => describe(value),
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Object(_) => "an object".to_owned(),
        Value::Array(_) => "an array".to_owned(),
        other => {
            let text = other.to_string();
            if text.chars().count() > 40 {
                format!("{}…", text.chars().take(40).collect::<String>())
            } else {
                text
            }
        }
    }
}

#[cfg(test)]
mod tests;
