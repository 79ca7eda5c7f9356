//! Job operations on the harvester's `harvester_job`. Status changes are conditional on the
//! current status, counters are only incremented by the transition of an item into a final state,
//! and the exact counts can always be recomputed from `harvester_item` (the sweeper and the
//! finalizer do). Creation and every status change also write udata's view of the job
//! (`harvest_job`, see [`super::udata`]); counter and window updates do not (none per item).

use bson::oid::ObjectId;
use bson::{doc, DateTime, Document};
use futures::TryStreamExt;
use mongodb::options::ReturnDocument;

use super::Store;
use crate::error::{Error, Result};
use crate::model::{HarvestError, HarvestJob, JobCounters, JobStatus};

/// Counts of items that reached a final state, added to a job's counters in one update.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub created: i64,
    pub updated: i64,
    pub skipped: i64,
    pub failed: i64,
}

impl Progress {
    pub fn done(&self) -> i64 {
        self.created + self.updated + self.skipped + self.failed
    }

    pub fn add(&mut self, other: Progress) {
        self.created += other.created;
        self.updated += other.updated;
        self.skipped += other.skipped;
        self.failed += other.failed;
    }
}

impl Store {
    /// Insert a pending job for a source, taking the source's run lock first.
    /// Returns `Error::Conflict` naming the running job if the source already runs.
    pub async fn create_job(&self, job: &HarvestJob) -> Result<()> {
        if !self.lock_source(job.source, job.id).await? {
            let mut running = self.running_job_of(job.source).await?;
            // Released between the two reads (a finalizer unlocking just now): take it.
            if running.is_none() {
                if self.lock_source(job.source, job.id).await? {
                    return self.insert_locked_job(job).await;
                }
                running = self.running_job_of(job.source).await?;
            }
            // A lock held by a job that ended (crash between finalize and unlock) is stale.
            if let Some(holder) = running {
                let stale = match self.jobs().find_one(doc! { "_id": holder }).await? {
                    Some(j) => j.status.is_final(),
                    None => true,
                };
                if stale {
                    self.unlock_source(job.source, holder).await?;
                    if self.lock_source(job.source, job.id).await? {
                        return self.insert_locked_job(job).await;
                    }
                }
            }
            return Err(Error::Conflict(format!(
                "source {} already has a running job {}",
                job.source.to_hex(),
                running.map(|j| j.to_hex()).unwrap_or_default()
            )));
        }
        self.insert_locked_job(job).await
    }

    /// Insert a job whose source lock it holds; releases the lock if the insert fails.
    async fn insert_locked_job(&self, job: &HarvestJob) -> Result<()> {
        if let Err(e) = self.jobs().insert_one(job).await {
            self.unlock_source(job.source, job.id).await?;
            return Err(e.into());
        }
        self.write_udata_job(job).await
    }

    pub async fn get_job(&self, id: ObjectId) -> Result<HarvestJob> {
        self.jobs()
            .find_one(doc! { "_id": id })
            .await?
            .ok_or_else(|| Error::NotFound {
                what: "harvest job",
                id: id.to_hex(),
            })
    }

    /// `pending → initializing`: a gather claims its job, at `now`.
    pub async fn start_gather(&self, id: ObjectId, now: DateTime) -> Result<Option<HarvestJob>> {
        self.transition_job(
            id,
            &[JobStatus::Pending],
            JobStatus::Initializing,
            doc! { "started": now, "last_progress": now },
        )
        .await
    }

    /// `processing → finalizing`: the one finalizer that wins this claims the job.
    pub async fn start_finalizing(&self, id: ObjectId) -> Result<Option<HarvestJob>> {
        self.transition_job(
            id,
            &[JobStatus::Processing],
            JobStatus::Finalizing,
            doc! { "last_progress": DateTime::now() },
        )
        .await
    }

    /// `finalizing → status` (done or done-errors) at `ended`, with what archiving did.
    pub async fn end_job(
        &self,
        id: ObjectId,
        status: JobStatus,
        ended: DateTime,
        archived: i64,
        archive: Document,
    ) -> Result<Option<HarvestJob>> {
        self.transition_job(
            id,
            &[JobStatus::Finalizing],
            status,
            doc! { "ended": ended, "counters.archived": archived, "data.archive": archive },
        )
        .await
    }

    /// `finalizing → processing`: a finalizer died; the sweeper hands the job back.
    pub async fn reopen_finalizing(&self, id: ObjectId) -> Result<Option<HarvestJob>> {
        self.transition_job(id, &[JobStatus::Finalizing], JobStatus::Processing, doc! {})
            .await
    }

    /// Move a job from one of `from` to `to`, setting `extra` fields; returns the updated job if
    /// this call made the transition (exactly one caller wins).
    async fn transition_job(
        &self,
        id: ObjectId,
        from: &[JobStatus],
        to: JobStatus,
        extra: Document,
    ) -> Result<Option<HarvestJob>> {
        let from: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
        let mut set = extra;
        set.insert("status", to.as_str());
        let job = self
            .jobs()
            .find_one_and_update(
                doc! { "_id": id, "status": { "$in": from } },
                doc! { "$set": set },
            )
            .return_document(ReturnDocument::After)
            .await?;
        if let Some(job) = &job {
            self.write_udata_job(job).await?;
        }
        Ok(job)
    }

