//! The consumer loop shared by the three roles, written once (as apalis does for its workers):
//! consume with bounded prefetch, run each delivery in its own task, decode it, call the role's
//! handler — a plain async function — and settle the delivery from what it returned:
//! - **undecodable** (bad JSON, unknown version, an invalid message) → the dead-letter queue;
//! - `Ok` → ack, only now that the handler's effects are durable;
//! - a [`Failure`] (MongoDB or the broker failed, or the handler's own retry) → a delay queue,
//!   then again;
//! - **a panic** → logged with its message and nacked back to the queue: the quorum queue's
//!   delivery limit dead-letters a message that keeps panicking.
//!
//! It also reconnects after the broker restarts (with the shared backoff policy), and on
//! shutdown stops consuming, gives in-flight work a grace period and lets the rest be requeued.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use common::backoff;
use common::messages::{decode_message, Message};
use common::queue::{attempt_of, Role};
use common::shutdown::Shutdown;
use common::telemetry::metrics;
use futures::{FutureExt, StreamExt};
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicCancelOptions, BasicNackOptions, BasicRejectOptions};
use tokio::task::JoinSet;

use super::context::Context;

/// Why a handler did not finish; either way the message comes back later through a delay
/// queue. (A message that can never be processed is refused at decoding: see
/// [`Message::check`].)
#[derive(Debug)]
pub enum Failure {
    /// Storage or the broker failed (not the message's fault): same attempt, the role's first
    /// delay tier onwards.
    Interrupted(String),
    /// The handler's own retry schedule (a webhook receiver that failed): attempt `attempt`
    /// after `delay_ms`, one of the role's delay tiers.
    RetryAs {
        attempt: u32,
        delay_ms: u64,
        error: String,
    },
}

impl From<common::Error> for Failure {
    fn from(e: common::Error) -> Self {
        Failure::Interrupted(e.to_string())
    }
}

/// What a handler may know of the delivery besides its message.
#[derive(Debug, Clone, Copy)]
pub struct Delivered {
    /// 1 for a first delivery; counts the item retries carried in the message headers.
    pub attempt: u32,
    /// The broker delivered it before (a consumer died holding it).
    pub redelivered: bool,
}

/// Consume `role` until shutdown, reconnecting as needed; each message is decoded as `M` and
/// handed to `handler`.
pub async fn run<M, F, Fut>(ctx: Arc<Context>, role: Role, handler: F, mut shutdown: Shutdown)
where
    M: Message + Send + 'static,
    F: Fn(Arc<Context>, M, Delivered) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<(), Failure>> + Send + 'static,
{
    let prefetch = prefetch(&ctx, role);
    let grace = Duration::from_secs(ctx.settings.worker.shutdown_grace_secs);
    let mut reconnect = backoff::reconnect();
    let tag = format!(
        "{}-{}-{}",
        role.as_str(),
        std::process::id(),
        bson::oid::ObjectId::new().to_hex()
    );
    while !shutdown.is_triggered() {
        let (conn, ch, mut consumer) = match ctx.broker.consumer(role, prefetch, &tag).await {
            Ok(c) => c,
            Err(e) => {
                ctx.readiness.set_amqp(false);
                let pause = reconnect.next().unwrap_or(backoff::RECONNECT_MAX);
                tracing::warn!(role = role.as_str(), error = %e, ?pause, "cannot consume, retrying");
                tokio::select! {
                    _ = tokio::time::sleep(pause) => {}
                    _ = shutdown.wait() => break,
                }
                continue;
            }
        };
        reconnect = backoff::reconnect();
        ctx.readiness.set_amqp(true);
        ctx.readiness.set_consumers(true);
        tracing::info!(role = role.as_str(), prefetch, "consuming");
        let mut tasks = JoinSet::new();
        loop {
            tokio::select! {
                _ = shutdown.wait() => break,
                Some(joined) = tasks.join_next(), if !tasks.is_empty() => log_join(role, joined),
                next = consumer.next() => match next {
                    Some(Ok(delivery)) => {
                        let ctx = ctx.clone();
                        let handler = handler.clone();
                        tasks.spawn(async move { process(ctx, role, handler, delivery).await });
                    }
                    Some(Err(e)) => {
                        tracing::warn!(role = role.as_str(), error = %e, "consumer stream failed, reconnecting");
                        break;
                    }
                    None => {
                        tracing::warn!(role = role.as_str(), "consumer cancelled, reconnecting");
                        break;
                    }
                },
            }
        }
        if shutdown.is_triggered() {
            // Stop taking work, finish what is in flight within the grace period.
            let _ = ch.basic_cancel(&tag, BasicCancelOptions::default()).await;
            let drained = tokio::time::timeout(grace, async {
                while let Some(joined) = tasks.join_next().await {
                    log_join(role, joined);
                }
            })
            .await;
            if drained.is_err() {
                tracing::warn!(
                    role = role.as_str(),
                    left = tasks.len(),
                    "grace period over: requeueing unfinished deliveries"
                );
                tasks.abort_all();
            }
        } else {
            ctx.readiness.set_amqp(false);
            tasks.abort_all();
        }
        // Closing the channel returns every unacked delivery to its queue.
        let _ = ch.close(200, "bye").await;
        let _ = conn.close(200, "bye").await;
    }
    tracing::info!(role = role.as_str(), "consumer stopped");
}

