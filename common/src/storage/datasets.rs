//! `dataset` writes: the upsert of a harvested dataset by identity (never a duplicate), contact
//! points, and the archiving of datasets that vanished from the remote.
//!
//! Identity follows udata: a remote id that is a URI matches a dataset with that remote id or URI
//! from any source (the same dataset harvested by another source, or adopted); any other remote id
//! matches within the source (by source id, or by domain for datasets of a re-created source).

use bson::oid::ObjectId;
use bson::{doc, Bson, DateTime, Document};
use futures::TryStreamExt;

use super::Store;
use crate::error::{is_duplicate_key, Error, Result};
use crate::model::{ContactPoint, Dataset, HarvestSource};

/// Result of an upsert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpsertOutcome {
    pub id: ObjectId,
    pub created: bool,
}

/// Result of archiving after a job.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArchiveOutcome {
    pub archived: i64,
    pub candidates: i64,
    /// Why nothing was archived although datasets vanished (safety threshold).
    pub refused: Option<String>,
}

/// Optional top-level fields a harvest manages: absent from the mapped dataset means removed.
const MANAGED_OPTIONAL: [&str; 5] = [
    "acronym",
    "license",
    "frequency",
    "temporal_coverage",
    "spatial",
];

fn is_uri(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://") || s.starts_with("urn:")
}

impl Store {
    /// Find the dataset a harvested remote id designates.
    pub async fn find_harvested(
        &self,
        source: &HarvestSource,
        remote_id: &str,
        uri: Option<&str>,
    ) -> Result<Option<Document>> {
        let mut alternatives =
            vec![doc! { "harvest.source_id": source.id.to_hex(), "harvest.remote_id": remote_id }];
        if let Some(domain) = source.domain() {
            alternatives.push(doc! { "harvest.domain": domain, "harvest.remote_id": remote_id });
        }
        if is_uri(remote_id) {
            alternatives.push(doc! { "harvest.remote_id": remote_id });
            alternatives.push(doc! { "harvest.uri": remote_id });
        }
        if let Some(u) = uri.filter(|u| is_uri(u)) {
            alternatives.push(doc! { "harvest.uri": u });
        }
        Ok(self
            .raw(super::DATASETS)
            .find_one(doc! { "$or": alternatives, "deleted": null })
            .projection(doc! { "_id": 1, "resources.id": 1, "resources.created_at_internal": 1, "harvest": 1 })
            .await?)
    }

