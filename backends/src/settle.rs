//! What happens to every mapped dataset, whatever its backend, before it is written (worker) or
//! shown (preview): the fields udata's base backend sets on each harvested dataset, a slug when
//! the mapping left none, and the source's filters. One function, so a preview shows exactly what
//! a harvest would write.

use common::model::HarvestSource;

use crate::filters;
use crate::harvester::Harvester;
use crate::mapping::{text, MappedDataset};

/// Settle `mapped` for `source`: `Err(reason)` when a filter leaves it out.
pub fn settle(
    source: &HarvestSource,
    backend: &dyn Harvester,
    mapped: &mut MappedDataset,
) -> Result<(), String> {
    // udata's base backend stores its display name as `backend` and the source's URL.
    if let Some(harvest) = &mut mapped.dataset.harvest {
        harvest.backend = Some(backend.label().to_owned());
        harvest.source_url = Some(source.url.clone());
    }
    filters::check(
        &source.config.filters,
        backend.filter_keys(),
        &mapped.dataset,
    )?;
    if mapped.dataset.slug.is_empty() {
        mapped.dataset.slug = text::slugify(&mapped.dataset.title);
    }
    Ok(())
}
