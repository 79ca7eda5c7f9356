//! The benchmark harness: real `harvest-worker` processes and the real `harvest-scheduler` CLI on
//! the local RabbitMQ and MongoDB, isolated by their own database name and queue prefix, with
//! resource probes around each measured phase.
//!
//! A [`Harness`] owns everything it starts: worker processes (stopped with SIGTERM, then
//! killed, by pid), and, on [`Harness::cleanup`], the bench database and the queues and exchanges
//! of its prefix.

mod jobs;
mod probe;
mod workers;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context as _};
use bson::doc;
use common::model::JobStatus;
use common::queue::{Broker, Topology};
use common::settings::Settings;
use common::storage::Store;
use serde::Serialize;

use super::procs::{self, Watched};

pub use jobs::{Dist, ItemTimings, JobRun};
pub use probe::{Probe, ProcUsage, Usage};
use workers::WorkerProc;

/// Settings of a benchmark invocation.
#[derive(Debug, Clone)]
pub struct Config {
    /// Directory of `harvest-worker` and `harvest-scheduler` (release builds).
    pub bin_dir: PathBuf,
    /// Where `results.json` and the worker logs go.
    pub out_dir: PathBuf,
    pub workers: usize,
    pub prefetch: u16,
    pub per_host: usize,
    /// Fairness window per job (`harvest.job_window`), if not the default.
    pub job_window: Option<usize>,
    /// Small sizes, for CI smoke runs.
    pub quick: bool,
    /// Factor applied to the full sizes (1.0: the sizes of the scenario names).
    pub scale: f64,
    /// Keep the bench database and queues (to inspect them).
    pub keep: bool,
    pub job_timeout: Duration,
    pub log_level: String,
    pub amqp_url: String,
    pub mongo_uri: String,
}

/// Worker settings of one group of worker processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WorkerSetup {
    pub count: usize,
    pub prefetch: u16,
    pub per_host: usize,
}

/// One benchmark environment.
pub struct Harness {
    pub cfg: Config,
    pub scenario: String,
    pub settings: Settings,
    pub store: Store,
    pub broker: Arc<Broker>,
    workers: Vec<WorkerProc>,
    setup: Option<WorkerSetup>,
    allow_hosts: Vec<String>,
    extra_env: Vec<(String, String)>,
    services: Vec<Watched>,
    http: reqwest::Client,
    worker_seq: usize,
}

impl Harness {
    /// A fresh environment for `scenario`: its own database and queue prefix.
    pub async fn new(cfg: Config, scenario: &str) -> anyhow::Result<Self> {
        let tag = crate::env::unique("b");
        let tag = tag.trim_start_matches("b_");
        let mut settings = Settings::default();
        settings.amqp.url = cfg.amqp_url.clone();
        settings.amqp.prefix = format!("bench{tag}.");
        settings.mongodb.uri = cfg.mongo_uri.clone();
        settings.mongodb.database = format!("bench_{tag}");
        let store = Store::connect(&settings.mongodb)
            .await
            .context("connecting to MongoDB")?;
        store
            .ensure_indexes()
            .await
            .context("preparing MongoDB (is scripts/services-up.sh running?)")?;
        let broker = Broker::new(&settings.amqp);
        broker
            .publisher()
            .await
            .context("connecting to RabbitMQ (is scripts/services-up.sh running?)")?;
        std::fs::create_dir_all(cfg.out_dir.join("logs"))?;
        Ok(Self {
            cfg,
            scenario: scenario.to_owned(),
            settings,
            store,
            broker,
            workers: Vec::new(),
            setup: None,
            allow_hosts: Vec::new(),
            extra_env: Vec::new(),
            services: procs::service_processes(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()?,
            worker_seq: 0,
        })
    }

    /// Hosts the workers may fetch from (`ip`, `ip:port`), before [`Harness::start_workers`].
    pub fn allow_host(&mut self, host: impl Into<String>) {
        self.allow_hosts.push(host.into());
    }

    /// An extra `HARVEST__…` variable for the workers and the CLI.
    pub fn set_env(&mut self, key: &str, value: impl Into<String>) {
        self.extra_env.retain(|(k, _)| k != key);
        self.extra_env.push((key.to_owned(), value.into()));
    }

    fn env(&self) -> Vec<(String, String)> {
        let s = &self.settings;
        let mut env = vec![
            ("HARVEST__AMQP__URL".to_owned(), s.amqp.url.clone()),
            ("HARVEST__AMQP__PREFIX".to_owned(), s.amqp.prefix.clone()),
            ("HARVEST__MONGODB__URI".to_owned(), s.mongodb.uri.clone()),
            (
                "HARVEST__MONGODB__DATABASE".to_owned(),
                s.mongodb.database.clone(),
            ),
            (
                "HARVEST__HTTP__ALLOW_HOSTS".to_owned(),
                self.allow_hosts.join(","),
            ),
            ("HARVEST__LOG__LEVEL".to_owned(), self.cfg.log_level.clone()),
            ("HARVEST__LOG__FORMAT".to_owned(), "human".to_owned()),
            (
                "HARVEST__WORKER__SHUTDOWN_GRACE_SECS".to_owned(),
                "5".to_owned(),
            ),
        ];
        if let Some(w) = self.cfg.job_window {
            env.push(("HARVEST__HARVEST__JOB_WINDOW".to_owned(), w.to_string()));
        }
        env.extend(self.extra_env.iter().cloned());
        env
    }

    fn bin(&self, name: &str) -> PathBuf {
        self.cfg.bin_dir.join(name)
    }
}

impl Harness {
    /// Run the scheduler CLI with the bench settings; its stdout.
    pub async fn cli(&self, args: &[&str]) -> anyhow::Result<String> {
        let bin = self.bin("harvest-scheduler");
        let out = tokio::process::Command::new(&bin)
            .args(args)
            .envs(self.env())
            .env("HARVEST__METRICS__BIND", "")
            .stdin(Stdio::null())
            .output()
            .await
            .with_context(|| format!("running {}", bin.display()))?;
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        if !out.status.success() {
            bail!(
                "harvest-scheduler {} failed ({}): {}{}",
                args.join(" "),
                out.status,
                stdout,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(stdout)
    }

    /// Stop the workers, drop the bench database and delete the queues of the prefix (unless
    /// `keep`).
    pub async fn cleanup(mut self) {
        self.stop_workers().await;
        if self.cfg.keep {
            eprintln!(
                "  kept database {} and queue prefix {}",
                self.settings.mongodb.database, self.settings.amqp.prefix
            );
            return;
        }
        if let Err(e) = self.store.drop_database().await {
            eprintln!("  could not drop {}: {e}", self.settings.mongodb.database);
        }
        match self.broker.publisher().await {
            Ok(ch) => {
                if let Err(e) = Topology::new(&self.settings.amqp).delete_all(&ch).await {
                    eprintln!("  could not delete the queues: {e}");
                }
            }
            Err(e) => eprintln!("  could not delete the queues: {e}"),
        }
        self.broker.close().await;
    }

    /// Jobs of the bench database still running (sanity check between phases).
    pub async fn running_jobs(&self) -> anyhow::Result<u64> {
        let states: Vec<&str> = JobStatus::RUNNING.iter().map(|s| s.as_str()).collect();
        Ok(self
            .store
            .jobs()
            .count_documents(doc! { "status": { "$in": states } })
            .await?)
    }

    /// Directory of the logs.
    pub fn log_dir(&self) -> PathBuf {
        self.cfg.out_dir.join("logs")
    }
}

/// The directory of the running executable (`target/release`), where the other binaries are.
pub fn exe_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("target/release"))
}
