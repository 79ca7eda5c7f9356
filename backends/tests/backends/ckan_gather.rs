//! The CKAN backend against a local CKAN-like server: listing with `package_list`, paged
//! `package_search` with the filters' `fq`, `package_show` with conditional requests, the skip
//! outcomes, and every kind of remote failure (`success: false`, 5xx, HTML, non-JSON, timeout).

use std::time::Duration;

use axum::Router;
use backends::ckan::CkanBackend;
use backends::ckan_api::content_hash;
use backends::error::HarvestError;
use backends::fetch::{FetchError, Fetcher};
use backends::harvester::{
    GatherLimits, GatherReport, Harvester, ItemContext, ItemOutcome, RemoteItem,
};
use common::model::{Filter, FilterKind, HarvestRecord, HarvestSource, Payload, SkipReason};
use serde_json::{json, Value};

use crate::kit::ckan::{failure, Canned, FakeCkan, ItemFault, Paging, Seen};
use crate::kit::{
    fetcher_with_timeout as fetcher, fixture_json as fixture, item_context, list_into, VecSink,
};

const ETAG: &str = "\"pkg-v1\"";

/// `total` packages made from the full fixture package (ids `00000000-0000-4000-8000-…`, names
/// `jeu-00000`…), in name order.
fn generated(total: usize) -> Vec<Value> {
    let template = fixture("ckan/package_show_full.json")["result"].clone();
    (0..total)
        .map(|i| {
            let mut p = template.clone();
            p["id"] = json!(format!("00000000-0000-4000-8000-{i:012}"));
            p["name"] = json!(format!("jeu-{i:05}"));
            p
        })
        .collect()
}

/// The portal: the fixture packages shown by name with an ETag (`gone` answers 404, any other
/// unknown package 200 with `success: false`, as older CKANs do), listed by the fixture
/// `package_list` (a repeated name and an empty one), and `total` generated packages found by
/// `package_search`.
fn portal(total: usize) -> FakeCkan {
    let not_found = fixture("ckan/package_show_not_found.json");
    FakeCkan::from_fixtures(
        "ckan",
        &[
            "package_show_full.json",
            "package_show_quirks.json",
            "package_show_private.json",
            "package_show_deleted.json",
            "package_show_no_resources.json",
        ],
    )
    .searching(generated(total))
    .etag(ETAG)
    .item_fault("gone", ItemFault::Answer(Canned::json(404, &not_found)))
    .unknown(Canned::json(200, &not_found))
}

/// Start a server: the portal at `/ckan`, and misbehaving copies of it at `/loop` (ignores
/// `start`), `/truncated` (an empty page after the first), `/denied` (`success: false`),
/// `/broken` (HTTP 500), `/html` (a web page), `/garbage` (broken JSON) and `/slow` (3 s per
/// answer). Its base URL and what they were all asked.
async fn serve(total: usize) -> (String, Seen) {
    let portal = portal(total);
    let seen = portal.seen();
    let failing = |answer: Canned| portal.clone().failing(answer).router();
    let app = Router::new()
        .nest("/ckan", portal.router())
        .nest(
            "/loop",
            portal.clone().paging(Paging::IgnoresStart).router(),
        )
        .nest(
            "/truncated",
            portal.clone().paging(Paging::EmptyAfterFirst).router(),
        )
        .nest(
            "/denied",
            failing(Canned::json(
                200,
                &failure("Authorization Error", "Access denied"),
            )),
        )
        .nest(
            "/broken",
            failing(Canned::new(500, None, "Internal Server Error")),
        )
        .nest(
            "/html",
            failing(Canned::new(
                200,
                Some("text/html; charset=utf-8"),
                "<!DOCTYPE html><html><body>Portail</body></html>",
            )),
        )
        .nest(
            "/garbage",
            failing(Canned::new(
                200,
                Some("application/json"),
                "{\"success\": true, \"result\": [\"a\"",
            )),
        )
        .nest(
            "/slow",
            portal.clone().delay(Duration::from_secs(3)).router(),
        );
    (crate::kit::serve(app).await, seen)
}

