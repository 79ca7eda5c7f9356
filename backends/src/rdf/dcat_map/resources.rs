//! Resources: one udata resource per distribution (or `dct:hasPart` node), with its URL, title,
//! stable id, size and checksum; duplicates of one URL are merged as udata does.

use std::collections::{HashMap, HashSet};

use bson::Document;
use common::model::{Checksum, HarvestResourceMetadata, Resource};

use super::{insert_list, Mapper};
use crate::mapping::values::{byte_size, SizeRule};
use crate::mapping::{dates, ids, markdown, text};
use crate::rdf::catalog::first_text;
use crate::rdf::graph::TermId;
use crate::rdf::vocab::*;

/// udata's OGC service formats: resources of these formats are told apart by title too.
const OGC_SERVICE_FORMATS: [&str; 3] = ["wfs", "wms", "wmts"];

impl Mapper<'_> {
    /// One resource from a distribution (or, `additional`, from a `dct:hasPart` node).
    pub(super) fn resource(
        &mut self,
        d: TermId,
        dataset_key: &str,
        keys: &mut HashSet<String>,
        additional: bool,
    ) -> Option<Resource> {
        let url = if additional {
            self.term(d).as_iri().map(str::to_owned)
        } else {
            self.url_of(d, DCAT_DOWNLOAD_URL)
                .or_else(|| self.url_of(d, DCAT_ACCESS_URL))
        };
        let Some(url) = url else {
            if !additional {
                let shown = self.show(d);
                let why = if self.term(d).as_iri().is_some() && !self.g.is_described(d) {
                    "is not described in the catalog"
                } else {
                    "has no dcat:downloadURL nor dcat:accessURL"
                };
                self.warn(format!("resource: distribution {shown} {why}, skipped"));
            }
            return None;
        };
        let format = self.format_of(d, &url);
        let title = self
            .text(d, DCT_TITLE)
            .and_then(|t| text::clean_text(&t))
            .unwrap_or_else(|| default_title(&url, format.as_deref()));
        let description = self
            .text(d, DCT_DESCRIPTION)
            .map(|t| markdown::html_to_markdown(&t))
            .filter(|t| !t.trim().is_empty());
        let mime = self.mime_of(d);
        let filesize = self.filesize_of(d);
        let checksum = self.checksum_of(d);
        let kind = if additional {
            "other"
        } else if !self.g.objects(d, DCAT_ACCESS_SERVICE).is_empty() {
            "api"
        } else {
            "main"
        };
        let uri = self.term(d).as_iri().map(str::to_owned);
        let identifier = first_text(self.g, d, DCT_IDENTIFIER);
        let issued = self.date(d, DCT_ISSUED, "resource issued");
        let modified = self.modified(d, "resource modified");

        // Stable id: distribution IRI, else its dct:identifier, else its URL.
        let mut key = uri
            .clone()
            .or_else(|| identifier.clone())
            .unwrap_or_else(|| url.clone());
        if format
            .as_deref()
            .is_some_and(|f| OGC_SERVICE_FORMATS.contains(&f))
            && uri.is_none()
            && identifier.is_none()
        {
            key = format!("{key}#{title}");
        }
        let mut n = 1;
        let base_key = key.clone();
        while !keys.insert(key.clone()) {
            n += 1;
            key = format!("{base_key}#{n}");
        }

        let mut extras = Document::new();
        let mut dcat = Document::new();
        insert_list(&mut dcat, "license", &self.extra_values(d, DCT_LICENSE));
        insert_list(&mut dcat, "rights", &self.extra_values(d, DCT_RIGHTS));
        insert_list(
            &mut dcat,
            "accessRights",
            &self.extra_values(d, DCT_ACCESS_RIGHTS),
        );
        if !dcat.is_empty() {
            extras.insert("dcat", dcat);
        }

        Some(Resource {
            id: ids::resource_id(dataset_key, &key),
            title,
            description,
            filetype: "remote".into(),
            kind: kind.into(),
            urlhash: Some(ids::url_hash(&url)),
            url,
            checksum,
            format,
            mime,
            filesize,
            extras,
            harvest: Some(HarvestResourceMetadata {
                issued_at: issued.map(dates::to_bson),
                modified_at: modified.map(dates::to_bson),
                last_update: Some(dates::to_bson(self.ctx.now)),
                uri,
                dct_identifier: identifier,
                remote_id: None,
            }),
            ..Default::default()
        })
    }

    /// udata `url_from_rdf`: the first IRI or literal value.
    fn url_of(&self, d: TermId, pred: &str) -> Option<String> {
        self.g.objects(d, pred).into_iter().find_map(|o| {
            let t = self.term(o).text()?.trim();
            (!t.is_empty()).then(|| t.to_owned())
        })
    }

    /// `dcat:byteSize`, leniently: `1024`, `1024.0`, `"1 024"`, `1.5E3`.
    fn filesize_of(&mut self, d: TermId) -> Option<i64> {
        let raw = self.text(d, DCAT_BYTE_SIZE)?;
        match byte_size(&raw, SizeRule::Loose) {
            Some(n) => Some(n),
            None => {
                self.warn(format!("resource filesize: invalid dcat:byteSize {raw:?}"));
                None
            }
        }
    }

    /// `spdx:checksum` → `{type, value}` (udata accepts md5, sha1, sha256).
    fn checksum_of(&mut self, d: TermId) -> Option<Checksum> {
        let node = self.g.objects(d, SPDX_CHECKSUM).into_iter().next()?;
        let algo_term = self.g.objects(node, SPDX_ALGORITHM).into_iter().next();
        let value = self.text(node, SPDX_CHECKSUM_VALUE);
        let algo_raw = algo_term.and_then(|a| self.term(a).text().map(str::to_owned));
        let algo = algo_raw.as_deref().and_then(checksum_algorithm);
        match (algo, value) {
            (Some(kind), Some(value)) => Some(Checksum {
                kind: kind.into(),
                value,
            }),
            (None, _) => {
                self.warn(format!(
                    "resource checksum: unsupported algorithm {:?}",
                    algo_raw.unwrap_or_default()
                ));
                None
            }
            (Some(_), None) => {
                self.warn("resource checksum: no spdx:checksumValue".into());
                None
            }
        }
    }
}

