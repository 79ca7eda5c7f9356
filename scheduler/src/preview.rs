//! Preview: a dry run of a source (saved or not) that lists and maps at most a few items and
//! returns the mapped datasets and the errors, writing nothing.

use async_trait::async_trait;
use common::model::HarvestSource;
use serde::Serialize;
use serde_json::Value;
use worker::error::HarvestError;
use worker::fetch::Fetcher;
use worker::harvester::{
    GatherContext, GatherLimits, ItemContext, ItemOutcome, ItemSink, RemoteItem, SinkControl,
};
use worker::mapping::{LicenseGuesser, MapContext};

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
}

#[derive(Debug, Clone, Serialize)]
pub struct PreviewError {
    pub remote_id: String,
    pub message: String,
    pub details: String,
}

struct Collect {
    items: Vec<RemoteItem>,
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
}

/// Dry-run `source`: list and map at most `max` items.
pub async fn preview(
    source: &HarvestSource,
    fetcher: &Fetcher,
    licenses: &LicenseGuesser,
    max: usize,
    max_pages: usize,
) -> Result<Preview, HarvestError> {
    let backend = worker::backends::get(&source.backend)?;
    let mut sink = Collect {
        items: Vec::new(),
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
    let gather_error = backend
        .gather(&gctx, &mut sink)
        .await
        .err()
        .map(|e| e.to_string());
    let mut out = Preview {
        source: source.url.clone(),
        backend: backend.name().to_owned(),
        listed: sink.items.len(),
        datasets: vec![],
        skipped: vec![],
        errors: vec![],
        gather_error,
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
            Ok(ItemOutcome::Mapped { mapped, .. }) => {
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
