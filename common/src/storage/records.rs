//! `harvest_record` operations: what is remembered of each remote dataset between runs (content
//! hash, HTTP validators, last time the remote listed it).

use bson::oid::ObjectId;
use bson::{doc, DateTime};

use super::bulk::UpdateStatement;
use super::Store;
use crate::error::Result;
use crate::model::HarvestRecord;

impl Store {
    /// Records of several remote ids of a source (one query for a whole gather batch).
    pub async fn records_for(
        &self,
        source: ObjectId,
        remote_ids: &[String],
    ) -> Result<std::collections::HashMap<String, HarvestRecord>> {
        use futures::TryStreamExt;
        if remote_ids.is_empty() {
            return Ok(Default::default());
        }
        let found: Vec<HarvestRecord> = self
            .records()
            .find(doc! { "source": source, "remote_id": { "$in": remote_ids } })
            .await?
            .try_collect()
            .await?;
        Ok(found
            .into_iter()
            .map(|r| (r.remote_id.clone(), r))
            .collect())
    }

    /// Remember the results of successful writes, in one round trip.
    pub async fn save_records(&self, records: Vec<RecordWrite>) -> Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let statements = records.into_iter().map(RecordWrite::statement).collect();
        let outcome = self.bulk_update(super::RECORDS, statements).await?;
        match outcome.errors.first() {
            None => Ok(()),
            Some((_, code, message)) => Err(crate::error::Error::Message(format!(
                "saving harvest records failed ({code}): {message}"
            ))),
        }
    }

    /// Mark remote ids as listed by the remote now (gather does it per batch): archiving only
    /// considers records whose `last_seen` is older than the grace period.
    pub async fn touch_records(
        &self,
        source: ObjectId,
        remote_ids: &[String],
        now: DateTime,
    ) -> Result<()> {
        if remote_ids.is_empty() {
            return Ok(());
        }
        self.raw(super::RECORDS)
            .update_many(
                doc! { "source": source, "remote_id": { "$in": remote_ids } },
                doc! { "$set": { "last_seen": now } },
            )
            .await?;
        Ok(())
    }
}

/// What a successful write (or a confirmed unchanged item) leaves in `harvest_record`.
#[derive(Debug, Clone)]
pub struct RecordWrite {
    pub source: ObjectId,
    pub remote_id: String,
    pub dataset: Option<ObjectId>,
    pub content_hash: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub job: ObjectId,
    pub now: DateTime,
}

impl RecordWrite {
    fn statement(self) -> UpdateStatement {
        let mut set = doc! { "last_seen": self.now, "last_job": self.job };
        if let Some(d) = self.dataset {
            set.insert("dataset", d);
        }
        if let Some(h) = self.content_hash {
            set.insert("content_hash", h);
        }
        set.insert("etag", self.etag);
        set.insert("last_modified", self.last_modified);
        UpdateStatement {
            filter: doc! { "source": self.source, "remote_id": self.remote_id },
            update: doc! { "$set": set, "$setOnInsert": { "first_seen": self.now } },
            upsert: true,
        }
    }
}
