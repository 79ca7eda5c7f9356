//! `harvest_record` documents: what the harvester remembers of a remote dataset between runs of a
//! source, kept apart from `dataset` so the udata document stays exactly udata's.
//!
//! It holds the content hash (skip unchanged items without rewriting them), HTTP validators
//! (ETag / Last-Modified for conditional requests) and `last_seen`, which archiving compares with the
//! grace period.

use bson::oid::ObjectId;
use bson::DateTime;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HarvestRecord {
    #[serde(rename = "_id", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<ObjectId>,
    pub source: ObjectId,
    pub remote_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<ObjectId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    pub first_seen: DateTime,
    pub last_seen: DateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_job: Option<ObjectId>,
}

impl HarvestRecord {
    /// The content hash of the last run's stored dataset; `None` when that run stored nothing
    /// (an unchanged item can only be skipped when its dataset exists).
    pub fn stored_hash(&self) -> Option<&str> {
        self.dataset.and(self.content_hash.as_deref())
    }
}
