//! `sortBy` and `sortOrder` (RFC 7644 §3.4.2.3) as an ORDER BY term.
use entity::resource;
use sea_orm::QueryTrait;
use sea_orm::sea_query::{NullOrdering, Order, SimpleExpr};

use super::{Compiler, Dialect, Scope};
use crate::scim::filter::{SortKey, Target};
use crate::scim::list::plan::SortOrder;

/// The ORDER BY expression of a sort key: the value a filter on the same attribute compares.
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

/// Orders `select` by `sort`: unassigned values last ascending, first descending.
pub(in crate::store) fn sorted(
    mut select: sea_orm::Select<resource::Entity>,
    sort: SimpleExpr,
    order: SortOrder,
) -> sea_orm::Select<resource::Entity> {
    let (order, nulls) = match order {
        SortOrder::Ascending => (Order::Asc, NullOrdering::Last),
        SortOrder::Descending => (Order::Desc, NullOrdering::First),
    };
    QueryTrait::query(&mut select).order_by_expr_with_nulls(sort, order, nulls);
    select
}
