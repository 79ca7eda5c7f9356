//! Shared pieces of the fuzz targets: a fixed mapping context (source, licenses, harvest time),
//! so every run maps the same way.

use chrono::{TimeZone, Utc};
use common::model::HarvestSource;
use backends::mapping::{LicenseGuesser, MapContext};

/// The base URL fuzzed documents are parsed against.
pub const BASE: &str = "http://fuzz.example.org/catalog";

/// A fixed source for mapping.
pub fn source(backend: &str) -> HarvestSource {
    let created = bson::DateTime::from_millis(1_700_000_000_000);
    let mut source = HarvestSource::new("fuzz", BASE, backend, created);
    source.id = bson::oid::ObjectId::from_bytes([7; 12]);
    source.slug = "fuzz".into();
    source
}

/// The built-in license list (built once per process).
pub fn licenses() -> &'static LicenseGuesser {
    static L: std::sync::OnceLock<LicenseGuesser> = std::sync::OnceLock::new();
    L.get_or_init(LicenseGuesser::builtin)
}

/// A mapping context with a fixed harvest time.
pub fn map_context<'a>(source: &'a HarvestSource) -> MapContext<'a> {
    MapContext {
        source,
        licenses: licenses(),
        now: Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap(),
    }
}

/// Content types the `rdf_parse` target chooses from with its first byte.
pub const CONTENT_TYPES: &[Option<&str>] = &[
    None,
    Some("text/turtle"),
    Some("application/rdf+xml"),
    Some("application/ld+json"),
    Some("application/n-triples"),
    Some("application/n-quads"),
    Some("application/trig"),
    Some("text/n3"),
    Some("application/json"),
    Some("text/html"),
    Some("application/xml"),
    Some("application/octet-stream"),
];

/// Split a `dcat_map` input: a first line holding the root term (`<iri>` or `_:label`), then
/// the N-Triples subgraph. Without such a first line, the subject of the first triple is the
/// root and the whole input is the subgraph.
pub fn split_dcat_input(text: &str) -> (String, &str) {
    if let Some((first, rest)) = text.split_once('\n') {
        let first = first.trim();
        if (first.starts_with('<') && first.ends_with('>') && !first.contains(' '))
            || (first.starts_with("_:") && !first.contains(' '))
        {
            return (first.to_owned(), rest);
        }
    }
    let root = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or("")
        .to_owned();
    (root, text)
}

/// The fuzz targets' `init`: panics the worker catches itself stay caught.
///
/// libFuzzer's Rust glue installs a panic hook that aborts on *any* panic, even one the code
/// under test catches. The worker deliberately catches panics inside third-party parsers
/// (`rdf::parse::guarded`, the JSON-LD thread, `spawn_blocking`) and turns them into a parse
/// error of that page, so such panics are not crashes of the harvester. This hook only prints
/// each panic location once; a panic that escapes the target still aborts the run (libFuzzer's
/// wrapper aborts when the target unwinds) and is reported as a crash.
pub fn init() {
    use std::collections::BTreeSet;
    use std::sync::Mutex;
    static SEEN: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    std::panic::set_hook(Box::new(|info| {
        let location = info.location().map(|l| l.to_string()).unwrap_or_default();
        let first = SEEN
            .lock()
            .map(|mut seen| seen.insert(location))
            .unwrap_or(false);
        if first {
            eprintln!("panic (caught by the worker unless this run aborts now): {info}");
        }
    }));
}
