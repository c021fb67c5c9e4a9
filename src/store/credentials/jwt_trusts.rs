//! External JWT issuers each tenant trusts (`scimd jwt add|list|remove`). The key material is
//! stored so that every scimd process on the database verifies alike; an HS secret has to be
//! stored as it is (verifying an HMAC needs the secret itself), PEM keys and JWKS are public.
//!
//! A JWKS fetched from a URL (`--jwks-url`) is stored the same way, and `worker::jwks` replaces
//! it when it fetches the URL again: [`JwtTrusts::refreshable`], [`JwtTrusts::claim_fetch`] and
//! [`JwtTrusts::record_fetch`]. Every process verifies with the stored set, read per request.
use chrono::{DateTime, Utc};
use entity::{jwt_trust, tenant};
use jsonwebtoken::Algorithm;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};

use crate::jwt::{self, ClaimRequirement, KeyKind, KeyMaterial, NewTrust, Trust};
use crate::store::{Store, StoreError, TenantRecord, now};

/// A trust as listed: what it pins, never its HS secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustInfo {
    pub id: String,
    pub tenant: String,
    pub issuer: String,
    pub audience: String,
    pub algorithm: String,
    /// `secret`, `pem` or `jwks`.
    pub key_kind: String,
    /// The `kid`s of a JWKS trust.
    pub key_ids: Vec<String>,
    /// `NAME=VALUE`, if the trust requires a claim.
    pub requirement: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Where the JWKS is fetched from, for a trust added with `--jwks-url`.
    pub jwks_url: Option<String>,
    /// When the stored JWKS was last fetched from `jwks_url`.
    pub fetched_at: Option<DateTime<Utc>>,
    /// Why the last fetch failed (the keys fetched before stay in use); `None` after a good one.
    pub fetch_error: Option<String>,
}

/// A trust whose JWKS is fetched from a URL, as its refresh needs it.
#[derive(Debug, Clone)]
pub struct RefreshableTrust {
    pub id: String,
    pub url: String,
    pub algorithm: Algorithm,
    /// The JWKS stored now: the last good one.
    pub key_material: String,
    pub fetched_at: Option<DateTime<Utc>>,
    pub attempted_at: Option<DateTime<Utc>>,
}

/// What a fetch of a trust's JWKS URL gave.
#[derive(Debug, Clone, Copy)]
pub enum Fetched<'a> {
    /// A JWKS with usable keys, to verify with from now on; `changed` when it differs from the
    /// stored one.
    Keys { material: &'a str, changed: bool },
    /// Why the fetch failed; the stored keys stay.
    Failed(&'a str),
}

pub struct JwtTrusts<'a> {
    store: &'a Store,
}

impl Store {
    pub fn jwt_trusts(&self) -> JwtTrusts<'_> {
        JwtTrusts { store: self }
    }
}

