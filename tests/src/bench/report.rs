//! Benchmark results: what each measured phase produced, the readable tables printed at the end
//! of a scenario, and `results.json`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use super::routes::StatsSnapshot;
use super::runner::{ItemTimings, JobRun, Usage, WorkerSetup};

/// One measured phase (one job, or a whole night of jobs).
#[derive(Debug, Clone, Default, Serialize)]
pub struct PhaseResult {
    pub phase: String,
    pub backend: String,
    pub syntax: Option<String>,
    /// Catalog variant served during the phase.
    pub variant: String,
    /// Datasets listed by the remote(s).
    pub datasets: usize,
    /// Triples of the served catalog (DCAT only).
    pub triples: Option<u64>,
    pub workers: Option<WorkerSetup>,
    pub latency_ms: u64,
    pub job: Option<JobRun>,
    pub wall_s: f64,
    pub datasets_per_s: f64,
    pub triples_per_s: Option<f64>,
    pub usage: Usage,
    pub timings: Option<ItemTimings>,
    pub requests: StatsSnapshot,
    pub notes: Vec<String>,
}

impl PhaseResult {
    /// Fill the rates from `wall_s`.
    pub fn rates(&mut self) {
        if self.wall_s > 0.0 {
            self.datasets_per_s = self.datasets as f64 / self.wall_s;
            self.triples_per_s = self.triples.map(|t| t as f64 / self.wall_s);
        }
    }

    fn worker_rss(&self) -> Vec<f64> {
        self.usage
            .processes
            .iter()
            .filter(|p| p.label.starts_with("worker-"))
            .map(|p| p.peak_rss_mb)
            .collect()
    }

    fn cpu_of(&self, prefix: &str) -> f64 {
        self.usage
            .processes
            .iter()
            .filter(|p| p.label.starts_with(prefix))
            .map(|p| p.cpu_s)
            .sum()
    }
}

/// One job of the simulated night.
#[derive(Debug, Clone, Serialize)]
pub struct NightJob {
    pub source: usize,
    pub host: String,
    pub backend: String,
    pub syntax: Option<String>,
    pub datasets: usize,
    pub latency_ms: u64,
    pub status: String,
    pub created: i64,
    pub failed: i64,
    /// Seconds from the start of the night to the job's start (gather began).
    pub started_s: Option<f64>,
    /// Seconds from the start of the night to the job's end.
    pub finished_s: Option<f64>,
}

/// Everything one scenario measured.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScenarioResult {
    pub name: String,
    pub description: String,
    pub quick: bool,
    /// `--scale` factor applied to the full sizes.
    pub scale: f64,
    pub phases: Vec<PhaseResult>,
    /// Named ratios, e.g. `reharvest-unchanged/first` (wall time).
    pub ratios: BTreeMap<String, f64>,
    pub night: Vec<NightJob>,
    pub error: Option<String>,
    pub duration_s: f64,
}

/// The whole `results.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Results {
    pub started_at: String,
    pub machine: Machine,
    pub scenarios: Vec<ScenarioResult>,
}

/// What the figures were measured on.
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    pub cpus: usize,
    pub mem_total_mb: u64,
    pub git_commit: Option<String>,
}

impl Machine {
    pub fn detect() -> Self {
        let mem_total_mb = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|m| {
                m.lines()
                    .find(|l| l.starts_with("MemTotal:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|v| v.parse::<u64>().ok())
            })
            .map(|kb| kb / 1024)
            .unwrap_or(0);
        let git_commit = std::process::Command::new("git")
            .args(["rev-parse", "--short", "HEAD"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .map(|s| s.trim().to_owned());
        Self {
            cpus: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            mem_total_mb,
            git_commit,
        }
    }
}

/// Write `results.json` (pretty) into `dir`.
pub fn write_json(dir: &Path, results: &Results) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join("results.json");
    std::fs::write(&path, serde_json::to_vec_pretty(results)?)?;
    Ok(())
}

fn fmt_rss(v: &[f64]) -> String {
    if v.is_empty() {
        return "-".into();
    }
    v.iter()
        .map(|x| format!("{x:.0}"))
        .collect::<Vec<_>>()
        .join("/")
}

/// The phases of a scenario as a table.
pub fn phase_table(s: &ScenarioResult) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<34} {:>7} {:>8} {:>9} {:>10} {:>22} {:>11} {:>20}",
        "phase",
        "items",
        "wall s",
        "items/s",
        "triples/s",
        "created/upd/skip/fail",
        "RSS MB",
        "CPU s wrk/mdb/mq/srv"
    );
    for p in &s.phases {
        let counts = p
            .job
            .as_ref()
            .map(|j| format!("{}/{}/{}/{}", j.created, j.updated, j.skipped, j.failed))
            .unwrap_or_else(|| "-".into());
        let _ = writeln!(
            out,
            "{:<34} {:>7} {:>8.1} {:>9.0} {:>10} {:>22} {:>11} {:>20}",
            truncate(&p.phase, 34),
            p.datasets,
            p.wall_s,
            p.datasets_per_s,
            p.triples_per_s
                .map(|t| format!("{t:.0}"))
                .unwrap_or_else(|| "-".into()),
            counts,
            fmt_rss(&p.worker_rss()),
            format!(
                "{:.0}/{:.0}/{:.0}/{:.0}",
                p.cpu_of("worker-"),
                p.cpu_of("mongodb"),
                p.cpu_of("rabbitmq"),
                p.cpu_of("bench")
            ),
        );
    }
    for (k, v) in &s.ratios {
        let _ = writeln!(out, "  ratio {k}: {v:.3}");
    }
    for p in &s.phases {
        let mut parts = Vec::new();
        let mut stages: Vec<_> = p.usage.stage_mean_ms.iter().collect();
        stages.sort_by(|a, b| a.0.cmp(b.0));
        for (stage, ms) in stages {
            parts.push(format!("{stage} {ms:.1} ms"));
        }
        if let Some(t) = &p.timings {
            if t.total_ms.n > 0 {
                parts.push(format!(
                    "item total p50 {:.0} / p95 {:.0} ms, store p50 {:.0} ms",
                    t.total_ms.p50, t.total_ms.p95, t.store_ms.p50
                ));
            }
        }
        let ops: f64 = p.usage.mongo_ops.values().sum();
        if ops > 0.0 && p.datasets > 0 {
            parts.push(format!("MongoDB {:.1} ops/item", ops / p.datasets as f64));
        }
        if let Some(g) = p.job.as_ref().and_then(|j| j.gather_s) {
            parts.push(format!("gather done at {g:.1} s"));
        }
        if !parts.is_empty() {
            let _ = writeln!(out, "  {}: {}", p.phase, parts.join(", "));
        }
        for n in &p.notes {
            let _ = writeln!(out, "  {}: {n}", p.phase);
        }
    }
    out
}

