//! Source operations: registry CRUD, the per-source run lock (never two running jobs of one
//! source) and the atomic claim of due cron runs (several scheduler replicas never
//! double-schedule).
//!
//! A source is stored in two documents with the same `_id`: udata's `harvest_source` (what udata's
//! admin lists, shows, edits and validates: udata's schema only, see [`super::udata`]) and the
//! harvester's `harvester_source` (schedule, next run, run count, run lock). Reads merge them into
//! one [`HarvestSource`]; the run lock and the cron claim only touch the harvester's document.

use std::collections::HashMap;

use bson::oid::ObjectId;
use bson::{doc, DateTime, Document};
use futures::TryStreamExt;

use super::udata::{merge_source, split_source};
use super::Store;
use crate::error::{Error, Result};
use crate::model::HarvestSource;

impl Store {
    pub async fn insert_source(&self, source: &HarvestSource) -> Result<()> {
        let (udata, state) = split_source(source)?;
        // State first: a source visible in udata always has its run state.
        self.raw(super::SOURCE_STATE)
            .update_one(doc! { "_id": source.id }, doc! { "$set": state })
            .upsert(true)
            .await?;
        self.raw(super::SOURCES).insert_one(udata).await?;
        Ok(())
    }

    pub async fn get_source(&self, id: ObjectId) -> Result<HarvestSource> {
        self.find_one_source(doc! { "_id": id })
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
        self.find_one_source(filter)
            .await?
            .ok_or_else(|| Error::NotFound {
                what: "harvest source",
                id: id_or_slug.to_owned(),
            })
    }

    async fn find_one_source(&self, filter: Document) -> Result<Option<HarvestSource>> {
        let Some(udata) = self.raw(super::SOURCES).find_one(filter).await? else {
            return Ok(None);
        };
        let Ok(id) = udata.get_object_id("_id") else {
            return Ok(None);
        };
        let state = self
            .raw(super::SOURCE_STATE)
            .find_one(doc! { "_id": id })
            .await?;
        Ok(Some(bson::from_document(merge_source(udata, state))?))
    }

    /// Sources matching a filter on udata's document, by name, with their state.
    async fn sources_where(&self, filter: Document) -> Result<Vec<HarvestSource>> {
        let docs: Vec<Document> = self
            .raw(super::SOURCES)
            .find(filter)
            .sort(doc! { "name": 1 })
            .await?
            .try_collect()
            .await?;
        let ids = super::udata::ids_of(&docs);
        let mut states: HashMap<ObjectId, Document> = self
            .raw(super::SOURCE_STATE)
            .find(doc! { "_id": { "$in": &ids } })
            .await?
            .try_collect::<Vec<Document>>()
            .await?
            .into_iter()
            .filter_map(|s| s.get_object_id("_id").ok().map(|id| (id, s)))
            .collect();
        let mut out = Vec::with_capacity(docs.len());
        for udata in docs {
            let state = udata
                .get_object_id("_id")
                .ok()
                .and_then(|id| states.remove(&id));
            let merged = merge_source(udata, state);
            match bson::from_document::<HarvestSource>(merged) {
                Ok(source) => out.push(source),
                // A source edited outside the harvester into a shape it cannot read is skipped
                // (and said), never fatal for the others.
                Err(e) => tracing::warn!(error = %e, "harvest_source document not readable"),
            }
        }
        Ok(out)
    }

    /// Sources not deleted (or all, with `include_deleted`), by name.
    pub async fn list_sources(&self, include_deleted: bool) -> Result<Vec<HarvestSource>> {
        let filter = if include_deleted {
            doc! {}
        } else {
            doc! { "deleted": null }
        };
        self.sources_where(filter).await
    }

    /// Save the editable fields of a source. Run state (`running_job`, `runs`) is never
    /// overwritten here, so an edit during a run cannot drop the run lock.
    pub async fn replace_source(&self, source: &HarvestSource) -> Result<()> {
        let (mut fields, state) = split_source(source)?;
        for key in ["_id", "created_at"] {
            fields.remove(key);
        }
        let mut unset = Document::new();
        for key in ["description", "owner", "organization", "deleted"] {
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
        let mut set = Document::new();
        let mut unset = Document::new();
        for key in ["schedule", "next_run_at", "last_modified", "validated_by"] {
            match state.get(key) {
                Some(value) => {
                    set.insert(key, value.clone());
                }
                None => {
                    unset.insert(key, "");
                }
            }
        }
        let mut update = Document::new();
        if !set.is_empty() {
            update.insert("$set", set);
        }
        if !unset.is_empty() {
            update.insert("$unset", unset);
        }
        if !update.is_empty() {
            self.raw(super::SOURCE_STATE)
                .update_one(doc! { "_id": source.id }, update)
                .upsert(true)
                .await?;
        }
        Ok(())
    }

    /// Whether a slug is free (ignoring `except`).
    pub async fn slug_taken(&self, slug: &str, except: Option<ObjectId>) -> Result<bool> {
        let mut filter = doc! { "slug": slug };
        if let Some(id) = except {
            filter.insert("_id", doc! { "$ne": id });
        }
        Ok(self.raw(super::SOURCES).count_documents(filter).await? > 0)
    }

    /// Take the run lock of a source for `job`: fails if another job holds it.
    pub async fn lock_source(&self, source: ObjectId, job: ObjectId) -> Result<bool> {
        // Upsert: a source whose state document is missing is unlocked. When another job holds
        // the lock the filter misses and the upsert's insert hits the `_id`: not ours.
        let r = self
            .raw(super::SOURCE_STATE)
            .update_one(
                doc! { "_id": source, "running_job": null },
                doc! { "$set": { "running_job": job } },
            )
            .upsert(true)
            .await;
        match r {
            Ok(r) => Ok(r.modified_count == 1 || r.upserted_id.is_some()),
            Err(e) if crate::error::is_duplicate_key(&e) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Release the run lock if `job` holds it.
    pub async fn unlock_source(&self, source: ObjectId, job: ObjectId) -> Result<()> {
        self.raw(super::SOURCE_STATE)
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
            .raw(super::SOURCE_STATE)
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
            .raw(super::SOURCE_STATE)
            .update_one(
                doc! { "_id": candidate.id, "next_run_at": candidate.next_run_at },
                doc! { "$set": { "next_run_at": next, "last_scheduled_at": now } },
            )
            .await?;
        Ok(r.modified_count == 1)
    }

    /// Sources that may be scheduled (accepted, active, not deleted).
    pub async fn schedulable_sources(&self) -> Result<Vec<HarvestSource>> {
        self.sources_where(doc! { "active": true, "deleted": null, "validation.state": "accepted" })
            .await
    }

    /// Set `next_run_at` where it is missing or when the schedule changed.
    pub async fn set_next_run(&self, source: ObjectId, next: Option<DateTime>) -> Result<()> {
        self.raw(super::SOURCE_STATE)
            .update_one(
                doc! { "_id": source },
                doc! { "$set": { "next_run_at": next } },
            )
            .upsert(true)
            .await?;
        Ok(())
    }

    /// Count one more run of the source; returns the new count (drives periodic full refresh).
    pub async fn bump_runs(&self, source: ObjectId) -> Result<i64> {
        let doc = self
            .raw(super::SOURCE_STATE)
            .find_one_and_update(doc! { "_id": source }, doc! { "$inc": { "runs": 1_i64 } })
            .upsert(true)
            .return_document(mongodb::options::ReturnDocument::After)
            .await?;
        Ok(doc.and_then(|d| d.get_i64("runs").ok()).unwrap_or(1))
    }
}
