//! Fetchers for tests: the product's guarded fetcher, allowed to reach the loopback test servers.

use backends::fetch::Fetcher;
use common::settings::HttpSettings;

/// A fetcher that may reach the loopback test servers (10 s per request).
pub fn fetcher() -> Fetcher {
    fetcher_with_timeout(10)
}

/// [`fetcher`] with a per-request timeout of `secs`.
pub fn fetcher_with_timeout(secs: u64) -> Fetcher {
    fetcher_with(HttpSettings {
        request_timeout_secs: secs,
        ..Default::default()
    })
}

/// A fetcher of `http` settings, allowed to reach the loopback test servers.
pub fn fetcher_with(http: HttpSettings) -> Fetcher {
    Fetcher::new(&HttpSettings {
        allow_private: true,
        ..http
    })
    .expect("fetcher")
}
