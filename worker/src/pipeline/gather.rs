//! The gather handler: claims a pending job, lets the source's backend list the remote catalog, and
//! stores each listed item in `harvest_item` (in batches) while filling the job's window. Once the
//! listing is over the total is known and the job opens for finalization (invariant: publish
//! first, then set `total`).
//!
//! Items settled by their listing are inserted final and never published: those of a catalog
//! page that answered 304, and those whose listed payload hashes as the last run's content
//! (backends with a listing hash: DCAT). A re-harvest of an unchanged catalog thus costs its
//! listing and a few writes per batch.
//!
//! Listing and storing overlap: the backend fetches and parses page N+1 while a writer stores the
//! batch made of page N (one batch in flight, one being filled, so memory stays bounded).
//!
//! A re-delivered gather (worker crash mid-listing) re-lists: items already stored are kept as
//! they are, so nothing is counted twice.

use std::sync::Arc;

use async_trait::async_trait;
use bson::oid::ObjectId;
use common::messages::GatherMessage;
use common::model::{HarvestError as JobError, JobStatus, Payload, SkipReason};
use common::storage::{NewItem, Progress};
use common::telemetry::metrics;

use tokio::sync::mpsc;

use super::consumer::{Delivered, Failure};
use super::context::Context;
use super::window;
use backends::error::HarvestError;
use backends::harvester::{
    FailedItem, GatherContext, GatherLimits, Harvester, ItemSink, PageMemory, RememberedPage,
    RemoteItem, SinkControl,
};

/// Items per stored batch, and the payload bytes at which a batch is stored sooner (three
/// batches at most are held: one filling, one queued, one being written).
const BATCH: usize = 500;
const BATCH_BYTES: usize = 4 << 20;

/// The gather consumer's handler: storage or broker errors come back later (the consumer
/// retries them); remote and backend errors fail the job inside [`gather`].
pub async fn handle(ctx: Arc<Context>, msg: GatherMessage, _: Delivered) -> Result<(), Failure> {
    Ok(gather(&ctx, &msg).await?)
}

/// Run one gather. `Err` only for infrastructure errors (retry later); remote and backend errors
/// fail the job.
pub async fn gather(ctx: &Context, msg: &GatherMessage) -> common::Result<()> {
    let now = bson::DateTime::now();
    let job = match ctx.store.start_gather(msg.job_id, now).await? {
        Some(job) => job,
        None => {
            let job = ctx.store.get_job(msg.job_id).await?;
            if !matches!(job.status, JobStatus::Initializing | JobStatus::Initialized) {
                return Ok(()); // already gathered: a duplicate message
            }
            tracing::info!(job = %job.id, "re-running an interrupted gather");
            job
        }
    };
    let source = ctx.store.get_source(job.source).await?;
    let backend = match backends::get(&source.backend) {
        Ok(b) => b,
        Err(e) => {
            if let Some(failed) = ctx
                .store
                .fail_job(job.id, JobError::new(e.to_string(), None))
                .await?
            {
                super::notify::job_ended(ctx, &failed).await;
            }
            return Ok(());
        }
    };
    metrics()
        .jobs_started
        .with_label_values(&[backend.name()])
        .inc();
    let conditional = !job.force_refresh && !source.feature("disable_conditional");
    let memory = StorePages {
        ctx,
        source: source.id,
    };
    let gctx = GatherContext {
        source: &source,
        fetcher: &ctx.fetcher,
        limits: GatherLimits {
            max_pages: ctx.settings.harvest.max_pages,
            max_items: ctx.settings.harvest.max_items,
        },
        conditional,
        pages: conditional.then_some(&memory as &dyn PageMemory),
    };
    // One batch queued while another is written: listing goes on during storage.
    let (batches, pending) = mpsc::channel(1);
    let mut sink = StoreSink::new(ctx, batches);
    let writer = BatchWriter {
        ctx,
        job: job.id,
        source: source.id,
        // A forced refresh writes every dataset again: nothing is settled as unchanged.
        backend: (!job.force_refresh).then(|| backend.clone()),
        backend_name: backend.name(),
    };
    let ((listed, flushed), written) = tokio::join!(
        async {
            let listed = backends::list(backend.as_ref(), &gctx, &mut sink).await;
            // What was listed before an error is kept for the report.
            let flushed = sink.close().await;
            (listed, flushed)
        },
        writer.run(pending),
    );
    // A writer error is the cause of any "writer stopped" the listing saw.
    let stored = written.and(flushed);
    let backends::Listed { mut report, error } = listed;
    match (error, stored) {
        (_, Err(HarvestError::Storage(e))) | (Some(HarvestError::Storage(e)), _)
            if e.is_transient() =>
        {
            return Err(e)
        }
        (None, Ok(())) => {}
        // The listing failed after listing items (an unreachable next page, exhausted retries,
        // a paging loop): the items already listed are processed like any others, the listing
        // stays incomplete (nothing is archived) and the job ends `done-errors` with the error.
        (Some(e), Ok(())) if sink.seq > 0 => {
            tracing::warn!(job = %job.id, source = %source.slug, listed = sink.seq, error = %e, "listing failed part-way: the listed items go on");
            let error = JobError::new(
                format!(
                    "listing of {} ({}) stopped after {} items: {e}",
                    source.name, source.url, sink.seq
                ),
                Some(e.details()),
            );
            ctx.store.add_job_error(job.id, &error).await?;
            report.notes.push(format!(
                "the listing failed part-way ({e}): the {} items listed before are harvested, vanished datasets are not archived",
                sink.seq
            ));
        }
        (_, Err(e)) | (Some(e), Ok(())) => {
            tracing::warn!(job = %job.id, source = %source.slug, error = %e, "gather failed");
            let error = JobError::new(
                format!("gather of {} ({}) failed: {e}", source.name, source.url),
                Some(e.details()),
            );
            if let Some(failed) = ctx.store.fail_job(job.id, error).await? {
                super::finalize::record_finished(&failed, backend.name());
                super::notify::job_ended(ctx, &failed).await;
            }
            return Ok(());
        }
    }
    let notes = &report.notes;
    let listing_complete = report.complete;
    let Some(job) = ctx
        .store
        .complete_gather(job.id, sink.seq, listing_complete, notes)
        .await?
    else {
        return Ok(());
    };
    tracing::info!(job = %job.id, source = %source.slug, total = sink.seq, pages = report.pages, "gather complete");
    window::top_up(ctx, job.id).await?;
    if job.counters.done >= job.counters.total {
        window::request_finalize(ctx, job.id).await?;
    }
    Ok(())
}

