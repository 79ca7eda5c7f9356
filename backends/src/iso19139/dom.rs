//! A small element tree for one ISO 19139 record, read with quick-xml, so the mapping can walk
//! the record by paths (`identificationInfo/*/citation/*/title`) the way the GeoDCAT-AP XSLT
//! does. Elements are matched by local name: GeoNetwork, geOrchestra and the Géoplateforme all
//! write the standard `gmd`/`gco`/`gmx`/`srv`/`gml` namespaces, and no two of them share a local
//! name the mapping reads.
//!
//! Safe on hostile input: a DOCTYPE is refused (a record is one element of a CSW page, whose
//! DOCTYPE [`crate::rdf::xml::csw_records`] already screened), an entity other than XML's
//! predefined ones or a character reference is an error (nothing is ever expanded or fetched),
//! and nesting is capped.

/// Deepest element nesting accepted (real records stay under 20).
const MAX_DEPTH: usize = 128;

/// Why a record could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomError {
    #[error("malformed XML at byte {at}: {reason}")]
    Malformed { at: u64, reason: String },
    #[error("DOCTYPE refused in an ISO 19139 record (entities are not expanded)")]
    Doctype,
    #[error("elements nested deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("no root element")]
    Empty,
}

/// One element: local name, attributes by local name, child elements and its own text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    /// The element's direct text content (entities resolved), not trimmed.
    pub text: String,
}

impl Element {
    /// Value of the attribute of local name `name`.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Value of an attribute, trimmed, `None` when empty.
    pub fn attr_value(&self, name: &str) -> Option<&str> {
        self.attr(name).map(str::trim).filter(|v| !v.is_empty())
    }

    /// Child elements of local name `name` (`*`: all).
    pub fn children<'s, 'n: 's>(&'s self, name: &'n str) -> impl Iterator<Item = &'s Element> + 's {
        self.children
            .iter()
            .filter(move |c| name == "*" || c.name == name)
    }

    /// The first child of local name `name`.
    pub fn child<'s>(&'s self, name: &str) -> Option<&'s Element> {
        self.children.iter().find(|c| name == "*" || c.name == name)
    }

    /// Every element reached from this one by the `/`-separated local names of `path` (`*`
    /// matches any name), in document order.
    pub fn all<'s>(&'s self, path: &str) -> Vec<&'s Element> {
        let mut current: Vec<&Element> = vec![self];
        for step in path.split('/').filter(|s| !s.is_empty()) {
            current = current
                .iter()
                .flat_map(|e| e.children.iter())
                .filter(|c| step == "*" || c.name == step)
                .collect();
            if current.is_empty() {
                break;
            }
        }
        current
    }

    /// The first element reached by `path`.
    pub fn first<'s>(&'s self, path: &str) -> Option<&'s Element> {
        self.all(path).into_iter().next()
    }

    /// XPath's `normalize-space(.)` of the whole subtree's text.
    pub fn normalized(&self) -> String {
        let mut raw = String::new();
        self.collect_text(&mut raw);
        normalize_space(&raw)
    }

    fn collect_text(&self, out: &mut String) {
        out.push_str(&self.text);
        for c in &self.children {
            out.push(' ');
            c.collect_text(out);
        }
    }
}

/// XPath's `normalize-space`: trimmed, inner runs of white space as one space.
pub fn normalize_space(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Parse one record.
pub fn parse(xml: &str) -> Result<Element, DomError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<Element> = Vec::new();
    let malformed = |reader: &quick_xml::Reader<&[u8]>, reason: String| DomError::Malformed {
        at: reader.buffer_position(),
        reason,
    };
    loop {
        let event = reader
            .read_event()
            .map_err(|e| malformed(&reader, e.to_string()))?;
        match event {
            Event::Start(e) => {
                let el = element(&e).map_err(|r| malformed(&reader, r))?;
                stack.push(el);
                if stack.len() > MAX_DEPTH {
                    return Err(DomError::TooDeep);
                }
            }
            Event::Empty(e) => {
                let el = element(&e).map_err(|r| malformed(&reader, r))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => return Ok(el),
                }
            }
            Event::End(_) => {
                let Some(done) = stack.pop() else {
                    return Err(malformed(&reader, "unexpected end tag".into()));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => return Ok(done),
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    let text = t
                        .unescape()
                        .map_err(|err| malformed(&reader, err.to_string()))?;
                    top.text.push_str(&text);
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::DocType(_) => return Err(DomError::Doctype),
            Event::Eof => {
                return Err(if stack.is_empty() {
                    DomError::Empty
                } else {
                    malformed(&reader, "unclosed element".into())
                })
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
        }
    }
}

/// An element from its start tag.
fn element(e: &quick_xml::events::BytesStart) -> Result<Element, String> {
    let mut el = Element {
        name: String::from_utf8_lossy(e.local_name().as_ref()).into_owned(),
        ..Default::default()
    };
    for a in e.attributes() {
        let a = a.map_err(|err| err.to_string())?;
        let value = a.unescape_value().map_err(|err| err.to_string())?;
        el.attrs.push((
            String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned(),
            value.into_owned(),
        ));
    }
    Ok(el)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_text() {
        let root = parse(
            r#"<gmd:MD_Metadata xmlns:gmd="g" xmlns:gco="c"><gmd:fileIdentifier><gco:CharacterString> a &amp;
 b </gco:CharacterString></gmd:fileIdentifier><gmd:x code="1"/></gmd:MD_Metadata>"#,
        )
        .unwrap();
        assert_eq!(root.name, "MD_Metadata");
        assert_eq!(
            root.first("fileIdentifier/CharacterString")
                .map(|e| e.normalized()),
            Some("a & b".into())
        );
        assert_eq!(
            root.first("*").map(|e| e.name.as_str()),
            Some("fileIdentifier")
        );
        assert_eq!(root.first("x").and_then(|e| e.attr("code")), Some("1"));
    }

    #[test]
    fn hostile_records_are_refused() {
        assert_eq!(
            parse(r#"<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>"#),
            Err(DomError::Doctype)
        );
        assert!(matches!(
            parse("<r>&x;</r>"),
            Err(DomError::Malformed { .. })
        ));
        assert!(matches!(
            parse("<r><a></r>"),
            Err(DomError::Malformed { .. })
        ));
        let deep = "<a>".repeat(200) + &"</a>".repeat(200);
        assert_eq!(parse(&deep), Err(DomError::TooDeep));
    }
}
