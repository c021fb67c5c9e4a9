//! External JWT issuers each tenant trusts (`scimd jwt add|list|remove`). The key material is
//! stored so that every scimd process on the database verifies alike; an HS secret has to be
//! stored as it is (verifying an HMAC needs the secret itself), PEM keys and JWKS are public.
use chrono::{DateTime, Utc};
use entity::{jwt_trust, tenant};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

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
    }
}
