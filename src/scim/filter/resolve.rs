//! Binds a parsed filter to a resource type's schema (RFC 7644 §3.4.2.2): names are matched
//! case-insensitively, literals are typed by the attribute they are compared with, and a
//! comparison on a multi-valued attribute becomes "some element matches" ([`Resolved::Any`]).
use super::ast::{AttrPath, CompValue, CompareOp, Filter};
use super::field::{is_membership, special, top_level};
use super::literal::literal;
use super::resolved::{Collection, Field, Literal, MemberField, Resolved, Target};
use super::value_path::Scope;
use crate::scim::ScimError;
use crate::scim::schema::{Attribute, ResourceType, Returned};
use crate::scim::validate::Leniency;

/// Resolves `filter` against `rt`. Unknown attributes and values of the wrong type are 400
/// `invalidFilter`; in [`Leniency::Lenient`] a boolean may be written as a string (`"True"`)
/// and a number or boolean compared with a string attribute stands for its text.
pub fn resolve(
    rt: &ResourceType,
    filter: &Filter,
    leniency: Leniency,
) -> Result<Resolved, ScimError> {
    Resolver {
        rt,
        leniency,
        absent_is_false: false,
    }
    .filter(filter, None)
}

/// Like [`resolve`], except that a comparison on an attribute `rt` does not have is false
/// instead of an error: how a root `/.search` applies one filter to every resource type.
pub fn resolve_partial(
    rt: &ResourceType,
    filter: &Filter,
    leniency: Leniency,
) -> Result<Resolved, ScimError> {
    Resolver {
        rt,
        leniency,
        absent_is_false: true,
    }
    .filter(filter, None)
}

/// What is being asked of a leaf.
#[derive(Clone, Copy)]
pub(super) enum Test<'f> {
    Compare(CompareOp, &'f CompValue),
    Present,
}

pub(super) struct Resolver<'r> {
    pub(super) rt: &'r ResourceType,
    leniency: Leniency,
    pub(super) absent_is_false: bool,
}

impl<'r> Resolver<'r> {
    pub(super) fn filter(
        &self,
        filter: &Filter,
        scope: Option<&Scope<'r>>,
    ) -> Result<Resolved, ScimError> {
        Ok(match filter {
            Filter::Compare { path, op, value } => {
                self.leaf(path, Test::Compare(*op, value), scope)?
            }
            Filter::Present(path) => self.leaf(path, Test::Present, scope)?,
            Filter::And(l, r) => Resolved::And(
                Box::new(self.filter(l, scope)?),
                Box::new(self.filter(r, scope)?),
            ),
            Filter::Or(l, r) => Resolved::Or(
                Box::new(self.filter(l, scope)?),
                Box::new(self.filter(r, scope)?),
            ),
            Filter::Not(inner) => Resolved::Not(Box::new(self.filter(inner, scope)?)),
            Filter::ValuePath { path, filter } => self.value_path(path, filter, scope)?,
        })
    }

    pub(super) fn top_level(
        &self,
        path: &AttrPath,
    ) -> Result<(Vec<String>, &'r Attribute), ScimError> {
        let (keys, attr) = top_level(self.rt, path).ok_or_else(|| {
            ScimError::invalid_filter(format!(
                "`{path}` is not an attribute of {}",
                self.rt.name()
            ))
        })?;
        if attr.returned == Returned::Never {
            return Err(ScimError::invalid_filter(format!(
                "`{}` cannot be used in a filter",
                attr.name
            )));
        }
        Ok((keys, attr))
    }

    fn leaf(
        &self,
        path: &AttrPath,
        test: Test<'_>,
        scope: Option<&Scope<'r>>,
    ) -> Result<Resolved, ScimError> {
        if let Some(scope) = scope {
            return self.element_leaf(path, test, scope);
        }
        if self.absent_is_false && top_level(self.rt, path).is_none() {
            return Ok(Resolved::Const(false));
        }
        let (keys, attr) = self.top_level(path)?;
        let sub = match &path.sub {
            Some(name) => {
                let sub = attr.sub_attribute(name).ok_or_else(|| {
                    ScimError::invalid_filter(format!(
                        "`{path}`: {} has no sub-attribute `{name}`",
                        attr.name
                    ))
                })?;
                Some(sub)
            }
            None => None,
        };
        if attr.name == "meta" && keys.len() == 1 {
            return self.meta(path, sub, test);
        }
        let field = special(self.rt.kind, &keys, attr, path.sub.as_deref());
        if field.is_none() && is_membership(self.rt.kind, attr) {
            return Err(not_filterable(&path.to_string()));
        }
        if let Some(field) = field {
            return match field {
                Field::Member(member) => {
                    let sub = attr.sub_attribute(member_name(member)).unwrap_or(attr);
                    let target =
                        target(Field::Member(member), sub, &format!("members.{}", sub.name));
                    self.any(Collection::Members, target, test)
                }
                Field::GroupValue => {
                    let sub = attr.sub_attribute("value").unwrap_or(attr);
                    self.any(Collection::Groups, target(field, sub, "groups.value"), test)
                }
                field => self.test(target(field, attr, &attr.name), test),
            };
        }
        if sub.is_none() && attr.is_complex() {
            return match test {
                // `emails pr`, `name pr`: some sub-attribute has a value.
                Test::Present => Ok(Resolved::Present(target(
                    Field::Json(keys),
                    attr,
                    &attr.name,
                ))),
                // `emails co "x"` means `emails.value co "x"` (RFC 7644 §3.4.2.2).
                Test::Compare(..) => match attr.sub_attribute("value") {
                    Some(value) => self.sub_leaf(keys, attr, value, test),
                    None => Err(ScimError::invalid_filter(format!(
                        "`{path}` is complex: compare one of its sub-attributes, e.g. `{}.{}`",
                        attr.name,
                        attr.sub_attributes
                            .first()
                            .map_or("value", |s| s.name.as_str())
                    ))),
                },
            };
        }
        match sub {
            Some(sub) => self.sub_leaf(keys, attr, sub, test),
            None if attr.multi_valued => self.any(
                Collection::Json(keys),
                target(Field::Element, attr, &attr.name),
                test,
            ),
            None => self.test(target(Field::Json(keys), attr, &attr.name), test),
        }
    }

