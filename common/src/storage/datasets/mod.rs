//! `dataset` writes: the upsert of a harvested dataset by identity (never a duplicate), one
//! batch at a time or one by one, and the archiving of datasets that vanished from the remote.
//!
//! How a harvested dataset finds its stored one is in `identity`, how a new one gets a free slug
//! in `slugs`, its contact points in `contacts`, archiving in `archive`.

mod archive;
mod contacts;
mod identity;
mod slugs;

use bson::oid::ObjectId;
use bson::{doc, Bson, DateTime, Document};

use super::Store;
use crate::error::{is_duplicate_key, Error, Result};
use crate::model::{ContactPoint, Dataset, DatasetChange, HarvestSource};

pub use archive::ArchiveOutcome;
use identity::is_uri;
use slugs::{slug_base, slug_candidate};

/// A mapped dataset to write, with what the pipeline knows of it.
#[derive(Debug, Clone)]
pub struct DatasetWrite {
    pub dataset: Dataset,
    pub contact_points: Vec<ContactPoint>,
    /// The dataset id remembered from the previous run, if any.
    pub known: Option<ObjectId>,
}

/// Result of an upsert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpsertOutcome {
    pub id: ObjectId,
    pub created: bool,
    /// What the write did to the dataset (the job's change list).
    pub change: DatasetChange,
}

/// Optional top-level fields a harvest manages: absent from the mapped dataset means removed.
const MANAGED_OPTIONAL: [&str; 5] = [
    "acronym",
    "license",
    "frequency",
    "temporal_coverage",
    "spatial",
];

impl Store {
    /// One dataset as udata stores it, whatever its fields (the admin API shows it raw).
    pub async fn dataset_document(&self, id: ObjectId) -> Result<Option<Document>> {
        Ok(self
            .raw(super::DATASETS)
            .find_one(doc! { "_id": id })
            .await?)
    }

