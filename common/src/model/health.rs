//! A source's health, kept by the harvester beyond job retention: one small [`RunRecord`] per
//! finished job (`harvester_run`, the newest few hundred per source) and one [`HealthSummary`] per
//! source (`harvester_health`: last status, consecutive failures, last success). Jobs and their
//! items are purged after `harvest.keep_jobs` runs; these stay, so an operator can still see that
//! a source has been failing for a month, and the scheduler can say which sources went stale.

use bson::oid::ObjectId;
use bson::DateTime;
use serde::{Deserialize, Serialize};

use super::job::{HarvestJob, JobStatus};

/// One finished job, compactly: status, duration and counts by outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The job's id.
    #[serde(rename = "_id")]
    pub job: ObjectId,
    pub source: ObjectId,
    pub status: JobStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<DateTime>,
    pub ended: DateTime,
    /// From start (or creation) to end.
    pub duration_ms: i64,
    pub total: i64,
    pub created: i64,
    pub updated: i64,
    pub skipped: i64,
    pub failed: i64,
    pub archived: i64,
    /// The job's first error message, cut (why a failed job failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Longest error message kept in a run record.
const ERROR_CHARS: usize = 300;

impl RunRecord {
    /// The record of a job in a final state (`None` for a job still running).
    pub fn of(job: &HarvestJob) -> Option<Self> {
        if !job.status.is_final() {
            return None;
        }
        let ended = job.ended.unwrap_or(job.created);
        let start = job.started.unwrap_or(job.created);
        let c = job.counters;
        let error = job.errors.first().map(|e| {
            let m = &e.message;
            match m.char_indices().nth(ERROR_CHARS) {
                Some((cut, _)) => format!("{}…", &m[..cut]),
                None => m.clone(),
            }
        });
        Some(Self {
            job: job.id,
            source: job.source,
            status: job.status,
            started: job.started,
            ended,
            duration_ms: (ended.timestamp_millis() - start.timestamp_millis()).max(0),
            total: c.total,
            created: c.created,
            updated: c.updated,
            skipped: c.skipped,
            failed: c.failed,
            archived: c.archived,
            error,
        })
    }

    /// A job that ended `done` or `done-errors` is a success; `failed` is a failure.
    pub fn succeeded(&self) -> bool {
        matches!(self.status, JobStatus::Done | JobStatus::DoneErrors)
    }
}

/// What the harvester keeps of a source's recent runs, updated at each job's end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthSummary {
    /// The source's id.
    #[serde(rename = "_id")]
    pub source: ObjectId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_job: Option<ObjectId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_status: Option<JobStatus>,
    /// End of the last recorded job (the epoch before the first one).
    pub last_run_at: DateTime,
    /// Jobs that ended `failed` since the last success (or since the first run).
    #[serde(default)]
    pub consecutive_failures: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_success_at: Option<DateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_failure_at: Option<DateTime>,
    /// Finished jobs recorded since the source's first.
    #[serde(default)]
    pub runs: i64,
}
