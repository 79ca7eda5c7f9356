//! The item handler: one remote dataset of one job. It starts the item (a conditional update, so a
//! duplicate delivery of a finished item does nothing), lets the backend fetch and map it, skips it
//! when its content hash is unchanged, applies the source filters, upserts the dataset by
//! identity, remembers hash and validators, and moves the item to its final state. Only the call
//! that made that transition counts it in the job and refills the job's window.
//!
//! Transient remote errors go to a delay queue (bounded attempts, `Retry-After` honoured); a
//! storage outage is retried without consuming the item's attempts. A failing item never fails
//! the job's other items.

use std::time::Instant;

use async_trait::async_trait;
use bson::doc;
use common::messages::{decode, ItemMessage};
use common::model::{HarvestError as JobError, HarvestItem, HarvestRecord, Payload, SkipReason};
use common::storage::{ItemFinal, Progress};
use common::telemetry::metrics;

use super::consumer::Handler;
use super::context::Context;
use super::{filters, Disposition};
use crate::backends;
use crate::error::HarvestError;
use crate::harvester::{ItemContext, ItemOutcome};
use crate::mapping::{text, MapContext};

pub struct ItemHandler;

#[async_trait]
impl Handler for ItemHandler {
    async fn handle(
        &self,
        ctx: &Context,
        body: &[u8],
        attempt: u32,
        redelivered: bool,
    ) -> Disposition {
        let msg: ItemMessage = match decode(body) {
            Ok(m) => m,
            Err(e) => return Disposition::DeadLetter(e.to_string()),
        };
        let m = metrics();
        m.items_in_flight.inc();
        let result = process(ctx, &msg, attempt, redelivered).await;
        m.items_in_flight.dec();
        match result {
            Ok(d) => d,
            Err(e) => {
                // Storage or broker outage: try again later, same attempt (not the item's fault).
                tracing::warn!(item = %msg.item_id, error = %e, "item interrupted by infrastructure error, will retry");
                Disposition::Retry {
                    attempt,
                    delay_ms: ctx.broker.topology().retry_delay(1, None),
                    error: e.to_string(),
                }
            }
        }
    }
}

async fn process(
    ctx: &Context,
    msg: &ItemMessage,
    attempt: u32,
    _redelivered: bool,
) -> common::Result<Disposition> {
    let Some(item) = ctx.store.open_item(&msg.item_id).await? else {
        return Ok(Disposition::Ack); // already final: a duplicate delivery
    };
    let source = ctx.source(item.source).await?;
    let backend_name = source.backend.clone();
    let started = Instant::now();
    let outcome = run_backend(ctx, &item, &source).await;
    let mut timings = doc! {};
    let final_state = match outcome {
        Err(e)
            if e.is_transient() && (attempt as i64) < ctx.settings.harvest.item_attempts as i64 =>
        {
            if let HarvestError::Storage(s) = e {
                return Err(s);
            }
            let delay_ms = ctx.broker.topology().retry_delay(attempt, e.retry_after());
            return Ok(Disposition::Retry {
                attempt: attempt + 1,
                delay_ms,
                error: e.to_string(),
            });
        }
        Err(HarvestError::Storage(e)) if e.is_transient() => return Err(e),
        Err(e) => {
            let message = format!("{} ({}): {e}", item.remote_id, source.url);
            ItemFinal::Failed {
                error: JobError::new(message, Some(e.details())),
                warnings: vec![],
            }
        }
        Ok((out, fetch_map, previous)) => {
            timings.insert("process_ms", fetch_map.as_millis() as i64);
            write(ctx, &item, &source, out, previous, &mut timings).await?
        }
    };
    timings.insert("total_ms", started.elapsed().as_millis() as i64);
    let (progress, outcome) = match &final_state {
        ItemFinal::Done { created: true, .. } => (
            Progress {
                created: 1,
                ..Default::default()
            },
            "created",
        ),
        ItemFinal::Done { created: false, .. } => (
            Progress {
                updated: 1,
                ..Default::default()
            },
            "updated",
        ),
        ItemFinal::Skipped { .. } => (
            Progress {
                skipped: 1,
                ..Default::default()
            },
            "skipped",
        ),
        ItemFinal::Failed { .. } => (
            Progress {
                failed: 1,
                ..Default::default()
            },
            "failed",
        ),
    };
    if let ItemFinal::Failed { error, .. } = &final_state {
        tracing::info!(job = %item.job, remote_id = %item.remote_id, error = %error.message, "item failed");
    }
    // Only the call that moved the item into its final state counts it.
    if ctx
        .store
        .finish_item(&item.id, &final_state, Some(timings))
        .await?
    {
        metrics()
            .items_processed
            .with_label_values(&[&backend_name, outcome])
            .inc();
        ctx.progress.report(item.job, progress);
    }
    Ok(Disposition::Ack)
}