impl JwtTrusts<'_> {
    /// Registers `new` for `tenant`. If the tenant already trusts this issuer and audience with
    /// the same claim requirement, that trust keeps its id and gets the new algorithm and key
    /// (rotation); the flag says which happened.
    pub async fn add(
        &self,
        tenant: &TenantRecord,
        new: &NewTrust,
    ) -> Result<(TrustInfo, bool), StoreError> {
        let (claim_name, claim_value) = new
            .requirement()
            .map(|r| (r.name.clone(), r.value.clone()))
            .unwrap_or_default();
        let at = now();
        let model = jwt_trust::Model {
            id: uuid::Uuid::new_v4().to_string(),
            tenant_id: tenant.id.get(),
            issuer: new.issuer().to_owned(),
            audience: new.audience().to_owned(),
            algorithm: jwt::algorithm_name(new.algorithm()).to_owned(),
            key_kind: new.kind().as_str().to_owned(),
            key_material: new.material().to_owned(),
            claim_name: claim_name.clone(),
            claim_value: claim_value.clone(),
            created_at: at,
            updated_at: at,
            jwks_url: new.jwks_url().map(str::to_owned),
            fetched_at: new.jwks_url().map(|_| at),
            // The operator's own fetch is no claim: a token with a new kid may refresh at once.
            fetch_attempted_at: None,
            fetch_error: None,
        };
        // One statement, so two registrations racing end with one trust, not two.
        jwt_trust::Entity::insert(jwt_trust::ActiveModel::from(model.clone()))
            .on_conflict(
                OnConflict::columns([
                    jwt_trust::Column::TenantId,
                    jwt_trust::Column::Issuer,
                    jwt_trust::Column::Audience,
                    jwt_trust::Column::ClaimName,
                    jwt_trust::Column::ClaimValue,
                ])
                .update_columns([
                    jwt_trust::Column::Algorithm,
                    jwt_trust::Column::KeyKind,
                    jwt_trust::Column::KeyMaterial,
                    jwt_trust::Column::UpdatedAt,
                    jwt_trust::Column::JwksUrl,
                    jwt_trust::Column::FetchedAt,
                    jwt_trust::Column::FetchAttemptedAt,
                    jwt_trust::Column::FetchError,
                ])
                .to_owned(),
            )
            .exec_without_returning(&self.store.writer)
            .await?;
        let stored = jwt_trust::Entity::find()
            .filter(jwt_trust::Column::TenantId.eq(tenant.id.get()))
            .filter(jwt_trust::Column::Issuer.eq(new.issuer()))
            .filter(jwt_trust::Column::Audience.eq(new.audience()))
            .filter(jwt_trust::Column::ClaimName.eq(claim_name))
            .filter(jwt_trust::Column::ClaimValue.eq(claim_value))
            .one(&self.store.writer)
            .await?
            .ok_or(StoreError::NotFound)?;
        let rotated = stored.id != model.id;
        Ok((info(stored, tenant.name.clone()), rotated))
    }

    /// All trusts, or one tenant's, oldest first.
    pub async fn list(&self, tenant: Option<&TenantRecord>) -> Result<Vec<TrustInfo>, StoreError> {
        self.store.credentials().list(tenant).await
    }

    /// Removes trust `id`; its tokens stop working at once. `NotFound` if there is none.
    pub async fn remove(&self, id: &str) -> Result<(), StoreError> {
        self.store.credentials().revoke::<TrustInfo>(id).await
    }

    /// The trusts fetched from a JWKS URL: all of them, or those of `issuer`.
    pub async fn refreshable(
        &self,
        issuer: Option<&str>,
    ) -> Result<Vec<RefreshableTrust>, StoreError> {
        let mut query = jwt_trust::Entity::find().filter(jwt_trust::Column::JwksUrl.is_not_null());
        if let Some(issuer) = issuer {
            query = query.filter(jwt_trust::Column::Issuer.eq(issuer));
        }
        let rows = query.all(&self.store.reader).await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let url = row.jwks_url?;
                let algorithm = jwt::parse_algorithm(&row.algorithm)
                    .inspect_err(|e| tracing::error!(trust = %row.id, error = %e, "JWT trust has a corrupt algorithm; its JWKS is not refreshed"))
                    .ok()?;
                Some(RefreshableTrust {
                    id: row.id,
                    url,
                    algorithm,
                    key_material: row.key_material,
                    fetched_at: row.fetched_at,
                    attempted_at: row.fetch_attempted_at,
                })
            })
            .collect())
    }

    /// Claims the next fetch of trust `id`'s JWKS from `url` for this process: true for exactly
    /// one caller among all processes on the database, and only if no fetch was claimed after
    /// `attempted_before` and, when given, the stored JWKS was fetched before `fetched_before`.
    /// One conditional UPDATE, so it needs no lock on either backend.
    pub async fn claim_fetch(
        &self,
        id: &str,
        url: &str,
        attempted_before: DateTime<Utc>,
        fetched_before: Option<DateTime<Utc>>,
    ) -> Result<bool, StoreError> {
        let mut query = jwt_trust::Entity::update_many()
            .col_expr(jwt_trust::Column::FetchAttemptedAt, Expr::value(now()))
            .filter(jwt_trust::Column::Id.eq(id))
            .filter(jwt_trust::Column::JwksUrl.eq(url))
            .filter(
                Condition::any()
                    .add(jwt_trust::Column::FetchAttemptedAt.is_null())
                    .add(jwt_trust::Column::FetchAttemptedAt.lt(attempted_before)),
            );
        if let Some(fetched_before) = fetched_before {
            query = query.filter(
                Condition::any()
                    .add(jwt_trust::Column::FetchedAt.is_null())
                    .add(jwt_trust::Column::FetchedAt.lt(fetched_before)),
            );
        }
        Ok(query.exec(&self.store.writer).await?.rows_affected == 1)
    }

    /// Records the outcome of a claimed fetch of trust `id`'s JWKS from `url`. Nothing changes if
    /// the trust was removed or re-added with other keys meanwhile.
    pub async fn record_fetch(
        &self,
        id: &str,
        url: &str,
        fetched: Fetched<'_>,
    ) -> Result<(), StoreError> {
        let at = now();
        let mut query = jwt_trust::Entity::update_many();
        query = match fetched {
            Fetched::Keys { material, changed } => {
                query = query
                    .col_expr(jwt_trust::Column::FetchedAt, Expr::value(at))
                    .col_expr(jwt_trust::Column::FetchError, Expr::value(None::<String>));
                if changed {
                    query = query
                        .col_expr(jwt_trust::Column::KeyMaterial, Expr::value(material))
                        .col_expr(jwt_trust::Column::UpdatedAt, Expr::value(at));
                }
                query
            }
            Fetched::Failed(reason) => {
                let reason: String = reason.chars().take(500).collect();
                query.col_expr(jwt_trust::Column::FetchError, Expr::value(reason))
            }
        };
        query
            .filter(jwt_trust::Column::Id.eq(id))
            .filter(jwt_trust::Column::JwksUrl.eq(url))
            .exec(&self.store.writer)
            .await?;
        Ok(())
    }

    /// Every trust of `issuer` with its tenant: one indexed read per JWT.
    pub(in crate::store) async fn for_issuer(
        &self,
        issuer: &str,
    ) -> Result<Vec<(Trust, TenantRecord)>, StoreError> {
        let rows = jwt_trust::Entity::find()
            .filter(jwt_trust::Column::Issuer.eq(issuer))
            .find_also_related(tenant::Entity)
            .all(&self.store.reader)
            .await?;
        rows.into_iter()
            .filter_map(|(row, tenant)| tenant.map(|t| (row, TenantRecord::from(t))))
            .map(|(row, tenant)| Ok((trust(row)?, tenant)))
            .collect()
    }
}