    fn sub_leaf(
        &self,
        mut keys: Vec<String>,
        attr: &Attribute,
        sub: &Attribute,
        test: Test<'_>,
    ) -> Result<Resolved, ScimError> {
        let name = format!("{}.{}", attr.name, sub.name);
        if attr.multi_valued {
            let target = target(Field::Sub(sub.name.clone()), sub, &name);
            return self.any(Collection::Json(keys), target, test);
        }
        keys.push(sub.name.clone());
        self.test(target(Field::Json(keys), sub, &name), test)
    }

    fn any(
        &self,
        collection: Collection,
        target: Target,
        test: Test<'_>,
    ) -> Result<Resolved, ScimError> {
        // `x eq null` asks whether nothing matches: keep the negation outside the element.
        if let Test::Compare(op @ (CompareOp::Eq | CompareOp::Ne), CompValue::Null) = test {
            let any = Resolved::Any {
                collection,
                inner: Box::new(Resolved::Present(target)),
            };
            return Ok(if op == CompareOp::Eq {
                Resolved::Not(Box::new(any))
            } else {
                any
            });
        }
        // `emails.value ne "x"` is "no email is x", the negation of `emails.value eq "x"`.
        if let Test::Compare(CompareOp::Ne, value) = test {
            let eq = self.any(collection, target, Test::Compare(CompareOp::Eq, value))?;
            return Ok(Resolved::Not(Box::new(eq)));
        }
        let inner = self.test(target, test)?;
        Ok(Resolved::Any {
            collection,
            inner: Box::new(inner),
        })
    }

    fn meta(
        &self,
        path: &AttrPath,
        sub: Option<&Attribute>,
        test: Test<'_>,
    ) -> Result<Resolved, ScimError> {
        let Some(sub) = sub else {
            return match test {
                Test::Present => Ok(Resolved::Const(true)),
                Test::Compare(..) => Err(ScimError::invalid_filter(
                    "`meta` is complex: compare one of its sub-attributes, e.g. `meta.lastModified`",
                )),
            };
        };
        let name = format!("meta.{}", sub.name);
        match sub.name.as_str() {
            "created" => self.test(target(Field::Created, sub, &name), test),
            "lastModified" => self.test(target(Field::LastModified, sub, &name), test),
            "version" => self.test(target(Field::Version, sub, &name), test),
            "resourceType" => Ok(match test {
                Test::Present => Resolved::Const(true),
                Test::Compare(op, value) => {
                    let own = self.rt.name();
                    let literal = literal(
                        &target(Field::ResourceType, sub, &name),
                        op,
                        value,
                        self.leniency,
                    )?;
                    match literal {
                        // resourceType is caseExact: the literal was not folded either.
                        Some(Literal::String(s)) => Resolved::Const(evaluate_text(op, own, &s)),
                        _ => Resolved::Const(op == CompareOp::Ne),
                    }
                }
            }),
            _ => Err(not_filterable(&format!("{path}"))),
        }
    }

    pub(super) fn test(&self, target: Target, test: Test<'_>) -> Result<Resolved, ScimError> {
        match test {
            Test::Present => Ok(Resolved::Present(target)),
            Test::Compare(op, value) => match literal(&target, op, value, self.leniency)? {
                None if op == CompareOp::Eq => {
                    Ok(Resolved::Not(Box::new(Resolved::Present(target))))
                }
                None => Ok(Resolved::Present(target)),
                Some(value) if op == CompareOp::Ne => {
                    Ok(Resolved::Not(Box::new(Resolved::Compare {
                        target,
                        op: CompareOp::Eq,
                        value,
                    })))
                }
                Some(value) => Ok(Resolved::Compare { target, op, value }),
            },
        }
    }
}

fn evaluate_text(op: CompareOp, actual: &str, expected: &str) -> bool {
    match op {
        CompareOp::Eq => actual == expected,
        CompareOp::Ne => actual != expected,
        CompareOp::Co => actual.contains(expected),
        CompareOp::Sw => actual.starts_with(expected),
        CompareOp::Ew => actual.ends_with(expected),
        CompareOp::Gt => actual > expected,
        CompareOp::Ge => actual >= expected,
        CompareOp::Lt => actual < expected,
        CompareOp::Le => actual <= expected,
    }
}

pub(super) fn target(field: Field, attr: &Attribute, name: &str) -> Target {
    Target {
        field,
        name: name.to_owned(),
        kind: attr.kind,
        case_exact: attr.case_exact,
    }
}

fn member_name(field: MemberField) -> &'static str {
    match field {
        MemberField::Value => "value",
        MemberField::Type => "type",
        MemberField::Display => "display",
    }
}

pub(super) fn not_filterable(name: &str) -> ScimError {
    ScimError::invalid_filter(format!("`{name}` cannot be used in a filter"))
}