fn source(url: &str, filters: Vec<Filter>) -> HarvestSource {
    let mut s = crate::kit::source(url, "ckan");
    s.config.filters = filters;
    s
}

async fn gather(
    source: &HarvestSource,
    fetcher: &Fetcher,
    max_pages: usize,
    max_items: Option<usize>,
) -> (Result<GatherReport, HarvestError>, Vec<RemoteItem>) {
    let limits = GatherLimits {
        max_pages,
        max_items: max_items.unwrap_or(0),
    };
    let mut sink = VecSink::default();
    let report = list_into(&CkanBackend, source, fetcher, limits, &mut sink).await;
    // A listed entry that cannot be identified is a failed item, shown here as an item whose
    // remote id says so.
    let mut items = sink.items;
    items.extend(sink.failed.into_iter().map(|f| RemoteItem {
        remote_id: format!("FAILED {}: {}", f.remote_id, f.reason),
        remote_url: None,
        payload: Payload::Fetch,
    }));
    (report, items)
}

async fn process(
    source: &HarvestSource,
    fetcher: &Fetcher,
    remote_id: &str,
    payload: &Payload,
    previous: Option<&HarvestRecord>,
    conditional: bool,
) -> Result<ItemOutcome, HarvestError> {
    let ctx = ItemContext {
        previous,
        conditional,
        ..item_context(source, fetcher)
    };
    CkanBackend.process(&ctx, remote_id, payload).await
}

fn filter(key: &str, value: &str, kind: FilterKind) -> Filter {
    Filter {
        key: key.into(),
        value: json!(value),
        kind,
    }
}

#[tokio::test]
async fn backend_identity() {
    assert_eq!(CkanBackend.name(), "ckan");
    assert_eq!(CkanBackend.label(), "CKAN");
    assert_eq!(CkanBackend.filter_keys(), &["organization", "tags"]);
}

#[tokio::test]
async fn package_list_lists_names_to_fetch() {
    let (base, seen) = serve(0).await;
    let src = source(&format!("{base}/ckan/"), vec![]);
    let (report, items) = gather(&src, &fetcher(10), 100, None).await;
    let report = report.expect("gather");
    assert!(report.complete);
    assert_eq!(report.pages, 1);
    // A repeated name and the empty name are failed items, with their reasons.
    let ids: Vec<&str> = items.iter().map(|i| i.remote_id.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            "stations-velos-libre-service",
            "budget-primitif-2023",
            "donnees-internes",
            "ancien-jeu",
            "jeu-sans-ressource",
            &format!(
                "FAILED budget-primitif-2023 (duplicate 2): duplicate remote id \"budget-primitif-2023\": \
                 already listed in this harvest, this repeat (on {base}/ckan/api/3/action/package_list) \
                 is not harvested"
            ),
            "FAILED package_list entry 6: package_list entry 6 is not a dataset name: \"\""
        ]
    );
    assert!(items.iter().all(|i| i.payload == Payload::Fetch));
    assert_eq!(
        items[0].remote_url.as_deref(),
        Some(format!("{base}/ckan/dataset/stations-velos-libre-service").as_str())
    );
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("package_list entry 6 is not a dataset name")),
        "{:?}",
        report.notes
    );
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("1 datasets were listed more than once")),
        "{:?}",
        report.notes
    );
    assert!(seen.searches().is_empty());
}

