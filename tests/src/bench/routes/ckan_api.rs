//! The CKAN action API of a generated catalog: `package_list`, `package_search` paged by
//! `start`/`rows`, `package_show` by id or name with validators.

use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde::Deserialize;

use crate::bench::ckan;
use crate::bench::synth::{self, SynthDataset};

use super::{with_validators, CatalogControl};

fn json_response(status: StatusCode, value: &serde_json::Value) -> (Response, usize) {
    let body = serde_json::to_vec(value).unwrap_or_default();
    let len = body.len();
    let resp = Response::builder()
        .status(status)
        .header(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json;charset=utf-8"),
        )
        .body(Body::from(body))
        .unwrap_or_default();
    (resp, len)
}

pub(super) async fn package_list(State(c): State<CatalogControl>) -> Response {
    c.delay().await;
    c.0.stats.package_lists.fetch_add(1, Ordering::Relaxed);
    let control = c.clone();
    let names = tokio::task::spawn_blocking(move || {
        let (_, listed) = control.snapshot_listing();
        let all = control.names();
        listed
            .iter()
            .filter_map(|i| all.get(*i as usize).cloned())
            .collect::<Vec<String>>()
    })
    .await
    .unwrap_or_default();
    let (resp, len) = json_response(
        StatusCode::OK,
        &ckan::envelope("package_list", serde_json::json!(names)),
    );
    c.send(resp, len)
}

/// `package_search` parameters (`q` and `fq` are accepted and ignored).
#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    rows: Option<String>,
    start: Option<String>,
}

pub(super) async fn package_search(
    State(c): State<CatalogControl>,
    q: Query<SearchQuery>,
) -> Response {
    c.delay().await;
    c.0.stats.package_searches.fetch_add(1, Ordering::Relaxed);
    let parse = |v: &Option<String>, default: usize| match v {
        None => Some(default),
        Some(s) => s.trim().parse::<usize>().ok(),
    };
    let (Some(rows), Some(start)) = (parse(&q.rows, 10), parse(&q.start, 0)) else {
        let (resp, len) = json_response(
            StatusCode::CONFLICT,
            &serde_json::json!({"success": false, "error": {"__type": "Validation Error", "rows": ["Invalid integer"]}}),
        );
        return c.send(resp, len);
    };
    let rows = rows.min(1000);
    let control = c.clone();
    let value = tokio::task::spawn_blocking(move || {
        let (variant, listed) = control.snapshot_listing();
        let from = start.min(listed.len());
        let to = from.saturating_add(rows).min(listed.len());
        let datasets: Vec<SynthDataset> = listed[from..to]
            .iter()
            .filter_map(|i| synth::dataset(control.0.spec.seed, *i as usize, variant))
            .collect();
        ckan::envelope(
            "package_search",
            ckan::search_result(control.0.spec.seed, listed.len(), &datasets),
        )
    })
    .await
    .unwrap_or_default();
    let (resp, len) = json_response(StatusCode::OK, &value);
    c.send(resp, len)
}

/// `package_show` parameters.
#[derive(Debug, Deserialize)]
pub struct ShowQuery {
    id: Option<String>,
}

pub(super) async fn package_show(
    State(c): State<CatalogControl>,
    q: Query<ShowQuery>,
    h: HeaderMap,
) -> Response {
    c.delay().await;
    c.0.stats.package_shows.fetch_add(1, Ordering::Relaxed);
    let id = q.0.id.unwrap_or_default();
    let (variant, _) = c.snapshot_listing();
    let seed = c.0.spec.seed;
    let found = synth::index_of(&id)
        .filter(|i| *i < c.0.spec.datasets)
        .and_then(|i| synth::dataset(seed, i, variant))
        .filter(|d| d.id == id || d.name == id);
    let Some(d) = found else {
        let (resp, len) = json_response(StatusCode::NOT_FOUND, &ckan::not_found("package_show"));
        return c.send(resp, len);
    };
    let etag = format!("\"{seed:x}-{}-{}\"", d.index, d.changed as u8);
    let modified = synth::parse_datetime(&d.modified);
    with_validators(
        &c,
        &h,
        etag,
        modified,
        "application/json;charset=utf-8",
        move || {
            serde_json::to_vec(&ckan::envelope("package_show", ckan::package(seed, &d)))
                .unwrap_or_default()
        },
    )
}
