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

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use common::settings::HttpSettings;
use futures::StreamExt;
use reqwest::header::{
    HeaderMap, HeaderValue, ACCEPT, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED,
    LOCATION, RETRY_AFTER,
};
use reqwest::StatusCode;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

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

/// Longest `Retry-After` honoured between two attempts of a page fetch.
const MAX_PAGE_RETRY_AFTER: Duration = Duration::from_secs(30);

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

    /// GET, or POST `post` when given, with the same guards and limits.
    async fn send(
        &self,
        url: &str,
        req: Request<'_>,
        post: Option<&PostBody>,
    ) -> Result<Fetched, FetchError> {
        let started = Instant::now();
        let result = self.send_inner(url, req, post).await;
        if let Some(observe) = &self.observer {
            let class = match &result {
                Ok(f) if f.not_modified => "304",
                Ok(f) => status_class(f.status),
                Err(FetchError::Status { status, .. }) => status_class(*status),
                Err(FetchError::Timeout { .. } | FetchError::Idle { .. }) => "timeout",
                Err(_) => "error",
            };
            observe(class, started.elapsed());
        }
        result
    }

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

    /// How long all attempts of one page or item may take (`http.fetch_budget_secs`).
    pub fn budget(&self) -> Duration {
        self.budget
    }

    /// The longest a single attempt waits for a silent remote (`http.idle_timeout_secs`).
    pub fn idle_timeout(&self) -> Duration {
        self.idle
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

    async fn send_inner(
        &self,
        url: &str,
        req: Request<'_>,
        post: Option<&PostBody>,
    ) -> Result<Fetched, FetchError> {
        let parsed = self.checked(url)?;
        let host = parsed.host_str().unwrap_or_default().to_owned();
        let _permit = self.hosts.acquire(&host).await;

        let mut headers = HeaderMap::new();
        if let Some(accept) = req.accept {
            if let Ok(v) = HeaderValue::from_str(accept) {
                headers.insert(ACCEPT, v);
            }
        }
        if let Some(v) = req.validators {
            if let Some(etag) = v
                .etag
                .as_deref()
                .and_then(|e| HeaderValue::from_str(e).ok())
            {
                headers.insert(IF_NONE_MATCH, etag);
            }
            if let Some(lm) = v
                .last_modified
                .as_deref()
                .and_then(|e| HeaderValue::from_str(e).ok())
            {
                headers.insert(IF_MODIFIED_SINCE, lm);
            }
        }
        let request = match post {
            Some(p) => {
                headers.insert(
                    reqwest::header::CONTENT_TYPE,
                    HeaderValue::from_static(p.content_type),
                );
                self.client.post(parsed).body(p.body.clone())
            }
            None => self.client.get(parsed),
        };
        let sent = Instant::now();
        let response = request
            .headers(headers)
            .send()
            .await
            .map_err(|e| self.classify(url, e, sent.elapsed()))?;
        let final_url = response.url().to_string();
        let status = response.status();
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let validators = Validators {
            etag: header(ETAG),
            last_modified: header(LAST_MODIFIED),
        };
        let content_type = header(reqwest::header::CONTENT_TYPE);
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched {
                url: final_url,
                status: status.as_u16(),
                content_type,
                body: Bytes::new(),
                validators,
                not_modified: true,
            });
        }
        if status.is_redirection() {
            // reqwest hands back, unfollowed, a redirect to a scheme it cannot fetch (`file:`,
            // `ftp:`…): say why instead of a bare "HTTP 302".
            if let Some(location) = header(LOCATION) {
                let refused = match Url::parse(&final_url).and_then(|base| base.join(&location)) {
                    Ok(target) => self
                        .guard
                        .check_url(&target)
                        .err()
                        .map(|r| format!("redirect to {target} refused: {r}")),
                    Err(e) => Some(format!("redirect to an invalid Location {location:?}: {e}")),
                };
                if let Some(reason) = refused {
                    return Err(FetchError::Refused {
                        url: final_url,
                        reason,
                    });
                }
            }
        }
        if !status.is_success() {
            let retry_after = header(RETRY_AFTER).and_then(|v| parse_retry_after(&v));
            return Err(FetchError::Status {
                url: final_url,
                status: status.as_u16(),
                retry_after,
            });
        }
        if let Some(len) = response.content_length() {
            if len as usize > self.max_body {
                return Err(FetchError::TooLarge {
                    url: final_url,
                    limit: self.max_body,
                });
            }
        }
        let mut body = BytesMut::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| self.classify(&final_url, e, sent.elapsed()))?;
            if body.len() + chunk.len() > self.max_body {
                return Err(FetchError::TooLarge {
                    url: final_url,
                    limit: self.max_body,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched {
            url: final_url,
            status: status.as_u16(),
            content_type,
            body: body.freeze(),
            validators,
            not_modified: false,
        })
    }

    /// A driver error as the harvester reports it; `elapsed` is the time since the request was
    /// sent (it tells the idle timeout from the whole-request one).
    fn classify(&self, url: &str, e: reqwest::Error, elapsed: Duration) -> FetchError {
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

fn status_class(status: u16) -> &'static str {
    match status {
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
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
fn parse_retry_after(value: &str) -> Option<Duration> {
    match value.trim().parse::<u64>() {
        Ok(secs) => Some(Duration::from_secs(secs.min(3_600))),
        Err(_) => Some(Duration::from_secs(60)),
    }
}

/// How the guard's resolver words a refusal (`classify` recognises it in error chains).
const GUARD_DNS_REFUSAL: &str = "resolves only to private, loopback or link-local addresses";

/// The SSRF guard: which URLs and resolved addresses may be contacted.
struct Guard {
    allow_private: bool,
    allow_hosts: Vec<String>,
}

impl Guard {
    fn new(settings: &HttpSettings) -> Self {
        Self {
            allow_private: settings.allow_private,
            allow_hosts: settings
                .allow_hosts
                .iter()
                .map(|h| h.trim().to_ascii_lowercase())
                .collect(),
        }
    }

    fn allowed_host(&self, host: &str, port: Option<u16>) -> bool {
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        self.allow_hosts
            .iter()
            .any(|entry| entry == &host || port.is_some_and(|p| *entry == format!("{host}:{p}")))
    }

    /// Scheme and literal-address checks; host names are checked again once resolved.
    fn check_url(&self, url: &Url) -> Result<(), String> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("scheme {:?} is not http or https", url.scheme()));
        }
        let Some(host) = url.host_str() else {
            return Err("no host".into());
        };
        if self.allow_private || self.allowed_host(host, url.port_or_known_default()) {
            return Ok(());
        }
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        // `localhost.` is the same name as `localhost` (fully qualified).
        let name = bare.trim_end_matches('.').to_ascii_lowercase();
        // A name allow-listed with a port lets the resolver return private addresses for it
        // (it cannot see ports): every other port of that name is refused here.
        let port_only = format!("{name}:");
        if bare.parse::<IpAddr>().is_err()
            && self.allow_hosts.iter().any(|e| e.starts_with(&port_only))
        {
            return Err(format!("{host} is allow-listed on another port only"));
        }
        if let Ok(ip) = bare.parse::<IpAddr>() {
            if is_forbidden(ip) {
                return Err(format!("address {ip} is private, loopback or link-local"));
            }
        } else if name == "localhost" || name.ends_with(".localhost") {
            return Err("localhost is not a remote catalog".into());
        }
        Ok(())
    }
}

