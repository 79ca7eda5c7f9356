//! Every end-to-end test of the project in one binary (one link instead of sixteen): each module
//! is a test file of its own, on the real RabbitMQ and MongoDB, with local HTTP catalog servers;
//! the scheduler's tests are the [`scheduler`] module.

mod backends;
mod fairness;
mod faults;
mod health_changes;
mod hostile;
mod iso;
mod lifecycle;
mod ops_metrics;
mod restarts;
mod scheduler;
mod slice;
mod ssrf;
mod storage_batches;
mod udata_judge;
mod udata_parity;
mod webhooks;
