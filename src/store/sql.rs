//! A resolved filter (see `scim::filter::resolve`) as one sea-query condition on `resources`,
//! for SQLite and PostgreSQL. Values are compared in the search document `data_ci`, which
//! is already case-folded, so the SQL never lower-cases and text compares bytewise (SQLite's
//! BINARY, PostgreSQL's `COLLATE "C"`), exactly like the in-memory evaluator.
//!
//! `not` is pushed down to the leaves and a negated leaf is `(…) IS NOT TRUE`, so a missing
//! value (SQL NULL) makes `not (title eq "x")` true, as the evaluator says.
//!
//! Equality, prefix and range tests on userName, group displayName, externalId and id use the
//! columns' indexes; those on the paths of `scim::search::indexed_paths` use the
//! `resource_values` index; `members[value eq …]` uses the membership index.
use std::cell::Cell;

use entity::{group_member, resource, resource_value};
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, Func, JoinType, Query, SelectStatement, SimpleExpr,
};
use sea_orm::{ColumnTrait, DbBackend};

use super::TenantId;
use crate::scim::filter::CompareOp;
use crate::scim::filter::{Collection, Field, Literal, MemberField, Resolved, SortKey, Target};
use crate::scim::schema::{AttrType, ResourceKind};
use crate::scim::search_document::indexed_paths;

/// What a condition is compiled for.
#[derive(Debug, Clone, Copy)]
pub struct Dialect {
    pub backend: DbBackend,
    pub tenant: TenantId,
    pub kind: ResourceKind,
}

/// The rows a leaf reads from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    Root,
    /// `e`: one element of a JSON array.
    Element,
    /// `gm`/`mr`: a membership row and its member.
    Member,
    /// `g`: the id of a group a User belongs to.
    Group,
}

const ELEMENT: &str = "e";
const MEMBERSHIP: &str = "gm";
const MEMBER: &str = "mr";

pub fn condition(filter: &Resolved, dialect: Dialect) -> SimpleExpr {
    Compiler::new(dialect).cond(filter, false, Scope::Root)
}

/// The ORDER BY expression of a sort key.
pub fn sort_expr(key: &SortKey, dialect: Dialect) -> SimpleExpr {
    let c = Compiler::new(dialect);
    let target = Target {
        field: key.field.clone(),
        name: String::new(),
        kind: key.kind,
        case_exact: true,
    };
    c.value(&target, Scope::Root, true)
}

struct Compiler {
    d: Dialect,
    /// PostgreSQL: `id = ANY(ARRAY(…))` lookups emitted so far.
    arrays: Cell<usize>,
    /// PostgreSQL: set while compiling the later terms of a conjunction whose earlier terms
    /// already hold an array lookup. Two `id = ANY(array)` conditions on one index column make
    /// PostgreSQL 15 scan the index for every pair of keys (1.4 s for 3,000 × 8,000 ids); one
    /// array as the index condition and the rest as `IN (subquery)` filters take milliseconds.
    no_arrays: Cell<bool>,
}

fn col(c: resource::Column) -> SimpleExpr {
    Expr::col((resource::Entity, c))
}

fn truth(value: bool) -> SimpleExpr {
    Expr::cust(if value { "1 = 1" } else { "1 = 0" })
}

impl Compiler {
    fn new(d: Dialect) -> Self {
        Self {
            d,
            arrays: Cell::new(0),
            no_arrays: Cell::new(false),
        }
    }

    /// `l AND r`, each negated if `negate`, with at most one array lookup per conjunction
    /// used as an index condition (see `no_arrays`).
    fn conjunction(&self, l: &Resolved, r: &Resolved, negate: bool, scope: Scope) -> SimpleExpr {
        let before = self.arrays.get();
        let left = self.cond(l, negate, scope);
        let outer = self.no_arrays.get();
        if self.arrays.get() > before {
            self.no_arrays.set(true);
        }
        let right = self.cond(r, negate, scope);
        self.no_arrays.set(outer);
        left.and(right)
    }

    fn postgres(&self) -> bool {
        self.d.backend == DbBackend::Postgres
    }

    fn cond(&self, f: &Resolved, negate: bool, scope: Scope) -> SimpleExpr {
        match f {
            Resolved::And(l, r) if negate => {
                self.cond(l, true, scope).or(self.cond(r, true, scope))
            }
            Resolved::And(l, r) => self.conjunction(l, r, false, scope),
            Resolved::Or(l, r) if negate => self.conjunction(l, r, true, scope),
            Resolved::Or(l, r) => self.cond(l, false, scope).or(self.cond(r, false, scope)),
            Resolved::Not(inner) => self.cond(inner, !negate, scope),
            Resolved::Const(b) => truth(*b != negate),
            Resolved::Any { collection, inner } => {
                let any = self.any(collection, inner);
                if negate { any.not() } else { any }
            }
            Resolved::Present(target) => {
                let leaf = self.present(target, scope);
                self.polarity(leaf, negate)
            }
            Resolved::Compare { target, op, value } => {
                let leaf = self.compare(target, *op, value, scope);
                self.polarity(leaf, negate)
            }
        }
    }

