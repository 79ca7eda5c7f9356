//! Preview: a dry run of a source (saved or not) that lists and maps at most a few items and
//! returns the mapped datasets, the skipped ones (filters included) and the errors, writing
//! nothing. The admin API and the CLI both call it through the scheduler's service.

use crate::error::HarvestError;
use crate::fetch::Fetcher;
use crate::harvester::{
    FailedItem, GatherContext, GatherLimits, ItemContext, ItemOutcome, ItemSink, RemoteItem,
    SinkControl,
};
use crate::mapping::{LicenseGuesser, MapContext};
use async_trait::async_trait;
use common::model::{HarvestSource, SkipReason};
use serde::Serialize;
use serde_json::Value;

/// What a preview found.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    pub source: String,
    pub backend: String,
    /// Items listed (at most the preview limit).
    pub listed: usize,
    pub datasets: Vec<Value>,
    pub skipped: Vec<Value>,
    pub errors: Vec<PreviewError>,
    /// The gather error, if the listing itself failed.
    pub gather_error: Option<String>,
    /// The listing's notes (page limit, duplicates, remote quirks), as a job report shows them.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PreviewError {
    pub remote_id: String,
    pub message: String,
    pub details: String,
}

struct Collect {
    items: Vec<RemoteItem>,
    failed: Vec<FailedItem>,
    max: usize,
}

#[async_trait]
impl ItemSink for Collect {
    async fn push(&mut self, item: RemoteItem) -> Result<SinkControl, HarvestError> {
        self.items.push(item);
        Ok(if self.items.len() >= self.max {
            SinkControl::Stop
        } else {
            SinkControl::Continue
        })
    }

    /// A listed dataset that cannot be harvested shows in the preview's errors, as in a job.
    async fn push_failed(&mut self, failed: FailedItem) -> Result<SinkControl, HarvestError> {
        self.failed.push(failed);
        Ok(SinkControl::Continue)
    }
}

/// Dry-run `source`: list and map at most `max` items.
pub async fn preview(
    source: &HarvestSource,
    fetcher: &Fetcher,
    licenses: &LicenseGuesser,
    max: usize,
    max_pages: usize,
) -> Result<Preview, HarvestError> {
    let backend = crate::get(&source.backend)?;
    let mut sink = Collect {
        items: Vec::new(),
        failed: Vec::new(),
        max: max.max(1),
    };
    let gctx = GatherContext {
        source,
        fetcher,
        limits: GatherLimits {
            max_pages,
            max_items: max,
        },
        conditional: false,
        pages: None,
    };
    let listed = crate::list(backend.as_ref(), &gctx, &mut sink).await;
    let gather_error = listed.error.map(|e| e.to_string());
    let mut out = Preview {
        source: source.url.clone(),
        backend: backend.name().to_owned(),
        listed: sink.items.len() + sink.failed.len(),
        datasets: vec![],
        skipped: vec![],
        errors: sink
            .failed
            .into_iter()
            .map(|f| PreviewError {
                remote_id: f.remote_id,
                message: f.reason,
                details: String::new(),
            })
            .collect(),
        gather_error,
        notes: listed.report.notes,
    };
    for item in sink.items {
        let ictx = ItemContext {
            source,
            fetcher,
            map: MapContext {
                source,
                licenses,
                now: chrono::Utc::now(),
            },
            previous: None,
            conditional: false,
        };
        match backend.process(&ictx, &item.remote_id, &item.payload).await {
            Ok(ItemOutcome::Mapped { mut mapped, .. }) => {
                if let Err(reason) = crate::settle(source, backend.as_ref(), &mut mapped) {
                    out.skipped.push(serde_json::json!({
                        "remote_id": item.remote_id, "reason": SkipReason::Filtered, "message": reason,
                    }));
                    continue;
                }
                let mut v = common::json::to_plain(&mapped.dataset);
                if let Value::Object(map) = &mut v {
                    map.insert("warnings".into(), serde_json::json!(mapped.warnings));
                    map.insert(
                        "contact_points".into(),
                        common::json::to_plain(&mapped.contact_points),
                    );
                }
                out.datasets.push(v);
            }
            Ok(ItemOutcome::Skipped(reason, message)) => out.skipped.push(serde_json::json!({
                "remote_id": item.remote_id, "reason": reason, "message": message,
            })),
            Err(e) => out.errors.push(PreviewError {
                remote_id: item.remote_id,
                message: e.to_string(),
                details: e.details(),
            }),
        }
    }
    Ok(out)
}
