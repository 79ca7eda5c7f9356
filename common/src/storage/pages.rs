//! `harvest_page` documents: for each catalog page of a source, the HTTP validators of its last
//! answer, the remote ids it listed and the next page's URL, so that a page answering 304 Not
//! Modified costs neither a download nor a parse, and its datasets are settled as unchanged.

use bson::oid::ObjectId;
use bson::{doc, DateTime};
use serde::{Deserialize, Serialize};

use super::Store;
use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageRecord {
    pub source: ObjectId,
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    #[serde(default)]
    pub remote_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    pub fetched_at: DateTime,
}

impl Store {
    pub async fn get_page(&self, source: ObjectId, url: &str) -> Result<Option<PageRecord>> {
        Ok(self
            .db
            .collection::<PageRecord>(super::PAGES)
            .find_one(doc! { "source": source, "url": url })
            .await?)
    }

    pub async fn save_page(&self, page: &PageRecord) -> Result<()> {
        self.db
            .collection::<PageRecord>(super::PAGES)
            .replace_one(doc! { "source": page.source, "url": &page.url }, page)
            .upsert(true)
            .await?;
        Ok(())
    }

    /// Forget every page of a source (its next run fetches everything again).
    pub async fn forget_pages(&self, source: ObjectId) -> Result<()> {
        self.raw(super::PAGES)
            .delete_many(doc! { "source": source })
            .await?;
        Ok(())
    }
}
