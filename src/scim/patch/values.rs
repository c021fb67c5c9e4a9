//! How one operation changes the values of one attribute: the whole attribute, a
//! sub-attribute, or the elements a value filter selects (RFC 7644 §3.5.2.1–§3.5.2.3).
use serde_json::{Map, Value};

use super::Op;
use crate::scim::ScimError;
use crate::scim::filter::Resolved;
use crate::scim::filter::eval::element_matches;
use crate::scim::filter::{CompValue, CompareOp, Filter};
use crate::scim::schema::Attribute;
use crate::scim::search_document::fold_element;
use crate::scim::validate::{self, Leniency};

/// A normalised value for `attr` (or its sub-attribute).
pub(super) fn normalized(
    attr: &Attribute,
    value: &Value,
    path: &str,
    leniency: Leniency,
) -> Result<Option<Value>, ScimError> {
    validate::normalize_attribute(attr, value, path, leniency)
}

/// An operation on a whole attribute or one sub-attribute, without a value filter.
pub(super) fn whole_attribute(
    container: &mut Map<String, Value>,
    attr: &Attribute,
    sub: Option<&Attribute>,
    op: Op,
    value: Option<Value>,
    leniency: Leniency,
) -> Result<(), ScimError> {
    let name = attr.name.clone();
    if let Some(sub) = sub {
        let path = format!("{name}.{}", sub.name);
        let new = match (op, &value) {
            (Op::Remove, _) => None,
            (_, Some(v)) => normalized(sub, v, &path, leniency)?,
            (_, None) => None,
        };
        let slot = container.entry(name.clone()).or_insert_with(|| {
            if attr.multi_valued {
                Value::Array(Vec::new())
            } else {
                Value::Object(Map::new())
            }
        });
        let objects: Vec<&mut Map<String, Value>> = match slot {
            Value::Array(items) => items.iter_mut().filter_map(Value::as_object_mut).collect(),
            Value::Object(o) => vec![o],
            _ => Vec::new(),
        };
        for object in objects {
            match &new {
                Some(v) => object.insert(sub.name.clone(), v.clone()),
                None => object.remove(&sub.name),
            };
        }
        prune(container, &name);
        return Ok(());
    }
    match op {
        Op::Remove => {
            match (&value, container.get_mut(&name)) {
                // Entra: remove with a value list removes just those elements.
                (Some(v), Some(Value::Array(items))) if !v.is_null() && attr.multi_valued => {
                    let gone =
                        normalized(attr, v, &name, leniency)?.unwrap_or(Value::Array(Vec::new()));
                    let gone = gone.as_array().cloned().unwrap_or_default();
                    items.retain(|item| !gone.iter().any(|g| same_element(g, item)));
                }
                _ => {
                    container.remove(&name);
                }
            }
        }
        Op::Add | Op::Replace => {
            let Some(new) = value
                .as_ref()
                .map(|v| normalized(attr, v, &name, leniency))
                .transpose()?
                .flatten()
            else {
                // Adding or replacing with an unassigned value clears it (MS null test).
                container.remove(&name);
                return Ok(());
            };
            match (op, container.get_mut(&name), new) {
                (Op::Add, Some(Value::Array(items)), Value::Array(added)) => {
                    for item in added {
                        if !items.iter().any(|i| same_element(i, &item)) {
                            items.push(item);
                        }
                    }
                }
                // A complex value's sub-attributes merge into what is there (RFC 7644 §3.5.2.3).
                (_, Some(Value::Object(current)), Value::Object(new)) if !attr.multi_valued => {
                    for (k, v) in new {
                        current.insert(k, v);
                    }
                }
                (_, _, new) => {
                    container.insert(name.clone(), new);
                }
            }
        }
    }
    prune(container, &name);
    Ok(())
}

/// Removes an attribute left empty (`{}` or `[]`): unassigned.
pub(super) fn prune(container: &mut Map<String, Value>, name: &str) {
    let empty = match container.get(name) {
        Some(Value::Array(items)) => {
            items
                .iter()
                .all(|i| i.as_object().is_some_and(Map::is_empty))
                || items.is_empty()
        }
        Some(Value::Object(o)) => o.is_empty(),
        _ => false,
    };
    if empty {
        container.remove(name);
    }
}

