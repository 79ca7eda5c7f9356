//! The simulated night: hundreds of sources of lognormal sizes, most DCAT, some CKAN, some on
//! slow hosts, all started at once; fairness shows in when the small jobs finish.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use crate::bench::rdf::Syntax;
use crate::bench::report::{NightJob, PhaseResult, ScenarioResult};
use crate::bench::routes::{self, CatalogControl, CatalogSpec};
use crate::bench::runner::{Harness, JobRun};
use crate::bench::synth::{self};

use super::{default_setup, size};

/// Loopback address of night source `i`: every source is a host of its own for the workers'
/// per-host limits.
fn night_ip(i: usize) -> Ipv4Addr {
    Ipv4Addr::new(127, 0, 1 + (i / 250) as u8, 1 + (i % 250) as u8)
}

/// `night`: many sources started at once.
pub(super) async fn night(h: &mut Harness, res: &mut ScenarioResult) -> anyhow::Result<()> {
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
