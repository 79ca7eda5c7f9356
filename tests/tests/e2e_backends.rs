//! CKAN, DKAN and OpenDataSoft harvested end to end — gather, RabbitMQ, item workers, MongoDB,
//! finalize — from local servers answering the portals' APIs with the project's fixtures
//! (tests/fixtures/{ckan,dkan,ods}). The backends' own tests assert every row of the spec's
//! mapping tables; these check that the mapped values are what lands in the `dataset` collection,
//! and that skips, filters and the job report work across process boundaries.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use bson::{doc, Document};
use common::model::{Filter, FilterKind, JobStatus, SourceConfig};
use e2e::catalog_server::{start, ServerOptions};
use e2e::env::TestEnv;
use serde_json::{json, Value};

const T: Duration = Duration::from_secs(120);

fn fixture(path: &str) -> Value {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(path);
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()
}

/// A CKAN-like action API over fixture files: package_list, package_search, package_show by
/// name or id (unknown → CKAN's not-found answer).
#[derive(Clone)]
struct ActionApi {
    list: Value,
    search: Option<Value>,
    shows: HashMap<String, Value>,
    fq: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl ActionApi {
    fn new(dir: &str, shows: &[&str], search: bool) -> Self {
        let mut map = HashMap::new();
        for f in shows {
            let v = fixture(&format!("{dir}/{f}"));
            let r = match &v["result"] {
                Value::Array(a) => a.first().cloned().unwrap_or(Value::Null),
                other => other.clone(),
            };
            for key in ["name", "id"] {
                if let Some(k) = r[key].as_str() {
                    map.insert(k.to_owned(), v.clone());
                }
            }
        }
        Self {
            list: fixture(&format!("{dir}/package_list.json")),
            search: search.then(|| fixture(&format!("{dir}/package_search.json"))),
            shows: map,
            fq: Default::default(),
        }
    }

    fn router(self) -> Router {
        async fn action(
            State(api): State<ActionApi>,
            uri: Uri,
            Query(q): Query<HashMap<String, String>>,
        ) -> Response {
            match uri.path() {
                "/api/3/action/package_list" => Json(api.list.clone()).into_response(),
                "/api/3/action/package_search" => {
                    api.fq
                        .lock()
                        .unwrap()
                        .push(q.get("fq").cloned().unwrap_or_default());
                    let start: usize = q.get("start").and_then(|s| s.parse().ok()).unwrap_or(0);
                    match (&api.search, start) {
                        (Some(s), 0) => Json(s.clone()).into_response(),
                        (Some(s), _) => {
                            let count = s["result"]["count"].clone();
                            Json(json!({ "success": true, "result": { "count": count, "results": [] } })).into_response()
                        }
                        (None, _) => StatusCode::NOT_FOUND.into_response(),
                    }
                }
                "/api/3/action/package_show" => {
                    let id = q.get("id").cloned().unwrap_or_default();
                    match api.shows.get(&id) {
                        Some(v) => Json(v.clone()).into_response(),
                        None => (
                            StatusCode::NOT_FOUND,
                            Json(json!({ "success": false, "error": { "__type": "Not Found Error", "message": "Not found" } })),
                        )
                            .into_response(),
                    }
                }
                _ => StatusCode::NOT_FOUND.into_response(),
            }
        }
        Router::new()
            .route("/api/3/action/{name}", get(action))
            .with_state(self)
    }
}

async fn dataset(env: &TestEnv, remote_id: &str) -> Document {
    env.store
        .raw("dataset")
        .find_one(doc! { "harvest.remote_id": remote_id })
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no dataset {remote_id}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ckan_portal_end_to_end() {
    let api = ActionApi::new(
        "ckan",
        &[
            "package_show_full.json",
            "package_show_quirks.json",
            "package_show_private.json",
            "package_show_deleted.json",
            "package_show_no_resources.json",
        ],
        true,
    );
    let server = start(ServerOptions::default(), 0, api.clone().router())
        .await
        .unwrap();
    let mut env = TestEnv::new("ckan").await;
    env.start_worker();
    let source = env
        .source(&server.base(), "ckan", SourceConfig::default())
        .await;
    let job = env.harvest(&source, T).await;
    assert!(
        matches!(job.status, JobStatus::Done | JobStatus::DoneErrors),
        "{:?}",
        job.errors
    );
    let c = job.counters;
    assert_eq!((c.created, c.skipped), (2, 3), "{c:?}");
    assert_eq!(c.created + c.updated + c.skipped + c.failed, c.total);

    let d = dataset(&env, "8b2e4c6a-1f3d-4e5a-9b7c-0d1e2f3a4b5c").await;
    assert_eq!(
        d.get_str("title").unwrap(),
        "Stations de vélos en libre-service"
    );
    assert_eq!(d.get_str("license").unwrap(), "odc-odbl");
    assert_eq!(d.get_str("frequency").unwrap(), "daily");
    let tags: Vec<&str> = d
        .get_array("tags")
        .unwrap()
        .iter()
        .filter_map(|t| t.as_str())
        .collect();
    assert!(
        tags.contains(&"velo") && tags.contains(&"transport"),
        "{tags:?}"
    );
    let h = d.get_document("harvest").unwrap();
    assert_eq!(h.get_str("backend").unwrap(), "ckan");
    assert_eq!(
        h.get_str("ckan_name").unwrap(),
        "stations-velos-libre-service"
    );
    // Spec table: remote_url is the package's `url` (kept in ckan_source when it is not a URL).
    assert_eq!(
        h.get_str("remote_url").unwrap(),
        "https://www.example.org/mobilite/velos"
    );
    assert!(h.get_datetime("created_at").is_ok() && h.get_datetime("modified_at").is_ok());
    assert_eq!(
        d.get_document("spatial")
            .unwrap()
            .get_document("geom")
            .unwrap()
            .get_str("type")
            .unwrap(),
        "MultiPolygon"
    );
    assert!(d
        .get_document("temporal_coverage")
        .unwrap()
        .get_datetime("start")
        .is_ok());
    let resources = d.get_array("resources").unwrap();
    assert_eq!(resources.len(), 3);
    assert!(resources.iter().all(|r| r
        .as_document()
        .unwrap()
        .get_str("url")
        .unwrap()
        .starts_with("http")));

    // Skips carry their reason in the report.
    let skipped = env
        .store
        .job_items(job.id, Some("skipped"), 0, 10)
        .await
        .unwrap();
    let reasons: Vec<_> = skipped.iter().map(|i| i.skip_reason).collect();
    use common::model::SkipReason::*;
    assert!(
        reasons.contains(&Some(NotPublic)) && reasons.contains(&Some(NoResources)),
        "{reasons:?}"
    );

    // Filters: the listing goes through package_search with the filters in `fq`.
    let filtered = env
        .source(
            &server.base(),
            "ckan",
            SourceConfig {
                filters: vec![
                    Filter {
                        key: "organization".into(),
                        value: json!("ville-exemple"),
                        kind: FilterKind::Include,
                    },
                    Filter {
                        key: "tags".into(),
                        value: json!("budget"),
                        kind: FilterKind::Exclude,
                    },
                ],
                ..Default::default()
            },
        )
        .await;
    let job = env.harvest(&filtered, T).await;
    assert_ne!(job.status, JobStatus::Failed, "{:?}", job.errors);
    let fq = api.fq.lock().unwrap().clone();
    assert!(
        fq.iter()
            .any(|f| f.contains("organization:ville-exemple") && f.contains("-tags:budget")),
        "{fq:?}"
    );
    env.stop_workers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dkan_portal_end_to_end() {
    let api = ActionApi::new(
        "dkan",
        &["package_show_fr.json", "package_show_en.json"],
        false,
    );
    let server = start(ServerOptions::default(), 0, api.router())
        .await
        .unwrap();
    let mut env = TestEnv::new("dkan").await;
    env.start_worker();
    let source = env
        .source(&server.base(), "dkan", SourceConfig::default())
        .await;
    let job = env.harvest(&source, T).await;
    assert_eq!(job.status, JobStatus::Done, "{:?}", job.errors);
    assert_eq!(job.counters.created, 2, "{:?}", job.counters);
    let stored = env
        .store
        .raw("dataset")
        .count_documents(doc! { "harvest.backend": "dkan" })
        .await
        .unwrap();
    assert_eq!(stored, 2);
    let d = env
        .store
        .raw("dataset")
        .find_one(doc! { "harvest.ckan_name": "city-budget-2016" })
        .await
        .unwrap()
        .unwrap();
    assert!(!d.get_str("title").unwrap().is_empty());
    assert!(!d.get_array("resources").unwrap().is_empty());
    env.stop_workers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn opendatasoft_portal_end_to_end() {
    async fn catalog(Query(q): Query<HashMap<String, String>>) -> Response {
        let offset: usize = q.get("offset").and_then(|s| s.parse().ok()).unwrap_or(0);
        Json(match offset {
            0 => fixture("ods/catalog_page1.json"),
            3 => fixture("ods/catalog_page2.json"),
            _ => json!({ "total_count": 5, "results": [] }),
        })
        .into_response()
    }
    let routes = Router::new().route("/api/explore/v2.1/catalog/datasets", get(catalog));
    let server = start(ServerOptions::default(), 0, routes).await.unwrap();
    let mut env = TestEnv::new("ods").await;
    env.start_worker();
    let source = env
        .source(&server.base(), "ods", SourceConfig::default())
        .await;
    let job = env.harvest(&source, T).await;
    assert!(
        matches!(job.status, JobStatus::Done | JobStatus::DoneErrors),
        "{:?}",
        job.errors
    );
    assert_eq!(job.counters.total, 5);
    // The INSPIRE dataset is skipped by default, the one without data or attachments too.
    assert!(job.counters.skipped >= 1, "{:?}", job.counters);
    let d = dataset(&env, "stations-velos-libre-service").await;
    let h = d.get_document("harvest").unwrap();
    assert_eq!(h.get_str("backend").unwrap(), "ods");
    assert_eq!(
        h.get_str("remote_url").unwrap(),
        format!(
            "{}/explore/dataset/stations-velos-libre-service/",
            server.base()
        )
    );
    let formats: Vec<&str> = d
        .get_array("resources")
        .unwrap()
        .iter()
        .filter_map(|r| r.as_document().and_then(|r| r.get_str("format").ok()))
        .collect();
    assert!(
        formats.contains(&"csv") && formats.contains(&"json"),
        "{formats:?}"
    );
    assert!(d.get_document("extras").unwrap().contains_key("ods:url"));
    env.stop_workers().await;
}
