//! PATCH (RFC 7644 §3.5.2): parsing a PatchOp body and applying its operations to a
//! resource's canonical data, with the IdP shapes of shared/idp-quirks.md §2.9. Group
//! membership is not rewritten here: its changes come out as a [`MemberChange`] the store
//! applies row by row, so adding one member to a large group costs one insert.
use serde_json::{Map, Value};

mod operation;
mod password;
mod values;

pub use operation::{Op, Operation, PATCH_OP_URN, parse};
pub use password::password;

use values::{Elements, whole_attribute};

use super::ScimError;
use super::filter::eval::member_matches;
use super::filter::{self, AttrPath, Filter};
use super::filter::{Collection, Resolved};
use super::path::{PatchPath, parse_path};
use super::resource::{Member, MemberInput, member_inputs};
use super::schema::{Attribute, Mutability, ResourceKind, ResourceType};
use super::validate::{self, Leniency};

/// How a PATCH changes a Group's members.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemberChange {
    /// Replace every member with these (`None`: keep the current ones).
    pub replace: Option<Vec<MemberInput>>,
    pub add: Vec<MemberInput>,
    pub remove: Vec<String>,
    /// Remove the members matching these filters (resolved in the members' scope).
    pub remove_where: Vec<Resolved>,
}

impl MemberChange {
    pub fn is_empty(&self) -> bool {
        self.replace.is_none()
            && self.add.is_empty()
            && self.remove.is_empty()
            && self.remove_where.is_empty()
    }
}

/// Applies `ops` in order to a copy of `data`. Either all apply or the first failure is
/// returned and nothing changes.
pub fn apply(
    rt: &ResourceType,
    data: &Map<String, Value>,
    ops: &[Operation],
    leniency: Leniency,
) -> Result<(Map<String, Value>, MemberChange), ScimError> {
    let mut patcher = Patcher {
        rt,
        leniency,
        data: data.clone(),
        members: MemberChange::default(),
    };
    for op in ops {
        patcher.operation(op)?;
    }
    // The result is validated as a whole, exactly like a PUT body.
    let mut body = patcher.data;
    body.insert(
        "schemas".to_owned(),
        Value::from(rt.schema_urns().map(str::to_owned).collect::<Vec<_>>()),
    );
    let mut out = validate::normalize(rt, &Value::Object(body), Leniency::Lenient)?;
    validate::keep_immutable(rt, data, &mut out)?;
    Ok((out, patcher.members))
}

struct Patcher<'r> {
    rt: &'r ResourceType,
    leniency: Leniency,
    data: Map<String, Value>,
    members: MemberChange,
}

/// A resolved target: where the attribute's value lives and its definition.
struct Place<'r> {
    /// The extension URN whose object holds the attribute, if any.
    extension: Option<String>,
    attr: &'r Attribute,
}

impl<'r> Patcher<'r> {
    fn operation(&mut self, op: &Operation) -> Result<(), ScimError> {
        match &op.path {
            Some(path) => self.at_path(op.op, path, op.value.as_ref()),
            None => self.without_path(op.op, op.value.as_ref()),
        }
    }

    /// `{"op": "replace", "value": {"active": false, "name.givenName": "x", "urn:…": {…}}}`.
    fn without_path(&mut self, op: Op, value: Option<&Value>) -> Result<(), ScimError> {
        let Some(Value::Object(values)) = value else {
            return Err(ScimError::invalid_syntax(
                "without a `path`, `value` must be an object of attributes",
            ));
        };
        for (key, value) in values {
            // Okta sends the whole resource, readOnly attributes included.
            if ["schemas", "id", "meta"]
                .iter()
                .any(|k| key.eq_ignore_ascii_case(k))
            {
                continue;
            }
            if let Some(ext) = self.rt.extension(key) {
                let urn = ext.schema.id.clone();
                let Value::Object(inner) = value else {
                    return Err(ScimError::invalid_value(format!(
                        "`{key}` must be an object"
                    )));
                };
                self.extension_values(op, &urn, inner)?;
                continue;
            }
            if key.contains('.') && self.leniency == Leniency::Strict && !key.starts_with("urn:") {
                return Err(ScimError::invalid_path(format!(
                    "`{key}`: a dotted name needs a `path`, not a key of `value`"
                )));
            }
            let path = parse_path(key, self.leniency)?;
            if self.place(&path.attr).is_err() && self.leniency == Leniency::Lenient {
                // Unknown attributes are ignored, as on POST and PUT.
                continue;
            }
            self.at_path(op, &path, Some(value))?;
        }
        Ok(())
    }

