//! The benchmark scenarios, each selectable by name (`harvest-bench --scenario dcat-10k`).
//!
//! Every scenario runs in a [`Harness`] of its own (fresh database and queue prefix, its own
//! worker processes), serves generated catalogs from this process, starts jobs through the
//! scheduler CLI (or, for the 200 sources of the night, the way the scheduler does, directly),
//! and records one [`PhaseResult`] per measured job. `--quick` shrinks every size for CI smoke
//! runs.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use bson::oid::ObjectId;

use super::rdf::Syntax;
use super::report::{NightJob, PhaseResult, ScenarioResult};
use super::routes::{self, CatalogControl, CatalogSpec};
use super::runner::{Config, Harness, JobRun, WorkerSetup};
use super::synth::{self, Variant};
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
        "dcat-10k" => dcat_cycle(&mut h, &mut res).await,
        "dcat-100k" => dcat_100k(&mut h, &mut res).await,
        "dcat-syntaxes" => dcat_syntaxes(&mut h, &mut res).await,
        "csw-iso-10k" => csw_iso(&mut h, &mut res).await,
        "ckan-10k-latency" => ckan_latency(&mut h, &mut res).await,
        "conditional-100k" => conditional(&mut h, &mut res).await,
        "concurrency-sweep" => concurrency_sweep(&mut h, &mut res).await,
        "night" => night(&mut h, &mut res).await,
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

/// `dcat-10k`: first harvest, then the three kinds of re-harvest.
async fn dcat_cycle(h: &mut Harness, res: &mut ScenarioResult) -> anyhow::Result<()> {
    let n = size(&h.cfg, 10_000, 1_000);
    // Pages carry validators, as most portals' do: an unchanged page answers 304.
    let spec = CatalogSpec {
        seed: 10,
        datasets: n,
        page_size: 100,
        validators: true,
        ..Default::default()
    };
    let url_path = spec.dcat_path(Syntax::Turtle);
    let (server, ctls) = serve(h, vec![spec]).await?;
    let ctl = &ctls[0];
    // Vanished datasets are archived at once (the product waits 7 days).
    h.set_env("HARVEST__HARVEST__ARCHIVE_GRACE_DAYS", "0");
    h.start_workers(default_setup(&h.cfg)).await?;
    let source = h
        .create_source("Bench DCAT", &server.url(&url_path), "dcat", &[])
        .await?;
    let triples = Some(count_triples(ctl).await?);
    let phase = |name: &str, ctl| Phase {
        name: name.to_owned(),
        source,
        ctl,
        backend: "dcat",
        syntax: Some(Syntax::Turtle),
        triples,
        latency_ms: 0,
    };
    res.phases
        .push(measure(h, phase("first harvest", ctl)).await?);
    res.phases
        .push(measure(h, phase("re-harvest, unchanged (pages 304)", ctl)).await?);
    ctl.set_variant(Variant::changed(0.1));
    let expected = (0..n).filter(|i| synth::is_changed(10, *i, 0.1)).count();
    let mut p = measure(h, phase("re-harvest, 10% changed", ctl)).await?;
    if let Some(j) = &p.job {
        if j.updated as usize != expected {
            p.notes.push(format!(
                "expected {expected} updated datasets, got {}",
                j.updated
            ));
        }
    }
    res.phases.push(p);
    let variant = Variant {
        changed: 0.1,
        removed: 0.05,
    };
    ctl.set_variant(variant);
    let expected = (0..n)
        .filter(|i| !synth::is_listed(10, *i, variant))
        .count();
    let triples_now = Some(count_triples(ctl).await?);
    let mut ph = phase("re-harvest, 5% removed (archive)", ctl);
    ph.triples = triples_now;
    let mut p = measure(h, ph).await?;
    if let Some(j) = &p.job {
        if j.archived as usize != expected {
            p.notes.push(format!(
                "expected {expected} archived datasets, got {}",
                j.archived
            ));
        }
    }
    res.phases.push(p);
    ratio(res, "reharvest-unchanged-304/first", 1, 0);
    ratio(res, "reharvest-10%-changed/first", 2, 0);
    ratio(res, "reharvest-5%-removed/first", 3, 0);
    Ok(())
}

