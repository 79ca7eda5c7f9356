//! Small DCAT catalogs built in memory by tests: a list of datasets rendered as Turtle, paged with
//! Hydra, served from a route whose content the test can change between harvests.

use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

/// One dataset of a test catalog.
#[derive(Debug, Clone, PartialEq)]
pub struct TestDataset {
    pub id: String,
    pub title: String,
    /// Node IRI; by default derived from the id.
    pub uri: String,
}

impl TestDataset {
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Self {
        let id = id.into();
        let uri = format!("https://remote.example.org/dataset/{id}");
        Self {
            id,
            title: title.into(),
            uri,
        }
    }

    /// The same dataset described at another IRI.
    pub fn at(mut self, uri: impl Into<String>) -> Self {
        self.uri = uri.into();
        self
    }
}

/// `n` datasets named `{prefix}-{i}`.
pub fn datasets(prefix: &str, n: usize) -> Vec<TestDataset> {
    (0..n)
        .map(|i| {
            TestDataset::new(
                format!("{prefix}-{i}"),
                format!("Dataset {prefix} number {i}"),
            )
        })
        .collect()
}

/// Render a page of datasets as Turtle, with a Hydra link to `next` if any.
pub fn turtle_page(page_url: &str, items: &[TestDataset], next: Option<&str>) -> String {
    let mut out = String::with_capacity(items.len() * 600 + 512);
    out.push_str("@prefix dcat: <http://www.w3.org/ns/dcat#> .\n@prefix dct: <http://purl.org/dc/terms/> .\n@prefix hydra: <http://www.w3.org/ns/hydra/core#> .\n\n");
    out.push_str(&format!("<{page_url}> a hydra:PartialCollectionView"));
    if let Some(n) = next {
        out.push_str(&format!(" ;\n  hydra:next <{n}>"));
    }
    out.push_str(" .\n\n");
    for d in items {
        let uri = &d.uri;
        out.push_str(&format!(
            "<{uri}> a dcat:Dataset ;\n  dct:identifier \"{id}\" ;\n  dct:title \"{title}\" ;\n  dct:description \"Description of dataset {id}.\" ;\n  dcat:keyword \"test\", \"harvest\" ;\n  dcat:distribution <{uri}/csv> .\n<{uri}/csv> a dcat:Distribution ;\n  dct:title \"CSV export\" ;\n  dcat:downloadURL <https://remote.example.org/files/{id}.csv> ;\n  dct:format \"CSV\" .\n\n",
            id = d.id,
            title = d.title.replace('"', "'"),
        ));
    }
    out
}

/// A catalog whose datasets a test can replace between harvests.
#[derive(Clone, Default)]
pub struct MutableCatalog {
    pub datasets: Arc<Mutex<Vec<TestDataset>>>,
    pub page_size: usize,
    /// Send an ETag per page and answer 304 to a matching If-None-Match.
    pub etags: bool,
    /// Pages answered 304.
    pub not_modified: Arc<std::sync::atomic::AtomicUsize>,
}

#[derive(serde::Deserialize)]
struct PageQuery {
    page: Option<usize>,
}

impl MutableCatalog {
    pub fn new(datasets: Vec<TestDataset>, page_size: usize) -> Self {
        Self {
            datasets: Arc::new(Mutex::new(datasets)),
            page_size: page_size.max(1),
            etags: false,
            not_modified: Default::default(),
        }
    }

    pub fn set(&self, datasets: Vec<TestDataset>) {
        *self.datasets.lock().unwrap_or_else(|p| p.into_inner()) = datasets;
    }

    /// Routes serving the catalog at `path` (`?page=N` for the next pages).
    pub fn routes(&self, path: &str) -> Router {
        let path_owned = path.to_owned();
        Router::new()
            .route(
                path,
                get(
                    move |State(cat): State<MutableCatalog>,
                          Query(q): Query<PageQuery>,
                          headers: axum::http::HeaderMap| {
                        let path = path_owned.clone();
                        async move {
                            let host = headers
                                .get(header::HOST)
                                .and_then(|h| h.to_str().ok())
                                .unwrap_or("127.0.0.1")
                                .to_owned();
                            let page = q.page.unwrap_or(0);
                            let all = cat
                                .datasets
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .clone();
                            let start = page * cat.page_size;
                            let end = (start + cat.page_size).min(all.len());
                            let items = if start < all.len() {
                                &all[start..end]
                            } else {
                                &[][..]
                            };
                            let url = format!("http://{host}{path}?page={page}");
                            let next = (end < all.len())
                                .then(|| format!("http://{host}{path}?page={}", page + 1));
                            let body = turtle_page(&url, items, next.as_deref());
                            if !cat.etags {
                                return ([(header::CONTENT_TYPE, "text/turtle")], body)
                                    .into_response();
                            }
                            let etag = format!("\"{}\"", content_tag(&body));
                            let sent = headers
                                .get(header::IF_NONE_MATCH)
                                .and_then(|v| v.to_str().ok());
                            if sent == Some(etag.as_str()) {
                                cat.not_modified
                                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                                return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)])
                                    .into_response();
                            }
                            (
                                [
                                    (header::CONTENT_TYPE, "text/turtle".to_owned()),
                                    (header::ETAG, etag),
                                ],
                                body,
                            )
                                .into_response()
                        }
                    },
                ),
            )
            .with_state(self.clone())
    }
}

/// A short tag of a page's content (its ETag).
fn content_tag(body: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    body.hash(&mut h);
    format!("{:016x}", h.finish())
}
