//! Hostile and broken remotes for the security tests (`tests/tests/e2e/hostile.rs`, `ssrf.rs`):
//! one axum router serving every misbehaviour a harvester meets in the wild — XML bombs, external
//! entities, endless or compressed-bomb bodies, slow senders, redirect tricks, paging loops, deep
//! nesting, wrong content types ([`dcat`]), broken CKAN ([`ckan`]) and ODS APIs — and a raw TCP
//! server for what HTTP frameworks refuse to send ([`raw`]: no answer at all, connection resets,
//! lying `Content-Length`, truncated bodies, non-HTTP answers, oversized headers).
//!
//! Big bodies are streamed lazily from a static buffer: the 1 GiB answer is never allocated, and
//! the bytes actually produced are counted so a test can check the client stopped reading early.
//! Compression bombs are real deflate streams ([`bombs`]), built once.

mod bombs;
mod ckan;
mod dcat;
mod raw;

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::Path;
use axum::http::header;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use crate::kit::ckan::{FakeCkan, Seen};

pub use bombs::{deflate_zeros, gzip_wrap, zlib_wrap};
pub use dcat::garbage;
pub use raw::{start_raw, RawServer};

/// Decompressed size of the compression bombs: 1 + 258 × this many zero bytes (≈ 49 MiB).
pub const BOMB_MATCHES: usize = 190_000;
/// Size of the endless body (1 GiB), streamed in 64 KiB chunks.
pub const HUGE_BODY_BYTES: u64 = 1 << 30;
/// Size of the single literal of the `huge-literal` case (20 MiB).
pub const HUGE_LITERAL_BYTES: usize = 20 << 20;
/// Size of the single literal of the `big-literal` case (1.5 MiB: under a 2 MiB body limit).
pub const BIG_LITERAL_BYTES: usize = 3 << 19;
/// Distributions of the `many-distributions` dataset.
pub const MANY_DISTRIBUTIONS: usize = 5_000;
/// Nesting depth of the deep JSON / Turtle / XML documents.
pub const DEEP: usize = 10_000;

/// A buffer of letters, for endless literals and headers.
static LETTERS: [u8; 65_536] = [b'a'; 65_536];

/// Shared state of the hostile routes.
#[derive(Clone)]
pub struct Hostile {
    /// Base URL of a server nobody may contact (`http://127.0.0.1:port`): external entities,
    /// remote JSON-LD contexts and forbidden redirects point there.
    pub canary: String,
    /// Requests per case, for the cases whose retries a test counts.
    pub hits: Arc<Mutex<HashMap<String, u64>>>,
    /// Bytes of the endless bodies actually produced (the client must stop early).
    pub streamed: Arc<AtomicU64>,
    /// A host name resolving to a loopback address (see [`loopback_name`]).
    pub loopback_name: String,
    gzip_bomb: Arc<Vec<u8>>,
    zlib_bomb: Arc<Vec<u8>>,
    /// The broken CKAN portals, by case.
    ckan: Arc<Vec<(String, FakeCkan)>>,
}

impl Hostile {
    /// Build the state (the bombs take a moment: run it off the async runtime if it matters).
    pub fn new(canary: &str) -> Self {
        let (raw, len) = deflate_zeros(BOMB_MATCHES);
        Self {
            canary: canary.trim_end_matches('/').to_owned(),
            hits: Arc::default(),
            streamed: Arc::default(),
            loopback_name: loopback_name(),
            gzip_bomb: Arc::new(gzip_wrap(&raw, len)),
            zlib_bomb: Arc::new(zlib_wrap(&raw, len)),
            ckan: Arc::new(ckan::portals()),
        }
    }

    /// Compressed size of the gzip bomb.
    pub fn gzip_bomb_len(&self) -> usize {
        self.gzip_bomb.len()
    }

    fn hit(&self, key: &str) -> u64 {
        let mut hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        let n = hits.entry(key.to_owned()).or_insert(0);
        *n += 1;
        *n
    }

    /// Requests counted under `key` so far.
    pub fn hits_of(&self, key: &str) -> u64 {
        self.hits
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .copied()
            .unwrap_or(0)
    }

    /// What the broken CKAN portal of `case` was asked (nothing, for an unknown case).
    pub fn ckan_seen(&self, case: &str) -> Seen {
        self.ckan
            .iter()
            .find(|(c, _)| c == case)
            .map(|(_, portal)| portal.seen())
            .unwrap_or_default()
    }

    /// The routes: `/h/{case}` (DCAT), `/ckan/{case}/api/3/action/{action}`,
    /// `/ods/{case}/api/explore/v2.1/catalog/datasets`.
    pub fn routes(&self) -> Router {
        let routes = Router::new()
            .route("/h/{case}", get(dcat::dcat_case))
            .route(
                "/ods/{case}/api/explore/v2.1/catalog/datasets",
                get(ods_case),
            )
            .with_state(self.clone());
        self.ckan.iter().fold(routes, |routes, (case, portal)| {
            routes.nest(&format!("/ckan/{case}"), portal.router())
        })
    }
}

fn answer(status: u16, content_type: Option<&str>, body: impl Into<Body>) -> Response {
    let mut b = Response::builder().status(status);
    if let Some(ct) = content_type {
        b = b.header(header::CONTENT_TYPE, ct);
    }
    b.body(body.into()).unwrap_or_default()
}

fn deep_json(depth: usize, key: &str) -> String {
    let mut s = String::with_capacity(depth * (key.len() + 6) + 16);
    for _ in 0..depth {
        s.push_str(&format!("{{\"{key}\":"));
    }
    s.push_str("\"leaf\"");
    s.push_str(&"}".repeat(depth));
    s
}

async fn ods_case(Path(case): Path<String>) -> Response {
    match case.as_str() {
        "ods-not-json" => answer(200, Some("application/json"), "<html>proxy error</html>"),
        "ods-deep" => answer(200, Some("application/json"), deep_json(DEEP, "results")),
        "ods-no-results" => answer(200, Some("application/json"), r#"{"total_count": 3}"#),
        _ => answer(404, Some("application/json"), "{}"),
    }
}

/// Peak resident memory of this process (`VmHWM`), in bytes, where `/proc` tells it.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// A host name that resolves to a loopback address but is not spelled `localhost` (so only the
/// guard's check of resolved addresses can refuse it): the first such name of `/etc/hosts` on a
/// 127.x line (Debian lists the machine's own name under 127.0.1.1), else on a `::1` line
/// (`ip6-localhost`), else `localhost.`.
pub fn loopback_name() -> String {
    let hosts = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
    let names = |v4: bool| {
        hosts
            .lines()
            .map(|l| l.split('#').next().unwrap_or(""))
            .filter_map(|l| {
                let mut fields = l.split_whitespace();
                let ip: std::net::IpAddr = fields.next()?.parse().ok()?;
                (ip.is_loopback() && ip.is_ipv4() == v4).then_some(fields)
            })
            .flatten()
            .find(|name| {
                let n = name.to_ascii_lowercase();
                n != "localhost" && !n.ends_with(".localhost")
            })
            .map(str::to_owned)
    };
    names(true)
        .or_else(|| names(false))
        .unwrap_or_else(|| "localhost.".into())
}
