//! `webhook_endpoints`: where events are POSTed, which types, and the secrets that sign them.
//! The secrets are stored as given (`whsec_…`): HMAC signing needs the key itself.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    /// A UUID.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// `None`: every tenant, those created later included.
    pub tenant_id: Option<i64>,
    pub url: String,
    /// Comma-separated event types and `user.*` prefixes; empty admits every type.
    pub event_types: String,
    pub secret: String,
    /// The secret before the last rotation, which signs too until its expiry.
    pub previous_secret: Option<String>,
    pub previous_secret_expires_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub disabled_at: Option<DateTimeUtc>,
    pub disabled_reason: Option<String>,
    /// Since when every attempt has failed; `None` after a success.
    pub failing_since: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
