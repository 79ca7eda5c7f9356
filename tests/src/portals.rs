//! Local stand-ins for the remote portals' APIs, answering with the project's fixtures
//! (tests/fixtures): a CKAN/DKAN action API, an OpenDataSoft catalog API and GeoNetwork CSW
//! endpoints (DCAT and ISO 19139 records, GET and POST). One router per kind of portal, shared by every test that needs one.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

/// The project's fixture file `tests/fixtures/{path}`.
pub fn fixture_text(path: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(path);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("fixture {}: {e}", p.display()))
}

/// The project's JSON fixture `tests/fixtures/{path}`.
pub fn fixture(path: &str) -> Value {
    serde_json::from_str(&fixture_text(path)).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

/// A CKAN-like action API over fixture files: package_list, package_search, package_show by
/// name or id (unknown → CKAN's not-found answer). `fq` records the filter queries it received.
#[derive(Clone)]
pub struct ActionApi {
    list: Value,
    search: Option<Value>,
    shows: HashMap<String, Value>,
    pub fq: Arc<Mutex<Vec<String>>>,
}

impl ActionApi {
    /// The portal of fixture folder `dir` (`ckan`, `dkan`), showing the packages of `shows`,
    /// with `package_search` answered from `package_search.json` when `search` is set.
    pub fn new(dir: &str, shows: &[&str], search: bool) -> Self {
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

    pub fn router(self) -> Router {
        async fn action(
            State(api): State<ActionApi>,
            uri: Uri,
            Query(q): Query<HashMap<String, String>>,
        ) -> Response {
            match uri.path() {
                "/api/3/action/package_list" => Json(api.list.clone()).into_response(),
                "/api/3/action/package_search" => {
                    if let Ok(mut fq) = api.fq.lock() {
                        fq.push(q.get("fq").cloned().unwrap_or_default());
                    }
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

/// An OpenDataSoft Explore API v2.1 catalog of the 5 fixture datasets (pages at offsets 0 and 3).
pub fn ods_catalog() -> Router {
    async fn catalog(Query(q): Query<HashMap<String, String>>) -> Response {
        let offset: usize = q.get("offset").and_then(|s| s.parse().ok()).unwrap_or(0);
        Json(match offset {
            0 => fixture("ods/catalog_page1.json"),
            3 => fixture("ods/catalog_page2.json"),
            _ => json!({ "total_count": 5, "results": [] }),
        })
        .into_response()
    }
    Router::new().route("/api/explore/v2.1/catalog/datasets", get(catalog))
}

/// A GeoNetwork CSW endpoint at `path` answering GetRecords with `pages`, keyed by the
/// `startPosition` each page answers (`"1"`, `"3"`…), asked by GET (key-value parameters) or by
/// POST (the `startPosition` attribute of the XML request); any other position gets a CSW
/// exception.
pub fn csw(path: &str, pages: &[(&str, &str)]) -> Router {
    let pages: Arc<HashMap<String, String>> = Arc::new(
        pages
            .iter()
            .map(|(start, file)| (start.to_string(), fixture_text(file)))
            .collect(),
    );
    let answer = |pages: &HashMap<String, String>, start: &str| match pages.get(start) {
        Some(body) => ([(header::CONTENT_TYPE, "application/xml")], body.clone()).into_response(),
        None => (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "application/xml")],
            fixture_text("dcat/csw-exception.xml"),
        )
            .into_response(),
    };
    let by_post = pages.clone();
    Router::new().route(
        path,
        get(move |Query(q): Query<HashMap<String, String>>| async move {
            let start = q
                .get("startPosition")
                .cloned()
                .unwrap_or_else(|| "1".into());
            answer(&pages, &start)
        })
        .post(move |body: String| async move { answer(&by_post, &post_start_position(&body)) }),
    )
}

/// The `startPosition` attribute of a POSTed CSW `GetRecords` (1 when absent).
fn post_start_position(body: &str) -> String {
    body.find("startPosition=\"")
        .map(|i| &body[i + "startPosition=\"".len()..])
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("1")
        .to_owned()
}

/// CSW endpoints serving the ISO 19139 fixtures of tests/fixtures/csw-iso: Geo2France's
/// GeoNetwork result set paged by `startPosition` (1, 3, 5) at `/iso/srv/fre/csw`, and one
/// endpoint per single-page fixture: `/iso-geoide/…` (several online resources),
/// `/iso-geoplateforme/…` (a series of 70 service distributions), `/iso-locality/…` (only a
/// bounding box and free-text constraints), `/iso-failures/…` (records without title or
/// identifier, a service record).
pub fn iso_csw() -> Router {
    csw(
        "/iso/srv/fre/csw",
        &[
            ("1", "csw-iso/geonetwork-page-1.xml"),
            ("3", "csw-iso/geonetwork-page-3.xml"),
            ("5", "csw-iso/geonetwork-page-5.xml"),
        ],
    )
    .merge(csw(
        "/iso-geoide/srv/fre/csw",
        &[("1", "csw-iso/geoide-single-dataset.xml")],
    ))
    .merge(csw(
        "/iso-geoplateforme/srv/fre/csw",
        &[("1", "csw-iso/geoplateforme-IGNF_RPG.xml")],
    ))
    .merge(csw(
        "/iso-locality/srv/fre/csw",
        &[("1", "csw-iso/locality-polygons-bbox-only.xml")],
    ))
    .merge(csw(
        "/iso-failures/srv/fre/csw",
        &[("1", "csw-iso/failures.xml")],
    ))
}

/// GeoNetwork CSW endpoints over tests/fixtures/dcat/csw-geonetwork, paged by `startPosition`:
/// DCAT output at `/dcat/srv/fre/csw`, GeoDCAT-AP output at `/geodcat/srv/fre/csw`.
pub fn geonetwork_csw() -> Router {
    csw(
        "/dcat/srv/fre/csw",
        &[
            ("1", "dcat/csw-geonetwork/dcat-1.xml"),
            ("4", "dcat/csw-geonetwork/dcat-2.xml"),
        ],
    )
    .merge(csw(
        "/geodcat/srv/fre/csw",
        &[
            ("1", "dcat/csw-geonetwork/geodcat-1.xml"),
            ("3", "dcat/csw-geonetwork/geodcat-2.xml"),
        ],
    ))
}

/// A catalog paged by `?page=N` at `path`: page N is the fixture `{prefix}{N}{suffix}` (page 1
/// without a query), as Hydra catalogs whose next-page links are relative (`<?page=2>`).
pub fn paged_catalog(path: &str, prefix: &str, suffix: &str) -> Router {
    let (prefix, suffix) = (prefix.to_owned(), suffix.to_owned());
    let content_type = crate::catalog_server::content_type(&suffix);
    Router::new().route(
        path,
        get(move |Query(q): Query<HashMap<String, String>>| async move {
            let page = q.get("page").cloned().unwrap_or_else(|| "1".into());
            let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures")
                .join(format!("{prefix}{page}{suffix}"));
            match std::fs::read_to_string(file) {
                Ok(body) => ([(header::CONTENT_TYPE, content_type)], body).into_response(),
                Err(_) => StatusCode::NOT_FOUND.into_response(),
            }
        }),
    )
}
