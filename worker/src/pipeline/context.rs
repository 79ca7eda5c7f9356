//! Everything a handler needs, built once per worker process: storage, broker, HTTP fetcher,
//! license reference list, settings, and a short-lived cache of sources so that a job's items do
//! not each re-read their source.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bson::oid::ObjectId;
use common::model::{HarvestJob, HarvestSource};
use common::queue::Broker;
use common::settings::Settings;
use common::storage::Store;
use common::telemetry::{metrics, Readiness};

use super::progress::{self, ProgressSink};
use backends::fetch::Fetcher;
use backends::mapping::LicenseGuesser;

const SOURCE_TTL: Duration = Duration::from_secs(30);
/// Items only need a job's `force_refresh` and whether it already ended.
const JOB_TTL: Duration = Duration::from_secs(2);

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
    sources: Mutex<HashMap<ObjectId, (Arc<HarvestSource>, Instant)>>,
    jobs: Mutex<HashMap<ObjectId, (Arc<HarvestJob>, Instant)>>,
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
            sources: Mutex::new(HashMap::new()),
            jobs: Mutex::new(HashMap::new()),
        });
        tokio::spawn(progress::run(ctx.clone(), reports));
        Ok(ctx)
    }

    /// A recent snapshot of a job (at most 2 s old).
    pub async fn job(&self, id: ObjectId) -> common::Result<Arc<HarvestJob>> {
        if let Some((j, at)) = self.jobs.lock().unwrap_or_else(|p| p.into_inner()).get(&id) {
            if at.elapsed() < JOB_TTL {
                return Ok(j.clone());
            }
        }
        let job = Arc::new(self.store.get_job(id).await?);
        let mut cache = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() > 10_000 {
            cache.clear();
        }
        cache.insert(id, (job.clone(), Instant::now()));
        Ok(job)
    }

    /// A source, from a cache refreshed every 30 s.
    pub async fn source(&self, id: ObjectId) -> common::Result<Arc<HarvestSource>> {
        if let Some((s, at)) = self
            .sources
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id)
        {
            if at.elapsed() < SOURCE_TTL {
                return Ok(s.clone());
            }
        }
        let source = Arc::new(self.store.get_source(id).await?);
        let mut cache = self.sources.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() > 10_000 {
            cache.clear();
        }
        cache.insert(id, (source.clone(), Instant::now()));
        Ok(source)
    }
}
