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
