//! `resources`: Users and Groups. The canonical SCIM document is `data`; the columns beside
//! it are the normalised, indexed copies that queries and uniqueness constraints need.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "resources")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: i64,
    /// "User" or "Group".
    pub resource_type: String,
    /// Lower-cased userName (Users) or displayName (Groups); unique per tenant and type.
    pub name_ci: String,
    /// How references show this resource: displayName, else userName.
    pub display: String,
    pub external_id: Option<String>,
    pub active: Option<bool>,
    pub password_hash: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub data: Json,
    /// The case-folded search document (see `scim::search`); never shown to clients.
    #[sea_orm(column_type = "JsonBinary")]
    pub data_ci: Json,
    pub created_at: DateTimeUtc,
    pub last_modified: DateTimeUtc,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
