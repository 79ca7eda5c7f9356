//! The scheduler as a library: the binary (`main.rs`) is a thin CLI entry point over these
//! modules, and the integration tests under `tests/` mount the same admin router in-process.

pub mod api;
pub mod cli;
pub mod cron;
pub mod deadletters;
pub mod preview;
pub mod queues;
pub mod report;
pub mod service;
