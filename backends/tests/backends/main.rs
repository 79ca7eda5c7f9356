//! The backends crate's tests, in one binary (one link instead of seven): mapping tables per
//! backend on the project's fixtures, each backend's listing and item fetches against a local
//! server, and the ISO 19139 conversion's parity with udata's XSLT. The scaffolding they share
//! (fixtures, sources, fetcher, a collecting sink, a loopback server, the listing driver call,
//! the fake CKAN portal) is the workspace's test kit, `tests/src/kit`: this crate cannot depend
//! on `harvest-e2e` (which depends on it), so it compiles the kit's files as its own module.

// Parts of the kit serve only the end-to-end tests.
#[allow(dead_code, unused_imports)]
#[path = "../../../tests/src/kit/mod.rs"]
mod kit;

mod ckan_gather;
mod ckan_mapping;
mod dcat_gather;
mod dcat_mapping;
mod dkan;
mod iso;
mod iso_parity;
mod ods;
