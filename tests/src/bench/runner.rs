//! The benchmark harness: real `harvest-worker` processes and the real `harvest-scheduler` CLI on
//! the local RabbitMQ and MongoDB, isolated by their own database name and queue prefix, with
//! resource probes around each measured phase.
//!
//! A [`Harness`] owns everything it starts: worker processes (stopped with SIGTERM, then
//! killed, by pid), and, on [`Harness::cleanup`], the bench database and the queues and exchanges
//! of its prefix.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context as _};
use bson::doc;
use bson::oid::ObjectId;
use common::messages::{encode, GatherMessage};
use common::model::{
    HarvestJob, HarvestSource, JobStatus, JobTrigger, SourceConfig, Validation, ValidationState,
};
use common::queue::{Broker, Role, Topology};
use common::settings::Settings;
use common::storage::Store;
use futures::TryStreamExt;
use serde::Serialize;

use super::procs::{self, ProcSample, Scrape, Watched};

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

struct WorkerProc {
    label: String,
    pid: u32,
    child: tokio::process::Child,
    metrics: String,
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

/// A finished (or timed out) job as the benchmark saw it.
#[derive(Debug, Clone, Serialize)]
pub struct JobRun {
    pub job: String,
    pub status: String,
    pub total: i64,
    pub created: i64,
    pub updated: i64,
    pub skipped: i64,
    pub failed: i64,
    pub archived: i64,
    /// From the job's creation to its end (MongoDB timestamps).
    pub wall_s: f64,
    /// From the job's creation until `gather_complete` was seen (polled every 200 ms).
    pub gather_s: Option<f64>,
    pub errors: Vec<String>,
}

/// Distribution of one timing field of the job's items, in milliseconds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Dist {
    pub n: usize,
    pub mean: f64,
    pub p50: f64,
    pub p95: f64,
    pub max: f64,
}

impl Dist {
    pub fn of(mut v: Vec<f64>) -> Self {
        if v.is_empty() {
            return Self::default();
        }
        v.sort_by(|a, b| a.total_cmp(b));
        let q = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
        Self {
            n: v.len(),
            mean: v.iter().sum::<f64>() / v.len() as f64,
            p50: q(0.5),
            p95: q(0.95),
            max: v[v.len() - 1],
        }
    }
}

/// `timings` of the job's items (`harvest_item.timings`, milliseconds).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ItemTimings {
    pub process_ms: Dist,
    pub store_ms: Dist,
    pub total_ms: Dist,
    /// Items by skip reason (`unchanged`, `not-modified`…).
    pub skip_reasons: HashMap<String, u64>,
}

/// Resources used by one process during a phase.
#[derive(Debug, Clone, Serialize)]
pub struct ProcUsage {
    pub label: String,
    pub peak_rss_mb: f64,
    pub cpu_s: f64,
}

/// Resources of a phase, and worker-side stage metrics.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Usage {
    pub processes: Vec<ProcUsage>,
    /// Mean duration of the item stages (`fetch`, `map`, `store`), from the workers' histograms.
    pub stage_mean_ms: HashMap<String, f64>,
    pub stage_count: HashMap<String, f64>,
    /// `harvest_rdf_triples_parsed_total` during the phase.
    pub triples_parsed: f64,
    /// MongoDB operations during the phase (`serverStatus.opcounters`, when the server has it).
    pub mongo_ops: std::collections::BTreeMap<String, f64>,
}

/// Probes taken at the start of a phase.
pub struct Probe {
    started: Instant,
    cpu: Vec<(Watched, ProcSample)>,
    scrape: Scrape,
    peaks: Arc<Mutex<HashMap<u32, u64>>>,
    sampler: tokio::task::JoinHandle<()>,
    reset_ok: HashMap<u32, bool>,
    mongo_ops: std::collections::BTreeMap<String, f64>,
}

impl Probe {
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}