/// `csw-iso-10k`: a CSW catalogue of ISO 19139 records, first harvest and unchanged re-harvest.
async fn csw_iso(h: &mut Harness, res: &mut ScenarioResult) -> anyhow::Result<()> {
    let n = size(&h.cfg, 10_000, 1_000);
    let spec = CatalogSpec {
        seed: 19139,
        datasets: n,
        ..Default::default()
    };
    let (server, ctls) = serve(h, vec![spec]).await?;
    let ctl = &ctls[0];
    h.start_workers(default_setup(&h.cfg)).await?;
    let source = h
        .create_source("Bench CSW ISO", &server.url("/csw"), "csw-iso-19139", &[])
        .await?;
    let phase = |name: &str| Phase {
        name: name.to_owned(),
        source,
        ctl,
        backend: "csw-iso-19139",
        syntax: None,
        triples: None,
        latency_ms: 0,
    };
    let first = measure(h, phase("first harvest")).await?;
    if let Some(j) = &first.job {
        if j.created as usize != n {
            anyhow::bail!("expected {n} created datasets, got {}", j.created);
        }
    }
    res.phases.push(first);
    res.phases
        .push(measure(h, phase("re-harvest, unchanged (content hash)")).await?);
    ratio(res, "reharvest-unchanged/first", 1, 0);
    Ok(())
}

/// `dcat-100k`: first harvest and unchanged re-harvest at scale.
async fn dcat_100k(h: &mut Harness, res: &mut ScenarioResult) -> anyhow::Result<()> {
    let n = size(&h.cfg, 100_000, 5_000);
    let spec = CatalogSpec {
        seed: 100,
        datasets: n,
        page_size: 100,
        validators: true,
        ..Default::default()
    };
    let url_path = spec.dcat_path(Syntax::Turtle);
    let (server, ctls) = serve(h, vec![spec]).await?;
    let ctl = &ctls[0];
    h.start_workers(default_setup(&h.cfg)).await?;
    let source = h
        .create_source("Bench DCAT 100k", &server.url(&url_path), "dcat", &[])
        .await?;
    let triples = Some(count_triples(ctl).await?);
    for name in [
        "first harvest",
        "re-harvest, unchanged (pages 304)",
        "re-harvest, unchanged (no validators: pages 200, content hashes)",
    ] {
        if name.contains("no validators") {
            ctl.set_validators(false);
        }
        let p = measure(
            h,
            Phase {
                name: name.to_owned(),
                source,
                ctl,
                backend: "dcat",
                syntax: Some(Syntax::Turtle),
                triples,
                latency_ms: 0,
            },
        )
        .await?;
        res.phases.push(p);
    }
    ratio(res, "reharvest-unchanged-304/first", 1, 0);
    ratio(res, "reharvest-unchanged-200/first", 2, 0);
    Ok(())
}

/// `dcat-syntaxes`: the same size in every syntax (distinct seeds: no shared dataset URIs).
async fn dcat_syntaxes(h: &mut Harness, res: &mut ScenarioResult) -> anyhow::Result<()> {
    let n = size(&h.cfg, 10_000, 1_000);
    let specs: Vec<CatalogSpec> = Syntax::ALL
        .iter()
        .enumerate()
        .map(|(k, s)| CatalogSpec {
            seed: 20 + k as u64,
            datasets: n,
            page_size: 100,
            mount: format!("/{}", s.name()),
            ..Default::default()
        })
        .collect();
    let (server, ctls) = serve(h, specs).await?;
    h.start_workers(default_setup(&h.cfg)).await?;
    for (syntax, ctl) in Syntax::ALL.into_iter().zip(&ctls) {
        let url = server.url(&ctl.spec().dcat_path(syntax));
        let source = h
            .create_source(&format!("Bench {}", syntax.name()), &url, "dcat", &[])
            .await?;
        let triples = Some(count_triples(ctl).await?);
        let p = measure(
            h,
            Phase {
                name: format!("first harvest, {}", syntax.name()),
                source,
                ctl,
                backend: "dcat",
                syntax: Some(syntax),
                triples,
                latency_ms: 0,
            },
        )
        .await?;
        res.phases.push(p);
    }
    for k in 1..res.phases.len() {
        let name = format!(
            "{}/turtle",
            Syntax::ALL.get(k).map(|s| s.name()).unwrap_or("?")
        );
        ratio(res, &name, k, 0);
    }
    Ok(())
}