/// Completion times of the night by size bucket.
pub fn night_table(jobs: &[NightJob]) -> String {
    let mut out = String::new();
    let buckets: [(usize, usize, &str); 5] = [
        (0, 100, "< 100"),
        (100, 1_000, "100 – 1k"),
        (1_000, 5_000, "1k – 5k"),
        (5_000, 20_000, "5k – 20k"),
        (20_000, usize::MAX, ">= 20k"),
    ];
    let _ = writeln!(
        out,
        "{:<12} {:>5} {:>10} {:>14} {:>14} {:>14}",
        "size", "jobs", "datasets", "finish p50 s", "finish max s", "slow hosts"
    );
    for (lo, hi, label) in buckets {
        let mut v: Vec<&NightJob> = jobs
            .iter()
            .filter(|j| j.datasets >= lo && j.datasets < hi)
            .collect();
        if v.is_empty() {
            continue;
        }
        v.sort_by(|a, b| {
            a.finished_s
                .unwrap_or(f64::MAX)
                .total_cmp(&b.finished_s.unwrap_or(f64::MAX))
        });
        let fin = |j: &NightJob| {
            j.finished_s
                .map(|f| format!("{f:.0}"))
                .unwrap_or("-".into())
        };
        let _ = writeln!(
            out,
            "{:<12} {:>5} {:>10} {:>14} {:>14} {:>14}",
            label,
            v.len(),
            v.iter().map(|j| j.datasets).sum::<usize>(),
            fin(v[v.len() / 2]),
            fin(v[v.len() - 1]),
            v.iter().filter(|j| j.latency_ms > 0).count()
        );
    }
    let mut largest: Vec<&NightJob> = jobs.iter().collect();
    largest.sort_by_key(|j| std::cmp::Reverse(j.datasets));
    let _ = writeln!(out, "largest jobs (size → finished at):");
    for j in largest.iter().take(8) {
        let _ = writeln!(
            out,
            "  #{:<3} {:<5} {:<7} {:>6} datasets{} → {} s ({})",
            j.source,
            j.backend,
            j.syntax.as_deref().unwrap_or(""),
            j.datasets,
            if j.latency_ms > 0 {
                format!(" (slow host, {} ms)", j.latency_ms)
            } else {
                String::new()
            },
            j.finished_s
                .map(|f| format!("{f:.0}"))
                .unwrap_or("-".into()),
            j.status
        );
    }
    out
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        s.chars().take(n.saturating_sub(1)).chain(['…']).collect()
    }
}

/// One line per scenario for the final summary.
pub fn summary(results: &Results) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<22} {:<34} {:>8} {:>9} {:>10} {:>11}",
        "scenario", "phase", "wall s", "items/s", "triples/s", "RSS MB"
    );
    for s in &results.scenarios {
        if let Some(e) = &s.error {
            let _ = writeln!(out, "{:<22} FAILED: {e}", s.name);
        }
        for p in &s.phases {
            let _ = writeln!(
                out,
                "{:<22} {:<34} {:>8.1} {:>9.0} {:>10} {:>11}",
                s.name,
                truncate(&p.phase, 34),
                p.wall_s,
                p.datasets_per_s,
                p.triples_per_s
                    .map(|t| format!("{t:.0}"))
                    .unwrap_or_else(|| "-".into()),
                fmt_rss(&p.worker_rss()),
            );
        }
    }
    out
}