impl reqwest::dns::Resolve for Guard {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        let open = self.allow_private
            || self.allowed_host(&host, None)
            || self
                .allow_hosts
                .iter()
                .any(|e| e.starts_with(&format!("{}:", host.to_ascii_lowercase())));
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = if open {
                addrs
            } else {
                addrs
                    .into_iter()
                    .filter(|a| !is_forbidden(a.ip()))
                    .collect()
            };
            if allowed.is_empty() {
                return Err(format!("refused: {host} {GUARD_DNS_REFUSAL}").into());
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Addresses a harvester must never reach unless allow-listed.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || o[0] == 0
                || (o[0] == 100 && (o[1] & 0xc0) == 64) // carrier-grade NAT 100.64/10
                || (o[0] == 198 && (o[1] & 0xfe) == 18) // benchmarking 198.18/15
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_forbidden(IpAddr::V4(v4));
            }
            let seg = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (seg[0] & 0xffc0) == 0xfe80 // link local fe80::/10
        }
    }
}

/// Per-host concurrency and request-rate limits, shared by every job of the process.
struct HostLimits {
    per_host: usize,
    min_interval: Option<Duration>,
    hosts: Mutex<HashMap<String, Arc<HostSlot>>>,
}

struct HostSlot {
    permits: Arc<Semaphore>,
    next_start: tokio::sync::Mutex<Instant>,
}

