//! When to retry, and how long to wait first.
//!
//! The policy follows OneSignal's own SDK helpers and its rate-limits page ("expect 429, 5xx, and
//! timeouts"): 429 and 5xx gateway/server errors are retried, `Retry-After` is honoured as whole
//! seconds (up to [`MAX_RETRY_AFTER`]; the page advises 100 s), and otherwise the wait grows
//! exponentially. Jitter keeps many providers started by one CI run from retrying in lockstep.
//! Whether a failure is *safe* to retry is decided by the caller ([`Idempotency`]): a create is
//! retried only when it provably did not act.

use std::time::Duration;

use rand::RngExt;

/// The first backoff step; each later one doubles.
pub(crate) const BASE_DELAY: Duration = Duration::from_millis(500);
/// No computed backoff step is longer than this.
pub(crate) const MAX_DELAY: Duration = Duration::from_secs(30);
/// A `Retry-After` above this is clamped, so one answer cannot stall the caller for an hour.
/// OneSignal's rate-limits page advises waiting 100 s, so the SDK helpers' 60 s would be too short.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

/// Whether repeating a request can do harm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Idempotency {
    /// GET, PATCH with full fields, DELETE, rotate: repeating converges on the same outcome.
    Safe,
    /// Create: a repeat after the server acted would make a second key.
    Unsafe,
}

/// What the retry loop does with an HTTP status.
pub(crate) fn status_is_retryable(status: u16, idempotency: Idempotency) -> bool {
    match status {
        // 429 and 503 mean "not now" before acting, so even a create may repeat.
        429 | 503 => true,
        // A server or gateway error may come after the origin acted: repeat only what converges.
        500 | 502 | 504 => idempotency == Idempotency::Safe,
        _ => false,
    }
}

/// The wait before retry number `retry` (1 for the first retry): "equal jitter", half fixed and
/// half random, of `BASE_DELAY · 2^(retry-1)` capped at `MAX_DELAY`.
pub(crate) fn backoff(retry: u32) -> Duration {
    let step = BASE_DELAY
        .saturating_mul(
            1u32.checked_shl(retry.saturating_sub(1))
                .unwrap_or(u32::MAX),
        )
        .min(MAX_DELAY);
    let half = step / 2;
    let jitter = rand::rng().random_range(0..=half.as_millis() as u64);
    half + Duration::from_millis(jitter)
}

/// The wait after a `Retry-After` of `after`: never shorter, plus up to a quarter of it (at most
/// one second) at random, so that ten callers working at once, all told "1", do not
/// come back in the same millisecond.
pub(crate) fn after_retry_after(after: Duration) -> Duration {
    let spread = (after / 4).min(Duration::from_secs(1));
    after + Duration::from_millis(rand::rng().random_range(0..=spread.as_millis() as u64))
}

/// Parses `Retry-After` as whole seconds (the form OneSignal documents); an HTTP date or garbage
/// yields `None`, and the caller falls back to the backoff.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let seconds: u64 = value.trim().parse().ok()?;
    Some(Duration::from_secs(seconds).min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_caps() {
        for _ in 0..50 {
            let first = backoff(1);
            assert!(
                first >= Duration::from_millis(250) && first <= Duration::from_millis(500),
                "{first:?}"
            );
            let third = backoff(3);
            assert!(
                third >= Duration::from_secs(1) && third <= Duration::from_secs(2),
                "{third:?}"
            );
            let huge = backoff(40);
            assert!(huge >= MAX_DELAY / 2 && huge <= MAX_DELAY, "{huge:?}");
        }
    }

    #[test]
    fn retry_after_is_honoured_with_a_bounded_spread() {
        let waits: Vec<Duration> = (0..200)
            .map(|_| after_retry_after(Duration::from_secs(1)))
            .collect();
        assert!(waits.iter().all(|w| *w >= Duration::from_secs(1)));
        assert!(waits.iter().all(|w| *w <= Duration::from_millis(1250)));
        assert!(waits.iter().any(|w| *w != waits[0]), "no spread at all");
        let long = after_retry_after(Duration::from_secs(60));
        assert!(long >= Duration::from_secs(60) && long <= Duration::from_secs(61));
        assert_eq!(after_retry_after(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn retry_after_whole_seconds() {
        assert_eq!(parse_retry_after("1"), Some(Duration::from_secs(1)));
        assert_eq!(parse_retry_after(" 0 "), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("100"), Some(Duration::from_secs(100)));
        assert_eq!(parse_retry_after("120"), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after("3600"), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("1.5"), None);
    }

    #[test]
    fn which_statuses_retry() {
        use Idempotency::*;
        for s in [429, 503] {
            assert!(status_is_retryable(s, Safe) && status_is_retryable(s, Unsafe));
        }
        for s in [500, 502, 504] {
            assert!(status_is_retryable(s, Safe) && !status_is_retryable(s, Unsafe));
        }
        for s in [400, 401, 403, 404, 409, 501, 505] {
            assert!(!status_is_retryable(s, Safe) && !status_is_retryable(s, Unsafe));
        }
    }
}
