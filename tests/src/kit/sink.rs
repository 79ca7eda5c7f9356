//! A sink collecting what a listing hands over, and the listing driver's call into it.

use async_trait::async_trait;
use backends::error::HarvestError;
use backends::fetch::Fetcher;
use backends::harvester::{
    FailedItem, GatherContext, GatherLimits, GatherReport, Harvester, ItemSink, RemoteItem,
    SinkControl,
};
use common::model::HarvestSource;

/// Collects what a listing hands over; asks to stop after `stop_after` items, if set.
#[derive(Debug, Default)]
pub struct VecSink {
    pub items: Vec<RemoteItem>,
    pub failed: Vec<FailedItem>,
    pub stop_after: Option<usize>,
}

#[async_trait]
impl ItemSink for VecSink {
    async fn push(&mut self, item: RemoteItem) -> Result<SinkControl, HarvestError> {
        self.items.push(item);
        Ok(match self.stop_after {
            Some(max) if self.items.len() >= max => SinkControl::Stop,
            _ => SinkControl::Continue,
        })
    }

    async fn push_failed(&mut self, failed: FailedItem) -> Result<SinkControl, HarvestError> {
        self.failed.push(failed);
        Ok(SinkControl::Continue)
    }
}

/// List `source` with `backend` through the listing driver into `sink`: the report, or the
/// error that cut the listing short.
pub async fn list_into(
    backend: &dyn Harvester,
    source: &HarvestSource,
    fetcher: &Fetcher,
    limits: GatherLimits,
    sink: &mut VecSink,
) -> Result<GatherReport, HarvestError> {
    let ctx = GatherContext {
        source,
        fetcher,
        limits,
        conditional: false,
        pages: None,
    };
    let listed = backends::list(backend, &ctx, sink).await;
    match listed.error {
        Some(e) => Err(e),
        None => Ok(listed.report),
    }
}

/// [`list_into`] a fresh sink with at most `max_pages` pages (0: unlimited) and no item cap.
pub async fn list(
    backend: &dyn Harvester,
    source: &HarvestSource,
    fetcher: &Fetcher,
    max_pages: usize,
) -> (Result<GatherReport, HarvestError>, VecSink) {
    let mut sink = VecSink::default();
    let limits = GatherLimits {
        max_pages,
        max_items: 0,
    };
    let report = list_into(backend, source, fetcher, limits, &mut sink).await;
    (report, sink)
}
