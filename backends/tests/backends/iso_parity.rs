//! The native ISO 19139 → DCAT conversion against the GeoDCAT-AP XSLT udata runs: every fixture
//! record is mapped twice by the one DCAT mapping, once from our conversion and once from the
//! XSLT's own output (tests/fixtures/csw-iso/xslt, made by udata 17.18's pinned stylesheet), and
//! the udata datasets must agree field by field, but for the departures docs/udata-compatibility.md
//! lists ("CSW ISO 19139").

use backends::iso19139::{read_record, ListedRecord};
use backends::mapping::{MapContext, MappedDataset};
use backends::rdf::catalog::extract_items;
use backends::rdf::dcat_map::map_dataset;
use backends::rdf::parse::{parse_as_given, RdfSyntax};
use backends::rdf::xml::csw_records;
use chrono::Utc;
use common::model::{HarvestSource, Payload};

fn fixture(name: &str) -> String {
    crate::kit::fixture_text(&format!("csw-iso/{name}"))
}

fn source() -> HarvestSource {
    crate::kit::source(
        "https://geo.example.org/geonetwork/srv/fre/csw",
        "csw-iso-19139",
    )
}

fn map(src: &HarvestSource, root: &str, ntriples: &str) -> MappedDataset {
    let ctx = MapContext {
        source: src,
        licenses: crate::kit::licenses(),
        now: Utc::now(),
    };
    map_dataset(root, ntriples, &ctx).expect("mapped")
}

/// Our mapping of record `n` (1-based) of a fixture page.
fn native(src: &HarvestSource, page: &str, n: usize) -> MappedDataset {
    let text = fixture(page);
    let records = csw_records(&text).expect("a CSW page").records;
    match read_record(&records[n - 1], n as u64, None) {
        ListedRecord::Item(item) => match item.payload {
            Payload::Rdf { root, ntriples } => map(src, &root, &ntriples),
            other => panic!("{other:?}"),
        },
        other => panic!("{page} #{n}: {other:?}"),
    }
}

/// udata's mapping of the XSLT output for the same record.
fn xslt(src: &HarvestSource, name: &str) -> Option<MappedDataset> {
    let rdf = fixture(&format!("xslt/{name}"));
    let parsed = parse_as_given(RdfSyntax::RdfXml, rdf.as_bytes()).expect("XSLT output parses");
    let item = extract_items(&parsed.graph, "https://geo.example.org/csw", None)
        .items
        .into_iter()
        .next()?
        .ok()?;
    match item.payload {
        Payload::Rdf { root, ntriples } => Some(map(src, &root, &ntriples)),
        _ => None,
    }
}

/// What must agree (the contact point ids and harvest timestamps are per run).
fn comparable(m: &MappedDataset) -> serde_json::Value {
    let d = &m.dataset;
    let h = d.harvest.clone().unwrap_or_default();
    let mut resources: Vec<serde_json::Value> = d
        .resources
        .iter()
        .map(|r| {
            serde_json::json!({
                "title": r.title, "url": r.url, "format": r.format, "type": r.kind,
                "description": r.description, "filesize": r.filesize,
                "extras": r.extras.get("dcat").map(|e| e.to_string()),
            })
        })
        .collect();
    resources.sort_by_key(|r| r.to_string());
    let mut contacts: Vec<String> = m
        .contact_points
        .iter()
        .map(|c| format!("{}|{:?}|{:?}|{:?}", c.role, c.name, c.email, c.contact_form))
        .collect();
    contacts.sort();
    serde_json::json!({
        "title": d.title,
        "description": d.description,
        "tags": d.tags,
        "frequency": d.frequency,
        "temporal": d.temporal_coverage.as_ref().map(|t| format!("{t:?}")),
        "spatial": d.spatial.as_ref().map(|s| format!("{:?}", s.geom)),
        "license": d.license,
        "extras": d.extras.get("dcat").map(|e| e.to_string()),
        "resources": resources,
        "contacts": contacts,
        "remote_id": h.remote_id,
        "dct_identifier": h.dct_identifier,
        "uri": h.uri,
        "created_at": h.created_at,
        "issued_at": h.issued_at,
        "modified_at": h.modified_at,
    })
}

fn diff(a: &serde_json::Value, b: &serde_json::Value) -> Vec<String> {
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else {
        return vec![];
    };
    a.iter()
        .filter(|(k, v)| b.get(*k) != Some(*v))
        .map(|(k, v)| format!("{k}:\n  native {v}\n  xslt   {}", b[k]))
        .collect()
}

#[test]
fn native_mapping_matches_the_xslt_on_every_fixture_record() {
    let src = source();
    // The last field: the record has no distribution, so the XSLT drops its constraints while
    // we keep them on the dataset (departure): licence and rights are compared apart.
    let cases = [
        ("geonetwork-page-1.xml", 1, "geonetwork-page-1-1.rdf", false),
        ("geonetwork-page-1.xml", 2, "geonetwork-page-1-2.rdf", true),
        ("geonetwork-page-3.xml", 1, "geonetwork-page-3-1.rdf", true),
        ("geonetwork-page-3.xml", 2, "geonetwork-page-3-2.rdf", true),
        ("geonetwork-page-5.xml", 1, "geonetwork-page-5-1.rdf", true),
        ("geonetwork-page-5.xml", 2, "geonetwork-page-5-2.rdf", true),
        (
            "geoide-single-dataset.xml",
            1,
            "geoide-single-dataset-1.rdf",
            false,
        ),
        (
            "geoplateforme-IGNF_RPG.xml",
            1,
            "geoplateforme-IGNF_RPG-1.rdf",
            false,
        ),
    ];
    let mut failures = Vec::new();
    for (page, n, reference, kept_constraints) in cases {
        let mapped = native(&src, page, n);
        let mut ours = comparable(&mapped);
        let Some(theirs) = xslt(&src, reference) else {
            failures.push(format!("{reference}: the XSLT output has no dataset"));
            continue;
        };
        let mut theirs = comparable(&theirs);
        if kept_constraints {
            assert!(mapped.dataset.resources.is_empty(), "{page} #{n}");
            let rights = mapped
                .dataset
                .extras
                .get_document("dcat")
                .ok()
                .and_then(|d| d.get_array("rights").ok());
            assert!(
                rights.is_some_and(|r| !r.is_empty()),
                "{page} #{n}: rights kept"
            );
            assert_ne!(
                mapped.dataset.license.as_deref(),
                Some("notspecified"),
                "{page} #{n}"
            );
            for v in [&mut ours, &mut theirs] {
                if let Some(o) = v.as_object_mut() {
                    o.remove("license");
                    o.remove("extras");
                }
            }
        }
        for d in diff(&ours, &theirs) {
            failures.push(format!("{page} #{n}: {d}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