/// The resources kept so far, by URL with their titles: udata keeps one resource per URL (and
/// per title for OGC services), so a later distribution with the same URL is a duplicate. A map,
/// not a scan of the kept list: a remote dataset may carry thousands of distributions.
#[derive(Default)]
pub(super) struct KeptResources(HashMap<String, HashSet<String>>);

impl KeptResources {
    /// Whether `r` duplicates a resource kept so far; if not, it now counts as kept.
    pub(super) fn is_duplicate(&mut self, r: &Resource) -> bool {
        let ogc = r
            .format
            .as_deref()
            .is_some_and(|f| OGC_SERVICE_FORMATS.contains(&f));
        let seen = self
            .0
            .get(&r.url)
            .is_some_and(|titles| !ogc || titles.contains(&r.title));
        if !seen {
            self.0
                .entry(r.url.clone())
                .or_default()
                .insert(r.title.clone());
        }
        seen
    }
}

/// udata `title_from_rdf` fallback: the file name when the URL has one, else "Ressource
/// {format}" (udata's French label), else a title derived from the URL.
fn default_title(url: &str, format: Option<&str>) -> String {
    let last = url.rsplit('/').next().unwrap_or("");
    if last.contains('.') && !last.contains('?') {
        return text::title_from_url(url);
    }
    if let Some(f) = format {
        return format!("Ressource {}", f.to_lowercase());
    }
    let t = text::title_from_url(url);
    if t.trim().is_empty() {
        "Ressource sans nom".into()
    } else {
        t
    }
}

/// udata `CHECKSUM_ALGORITHMS`, from an SPDX IRI or a loose name (`SHA-256`).
fn checksum_algorithm(raw: &str) -> Option<&'static str> {
    let raw = raw.trim();
    let lower = raw.to_ascii_lowercase();
    let name = lower
        .strip_prefix(&SPDX_ALGORITHM_PREFIX.to_ascii_lowercase())
        .or_else(|| lower.rsplit_once("checksumalgorithm_").map(|(_, n)| n))
        // DCAT-AP.de: http://dcat-ap.de/def/hashAlgorithms/sha/256
        .or_else(|| lower.rsplit_once("hashalgorithms/").map(|(_, n)| n))
        .unwrap_or(&lower);
    match name.replace(['-', '_', ' ', '/'], "").as_str() {
        "md5" => Some("md5"),
        "sha1" => Some("sha1"),
        "sha256" => Some("sha256"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One resource per URL; OGC services (WMS, WFS, WMTS) one per URL and title.
    #[test]
    fn duplicates_by_url_and_by_title_for_ogc_services() {
        let res = |url: &str, title: &str, format: Option<&str>| Resource {
            url: url.into(),
            title: title.into(),
            format: format.map(Into::into),
            ..Default::default()
        };
        let mut kept = KeptResources::default();
        assert!(!kept.is_duplicate(&res("https://a/x.csv", "X", Some("csv"))));
        assert!(kept.is_duplicate(&res("https://a/x.csv", "Other title", None)));
        assert!(!kept.is_duplicate(&res("https://a/wms", "Layer 1", Some("wms"))));
        assert!(!kept.is_duplicate(&res("https://a/wms", "Layer 2", Some("wms"))));
        assert!(kept.is_duplicate(&res("https://a/wms", "Layer 2", Some("wms"))));
        // A plain resource after a service of the same URL is a duplicate, as in udata.
        assert!(kept.is_duplicate(&res("https://a/wms", "Capabilities", None)));
    }

    #[test]
    fn checksum_names() {
        assert_eq!(
            checksum_algorithm("http://spdx.org/rdf/terms#checksumAlgorithm_sha256"),
            Some("sha256")
        );
        assert_eq!(checksum_algorithm("SHA-1"), Some("sha1"));
        assert_eq!(checksum_algorithm("crc32"), None);
        assert_eq!(
            checksum_algorithm("http://dcat-ap.de/def/hashAlgorithms/sha/256"),
            Some("sha256")
        );
    }

    #[test]
    fn titles() {
        assert_eq!(
            default_title("https://x.org/a/data.csv", Some("csv")),
            "data.csv"
        );
        assert_eq!(
            default_title("https://x.org/api", Some("json")),
            "Ressource json"
        );
    }
}
