//! The change list of a job (see [`crate::model::change`]): which top-level fields an update
//! changes, computed from the dataset the upsert reads anyway (no extra read, and none at all for
//! a dataset skipped as unchanged), the archived datasets of a job in `harvester_change`, and the
//! queries of the report.

use std::collections::BTreeMap;

use bson::oid::ObjectId;
use bson::{doc, Bson, Document};
use futures::TryStreamExt;

use super::Store;
use crate::error::{is_duplicate_key, Result};
use crate::model::{ChangeEntry, ChangeKind, DatasetChange};

/// Top-level fields of a dataset compared for the change list, in the order they are reported
/// (`resources` is reported as `resources.added`, `resources.removed`, `resources.changed`).
const COMPARED: [&str; 14] = [
    "title",
    "acronym",
    "description",
    "license",
    "tags",
    "private",
    "frequency",
    "temporal_coverage",
    "spatial",
    "extras",
    "contact_points",
    "organization",
    "owner",
    "harvest",
];
/// Fields that move at every write or archiving, not with the remote dataset.
const VOLATILE_HARVEST: [&str; 3] = ["last_update", "archived_at", "archived_reason"];
const VOLATILE_RESOURCE: [&str; 2] = ["created_at_internal", "last_modified_internal"];

/// What the upsert reads of an existing dataset: its identity and creation dates (kept by the
/// update), its archived flag and the compared fields (the change list).
pub(super) fn existing_projection() -> Document {
    let mut p = doc! { "_id": 1, "resources": 1, "archived": 1 };
    for key in COMPARED {
        p.insert(key, 1);
    }
    p
}

/// The change an update (`{$set, $unset}` built by the upsert) makes to `existing`.
pub(super) fn of_update(existing: &Document, update: &Document) -> DatasetChange {
    let set = update.get_document("$set").ok();
    let unset = update.get_document("$unset").ok();
    let after = |key: &str| -> Option<&Bson> {
        match set.and_then(|s| s.get(key)) {
            Some(v) => Some(v),
            None if unset.is_some_and(|u| u.contains_key(key)) => None,
            None => existing.get(key),
        }
    };
    let mut fields = Vec::new();
    for key in COMPARED {
        let (before, now) = (existing.get(key), after(key));
        let changed = if key == "harvest" {
            !same(
                without(before, &VOLATILE_HARVEST).as_ref(),
                without(now, &VOLATILE_HARVEST).as_ref(),
            )
        } else {
            !same(before, now)
        };
        if changed {
            fields.push(key.to_owned());
        }
    }
    fields.extend(resource_changes(
        existing.get("resources"),
        after("resources"),
    ));
    let unarchived = matches!(existing.get("archived"), Some(Bson::DateTime(_)));
    DatasetChange {
        kind: if unarchived {
            ChangeKind::Unarchived
        } else {
            ChangeKind::Updated
        },
        fields,
    }
}

/// `resources.added`, `resources.removed`, `resources.changed`, matching resources by id.
fn resource_changes(before: Option<&Bson>, after: Option<&Bson>) -> Vec<String> {
    let by_id = |value: Option<&Bson>| -> BTreeMap<String, Document> {
        let mut out = BTreeMap::new();
        if let Some(Bson::Array(list)) = value {
            for (i, r) in list.iter().enumerate() {
                if let Some(d) = r.as_document() {
                    let id = d
                        .get_str("id")
                        .map(str::to_owned)
                        .unwrap_or_else(|_| format!("#{i}"));
                    out.insert(id, comparable_resource(d));
                }
            }
        }
        out
    };
    let (before, after) = (by_id(before), by_id(after));
    let mut out = Vec::new();
    if after.keys().any(|id| !before.contains_key(id)) {
        out.push("resources.added".to_owned());
    }
    if before.keys().any(|id| !after.contains_key(id)) {
        out.push("resources.removed".to_owned());
    }
    if after
        .iter()
        .any(|(id, r)| before.get(id).is_some_and(|old| !same_doc(old, r)))
    {
        out.push("resources.changed".to_owned());
    }
    out
}

/// A resource without the dates every write moves.
fn comparable_resource(r: &Document) -> Document {
    let mut r = r.clone();
    for key in VOLATILE_RESOURCE {
        r.remove(key);
    }
    if let Ok(h) = r.get_document_mut("harvest") {
        h.remove("last_update");
    }
    r
}

