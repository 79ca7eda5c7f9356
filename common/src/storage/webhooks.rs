//! Webhook subscriptions (the `webhooks` list of a source's `harvester_source` document: per-source
//! configuration of the harvester, never in udata's `harvest_source`) and their deliveries
//! (`harvester_webhook_delivery`, one document per event and subscription, with every attempt).

use bson::oid::ObjectId;
use bson::{doc, DateTime};
use futures::TryStreamExt;
use mongodb::options::IndexOptions;
use mongodb::IndexModel;

use super::Store;
use crate::error::{Error, Result};
use crate::model::{DeliveryAttempt, DeliveryStatus, Webhook, WebhookDelivery};

/// Subscriptions per source, at most.
pub const MAX_WEBHOOKS: usize = 20;

impl Store {
    fn deliveries(&self) -> mongodb::Collection<WebhookDelivery> {
        self.db.collection(super::DELIVERIES)
    }

    /// Indexes of the deliveries (called by [`Store::ensure_indexes`]).
    pub(super) async fn ensure_webhook_indexes(&self) -> Result<()> {
        let coll = self.raw(super::DELIVERIES);
        coll.create_index(
            IndexModel::builder()
                .keys(doc! { "key": 1 })
                .options(
                    IndexOptions::builder()
                        .unique(true)
                        .name("key_unique".to_owned())
                        .build(),
                )
                .build(),
        )
        .await?;
        coll.create_index(
            IndexModel::builder()
                .keys(doc! { "source": 1, "created": -1 })
                .options(
                    IndexOptions::builder()
                        .name("source_created".to_owned())
                        .build(),
                )
                .build(),
        )
        .await?;
        coll.create_index(
            IndexModel::builder()
                .keys(doc! { "status": 1, "next_attempt_at": 1 })
                .options(
                    IndexOptions::builder()
                        .name("status_next_attempt".to_owned())
                        .build(),
                )
                .build(),
        )
        .await?;
        Ok(())
    }

    /// The subscriptions of a source, secrets included (for the sender only).
    pub async fn webhooks_of(&self, source: ObjectId) -> Result<Vec<Webhook>> {
        let state = self
            .raw(super::SOURCE_STATE)
            .find_one(doc! { "_id": source })
            .projection(doc! { "webhooks": 1 })
            .await?;
        let Some(list) = state.as_ref().and_then(|d| d.get_array("webhooks").ok()) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::with_capacity(list.len());
        for value in list {
            match bson::from_bson::<Webhook>(value.clone()) {
                Ok(hook) => out.push(hook),
                Err(e) => tracing::warn!(%source, error = %e, "webhook subscription not readable"),
            }
        }
        Ok(out)
    }

    /// Add a subscription; refused (conflict) beyond [`MAX_WEBHOOKS`] or for a URL the source
    /// already has.
    pub async fn add_webhook(&self, source: ObjectId, hook: &Webhook) -> Result<()> {
        let existing = self.webhooks_of(source).await?;
        if existing.iter().any(|h| h.url == hook.url) {
            return Err(Error::Conflict(format!(
                "the source already has a webhook to {}: delete it first to change it",
                hook.url
            )));
        }
        let full = || {
            Error::Conflict(format!(
                "a source has at most {MAX_WEBHOOKS} webhook subscriptions"
            ))
        };
        // The cap holds under concurrent adds: the filter misses once the list is full (and the
        // upsert's insert then hits the existing `_id`).
        let r = self
            .raw(super::SOURCE_STATE)
            .update_one(
                doc! { "_id": source, format!("webhooks.{}", MAX_WEBHOOKS - 1): { "$exists": false } },
                doc! { "$push": { "webhooks": bson::to_bson(hook)? } },
            )
            .upsert(true)
            .await;
        match r {
            Ok(r) if r.modified_count == 1 || r.upserted_id.is_some() => Ok(()),
            Ok(_) => Err(full()),
            Err(e) if crate::error::is_duplicate_key(&e) => Err(full()),
            Err(e) => Err(e.into()),
        }
    }

