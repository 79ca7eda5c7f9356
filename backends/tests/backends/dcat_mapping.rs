//! DCAT parsing and mapping, on the project's fixtures (`tests/fixtures/dcat/`): one assertion per
//! row of the spec's DCAT tables (dataset, harvest metadata, resource), every RDF syntax giving
//! the same mapping and content hash, page extraction (blank nodes, shared distributions,
//! catalogs listing datasets by URI, series, Hydra paging), leniency and safety of the parsers,
//! and every dataset of the real ckanext-dcat catalogs (`../shared/fixtures`) mapped without
//! error.

use std::path::{Path, PathBuf};

use crate::kit::{map_context, now};

use backends::harvester::RemoteItem;
use backends::mapping::{ids, MapError, MappedDataset};
use backends::rdf::catalog::{content_hash, extract_items, next_page, DatasetError};
use backends::rdf::dcat_map::map_dataset;
use backends::rdf::parse::{parse_rdf, ParseError, RdfSyntax, MAX_JSON_DEPTH};
use bson::Bson;
use chrono::{TimeZone, Utc};
use common::model::{HarvestSource, Payload};

const SITE: &str = "https://data.example.org";

fn fixture_path(name: &str) -> PathBuf {
    crate::kit::fixture_path(&format!("dcat/{name}"))
}

fn source() -> HarvestSource {
    source_with(bson::doc! {})
}

/// The same source at every call (its id is fixed): resource ids derive from it.
fn source_with(config: bson::Document) -> HarvestSource {
    let mut source = crate::kit::source_with(&format!("{SITE}/catalog"), "dcat", config);
    source.id = bson::oid::ObjectId::parse_str("65f0a0000000000000000001").expect("oid");
    source
}

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> bson::DateTime {
    bson::DateTime::from_chrono(Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap())
}

fn day(y: i32, m: u32, d: u32) -> bson::DateTime {
    at(y, m, d, 0, 0)
}

/// Parse a page (body, page URL), every dataset as an item or an error.
fn page_items(body: &[u8], url: &str) -> Vec<Result<RemoteItem, DatasetError>> {
    let parsed = parse_rdf(body, None, url).unwrap_or_else(|e| panic!("{url}: {e}"));
    extract_items(&parsed.graph, url, None).items
}

/// Items of a fixture, served at `SITE/<name>`.
fn items(name: &str) -> Vec<RemoteItem> {
    let body = std::fs::read(fixture_path(name)).expect("fixture");
    page_items(&body, &format!("{SITE}/{name}"))
        .into_iter()
        .map(|r| r.unwrap_or_else(|e| panic!("{name}: {e}")))
        .collect()
}

fn rdf(item: &RemoteItem) -> (&str, &str) {
    match &item.payload {
        Payload::Rdf { root, ntriples } => (root, ntriples),
        other => panic!("not an RDF payload: {other:?}"),
    }
}

fn map_with(item: &RemoteItem, src: &HarvestSource) -> Result<MappedDataset, MapError> {
    let ctx = map_context(src);
    let (root, nt) = rdf(item);
    map_dataset(root, nt, &ctx)
}

fn map(item: &RemoteItem) -> MappedDataset {
    map_with(item, &source()).unwrap_or_else(|e| panic!("{}: {e}", item.remote_id))
}

fn one(name: &str) -> (RemoteItem, MappedDataset) {
    let mut all = items(name);
    assert_eq!(all.len(), 1, "{name}: one dataset expected");
    let item = all.remove(0);
    let m = map(&item);
    (item, m)
}

fn by_id<'a>(items: &'a [RemoteItem], id: &str) -> &'a RemoteItem {
    items
        .iter()
        .find(|i| i.remote_id == id)
        .unwrap_or_else(|| panic!("no item {id}"))
}

fn inline(ttl: &str) -> Vec<RemoteItem> {
    page_items(ttl.as_bytes(), &format!("{SITE}/inline.ttl"))
        .into_iter()
        .map(|r| r.expect("item"))
        .collect()
}

fn coords(geom: &bson::Document) -> Vec<Vec<Vec<[f64; 2]>>> {
    let arr = |b: &Bson| b.as_array().expect("array").clone();
    arr(geom.get("coordinates").expect("coordinates"))
        .iter()
        .map(|p| {
            arr(p)
                .iter()
                .map(|r| {
                    arr(r)
                        .iter()
                        .map(|pos| {
                            let v = arr(pos);
                            [v[0].as_f64().unwrap(), v[1].as_f64().unwrap()]
                        })
                        .collect()
                })
                .collect()
        })
        .collect()
}

