//! `harvest_item` documents: one per (job, remote id), the result of one remote dataset in one job.
//!
//! Items live outside the job document (a job may have a million of them). An item moves
//! `pending → done | skipped | failed` (its job's window claims it by sequence number, with no
//! write of its own); only the transition into a final state updates the job counters, so a
//! redelivered message can never count twice.

use bson::oid::ObjectId;
use bson::DateTime;
use serde::{Deserialize, Serialize};

use super::job::HarvestError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HarvestItem {
    /// `{job}:{seq}` (see [`item_id`]): derived, so the fairness window claims items by
    /// sequence number without any sorted query.
    #[serde(rename = "_id")]
    pub id: String,
    pub job: ObjectId,
    pub source: ObjectId,
    pub remote_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_url: Option<String>,
    /// Order of listing within the job (window refills follow it).
    #[serde(default)]
    pub seq: i64,
    pub status: ItemStatus,
    /// Set for `skipped` items: why the item was not written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_reason: Option<SkipReason>,
    /// For `done` items: whether the dataset was created (true) or updated (false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_dataset: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<ObjectId>,
    pub created: DateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<DateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended: Option<DateTime>,
    #[serde(default)]
    pub errors: Vec<HarvestError>,
    /// Non-fatal findings (unparseable date, unknown license…): the item was still harvested.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Deliveries that started processing this item.
    #[serde(default)]
    pub attempts: i32,
    /// What the item worker needs to process the item; removed once the item is final.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<Payload>,
    /// What the previous runs remembered of this remote dataset (content hash, validators,
    /// dataset id), looked up by gather for the whole batch so items need no extra read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<super::HarvestRecord>,
    /// Timings of the item stages, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timings: Option<bson::Document>,
    /// For `done` items: what the job did to the dataset (the job's change list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<super::DatasetChange>,
}

impl HarvestItem {
    /// The `seq`-th item listed by `job`: pending, nothing processed yet.
    pub fn listed(
        job: ObjectId,
        source: ObjectId,
        seq: i64,
        remote_id: String,
        now: DateTime,
    ) -> Self {
        Self {
            id: item_id(job, seq),
            job,
            source,
            remote_id,
            remote_url: None,
            seq,
            status: ItemStatus::Pending,
            skip_reason: None,
            created_dataset: None,
            dataset: None,
            created: now,
            started: None,
            ended: None,
            errors: vec![],
            warnings: vec![],
            attempts: 0,
            payload: None,
            previous: None,
            timings: None,
            change: None,
        }
    }
}

/// The id of the `seq`-th item listed by `job`.
pub fn item_id(job: ObjectId, seq: i64) -> String {
    format!("{}:{seq}", job.to_hex())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemStatus {
    Pending,
    Queued,
    Started,
    Done,
    Failed,
    Skipped,
    Archived,
}

impl ItemStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Queued => "queued",
            Self::Started => "started",
            Self::Done => "done",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
            Self::Archived => "archived",
        }
    }

    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Done | Self::Failed | Self::Skipped | Self::Archived
        )
    }

    /// Statuses from which an item may still reach a final state.
    pub const OPEN: [&'static str; 3] = ["pending", "queued", "started"];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    /// Same content hash as the last successful harvest.
    Unchanged,
    /// The remote answered 304 Not Modified to a conditional request.
    NotModified,
    /// Excluded by the source filters.
    Filtered,
    /// The remote dataset has no resource (CKAN rule of the spec).
    NoResources,
    /// Private or deleted on the remote.
    NotPublic,
}

/// What gather hands to the item worker for one remote dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "kebab-case")]
pub enum Payload {
    /// The dataset's RDF subgraph as N-Triples (DCAT): items never re-fetch catalog pages.
    /// `root` is the dataset node in N-Triples syntax (`<http://…>` or `_:label`).
    Rdf {
        root: String,
        #[serde(with = "super::packed")]
        ntriples: String,
    },
    /// A JSON document already listed by gather (CKAN package_search, ODS catalog API).
    Json(#[serde(with = "super::packed")] String),
    /// Nothing but the remote id: the item worker fetches the dataset (CKAN package_show).
    Fetch,
    /// The catalog page listing this dataset answered 304 Not Modified: the dataset is as the
    /// previous run stored it, nothing to parse or write.
    Unchanged,
}
