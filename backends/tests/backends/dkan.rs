//! The DKAN backend against a local DKAN-like server: `package_list`, `package_show` answering a
//! one-element list with Drupal dates, filters left to the pipeline (DKAN's API cannot filter), errors.

use axum::Router;
use backends::ckan_api::content_hash;
use backends::dkan::DkanBackend;
use backends::error::HarvestError;
use backends::fetch::Fetcher;
use backends::harvester::{Harvester, ItemOutcome};
use chrono::{TimeZone, Utc};
use common::model::{Filter, FilterKind, HarvestSource, Payload};
use serde_json::json;

use crate::kit::ckan::{Canned, FakeCkan, ItemFault};
use crate::kit::{fetcher, fixture_json as fixture, item_context, list};

/// A DKAN portal at `/dkan` over the two fixture packages; `empty` answers an empty list, and an
/// unknown package Drupal's HTML 404 page. Its base URL.
async fn serve() -> String {
    let portal = FakeCkan::from_fixtures("dkan", &["package_show_fr.json", "package_show_en.json"])
        .item_fault(
            "empty",
            ItemFault::Answer(Canned::json(200, &json!({"success": true, "result": []}))),
        )
        .unknown(Canned::new(
            404,
            Some("text/html"),
            "<html><body>Page not found</body></html>",
        ));
    crate::kit::serve(Router::new().nest("/dkan", portal.router())).await
}

fn source(url: &str) -> HarvestSource {
    crate::kit::source(url, "dkan")
}

async fn process(src: &HarvestSource, f: &Fetcher, id: &str) -> Result<ItemOutcome, HarvestError> {
    DkanBackend
        .process(&item_context(src, f), id, &Payload::Fetch)
        .await
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
    let (report, sink) = list(&DkanBackend, &src, &fetcher(), 10).await;
    let report = report.expect("gather");
    assert!(report.complete);
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("DKAN cannot filter")),
        "{:?}",
        report.notes
    );
    let ids: Vec<&str> = sink.items.iter().map(|i| i.remote_id.as_str()).collect();
    assert_eq!(ids, vec!["points-de-collecte-du-verre", "city-budget-2016"]);
    assert!(sink.items.iter().all(|i| i.payload == Payload::Fetch));
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
