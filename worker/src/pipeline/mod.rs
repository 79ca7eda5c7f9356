//! The harvest pipeline around the backends: the consumer loop, the gather, item and finalize
//! handlers, the webhook notifications of a job's end, the fairness window and the sweeper that keeps jobs from hanging.

pub mod consumer;
pub mod context;
pub mod finalize;
pub mod gather;
pub mod item;
pub mod notify;
pub mod progress;
pub mod sweeper;
pub mod window;