/// A sub-document without some keys.
fn without(value: Option<&Bson>, keys: &[&str]) -> Option<Bson> {
    match value {
        Some(Bson::Document(d)) => {
            let mut d = d.clone();
            for k in keys {
                d.remove(*k);
            }
            Some(Bson::Document(d))
        }
        other => other.cloned(),
    }
}

/// No value, null, false (udata's default of its flags), an empty string, list or document:
/// all mean "nothing" to a reader.
fn is_empty(value: Option<&Bson>) -> bool {
    match value {
        None | Some(Bson::Null) | Some(Bson::Undefined) | Some(Bson::Boolean(false)) => true,
        Some(Bson::String(s)) => s.is_empty(),
        Some(Bson::Array(a)) => a.is_empty(),
        Some(Bson::Document(d)) => d.iter().all(|(_, v)| is_empty(Some(v))),
        _ => false,
    }
}

fn number(value: &Bson) -> Option<f64> {
    match value {
        Bson::Int32(n) => Some(*n as f64),
        Bson::Int64(n) => Some(*n as f64),
        Bson::Double(n) => Some(*n),
        _ => None,
    }
}

/// Equality of stored values as a reader sees them: key order, integer widths and empty values
/// do not matter.
fn same(a: Option<&Bson>, b: Option<&Bson>) -> bool {
    if is_empty(a) || is_empty(b) {
        return is_empty(a) && is_empty(b);
    }
    let (Some(a), Some(b)) = (a, b) else {
        return false;
    };
    match (a, b) {
        (Bson::Document(x), Bson::Document(y)) => same_doc(x, y),
        (Bson::Array(x), Bson::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(Some(p), Some(q)))
        }
        _ => match (number(a), number(b)) {
            (Some(x), Some(y)) => x == y,
            _ => a == b,
        },
    }
}

fn same_doc(x: &Document, y: &Document) -> bool {
    x.keys().chain(y.keys()).all(|k| same(x.get(k), y.get(k)))
}

