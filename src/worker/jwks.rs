//! The JWKS refresh worker: fetches again the key sets of JWT trusts added with `--jwks-url`,
//! so that an issuer's key rotation (Entra ID's, every few weeks) needs no operator.
//!
//! - **On an interval**: every trust whose keys are older than `SCIMD_JWKS_REFRESH` (1 h) is
//!   fetched again; the worker looks every minute (or every interval, if shorter).
//! - **On an unknown `kid`**: a token naming a key its trust lacks triggers a fetch at once
//!   ([`Refresher::authenticate`]), at most one per trust per minute; the request that
//!   triggered it waits for it ([`fetch::TIMEOUT`] at most) and is verified again.
//! - **One process fetches**: a fetch is claimed with a conditional UPDATE
//!   (`JwtTrusts::claim_fetch`), so one process on the database fetches per interval; the
//!   others read the result from the trust row, which every request reads anyway.
//! - **The last good set stays**: a failed fetch (network, status, size, a document without a
//!   usable key) keeps the stored keys, records why on the trust and logs it; it is retried at
//!   the next look.
use std::time::Duration;

use chrono::Utc;

use super::Shutdown;
use crate::jwt::{self, KeyKind, KeyMaterial, Rejection};
use crate::store::credentials::Principal;
use crate::store::{AuthError, Fetched, RefreshableTrust, Store, StoreError};

pub mod fetch;

pub use fetch::{FetchError, check_url, fetch};

/// `SCIMD_JWKS_REFRESH`'s default.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(3600);

/// Fetches of one trust are at least this far apart (or the interval, if shorter), whatever
/// tokens arrive.
pub const MIN_GAP: Duration = Duration::from_secs(60);

/// Fetches trusts' JWKS again; cheap to clone.
#[derive(Debug, Clone)]
pub struct Refresher {
    store: Store,
    interval: Duration,
}

/// What one claimed fetch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Another process (or request) fetched it recently or is fetching it now.
    NotClaimed,
    /// The keys changed.
    Changed,
    /// The same keys, or a failure: the stored keys stay.
    Unchanged,
}

impl Refresher {
    pub fn new(store: Store, interval: Duration) -> Self {
        Self {
            store,
            interval: interval.max(Duration::from_secs(1)),
        }
    }