#[test]
fn dataset_table_rows() {
    let (item, m) = one("full.ttl");
    let d = &m.dataset;
    let h = d.harvest.as_ref().expect("harvest block");

    // Gather: remote id is dct:identifier, remote URL the landing page.
    assert_eq!(item.remote_id, "air-quality-001");
    assert_eq!(
        item.remote_url.as_deref(),
        Some("https://data.example.org/pages/air-quality")
    );
    // title (dct:title, French preferred), acronym (skos:altLabel).
    assert_eq!(d.title, "Qualité de l'air");
    assert_eq!(d.acronym.as_deref(), Some("QAIR"));
    // description: HTML → Markdown.
    assert_eq!(
        d.description,
        "Mesures **horaires** de la qualité de l'air.\n\n*   NO2\n*   PM10"
    );
    // tags: keywords + theme labels (HVD category label + hvd, INSPIRE theme label + inspire,
    // literal theme), slugified, sorted.
    assert_eq!(
        d.tags,
        [
            "air",
            "environnement",
            "hvd",
            "inspire",
            "installations-de-suivi-environnemental",
            "observation-de-la-terre-et-environnement",
            "pollution-atmospherique",
        ]
    );
    // license: dct:license URL through the guesser.
    assert_eq!(d.license.as_deref(), Some("lov2"));
    // temporal_coverage: dct:temporal with dcat:startDate / dcat:endDate.
    let t = d.temporal_coverage.as_ref().expect("temporal");
    assert_eq!(t.start, Some(day(2020, 1, 1)));
    assert_eq!(t.end, Some(day(2020, 12, 31)));
    // spatial: WKT polygon (with a CRS IRI) → a one-polygon MultiPolygon, with udata's
    // default granularity.
    assert_eq!(
        d.spatial.as_ref().and_then(|s| s.granularity.as_deref()),
        Some("other")
    );
    let geom = d
        .spatial
        .as_ref()
        .and_then(|s| s.geom.as_ref())
        .expect("geom");
    assert_eq!(geom.get_str("type").unwrap(), "MultiPolygon");
    assert_eq!(
        coords(geom),
        vec![vec![vec![
            [2.2, 48.8],
            [2.5, 48.8],
            [2.5, 48.9],
            [2.2, 48.9],
            [2.2, 48.8]
        ]]]
    );
    // frequency: dct:accrualPeriodicity (Dublin Core freq).
    assert_eq!(d.frequency.as_deref(), Some("daily"));
    // contact points: vCard contact (mailto: stripped, hasURL), FOAF creator with organisation,
    // publisher described as an IRI node.
    type Row<'a> = (&'a str, Option<&'a str>, Option<&'a str>, Option<&'a str>);
    let cps: Vec<Row> = m
        .contact_points
        .iter()
        .map(|c| {
            (
                c.role.as_str(),
                c.name.as_deref(),
                c.email.as_deref(),
                c.contact_form.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        cps,
        [
            (
                "contact",
                Some("Service des données"),
                Some("donnees@example.org"),
                Some("https://example.org/contact")
            ),
            (
                "creator",
                Some("Jeanne Martin (Laboratoire Air)"),
                None,
                None
            ),
            (
                "publisher",
                Some("Airparif"),
                Some("contact@airparif.example.org"),
                None
            ),
        ]
    );
    // harvest block.
    assert_eq!(h.backend.as_deref(), Some("dcat"));
    assert_eq!(h.domain.as_deref(), Some("data.example.org"));
    assert_eq!(h.source_id.as_deref(), Some("65f0a0000000000000000001"));
    assert_eq!(h.remote_id.as_deref(), Some("air-quality-001"));
    assert_eq!(h.dct_identifier.as_deref(), Some("air-quality-001"));
    assert_eq!(
        h.uri.as_deref(),
        Some("https://data.example.org/datasets/air-quality")
    );
    assert_eq!(
        h.remote_url.as_deref(),
        Some("https://data.example.org/pages/air-quality")
    );
    // dct:issued → issued_at; created_at only from dct:created (udata: rdf_value(DCT.created)),
    // absent here; dct:modified (with offset) → modified_at in UTC.
    assert_eq!(h.issued_at, Some(at(2019, 5, 2, 10, 0)));
    assert_eq!(h.created_at, None);
    assert_eq!(h.modified_at, Some(at(2024, 3, 1, 7, 30)));
    assert_eq!(h.last_update, Some(bson::DateTime::from_chrono(now())));
    // udata's extras.dcat keep the raw licence.
    assert_eq!(
        d.extras
            .get_document("dcat")
            .unwrap()
            .get_array("license")
            .unwrap()[0]
            .as_str(),
        Some("https://www.etalab.gouv.fr/licence-ouverte-open-licence")
    );
    // The distribution without URL is the only problem, reported as a warning.
    assert_eq!(
        m.warnings,
        ["resource: distribution \"Lost distribution\" (blank node) has no dcat:downloadURL nor dcat:accessURL, skipped"]
    );
}

#[test]
fn resource_table_rows() {
    let (_, m) = one("full.ttl");
    let dataset_key = "65f0a0000000000000000001/air-quality-001";
    let r = &m.dataset.resources;
    assert_eq!(r.len(), 3, "the distribution without URL is skipped");

    let csv = &r[0];
    // url: dcat:downloadURL wins over dcat:accessURL.
    assert_eq!(csv.url, "https://files.example.org/air/mesures.csv");
    assert_eq!(
        csv.urlhash.as_deref(),
        Some(ids::url_hash(&csv.url).as_str())
    );
    assert_eq!(csv.title, "Mesures horaires (CSV)");
    // udata (html2text) writes emphasis with underscores.
    assert_eq!(csv.description.as_deref(), Some("Fichier _complet_"));
    // format from the EU file-type vocabulary, mime from the IANA vocabulary.
    assert_eq!(csv.format.as_deref(), Some("csv"));
    assert_eq!(csv.mime.as_deref(), Some("text/csv"));
    // filesize from an xsd:decimal byte size.
    assert_eq!(csv.filesize, Some(1_048_576));
    let sum = csv.checksum.as_ref().expect("checksum");
    assert_eq!(sum.kind, "sha256");
    assert_eq!(
        sum.value,
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    );
    assert_eq!(csv.kind, "main");
    assert_eq!(csv.filetype, "remote");
    let ch = csv.harvest.as_ref().expect("resource harvest");
    assert_eq!(
        ch.uri.as_deref(),
        Some("https://data.example.org/datasets/air-quality/distributions/csv")
    );
    assert_eq!(ch.dct_identifier.as_deref(), Some("csv-1"));
    assert_eq!(ch.issued_at, Some(day(2019, 5, 2)));
    assert_eq!(ch.modified_at, Some(day(2024, 2, 28)));
    // Stable id: keyed by the distribution IRI.
    assert_eq!(
        csv.id,
        ids::resource_id(
            dataset_key,
            "https://data.example.org/datasets/air-quality/distributions/csv"
        )
    );

    let api = &r[1];
    // type api: the distribution has a dcat:accessService; no title → "Ressource <format>".
    assert_eq!(api.kind, "api");
    assert_eq!(api.url, "https://api.example.org/air?format=json");
    assert_eq!(api.title, "Ressource json");
    assert_eq!(api.format.as_deref(), Some("json"));
    assert_eq!(api.harvest.as_ref().unwrap().uri, None);
    // Blank node without identifier: keyed by URL.
    assert_eq!(
        api.id,
        ids::resource_id(dataset_key, "https://api.example.org/air?format=json")
    );

    let doc = &r[2];
    // URL given as a literal accessURL; title from the file name; format from the media type;
    // lenient byte size ("2 048").
    assert_eq!(doc.url, "https://data.example.org/docs/notice.pdf");
    assert_eq!(doc.title, "notice.pdf");
    assert_eq!(doc.format.as_deref(), Some("pdf"));
    assert_eq!(doc.mime.as_deref(), Some("application/pdf"));
    assert_eq!(doc.filesize, Some(2048));
    assert_eq!(doc.kind, "main");
    // Blank node with dct:identifier: keyed by it.
    assert_eq!(doc.id, ids::resource_id(dataset_key, "doc-3"));
}

#[test]
fn resource_ids_are_stable_across_runs() {
    let first = map(&items("full.ttl")[0]);
    let second = map(&items("full.ttl")[0]);
    let ids = |m: &MappedDataset| {
        m.dataset
            .resources
            .iter()
            .map(|r| r.id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&first), ids(&second));
    let mut unique = ids(&first);
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 3);
}

#[test]
fn every_syntax_gives_the_same_dataset_and_hash() {
    let files = [
        ("syntax.ttl", RdfSyntax::Turtle),
        ("syntax.rdf", RdfSyntax::RdfXml),
        ("syntax.jsonld", RdfSyntax::JsonLd),
        ("syntax.nt", RdfSyntax::NTriples),
        ("syntax.trig", RdfSyntax::TriG),
        ("syntax.n3", RdfSyntax::N3),
    ];
    let mut reference: Option<(MappedDataset, String)> = None;
    for (name, syntax) in files {
        let body = std::fs::read(fixture_path(name)).unwrap();
        let url = format!("{SITE}/{name}");
        let parsed = parse_rdf(&body, None, &url).unwrap();
        assert_eq!(parsed.syntax, Some(syntax), "{name}");
        assert_eq!(parsed.triples, 19, "{name}");
        let (item, m) = one(name);
        assert_eq!(item.remote_id, "syntax-1", "{name}");
        assert!(m.warnings.is_empty(), "{name}: {:?}", m.warnings);
        let d = &m.dataset;
        assert_eq!(d.title, "Jeu multi-syntaxe", "{name}");
        assert_eq!(d.description, "Même jeu dans chaque syntaxe.", "{name}");
        assert_eq!(d.license.as_deref(), Some("odc-odbl"), "{name}");
        assert_eq!(d.tags, ["test"], "{name}");
        let t = d.temporal_coverage.as_ref().unwrap();
        assert_eq!(
            (t.start, t.end),
            (Some(day(2016, 1, 1)), Some(day(2016, 6, 30)))
        );
        let res = &d.resources[0];
        assert_eq!(res.url, "https://files.example.org/syntax.csv", "{name}");
        assert_eq!(res.checksum.as_ref().unwrap().kind, "md5", "{name}");
        assert_eq!(
            m.contact_points[0].email.as_deref(),
            Some("contact@example.org")
        );
        let hash = content_hash(rdf(&item).1);
        match &reference {
            None => reference = Some((m, hash)),
            Some((first, first_hash)) => {
                assert_eq!(&m, first, "{name} maps differently");
                assert_eq!(
                    &hash, first_hash,
                    "{name}: content hash depends on the syntax"
                );
            }
        }
    }
}

#[test]
fn content_hash_follows_content_not_labels() {
    let item = &items("syntax.ttl")[0];
    let (_, nt) = rdf(item);
    let relabelled = nt.replace("_:b", "_:other");
    assert_ne!(nt, relabelled);
    assert_eq!(content_hash(nt), content_hash(&relabelled));
    let mut lines: Vec<&str> = nt.lines().collect();
    lines.reverse();
    assert_eq!(content_hash(nt), content_hash(&(lines.join("\n") + "\n")));
    let changed = nt.replace(
        "d41d8cd98f00b204e9800998ecf8427e",
        "0cc175b9c0f1b6a831c399e269772661",
    );
    assert_ne!(content_hash(nt), content_hash(&changed));
}

#[test]
fn payloads_are_strict_ntriples() {
    use sophia::api::parser::TripleParser;
    use sophia::api::source::TripleSource;
    for name in [
        "full.ttl",
        "sloppy.ttl",
        "sloppy.rdf",
        "syntax.jsonld",
        "spatial.ttl",
    ] {
        for item in items(name) {
            let (root, nt) = rdf(&item);
            assert!(nt.contains(root), "{name}: root {root} not in payload");
            let mut count = 0;
            sophia::turtle::parser::nt::NTriplesParser::new()
                .parse_str(nt)
                .for_each_triple(|_| count += 1)
                .unwrap_or_else(|e| panic!("{name}: invalid N-Triples: {e}\n{nt}"));
            assert_eq!(count, nt.lines().count(), "{name}");
        }
    }
}

#[test]
fn temporal_variants() {
    let all = items("temporal.ttl");
    let range = |id: &str| {
        let m = map(by_id(&all, &format!("{SITE}/datasets/{id}")));
        let t = m.dataset.temporal_coverage.clone();
        (t.map(|t| (t.start, t.end)), m.warnings)
    };
    assert_eq!(
        range("t-range").0,
        Some((Some(day(2011, 1, 1)), Some(day(2011, 12, 31))))
    );
    assert_eq!(
        range("t-year").0,
        Some((Some(day(2016, 1, 1)), Some(day(2016, 12, 31))))
    );
    assert_eq!(
        range("t-month").0,
        Some((Some(day(2016, 2, 1)), Some(day(2016, 2, 29))))
    );
    assert_eq!(
        range("t-schema").0,
        Some((Some(day(2018, 3, 1)), Some(day(2018, 9, 30))))
    );
    assert_eq!(
        range("t-owl-time").0,
        Some((Some(day(2015, 1, 1)), Some(day(2015, 6, 30))))
    );
    assert_eq!(range("t-open").0, Some((Some(day(2021, 5, 1)), None)));
    let (none, warnings) = range("t-bad");
    assert_eq!(none, None);
    assert_eq!(
        warnings,
        ["temporal: cannot read period \"since the dawn of time\""]
    );
}

#[test]
fn spatial_variants() {
    let all = items("spatial.ttl");
    let spatial = |id: &str| {
        let m = map(by_id(&all, &format!("{SITE}/datasets/{id}")));
        (
            m.dataset
                .spatial
                .as_ref()
                .and_then(|s| s.geom.as_ref())
                .map(coords),
            m.warnings,
        )
    };
    let (multi, w) = spatial("wkt-multi");
    let multi = multi.expect("multipolygon");
    assert_eq!(multi.len(), 2);
    assert_eq!(
        multi[1][0],
        vec![[10.0, 10.0], [11.0, 10.0], [11.0, 11.0], [10.0, 10.0]]
    );
    assert!(w.is_empty());
    // GeoJSON and the same polygon as WKT: merged into one.
    let (geojson, _) = spatial("geojson");
    assert_eq!(
        geojson.expect("geojson"),
        vec![vec![vec![
            [4.8, 45.7],
            [4.9, 45.7],
            [4.9, 45.8],
            [4.8, 45.7]
        ]]]
    );
    let (bbox, _) = spatial("bbox");
    assert_eq!(
        bbox.expect("bbox")[0][0],
        vec![
            [-5.14, 41.33],
            [9.56, 41.33],
            [9.56, 51.09],
            [-5.14, 51.09],
            [-5.14, 41.33]
        ]
    );
    let (point, w) = spatial("point");
    assert_eq!(point, None);
    assert_eq!(
        w,
        ["spatial: unsupported geometry type POINT (only polygons are kept)"]
    );
    let (lambert, w) = spatial("lambert");
    assert_eq!(lambert, None);
    assert!(w[0].contains("not a WGS 84 longitude/latitude"), "{w:?}");
    let (named, w) = spatial("named");
    assert_eq!(named, None);
    assert!(w.is_empty(), "a place name is not a geometry: {w:?}");
}

#[test]
fn sloppy_turtle_is_repaired_with_warnings() {
    let body = std::fs::read(fixture_path("sloppy.ttl")).unwrap();
    let parsed = parse_rdf(&body, Some("text/turtle"), &format!("{SITE}/sloppy.ttl")).unwrap();
    assert_eq!(
        parsed.warnings,
        ["repaired 2 invalid IRIs or language tags in Turtle"]
    );
    let (_, m) = one("sloppy.ttl");
    assert_eq!(m.dataset.title, "Jeu approximatif");
    assert_eq!(
        m.dataset.resources[0].url,
        "https://files.example.org/my%20data.csv"
    );
    assert_eq!(m.dataset.resources[0].filesize, None);
    assert_eq!(m.dataset.tags, ["valide"]);
    assert_eq!(m.dataset.frequency, None);
    assert_eq!(m.dataset.spatial, None);
    let h = m.dataset.harvest.as_ref().unwrap();
    assert_eq!(h.issued_at, None);
    // A modification date in the future is clamped to the harvest time.
    assert_eq!(h.modified_at, Some(bson::DateTime::from_chrono(now())));
    for expected in [
        "keyword: ignoring non-literal value <https://vocab.example.org/keywords/air>",
        "frequency: unknown value \"whenever we feel like it\"",
        "spatial: invalid WKT: expected ')' at offset 10",
        "resource filesize: invalid dcat:byteSize \"about 3 MB\"",
        "issued: invalid date \"2020-13-45\"",
        "modified: 2999-01-01T00:00:00+00:00 is in the future, harvest time used instead",
    ] {
        assert!(
            m.warnings.iter().any(|w| w == expected),
            "missing {expected:?} in {:?}",
            m.warnings
        );
    }
}

#[test]
fn sloppy_rdfxml_is_repaired_and_doctype_neutralised() {
    let body = std::fs::read(fixture_path("sloppy.rdf")).unwrap();
    let parsed = parse_rdf(
        &body,
        Some("application/rdf+xml"),
        &format!("{SITE}/sloppy.rdf"),
    )
    .unwrap();
    assert_eq!(
        parsed.warnings,
        [
            "DOCTYPE removed, 1 internal entities substituted",
            "repaired 2 invalid IRI or language attributes in RDF/XML"
        ]
    );
    let (item, m) = one("sloppy.rdf");
    // Relative rdf:about resolved against the page URL.
    assert_eq!(
        item.remote_id,
        "https://data.example.org/datasets/sloppy-xml"
    );
    assert_eq!(m.dataset.title, "Jeu XML approximatif");
    assert_eq!(
        m.dataset.resources[0].url,
        "https://files.example.org/my%20data.xlsx"
    );
    assert_eq!(m.dataset.resources[0].format.as_deref(), Some("xlsx"));
    // The entity-declared datatype made it through: the date is read.
    assert_eq!(
        m.dataset.harvest.as_ref().unwrap().modified_at,
        Some(at(2022, 2, 2, 10, 0))
    );
}

#[test]
fn blank_node_datasets_and_shared_distributions() {
    let body = std::fs::read(fixture_path("bnodes.ttl")).unwrap();
    let all = page_items(&body, &format!("{SITE}/bnodes.ttl"));
    assert_eq!(all.len(), 3);
    // A blank node with dct:identifier is a dataset; without, an error naming it.
    let errors: Vec<&DatasetError> = all.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(errors.len(), 1);
    assert!(matches!(
        errors[0],
        DatasetError::NoIdentifier { title: Some(t), .. } if t == "Blank node without identifier"
    ));
    let ok: Vec<RemoteItem> = all.into_iter().filter_map(Result::ok).collect();
    let bnode = by_id(&ok, "bnode-1");
    assert!(rdf(bnode).0.starts_with("_:"));
    let m = map(bnode);
    assert_eq!(m.dataset.harvest.as_ref().unwrap().uri, None);
    assert_eq!(
        m.dataset.harvest.as_ref().unwrap().remote_url.as_deref(),
        Some("https://data.example.org/pages/bnode-1")
    );
    // An IRI dataset without dct:identifier: its IRI is the remote id and the remote URL.
    let iri = by_id(&ok, "https://data.example.org/datasets/shared-b");
    assert_eq!(
        iri.remote_url.as_deref(),
        Some("https://data.example.org/datasets/shared-b")
    );
    // The shared distribution is in both payloads.
    for item in [bnode, iri] {
        let m = map(item);
        assert_eq!(m.dataset.resources.len(), 1);
        assert_eq!(
            m.dataset.resources[0].url,
            "https://files.example.org/shared.zip"
        );
        assert_eq!(m.dataset.resources[0].title, "Shared file");
    }
    // Same distribution, different datasets: different resource ids.
    assert_ne!(
        map(bnode).dataset.resources[0].id,
        map(iri).dataset.resources[0].id
    );
}

#[test]
fn catalog_listing_datasets_by_uri() {
    let all = items("catalog-by-uri.rdf");
    let ids: Vec<&str> = all.iter().map(|i| i.remote_id.as_str()).collect();
    // Untyped datasets described in the page are found; a dataset only referenced (not
    // described), a typed reference without any description (described on another page) and a
    // dataset a data service serves (described elsewhere) are not items.
    assert_eq!(
        ids,
        ["listed-1", "https://data.example.org/datasets/listed-2"]
    );
    let m = map(&all[1]);
    assert_eq!(m.dataset.title, "Listed by URI 2");
    // Relative IRIs resolved against the page URL.
    assert_eq!(
        m.dataset.resources[0].url,
        "https://data.example.org/files/listed-2.csv"
    );
    assert_eq!(m.dataset.resources[0].title, "listed-2.csv");
}

#[test]
fn dataset_series() {
    let all = items("series.ttl");
    let ids: Vec<&str> = all.iter().map(|i| i.remote_id.as_str()).collect();
    // Typed Dataset and DatasetSeries: one item, not two.
    assert_eq!(ids, ["elections", "elections-2020", "elections-2022"]);
    let series = map(&all[0]);
    // dct:hasPart members become "other" resources, as udata does.
    let parts: Vec<(&str, &str)> = series
        .dataset
        .resources
        .iter()
        .map(|r| (r.url.as_str(), r.kind.as_str()))
        .collect();
    assert_eq!(
        parts,
        [
            ("https://data.example.org/datasets/elections-2020", "other"),
            ("https://data.example.org/datasets/elections-2022", "other"),
        ]
    );
    // A member's payload does not swallow the series' description.
    let member = &all[1];
    assert!(!rdf(member).1.contains("\"Élections\""));
}

#[test]
fn hydra_next_page_both_vocabularies() {
    for (name, next) in [
        ("hydra-new-1.ttl", Some("hydra-new-1.ttl?page=2")),
        ("hydra-new-3.ttl", None),
        (
            "hydra-legacy-1.jsonld",
            Some("hydra-legacy-1.jsonld?page=2"),
        ),
        ("hydra-legacy-3.jsonld", None),
    ] {
        let body = std::fs::read(fixture_path(name)).unwrap();
        let url = format!("{SITE}/{name}");
        let parsed = parse_rdf(&body, None, &url).unwrap();
        assert_eq!(
            next_page(&parsed.graph, &url),
            next.map(|n| format!("{SITE}/{n}")),
            "{name}"
        );
    }
    assert_eq!(items("hydra-new-1.ttl").len(), 2);
    assert_eq!(items("hydra-legacy-3.jsonld").len(), 1);
}

#[test]
fn empty_catalog_has_no_items() {
    assert!(items("empty.ttl").is_empty());
}

#[test]
fn missing_title_is_the_only_fatal_error() {
    let all = inline(
        "<https://data.example.org/d/1> a <http://www.w3.org/ns/dcat#Dataset> ; \
         <http://purl.org/dc/terms/identifier> \"no-title\" .",
    );
    assert_eq!(
        map_with(&all[0], &source()),
        Err(MapError::MissingField { field: "title" })
    );
}

#[test]
fn description_falls_back_to_abstract() {
    let all = inline(
        "@prefix dct: <http://purl.org/dc/terms/> . \
         <https://data.example.org/d/2> a <http://www.w3.org/ns/dcat#Dataset> ; \
         dct:title \"T\" ; dct:abstract \"  Résumé seulement.  \" .",
    );
    assert_eq!(map(&all[0]).dataset.description, "Résumé seulement.");
}

#[test]
fn license_from_rights_and_distributions() {
    let all = inline(
        "@prefix dct: <http://purl.org/dc/terms/> . @prefix dcat: <http://www.w3.org/ns/dcat#> . \
         <https://data.example.org/d/rights> a dcat:Dataset ; dct:title \"Rights\" ; \
           dct:rights \"Licence Ouverte / Open Licence version 2.0\" . \
         <https://data.example.org/d/dist> a dcat:Dataset ; dct:title \"Dist\" ; \
           dcat:distribution [ dcat:downloadURL <https://f.example.org/a.csv> ; \
             dct:license <https://creativecommons.org/licenses/by/4.0/> ] . \
         <https://data.example.org/d/unknown> a dcat:Dataset ; dct:title \"Unknown\" ; \
           dct:license <https://licenses.example.org/mine> . \
         <https://data.example.org/d/none> a dcat:Dataset ; dct:title \"None\" .",
    );
    let lic = |id: &str| map(by_id(&all, &format!("{SITE}/d/{id}")));
    assert_eq!(lic("rights").dataset.license.as_deref(), Some("lov2"));
    assert_eq!(lic("dist").dataset.license.as_deref(), Some("cc-by"));
    // No license recognised: udata's default (`License.guess(...) or License.default()`).
    let unknown = lic("unknown");
    assert_eq!(unknown.dataset.license.as_deref(), Some("notspecified"));
    assert_eq!(
        unknown.warnings,
        ["license: no known license matches [\"https://licenses.example.org/mine\"], notspecified used"]
    );
    // No license at all: udata's default too.
    let none = lic("none");
    assert_eq!(none.dataset.license.as_deref(), Some("notspecified"));
    assert!(none.warnings.is_empty(), "{:?}", none.warnings);
}

#[test]
fn remote_url_rules() {
    let all = inline(
        "@prefix dct: <http://purl.org/dc/terms/> . @prefix dcat: <http://www.w3.org/ns/dcat#> . \
         @prefix foaf: <http://xmlns.com/foaf/0.1/> . \
         <https://data.example.org/d/bad-landing> a dcat:Dataset ; dct:title \"A\" ; \
           dcat:landingPage \"not a url\" . \
         [] a dcat:Dataset ; dct:title \"B\" ; dct:identifier \"https://data.example.org/id/b\" . \
         [] a dcat:Dataset ; dct:title \"C\" ; dct:identifier \"c-id\" . \
         <https://geo.example.org/records/r1> a dcat:CatalogRecord ; dct:identifier \"r1\" ; \
           foaf:primaryTopic <https://geo.example.org/resources/r1> . \
         <https://geo.example.org/resources/r1> a dcat:Dataset ; dct:title \"D\" ; dct:identifier \"d-id\" .",
    );
    let url = |id: &str| by_id(&all, id).remote_url.clone();
    // An invalid landing page: the dataset IRI.
    assert_eq!(
        url("https://data.example.org/d/bad-landing").as_deref(),
        Some("https://data.example.org/d/bad-landing")
    );
    // A blank node: its identifier when it is a URL, else nothing.
    assert_eq!(
        url("https://data.example.org/id/b").as_deref(),
        Some("https://data.example.org/id/b")
    );
    assert_eq!(url("c-id"), None);
    // remote_url_prefix (source extra config) + the catalog record identifier.
    let src = source_with(bson::doc! {
        "extra_configs": [{"key": "remote_url_prefix", "value": "https://geo.example.org/catalog/"}],
    });
    let m = map_with(by_id(&all, "d-id"), &src).unwrap();
    assert_eq!(
        m.dataset.harvest.unwrap().remote_url.as_deref(),
        Some("https://geo.example.org/catalog/r1")
    );
}

#[test]
fn html_error_page_is_not_rdf() {
    let html = b"<!DOCTYPE html><html><body><h1>Maintenance</h1></body></html>";
    assert_eq!(
        parse_rdf(
            html,
            Some("text/html; charset=utf-8"),
            &format!("{SITE}/catalog.rdf")
        )
        .unwrap_err(),
        ParseError::NotRdf {
            content_type: "text/html".into()
        }
    );
    assert_eq!(
        parse_rdf(
            html,
            Some("application/rdf+xml"),
            &format!("{SITE}/catalog")
        )
        .unwrap_err()
        .to_string(),
        "expected RDF, got text/html"
    );
}

#[test]
fn entity_expansion_and_external_entities_are_refused() {
    let mut doc =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE rdf:RDF [\n<!ENTITY a \"aaaaaaaaaa\">\n");
    let mut prev = "a".to_string();
    for i in 0..9 {
        let name = format!("e{i}");
        doc.push_str(&format!(
            "<!ENTITY {name} \"{}\">\n",
            format!("&{prev};").repeat(10)
        ));
        prev = name;
    }
    doc.push_str(&format!(
        "]>\n<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" \
         xmlns:dct=\"http://purl.org/dc/terms/\"><rdf:Description rdf:about=\"http://x/d\">\
         <dct:title>&{prev};</dct:title></rdf:Description></rdf:RDF>"
    ));
    let err = parse_rdf(doc.as_bytes(), Some("application/rdf+xml"), "http://x/c").unwrap_err();
    assert!(matches!(err, ParseError::UnsafeXml(_)), "{err}");

    let external =
        "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\
        <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">&x;</rdf:RDF>";
    let err = parse_rdf(
        external.as_bytes(),
        Some("application/rdf+xml"),
        "http://x/c",
    )
    .unwrap_err();
    assert!(err.to_string().contains("external entity"), "{err}");
}

#[test]
fn json_ld_is_bounded_and_offline() {
    let deep = format!(
        "{}{}",
        "{\"a\":".repeat(MAX_JSON_DEPTH + 1),
        "1".to_owned() + &"}".repeat(MAX_JSON_DEPTH + 1)
    );
    assert_eq!(
        parse_rdf(deep.as_bytes(), Some("application/ld+json"), "http://x/c").unwrap_err(),
        ParseError::TooDeep {
            limit: MAX_JSON_DEPTH
        }
    );
    // A remote context is never fetched (the URL would not even resolve): its terms are dropped,
    // full IRIs are kept, and a warning says so.
    let doc = r#"{"@context": ["https://contexts.invalid/dcat.jsonld", {"dct": "http://purl.org/dc/terms/"}],
        "@id": "http://x/d", "@type": "http://www.w3.org/ns/dcat#Dataset",
        "title": "dropped", "dct:title": "kept"}"#;
    let parsed = parse_rdf(doc.as_bytes(), Some("application/ld+json"), "http://x/c").unwrap();
    assert_eq!(parsed.graph.len(), 2);
    assert_eq!(
        parsed.warnings,
        ["remote JSON-LD @context https://contexts.invalid/dcat.jsonld not loaded (never fetched): terms it defines are ignored"]
    );
}

