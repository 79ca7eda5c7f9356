//! udata as the judge: runs tests/udata/judge.py with the pinned udata (scripts/udata-venv.sh
//! installs it once into a cache) on a test's database, and turns its verdict into a test result
//! that names the collection, the document and udata's message.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use crate::env::TestEnv;

/// The udata collections every judged harvest must have written.
pub const REQUIRED: &[&str] = &[
    "dataset",
    "harvest_source",
    "harvest_job",
    "contact_point",
    "license",
];

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

/// The pinned udata's python, installed on first use.
pub fn python() -> PathBuf {
    let script = repo_root().join("scripts/udata-venv.sh");
    let out = Command::new("bash")
        .arg(&script)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", script.display()));
    assert!(
        out.status.success(),
        "{} failed: {}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// udata's verdict on a database: per collection, documents loaded, validated and served by its
/// API, and every failure.
#[derive(Debug)]
pub struct Verdict {
    pub report: Value,
}

impl Verdict {
    /// Counts of one collection: (documents, loaded, validated, served).
    pub fn counts(&self, collection: &str) -> (u64, u64, u64, u64) {
        let c = &self.report["collections"][collection];
        let n = |k: &str| c[k].as_u64().unwrap_or(0);
        (n("documents"), n("loaded"), n("validated"), n("served"))
    }

    pub fn failures(&self) -> Vec<String> {
        self.report["failures"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|f| {
                        format!(
                            "{} {} [{}]: {}",
                            f["collection"].as_str().unwrap_or("?"),
                            f["id"].as_str().unwrap_or("?"),
                            f["stage"].as_str().unwrap_or("?"),
                            f["message"].as_str().unwrap_or("?")
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// One line per collection, for the test's output.
    pub fn summary(&self) -> String {
        let mut lines = vec![];
        if let Some(map) = self.report["collections"].as_object() {
            for name in map.keys() {
                let (d, l, v, s) = self.counts(name);
                lines.push(format!(
                    "udata judge: {name}: {d} documents, {l} loaded, {v} validated, {s} served by the API"
                ));
            }
        }
        if let Some(notes) = self.report["notes"].as_array() {
            for note in notes {
                lines.push(format!(
                    "udata judge note: {}",
                    note.as_str().unwrap_or("?")
                ));
            }
        }
        lines.join("\n")
    }
}

/// Judge database `db` (on `mongo_uri`), requiring documents in `require`.
pub fn judge_database(mongo_uri: &str, db: &str, require: &[&str]) -> Verdict {
    let script = repo_root().join("tests/udata/judge.py");
    let out = Command::new(python())
        .arg(&script)
        .args([
            "--mongo",
            mongo_uri,
            "--db",
            db,
            "--require",
            &require.join(","),
        ])
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", script.display()));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "udata judge printed no verdict ({e}); stderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    Verdict { report }
}

/// Judge a test environment's database and fail the test on any document udata cannot read,
/// validate or serve. Prints the counts.
pub fn assert_udata_reads(env: &TestEnv, require: &[&str]) -> Verdict {
    let verdict = judge_database(
        &env.settings.mongodb.uri,
        &env.settings.mongodb.database,
        require,
    );
    println!("{}", verdict.summary());
    let failures = verdict.failures();
    assert!(
        failures.is_empty(),
        "udata cannot read what the harvester wrote ({} failures):\n{}",
        failures.len(),
        failures.join("\n")
    );
    verdict
}
