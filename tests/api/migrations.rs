use migration::{Migrator, MigratorTrait};
use sea_orm::ConnectionTrait;

use crate::helpers::TestDb;

#[tokio::test]
async fn migrations_apply_to_an_empty_database_then_go_down_and_up_again() {
    let db = TestDb::new().await;
    let conn = db.connect().await;
    Migrator::up(&conn, None).await.unwrap();
    assert!(
        Migrator::get_pending_migrations(&conn)
            .await
            .unwrap()
            .is_empty()
    );
    let applied = Migrator::get_applied_migrations(&conn).await.unwrap().len();
    assert_eq!(applied, Migrator::migrations().len());
    conn.execute_unprepared("SELECT id, tenant_id, name_ci, data, version FROM resources")
        .await
        .unwrap();
    Migrator::down(&conn, None).await.unwrap();
    assert!(
        conn.execute_unprepared("SELECT 1 FROM resources")
            .await
            .is_err()
    );
    Migrator::up(&conn, None).await.unwrap();
    conn.execute_unprepared("SELECT group_id, member_id, display FROM group_members")
        .await
        .unwrap();
}

/// Migration 000010 rebuilds `events` without its unique `id` (SQLite) or drops two of its
/// indexes (PostgreSQL): the events written before it are still there, in order, byte for
/// byte, and a down and up again keeps them too.
#[tokio::test]
async fn slimming_the_events_table_keeps_the_events_already_written() {
    use sea_orm::{DbBackend, Statement};
    let db = TestDb::new().await;
    let conn = db.connect().await;
    Migrator::up(&conn, Some(9)).await.unwrap();
    let backend = conn.get_database_backend();
    conn.execute_unprepared(
        "INSERT INTO tenants (name, created_at) VALUES ('acme', '2026-12-01T00:00:00Z')",
    )
    .await
    .unwrap();
    for (seq, day) in [(1, "01"), (2, "02")] {
        conn.execute_unprepared(&format!(
            "INSERT INTO events (tenant_id, seq, id, event_type, resource_type, resource_id, \
             occurred_at, envelope) VALUES ((SELECT id FROM tenants), {seq}, 'e{seq}', \
             'user.created', 'User', 'u1', '2026-12-{day}T00:00:00Z', '{{\"seq\":{seq}}}')"
        ))
        .await
        .unwrap();
    }
    let events = || async {
        let rows = conn
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT seq, id, envelope FROM events ORDER BY seq",
            ))
            .await
            .unwrap();
        rows.iter()
            .map(|r| {
                (
                    r.try_get_by_index::<i64>(0).unwrap(),
                    r.try_get_by_index::<String>(1).unwrap(),
                    r.try_get_by_index::<String>(2).unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    let before = events().await;
    assert_eq!(before.len(), 2);
    Migrator::up(&conn, None).await.unwrap();
    assert_eq!(events().await, before);
    if backend == DbBackend::Sqlite {
        let sql = conn
            .query_one_raw(Statement::from_string(
                backend,
                "SELECT sql FROM sqlite_master WHERE name = 'events'",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index::<String>(0)
            .unwrap();
        assert!(!sql.contains("UNIQUE"), "{sql}");
    }
    Migrator::down(&conn, Some(1)).await.unwrap();
    assert_eq!(events().await, before);
    Migrator::up(&conn, None).await.unwrap();
    assert_eq!(events().await, before);
}
