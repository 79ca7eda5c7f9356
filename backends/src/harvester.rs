//! The one trait every backend implements, and the types it exchanges with the shared pipeline.
//!
//! A backend does two things only: **list** the remote datasets of a source (gather), handing
//! each page to the listing driver ([`Listing`]), and **map** one remote dataset into a udata
//! dataset (item). Page caps, loops, duplicates and max items are the driver's business; jobs,
//! items, counters, filters, archiving and retries the pipeline's. What backends share beyond
//! that is written once too: their [`Identity`] is data, an RDF item is mapped by the one DCAT
//! mapping whichever backend listed it (the default [`Harvester::process`]), and the JSON API
//! backends process their items through [`crate::json_api`].

use async_trait::async_trait;
use common::model::{HarvestRecord, HarvestSource, Payload, SkipReason};

use crate::error::HarvestError;
use crate::fetch::{Fetcher, Validators};
use crate::listing::Listing;
use crate::mapping::{MapContext, MappedDataset};
use crate::rdf_item;

/// One remote dataset found by gather.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteItem {
    pub remote_id: String,
    pub remote_url: Option<String>,
    pub payload: Payload,
}

/// What the sink tells gather after an item was pushed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SinkControl {
    Continue,
    /// The job's max-items limit is reached: stop listing (the listing is then partial).
    Stop,
}

/// A remote dataset the listing found but cannot hand over (an unreadable record, a subgraph
/// over the triple cap…): it must end as a failed item with its reason, never only as a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedItem {
    /// Its remote id when the listing could read one, else a label naming where it was found
    /// (page and position), unique within the listing.
    pub remote_id: String,
    /// Why it cannot be harvested, naming what was wrong and where.
    pub reason: String,
}

/// Receives the items listed by gather, one at a time, so a backend never holds a whole catalog.
#[async_trait]
pub trait ItemSink: Send {
    async fn push(&mut self, item: RemoteItem) -> Result<SinkControl, HarvestError>;

    /// A listed dataset that cannot be harvested: stored as a failed item, counted in the job
    /// (which then ends `done-errors`). Sinks that store nothing (preview) may only log it.
    async fn push_failed(&mut self, failed: FailedItem) -> Result<SinkControl, HarvestError> {
        tracing::warn!(remote_id = %failed.remote_id, reason = %failed.reason, "listed dataset cannot be harvested");
        Ok(SinkControl::Continue)
    }
}

/// Limits that apply to a gather, from the settings.
#[derive(Debug, Clone, Copy)]
pub struct GatherLimits {
    pub max_pages: usize,
    pub max_items: usize,
}

/// A catalog page as the previous run saw it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RememberedPage {
    pub validators: Validators,
    pub remote_ids: Vec<String>,
    pub next: Option<String>,
}

/// Where gather remembers catalog pages between runs (conditional HTTP on pages).
#[async_trait]
pub trait PageMemory: Send + Sync {
    async fn recall(&self, url: &str) -> Option<RememberedPage>;
    async fn remember(&self, url: &str, page: RememberedPage);
}

/// Everything a backend's gather may use.
pub struct GatherContext<'a> {
    pub source: &'a HarvestSource,
    pub fetcher: &'a Fetcher,
    pub limits: GatherLimits,
    /// Conditional requests allowed (source option, not a forced or periodic full refresh).
    pub conditional: bool,
    /// Pages of the previous run; `None` where nothing is remembered (preview, tests).
    pub pages: Option<&'a dyn PageMemory>,
}

/// How a listing ended (built by the listing driver).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GatherReport {
    /// The remote catalog was listed to its end: archiving vanished datasets is allowed.
    pub complete: bool,
    /// Pages fetched.
    pub pages: usize,
    /// Entries handed to the sink (failed ones included).
    pub listed: usize,
    /// Human notes for the job report (why a listing stopped early, remote quirks).
    pub notes: Vec<String>,
}

/// Everything a backend's item processing may use.
pub struct ItemContext<'a> {
    pub source: &'a HarvestSource,
    pub fetcher: &'a Fetcher,
    pub map: MapContext<'a>,
    /// What was remembered of this remote dataset by the previous run, if anything.
    pub previous: Option<&'a HarvestRecord>,
    /// Whether conditional requests may be sent (source option and periodic full refresh).
    pub conditional: bool,
}

