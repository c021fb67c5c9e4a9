//! What the three kinds of credential have in common: a row per credential owned by a tenant,
//! listed oldest first, ended at once by the operator (a token or an OAuth client is marked
//! revoked and kept for the audit trail; a JWT trust is deleted), and, for the two with
//! secrets, a `last_used_at` kept roughly current.
use chrono::{DateTime, Utc};
use entity::{jwt_trust, oauth_client, tenant, token};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Related};

use super::{ClientInfo, TokenInfo, TrustInfo};
use crate::store::{StoreError, TenantRecord, now};

/// The kinds of credential an operator manages (`scimd token|client|jwt`, `/admin/…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CredentialKind {
    Token,
    OauthClient,
    JwtTrust,
}

impl CredentialKind {
    /// What messages call one: `token`, `OAuth client`, `JWT trust`.
    pub fn noun(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::OauthClient => "OAuth client",
            Self::JwtTrust => "JWT trust",
        }
    }
}

/// A credential as listed, without its secret: [`TokenInfo`], [`ClientInfo`] or
/// [`TrustInfo`]. `Credentials::list::<I>` and `Credentials::revoke::<I>` take the kind from it.
pub trait CredentialInfo: stored::Stored {
    const KIND: CredentialKind;
}

/// How a kind is stored; sealed, so only the store's kinds implement [`CredentialInfo`].
pub(super) mod stored {
    use super::*;

    type Column<I> = <<I as Stored>::Entity as EntityTrait>::Column;

    pub trait Stored: Sized {
        type Entity: EntityTrait + Related<tenant::Entity>;
        const ID: Column<Self>;
        const TENANT_ID: Column<Self>;
        /// The list order, each ascending.
        const ORDER: &'static [Column<Self>];
        /// When the credential was revoked; `None`: revoking deletes it.
        const REVOKED_AT: Option<Column<Self>>;
        fn from_row(row: <Self::Entity as EntityTrait>::Model, tenant: String) -> Self;
    }

    impl Stored for TokenInfo {
        type Entity = token::Entity;
        const ID: Column<Self> = token::Column::Id;
        const TENANT_ID: Column<Self> = token::Column::TenantId;
        const ORDER: &'static [Column<Self>] = &[token::Column::CreatedAt];
        const REVOKED_AT: Option<Column<Self>> = Some(token::Column::RevokedAt);
        fn from_row(row: token::Model, tenant: String) -> Self {
            super::super::tokens::info(row, tenant)
        }
    }

    impl Stored for ClientInfo {
        type Entity = oauth_client::Entity;
        const ID: Column<Self> = oauth_client::Column::Id;
        const TENANT_ID: Column<Self> = oauth_client::Column::TenantId;
        const ORDER: &'static [Column<Self>] =
            &[oauth_client::Column::CreatedAt, oauth_client::Column::Id];
        const REVOKED_AT: Option<Column<Self>> = Some(oauth_client::Column::RevokedAt);
        fn from_row(row: oauth_client::Model, tenant: String) -> Self {
            super::super::oauth_clients::info(row, tenant)
        }
    }

    impl Stored for TrustInfo {
        type Entity = jwt_trust::Entity;
        const ID: Column<Self> = jwt_trust::Column::Id;
        const TENANT_ID: Column<Self> = jwt_trust::Column::TenantId;
        const ORDER: &'static [Column<Self>] =
            &[jwt_trust::Column::CreatedAt, jwt_trust::Column::Id];
        const REVOKED_AT: Option<Column<Self>> = None;
        fn from_row(row: jwt_trust::Model, tenant: String) -> Self {
            super::super::jwt_trusts::info(row, tenant)
        }
    }
}

impl CredentialInfo for TokenInfo {
    const KIND: CredentialKind = CredentialKind::Token;
}

impl CredentialInfo for ClientInfo {
    const KIND: CredentialKind = CredentialKind::OauthClient;
}

impl CredentialInfo for TrustInfo {
    const KIND: CredentialKind = CredentialKind::JwtTrust;
}

/// Every credential of kind `I`, or `tenant`'s, in the kind's order.
pub(super) async fn list<I: CredentialInfo, C: ConnectionTrait>(
    conn: &C,
    tenant: Option<&TenantRecord>,
) -> Result<Vec<I>, StoreError> {
    let mut query = I::Entity::find().find_also_related(tenant::Entity);
    for column in I::ORDER {
        query = query.order_by_asc(*column);
    }
    if let Some(tenant) = tenant {
        query = query.filter(I::TENANT_ID.eq(tenant.id.get()));
    }
    Ok(query
        .all(conn)
        .await?
        .into_iter()
        .map(|(row, tenant)| I::from_row(row, tenant.map(|t| t.name).unwrap_or_default()))
        .collect())
}

/// Ends credential `id` of kind `I` at once. Revoking a revoked token or client again
/// succeeds and keeps the first time; `NotFound` if there is no such credential.
pub(super) async fn revoke<I: CredentialInfo, C: ConnectionTrait>(
    conn: &C,
    id: &str,
) -> Result<(), StoreError> {
    let Some(revoked_at) = I::REVOKED_AT else {
        let result = I::Entity::delete_many()
            .filter(I::ID.eq(id))
            .exec(conn)
            .await?;
        return match result.rows_affected {
            1 => Ok(()),
            _ => Err(StoreError::NotFound),
        };
    };
    let result = I::Entity::update_many()
        .col_expr(revoked_at, Expr::value(now()))
        .filter(I::ID.eq(id))
        .filter(revoked_at.is_null())
        .exec(conn)
        .await?;
    if result.rows_affected == 1 {
        return Ok(());
    }
    match I::Entity::find().filter(I::ID.eq(id)).one(conn).await? {
        Some(_) => Ok(()),
        None => Err(StoreError::NotFound),
    }
}

/// `last_used_at` is refreshed at most this often, so authenticating stays a read.
const LAST_USED_GRANULARITY: chrono::Duration = chrono::Duration::seconds(60);

/// Whether a `last_used_at` is old enough to be written again.
pub(super) fn stale(last_used: Option<DateTime<Utc>>) -> bool {
    last_used.is_none_or(|used| Utc::now() - used > LAST_USED_GRANULARITY)
}
