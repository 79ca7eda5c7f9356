//! Catalog pages: a listing has no queue to retry a page later, so transient failures are
//! retried here, within the fetch budget shared by all attempts of the page.

use std::time::{Duration, Instant};

use super::{FetchError, Fetched, Fetcher, PostBody, Request};

/// Longest `Retry-After` honoured between two attempts of a page fetch.
const MAX_PAGE_RETRY_AFTER: Duration = Duration::from_secs(30);

impl Fetcher {
    /// GET a page of a catalog listing: transient failures (network, timeouts, 429, 5xx) are
    /// retried, `http.page_attempts` attempts in all, pausing as the shared policy says
    /// ([`common::backoff::page_retries`]: 1 s, 2 s, 4 s…; at least the
    /// remote's `Retry-After`, at most 30 s) in between; the last error is returned. A listing
    /// has no queue to retry it later: without this one 503 would fail the whole job.
    ///
    /// All attempts together end within `http.fetch_budget_secs`: an attempt is cut when the
    /// budget runs out, and no attempt starts that could not get one idle timeout's worth of it.
    pub async fn get_page(&self, url: &str, req: Request<'_>) -> Result<Fetched, FetchError> {
        self.page(url, req, None).await
    }

    /// POST `post` to `url` for a page of a catalog listing (a CSW GetRecords request, which
    /// changes nothing on the remote and may be sent again), with the retry policy and the
    /// fetch budget of [`Self::get_page`].
    pub async fn post_page(
        &self,
        url: &str,
        req: Request<'_>,
        post: &PostBody,
    ) -> Result<Fetched, FetchError> {
        self.page(url, req, Some(post)).await
    }

    async fn page(
        &self,
        url: &str,
        req: Request<'_>,
        post: Option<&PostBody>,
    ) -> Result<Fetched, FetchError> {
        let deadline = Instant::now() + self.budget;
        let mut pauses = common::backoff::page_retries(self.page_attempts);
        let mut attempt = 1;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let result = match tokio::time::timeout(left, self.send(url, req.clone(), post)).await {
                Ok(result) => result,
                Err(_) => Err(self.out_of_budget(url, attempt, None)),
            };
            let pause = match &result {
                Err(e) if e.is_transient() => pauses.next(),
                _ => None,
            };
            match (result, pause) {
                (Err(e), Some(base)) => {
                    let pause = e
                        .retry_after()
                        .map_or(base, |r| r.clamp(base, MAX_PAGE_RETRY_AFTER.max(base)));
                    if Instant::now() + pause + self.idle > deadline {
                        return Err(self.out_of_budget(url, attempt, Some(&e)));
                    }
                    tracing::info!(url, attempt, error = %e, "page fetch failed, retrying");
                    tokio::time::sleep(pause).await;
                    attempt += 1;
                }
                (result, _) => return result,
            }
        }
    }

    /// The error of a page whose attempts used up the fetch budget.
    fn out_of_budget(&self, url: &str, attempts: u32, last: Option<&FetchError>) -> FetchError {
        let last = last
            .map(|e| format!(" (last error: {e})"))
            .unwrap_or_default();
        FetchError::Budget {
            url: url.to_owned(),
            secs: self.budget.as_secs(),
            attempts,
            last,
        }
    }
}
