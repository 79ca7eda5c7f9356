//! Text clean-up shared by every backend: slugs (dataset slugs, license matching), single-line
//! titles, and a readable title for a resource that has none. Tags have their own rules, in
//! [`super::tags`].
//!
//! Remote catalogs send titles in every shape (accents, capitals, stray spaces, invisible
//! characters); normalising them here keeps datasets comparable across backends and harvests.

/// udata-style slug: transliterated to ASCII (accents removed, `œ` → `oe`), lower case, every run
/// of non-alphanumeric characters turned into one `-`, no leading or trailing `-`.
///
/// `slugify("Élections municipales 2020")` is `"elections-municipales-2020"`.
pub fn slugify(s: &str) -> String {
    hyphenate(&deunicode::deunicode(s), &[])
}

/// The ASCII alphanumerics of `ascii`, lower case, every run of other characters turned into one
/// `-` (none leading or trailing); the `dropped` characters vanish without separating words.
/// The common ground of [`slugify`] and of udata's tag slug ([`super::tags::tag_slug`]).
pub(super) fn hyphenate(ascii: &str, dropped: &[char]) -> String {
    let mut out = String::with_capacity(ascii.len());
    let mut pending_dash = false;
    for c in ascii.chars() {
        if dropped.contains(&c) {
            continue;
        }
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
