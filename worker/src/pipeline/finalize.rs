//! The finalize handler: exactly once per job (a conditional `processing → finalizing` claim), it
//! recomputes the exact counters from `harvest_item`, archives the source's datasets that vanished
//! from the remote (only after a complete listing, only past the grace period, never above the
//! safety share), writes the final status and end date, releases the source's run lock and purges
//! jobs beyond the retention count.

use async_trait::async_trait;
use bson::doc;
use common::messages::{decode, FinalizeMessage};
use common::model::{HarvestJob, JobStatus};
use common::telemetry::metrics;

use super::consumer::Handler;
use super::context::Context;
use super::Disposition;

pub struct FinalizeHandler;

#[async_trait]
impl Handler for FinalizeHandler {
    async fn handle(
        &self,
        ctx: &Context,
        body: &[u8],
        attempt: u32,
        _redelivered: bool,
    ) -> Disposition {
        let msg: FinalizeMessage = match decode(body) {
            Ok(m) => m,
            Err(e) => return Disposition::DeadLetter(e.to_string()),
        };
        match finalize(ctx, msg.job_id).await {
            Ok(()) => Disposition::Ack,
            Err(e) => {
                tracing::warn!(job = %msg.job_id, error = %e, "finalize interrupted, will retry");
                Disposition::Retry {
                    attempt,
                    delay_ms: ctx.broker.topology().retry_delay(attempt, None),
                    error: e.to_string(),
                }
            }
        }
    }
}

/// Finalize a job if it is ready and nobody else did. Safe to call any number of times.
pub async fn finalize(ctx: &Context, job_id: bson::oid::ObjectId) -> common::Result<()> {
    let job = ctx.store.get_job(job_id).await?;
    if job.status != JobStatus::Processing {
        return Ok(());
    }
    // Counters may lag the items (a worker died between the two writes): trust the items.
    let counters = ctx.store.recount(job_id).await?;
    if !job.gather_complete || counters.done < counters.total {
        ctx.store.set_counters(job_id, &counters).await?;
        return Ok(()); // not finished yet: a later item or the sweeper asks again
    }
    let Some(job) = ctx
        .store
        .transition_job(
            job_id,
            &[JobStatus::Processing],
            JobStatus::Finalizing,
            doc! { "last_progress": bson::DateTime::now() },
        )
        .await?
    else {
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
    let status = if counters.failed > 0 {
        JobStatus::DoneErrors
    } else {
        JobStatus::Done
    };
    let ended = bson::DateTime::now();
    let done = ctx
        .store
        .transition_job(
            job_id,
            &[JobStatus::Finalizing],
            status,
            doc! { "ended": ended, "counters.archived": archived, "data.archive": archive },
        )
        .await?;
    ctx.store.unlock_source(job.source, job.id).await?;
    if let Some(done) = done {
        record_finished(&done, &source.backend);
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
