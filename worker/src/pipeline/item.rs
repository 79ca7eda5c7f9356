//! The item handler: a batch of remote datasets of one job (one message carries up to
//! `harvest.item_batch` of them). Items already final (a duplicate delivery) are left out; the
//! backend fetches and maps each of the others (fetches overlap); an item whose content hash is
//! unchanged is skipped, the source filters apply, and the datasets of the batch are upserted by
//! identity, their records saved and the items moved to their final state, each in one round trip
//! for the whole batch. Only the call that made an item's final transition counts it in the job
//! and refills the job's window.
//!
//! Transient remote errors send the items that met them to a delay queue (bounded attempts,
//! `Retry-After` honoured); a storage outage retries the whole message without consuming
//! attempts (finished items are not redone). A failing item never fails the batch's other items.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bson::doc;
use bson::oid::ObjectId;
use common::messages::{encode, ItemMessage};
use common::model::{
    HarvestError as JobError, HarvestItem, HarvestRecord, HarvestSource, Payload, SkipReason,
};
use common::queue::Role;
use common::storage::{DatasetWrite, ItemFinal, Progress, RecordWrite};
use common::telemetry::metrics;

use super::consumer::{Delivered, Failure};
use super::context::Context;
use backends::error::HarvestError;
use backends::fetch::Validators;
use backends::harvester::{ItemContext, ItemOutcome};
use backends::mapping::{MapContext, MappedDataset};

/// The item consumer's handler: a few items of one job, fetched, mapped and written together.
/// Storage or broker errors come back later (same attempt: not the items' fault); remote errors
/// are the items' own, settled inside [`process`].
pub async fn handle(
    ctx: Arc<Context>,
    msg: ItemMessage,
    delivered: Delivered,
) -> Result<(), Failure> {
    let ids = msg.ids();
    let m = metrics();
    m.items_in_flight.add(ids.len() as i64);
    let since_ms = msg
        .since_ms
        .unwrap_or_else(|| bson::DateTime::now().timestamp_millis());
    let result = process(&ctx, msg.job_id, &ids, delivered.attempt, since_ms).await;
    m.items_in_flight.sub(ids.len() as i64);
    Ok(result?)
}

/// What the backend stage made of one item.
enum Stage {
    /// Final without a dataset write (failed, skipped, filtered out).
    Final(ItemFinal),
    /// To write.
    Write(Box<ToWrite>),
    /// A transient remote error: try again later.
    Retry(HarvestError),
}

struct ToWrite {
    source: Arc<HarvestSource>,
    mapped: MappedDataset,
    content_hash: String,
    validators: Validators,
    previous: Option<HarvestRecord>,
}

