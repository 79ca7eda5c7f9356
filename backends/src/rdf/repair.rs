//! Repair of the Turtle-family mistakes real catalogs make, so that one sloppy value does not cost
//! the whole page: IRIs containing spaces or other characters IRIs forbid (`<http://x/a b.csv>`)
//! are percent-encoded, language tags that are not BCP 47 (`"…"@fr_FR`) are fixed (`fr-FR`) or
//! dropped ([`super::iri_fix`]). Each repair is reported with the repaired term, so the items it
//! touches can carry a note.
//!
//! This is a lexer, not a parser: it tracks comments, string literals (short and long, both
//! quotes, escapes) and IRI references, which is all it takes to find those two tokens in
//! Turtle, TriG, N-Triples, N-Quads and the Turtle subset of N3. It only runs after a strict
//! parse failed, and the repaired text is parsed strictly again.

use super::iri_fix::{fix_iri as fix_iri_text, fix_lang, LangFix};
use super::notes::Repair;

/// The repaired text and one note per repair, or `None` when nothing needed repairing.
pub(crate) fn repair_turtle(text: &str) -> Option<(String, Vec<Repair>)> {
    let mut out = String::with_capacity(text.len() + 64);
    let mut fixes = Vec::new();
    let mut rest = text;
    let mut after_string = false;
    while let Some(c) = rest.chars().next() {
        match c {
            '#' => {
                let end = rest.find('\n').unwrap_or(rest.len());
                out.push_str(&rest[..end]);
                rest = &rest[end..];
                after_string = false;
            }
            '"' | '\'' => {
                let len = string_len(rest, c);
                out.push_str(&rest[..len]);
                rest = &rest[len..];
                after_string = true;
            }
            '@' if after_string => {
                // A tag runs to the next delimiter: a sloppy one (`@fr-FR-x-!!`) is read whole,
                // so that dropping it leaves valid Turtle.
                let tag_len = rest[1..]
                    .find(|c: char| {
                        c.is_whitespace()
                            || matches!(c, '.' | ';' | ',' | ')' | ']' | '}' | '#' | '<' | '"')
                    })
                    .map_or(rest.len() - 1, |i| i);
                let tag = &rest[1..1 + tag_len];
                match fix_lang(tag) {
                    LangFix::Keep => {
                        out.push('@');
                        out.push_str(tag);
                    }
                    LangFix::Fixed(fixed) => {
                        fixes.push(Repair::note(format!(
                            "language tag {tag:?} read as {fixed:?}"
                        )));
                        out.push('@');
                        out.push_str(&fixed);
                    }
                    LangFix::Drop => fixes.push(Repair::note(format!(
                        "invalid language tag {tag:?} dropped (the literal is kept as plain text)"
                    ))),
                }
                rest = &rest[1 + tag_len..];
                after_string = false;
            }
            '^' if rest.starts_with("^^<<") && !rest.starts_with("^^<<(") => {
                // A doubled '<' in a datatype IRI (`^^<<http://…>`): a typo, not RDF-star.
                out.push_str("^^");
                rest = &rest[3..];
                fixes.push(Repair::note(
                    "doubled '<' in a datatype IRI removed".to_owned(),
                ));
                after_string = false;
            }
            '<' if !rest.starts_with("<<") && !rest.starts_with("<=") => {
                match iri_len(rest) {
                    Some(len) => {
                        let inner = &rest[1..len - 1];
                        out.push('<');
                        match fix_iri(inner) {
                            Some(fixed) => {
                                fixes.push(Repair::on_iri(
                                    format!("invalid IRI <{inner}> percent-encoded as <{fixed}>"),
                                    fixed.clone(),
                                ));
                                out.push_str(&fixed);
                            }
                            None => out.push_str(inner),
                        }
                        out.push('>');
                        rest = &rest[len..];
                    }
                    None => {
                        out.push('<');
                        rest = &rest[1..];
                    }
                }
                after_string = false;
            }
            _ => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
                after_string = false;
            }
        }
    }
    (!fixes.is_empty()).then_some((out, fixes))
}

/// Length in bytes of the string literal at the start of `s` (opening quote `q`).
fn string_len(s: &str, q: char) -> usize {
    let triple: String = std::iter::repeat_n(q, 3).collect();
    let (open, close) = if s.starts_with(&triple) {
        (3, triple.as_str())
    } else {
        (1, &triple[..1])
    };
    let body = &s[open..];
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        if c == '\\' {
            escaped = true;
            continue;
        }
        if open == 1 && c == '\n' {
            // Unterminated short string: stop at the end of the line.
            return open + i;
        }
        if body[i..].starts_with(close) {
            // A long string may end with extra quotes (`""""` closes with one quote inside).
            let mut end = i + close.len();
            if open == 3 {
                while body[end..].starts_with(q) {
                    end += 1;
                }
            }
            return open + end;
        }
    }
    s.len()
}

/// Length of the IRI reference `<…>` at the start of `s`, if it looks like one (ends on the same
/// line, reasonably short).
fn iri_len(s: &str) -> Option<usize> {
    let body = &s[1..];
    let end = body.find(['>', '\n', '<'])?;
    if !body[end..].starts_with('>') || end > 8192 {
        return None;
    }
    Some(end + 2)
}

/// An IRI reference's repaired text; Turtle `\u` escapes are left to the parser.
fn fix_iri(inner: &str) -> Option<String> {
    if inner.contains('\\') {
        return None;
    }
    fix_iri_text(inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repairs_iris_and_tags_but_not_strings() {
        let ttl = "@prefix dct: <http://purl.org/dc/terms/> .\n\
                   <http://x.org/a b> dct:title \"see <http://x/y z>\"@fr_FR ; # <a b>\n\
                   dct:description '''long \"\"\" @en_US'''@en .";
        let (out, fixes) = repair_turtle(ttl).expect("repaired");
        assert_eq!(fixes.len(), 2, "{fixes:?}");
        assert!(out.contains("<http://x.org/a%20b>"), "{out}");
        assert!(out.contains("\"see <http://x/y z>\"@fr-FR"), "{out}");
        assert!(out.contains("# <a b>"), "{out}");
        assert!(out.contains("'''long \"\"\" @en_US'''@en"), "{out}");
    }

    #[test]
    fn doubled_angle_bracket_in_datatype() {
        let (out, fixes) = repair_turtle("<a:b> <a:c> \"2020\"^^<<http://x/d> .").unwrap();
        assert_eq!(fixes.len(), 1);
        assert!(out.contains("\"2020\"^^<http://x/d>"), "{out}");
    }

    #[test]
    fn garbage_language_tag_is_dropped_whole() {
        let (out, fixes) = repair_turtle("<http://a> <http://b> \"x\"@fr-FR-x-!! .").unwrap();
        assert_eq!(out, "<http://a> <http://b> \"x\" .");
        assert!(fixes[0].note.contains("fr-FR-x-!!"), "{fixes:?}");
    }

    #[test]
    fn nothing_to_repair() {
        assert!(repair_turtle("<http://a> <http://b> \"c\"@en .").is_none());
    }
}
