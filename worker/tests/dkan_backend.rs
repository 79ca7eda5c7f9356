//! The DKAN backend against a local DKAN-like server: `package_list`, `package_show` answering a
//! one-element list with Drupal dates, filters left to the pipeline (DKAN's API cannot filter), errors.

use std::path::Path;

use async_trait::async_trait;
use axum::body::Body;
use axum::http::{header, StatusCode, Uri};
use axum::response::Response;
use axum::Router;
use bson::oid::ObjectId;
use chrono::{TimeZone, Utc};
use common::model::{Filter, FilterKind, HarvestSource, Payload};
use common::settings::HttpSettings;
use serde_json::{json, Value};
use worker::backends::ckan_api::content_hash;
use worker::backends::dkan::DkanBackend;
use worker::error::HarvestError;
use worker::fetch::Fetcher;
use worker::harvester::{
    GatherContext, GatherLimits, Harvester, ItemContext, ItemOutcome, ItemSink, RemoteItem,
    SinkControl,
};
use worker::mapping::{LicenseGuesser, MapContext};

fn fixture(path: &str) -> Value {
    let full = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(path);
    serde_json::from_str(&std::fs::read_to_string(&full).expect("fixture")).expect("json")
}

async fn api(uri: Uri) -> Response {
    let query = uri.query().unwrap_or("");
    let body = match uri.path() {
        "/dkan/api/3/action/package_list" => fixture("dkan/package_list.json"),
        "/dkan/api/3/action/package_show" if query == "id=points-de-collecte-du-verre" => {
            fixture("dkan/package_show_fr.json")
        }
        "/dkan/api/3/action/package_show" if query == "id=city-budget-2016" => {
            fixture("dkan/package_show_en.json")
        }
        "/dkan/api/3/action/package_show" if query == "id=empty" => {
            json!({"success": true, "result": []})
        }
        _ => {
            return Response::builder()
                .status(StatusCode::NOT_FOUND)
                .header(header::CONTENT_TYPE, "text/html")
                .body(Body::from("<html><body>Page not found</body></html>"))
                .expect("response")
        }
    };
    Response::builder()
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("response")
}

async fn serve() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        axum::serve(listener, Router::new().fallback(api))
            .await
            .expect("serve");
    });
    format!("http://{addr}")
}

fn source(url: &str) -> HarvestSource {
    bson::from_document(bson::doc! {
        "_id": ObjectId::new(),
        "name": "DKAN test",
        "slug": "dkan-test",
        "url": url,
        "backend": "dkan",
        "created_at": bson::DateTime::now(),
    })
    .expect("source")
}

fn fetcher() -> Fetcher {
    Fetcher::new(&HttpSettings {
        allow_private: true,
        request_timeout_secs: 10,
        ..Default::default()
    })
    .expect("fetcher")
}

struct VecSink(Vec<RemoteItem>);

#[async_trait]
impl ItemSink for VecSink {
    async fn push(&mut self, item: RemoteItem) -> Result<SinkControl, HarvestError> {
        self.0.push(item);
        Ok(SinkControl::Continue)
    }
}

async fn process(src: &HarvestSource, f: &Fetcher, id: &str) -> Result<ItemOutcome, HarvestError> {
    let licenses = LicenseGuesser::builtin();
    let ctx = ItemContext {
        source: src,
        fetcher: f,
        map: MapContext {
            source: src,
            licenses: &licenses,
            now: Utc::now(),
        },
        previous: None,
        conditional: false,
    };
    DkanBackend.process(&ctx, id, &Payload::Fetch).await
}

#[tokio::test]
async fn identity() {
    assert_eq!(DkanBackend.name(), "dkan");
    assert_eq!(DkanBackend.label(), "DKAN");
    assert!(DkanBackend.filter_keys().is_empty());
}

#[tokio::test]
async fn gather_uses_package_list_whatever_the_filters() {
    let base = serve().await;
    let mut src = source(&format!("{base}/dkan"));
    src.config.filters = vec![Filter {
        key: "tags".into(),
        value: json!("x"),
        kind: FilterKind::Include,
    }];
    let f = fetcher();
    let ctx = GatherContext {
        source: &src,
        fetcher: &f,
        limits: GatherLimits {
            max_pages: 10,
            max_items: 0,
        },
        conditional: false,
        pages: None,
    };
    let mut sink = VecSink(Vec::new());
    let report = DkanBackend.gather(&ctx, &mut sink).await.expect("gather");
    assert!(report.complete);
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("DKAN cannot filter")),
        "{:?}",
        report.notes
    );
    let ids: Vec<&str> = sink.0.iter().map(|i| i.remote_id.as_str()).collect();
    assert_eq!(ids, vec!["points-de-collecte-du-verre", "city-budget-2016"]);
    assert!(sink.0.iter().all(|i| i.payload == Payload::Fetch));
}

#[tokio::test]
async fn package_show_list_is_unwrapped_and_mapped() {
    let base = serve().await;
    let src = source(&format!("{base}/dkan"));
    let f = fetcher();

    let outcome = process(&src, &f, "points-de-collecte-du-verre")
        .await
        .expect("process");
    let ItemOutcome::Mapped {
        mapped,
        content_hash: hash,
        ..
    } = outcome
    else {
        panic!("mapped expected, got {outcome:?}");
    };
    let d = &mapped.dataset;
    let h = d.harvest.as_ref().unwrap();
    assert_eq!(h.backend.as_deref(), Some("dkan"));
    assert_eq!(
        h.remote_id.as_deref(),
        Some("7a1c9e2b-3d4f-4a5b-8c6d-9e0f1a2b3c4d")
    );
    assert_eq!(
        h.created_at,
        Some(bson::DateTime::from_chrono(
            Utc.with_ymd_and_hms(2019, 12, 10, 9, 23, 0).unwrap()
        ))
    );
    assert_eq!(d.resources.len(), 2);
    assert_eq!(d.resources[0].filesize, Some(42));
    let pkg = fixture("dkan/package_show_fr.json")["result"][0].clone();
    assert_eq!(hash, content_hash(&pkg));
    // DKAN's revision_timestamp moves on every cron run: not part of the hash.
    let mut touched = pkg.clone();
    touched["revision_timestamp"] = json!("sam, 13/01/2024 - 03:00");
    assert_eq!(content_hash(&touched), hash);

    let outcome = process(&src, &f, "city-budget-2016")
        .await
        .expect("process");
    let ItemOutcome::Mapped { mapped, .. } = outcome else {
        panic!("mapped expected");
    };
    assert_eq!(mapped.dataset.license.as_deref(), Some("cc-by"));
}

#[tokio::test]
async fn errors() {
    let base = serve().await;
    let src = source(&format!("{base}/dkan"));
    let f = fetcher();
    // An empty list is not a package.
    let err = process(&src, &f, "empty").await.expect_err("empty");
    assert!(matches!(err, HarvestError::Parse { .. }), "{err:?}");
    assert!(err.to_string().contains("package_show?id=empty"), "{err}");
    // A Drupal 404 page.
    let err = process(&src, &f, "nope").await.expect_err("404");
    assert!(err.to_string().contains("404"), "{err}");
}
