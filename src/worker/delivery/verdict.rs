//! What an attempt's answer means for the delivery worker: its outcome, the wait a
//! `Retry-After` asks for, the error recorded, when an endpoint has failed for too long, and
//! the record of events retention deleted before they were sent. Pure, so each rule is tested
//! on its own.
use std::time::Duration;

use chrono::Utc;

use super::{Answer, DeliverySettings};
use crate::store::webhooks::{Attempt, Claim, Outcome, Target};

/// What one attempt's answer means.
pub(super) fn outcome(answer: &Answer) -> Outcome {
    match answer {
        Answer::Status { code, .. } if (200..300).contains(code) => Outcome::Delivered,
        Answer::Status { code: 410, .. } => Outcome::Gone,
        _ => Outcome::Failed,
    }
}

/// The record of events retention deleted before the endpoint took them: after `claim`'s
/// cursor, up to `through`.
pub(super) fn pruned<'a>(target: &'a Target, claim: &Claim, through: i64) -> Attempt<'a> {
    let from = claim.delivered_seq + 1;
    let range = if from == through {
        format!("event {through} was")
    } else {
        format!("events {from}..{through} were")
    };
    Attempt {
        endpoint_id: &target.id,
        tenant: claim.tenant,
        seq: through,
        event_id: "",
        attempted_at: Utc::now(),
        status_code: None,
        latency_ms: 0,
        error: Some(format!(
            "{range} deleted by retention (SCIMD_EVENT_RETENTION) before this endpoint took \
             them; resynchronise from GET /Users and /Groups"
        )),
        outcome: Outcome::Pruned,
    }
}

/// `Retry-After` of a 429 or 503, capped at the schedule's longest delay (at least an hour,
/// so that a shortened test schedule still honours a few seconds).
pub(super) fn retry_after(answer: &Answer, settings: &DeliverySettings) -> Option<Duration> {
    match answer {
        Answer::Status {
            code: 429 | 503,
            retry_after: Some(wait),
        } => Some((*wait).min(settings.schedule.longest().max(Duration::from_secs(3600)))),
        _ => None,
    }
}

pub(super) fn status_error(code: u16) -> String {
    if (300..400).contains(&code) {
        format!("answered {code} (redirects are not followed; register the final URL)")
    } else {
        format!("answered {code}")
    }
}

pub(super) fn failed_too_long(target: &Target, settings: &DeliverySettings) -> bool {
    let limit = chrono::Duration::from_std(settings.disable_after).unwrap_or(chrono::Duration::MAX);
    target
        .failing_since
        .is_some_and(|since| Utc::now() - since >= limit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::worker::delivery::Schedule;

    #[test]
    fn answers_map_to_outcomes() {
        let status = |code| Answer::Status {
            code,
            retry_after: None,
        };
        assert_eq!(outcome(&status(200)), Outcome::Delivered);
        assert_eq!(outcome(&status(204)), Outcome::Delivered);
        assert_eq!(outcome(&status(302)), Outcome::Failed);
        assert_eq!(outcome(&status(410)), Outcome::Gone);
        assert_eq!(outcome(&status(503)), Outcome::Failed);
        assert_eq!(outcome(&Answer::Failed("refused".into())), Outcome::Failed);
    }

    #[test]
    fn retry_after_counts_on_429_and_503_only_and_is_capped() {
        let settings = DeliverySettings {
            schedule: Schedule::parse("1s,1m").unwrap(),
            ..DeliverySettings::default()
        };
        let answer = |code, secs| Answer::Status {
            code,
            retry_after: Some(Duration::from_secs(secs)),
        };
        assert_eq!(
            retry_after(&answer(503, 7), &settings),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            retry_after(&answer(429, 7200), &settings),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(retry_after(&answer(500, 7), &settings), None);
    }

    #[test]
    fn an_endpoint_failing_for_the_limit_is_due_to_be_disabled() {
        let settings = DeliverySettings::default();
        let target = |days: i64| Target {
            id: "e".into(),
            url: "https://example.com".into(),
            types: Default::default(),
            secrets: vec![],
            disabled: false,
            failing_since: Some(Utc::now() - chrono::Duration::days(days)),
        };
        assert!(!failed_too_long(&target(4), &settings));
        assert!(failed_too_long(&target(5), &settings));
    }
}