    fn min_gap(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.interval.min(MIN_GAP)).unwrap_or(chrono::Duration::MAX)
    }

    /// How often the worker looks for trusts to refresh.
    fn tick(&self) -> Duration {
        self.interval.min(MIN_GAP)
    }

    /// One pass: fetches every trust whose keys are older than the interval. Returns how many
    /// this process fetched.
    pub async fn refresh_due(&self) -> Result<usize, StoreError> {
        let interval = chrono::Duration::from_std(self.interval).unwrap_or(chrono::Duration::MAX);
        let now = Utc::now();
        let stale_before = now - interval;
        let mut fetched = 0;
        for trust in self.store.jwt_trusts().refreshable(None).await? {
            let due = trust.fetched_at.is_none_or(|at| at <= stale_before)
                && trust
                    .attempted_at
                    .is_none_or(|at| at <= now - self.min_gap());
            if due && self.refresh(&trust, Some(stale_before)).await? != Outcome::NotClaimed {
                fetched += 1;
            }
        }
        Ok(fetched)
    }

    /// Authenticates `bearer` as `Credentials::authenticate` does, except that a JWT naming a
    /// `kid` its trust lacks makes the issuer's trusts fetched from a URL be fetched again
    /// (unless one was fetched within the last minute) and the token be verified once more.
    pub async fn authenticate(&self, bearer: &str) -> Result<Principal, AuthError> {
        let credentials = self.store.credentials();
        let kid = match credentials.authenticate(bearer).await {
            Err(AuthError::Jwt(Rejection::UnknownKid(kid))) => kid,
            other => return other,
        };
        let Some(Ok(unverified)) = jwt::peek(bearer) else {
            return Err(Rejection::UnknownKid(kid).into());
        };
        let issuer = unverified.issuer.unwrap_or_default();
        let trusts = self.store.jwt_trusts().refreshable(Some(&issuer)).await?;
        if trusts.is_empty() {
            return Err(Rejection::UnknownKid(kid).into());
        }
        let recent = Utc::now() - self.min_gap();
        let mut changed = false;
        let mut limited = false;
        for trust in &trusts {
            // Read first, so a flood of unknown kids costs no write within the minute.
            if trust.attempted_at.is_some_and(|at| at > recent) {
                limited = true;
                continue;
            }
            match self.refresh(trust, None).await? {
                Outcome::Changed => changed = true,
                Outcome::NotClaimed => limited = true,
                Outcome::Unchanged => {}
            }
        }
        if !changed && !limited {
            return Err(Rejection::UnknownKidRefetched(kid).into());
        }
        // Changed here, or perhaps by another process a moment ago: verify with what is stored.
        match credentials.authenticate(bearer).await {
            Err(AuthError::Jwt(Rejection::UnknownKid(kid))) if changed => {
                Err(Rejection::UnknownKidRefetched(kid).into())
            }
            Err(AuthError::Jwt(Rejection::UnknownKid(kid))) => {
                Err(Rejection::UnknownKidRetry(kid).into())
            }
            other => other,
        }
    }

    /// Claims, fetches and records one trust's JWKS. `stale_before`: claim only if the stored
    /// keys were fetched before it (the interval), so that a process that looked a moment
    /// before another's fetch does not fetch again.
    async fn refresh(
        &self,
        trust: &RefreshableTrust,
        stale_before: Option<chrono::DateTime<Utc>>,
    ) -> Result<Outcome, StoreError> {
        let trusts = self.store.jwt_trusts();
        let attempted_before = Utc::now() - self.min_gap();
        if !trusts
            .claim_fetch(&trust.id, &trust.url, attempted_before, stale_before)
            .await?
        {
            return Ok(Outcome::NotClaimed);
        }
        let outcome = match fetch(&trust.url, trust.algorithm).await {
            Ok(material) => {
                let changed = material != trust.key_material;
                trusts
                    .record_fetch(
                        &trust.id,
                        &trust.url,
                        Fetched::Keys {
                            material: &material,
                            changed,
                        },
                    )
                    .await?;
                if changed {
                    tracing::info!(
                        trust = %trust.id,
                        url = %trust.url,
                        kids = ?key_ids(&material, trust.algorithm),
                        "JWKS refreshed with new keys"
                    );
                    Outcome::Changed
                } else {
                    tracing::debug!(trust = %trust.id, "JWKS refreshed, unchanged");
                    Outcome::Unchanged
                }
            }
            Err(e) => {
                let reason = e.to_string();
                tracing::warn!(
                    trust = %trust.id,
                    url = %trust.url,
                    %reason,
                    "JWKS refresh failed; the keys fetched before stay in use"
                );
                trusts
                    .record_fetch(&trust.id, &trust.url, Fetched::Failed(&reason))
                    .await?;
                Outcome::Unchanged
            }
        };
        Ok(outcome)
    }
}

fn key_ids(material: &str, algorithm: jsonwebtoken::Algorithm) -> Vec<String> {
    KeyMaterial::parse(KeyKind::Jwks, material, algorithm)
        .map(|keys| keys.key_ids().into_iter().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// The worker: a pass at start, then one every minute (or interval, if shorter), until
/// shutdown. A pass that fails (the database, say) is logged and the next one tried.
pub async fn run_until_stopped(refresher: Refresher, mut shutdown: Shutdown) {
    loop {
        tokio::select! {
            result = refresher.refresh_due() => {
                if let Err(e) = result {
                    tracing::error!(error = %e, "JWKS refresh pass failed");
                }
            }
            () = shutdown.requested() => return,
        }
        tokio::select! {
            () = tokio::time::sleep(refresher.tick()) => {}
            () = shutdown.requested() => return,
        }
    }
}
