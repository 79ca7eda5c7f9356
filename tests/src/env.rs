//! An isolated environment on the real services: its own MongoDB database and its own RabbitMQ
//! queue prefix, so tests run in parallel; everything is removed when the environment is dropped
//! (even when the test panics).

use std::sync::Arc;
use std::time::Duration;

use bson::oid::ObjectId;
use common::messages::{encode, GatherMessage};
use common::model::{
    HarvestJob, HarvestSource, JobTrigger, SourceConfig, Validation, ValidationState,
};
use common::queue::{Broker, Role, Topology};
use common::settings::Settings;
use common::shutdown::{self, ShutdownTrigger};
use common::storage::Store;

/// Polls `probe` every 50 ms until it returns `Some`, for at most 10 s, then panics naming
/// `what`. For what is written just after a job turns final (the release of its source's run
/// lock, udata's view of the job): a test that reads it in the same instant may see it a moment
/// early, never missing for good.
pub async fn eventually<T, Fut>(what: &str, mut probe: impl FnMut() -> Fut) -> T
where
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(found) = probe().await {
            return found;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still not so after 10 s: {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Base URLs of the services, overridable like the product's settings.
pub fn amqp_url() -> String {
    std::env::var("HARVEST__AMQP__URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

pub fn mongo_uri() -> String {
    std::env::var("HARVEST__MONGODB__URI").unwrap_or_else(|_| "mongodb://127.0.0.1:27017".into())
}

/// A unique, short, lowercase tag.
pub fn unique(tag: &str) -> String {
    let oid = ObjectId::new().to_hex();
    format!("{tag}_{}", &oid[14..])
}

pub struct TestEnv {
    pub settings: Settings,
    pub store: Store,
    pub broker: Arc<Broker>,
    workers: Vec<WorkerHandle>,
}

/// Connect the broker's publishing channel, waiting up to a minute for RabbitMQ: the restart
/// tests of the same test binary stop it for a few seconds.
async fn wait_for_rabbitmq(broker: &Broker) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        match broker.publisher().await {
            Ok(_) => return,
            Err(e) if tokio::time::Instant::now() >= deadline => {
                panic!("rabbitmq (is scripts/services-up.sh running?): {e:?}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
}

/// An in-process worker.
pub struct WorkerHandle {
    trigger: ShutdownTrigger,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl WorkerHandle {
    /// Trigger its shutdown and wait for it to drain.
    pub async fn stop(self) {
        self.trigger.trigger();
        let _ = tokio::time::timeout(Duration::from_secs(60), self.task).await;
    }
}

impl TestEnv {
    /// A fresh environment named after `tag`.
    pub async fn new(tag: &str) -> Self {
        Self::with_settings(tag, |_| {}).await
    }

    /// A fresh environment named after `tag`, its test settings adjusted by `configure` before
    /// anything connects.
    pub async fn with_settings(tag: &str, configure: impl FnOnce(&mut Settings)) -> Self {
        let name = unique(tag);
        let mut settings = Settings::default();
        settings.amqp.url = amqp_url();
        settings.amqp.prefix = format!("t{name}.");
        settings.amqp.prefetch = 32;
        settings.amqp.retry_delays_ms = vec![200, 500, 1000];
        settings.amqp.notify_retry_delays_ms = vec![500, 1000];
        settings.mongodb.uri = mongo_uri();
        settings.mongodb.database = format!("t_{name}");
        settings.metrics.bind = String::new();
        settings.http.allow_private = true;
        settings.http.request_timeout_secs = 10;
        settings.worker.sweep_secs = 1;
        settings.worker.shutdown_grace_secs = 10;
        settings.harvest.stall_requeue_secs = 5;
        settings.harvest.stall_timeout_secs = 60;
        settings.log.format = common::settings::LogFormat::Human;
        configure(&mut settings);
        let store = Store::connect(&settings.mongodb)
            .await
            .expect("mongodb client");
        store
            .ensure_indexes()
            .await
            .expect("mongodb indexes (is scripts/services-up.sh running?)");
        store
            .seed_licenses(&common::model::license::builtin())
            .await
            .expect("seed licenses");
        let broker = Broker::new(&settings.amqp);
        wait_for_rabbitmq(&broker).await;
        Self {
            settings,
            store,
            broker,
            workers: Vec::new(),
        }
    }

    /// Start an in-process worker with the environment's settings (adjust them first if needed).
    pub fn start_worker(&mut self) {
        let (trigger, shutdown) = shutdown::channel();
        let task = tokio::spawn(worker::run(self.settings.clone(), shutdown));
        self.workers.push(WorkerHandle { trigger, task });
    }

    /// Stop every in-process worker (graceful).
    pub async fn stop_workers(&mut self) {
        for w in self.workers.drain(..) {
            w.stop().await;
        }
    }

    /// Register an accepted, active source directly in MongoDB.
    pub async fn source(&self, url: &str, backend: &str, config: SourceConfig) -> HarvestSource {
        let now = bson::DateTime::now();
        let mut source = HarvestSource::new(&format!("Test source {backend}"), url, backend, now);
        source.slug = format!("test-{}", source.id.to_hex());
        source.config = config;
        source.validation = Validation {
            state: ValidationState::Accepted,
            by: None,
            on: Some(now),
            comment: None,
        };
        source.schedule = Some("manual".into());
        self.store
            .insert_source(&source)
            .await
            .expect("insert source");
        source
    }

    /// Create a job and publish its gather message, as the scheduler's run does.
    pub async fn run(&self, source: &HarvestSource, force: bool) -> HarvestJob {
        let job = HarvestJob::new(source.id, JobTrigger::Manual, force);
        self.store.create_job(&job).await.expect("create job");
        let body = encode(&GatherMessage::new(job.id, source.id)).expect("encode");
        self.broker
            .publish(Role::Gather, &body)
            .await
            .expect("publish gather");
        job
    }

    /// Wait until the job reaches a final state.
    pub async fn wait_job(&self, id: ObjectId, timeout: Duration) -> HarvestJob {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let job = self.store.get_job(id).await.expect("job");
            if job.status.is_final() {
                return job;
            }
            if tokio::time::Instant::now() > deadline {
                panic!(
                    "job {id} still {} after {:?}: counters {:?}",
                    job.status, timeout, job.counters
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Run a source to completion.
    pub async fn harvest(&self, source: &HarvestSource, timeout: Duration) -> HarvestJob {
        let job = self.run(source, false).await;
        self.wait_job(job.id, timeout).await
    }

    /// The stored dataset of `remote_id` (panics when there is none).
    pub async fn dataset(&self, remote_id: &str) -> bson::Document {
        self.store
            .raw("dataset")
            .find_one(bson::doc! { "harvest.remote_id": remote_id })
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no dataset {remote_id}"))
    }

    /// The items of a job, by remote id.
    pub async fn items(&self, job: ObjectId) -> std::collections::HashMap<String, bson::Document> {
        use futures::TryStreamExt;
        self.store
            .raw(common::storage::ITEMS)
            .find(bson::doc! { "job": job })
            .await
            .unwrap()
            .try_collect::<Vec<bson::Document>>()
            .await
            .unwrap()
            .into_iter()
            .filter_map(|d| Some((d.get_str("remote_id").ok()?.to_owned(), d)))
            .collect()
    }

    /// The environment's settings as `HARVEST__*` variables, for worker processes.
    pub fn env_vars(&self) -> Vec<(String, String)> {
        let s = &self.settings;
        vec![
            ("HARVEST__AMQP__URL".into(), s.amqp.url.clone()),
            ("HARVEST__AMQP__PREFIX".into(), s.amqp.prefix.clone()),
            (
                "HARVEST__AMQP__PREFETCH".into(),
                s.amqp.prefetch.to_string(),
            ),
            (
                "HARVEST__AMQP__RETRY_DELAYS_MS".into(),
                s.amqp
                    .retry_delays_ms
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            (
                "HARVEST__AMQP__NOTIFY_RETRY_DELAYS_MS".into(),
                s.amqp
                    .notify_retry_delays_ms
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            ("HARVEST__MONGODB__URI".into(), s.mongodb.uri.clone()),
            (
                "HARVEST__MONGODB__DATABASE".into(),
                s.mongodb.database.clone(),
            ),
            ("HARVEST__METRICS__BIND".into(), String::new()),
            (
                "HARVEST__HTTP__ALLOW_PRIVATE".into(),
                s.http.allow_private.to_string(),
            ),
            (
                "HARVEST__WORKER__SWEEP_SECS".into(),
                s.worker.sweep_secs.to_string(),
            ),
            (
                "HARVEST__WORKER__SHUTDOWN_GRACE_SECS".into(),
                s.worker.shutdown_grace_secs.to_string(),
            ),
            (
                "HARVEST__HARVEST__STALL_REQUEUE_SECS".into(),
                s.harvest.stall_requeue_secs.to_string(),
            ),
            (
                "HARVEST__HARVEST__STALL_TIMEOUT_SECS".into(),
                s.harvest.stall_timeout_secs.to_string(),
            ),
            (
                "HARVEST__HARVEST__JOB_WINDOW".into(),
                s.harvest.job_window.to_string(),
            ),
            ("HARVEST__LOG__FORMAT".into(), "human".into()),
            ("HARVEST__LOG__LEVEL".into(), "warn".into()),
        ]
    }

    /// Start a worker as a separate process (for kill -9 and SIGTERM tests).
    pub fn spawn_worker_process(&self, binary: &str) -> std::process::Child {
        std::process::Command::new(binary)
            .envs(self.env_vars())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("spawn worker process")
    }

    /// A finished job stored each of its `n` listed datasets exactly once: the report adds up,
    /// nothing failed, no duplicate dataset, one item per dataset and none left unfinished (the
    /// check of the fault and restart tests).
    pub async fn assert_stored_exactly_once(&self, job: &HarvestJob, n: i64) {
        let c = job.counters;
        assert_eq!(c.total, n);
        assert_eq!(
            c.created + c.updated + c.skipped + c.failed,
            c.total,
            "report adds up: {c:?}"
        );
        assert_eq!(c.done, c.total);
        assert_eq!(c.failed, 0, "{c:?}");
        assert_eq!(
            self.store
                .raw("dataset")
                .count_documents(bson::doc! {})
                .await
                .unwrap() as i64,
            n,
            "no duplicates"
        );
        let items = self.store.raw(common::storage::ITEMS);
        assert_eq!(
            items
                .count_documents(bson::doc! { "job": job.id })
                .await
                .unwrap() as i64,
            n
        );
        assert_eq!(
            items
                .count_documents(
                    bson::doc! { "job": job.id, "status": { "$nin": ["done", "skipped", "failed"] } }
                )
                .await
                .unwrap(),
            0
        );
    }

    /// Pretend the remote last listed these datasets `days` ago (archiving tests).
    pub async fn age_records(&self, remote_ids: &[&str], days: i64) {
        let then = bson::DateTime::from_millis(
            bson::DateTime::now().timestamp_millis() - days * 86_400_000,
        );
        self.store
            .raw(common::storage::RECORDS)
            .update_many(
                bson::doc! { "remote_id": { "$in": remote_ids } },
                bson::doc! { "$set": { "last_seen": then } },
            )
            .await
            .expect("age records");
    }

    pub fn topology(&self) -> Topology {
        Topology::new(&self.settings.amqp)
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        for w in self.workers.drain(..) {
            w.trigger.trigger();
            w.task.abort();
        }
        let settings = self.settings.clone();
        // Clean up on a thread of its own: Drop cannot await, and may run during a panic.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok(store) = Store::connect(&settings.mongodb).await {
                    let _ = store.drop_database().await;
                }
                let broker = Broker::new(&settings.amqp);
                if let Ok(ch) = broker.publisher().await {
                    let _ = Topology::new(&settings.amqp).delete_all(&ch).await;
                }
            });
        })
        .join();
    }
}
