//! The consumer loop shared by the three roles: consume with bounded prefetch, run each delivery
//! in its own task, ack only after the handler's effects are durable, retry through delay queues,
//! dead-letter what can never be processed, reconnect after the broker restarts, and on shutdown
//! stop consuming, give in-flight work a grace period and let the rest be requeued.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use common::queue::{attempt_of, Role};
use common::shutdown::Shutdown;
use common::telemetry::metrics;
use futures::StreamExt;
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicCancelOptions, BasicNackOptions, BasicRejectOptions};
use tokio::task::JoinSet;

use super::context::Context;
use super::Disposition;

/// Processes one delivery of a role.
#[async_trait]
pub trait Handler: Send + Sync + 'static {
    async fn handle(
        &self,
        ctx: &Context,
        body: &[u8],
        attempt: u32,
        redelivered: bool,
    ) -> Disposition;
}

/// Consume `role` until shutdown, reconnecting as needed.
pub async fn run(ctx: Arc<Context>, role: Role, handler: Arc<dyn Handler>, mut shutdown: Shutdown) {
    let prefetch = match role {
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
    };
    let grace = Duration::from_secs(ctx.settings.worker.shutdown_grace_secs);
    let mut backoff = Duration::from_millis(500);
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
                tracing::warn!(role = role.as_str(), error = %e, "cannot consume, retrying");
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = shutdown.wait() => break,
                }
                backoff = (backoff * 2).min(Duration::from_secs(15));
                continue;
            }
        };
        backoff = Duration::from_millis(500);
        ctx.readiness.set_amqp(true);
        ctx.readiness.set_consumers(true);
        tracing::info!(role = role.as_str(), prefetch, "consuming");
        let mut tasks = JoinSet::new();
        loop {
            tokio::select! {
                _ = shutdown.wait() => break,
                Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
                next = consumer.next() => match next {
                    Some(Ok(delivery)) => {
                        let ctx = ctx.clone();
                        let handler = handler.clone();
                        tasks.spawn(async move { process(&ctx, role, handler.as_ref(), delivery).await });
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
            let drained =
                tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} })
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

async fn process(ctx: &Context, role: Role, handler: &dyn Handler, delivery: Delivery) {
    let m = metrics();
    let queue = role.as_str();
    m.amqp_deliveries.with_label_values(&[queue]).inc();
    if delivery.redelivered {
        m.amqp_redeliveries.with_label_values(&[queue]).inc();
    }
    let attempt = attempt_of(&delivery.properties);
    let disposition = handler
        .handle(ctx, &delivery.data, attempt, delivery.redelivered)
        .await;
    match disposition {
        Disposition::Ack => {
            if delivery.acker.ack(BasicAckOptions::default()).await.is_ok() {
                m.amqp_acks.with_label_values(&[queue]).inc();
            }
        }
        Disposition::Retry {
            attempt,
            delay_ms,
            error,
        } => {
            match ctx
                .broker
                .publish_retry(role, &delivery.data, attempt, delay_ms, &error)
                .await
            {
                Ok(()) => {
                    m.amqp_retries.with_label_values(&[queue]).inc();
                    if delivery.acker.ack(BasicAckOptions::default()).await.is_ok() {
                        m.amqp_acks.with_label_values(&[queue]).inc();
                    }
                }
                Err(e) => {
                    tracing::warn!(queue, error = %e, "cannot publish retry, requeueing");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    let _ = delivery
                        .acker
                        .nack(BasicNackOptions {
                            requeue: true,
                            ..Default::default()
                        })
                        .await;
                    m.amqp_nacks.with_label_values(&[queue]).inc();
                }
            }
        }
        Disposition::DeadLetter(reason) => {
            tracing::error!(queue, %reason, "dead-lettering message");
            let _ = delivery
                .acker
                .reject(BasicRejectOptions { requeue: false })
                .await;
            m.amqp_dead_lettered.with_label_values(&[queue]).inc();
        }
    }
}
