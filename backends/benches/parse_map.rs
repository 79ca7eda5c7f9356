//! Criterion micro benchmarks of the CPU work behind one harvested dataset: parsing a DCAT page
//! (Turtle, RDF/XML, JSON-LD, N-Triples) and splitting it into per-dataset items, mapping one
//! item onto udata's model, hashing its subgraph, and mapping a CKAN package.
//!
//! Inputs are generated deterministically by the benchmark tooling of the `harvest-e2e` crate
//! (`tests/src/bench/synth.rs` and `rdf.rs`, included by path: they only use `std` and `rand`),
//! so the figures compare with `harvest-bench`'s end-to-end ones. Sample sizes are small so that
//! `cargo bench -p harvest-worker` finishes in a minute or two.

use std::hint::black_box;
use std::time::Duration;

use backends::ckan::map_package;
use backends::ckan_api::{self, Dialect};
use backends::mapping::{LicenseGuesser, MapContext};
use backends::rdf::catalog::{content_hash, extract_items};
use backends::rdf::dcat_map::map_dataset;
use backends::rdf::parse::parse_rdf_as_given as parse_rdf;
use common::model::{HarvestSource, Payload};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput}; // what gather runs

#[path = "../../tests/src/bench/synth.rs"]
#[allow(dead_code, unused_imports)]
mod synth;

#[path = "../../tests/src/bench/rdf.rs"]
#[allow(dead_code)]
mod rdf;

use rdf::{Page, Paging, Syntax};

/// Datasets per generated page (the size of a typical Hydra page).
const PAGE: usize = 100;
const URL: &str = "http://127.0.0.1:8765/catalog.ttl";

fn page() -> Page {
    let datasets: Vec<synth::SynthDataset> = (0..PAGE)
        .filter_map(|i| synth::dataset(42, i, synth::Variant::ORIGINAL))
        .collect();
    let paging = Paging {
        catalog_iri: "https://data.synthetic-42.example.org/catalog".into(),
        catalog_title: "Catalogue synthétique".into(),
        page_url: URL.into(),
        first_url: URL.into(),
        next_url: Some(format!("{URL}?page=2")),
        last_url: format!("{URL}?page=10"),
        total_items: PAGE * 10,
    };
    Page::new(&paging, &datasets)
}

fn source() -> HarvestSource {
    let mut source = HarvestSource::new("bench", URL, "dcat", bson::DateTime::now());
    source.slug = "bench".into();
    source
}

fn parse_and_split(c: &mut Criterion) {
    let page = page();
    let mut group = c.benchmark_group("parse+split page of 100 datasets");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(3));
    for syntax in Syntax::ALL {
        let body = page.render(syntax).into_bytes();
        let ct = syntax.media_type();
        // Checked once: the page must parse into its 100 items.
        let parsed = parse_rdf(&body, Some(ct), URL);
        let items = parsed
            .as_ref()
            .map(|p| extract_items(&p.graph, URL, None).items.len())
            .unwrap_or(0);
        assert_eq!(
            items, PAGE,
            "{syntax:?} page did not parse into {PAGE} items"
        );
        group.throughput(Throughput::Elements(PAGE as u64));
        group.bench_with_input(
            BenchmarkId::new(syntax.name(), format!("{} KiB", body.len() / 1024)),
            &body,
            |b, body| {
                b.iter(|| {
                    let parsed = parse_rdf(black_box(body), Some(ct), URL).ok();
                    parsed.map(|p| extract_items(&p.graph, URL, None).items.len())
                })
            },
        );
    }
    group.finish();
}

fn map_items(c: &mut Criterion) {
    let page = page();
    let body = page.render(Syntax::Turtle).into_bytes();
    let Ok(parsed) = parse_rdf(&body, Some(Syntax::Turtle.media_type()), URL) else {
        panic!("generated Turtle page does not parse");
    };
    let items: Vec<(String, String)> = extract_items(&parsed.graph, URL, None)
        .items
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|i| match i.payload {
            Payload::Rdf { root, ntriples } => Some((root, ntriples)),
            _ => None,
        })
        .collect();
    assert_eq!(items.len(), PAGE);
    let src = source();
    let licenses = LicenseGuesser::builtin();
    let ctx = MapContext {
        source: &src,
        licenses: &licenses,
        now: chrono::Utc::now(),
    };
    let mut group = c.benchmark_group("item");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Elements(items.len() as u64));
    group.bench_function("dcat map x100", |b| {
        b.iter(|| {
            items
                .iter()
                .filter(|(root, nt)| map_dataset(root, nt, &ctx).is_ok())
                .count()
        })
    });
    group.bench_function("dcat content hash x100", |b| {
        b.iter(|| {
            items
                .iter()
                .map(|(_, nt)| content_hash(black_box(nt)).len())
                .sum::<usize>()
        })
    });
    let fixture = include_str!("../../tests/fixtures/ckan/package_show_full.json");
    let package = ckan_api::parse_envelope("bench", Some("application/json"), fixture.as_bytes())
        .ok()
        .and_then(ckan_api::unwrap_package);
    if let Some(package) = package {
        let text = package.to_string();
        group.throughput(Throughput::Elements(1));
        group.bench_function("ckan parse+hash+map x1", |b| {
            b.iter(|| {
                let v: serde_json::Value = serde_json::from_str(black_box(&text)).ok()?;
                let hash = ckan_api::content_hash(&v);
                map_package(&v, Dialect::Ckan, &ctx).ok().map(|_| hash)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, parse_and_split, map_items);
criterion_main!(benches);