impl ItemContext<'_> {
    /// The validators a per-item fetch sends: the previous run's, when conditional requests are
    /// allowed and it kept any.
    pub fn validators(&self) -> Option<Validators> {
        let previous = self.previous.filter(|_| self.conditional)?;
        Some(Validators {
            etag: previous.etag.clone(),
            last_modified: previous.last_modified.clone(),
        })
        .filter(|v| !v.is_empty())
    }
}

/// The result of processing one item.
#[derive(Debug, Clone)]
pub enum ItemOutcome {
    /// The dataset was mapped. `content_hash` identifies the remote content (skip-unchanged);
    /// `validators` are the HTTP validators of a per-item fetch, if any.
    Mapped {
        mapped: Box<MappedDataset>,
        content_hash: String,
        validators: Option<Validators>,
    },
    /// Nothing to write, with the reason (not modified, no resources, private…).
    Skipped(SkipReason, Option<String>),
}

/// What a backend is known by: its registered name, its label, and the source keys it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    /// Registered name, stored as `harvest_source.backend` (udata's backend names).
    pub name: &'static str,
    /// Human label shown in the admin API, and stored as `dataset.harvest.backend` (udata
    /// stores its backend's display name there: "DCAT", "CKAN"…).
    pub label: &'static str,
    /// Filter keys this backend understands (validated on source create/update).
    pub filter_keys: &'static [&'static str],
    /// Boolean features (source options) this backend understands.
    pub feature_keys: &'static [&'static str],
}

impl Identity {
    /// A backend named `name`, shown as `label`, with no filter and no feature.
    pub const fn new(name: &'static str, label: &'static str) -> Self {
        Self {
            name,
            label,
            filter_keys: &[],
            feature_keys: &[],
        }
    }

    /// The same, understanding the filter `keys`.
    pub const fn with_filters(self, keys: &'static [&'static str]) -> Self {
        Self {
            filter_keys: keys,
            ..self
        }
    }

    /// The same, understanding the feature `keys`.
    pub const fn with_features(self, keys: &'static [&'static str]) -> Self {
        Self {
            feature_keys: keys,
            ..self
        }
    }
}

/// A harvest backend: one file under `backends/` implements it.
#[async_trait]
pub trait Harvester: Send + Sync {
    /// What this backend is known by.
    fn identity(&self) -> Identity;

    /// Registered name, stored as `harvest_source.backend` (udata's backend names).
    fn name(&self) -> &'static str {
        self.identity().name
    }

    /// Human label shown in the admin API, and stored as `dataset.harvest.backend`.
    fn label(&self) -> &'static str {
        self.identity().label
    }

    /// Filter keys this backend understands (validated on source create/update).
    fn filter_keys(&self) -> &'static [&'static str] {
        self.identity().filter_keys
    }

    /// Boolean features (source options) this backend understands.
    fn feature_keys(&self) -> &'static [&'static str] {
        self.identity().feature_keys
    }

    /// List the remote datasets of the listing's source ([`Listing::context`]), page by page:
    /// call [`Listing::begin_page`] before fetching a page and [`Listing::page`] with its
    /// entries, and return `Ok(())` at the end of the catalog or when either says `Stop`.
    /// Called through [`crate::list`], never directly.
    async fn gather(&self, listing: &mut Listing<'_>) -> Result<(), HarvestError>;

    /// The content hash [`process`](Self::process) would report for `payload`, when the listed
    /// payload alone determines it: an RDF item's (its subgraph). Gather then settles an item
    /// whose hash equals the last run's as unchanged, with no message and no mapping. `None`
    /// for other payloads: items go through `process`.
    fn listing_hash(&self, payload: &Payload) -> Option<String> {
        rdf_item::listing_hash(payload)
    }

    /// Fetch (when the payload does not carry it) and map one remote dataset. The default maps
    /// an RDF item (a DCAT dataset, as the DCAT and CSW ISO 19139 backends list them) with the
    /// one DCAT mapping ([`rdf_item`]); the JSON API backends map their own documents.
    async fn process(
        &self,
        ctx: &ItemContext<'_>,
        remote_id: &str,
        payload: &Payload,
    ) -> Result<ItemOutcome, HarvestError> {
        rdf_item::process(ctx, remote_id, payload)
    }
}