    /// Write a batch of mapped datasets of one source in a few round trips: one query finds the
    /// datasets they designate, one command updates those, one `insert_many` inserts the others.
    /// A dataset whose bulk write failed (a taken slug, a concurrent insert of the same remote
    /// dataset) is written again on its own by [`upsert_prepared`](Self::upsert_prepared).
    ///
    /// Returns one result per write, in order; an `Err` of the whole call is a storage outage.
    pub async fn upsert_datasets(
        &self,
        source: &HarvestSource,
        writes: Vec<DatasetWrite>,
    ) -> Result<Vec<Result<UpsertOutcome>>> {
        let now = DateTime::now();
        let mut results: Vec<Option<Result<UpsertOutcome>>> = Vec::with_capacity(writes.len());
        let mut prepared: Vec<Option<(Dataset, String, Option<ObjectId>)>> =
            Vec::with_capacity(writes.len());
        for w in writes {
            let mut dataset = w.dataset;
            match self
                .prepare(source, &mut dataset, &w.contact_points, now)
                .await
            {
                Ok(remote_id) => {
                    results.push(None);
                    prepared.push(Some((dataset, remote_id, w.known)));
                }
                Err(e) if e.is_transient() => return Err(e),
                Err(e) => {
                    results.push(Some(Err(e)));
                    prepared.push(None);
                }
            }
        }

        // Which existing dataset each write designates.
        let existing = self.designated(source, &prepared).await?;

        // Updates of existing datasets, inserts of new ones; a write whose identity collides
        // with a new dataset of the same batch waits for the one-by-one path.
        let mut updates = Vec::new();
        let mut update_index = Vec::new();
        let mut inserts: Vec<usize> = Vec::new();
        let mut later: Vec<usize> = Vec::new();
        let mut new_keys: std::collections::HashSet<String> = Default::default();
        for (i, p) in prepared.iter_mut().enumerate() {
            let Some((dataset, remote_id, _)) = p.as_mut() else {
                continue;
            };
            if let Some(found) = &existing[i] {
                let id = found
                    .get_object_id("_id")
                    .map_err(|e| Error::Message(e.to_string()))?;
                let update = update_doc(found, dataset, now)?;
                let change = super::changes::of_update(found, &update);
                updates.push(super::bulk::UpdateStatement {
                    filter: doc! { "_id": id },
                    update,
                    upsert: false,
                });
                update_index.push((i, id, change));
                continue;
            }
            let uri = dataset.harvest.as_ref().and_then(|h| h.uri.clone());
            let keys: Vec<String> = std::iter::once(remote_id.clone())
                .chain(uri.filter(|u| is_uri(u)))
                .collect();
            if keys.iter().any(|k| new_keys.contains(k)) {
                later.push(i);
                continue;
            }
            new_keys.extend(keys);
            stamp_new(dataset, now);
            dataset.slug = slug_base(&dataset.slug, &dataset.title);
            inserts.push(i);
        }

        if !updates.is_empty() {
            let outcome = self.bulk_update(super::DATASETS, updates).await?;
            for (n, (i, id, change)) in update_index.into_iter().enumerate() {
                if outcome.failed(n) {
                    later.push(i);
                } else {
                    results[i] = Some(Ok(UpsertOutcome {
                        id,
                        created: false,
                        change,
                    }));
                }
            }
        }

        let mut slug_bases = std::collections::HashMap::new();
        if !inserts.is_empty() {
            slug_bases = self.assign_free_slugs(&mut prepared, &inserts).await?;
            let docs = inserts
                .iter()
                .filter_map(|&i| prepared[i].as_ref().map(|(d, _, _)| d));
            let failed: std::collections::HashSet<usize> =
                match self.datasets().insert_many(docs).ordered(false).await {
                    Ok(_) => Default::default(),
                    Err(e) => match &*e.kind {
                        mongodb::error::ErrorKind::InsertMany(f)
                            if f.write_concern_error.is_none() =>
                        {
                            f.write_errors.iter().flatten().map(|w| w.index).collect()
                        }
                        _ => return Err(e.into()),
                    },
                };
            for (n, &i) in inserts.iter().enumerate() {
                if failed.contains(&n) {
                    later.push(i);
                } else if let Some(id) = prepared[i].as_ref().and_then(|(d, _, _)| d.id) {
                    results[i] = Some(Ok(UpsertOutcome {
                        id,
                        created: true,
                        change: DatasetChange::created(),
                    }));
                }
            }
        }

        later.sort_unstable();
        for i in later {
            if let Some((mut dataset, remote_id, known)) = prepared[i].take() {
                // Back to what `prepare` left: the one-by-one path stamps and slugs it again.
                dataset.id = None;
                if let Some(base) = slug_bases.remove(&i) {
                    dataset.slug = base;
                }
                let r = self
                    .upsert_prepared(source, dataset, &remote_id, known, now)
                    .await;
                if let Err(e) = &r {
                    if e.is_transient() {
                        return Err(r.unwrap_err());
                    }
                }
                results[i] = Some(r);
            }
        }
        Ok(results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(Error::Message("dataset write was lost".into()))))
            .collect())
    }

    /// What every write of a harvested dataset sets: contact points, owner, internal dates.
    /// Returns the dataset's remote id.
    async fn prepare(
        &self,
        source: &HarvestSource,
        dataset: &mut Dataset,
        contact_points: &[ContactPoint],
        now: DateTime,
    ) -> Result<String> {
        let harvest = dataset.harvest.as_ref();
        let remote_id = harvest
            .and_then(|h| h.remote_id.clone())
            .ok_or_else(|| Error::Message("mapped dataset has no harvest.remote_id".into()))?;
        let modified_at = harvest.and_then(|h| h.modified_at);
        dataset.contact_points = self.upsert_contact_points(contact_points).await?;
        if dataset.organization.is_none() && dataset.owner.is_none() {
            dataset.organization = source.organization;
            dataset.owner = source.owner;
        }
        dataset.last_modified_internal = Some(now);
        if dataset.last_update.is_none() {
            dataset.last_update = modified_at.or(Some(now));
        }
        Ok(remote_id)
    }

    /// Write one prepared dataset: update the dataset it designates, or insert a new one, one
    /// query at a time, with retries on conflicts (a concurrent insert of the same remote
    /// dataset, a taken slug). `known` is the dataset id remembered from the previous run.
    async fn upsert_prepared(
        &self,
        source: &HarvestSource,
        mut dataset: Dataset,
        remote_id: &str,
        known: Option<ObjectId>,
        now: DateTime,
    ) -> Result<UpsertOutcome> {
        let uri = dataset.harvest.as_ref().and_then(|h| h.uri.clone());
        for attempt in 0..3 {
            let existing = match known {
                Some(id) if attempt == 0 => {
                    self.raw(super::DATASETS)
                        .find_one(doc! { "_id": id, "deleted": null })
                        .projection(super::changes::existing_projection())
                        .await?
                }
                _ => None,
            };
            let existing = match existing {
                Some(d) => Some(d),
                None => {
                    self.find_harvested(source, remote_id, uri.as_deref())
                        .await?
                }
            };
            if let Some(existing) = existing {
                let id = existing
                    .get_object_id("_id")
                    .map_err(|e| Error::Message(e.to_string()))?;
                let change = self.update_dataset(id, &existing, &dataset, now).await?;
                return Ok(UpsertOutcome {
                    id,
                    created: false,
                    change,
                });
            }
            match self.insert_dataset(&mut dataset, now).await {
                Ok(id) => {
                    return Ok(UpsertOutcome {
                        id,
                        created: true,
                        change: DatasetChange::created(),
                    })
                }
                // Another worker inserted the same remote dataset meanwhile: update it instead.
                Err(e) if e.is_duplicate_key() => continue,
                Err(e) => return Err(e),
            }
        }
        Err(Error::Conflict(format!(
            "dataset {remote_id} kept conflicting on insert"
        )))
    }

    /// Rewrite `existing` with `dataset`; returns what changed.
    async fn update_dataset(
        &self,
        id: ObjectId,
        existing: &Document,
        dataset: &Dataset,
        now: DateTime,
    ) -> Result<DatasetChange> {
        let update = update_doc(existing, dataset, now)?;
        let change = super::changes::of_update(existing, &update);
        self.raw(super::DATASETS)
            .update_one(doc! { "_id": id }, update)
            .await?;
        Ok(change)
    }

    async fn insert_dataset(&self, dataset: &mut Dataset, now: DateTime) -> Result<ObjectId> {
        let id = stamp_new(dataset, now);
        let base = slug_base(&dataset.slug, &dataset.title);
        for n in 0..20 {
            dataset.slug = slug_candidate(&base, n);
            match self.datasets().insert_one(&*dataset).await {
                Ok(_) => return Ok(id),
                Err(e) if is_duplicate_key(&e) && e.to_string().contains("slug") => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::Conflict(format!("no free slug for {base}")))
    }
}

