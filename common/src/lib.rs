//! Shared foundation of the harvester: the udata-compatible domain model, MongoDB storage,
//! the RabbitMQ topology and messages, typed settings, telemetry and the shutdown signal.
//!
//! Storage, the queue and the health server are behind the `services` feature: the backends
//! crate uses the model, settings and metrics without them.
//!
//! Both binaries (scheduler, worker) and the end-to-end tests build on this crate, so that every
//! process agrees on collection names, queue names and message formats.

pub mod backoff;
pub mod error;
pub mod json;
pub mod messages;
pub mod model;
#[cfg(feature = "services")]
pub mod notify;
#[cfg(feature = "services")]
pub mod queue;
pub mod settings;
pub mod shutdown;
#[cfg(feature = "services")]
pub mod storage;
pub mod telemetry;

pub use error::{Error, Result};
pub use settings::Settings;
