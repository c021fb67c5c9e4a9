//! Lists (RFC 7644 §3.4.2): the rows a query's filter selects, in its order, one window of
//! them, and the total. The SQL comes from `store::condition`.
use entity::resource;
use sea_orm::{ConnectionTrait, PaginatorTrait, QueryFilter};

use super::Resources;
use crate::scim::list::cursor::Cursor;
use crate::scim::list::plan::{ListQuery, Window};
use crate::scim::resource::Resource;
use crate::store::StoreError;
use crate::store::condition::{self, Dialect, Windowed};

/// A page of a list, with the total and the next cursor of a cursor walk.
#[derive(Debug, Clone)]
pub struct Listed {
    pub total: u64,
    pub resources: Vec<Resource>,
    pub next: Option<Cursor>,
}

impl Resources<'_> {
    /// One page of the resources `query` selects, the total, and where a cursor walk goes
    /// next. Memberships (Group members, User groups) are loaded only when `memberships`.
    #[tracing::instrument(skip_all, fields(tenant = %self.tenant, kind = self.kind.as_str()))]
    pub async fn list(&self, query: &ListQuery, memberships: bool) -> Result<Listed, StoreError> {
        let conn = &self.store.reader;
        let dialect = Dialect {
            backend: conn.get_database_backend(),
            tenant: self.tenant,
            kind: self.kind,
        };
        let mut select = self.scoped();
        if let Some(filter) = &query.filter {
            select = select.filter(condition::condition(filter, dialect));
        }
        let total = select.clone().count(conn).await?;
        if let Some(sort) = &query.sort {
            select =
                condition::sorted(select, condition::sort_expr(&sort.key, dialect), sort.order);
        }
        let (rows, next) = page(select, &query.window, query.sort.is_some(), total, conn).await?;
        let resources = self.load_many(conn, rows, memberships).await?;
        Ok(Listed {
            total,
            resources,
            next,
        })
    }
}

/// The rows of `window` in `select`'s order, and the next cursor (see `condition::window`).
pub(super) async fn page<C: ConnectionTrait>(
    select: sea_orm::Select<resource::Entity>,
    window: &Window,
    has_sort: bool,
    total: u64,
    conn: &C,
) -> Result<(Vec<resource::Model>, Option<Cursor>), StoreError> {
    match condition::window(select, window, has_sort, total)? {
        None => Ok((Vec::new(), None)),
        Some(Windowed { select, next }) => Ok(next.page(select.all(conn).await?)),
    }
}
