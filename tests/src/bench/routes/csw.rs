//! The CSW endpoint of a generated catalog: GetRecords by GET (key-value) or POST (XML), one
//! page of ISO 19139 records per request.

use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::Response;
use serde::Deserialize;

use crate::bench::synth::{self, SynthDataset};

use super::{text_response, CatalogControl};

/// `startPosition` / `maxRecords` of a key-value (GET) GetRecords.
#[derive(Debug, Deserialize)]
pub struct CswQuery {
    #[serde(rename = "startPosition")]
    start: Option<usize>,
    #[serde(rename = "maxRecords")]
    max: Option<usize>,
}

pub(super) async fn csw_get(State(c): State<CatalogControl>, q: Query<CswQuery>) -> Response {
    csw_page(c, q.0.start.unwrap_or(1), q.0.max.unwrap_or(25)).await
}

/// An attribute of a POSTed GetRecords (`startPosition="26"`).
fn post_attr(body: &str, name: &str) -> Option<usize> {
    let key = format!("{name}=\"");
    let rest = &body[body.find(&key)? + key.len()..];
    rest.split('"').next()?.trim().parse().ok()
}

pub(super) async fn csw_post(State(c): State<CatalogControl>, body: String) -> Response {
    let start = post_attr(&body, "startPosition").unwrap_or(1);
    let max = post_attr(&body, "maxRecords").unwrap_or(25);
    csw_page(c, start, max).await
}

/// One page of the catalogue as ISO 19139 records (the `csw-iso-10k` bench).
async fn csw_page(c: CatalogControl, start: usize, max: usize) -> Response {
    c.delay().await;
    if start == 0 {
        return text_response(StatusCode::BAD_REQUEST, "startPosition must be >= 1");
    }
    c.0.stats.pages.fetch_add(1, Ordering::Relaxed);
    let control = c.clone();
    let body = tokio::task::spawn_blocking(move || {
        let (variant, listed) = control.snapshot_listing();
        let from = (start - 1).min(listed.len());
        let to = from.saturating_add(max.clamp(1, 100)).min(listed.len());
        let datasets: Vec<SynthDataset> = listed[from..to]
            .iter()
            .filter_map(|i| synth::dataset(control.0.spec.seed, *i as usize, variant))
            .collect();
        crate::bench::iso::page(&datasets, start, listed.len())
    })
    .await
    .unwrap_or_default();
    let len = body.len();
    let resp = Response::builder()
        .header(header::CONTENT_TYPE, "application/xml; charset=utf-8")
        .body(Body::from(body))
        .unwrap_or_default();
    c.send(resp, len)
}