/// Two elements are the same when their `value` (else the whole element) matches.
pub(super) fn same_element(a: &Value, b: &Value) -> bool {
    match (a.get("value"), b.get("value")) {
        (Some(x), Some(y)) => x == y && (a.get("type").is_none() || a.get("type") == b.get("type")),
        _ => a == b,
    }
}

/// The elements of a multi-valued attribute a value filter selects.
pub(super) struct Elements<'a> {
    pub(super) attr: &'a Attribute,
    pub(super) inner: &'a Resolved,
    pub(super) filter: &'a Filter,
}

impl Elements<'_> {
    pub(super) fn apply(
        &self,
        container: &mut Map<String, Value>,
        op: Op,
        sub: Option<&Attribute>,
        value: Option<Value>,
        leniency: Leniency,
    ) -> Result<(), ScimError> {
        let name = self.attr.name.clone();
        let new = match (op, sub, &value) {
            (Op::Remove, _, _) | (_, _, None) => None,
            (_, Some(sub), Some(v)) => {
                normalized(sub, v, &format!("{name}.{}", sub.name), leniency)?
            }
            (_, None, Some(v)) => {
                let single = Attribute {
                    multi_valued: false,
                    ..self.attr.clone()
                };
                normalized(&single, v, &name, leniency)?
            }
        };
        let items = match container.get_mut(&name) {
            Some(Value::Array(items)) => std::mem::take(items),
            _ => Vec::new(),
        };
        let mut matched = false;
        let mut kept = Vec::with_capacity(items.len());
        for mut item in items {
            if !element_matches(self.inner, &fold_element(self.attr, &item)) {
                kept.push(item);
                continue;
            }
            matched = true;
            match (op, sub, &new) {
                (Op::Remove, None, _) => continue,
                (Op::Remove, Some(sub), _) | (_, Some(sub), None) => {
                    if let Some(o) = item.as_object_mut() {
                        o.remove(&sub.name);
                    }
                }
                (_, Some(sub), Some(v)) => {
                    if let Some(o) = item.as_object_mut() {
                        o.insert(sub.name.clone(), v.clone());
                    }
                }
                (_, None, Some(Value::Object(v))) => {
                    if let Some(o) = item.as_object_mut() {
                        for (k, x) in v {
                            o.insert(k.clone(), x.clone());
                        }
                    }
                }
                (_, None, _) => {}
            }
            kept.push(item);
        }
        // Entra adds `emails[type eq "work"].value` when no work email exists yet.
        if !matched && op != Op::Remove {
            let mut created = Map::new();
            for (k, v) in equalities(self.filter) {
                if let Some(s) = self.attr.sub_attribute(&k) {
                    created.insert(s.name.clone(), v);
                }
            }
            match (sub, new) {
                (Some(sub), Some(v)) => {
                    created.insert(sub.name.clone(), v);
                }
                (None, Some(Value::Object(v))) => created.extend(v),
                _ => {}
            }
            kept.push(Value::Object(created));
        }
        container.insert(name.clone(), Value::Array(kept));
        prune(container, &name);
        Ok(())
    }
}

/// `type eq "work" and primary eq true` → [("type", "work"), ("primary", true)].
pub(super) fn equalities(filter: &Filter) -> Vec<(String, Value)> {
    match filter {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value,
        } if path.urn.is_none() && path.sub.is_none() => {
            let v = match value {
                CompValue::String(s) => Value::String(s.clone()),
                CompValue::Bool(b) => Value::Bool(*b),
                CompValue::Number(n) => Value::Number(n.clone()),
                CompValue::Null => return Vec::new(),
            };
            vec![(path.name.clone(), v)]
        }
        Filter::And(l, r) => {
            let mut out = equalities(l);
            out.extend(equalities(r));
            out
        }
        _ => Vec::new(),
    }
}