#[tokio::test]
async fn package_search_sends_fq_and_pages_by_start() {
    let (base, seen) = serve(2500).await;
    let src = source(
        &format!("{base}/ckan"),
        vec![
            filter("organization", "metropole-exemple", FilterKind::Include),
            filter("tags", "test", FilterKind::Exclude),
            filter("tags", "mobilité douce", FilterKind::Include),
        ],
    );
    let (report, items) = gather(&src, &fetcher(10), 100, None).await;
    let report = report.expect("gather");
    assert!(report.complete, "{report:?}");
    assert_eq!(report.pages, 3);
    assert_eq!(items.len(), 2500);

    let searches = seen.searches();
    assert_eq!(searches.len(), 3);
    for (page, params) in searches.iter().enumerate() {
        assert_eq!(
            params.get("fq").map(String::as_str),
            Some("organization:metropole-exemple AND -tags:test AND tags:\"mobilité douce\"")
        );
        assert_eq!(params.get("rows").map(String::as_str), Some("1000"));
        // A stable order, so a dataset modified while paging is neither missed nor repeated.
        assert_eq!(params.get("sort").map(String::as_str), Some("name asc"));
        assert_eq!(params.get("start"), Some(&(page * 1000).to_string()));
    }
    // package_search results are full packages: carried as JSON, keyed by package id.
    assert_eq!(items[0].remote_id, "00000000-0000-4000-8000-000000000000");
    assert_eq!(
        items[0].remote_url.as_deref(),
        Some(format!("{base}/ckan/dataset/jeu-00000").as_str())
    );
    let Payload::Json(text) = &items[2499].payload else {
        panic!("json payload expected");
    };
    let pkg: Value = serde_json::from_str(text).unwrap();
    assert_eq!(pkg["name"], "jeu-02499");
    assert!(seen.shows().is_empty());
}

#[tokio::test]
async fn search_page_count_is_bounded() {
    let (base, seen) = serve(5000).await;
    let src = source(
        &format!("{base}/ckan"),
        vec![filter("tags", "velo", FilterKind::Include)],
    );
    let (report, items) = gather(&src, &fetcher(10), 2, None).await;
    match report {
        Err(HarvestError::Limit(msg)) => assert!(msg.contains("more than 2 pages"), "{msg}"),
        other => panic!("expected the page limit, got {other:?}"),
    }
    assert_eq!(items.len(), 2000);
    assert_eq!(seen.searches().len(), 2);
}

#[tokio::test]
async fn sink_stop_ends_the_listing() {
    let (base, _) = serve(5000).await;
    let src = source(
        &format!("{base}/ckan"),
        vec![filter("organization", "x", FilterKind::Include)],
    );
    let (report, items) = gather(&src, &fetcher(10), 100, Some(10)).await;
    let report = report.expect("gather");
    assert!(!report.complete);
    assert_eq!(items.len(), 10);
    assert_eq!(report.pages, 1);
}

#[tokio::test]
async fn search_glitches_make_partial_listings() {
    // A server ignoring `start` repeats page 1: a paging loop, after the first page's items
    // (which the pipeline still harvests).
    let (base, seen) = serve(3000).await;
    let src = source(
        &format!("{base}/loop"),
        vec![filter("tags", "a", FilterKind::Include)],
    );
    let (report, items) = gather(&src, &fetcher(10), 100, None).await;
    match report {
        Err(HarvestError::Limit(msg)) => assert!(msg.contains("paging loop"), "{msg}"),
        other => panic!("expected a paging loop, got {other:?}"),
    }
    assert_eq!(items.len(), 1000);
    assert_eq!(seen.searches().len(), 2);

    // An empty page before `count` is reached: stopped, partial (no archiving after it).
    let (base, _) = serve(3000).await;
    let src = source(
        &format!("{base}/truncated"),
        vec![filter("tags", "a", FilterKind::Include)],
    );
    let (report, items) = gather(&src, &fetcher(10), 100, None).await;
    let report = report.expect("gather");
    assert!(!report.complete);
    assert_eq!(items.len(), 1000);
    assert!(
        report.notes.iter().any(|n| n.contains("empty page")),
        "{:?}",
        report.notes
    );

    // An empty catalog is a complete, empty listing.
    let (base, _) = serve(0).await;
    let src = source(
        &format!("{base}/ckan"),
        vec![filter("tags", "a", FilterKind::Include)],
    );
    let (report, items) = gather(&src, &fetcher(10), 100, None).await;
    assert!(report.expect("gather").complete);
    assert!(items.is_empty());
}