impl Store {
    /// Record the datasets a job archived (idempotent: one entry per job and dataset).
    pub async fn record_archived(
        &self,
        job: ObjectId,
        source: ObjectId,
        archived: &[(ObjectId, String)],
    ) -> Result<()> {
        for chunk in archived.chunks(10_000) {
            let docs = chunk.iter().map(|(dataset, remote_id)| {
                doc! {
                    "_id": format!("{}:{}", job.to_hex(), dataset.to_hex()),
                    "job": job,
                    "source": source,
                    "kind": ChangeKind::Archived.as_str(),
                    "remote_id": remote_id,
                    "dataset": dataset,
                }
            });
            match self
                .raw(super::CHANGES)
                .insert_many(docs)
                .ordered(false)
                .await
            {
                Ok(_) => {}
                Err(e) if is_duplicate_key(&e) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// How many datasets of each kind a job changed.
    pub async fn change_counts(&self, job: ObjectId) -> Result<BTreeMap<ChangeKind, u64>> {
        let mut counts = BTreeMap::new();
        for kind in ChangeKind::ALL {
            let n = match kind {
                ChangeKind::Archived => {
                    self.raw(super::CHANGES)
                        .count_documents(doc! { "job": job })
                        .await?
                }
                k => {
                    self.raw(super::ITEMS)
                        .count_documents(item_filter(job, Some(k)))
                        .await?
                }
            };
            counts.insert(kind, n);
        }
        Ok(counts)
    }

    /// A page of a job's change list, of one kind or all (created, updated and un-archived in
    /// listing order, then archived by remote id).
    pub async fn job_changes(
        &self,
        job: ObjectId,
        kind: Option<ChangeKind>,
        skip: u64,
        limit: i64,
    ) -> Result<Vec<ChangeEntry>> {
        let mut out = Vec::new();
        let mut skip_archived = skip;
        if kind != Some(ChangeKind::Archived) {
            let filter = item_filter(job, kind);
            let docs: Vec<Document> = self
                .raw(super::ITEMS)
                .find(filter.clone())
                .sort(doc! { "seq": 1 })
                .skip(skip)
                .limit(limit)
                .projection(doc! { "remote_id": 1, "dataset": 1, "change": 1 })
                .await?
                .try_collect()
                .await?;
            for d in docs {
                let Ok(change) = d.get_document("change") else {
                    continue;
                };
                let Ok(change) = bson::from_document::<DatasetChange>(change.clone()) else {
                    continue;
                };
                out.push(ChangeEntry {
                    kind: change.kind,
                    remote_id: d.get_str("remote_id").unwrap_or_default().to_owned(),
                    dataset: d.get_object_id("dataset").ok(),
                    fields: change.fields,
                });
            }
            if kind.is_some() || out.len() as i64 >= limit {
                return Ok(out);
            }
            let listed = self.raw(super::ITEMS).count_documents(filter).await?;
            skip_archived = skip.saturating_sub(listed);
        }
        let docs: Vec<Document> = self
            .raw(super::CHANGES)
            .find(doc! { "job": job })
            .sort(doc! { "remote_id": 1 })
            .skip(skip_archived)
            .limit(limit - out.len() as i64)
            .await?
            .try_collect()
            .await?;
        out.extend(docs.into_iter().map(|d| ChangeEntry {
            kind: ChangeKind::Archived,
            remote_id: d.get_str("remote_id").unwrap_or_default().to_owned(),
            dataset: d.get_object_id("dataset").ok(),
            fields: Vec::new(),
        }));
        Ok(out)
    }
}

/// The items of a job that changed a dataset (of one kind).
fn item_filter(job: ObjectId, kind: Option<ChangeKind>) -> Document {
    let kinds: Vec<&str> = match kind {
        Some(k) => vec![k.as_str()],
        None => vec![
            ChangeKind::Created.as_str(),
            ChangeKind::Updated.as_str(),
            ChangeKind::Unarchived.as_str(),
        ],
    };
    doc! { "job": job, "status": "done", "change.kind": { "$in": kinds } }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn existing() -> Document {
        doc! {
            "_id": ObjectId::new(),
            "title": "Arbres",
            "description": "Les arbres.",
            "license": "lov2",
            "tags": ["arbres", "nature"],
            "extras": {},
            "harvest": { "remote_id": "a", "last_update": bson::DateTime::from_millis(1) },
            "resources": [
                { "id": "r1", "url": "https://x.org/a.csv", "filesize": 10_i32,
                  "created_at_internal": bson::DateTime::from_millis(1) },
                { "id": "r2", "url": "https://x.org/b.csv" },
            ],
        }
    }

    fn update(set: Document, unset: Document) -> Document {
        doc! { "$set": set, "$unset": unset }
    }

    #[test]
    fn nothing_but_volatile_dates_is_no_field() {
        let set = doc! {
            "title": "Arbres", "description": "Les arbres.", "license": "lov2",
            "tags": ["arbres", "nature"], "private": false,
            "harvest": { "last_update": bson::DateTime::from_millis(99), "remote_id": "a" },
            "resources": [
                { "id": "r1", "url": "https://x.org/a.csv", "filesize": 10_i64,
                  "created_at_internal": bson::DateTime::from_millis(5),
                  "last_modified_internal": bson::DateTime::from_millis(99) },
                { "id": "r2", "url": "https://x.org/b.csv" },
            ],
            "last_modified_internal": bson::DateTime::from_millis(99),
        };
        let c = of_update(&existing(), &update(set, doc! { "archived": "" }));
        assert_eq!(c.kind, ChangeKind::Updated);
        assert!(c.fields.is_empty(), "{:?}", c.fields);
    }

    #[test]
    fn names_changed_fields_and_resources() {
        let set = doc! {
            "title": "Arbres d'alignement", "description": "Les arbres.",
            "tags": ["arbres"], "harvest": { "remote_id": "a" },
            "resources": [
                { "id": "r1", "url": "https://x.org/a2.csv", "filesize": 10_i64 },
                { "id": "r3", "url": "https://x.org/c.csv" },
            ],
        };
        let c = of_update(&existing(), &update(set, doc! { "license": "" }));
        assert_eq!(
            c.fields,
            [
                "title",
                "license",
                "tags",
                "resources.added",
                "resources.removed",
                "resources.changed"
            ]
        );
    }

    #[test]
    fn an_archived_dataset_comes_back_unarchived() {
        let mut old = existing();
        old.insert("archived", bson::DateTime::from_millis(7));
        let set =
            doc! { "title": "Arbres", "resources": old.get_array("resources").unwrap().clone() };
        let c = of_update(&old, &update(set, doc! {}));
        assert_eq!(c.kind, ChangeKind::Unarchived);
        assert!(c.fields.is_empty(), "{:?}", c.fields);
    }
}
