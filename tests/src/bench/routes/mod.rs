//! HTTP routes serving a synthetic catalog, generated page by page on each request (a 100,000-
//! dataset catalog is never held in memory nor written to disk).
//!
//! * DCAT: `{mount}/catalog.ttl`, `.rdf`, `.jsonld`, `.nt`, paged with Hydra
//!   (`?page=N`, `hydra:PartialCollectionView` + `hydra:next`); links are built from the
//!   request's `Host` header, so the same routes work behind any address.
//! * CKAN action API: `{mount}/api/3/action/package_list`, `package_search?rows=&start=`,
//!   `package_show?id=` (id or name).
//!
//! [`CatalogControl`] switches the variant (original, changed, removed), the latency and the
//! HTTP validators while the server runs, and counts requests. With validators on, pages and
//! packages carry an `ETag` and a `Last-Modified`, and a matching `If-None-Match` (or a recent
//! enough `If-Modified-Since`) is answered `304 Not Modified` without a body.

mod ckan_api;
mod csw;
mod dcat;
#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::rdf::{Page, Paging, Syntax};
use super::synth::{self, SynthDataset, Variant};

/// What a generated catalog serves.
#[derive(Debug, Clone)]
pub struct CatalogSpec {
    pub seed: u64,
    /// Datasets of the original catalog.
    pub datasets: usize,
    /// Datasets per Hydra page.
    pub page_size: usize,
    pub variant: Variant,
    /// Added before every answer.
    pub latency: Duration,
    /// Send `ETag`/`Last-Modified` and answer `304` to matching conditional requests.
    pub validators: bool,
    /// Path prefix of every route (`""`, or e.g. `/portal-3`).
    pub mount: String,
    pub title: String,
}

impl Default for CatalogSpec {
    fn default() -> Self {
        Self {
            seed: 1,
            datasets: 1_000,
            page_size: 100,
            variant: Variant::ORIGINAL,
            latency: Duration::ZERO,
            validators: false,
            mount: String::new(),
            title: "Catalogue synthétique".into(),
        }
    }
}

impl CatalogSpec {
    /// Relative URL of the first DCAT page in `syntax`, under the mount.
    pub fn dcat_path(&self, syntax: Syntax) -> String {
        format!("{}/catalog.{}", self.mount, syntax.extension())
    }

    /// Relative URL of the CKAN portal root (the source URL of a CKAN source).
    pub fn ckan_path(&self) -> String {
        if self.mount.is_empty() {
            "/".into()
        } else {
            self.mount.clone()
        }
    }
}

/// Request counters of a catalog.
#[derive(Debug, Default)]
pub struct Stats {
    pub requests: AtomicU64,
    pub pages: AtomicU64,
    pub package_lists: AtomicU64,
    pub package_searches: AtomicU64,
    pub package_shows: AtomicU64,
    pub not_modified: AtomicU64,
    pub bytes: AtomicU64,
}

/// A snapshot of [`Stats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct StatsSnapshot {
    pub requests: u64,
    pub pages: u64,
    pub package_lists: u64,
    pub package_searches: u64,
    pub package_shows: u64,
    pub not_modified: u64,
    pub bytes: u64,
}

impl StatsSnapshot {
    /// Counters since `earlier`.
    pub fn since(&self, earlier: &StatsSnapshot) -> StatsSnapshot {
        StatsSnapshot {
            requests: self.requests.saturating_sub(earlier.requests),
            pages: self.pages.saturating_sub(earlier.pages),
            package_lists: self.package_lists.saturating_sub(earlier.package_lists),
            package_searches: self
                .package_searches
                .saturating_sub(earlier.package_searches),
            package_shows: self.package_shows.saturating_sub(earlier.package_shows),
            not_modified: self.not_modified.saturating_sub(earlier.not_modified),
            bytes: self.bytes.saturating_sub(earlier.bytes),
        }
    }
}

struct Listing {
    variant: Variant,
    /// Indices of the listed datasets, in order.
    listed: Arc<Vec<u32>>,
}

struct Inner {
    spec: CatalogSpec,
    listing: RwLock<Listing>,
    latency_us: AtomicU64,
    validators: AtomicBool,
    stats: Stats,
    names: OnceLock<Arc<Vec<String>>>,
}

