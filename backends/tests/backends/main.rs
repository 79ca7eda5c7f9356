//! The backends crate's tests, in one binary (one link instead of six): mapping tables per
//! backend on the project's fixtures, and each backend's listing and item fetches against a local
//! server. The scaffolding they share (fixtures, sources, fetcher, a collecting sink, a loopback
//! server, the listing driver call) is in [`support`].

mod support;

mod ckan_gather;
mod ckan_mapping;
mod dcat_gather;
mod dcat_mapping;
mod dkan;
mod iso;
mod ods;
