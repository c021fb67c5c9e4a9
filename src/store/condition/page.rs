//! The window of a list (RFC 7644 §3.4.2.4 `startIndex`/`count`, and cursor paging) as LIMIT,
//! OFFSET and a keyset seek on (created, id), and the cursor of the page after it.
use entity::resource;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{QueryFilter, QueryOrder, QuerySelect};

use crate::scim::ScimError;
use crate::scim::id::ResourceId;
use crate::scim::list::cursor::Cursor;
use crate::scim::list::plan::Window;
use crate::store::StoreError;

/// The rows a window reads, and how the next cursor follows from them.
pub(in crate::store) struct Windowed {
    /// `select` in its own order, then (created, id), limited and offset.
    pub select: sea_orm::Select<resource::Entity>,
    pub next: Next,
}

/// What a cursor walk needs to go on after this page; `None` for index paging.
pub(in crate::store) struct Next(Option<Walk>);

struct Walk {
    /// The page size; one row more is read to see whether another page follows.
    count: u64,
    /// Rows skipped before this page (a walk with sortBy pages by offset).
    offset: u64,
    sorted: bool,
}

/// The query for `window` over `select`, or `None` when it reads nothing (`count=0`, or past
/// the `total`). A cursor is a keyset seek in the default order and an offset when `select`
/// carries a sort of its own (`has_sort`); a cursor of the other kind is `invalidCursor`.
pub(in crate::store) fn window(
    select: sea_orm::Select<resource::Entity>,
    window: &Window,
    has_sort: bool,
    total: u64,
) -> Result<Option<Windowed>, StoreError> {
    let mut select = select
        .order_by_asc(resource::Column::CreatedAt)
        .order_by_asc(resource::Column::Id);
    match window {
        Window::Index(page) => {
            if page.count == 0 || page.offset() >= total {
                return Ok(None);
            }
            Ok(Some(Windowed {
                select: select.offset(page.offset()).limit(page.count),
                next: Next(None),
            }))
        }
        Window::Cursor { count: 0, .. } => Ok(None),
        Window::Cursor { after, count } => {
            let offset = match after {
                Some(Cursor::After { .. }) if has_sort => {
                    return Err(ScimError::invalid_cursor(
                        "this cursor belongs to a walk without sortBy; start a new walk",
                    )
                    .into());
                }
                Some(Cursor::Offset(_)) if !has_sort => {
                    return Err(ScimError::invalid_cursor(
                        "this cursor belongs to a walk with sortBy; repeat the same sortBy",
                    )
                    .into());
                }
                Some(Cursor::After { created, id }) => {
                    // A row value is one range of the (created, id) index on both backends; the
                    // equivalent `created > ? OR (created = ? AND id > ?)` is not always, and
                    // then SQLite walks the index from the tenant's first row.
                    let key = |c: resource::Column| Expr::col((resource::Entity, c));
                    select = select.filter(
                        Expr::tuple([key(resource::Column::CreatedAt), key(resource::Column::Id)])
                            .gt(Expr::tuple([Expr::val(*created), Expr::val(id.as_str())])),
                    );
                    0
                }
                Some(Cursor::Offset(n)) => *n,
                None => 0,
            };
            Ok(Some(Windowed {
                select: select.offset(offset).limit(count + 1),
                next: Next(Some(Walk {
                    count: *count,
                    offset,
                    sorted: has_sort,
                })),
            }))
        }
    }
}

impl Next {
    /// The page among the `rows` the window's select read, and the cursor after it.
    pub(in crate::store) fn page(
        self,
        mut rows: Vec<resource::Model>,
    ) -> (Vec<resource::Model>, Option<Cursor>) {
        let Some(walk) = self.0 else {
            return (rows, None);
        };
        let more = rows.len() as u64 > walk.count;
        rows.truncate(walk.count as usize);
        let next = match rows.last() {
            Some(_) if more && walk.sorted => Some(Cursor::Offset(walk.offset + walk.count)),
            Some(last) if more => ResourceId::parse(&last.id).map(|id| Cursor::After {
                created: last.created_at,
                id,
            }),
            _ => None,
        };
        (rows, next)
    }
}
