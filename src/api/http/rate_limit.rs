//! Rate limits per credential: a request over its token's limit gets 429 with `Retry-After`
//! and a SCIM error body (RFC 7644 §3.12 defines no `scimType` for it, RFC 6585 §4 the status).
//!
//! The limiter is checked after authentication, keyed by the credential, so an invalid token
//! cannot spend a valid token's budget and unauthenticated requests never reach it. It lives
//! in this process's memory: N processes behind a load balancer allow N times the limit.
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::scim::ScimError;

/// Sustained requests per second a token may make, by default. Entra's guidance for SCIM
/// endpoints is 25 requests per second; Entra and Okta send tens per second during an initial
/// sync. 100 leaves them four times that before a 429, and still stops a runaway client.
pub const DEFAULT_PER_SECOND: u32 = 100;
/// Requests a token may make at once before the sustained rate applies, by default: an IdP
/// that starts a sync with many requests in parallel is not slowed down.
pub const DEFAULT_BURST: u32 = 500;

/// Stale keys are dropped every this many checks, so the map only holds credentials used in
/// the last few seconds instead of every credential ever seen.
const HOUSEKEEPING_EVERY: u64 = 4096;

/// A limit: a bucket of `burst` requests that refills at `per_second`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub per_second: NonZeroU32,
    pub burst: NonZeroU32,
}

impl RateLimit {
    /// `None`, no limit, when either is 0 (`SCIMD_RATE_LIMIT=0` turns limiting off).
    pub fn new(per_second: u32, burst: u32) -> Option<Self> {
        Some(Self {
            per_second: NonZeroU32::new(per_second)?,
            burst: NonZeroU32::new(burst)?,
        })
    }
}

impl Default for RateLimit {
    fn default() -> Self {
        Self {
            per_second: NonZeroU32::new(DEFAULT_PER_SECOND).unwrap_or(NonZeroU32::MIN),
            burst: NonZeroU32::new(DEFAULT_BURST).unwrap_or(NonZeroU32::MIN),
        }
    }
}

type Keyed<C> =
    RateLimiter<String, DefaultKeyedStateStore<String>, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// One process's limiter, shared by all workers.
pub struct Limiter<C: Clock = DefaultClock> {
    limit: Option<RateLimit>,
    keyed: Option<Keyed<C>>,
    checks: AtomicU64,
}

impl Limiter {
    pub fn new(limit: Option<RateLimit>) -> Self {
        Self::with_clock(limit, DefaultClock::default())
    }
}

impl<C: Clock> Limiter<C> {
    pub fn with_clock(limit: Option<RateLimit>, clock: C) -> Self {
        let keyed = limit.map(|l| {
            let quota = Quota::per_second(l.per_second).allow_burst(l.burst);
            RateLimiter::new(quota, DefaultKeyedStateStore::default(), clock)
        });
        Self {
            limit,
            keyed,
            checks: AtomicU64::new(0),
        }
    }

    /// Spends one request of `credential`'s budget, or says when to come back.
    pub fn check(&self, credential: &str) -> Result<(), ScimError> {
        let (Some(limit), Some(keyed)) = (self.limit, &self.keyed) else {
            return Ok(());
        };
        if self.checks.fetch_add(1, Ordering::Relaxed) % HOUSEKEEPING_EVERY
            == HOUSEKEEPING_EVERY - 1
        {
            keyed.retain_recent();
            keyed.shrink_to_fit();
        }
        let key = credential.to_owned();
        keyed.check_key(&key).map_err(|not_until| {
            let wait = not_until.wait_time_from(keyed.clock().now());
            let seconds = retry_after_seconds(wait);
            ScimError::too_many_requests(
                format!(
                    "too many requests for this token: the limit is {} requests per second \
                     (bursts of up to {}); retry in {seconds} s (Retry-After)",
                    limit.per_second, limit.burst
                ),
                seconds,
            )
        })
    }

