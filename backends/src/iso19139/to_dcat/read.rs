//! Reading values out of ISO 19139 elements as the XSLT reads them: resource identifiers and
//! the dataset URI they give, localised character strings, language codes.

use crate::iso19139::dom::Element;
use crate::rdf::vocab::{XSD_ANY_URI, XSD_STRING};

/// The XSLT's `UniqueResourceIdentifier`: the anchor text, else `codeSpace/code`, else the
/// code; typed `xsd:anyURI` when it is an http(s) URI or a URN.
pub(super) fn resource_identifier(i: &Element) -> Option<(String, &'static str)> {
    let ns = i
        .first("codeSpace/CharacterString")
        .map(Element::normalized)
        .unwrap_or_default();
    let code = i
        .first("code/CharacterString")
        .map(Element::normalized)
        .unwrap_or_default();
    let anchor = i
        .first("code/Anchor")
        .map(Element::normalized)
        .unwrap_or_default();
    let id = if !anchor.is_empty() {
        anchor
    } else if code.is_empty() {
        return None;
    } else if ns.is_empty() {
        code
    } else if ns.ends_with('/') {
        format!("{ns}{code}")
    } else {
        format!("{ns}/{code}")
    };
    let datatype = if ["http://", "https://", "urn:"]
        .iter()
        .any(|p| id.starts_with(p))
    {
        XSD_ANY_URI
    } else {
        XSD_STRING
    };
    Some((id, datatype))
}

/// The XSLT's `ResourceUri` candidate of one identifier: `codeSpace` and `code` joined as they
/// are (no separator, as the XSLT does), else the code, when it is an http(s) URI.
pub(super) fn resource_uri(i: &Element) -> Option<String> {
    let part = |path: &str| -> String {
        i.first(path)
            .map(|e| {
                e.first("CharacterString")
                    .map(|c| c.text.clone())
                    .or_else(|| {
                        e.first("Anchor")
                            .and_then(|a| a.attr("href").map(str::to_owned))
                    })
                    .unwrap_or_default()
            })
            .unwrap_or_default()
    };
    let uri = if i.child("codeSpace").is_some() {
        format!("{}{}", part("codeSpace"), part("code"))
    } else {
        part("code")
    };
    let uri = uri.trim();
    (uri.starts_with("http://") || uri.starts_with("https://")).then(|| uri.to_owned())
}

/// XSLT `local:getTextContent`: an anchor's text, else the character string, else the
/// preferred-language (French) translation, else the first one; normalized, `None` when empty.
/// `preferred` is the PT_Locale id of French in the record.
pub(super) fn text_content(e: &Element, preferred: Option<&str>) -> Option<String> {
    let text = if let Some(a) = e.child("Anchor") {
        a.normalized()
    } else if let Some(c) = e.child("CharacterString") {
        c.normalized()
    } else if let Some(free) = e.child("PT_FreeText") {
        let strings: Vec<&Element> = free.all("textGroup/LocalisedCharacterString");
        let wanted = preferred.map(|id| format!("#{id}"));
        strings
            .iter()
            .find(|s| {
                wanted
                    .as_deref()
                    .is_some_and(|w| s.attr("locale") == Some(w))
            })
            .or_else(|| strings.first())
            .map(|s| s.normalized())
            .unwrap_or_default()
    } else {
        e.normalized()
    };
    (!text.is_empty()).then_some(text)
}

/// A language code (`LanguageCode@codeListValue`, its text, or a character string), lower case.
pub(super) fn language_code(l: &Element) -> Option<String> {
    let code = l
        .child("LanguageCode")
        .and_then(|c| {
            c.attr_value("codeListValue")
                .map(str::to_owned)
                .or_else(|| Some(c.normalized()))
        })
        .or_else(|| l.child("CharacterString").map(Element::normalized))?;
    let code = code.trim().to_ascii_lowercase();
    (!code.is_empty()).then_some(code)
}
