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
use crate::model::{ContactPoint, Dataset, DatasetChange, HarvestSource};

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

/// Result of archiving after a job.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArchiveOutcome {
    pub archived: i64,
    pub candidates: i64,
    /// Why nothing was archived although datasets vanished (safety threshold).
    pub refused: Option<String>,
    /// The datasets archived, with their remote ids (the job's change list).
    pub datasets: Vec<(ObjectId, String)>,
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
    /// One dataset as udata stores it, whatever its fields (the admin API shows it raw).
    pub async fn dataset_document(&self, id: ObjectId) -> Result<Option<Document>> {
        Ok(self
            .raw(super::DATASETS)
            .find_one(doc! { "_id": id })
            .await?)
    }

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
            .projection(super::changes::existing_projection())
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

    /// Give the new datasets at `inserts` slugs that no stored dataset and no other new dataset
    /// of the batch has, in the order [`slug_candidate`] tries them: one query for the batch,
    /// so that common titles ("Budget primitif 2024") do not cost a failed insert per taken
    /// slug. A slug taken meanwhile by another worker still fails its insert, which the
    /// one-by-one path then retries from the base slug, returned here by index.
    async fn assign_free_slugs(
        &self,
        prepared: &mut [Option<(Dataset, String, Option<ObjectId>)>],
        inserts: &[usize],
    ) -> Result<std::collections::HashMap<usize, String>> {
        let bases: Vec<(usize, String)> = inserts
            .iter()
            .filter_map(|&i| prepared[i].as_ref().map(|(d, _, _)| (i, d.slug.clone())))
            .collect();
        let candidates: Vec<String> = bases
            .iter()
            .flat_map(|(_, base)| (0..CHECKED_SLUGS).map(move |n| slug_candidate(base, n)))
            .collect();
        let mut taken: std::collections::HashSet<String> = self
            .raw(super::DATASETS)
            .find(doc! { "slug": { "$in": &candidates } })
            .projection(doc! { "_id": 0, "slug": 1 })
            .await?
            .try_collect::<Vec<Document>>()
            .await?
            .into_iter()
            .filter_map(|d| d.get_str("slug").ok().map(str::to_owned))
            .collect();
        for (i, base) in &bases {
            let slug = (0..CHECKED_SLUGS)
                .map(|n| slug_candidate(base, n))
                .find(|c| !taken.contains(c))
                .unwrap_or_else(|| slug_candidate(base, CHECKED_SLUGS));
            taken.insert(slug.clone());
            if let Some((dataset, _, _)) = prepared[*i].as_mut() {
                dataset.slug = slug;
            }
        }
        Ok(bases.into_iter().collect())
    }

    /// For each prepared write, the dataset it designates (as [`find_harvested`] would find it,
    /// or its remembered id), in two queries for the whole batch.
    async fn designated(
        &self,
        source: &HarvestSource,
        prepared: &[Option<(Dataset, String, Option<ObjectId>)>],
    ) -> Result<Vec<Option<Document>>> {
        let projection = super::changes::existing_projection();
        let known: Vec<ObjectId> = prepared.iter().flatten().filter_map(|p| p.2).collect();
        let mut by_id: std::collections::HashMap<ObjectId, Document> = Default::default();
        if !known.is_empty() {
            let found: Vec<Document> = self
                .raw(super::DATASETS)
                .find(doc! { "_id": { "$in": &known }, "deleted": null })
                .projection(projection.clone())
                .await?
                .try_collect()
                .await?;
            for d in found {
                if let Ok(id) = d.get_object_id("_id") {
                    by_id.insert(id, d);
                }
            }
        }
        let mut out: Vec<Option<Document>> = prepared
            .iter()
            .map(|p| {
                p.as_ref()
                    .and_then(|p| p.2)
                    .and_then(|id| by_id.get(&id).cloned())
            })
            .collect();

        // The others, by identity: one `$or` over the whole batch, matched here in the order of
        // precedence of `find_harvested` (same source, same domain, then URIs from anywhere).
        let missing: Vec<(usize, &str, Option<&str>)> = prepared
            .iter()
            .enumerate()
            .filter(|(i, _)| out[*i].is_none())
            .filter_map(|(i, p)| {
                p.as_ref().map(|(d, rid, _)| {
                    (
                        i,
                        rid.as_str(),
                        d.harvest.as_ref().and_then(|h| h.uri.as_deref()),
                    )
                })
            })
            .collect();
        if missing.is_empty() {
            return Ok(out);
        }
        let remote_ids: Vec<&str> = missing.iter().map(|m| m.1).collect();
        let uri_ids: Vec<&str> = remote_ids.iter().copied().filter(|r| is_uri(r)).collect();
        let uris: Vec<&str> = uri_ids
            .iter()
            .copied()
            .chain(missing.iter().filter_map(|m| m.2).filter(|u| is_uri(u)))
            .collect();
        let source_id = source.id.to_hex();
        let domain = source.domain();
        let mut alternatives = vec![
            doc! { "harvest.source_id": &source_id, "harvest.remote_id": { "$in": &remote_ids } },
        ];
        if let Some(domain) = &domain {
            alternatives.push(
                doc! { "harvest.domain": domain, "harvest.remote_id": { "$in": &remote_ids } },
            );
        }
        if !uri_ids.is_empty() {
            alternatives.push(doc! { "harvest.remote_id": { "$in": &uri_ids } });
        }
        if !uris.is_empty() {
            alternatives.push(doc! { "harvest.uri": { "$in": &uris } });
        }
        let found: Vec<Document> = self
            .raw(super::DATASETS)
            .find(doc! { "$or": alternatives, "deleted": null })
            .projection(projection)
            .await?
            .try_collect()
            .await?;
        let field = |d: &Document, key: &str| -> Option<String> {
            d.get_document("harvest")
                .ok()
                .and_then(|h| h.get_str(key).ok())
                .map(str::to_owned)
        };
        for (i, rid, uri) in missing {
            let rules: [&dyn Fn(&Document) -> bool; 5] = [
                &|d| {
                    field(d, "source_id").as_deref() == Some(source_id.as_str())
                        && field(d, "remote_id").as_deref() == Some(rid)
                },
                &|d| {
                    domain.is_some()
                        && field(d, "domain") == domain
                        && field(d, "remote_id").as_deref() == Some(rid)
                },
                &|d| is_uri(rid) && field(d, "remote_id").as_deref() == Some(rid),
                &|d| is_uri(rid) && field(d, "uri").as_deref() == Some(rid),
                &|d| uri.is_some_and(is_uri) && field(d, "uri").as_deref() == uri,
            ];
            out[i] = rules
                .iter()
                .find_map(|rule| found.iter().find(|d| rule(d)))
                .cloned();
        }
        Ok(out)
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
        // The candidates with their remote ids (one query a chunk, as a count would cost).
        let mut found: Vec<(ObjectId, String)> = Vec::new();
        for chunk in ids.chunks(10_000) {
            let docs: Vec<Document> = self
                .raw(super::DATASETS)
                .find(doc! { "_id": { "$in": chunk }, "archived": null, "deleted": null })
                .projection(doc! { "_id": 1, "harvest.remote_id": 1 })
                .await?
                .try_collect()
                .await?;
            found.extend(docs.iter().filter_map(|d| {
                let id = d.get_object_id("_id").ok()?;
                let remote_id = d
                    .get_document("harvest")
                    .ok()
                    .and_then(|h| h.get_str("remote_id").ok())
                    .unwrap_or_default()
                    .to_owned();
                Some((id, remote_id))
            }));
        }
        let candidates = found.len() as i64;
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
                datasets: Vec::new(),
                refused: Some(format!(
                    "{candidates} of {total} datasets ({:.0} %) vanished from the remote, above the {:.0} % safety threshold: nothing archived",
                    share * 100.0,
                    max_share * 100.0
                )),
            });
        }
        let now = DateTime::now();
        let mut archived = 0_i64;
        let ids: Vec<ObjectId> = found.iter().map(|(id, _)| *id).collect();
        for chunk in ids.chunks(10_000) {
            let r = self
                .raw(super::DATASETS)
                .update_many(
                    doc! { "_id": { "$in": chunk }, "archived": null, "deleted": null },
                    doc! { "$set": { "archived": now, "harvest.archived_at": now, "harvest.archived_reason": "not-on-remote" } },
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
            datasets: found,
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

/// Slugs tried in order before a random suffix: the base, then `base-1` … `base-9`.
const CHECKED_SLUGS: usize = 10;

/// The `n`-th slug to try for a new dataset: `base`, `base-1` … `base-9`, then `base-<random>`.
fn slug_candidate(base: &str, n: usize) -> String {
    match n {
        0 => base.to_owned(),
        n if n < CHECKED_SLUGS => format!("{base}-{n}"),
        _ => format!("{base}-{}", &ObjectId::new().to_hex()[16..]),
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
