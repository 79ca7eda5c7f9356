//! The scenarios of RDF catalogs: the DCAT cycle (first harvest, unchanged, changed, removed),
//! DCAT at 100k datasets, every RDF syntax, and a CSW catalogue of ISO 19139 records.

use crate::bench::rdf::Syntax;
use crate::bench::report::ScenarioResult;
use crate::bench::routes::CatalogSpec;
use crate::bench::runner::Harness;
use crate::bench::synth::{self, Variant};

use super::{count_triples, default_setup, measure, ratio, serve, size, Phase};

/// `dcat-10k`: first harvest, then the three kinds of re-harvest.
pub(super) async fn dcat_cycle(h: &mut Harness, res: &mut ScenarioResult) -> anyhow::Result<()> {
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
pub(super) async fn csw_iso(h: &mut Harness, res: &mut ScenarioResult) -> anyhow::Result<()> {
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
pub(super) async fn dcat_100k(h: &mut Harness, res: &mut ScenarioResult) -> anyhow::Result<()> {
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
pub(super) async fn dcat_syntaxes(h: &mut Harness, res: &mut ScenarioResult) -> anyhow::Result<()> {
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
