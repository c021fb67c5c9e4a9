//! `webhook_cursors`: one row per (endpoint, tenant): how far delivery got, when the next
//! attempt is due, and the lease of the process delivering it now.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_cursors")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub endpoint_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: i64,
    /// The last seq delivered, given up on, or skipped by the endpoint's type filter.
    pub delivered_seq: i64,
    /// Unix milliseconds before which the next event is not attempted (a retry's backoff).
    pub next_attempt_at: i64,
    /// Failed attempts of the next event so far.
    pub attempts: i32,
    /// The process delivering this pair now, until `lease_until` (Unix milliseconds).
    pub lease_owner: Option<String>,
    pub lease_until: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