/// `ckan-10k-latency`: one request per dataset, each answered after 20 ms.
async fn ckan_latency(h: &mut Harness, res: &mut ScenarioResult) -> anyhow::Result<()> {
    let n = size(&h.cfg, 10_000, 1_000);
    let spec = CatalogSpec {
        seed: 30,
        datasets: n,
        latency: Duration::from_millis(20),
        ..Default::default()
    };
    let path = spec.ckan_path();
    let (server, ctls) = serve(h, vec![spec]).await?;
    let ctl = &ctls[0];
    let setup = default_setup(&h.cfg);
    h.start_workers(setup).await?;
    let source = h
        .create_source("Bench CKAN", &server.url(&path), "ckan", &[])
        .await?;
    let mut p = measure(
        h,
        Phase {
            name: "first harvest, 20 ms/request".into(),
            source,
            ctl,
            backend: "ckan",
            syntax: None,
            triples: None,
            latency_ms: 20,
        },
    )
    .await?;
    p.notes.push(format!(
        "latency bound: {} workers x per-host cap {} / 20 ms = {:.0} requests/s",
        setup.count,
        setup.per_host,
        setup.count as f64 * setup.per_host.min(setup.prefetch as usize) as f64 / 0.020
    ));
    res.phases.push(p);
    Ok(())
}

/// `conditional-100k`: re-harvests of an unchanged CKAN catalog with and without validators.
async fn conditional(h: &mut Harness, res: &mut ScenarioResult) -> anyhow::Result<()> {
    let n = size(&h.cfg, 100_000, 2_000);
    let spec = CatalogSpec {
        seed: 40,
        datasets: n,
        validators: true,
        ..Default::default()
    };
    let path = spec.ckan_path();
    let (server, ctls) = serve(h, vec![spec]).await?;
    let ctl = &ctls[0];
    h.start_workers(default_setup(&h.cfg)).await?;
    let source = h
        .create_source("Bench CKAN conditional", &server.url(&path), "ckan", &[])
        .await?;
    let phase = |name: &str| Phase {
        name: name.to_owned(),
        source,
        ctl,
        backend: "ckan",
        syntax: None,
        triples: None,
        latency_ms: 0,
    };
    res.phases
        .push(measure(h, phase("first harvest (validators sent)")).await?);
    res.phases
        .push(measure(h, phase("re-harvest, with validators (304)")).await?);
    ctl.set_validators(false);
    res.phases
        .push(measure(h, phase("re-harvest, without validators (200)")).await?);
    ratio(res, "with-validators/first", 1, 0);
    ratio(res, "without-validators/first", 2, 0);
    ratio(res, "without/with validators", 2, 1);
    Ok(())
}

