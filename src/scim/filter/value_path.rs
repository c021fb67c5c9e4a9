//! Value paths (RFC 7644 §3.4.2.2 `valuePath`): `emails[type eq "work"]` ranges over the
//! elements of a multi-valued attribute; on a singular complex attribute it is a shorthand
//! for paths below it.
use super::ast::{AttrPath, Filter};
use super::field::{special, top_level};
use super::resolve::{Resolver, Test, not_filterable, target};
use super::resolved::{Collection, Field, MemberField, Resolved};
use crate::scim::ScimError;
use crate::scim::schema::Attribute;

/// The multi-valued attribute a value path ranges over.
pub(super) struct Scope<'r> {
    attr: &'r Attribute,
    collection: Collection,
}

impl<'r> Resolver<'r> {
    pub(super) fn value_path(
        &self,
        path: &AttrPath,
        filter: &Filter,
        scope: Option<&Scope<'r>>,
    ) -> Result<Resolved, ScimError> {
        if scope.is_some() {
            return Err(ScimError::invalid_filter(format!(
                "value paths cannot nest: `{path}[…]`"
            )));
        }
        if self.absent_is_false && top_level(self.rt, path).is_none() {
            return Ok(Resolved::Const(false));
        }
        let (keys, attr) = self.top_level(path)?;
        if !attr.is_complex() || path.sub.is_some() {
            return Err(ScimError::invalid_filter(format!(
                "`{path}[…]` needs a complex attribute such as emails or members"
            )));
        }
        let collection = match special(self.rt.kind, &keys, attr, None) {
            Some(Field::Member(_)) => Collection::Members,
            Some(Field::GroupValue) => Collection::Groups,
            _ if attr.multi_valued => Collection::Json(keys),
            // `name[givenName eq "x"]` on a singular complex attribute: its sub-attributes
            // are simply paths below it.
            _ => {
                let rewritten = prefix_paths(filter, path);
                return self.filter(&rewritten, None);
            }
        };
        let scope = Scope { attr, collection };
        let inner = self.filter(filter, Some(&scope))?;
        Ok(Resolved::Any {
            collection: scope.collection,
            inner: Box::new(inner),
        })
    }

    /// A leaf inside `attr[…]`: its name is a sub-attribute of `attr`.
    pub(super) fn element_leaf(
        &self,
        path: &AttrPath,
        test: Test<'_>,
        scope: &Scope<'r>,
    ) -> Result<Resolved, ScimError> {
        let unknown = || {
            ScimError::invalid_filter(format!(
                "`{path}` is not a sub-attribute of {}",
                scope.attr.name
            ))
        };
        if path.urn.is_some() || path.sub.is_some() {
            return Err(unknown());
        }
        let sub = scope.attr.sub_attribute(&path.name).ok_or_else(unknown)?;
        let name = format!("{}.{}", scope.attr.name, sub.name);
        let field = match &scope.collection {
            Collection::Json(_) => Field::Sub(sub.name.clone()),
            Collection::Members => match sub.name.as_str() {
                "value" => Field::Member(MemberField::Value),
                "type" => Field::Member(MemberField::Type),
                "display" => Field::Member(MemberField::Display),
                _ => return Err(not_filterable(&name)),
            },
            Collection::Groups => match sub.name.as_str() {
                "value" => Field::GroupValue,
                _ => return Err(not_filterable(&name)),
            },
        };
        self.test(target(field, sub, &name), test)
    }
}

/// `name[givenName eq "x"]` → `name.givenName eq "x"`.
fn prefix_paths(filter: &Filter, parent: &AttrPath) -> Filter {
    let prefix = |p: &AttrPath| AttrPath {
        urn: parent.urn.clone(),
        name: parent.name.clone(),
        sub: Some(p.name.clone()),
    };
    match filter {
        Filter::Compare { path, op, value } => Filter::Compare {
            path: prefix(path),
            op: *op,
            value: value.clone(),
        },
        Filter::Present(path) => Filter::Present(prefix(path)),
        Filter::And(l, r) => Filter::And(
            Box::new(prefix_paths(l, parent)),
            Box::new(prefix_paths(r, parent)),
        ),
        Filter::Or(l, r) => Filter::Or(
            Box::new(prefix_paths(l, parent)),
            Box::new(prefix_paths(r, parent)),
        ),
        Filter::Not(inner) => Filter::Not(Box::new(prefix_paths(inner, parent))),
        // Nested value paths are rejected by the parser; keep the shape if one gets here.
        Filter::ValuePath { .. } => filter.clone(),
    }
}
