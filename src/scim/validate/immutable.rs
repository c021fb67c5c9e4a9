//! Immutable attributes on replace (RFC 7644 §3.5.1): once set, a replacement must match.
use serde_json::{Map, Value};

use super::extension_object;
use crate::scim::error::ScimError;
use crate::scim::schema::{Attribute, Mutability, ResourceType, common_attributes};

/// Keeps immutable values (RFC 7644 §3.5.1): once set, a replacement must match. An omitted
/// immutable attribute keeps its value, since a PUT cannot clear it either.
pub fn keep_immutable(
    rt: &ResourceType,
    old: &Map<String, Value>,
    new: &mut Map<String, Value>,
) -> Result<(), ScimError> {
    let core = common_attributes().iter().chain(&rt.schema.attributes);
    keep_immutable_in(core, old, new, "")?;
    for ext in &rt.extensions {
        let urn = ext.schema.id.as_str();
        let Some(Value::Object(old_ext)) = old.get(urn) else {
            continue;
        };
        let new_ext = extension_object(new, urn);
        keep_immutable_in(ext.schema.attributes.iter(), old_ext, new_ext, urn)?;
        if new_ext.is_empty() {
            new.remove(urn);
        }
    }
    Ok(())
}

fn keep_immutable_in<'a>(
    attrs: impl Iterator<Item = &'a Attribute>,
    old: &Map<String, Value>,
    new: &mut Map<String, Value>,
    prefix: &str,
) -> Result<(), ScimError> {
    for attr in attrs.filter(|a| !a.multi_valued) {
        let Some(old_value) = old.get(&attr.name) else {
            continue;
        };
        if attr.mutability == Mutability::Immutable {
            match new.get(&attr.name) {
                None => {
                    new.insert(attr.name.clone(), old_value.clone());
                }
                Some(new_value) if new_value != old_value => {
                    let name = qualified(prefix, &attr.name);
                    return Err(ScimError::mutability(format!(
                        "`{name}` is immutable and already set; it cannot be changed"
                    )));
                }
                Some(_) => {}
            }
        } else if attr.is_complex()
            && let (Value::Object(old_sub), Some(Value::Object(new_sub))) =
                (old_value, new.get_mut(&attr.name))
        {
            keep_immutable_in(attr.sub_attributes.iter(), old_sub, new_sub, &attr.name)?;
        }
    }
    Ok(())
}

fn qualified(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else if prefix.starts_with("urn:") {
        format!("{prefix}:{name}")
    } else {
        format!("{prefix}.{name}")
    }
}
