//! Repair of the two term-level mistakes real catalogs make, shared by the Turtle-family
//! ([`super::repair`]) and RDF/XML ([`super::xml`]) repairs: an IRI holding characters RFC 3987
//! forbids (a space in a GeoNetwork `rdf:about`, a `%` not followed by two hex digits, a
//! replacement character from a lossy decoding) and a language tag that is not BCP 47.
//!
//! The strict parsers refuse the whole document for either one ("Invalid IRI code point"), so
//! the repaired document is parsed again and only the repaired term differs: an IRI is
//! percent-encoded (what a browser does with the same link), a language tag is fixed when the
//! fix is unambiguous (`fr_FR` → `fr-FR`) and otherwise dropped, the literal kept as plain text.

use std::borrow::Cow;

/// Whether `c` may appear in an IRI as written (RFC 3987 `iunreserved`, `reserved`, `%`, and
/// the private-use ranges allowed in queries).
fn iri_char_ok(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric()
            || matches!(
                c,
                '-' | '.'
                    | '_'
                    | '~'
                    | ':'
                    | '/'
                    | '?'
                    | '#'
                    | '['
                    | ']'
                    | '@'
                    | '!'
                    | '$'
                    | '&'
                    | '\''
                    | '('
                    | ')'
                    | '*'
                    | '+'
                    | ','
                    | ';'
                    | '='
                    | '%'
            );
    }
    let u = c as u32;
    match u {
        0xA0..=0xD7FF | 0xE000..=0xFDCF | 0xFDF0..=0xFFEF => true,
        // Planes 1 to 16, except the two non-characters ending each plane.
        0x10000.. => (u & 0xFFFF) < 0xFFFE,
        _ => false,
    }
}

/// The IRI with every character RFC 3987 forbids percent-encoded (UTF-8 bytes) and surrounding
/// whitespace trimmed; `None` when it needed nothing.
pub(crate) fn fix_iri(iri: &str) -> Option<String> {
    let trimmed = iri.trim();
    let bytes = trimmed.as_bytes();
    // A character stays when IRIs allow it and, for `%`, when it starts an escape.
    let keep = |i: usize, c: char| iri_char_ok(c) && (c != '%' || pct_escape_at(bytes, i));
    let needs = trimmed.len() != iri.len() || trimmed.char_indices().any(|(i, c)| !keep(i, c));
    if !needs {
        return None;
    }
    let mut out = String::with_capacity(trimmed.len() + 16);
    for (i, c) in trimmed.char_indices() {
        if keep(i, c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    Some(out)
}

/// Whether the `%` at byte `i` starts a `%HH` escape.
fn pct_escape_at(bytes: &[u8], i: usize) -> bool {
    bytes.len() > i + 2 && bytes[i + 1].is_ascii_hexdigit() && bytes[i + 2].is_ascii_hexdigit()
}

/// What to do with a language tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LangFix<'a> {
    /// Valid as it is.
    Keep,
    /// Replaced by a valid tag (`fr_FR` → `fr-FR`).
    Fixed(Cow<'a, str>),
    /// Not a tag: dropped, the literal becomes a plain string.
    Drop,
}

pub(crate) fn is_valid_lang(tag: &str) -> bool {
    !tag.is_empty() && sophia::api::term::LanguageTag::new(tag.to_owned()).is_ok()
}

/// Repair a language tag: surrounding spaces removed, `_` read as `-`; anything still invalid
/// is dropped (never guessed from a part of it).
pub(crate) fn fix_lang(tag: &str) -> LangFix<'_> {
    if is_valid_lang(tag) {
        return LangFix::Keep;
    }
    let fixed = tag.trim().replace('_', "-");
    if is_valid_lang(&fixed) {
        LangFix::Fixed(Cow::Owned(fixed))
    } else {
        LangFix::Drop
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_only_what_is_forbidden() {
        assert_eq!(fix_iri("http://x/a b").as_deref(), Some("http://x/a%20b"));
        assert_eq!(fix_iri(" http://x/a ").as_deref(), Some("http://x/a"));
        assert_eq!(fix_iri("http://x/100%").as_deref(), Some("http://x/100%25"));
        assert_eq!(
            fix_iri("http://x/a\u{FFFD}").as_deref(),
            Some("http://x/a%EF%BF%BD")
        );
        assert_eq!(
            fix_iri("http://x/{id}").as_deref(),
            Some("http://x/%7Bid%7D")
        );
        for ok in [
            "http://x/a%20b?q=1&r=é#f",
            "fr-200053742/2019/limite/bud",
            "urn:x:y",
        ] {
            assert_eq!(fix_iri(ok), None, "{ok}");
        }
    }

    #[test]
    fn language_tags() {
        assert_eq!(fix_lang("fr"), LangFix::Keep);
        assert_eq!(fix_lang("fr_FR"), LangFix::Fixed(Cow::Borrowed("fr-FR")));
        assert_eq!(fix_lang("fr-FR-x-!!"), LangFix::Drop);
        assert_eq!(fix_lang(""), LangFix::Drop);
    }
}
