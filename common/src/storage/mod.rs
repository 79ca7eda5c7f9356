//! MongoDB storage: the collections udata owns (`dataset`, `harvest_source`, `harvest_job`,
//! `contact_point`, `license`), written in udata's schema and nothing else, plus the harvester's own
//! (`harvester_*`: job and source state, items, records, pages, source health, change lists,
//! webhook deliveries), their indexes (created
//! idempotently at start-up, after the [migration](migrate) of older databases) and the operations
//! the pipeline needs. Every state change that must happen once is a conditional update on the
//! expected current state.

mod bulk;
mod changes;
mod datasets;
mod health;
mod items;
mod jobs;
mod migrate;
mod pages;
mod records;
mod sources;
mod udata;
mod webhooks;

use bson::doc;
use mongodb::options::{ClientOptions, IndexOptions};
use mongodb::{Client, Collection, Database, IndexModel};

use crate::error::Result;
use crate::model::{Dataset, HarvestItem, HarvestJob, HarvestRecord, License};
use crate::settings::MongoSettings;

pub use bulk::{BulkOutcome, UpdateStatement};
pub use datasets::{ArchiveOutcome, DatasetWrite, UpsertOutcome};
pub use health::RUN_HISTORY;
pub use items::{ItemFinal, NewItem};
pub use jobs::Progress;
pub use migrate::{MigrationReport, SCHEMA};
pub use pages::PageRecord;
pub use records::RecordWrite;
pub use udata::{udata_job_status, FAILED_ITEMS, OTHER_ITEMS};
pub use webhooks::MAX_WEBHOOKS;

// Collections udata owns: udata's schema only.
pub const DATASETS: &str = "dataset";
pub const SOURCES: &str = "harvest_source";
pub const UDATA_JOBS: &str = "harvest_job";
pub const CONTACT_POINTS: &str = "contact_point";
pub const LICENSES: &str = "license";
// The harvester's own collections.
pub const SOURCE_STATE: &str = "harvester_source";
pub const JOBS: &str = "harvester_job";
pub const ITEMS: &str = "harvester_item";
pub const RECORDS: &str = "harvester_record";
pub const PAGES: &str = "harvester_page";
pub const META: &str = "harvester_meta";
/// One compact record per finished job, kept beyond job retention (source health).
pub const RUNS: &str = "harvester_run";
/// One health summary per source: last status, consecutive failures, last success.
pub const HEALTH: &str = "harvester_health";
/// Datasets archived by a job (its change list; the other changes are on its items).
pub const CHANGES: &str = "harvester_change";
/// Webhook deliveries and their attempts.
pub const DELIVERIES: &str = "harvester_webhook_delivery";

/// Handle on the harvester's database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    client: Client,
    db: Database,
    /// Contact point ids already resolved by this process (they are shared by many datasets).
    contacts: std::sync::Arc<
        std::sync::Mutex<
            std::collections::HashMap<crate::model::ContactPoint, bson::oid::ObjectId>,
        >,
    >,
}

impl Store {
    /// Connect (lazily: the driver connects on first use) to `settings.uri` / `settings.database`.
    pub async fn connect(settings: &MongoSettings) -> Result<Self> {
        let mut options = ClientOptions::parse(&settings.uri).await?;
        if options.app_name.is_none() {
            options.app_name = Some("udata-harvester".into());
        }
        if options.server_selection_timeout.is_none() {
            options.server_selection_timeout = Some(std::time::Duration::from_secs(10));
        }
        let client = Client::with_options(options)?;
        let db = client.database(&settings.database);
        Ok(Self {
            client,
            db,
            contacts: Default::default(),
        })
    }

