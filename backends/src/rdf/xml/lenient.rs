//! RDF/XML structure read as leniently as rdflib (udata's parser), so that the shapes GeoNetwork
//! exports do not cost a record:
//!
//! * a property element carrying `rdf:resource` (or `rdf:nodeID`) **and** text, such as
//!   `<dct:accessRights rdf:resource="…/noLimitations">Pas de restriction d'accès public</…>`:
//!   the strict parser refuses the document ("Unexpected text event"), rdflib takes the
//!   resource. The text is removed, so the resource is what is read;
//! * text where a node or property element is expected (stray text between the properties of
//!   a node element, text beside the node element of a property): removed;
//! * every removal is reported as a [`Repair`] note for the item.
//!
//! It rewrites the document with the tokenizer of [`super::scanner`], following the striped
//! structure of RDF/XML (node element, property element, node element…, with
//! `rdf:parseType="Resource"` / `"Collection"` / `"Literal"`); everything it does not remove is
//! copied byte for byte. It only runs after a strict parse failed.

use std::borrow::Cow;
use std::ops::Range;

use super::scanner::{local_name, Scanner, Token};
use super::scopes::Scopes;
use super::XmlError;
use crate::rdf::notes::Repair;
use crate::rdf::vocab::RDF as RDF_NS;

/// What an open element is, in RDF/XML's striped syntax.
#[derive(Debug)]
enum Kind {
    /// `rdf:RDF`: its children are node elements.
    Root,
    /// A node element: its children are property elements.
    Node,
    /// A property element whose content is a literal or one node element.
    Property {
        /// It names its object by attribute (`rdf:resource`, `rdf:nodeID`): no content.
        by_attribute: bool,
        /// It has a child element (a node element): text beside it is stray.
        has_child: bool,
        /// Text read so far, not yet known to be its literal value.
        pending: Vec<Range<usize>>,
    },
    /// `rdf:parseType="Resource"`: its children are property elements.
    ResourceProperty,
    /// `rdf:parseType="Literal"` and everything inside: copied as it is.
    XmlLiteral,
}

/// Longest piece of removed text quoted in a note.
const QUOTE_CHARS: usize = 80;

fn quote(text: &str) -> String {
    let t = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.chars().count() > QUOTE_CHARS {
        let cut: String = t.chars().take(QUOTE_CHARS).collect();
        format!("{cut}…")
    } else {
        t
    }
}

/// Whether a qualified name is in the RDF namespace, with the declarations in scope.
fn is_rdf(qname: &str, local: &str, scopes: &Scopes) -> bool {
    let prefix = qname.rsplit_once(':').map_or("", |(p, _)| p);
    if local_name(qname) != local {
        return false;
    }
    scopes.namespace(prefix).is_some_and(|ns| ns == RDF_NS)
}

/// The document with stray text and the text of resource-valued property elements removed;
/// `Cow::Borrowed` when there was nothing to remove.
pub(crate) fn relax_rdfxml<'a>(
    xml: &'a str,
    repairs: &mut Vec<Repair>,
) -> Result<Cow<'a, str>, XmlError> {
    let mut out = String::with_capacity(xml.len());
    let mut stack: Vec<(Kind, &str)> = Vec::new();
    let mut scopes = Scopes::default();
    let mut removed = 0usize;
    let mut remove = |text: &str, why: String, repairs: &mut Vec<Repair>| {
        removed += 1;
        repairs.push(Repair::note(format!(
            "RDF/XML: text {:?} {why}: ignored, as rdflib does",
            quote(text)
        )));
    };
    for tok in Scanner::new(xml) {
        match tok? {
            Token::Start {
                name,
                attrs,
                self_closing,
                span,
                ..
            } => {
                scopes.enter(&attrs);
                let attr = |local: &str| {
                    attrs
                        .iter()
                        .find(|a| is_rdf(a.name, local, &scopes))
                        .map(|a| a.value.trim())
                };
                let kind = match stack.last_mut() {
                    Some((Kind::XmlLiteral, _)) => Kind::XmlLiteral,
                    None if is_rdf(name, "RDF", &scopes) => Kind::Root,
                    None | Some((Kind::Root, _)) => Kind::Node,
                    Some((
                        Kind::Property {
                            has_child, pending, ..
                        },
                        parent,
                    )) => {
                        *has_child = true;
                        let text: String = pending.drain(..).map(|r| &xml[r]).collect();
                        if text.trim().is_empty() {
                            out.push_str(&text);
                        } else {
                            let why = format!("beside the node element of <{parent}>");
                            remove(&text, why, repairs);
                        }
                        Kind::Node
                    }
                    Some((Kind::Node | Kind::ResourceProperty, _)) => {
                        match attr("parseType") {
                            Some("Literal") => Kind::XmlLiteral,
                            Some("Resource") => Kind::ResourceProperty,
                            Some(_) => Kind::Property {
                                // A collection's children are node elements.
                                by_attribute: false,
                                has_child: true,
                                pending: Vec::new(),
                            },
                            None => Kind::Property {
                                by_attribute: attr("resource").is_some()
                                    || attr("nodeID").is_some(),
                                has_child: false,
                                pending: Vec::new(),
                            },
                        }
                    }
                };
                out.push_str(&xml[span]);
                if self_closing {
                    scopes.leave();
                } else {
                    stack.push((kind, name));
                }
            }
            Token::End { span } => {
                if let Some((Kind::Property { pending, .. }, _)) = stack.last() {
                    for r in pending {
                        out.push_str(&xml[r.clone()]);
                    }
                }
                stack.pop();
                scopes.leave();
                out.push_str(&xml[span]);
            }
            Token::Text(span) => {
                text_token(&xml[span.clone()], span, &mut stack, &mut out, |t, why| {
                    remove(t, why, repairs)
                })
            }
            Token::Opaque(span) if xml[span.clone()].starts_with("<![CDATA[") => {
                text_token(&xml[span.clone()], span, &mut stack, &mut out, |t, why| {
                    remove(t, why, repairs)
                })
            }
            Token::Opaque(span) | Token::Doctype(span) => out.push_str(&xml[span]),
        }
    }
    Ok(if removed == 0 {
        Cow::Borrowed(xml)
    } else {
        Cow::Owned(out)
    })
}

