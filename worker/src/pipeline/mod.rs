//! The harvest pipeline around the backends: the consumer loop, the gather, item and finalize
//! handlers, the fairness window and the sweeper that keeps jobs from hanging.

pub mod consumer;
pub mod context;
pub mod filters;
pub mod finalize;
pub mod gather;
pub mod item;
pub mod progress;
pub mod sweeper;
pub mod window;

/// What a handler decided about a delivery.
#[derive(Debug)]
pub enum Disposition {
    /// Done (its effects are durable in MongoDB).
    Ack,
    /// Try again later through the delay queue, as attempt `attempt`.
    Retry {
        attempt: u32,
        delay_ms: u64,
        error: String,
    },
    /// Cannot be processed, ever (undecodable): to the dead-letter queue.
    DeadLetter(String),
}
