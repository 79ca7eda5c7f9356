//! Archiving after a job: datasets of a source no longer listed by the remote are archived, as
//! udata does, unless so many vanished that the listing was more likely broken than emptied.

use bson::oid::ObjectId;
use bson::{doc, DateTime, Document};
use futures::TryStreamExt;

use crate::error::Result;
use crate::model::HarvestSource;
use crate::storage::{Store, DATASETS, RECORDS};

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

impl Store {
    /// Archive the datasets of `source` not listed since `edge` (the earlier of the job's start
    /// and the grace period's start), unless they exceed `max_share` of the source's datasets.
    pub async fn archive_vanished(
        &self,
        source: &HarvestSource,
        edge: DateTime,
        max_share: f64,
    ) -> Result<ArchiveOutcome> {
        let stale: Vec<Document> = self
            .raw(RECORDS)
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
                .raw(DATASETS)
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
            .raw(DATASETS)
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
                .raw(DATASETS)
                .update_many(
                    doc! { "_id": { "$in": chunk }, "archived": null, "deleted": null },
                    doc! { "$set": { "archived": now, "harvest.archived_at": now, "harvest.archived_reason": "not-on-remote" } },
                )
                .await?;
            archived += r.modified_count as i64;
            // A dataset that comes back must be rewritten (un-archived), not skipped as unchanged.
            self.raw(RECORDS)
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
