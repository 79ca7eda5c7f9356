//! The CKAN backend against a local CKAN-like server: listing with `package_list`, paged
//! `package_search` with the filters' `fq`, `package_show` with conditional requests, the skip
//! outcomes, and every kind of remote failure (`success: false`, 5xx, HTML, non-JSON, timeout).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::Response;
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

use crate::support::{
    fetcher_with_timeout as fetcher, fixture_json as fixture, item_context, list_into, VecSink,
};

const ETAG: &str = "\"pkg-v1\"";

/// A package_show request: the id asked for and the If-None-Match sent, if any.
type ShowRequest = (String, Option<String>);

/// What the server saw.
#[derive(Clone, Default)]
struct Seen {
    searches: Arc<Mutex<Vec<HashMap<String, String>>>>,
    shows: Arc<Mutex<Vec<ShowRequest>>>,
}

#[derive(Clone)]
struct Server {
    seen: Seen,
    /// Packages `package_search` pretends to hold.
    total: usize,
}

fn json_response(status: StatusCode, body: Value) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json;charset=utf-8")
        .body(Body::from(body.to_string()))
        .expect("response")
}

fn search_page(total: usize, start: usize, rows: usize) -> Value {
    let template = fixture("ckan/package_show_full.json")["result"].clone();
    let results: Vec<Value> = (start..total.min(start + rows))
        .map(|i| {
            let mut p = template.clone();
            p["id"] = json!(format!("00000000-0000-4000-8000-{i:012}"));
            p["name"] = json!(format!("jeu-{i:05}"));
            p
        })
        .collect();
    json!({"success": true, "result": {"count": total, "results": results}})
}

async fn api(State(server): State<Server>, uri: Uri, headers: HeaderMap) -> Response {
    let params: HashMap<String, String> =
        url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let path = uri.path();
    let (prefix, action) = path.split_once("/api/3/action/").unwrap_or((path, ""));
    match prefix {
        "/broken" => {
            return Response::builder()
                .status(StatusCode::INTERNAL_SERVER_ERROR)
                .body(Body::from("Internal Server Error"))
                .expect("response")
        }
        "/html" => {
            return Response::builder()
                .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
                .body(Body::from(
                    "<!DOCTYPE html><html><body>Portail</body></html>",
                ))
                .expect("response")
        }
        "/garbage" => {
            return Response::builder()
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{\"success\": true, \"result\": [\"a\""))
                .expect("response")
        }
        "/denied" => {
            return json_response(
                StatusCode::OK,
                json!({"success": false, "error": {"__type": "Authorization Error", "message": "Access denied"}}),
            )
        }
        "/slow" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            return json_response(StatusCode::OK, fixture("ckan/package_list.json"));
        }
        _ => {}
    }
    match action {
        "package_list" => json_response(StatusCode::OK, fixture("ckan/package_list.json")),
        "package_search" => {
            server.seen.searches.lock().unwrap().push(params.clone());
            let start: usize = params
                .get("start")
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let rows: usize = params
                .get("rows")
                .and_then(|s| s.parse().ok())
                .unwrap_or(10);
            match prefix {
                // Ignores `start`: always the first page.
                "/loop" => json_response(StatusCode::OK, search_page(server.total, 0, rows)),
                // Answers an empty page after the first one.
                "/truncated" if start > 0 => json_response(
                    StatusCode::OK,
                    json!({"success": true, "result": {"count": server.total, "results": []}}),
                ),
                _ => json_response(StatusCode::OK, search_page(server.total, start, rows)),
            }
        }
        "package_show" => {
            let id = params.get("id").cloned().unwrap_or_default();
            let inm = headers
                .get(header::IF_NONE_MATCH)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            server
                .seen
                .shows
                .lock()
                .unwrap()
                .push((id.clone(), inm.clone()));
            let file = match id.as_str() {
                "stations-velos-libre-service" => "ckan/package_show_full.json",
                "budget-primitif-2023" => "ckan/package_show_quirks.json",
                "donnees-internes" => "ckan/package_show_private.json",
                "ancien-jeu" => "ckan/package_show_deleted.json",
                "jeu-sans-ressource" => "ckan/package_show_no_resources.json",
                "gone" => {
                    return json_response(
                        StatusCode::NOT_FOUND,
                        fixture("ckan/package_show_not_found.json"),
                    )
                }
                // Older CKANs answer 200 with `success: false`.
                _ => {
                    return json_response(
                        StatusCode::OK,
                        fixture("ckan/package_show_not_found.json"),
                    )
                }
            };
            if inm.as_deref() == Some(ETAG) {
                return Response::builder()
                    .status(StatusCode::NOT_MODIFIED)
                    .header(header::ETAG, ETAG)
                    .body(Body::empty())
                    .expect("response");
            }
            let mut response = json_response(StatusCode::OK, fixture(file));
            response
                .headers_mut()
                .insert(header::ETAG, header::HeaderValue::from_static(ETAG));
            response
        }
        _ => json_response(
            StatusCode::NOT_FOUND,
            json!({"success": false, "error": {"__type": "Not Found Error", "message": "Unknown action"}}),
        ),
    }
}

/// Start a server; returns its base URL and what it records.
async fn serve(total: usize) -> (String, Seen) {
    let seen = Seen::default();
    let app = Router::new().fallback(api).with_state(Server {
        seen: seen.clone(),
        total,
    });
    (crate::support::serve(app).await, seen)
}

fn source(url: &str, filters: Vec<Filter>) -> HarvestSource {
    let mut s = crate::support::source(url, "ckan");
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
    assert!(seen.searches.lock().unwrap().is_empty());
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

    let searches = seen.searches.lock().unwrap().clone();
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
    assert!(seen.shows.lock().unwrap().is_empty());
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
    assert_eq!(seen.searches.lock().unwrap().len(), 2);
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
    assert_eq!(seen.searches.lock().unwrap().len(), 2);

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
        seen.shows.lock().unwrap().clone(),
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
    let shows = seen.shows.lock().unwrap().clone();
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
