//! The scheduler as a library: the binary (`main.rs`) is a thin CLI entry point over these
//! modules, and the integration tests under `tests/` mount the same admin router in-process.

pub mod api;
pub mod changes;
pub mod chart;
pub mod cli;
pub mod cron;
pub mod deadletters;
pub mod health;
pub mod queues;
pub mod report;
pub mod service;
pub mod webhooks;