    fn place(&self, path: &AttrPath) -> Result<Place<'r>, ScimError> {
        let found = self
            .rt
            .attribute(path.urn.as_deref(), &path.name)
            .ok_or_else(|| {
                ScimError::invalid_path(format!(
                    "`{path}` is not an attribute of {}",
                    self.rt.name()
                ))
            })?;
        let extension = found
            .is_extension(&self.rt.schema)
            .then(|| found.schema.map(|s| s.id.clone()))
            .flatten();
        Ok(Place {
            extension,
            attr: found.attribute,
        })
    }

    fn at_path(
        &mut self,
        op: Op,
        path: &PatchPath,
        value: Option<&Value>,
    ) -> Result<(), ScimError> {
        // A bare extension URN parses as `urn:…:2.0` + `User`: the whole extension object.
        let whole = format!(
            "{}:{}",
            path.attr.urn.as_deref().unwrap_or_default(),
            path.attr.name
        );
        if path.attr.sub.is_none()
            && path.filter.is_none()
            && path.sub.is_none()
            && let Some(ext) = self.rt.extension(&whole)
        {
            return self.extension_object(op, ext.schema.id.clone(), value);
        }
        let place = self.place(&path.attr)?;
        let attr = place.attr;
        if attr.mutability == Mutability::ReadOnly {
            return Err(ScimError::mutability(format!(
                "`{}` is readOnly",
                attr.name
            )));
        }
        if self.rt.kind == ResourceKind::Group && attr.name == "members" {
            return self.members(op, path, value);
        }
        let sub = match path.attr.sub.as_deref().or(path.sub.as_deref()) {
            Some(name) => Some(sub_attribute(attr, name, path)?),
            None => None,
        };
        if let Some(sub) = sub
            && sub.mutability == Mutability::ReadOnly
        {
            return Err(ScimError::mutability(format!("`{path}` is readOnly")));
        }
        let value = match (op, value) {
            (Op::Remove, _) => value.cloned(),
            (_, Some(v)) => Some(v.clone()),
            (_, None) => None,
        };
        let leniency = self.leniency;
        let inner = match &path.filter {
            Some(filter) => Some(element_filter(self.rt, &path.attr, filter, leniency)?),
            None => None,
        };
        let container = self.container(place.extension.as_deref());
        match (&path.filter, &inner) {
            (Some(filter), Some(inner)) => {
                let elements = Elements {
                    attr,
                    inner,
                    filter,
                };
                elements.apply(container, op, sub, value, leniency)
            }
            _ => whole_attribute(container, attr, sub, op, value, leniency),
        }?;
        if let Some(ext) = &place.extension
            && self
                .data
                .get(ext)
                .is_some_and(|v| v.as_object().is_some_and(Map::is_empty))
        {
            self.data.remove(ext);
        }
        Ok(())
    }

    fn container(&mut self, extension: Option<&str>) -> &mut Map<String, Value> {
        match extension {
            Some(urn) => validate::extension_object(&mut self.data, urn),
            None => &mut self.data,
        }
    }

    fn extension_object(
        &mut self,
        op: Op,
        urn: String,
        value: Option<&Value>,
    ) -> Result<(), ScimError> {
        match (op, value) {
            (Op::Remove, _) => {
                self.data.remove(&urn);
                Ok(())
            }
            (_, Some(Value::Object(values))) => self.extension_values(op, &urn, values),
            _ => Err(ScimError::invalid_value(format!(
                "`{urn}` must be an object"
            ))),
        }
    }

    /// The attributes of an extension object, each as a path under the extension's URN.
    /// `schemas` and (leniently, as on POST) unknown names inside it are ignored.
    fn extension_values(
        &mut self,
        op: Op,
        urn: &str,
        values: &Map<String, Value>,
    ) -> Result<(), ScimError> {
        for (name, v) in values {
            if name.eq_ignore_ascii_case("schemas") {
                continue;
            }
            let path = parse_path(&format!("{urn}:{name}"), self.leniency)?;
            if self.leniency == Leniency::Lenient && self.place(&path.attr).is_err() {
                continue;
            }
            self.at_path(op, &path, Some(v))?;
        }
        Ok(())
    }

    /// Operations apply in order: a member removed after being added in the same request
    /// is not added.
    fn drop_member(&mut self, id: &str) {
        self.members.add.retain(|m| m.value != id);
        match &mut self.members.replace {
            Some(list) => list.retain(|m| m.value != id),
            None => self.members.remove.push(id.to_owned()),
        }
    }

    fn members(
        &mut self,
        op: Op,
        path: &PatchPath,
        value: Option<&Value>,
    ) -> Result<(), ScimError> {
        if path.attr.sub.is_some() || path.sub.is_some() {
            return Err(ScimError::mutability(
                "member sub-attributes are immutable or readOnly; add or remove the member instead",
            ));
        }
        let inputs = |v: Option<&Value>| -> Result<Vec<MemberInput>, ScimError> {
            let attr = self.rt.schema.attribute("members");
            let normalized = match (attr, v) {
                (Some(attr), Some(v)) => {
                    validate::normalize_attribute(attr, v, "members", self.leniency)?
                }
                _ => None,
            };
            Ok(member_inputs(normalized))
        };
        match (op, &path.filter) {
            (Op::Remove, Some(filter)) => {
                let inner = element_filter(self.rt, &path.attr, filter, self.leniency)?;
                let matches = |m: &MemberInput| {
                    let member = Member {
                        value: m.value.clone(),
                        kind: m.kind.unwrap_or(ResourceKind::User),
                        display: String::new(),
                    };
                    member_matches(&inner, &member)
                };
                self.members.add.retain(|m| !matches(m));
                if let Some(list) = &mut self.members.replace {
                    list.retain(|m| !matches(m));
                } else {
                    self.members.remove_where.push(inner);
                }
            }
            // Entra: `remove` with `value: [{"value": id}]` removes just those.
            (Op::Remove, None) => match value {
                Some(v) if !v.is_null() => {
                    for member in inputs(Some(v))? {
                        self.drop_member(&member.value);
                    }
                }
                _ => {
                    self.members = MemberChange {
                        replace: Some(Vec::new()),
                        ..MemberChange::default()
                    };
                }
            },
            (_, Some(_)) => {
                return Err(ScimError::invalid_path(
                    "members are added by value, not through a filter",
                ));
            }
            (Op::Replace, None) => {
                self.members = MemberChange {
                    replace: Some(inputs(value)?),
                    ..MemberChange::default()
                };
            }
            (Op::Add, None) => {
                let added = inputs(value)?;
                match &mut self.members.replace {
                    Some(list) => list.extend(added),
                    None => {
                        self.members
                            .remove
                            .retain(|id| !added.iter().any(|m| &m.value == id));
                        self.members.add.extend(added);
                    }
                }
            }
        }
        Ok(())
    }
}

