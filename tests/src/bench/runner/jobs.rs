//! Sources and jobs of a bench run: registered and started through the scheduler CLI or directly
//! in MongoDB, polled until final, and their items' timing distributions.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::anyhow;
use bson::doc;
use bson::oid::ObjectId;
use common::messages::{encode, GatherMessage};
use common::model::{HarvestJob, HarvestSource, JobTrigger, Validation, ValidationState};
use common::queue::Role;
use futures::TryStreamExt;
use serde::Serialize;

use super::Harness;

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

impl Harness {
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
        let mut source = HarvestSource::new(name, url, backend, now);
        source.slug = format!("bench-{}", source.id.to_hex());
        source.validation = Validation {
            state: ValidationState::Accepted,
            by: Some("harvest-bench".into()),
            on: Some(now),
            comment: None,
        };
        source.schedule = Some("manual".into());
        source.last_modified = Some(now);
        self.store.insert_source(&source).await?;
        Ok(source.id)
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
}