/// A stored trust, parsed again: one that no longer parses fails authentication (500) rather
/// than being skipped, since skipping it could make another trust's match look unambiguous.
fn trust(row: jwt_trust::Model) -> Result<Trust, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("JWT trust {}: {what}", row.id));
    let algorithm = jwt::parse_algorithm(&row.algorithm).map_err(|e| corrupt(&e.to_string()))?;
    let kind = KeyKind::parse(&row.key_kind).ok_or_else(|| corrupt("unknown key kind"))?;
    let key = KeyMaterial::parse(kind, &row.key_material, algorithm)
        .map_err(|e| corrupt(&e.to_string()))?;
    let requirement = (!row.claim_name.is_empty()).then(|| ClaimRequirement {
        name: row.claim_name.clone(),
        value: row.claim_value.clone(),
    });
    Ok(Trust {
        id: row.id,
        issuer: row.issuer,
        audience: row.audience,
        algorithm,
        key,
        requirement,
    })
}

pub(super) fn info(row: jwt_trust::Model, tenant: String) -> TrustInfo {
    let key_ids = match KeyKind::parse(&row.key_kind) {
        Some(KeyKind::Jwks) => jwt::parse_algorithm(&row.algorithm)
            .ok()
            .and_then(|alg| KeyMaterial::parse(KeyKind::Jwks, &row.key_material, alg).ok())
            .map(|keys| keys.key_ids().into_iter().map(str::to_owned).collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    TrustInfo {
        requirement: (!row.claim_name.is_empty())
            .then(|| format!("{}={}", row.claim_name, row.claim_value)),
        id: row.id,
        tenant,
        issuer: row.issuer,
        audience: row.audience,
        algorithm: row.algorithm,
        key_kind: row.key_kind,
        key_ids,
        created_at: row.created_at,
        updated_at: row.updated_at,
        jwks_url: row.jwks_url,
        fetched_at: row.fetched_at,
        fetch_error: row.fetch_error,
    }
}
