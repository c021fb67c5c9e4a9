//! `group_members`: one row per (group, member); the member is a User or a Group.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "group_members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub group_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub member_id: String,
    pub tenant_id: i64,
    /// "User" or "Group", copied from the member's resource type.
    pub member_type: String,
    /// The label the client sent with the member, if any; reads fall back to the member's
    /// current displayName (or userName).
    pub display: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