    /// A leaf is NULL when its value is missing; negated, that must count as true.
    fn polarity(&self, leaf: SimpleExpr, negate: bool) -> SimpleExpr {
        if negate {
            let sql = if self.postgres() {
                "($1) IS NOT TRUE"
            } else {
                "(?) IS NOT TRUE"
            };
            Expr::cust_with_expr(sql, leaf)
        } else {
            leaf
        }
    }

    fn present(&self, target: &Target, scope: Scope) -> SimpleExpr {
        if target.field == Field::GroupValue {
            return truth(true);
        }
        let value = self.raw(&target.field, scope, target.kind);
        match self.index_path(&target.field, scope) {
            Some(path) => self.indexed(path, |v| v.is_not_null()),
            None => value.is_not_null(),
        }
    }

    fn compare(
        &self,
        target: &Target,
        op: CompareOp,
        literal: &Literal,
        scope: Scope,
    ) -> SimpleExpr {
        let value = self.value(target, scope, op.is_ordering());
        let bound = self.bind(literal, &target.field);
        if let Literal::String(text) = literal
            && op.is_substring()
        {
            return self.substring(target, scope, value, op, text);
        }
        if let Some(path) = self.index_path(&target.field, scope)
            && !op.is_substring()
        {
            return self.indexed(path, |v| ordered(v, op, bound));
        }
        ordered(value, op, bound)
    }

    fn substring(
        &self,
        target: &Target,
        scope: Scope,
        value: SimpleExpr,
        op: CompareOp,
        text: &str,
    ) -> SimpleExpr {
        if text.is_empty() {
            // Every string contains, starts and ends with "".
            return value.is_not_null();
        }
        let prefix_range = op == CompareOp::Sw
            && matches!(
                target.field,
                Field::UniqueName | Field::ExternalId | Field::Id
            );
        if prefix_range || (op == CompareOp::Sw && self.index_path(&target.field, scope).is_some())
        {
            let low = text.to_owned();
            let high = successor(text);
            let range = move |v: SimpleExpr| match high {
                Some(high) => v.clone().gte(low.clone()).and(v.lt(high)),
                None => v.gte(low.clone()),
            };
            return match self.index_path(&target.field, scope) {
                Some(path) => self.indexed(path, range),
                None => range(value),
            };
        }
        let chars = i32::try_from(text.chars().count()).unwrap_or(i32::MAX);
        let pg = self.postgres();
        match op {
            CompareOp::Co => {
                let f = if pg { "strpos" } else { "instr" };
                Expr::expr(Func::cust(f).arg(value).arg(text.to_owned())).gt(0)
            }
            CompareOp::Sw => {
                let head = if pg {
                    Func::cust("left").arg(value).arg(chars)
                } else {
                    Func::cust("substr").arg(value).arg(1).arg(chars)
                };
                Expr::expr(head).eq(text.to_owned())
            }
            _ => {
                let tail = if pg {
                    Func::cust("right").arg(value).arg(chars)
                } else {
                    Func::cust("substr").arg(value).arg(-chars)
                };
                Expr::expr(tail).eq(text.to_owned())
            }
        }
    }

