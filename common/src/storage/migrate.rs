//! Start-up migration of a database written by an earlier version of the harvester.
//!
//! Up to schema 1 the harvester kept its own state inside udata's collections (`harvest_job`
//! counters and window, `harvest_source` schedule and run lock) and named its own collections
//! `harvest_item`, `harvest_record` and `harvest_page`; some `dataset` documents carried fields
//! udata does not know (`harvest.archived`, `resources[].harvest.created_at`). udata cannot load
//! such documents. Schema 2 (this version) moves every piece of state to the harvester's own
//! collections and leaves udata's in udata's schema.
//!
//! Every step is idempotent and copies before it removes, so a process killed mid-way, or several
//! processes starting at once, lose nothing: the next start finishes the work. Each step logs what
//! it moved.

use bson::{doc, Bson, Document};
use futures::TryStreamExt;

use super::{udata, Store};
use crate::error::Result;

/// The schema this version writes.
pub const SCHEMA: i64 = 2;

/// Collections renamed by schema 2: (old name, new name).
const RENAMED: [(&str, &str); 3] = [
    ("harvest_item", super::ITEMS),
    ("harvest_record", super::RECORDS),
    ("harvest_page", super::PAGES),
];

/// Harvester-only fields that schema 1 stored on `harvest_job` documents.
const JOB_STATE_KEYS: [&str; 8] = [
    "counters",
    "gather_complete",
    "listing_complete",
    "trigger",
    "force_refresh",
    "last_progress",
    "stall_count",
    "next_seq",
];

/// What a migration run did (logged, and returned for tests).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationReport {
    pub renamed: Vec<String>,
    pub jobs: u64,
    pub sources: u64,
    pub datasets: u64,
}

impl Store {
    /// Bring the database to [`SCHEMA`]. Cheap when there is nothing to do (a few counts).
    pub async fn migrate(&self) -> Result<MigrationReport> {
        let meta = self.raw(super::META);
        if let Some(found) = meta.find_one(doc! { "_id": "schema" }).await? {
            if found.get_i64("version").unwrap_or(0) >= SCHEMA {
                return Ok(MigrationReport::default());
            }
        }
        let mut report = MigrationReport::default();
        let existing = self.database().list_collection_names().await?;
        for (old, new) in RENAMED {
            if existing.iter().any(|c| c == old) {
                let moved = self.move_collection(old, new).await?;
                tracing::info!(
                    from = old,
                    to = new,
                    documents = moved,
                    "migration: collection moved"
                );
                report.renamed.push(format!("{old} -> {new}"));
            }
        }
        report.jobs = self.migrate_jobs().await?;
        report.sources = self.migrate_sources().await?;
        report.datasets = self.migrate_datasets().await?;
        meta.update_one(
            doc! { "_id": "schema" },
            doc! { "$set": { "version": SCHEMA, "migrated_at": bson::DateTime::now() } },
        )
        .upsert(true)
        .await?;
        if report != MigrationReport::default() {
            tracing::info!(
                renamed = ?report.renamed, jobs = report.jobs, sources = report.sources,
                datasets = report.datasets, schema = SCHEMA, "migration done"
            );
        }
        Ok(report)
    }

    /// Copy every document of `old` into `new` (keeping those already there), then drop `old`.
    async fn move_collection(&self, old: &str, new: &str) -> Result<u64> {
        let from = self.raw(old);
        let to = self.raw(new);
        let mut cursor = from.find(doc! {}).await?;
        let mut batch = Vec::with_capacity(500);
        let mut moved = 0_u64;
        while let Some(d) = cursor.try_next().await? {
            batch.push(d);
            if batch.len() == 500 {
                moved += insert_missing(&to, std::mem::take(&mut batch)).await?;
            }
        }
        moved += insert_missing(&to, batch).await?;
        from.drop().await?;
        Ok(moved)
    }

    /// Jobs: the full state goes to `harvester_job`, udata's document is rewritten in its schema.
    async fn migrate_jobs(&self) -> Result<u64> {
        let any_state = any_exists(&JOB_STATE_KEYS);
        let mut cursor = self
            .raw(super::UDATA_JOBS)
            .find(doc! { "$or": any_state })
            .await?;
        let mut n = 0;
        while let Some(old) = cursor.try_next().await? {
            let Ok(id) = old.get_object_id("_id") else {
                continue;
            };
            self.raw(super::JOBS)
                .update_one(doc! { "_id": id }, doc! { "$setOnInsert": old.clone() })
                .upsert(true)
                .await?;
            let Some(job) = self.jobs().find_one(doc! { "_id": id }).await? else {
                continue;
            };
            self.write_udata_job(&job).await?;
            n += 1;
        }
        Ok(n)
    }

