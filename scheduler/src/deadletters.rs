//! Dead letters: list, inspect and replay the messages RabbitMQ dead-lettered (undecodable, or
//! redelivered past the delivery limit). Listing peeks without consuming: messages taken with
//! basic.get are returned to the queue when the channel closes.

use common::queue::{Broker, Role};
use lapin::options::{BasicAckOptions, BasicGetOptions};
use lapin::types::AMQPValue;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct DeadLetter {
    pub index: usize,
    /// Queue the message died in (from the `x-death` header).
    pub queue: Option<String>,
    pub reason: Option<String>,
    pub count: Option<i64>,
    pub body: String,
}

fn describe(index: usize, delivery: &lapin::message::Delivery) -> DeadLetter {
    let mut queue = None;
    let mut reason = None;
    let mut count = None;
    if let Some(headers) = delivery.properties.headers() {
        if let Some(AMQPValue::FieldArray(deaths)) = headers.inner().get("x-death") {
            if let Some(AMQPValue::FieldTable(first)) = deaths.as_slice().first() {
                let s = |k: &str| match first.inner().get(k) {
                    Some(AMQPValue::LongString(v)) => Some(v.to_string()),
                    Some(AMQPValue::ShortString(v)) => Some(v.to_string()),
                    _ => None,
                };
                queue = s("queue");
                reason = s("reason");
                count = match first.inner().get("count") {
                    Some(AMQPValue::LongLongInt(n)) => Some(*n),
                    Some(AMQPValue::LongInt(n)) => Some(*n as i64),
                    _ => None,
                };
            }
        }
    }
    DeadLetter {
        index,
        queue,
        reason,
        count,
        body: String::from_utf8_lossy(&delivery.data).into_owned(),
    }
}

/// Peek at up to `limit` dead letters.
pub async fn list(broker: &Broker, limit: usize) -> common::Result<Vec<DeadLetter>> {
    broker.publisher().await?;
    let conn = lapin::Connection::connect(&broker_url(broker), Default::default()).await?;
    let ch = conn.create_channel().await?;
    let mut out = Vec::new();
    while out.len() < limit {
        match ch
            .basic_get(
                &broker.topology().dead_queue(),
                BasicGetOptions { no_ack: false },
            )
            .await?
        {
            Some(msg) => out.push(describe(out.len(), &msg.delivery)),
            None => break,
        }
    }
    let _ = ch.close(200, "peek done").await;
    let _ = conn.close(200, "peek done").await;
    // Closing returns the peeked messages to the queue, but a quorum queue applies that after
    // the close is acknowledged: wait (briefly) until they are back, so that a replay or a
    // count right after a listing sees them.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let dead = broker.topology().dead_queue();
    while std::time::Instant::now() < deadline {
        if broker.queue_stats(&dead).await?.0 as usize >= out.len() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    Ok(out)
}

/// Replay up to `limit` dead letters to the queue they died in; returns how many.
pub async fn replay(broker: &Broker, limit: usize) -> common::Result<usize> {
    broker.publisher().await?;
    let conn = lapin::Connection::connect(&broker_url(broker), Default::default()).await?;
    let ch = conn.create_channel().await?;
    let mut replayed = 0;
    while replayed < limit {
        let Some(msg) = ch
            .basic_get(
                &broker.topology().dead_queue(),
                BasicGetOptions { no_ack: false },
            )
            .await?
        else {
            break;
        };
        let info = describe(replayed, &msg.delivery);
        let role = info
            .queue
            .as_deref()
            .and_then(|q| q.strip_prefix(&broker.topology().prefix))
            .and_then(Role::parse);
        match role {
            Some(role) => {
                broker.publish(role, &msg.delivery.data).await?;
                msg.delivery.acker.ack(BasicAckOptions::default()).await?;
                replayed += 1;
            }
            None => break, // unknown origin: leave it for inspection
        }
    }
    let _ = ch.close(200, "replay done").await;
    let _ = conn.close(200, "replay done").await;
    Ok(replayed)
}

fn broker_url(broker: &Broker) -> String {
    broker.url().to_owned()
}
