//! Mapping parity with udata: every DCAT, CKAN and DKAN fixture (and the shared real catalogs when
//! present) is mapped by the harvester and by udata's own backends, and compared field by field
//! (tests/udata/parity.py). A difference fails the test unless the allowlist explains it with a
//! section of docs/udata-compatibility.md.

use std::path::{Path, PathBuf};
use std::process::Command;

use e2e::env::mongo_uri;
use e2e::kit::{fixtures_dir, shared_fixtures};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The pinned udata's python (installed on first use).
fn udata_python() -> String {
    let out = Command::new(repo().join("scripts/udata-venv.sh"))
        .output()
        .expect("run scripts/udata-venv.sh");
    assert!(
        out.status.success(),
        "udata-venv.sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// `backend:path` of every file of `dir` that udata can read directly.
fn files(dir: &Path, backend: &str, keep: impl Fn(&str) -> bool) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(&keep))
                .map(|p| format!("{backend}:{}", p.display()))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn mapping_matches_udata_or_is_explained() {
    let fx = fixtures_dir();
    // CSW answers are XML for udata's CSW backends (XSLT), not RDF it parses directly.
    let rdf = |n: &str| !n.ends_with(".xml") && !n.starts_with("csw-") && n != "empty.ttl";
    let package = |n: &str| {
        n.starts_with("package_show_") && !n.ends_with("not_found.json") && n.ends_with(".json")
    };
    let mut all = files(&fx.join("dcat"), "dcat", rdf);
    all.extend(files(&fx.join("ckan"), "ckan", package));
    all.extend(files(&fx.join("dkan"), "dkan", package));
    if let Some(shared) = shared_fixtures() {
        let real = shared.join("ckanext-dcat");
        all.extend(files(&real.join("dcat"), "dcat", |_| true));
        // package_show-style dictionaries only (the catalog listings are not packages).
        all.extend(files(&real.join("ckan"), "ckan", |n| {
            !n.starts_with("catalog")
        }));
    }
    assert!(all.len() > 20, "fixtures not found: {all:?}");

    let out = Command::new(udata_python())
        .arg(repo().join("tests/udata/parity.py"))
        .arg("--mapper")
        .arg(env!("CARGO_BIN_EXE_harvest-map-fixture"))
        .arg("--mongo")
        .arg(mongo_uri())
        .arg("--allowlist")
        .arg(repo().join("tests/udata/parity_allowlist.json"))
        .arg("--doc")
        .arg(repo().join("docs/udata-compatibility.md"))
        .arg("--licenses")
        .arg(repo().join("common/data/licenses.json"))
        .arg("--root")
        .arg(repo())
        .args(&all)
        .output()
        .expect("run tests/udata/parity.py");
    let report = String::from_utf8_lossy(&out.stdout);
    let parsed: serde_json::Value = serde_json::from_str(&report).unwrap_or_else(|e| {
        panic!(
            "parity.py printed no report ({e}):\n{report}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let count = |k: &str| parsed[k].as_u64().unwrap_or(0);
    println!(
        "udata parity: {} files, {} datasets compared, {} of {} fields equal, {} known differences ({} still open)",
        count("fixtures"),
        count("datasets_compared"),
        count("fields_equal"),
        count("fields_compared"),
        count("known_differences"),
        count("open_differences"),
    );
    let unexplained = parsed["unexplained"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let lines: Vec<String> = unexplained
        .iter()
        .map(|d| {
            format!(
                "{} | {} | {} | ours {} | udata {}",
                d["fixture"].as_str().unwrap_or("?"),
                d["dataset"].as_str().unwrap_or("?"),
                d["field"].as_str().unwrap_or("?"),
                d["ours"],
                d["udata"]
            )
        })
        .collect();
    let no_section = parsed["allowlist_without_section"].clone();
    assert!(
        out.status.success() && lines.is_empty(),
        "unexplained differences with udata's mapping (fixture | dataset | field | ours | udata):\n{}\nallowlist entries without a section in docs/udata-compatibility.md: {no_section}",
        lines.join("\n")
    );
}
