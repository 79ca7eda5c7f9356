//! Harvest sources built in memory (not stored), for driving a backend directly.

use bson::oid::ObjectId;
use common::model::HarvestSource;

/// A new harvest source (its own id) of `backend` at `url`, with `config` (filters, features,
/// options).
pub fn source_with(url: &str, backend: &str, config: bson::Document) -> HarvestSource {
    bson::from_document(bson::doc! {
        "_id": ObjectId::new(),
        "name": format!("{backend} test source"),
        "slug": format!("{backend}-test-source"),
        "url": url,
        "backend": backend,
        "config": config,
        "created_at": bson::DateTime::now(),
    })
    .expect("a harvest source")
}

/// A new harvest source of `backend` at `url`, with no configuration.
pub fn source(url: &str, backend: &str) -> HarvestSource {
    source_with(url, backend, bson::doc! {})
}
