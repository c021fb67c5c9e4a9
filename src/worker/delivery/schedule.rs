//! When a failed delivery is tried again: the retry schedule (`SCIMD_WEBHOOK_RETRY_SCHEDULE`),
//! its jitter, and `Retry-After`.
use std::time::Duration;

/// The default schedule: the delays after the first, second, … failed attempt. After the
/// last one the event is given up (recorded, and the next event is sent).
pub const DEFAULT: &str = "5s,5m,30m,2h,5h,10h,10h";

/// The delays between attempts of one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule(Vec<Duration>);

impl Default for Schedule {
    fn default() -> Self {
        Self::parse(DEFAULT).unwrap_or(Self(vec![Duration::from_secs(5)]))
    }
}

impl std::str::FromStr for Schedule {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Self::parse(text)
    }
}

impl Schedule {
    /// Comma-separated durations such as `5s,5m,30m`; at least one, each at most 1 day.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut delays = Vec::new();
        for entry in text.split(',').map(str::trim) {
            let delay = humantime::parse_duration(entry).map_err(|e| {
                format!("{entry:?} in the retry schedule: {e} (use e.g. 5s,5m,30m,2h)")
            })?;
            if delay > Duration::from_secs(86_400) {
                return Err(format!(
                    "{entry:?} in the retry schedule is longer than a day"
                ));
            }
            delays.push(delay);
        }
        if delays.is_empty() {
            return Err("the retry schedule needs at least one delay".to_owned());
        }
        Ok(Self(delays))
    }

    /// The delay after the `failures`-th failed attempt of an event (1-based), with ±20 %
    /// jitter so that many endpoints failing at once do not retry in step; `None` when the
    /// schedule is exhausted and the event is given up.
    pub fn after(&self, failures: u32) -> Option<Duration> {
        let index = usize::try_from(failures).ok()?.checked_sub(1)?;
        self.0.get(index).map(|delay| jitter(*delay))
    }

    /// The longest delay, which a `Retry-After` may ask for at most.
    pub fn longest(&self) -> Duration {
        self.0.iter().copied().max().unwrap_or_default()
    }
}

/// `delay` scaled by a random factor in [0.8, 1.2].
fn jitter(delay: Duration) -> Duration {
    let random = getrandom::u32().unwrap_or(u32::MAX / 2);
    let factor = 0.8 + 0.4 * (f64::from(random) / f64::from(u32::MAX));
    delay.mul_f64(factor)
}

/// A `Retry-After` value (RFC 9110 §10.2.3): seconds, or an HTTP date.
pub fn retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_schedule_gives_up_after_seven_retries() {
        let schedule = Schedule::default();
        let first = schedule.after(1).unwrap();
        assert!(
            first >= Duration::from_secs(4) && first <= Duration::from_secs(6),
            "{first:?}"
        );
        let last = schedule.after(7).unwrap();
        assert!(last >= Duration::from_secs(8 * 3600) && last <= Duration::from_secs(12 * 3600));
        assert_eq!(schedule.after(8), None);
        assert_eq!(schedule.longest(), Duration::from_secs(36_000));
    }

    #[test]
    fn a_short_schedule_parses_and_bad_ones_are_refused() {
        let schedule = Schedule::parse("100ms, 200ms").unwrap();
        assert!(schedule.after(2).unwrap() <= Duration::from_millis(240));
        assert_eq!(schedule.after(3), None);
        assert!(Schedule::parse("").is_err());
        assert!(Schedule::parse("5s,soon").is_err());
        assert!(Schedule::parse("2d").is_err());
    }

    #[test]
    fn retry_after_takes_seconds_and_dates() {
        assert_eq!(retry_after("120"), Some(Duration::from_secs(120)));
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon"), None);
    }
}