/// The update that rewrites `existing` with a newly mapped `dataset`: identity, slug and creation
/// dates stay, resources keep their creation date, managed fields absent from the mapping go.
fn update_doc(existing: &Document, dataset: &Dataset, now: DateTime) -> Result<Document> {
    let mut created: std::collections::HashMap<String, Bson> = std::collections::HashMap::new();
    if let Ok(resources) = existing.get_array("resources") {
        for r in resources.iter().filter_map(|r| r.as_document()) {
            if let (Ok(rid), Some(c)) = (r.get_str("id"), r.get("created_at_internal")) {
                created.insert(rid.to_owned(), c.clone());
            }
        }
    }
    let mut doc = bson::to_document(dataset)?;
    for key in ["_id", "slug", "created_at_internal", "deleted", "archived"] {
        doc.remove(key);
    }
    if let Some(Bson::Array(resources)) = doc.get_mut("resources") {
        for r in resources.iter_mut().filter_map(|r| r.as_document_mut()) {
            let rid = r.get_str("id").unwrap_or_default().to_owned();
            let c = created.get(&rid).cloned().unwrap_or(Bson::DateTime(now));
            r.insert("created_at_internal", c);
            r.insert("last_modified_internal", now);
        }
    }
    let mut unset = doc! { "archived": "" };
    for key in MANAGED_OPTIONAL {
        if !doc.contains_key(key) {
            unset.insert(key, "");
        }
    }
    Ok(doc! { "$set": doc, "$unset": unset })
}

/// Give a dataset about to be inserted its id and creation dates; returns the id.
fn stamp_new(dataset: &mut Dataset, now: DateTime) -> ObjectId {
    let id = ObjectId::new();
    dataset.id = Some(id);
    dataset.created_at_internal = Some(now);
    dataset.archived = None;
    for r in &mut dataset.resources {
        r.created_at_internal.get_or_insert(now);
        r.last_modified_internal = Some(now);
    }
    id
}