/// `concurrency-sweep`: latency-bound re-harvests under several worker setups.
async fn concurrency_sweep(h: &mut Harness, res: &mut ScenarioResult) -> anyhow::Result<()> {
    let n = size(&h.cfg, 3_000, 400);
    let spec = CatalogSpec {
        seed: 50,
        datasets: n,
        latency: Duration::from_millis(20),
        ..Default::default()
    };
    let path = spec.ckan_path();
    let (server, ctls) = serve(h, vec![spec]).await?;
    let ctl = &ctls[0];
    let count = h.cfg.workers;
    h.start_workers(default_setup(&h.cfg)).await?;
    let source = h
        .create_source("Bench CKAN sweep", &server.url(&path), "ckan", &[])
        .await?;
    let phase = |name: String| Phase {
        name,
        source,
        ctl,
        backend: "ckan",
        syntax: None,
        triples: None,
        latency_ms: 20,
    };
    res.phases
        .push(measure(h, phase("first harvest (default setup)".into())).await?);
    let sweep: [(u16, usize); 6] = [(4, 8), (8, 8), (32, 8), (128, 8), (128, 32), (128, 128)];
    for (prefetch, per_host) in sweep {
        h.stop_workers().await;
        h.start_workers(WorkerSetup {
            count,
            prefetch,
            per_host,
        })
        .await?;
        let mut p = measure(
            h,
            phase(format!("prefetch {prefetch}, per-host {per_host}")),
        )
        .await?;
        let bound = count as f64 * prefetch.min(per_host as u16) as f64 / 0.020;
        p.notes.push(format!(
            "latency bound {bound:.0} items/s ({count} workers x min(prefetch, per-host) / 20 ms); reached {:.0}%",
            100.0 * p.datasets_per_s / bound
        ));
        res.phases.push(p);
    }
    Ok(())
}

/// Loopback address of night source `i`: every source is a host of its own for the workers'
/// per-host limits.
fn night_ip(i: usize) -> Ipv4Addr {
    Ipv4Addr::new(127, 0, 1 + (i / 250) as u8, 1 + (i % 250) as u8)
}