    /// Record an error on a job that goes on (a listing that failed after listing items: those
    /// items are still processed, and the job ends `done-errors` with this error in its report).
    pub async fn add_job_error(&self, id: ObjectId, error: &HarvestError) -> Result<()> {
        let err = bson::to_bson(error)?;
        self.jobs()
            .update_one(doc! { "_id": id }, doc! { "$push": { "errors": err } })
            .await?;
        Ok(())
    }

    /// Gather stored items up to sequence `total` (exclusive) at `now`: the running total the
    /// window and the sweeper see while the listing goes on.
    pub async fn set_listed_total(&self, id: ObjectId, total: i64, now: DateTime) -> Result<()> {
        self.jobs()
            .update_one(
                doc! { "_id": id },
                doc! { "$set": { "last_progress": now, "counters.total": total } },
            )
            .await?;
        Ok(())
    }

    /// Gather listed everything: record the total and open the job for finalization.
    pub async fn complete_gather(
        &self,
        id: ObjectId,
        total: i64,
        listing_complete: bool,
        notes: &[String],
    ) -> Result<Option<HarvestJob>> {
        self.transition_job(
            id,
            &[JobStatus::Initializing, JobStatus::Initialized],
            JobStatus::Processing,
            doc! {
                "counters.total": total,
                "gather_complete": true,
                "listing_complete": listing_complete,
                "data.gather_notes": notes,
                "last_progress": DateTime::now(),
            },
        )
        .await
    }

    /// Fail a job (gather error), with a human message and technical details.
    pub async fn fail_job(&self, id: ObjectId, error: HarvestError) -> Result<Option<HarvestJob>> {
        let err = bson::to_bson(&error)?;
        let job = self
            .jobs()
            .find_one_and_update(
                doc! { "_id": id, "status": { "$in": ["pending", "initializing", "initialized", "processing", "finalizing"] } },
                doc! {
                    "$set": { "status": JobStatus::Failed.as_str(), "ended": DateTime::now() },
                    "$push": { "errors": err },
                },
            )
            .return_document(ReturnDocument::After)
            .await?;
        if let Some(j) = &job {
            self.write_udata_job(j).await?;
            self.unlock_source(j.source, j.id).await?;
            // A failed job never reaches the finalize step: its run is recorded here.
            self.record_run(j).await?;
        }
        Ok(job)
    }

    /// Add finished items to the counters; returns the job after the increment.
    pub async fn add_progress(&self, id: ObjectId, p: Progress) -> Result<Option<HarvestJob>> {
        Ok(self
            .jobs()
            .find_one_and_update(
                doc! { "_id": id },
                doc! {
                    "$inc": {
                        "counters.done": p.done(), "counters.created": p.created,
                        "counters.updated": p.updated, "counters.skipped": p.skipped,
                        "counters.failed": p.failed,
                    },
                    "$set": { "last_progress": DateTime::now(), "stall_count": 0 },
                },
            )
            .return_document(ReturnDocument::After)
            .await?)
    }

    /// Claim the next items of a job's fairness window: at most `window` items of the job are
    /// published and unfinished at a time, and only listed items are claimed. A compare-and-set
    /// on the job's `next_seq` makes concurrent claimers take disjoint ranges. Returns the ids of
    /// the claimed items that are still open, the ones to publish.
    ///
    /// `seen` is a snapshot of the job the caller just read (the progress aggregator gets one from
    /// its counter update): the first attempt uses it instead of reading the job again.
    pub async fn claim_window(
        &self,
        id: ObjectId,
        window: usize,
        mut seen: Option<HarvestJob>,
    ) -> Result<Vec<String>> {
        for _ in 0..50 {
            let job = match seen.take() {
                Some(job) => Some(job),
                None => {
                    self.jobs()
                        .find_one(doc! { "_id": id })
                        .projection(doc! { "_id": 1, "source": 1, "status": 1, "created": 1, "counters": 1, "next_seq": 1 })
                        .await?
                }
            };
            let Some(job) = job else {
                return Ok(vec![]);
            };
            if job.status.is_final() {
                return Ok(vec![]);
            }
            let in_flight = (job.next_seq - job.counters.done).max(0);
            let free = (window as i64 - in_flight).max(0);
            let k = free.min(job.counters.total - job.next_seq);
            if k <= 0 {
                return Ok(vec![]);
            }
            let r = self
                .jobs()
                .update_one(
                    doc! { "_id": id, "next_seq": job.next_seq },
                    doc! { "$inc": { "next_seq": k } },
                )
                .await?;
            if r.modified_count == 1 {
                let ids: Vec<String> = (job.next_seq..job.next_seq + k)
                    .map(|seq| crate::model::item_id(id, seq))
                    .collect();
                return self.open_of(&ids).await;
            }
        }
        Err(Error::Conflict(format!(
            "job {} window claim kept conflicting",
            id.to_hex()
        )))
    }