    /// Sources: schedule and run state go to `harvester_source`, udata's document keeps its own.
    async fn migrate_sources(&self) -> Result<u64> {
        let mut any_state = any_exists(&udata::SOURCE_STATE_KEYS);
        any_state.push(doc! { "validation.by": { "$type": "string" } });
        any_state.push(doc! { "frequency": { "$exists": false } });
        let mut cursor = self
            .raw(super::SOURCES)
            .find(doc! { "$or": any_state })
            .await?;
        let mut n = 0;
        while let Some(old) = cursor.try_next().await? {
            let Ok(id) = old.get_object_id("_id") else {
                continue;
            };
            let mut state = Document::new();
            let mut unset = Document::new();
            for key in udata::SOURCE_STATE_KEYS {
                if let Some(value) = old.get(key) {
                    state.insert(key, value.clone());
                    unset.insert(key, "");
                }
            }
            if let Ok(Some(Bson::String(by))) =
                old.get_document("validation").map(|v| v.get("by").cloned())
            {
                state.insert("validated_by", by);
                unset.insert("validation.by", "");
            }
            if !state.is_empty() {
                self.raw(super::SOURCE_STATE)
                    .update_one(doc! { "_id": id }, doc! { "$setOnInsert": state })
                    .upsert(true)
                    .await?;
            }
            let mut update =
                doc! { "$set": { "frequency": old.get_str("frequency").unwrap_or("manual") } };
            if !unset.is_empty() {
                update.insert("$unset", unset);
            }
            self.raw(super::SOURCES)
                .update_one(doc! { "_id": id }, update)
                .await?;
            n += 1;
        }
        Ok(n)
    }

    /// Datasets: `harvest.archived` is udata's `harvest.archived_reason`; resources lose the
    /// `harvest.created_at` udata does not know.
    async fn migrate_datasets(&self) -> Result<u64> {
        let datasets = self.raw(super::DATASETS);
        let renamed = datasets
            .update_many(
                doc! { "harvest.archived": { "$exists": true } },
                doc! { "$rename": { "harvest.archived": "harvest.archived_reason" } },
            )
            .await?
            .modified_count;
        let mut cursor = datasets
            .find(doc! { "resources.harvest.created_at": { "$exists": true } })
            .projection(doc! { "resources": 1 })
            .await?;
        let mut cleaned = 0;
        while let Some(d) = cursor.try_next().await? {
            let Ok(id) = d.get_object_id("_id") else {
                continue;
            };
            let Ok(resources) = d.get_array("resources") else {
                continue;
            };
            let resources: Vec<Bson> = resources
                .iter()
                .map(|r| match r {
                    Bson::Document(r) => {
                        let mut r = r.clone();
                        if let Ok(h) = r.get_document_mut("harvest") {
                            h.remove("created_at");
                        }
                        Bson::Document(r)
                    }
                    other => other.clone(),
                })
                .collect();
            datasets
                .update_one(
                    doc! { "_id": id },
                    doc! { "$set": { "resources": resources } },
                )
                .await?;
            cleaned += 1;
        }
        Ok(renamed.max(cleaned))
    }
}

/// `$or` clauses matching a document that has any of `keys`.
fn any_exists(keys: &[&str]) -> Vec<Document> {
    keys.iter()
        .map(|k| doc! { *k: { "$exists": true } })
        .collect()
}

/// Insert the documents `to` lacks (by `_id`); returns how many were given.
async fn insert_missing(to: &mongodb::Collection<Document>, docs: Vec<Document>) -> Result<u64> {
    if docs.is_empty() {
        return Ok(0);
    }
    let n = docs.len() as u64;
    match to.insert_many(docs).ordered(false).await {
        Ok(_) => Ok(n),
        Err(e) if only_duplicates(&e) => Ok(n),
        Err(e) => Err(e.into()),
    }
}

fn only_duplicates(e: &mongodb::error::Error) -> bool {
    use mongodb::error::ErrorKind;
    match e.kind.as_ref() {
        ErrorKind::InsertMany(failure) => {
            failure.write_concern_error.is_none()
                && failure
                    .write_errors
                    .as_ref()
                    .is_some_and(|errs| errs.iter().all(|w| w.code == 11000))
        }
        _ => false,
    }
}