    /// Remove a subscription; false when the source has none with this id.
    pub async fn delete_webhook(&self, source: ObjectId, id: ObjectId) -> Result<bool> {
        let r = self
            .raw(super::SOURCE_STATE)
            .update_one(
                doc! { "_id": source, "webhooks.id": id },
                doc! { "$pull": { "webhooks": { "id": id } } },
            )
            .await?;
        Ok(r.modified_count == 1)
    }

    /// Store a new delivery; false when one with the same key exists (already enqueued).
    pub async fn insert_delivery(&self, delivery: &WebhookDelivery) -> Result<bool> {
        match self.deliveries().insert_one(delivery).await {
            Ok(_) => Ok(true),
            Err(e) if crate::error::is_duplicate_key(&e) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn get_delivery(&self, id: ObjectId) -> Result<Option<WebhookDelivery>> {
        Ok(self.deliveries().find_one(doc! { "_id": id }).await?)
    }

    /// Record one attempt of a pending delivery: still `Pending` with the time its next attempt
    /// is due, or ended (`Delivered`, `Failed`). Returns false when the delivery was no longer
    /// pending.
    pub async fn record_attempt(
        &self,
        id: ObjectId,
        attempt: &DeliveryAttempt,
        status: DeliveryStatus,
        next_attempt_at: Option<DateTime>,
    ) -> Result<bool> {
        let mut set = doc! { "status": status.as_str() };
        let mut update = doc! { "$push": { "attempts": bson::to_bson(attempt)? } };
        match (status, next_attempt_at) {
            (DeliveryStatus::Pending, Some(at)) => {
                set.insert("next_attempt_at", at);
            }
            (DeliveryStatus::Pending, None) => {}
            _ => {
                set.insert("ended", DateTime::now());
                update.insert("$unset", doc! { "next_attempt_at": "" });
            }
        }
        update.insert("$set", set);
        let r = self
            .deliveries()
            .update_one(
                doc! { "_id": id, "status": DeliveryStatus::Pending.as_str() },
                update,
            )
            .await?;
        Ok(r.modified_count == 1)
    }

    /// Claim up to `limit` pending deliveries whose next attempt was due before `due_before`
    /// (their message was lost), moving that time to `retry_at` so that another sweeper does
    /// not claim them too. Returns their ids, to publish again.
    pub async fn claim_lost_deliveries(
        &self,
        due_before: DateTime,
        retry_at: DateTime,
        limit: usize,
    ) -> Result<Vec<ObjectId>> {
        let mut out = Vec::new();
        while out.len() < limit {
            let claimed = self
                .raw(super::DELIVERIES)
                .find_one_and_update(
                    doc! {
                        "status": DeliveryStatus::Pending.as_str(),
                        "next_attempt_at": { "$lt": due_before },
                    },
                    doc! { "$set": { "next_attempt_at": retry_at } },
                )
                .projection(doc! { "_id": 1 })
                .await?;
            match claimed.and_then(|d| d.get_object_id("_id").ok()) {
                Some(id) => out.push(id),
                None => break,
            }
        }
        Ok(out)
    }

    /// Deliveries of a source, newest first.
    pub async fn deliveries_of(
        &self,
        source: ObjectId,
        limit: i64,
    ) -> Result<Vec<WebhookDelivery>> {
        Ok(self
            .deliveries()
            .find(doc! { "source": source })
            .sort(doc! { "created": -1 })
            .limit(limit)
            .projection(doc! { "payload": 0 })
            .await?
            .try_collect()
            .await?)
    }

    /// Keep the newest `keep` deliveries of a source, delete the older ones.
    pub async fn prune_deliveries(&self, source: ObjectId, keep: usize) -> Result<u64> {
        let ids = self
            .ids_beyond_newest(super::DELIVERIES, doc! { "source": source }, keep)
            .await?;
        if ids.is_empty() {
            return Ok(0);
        }
        let r = self
            .raw(super::DELIVERIES)
            .delete_many(doc! { "_id": { "$in": &ids } })
            .await?;
        Ok(r.deleted_count)
    }
}
