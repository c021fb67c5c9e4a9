//! `tenant_schemas`: the schema extensions a tenant registered (`scimd schema add`), one row
//! per URN, holding the RFC 7643 §7 document with every characteristic explicit.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenant_schemas")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: i64,
    /// The URN lower-cased: URNs are unique per tenant regardless of case.
    #[sea_orm(primary_key, auto_increment = false)]
    pub urn_ci: String,
    /// The URN as registered: the key its attributes are stored under in resources.
    pub urn: String,
    /// "User" or "Group": the resource type it extends.
    pub resource_type: String,
    pub required: bool,
    /// The schema document as JSON text.
    pub document: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::tenant::Entity",
        from = "Column::TenantId",
        to = "super::tenant::Column::Id"
    )]
    Tenant,
}

impl Related<super::tenant::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Tenant.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
