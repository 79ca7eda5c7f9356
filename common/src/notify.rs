//! Enqueueing webhook notifications, for every process that raises an event: the worker at a
//! job's end, the scheduler when a source goes stale. One delivery per subscription is stored in
//! `harvester_webhook_delivery` (idempotent per occasion and subscription), then announced on the
//! `notify` queue; the worker's `notify` consumer sends it, signs it and records its attempts.

use bson::oid::ObjectId;
use serde_json::{json, Value};

use crate::error::Result;
use crate::messages::{encode, NotifyMessage};
use crate::model::{DeliveryStatus, HarvestSource, Webhook, WebhookDelivery, WebhookEvent};
use crate::queue::{Broker, Role};
use crate::storage::Store;

/// The `source` object of every notification body.
pub fn source_json(s: &HarvestSource) -> Value {
    json!({ "id": s.id.to_hex(), "name": s.name, "slug": s.slug, "url": s.url })
}

/// Announce a stored delivery on the `notify` queue.
pub async fn publish(broker: &Broker, delivery: ObjectId) -> Result<()> {
    let body = encode(&NotifyMessage::new(delivery))?;
    broker.publish(Role::Notify, &body).await
}

/// Store and publish one delivery of `payload` per subscription of `hooks` listening to
/// `event`. `key` names the occasion (a job id, a stale episode…): enqueueing twice for the same
/// occasion and subscription is a no-op. The body gets `delivery` (its id). The source keeps its
/// newest `keep` deliveries. Returns the number of new deliveries.
#[allow(clippy::too_many_arguments)]
pub async fn enqueue(
    store: &Store,
    broker: &Broker,
    keep: usize,
    source: &HarvestSource,
    event: WebhookEvent,
    job: Option<ObjectId>,
    key: &str,
    hooks: &[Webhook],
    payload: Value,
) -> Result<usize> {
    let mut new = 0;
    for hook in hooks.iter().filter(|h| h.events.contains(&event)) {
        let id = ObjectId::new();
        let mut body = payload.clone();
        if let Value::Object(map) = &mut body {
            map.insert("delivery".into(), Value::String(id.to_hex()));
        }
        let now = bson::DateTime::now();
        let delivery = WebhookDelivery {
            id,
            key: format!("{key}:{}:{}", event.as_str(), hook.id.to_hex()),
            source: source.id,
            webhook: hook.id,
            job,
            event,
            url: hook.url.clone(),
            payload: body.to_string(),
            status: DeliveryStatus::Pending,
            created: now,
            ended: None,
            next_attempt_at: Some(now),
            attempts: Vec::new(),
        };
        if !store.insert_delivery(&delivery).await? {
            continue;
        }
        new += 1;
        // A failed publish leaves the delivery pending: the worker's sweeper publishes it again.
        if let Err(e) = publish(broker, id).await {
            tracing::warn!(delivery = %id, error = %e, "notify message not published; the sweeper will");
        }
    }
    if new > 0 {
        tracing::info!(source = %source.slug, event = event.as_str(), deliveries = new, "webhook notifications enqueued");
        store.prune_deliveries(source.id, keep).await?;
    }
    Ok(new)
}
