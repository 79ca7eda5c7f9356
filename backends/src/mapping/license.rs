//! License guessing against the reference list, like udata's `License.guess`
//! (udata/core/dataset/models.py).
//!
//! Remote catalogs name licenses by id (`odc-odbl`), URL (often with another scheme, a trailing
//! slash or `www.`), SPDX id, EU vocabulary URI, title or a loose variant of a title. The guesser
//! indexes the reference list once and tries, in order: the id, the URL and alternate URLs, the
//! title and alternate titles (case-, accent- and punctuation-insensitive), a looser URL match,
//! then titles within a small edit distance — and only answers when one license matches.

use std::collections::HashMap;

use common::model::License;

use super::text::slugify;

/// udata's `DEFAULT_LICENSE` id (`License.default()`): what udata stores when a remote dataset
/// names no license, or none that the reference list knows.
pub const DEFAULT_LICENSE: &str = "notspecified";

/// Guesses a [`License`] of the reference list from the free text of a remote catalog.
#[derive(Debug, Clone, Default)]
pub struct LicenseGuesser {
    licenses: Vec<License>,
    index: Index,
}

#[derive(Debug, Clone, Default)]
struct Index {
    /// Lower-case id → license.
    ids: HashMap<String, usize>,
    /// Slugified title → license.
    titles: HashMap<String, usize>,
    /// Slugified alternate title → licenses having it.
    alternate_titles: HashMap<String, Vec<usize>>,
    /// Normalised URL → license.
    urls: HashMap<String, usize>,
    /// Normalised alternate URL → licenses having it.
    alternate_urls: HashMap<String, Vec<usize>>,
    /// Title words of every license, for the fuzzy match.
    title_words: Vec<(usize, Vec<String>)>,
    /// Alternate title words of every license, for the fuzzy match.
    alternate_title_words: Vec<(usize, Vec<String>)>,
}

impl LicenseGuesser {
    /// A guesser over `licenses` (typically the `license` collection).
    pub fn new(licenses: Vec<License>) -> Self {
        let mut index = Index::default();
        for (i, license) in licenses.iter().enumerate() {
            index.ids.entry(license.id.to_lowercase()).or_insert(i);
            let title = slugify(&license.title);
            if !title.is_empty() {
                index.titles.entry(title.clone()).or_insert(i);
                index.title_words.push((i, words(&title)));
            }
            for alternate in &license.alternate_titles {
                let slug = slugify(alternate);
                if slug.is_empty() {
                    continue;
                }
                push_unique(index.alternate_titles.entry(slug.clone()).or_default(), i);
                index.alternate_title_words.push((i, words(&slug)));
            }
            if let Some(url) = license.url.as_deref().map(normalize_url) {
                if !url.is_empty() {
                    index.urls.entry(url).or_insert(i);
                }
            }
            for alternate in &license.alternate_urls {
                let url = normalize_url(alternate);
                if !url.is_empty() {
                    push_unique(index.alternate_urls.entry(url).or_default(), i);
                }
            }
        }
        Self { licenses, index }
    }

    /// A guesser over the reference list bundled with the harvester.
    pub fn builtin() -> Self {
        Self::new(common::model::license::builtin())
    }

    /// Every license of the reference list.
    pub fn all(&self) -> &[License] {
        &self.licenses
    }

    /// udata's `License.default()`: the [`DEFAULT_LICENSE`] of the reference list, `None` when
    /// the list lacks it.
    pub fn default_license(&self) -> Option<&License> {
        self.licenses.iter().find(|l| l.id == DEFAULT_LICENSE)
    }

    /// The license with this id (exact, else case-insensitive).
    pub fn get(&self, id: &str) -> Option<&License> {
        self.licenses.iter().find(|l| l.id == id).or_else(|| {
            self.index
                .ids
                .get(&id.trim().to_lowercase())
                .map(|&i| &self.licenses[i])
        })
    }

