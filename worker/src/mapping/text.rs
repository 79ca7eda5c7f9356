//! Text clean-up shared by every backend: slugs and tags the way udata normalises them
//! (udata/tags.py: `slugify(value.lower())`, then the `TAG_MIN_LENGTH`/`TAG_MAX_LENGTH` bounds),
//! single-line titles, and a readable title for a resource that has none.
//!
//! Remote catalogs send tags and titles in every shape (accents, capitals, stray spaces,
//! duplicates); normalising them here keeps datasets comparable across backends and harvests.

use std::collections::HashSet;

/// udata `TAG_MIN_LENGTH` (udata/settings.py): shorter tags are dropped.
pub const TAG_MIN_LENGTH: usize = 3;
/// udata `TAG_MAX_LENGTH` (udata/settings.py): longer tags are cut to this length.
pub const TAG_MAX_LENGTH: usize = 96;

/// udata-style slug: transliterated to ASCII (accents removed, `œ` → `oe`), lower case, every run
/// of non-alphanumeric characters turned into one `-`, no leading or trailing `-`.
///
/// `slugify("Élections municipales 2020")` is `"elections-municipales-2020"`.
pub fn slugify(s: &str) -> String {
    let ascii = deunicode::deunicode(s);
    let mut out = String::with_capacity(ascii.len());
    let mut pending_dash = false;
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.push(c.to_ascii_lowercase());
        } else {
            pending_dash = true;
        }
    }
    out
}

/// Tags as udata stores them: slugified, duplicates removed (first occurrence wins, order kept),
/// tags shorter than [`TAG_MIN_LENGTH`] dropped, tags longer than [`TAG_MAX_LENGTH`] cut to it
/// (as udata's `tags.normalize` does for harvested tags).
pub fn normalize_tags<I, S>(tags: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for tag in tags {
        let Some(tag) = normalize_tag(tag.as_ref()) else {
            continue;
        };
        if seen.insert(tag.clone()) {
            out.push(tag);
        }
    }
    out
}

fn normalize_tag(tag: &str) -> Option<String> {
    let mut slug = slugify(tag);
    if slug.len() > TAG_MAX_LENGTH {
        // A slug is ASCII: cutting at a byte index is cutting at a char boundary.
        slug.truncate(TAG_MAX_LENGTH);
        let trimmed = slug.trim_end_matches('-').len();
        slug.truncate(trimmed);
    }
    (slug.len() >= TAG_MIN_LENGTH).then_some(slug)
}

/// A single-line field (title, name…): trimmed, every run of whitespace (newlines, tabs,
/// non-breaking spaces) collapsed to one space, control characters removed. `None` when nothing
/// is left.
pub fn clean_text(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            pending_space = true;
        } else if c.is_control() || is_invisible(c) {
            continue;
        } else {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Zero-width characters and byte order marks that some portals leave in their titles.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}'
    )
}

