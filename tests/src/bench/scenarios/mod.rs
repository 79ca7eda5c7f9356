//! The benchmark scenarios, each selectable by name (`harvest-bench --scenario dcat-10k`).
//!
//! Every scenario runs in a [`Harness`] of its own (fresh database and queue prefix, its own
//! worker processes), serves generated catalogs from this process, starts jobs through the
//! scheduler CLI (or, for the 200 sources of the night, the way the scheduler does, directly),
//! and records one [`PhaseResult`] per measured job. `--quick` shrinks every size for CI smoke
//! runs.

mod ckan;
mod dcat;
mod night;

use std::time::Instant;

use bson::oid::ObjectId;

use super::rdf::Syntax;
use super::report::{PhaseResult, ScenarioResult};
use super::routes::{self, CatalogControl, CatalogSpec};
use super::runner::{Config, Harness, WorkerSetup};
use crate::catalog_server::{self, CatalogServer, ServerOptions};

/// Scenario names and what they measure.
pub const SCENARIOS: &[(&str, &str)] = &[
    (
        "dcat-10k",
        "DCAT (Turtle, Hydra pages of 100 with ETag/Last-Modified) with 10k datasets: first \
         harvest, re-harvest unchanged (pages 304), re-harvest with 10% changed, re-harvest with \
         5% removed (archived, grace 0)",
    ),
    (
        "dcat-100k",
        "DCAT (Turtle) with 100k datasets: first harvest, unchanged re-harvest with page \
         validators (304), and without (pages 200, items skipped by content hash)",
    ),
    (
        "dcat-syntaxes",
        "10k-dataset DCAT first harvests in Turtle, RDF/XML, JSON-LD and N-Triples",
    ),
    (
        "csw-iso-10k",
        "CSW (GetRecords POSTed, pages of 25) of 10k ISO 19139 records, converted natively to \
         DCAT: first harvest, then an unchanged re-harvest (items skipped by content hash)",
    ),
    (
        "ckan-10k-latency",
        "CKAN action API (package_list + package_show per dataset) with 10k datasets and 20 ms \
         per request",
    ),
    (
        "conditional-100k",
        "CKAN 100k datasets: re-harvest of an unchanged catalog with ETag/Last-Modified (304) \
         versus without validators (200 + content hash)",
    ),
    (
        "concurrency-sweep",
        "CKAN 3k datasets, 20 ms per request: unchanged re-harvest throughput for item prefetch \
         4/8/32/128 and per-host caps 8/32/128",
    ),
    (
        "night",
        "Simulated night: 200 sources of lognormal sizes (>= 300k datasets), 80% DCAT in three \
         syntaxes, 20% CKAN, 10% on slow hosts (100 ms), all started at once",
    ),
];

/// Default worker setup from the command line.
fn default_setup(cfg: &Config) -> WorkerSetup {
    WorkerSetup {
        count: cfg.workers,
        prefetch: cfg.prefetch,
        per_host: cfg.per_host,
    }
}

/// Run one scenario by name; failures are recorded in the result, never panics.
pub async fn run(cfg: &Config, name: &str) -> ScenarioResult {
    let started = Instant::now();
    let mut res = ScenarioResult {
        name: name.to_owned(),
        description: SCENARIOS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, d)| (*d).to_owned())
            .unwrap_or_default(),
        quick: cfg.quick,
        scale: cfg.scale,
        ..Default::default()
    };
    let mut h = match Harness::new(cfg.clone(), name).await {
        Ok(h) => h,
        Err(e) => {
            res.error = Some(format!("{e:#}"));
            return res;
        }
    };
    let outcome = match name {
        "dcat-10k" => dcat::dcat_cycle(&mut h, &mut res).await,
        "dcat-100k" => dcat::dcat_100k(&mut h, &mut res).await,
        "dcat-syntaxes" => dcat::dcat_syntaxes(&mut h, &mut res).await,
        "csw-iso-10k" => dcat::csw_iso(&mut h, &mut res).await,
        "ckan-10k-latency" => ckan::ckan_latency(&mut h, &mut res).await,
        "conditional-100k" => ckan::conditional(&mut h, &mut res).await,
        "concurrency-sweep" => ckan::concurrency_sweep(&mut h, &mut res).await,
        "night" => night::night(&mut h, &mut res).await,
        other => Err(anyhow::anyhow!("unknown scenario {other}")),
    };
    if let Err(e) = outcome {
        res.error = Some(format!("{e:#}"));
    }
    h.cleanup().await;
    res.duration_s = started.elapsed().as_secs_f64();
    res
}

