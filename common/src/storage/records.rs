//! `harvest_record` operations: what is remembered of each remote dataset between runs (content
//! hash, HTTP validators, last time the remote listed it).

use bson::oid::ObjectId;
use bson::{doc, DateTime};

use super::Store;
use crate::error::Result;
use crate::model::HarvestRecord;

impl Store {
    pub async fn get_record(
        &self,
        source: ObjectId,
        remote_id: &str,
    ) -> Result<Option<HarvestRecord>> {
        Ok(self
            .records()
            .find_one(doc! { "source": source, "remote_id": remote_id })
            .await?)
    }

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

    /// Remember the result of a successful write (or a confirmed unchanged item).
    #[allow(clippy::too_many_arguments)]
    pub async fn save_record(
        &self,
        source: ObjectId,
        remote_id: &str,
        dataset: Option<ObjectId>,
        content_hash: Option<&str>,
        etag: Option<&str>,
        last_modified: Option<&str>,
        job: ObjectId,
        now: DateTime,
    ) -> Result<()> {
        let mut set = doc! { "last_seen": now, "last_job": job };
        if let Some(d) = dataset {
            set.insert("dataset", d);
        }
        if let Some(h) = content_hash {
            set.insert("content_hash", h);
        }
        set.insert("etag", etag);
        set.insert("last_modified", last_modified);
        self.raw(super::RECORDS)
            .update_one(
                doc! { "source": source, "remote_id": remote_id },
                doc! { "$set": set, "$setOnInsert": { "first_seen": now } },
            )
            .upsert(true)
            .await?;
        Ok(())
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