#[tokio::test]
async fn package_show_maps_with_validators_and_hash() {
    let (base, seen) = serve(0).await;
    let src = source(&format!("{base}/ckan"), vec![]);
    let f = fetcher(10);
    let outcome = process(
        &src,
        &f,
        "stations-velos-libre-service",
        &Payload::Fetch,
        None,
        true,
    )
    .await
    .expect("process");
    let ItemOutcome::Mapped {
        mapped,
        content_hash: hash,
        validators,
    } = outcome
    else {
        panic!("mapped expected, got {outcome:?}");
    };
    assert_eq!(mapped.dataset.title, "Stations de vélos en libre-service");
    assert_eq!(
        mapped
            .dataset
            .harvest
            .as_ref()
            .unwrap()
            .remote_id
            .as_deref(),
        Some("8b2e4c6a-1f3d-4e5a-9b7c-0d1e2f3a4b5c")
    );
    assert_eq!(validators.and_then(|v| v.etag).as_deref(), Some(ETAG));
    let pkg = fixture("ckan/package_show_full.json")["result"].clone();
    assert_eq!(hash, content_hash(&pkg));
    // Volatile counters do not change the hash.
    let mut bumped = pkg.clone();
    bumped["tracking_summary"] = json!({"recent": 99, "total": 99999});
    bumped["num_followers"] = json!(1000);
    assert_eq!(content_hash(&bumped), hash);
    assert_eq!(
        seen.shows(),
        vec![("stations-velos-libre-service".to_owned(), None)]
    );

    // The same package as a package_search payload: mapped without any request, same hash.
    let search = fixture("ckan/package_search.json");
    let payload = Payload::Json(search["result"]["results"][1].to_string());
    let dead = source("http://127.0.0.1:9/ckan", vec![]);
    let outcome = process(
        &dead,
        &f,
        "8b2e4c6a-1f3d-4e5a-9b7c-0d1e2f3a4b5c",
        &payload,
        None,
        true,
    )
    .await
    .expect("process json");
    let ItemOutcome::Mapped {
        content_hash: json_hash,
        validators,
        ..
    } = outcome
    else {
        panic!("mapped expected");
    };
    assert_eq!(json_hash, hash);
    assert_eq!(validators, None);
}

#[tokio::test]
async fn conditional_request_gives_not_modified() {
    let (base, seen) = serve(0).await;
    let src = source(&format!("{base}/ckan"), vec![]);
    let f = fetcher(10);
    let record: HarvestRecord = bson::from_document(bson::doc! {
        "source": src.id,
        "remote_id": "stations-velos-libre-service",
        "etag": ETAG,
        "first_seen": bson::DateTime::now(),
        "last_seen": bson::DateTime::now(),
    })
    .expect("record");
    let outcome = process(
        &src,
        &f,
        "stations-velos-libre-service",
        &Payload::Fetch,
        Some(&record),
        true,
    )
    .await
    .expect("process");
    match outcome {
        ItemOutcome::Skipped(SkipReason::NotModified, Some(why)) => {
            assert!(
                why.contains("package_show?id=stations-velos-libre-service"),
                "{why}"
            )
        }
        other => panic!("not modified expected, got {other:?}"),
    }
    // Without the conditional flag (full refresh) the validators are not sent.
    let outcome = process(
        &src,
        &f,
        "stations-velos-libre-service",
        &Payload::Fetch,
        Some(&record),
        false,
    )
    .await
    .expect("process");
    assert!(matches!(outcome, ItemOutcome::Mapped { .. }));
    let shows = seen.shows();
    assert_eq!(shows[0].1.as_deref(), Some(ETAG));
    assert_eq!(shows[1].1, None);
}