/// A title for a resource that has none: the last segment of the URL path, percent-decoded
/// (`https://x.org/files/r%C3%A9sultats.csv?v=2` → `résultats.csv`), else the host, else the
/// trimmed input itself.
pub fn title_from_url(url: &str) -> String {
    let url = url.trim();
    if let Ok(parsed) = url::Url::parse(url) {
        if let Some(segment) = parsed
            .path_segments()
            .and_then(|mut segments| segments.rfind(|s| !s.is_empty()))
        {
            if let Some(title) = clean_text(&percent_decode(segment)) {
                return title;
            }
        }
        if let Some(host) = parsed.host_str() {
            return host.to_string();
        }
        return url.to_string();
    }
    // Not an absolute URL: cut query and fragment, keep the last non-empty path segment.
    let path = url.split(['?', '#']).next().unwrap_or_default();
    path.rsplit('/')
        .find(|s| !s.is_empty())
        .and_then(|s| clean_text(&percent_decode(s)))
        .unwrap_or_else(|| url.to_string())
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugify_like_udata() {
        assert_eq!(slugify("Hello World"), "hello-world");
        assert_eq!(
            slugify("Élections municipales 2020"),
            "elections-municipales-2020"
        );
        assert_eq!(slugify("  --Trim me--  "), "trim-me");
        assert_eq!(slugify("a  b\t\nc"), "a-b-c");
        assert_eq!(slugify("L'œuvre d'art"), "l-oeuvre-d-art");
        assert_eq!(slugify("Straße"), "strasse");
        assert_eq!(slugify("ça_et_là"), "ca-et-la");
        assert_eq!(slugify("C++ / Rust!"), "c-rust");
        assert_eq!(slugify("Licence Ouverte v2.0"), "licence-ouverte-v2-0");
        assert_eq!(slugify(""), "");
        assert_eq!(slugify("!!!"), "");
        assert_eq!(slugify("ÀÉÎÕÜ"), "aeiou");
    }

    #[test]
    fn tags_are_slugified_deduplicated_and_ordered() {
        assert_eq!(
            normalize_tags(["Transport", "transport", "Vélo", "velo", "Mobilité douce"]),
            vec!["transport", "velo", "mobilite-douce"]
        );
    }

    #[test]
    fn short_tags_are_dropped() {
        assert_eq!(
            normalize_tags(["ab", "a", "", "  ", "abc", "é"]),
            vec!["abc"]
        );
        // Length is measured after slugification: "a-b" is 3 characters.
        assert_eq!(normalize_tags(["a b"]), vec!["a-b"]);
    }

    #[test]
    fn long_tags_are_cut_to_udata_max() {
        let long = "x".repeat(120);
        let tags = normalize_tags([long.as_str()]);
        assert_eq!(tags.len(), 1);
        assert_eq!(tags[0].len(), TAG_MAX_LENGTH);
        // A cut that ends on a separator does not leave a trailing dash.
        let words = format!("{} yyyy", "x".repeat(95));
        assert_eq!(normalize_tags([words.as_str()]), vec!["x".repeat(95)]);
        let exact = "z".repeat(96);
        assert_eq!(normalize_tags([exact.as_str()]), vec![exact.clone()]);
    }

    #[test]
    fn tags_accept_owned_strings() {
        let owned = vec![String::from("Économie"), String::from("economie")];
        assert_eq!(normalize_tags(owned), vec!["economie"]);
        assert!(normalize_tags(Vec::<String>::new()).is_empty());
    }

    #[test]
    fn clean_text_collapses_whitespace() {
        assert_eq!(
            clean_text("  Hello \n\t world  ").as_deref(),
            Some("Hello world")
        );
        assert_eq!(clean_text("a\u{00A0}\u{00A0}b").as_deref(), Some("a b"));
        assert_eq!(
            clean_text("zero\u{200B}width").as_deref(),
            Some("zerowidth")
        );
        assert_eq!(clean_text("\u{FEFF}Titre").as_deref(), Some("Titre"));
        assert_eq!(clean_text("bell\u{0007}"), Some("bell".to_string()));
        assert_eq!(clean_text(""), None);
        assert_eq!(clean_text(" \n\t "), None);
        assert_eq!(clean_text("Déjà vu").as_deref(), Some("Déjà vu"));
    }

    #[test]
    fn title_from_url_uses_last_segment() {
        assert_eq!(
            title_from_url("https://example.org/files/data.csv"),
            "data.csv"
        );
        assert_eq!(
            title_from_url("https://example.org/files/r%C3%A9sultats%202020.csv?v=2#top"),
            "résultats 2020.csv"
        );
        assert_eq!(
            title_from_url("https://example.org/api/records/"),
            "records"
        );
        assert_eq!(title_from_url("https://example.org/"), "example.org");
        assert_eq!(title_from_url("https://example.org"), "example.org");
        assert_eq!(title_from_url("  https://example.org/a/b  "), "b");
    }

    #[test]
    fn title_from_url_without_scheme() {
        assert_eq!(title_from_url("files/export.json?x=1"), "export.json");
        assert_eq!(title_from_url("nothing"), "nothing");
        assert_eq!(title_from_url("/a%20b/"), "a b");
        assert_eq!(title_from_url(""), "");
        // Invalid percent-encoding does not panic.
        assert_eq!(
            title_from_url("https://example.org/%FF%FE.csv"),
            "\u{FFFD}\u{FFFD}.csv"
        );
    }
}
