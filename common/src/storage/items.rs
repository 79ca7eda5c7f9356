//! `harvest_item` operations: gather inserts items (idempotently), the fairness window claims
//! pending ones for publication, the item worker starts and finishes them. Finishing is a
//! conditional update from an open status, so only the first finisher counts the item.

use bson::oid::ObjectId;
use bson::{doc, DateTime, Document};
use futures::TryStreamExt;

use super::bulk::UpdateStatement;
use super::Store;
use crate::error::{is_duplicate_key, Result};
use crate::model::{HarvestError, HarvestItem, ItemStatus, Payload, SkipReason};

/// An item listed by gather.
#[derive(Debug, Clone)]
pub struct NewItem {
    pub remote_id: String,
    pub remote_url: Option<String>,
    pub payload: Option<Payload>,
    /// Items failed at listing time (duplicate remote id…) are inserted final.
    pub failed: Option<HarvestError>,
    /// Items skipped at listing time (filtered out…).
    pub skipped: Option<SkipReason>,
    /// The source's record of this remote dataset, if any.
    pub previous: Option<crate::model::HarvestRecord>,
}

/// The final state of an item.
#[derive(Debug, Clone)]
pub enum ItemFinal {
    Done {
        dataset: ObjectId,
        created: bool,
        warnings: Vec<String>,
        /// What the write did to the dataset (the job's change list).
        change: Option<crate::model::DatasetChange>,
    },
    Skipped {
        reason: SkipReason,
        message: Option<String>,
        dataset: Option<ObjectId>,
        warnings: Vec<String>,
    },
    Failed {
        error: HarvestError,
        warnings: Vec<String>,
    },
}

impl ItemFinal {
    pub fn status(&self) -> ItemStatus {
        match self {
            Self::Done { .. } => ItemStatus::Done,
            Self::Skipped { .. } => ItemStatus::Skipped,
            Self::Failed { .. } => ItemStatus::Failed,
        }
    }
}

impl Store {
    /// Items of a job as stored, every field but the payload (the admin API shows them raw),
    /// optionally of one status, in listing order.
    pub async fn job_item_documents(
        &self,
        job: ObjectId,
        status: Option<ItemStatus>,
        skip: u64,
        limit: i64,
    ) -> Result<Vec<Document>> {
        let status = status.map(ItemStatus::as_str);
        job_item_page(&self.raw(super::ITEMS), job, status, skip, limit).await
    }

    /// How many items a job has, optionally of one status.
    pub async fn count_job_items(&self, job: ObjectId, status: Option<ItemStatus>) -> Result<u64> {
        let filter = job_filter(job, status.map(ItemStatus::as_str));
        Ok(self.items().count_documents(filter).await?)
    }

