//! Part 2: lookups among many activity records, as `GET /admin/v1/activity` runs them.
use std::time::Instant;

use chrono::Utc;
use entity::activity;
use sea_orm::{ActiveValue::NotSet, ActiveValue::Set, ConnectionTrait, Database, Statement};

use scimd::store::activity::{Filter, Outcome};
use scimd::store::{PoolConfig, Store};

use crate::{Args, Fresh, ms, p50};

pub async fn lookup(args: &Args, backend: &str) {
    let db = Fresh::new(args, "lookup").await;
    let store = Store::connect(&db.url, &PoolConfig::default())
        .await
        .unwrap();
    let a = store.tenants().ensure("acme").await.unwrap();
    let b = store.tenants().ensure("globex").await.unwrap();
    eprintln!("lookup: inserting {} records", args.records);
    let started = Instant::now();
    let now = Utc::now();
    // About 20 records per end user over the 30 days, whatever `--records` is.
    let users = (args.records / 20).clamp(1, 50_000);
    let mut batch = Vec::with_capacity(10_000);
    for i in 0..args.records {
        // Spread over 30 days, oldest first, as a log grows.
        let age = chrono::Duration::milliseconds(
            ((args.records - i) as i64 * 30 * 86_400_000) / args.records as i64,
        );
        let user = (i * 7_919) % users;
        // A tenth of the end users are the other tenant's.
        let tenant = if user % 10 == 9 { b.id } else { a.id };
        let failed = i % 20 == 0;
        batch.push(activity::ActiveModel {
            id: NotSet,
            at: Set(now - age),
            tenant_id: Set(Some(tenant.get())),
            credential_id: Set(Some(
                "token:0193f1c2-7a8b-7c3d-9e4f-5a6b7c8d9e0f".to_owned(),
            )),
            credential_kind: Set(Some("token".to_owned())),
            credential_label: Set(Some("Entra ID production".to_owned())),
            client: Set("entra".to_owned()),
            request_id: Set(Some(uuid::Uuid::new_v4().to_string())),
            method: Set("PATCH".to_owned()),
            route: Set("/scim/v2/Users/{id}".to_owned()),
            operation: Set("patch".to_owned()),
            resource_type: Set(Some("User".to_owned())),
            resource_id: Set(Some(format!("0193f1c2-0000-7000-8000-{user:012}"))),
            user_name: Set(Some(format!("User{user}@Example.com"))),
            external_id: Set(Some(format!("ext-{user}"))),
            display_name: Set(None),
            changed: Set(Some(r#"["active"]"#.to_owned())),
            status: Set(if failed { 409 } else { 200 }),
            scim_type: Set(failed.then(|| "uniqueness".to_owned())),
            detail: Set(failed.then(|| "userName is not unique".to_owned())),
            outcome: Set(if failed { "failed" } else { "succeeded" }.to_owned()),
            latency_us: Set(2_000),
            event_seqs: Set(Some(format!("[{i}]"))),
        });
        if batch.len() == 10_000 {
            store
                .activity()
                .write(std::mem::take(&mut batch))
                .await
                .unwrap();
        }
    }
    store.activity().write(batch).await.unwrap();
    let load = started.elapsed();
    analyze(&store, &db.url).await;
    let week_ago = Utc::now() - chrono::Duration::days(7);
    let by_user = |n: usize| Filter {
        tenant: Some(a.id),
        user: Some(format!(
            "user{}@example.com",
            (n * 104_729) % users / 10 * 10
        )),
        from: Some(week_ago),
        limit: 100,
        ..Filter::default()
    };
    let failures = |_| Filter {
        tenant: Some(a.id),
        outcome: Some(Outcome::Failed),
        from: Some(week_ago),
        limit: 100,
        ..Filter::default()
    };
    let newest = |_| Filter {
        tenant: Some(a.id),
        limit: 100,
        ..Filter::default()
    };
    println!(
        "\n### {backend}: activity lookups among {} records\n",
        args.records
    );
    println!(
        "Loaded in {:.1} s. {} lookups each.\n",
        load.as_secs_f64(),
        args.lookups
    );
    println!("| lookup | records found (first) | p50 ms | p99 ms |");
    println!("|---|---:|---:|---:|");
    for (name, make) in [
        (
            "one end user's last 7 days (`user=` by userName, any case)",
            &by_user as &dyn Fn(usize) -> Filter,
        ),
        (
            "a tenant's failures of the last 7 days, newest 100",
            &failures,
        ),
        ("a tenant's newest 100 records", &newest),
    ] {
        let mut times = Vec::with_capacity(args.lookups);
        let mut found = None;
        for n in 0..args.lookups {
            let filter = make(n);
            let started = Instant::now();
            let page = store.activity().list(&filter).await.unwrap();
            times.push(started.elapsed());
            found.get_or_insert(page.entries.len());
            assert!(!page.entries.is_empty(), "{name}: nothing found");
        }
        let plan = store.activity().plan(&make(0)).await.unwrap();
        // PostgreSQL's plan is long: its scans say which index serves the lookup.
        let scans: Vec<&str> = plan
            .split("; ")
            .map(str::trim)
            .filter(|line| line.contains("Scan") || !plan.contains("->"))
            .collect();
        eprintln!("plan of {name}: {}", scans.join("; "));
        let mut sorted = times.clone();
        sorted.sort();
        let p99 = sorted[(sorted.len() * 99).div_ceil(100).max(1) - 1];
        println!(
            "| {name} | {} | {} | {} |",
            found.unwrap_or(0),
            ms(p50(times)),
            ms(p99)
        );
    }
    store.close().await;
    db.drop().await;
}

/// Planner statistics, as a database that has run a while has them.
async fn analyze(store: &Store, url: &str) {
    let _ = store;
    let conn = Database::connect(url).await.unwrap();
    let backend = conn.get_database_backend();
    conn.execute_raw(Statement::from_string(backend, "ANALYZE".to_owned()))
        .await
        .unwrap();
    conn.close().await.unwrap();
}