    /// Connect and prepare the database for a process: indexes and migrations (retried until
    /// MongoDB answers, or until `shutdown`), then the built-in licences seeded where missing.
    pub async fn open(
        settings: &MongoSettings,
        shutdown: &crate::shutdown::Shutdown,
    ) -> Result<Self> {
        let store = Self::connect(settings).await?;
        let mut delay = std::time::Duration::from_millis(500);
        loop {
            match store.ensure_indexes().await {
                Ok(()) => break,
                Err(e) if !shutdown.is_triggered() => {
                    tracing::warn!(error = %e, "MongoDB not ready, retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(std::time::Duration::from_secs(10));
                }
                Err(e) => return Err(e),
            }
        }
        store
            .seed_licenses(&crate::model::license::builtin())
            .await?;
        Ok(store)
    }

    pub fn database(&self) -> &Database {
        &self.db
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn datasets(&self) -> Collection<Dataset> {
        self.db.collection(DATASETS)
    }
    pub fn jobs(&self) -> Collection<HarvestJob> {
        self.db.collection(JOBS)
    }
    pub fn items(&self) -> Collection<HarvestItem> {
        self.db.collection(ITEMS)
    }
    pub fn records(&self) -> Collection<HarvestRecord> {
        self.db.collection(RECORDS)
    }
    pub fn licenses(&self) -> Collection<License> {
        self.db.collection(LICENSES)
    }
    pub fn raw(&self, name: &str) -> Collection<bson::Document> {
        self.db.collection(name)
    }

    /// Round-trip to the server (readiness probe).
    pub async fn ping(&self) -> Result<()> {
        self.db.run_command(doc! { "ping": 1 }).await?;
        Ok(())
    }

    /// Migrate an older database, then create every index the pipeline relies on. Idempotent.
    pub async fn ensure_indexes(&self) -> Result<()> {
        self.migrate().await?;
        let unique = |name: &str| {
            IndexOptions::builder()
                .unique(true)
                .name(name.to_owned())
                .build()
        };
        let named = |name: &str| IndexOptions::builder().name(name.to_owned()).build();
        let idx = |keys: bson::Document, options: IndexOptions| {
            IndexModel::builder().keys(keys).options(options).build()
        };

        let datasets = self.raw(DATASETS);
        // Unique among harvested datasets only: datasets created by hand have no harvest block.
        let harvested_unique = IndexOptions::builder()
            .unique(true)
            .name("harvest_source_remote_unique".to_owned())
            .partial_filter_expression(doc! { "harvest.remote_id": { "$exists": true } })
            .build();
        datasets
            .create_index(idx(
                doc! { "harvest.source_id": 1, "harvest.remote_id": 1 },
                harvested_unique,
            ))
            .await?;
        datasets
            .create_index(idx(
                doc! { "harvest.remote_id": 1 },
                named("harvest_remote_id"),
            ))
            .await?;
        datasets
            .create_index(idx(doc! { "harvest.uri": 1 }, named("harvest_uri")))
            .await?;
        datasets
            .create_index(idx(doc! { "slug": 1 }, unique("slug_unique")))
            .await?;

        self.raw(ITEMS)
            .create_index(idx(
                doc! { "job": 1, "remote_id": 1 },
                unique("job_remote_unique"),
            ))
            .await?;
        self.raw(ITEMS)
            .create_index(idx(
                doc! { "job": 1, "status": 1, "seq": 1 },
                named("job_status_seq"),
            ))
            .await?;

        self.raw(JOBS)
            .create_index(idx(
                doc! { "source": 1, "created": -1 },
                named("source_created"),
            ))
            .await?;
        self.raw(JOBS)
            .create_index(idx(
                doc! { "status": 1, "last_progress": 1 },
                named("status_progress"),
            ))
            .await?;

        self.raw(RECORDS)
            .create_index(idx(
                doc! { "source": 1, "remote_id": 1 },
                unique("source_remote_unique"),
            ))
            .await?;
        self.raw(RECORDS)
            .create_index(idx(
                doc! { "source": 1, "last_seen": 1 },
                named("source_last_seen"),
            ))
            .await?;

        self.raw(SOURCES)
            .create_index(idx(doc! { "slug": 1 }, unique("slug_unique")))
            .await?;
        self.raw(RUNS)
            .create_index(idx(
                doc! { "source": 1, "ended": -1 },
                named("source_ended"),
            ))
            .await?;
        self.raw(CHANGES)
            .create_index(idx(doc! { "job": 1, "remote_id": 1 }, named("job_remote")))
            .await?;
        self.raw(PAGES)
            .create_index(idx(
                doc! { "source": 1, "url": 1 },
                unique("source_url_unique"),
            ))
            .await?;
        self.raw(SOURCE_STATE)
            .create_index(idx(doc! { "next_run_at": 1 }, named("next_run")))
            .await?;
        self.raw(CONTACT_POINTS)
            .create_index(idx(
                doc! { "email": 1, "name": 1, "role": 1 },
                named("identity"),
            ))
            .await?;
        self.ensure_webhook_indexes().await?;
        Ok(())
    }

    /// Seed the license reference list (insert missing ids, leave existing ones as edited).
    pub async fn seed_licenses(&self, licenses: &[License]) -> Result<()> {
        for license in licenses {
            let doc = bson::to_document(license)?;
            self.raw(LICENSES)
                .update_one(doc! { "_id": &license.id }, doc! { "$setOnInsert": doc })
                .upsert(true)
                .await?;
        }
        Ok(())
    }

    /// All licenses stored (the guesser's reference list).
    pub async fn load_licenses(&self) -> Result<Vec<License>> {
        use futures::TryStreamExt;
        Ok(self.licenses().find(doc! {}).await?.try_collect().await?)
    }

    /// Ids of the documents of `collection` matching `filter` beyond the `keep` newest (by
    /// `created`): what a retention rule deletes.
    pub(crate) async fn ids_beyond_newest(
        &self,
        collection: &str,
        filter: bson::Document,
        keep: usize,
    ) -> Result<Vec<bson::oid::ObjectId>> {
        use futures::TryStreamExt;
        let old: Vec<bson::Document> = self
            .raw(collection)
            .find(filter)
            .sort(doc! { "created": -1 })
            .skip(keep as u64)
            .projection(doc! { "_id": 1 })
            .await?
            .try_collect()
            .await?;
        Ok(old
            .iter()
            .filter_map(|d| d.get_object_id("_id").ok())
            .collect())
    }

    /// Drop the whole database (tests).
    pub async fn drop_database(&self) -> Result<()> {
        self.db.drop().await?;
        Ok(())
    }
}
