//! A resolved filter (see `scim::filter::resolve`) as one sea-query condition on `resources`,
//! for SQLite and PostgreSQL (RFC 7644 §3.4.2.2), and the sort (§3.4.2.3) and page (§3.4.2.4)
//! of a list. Values are compared in the search document `data_ci`, which is already
//! case-folded, so the SQL never lower-cases and text compares bytewise (SQLite's BINARY,
//! PostgreSQL's `COLLATE "C"`), exactly like the in-memory evaluator.
//!
//! `not` is pushed down to the leaves and a negated leaf is `(…) IS NOT TRUE`, so a missing
//! value (SQL NULL) makes `not (title eq "x")` true, as the evaluator says.
//!
//! Equality, prefix and range tests on userName, group displayName, externalId and id use the
//! columns' indexes; those on the paths of `scim::search_document::indexed_paths` use the
//! `resource_values` index (`indexed`); `members[value eq …]` uses the membership index.
//!
//! One file per part of the compiler: `compare` (the leaves), `indexed` (the index table),
//! `collections` (multi-valued attributes, members, a User's groups), `value` (where a value
//! is read from), then `sort` and `page` for the rest of a list's query.
use std::cell::Cell;

use entity::resource;
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement, SimpleExpr};
use sea_orm::{ColumnTrait, DbBackend};

use super::TenantId;
use crate::scim::filter::Resolved;
use crate::scim::schema::ResourceKind;

mod collections;
mod compare;
mod indexed;
mod page;
mod sort;
#[cfg(test)]
mod tests;
mod value;

pub(super) use page::{Windowed, window};
pub use sort::sort_expr;
pub(super) use sort::sorted;

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
const GROUP: &str = "g";

/// The condition `filter` puts on the rows of `resources`.
pub fn condition(filter: &Resolved, dialect: Dialect) -> SimpleExpr {
    Compiler::new(dialect).cond(filter, false, Scope::Root)
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
                polarity(leaf, negate)
            }
            Resolved::Compare { target, op, value } => {
                let leaf = self.compare(target, *op, value, scope);
                polarity(leaf, negate)
            }
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
}

/// A leaf is NULL when its value is missing; negated, that must count as true:
/// `(leaf) IS NOT TRUE`. The `TRUE` is a constant, not a bound value: PostgreSQL accepts only
/// the keyword after `IS NOT`.
fn polarity(leaf: SimpleExpr, negate: bool) -> SimpleExpr {
    if negate {
        leaf.is_not(Expr::Constant(true.into()))
    } else {
        leaf
    }
}
