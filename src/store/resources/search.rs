//! `POST /.search` at the service root (RFC 7644 §3.4.3): one query over Users and Groups,
//! each type with the filter resolved against its own schema.
use entity::resource;
use sea_orm::sea_query::{CaseStatement, Expr, ExprTrait, SimpleExpr};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use super::list::{Listed, page};
use crate::scim::list::root::RootSearch;
use crate::scim::resource::Resource;
use crate::store::condition::{self, Dialect, sorted};
use crate::store::{StoreError, TenantStore, convert::kind_of};

impl TenantStore<'_> {
    /// Resources of every part of `search` in one order (each part brings its own sort key,
    /// `search.order` gives the direction) and one page.
    pub async fn search_all(&self, search: &RootSearch) -> Result<Listed, StoreError> {
        let RootSearch {
            parts,
            order,
            window,
        } = search;
        let conn = &self.store.reader;
        let dialect = |kind| Dialect {
            backend: conn.get_database_backend(),
            tenant: self.tenant,
            kind,
        };
        let mut any: Option<SimpleExpr> = None;
        let mut case = CaseStatement::new();
        for part in parts {
            let mut cond = resource::Column::ResourceType.eq(part.kind.as_str());
            if let Some(filter) = &part.filter {
                cond = cond.and(condition::condition(filter, dialect(part.kind)));
            }
            any = Some(match any {
                Some(prev) => prev.or(cond),
                None => cond,
            });
            if let Some(key) = &part.sort {
                case = case.case(
                    resource::Column::ResourceType.eq(part.kind.as_str()),
                    condition::sort_expr(key, dialect(part.kind)),
                );
            }
        }
        let select = resource::Entity::find()
            .filter(resource::Column::TenantId.eq(self.tenant.get()))
            .filter(any.unwrap_or_else(|| Expr::cust("1 = 0")));
        let total = select.clone().count(conn).await?;
        let (rows, next) = match *order {
            Some(order) => {
                let select = sorted(select, case.finally(Expr::cust("NULL")).into(), order);
                page(select, window, true, total, conn).await?
            }
            None => page(select, window, false, total, conn).await?,
        };
        let mut resources: Vec<Option<Resource>> = vec![None; rows.len()];
        for part in parts {
            let (positions, mine): (Vec<usize>, Vec<resource::Model>) = rows
                .iter()
                .enumerate()
                .filter(|(_, r)| kind_of(&r.resource_type).ok() == Some(part.kind))
                .map(|(i, r)| (i, r.clone()))
                .unzip();
            let loaded = self
                .resources(part.kind)
                .load_many(conn, mine, part.memberships)
                .await?;
            for (i, r) in positions.into_iter().zip(loaded) {
                resources[i] = Some(r);
            }
        }
        Ok(Listed {
            total,
            resources: resources.into_iter().flatten().collect(),
            next,
        })
    }
}
