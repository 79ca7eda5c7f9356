//! Mapping helpers shared by every backend: dates, formats, frequencies, licenses, Markdown, tags,
//! stable resource ids, the URLs udata accepts. Backends call these; none re-implements them.

pub mod dates;
pub mod formats;
pub mod frequency;
pub mod harvested;
pub mod ids;
pub mod license;
pub mod markdown;
pub mod resource;
pub mod spatial;
pub mod tags;
pub mod text;
pub mod udata_url;
pub mod values;

use chrono::{DateTime, Utc};
use common::model::{ContactPoint, Dataset, HarvestSource};

pub use license::LicenseGuesser;

/// What a mapper knows besides the remote document.
#[derive(Clone, Copy)]
pub struct MapContext<'a> {
    pub source: &'a HarvestSource,
    pub licenses: &'a LicenseGuesser,
    /// Harvest time; remote dates later than this are clamped (never a modification in the future).
    pub now: DateTime<Utc>,
}

/// A remote dataset mapped onto udata's model.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MappedDataset {
    /// The dataset, with its `harvest` block filled (backend, domain, source_id, remote_id, …).
    /// `id`, `slug`, internal dates and ownership are set by storage, not by mappers.
    pub dataset: Dataset,
    /// Contact points to upsert in `contact_point` and reference from the dataset.
    pub contact_points: Vec<ContactPoint>,
    /// Non-fatal problems found while mapping (kept on the item for the report).
    pub warnings: Vec<String>,
}

/// Why a remote dataset could not be mapped: names the field and the reason.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MapError {
    #[error("missing required field {field}")]
    MissingField { field: &'static str },
    #[error("invalid {field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("cannot map: {0}")]
    Other(String),
}
