//! Loading the data set: users and groups through `Resources::import`, once per database.
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use scimd::scim::list::plan::{ListQuery, Window};
use scimd::scim::list::response::Page;
use scimd::scim::schema::ResourceKind;
use scimd::store::{PoolConfig, Store, TenantId, Write};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use serde_json::{Value, json};

use crate::Args;
use crate::common;
use crate::people::*;

pub struct Loaded {
    pub users_time: Duration,
    pub groups_time: Duration,
    pub memberships: u64,
}

pub async fn count(store: &Store, tenant: TenantId, kind: ResourceKind) -> u64 {
    let query = ListQuery {
        filter: None,
        sort: None,
        window: Window::Index(Page {
            start_index: 1,
            count: 0,
        }),
    };
    let resources = store.tenant(tenant).resources(kind);
    resources.list(&query, false).await.unwrap().total
}

pub async fn load(store: &Store, tenant: TenantId, args: &Args) -> Loaded {
    let users = store.tenant(tenant).users();
    let (n, batch) = (args.users, args.batch.max(1) as u64);
    let build = move |start: u64| {
        tokio::task::spawn_blocking(move || {
            (start..(start + batch).min(n))
                .map(|i| write(ResourceKind::User, &user_body(i)))
                .collect::<Vec<_>>()
        })
    };
    // One batch is built on a blocking thread while the previous one is written.
    let started = Instant::now();
    let mut ids: Vec<String> = Vec::with_capacity(n as usize);
    let mut next = (n > 0).then(|| build(0));
    let mut reported = 0;
    while let Some(pending) = next.take() {
        let writes = pending.await.unwrap();
        let after = ids.len() as u64 + writes.len() as u64;
        if after < n {
            next = Some(build(after));
        }
        ids.extend(users.import(&writes).await.unwrap());
        if ids.len() as u64 >= reported + 100_000 || ids.len() as u64 == n {
            reported = ids.len() as u64;
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "  {reported} users in {secs:.0} s ({:.0}/s)",
                reported as f64 / secs
            );
        }
    }
    let users_time = started.elapsed();

    let groups = store.tenant(tenant).groups();
    let started = Instant::now();
    let mut memberships = 0;
    let mut g = 0;
    while g < args.groups {
        let end = (g + 500).min(args.groups);
        let writes: Vec<Write> = (g..end)
            .map(|g| {
                let members: Vec<Value> = group_members(g, n)
                    .into_iter()
                    .map(|u| json!({"value": ids[u as usize]}))
                    .collect();
                memberships += members.len() as u64;
                write(ResourceKind::Group, &group_body(g, members))
            })
            .collect();
        groups.import(&writes).await.unwrap();
        g = end;
    }
    Loaded {
        users_time,
        groups_time: started.elapsed(),
        memberships,
    }
}

/// The SQLite file for this size, under target/bench/.
pub fn sqlite_path(args: &Args) -> PathBuf {
    common::bench_file(&format!("scimd-{}u-{}g.db", args.users, args.groups))
}

pub fn remove_sqlite(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{suffix}", path.display()));
        if file.exists() {
            std::fs::remove_file(file).unwrap();
        }
    }
}

/// Creates the PostgreSQL database named in `url` if it does not exist.
pub async fn create_database(url: &str) {
    let (server, name) = url.rsplit_once('/').expect("postgres://…/database");
    let name = name.split('?').next().unwrap_or(name);
    let admin = Database::connect(format!("{server}/postgres"))
        .await
        .unwrap();
    let exists = admin
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT 1 FROM pg_database WHERE datname = $1",
            [name.into()],
        ))
        .await
        .unwrap()
        .is_some();
    if !exists {
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .unwrap();
    }
    admin.close().await.unwrap();
}

/// Connects, and loads the data set unless the database already holds exactly it.
pub async fn prepare_database(url: &str, args: &Args) -> Option<Loaded> {
    let pool = PoolConfig::default();
    let mut store = Store::connect(url, &pool).await.unwrap();
    let mut tenant = store.tenants().ensure("default").await.unwrap().id;
    let have = (
        count(&store, tenant, ResourceKind::User).await,
        count(&store, tenant, ResourceKind::Group).await,
    );
    if have == (args.users, args.groups) {
        eprintln!(
            "database already holds {} users and {} groups",
            have.0, have.1
        );
        store.close().await;
        return None;
    }
    if have != (0, 0) {
        assert!(
            !url.starts_with("postgres"),
            "the database holds {} users and {} groups, not {} and {}: pass an empty one",
            have.0,
            have.1,
            args.users,
            args.groups
        );
        eprintln!("database holds {have:?}; starting over");
        store.close().await;
        remove_sqlite(&sqlite_path(args));
        store = Store::connect(url, &pool).await.unwrap();
        tenant = store.tenants().ensure("default").await.unwrap().id;
    }
    eprintln!("loading {} users and {} groups", args.users, args.groups);
    let loaded = load(&store, tenant, args).await;
    store.close().await;
    if url.starts_with("postgres") {
        // What autovacuum would do soon after a bulk load: statistics and the visibility map.
        let conn = Database::connect(url).await.unwrap();
        conn.execute_unprepared("VACUUM ANALYZE").await.unwrap();
        conn.close().await.unwrap();
    }
    Some(loaded)
}

pub async fn database_size(url: &str, args: &Args) -> u64 {
    if url.starts_with("postgres") {
        let conn = Database::connect(url).await.unwrap();
        let row = conn
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT pg_database_size(current_database())::BIGINT AS size",
            ))
            .await
            .unwrap()
            .unwrap();
        conn.close().await.unwrap();
        return row.try_get::<i64>("", "size").unwrap() as u64;
    }
    let path = sqlite_path(args);
    ["", "-wal"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{}{s}", path.display())).ok())
        .map(|m| m.len())
        .sum()
}

/// How long the COUNT behind `totalResults` takes over all users, run directly.
pub async fn count_all_users(url: &str, runs: usize) -> Duration {
    let conn = Database::connect(url).await.unwrap();
    let sql = "SELECT COUNT(*) FROM resources r JOIN tenants t ON t.id = r.tenant_id \
               WHERE t.name = 'default' AND r.resource_type = 'User'";
    let backend = conn.get_database_backend();
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        conn.query_one_raw(Statement::from_string(backend, sql))
            .await
            .unwrap();
        times.push(started.elapsed());
    }
    conn.close().await.unwrap();
    times.sort();
    times[times.len() / 2]
}
