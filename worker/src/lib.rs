//! The harvest worker: consumers for the `gather`, `item` and `finalize` queues, running the
//! backends of the `backends` crate (which list and map remote catalogs) inside the shared
//! pipeline.
//!
//! Everything a backend does not own — jobs, items, errors, filters, archiving, reports, retries —
//! is shared code in the pipeline or in `common`. The API is small on purpose:
//! - [`run`]: a worker process until shutdown (the `harvest-worker` binary, the tests);
//! - [`sweep_once`]: one pass of the sweeper (the scheduler's `sweep` command);
//! - [`steps`]: single pipeline steps, for tests that race them by hand.

mod pipeline;
mod runtime;

pub use runtime::{run, sweep_once};

/// Single steps of the pipeline, driven by hand (the end-to-end tests race duplicate finalize
/// requests with these). Production code goes through [`run`].
pub mod steps {
    pub use crate::pipeline::context::Context;
    pub use crate::pipeline::finalize::finalize;
    pub use crate::pipeline::window::request_finalize;
    pub use crate::runtime::context;
}
