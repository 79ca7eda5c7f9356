//! The `harvest` block of a mapped dataset: what every mapping records the same way (the
//! backend, the source, the remote id, the time of the harvest). A mapping adds what its remote
//! tells (remote URL, dates, backend-specific keys).

use common::model::HarvestDatasetMetadata;

use super::{dates, MapContext};

/// The `harvest` block of the dataset `remote_id` of the context's source, mapped by `backend`
/// now.
pub fn metadata(ctx: &MapContext<'_>, backend: &str, remote_id: String) -> HarvestDatasetMetadata {
    HarvestDatasetMetadata {
        backend: Some(backend.to_owned()),
        domain: ctx.source.domain(),
        source_id: Some(ctx.source.id.to_hex()),
        remote_id: Some(remote_id),
        last_update: Some(dates::to_bson(ctx.now)),
        ..Default::default()
    }
}
