//! Errors of harvesting work, each naming what was wrong and where (URL, item), and telling the
//! pipeline whether a retry may help.

use std::time::Duration;

use crate::fetch::FetchError;
use crate::mapping::MapError;

#[derive(Debug, thiserror::Error)]
pub enum HarvestError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("cannot parse {what} from {url}: {reason}")]
    Parse {
        what: &'static str,
        url: String,
        reason: String,
    },
    #[error(transparent)]
    Map(#[from] MapError),
    /// The remote answered, but not what the protocol says (CKAN `success: false`, HTML page…).
    #[error("remote error at {url}: {reason}")]
    Remote { url: String, reason: String },
    /// A safety limit was hit (max pages, page loop, message size…).
    #[error("{0}")]
    Limit(String),
    #[error("unknown backend {0:?}")]
    UnknownBackend(String),
    #[error("storage: {0}")]
    Storage(#[from] common::Error),
}

impl HarvestError {
    /// Whether retrying later may succeed (network errors, timeouts, 429 and 5xx answers).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Fetch(e) => e.is_transient(),
            Self::Storage(e) => e.is_transient(),
            _ => false,
        }
    }

    /// A delay the remote asked for (`Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Fetch(e) => e.retry_after(),
            _ => None,
        }
    }

    /// The full cause chain, for the `details` of a report error.
    pub fn details(&self) -> String {
        let mut out = format!("{self:?}");
        let mut source = std::error::Error::source(self);
        while let Some(s) = source {
            out.push_str("\ncaused by: ");
            out.push_str(&s.to_string());
            source = s.source();
        }
        out
    }
}
