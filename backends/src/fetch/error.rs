//! Why a fetch failed, and how a driver error or an answer's headers become that reason: the
//! retry policies (page retries, item retries through the queue) read only [`FetchError`].

use std::time::Duration;

use super::guard::GUARD_DNS_REFUSAL;
use super::Fetcher;

/// Why a fetch failed; always names the URL.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FetchError {
    #[error("refused URL {url}: {reason}")]
    Refused { url: String, reason: String },
    #[error("cannot reach {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("timeout after {secs}s fetching {url}")]
    Timeout { url: String, secs: u64 },
    #[error("no byte from {url} for {secs}s (http.idle_timeout_secs)")]
    Idle { url: String, secs: u64 },
    #[error("gave up on {url} after {attempts} attempt(s): the {secs}s fetch budget (http.fetch_budget_secs) is spent{last}")]
    Budget {
        url: String,
        secs: u64,
        attempts: u32,
        last: String,
    },
    #[error("HTTP {status} from {url}")]
    Status {
        url: String,
        status: u16,
        retry_after: Option<Duration>,
    },
    #[error("response from {url} exceeds the {limit}-byte limit")]
    TooLarge { url: String, limit: usize },
    #[error("broken response from {url}: {reason}")]
    Body { url: String, reason: String },
}

impl FetchError {
    /// Network errors, timeouts, 429 and 5xx may succeed later; everything else will not.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Connect { .. } | Self::Timeout { .. } | Self::Idle { .. } | Self::Body { .. } => {
                true
            }
            Self::Status { status, .. } => *status == 429 || *status >= 500,
            // The budget is for all attempts: spent, it stays spent.
            Self::Refused { .. } | Self::TooLarge { .. } | Self::Budget { .. } => false,
        }
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// HTTP status, if the remote answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

impl Fetcher {
    /// A driver error as the harvester reports it; `elapsed` is the time since the request was
    /// sent (it tells the idle timeout from the whole-request one).
    pub(super) fn classify(&self, url: &str, e: reqwest::Error, elapsed: Duration) -> FetchError {
        let url = e
            .url()
            .map(|u| u.to_string())
            .unwrap_or_else(|| url.to_owned());
        if e.is_timeout() {
            // reqwest says "timeout" for both limits; the idle one is the one that fires before
            // the whole request's time is up.
            let idle =
                self.idle < self.timeout && elapsed + Duration::from_millis(500) < self.timeout;
            return if idle {
                FetchError::Idle {
                    url,
                    secs: self.idle.as_secs(),
                }
            } else {
                FetchError::Timeout {
                    url,
                    secs: self.timeout.as_secs(),
                }
            };
        }
        // The URL is already in the message: matching words against a chain that contains it
        // would misread a URL with "redirect" in it (a DNS failure became a permanent refusal).
        let e = e.without_url();
        let chain = error_chain(&e);
        if e.is_redirect() || chain.contains(GUARD_DNS_REFUSAL) || chain.contains("redirect") {
            return FetchError::Refused { url, reason: chain };
        }
        if e.is_body() || e.is_decode() {
            return FetchError::Body { url, reason: chain };
        }
        FetchError::Connect { url, reason: chain }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// `Retry-After` in seconds (HTTP dates are rare from catalogs; they count as a minute).
pub(super) fn parse_retry_after(value: &str) -> Option<Duration> {
    match value.trim().parse::<u64>() {
        Ok(secs) => Some(Duration::from_secs(secs.min(3_600))),
        Err(_) => Some(Duration::from_secs(60)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_classification() {
        let s = |status| FetchError::Status {
            url: "u".into(),
            status,
            retry_after: None,
        };
        assert!(s(503).is_transient());
        assert!(s(429).is_transient());
        assert!(!s(404).is_transient());
        assert!(!FetchError::TooLarge {
            url: "u".into(),
            limit: 1
        }
        .is_transient());
    }
}
