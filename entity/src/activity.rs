//! `activity`: the provisioning activity log (what each IdP and admin did, and what scimd
//! answered). Identifiers only, never attribute values, passwords, tokens or secrets.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "activity")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// When the request arrived.
    pub at: DateTimeUtc,
    /// Null when no tenant was known (a 401 for an unknown credential).
    pub tenant_id: Option<i64>,
    pub credential_id: Option<String>,
    /// `token`, `oauth_client`, `jwt`, `admin`.
    pub credential_kind: Option<String>,
    /// The credential's label, e.g. "Entra ID production".
    pub credential_label: Option<String>,
    /// The client guessed from the User-Agent: `entra`, `okta`, … or `unknown`.
    pub client: String,
    pub request_id: Option<String>,
    pub method: String,
    /// The route template, e.g. `/scim/v2/{tenant}/Users/{id}`.
    pub route: String,
    /// `create`, `replace`, `patch`, `delete`, `member_add`, `member_remove`, `bulk`, `list`,
    /// `get`, `search`, `auth_failed`, `rate_limited`, or an admin action.
    pub operation: String,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub user_name: Option<String>,
    pub external_id: Option<String>,
    pub display_name: Option<String>,
    /// JSON array of the attribute paths the write touched.
    pub changed: Option<String>,
    pub status: i32,
    pub scim_type: Option<String>,
    pub detail: Option<String>,
    /// `succeeded` (2xx and 304) or `failed`.
    pub outcome: String,
    pub latency_us: i64,
    /// JSON array of the event seqs the request produced.
    pub event_seqs: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
