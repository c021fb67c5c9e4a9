//! What every handler can reach: the store, the settings, the rate limiter and the tenants'
//! schema registries, shared by all workers of the process.
use std::time::Duration;

use super::http::forwarded::TrustedProxies;
use super::http::rate_limit;
use super::registries::Registries;
use super::scim::bulk;
use crate::scim::discovery::{BulkLimits, Capabilities};
use crate::scim::validate::Leniency;
use crate::store::Store;
use crate::worker::activity_log::Sink;
use crate::worker::jwks::Refresher;

/// The answer to a Group PATCH that names no `attributes`/`excludedAttributes`
/// (`SCIMD_GROUP_PATCH_RESPONSE`). RFC 7644 §3.5.2 allows either; Entra never reads the body
/// and Microsoft asks for 204, while the body of a big group costs its every member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum GroupPatchResponse {
    /// 204 No Content with the new `ETag`.
    #[default]
    NoContent,
    /// 200 with the group, members included.
    Resource,
}

/// Request-independent settings handlers read.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    pub leniency: Leniency,
    /// The SCIM base URL clients see, when configured (`SCIMD_PUBLIC_URL`).
    pub public_url: Option<String>,
    /// Whose `Forwarded` / `X-Forwarded-*` headers are believed (`SCIMD_TRUSTED_PROXIES`).
    pub trusted_proxies: TrustedProxies,
    pub max_results: u64,
    pub max_payload: usize,
    /// SHA-256 of `SCIMD_ADMIN_TOKEN`; `None` disables the admin API.
    pub admin_token_hash: Option<String>,
    /// Requests per credential; `None` turns limiting off.
    pub rate_limit: Option<rate_limit::RateLimit>,
    /// Lifetime of the access tokens `POST /oauth/token` issues.
    pub oauth_token_ttl: Duration,
    pub group_patch_response: GroupPatchResponse,
    /// `SCIMD_WEBHOOK_ALLOW_PRIVATE`, for the URLs `POST /admin/v1/webhooks` accepts.
    pub webhook_allow_private: bool,
    /// Whether requests get activity records at all (`SCIMD_ACTIVITY_RETENTION=0` turns
    /// the log off).
    pub activity_log: bool,
    /// `SCIMD_ACTIVITY_READS`: successful reads get an activity record too.
    pub activity_reads: bool,
}

pub struct AppState {
    pub store: Store,
    pub settings: ApiSettings,
    /// Shared by all workers of the process, so the limit is per process, not per worker.
    pub limiter: rate_limit::Limiter,
    /// Per-tenant schema registries (core + the tenant's extensions), cached.
    pub registries: Registries,
    /// Fetches a trust's JWKS URL again when a token names an unknown kid; without it, such a
    /// token is refused at once.
    pub jwks: Option<Refresher>,
    /// The activity log's batched writer; `None` records nothing that does not commit with a
    /// change (the operations listener, which serves no SCIM).
    pub activity: Option<Sink>,
}

impl AppState {
    pub fn new(store: Store, settings: ApiSettings) -> Self {
        Self {
            limiter: rate_limit::Limiter::new(settings.rate_limit),
            registries: Registries::default(),
            store,
            settings,
            jwks: None,
            activity: None,
        }
    }

    pub fn with_activity(mut self, sink: Sink) -> Self {
        self.activity = Some(sink);
        self
    }

    pub fn with_jwks(mut self, jwks: Refresher) -> Self {
        self.jwks = Some(jwks);
        self
    }

    pub fn capabilities(&self) -> Capabilities {
        Capabilities {
            patch: true,
            bulk: Some(BulkLimits {
                max_operations: bulk::MAX_OPERATIONS as u64,
                max_payload_size: self.settings.max_payload as u64,
            }),
            filter: true,
            max_results: self.settings.max_results,
            sort: true,
            cursor: true,
            etag: true,
            change_password: true,
        }
    }
}
