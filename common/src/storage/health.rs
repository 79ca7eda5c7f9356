//! Source health on the harvester's own collections: `harvester_run` (one compact record per
//! finished job, the newest [`RUN_HISTORY`] per source, kept beyond job retention) and
//! `harvester_health` (one summary per source: last status, consecutive failures, last success).
//!
//! Recording is idempotent and ordered: the run record is an upsert by job id, and the summary
//! only moves forward (a conditional update on `last_run_at` older than the job's end), so a
//! finalize message delivered twice, or a late repair of an older job, counts nothing twice.

use bson::oid::ObjectId;
use bson::{doc, DateTime};
use futures::TryStreamExt;

use super::Store;
use crate::error::Result;
use crate::model::{HarvestJob, HealthSummary, RunRecord};

/// Run records kept per source (about 250 bytes each).
pub const RUN_HISTORY: usize = 200;

impl Store {
    /// Record a finished job in its source's history and health summary. A job still running is
    /// ignored. Safe to call any number of times for the same job.
    pub async fn record_run(&self, job: &HarvestJob) -> Result<()> {
        let Some(run) = RunRecord::of(job) else {
            return Ok(());
        };
        self.raw(super::RUNS)
            .update_one(
                doc! { "_id": run.job },
                doc! { "$set": bson::to_document(&run)? },
            )
            .upsert(true)
            .await?;
        // A summary exists before the conditional update (which must not upsert: a miss means
        // a newer run is already recorded).
        self.raw(super::HEALTH)
            .update_one(
                doc! { "_id": run.source },
                doc! { "$setOnInsert": {
                    "last_run_at": DateTime::from_millis(0),
                    "consecutive_failures": 0_i64,
                    "runs": 0_i64,
                } },
            )
            .upsert(true)
            .await
            .or_else(|e| {
                // Two finalizers of one source inserting at once: the other one's is as good.
                if crate::error::is_duplicate_key(&e) {
                    Ok(Default::default())
                } else {
                    Err(e)
                }
            })?;
        let mut set = doc! {
            "last_job": run.job,
            "last_status": run.status.as_str(),
            "last_run_at": run.ended,
        };
        let update = if run.succeeded() {
            set.insert("last_success_at", run.ended);
            set.insert("consecutive_failures", 0_i64);
            doc! { "$set": set, "$inc": { "runs": 1_i64 } }
        } else {
            set.insert("last_failure_at", run.ended);
            doc! { "$set": set, "$inc": { "runs": 1_i64, "consecutive_failures": 1_i64 } }
        };
        self.raw(super::HEALTH)
            .update_one(
                doc! { "_id": run.source, "last_run_at": { "$lt": run.ended } },
                update,
            )
            .await?;
        self.prune_runs(run.source).await
    }

    /// Keep the newest [`RUN_HISTORY`] run records of a source.
    async fn prune_runs(&self, source: ObjectId) -> Result<()> {
        let old: Vec<bson::Document> = self
            .raw(super::RUNS)
            .find(doc! { "source": source })
            .sort(doc! { "ended": -1 })
            .skip(RUN_HISTORY as u64)
            .projection(doc! { "_id": 1 })
            .await?
            .try_collect()
            .await?;
        let ids: Vec<ObjectId> = old
            .iter()
            .filter_map(|d| d.get_object_id("_id").ok())
            .collect();
        if !ids.is_empty() {
            self.raw(super::RUNS)
                .delete_many(doc! { "_id": { "$in": ids } })
                .await?;
        }
        Ok(())
    }

    /// The newest `limit` runs of a source, newest first.
    pub async fn source_runs(&self, source: ObjectId, limit: i64) -> Result<Vec<RunRecord>> {
        Ok(self
            .db
            .collection::<RunRecord>(super::RUNS)
            .find(doc! { "source": source })
            .sort(doc! { "ended": -1 })
            .limit(limit)
            .await?
            .try_collect()
            .await?)
    }

    /// The health summary of a source (`None` before its first finished job).
    pub async fn health_of(&self, source: ObjectId) -> Result<Option<HealthSummary>> {
        Ok(self
            .db
            .collection::<HealthSummary>(super::HEALTH)
            .find_one(doc! { "_id": source, "runs": { "$gt": 0_i64 } })
            .await?)
    }

    /// Every source's health summary (sources that finished at least one job).
    pub async fn all_health(&self) -> Result<Vec<HealthSummary>> {
        Ok(self
            .db
            .collection::<HealthSummary>(super::HEALTH)
            .find(doc! { "runs": { "$gt": 0_i64 } })
            .await?
            .try_collect()
            .await?)
    }
}
