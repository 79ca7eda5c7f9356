//! The test kit: what the tests of every crate share to drive a backend by hand — the project's
//! fixture files, harvest sources, a fetcher allowed to reach loopback servers, a sink collecting
//! what a listing hands over, the mapping context, a loopback server for an axum router, and the
//! one fake CKAN action API ([`ckan::FakeCkan`]).
//!
//! It depends on `common` (without its services), `backends`, axum, serde_json and tokio only, so
//! the backends crate's tests include these very files (`#[path]` module: the backends crate
//! cannot depend on this one, which depends on it) and the end-to-end tests use them as `e2e::kit`.

pub mod ckan;
mod fetch;
mod fixtures;
mod mapping;
mod serve;
mod sink;
mod sources;

pub use fetch::{fetcher, fetcher_with, fetcher_with_timeout};
pub use fixtures::{fixture_json, fixture_path, fixture_text, fixtures_dir, shared_fixtures};
pub use mapping::{bson_at, bson_day, item_context, licenses, map_context, now};
pub use serve::serve;
pub use sink::{list, list_into, VecSink};
pub use sources::{source, source_with};
