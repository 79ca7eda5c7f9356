//! An RDF/XML document rewritten for the real parser: DOCTYPE removed with its plain entities
//! substituted, and, after a failed parse, sloppy IRI and language attributes repaired.

use std::borrow::Cow;
use std::collections::HashMap;

use super::doctype::{has_doctype, parse_internal_subset, substitute};
use super::scanner::{local_name, Scanner, Token};
use super::XmlError;
use crate::rdf::iri_fix::{fix_iri, fix_lang, LangFix};
use crate::rdf::notes::Repair;

/// Prepare an RDF/XML document for the real parser: remove the DOCTYPE (substituting its plain
/// internal entities ourselves, refusing dangerous ones) and, when `repair` is set, fix sloppy IRI
/// and language attributes, one [`Repair`] each. Returns the input unchanged when there is
/// nothing to do.
pub(crate) fn prepare_rdfxml<'a>(
    xml: &'a str,
    repair: bool,
    warnings: &mut Vec<String>,
    repairs: &mut Vec<Repair>,
) -> Result<Cow<'a, str>, XmlError> {
    if !repair && !has_doctype(xml) {
        return Ok(Cow::Borrowed(xml));
    }
    let mut entities: HashMap<&str, String> = HashMap::new();
    let mut out = String::with_capacity(xml.len() + 64);
    let max_len = xml.len().saturating_mul(2) + (1 << 20);
    let mut seen_root = false;
    for tok in Scanner::new(xml) {
        match tok? {
            Token::Doctype(span) => {
                if seen_root {
                    return Err(XmlError::UnsafeDoctype(
                        "DOCTYPE after the root element".into(),
                    ));
                }
                if !entities.is_empty() {
                    return Err(XmlError::UnsafeDoctype("several DOCTYPEs".into()));
                }
                entities = parse_internal_subset(&xml[span])?;
                if !entities.is_empty() {
                    warnings.push(format!(
                        "DOCTYPE removed, {} internal entities substituted",
                        entities.len()
                    ));
                }
            }
            Token::Text(span) => {
                substitute(&xml[span], &entities, &mut out);
            }
            Token::Opaque(span) | Token::End { span, .. } => out.push_str(&xml[span]),
            Token::Start {
                name,
                attrs,
                span,
                self_closing,
                ..
            } => {
                seen_root = true;
                out.push('<');
                out.push_str(name);
                for a in &attrs {
                    let mut value = String::new();
                    substitute(a.value, &entities, &mut value);
                    // Keep the original quoting valid: we always write double quotes.
                    let mut value = value.replace('"', "&quot;");
                    if repair {
                        if let Some((fixed, note)) = repair_attr(a.name, &value) {
                            repairs.push(note);
                            if a.name == "xml:lang" && fixed.is_empty() {
                                // A dropped tag: no attribute at all (the parser refuses
                                // an empty one).
                                continue;
                            }
                            value = fixed;
                        }
                    }
                    out.push(' ');
                    out.push_str(a.name);
                    out.push_str("=\"");
                    out.push_str(&value);
                    out.push('"');
                }
                out.push_str(if self_closing { "/>" } else { ">" });
                let _ = span;
            }
        }
        if out.len() > max_len {
            return Err(XmlError::UnsafeDoctype(format!(
                "entity expansion exceeds {max_len} bytes"
            )));
        }
    }
    Ok(Cow::Owned(out))
}

/// A repaired attribute value (raw XML, escaped) for the attributes carrying IRIs or language
/// tags, with a note saying what changed; `None` when the value is fine or not of that kind.
fn repair_attr(name: &str, value: &str) -> Option<(String, Repair)> {
    let local = local_name(name);
    let is_lang = name == "xml:lang";
    let is_iri = name == "xml:base" || matches!(local, "about" | "resource" | "datatype" | "ID");
    if !is_lang && !is_iri {
        return None;
    }
    // Entity and character references are resolved first: `&#32;` is a space too.
    let text = quick_xml::escape::unescape(value).ok()?;
    if is_lang {
        return match fix_lang(&text) {
            LangFix::Keep => None,
            LangFix::Fixed(tag) => Some((
                quick_xml::escape::escape(tag.as_ref()).into_owned(),
                Repair::note(format!("language tag {text:?} read as {tag:?}")),
            )),
            LangFix::Drop => Some((
                String::new(),
                Repair::note(format!(
                    "invalid language tag {text:?} dropped (its literals are kept as plain text)"
                )),
            )),
        };
    }
    let fixed = fix_iri(&text)?;
    let note = format!("invalid IRI <{text}> in {name} percent-encoded as <{fixed}>");
    Some((
        quick_xml::escape::escape(fixed.as_str()).into_owned(),
        Repair::on_iri(note, fixed),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_entities_are_substituted_and_doctype_removed() {
        let xml = r#"<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY xsd "http://www.w3.org/2001/XMLSchema#"> ]>
<rdf:RDF a="&xsd;date">&xsd;x</rdf:RDF>"#;
        let out = prepare_rdfxml(xml, false, &mut Vec::new(), &mut Vec::new()).unwrap();
        assert!(!out.contains("DOCTYPE"));
        assert!(
            out.contains(r#"a="http://www.w3.org/2001/XMLSchema#date""#),
            "{out}"
        );
        assert!(
            out.contains(">http://www.w3.org/2001/XMLSchema#x<"),
            "{out}"
        );
    }

    #[test]
    fn repairs_iris_and_lang() {
        let xml = r#"<r xml:lang="fr_FR"><d rdf:resource=" http://x.org/a b.csv "/></r>"#;
        let out = prepare_rdfxml(xml, true, &mut Vec::new(), &mut Vec::new()).unwrap();
        assert!(out.contains(r#"xml:lang="fr-FR""#), "{out}");
        assert!(
            out.contains(r#"rdf:resource="http://x.org/a%20b.csv""#),
            "{out}"
        );
    }
}
