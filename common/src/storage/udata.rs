//! The documents udata reads: `harvest_job` and `harvest_source` written in udata's own schema and
//! nothing else, from the harvester's state kept in collections of its own.
//!
//! udata's MongoEngine models are strict: one unknown field makes a document unreadable (500 on
//! its page and API). So the harvester's run state (counters, window, stall data, schedule, run
//! lock…) lives in `harvester_job` / `harvester_source`, and this module derives udata's view:
//! - a job's udata document is written when the job is created and at each status transition (a
//!   handful of writes per job, none per item). Its `items` are embedded only once the job is
//!   final, as udata embeds them, capped so the document stays far below MongoDB's 16 MB: every
//!   failed item up to [`FAILED_ITEMS`], then the first [`OTHER_ITEMS`] others, within
//!   [`ITEMS_BYTES`]. What is left out is counted in the job's `data.items_omitted`; the full
//!   per-item history stays in `harvester_item`.
//! - a source's udata document carries the fields udata's admin lists, shows, edits and validates,
//!   never a `periodic_task` (udata's own scheduler must never harvest it too).

use bson::oid::ObjectId;
use bson::{doc, Bson, Document};
use futures::TryStreamExt;

use super::Store;
use crate::error::Result;
use crate::model::{HarvestError, HarvestItem, HarvestJob, HarvestSource, ItemStatus, JobStatus};

/// Failed items embedded in a final job's udata document, at most.
pub const FAILED_ITEMS: i64 = 5_000;
/// Other (done, skipped) items embedded after the failed ones, at most.
pub const OTHER_ITEMS: i64 = 1_000;
/// Encoded size of the embedded items, at most (MongoDB's limit is 16 MB per document).
pub const ITEMS_BYTES: usize = 4 << 20;
/// Longest error message and details copied into udata's documents.
const MESSAGE_CHARS: usize = 1_000;
const DETAILS_CHARS: usize = 2_000;
/// Warnings of an item copied as udata `logs`, at most.
const ITEM_LOGS: usize = 20;

/// udata's item statuses, in its order (`HARVEST_ITEM_STATUS`).
const UDATA_ITEM_STATUSES: [&str; 6] = [
    "pending", "started", "done", "failed", "skipped", "archived",
];

/// The status udata shows for a job: udata has no `finalizing` (it is still processing).
pub fn udata_job_status(status: JobStatus) -> &'static str {
    match status {
        JobStatus::Finalizing => "processing",
        other => other.as_str(),
    }
}

fn udata_item_status(status: ItemStatus) -> &'static str {
    match status {
        ItemStatus::Queued => "pending",
        other => other.as_str(),
    }
}

