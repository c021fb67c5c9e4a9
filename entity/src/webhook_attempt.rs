//! `webhook_attempts`: one row per delivery attempt (time, status, latency, error, outcome).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_attempts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub endpoint_id: String,
    pub tenant_id: i64,
    pub seq: i64,
    pub event_id: String,
    pub attempted_at: DateTimeUtc,
    /// The HTTP status, when an answer came.
    pub status_code: Option<i32>,
    pub latency_ms: i64,
    pub error: Option<String>,
    /// `delivered`, `failed` (to be retried), `given_up` or `gone` (410: endpoint disabled).
    pub outcome: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