/// Fetch and map through the source's backend.
async fn run_backend(
    ctx: &Context,
    item: &HarvestItem,
    source: &common::model::HarvestSource,
) -> Result<(ItemOutcome, std::time::Duration, Option<HarvestRecord>), HarvestError> {
    let backend = backends::get(&source.backend)?;
    let job = ctx.job(item.job).await?;
    if job.status.is_final() {
        return Err(HarvestError::Limit(format!(
            "job {} already ended ({})",
            job.id, job.status
        )));
    }
    let payload = item
        .payload
        .clone()
        .ok_or_else(|| HarvestError::Limit("item has no payload".into()))?;
    let previous = item.previous.clone();
    if payload == Payload::Unchanged {
        // Its catalog page answered 304: settled without parsing, if the last run stored it.
        if previous.as_ref().and_then(|p| p.stored_hash()).is_some() {
            return Ok((
                ItemOutcome::Skipped(
                    SkipReason::NotModified,
                    Some("catalog page not modified".into()),
                ),
                std::time::Duration::ZERO,
                previous,
            ));
        }
        // Nothing stored from the last run (it failed): fetch the pages again next time.
        ctx.store.forget_pages(source.id).await?;
        return Err(HarvestError::Limit(format!(
            "catalog page not modified but dataset {} was not harvested before; the next run downloads the pages again",
            item.remote_id
        )));
    }
    let conditional = !job.force_refresh && !source.feature("disable_conditional");
    let ictx = ItemContext {
        source,
        fetcher: &ctx.fetcher,
        map: MapContext {
            source,
            licenses: &ctx.licenses,
            now: chrono::Utc::now(),
        },
        previous: previous.as_ref(),
        conditional,
    };
    let stage = if matches!(payload, Payload::Fetch) {
        "fetch"
    } else {
        "map"
    };
    let t = Instant::now();
    let out = backend.process(&ictx, &item.remote_id, &payload).await;
    let elapsed = t.elapsed();
    metrics()
        .item_stage_duration
        .with_label_values(&[stage])
        .observe(elapsed.as_secs_f64());
    let out = out?;
    // Unchanged content: nothing to write (unless this run forces a refresh or the dataset is gone).
    if let ItemOutcome::Mapped { content_hash, .. } = &out {
        if let Some(stored) = previous.as_ref().and_then(|p| p.stored_hash()) {
            if !job.force_refresh && stored == content_hash {
                return Ok((
                    ItemOutcome::Skipped(SkipReason::Unchanged, None),
                    elapsed,
                    previous,
                ));
            }
        }
    }
    Ok((out, elapsed, previous))
}

/// Apply filters and write the dataset; returns the item's final state.
async fn write(
    ctx: &Context,
    item: &HarvestItem,
    source: &common::model::HarvestSource,
    outcome: ItemOutcome,
    previous: Option<HarvestRecord>,
    timings: &mut bson::Document,
) -> common::Result<ItemFinal> {
    match outcome {
        ItemOutcome::Skipped(reason, message) => {
            let dataset = previous.as_ref().and_then(|p| p.dataset);
            // Gather already refreshed `last_seen`; an unchanged item costs no write.
            Ok(ItemFinal::Skipped {
                reason,
                message,
                dataset,
                warnings: vec![],
            })
        }
        ItemOutcome::Mapped {
            mapped,
            content_hash,
            validators,
        } => {
            let mut mapped = *mapped;
            let backend = backends::get(&source.backend)
                .map_err(|e| common::Error::Message(e.to_string()))?;
            if let Err(reason) = filters::check(
                &source.config.filters,
                backend.filter_keys(),
                &mapped.dataset,
            ) {
                return Ok(ItemFinal::Skipped {
                    reason: SkipReason::Filtered,
                    message: Some(reason),
                    dataset: None,
                    warnings: mapped.warnings,
                });
            }
            if mapped.dataset.slug.is_empty() {
                mapped.dataset.slug = text::slugify(&mapped.dataset.title);
            }
            let t = Instant::now();
            let known = previous.as_ref().and_then(|p| p.dataset);
            let upsert = ctx
                .store
                .upsert_dataset(source, mapped.dataset, &mapped.contact_points, known)
                .await?;
            let validators = validators.unwrap_or_default();
            ctx.store
                .save_record(
                    source.id,
                    &item.remote_id,
                    Some(upsert.id),
                    Some(&content_hash),
                    validators.etag.as_deref(),
                    validators.last_modified.as_deref(),
                    item.job,
                    bson::DateTime::now(),
                )
                .await?;
            let store_time = t.elapsed();
            metrics()
                .item_stage_duration
                .with_label_values(&["store"])
                .observe(store_time.as_secs_f64());
            timings.insert("store_ms", store_time.as_millis() as i64);
            Ok(ItemFinal::Done {
                dataset: upsert.id,
                created: upsert.created,
                warnings: mapped.warnings,
            })
        }
    }
}
