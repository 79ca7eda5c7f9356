//! The one backoff policy of the project, from `backon` (a maintained crate, rather than the
//! four hand-written doubling loops there were): how long to pause between attempts of a page
//! fetch, and between reconnections of a consumer to the broker. Retries of messages go through
//! RabbitMQ's delay queues instead (see [`crate::queue`]), whose tiers are settings.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};

/// The longest pause between two reconnections to the broker.
pub const RECONNECT_MAX: Duration = Duration::from_secs(15);

/// Pauses between reconnections of a consumer: 0.5 s doubling up to [`RECONNECT_MAX`], with
/// jitter (workers that lost the broker together do not come back in step), for ever.
pub fn reconnect() -> ExponentialBackoff {
    ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(500))
        .with_max_delay(RECONNECT_MAX)
        .with_factor(2.0)
        .with_jitter()
        .without_max_times()
        .build()
}

/// Pauses between the `attempts` attempts of one catalog page: 1 s, 2 s, 4 s … at most 32 s,
/// `attempts - 1` of them (a remote's `Retry-After` may lengthen one: the fetcher's business).
pub fn page_retries(attempts: u32) -> ExponentialBackoff {
    ExponentialBuilder::default()
        .with_min_delay(Duration::from_secs(1))
        .with_max_delay(Duration::from_secs(32))
        .with_factor(2.0)
        .with_max_times(attempts.saturating_sub(1) as usize)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_pauses_double_and_stop() {
        let pauses: Vec<u64> = page_retries(8).map(|d| d.as_secs()).collect();
        assert_eq!(pauses, [1, 2, 4, 8, 16, 32, 32]);
        assert_eq!(page_retries(1).count(), 0);
    }

    #[test]
    fn reconnect_never_gives_up_and_stays_bounded() {
        let pauses: Vec<Duration> = reconnect().take(50).collect();
        assert_eq!(pauses.len(), 50);
        assert!(pauses.iter().all(|d| *d <= RECONNECT_MAX * 2));
    }
}
