//! Leaves the `resource_values` index answers: a test on one of `scim::search_document::indexed_paths`
//! becomes the ids of the resources with a matching (path, value) row.
use entity::{resource, resource_value};
use sea_orm::ColumnTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Func, PgFunc, Query, SimpleExpr};

use super::{Compiler, Scope, col};
use crate::scim::filter::CompareOp;
use crate::scim::filter::{Field, Literal, Resolved, Target};
use crate::scim::search_document::indexed_paths;

impl Compiler {
    /// `resources.id IN (SELECT resource_id FROM resource_values WHERE … path = ? AND test(value))`,
    /// on PostgreSQL `resources.id = ANY(ARRAY(SELECT …))`.
    pub(super) fn indexed(
        &self,
        path: &'static str,
        test: impl FnOnce(SimpleExpr) -> SimpleExpr,
    ) -> SimpleExpr {
        let value: SimpleExpr = Expr::col((resource_value::Entity, resource_value::Column::Value));
        let sub = Query::select()
            .column((resource_value::Entity, resource_value::Column::ResourceId))
            .from(resource_value::Entity)
            .and_where(
                resource_value::Column::TenantId
                    .into_expr()
                    .eq(self.d.tenant.get()),
            )
            .and_where(
                resource_value::Column::ResourceType
                    .into_expr()
                    .eq(self.d.kind.as_str()),
            )
            .and_where(resource_value::Column::Path.into_expr().eq(path))
            .and_where(test(value))
            .take();
        if self.postgres() && !self.no_arrays.get() {
            self.arrays.set(self.arrays.get() + 1);
            // Under `or`, PostgreSQL cannot turn `id IN (subquery)` into a join and filters
            // every row of the tenant through it. The array is computed once and is an index
            // condition, so `a or (b and c)` becomes a BitmapOr of index scans. Not
            // `Expr::any(sub)`: `= ANY (subquery)` is the same semi-join as `IN`.
            let ids = Func::cust("ARRAY").arg(SimpleExpr::SubQuery(None, Box::new(sub.into())));
            return col(resource::Column::Id).eq(PgFunc::any(ids));
        }
        col(resource::Column::Id).in_subquery(sub)
    }

    /// The index path a leaf can be answered from, if any.
    pub(super) fn index_path(&self, field: &Field, scope: Scope) -> Option<&'static str> {
        let wanted = match (scope, field) {
            (Scope::Root, Field::Json(keys)) => keys.join("."),
            _ => return None,
        };
        indexed_paths(self.d.kind)
            .iter()
            .copied()
            .find(|p| *p == wanted)
    }

    /// The index path of sub-attribute `sub` of the multi-valued attribute at `keys`.
    pub(super) fn element_index(&self, keys: &[String], sub: &str) -> Option<&'static str> {
        let [attr] = keys else { return None };
        let wanted = format!("{attr}.{sub}");
        indexed_paths(self.d.kind)
            .iter()
            .copied()
            .find(|p| *p == wanted)
    }

    /// An index lookup implied by `inner` (an equality on an indexed sub-attribute, possibly
    /// inside an `and`), preferring `value` over the less selective `type`.
    pub(super) fn necessary_index(&self, keys: &[String], inner: &Resolved) -> Option<SimpleExpr> {
        let mut found: Vec<(&str, &Literal)> = Vec::new();
        collect_equalities(inner, &mut found);
        found.sort_by_key(|(sub, _)| *sub != "value");
        found.into_iter().find_map(|(sub, value)| {
            let path = self.element_index(keys, sub)?;
            let bound = self.bind(value, &Field::Sub(sub.to_owned()));
            Some(self.indexed(path, |v| v.eq(bound)))
        })
    }
}

fn collect_equalities<'f>(f: &'f Resolved, out: &mut Vec<(&'f str, &'f Literal)>) {
    match f {
        Resolved::Compare {
            target:
                Target {
                    field: Field::Sub(sub),
                    ..
                },
            op: CompareOp::Eq,
            value,
        } => {
            out.push((sub.as_str(), value));
        }
        Resolved::And(l, r) => {
            collect_equalities(l, out);
            collect_equalities(r, out);
        }
        _ => {}
    }
}
