//! What the delivery worker reads from the webhook tables and records in them: the pairs due,
//! the claims it holds, an endpoint as the sender needs it, and each attempt's outcome.
use chrono::{DateTime, Utc};

use crate::scim::event::TypeFilter;
use crate::store::TenantId;

/// A pair with an event to attempt now.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Due {
    pub endpoint_id: String,
    pub tenant: TenantId,
}

/// A pair this process holds the lease of.
#[derive(Debug, Clone)]
pub struct Claim {
    pub endpoint_id: String,
    pub tenant: TenantId,
    pub owner: String,
    pub delivered_seq: i64,
    /// Failed attempts of the next event so far.
    pub attempts: u32,
}

/// A tenant's event counter as the worker reads it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counter {
    /// The last committed seq.
    pub last_seq: i64,
    /// Retention deleted every event up to this seq.
    pub pruned_through: i64,
}

/// Where and how to send: the endpoint as the sender needs it.
#[derive(Clone)]
pub struct Target {
    pub id: String,
    pub url: String,
    pub types: TypeFilter,
    /// The current secret first, then the previous one while its overlap lasts.
    pub secrets: Vec<String>,
    pub disabled: bool,
    pub failing_since: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secrets.
        f.debug_struct("Target")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// To be retried.
    Failed,
    /// The last retry failed: the event is skipped.
    GivenUp,
    /// 410 Gone: the endpoint is disabled.
    Gone,
    /// Not attempted: retention deleted the events before the endpoint took them.
    Pruned,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::GivenUp => "given_up",
            Self::Gone => "gone",
            Self::Pruned => "pruned",
        }
    }
}

/// One attempt, to record.
#[derive(Debug, Clone)]
pub struct Attempt<'a> {
    pub endpoint_id: &'a str,
    pub tenant: TenantId,
    pub seq: i64,
    pub event_id: &'a str,
    pub attempted_at: DateTime<Utc>,
    pub status_code: Option<u16>,
    pub latency_ms: i64,
    pub error: Option<String>,
    pub outcome: Outcome,
}

/// A pair's undelivered events, for the backlog metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pending {
    pub events: i64,
    pub oldest: Option<DateTime<Utc>>,
}