/// Stores listed items in batches (duplicates and max items are the listing driver's) and keeps
/// the job's window filled while the listing goes on. Full batches go to the [`BatchWriter`].
struct StoreSink {
    batches: Option<mpsc::Sender<Batch>>,
    batch: Vec<NewItem>,
    batch_bytes: usize,
    seq: i64,
    max_payload: usize,
}

/// Consecutive listed items, `first_seq` being the sequence number of the first.
struct Batch {
    first_seq: i64,
    items: Vec<NewItem>,
}

impl StoreSink {
    fn new(ctx: &Context, batches: mpsc::Sender<Batch>) -> Self {
        Self {
            batches: Some(batches),
            batch: Vec::with_capacity(BATCH),
            batch_bytes: 0,
            seq: 0,
            max_payload: ctx.settings.amqp.max_message_bytes,
        }
    }

    /// Hand the current batch to the writer (waits while the previous one is still queued).
    async fn flush(&mut self) -> Result<(), HarvestError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let items = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        self.batch_bytes = 0;
        let first_seq = self.seq - items.len() as i64;
        let sent = match &self.batches {
            Some(tx) => tx.send(Batch { first_seq, items }).await.is_ok(),
            None => false,
        };
        if sent {
            Ok(())
        } else {
            Err(HarvestError::Limit(
                "the item writer stopped: listing interrupted".to_owned(),
            ))
        }
    }

    /// Flush what remains and tell the writer the listing is over.
    async fn close(&mut self) -> Result<(), HarvestError> {
        let flushed = self.flush().await;
        self.batches = None;
        flushed
    }
}

/// Writes the batches of one gather, in order: previous records, items, counters, window.
struct BatchWriter<'a> {
    ctx: &'a Context,
    job: ObjectId,
    source: ObjectId,
    /// The backend, to settle unchanged items by their listing hash (`None`: forced refresh).
    backend: Option<Arc<dyn Harvester>>,
    /// Its name, for the metrics of the items failed at listing.
    backend_name: &'static str,
}

impl BatchWriter<'_> {
    /// Write batches until the listing closes its end; stops at the first error (the listing
    /// then sees its next hand-over fail).
    async fn run(self, mut batches: mpsc::Receiver<Batch>) -> Result<(), HarvestError> {
        while let Some(batch) = batches.recv().await {
            self.write(batch).await?;
        }
        Ok(())
    }

    async fn write(&self, Batch { first_seq, items }: Batch) -> Result<(), HarvestError> {
        let mut batch = items;
        let seq_after = first_seq + batch.len() as i64;
        let ids: Vec<String> = batch.iter().map(|i| i.remote_id.clone()).collect();
        let mut previous = self.ctx.store.records_for(self.source, &ids).await?;
        for item in &mut batch {
            item.previous = previous.remove(&item.remote_id);
            settle_not_modified(item);
        }
        let hashable = batch
            .iter()
            .any(|i| i.skipped.is_none() && i.failed.is_none() && stored_hash(i).is_some());
        if let (Some(backend), true) = (self.backend.clone(), hashable) {
            // Hashing is CPU work (a quarter of a millisecond per DCAT dataset).
            batch = tokio::task::spawn_blocking(move || {
                for item in &mut batch {
                    settle_unchanged(backend.as_ref(), item);
                }
                batch
            })
            .await
            .map_err(|e| HarvestError::Limit(format!("hashing listed items failed: {e}")))?;
        }
        // Items final from the start (duplicates, oversized) count at once.
        let settled = Progress {
            failed: batch.iter().filter(|i| i.failed.is_some()).count() as i64,
            skipped: batch
                .iter()
                .filter(|i| i.failed.is_none() && i.skipped.is_some())
                .count() as i64,
            ..Default::default()
        };
        let store = &self.ctx.store;
        store
            .insert_items(self.job, self.source, first_seq, batch)
            .await?;
        if settled.done() > 0 {
            store.add_progress(self.job, settled).await?;
        }
        if settled.failed > 0 {
            metrics()
                .items_processed
                .with_label_values(&[self.backend_name, "failed"])
                .inc_by(settled.failed as u64);
        }
        let now = bson::DateTime::now();
        store.touch_records(self.source, &ids, now).await?;
        store.set_listed_total(self.job, seq_after, now).await?;
        window::top_up(self.ctx, self.job).await?;
        Ok(())
    }
}