    /// Exact counters recomputed from the job's items (the truth when counters may have drifted,
    /// e.g. a worker died between an item's final write and its counter increment).
    pub async fn recount(&self, id: ObjectId) -> Result<JobCounters> {
        let pipeline = vec![
            doc! { "$match": { "job": id } },
            doc! { "$group": {
                "_id": { "status": "$status", "created": "$created_dataset" },
                "n": { "$sum": 1 },
            } },
        ];
        let mut cursor = self.raw(super::ITEMS).aggregate(pipeline).await?;
        let mut c = JobCounters::default();
        while let Some(row) = cursor.try_next().await? {
            let key = row.get_document("_id").cloned().unwrap_or_default();
            let n = match row.get("n") {
                Some(bson::Bson::Int32(n)) => *n as i64,
                Some(bson::Bson::Int64(n)) => *n,
                Some(bson::Bson::Double(n)) => *n as i64,
                _ => 0,
            };
            c.total += n;
            match key.get_str("status").unwrap_or("") {
                "done" => {
                    c.done += n;
                    if key.get_bool("created").unwrap_or(false) {
                        c.created += n;
                    } else {
                        c.updated += n;
                    }
                }
                "skipped" => {
                    c.done += n;
                    c.skipped += n;
                }
                "failed" => {
                    c.done += n;
                    c.failed += n;
                }
                _ => {}
            }
        }
        Ok(c)
    }

    /// Overwrite counters with exact values (keeps `archived`, which items do not carry).
    pub async fn set_counters(&self, id: ObjectId, c: &JobCounters) -> Result<()> {
        self.jobs()
            .update_one(
                doc! { "_id": id },
                doc! { "$set": {
                    "counters.total": c.total, "counters.done": c.done, "counters.created": c.created,
                    "counters.updated": c.updated, "counters.skipped": c.skipped, "counters.failed": c.failed,
                } },
            )
            .await?;
        Ok(())
    }

    /// Claim a stalled job for one sweeper: succeeds for exactly one caller per `last_progress`.
    pub async fn claim_stalled(&self, job: &HarvestJob, now: DateTime) -> Result<bool> {
        let r = self
            .jobs()
            .update_one(
                doc! { "_id": job.id, "status": job.status.as_str(), "last_progress": job.last_progress },
                doc! { "$set": { "last_progress": now }, "$inc": { "stall_count": 1 } },
            )
            .await?;
        Ok(r.modified_count == 1)
    }

    /// Jobs in one of `statuses` whose last progress is older than `before`.
    pub async fn stalled_jobs(
        &self,
        statuses: &[JobStatus],
        before: DateTime,
    ) -> Result<Vec<HarvestJob>> {
        let statuses: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
        Ok(self
            .jobs()
            .find(doc! {
                "status": { "$in": statuses },
                "$or": [ { "last_progress": { "$lt": before } }, { "last_progress": null } ],
            })
            .limit(100)
            .await?
            .try_collect()
            .await?)
    }

    /// Jobs of a source, newest first.
    pub async fn jobs_of_source(&self, source: ObjectId, limit: i64) -> Result<Vec<HarvestJob>> {
        Ok(self
            .jobs()
            .find(doc! { "source": source })
            .sort(doc! { "created": -1 })
            .limit(limit)
            .await?
            .try_collect()
            .await?)
    }

    /// Newest jobs across sources.
    pub async fn recent_jobs(&self, limit: i64) -> Result<Vec<HarvestJob>> {
        Ok(self
            .jobs()
            .find(doc! {})
            .sort(doc! { "created": -1 })
            .limit(limit)
            .await?
            .try_collect()
            .await?)
    }

    /// Count of jobs not in a final state.
    pub async fn running_jobs_count(&self) -> Result<u64> {
        let running: Vec<&str> = JobStatus::RUNNING.iter().map(|s| s.as_str()).collect();
        Ok(self
            .jobs()
            .count_documents(doc! { "status": { "$in": running } })
            .await?)
    }

    /// Keep the newest `keep` finished jobs of a source; delete older ones and their items.
    pub async fn purge_old_jobs(&self, source: ObjectId, keep: usize) -> Result<u64> {
        let finals: Vec<&str> = ["done", "done-errors", "failed"].to_vec();
        let ids = self
            .ids_beyond_newest(
                super::JOBS,
                doc! { "source": source, "status": { "$in": finals } },
                keep,
            )
            .await?;
        if ids.is_empty() {
            return Ok(0);
        }
        self.raw(super::ITEMS)
            .delete_many(doc! { "job": { "$in": &ids } })
            .await?;
        self.raw(super::CHANGES)
            .delete_many(doc! { "job": { "$in": &ids } })
            .await?;
        self.raw(super::UDATA_JOBS)
            .delete_many(doc! { "_id": { "$in": &ids } })
            .await?;
        let r = self
            .raw(super::JOBS)
            .delete_many(doc! { "_id": { "$in": &ids } })
            .await?;
        Ok(r.deleted_count)
    }
}