/// Where a piece of text (or CDATA) goes: copied, held as a possible literal, or removed.
fn text_token(
    text: &str,
    span: Range<usize>,
    stack: &mut [(Kind, &str)],
    out: &mut String,
    mut remove: impl FnMut(&str, String),
) {
    let blank = text.trim().is_empty();
    match stack.last_mut() {
        Some((
            Kind::Property {
                by_attribute,
                has_child,
                pending,
            },
            name,
        )) => {
            if *by_attribute && !blank {
                remove(
                    text,
                    format!("in <{name}>, which names its object by attribute"),
                );
            } else if *has_child && !blank {
                remove(text, format!("beside the node element of <{name}>"));
            } else if *by_attribute || *has_child {
                out.push_str(text);
            } else {
                pending.push(span);
            }
        }
        Some((Kind::XmlLiteral, _)) => out.push_str(text),
        Some((_, name)) if !blank => {
            remove(text, format!("where a property of <{name}> was expected"));
        }
        _ => out.push_str(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dct="http://purl.org/dc/terms/" xmlns:dcat="http://www.w3.org/ns/dcat#">"#;

    fn relax(body: &str) -> (String, Vec<Repair>) {
        let doc = format!("{HEAD}{body}</rdf:RDF>");
        let mut repairs = Vec::new();
        let out = relax_rdfxml(&doc, &mut repairs).unwrap().into_owned();
        (
            out[HEAD.len()..out.len() - "</rdf:RDF>".len()].to_owned(),
            repairs,
        )
    }

    #[test]
    fn resource_with_text_keeps_the_resource() {
        let (out, repairs) = relax(
            r#"<dcat:Dataset rdf:about="x"><dct:accessRights rdf:resource="http://r/n">Pas de restriction d'accès public</dct:accessRights></dcat:Dataset>"#,
        );
        assert_eq!(
            out,
            r#"<dcat:Dataset rdf:about="x"><dct:accessRights rdf:resource="http://r/n"></dct:accessRights></dcat:Dataset>"#
        );
        assert_eq!(repairs.len(), 1);
        assert!(
            repairs[0].note.contains("Pas de restriction"),
            "{repairs:?}"
        );
    }

    #[test]
    fn stray_text_is_removed_literals_and_xml_literals_kept() {
        let (out, repairs) = relax(
            r#"<dcat:Dataset rdf:about="x">stray <dct:title>Titre &amp; <![CDATA[cd]]></dct:title>
 <dct:description rdf:parseType="Literal">a <b>bold</b> text</dct:description><dct:publisher>beside<dcat:Agent/></dct:publisher></dcat:Dataset>"#,
        );
        assert_eq!(
            out,
            r#"<dcat:Dataset rdf:about="x"><dct:title>Titre &amp; <![CDATA[cd]]></dct:title>
 <dct:description rdf:parseType="Literal">a <b>bold</b> text</dct:description><dct:publisher><dcat:Agent/></dct:publisher></dcat:Dataset>"#
        );
        assert_eq!(repairs.len(), 2, "{repairs:?}");
    }

    #[test]
    fn parse_type_resource_children_are_properties() {
        let (out, repairs) = relax(
            r#"<dcat:Dataset rdf:about="x"><dct:temporal rdf:parseType="Resource"><dct:start>2020</dct:start></dct:temporal></dcat:Dataset>"#,
        );
        assert!(repairs.is_empty());
        assert!(out.contains("<dct:start>2020</dct:start>"));
    }

    #[test]
    fn other_rdf_prefix_is_recognised() {
        let doc = r#"<r:RDF xmlns:r="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:d="http://purl.org/dc/terms/"><r:Description r:about="x"><d:rights r:resource="http://r">t</d:rights></r:Description></r:RDF>"#;
        let mut repairs = Vec::new();
        let out = relax_rdfxml(doc, &mut repairs).unwrap();
        assert!(
            out.contains(r#"<d:rights r:resource="http://r"></d:rights>"#),
            "{out}"
        );
    }
}