/// Deliveries in flight per consumer.
fn prefetch(ctx: &Context, role: Role) -> u16 {
    match role {
        // `amqp.prefetch` counts items; a message carries up to `harvest.item_batch` of them.
        // Two messages at least, so one is being written while the next is mapped.
        Role::Item => ctx
            .settings
            .amqp
            .prefetch
            .div_ceil(ctx.settings.harvest.item_batch.clamp(1, 500) as u16)
            .max(2),
        // A gather lists a whole catalog: `worker.gathers` at a time bounds the memory.
        Role::Gather => ctx.settings.worker.gathers.max(1),
        Role::Finalize => ctx.settings.amqp.prefetch.clamp(1, 8),
        // Webhook POSTs: mostly waiting on receivers.
        Role::Notify => 16,
    }
}

/// A delivery task always settles its delivery itself; one that ended otherwise is a bug worth
/// a log line (cancelled tasks are the shutdown's, and say nothing).
fn log_join(role: Role, joined: Result<(), tokio::task::JoinError>) {
    if let Err(e) = joined {
        if !e.is_cancelled() {
            tracing::error!(role = role.as_str(), error = %e, "delivery task failed");
        }
    }
}

/// What happens to one delivery.
enum Settle {
    Ack,
    Retry {
        attempt: u32,
        delay_ms: u64,
        error: String,
    },
    DeadLetter(String),
    /// The handler panicked: back to the queue (the delivery limit ends a loop).
    Requeue(String),
}

async fn process<M, F, Fut>(ctx: Arc<Context>, role: Role, handler: F, delivery: Delivery)
where
    M: Message + Send + 'static,
    F: Fn(Arc<Context>, M, Delivered) -> Fut,
    Fut: Future<Output = Result<(), Failure>> + Send + 'static,
{
    let m = metrics();
    let queue = role.as_str();
    m.amqp_deliveries.with_label_values(&[queue]).inc();
    if delivery.redelivered {
        m.amqp_redeliveries.with_label_values(&[queue]).inc();
    }
    let delivered = Delivered {
        attempt: attempt_of(&delivery.properties),
        redelivered: delivery.redelivered,
    };
    let settle = match decode_message::<M>(&delivery.data) {
        Err(e) => Settle::DeadLetter(e.to_string()),
        Ok(msg) => {
            let work = handler(ctx.clone(), msg, delivered);
            match AssertUnwindSafe(work).catch_unwind().await {
                Ok(Ok(())) => Settle::Ack,
                Ok(Err(Failure::Interrupted(error))) => {
                    let attempt = delivered.attempt;
                    let delay_ms = ctx.broker.topology().interrupted_delay(role, attempt);
                    Settle::Retry {
                        attempt,
                        delay_ms,
                        error,
                    }
                }
                Ok(Err(Failure::RetryAs {
                    attempt,
                    delay_ms,
                    error,
                })) => Settle::Retry {
                    attempt,
                    delay_ms,
                    error,
                },
                Err(panic) => Settle::Requeue(panic_message(panic.as_ref())),
            }
        }
    };
    match settle {
        Settle::Ack => ack(&delivery, queue).await,
        Settle::Retry {
            attempt,
            delay_ms,
            error,
        } => {
            tracing::warn!(queue, attempt, delay_ms, %error, "not done, will retry");
            match ctx
                .broker
                .publish_retry(role, &delivery.data, attempt, delay_ms, &error)
                .await
            {
                Ok(()) => {
                    m.amqp_retries.with_label_values(&[queue]).inc();
                    ack(&delivery, queue).await;
                }
                Err(e) => {
                    tracing::warn!(queue, error = %e, "cannot publish retry, requeueing");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    nack(&delivery, queue).await;
                }
            }
        }
        Settle::DeadLetter(reason) => {
            tracing::error!(queue, %reason, "dead-lettering message");
            let _ = delivery
                .acker
                .reject(BasicRejectOptions { requeue: false })
                .await;
            m.amqp_dead_lettered.with_label_values(&[queue]).inc();
        }
        Settle::Requeue(panic) => {
            tracing::error!(queue, %panic, redelivered = delivered.redelivered, "handler panicked: message requeued (the queue's delivery limit dead-letters it if it keeps failing)");
            m.handler_panics.with_label_values(&[queue]).inc();
            nack(&delivery, queue).await;
        }
    }
}

async fn ack(delivery: &Delivery, queue: &str) {
    if delivery.acker.ack(BasicAckOptions::default()).await.is_ok() {
        metrics().amqp_acks.with_label_values(&[queue]).inc();
    }
}

async fn nack(delivery: &Delivery, queue: &str) {
    let _ = delivery
        .acker
        .nack(BasicNackOptions {
            requeue: true,
            ..Default::default()
        })
        .await;
    metrics().amqp_nacks.with_label_values(&[queue]).inc();
}

/// The text a panic was raised with.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without message".to_owned())
}
