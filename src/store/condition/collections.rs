//! "Some element matches" ([`Resolved::Any`]): elements of a multi-valued attribute in the
//! search document (RFC 7644 §3.4.2.2 value paths), a Group's members (the membership table)
//! and a User's groups, direct and inherited (RFC 7643 §4.1.2 `groups`).
use entity::{group_member, resource};
use sea_orm::ColumnTrait;
use sea_orm::sea_query::{
    Alias, BinOper, CommonTableExpression, Expr, ExprTrait, Func, JoinType, Query, SimpleExpr,
    UnionType, WithClause,
};

use super::compare::ordered;
use super::{Compiler, ELEMENT, GROUP, MEMBER, MEMBERSHIP, Scope, col};
use crate::scim::filter::{Collection, Field, MemberField, Resolved, Target};
use crate::scim::filter::{MemberSelection, member_selection};
use crate::store::members::MAX_NESTING;

impl Compiler {
    pub(super) fn any(&self, collection: &Collection, inner: &Resolved) -> SimpleExpr {
        match collection {
            Collection::Json(keys) => self.any_element(keys, inner),
            Collection::Members => self.any_member(inner),
            Collection::Groups => self.any_group(inner),
        }
    }

    fn any_element(&self, keys: &[String], inner: &Resolved) -> SimpleExpr {
        // `emails[value eq "x"]` and `emails.value eq "x"` are the index lookup alone.
        if let Resolved::Compare {
            target:
                Target {
                    field: Field::Sub(sub),
                    ..
                },
            op,
            value,
        } = inner
            && let Some(path) = self.element_index(keys, sub)
            && !op.is_substring()
        {
            let bound = self.bind(value, &Field::Sub(sub.clone()));
            return self.indexed(path, |v| ordered(v, *op, bound));
        }
        let source = if self.postgres() {
            Func::cust("jsonb_array_elements").arg(self.json_at(
                col(resource::Column::DataCi),
                keys,
                false,
            ))
        } else {
            Func::cust("json_each")
                .arg(col(resource::Column::DataCi))
                .arg(super::value::sqlite_path(keys))
        };
        let exists = Expr::exists(
            Query::select()
                .expr(Expr::cust("1"))
                .from_function(source, Alias::new(ELEMENT))
                .and_where(self.cond(inner, false, Scope::Element))
                .take(),
        );
        // A conjunct the index answers narrows the rows the EXISTS has to look at.
        match self.necessary_index(keys, inner) {
            Some(prefilter) => prefilter.and(exists),
            None => exists,
        }
    }

    fn any_member(&self, inner: &Resolved) -> SimpleExpr {
        // `members[value eq "id"]`: the member index gives the groups directly.
        if let MemberSelection::Id(id) = member_selection(inner) {
            let sub = Query::select()
                .column(group_member::Column::GroupId)
                .from(group_member::Entity)
                .and_where(
                    group_member::Column::TenantId
                        .into_expr()
                        .eq(self.d.tenant.get()),
                )
                .and_where(group_member::Column::MemberId.into_expr().eq(id))
                .take();
            return col(resource::Column::Id).in_subquery(sub);
        }
        let mut query = Query::select();
        query
            .expr(Expr::cust("1"))
            .from_as(group_member::Entity, Alias::new(MEMBERSHIP))
            .and_where(
                Expr::col((Alias::new(MEMBERSHIP), group_member::Column::GroupId))
                    .equals((resource::Entity, resource::Column::Id)),
            );
        if uses_member_display(inner) {
            query.join_as(
                JoinType::LeftJoin,
                resource::Entity,
                Alias::new(MEMBER),
                Expr::col((Alias::new(MEMBER), resource::Column::Id))
                    .equals((Alias::new(MEMBERSHIP), group_member::Column::MemberId)),
            );
        }
        query.and_where(self.cond(inner, false, Scope::Member));
        Expr::exists(query.take())
    }

    /// A User's groups, direct and inherited: a recursive walk down from every group that
    /// satisfies `inner`, at most [`MAX_NESTING`] levels deep (as `User.groups` is derived):
    ///
    /// `resources.id IN (WITH RECURSIVE nested (id, depth) AS (SELECT g.member_id, 1 FROM
    /// group_members AS g WHERE g.tenant_id = T AND inner UNION SELECT m.member_id,
    /// nested.depth + 1 FROM group_members AS m JOIN nested ON m.group_id = nested.id WHERE
    /// nested.depth < MAX_NESTING) SELECT id FROM nested)`.
    ///
    /// The tenant, `1` and the depth are written as constants, not bound: the column types of
    /// the CTE then come from the literals on PostgreSQL, as in the SQL this replaced.
    fn any_group(&self, inner: &Resolved) -> SimpleExpr {
        let constant = |v: sea_orm::Value| Expr::Constant(v);
        let (g, m) = (Alias::new(GROUP), Alias::new("m"));
        let (nested, id, depth) = (Alias::new("nested"), Alias::new("id"), Alias::new("depth"));
        let mut seed = Query::select()
            .column((g.clone(), group_member::Column::MemberId))
            .expr(constant(1i32.into()))
            .from_as(group_member::Entity, g.clone())
            .and_where(
                Expr::col((g, group_member::Column::TenantId))
                    .eq(constant(self.d.tenant.get().into())),
            )
            .and_where(self.cond(inner, false, Scope::Group))
            .take();
        let step = Query::select()
            .column((m.clone(), group_member::Column::MemberId))
            .expr(Expr::col((nested.clone(), depth.clone())).add(constant(1i32.into())))
            .from_as(group_member::Entity, m.clone())
            .inner_join(
                nested.clone(),
                Expr::col((m, group_member::Column::GroupId)).equals((nested.clone(), id.clone())),
            )
            .and_where(Expr::col((nested.clone(), depth.clone())).lt(constant(MAX_NESTING.into())))
            .take();
        seed.union(UnionType::Distinct, step);
        let walk = CommonTableExpression::new()
            .table_name(nested.clone())
            .columns([id.clone(), depth])
            .query(seed)
            .to_owned();
        let ids = Query::select()
            .column(id)
            .from(nested)
            .take()
            .with(WithClause::new().recursive(true).cte(walk).to_owned());
        col(resource::Column::Id).binary(
            BinOper::In,
            SimpleExpr::SubQuery(None, Box::new(ids.into())),
        )
    }
}

fn uses_member_display(f: &Resolved) -> bool {
    match f {
        Resolved::Compare { target, .. } | Resolved::Present(target) => {
            target.field == Field::Member(MemberField::Display)
        }
        Resolved::And(l, r) | Resolved::Or(l, r) => {
            uses_member_display(l) || uses_member_display(r)
        }
        Resolved::Not(inner) => uses_member_display(inner),
        _ => false,
    }
}