    /// `resources.id IN (SELECT resource_id FROM resource_values WHERE … path = ? AND test(value))`,
    /// on PostgreSQL `resources.id = ANY(ARRAY(SELECT …))`.
    fn indexed(
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
            // condition, so `a or (b and c)` becomes a BitmapOr of index scans.
            let ids = SimpleExpr::SubQuery(None, Box::new(sub.into()));
            return Expr::cust_with_exprs("\"resources\".\"id\" = ANY(ARRAY $1)", [ids]);
        }
        col(resource::Column::Id).in_subquery(sub)
    }

    /// The index path a leaf can be answered from, if any.
    fn index_path(&self, field: &Field, scope: Scope) -> Option<&'static str> {
        let wanted = match (scope, field) {
            (Scope::Root, Field::Json(keys)) => keys.join("."),
            _ => return None,
        };
        indexed_paths(self.d.kind)
            .iter()
            .copied()
            .find(|p| *p == wanted)
    }

    fn any(&self, collection: &Collection, inner: &Resolved) -> SimpleExpr {
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
                .arg(sqlite_path(keys))
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

    fn element_index(&self, keys: &[String], sub: &str) -> Option<&'static str> {
        let [attr] = keys else { return None };
        let wanted = format!("{attr}.{sub}");
        indexed_paths(self.d.kind)
            .iter()
            .copied()
            .find(|p| *p == wanted)
    }

    /// An index lookup implied by `inner` (an equality on an indexed sub-attribute, possibly
    /// inside an `and`), preferring `value` over the less selective `type`.
    fn necessary_index(&self, keys: &[String], inner: &Resolved) -> Option<SimpleExpr> {
        let mut found: Vec<(&str, &Literal)> = Vec::new();
        collect_equalities(inner, &mut found);
        found.sort_by_key(|(sub, _)| *sub != "value");
        found.into_iter().find_map(|(sub, value)| {
            let path = self.element_index(keys, sub)?;
            let bound = self.bind(value, &Field::Sub(sub.to_owned()));
            Some(self.indexed(path, |v| v.eq(bound)))
        })
    }

    fn any_member(&self, inner: &Resolved) -> SimpleExpr {
        // `members[value eq "id"]`: the member index gives the groups directly.
        if let Resolved::Compare {
            target:
                Target {
                    field: Field::Member(MemberField::Value),
                    ..
                },
            op: CompareOp::Eq,
            value: Literal::String(id),
        } = inner
        {
            let sub = Query::select()
                .column(group_member::Column::GroupId)
                .from(group_member::Entity)
                .and_where(
                    group_member::Column::TenantId
                        .into_expr()
                        .eq(self.d.tenant.get()),
                )
                .and_where(group_member::Column::MemberId.into_expr().eq(id.clone()))
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
    /// satisfies `inner`.
    fn any_group(&self, inner: &Resolved) -> SimpleExpr {
        let seed = self.cond(inner, false, Scope::Group);
        let sql = format!(
            "\"resources\".\"id\" IN (WITH RECURSIVE nested(id, depth) AS (\
             SELECT g.member_id, 1 FROM group_members g WHERE g.tenant_id = {t} AND {seed} \
             UNION SELECT m.member_id, nested.depth + 1 FROM group_members m \
             JOIN nested ON m.group_id = nested.id WHERE nested.depth < 32) \
             SELECT id FROM nested)",
            t = self.d.tenant.get(),
            seed = if self.postgres() { "$1" } else { "?" },
        );
        Expr::cust_with_exprs(sql, [seed])
    }

    /// The SQL value of a field. `ordered` asks for a collation that sorts bytewise.
    fn value(&self, target: &Target, scope: Scope, ordered: bool) -> SimpleExpr {
        let raw = self.raw(&target.field, scope, target.kind);
        let is_text = matches!(
            target.kind,
            AttrType::String | AttrType::Reference | AttrType::Binary | AttrType::DateTime
        );
        if self.postgres()
            && ordered
            && is_text
            && matches!(
                target.field,
                Field::Json(_) | Field::Sub(_) | Field::Element
            )
        {
            return Expr::cust_with_expr("($1 COLLATE \"C\")", raw);
        }
        raw
    }

    fn raw(&self, field: &Field, scope: Scope, kind: AttrType) -> SimpleExpr {
        let pg = self.postgres();
        let element: SimpleExpr = Expr::col((Alias::new(ELEMENT), Alias::new("value")));
        match (scope, field) {
            (_, Field::Id) => col(resource::Column::Id),
            (_, Field::ExternalId) => col(resource::Column::ExternalId),
            (_, Field::UniqueName) => col(resource::Column::NameCi),
            (_, Field::Active) => col(resource::Column::Active),
            (_, Field::Created) => col(resource::Column::CreatedAt),
            (_, Field::LastModified) => col(resource::Column::LastModified),
            (_, Field::Version) => col(resource::Column::Version),
            (_, Field::ResourceType) => col(resource::Column::ResourceType),
            (_, Field::Json(keys)) => self.typed(
                self.json_at(col(resource::Column::DataCi), keys, true),
                kind,
            ),
            (_, Field::Sub(sub)) => {
                self.typed(self.json_at(element, std::slice::from_ref(sub), true), kind)
            }
            (_, Field::Element) if pg => {
                self.typed(Expr::cust_with_expr("($1 #>> '{}')", element), kind)
            }
            (_, Field::Element) => element,
            (_, Field::Member(MemberField::Value)) => {
                Expr::col((Alias::new(MEMBERSHIP), group_member::Column::MemberId))
            }
            (_, Field::Member(MemberField::Type)) => Func::lower(Expr::col((
                Alias::new(MEMBERSHIP),
                group_member::Column::MemberType,
            )))
            .into(),
            (_, Field::Member(MemberField::Display)) => Func::lower(Func::coalesce([
                Expr::col((Alias::new(MEMBERSHIP), group_member::Column::Display)),
                Expr::col((Alias::new(MEMBER), resource::Column::Display)),
            ]))
            .into(),
            (_, Field::GroupValue) => Expr::col((Alias::new("g"), group_member::Column::GroupId)),
        }
    }

    /// PostgreSQL reads JSON as text; numbers must become numbers to compare as such.
    fn typed(&self, text: SimpleExpr, kind: AttrType) -> SimpleExpr {
        if self.postgres() && matches!(kind, AttrType::Integer | AttrType::Decimal) {
            Expr::cust_with_expr("CAST($1 AS NUMERIC)", text)
        } else {
            text
        }
    }

    /// The scalar at `keys` inside `doc` (text on PostgreSQL when `text`, else jsonb).
    fn json_at(&self, doc: SimpleExpr, keys: &[String], text: bool) -> SimpleExpr {
        if self.postgres() {
            let f = if text {
                "jsonb_extract_path_text"
            } else {
                "jsonb_extract_path"
            };
            let mut call = Func::cust(f).arg(doc);
            for key in keys {
                call = call.arg(key.clone());
            }
            call.into()
        } else {
            Func::cust("json_extract")
                .arg(doc)
                .arg(sqlite_path(keys))
                .into()
        }
    }

    fn bind(&self, literal: &Literal, field: &Field) -> SimpleExpr {
        let in_json = matches!(field, Field::Json(_) | Field::Sub(_) | Field::Element);
        match literal {
            // PostgreSQL's text form of a JSON boolean; SQLite's json_extract gives 1 or 0.
            Literal::Bool(b) if self.postgres() && in_json => {
                Expr::val(if *b { "true" } else { "false" })
            }
            Literal::Bool(b) => Expr::val(*b),
            Literal::Integer(i) => Expr::val(*i),
            Literal::Decimal(d) => Expr::val(*d),
            Literal::String(s) => Expr::val(s.clone()),
            Literal::DateTime(at) => Expr::val(*at),
        }
    }
}

fn ordered(value: SimpleExpr, op: CompareOp, bound: SimpleExpr) -> SimpleExpr {
    match op {
        CompareOp::Gt => value.gt(bound),
        CompareOp::Ge => value.gte(bound),
        CompareOp::Lt => value.lt(bound),
        CompareOp::Le => value.lte(bound),
        CompareOp::Ne => value.ne(bound),
        _ => value.eq(bound),
    }
}

/// `$."name"."familyName"`, `$."emails"[0]."value"`.
fn sqlite_path(keys: &[String]) -> String {
    let mut path = String::from("$");
    for key in keys {
        if let Ok(index) = key.parse::<usize>() {
            path.push_str(&format!("[{index}]"));
        } else {
            // Keys are schema attribute names and URNs, which never contain a quote.
            path.push_str(&format!(".\"{key}\""));
        }
    }
    path
}

/// The smallest string greater than every string that starts with `prefix`, if any: the
/// prefix with its last character incremented (code point order = UTF-8 byte order).
fn successor(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let mut next = last as u32 + 1;
        if (0xD800..0xE000).contains(&next) {
            next = 0xE000;
        }
        if let Some(c) = char::from_u32(next) {
            chars.push(c);
            return Some(chars.into_iter().collect());
        }
    }
    None
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

/// The statement a list runs, for tests and EXPLAIN.
pub fn select_ids(filter: &Resolved, dialect: Dialect) -> SelectStatement {
    Query::select()
        .column(resource::Column::Id)
        .from(resource::Entity)
        .and_where(
            resource::Column::TenantId
                .into_expr()
                .eq(dialect.tenant.get()),
        )
        .and_where(condition(filter, dialect))
        .take()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn successor_bounds_every_string_with_the_prefix() {
        assert_eq!(successor("abc").as_deref(), Some("abd"));
        assert_eq!(successor("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(successor("\u{D7FF}").as_deref(), Some("\u{E000}"));
        assert_eq!(successor("\u{10FFFF}"), None);
    }

    #[test]
    fn sqlite_paths_quote_keys_and_index_arrays() {
        let keys = ["urn:x:2.0:User".to_owned(), "department".to_owned()];
        assert_eq!(sqlite_path(&keys), "$.\"urn:x:2.0:User\".\"department\"");
        let keys = ["emails".to_owned(), "0".to_owned(), "value".to_owned()];
        assert_eq!(sqlite_path(&keys), "$.\"emails\"[0].\"value\"");
    }
}
