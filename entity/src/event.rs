//! `events`: the change-event outbox, one row per committed change, in the tenant's `seq`
//! order. The envelope is the JSON text delivered to webhooks and the feed, byte for byte.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: i64,
    /// Increases by one per event of the tenant, in commit order.
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    /// The event id (a UUID): stable across retries, the `webhook-id`.
    #[sea_orm(unique)]
    pub id: String,
    /// `user.created`, `group.member_added`, …
    pub event_type: String,
    /// "User" or "Group".
    pub resource_type: String,
    pub resource_id: String,
    pub occurred_at: DateTimeUtc,
    /// The whole event as JSON text.
    pub envelope: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