/// `night`: many sources started at once.
async fn night(h: &mut Harness, res: &mut ScenarioResult) -> anyhow::Result<()> {
    const SEED: u64 = 77;
    let count = size(&h.cfg, 200, 20);
    let total = size(&h.cfg, 300_000, 5_000);
    let sizes = synth::lognormal_sizes(SEED, count, total, 1.3, 5);
    struct Remote {
        ctl: CatalogControl,
        url: String,
        backend: &'static str,
        syntax: Option<Syntax>,
        host: String,
        _task: tokio::task::JoinHandle<()>,
    }
    let mut remotes = Vec::with_capacity(count);
    for (i, n) in sizes.iter().enumerate() {
        let unit =
            |salt: u64| (synth::mix(SEED, i as u64, salt) >> 11) as f64 / (1u64 << 53) as f64;
        let backend = if unit(21) < 0.2 { "ckan" } else { "dcat" };
        let syntax = (backend == "dcat").then(|| match unit(22) {
            x if x < 0.6 => Syntax::Turtle,
            x if x < 0.85 => Syntax::RdfXml,
            _ => Syntax::JsonLd,
        });
        let latency = if unit(23) < 0.1 {
            Duration::from_millis(100)
        } else {
            Duration::ZERO
        };
        let spec = CatalogSpec {
            seed: 1_000 + i as u64,
            datasets: *n,
            page_size: 100,
            latency,
            title: format!("Portail synthétique n°{i}"),
            ..Default::default()
        };
        let path = match syntax {
            Some(s) => spec.dcat_path(s),
            None => spec.ckan_path(),
        };
        let (router, ctl) = routes::routes_with_control(spec);
        let ip = night_ip(i);
        let (addr, task) = routes::serve(SocketAddr::new(IpAddr::V4(ip), 0), router).await?;
        h.allow_host(ip.to_string());
        remotes.push(Remote {
            ctl,
            url: format!("http://{addr}{path}"),
            backend,
            syntax,
            host: addr.to_string(),
            _task: task,
        });
    }
    eprintln!(
        "  {} sources, {} datasets (largest {}), {} CKAN, {} on slow hosts",
        count,
        sizes.iter().sum::<usize>(),
        sizes.iter().max().copied().unwrap_or(0),
        remotes.iter().filter(|r| r.backend == "ckan").count(),
        remotes
            .iter()
            .filter(|r| !r.ctl.spec().latency.is_zero())
            .count()
    );
    let setup = default_setup(&h.cfg);
    h.start_workers(setup).await?;
    let mut sources = Vec::with_capacity(count);
    for (i, r) in remotes.iter().enumerate() {
        sources.push(
            h.insert_source(&format!("Night source {i}"), &r.url, r.backend)
                .await?,
        );
    }
    eprintln!("  night: starting {count} jobs at once …");
    let probe = h.probe().await;
    let t0 = bson::DateTime::now();
    let mut jobs = Vec::with_capacity(count);
    for s in &sources {
        jobs.push(h.start_job_direct(*s).await?);
    }
    let started_all =
        (bson::DateTime::now().timestamp_millis() - t0.timestamp_millis()) as f64 / 1000.0;
    let finished = h.wait_jobs(&jobs).await?;
    let usage = h.usage(probe).await;
    let secs = |d: Option<bson::DateTime>| {
        d.map(|d| (d.timestamp_millis() - t0.timestamp_millis()) as f64 / 1000.0)
    };
    let mut agg = JobRun {
        job: format!("{count} jobs"),
        status: String::new(),
        total: 0,
        created: 0,
        updated: 0,
        skipped: 0,
        failed: 0,
        archived: 0,
        wall_s: 0.0,
        gather_s: None,
        errors: Vec::new(),
    };
    let mut statuses: std::collections::BTreeMap<String, usize> = Default::default();
    for (i, (job_id, r)) in jobs.iter().zip(&remotes).enumerate() {
        let Some(job) = finished.iter().find(|j| j.id == *job_id) else {
            continue;
        };
        let c = job.counters;
        agg.total += c.total;
        agg.created += c.created;
        agg.updated += c.updated;
        agg.skipped += c.skipped;
        agg.failed += c.failed;
        agg.archived += c.archived;
        *statuses.entry(job.status.as_str().to_owned()).or_default() += 1;
        for e in &job.errors {
            if agg.errors.len() < 10 {
                agg.errors.push(format!("source {i}: {}", e.message));
            }
        }
        let finished_s = if job.status.is_final() {
            secs(job.ended)
        } else {
            None
        };
        agg.wall_s = agg.wall_s.max(finished_s.unwrap_or(0.0));
        res.night.push(NightJob {
            source: i,
            host: r.host.clone(),
            backend: r.backend.to_owned(),
            syntax: r.syntax.map(|s| s.name().to_owned()),
            datasets: r.ctl.listed(),
            latency_ms: r.ctl.spec().latency.as_millis() as u64,
            status: job.status.as_str().to_owned(),
            created: c.created,
            failed: c.failed,
            started_s: secs(job.started),
            finished_s,
        });
    }
    agg.status = statuses
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut stats = routes::StatsSnapshot::default();
    for r in &remotes {
        let s = r.ctl.stats();
        stats.requests += s.requests;
        stats.pages += s.pages;
        stats.package_shows += s.package_shows;
        stats.bytes += s.bytes;
    }
    let mut p = PhaseResult {
        phase: format!("{count} sources started at once"),
        backend: "mixed".into(),
        variant: "original".into(),
        datasets: sizes.iter().sum(),
        workers: Some(setup),
        latency_ms: 100,
        wall_s: agg.wall_s,
        usage,
        requests: stats,
        notes: vec![
            format!("all {count} jobs published within {started_all:.1} s"),
            format!("job statuses: {}", agg.status),
        ],
        ..Default::default()
    };
    p.notes.extend(agg.errors.iter().cloned());
    p.job = Some(agg);
    p.rates();
    // How fairness shows: small jobs should finish early, whatever the big ones do.
    let mut small: Vec<f64> = res
        .night
        .iter()
        .filter(|j| j.datasets < 1_000)
        .filter_map(|j| j.finished_s)
        .collect();
    small.sort_by(|a, b| a.total_cmp(b));
    if !small.is_empty() && p.wall_s > 0.0 {
        res.ratios.insert(
            "small-jobs(<1k)-median-finish/makespan".into(),
            small[small.len() / 2] / p.wall_s,
        );
        res.ratios.insert(
            "small-jobs(<1k)-p90-finish/makespan".into(),
            small[(small.len() - 1) * 9 / 10] / p.wall_s,
        );
    }
    res.phases.push(p);
    Ok(())
}
