//! The change list of a job: which datasets a run created, updated, un-archived or archived and,
//! for an update, which top-level fields changed (names only, never values). Created, updated and
//! un-archived datasets are told on their item (`harvester_item.change`, written with the item's
//! final state, so it costs no extra round trip); archived ones, which have no item in the job
//! (they vanished from the listing), in `harvester_change`.

use bson::oid::ObjectId;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Created,
    Updated,
    /// An archived dataset came back on the remote: written again and un-archived.
    Unarchived,
    Archived,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 4] = [
        Self::Created,
        Self::Updated,
        Self::Unarchived,
        Self::Archived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Unarchived => "unarchived",
            Self::Archived => "archived",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

impl std::fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a job did to one dataset, as stored on its item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetChange {
    pub kind: ChangeKind,
    /// For an update or un-archiving: the top-level fields whose value changed (`title`,
    /// `description`, `license`, `tags`, `resources.added`, `resources.removed`,
    /// `resources.changed`, …), sorted. Empty when only volatile dates moved.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
}

impl DatasetChange {
    pub fn created() -> Self {
        Self {
            kind: ChangeKind::Created,
            fields: Vec::new(),
        }
    }
}

/// One entry of a job's change list, whichever collection it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeEntry {
    pub kind: ChangeKind,
    pub remote_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<ObjectId>,
    #[serde(default)]
    pub fields: Vec<String>,
}