fn truncate(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

fn udata_error(error: &HarvestError) -> Document {
    let mut d = doc! {
        "created_at": error.created_at,
        "message": truncate(&error.message, MESSAGE_CHARS),
    };
    if let Some(details) = &error.details {
        d.insert("details", truncate(details, DETAILS_CHARS));
    }
    d
}

/// One item as udata embeds it in its job (`HarvestItem`).
fn udata_item(item: &HarvestItem) -> Document {
    let mut d = doc! {
        "remote_id": &item.remote_id,
        "status": udata_item_status(item.status),
        "created": item.created,
        "errors": item.errors.iter().map(udata_error).map(Bson::Document).collect::<Vec<_>>(),
        "logs": item.warnings.iter().take(ITEM_LOGS).map(|w| Bson::Document(doc! {
            "level": "warning",
            "message": truncate(w, MESSAGE_CHARS),
        })).collect::<Vec<_>>(),
    };
    if let Some(url) = &item.remote_url {
        d.insert("remote_url", url);
    }
    if let Some(dataset) = item.dataset {
        d.insert("dataset", dataset);
    }
    if let Some(started) = item.started {
        d.insert("started", started);
    }
    if let Some(ended) = item.ended {
        d.insert("ended", ended);
    }
    d
}

/// A job's udata document, without its embedded items.
fn udata_job_doc(job: &HarvestJob) -> Document {
    let mut data = job.data.clone();
    data.insert(
        "counters",
        doc! {
            "total": job.counters.total, "created": job.counters.created,
            "updated": job.counters.updated, "skipped": job.counters.skipped,
            "failed": job.counters.failed, "archived": job.counters.archived,
        },
    );
    let mut d = doc! {
        "_id": job.id,
        "created": job.created,
        "status": udata_job_status(job.status),
        "source": job.source,
        "errors": job.errors.iter().map(udata_error).map(Bson::Document).collect::<Vec<_>>(),
        "data": data,
    };
    if let Some(started) = job.started {
        d.insert("started", started);
    }
    if let Some(ended) = job.ended {
        d.insert("ended", ended);
    }
    d
}

/// What a final job embeds: the items and udata's stored counters of them.
struct EmbeddedItems {
    items: Vec<Bson>,
    by_status: Document,
    by_type: Document,
    omitted: i64,
}

impl Store {
    /// Write (create or replace) the udata view of `job`. Final jobs also get their embedded
    /// items. The whole document is replaced: udata's view never keeps a field of ours.
    ///
    /// Two transitions of one job can write this view from different tasks (the gather's
    /// `processing`, then the finalizer's `done`), and the older write may land last. So every
    /// writer reads the job again after writing, and writes once more when its status moved on
    /// meanwhile: whichever write lands last is followed by a read of the newest state.
    pub async fn write_udata_job(&self, job: &HarvestJob) -> Result<()> {
        self.replace_udata_job(job).await?;
        match self.get_job(job.id).await {
            Ok(now) if now.status != job.status => self.replace_udata_job(&now).await,
            Ok(_) | Err(crate::error::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    async fn replace_udata_job(&self, job: &HarvestJob) -> Result<()> {
        let mut d = udata_job_doc(job);
        if job.status.is_final() {
            let embedded = self.embedded_items(job).await?;
            d.insert("items_total", embedded.items.len() as i64);
            d.insert("items_by_status", embedded.by_status);
            d.insert("items_by_type", embedded.by_type);
            d.insert("items", embedded.items);
            if let Ok(data) = d.get_document_mut("data") {
                data.insert("items_omitted", embedded.omitted);
            }
        } else {
            d.insert("items", Vec::<Bson>::new());
            d.insert("items_total", 0_i64);
            d.insert("items_by_status", zero_by_status());
            d.insert(
                "items_by_type",
                doc! { "dataset": 0_i64, "dataservice": 0_i64 },
            );
        }
        self.raw(super::UDATA_JOBS)
            .replace_one(doc! { "_id": job.id }, d)
            .upsert(true)
            .await?;
        Ok(())
    }

    /// Every failed item (up to [`FAILED_ITEMS`]) then the first others, within [`ITEMS_BYTES`].
    async fn embedded_items(&self, job: &HarvestJob) -> Result<EmbeddedItems> {
        let projection = doc! { "payload": 0, "previous": 0, "timings": 0 };
        let failed: Vec<HarvestItem> = self
            .items()
            .find(doc! { "job": job.id, "status": "failed" })
            .sort(doc! { "seq": 1 })
            .limit(FAILED_ITEMS)
            .projection(projection.clone())
            .await?
            .try_collect()
            .await?;
        let others: Vec<HarvestItem> = self
            .items()
            .find(doc! { "job": job.id, "status": { "$ne": "failed" } })
            .sort(doc! { "seq": 1 })
            .limit(OTHER_ITEMS)
            .projection(projection)
            .await?
            .try_collect()
            .await?;
        let mut items = Vec::with_capacity(failed.len() + others.len());
        let mut bytes = 0_usize;
        let mut counts = std::collections::HashMap::<&'static str, i64>::new();
        let mut datasets = 0_i64;
        for item in failed.iter().chain(others.iter()) {
            let d = udata_item(item);
            let size = bson::to_vec(&d).map(|v| v.len()).unwrap_or(MESSAGE_CHARS);
            if bytes + size > ITEMS_BYTES {
                break;
            }
            bytes += size;
            *counts.entry(udata_item_status(item.status)).or_default() += 1;
            if item.dataset.is_some() {
                datasets += 1;
            }
            items.push(Bson::Document(d));
        }
        let mut by_status = Document::new();
        for status in UDATA_ITEM_STATUSES {
            by_status.insert(status, counts.get(status).copied().unwrap_or(0));
        }
        let omitted = (job.counters.total - items.len() as i64).max(0);
        Ok(EmbeddedItems {
            items,
            by_status,
            by_type: doc! { "dataset": datasets, "dataservice": 0_i64 },
            omitted,
        })
    }
}

fn zero_by_status() -> Document {
    let mut d = Document::new();
    for status in UDATA_ITEM_STATUSES {
        d.insert(status, 0_i64);
    }
    d
}

/// Keys of a source document that are the harvester's, not udata's (kept in `harvester_source`).
pub const SOURCE_STATE_KEYS: [&str; 6] = [
    "schedule",
    "next_run_at",
    "runs",
    "running_job",
    "last_modified",
    "last_scheduled_at",
];

/// Split a source into udata's document (`harvest_source`) and the harvester's state
/// (`harvester_source`, same `_id`).
pub fn split_source(source: &HarvestSource) -> Result<(Document, Document)> {
    let mut udata = bson::to_document(source)?;
    let mut state = doc! { "_id": source.id };
    for key in SOURCE_STATE_KEYS {
        if let Some(value) = udata.remove(key) {
            state.insert(key, value);
        }
    }
    // udata's `validation.by` references a user document; the harvester records an operator
    // name, which lives in its own state.
    if let Ok(validation) = udata.get_document_mut("validation") {
        if let Some(by) = validation.remove("by") {
            state.insert("validated_by", by);
        }
    }
    // udata's scheduler frequency: the harvester schedules the source itself.
    udata.insert("frequency", "manual");
    Ok((udata, state))
}

/// Merge udata's source document and the harvester's state into one document of the model.
pub fn merge_source(mut udata: Document, state: Option<Document>) -> Document {
    // A validation made in udata's admin names a user id: show it as such.
    if let Ok(validation) = udata.get_document_mut("validation") {
        if let Some(Bson::ObjectId(user)) = validation.get("by").cloned() {
            validation.insert("by", format!("user:{}", user.to_hex()));
        }
    }
    if let Some(state) = state {
        for (key, value) in state {
            match key.as_str() {
                "_id" => {}
                "validated_by" => {
                    if let Ok(validation) = udata.get_document_mut("validation") {
                        validation.insert("by", value);
                    }
                }
                _ => {
                    udata.insert(key, value);
                }
            }
        }
    }
    udata
}

/// Ids of the given documents.
pub fn ids_of(docs: &[Document]) -> Vec<ObjectId> {
    docs.iter()
        .filter_map(|d| d.get_object_id("_id").ok())
        .collect()
}
