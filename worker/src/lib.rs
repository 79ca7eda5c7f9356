//! The harvest worker: consumers for the `gather`, `item` and `finalize` queues, and the backends
//! (one file each, implementing [`harvester::Harvester`]) that list and map remote catalogs.
//!
//! Everything a backend does not own — jobs, items, errors, filters, archiving, reports, retries —
//! is shared code in [`pipeline`] or in `common`.

pub mod backends;
pub mod error;
pub mod fetch;
pub mod harvester;
pub mod mapping;
pub mod pipeline;
pub mod rdf;
pub mod runtime;
