//! Politeness towards each remote host, shared by every job of the process: at most
//! `http.per_host_concurrency` requests in flight to one host, and request starts to one host
//! spaced by `1 / http.per_host_rps` (no burst).
//!
//! The rate is a keyed `governor` limiter; governor limits rates, not requests in flight, so the
//! concurrency cap is a semaphore per host.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The longest interval between two requests to one host: a rate below one request a year
/// counts as one a year (the limiter's clock cannot represent much longer waits).
const MAX_INTERVAL: Duration = Duration::from_secs(365 * 24 * 3600);

/// Per-host concurrency and request-rate limits.
pub(super) struct HostLimits {
    per_host: usize,
    /// One semaphore of `per_host` permits per host.
    in_flight: Mutex<HashMap<String, Arc<Semaphore>>>,
    /// One request start per interval and host; `None` when the rate is unlimited.
    rate: Option<DefaultKeyedRateLimiter<String>>,
}

impl HostLimits {
    /// `per_host` requests in flight (at least one), `rps` requests per second (0 = unlimited).
    pub(super) fn new(per_host: usize, rps: f64) -> Self {
        Self {
            per_host: per_host.max(1),
            in_flight: Mutex::new(HashMap::new()),
            rate: interval(rps)
                .and_then(Quota::with_period)
                .map(RateLimiter::keyed),
        }
    }

    /// Wait for a slot to `host`, then for its next request start; the request holds the
    /// returned permit until it is done.
    pub(super) async fn acquire(&self, host: &str) -> Option<OwnedSemaphorePermit> {
        let slots = {
            let mut hosts = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
            hosts
                .entry(host.to_owned())
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_host)))
                .clone()
        };
        let permit = slots.acquire_owned().await.ok();
        if let Some(rate) = &self.rate {
            rate.until_key_ready(&host.to_owned()).await;
        }
        permit
    }
}

/// The interval between two request starts to one host for `rps` requests per second: `None`
/// when unlimited (0, or too high a rate to space).
fn interval(rps: f64) -> Option<Duration> {
    // `rps > 0.0` is false for NaN too.
    (rps > 0.0).then(|| {
        Duration::try_from_secs_f64(1.0 / rps).map_or(MAX_INTERVAL, |d| d.min(MAX_INTERVAL))
    })
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    #[tokio::test]
    async fn requests_to_one_host_are_spaced_at_the_configured_rate() {
        // One request per second and host: three requests to one host span two intervals.
        let limits = HostLimits::new(8, 1.0);
        let started = Instant::now();
        for _ in 0..3 {
            let _permit = limits.acquire("a.example").await;
        }
        let spaced = started.elapsed();
        assert!(spaced >= Duration::from_millis(1_900), "{spaced:?}");
        assert!(spaced < Duration::from_secs(30), "{spaced:?}");

        // Another host has its own pace: its first request does not wait for the first host's.
        let started = Instant::now();
        let _permit = limits.acquire("b.example").await;
        let waited = started.elapsed();
        assert!(waited < Duration::from_millis(900), "{waited:?}");
    }

    #[tokio::test]
    async fn caps_requests_in_flight_per_host() {
        let limits = HostLimits::new(1, 0.0);
        let first = limits.acquire("a.example").await;
        assert!(first.is_some());
        let blocked =
            tokio::time::timeout(Duration::from_millis(100), limits.acquire("a.example")).await;
        assert!(blocked.is_err(), "a second request went through");
        // Another host is not held up by the first one's request.
        assert!(limits.acquire("b.example").await.is_some());
        drop(first);
        let second =
            tokio::time::timeout(Duration::from_secs(10), limits.acquire("a.example")).await;
        assert!(matches!(second, Ok(Some(_))));
    }

    #[test]
    fn unlimited_rates() {
        assert_eq!(interval(0.0), None);
        assert_eq!(interval(-1.0), None);
        assert_eq!(interval(f64::NAN), None);
        assert_eq!(interval(4.0), Some(Duration::from_millis(250)));
        assert_eq!(interval(1e-300), Some(MAX_INTERVAL));
        assert!(interval(f64::INFINITY)
            .and_then(Quota::with_period)
            .is_none());
    }
}