/// Every dataset of the ckanext-dcat example catalogs maps without error. Notes on the files:
/// `dataset.ttl` uses an undeclared prefix and a doubled `<` in a datatype: both are repaired
/// (with warnings); `catalog_pod.jsonld` is Project Open Data with inline contexts.
#[test]
fn ckanext_dcat_examples_all_map() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/ckanext-dcat/dcat");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("{dir:?} not found: skipped");
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    let mut datasets = 0;
    for path in paths {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let body = std::fs::read(&path).unwrap();
        let url = format!("https://ckan.example.org/{name}");
        for item in page_items(&body, &url) {
            let item = item.unwrap_or_else(|e| panic!("{name}: {e}"));
            let m = map(&item);
            assert!(!m.dataset.title.is_empty(), "{name}");
            assert!(
                m.dataset
                    .harvest
                    .as_ref()
                    .and_then(|h| h.remote_id.as_ref())
                    .is_some(),
                "{name}"
            );
            datasets += 1;
        }
    }
    assert!(datasets >= 15, "only {datasets} datasets found");
}

/// Truncated and mangled pages never panic: parse errors or mapped datasets, nothing else.
#[test]
fn truncated_and_mangled_pages_never_panic() {
    let mut names: Vec<String> = std::fs::read_dir(fixture_path(""))
        .unwrap()
        .filter_map(|e| e.ok())
        // Files only (tests/fixtures/dcat/csw-geonetwork holds CSW responses, not RDF pages).
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    let src = source();
    for name in names {
        let body = std::fs::read(fixture_path(&name)).unwrap();
        let url = format!("{SITE}/{name}");
        let mut variants: Vec<Vec<u8>> = (0..body.len())
            .step_by(17)
            .map(|cut| body[..cut].to_vec())
            .collect();
        // Multi-byte characters where ASCII is expected.
        let text = String::from_utf8_lossy(&body);
        for (from, to) in [
            ("<", "<é"),
            ("\"", "\"ü"),
            ("mailto:", "mailté:"),
            ("POLYGON", "PÖLYGON"),
        ] {
            variants.push(text.replacen(from, to, 3).into_bytes());
        }
        for v in variants {
            let Ok(parsed) = parse_rdf(&v, None, &url) else {
                continue;
            };
            for item in extract_items(&parsed.graph, &url, None)
                .items
                .into_iter()
                .flatten()
            {
                let _ = map_with(&item, &src);
                let _ = content_hash(rdf(&item).1);
            }
        }
    }
    for weird in [
        "SRIé=4326;POLYGON((0 0,1 0,1 1,0 0))",
        "<!DOCTYPé x><r/>",
        "{\"@context\": 5, \"@id\": []}",
        "@prefix : <x:> . :a :b \"c\"@é .",
    ] {
        let _ = parse_rdf(weird.as_bytes(), None, "http://x/");
    }
}

#[test]
fn tags_are_slugified_like_udata() {
    // udata drops apostrophes (ASCII or typographic), short tags, and sorts.
    let all = inline(
        "@prefix dct: <http://purl.org/dc/terms/> . @prefix dcat: <http://www.w3.org/ns/dcat#> . \
         <https://data.example.org/d/tags> a dcat:Dataset ; dct:title \"Tags\" ; \
           dcat:keyword \"Qualité de l'eau\" , \"L’Eau potable\" , \"l' eau\" , \"ab\" , \"Prix en €\" .",
    );
    assert_eq!(
        map(&all[0]).dataset.tags,
        ["l-eau", "leau-potable", "prix-en-eur", "qualite-de-leau"]
    );
}
