//! The scenarios of CKAN portals: one request per dataset under latency, conditional re-harvests
//! with and without validators, and the concurrency sweep of worker setups.

use std::time::Duration;

use crate::bench::report::ScenarioResult;
use crate::bench::routes::CatalogSpec;
use crate::bench::runner::{Harness, WorkerSetup};

use super::{default_setup, measure, ratio, serve, size, Phase};

/// `ckan-10k-latency`: one request per dataset, each answered after 20 ms.
pub(super) async fn ckan_latency(h: &mut Harness, res: &mut ScenarioResult) -> anyhow::Result<()> {
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
pub(super) async fn conditional(h: &mut Harness, res: &mut ScenarioResult) -> anyhow::Result<()> {
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
pub(super) async fn concurrency_sweep(
    h: &mut Harness,
    res: &mut ScenarioResult,
) -> anyhow::Result<()> {
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
