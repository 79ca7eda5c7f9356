//! The one way the harvester talks to remote servers.
//!
//! Every request goes through [`Fetcher`], which enforces what a harvester touching hundreds of
//! servers it does not control needs: http/https only, an SSRF guard (private, loopback and
//! link-local addresses refused, checked on the resolved address, so redirects and DNS rebinding
//! cannot reach them), bounded redirects, a whole-request timeout (slow senders are cut), a body
//! size limit applied after decompression (gzip bombs are cut), per-host concurrency and rate
//! limits shared by all jobs of the process, conditional requests, and a User-Agent naming the
//! harvester. Webhook notifications are POSTed through it too ([`Fetcher::post_json`]), under the
//! same guard: a webhook URL is as untrusted as a catalog URL.
//!
//! One file per concern: `guard` (SSRF), `host_limits` (politeness), `exchange` (one request and
//! its answer), `page` (retried catalog pages), `webhook` (JSON POSTs) and `error` (why a fetch
//! failed).

mod error;
mod exchange;
mod guard;
mod host_limits;
mod page;
mod webhook;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use common::settings::HttpSettings;
use url::Url;

pub use error::FetchError;
pub use guard::is_forbidden;
use guard::Guard;
use host_limits::HostLimits;

/// HTTP validators of a response, replayed as a conditional request next time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl Validators {
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// A fetched response: the body is fully read (within limits).
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Final URL, after redirects.
    pub url: String,
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Bytes,
    pub validators: Validators,
    /// The remote answered 304 to a conditional request: `body` is empty.
    pub not_modified: bool,
}

/// Options of one request.
#[derive(Debug, Clone, Default)]
pub struct Request<'a> {
    pub accept: Option<&'a str>,
    /// Send `If-None-Match` / `If-Modified-Since` from these.
    pub validators: Option<&'a Validators>,
}

/// The body of a POST request (CSW GetRecords): its media type and bytes.
#[derive(Debug, Clone)]
pub struct PostBody {
    pub content_type: &'static str,
    pub body: Bytes,
}

/// Outcome class of a request, for the `remote_requests` metric.
pub type Observer = Arc<dyn Fn(&'static str, Duration) + Send + Sync>;

/// Shared HTTP client with the harvester's limits. Cheap to clone.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    /// The same guard and limits, without redirects: for webhook POSTs.
    post_client: reqwest::Client,
    guard: Arc<Guard>,
    hosts: Arc<HostLimits>,
    max_body: usize,
    timeout: Duration,
    idle: Duration,
    budget: Duration,
    page_attempts: u32,
    observer: Option<Observer>,
}

impl Fetcher {
    pub fn new(settings: &HttpSettings) -> Result<Self, FetchError> {
        let guard = Arc::new(Guard::new(settings));
        let redirect_guard = guard.clone();
        let max_redirects = settings.max_redirects;
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > max_redirects {
                return attempt.error(format!("more than {max_redirects} redirects"));
            }
            if attempt.previous().iter().any(|u| u == attempt.url()) {
                return attempt.error("redirect loop");
            }
            let target = attempt.url().to_string();
            match redirect_guard.check_url(attempt.url()) {
                Ok(()) => attempt.follow(),
                Err(reason) => attempt.error(format!("redirect to {target} refused: {reason}")),
            }
        });
        let builder = || {
            reqwest::Client::builder()
                .user_agent(settings.user_agent.clone())
                .connect_timeout(Duration::from_secs(settings.connect_timeout_secs))
                .timeout(Duration::from_secs(settings.request_timeout_secs))
                .read_timeout(Duration::from_secs(settings.idle_timeout_secs))
                .dns_resolver(guard.clone())
                .pool_max_idle_per_host(settings.per_host_concurrency.max(1))
        };
        let build_error = |e: reqwest::Error| FetchError::Connect {
            url: String::new(),
            reason: format!("cannot build HTTP client: {e}"),
        };
        let client = builder().redirect(policy).build().map_err(build_error)?;
        // A webhook POST never follows a redirect: it would turn into a GET (301-303) or resend
        // the signed body to another host (307/308). A 3xx answer is a failed attempt.
        let post_client = builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(build_error)?;
        Ok(Self {
            client,
            post_client,
            guard,
            hosts: Arc::new(HostLimits::new(
                settings.per_host_concurrency,
                settings.per_host_rps,
            )),
            max_body: settings.max_body_bytes,
            timeout: Duration::from_secs(settings.request_timeout_secs),
            idle: Duration::from_secs(settings.idle_timeout_secs),
            budget: Duration::from_secs(settings.fetch_budget_secs),
            page_attempts: settings.page_attempts.max(1),
            observer: None,
        })
    }

    /// Report each request's outcome class (`2xx`, `4xx`, `error`…) and duration.
    pub fn with_observer(mut self, observer: Observer) -> Self {
        self.observer = Some(observer);
        self
    }

    /// GET `url` and read the whole body within the configured limits.
    pub async fn get(&self, url: &str, req: Request<'_>) -> Result<Fetched, FetchError> {
        self.send(url, req, None).await
    }

    /// Whether the guard lets `url` through, judging by its scheme and literal address only
    /// (names are checked again, on their resolved addresses, when a request is made): refuses
    /// a webhook to `http://127.0.0.1/…` when it is registered, not only when it is first used.
    pub fn check_url(&self, url: &str) -> Result<(), FetchError> {
        self.checked(url).map(|_| ())
    }

    /// `url` parsed, if the guard lets it through (scheme, literal address, allow list).
    fn checked(&self, url: &str) -> Result<Url, FetchError> {
        let refused = |reason| FetchError::Refused {
            url: url.to_owned(),
            reason,
        };
        let parsed = Url::parse(url).map_err(|e| refused(format!("invalid URL: {e}")))?;
        self.guard.check_url(&parsed).map_err(refused)?;
        Ok(parsed)
    }

    /// How long all attempts of one page or item may take (`http.fetch_budget_secs`).
    pub fn budget(&self) -> Duration {
        self.budget
    }

    /// The longest a single attempt waits for a silent remote (`http.idle_timeout_secs`).
    pub fn idle_timeout(&self) -> Duration {
        self.idle
    }
}