/// Live control of a served catalog. Cheap to clone.
#[derive(Clone)]
pub struct CatalogControl(Arc<Inner>);

fn listing(spec: &CatalogSpec, variant: Variant) -> Listing {
    let listed = (0..spec.datasets)
        .filter(|i| synth::is_listed(spec.seed, *i, variant))
        .map(|i| i as u32)
        .collect();
    Listing {
        variant,
        listed: Arc::new(listed),
    }
}

impl CatalogControl {
    pub fn new(spec: CatalogSpec) -> Self {
        let l = listing(&spec, spec.variant);
        Self(Arc::new(Inner {
            latency_us: AtomicU64::new(spec.latency.as_micros() as u64),
            validators: AtomicBool::new(spec.validators),
            listing: RwLock::new(l),
            stats: Stats::default(),
            names: OnceLock::new(),
            spec,
        }))
    }

    pub fn spec(&self) -> &CatalogSpec {
        &self.0.spec
    }

    /// Serve `variant` from now on.
    pub fn set_variant(&self, variant: Variant) {
        let l = listing(&self.0.spec, variant);
        let mut guard = self.0.listing.write().unwrap_or_else(|p| p.into_inner());
        *guard = l;
    }

    pub fn variant(&self) -> Variant {
        self.0
            .listing
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .variant
    }

    pub fn set_latency(&self, latency: Duration) {
        self.0
            .latency_us
            .store(latency.as_micros() as u64, Ordering::Relaxed);
    }

    pub fn set_validators(&self, on: bool) {
        self.0.validators.store(on, Ordering::Relaxed);
    }

    /// Datasets listed under the current variant.
    pub fn listed(&self) -> usize {
        self.snapshot_listing().1.len()
    }

    fn snapshot_listing(&self) -> (Variant, Arc<Vec<u32>>) {
        let l = self.0.listing.read().unwrap_or_else(|p| p.into_inner());
        (l.variant, l.listed.clone())
    }

    pub fn stats(&self) -> StatsSnapshot {
        let s = &self.0.stats;
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        StatsSnapshot {
            requests: g(&s.requests),
            pages: g(&s.pages),
            package_lists: g(&s.package_lists),
            package_searches: g(&s.package_searches),
            package_shows: g(&s.package_shows),
            not_modified: g(&s.not_modified),
            bytes: g(&s.bytes),
        }
    }

    /// Triples of the whole DCAT catalog under the current variant (every page generated and
    /// counted: seconds for 100,000 datasets; run it off the async runtime).
    pub fn count_triples(&self) -> u64 {
        let (variant, listed) = self.snapshot_listing();
        let pages = page_count(listed.len(), self.0.spec.page_size);
        let mut total = 0u64;
        for page in 1..=pages {
            let datasets = self.page_datasets(&listed, variant, page);
            let paging = self.paging(
                "http://127.0.0.1",
                Syntax::NTriples,
                page,
                pages,
                listed.len(),
            );
            total += Page::new(&paging, &datasets).triples() as u64;
        }
        total
    }

    fn page_datasets(&self, listed: &[u32], variant: Variant, page: usize) -> Vec<SynthDataset> {
        let size = self.0.spec.page_size.max(1);
        let start = (page - 1).saturating_mul(size).min(listed.len());
        let end = start.saturating_add(size).min(listed.len());
        listed[start..end]
            .iter()
            .filter_map(|i| synth::dataset(self.0.spec.seed, *i as usize, variant))
            .collect()
    }

    fn paging(
        &self,
        base: &str,
        syntax: Syntax,
        page: usize,
        pages: usize,
        total: usize,
    ) -> Paging {
        let first = format!("{base}/catalog.{}", syntax.extension());
        let url = |n: usize| {
            if n <= 1 {
                first.clone()
            } else {
                format!("{first}?page={n}")
            }
        };
        Paging {
            catalog_iri: format!("https://{}/catalog", synth::domain(self.0.spec.seed)),
            catalog_title: self.0.spec.title.clone(),
            page_url: url(page),
            first_url: first.clone(),
            next_url: (page < pages).then(|| url(page + 1)),
            last_url: url(pages),
            total_items: total,
        }
    }

