//! Everything a handler needs, built once per worker process: storage, broker, HTTP fetcher,
//! license reference list, settings, and a short-lived cache of sources so that a job's items do
//! not each re-read their source.

use std::sync::Arc;
use std::time::Duration;

use bson::oid::ObjectId;
use common::model::{HarvestJob, HarvestSource};
use common::queue::Broker;
use common::settings::Settings;
use common::storage::Store;
use common::telemetry::{metrics, Readiness};
use moka::sync::Cache;

use super::progress::{self, ProgressSink};
use backends::fetch::Fetcher;
use backends::mapping::LicenseGuesser;

const SOURCE_TTL: Duration = Duration::from_secs(30);
/// Items only need a job's `force_refresh` and whether it already ended.
const JOB_TTL: Duration = Duration::from_secs(2);
/// Entries each cache holds at most (moka evicts those least likely to be used again).
const CACHE_CAPACITY: u64 = 10_000;

pub struct Context {
    pub settings: Settings,
    pub store: Store,
    pub broker: Arc<Broker>,
    pub fetcher: Fetcher,
    pub licenses: LicenseGuesser,
    pub readiness: Readiness,
    /// Where item handlers report finished items (batched counters and window refills).
    pub progress: ProgressSink,
    /// Items fetched and mapped at once by this process: `amqp.prefetch` permits, shared by the
    /// batches in flight, so the configured item concurrency holds whatever the batch size.
    pub item_slots: tokio::sync::Semaphore,
    sources: Cache<ObjectId, Arc<HarvestSource>>,
    jobs: Cache<ObjectId, Arc<HarvestJob>>,
}

impl Context {
    pub fn new(
        settings: Settings,
        store: Store,
        broker: Arc<Broker>,
        licenses: LicenseGuesser,
        readiness: Readiness,
    ) -> anyhow::Result<Arc<Self>> {
        let observer: backends::fetch::Observer = Arc::new(|class, elapsed| {
            let m = metrics();
            m.remote_requests.with_label_values(&[class]).inc();
            m.remote_request_duration.observe(elapsed.as_secs_f64());
        });
        let fetcher = Fetcher::new(&settings.http)?.with_observer(observer);
        let (progress, reports) = ProgressSink::channel();
        let item_slots = settings.amqp.prefetch.max(1) as usize;
        let ctx = Arc::new(Self {
            settings,
            store,
            broker,
            fetcher,
            licenses,
            readiness,
            progress,
            item_slots: tokio::sync::Semaphore::new(item_slots),
            sources: ttl_cache(SOURCE_TTL),
            jobs: ttl_cache(JOB_TTL),
        });
        tokio::spawn(progress::run(ctx.clone(), reports));
        Ok(ctx)
    }

    /// A recent snapshot of a job (at most 2 s old).
    pub async fn job(&self, id: ObjectId) -> common::Result<Arc<HarvestJob>> {
        if let Some(job) = self.jobs.get(&id) {
            return Ok(job);
        }
        let job = Arc::new(self.store.get_job(id).await?);
        self.jobs.insert(id, job.clone());
        Ok(job)
    }

    /// A source, from a cache refreshed every 30 s.
    pub async fn source(&self, id: ObjectId) -> common::Result<Arc<HarvestSource>> {
        if let Some(source) = self.sources.get(&id) {
            return Ok(source);
        }
        let source = Arc::new(self.store.get_source(id).await?);
        self.sources.insert(id, source.clone());
        Ok(source)
    }
}

/// A cache whose entries expire `ttl` after they were written.
fn ttl_cache<V: Clone + Send + Sync + 'static>(ttl: Duration) -> Cache<ObjectId, V> {
    Cache::builder()
        .max_capacity(CACHE_CAPACITY)
        .time_to_live(ttl)
        .build()
}