const METRIC_PREFIXES: &[&str] = &[
    "harvest_item_stage_duration_seconds_sum",
    "harvest_item_stage_duration_seconds_count",
    "harvest_rdf_triples_parsed_total",
];

fn free_port() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
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

    /// Start worker processes and wait until each answers `/readyz`.
    pub async fn start_workers(&mut self, setup: WorkerSetup) -> anyhow::Result<()> {
        let bin = self.bin("harvest-worker");
        if !bin.is_file() {
            bail!(
                "{} not found: build it with `cargo build --release --bins` (scripts/bench.sh does)",
                bin.display()
            );
        }
        for _ in 0..setup.count {
            self.worker_seq += 1;
            let label = format!("worker-{}", self.worker_seq);
            let port = free_port()?;
            let log_path = self
                .cfg
                .out_dir
                .join("logs")
                .join(format!("{}-{label}.log", self.scenario));
            let log = std::fs::File::create(&log_path)
                .with_context(|| format!("creating {}", log_path.display()))?;
            let mut cmd = tokio::process::Command::new(&bin);
            cmd.envs(self.env())
                .env("HARVEST__AMQP__PREFETCH", setup.prefetch.to_string())
                .env(
                    "HARVEST__HTTP__PER_HOST_CONCURRENCY",
                    setup.per_host.to_string(),
                )
                .env("HARVEST__METRICS__BIND", format!("127.0.0.1:{port}"))
                .stdin(Stdio::null())
                .stdout(log.try_clone()?)
                .stderr(log)
                .kill_on_drop(true);
            let child = cmd
                .spawn()
                .with_context(|| format!("starting {}", bin.display()))?;
            let pid = child
                .id()
                .ok_or_else(|| anyhow!("{label} exited at once"))?;
            self.workers.push(WorkerProc {
                label,
                pid,
                child,
                metrics: format!("http://127.0.0.1:{port}"),
            });
        }
        let deadline = Instant::now() + Duration::from_secs(90);
        for w in &mut self.workers {
            loop {
                let ready = self
                    .http
                    .get(format!("{}/readyz", w.metrics))
                    .send()
                    .await
                    .map(|r| r.status().is_success())
                    .unwrap_or(false);
                if ready {
                    break;
                }
                if let Ok(Some(status)) = w.child.try_wait() {
                    bail!("{} exited during start-up ({status}); see its log", w.label);
                }
                if Instant::now() > deadline {
                    bail!("{} not ready after 90 s; see its log", w.label);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        self.setup = Some(setup);
        Ok(())
    }

    /// Current worker setup.
    pub fn setup(&self) -> Option<WorkerSetup> {
        self.setup
    }

    /// SIGTERM every worker (by pid), wait for them to drain, SIGKILL what is left.
    pub async fn stop_workers(&mut self) {
        for w in &self.workers {
            let _ = std::process::Command::new("kill")
                .arg("-TERM")
                .arg(w.pid.to_string())
                .status();
        }
        for mut w in self.workers.drain(..) {
            if tokio::time::timeout(Duration::from_secs(20), w.child.wait())
                .await
                .is_err()
            {
                let _ = w.child.start_kill();
                let _ = w.child.wait().await;
            }
        }
        self.setup = None;
    }

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

    /// Register an accepted source through the CLI; its id.
    pub async fn create_source(
        &self,
        name: &str,
        url: &str,
        backend: &str,
        features: &[&str],
    ) -> anyhow::Result<ObjectId> {
        let mut args = vec![
            "sources",
            "create",
            "--name",
            name,
            "--url",
            url,
            "--backend",
            backend,
            "--schedule",
            "manual",
            "--accept",
        ];
        for f in features {
            args.push("--feature");
            args.push(f);
        }
        let out = self.cli(&args).await?;
        let id = out
            .lines()
            .rev()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or_default();
        ObjectId::parse_str(id).map_err(|_| anyhow!("unexpected `sources create` output: {out}"))
    }

    /// Start a job through the CLI (`run <source> [--force]`); its id.
    pub async fn start_job(&self, source: ObjectId, force: bool) -> anyhow::Result<ObjectId> {
        let id = source.to_hex();
        let mut args = vec!["run", id.as_str()];
        if force {
            args.push("--force");
        }
        let out = self.cli(&args).await?;
        out.lines()
            .find_map(|l| {
                l.strip_prefix("job ")
                    .and_then(|rest| rest.split_whitespace().next())
                    .and_then(|hex| ObjectId::parse_str(hex).ok())
            })
            .ok_or_else(|| anyhow!("unexpected `run` output: {out}"))
    }

    /// Register an accepted source directly in MongoDB (for hundreds of sources).
    pub async fn insert_source(
        &self,
        name: &str,
        url: &str,
        backend: &str,
    ) -> anyhow::Result<ObjectId> {
        let now = bson::DateTime::now();
        let id = ObjectId::new();
        let source = HarvestSource {
            id,
            name: name.to_owned(),
            slug: format!("bench-{}", id.to_hex()),
            description: None,
            url: url.to_owned(),
            backend: backend.to_owned(),
            config: SourceConfig::default(),
            active: true,
            autoarchive: true,
            validation: Validation {
                state: ValidationState::Accepted,
                by: Some("harvest-bench".into()),
                on: Some(now),
                comment: None,
            },
            schedule: Some("manual".into()),
            next_run_at: None,
            owner: None,
            organization: None,
            created_at: now,
            last_modified: Some(now),
            deleted: None,
            runs: 0,
            running_job: None,
        };
        self.store.insert_source(&source).await?;
        Ok(id)
    }

    /// Start a job as the scheduler's `run` does (job with the source's run lock, then the
    /// gather message), without a process per job.
    pub async fn start_job_direct(&self, source: ObjectId) -> anyhow::Result<ObjectId> {
        let job = HarvestJob::new(source, JobTrigger::Manual, false);
        self.store.create_job(&job).await?;
        let body = encode(&GatherMessage::new(job.id, source))?;
        self.broker.publish(Role::Gather, &body).await?;
        Ok(job.id)
    }

    fn job_run(job: &HarvestJob, gather_s: Option<f64>) -> JobRun {
        let wall_ms = job
            .ended
            .map(|e| e.timestamp_millis() - job.created.timestamp_millis())
            .unwrap_or_else(|| {
                bson::DateTime::now().timestamp_millis() - job.created.timestamp_millis()
            });
        let c = job.counters;
        JobRun {
            job: job.id.to_hex(),
            status: job.status.as_str().to_owned(),
            total: c.total,
            created: c.created,
            updated: c.updated,
            skipped: c.skipped,
            failed: c.failed,
            archived: c.archived,
            wall_s: wall_ms as f64 / 1000.0,
            gather_s,
            errors: job.errors.iter().map(|e| e.message.clone()).collect(),
        }
    }

    /// Poll a job until it is final (or the timeout), printing progress every 10 s.
    pub async fn wait_job(&self, id: ObjectId) -> anyhow::Result<JobRun> {
        let started = Instant::now();
        let mut gather_s = None;
        let mut last_print = Instant::now();
        loop {
            let job = self.store.get_job(id).await?;
            if gather_s.is_none() && job.gather_complete {
                gather_s = Some(
                    (bson::DateTime::now().timestamp_millis() - job.created.timestamp_millis())
                        as f64
                        / 1000.0,
                );
            }
            if job.status.is_final() {
                return Ok(Self::job_run(&job, gather_s));
            }
            if started.elapsed() > self.cfg.job_timeout {
                let mut run = Self::job_run(&job, gather_s);
                run.status = format!("timeout ({})", job.status);
                return Ok(run);
            }
            if last_print.elapsed() > Duration::from_secs(10) {
                last_print = Instant::now();
                eprintln!(
                    "    … {} {}/{} done ({} created, {} updated, {} skipped, {} failed) after {:.0} s",
                    job.status,
                    job.counters.done,
                    job.counters.total,
                    job.counters.created,
                    job.counters.updated,
                    job.counters.skipped,
                    job.counters.failed,
                    started.elapsed().as_secs_f64()
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Poll many jobs until all are final (or the timeout); `on_progress(done, total)`.
    pub async fn wait_jobs(&self, ids: &[ObjectId]) -> anyhow::Result<Vec<HarvestJob>> {
        let started = Instant::now();
        let mut last_print = Instant::now();
        loop {
            let jobs: Vec<HarvestJob> = self
                .store
                .jobs()
                .find(doc! { "_id": { "$in": ids.to_vec() } })
                .await?
                .try_collect()
                .await?;
            let finished = jobs.iter().filter(|j| j.status.is_final()).count();
            if finished == ids.len() || started.elapsed() > self.cfg.job_timeout {
                return Ok(jobs);
            }
            if last_print.elapsed() > Duration::from_secs(15) {
                last_print = Instant::now();
                let done: i64 = jobs.iter().map(|j| j.counters.done).sum();
                let total: i64 = jobs.iter().map(|j| j.counters.total).sum();
                eprintln!(
                    "    … {finished}/{} jobs finished, {done}/{total} items after {:.0} s",
                    ids.len(),
                    started.elapsed().as_secs_f64()
                );
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// Timing distributions of a job's items.
    pub async fn item_timings(&self, job: ObjectId) -> anyhow::Result<ItemTimings> {
        let mut cursor = self
            .store
            .raw(common::storage::ITEMS)
            .find(doc! { "job": job })
            .projection(doc! { "timings": 1, "skip_reason": 1, "status": 1 })
            .await?;
        let (mut p, mut s, mut t) = (Vec::new(), Vec::new(), Vec::new());
        let mut skip_reasons: HashMap<String, u64> = HashMap::new();
        while let Some(d) = cursor.try_next().await? {
            if let Ok(reason) = d.get_str("skip_reason") {
                *skip_reasons.entry(reason.to_owned()).or_default() += 1;
            }
            let Ok(tm) = d.get_document("timings") else {
                continue;
            };
            let num = |k: &str| {
                tm.get(k).and_then(|v| match v {
                    bson::Bson::Int32(i) => Some(*i as f64),
                    bson::Bson::Int64(i) => Some(*i as f64),
                    bson::Bson::Double(f) => Some(*f),
                    _ => None,
                })
            };
            if let Some(v) = num("process_ms") {
                p.push(v);
            }
            if let Some(v) = num("store_ms") {
                s.push(v);
            }
            if let Some(v) = num("total_ms") {
                t.push(v);
            }
        }
        Ok(ItemTimings {
            process_ms: Dist::of(p),
            store_ms: Dist::of(s),
            total_ms: Dist::of(t),
            skip_reasons,
        })
    }

    fn watched(&self) -> Vec<Watched> {
        let mut v: Vec<Watched> = self
            .workers
            .iter()
            .map(|w| Watched {
                label: w.label.clone(),
                pid: w.pid,
            })
            .collect();
        v.extend(self.services.iter().cloned());
        v.push(Watched {
            label: "bench (catalog servers)".into(),
            pid: std::process::id(),
        });
        v
    }

    async fn scrape(&self) -> Scrape {
        let mut total = Scrape::new();
        for w in &self.workers {
            let Ok(resp) = self.http.get(format!("{}/metrics", w.metrics)).send().await else {
                continue;
            };
            let Ok(text) = resp.text().await else {
                continue;
            };
            for (k, v) in procs::parse_metrics(&text, METRIC_PREFIXES) {
                *total.entry(k).or_default() += v;
            }
        }
        total
    }

    /// Start measuring a phase: reset the workers' peak RSS, take CPU and metrics baselines,
    /// sample RSS every 200 ms.
    pub async fn probe(&self) -> Probe {
        let watched = self.watched();
        let mut reset_ok = HashMap::new();
        for w in &watched {
            reset_ok.insert(w.pid, procs::reset_peak(w.pid));
        }
        let cpu = watched
            .iter()
            .filter_map(|w| procs::sample(w.pid).map(|s| (w.clone(), s)))
            .collect();
        let peaks: Arc<Mutex<HashMap<u32, u64>>> = Arc::default();
        let pids: Vec<u32> = watched.iter().map(|w| w.pid).collect();
        let sampler_peaks = peaks.clone();
        let sampler = tokio::spawn(async move {
            loop {
                for pid in &pids {
                    if let Some(s) = procs::sample(*pid) {
                        let mut m = sampler_peaks.lock().unwrap_or_else(|p| p.into_inner());
                        let e = m.entry(*pid).or_default();
                        *e = (*e).max(s.rss_kb);
                    }
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
        Probe {
            started: Instant::now(),
            cpu,
            scrape: self.scrape().await,
            peaks,
            sampler,
            reset_ok,
            mongo_ops: self.mongo_ops().await,
        }
    }

    /// End a phase: peak RSS and CPU of every watched process, stage metrics of the workers.
    pub async fn usage(&self, probe: Probe) -> Usage {
        probe.sampler.abort();
        let scrape = procs::scrape_delta(&self.scrape().await, &probe.scrape);
        let peaks = probe
            .peaks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let mut processes = Vec::new();
        for (w, before) in &probe.cpu {
            let Some(now) = procs::sample(w.pid) else {
                continue;
            };
            let sampled = peaks.get(&w.pid).copied().unwrap_or(0);
            let peak_kb = if probe.reset_ok.get(&w.pid).copied().unwrap_or(false) {
                now.hwm_kb.max(sampled)
            } else {
                sampled.max(now.rss_kb)
            };
            processes.push(ProcUsage {
                label: w.label.clone(),
                peak_rss_mb: peak_kb as f64 / 1024.0,
                cpu_s: now.cpu_s - before.cpu_s,
            });
        }
        let mut stage_mean_ms = HashMap::new();
        let mut stage_count = HashMap::new();
        for stage in ["fetch", "map", "store"] {
            let sum = scrape
                .get(&format!(
                    "harvest_item_stage_duration_seconds_sum{{stage=\"{stage}\"}}"
                ))
                .copied()
                .unwrap_or(0.0);
            let count = scrape
                .get(&format!(
                    "harvest_item_stage_duration_seconds_count{{stage=\"{stage}\"}}"
                ))
                .copied()
                .unwrap_or(0.0);
            if count > 0.0 {
                stage_mean_ms.insert(stage.to_owned(), sum / count * 1000.0);
                stage_count.insert(stage.to_owned(), count);
            }
        }
        let ops = self.mongo_ops().await;
        let mongo_ops = ops
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v - probe.mongo_ops.get(k).copied().unwrap_or(0.0),
                )
            })
            .collect();
        Usage {
            mongo_ops,
            processes,
            stage_mean_ms,
            stage_count,
            triples_parsed: scrape
                .iter()
                .filter(|(k, _)| k.starts_with("harvest_rdf_triples_parsed_total"))
                .map(|(_, v)| *v)
                .sum(),
        }
    }

    /// `serverStatus.opcounters` of the MongoDB server (empty when it does not report them).
    async fn mongo_ops(&self) -> std::collections::BTreeMap<String, f64> {
        let mut out = std::collections::BTreeMap::new();
        let Ok(status) = self
            .store
            .client()
            .database("admin")
            .run_command(doc! { "serverStatus": 1 })
            .await
        else {
            return out;
        };
        if let Ok(ops) = status.get_document("opcounters") {
            for (k, v) in ops {
                let n = match v {
                    bson::Bson::Int32(i) => *i as f64,
                    bson::Bson::Int64(i) => *i as f64,
                    bson::Bson::Double(f) => *f,
                    _ => continue,
                };
                out.insert(k.clone(), n);
            }
        }
        out
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
