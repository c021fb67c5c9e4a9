//! `--explain`: the statements `Resources::list` runs for each request, rebuilt from its
//! parameters, with their plans.
use std::time::Instant;

use entity::resource;
use reqwest::Url;
use scimd::scim::list::cursor::Cursor;
use scimd::scim::list::params::Params;
use scimd::scim::list::plan::{Window, plan};
use scimd::scim::schema::{Registry, ResourceKind};
use scimd::scim::validate::Leniency;
use scimd::store::condition::{self as sql, Dialect};
use scimd::store::{PoolConfig, Store, TenantId};
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, Database, DbBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Statement,
};

use crate::{Case, WARM_UP, ms};

/// The COUNT behind `totalResults` and the page query, as `Resources::list` builds them.
pub fn list_statements(
    url: &Url,
    tenant: TenantId,
    backend: DbBackend,
) -> [(String, Statement); 2] {
    use sea_orm::sea_query::ExprTrait as _;
    let kind = if url.path().ends_with("/Groups") {
        ResourceKind::Group
    } else {
        ResourceKind::User
    };
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let rt = Registry::core().resource_type(kind);
    let (query, _) = plan(rt, &Params::from_query(&pairs), Leniency::Lenient, 1_000).unwrap();
    let mut select = resource::Entity::find()
        .filter(resource::Column::TenantId.eq(tenant.get()))
        .filter(resource::Column::ResourceType.eq(kind.as_str()));
    if let Some(filter) = &query.filter {
        let dialect = Dialect {
            backend,
            tenant,
            kind,
        };
        select = select.filter(sql::condition(filter, dialect));
    }
    let count = Query::select()
        .expr(Expr::cust("COUNT(*) AS num_items"))
        .from_subquery(select.clone().into_query(), Alias::new("sub_query"))
        .take();
    let mut select = select
        .order_by_asc(resource::Column::CreatedAt)
        .order_by_asc(resource::Column::Id);
    select = match &query.window {
        Window::Index(page) => select.offset(page.offset()).limit(page.count),
        Window::Cursor { after, count } => {
            if let Some(Cursor::After { created, id }) = after {
                let key = |c: resource::Column| Expr::col((resource::Entity, c));
                select = select.filter(
                    Expr::tuple([key(resource::Column::CreatedAt), key(resource::Column::Id)])
                        .gt(Expr::tuple([Expr::val(*created), Expr::val(id.as_str())])),
                );
            }
            select.limit(count + 1)
        }
    };
    [
        ("count".to_owned(), backend.build(&count)),
        ("page".to_owned(), select.build(backend)),
    ]
}

/// Prints the plan of every statement behind `cases` (each with its first measured probe).
pub async fn explain(url: &str, cases: &[Case]) {
    let conn = Database::connect(url).await.unwrap();
    let backend = conn.get_database_backend();
    let store = Store::connect(url, &PoolConfig::default()).await.unwrap();
    let tenant = store.tenants().ensure("default").await.unwrap().id;
    for case in cases {
        let probe = (case.make)(WARM_UP);
        println!("\n## {}\n", case.name);
        for (what, stmt) in list_statements(&probe.url, tenant, backend) {
            println!("{what}: {stmt}");
            let prefix = match backend {
                DbBackend::Postgres => "EXPLAIN (ANALYZE, BUFFERS) ",
                _ => "EXPLAIN QUERY PLAN ",
            };
            let plan = Statement {
                sql: format!("{prefix}{}", stmt.sql),
                ..stmt.clone()
            };
            for row in conn.query_all_raw(plan).await.unwrap() {
                let line: String = match backend {
                    DbBackend::Postgres => row.try_get("", "QUERY PLAN").unwrap(),
                    _ => row.try_get("", "detail").unwrap(),
                };
                println!("    {line}");
            }
            let mut times = Vec::new();
            for _ in 0..5 {
                let started = Instant::now();
                conn.query_all_raw(stmt.clone()).await.unwrap();
                times.push(started.elapsed());
            }
            times.sort();
            println!("    median of 5 runs: {} ms", ms(times[2]));
        }
    }
    store.close().await;
    conn.close().await.unwrap();
}
