//! `license` documents (udata `License`), the reference list used to guess a dataset's license.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct License {
    #[serde(rename = "_id")]
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub alternate_titles: Vec<String>,
    #[serde(default)]
    pub slug: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default)]
    pub alternate_urls: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintainer: Option<String>,
    #[serde(default)]
    pub flags: Vec<String>,
    #[serde(default)]
    pub active: bool,
}

/// The reference list bundled with the harvester (`common/data/licenses.json`): the usual licenses
/// of a French portal with udata's ids (`lov2`, `fr-lo`, `odc-odbl`, `cc-by`…), their alternate
/// URLs and titles. Used when the `license` collection is empty or unreachable.
///
/// Panics only if the bundled file itself is broken, which the tests below rule out.
pub fn builtin() -> Vec<License> {
    parse_list(BUNDLED).expect("bundled common/data/licenses.json is valid")
}

const BUNDLED: &str = include_str!("../../data/licenses.json");

/// The bundled file uses udata's public API shape (`id`, not Mongo's `_id`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BundledLicense {
    id: String,
    title: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    alternate_urls: Vec<String>,
    #[serde(default)]
    alternate_titles: Vec<String>,
    #[serde(default)]
    maintainer: Option<String>,
    #[serde(default)]
    flags: Vec<String>,
    #[serde(default)]
    active: bool,
}

fn parse_list(json: &str) -> Result<Vec<License>, serde_json::Error> {
    let list: Vec<BundledLicense> = serde_json::from_str(json)?;
    Ok(list
        .into_iter()
        .map(|l| License {
            id: l.id,
            title: l.title,
            alternate_titles: l.alternate_titles,
            slug: l.slug,
            url: l.url,
            alternate_urls: l.alternate_urls,
            maintainer: l.maintainer,
            flags: l.flags,
            active: l.active,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_list_parses() {
        let list = builtin();
        assert_eq!(list.len(), 13);
        let lov2 = list.iter().find(|l| l.id == "lov2").expect("lov2");
        assert_eq!(lov2.title, "Licence Ouverte / Open Licence version 2.0");
        assert_eq!(
            lov2.url.as_deref(),
            Some("https://www.etalab.gouv.fr/licence-ouverte-open-licence")
        );
        assert!(lov2.alternate_titles.iter().any(|t| t == "etalab-2.0"));
        assert!(lov2.active);
    }

    #[test]
    fn bundled_ids_are_unique_and_complete() {
        let list = builtin();
        let mut ids: Vec<&str> = list.iter().map(|l| l.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), list.len());
        for id in [
            "lov2",
            "fr-lo",
            "odc-odbl",
            "odc-by",
            "odc-pddl",
            "cc-by",
            "cc-by-sa",
            "cc-zero",
            "notspecified",
            "other-open",
            "other-at",
            "other-pd",
            "other-closed",
        ] {
            assert!(ids.contains(&id), "missing {id}");
        }
        assert!(list
            .iter()
            .all(|l| !l.slug.is_empty() && !l.title.is_empty()));
    }

    #[test]
    fn unknown_fields_are_rejected() {
        assert!(parse_list(r#"[{"id": "x", "title": "X", "bogus": 1}]"#).is_err());
        assert!(parse_list("not json").is_err());
        assert_eq!(parse_list("[]").map(|l| l.len()).ok(), Some(0));
    }
}
