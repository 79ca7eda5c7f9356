//! `harvest_source` operations: registry CRUD, the per-source run lock (never two running jobs of
//! one source) and the atomic claim of due cron runs (several scheduler replicas never
//! double-schedule).

use bson::oid::ObjectId;
use bson::{doc, DateTime};
use futures::TryStreamExt;
use mongodb::options::ReturnDocument;

use super::Store;
use crate::error::{Error, Result};
use crate::model::HarvestSource;

impl Store {
    pub async fn insert_source(&self, source: &HarvestSource) -> Result<()> {
        self.sources().insert_one(source).await?;
        Ok(())
    }

    pub async fn get_source(&self, id: ObjectId) -> Result<HarvestSource> {
        self.sources()
            .find_one(doc! { "_id": id })
            .await?
            .ok_or_else(|| Error::NotFound {
                what: "harvest source",
                id: id.to_hex(),
            })
    }

    /// A source by id (hex) or slug.
    pub async fn find_source(&self, id_or_slug: &str) -> Result<HarvestSource> {
        let filter = match ObjectId::parse_str(id_or_slug) {
            Ok(oid) => doc! { "$or": [ { "_id": oid }, { "slug": id_or_slug } ] },
            Err(_) => doc! { "slug": id_or_slug },
        };
        self.sources()
            .find_one(filter)
            .await?
            .ok_or_else(|| Error::NotFound {
                what: "harvest source",
                id: id_or_slug.to_owned(),
            })
    }

    /// Sources not deleted (or all, with `include_deleted`), by name.
    pub async fn list_sources(&self, include_deleted: bool) -> Result<Vec<HarvestSource>> {
        let filter = if include_deleted {
            doc! {}
        } else {
            doc! { "deleted": null }
        };
        Ok(self
            .sources()
            .find(filter)
            .sort(doc! { "name": 1 })
            .await?
            .try_collect()
            .await?)
    }

    /// Save the editable fields of a source. Run state (`running_job`, `runs`) is never
    /// overwritten here, so an edit during a run cannot drop the run lock.
    pub async fn replace_source(&self, source: &HarvestSource) -> Result<()> {
        let mut fields = bson::to_document(source)?;
        for key in ["_id", "running_job", "runs", "created_at"] {
            fields.remove(key);
        }
        let mut unset = bson::Document::new();
        for key in [
            "description",
            "schedule",
            "next_run_at",
            "owner",
            "organization",
            "deleted",
        ] {
            if !fields.contains_key(key) {
                unset.insert(key, "");
            }
        }
        let mut update = doc! { "$set": fields };
        if !unset.is_empty() {
            update.insert("$unset", unset);
        }
        let r = self
            .raw(super::SOURCES)
            .update_one(doc! { "_id": source.id }, update)
            .await?;
        if r.matched_count == 0 {
            return Err(Error::NotFound {
                what: "harvest source",
                id: source.id.to_hex(),
            });
        }
        Ok(())
    }

    /// Whether a slug is free (ignoring `except`).
    pub async fn slug_taken(&self, slug: &str, except: Option<ObjectId>) -> Result<bool> {
        let mut filter = doc! { "slug": slug };
        if let Some(id) = except {
            filter.insert("_id", doc! { "$ne": id });
        }
        Ok(self.sources().count_documents(filter).await? > 0)
    }

    /// Take the run lock of a source for `job`: fails if another job holds it.
    pub async fn lock_source(&self, source: ObjectId, job: ObjectId) -> Result<bool> {
        let r = self
            .raw(super::SOURCES)
            .update_one(
                doc! { "_id": source, "$or": [ { "running_job": null }, { "running_job": { "$exists": false } } ] },
                doc! { "$set": { "running_job": job } },
            )
            .await?;
        Ok(r.modified_count == 1)
    }

    /// Release the run lock if `job` holds it.
    pub async fn unlock_source(&self, source: ObjectId, job: ObjectId) -> Result<()> {
        self.raw(super::SOURCES)
            .update_one(
                doc! { "_id": source, "running_job": job },
                doc! { "$set": { "running_job": null } },
            )
            .await?;
        Ok(())
    }

    /// The job currently holding a source's run lock.
    pub async fn running_job_of(&self, source: ObjectId) -> Result<Option<ObjectId>> {
        let doc = self
            .raw(super::SOURCES)
            .find_one(doc! { "_id": source })
            .projection(doc! { "running_job": 1 })
            .await?;
        Ok(doc.and_then(|d| d.get_object_id("running_job").ok()))
    }

    /// Atomically claim one source whose cron run is due, moving its `next_run_at` to `next`
    /// (computed by the caller from the source's schedule). Only one scheduler replica wins.
    pub async fn claim_due_source(
        &self,
        now: DateTime,
        candidate: &HarvestSource,
        next: DateTime,
    ) -> Result<bool> {
        let r = self
            .sources()
            .find_one_and_update(
                doc! {
                    "_id": candidate.id,
                    "next_run_at": candidate.next_run_at,
                    "active": true,
                    "deleted": null,
                    "validation.state": "accepted",
                },
                doc! { "$set": { "next_run_at": next, "last_scheduled_at": now } },
            )
            .return_document(ReturnDocument::After)
            .await?;
        Ok(r.is_some())
    }

    /// Sources that may be scheduled (accepted, active, not deleted).
    pub async fn schedulable_sources(&self) -> Result<Vec<HarvestSource>> {
        Ok(self
            .sources()
            .find(doc! { "active": true, "deleted": null, "validation.state": "accepted" })
            .await?
            .try_collect()
            .await?)
    }

    /// Set `next_run_at` where it is missing or when the schedule changed.
    pub async fn set_next_run(&self, source: ObjectId, next: Option<DateTime>) -> Result<()> {
        self.sources()
            .update_one(
                doc! { "_id": source },
                doc! { "$set": { "next_run_at": next } },
            )
            .await?;
        Ok(())
    }

    /// Count one more run of the source; returns the new count (drives periodic full refresh).
    pub async fn bump_runs(&self, source: ObjectId) -> Result<i64> {
        let doc = self
            .raw(super::SOURCES)
            .find_one_and_update(doc! { "_id": source }, doc! { "$inc": { "runs": 1_i64 } })
            .return_document(ReturnDocument::After)
            .await?;
        Ok(doc.and_then(|d| d.get_i64("runs").ok()).unwrap_or(1))
    }
}
