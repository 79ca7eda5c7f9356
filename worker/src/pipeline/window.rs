//! The fairness window: at most `harvest.job_window` items of one job are published and unfinished
//! at a time. Gather opens the window as items are listed, and finished items refill it (through
//! the progress aggregator). A 500k-item job therefore never holds more than a window's worth of
//! the item queue, and a small job queued after it starts at once.

use bson::oid::ObjectId;
use common::messages::{encode, FinalizeMessage, ItemMessage};
use common::model::HarvestJob;
use common::queue::Role;

use super::context::Context;

/// Publish item messages for `ids`, `harvest.item_batch` items per message (confirms awaited
/// together).
pub async fn publish_items(ctx: &Context, job: ObjectId, ids: &[String]) -> common::Result<()> {
    let bodies = ids
        .chunks(ctx.settings.harvest.item_batch.max(1))
        .map(|batch| encode(&ItemMessage::new(job, batch.to_vec())))
        .collect::<common::Result<Vec<_>>>()?;
    for chunk in bodies.chunks(1_000) {
        ctx.broker.publish_many(Role::Item, chunk).await?;
    }
    Ok(())
}

/// Fill the job's window up to its size; returns how many items were published.
pub async fn top_up(ctx: &Context, job: ObjectId) -> common::Result<usize> {
    top_up_from(ctx, job, None).await
}

/// [`top_up`] from a snapshot of the job just read (saves reading it again).
pub async fn top_up_from(
    ctx: &Context,
    job: ObjectId,
    seen: Option<HarvestJob>,
) -> common::Result<usize> {
    let ids = ctx
        .store
        .claim_window(job, ctx.settings.harvest.job_window, seen)
        .await?;
    publish_items(ctx, job, &ids).await?;
    Ok(ids.len())
}

/// Ask for the job's finalization (any number of these is harmless: one finalizer wins).
pub async fn request_finalize(ctx: &Context, job: ObjectId) -> common::Result<()> {
    let body = encode(&FinalizeMessage::new(job))?;
    ctx.broker.publish(Role::Finalize, &body).await
}
