//! What the JSON API backends share: CKAN and DKAN (the action API, [`crate::ckan_api`]) and
//! OpenDataSoft (its catalog API, [`crate::ods`]).
//!
//! Their items are processed alike, here once: the dataset document comes with the item (a
//! search result) or is fetched alone, conditionally; a 304 skips the item; the document is
//! hashed ([`hash`]) and mapped. Their paged searches end by the same rules ([`search`]). A
//! backend only says how it lists, how it fetches and reads one document, and how it maps it
//! ([`JsonApi`]); every [`JsonApi`] is a [`Harvester`].

pub(crate) mod hash;
pub(crate) mod search;

use async_trait::async_trait;
use common::model::{Dataset, Payload, SkipReason};
use serde_json::Value;

use crate::error::HarvestError;
use crate::fetch::{Request, Validators};
use crate::harvester::{Harvester, Identity, ItemContext, ItemOutcome};
use crate::listing::Listing;
use crate::mapping::{udata_url, MapContext, MapError, MappedDataset};

/// The result of mapping one remote dataset document (a CKAN/DKAN package, an ODS dataset).
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum PackageMapping {
    Mapped(MappedDataset),
    /// Not harvested, with the reason for the item report.
    Skipped(SkipReason, String),
}

impl PackageMapping {
    /// `dataset` mapped, with the `warnings` of its mapping (no contact points: the JSON APIs
    /// name none), keeping only the URLs udata accepts.
    pub(crate) fn mapped(dataset: Dataset, warnings: Vec<String>) -> Self {
        let mut mapped = MappedDataset {
            dataset,
            contact_points: Vec::new(),
            warnings,
        };
        udata_url::keep_accepted_urls(&mut mapped);
        Self::Mapped(mapped)
    }
}

/// The answer to fetching one dataset document alone.
pub(crate) enum Answer {
    /// The remote answered 304 Not Modified to the previous run's validators.
    NotModified { url: String },
    /// The document, with the response's validators.
    Document {
        document: Value,
        validators: Validators,
    },
}

/// A backend reading a JSON API: how it lists, fetches and maps.
#[async_trait]
pub(crate) trait JsonApi: Send + Sync {
    /// What the backend is known by.
    const IDENTITY: Identity;
    /// What a document carried by an item is called in errors ("CKAN package payload").
    const PAYLOAD: &'static str;

    /// List the remote datasets ([`Harvester::gather`]).
    async fn gather(&self, listing: &mut Listing<'_>) -> Result<(), HarvestError>;

    /// The dataset document in the JSON an item carries (`remote_id` names the item in errors).
    fn carried(&self, value: Value, remote_id: &str) -> Result<Value, HarvestError>;

    /// Fetch the dataset document of `remote_id` alone, conditionally when the context allows
    /// it ([`ItemContext::validators`]).
    async fn fetch(&self, ctx: &ItemContext<'_>, remote_id: &str) -> Result<Answer, HarvestError>;

    /// The content hash of a document (skip-unchanged), volatile members left out.
    fn content_hash(&self, document: &Value) -> String;

    /// Map a document onto a udata dataset.
    fn map(&self, document: &Value, ctx: &MapContext<'_>) -> Result<PackageMapping, MapError>;
}

#[async_trait]
impl<A: JsonApi> Harvester for A {
    fn identity(&self) -> Identity {
        A::IDENTITY
    }

    async fn gather(&self, listing: &mut Listing<'_>) -> Result<(), HarvestError> {
        JsonApi::gather(self, listing).await
    }

    fn listing_hash(&self, _payload: &Payload) -> Option<String> {
        None
    }

    async fn process(
        &self,
        ctx: &ItemContext<'_>,
        remote_id: &str,
        payload: &Payload,
    ) -> Result<ItemOutcome, HarvestError> {
        let (document, validators) = match payload {
            Payload::Json(text) => {
                let value: Value = serde_json::from_str(text).map_err(|e| HarvestError::Parse {
                    what: A::PAYLOAD,
                    url: format!("item {remote_id}"),
                    reason: e.to_string(),
                })?;
                (self.carried(value, remote_id)?, None)
            }
            // Items carry their document when the listing had it; else it is fetched alone.
            Payload::Fetch => match self.fetch(ctx, remote_id).await? {
                Answer::NotModified { url } => {
                    return Ok(ItemOutcome::Skipped(
                        SkipReason::NotModified,
                        Some(format!("{url} answered 304 Not Modified")),
                    ))
                }
                Answer::Document {
                    document,
                    validators,
                } => (document, Some(validators).filter(|v| !v.is_empty())),
            },
            Payload::Rdf { .. } | Payload::Unchanged => {
                return Err(MapError::Other(format!(
                    "{} backend received an RDF payload for {remote_id}",
                    A::IDENTITY.label
                ))
                .into())
            }
        };
        let content_hash = self.content_hash(&document);
        Ok(match self.map(&document, &ctx.map)? {
            PackageMapping::Mapped(mapped) => ItemOutcome::Mapped {
                mapped: Box::new(mapped),
                content_hash,
                validators,
            },
            PackageMapping::Skipped(reason, why) => ItemOutcome::Skipped(reason, Some(why)),
        })
    }
}

/// A JSON API request: JSON asked, with `validators` when conditional.
pub(crate) fn json_request(validators: Option<&Validators>) -> Request<'_> {
    Request {
        accept: Some("application/json"),
        validators,
    }
}