async fn process(
    ctx: &Context,
    job: ObjectId,
    ids: &[String],
    attempt: u32,
    since_ms: i64,
) -> common::Result<()> {
    let items = ctx.store.open_items_by_id(ids).await?;
    if items.is_empty() {
        return Ok(()); // all final already: a duplicate delivery
    }
    let started = Instant::now();

    // Fetch and map every item; remote fetches overlap, mapping is CPU.
    let stages =
        futures::future::join_all(items.iter().map(|item| stage(ctx, item, attempt, since_ms)))
            .await
            .into_iter()
            .collect::<common::Result<Vec<_>>>()?;

    let mut finals: Vec<Option<ItemFinal>> = Vec::with_capacity(items.len());
    let mut writes: BTreeMap<ObjectId, Vec<(usize, ToWrite)>> = BTreeMap::new();
    let mut retries: Vec<(usize, HarvestError)> = Vec::new();
    let mut process_ms = Vec::with_capacity(items.len());
    for (i, (stage, elapsed)) in stages.into_iter().enumerate() {
        process_ms.push(elapsed.as_millis() as i64);
        finals.push(None);
        match stage {
            Stage::Final(f) => finals[i] = Some(f),
            Stage::Write(w) => writes.entry(w.source.id).or_default().push((i, *w)),
            Stage::Retry(e) => retries.push((i, e)),
        }
    }

    // Datasets and records of the batch, a few round trips per source.
    let store_started = Instant::now();
    let wrote_any = !writes.is_empty();
    for batch in writes.into_values() {
        write(ctx, &items, batch, &mut finals).await?;
    }
    let store_ms = store_started.elapsed();
    if wrote_any {
        metrics()
            .item_stage_duration
            .with_label_values(&["store"])
            .observe(store_ms.as_secs_f64());
    }

    // Final states, one round trip; only transitions made here are counted.
    let total_ms = started.elapsed().as_millis() as i64;
    let mut done = Vec::new();
    let mut to_finish = Vec::new();
    for (i, f) in finals.into_iter().enumerate() {
        let Some(f) = f else { continue };
        let item = &items[i];
        if let ItemFinal::Failed { error, .. } = &f {
            tracing::info!(job = %item.job, remote_id = %item.remote_id, error = %error.message, "item failed");
        }
        let timings = doc! {
            "process_ms": process_ms[i],
            "store_ms": store_ms.as_millis() as i64,
            "total_ms": total_ms,
            "batch": items.len() as i64,
        };
        done.push(i);
        to_finish.push((item.id.clone(), f, timings));
    }
    let outcomes: Vec<(&'static str, Progress)> =
        to_finish.iter().map(|(_, f, _)| count_of(f)).collect();
    let transitioned = ctx.store.finish_items(to_finish).await?;
    for ((i, (outcome, progress)), made) in done.into_iter().zip(outcomes).zip(transitioned) {
        if made {
            let item = &items[i];
            let backend = ctx
                .source(item.source)
                .await
                .map(|s| s.backend.clone())
                .unwrap_or_default();
            metrics()
                .items_processed
                .with_label_values(&[&backend, outcome])
                .inc();
            ctx.progress.report(item.job, progress);
        }
    }

    // Items that met a transient remote error: one delayed message for all of them.
    if !retries.is_empty() {
        let topology = ctx.broker.topology();
        let delay_ms = retries
            .iter()
            .map(|(_, e)| topology.retry_delay(attempt, e.retry_after()))
            .max()
            .unwrap_or_default();
        let (first, first_error) = &retries[0];
        let error = format!(
            "{}: {first_error} ({} item(s) to retry)",
            items[*first].remote_id,
            retries.len()
        );
        let ids = retries.iter().map(|(i, _)| items[*i].id.clone()).collect();
        let body = encode(&ItemMessage::retry(job, ids, since_ms))?;
        ctx.broker
            .publish_retry(Role::Item, &body, attempt + 1, delay_ms, &error)
            .await?;
        metrics()
            .amqp_retries
            .with_label_values(&[Role::Item.as_str()])
            .inc();
    }
    Ok(())
}

/// The job counters and the metric outcome of a final state.
fn count_of(f: &ItemFinal) -> (&'static str, Progress) {
    let mut p = Progress::default();
    let outcome = match f {
        ItemFinal::Done { created: true, .. } => {
            p.created = 1;
            "created"
        }
        ItemFinal::Done { created: false, .. } => {
            p.updated = 1;
            "updated"
        }
        ItemFinal::Skipped { .. } => {
            p.skipped = 1;
            "skipped"
        }
        ItemFinal::Failed { .. } => {
            p.failed = 1;
            "failed"
        }
    };
    (outcome, p)
}

/// The backend stage of one item, and how long it took. `Err` only for a storage outage.
async fn stage(
    ctx: &Context,
    item: &HarvestItem,
    attempt: u32,
    since_ms: i64,
) -> common::Result<(Stage, Duration)> {
    let source = match ctx.source(item.source).await {
        Ok(s) => s,
        Err(e) if e.is_transient() => return Err(e),
        Err(e) => {
            let error = JobError::new(
                format!("{}: its source cannot be read: {e}", item.remote_id),
                None,
            );
            let f = ItemFinal::Failed {
                error,
                warnings: vec![],
            };
            return Ok((Stage::Final(f), Duration::ZERO));
        }
    };
    // One of the worker's `amqp.prefetch` item slots (closed only if the context is dropped).
    let slot = ctx.item_slots.acquire().await.ok();
    let t = Instant::now();
    let outcome = run_backend(ctx, item, &source).await;
    let elapsed = t.elapsed();
    drop(slot);
    let stage = match outcome {
        Err(HarvestError::Storage(e)) if e.is_transient() => return Err(e),
        Err(e)
            if e.is_transient()
                && attempt < ctx.settings.harvest.item_attempts
                && retry_fits_budget(ctx, &e, attempt, since_ms) =>
        {
            Stage::Retry(e)
        }
        Err(e) => {
            let spent = (bson::DateTime::now().timestamp_millis() - since_ms) / 1000;
            let message = if e.is_transient() && attempt < ctx.settings.harvest.item_attempts {
                format!(
                    "{} ({}): gave up after {attempt} attempt(s) in {spent}s, the next would end past the {}s fetch budget (http.fetch_budget_secs): {e}",
                    item.remote_id, source.url, ctx.settings.http.fetch_budget_secs
                )
            } else {
                format!("{} ({}): {e}", item.remote_id, source.url)
            };
            Stage::Final(ItemFinal::Failed {
                error: JobError::new(message, Some(e.details())),
                warnings: vec![],
            })
        }
        Ok((ItemOutcome::Skipped(reason, message), previous)) => {
            // Gather already refreshed `last_seen`; an unchanged item costs no write.
            Stage::Final(ItemFinal::Skipped {
                reason,
                message,
                dataset: previous.as_ref().and_then(|p| p.dataset),
                warnings: vec![],
            })
        }
        Ok((
            ItemOutcome::Mapped {
                mapped,
                content_hash,
                validators,
            },
            previous,
        )) => {
            let mut mapped = *mapped;
            // The same settling as a preview: udata's base-backend fields, slug, filters.
            let settled = match backends::get(&source.backend) {
                Ok(backend) => backends::settle(&source, backend.as_ref(), &mut mapped),
                // The backend just mapped this item, so it is registered; kept total anyway.
                Err(e) => Err(e.to_string()),
            };
            match settled {
                Err(reason) => Stage::Final(ItemFinal::Skipped {
                    reason: SkipReason::Filtered,
                    message: Some(reason),
                    dataset: None,
                    warnings: mapped.warnings,
                }),
                Ok(()) => Stage::Write(Box::new(ToWrite {
                    source,
                    mapped,
                    content_hash,
                    validators: validators.unwrap_or_default(),
                    previous,
                })),
            }
        }
    };
    Ok((stage, elapsed))
}

/// Fetch and map through the source's backend; unchanged content comes back as skipped.
async fn run_backend(
    ctx: &Context,
    item: &HarvestItem,
    source: &HarvestSource,
) -> Result<(ItemOutcome, Option<HarvestRecord>), HarvestError> {
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
        .as_ref()
        .ok_or_else(|| HarvestError::Limit("item has no payload".into()))?;
    let previous = item.previous.clone();
    if *payload == Payload::Unchanged {
        // Its catalog page answered 304: settled without parsing, if the last run stored it.
        if previous.as_ref().and_then(|p| p.stored_hash()).is_some() {
            let skipped = ItemOutcome::Skipped(
                SkipReason::NotModified,
                Some("catalog page not modified".into()),
            );
            return Ok((skipped, previous));
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
    let out = backend.process(&ictx, &item.remote_id, payload).await;
    metrics()
        .item_stage_duration
        .with_label_values(&[stage])
        .observe(t.elapsed().as_secs_f64());
    let out = out?;
    // Unchanged content: nothing to write (unless this run forces a refresh or the dataset is gone).
    if let ItemOutcome::Mapped { content_hash, .. } = &out {
        if let Some(stored) = previous.as_ref().and_then(|p| p.stored_hash()) {
            if !job.force_refresh && stored == content_hash {
                return Ok((ItemOutcome::Skipped(SkipReason::Unchanged, None), previous));
            }
        }
    }
    Ok((out, previous))
}

/// Upsert the datasets of one source's items, save their records, and set their final states.
async fn write(
    ctx: &Context,
    items: &[HarvestItem],
    batch: Vec<(usize, ToWrite)>,
    finals: &mut [Option<ItemFinal>],
) -> common::Result<()> {
    let Some(source) = batch.first().map(|(_, w)| w.source.clone()) else {
        return Ok(());
    };
    let mut rest = Vec::with_capacity(batch.len());
    let mut dataset_writes = Vec::with_capacity(batch.len());
    for (i, w) in batch {
        let ToWrite {
            mapped,
            content_hash,
            validators,
            previous,
            ..
        } = w;
        dataset_writes.push(DatasetWrite {
            dataset: mapped.dataset,
            contact_points: mapped.contact_points,
            known: previous.as_ref().and_then(|p| p.dataset),
        });
        rest.push((i, content_hash, validators, mapped.warnings));
    }
    let upserts = ctx.store.upsert_datasets(&source, dataset_writes).await?;
    let now = bson::DateTime::now();
    let mut records = Vec::with_capacity(rest.len());
    for ((i, content_hash, validators, warnings), upsert) in rest.into_iter().zip(upserts) {
        let item = &items[i];
        match upsert {
            Ok(u) => {
                records.push(RecordWrite {
                    source: source.id,
                    remote_id: item.remote_id.clone(),
                    dataset: Some(u.id),
                    content_hash: Some(content_hash),
                    etag: validators.etag,
                    last_modified: validators.last_modified,
                    job: item.job,
                    now,
                });
                finals[i] = Some(ItemFinal::Done {
                    dataset: u.id,
                    created: u.created,
                    warnings,
                    change: Some(u.change),
                });
            }
            Err(e) => {
                let message = format!(
                    "{} ({}): the dataset could not be stored: {e}",
                    item.remote_id, source.url
                );
                finals[i] = Some(ItemFinal::Failed {
                    error: JobError::new(message, None),
                    warnings,
                });
            }
        }
    }
    ctx.store.save_records(records).await
}

/// Whether another attempt of an item first tried at `since_ms` could end within the fetch
/// budget: its retry delay plus one idle timeout must fit in what is left.
fn retry_fits_budget(ctx: &Context, e: &HarvestError, attempt: u32, since_ms: i64) -> bool {
    let delay_ms = ctx.broker.topology().retry_delay(attempt, e.retry_after()) as i64;
    let idle_ms = ctx.settings.http.idle_timeout_secs as i64 * 1000;
    let budget_ms = ctx.settings.http.fetch_budget_secs as i64 * 1000;
    let spent_ms = bson::DateTime::now().timestamp_millis() - since_ms;
    spent_ms + delay_ms + idle_ms <= budget_ms
}