/// A size of the scenario: `quick` with `--quick`, else `full` times `--scale`.
fn size(cfg: &Config, full: usize, quick: usize) -> usize {
    if cfg.quick {
        quick
    } else {
        ((full as f64 * cfg.scale).round() as usize).max(1)
    }
}

/// Serve one or more catalogs on 127.0.0.1 through the shared catalog server.
async fn serve(
    h: &mut Harness,
    specs: Vec<CatalogSpec>,
) -> anyhow::Result<(CatalogServer, Vec<CatalogControl>)> {
    let mut router = axum::Router::new();
    let mut controls = Vec::new();
    for spec in specs {
        let (r, c) = routes::routes_with_control(spec);
        router = router.merge(r);
        controls.push(c);
    }
    let server = catalog_server::start(ServerOptions::default(), 0, router).await?;
    h.allow_host(server.host_port());
    Ok((server, controls))
}

async fn count_triples(ctl: &CatalogControl) -> anyhow::Result<u64> {
    let c = ctl.clone();
    let t = Instant::now();
    let n = tokio::task::spawn_blocking(move || c.count_triples()).await?;
    eprintln!(
        "  catalog: {} datasets, {n} triples (counted in {:.1} s)",
        ctl.listed(),
        t.elapsed().as_secs_f64()
    );
    Ok(n)
}

/// What to measure in one single-source phase.
struct Phase<'a> {
    name: String,
    source: ObjectId,
    ctl: &'a CatalogControl,
    backend: &'a str,
    syntax: Option<Syntax>,
    triples: Option<u64>,
    latency_ms: u64,
}

/// Start a job through the CLI, wait for it, and collect everything about it.
async fn measure(h: &Harness, p: Phase<'_>) -> anyhow::Result<PhaseResult> {
    eprintln!("  {} …", p.name);
    let before = p.ctl.stats();
    let probe = h.probe().await;
    let job = h.start_job(p.source, false).await?;
    let run = h.wait_job(job).await?;
    let usage = h.usage(probe).await;
    let timings = h.item_timings(job).await.ok();
    let mut r = PhaseResult {
        phase: p.name,
        backend: p.backend.to_owned(),
        syntax: p.syntax.map(|s| s.name().to_owned()),
        variant: p.ctl.variant().label(),
        datasets: p.ctl.listed(),
        triples: p.triples,
        workers: h.setup(),
        latency_ms: p.latency_ms,
        wall_s: run.wall_s,
        usage,
        timings,
        requests: p.ctl.stats().since(&before),
        ..Default::default()
    };
    r.rates();
    eprintln!(
        "    {}: {:.1} s, {:.0} datasets/s, created {} updated {} skipped {} failed {} archived {}",
        run.status,
        r.wall_s,
        r.datasets_per_s,
        run.created,
        run.updated,
        run.skipped,
        run.failed,
        run.archived
    );
    let status = run.status.clone();
    for e in &run.errors {
        r.notes.push(format!("job error: {e}"));
    }
    if run.failed > 0 {
        r.notes.push(format!("{} items failed", run.failed));
    }
    r.job = Some(run);
    if status != "done" && status != "done-errors" {
        anyhow::bail!("job ended {status} in phase {}", r.phase);
    }
    Ok(r)
}

fn ratio(res: &mut ScenarioResult, name: &str, num: usize, den: usize) {
    if let (Some(a), Some(b)) = (res.phases.get(num), res.phases.get(den)) {
        if b.wall_s > 0.0 {
            res.ratios.insert(name.to_owned(), a.wall_s / b.wall_s);
        }
    }
}
