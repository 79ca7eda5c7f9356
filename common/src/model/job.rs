//! `harvest_job` documents (udata `HarvestJob`) without embedded items: item results live in
//! `harvest_item`, so a job of a million items stays a small document.
//!
//! Lifecycle: `pending → initializing → initialized → processing → finalizing → done | done-errors
//! | failed`. Every transition is a conditional update on the expected current status, which is what
//! makes redelivered or concurrent messages harmless.

use bson::oid::ObjectId;
use bson::DateTime;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HarvestJob {
    #[serde(rename = "_id")]
    pub id: ObjectId,
    pub source: ObjectId,
    pub status: JobStatus,
    pub created: DateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<DateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended: Option<DateTime>,
    #[serde(default)]
    pub errors: Vec<HarvestError>,
    #[serde(default)]
    pub counters: JobCounters,
    /// Free data: backend name, archive decision, listing notes.
    #[serde(default)]
    pub data: bson::Document,
    /// Set once gather has listed every remote item and `counters.total` is final.
    #[serde(default)]
    pub gather_complete: bool,
    /// The listing covered the whole remote catalog (no page cut, no max-items cut): archiving allowed.
    #[serde(default)]
    pub listing_complete: bool,
    #[serde(default)]
    pub trigger: JobTrigger,
    /// Bypass the unchanged-content skip for this run.
    #[serde(default)]
    pub force_refresh: bool,
    /// Last time an item of this job reached a final state (drives the stalled-job sweeper).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_progress: Option<DateTime>,
    /// Sweeps that found this job without progress since its last progress.
    #[serde(default)]
    pub stall_count: i32,
    /// Items with a smaller sequence number were published (the fairness window's cursor):
    /// `next_seq - counters.done` items of the job are queued or in flight.
    #[serde(default)]
    pub next_seq: i64,
}

impl HarvestJob {
    pub fn new(source: ObjectId, trigger: JobTrigger, force_refresh: bool) -> Self {
        Self {
            id: ObjectId::new(),
            source,
            status: JobStatus::Pending,
            created: DateTime::now(),
            started: None,
            ended: None,
            errors: Vec::new(),
            counters: JobCounters::default(),
            data: bson::Document::new(),
            gather_complete: false,
            listing_complete: false,
            trigger,
            force_refresh,
            last_progress: Some(DateTime::now()),
            stall_count: 0,
            next_seq: 0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum JobStatus {
    Pending,
    Initializing,
    Initialized,
    Processing,
    Finalizing,
    Done,
    DoneErrors,
    Failed,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Initializing => "initializing",
            Self::Initialized => "initialized",
            Self::Processing => "processing",
            Self::Finalizing => "finalizing",
            Self::Done => "done",
            Self::DoneErrors => "done-errors",
            Self::Failed => "failed",
        }
    }

    /// A job in a final state will never change again.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Done | Self::DoneErrors | Self::Failed)
    }

    /// The states a job is in while it occupies its source (at most one such job per source).
    pub const RUNNING: [JobStatus; 5] = [
        Self::Pending,
        Self::Initializing,
        Self::Initialized,
        Self::Processing,
        Self::Finalizing,
    ];
}

impl std::fmt::Display for JobStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobTrigger {
    #[default]
    Manual,
    Cron,
}

/// Live progress and final report counts of a job.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobCounters {
    /// Items listed by gather (final once `gather_complete`).
    pub total: i64,
    /// Items in a final state (done, skipped or failed).
    pub done: i64,
    pub created: i64,
    pub updated: i64,
    pub skipped: i64,
    pub failed: i64,
    /// Datasets of the source archived by this job (vanished from the remote).
    pub archived: i64,
}

/// An error of a job or item (udata `HarvestError`): a human message and technical details.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HarvestError {
    pub created_at: DateTime,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

impl HarvestError {
    pub fn new(message: impl Into<String>, details: Option<String>) -> Self {
        Self {
            created_at: DateTime::now(),
            message: message.into(),
            details,
        }
    }
}
