//! The project's fixture files (`tests/fixtures/`) and the shared real-world catalogs beside the
//! project, found from whichever crate of the workspace the tests belong to.

use std::path::PathBuf;

use serde_json::Value;

/// The workspace's root: the parent of the crate the tests belong to (every crate of the
/// workspace is a directory of the root).
fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// `tests/fixtures` of the project.
pub fn fixtures_dir() -> PathBuf {
    workspace_root().join("tests/fixtures")
}

/// A file under the project's `tests/fixtures/`.
pub fn fixture_path(relative: &str) -> PathBuf {
    fixtures_dir().join(relative)
}

/// The text of a fixture file.
pub fn fixture_text(relative: &str) -> String {
    let path = fixture_path(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

/// A JSON fixture file.
pub fn fixture_json(relative: &str) -> Value {
    let text = fixture_text(relative);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

/// The shared real-world catalogs, when present beside the project.
pub fn shared_fixtures() -> Option<PathBuf> {
    let p = workspace_root().join("../shared/fixtures");
    p.is_dir().then_some(p)
}
