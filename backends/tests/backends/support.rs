//! What the backend tests share: fixture files, a harvest source, a fetcher allowed to reach the
//! loopback server, a sink that collects what a listing hands over, the listing driver's call
//! and a loopback HTTP server for an axum router.

use std::path::PathBuf;

use async_trait::async_trait;
use axum::Router;
use backends::error::HarvestError;
use backends::fetch::Fetcher;
use backends::harvester::{
    FailedItem, GatherContext, GatherLimits, GatherReport, Harvester, ItemContext, ItemSink,
    RemoteItem, SinkControl,
};
use backends::mapping::{LicenseGuesser, MapContext};
use bson::oid::ObjectId;
use chrono::{DateTime, TimeZone, Utc};
use common::model::HarvestSource;
use common::settings::HttpSettings;
use serde_json::Value;

/// A file under the project's `tests/fixtures/`.
pub fn fixture_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(relative)
}

/// The text of a fixture file.
pub fn fixture_text(relative: &str) -> String {
    let path = fixture_path(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

/// A JSON fixture file.
pub fn fixture_json(relative: &str) -> Value {
    let text = fixture_text(relative);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

/// A new harvest source (its own id) of `backend` at `url`, with `config` (filters, features,
/// options).
pub fn source_with(url: &str, backend: &str, config: bson::Document) -> HarvestSource {
    bson::from_document(bson::doc! {
        "_id": ObjectId::new(),
        "name": format!("{backend} test source"),
        "slug": format!("{backend}-test-source"),
        "url": url,
        "backend": backend,
        "config": config,
        "created_at": bson::DateTime::now(),
    })
    .expect("a harvest source")
}

/// A new harvest source of `backend` at `url`, with no configuration.
pub fn source(url: &str, backend: &str) -> HarvestSource {
    source_with(url, backend, bson::doc! {})
}

/// The fixed "now" of mapping tests.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 6, 1, 12, 0, 0).unwrap()
}

/// A BSON date at a UTC time (milliseconds included).
pub fn bson_at(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32, ms: i64) -> bson::DateTime {
    let t = Utc.with_ymd_and_hms(y, m, d, h, min, s).unwrap() + chrono::Duration::milliseconds(ms);
    bson::DateTime::from_chrono(t)
}

/// A BSON date at midnight UTC.
pub fn bson_day(y: i32, m: u32, d: u32) -> bson::DateTime {
    bson_at(y, m, d, 0, 0, 0, 0)
}

/// The built-in licence list, shared by every mapping test.
pub fn licenses() -> &'static LicenseGuesser {
    static LICENSES: std::sync::OnceLock<LicenseGuesser> = std::sync::OnceLock::new();
    LICENSES.get_or_init(LicenseGuesser::builtin)
}

/// The mapping context of `source` at [`now`].
pub fn map_context(source: &HarvestSource) -> MapContext<'_> {
    MapContext {
        source,
        licenses: licenses(),
        now: now(),
    }
}

/// A fetcher that may reach the loopback test servers.
pub fn fetcher() -> Fetcher {
    fetcher_with_timeout(10)
}

/// [`fetcher`] with a per-request timeout of `secs`.
pub fn fetcher_with_timeout(secs: u64) -> Fetcher {
    Fetcher::new(&HttpSettings {
        allow_private: true,
        request_timeout_secs: secs,
        ..Default::default()
    })
    .expect("fetcher")
}

/// Collects what a listing hands over; asks to stop after `stop_after` items, if set.
#[derive(Debug, Default)]
pub struct VecSink {
    pub items: Vec<RemoteItem>,
    pub failed: Vec<FailedItem>,
    pub stop_after: Option<usize>,
}

#[async_trait]
impl ItemSink for VecSink {
    async fn push(&mut self, item: RemoteItem) -> Result<SinkControl, HarvestError> {
        self.items.push(item);
        Ok(match self.stop_after {
            Some(max) if self.items.len() >= max => SinkControl::Stop,
            _ => SinkControl::Continue,
        })
    }

    async fn push_failed(&mut self, failed: FailedItem) -> Result<SinkControl, HarvestError> {
        self.failed.push(failed);
        Ok(SinkControl::Continue)
    }
}

/// List `source` with `backend` through the listing driver into `sink`: the report, or the
/// error that cut the listing short.
pub async fn list_into(
    backend: &dyn Harvester,
    source: &HarvestSource,
    fetcher: &Fetcher,
    limits: GatherLimits,
    sink: &mut VecSink,
) -> Result<GatherReport, HarvestError> {
    let ctx = GatherContext {
        source,
        fetcher,
        limits,
        conditional: false,
        pages: None,
    };
    let listed = backends::list(backend, &ctx, sink).await;
    match listed.error {
        Some(e) => Err(e),
        None => Ok(listed.report),
    }
}

/// [`list_into`] a fresh sink with at most `max_pages` pages (0: unlimited) and no item cap.
pub async fn list(
    backend: &dyn Harvester,
    source: &HarvestSource,
    fetcher: &Fetcher,
    max_pages: usize,
) -> (Result<GatherReport, HarvestError>, VecSink) {
    let mut sink = VecSink::default();
    let limits = GatherLimits {
        max_pages,
        max_items: 0,
    };
    let report = list_into(backend, source, fetcher, limits, &mut sink).await;
    (report, sink)
}

/// Serve `app` on a loopback port; its base URL (`http://127.0.0.1:<port>`).
pub async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    format!("http://{addr}")
}

/// The item context of `source` (mapping at [`now`], nothing remembered, no conditional
/// requests).
pub fn item_context<'a>(source: &'a HarvestSource, fetcher: &'a Fetcher) -> ItemContext<'a> {
    ItemContext {
        source,
        fetcher,
        map: map_context(source),
        previous: None,
        conditional: false,
    }
}
