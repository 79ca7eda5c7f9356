//! Local stand-ins for the remote portals' APIs, answering with the project's fixtures
//! (tests/fixtures): an OpenDataSoft catalog API, GeoNetwork CSW endpoints (DCAT and ISO 19139
//! records, GET and POST) and Hydra-paged catalogs. One router per kind of portal, shared by
//! every test that needs one; the CKAN/DKAN action API is the test kit's
//! [`FakeCkan`](crate::kit::ckan::FakeCkan).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::Query;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::kit::{fixture_json as fixture, fixture_path, fixture_text};

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
            let file = fixture_path(&format!("{prefix}{page}{suffix}"));
            match std::fs::read_to_string(file) {
                Ok(body) => ([(header::CONTENT_TYPE, content_type)], body).into_response(),
                Err(_) => StatusCode::NOT_FOUND.into_response(),
            }
        }),
    )
}
