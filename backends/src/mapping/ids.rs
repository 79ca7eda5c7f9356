//! Deterministic identifiers for harvested resources.
//!
//! A remote distribution must keep the same udata resource id from one harvest to the next, or
//! every harvest would replace the dataset's resources (losing their community links, checks and
//! statistics). Ids are therefore UUID v5 names derived from stable remote keys rather than random
//! UUIDs. [`url_hash`] is the `urlhash` udata indexes resources by.

use sha1::{Digest, Sha1};
use uuid::Uuid;

/// Namespace of the resource ids this harvester generates: UUID v5 of
/// `urn:harvest:resource` in the URL namespace (fixed forever: changing it changes every id).
const RESOURCE_NAMESPACE: Uuid = Uuid::from_u128(0x9dc8_3e57_d509_529c_92c7_200e_7feb_5db5);

/// The stable id of a resource: a UUID v5 (hyphenated, lower case) of the dataset key (e.g. the
/// source id and remote dataset id) and the resource key (the distribution URI, CKAN resource id,
/// ODS export name…). The same pair always gives the same id; the two keys are length-prefixed so
/// `("ab", "c")` and `("a", "bc")` never collide.
pub fn resource_id(dataset_key: &str, resource_key: &str) -> String {
    let name = format!("{}:{}{}", dataset_key.len(), dataset_key, resource_key);
    Uuid::new_v5(&RESOURCE_NAMESPACE, name.as_bytes())
        .hyphenated()
        .to_string()
}

/// The `urlhash` of a resource, computed exactly like udata's `hash_url` (udata/utils.py: SHA-1
/// hex digest of the UTF-8 URL), so udata's own lookups by URL find harvested resources.
pub fn url_hash(url: &str) -> String {
    hex::encode(Sha1::digest(url.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_is_the_documented_one() {
        assert_eq!(
            RESOURCE_NAMESPACE,
            Uuid::new_v5(&Uuid::NAMESPACE_URL, b"urn:harvest:resource")
        );
        assert_eq!(
            RESOURCE_NAMESPACE.to_string(),
            "9dc83e57-d509-529c-92c7-200e7feb5db5"
        );
    }

    #[test]
    fn resource_id_is_deterministic_uuid_v5() {
        let a = resource_id("source-1/dataset-42", "https://example.org/data.csv");
        let b = resource_id("source-1/dataset-42", "https://example.org/data.csv");
        assert_eq!(a, b);
        let parsed = Uuid::parse_str(&a).expect("a uuid");
        assert_eq!(parsed.get_version_num(), 5);
        assert_eq!(a.len(), 36);
        assert_eq!(a, a.to_lowercase());
    }

    #[test]
    fn resource_id_depends_on_both_keys() {
        let base = resource_id("d1", "r1");
        assert_ne!(base, resource_id("d2", "r1"));
        assert_ne!(base, resource_id("d1", "r2"));
        assert_ne!(resource_id("ab", "c"), resource_id("a", "bc"));
        assert_ne!(resource_id("", "x"), resource_id("x", ""));
    }

    #[test]
    fn resource_id_is_stable_across_versions() {
        // Frozen value: a change here means every harvested resource would get a new id.
        assert_eq!(
            resource_id("dataset", "resource"),
            "e60e3d18-d307-56be-b1b5-71984908ffd0"
        );
    }

    #[test]
    fn url_hash_matches_udata_hash_url() {
        // hashlib.sha1(b"https://example.org/data.csv").hexdigest()
        assert_eq!(
            url_hash("https://example.org/data.csv"),
            "ab3f85ab9b4c7ccc05870643f6a6c9c71713aff2"
        );
        assert_eq!(url_hash(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(url_hash("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(url_hash("x").len(), 40);
        assert_ne!(url_hash("http://a"), url_hash("https://a"));
    }
}
