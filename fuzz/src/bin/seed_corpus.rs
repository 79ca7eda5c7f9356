//! Writes the seed corpora of the fuzz targets from the project's test fixtures:
//! `corpus/rdf_parse` (every DCAT fixture, prefixed with the content-type selector byte),
//! `corpus/dcat_map` (every dataset item those fixtures split into: root line + N-Triples),
//! `corpus/ckan_map` (CKAN and DKAN answers and packages), `corpus/ods_map` (each dataset of the
//! ODS pages), `corpus/mapping_helpers` (dates, frequencies, formats, licenses, geometries).
//! Existing files are kept; seeds are named by content hash, so re-running adds nothing twice.
//!
//! Usage: `seed_corpus <fixtures dir> <corpus dir>`.

use std::collections::hash_map::DefaultHasher;
use std::fs;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use harvest_fuzz::{BASE, CONTENT_TYPES};
use backends::rdf::catalog::extract_items;
use backends::rdf::parse::{parse_rdf, RdfSyntax};

/// Seeds above this size are skipped (the corpus stays small).
const MAX_SEED: usize = 16 * 1024;

fn write(dir: &Path, data: &[u8]) {
    if data.len() > MAX_SEED {
        return;
    }
    let mut h = DefaultHasher::new();
    data.hash(&mut h);
    fs::create_dir_all(dir).expect("corpus dir");
    let path = dir.join(format!("seed-{:016x}", h.finish()));
    if !path.exists() {
        fs::write(path, data).expect("write seed");
    }
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .map(|r| r.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    out.sort();
    out
}

fn selector(syntax: Option<RdfSyntax>) -> u8 {
    let wanted = match syntax {
        Some(RdfSyntax::Turtle) => Some("text/turtle"),
        Some(RdfSyntax::RdfXml) => Some("application/rdf+xml"),
        Some(RdfSyntax::JsonLd) => Some("application/ld+json"),
        Some(RdfSyntax::NTriples) => Some("application/n-triples"),
        Some(RdfSyntax::NQuads) => Some("application/n-quads"),
        Some(RdfSyntax::TriG) => Some("application/trig"),
        Some(RdfSyntax::N3) => Some("text/n3"),
        None => None,
    };
    CONTENT_TYPES
        .iter()
        .position(|c| *c == wanted)
        .unwrap_or(0) as u8
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let fixtures = PathBuf::from(args.get(1).map_or("../tests/fixtures", |s| s.as_str()));
    let corpus = PathBuf::from(args.get(2).map_or("corpus", |s| s.as_str()));

    // RDF pages, and the items they split into.
    for path in files(&fixtures.join("dcat")) {
        let body = fs::read(&path).expect("fixture");
        let url = format!("{BASE}/{}", path.file_name().unwrap().to_string_lossy());
        let syntax = RdfSyntax::from_url(&url);
        let mut seed = vec![selector(syntax)];
        seed.extend_from_slice(&body);
        write(&corpus.join("rdf_parse"), &seed);
        let mut sniffed = vec![0u8];
        sniffed.extend_from_slice(&body);
        write(&corpus.join("rdf_parse"), &sniffed);
        let Ok(parsed) = parse_rdf(&body, None, &url) else {
            continue;
        };
        for item in extract_items(&parsed.graph, &url, None).items.into_iter().flatten() {
            if let common::model::Payload::Rdf { root, ntriples } = item.payload {
                write(
                    &corpus.join("dcat_map"),
                    format!("{root}\n{ntriples}").as_bytes(),
                );
            }
        }
    }

    // CKAN / DKAN answers, and the packages inside them.
    for dir in ["ckan", "dkan"] {
        for path in files(&fixtures.join(dir)) {
            let body = fs::read(&path).expect("fixture");
            write(&corpus.join("ckan_map"), &body);
            let Ok(v) = serde_json::from_slice::<serde_json::Value>(&body) else {
                continue;
            };
            let result = v.get("result").cloned().unwrap_or(v);
            let packages: Vec<serde_json::Value> = match result {
                serde_json::Value::Array(a) => a,
                serde_json::Value::Object(ref o) if o.contains_key("results") => o["results"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default(),
                other => vec![other],
            };
            for p in packages.iter().filter(|p| p.is_object()) {
                write(&corpus.join("ckan_map"), p.to_string().as_bytes());
            }
        }
    }

    // ODS datasets.
    for path in files(&fixtures.join("ods")) {
        let body = fs::read(&path).expect("fixture");
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(&body) else {
            continue;
        };
        for d in v["results"].as_array().cloned().unwrap_or_default() {
            write(&corpus.join("ods_map"), d.to_string().as_bytes());
        }
    }

    // Helper strings.
    for s in [
        "2019-03-07", "2019-03-07T10:11:12Z", "2019-03-07T10:11:12.123+02:00", "07/03/2019",
        "2019", "2019-03", "mar, 10/12/2019 - 09:23", "20190307", "-0001-01-01",
        "http://purl.org/cld/freq/daily", "weekly", "Annuel", "irregular", "R/P1D",
        "CSV", "text/csv", "application/vnd.ms-excel", "https://x.org/data.geojson?download=1",
        "ESRI Shapefile", "Licence Ouverte / Open Licence version 2.0", "cc-by-sa",
        "http://opendatacommons.org/licenses/odbl/1.0/", "<p>Hello <b>world</b></p><ul><li>x</li></ul>",
        "POLYGON((0 0, 1 0, 1 1, 0 1, 0 0))", "MULTIPOLYGON(((2 48, 3 48, 3 49, 2 49, 2 48)))",
        "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}",
        "2.0,48.0,3.0,49.0", "42 octets", "1.5 MB", "12 Ko", "Économie, Santé,  données ouvertes ",
    ] {
        write(&corpus.join("mapping_helpers"), s.as_bytes());
    }
}