    /// Upsert contact points (by name, email, role) and return their ids in order.
    pub async fn upsert_contact_points(&self, points: &[ContactPoint]) -> Result<Vec<ObjectId>> {
        let mut ids = Vec::with_capacity(points.len());
        for p in points {
            let cached = self
                .contacts
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(p)
                .copied();
            let id = match cached {
                Some(id) => id,
                None => {
                    let id = self.upsert_contact_point(p).await?;
                    let mut cache = self.contacts.lock().unwrap_or_else(|e| e.into_inner());
                    if cache.len() > 50_000 {
                        cache.clear();
                    }
                    cache.insert(p.clone(), id);
                    id
                }
            };
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    async fn upsert_contact_point(&self, p: &ContactPoint) -> Result<ObjectId> {
        let key = doc! { "name": &p.name, "email": &p.email, "role": &p.role };
        for _ in 0..3 {
            let found = self
                .raw(super::CONTACT_POINTS)
                .find_one_and_update(key.clone(), doc! { "$setOnInsert": bson::to_document(p)? })
                .upsert(true)
                .return_document(mongodb::options::ReturnDocument::After)
                .projection(doc! { "_id": 1 })
                .await;
            match found {
                Ok(Some(d)) => {
                    if let Ok(id) = d.get_object_id("_id") {
                        return Ok(id);
                    }
                }
                Ok(None) => {}
                // Two workers inserted the same contact point at once: read the winner's.
                Err(e) if is_duplicate_key(&e) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::Conflict(format!(
            "contact point {:?} kept conflicting",
            p.name
        )))
    }

    /// Write a mapped dataset: update the dataset it designates, or insert a new one.
    /// `known` is the dataset id remembered from the previous run, if any.
    pub async fn upsert_dataset(
        &self,
        source: &HarvestSource,
        mut dataset: Dataset,
        contact_points: &[ContactPoint],
        known: Option<ObjectId>,
    ) -> Result<UpsertOutcome> {
        let now = DateTime::now();
        let harvest = dataset.harvest.clone().unwrap_or_default();
        let remote_id = harvest
            .remote_id
            .clone()
            .ok_or_else(|| Error::Message("mapped dataset has no harvest.remote_id".into()))?;
        dataset.contact_points = self.upsert_contact_points(contact_points).await?;
        if dataset.organization.is_none() && dataset.owner.is_none() {
            dataset.organization = source.organization;
            dataset.owner = source.owner;
        }
        dataset.last_modified_internal = Some(now);
        if dataset.last_update.is_none() {
            dataset.last_update = harvest.modified_at.or(Some(now));
        }

        for attempt in 0..3 {
            let existing = match known {
                Some(id) if attempt == 0 => {
                    self.raw(super::DATASETS)
                        .find_one(doc! { "_id": id, "deleted": null })
                        .projection(doc! { "_id": 1, "resources.id": 1, "resources.created_at_internal": 1, "harvest": 1 })
                        .await?
                }
                _ => None,
            };
            let existing = match existing {
                Some(d) => Some(d),
                None => {
                    self.find_harvested(source, &remote_id, harvest.uri.as_deref())
                        .await?
                }
            };
            if let Some(existing) = existing {
                let id = existing
                    .get_object_id("_id")
                    .map_err(|e| Error::Message(e.to_string()))?;
                self.update_dataset(id, &existing, &dataset, now).await?;
                return Ok(UpsertOutcome { id, created: false });
            }
            match self.insert_dataset(&mut dataset, now).await {
                Ok(id) => return Ok(UpsertOutcome { id, created: true }),
                // Another worker inserted the same remote dataset meanwhile: update it instead.
                Err(e) if e.is_duplicate_key() => continue,
                Err(e) => return Err(e),
            }
        }
        Err(Error::Conflict(format!(
            "dataset {remote_id} kept conflicting on insert"
        )))
    }

    async fn update_dataset(
        &self,
        id: ObjectId,
        existing: &Document,
        dataset: &Dataset,
        now: DateTime,
    ) -> Result<()> {
        // Resources keep their creation date across harvests.
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
        self.raw(super::DATASETS)
            .update_one(doc! { "_id": id }, doc! { "$set": doc, "$unset": unset })
            .await?;
        Ok(())
    }

    async fn insert_dataset(&self, dataset: &mut Dataset, now: DateTime) -> Result<ObjectId> {
        let id = ObjectId::new();
        dataset.id = Some(id);
        dataset.created_at_internal = Some(now);
        dataset.archived = None;
        for r in &mut dataset.resources {
            r.created_at_internal.get_or_insert(now);
            r.last_modified_internal = Some(now);
        }
        let base = slug_base(&dataset.slug, &dataset.title);
        for n in 0..20 {
            dataset.slug = match n {
                0 => base.clone(),
                1..=9 => format!("{base}-{n}"),
                _ => format!("{base}-{}", &ObjectId::new().to_hex()[16..]),
            };
            match self.datasets().insert_one(&*dataset).await {
                Ok(_) => return Ok(id),
                Err(e) if is_duplicate_key(&e) && e.to_string().contains("slug") => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::Conflict(format!("no free slug for {base}")))
    }

    /// Archive the datasets of `source` not listed since `edge` (the earlier of the job's start
    /// and the grace period's start), unless they exceed `max_share` of the source's datasets.
    pub async fn archive_vanished(
        &self,
        source: &HarvestSource,
        edge: DateTime,
        max_share: f64,
    ) -> Result<ArchiveOutcome> {
        let stale: Vec<Document> = self
            .raw(super::RECORDS)
            .find(doc! { "source": source.id, "last_seen": { "$lt": edge }, "dataset": { "$ne": null } })
            .projection(doc! { "dataset": 1 })
            .await?
            .try_collect()
            .await?;
        let ids: Vec<ObjectId> = stale
            .iter()
            .filter_map(|d| d.get_object_id("dataset").ok())
            .collect();
        if ids.is_empty() {
            return Ok(ArchiveOutcome::default());
        }
        let source_id = source.id.to_hex();
        let mut candidates = 0_i64;
        for chunk in ids.chunks(10_000) {
            candidates += self
                .raw(super::DATASETS)
                .count_documents(
                    doc! { "_id": { "$in": chunk }, "archived": null, "deleted": null },
                )
                .await? as i64;
        }
        if candidates == 0 {
            return Ok(ArchiveOutcome::default());
        }
        let total = self
            .raw(super::DATASETS)
            .count_documents(
                doc! { "harvest.source_id": &source_id, "archived": null, "deleted": null },
            )
            .await? as i64;
        let share = candidates as f64 / total.max(1) as f64;
        if share > max_share {
            return Ok(ArchiveOutcome {
                archived: 0,
                candidates,
                refused: Some(format!(
                    "{candidates} of {total} datasets ({:.0} %) vanished from the remote, above the {:.0} % safety threshold: nothing archived",
                    share * 100.0,
                    max_share * 100.0
                )),
            });
        }
        let now = DateTime::now();
        let mut archived = 0_i64;
        for chunk in ids.chunks(10_000) {
            let r = self
                .raw(super::DATASETS)
                .update_many(
                    doc! { "_id": { "$in": chunk }, "archived": null, "deleted": null },
                    doc! { "$set": { "archived": now, "harvest.archived_at": now, "harvest.archived": "not-on-remote" } },
                )
                .await?;
            archived += r.modified_count as i64;
            // A dataset that comes back must be rewritten (un-archived), not skipped as unchanged.
            self.raw(super::RECORDS)
                .update_many(
                    doc! { "source": source.id, "dataset": { "$in": chunk } },
                    doc! { "$set": { "content_hash": null, "etag": null, "last_modified": null } },
                )
                .await?;
        }
        Ok(ArchiveOutcome {
            archived,
            candidates,
            refused: None,
        })
    }
}

/// The slug to try first: the mapper's (the pipeline slugifies titles), truncated as udata does.
fn slug_base(slug: &str, title: &str) -> String {
    let s: String = slug.chars().take(200).collect();
    let s = s.trim_matches('-').to_owned();
    if s.is_empty() {
        if title.is_empty() {
            "dataset".into()
        } else {
            format!("dataset-{}", title.len())
        }
    } else {
        s
    }
}
