//! The DCAT pages of a generated catalog: one Hydra page per request, rendered in the asked
//! syntax off the async workers, with page validators.

use std::sync::atomic::Ordering;

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;

use crate::bench::rdf::{Page, Syntax};
use crate::bench::synth::{self};

use super::{page_count, text_response, with_validators, CatalogControl};

/// `?page=N` (1-based; absent is page 1).
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

fn base_url(c: &CatalogControl, h: &HeaderMap) -> String {
    let host = h
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}{}", c.0.spec.mount.trim_end_matches('/'))
}

pub(super) async fn dcat_page(
    c: CatalogControl,
    syntax: Syntax,
    q: PageQuery,
    h: HeaderMap,
) -> Response {
    c.delay().await;
    let page = match q.page.as_deref().map(str::parse::<usize>) {
        None => 1,
        Some(Ok(n)) if n >= 1 => n,
        Some(_) => return text_response(StatusCode::BAD_REQUEST, "page must be a number >= 1"),
    };
    let (variant, listed) = c.snapshot_listing();
    let pages = page_count(listed.len(), c.0.spec.page_size);
    if page > pages {
        return text_response(StatusCode::NOT_FOUND, "no such page");
    }
    c.0.stats.pages.fetch_add(1, Ordering::Relaxed);
    let base = base_url(&c, &h);
    let control = c.clone();
    // Generation and rendering are CPU work: keep them off the async workers.
    let result = tokio::task::spawn_blocking(move || {
        let datasets = control.page_datasets(&listed, variant, page);
        let modified = datasets
            .iter()
            .map(|d| synth::parse_datetime(&d.modified))
            .max()
            .unwrap_or(0);
        let mut tag = synth::mix(control.0.spec.seed, page as u64, listed.len() as u64);
        for d in &datasets {
            tag = synth::splitmix64(tag ^ (((d.index as u64) << 1) | u64::from(d.changed)));
        }
        let paging = control.paging(&base, syntax, page, pages, listed.len());
        (datasets, modified, format!("\"p{tag:016x}\""), paging)
    })
    .await;
    let Ok((datasets, modified, etag, paging)) = result else {
        return text_response(StatusCode::INTERNAL_SERVER_ERROR, "generation failed");
    };
    with_validators(&c, &h, etag, modified, syntax.media_type(), move || {
        Page::new(&paging, &datasets).render(syntax).into_bytes()
    })
}
