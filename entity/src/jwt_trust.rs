//! `jwt_trusts`: an external JWT issuer one tenant trusts, with its pinned algorithm and key
//! material (an HMAC secret must be kept to verify with; public keys and JWKS are public),
//! and for a JWKS fetched from a URL, the state of its refresh.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "jwt_trusts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: i64,
    pub issuer: String,
    pub audience: String,
    pub algorithm: String,
    pub key_kind: String,
    #[sea_orm(column_type = "Text")]
    pub key_material: String,
    /// '' when the trust requires no claim.
    pub claim_name: String,
    pub claim_value: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Where the JWKS is fetched from (`--jwks-url`); `None` for key material given once.
    #[sea_orm(column_type = "Text", nullable)]
    pub jwks_url: Option<String>,
    /// When `key_material` was last fetched from `jwks_url`.
    pub fetched_at: Option<DateTimeUtc>,
    /// When a process last claimed a fetch, successful or not: one fetch per claim.
    pub fetch_attempted_at: Option<DateTimeUtc>,
    /// Why the last fetch failed; `None` after a good one.
    #[sea_orm(column_type = "Text", nullable)]
    pub fetch_error: Option<String>,
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