#[tokio::test]
async fn skipped_packages() {
    let (base, _) = serve(0).await;
    let src = source(&format!("{base}/ckan"), vec![]);
    let f = fetcher(10);
    for (id, reason) in [
        ("donnees-internes", SkipReason::NotPublic),
        ("ancien-jeu", SkipReason::NotPublic),
        ("jeu-sans-ressource", SkipReason::NoResources),
    ] {
        match process(&src, &f, id, &Payload::Fetch, None, false).await {
            Ok(ItemOutcome::Skipped(r, Some(why))) => {
                assert_eq!(r, reason, "{id}");
                assert!(!why.is_empty());
            }
            other => panic!("{id}: skip expected, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn remote_failures_are_typed_and_name_the_url() {
    let (base, _) = serve(0).await;
    let f = fetcher(10);

    // `success: false`: CKAN's own message.
    let (r, _) = gather(&source(&format!("{base}/denied"), vec![]), &f, 100, None).await;
    let err = r.expect_err("denied");
    assert!(matches!(err, HarvestError::Remote { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("Authorization Error: Access denied"), "{msg}");
    assert!(
        msg.contains(&format!("{base}/denied/api/3/action/package_list")),
        "{msg}"
    );
    assert!(!err.is_transient());

    // HTTP 500: a transient fetch error.
    let (r, _) = gather(&source(&format!("{base}/broken"), vec![]), &f, 100, None).await;
    let err = r.expect_err("500");
    assert!(
        matches!(
            &err,
            HarvestError::Fetch(FetchError::Status { status: 500, .. })
        ),
        "{err:?}"
    );
    assert!(err.is_transient());
    assert!(
        err.to_string()
            .contains("/broken/api/3/action/package_list"),
        "{err}"
    );

    // An HTML page where JSON was expected.
    let (r, _) = gather(&source(&format!("{base}/html"), vec![]), &f, 100, None).await;
    let err = r.expect_err("html");
    assert!(matches!(err, HarvestError::Remote { .. }), "{err:?}");
    assert!(err.to_string().contains("HTML"), "{err}");

    // Broken JSON.
    let (r, _) = gather(&source(&format!("{base}/garbage"), vec![]), &f, 100, None).await;
    let err = r.expect_err("garbage");
    assert!(matches!(err, HarvestError::Parse { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("/garbage/api/3/action/package_list"),
        "{err}"
    );

    // package_show of an unknown package: 200 + success: false, and 404.
    let src = source(&format!("{base}/ckan"), vec![]);
    let err = process(&src, &f, "missing", &Payload::Fetch, None, false)
        .await
        .expect_err("missing");
    assert!(
        err.to_string().contains("Not Found Error: Not found"),
        "{err}"
    );
    assert!(err.to_string().contains("package_show?id=missing"), "{err}");
    let err = process(&src, &f, "gone", &Payload::Fetch, None, false)
        .await
        .expect_err("gone");
    assert!(
        matches!(
            &err,
            HarvestError::Fetch(FetchError::Status { status: 404, .. })
        ),
        "{err:?}"
    );
    assert!(!err.is_transient());

    // A broken payload is a parse error naming the item.
    let err = process(&src, &f, "x", &Payload::Json("{".into()), None, false)
        .await
        .expect_err("payload");
    assert!(err.to_string().contains("item x"), "{err}");
}

#[tokio::test]
async fn slow_portal_times_out() {
    let (base, _) = serve(0).await;
    let (r, _) = gather(
        &source(&format!("{base}/slow"), vec![]),
        &fetcher(1),
        100,
        None,
    )
    .await;
    let err = r.expect_err("timeout");
    assert!(
        matches!(&err, HarvestError::Fetch(FetchError::Timeout { .. })),
        "{err:?}"
    );
    assert!(err.is_transient());
    assert!(
        err.to_string().contains("/slow/api/3/action/package_list"),
        "{err}"
    );
}