    /// Insert listed items for a job. Items already present (a gather re-run after a crash) are
    /// left as they are. Returns how many were new.
    pub async fn insert_items(
        &self,
        job: ObjectId,
        source: ObjectId,
        first_seq: i64,
        items: Vec<NewItem>,
    ) -> Result<u64> {
        if items.is_empty() {
            return Ok(0);
        }
        let now = DateTime::now();
        let docs: Vec<HarvestItem> = items
            .into_iter()
            .enumerate()
            .map(|(i, it)| {
                let (status, errors, skip_reason, ended) = match (it.failed, it.skipped) {
                    (Some(e), _) => (ItemStatus::Failed, vec![e], None, Some(now)),
                    (None, Some(r)) => (ItemStatus::Skipped, vec![], Some(r), Some(now)),
                    (None, None) => (ItemStatus::Pending, vec![], None, None),
                };
                let seq = first_seq + i as i64;
                // A dataset settled at listing time (page not modified, same content hash) is
                // the one stored before.
                let dataset = match status {
                    ItemStatus::Skipped => it.previous.as_ref().and_then(|p| p.dataset),
                    _ => None,
                };
                HarvestItem {
                    remote_url: it.remote_url,
                    status,
                    skip_reason,
                    dataset,
                    ended,
                    errors,
                    payload: it.payload,
                    previous: it.previous,
                    ..HarvestItem::listed(job, source, seq, it.remote_id, now)
                }
            })
            .collect();
        let n = docs.len() as u64;
        match self.items().insert_many(docs).ordered(false).await {
            Ok(r) => Ok(r.inserted_ids.len() as u64),
            Err(e) if is_duplicate_key(&e) => {
                use mongodb::error::ErrorKind;
                let dup = match &*e.kind {
                    ErrorKind::InsertMany(f) => {
                        f.write_errors.as_ref().map(|w| w.len() as u64).unwrap_or(0)
                    }
                    _ => 0,
                };
                Ok(n.saturating_sub(dup))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Of the claimed `ids`, those still open, in claim order: items final from their listing
    /// (duplicates, pages not modified) need no message. Nothing is written: an item below the
    /// job's `next_seq` that is still pending is claimed (published or about to be), which is
    /// what the sweeper looks for, so a `queued` status would cost one more write per item and
    /// say nothing new.
    pub async fn open_of(&self, ids: &[String]) -> Result<Vec<String>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let open = self
            .item_ids(
                doc! { "_id": { "$in": ids }, "status": { "$in": ItemStatus::OPEN.to_vec() } },
            )
            .await?;
        Ok(ids
            .iter()
            .filter(|id| open.contains(*id))
            .cloned()
            .collect())
    }

    /// The items of `ids` still open (not final), as the item worker needs them. Final ones (a
    /// duplicate delivery) and unknown ones are left out.
    pub async fn open_items_by_id(&self, ids: &[String]) -> Result<Vec<HarvestItem>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        Ok(self
            .items()
            .find(doc! { "_id": { "$in": ids }, "status": { "$in": ItemStatus::OPEN.to_vec() } })
            .await?
            .try_collect()
            .await?)
    }

    /// Move items into their final state, in one round trip. Returns, for each item, whether
    /// this call made the transition: only then does the caller count it (never twice).
    ///
    /// Each update is conditional on an open status and stamps the item with a token of this
    /// call. When every statement changed its item (the usual case) all of them are this
    /// call's; otherwise (a concurrent delivery finished some first) the token tells which.
    pub async fn finish_items(
        &self,
        finals: Vec<(String, ItemFinal, Document)>,
    ) -> Result<Vec<bool>> {
        if finals.is_empty() {
            return Ok(vec![]);
        }
        let token = ObjectId::new();
        let ids: Vec<String> = finals.iter().map(|(id, _, _)| id.clone()).collect();
        let mut statements = Vec::with_capacity(finals.len());
        for (id, result, timings) in finals {
            let mut update = final_update(&result, Some(timings))?;
            if let Ok(set) = update.get_document_mut("$set") {
                set.insert("finished_by", token);
            }
            statements.push(UpdateStatement {
                filter: doc! { "_id": id, "status": { "$in": ItemStatus::OPEN.to_vec() } },
                update,
                upsert: false,
            });
        }
        let n = statements.len();
        let outcome = self.bulk_update(super::ITEMS, statements).await?;
        if let Some((_, code, message)) = outcome.errors.first() {
            return Err(crate::error::Error::Message(format!(
                "finishing items failed ({code}): {message}"
            )));
        }
        if outcome.modified as usize == n {
            return Ok(vec![true; n]);
        }
        let mine = self
            .item_ids(doc! { "_id": { "$in": &ids }, "finished_by": token })
            .await?;
        Ok(ids.iter().map(|id| mine.contains(id)).collect())
    }

    /// The ids of the items matching `filter`.
    async fn item_ids(&self, filter: Document) -> Result<std::collections::HashSet<String>> {
        Ok(self
            .raw(super::ITEMS)
            .find(filter)
            .projection(doc! { "_id": 1 })
            .await?
            .try_collect::<Vec<Document>>()
            .await?
            .into_iter()
            .filter_map(|d| d.get_str("_id").ok().map(str::to_owned))
            .collect())
    }

    /// Open items of a job already claimed by its window (for the sweeper's re-publication):
    /// pending ones below `next_seq`, and `queued` or `started` ones written by earlier
    /// versions.
    pub async fn open_items(
        &self,
        job: ObjectId,
        next_seq: i64,
        limit: i64,
    ) -> Result<Vec<String>> {
        let found: Vec<Document> = self
            .raw(super::ITEMS)
            .find(doc! {
                "job": job,
                "$or": [
                    { "status": { "$in": ["queued", "started"] } },
                    { "status": "pending", "seq": { "$lt": next_seq } },
                ],
            })
            .limit(limit)
            .projection(doc! { "_id": 1 })
            .await?
            .try_collect()
            .await?;
        Ok(found
            .iter()
            .filter_map(|d| d.get_str("_id").ok().map(str::to_owned))
            .collect())
    }

    /// Fail every open item of a job with `message` (the sweeper gave up on them).
    pub async fn fail_open_items(&self, job: ObjectId, message: &str) -> Result<u64> {
        let err = bson::to_bson(&HarvestError::new(message, None))?;
        let r = self
            .raw(super::ITEMS)
            .update_many(
                doc! { "job": job, "status": { "$in": ItemStatus::OPEN.to_vec() } },
                doc! {
                    "$set": { "status": "failed", "ended": DateTime::now() },
                    "$push": { "errors": err },
                    "$unset": { "payload": "" },
                },
            )
            .await?;
        Ok(r.modified_count)
    }

    pub async fn get_item(&self, id: &str) -> Result<Option<HarvestItem>> {
        Ok(self.items().find_one(doc! { "_id": id }).await?)
    }

    /// Items of a job for the report, optionally of one status, in listing order, paged.
    pub async fn job_items(
        &self,
        job: ObjectId,
        status: Option<&str>,
        skip: u64,
        limit: i64,
    ) -> Result<Vec<HarvestItem>> {
        job_item_page(&self.items(), job, status, skip, limit).await
    }
}

/// One page of a job's items in listing order, without their payloads, read as `T` (the typed
/// item for the reports, the raw document for the admin API).
async fn job_item_page<T>(
    items: &mongodb::Collection<T>,
    job: ObjectId,
    status: Option<&str>,
    skip: u64,
    limit: i64,
) -> Result<Vec<T>>
where
    T: serde::de::DeserializeOwned + Send + Sync + Unpin,
{
    Ok(items
        .find(job_filter(job, status))
        .sort(doc! { "seq": 1 })
        .skip(skip)
        .limit(limit)
        .projection(doc! { "payload": 0 })
        .await?
        .try_collect()
        .await?)
}

/// The items of `job`, of one status if given (the reports' lists and counts).
fn job_filter(job: ObjectId, status: Option<&str>) -> Document {
    let mut filter = doc! { "job": job };
    if let Some(s) = status {
        filter.insert("status", s);
    }
    filter
}

/// The update that moves an open item into `result`.
fn final_update(result: &ItemFinal, timings: Option<Document>) -> Result<Document> {
    let now = DateTime::now();
    let mut set = doc! { "status": result.status().as_str(), "ended": now };
    if let Some(t) = timings {
        set.insert("timings", t);
    }
    let mut push = Document::new();
    match result {
        ItemFinal::Done {
            dataset,
            created,
            warnings,
            change,
        } => {
            set.insert("dataset", dataset);
            set.insert("created_dataset", created);
            set.insert("warnings", warnings);
            if let Some(change) = change {
                set.insert("change", bson::to_bson(change)?);
            }
        }
        ItemFinal::Skipped {
            reason,
            message,
            dataset,
            warnings,
        } => {
            set.insert("skip_reason", bson::to_bson(reason)?);
            if let Some(m) = message {
                set.insert("skip_message", m);
            }
            if let Some(d) = dataset {
                set.insert("dataset", d);
            }
            set.insert("warnings", warnings);
        }
        ItemFinal::Failed { error, warnings } => {
            push.insert("errors", bson::to_bson(error)?);
            set.insert("warnings", warnings);
        }
    }
    let mut update = doc! { "$set": set, "$unset": { "payload": "", "previous": "" } };
    if !push.is_empty() {
        update.insert("$push", push);
    }
    Ok(update)
}
