//! Persistence on sea-orm: SQLite (embedded default) or PostgreSQL through the same code.
//!
//! Every SCIM query goes through a tenant-scoped handle ([`Store::tenant`]) that adds
//! `tenant_id = ?` itself; there is no unscoped path to Users or Groups.

pub mod activity;
mod backup;
pub mod condition;
mod connect;
mod convert;
pub mod credentials;
pub mod events;
mod index;
mod members;
mod pool;
mod report;
mod resources;
mod schemas;
mod signing_keys;
mod statistics;
mod tenants;
#[cfg(test)]
mod tests;
pub mod webhooks;

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{DatabaseConnection, DbErr, SqlErr};

use crate::scim::ScimError;
use crate::scim::schema::ResourceKind;

pub use activity::{Activity, CredentialRef, Draft, Slot};
pub use backup::Backup;
pub use connect::{Create, PoolConfig, cannot_open, redact};
pub use credentials::tokens::Principal;
pub use credentials::{
    AccessToken, AuthError, ClientInfo, Credential, CredentialInfo, CredentialKind, Credentials,
    Fetched, JwtTrusts, OauthClients, RefreshableTrust, RotateError, Rotated, TokenInfo, Tokens,
    TrustInfo,
};
pub use events::{EventSignal, Events, FeedError, Origin, Page};
pub use pool::PoolState;
pub use report::{CredentialUse, DayCount, ErrorGroup, Report};
pub use resources::{Listed, Lookup, Resources, Write};
pub use schemas::{Removed, SchemaRecord, Schemas};
pub use tenants::{Contents, TenantRecord, Tenants, valid_tenant_name};
pub use webhooks::{AttemptRecord, ReplayError, WebhookRecord, Webhooks};

/// A tenant's database id. Only the store and the auth extractor create one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TenantId(i64);

impl TenantId {
    pub fn get(self) -> i64 {
        self.0
    }
}

impl std::fmt::Display for TenantId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("{attribute} is not unique")]
    Uniqueness { attribute: String },
    #[error("the resource changed concurrently too often; retry")]
    Conflict,
    /// The caller's rules refused the change (for example an immutable attribute).
    #[error(transparent)]
    Rejected(#[from] ScimError),
    #[error("database error")]
    Database(#[from] DbErr),
    #[error("configuration error: {0}")]
    Config(String),
    #[error("corrupt data: {0}")]
    Corrupt(String),
    /// `If-Match` named a version the resource no longer has.
    #[error("the resource has changed since the version the client named")]
    PreconditionFailed,
}

impl StoreError {
    /// Maps a unique-constraint violation to `Uniqueness { attribute }`.
    fn unique_as(err: DbErr, attribute: &str) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => Self::Uniqueness {
                attribute: attribute.to_owned(),
            },
            _ => Self::Database(err),
        }
    }
}

/// The database behind scimd: a writer and a reader connection pool. On SQLite the writer is
/// one connection, so writes queue in-process instead of failing with SQLITE_BUSY; readers
/// run beside it in WAL mode. On PostgreSQL both are the same pool.
#[derive(Clone, Debug)]
pub struct Store {
    writer: DatabaseConnection,
    reader: DatabaseConnection,
    /// Wakes this process's change-feed long-polls when a write commits events.
    signal: events::EventSignal,
}

impl Store {
    pub fn tenants(&self) -> Tenants<'_> {
        Tenants::new(self)
    }

    pub fn tokens(&self) -> Tokens<'_> {
        Tokens::new(self)
    }

    /// Tenants' custom schema extensions.
    pub fn schemas(&self) -> Schemas<'_> {
        Schemas::new(self)
    }

    /// Handles for one tenant's data.
    /// A write transaction. On SQLite it takes the write lock at BEGIN (IMMEDIATE), so a
    /// second process waits for it (busy_timeout) instead of failing when a read turns
    /// into a write under another writer.
    pub(crate) async fn begin_write(&self) -> Result<sea_orm::DatabaseTransaction, DbErr> {
        use sea_orm::TransactionTrait;
        if self.writer.get_database_backend() == sea_orm::DbBackend::Sqlite {
            let options = sea_orm::TransactionOptions {
                sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
                ..Default::default()
            };
            self.writer.begin_with_options(options).await
        } else {
            self.writer.begin().await
        }
    }

    pub fn tenant(&self, tenant: TenantId) -> TenantStore<'_> {
        TenantStore {
            store: self,
            tenant,
        }
    }

    /// "sqlite" or "postgres".
    pub fn backend(&self) -> &'static str {
        match self.writer.get_database_backend() {
            sea_orm::DbBackend::Postgres => "postgres",
            sea_orm::DbBackend::Sqlite => "sqlite",
            _ => "other",
        }
    }
}

/// One tenant's Users and Groups.
#[derive(Clone, Copy)]
pub struct TenantStore<'a> {
    store: &'a Store,
    tenant: TenantId,
}

impl<'a> TenantStore<'a> {
    pub fn users(&self) -> Resources<'a> {
        Resources::new(self.store, self.tenant, ResourceKind::User)
    }

    pub fn groups(&self) -> Resources<'a> {
        Resources::new(self.store, self.tenant, ResourceKind::Group)
    }

    pub fn resources(&self, kind: ResourceKind) -> Resources<'a> {
        Resources::new(self.store, self.tenant, kind)
    }
}

/// Now, at the millisecond precision `meta` shows, so what is written reads back equal and a
/// filter on a `meta.created` a client has seen compares with exactly that instant.
fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(3)
}

/// A new resource id: a UUID whose first bits are the time (v7), so the ids of a bulk import
/// are ascending and each insert lands at the right edge of the primary-key and index B-trees
/// instead of on a random page (random v4 ids made imports slower as tables grew). The id
/// stays opaque to clients; what it reveals, the creation time, `meta.created` shows anyway.
fn new_id() -> String {
    crate::scim::id::ResourceId::new().into_string()
}

impl From<StoreError> for ScimError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => ScimError::not_found("resource not found"),
            StoreError::Uniqueness { attribute } => ScimError::uniqueness(&attribute),
            StoreError::Conflict => ScimError::conflict(
                "the resource was modified concurrently too many times; retry the request",
            ),
            StoreError::Rejected(err) => err,
            StoreError::PreconditionFailed => ScimError::precondition_failed(
                "the resource has changed since that version (If-Match); read it again and retry",
            ),
            StoreError::Database(err) => {
                tracing::error!(error = %err, "database error");
                ScimError::internal()
            }
            StoreError::Config(detail) | StoreError::Corrupt(detail) => {
                tracing::error!(%detail, "store error");
                ScimError::internal()
            }
        }
    }
}