    /// The license `text` designates, or `None` when no single license matches.
    ///
    /// When the text contains a URL (`Licence Ouverte (https://…)`), the URL is tried first, then
    /// the rest of the text, as udata does.
    pub fn guess(&self, text: &str) -> Option<&License> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        match extract_first_url(text) {
            Some((url, rest)) => self.guess_one(url).or_else(|| self.guess_one(&rest)),
            None => self.guess_one(text),
        }
        .map(|i| &self.licenses[i])
    }

    /// The license of the first candidate that designates one (e.g. `license_id`, then
    /// `license_title`, then `license_url`).
    pub fn guess_first<'a>(
        &self,
        candidates: impl IntoIterator<Item = &'a str>,
    ) -> Option<&License> {
        candidates.into_iter().find_map(|c| self.guess(c))
    }

    fn guess_one(&self, text: &str) -> Option<usize> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let index = &self.index;
        let lower = text.to_lowercase();
        let slug = slugify(text);
        if let Some(&i) = index.ids.get(&lower).or_else(|| index.ids.get(&slug)) {
            return Some(i);
        }
        let is_url = looks_like_url(text);
        if is_url {
            let url = normalize_url(text);
            if let Some(i) = self.by_url(&url) {
                return Some(i);
            }
        }
        if slug.is_empty() {
            return None;
        }
        if let Some(&i) = index.titles.get(&slug) {
            return Some(i);
        }
        if let Some(i) = index.alternate_titles.get(&slug).and_then(|v| single(v)) {
            return Some(i);
        }
        if is_url {
            return self.by_url_loosely(&normalize_url(text));
        }
        let input = words(&slug);
        self.fuzzy(&index.title_words, &input)
            .or_else(|| self.fuzzy(&index.alternate_title_words, &input))
    }

    fn by_url(&self, url: &str) -> Option<usize> {
        if url.is_empty() {
            return None;
        }
        self.index
            .urls
            .get(url)
            .copied()
            .or_else(|| self.index.alternate_urls.get(url).and_then(|v| single(v)))
    }

    /// Relaxed URL match: without a trailing `legalcode`/`deed.xx`/`summary` page, or as the
    /// path prefix of exactly one license URL (`opendatacommons.org/licenses/odbl` →
    /// `…/odbl/summary/`).
    fn by_url_loosely(&self, url: &str) -> Option<usize> {
        let base = strip_license_page(url);
        if base != url {
            if let Some(i) = self.by_url(base) {
                return Some(i);
            }
        }
        if base.is_empty() || !base.contains('/') {
            return None;
        }
        let prefix = format!("{base}/");
        let mut found = Vec::new();
        let urls = self.index.urls.iter().map(|(u, &i)| (u, i));
        let alternates = self
            .index
            .alternate_urls
            .iter()
            .flat_map(|(u, v)| v.iter().map(move |&i| (u, i)));
        for (candidate, i) in urls.chain(alternates) {
            if candidate.starts_with(&prefix) || strip_license_page(candidate) == base {
                push_unique(&mut found, i);
            }
        }
        single(&found)
    }

    /// The single license one of whose titles is within a small edit distance of `input`.
    fn fuzzy(&self, titles: &[(usize, Vec<String>)], input: &[String]) -> Option<usize> {
        let mut found = Vec::new();
        for (i, title) in titles {
            if close_enough(input, title) {
                push_unique(&mut found, *i);
            }
        }
        single(&found)
    }
}

fn push_unique(v: &mut Vec<usize>, i: usize) {
    if !v.contains(&i) {
        v.push(i);
    }
}

fn single(v: &[usize]) -> Option<usize> {
    match v {
        [i] => Some(*i),
        _ => None,
    }
}

