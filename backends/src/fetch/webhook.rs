//! Webhook notifications: a JSON POST through the same SSRF guard and per-host limits as a
//! catalog request (a webhook URL is as untrusted as a catalog URL), never following a redirect.

use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};

use super::error::parse_retry_after;
use super::{FetchError, Fetcher};

impl Fetcher {
    /// POST a JSON `body` with extra `headers` (a webhook), within `timeout`, through the SSRF
    /// guard and the per-host limits, without following redirects. Returns the HTTP status of a
    /// 2xx answer; any other answer is a [`FetchError::Status`]. The answer's body is not read.
    pub async fn post_json(
        &self,
        url: &str,
        body: Bytes,
        headers: &[(&'static str, String)],
        timeout: Duration,
    ) -> Result<u16, FetchError> {
        let parsed = self.checked(url)?;
        let host = parsed.host_str().unwrap_or_default().to_owned();
        let _permit = self.hosts.acquire(&host).await;
        let mut map = HeaderMap::new();
        map.insert(
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        for (name, value) in headers {
            let invalid = |e: &dyn std::fmt::Display| FetchError::Refused {
                url: url.to_owned(),
                reason: format!("invalid header {name}: {e}"),
            };
            let name = reqwest::header::HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| invalid(&e))?;
            let value = HeaderValue::from_str(value).map_err(|e| invalid(&e))?;
            map.insert(name, value);
        }
        let sent = Instant::now();
        let response = self
            .post_client
            .post(parsed)
            .headers(map)
            .timeout(timeout)
            .body(body)
            .send()
            .await
            .map_err(|e| match self.classify(url, e, sent.elapsed()) {
                // The webhook's own timeout, not the catalog one `classify` knows.
                FetchError::Timeout { url, .. } | FetchError::Idle { url, .. } => {
                    FetchError::Timeout {
                        url,
                        secs: timeout.as_secs(),
                    }
                }
                other => other,
            })?;
        let status = response.status();
        if status.is_success() {
            return Ok(status.as_u16());
        }
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        Err(FetchError::Status {
            url: url.to_owned(),
            status: status.as_u16(),
            retry_after,
        })
    }
}