fn sub_attribute<'a>(
    attr: &'a Attribute,
    name: &str,
    path: &PatchPath,
) -> Result<&'a Attribute, ScimError> {
    if !attr.is_complex() {
        return Err(ScimError::invalid_path(format!(
            "`{path}`: {} has no sub-attributes",
            attr.name
        )));
    }
    attr.sub_attribute(name).ok_or_else(|| {
        ScimError::invalid_path(format!(
            "`{path}`: {} has no sub-attribute `{name}`",
            attr.name
        ))
    })
}

/// The inner filter of `attr[filter]`, resolved in the element's scope.
fn element_filter(
    rt: &ResourceType,
    attr: &AttrPath,
    filter: &Filter,
    leniency: Leniency,
) -> Result<Resolved, ScimError> {
    let whole = Filter::ValuePath {
        path: AttrPath {
            urn: attr.urn.clone(),
            name: attr.name.clone(),
            sub: None,
        },
        filter: Box::new(filter.clone()),
    };
    match filter::resolve(rt, &whole, leniency)? {
        Resolved::Any {
            inner,
            collection: Collection::Json(_) | Collection::Members,
        } => Ok(*inner),
        _ => Err(ScimError::invalid_path(format!(
            "`{attr}[…]` needs a multi-valued attribute"
        ))),
    }
}

#[cfg(test)]
mod tests;