impl StoreSink {
    /// Store one listed item (failed already or not); a payload over the message limit fails it.
    async fn store(&mut self, mut new: NewItem) -> Result<SinkControl, HarvestError> {
        if let Some(size) = payload_size(new.payload.as_ref()).filter(|s| *s > self.max_payload) {
            new.payload = None;
            new.failed = Some(JobError::new(
                format!(
                    "dataset {:?} is too big to harvest: {size} bytes of metadata, limit {}",
                    new.remote_id, self.max_payload
                ),
                None,
            ));
        }
        self.batch_bytes += payload_size(new.payload.as_ref()).unwrap_or(0);
        self.batch.push(new);
        self.seq += 1;
        if self.batch.len() >= BATCH || self.batch_bytes >= BATCH_BYTES {
            self.flush().await?;
        }
        Ok(SinkControl::Continue)
    }
}

#[async_trait]
impl ItemSink for StoreSink {
    async fn push(&mut self, item: RemoteItem) -> Result<SinkControl, HarvestError> {
        self.store(NewItem {
            remote_id: item.remote_id,
            remote_url: item.remote_url,
            payload: Some(item.payload),
            failed: None,
            skipped: None,
            previous: None,
        })
        .await
    }

    async fn push_failed(&mut self, failed: FailedItem) -> Result<SinkControl, HarvestError> {
        self.store(NewItem {
            remote_id: failed.remote_id,
            remote_url: None,
            payload: None,
            failed: Some(JobError::new(failed.reason, None)),
            skipped: None,
            previous: None,
        })
        .await
    }
}

/// An item of a catalog page that answered 304, whose dataset the last run stored, is final at
/// once: no message, no item work. (One the last run did not store goes to an item worker, which
/// reports it and makes the next run download the pages again.)
fn settle_not_modified(item: &mut NewItem) {
    if item.failed.is_none()
        && item.payload == Some(Payload::Unchanged)
        && stored_hash(item).is_some()
    {
        item.payload = None;
        item.skipped = Some(SkipReason::NotModified);
    }
}

/// An item whose listed payload hashes as the last run's content, whose dataset the last run
/// stored, is final at once as unchanged: the item worker would map it only to skip it.
fn settle_unchanged(backend: &dyn Harvester, item: &mut NewItem) {
    if item.failed.is_some() || item.skipped.is_some() {
        return;
    }
    let Some(stored) = stored_hash(item) else {
        return;
    };
    let Some(hash) = item.payload.as_ref().and_then(|p| backend.listing_hash(p)) else {
        return;
    };
    if hash == stored {
        item.payload = None;
        item.skipped = Some(SkipReason::Unchanged);
    }
}

/// The content hash of the dataset the last run stored for this item, if any.
fn stored_hash(item: &NewItem) -> Option<&str> {
    item.previous.as_ref().and_then(|p| p.stored_hash())
}

fn payload_size(p: Option<&Payload>) -> Option<usize> {
    match p? {
        Payload::Rdf { ntriples, root } => Some(ntriples.len() + root.len()),
        Payload::Json(s) => Some(s.len()),
        Payload::Fetch | Payload::Unchanged => None,
    }
}

/// Catalog pages remembered in `harvest_page`, for conditional requests on the next run.
struct StorePages<'a> {
    ctx: &'a Context,
    source: ObjectId,
}

#[async_trait]
impl PageMemory for StorePages<'_> {
    async fn recall(&self, url: &str) -> Option<RememberedPage> {
        let page = self.ctx.store.get_page(self.source, url).await.ok()??;
        Some(RememberedPage {
            validators: backends::fetch::Validators {
                etag: page.etag,
                last_modified: page.last_modified,
            },
            remote_ids: page.remote_ids,
            next: page.next,
        })
    }

    async fn remember(&self, url: &str, page: RememberedPage) {
        let record = common::storage::PageRecord {
            source: self.source,
            url: url.to_owned(),
            etag: page.validators.etag,
            last_modified: page.validators.last_modified,
            remote_ids: page.remote_ids,
            next: page.next,
            fetched_at: bson::DateTime::now(),
        };
        if let Err(e) = self.ctx.store.save_page(&record).await {
            tracing::warn!(url, error = %e, "cannot remember catalog page validators");
        }
    }
}
