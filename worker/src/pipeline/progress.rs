//! The progress aggregator: item handlers report each item that reached its final state here
//! instead of updating the job document one by one. Every few milliseconds the aggregator adds
//! the batched counts to each job in one update, refills the job's fairness window by as many
//! items, and asks for finalization once every listed item is final.
//!
//! The counters are derived data: the item's final state is already durable in `harvest_item`
//! when it is reported, and the finalizer and the sweeper recompute exact counts from the items.
//! A process that dies with unflushed counts therefore loses nothing (the sweeper catches up).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bson::oid::ObjectId;
use common::storage::Progress;
use tokio::sync::{mpsc, oneshot};

use super::context::Context;
use super::window;

/// A message to the aggregator.
pub enum Report {
    Item(ObjectId, Progress),
    /// Flush now and answer when done (shutdown, tests).
    Flush(oneshot::Sender<()>),
}

/// Handle to the aggregator.
#[derive(Clone)]
pub struct ProgressSink {
    tx: mpsc::UnboundedSender<Report>,
}

impl ProgressSink {
    /// A sink and the receiver its aggregator task must run on.
    pub fn channel() -> (Self, mpsc::UnboundedReceiver<Report>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Self { tx }, rx)
    }

    pub fn report(&self, job: ObjectId, p: Progress) {
        let _ = self.tx.send(Report::Item(job, p));
    }

    /// Flush pending counts (waits for the aggregator).
    pub async fn flush(&self) {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(Report::Flush(tx)).is_ok() {
            let _ = rx.await;
        }
    }
}

const TICK: Duration = Duration::from_millis(25);

/// Run the aggregator until every sender is gone.
pub async fn run(ctx: Arc<Context>, mut rx: mpsc::UnboundedReceiver<Report>) {
    let mut pending: HashMap<ObjectId, Progress> = HashMap::new();
    let mut waiters: Vec<oneshot::Sender<()>> = Vec::new();
    loop {
        let first = if pending.is_empty() && waiters.is_empty() {
            match rx.recv().await {
                Some(r) => Some(r),
                None => return,
            }
        } else {
            tokio::time::timeout(TICK, rx.recv()).await.ok().flatten()
        };
        for report in first
            .into_iter()
            .chain(std::iter::from_fn(|| rx.try_recv().ok()))
        {
            match report {
                Report::Item(job, p) => pending.entry(job).or_default().add(p),
                Report::Flush(tx) => waiters.push(tx),
            }
        }
        for (job, p) in std::mem::take(&mut pending) {
            match ctx.store.add_progress(job, p).await {
                Ok(Some(j)) => {
                    // Counts are recorded; a failure to refill or finalize now is caught up by
                    // the next report of the job or by the sweeper.
                    let next = if j.gather_complete && j.counters.done >= j.counters.total {
                        window::request_finalize(&ctx, job).await
                    } else {
                        window::top_up_from(&ctx, job, Some(j)).await.map(|_| ())
                    };
                    if let Err(e) = next {
                        tracing::warn!(%job, error = %e, "window refill or finalize request failed");
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(%job, error = %e, "cannot record progress yet, will retry");
                    pending.entry(job).or_default().add(p);
                }
            }
        }
        if pending.is_empty() {
            for w in waiters.drain(..) {
                let _ = w.send(());
            }
        } else {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}