fn words(slug: &str) -> Vec<String> {
    slug.split('-')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Word-by-word comparison: same number of words; numbers, versions and short words (`by`,
/// `sa`, `nc`, `v2`) must be equal; longer words may differ by one edit (5–7 letters) or two
/// (8+ letters); at most two edits in all. `Licence Ouverte` ≈ `License Ouverte`, but
/// `CC BY-NC` ≉ `CC BY-SA` and `v2` ≉ `v3`.
fn close_enough(input: &[String], title: &[String]) -> bool {
    if input.len() != title.len() || input.is_empty() {
        return false;
    }
    let mut total = 0;
    for (a, b) in input.iter().zip(title) {
        if a == b {
            continue;
        }
        let alphabetic = |w: &str| w.bytes().all(|c| c.is_ascii_alphabetic());
        let len = a.len().min(b.len());
        if !alphabetic(a) || !alphabetic(b) || len < 5 {
            return false;
        }
        let allowed = if len <= 7 { 1 } else { 2 };
        let distance = strsim::levenshtein(a, b);
        if distance > allowed {
            return false;
        }
        total += distance;
        if total > 2 {
            return false;
        }
    }
    true
}

fn looks_like_url(text: &str) -> bool {
    let lower = text.trim().to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("www.")
}

/// Scheme, `www.`, case, fragment and trailing slashes do not matter when comparing license URLs.
fn normalize_url(url: &str) -> String {
    let lower = url.trim().to_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .unwrap_or(&lower);
    let rest = rest.strip_prefix("www.").unwrap_or(rest);
    let rest = rest.split('#').next().unwrap_or_default();
    rest.trim_end_matches('/').to_string()
}

/// `…/by/4.0/legalcode.fr` → `…/by/4.0`; `…/odbl/summary` → `…/odbl`; other URLs unchanged.
fn strip_license_page(url: &str) -> &str {
    let Some((head, last)) = url.rsplit_once('/') else {
        return url;
    };
    let page = last.split('.').next().unwrap_or_default();
    if matches!(page, "legalcode" | "deed" | "summary" | "index") {
        head.trim_end_matches('/')
    } else {
        url
    }
}

/// The first `http(s)://` URL in `text` (without trailing punctuation) and the text around it.
fn extract_first_url(text: &str) -> Option<(&str, String)> {
    let lower = text.to_ascii_lowercase();
    let start = match (lower.find("http://"), lower.find("https://")) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b)?,
    };
    let tail = &text[start..];
    let end = tail.find(char::is_whitespace).unwrap_or(tail.len());
    let url = tail[..end].trim_end_matches(['.', ',', ';', ')', ']', '>', '"', '\'']);
    if url.len() <= "https://".len() {
        return None;
    }
    let rest = format!("{}{}", &text[..start], &tail[url.len()..]);
    Some((url, rest.trim().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn license(id: &str, title: &str) -> License {
        License {
            id: id.to_string(),
            title: title.to_string(),
            alternate_titles: Vec::new(),
            slug: slugify(title),
            url: None,
            alternate_urls: Vec::new(),
            maintainer: None,
            flags: Vec::new(),
            active: true,
        }
    }

    fn guess_id(g: &LicenseGuesser, text: &str) -> Option<String> {
        g.guess(text).map(|l| l.id.clone())
    }

    fn builtin() -> LicenseGuesser {
        LicenseGuesser::builtin()
    }

    #[test]
    fn bundled_list_is_loaded() {
        let g = builtin();
        assert_eq!(g.all().len(), 13);
        assert_eq!(
            g.get("lov2").map(|l| l.title.as_str()),
            Some("Licence Ouverte / Open Licence version 2.0")
        );
        assert_eq!(g.get("ODC-ODBL").map(|l| l.id.as_str()), Some("odc-odbl"));
        assert!(g.get("nope").is_none());
        for l in g.all() {
            assert_eq!(l.slug, slugify(&l.title), "slug of {}", l.id);
        }
    }

    #[test]
    fn bundled_titles_do_not_clash() {
        let g = builtin();
        for (slug, owners) in &g.index.alternate_titles {
            assert_eq!(owners.len(), 1, "alternate title {slug} shared");
            if let Some(&i) = g.index.titles.get(slug) {
                assert_eq!(i, owners[0], "alternate title {slug} is another title");
            }
        }
        for (url, owners) in &g.index.alternate_urls {
            assert_eq!(owners.len(), 1, "alternate url {url} shared");
        }
    }

    #[test]
    fn exact_ids() {
        let g = builtin();
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
            assert_eq!(guess_id(&g, id).as_deref(), Some(id), "{id}");
            assert_eq!(
                guess_id(&g, &id.to_uppercase()).as_deref(),
                Some(id),
                "{id}"
            );
            assert_eq!(
                guess_id(&g, &format!("  {id} ")).as_deref(),
                Some(id),
                "{id}"
            );
        }
    }

    #[test]
    fn spdx_ids() {
        let g = builtin();
        let cases = [
            ("etalab-2.0", "lov2"),
            ("CC-BY-4.0", "cc-by"),
            ("CC-BY-3.0", "cc-by"),
            ("CC-BY-SA-4.0", "cc-by-sa"),
            ("CC0-1.0", "cc-zero"),
            ("ODbL-1.0", "odc-odbl"),
            ("PDDL-1.0", "odc-pddl"),
            ("ODC-By-1.0", "odc-by"),
        ];
        for (text, id) in cases {
            assert_eq!(guess_id(&g, text).as_deref(), Some(id), "{text}");
        }
    }

    #[test]
    fn urls_and_alternate_urls() {
        let g = builtin();
        let cases = [
            ("https://www.etalab.gouv.fr/licence-ouverte-open-licence", "lov2"),
            ("http://www.etalab.gouv.fr/licence-ouverte-open-licence/", "lov2"),
            ("https://etalab.gouv.fr/licence-ouverte-open-licence", "lov2"),
            ("HTTPS://WWW.ETALAB.GOUV.FR/licence-ouverte-open-licence", "lov2"),
            (
                "https://www.etalab.gouv.fr/wp-content/uploads/2017/04/ETALAB-Licence-Ouverte-v2.0.pdf",
                "lov2",
            ),
            ("https://spdx.org/licenses/etalab-2.0", "lov2"),
            ("https://spdx.org/licenses/etalab-2.0.html", "lov2"),
            (
                "https://www.etalab.gouv.fr/wp-content/uploads/2014/05/Licence_Ouverte.pdf",
                "fr-lo",
            ),
            ("http://opendatacommons.org/licenses/odbl/summary/", "odc-odbl"),
            ("https://opendatacommons.org/licenses/odbl/1-0/", "odc-odbl"),
            ("https://opendatacommons.org/licenses/odbl/", "odc-odbl"),
            ("https://opendatacommons.org/licenses/odbl", "odc-odbl"),
            ("http://opendatacommons.org/licenses/by/1.0/", "odc-by"),
            ("http://opendatacommons.org/licenses/pddl/1.0/", "odc-pddl"),
            ("https://creativecommons.org/licenses/by/4.0/", "cc-by"),
            ("http://creativecommons.org/licenses/by/4.0", "cc-by"),
            ("https://creativecommons.org/licenses/by/4.0/legalcode", "cc-by"),
            ("https://creativecommons.org/licenses/by/4.0/legalcode.fr", "cc-by"),
            ("https://creativecommons.org/licenses/by/4.0/deed.en", "cc-by"),
            ("https://creativecommons.org/licenses/by/3.0/fr/", "cc-by"),
            ("https://creativecommons.org/licenses/by-sa/4.0/", "cc-by-sa"),
            ("https://creativecommons.org/licenses/by-sa/3.0/legalcode", "cc-by-sa"),
            ("https://creativecommons.org/publicdomain/zero/1.0/", "cc-zero"),
            ("https://creativecommons.org/publicdomain/zero/1.0/legalcode", "cc-zero"),
            ("http://www.opendefinition.org/licenses/cc-by", "cc-by"),
            ("https://opendefinition.org/licenses/odc-odbl", "odc-odbl"),
            (
                "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0",
                "cc-by",
            ),
            (
                "http://publications.europa.eu/resource/authority/licence/CC_BYSA_4_0",
                "cc-by-sa",
            ),
            ("http://publications.europa.eu/resource/authority/licence/CC0", "cc-zero"),
            ("http://publications.europa.eu/resource/authority/licence/ODC_BL", "odc-odbl"),
            ("http://publications.europa.eu/resource/authority/licence/ODC_BY", "odc-by"),
            ("http://publications.europa.eu/resource/authority/licence/ODC_PDDL", "odc-pddl"),
        ];
        for (text, id) in cases {
            assert_eq!(guess_id(&g, text).as_deref(), Some(id), "{text}");
        }
    }

    #[test]
    fn unknown_or_ambiguous_urls() {
        let g = builtin();
        for text in [
            "https://creativecommons.org/licenses/by-nc/4.0/",
            "https://creativecommons.org/licenses",
            "https://example.org/license",
            "https://opendatacommons.org/",
            "http://publications.europa.eu/resource/authority/licence/CC_BYNC_4_0",
        ] {
            assert_eq!(guess_id(&g, text), None, "{text}");
        }
    }

    #[test]
    fn url_inside_text() {
        let g = builtin();
        assert_eq!(
            guess_id(
                &g,
                "Here is my license: https://opendatacommons.org/licenses/odbl/1-0/."
            )
            .as_deref(),
            Some("odc-odbl")
        );
        assert_eq!(
            guess_id(&g, "Licence Ouverte v2.0 (https://example.org/unknown)").as_deref(),
            Some("lov2")
        );
    }

    #[test]
    fn titles_and_alternate_titles() {
        let g = builtin();
        let cases = [
            ("Licence Ouverte / Open Licence version 2.0", "lov2"),
            ("licence ouverte / open licence version 2.0", "lov2"),
            ("Licence Ouverte v2.0", "lov2"),
            ("Licence Ouverte (Etalab)", "lov2"),
            ("Licence ouverte", "lov2"),
            ("License Ouverte", "lov2"),
            ("Licence Ouverte / Open Licence", "fr-lo"),
            ("Licence Ouverte v1.0", "fr-lo"),
            ("LO/OL", "fr-lo"),
            ("Open Data Commons Open Database License (ODbL)", "odc-odbl"),
            ("Open Database License (ODbL)", "odc-odbl"),
            ("ODbL", "odc-odbl"),
            ("odbl", "odc-odbl"),
            ("Creative Commons Attribution", "cc-by"),
            ("Creative Commons Attribution 4.0 International", "cc-by"),
            ("CC BY 4.0", "cc-by"),
            ("CC-BY", "cc-by"),
            ("Creative Commons Attribution Share-Alike", "cc-by-sa"),
            ("CC BY-SA 4.0", "cc-by-sa"),
            ("Creative Commons CCZero", "cc-zero"),
            ("CC0", "cc-zero"),
            ("Open Data Commons Attribution License", "odc-by"),
            (
                "Open Data Commons Public Domain Dedication and Licence (PDDL)",
                "odc-pddl",
            ),
            ("License Not Specified", "notspecified"),
            ("Other (Open)", "other-open"),
            ("Other (Attribution)", "other-at"),
            ("Other (Public Domain)", "other-pd"),
            ("Other (Not Open)", "other-closed"),
            ("Creative Commons Paternité", "cc-by"),
            ("LICENCE OUVERTE V2.0", "lov2"),
        ];
        for (text, id) in cases {
            assert_eq!(guess_id(&g, text).as_deref(), Some(id), "{text}");
        }
    }

    #[test]
    fn fuzzy_titles() {
        let g = builtin();
        let cases = [
            ("Open Data Commons Open Database Licence (ODbL)", "odc-odbl"),
            ("Creative Commons Atribution", "cc-by"),
            ("Licence Ouvert / Open Licence version 2.0", "lov2"),
            ("Open Data Comons Attribution License", "odc-by"),
            ("Creative Commons Attribution Share Alike", "cc-by-sa"),
        ];
        for (text, id) in cases {
            assert_eq!(guess_id(&g, text).as_deref(), Some(id), "{text}");
        }
    }

    #[test]
    fn no_guess_for_unrelated_or_close_but_different() {
        let g = builtin();
        for text in [
            "",
            "   ",
            "should not be found",
            "CC BY-NC 4.0",
            "CC-BY-NC-SA",
            "Creative Commons BY-ND",
            "Licence Ouverte v3.0",
            "GPL-3.0",
            "MIT",
            "cc",
            "by",
            "---",
        ] {
            assert_eq!(guess_id(&g, text), None, "{text:?}");
        }
    }

    #[test]
    fn guess_first_candidate() {
        let g = builtin();
        assert_eq!(
            g.guess_first(["", "should not match", "odc-odbl", "cc-by"])
                .map(|l| l.id.as_str()),
            Some("odc-odbl")
        );
        assert_eq!(
            g.guess_first(["cc-by", "should not match"])
                .map(|l| l.id.as_str()),
            Some("cc-by")
        );
        assert!(g.guess_first(["nope", "nada"]).is_none());
        assert!(g.guess_first(Vec::<&str>::new()).is_none());
    }

    #[test]
    fn custom_list_like_udata_tests() {
        let mut a = license("CAPS-ID", "License ODBl");
        a.url = Some("https://example.com/license".into());
        let mut b = license("other", "Something Else Entirely");
        b.alternate_urls = vec!["http://example.com/alternate/".into()];
        let g = LicenseGuesser::new(vec![a, b]);
        assert_eq!(guess_id(&g, "CAPS-ID").as_deref(), Some("CAPS-ID"));
        assert_eq!(guess_id(&g, "caps-id").as_deref(), Some("CAPS-ID"));
        assert_eq!(
            guess_id(&g, "https://example.com/license/").as_deref(),
            Some("CAPS-ID")
        );
        assert_eq!(
            guess_id(&g, "http://example.com/license").as_deref(),
            Some("CAPS-ID")
        );
        assert_eq!(guess_id(&g, "https://example.com/licenseb"), None);
        assert_eq!(
            guess_id(&g, "https://example.com/alternate").as_deref(),
            Some("other")
        );
        assert_eq!(guess_id(&g, "License  ODBl").as_deref(), Some("CAPS-ID"));
        assert_eq!(guess_id(&g, "License ODBL").as_deref(), Some("CAPS-ID"));
        assert_eq!(guess_id(&g, "Licence ODBL").as_deref(), Some("CAPS-ID"));
    }

    #[test]
    fn ambiguous_alternate_titles_give_nothing() {
        let mut a = license("a", "First");
        a.alternate_titles = vec!["Licence Ouverte v2".into()];
        let mut b = license("b", "Second");
        b.alternate_titles = vec!["Licence Ouverte v2".into()];
        let g = LicenseGuesser::new(vec![a, b]);
        assert_eq!(guess_id(&g, "Licence Ouverte v2"), None);
    }

    #[test]
    fn title_wins_over_alternate_title() {
        let a = license("a", "Shared Title");
        let mut b = license("b", "Other");
        b.alternate_titles = vec!["Shared Title".into()];
        let g = LicenseGuesser::new(vec![b, a]);
        assert_eq!(guess_id(&g, "shared title").as_deref(), Some("a"));
    }

    #[test]
    fn empty_guesser() {
        let g = LicenseGuesser::default();
        assert!(g.all().is_empty());
        assert!(g.guess("cc-by").is_none());
        assert!(g.get("cc-by").is_none());
    }

    #[test]
    fn url_helpers() {
        assert_eq!(
            normalize_url("HTTPS://WWW.Example.org/A/#x"),
            "example.org/a"
        );
        assert_eq!(normalize_url("http://example.org//"), "example.org");
        assert_eq!(
            strip_license_page("cc.org/by/4.0/legalcode.fr"),
            "cc.org/by/4.0"
        );
        assert_eq!(strip_license_page("cc.org/by/4.0"), "cc.org/by/4.0");
        assert_eq!(
            extract_first_url("see https://x.org/l). ok").map(|(u, r)| (u.to_string(), r)),
            Some(("https://x.org/l".to_string(), "see ). ok".to_string()))
        );
        assert_eq!(extract_first_url("no url here"), None);
        assert_eq!(extract_first_url("https://"), None);
    }
}
