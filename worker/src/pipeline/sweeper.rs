//! The sweeper keeps jobs from hanging, whatever crashed. Any worker may run it; each stalled job
//! is claimed by a conditional update, so concurrent sweepers do not duplicate work.
//!
//! - A job pending or gathering without progress: its gather message is published again (gather
//!   is idempotent); past the stall timeout the job fails.
//! - A processing job without progress: counters are recomputed from the items; if all items are
//!   final it is finalized, else its open items are published again and the window topped up;
//!   past the stall timeout the open items are failed as lost and the job is finalized.
//! - A job stuck finalizing (finalizer died): back to processing, finalize again.
//! - A webhook delivery whose message was lost (a publish that failed): published again.

use std::sync::Arc;
use std::time::Duration;

use common::messages::{encode, GatherMessage};
use common::model::{HarvestError as JobError, JobStatus};
use common::queue::Role;
use common::shutdown::Shutdown;

use super::context::Context;
use super::window;

/// Sweep every `worker.sweep_secs` until shutdown.
pub async fn run(ctx: Arc<Context>, mut shutdown: Shutdown) {
    let every = Duration::from_secs(ctx.settings.worker.sweep_secs.max(1));
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.wait() => return,
        }
        if let Err(e) = sweep(&ctx).await {
            tracing::warn!(error = %e, "sweep failed");
        }
    }
}

/// One pass over stalled jobs.
pub async fn sweep(ctx: &Context) -> common::Result<()> {
    let h = &ctx.settings.harvest;
    let now = bson::DateTime::now();
    let requeue_edge =
        bson::DateTime::from_millis(now.timestamp_millis() - (h.stall_requeue_secs as i64) * 1000);
    let give_up_after = (h.stall_timeout_secs / h.stall_requeue_secs.max(1)).max(1) as i32;

    for job in ctx
        .store
        .stalled_jobs(
            &[
                JobStatus::Pending,
                JobStatus::Initializing,
                JobStatus::Initialized,
            ],
            requeue_edge,
        )
        .await?
    {
        if !ctx.store.claim_stalled(&job, now).await? {
            continue;
        }
        if job.stall_count + 1 >= give_up_after {
            let error = JobError::new(
                format!(
                    "gather made no progress for {} s: job abandoned",
                    h.stall_timeout_secs
                ),
                None,
            );
            if let Some(failed) = ctx.store.fail_job(job.id, error).await? {
                let backend = ctx
                    .source(failed.source)
                    .await
                    .map(|s| s.backend.clone())
                    .unwrap_or_default();
                super::finalize::record_finished(&failed, &backend);
                super::notify::job_ended(ctx, &failed).await;
            }
            continue;
        }
        tracing::info!(job = %job.id, status = %job.status, "re-publishing gather of a stalled job");
        let body = encode(&GatherMessage::new(job.id, job.source))?;
        ctx.broker.publish(Role::Gather, &body).await?;
    }

    for job in ctx
        .store
        .stalled_jobs(&[JobStatus::Processing], requeue_edge)
        .await?
    {
        if !ctx.store.claim_stalled(&job, now).await? {
            continue;
        }
        let counters = ctx.store.recount(job.id).await?;
        ctx.store.set_counters(job.id, &counters).await?;
        if counters.done >= counters.total {
            window::request_finalize(ctx, job.id).await?;
            continue;
        }
        if job.stall_count + 1 >= give_up_after {
            let lost = ctx
                .store
                .fail_open_items(
                    job.id,
                    &format!(
                        "lost: no progress for {} s, item abandoned",
                        h.stall_timeout_secs
                    ),
                )
                .await?;
            tracing::warn!(job = %job.id, lost, "stalled job: open items failed as lost");
            window::request_finalize(ctx, job.id).await?;
            continue;
        }
        let open = ctx
            .store
            .open_items(job.id, job.next_seq, h.job_window as i64)
            .await?;
        tracing::info!(job = %job.id, republished = open.len(), "re-publishing items of a stalled job");
        window::publish_items(ctx, job.id, &open).await?;
        window::top_up(ctx, job.id).await?;
    }

    for job in ctx
        .store
        .stalled_jobs(&[JobStatus::Finalizing], requeue_edge)
        .await?
    {
        if !ctx.store.claim_stalled(&job, now).await? {
            continue;
        }
        if ctx.store.reopen_finalizing(job.id).await?.is_some() {
            window::request_finalize(ctx, job.id).await?;
        }
    }
    super::notify::sweep(ctx).await?;
    Ok(())
}
