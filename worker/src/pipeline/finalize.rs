//! The finalize handler: exactly once per job (a conditional `processing → finalizing` claim), it
//! recomputes the exact counters from `harvest_item`, archives the source's datasets that vanished
//! from the remote (only after a complete listing, only past the grace period, never above the
//! safety share), writes the final status and end date, releases the source's run lock, records
//! the run in the source's health history (and the archived datasets in the job's change list),
//! enqueues the webhook notifications of the job's end and purges jobs beyond the retention count.

use std::sync::Arc;

use bson::doc;
use common::messages::FinalizeMessage;
use common::model::{HarvestJob, JobStatus};
use common::telemetry::metrics;

use super::consumer::{Delivered, Failure};
use super::context::Context;

/// The finalize consumer's handler (storage or broker errors come back later).
pub async fn handle(ctx: Arc<Context>, msg: FinalizeMessage, _: Delivered) -> Result<(), Failure> {
    Ok(finalize(&ctx, msg.job_id).await?)
}

/// Finalize a job if it is ready and nobody else did. Safe to call any number of times.
pub async fn finalize(ctx: &Context, job_id: bson::oid::ObjectId) -> common::Result<()> {
    let job = ctx.store.get_job(job_id).await?;
    if job.status.is_final() {
        // A repeated finalize (or one retried after its run record failed): recording is
        // idempotent and completes a history an interruption left short.
        return ctx.store.record_run(&job).await;
    }
    if job.status != JobStatus::Processing {
        return Ok(());
    }
    // Counters may lag the items (a worker died between the two writes): trust the items.
    let counters = ctx.store.recount(job_id).await?;
    if !job.gather_complete || counters.done < counters.total {
        ctx.store.set_counters(job_id, &counters).await?;
        return Ok(()); // not finished yet: a later item or the sweeper asks again
    }
    let Some(job) = ctx.store.start_finalizing(job_id).await? else {
        return Ok(()); // another finalizer won
    };
    ctx.store.set_counters(job_id, &counters).await?;
    let source = ctx.store.get_source(job.source).await?;
    let now = chrono::Utc::now();
    let mut archive = doc! {};
    let mut archived = 0_i64;
    if !source.autoarchive {
        archive.insert("skipped", "autoarchive is off for this source");
    } else if !job.listing_complete {
        archive.insert("skipped", "the listing was incomplete: nothing archived");
    } else {
        let grace_edge = now - chrono::Duration::days(ctx.settings.harvest.archive_grace_days);
        let started = job.started.map(|d| d.to_chrono()).unwrap_or(now);
        let edge = bson::DateTime::from_chrono(grace_edge.min(started));
        let outcome = ctx
            .store
            .archive_vanished(&source, edge, ctx.settings.harvest.archive_max_share)
            .await?;
        archived = outcome.archived;
        ctx.store
            .record_archived(job.id, source.id, &outcome.datasets)
            .await?;
        archive.insert("candidates", outcome.candidates);
        archive.insert("archived", outcome.archived);
        if let Some(reason) = outcome.refused {
            tracing::warn!(job = %job.id, source = %source.slug, %reason, "archiving refused");
            archive.insert("refused", reason);
        }
    }
    if archived > 0 {
        metrics()
            .items_processed
            .with_label_values(&[&source.backend, "archived"])
            .inc_by(archived as u64);
    }
    // A job with errors of its own (a listing that failed part-way) has errors too.
    let status = if counters.failed > 0 || !job.errors.is_empty() {
        JobStatus::DoneErrors
    } else {
        JobStatus::Done
    };
    let ended = bson::DateTime::now();
    let done = ctx
        .store
        .end_job(job_id, status, ended, archived, archive)
        .await?;
    ctx.store.unlock_source(job.source, job.id).await?;
    if let Some(done) = done {
        // The source's run history and health (kept beyond job retention).
        ctx.store.record_run(&done).await?;
        record_finished(&done, &source.backend);
        super::notify::job_ended(ctx, &done).await;
        tracing::info!(
            job = %done.id, source = %source.slug, status = %done.status,
            total = counters.total, created = counters.created, updated = counters.updated,
            skipped = counters.skipped, failed = counters.failed, archived,
            "job finished"
        );
    }
    let purged = ctx
        .store
        .purge_old_jobs(job.source, ctx.settings.harvest.keep_jobs)
        .await?;
    if purged > 0 {
        tracing::info!(source = %source.slug, purged, "old jobs purged");
    }
    Ok(())
}

/// Metrics of a job that reached a final state.
pub fn record_finished(job: &HarvestJob, backend: &str) {
    let m = metrics();
    m.jobs_finished
        .with_label_values(&[backend, job.status.as_str()])
        .inc();
    if let (Some(start), Some(end)) = (job.started.or(Some(job.created)), job.ended) {
        let secs = (end.timestamp_millis() - start.timestamp_millis()) as f64 / 1000.0;
        m.job_duration
            .with_label_values(&[backend])
            .observe(secs.max(0.0));
    }
    if matches!(job.status, JobStatus::Done | JobStatus::DoneErrors) {
        let at = job
            .ended
            .map(|e| e.timestamp_millis() as f64 / 1000.0)
            .unwrap_or(0.0);
        m.last_success.with_label_values(&[backend]).set(at);
    }
}