    /// CKAN names of every dataset of the original catalog (names do not change with the
    /// variant), computed once.
    fn names(&self) -> Arc<Vec<String>> {
        self.0
            .names
            .get_or_init(|| {
                Arc::new(
                    (0..self.0.spec.datasets)
                        .filter_map(|i| {
                            synth::dataset(self.0.spec.seed, i, Variant::ORIGINAL).map(|d| d.name)
                        })
                        .collect(),
                )
            })
            .clone()
    }

    async fn delay(&self) {
        self.0.stats.requests.fetch_add(1, Ordering::Relaxed);
        let us = self.0.latency_us.load(Ordering::Relaxed);
        if us > 0 {
            tokio::time::sleep(Duration::from_micros(us)).await;
        }
    }

    fn validators_on(&self) -> bool {
        self.0.validators.load(Ordering::Relaxed)
    }

    fn send(&self, resp: Response, len: usize) -> Response {
        self.0.stats.bytes.fetch_add(len as u64, Ordering::Relaxed);
        resp
    }
}

fn page_count(listed: usize, page_size: usize) -> usize {
    listed.div_ceil(page_size.max(1)).max(1)
}

/// Routes of a catalog, mounted under `spec.mount`.
pub fn routes(spec: CatalogSpec) -> Router {
    routes_with_control(spec).0
}

/// Routes of a catalog and the handle that controls it.
pub fn routes_with_control(spec: CatalogSpec) -> (Router, CatalogControl) {
    let control = CatalogControl::new(spec);
    let mut r = Router::new();
    for syntax in Syntax::ALL {
        r =
            r.route(
                &format!("/catalog.{}", syntax.extension()),
                get(
                    move |State(c): State<CatalogControl>,
                          q: Query<dcat::PageQuery>,
                          h: HeaderMap| async move {
                        dcat::dcat_page(c, syntax, q.0, h).await
                    },
                ),
            );
    }
    let r = r
        .route("/api/3/action/package_list", get(ckan_api::package_list))
        .route(
            "/api/3/action/package_search",
            get(ckan_api::package_search),
        )
        .route("/api/3/action/package_show", get(ckan_api::package_show))
        .route("/csw", get(csw::csw_get).post(csw::csw_post))
        .with_state(control.clone());
    let mount = control.0.spec.mount.trim_end_matches('/').to_owned();
    let router = if mount.is_empty() {
        r
    } else {
        Router::new().nest(&mount, r)
    };
    (router, control)
}

fn text_response(status: StatusCode, body: &'static str) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Body::from(body))
        .unwrap_or_default()
}

/// Whether the request's validators match.
fn not_modified(h: &HeaderMap, etag: &str, modified_secs: i64) -> bool {
    if let Some(inm) = h.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
        return inm.split(',').any(|t| t.trim() == etag || t.trim() == "*");
    }
    if let Some(ims) = h
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
    {
        return ims.trim() == synth::http_date(modified_secs);
    }
    false
}

fn with_validators(
    c: &CatalogControl,
    h: &HeaderMap,
    etag: String,
    modified_secs: i64,
    content_type: &'static str,
    body: impl FnOnce() -> Vec<u8>,
) -> Response {
    let validators = c.validators_on();
    if validators && not_modified(h, &etag, modified_secs) {
        c.0.stats.not_modified.fetch_add(1, Ordering::Relaxed);
        let resp = Response::builder()
            .status(StatusCode::NOT_MODIFIED)
            .header(header::ETAG, etag)
            .body(Body::empty())
            .unwrap_or_default();
        return c.send(resp, 0);
    }
    let body = body();
    let len = body.len();
    let mut b = Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type);
    if validators {
        b = b
            .header(header::ETAG, etag)
            .header(header::LAST_MODIFIED, synth::http_date(modified_secs));
    }
    c.send(b.body(Body::from(body)).unwrap_or_default(), len)
}

/// Serve `router` on `addr` (e.g. `127.0.0.7:0`: every loopback address is a distinct host for
/// the harvester's per-host limits) until the returned task is aborted.
pub async fn serve(
    addr: SocketAddr,
    router: Router,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let handle = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok((local, handle))
}