    /// Credentials the limiter currently remembers.
    pub fn tracked(&self) -> usize {
        self.keyed.as_ref().map_or(0, |k| k.len())
    }
}

/// `Retry-After` is whole seconds (RFC 9110 §10.2.3): round up, so a client that waits exactly
/// that long is admitted, and never say 0, which invites an immediate retry.
fn retry_after_seconds(wait: Duration) -> u64 {
    let whole = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    whole.max(1)
}

#[cfg(test)]
mod tests {
    use governor::clock::FakeRelativeClock;
    use test_case::test_case;

    use super::*;

    fn limiter(per_second: u32, burst: u32) -> (Limiter<FakeRelativeClock>, FakeRelativeClock) {
        let clock = FakeRelativeClock::default();
        let limiter = Limiter::with_clock(RateLimit::new(per_second, burst), clock.clone());
        (limiter, clock)
    }

    #[test_case(Duration::ZERO, 1; "zero is still one")]
    #[test_case(Duration::from_millis(200), 1; "a fraction rounds up")]
    #[test_case(Duration::from_secs(2), 2; "whole seconds stay")]
    #[test_case(Duration::from_millis(2001), 3; "just over rounds up")]
    fn retry_after_is_whole_seconds_at_least_one(wait: Duration, expected: u64) {
        assert_eq!(retry_after_seconds(wait), expected);
    }

    #[test]
    fn a_burst_is_allowed_then_429_with_retry_after() {
        let (limiter, _) = limiter(1, 3);
        for _ in 0..3 {
            limiter.check("a").unwrap();
        }
        let err = limiter.check("a").unwrap_err();
        assert_eq!(err.status, 429);
        assert_eq!(err.scim_type, None);
        assert_eq!(err.retry_after, Some(1));
        assert!(
            err.detail.contains("1 requests per second"),
            "{}",
            err.detail
        );
        assert!(err.detail.contains("bursts of up to 3"), "{}", err.detail);
    }

    #[test]
    fn the_bucket_refills_at_the_sustained_rate() {
        let (limiter, clock) = limiter(2, 2);
        limiter.check("a").unwrap();
        limiter.check("a").unwrap();
        assert!(limiter.check("a").is_err());
        clock.advance(Duration::from_millis(500));
        limiter.check("a").unwrap();
        assert!(limiter.check("a").is_err());
    }

    #[test]
    fn retry_after_covers_the_whole_wait() {
        let (limiter, _) = limiter(1, 1);
        limiter.check("a").unwrap();
        // Limited again at once: the next cell is a full second away.
        assert_eq!(limiter.check("a").unwrap_err().retry_after, Some(1));
    }

    #[test]
    fn credentials_have_separate_budgets() {
        let (limiter, _) = limiter(1, 1);
        limiter.check("a").unwrap();
        assert!(limiter.check("a").is_err());
        limiter.check("b").unwrap();
    }

    #[test]
    fn no_limit_never_refuses_and_tracks_nothing() {
        let limiter = Limiter::new(RateLimit::new(0, 10));
        for _ in 0..10_000 {
            limiter.check("a").unwrap();
        }
        assert_eq!(limiter.tracked(), 0);
    }

    #[test]
    fn idle_credentials_are_forgotten() {
        let (limiter, clock) = limiter(1000, 10);
        for i in 0..100 {
            limiter.check(&format!("token-{i}")).unwrap();
        }
        assert_eq!(limiter.tracked(), 100);
        clock.advance(Duration::from_secs(60));
        for _ in 0..HOUSEKEEPING_EVERY {
            limiter.check("busy").unwrap_or(());
        }
        assert!(limiter.tracked() <= 1, "{} keys kept", limiter.tracked());
    }

    #[test]
    fn zero_disables() {
        assert_eq!(RateLimit::new(0, 10), None);
        assert_eq!(RateLimit::new(10, 0), None);
        assert!(RateLimit::new(1, 1).is_some());
    }
}