impl HostLimits {
    fn new(per_host: usize, rps: f64) -> Self {
        Self {
            per_host: per_host.max(1),
            min_interval: (rps > 0.0).then(|| Duration::from_secs_f64(1.0 / rps)),
            hosts: Mutex::new(HashMap::new()),
        }
    }

    async fn acquire(&self, host: &str) -> Option<OwnedSemaphorePermit> {
        let slot = {
            let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
            hosts
                .entry(host.to_owned())
                .or_insert_with(|| {
                    Arc::new(HostSlot {
                        permits: Arc::new(Semaphore::new(self.per_host)),
                        next_start: tokio::sync::Mutex::new(Instant::now()),
                    })
                })
                .clone()
        };
        let permit = slot.permits.clone().acquire_owned().await.ok();
        if let Some(interval) = self.min_interval {
            let mut next = slot.next_start.lock().await;
            let now = Instant::now();
            if *next > now {
                tokio::time::sleep(*next - now).await;
            }
            *next = Instant::now().max(*next) + interval;
        }
        permit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(allow: &[&str]) -> Guard {
        Guard {
            allow_private: false,
            allow_hosts: allow.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn refuses_private_literals_and_schemes() {
        let g = guard(&[]);
        for url in [
            "http://127.0.0.1/x",
            "http://169.254.169.254/latest/meta-data",
            "http://10.1.2.3/",
            "http://[::1]/",
            "http://[fd00::1]/",
            "http://localhost:8080/",
            "http://LocalHost./",
            "http://api.localhost/",
            "http://127.1/",
            "http://2130706433/",
            "http://[::ffff:127.0.0.1]/",
            "http://0.0.0.0/",
            "http://100.64.0.1/",
            "http://[fe80::1]/",
            "ftp://example.org/",
            "file:///etc/passwd",
        ] {
            assert!(g.check_url(&Url::parse(url).unwrap()).is_err(), "{url}");
        }
        assert!(g
            .check_url(&Url::parse("https://data.example.org/catalog").unwrap())
            .is_ok());
    }

    #[test]
    fn allow_list_by_host_and_port() {
        let g = guard(&["127.0.0.1:8081"]);
        assert!(g
            .check_url(&Url::parse("http://127.0.0.1:8081/c").unwrap())
            .is_ok());
        assert!(g
            .check_url(&Url::parse("http://127.0.0.1:8082/c").unwrap())
            .is_err());
        // A name allowed on one port: its other ports stay closed (the resolver would let the
        // name resolve to a private address whatever the port).
        let g = guard(&["intranet.example:8081"]);
        assert!(g
            .check_url(&Url::parse("http://intranet.example:8081/c").unwrap())
            .is_ok());
        for url in [
            "http://intranet.example:22/",
            "http://intranet.example/",
            "http://INTRANET.example.:8082/",
        ] {
            assert!(g.check_url(&Url::parse(url).unwrap()).is_err(), "{url}");
        }
    }

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
