//! The harvest backends and everything they share: the [`harvester::Harvester`] trait, the
//! backends (one file each: DCAT, CKAN, DKAN, OpenDataSoft; CSW ISO 19139 in its own module), RDF parsing, the udata mapping rules
//! and the SSRF-guarded HTTP [`fetch::Fetcher`].
//!
//! This crate depends on neither MongoDB nor RabbitMQ (`common` is used without its `services`
//! feature): the crate graph is what keeps a backend from touching storage or the queue. The
//! rules every backend shares live here once: the source filters and [`settle`] (labels, default
//! slug) applied to each mapped dataset, the dry-run [`preview`], the listing driver
//! ([`listing`]), the processing of RDF items and of JSON API items, and the mapping helpers
//! ([`mapping`]). Jobs, items, counters,
//! archiving and retries belong to the worker's pipeline.

pub mod error;
pub mod fetch;
pub mod filters;
pub mod harvester;
pub mod listing;
pub mod mapping;
pub mod rdf;

pub mod ckan;
pub mod ckan_api;
pub mod csw;
pub mod dcat;
pub mod dkan;
pub mod iso19139;
pub mod ods;

mod json_api;
mod preview;
mod rdf_item;
mod registry;
mod settle;

pub use error::HarvestError;
pub use listing::{list, Listed};
pub use preview::{preview, Preview, PreviewError};
pub use registry::{get, names, portal_root, registry};
pub use settle::settle;
