//! Which RDF syntax a page is in: its `Content-Type`, its URL extension, then what the body
//! looks like; HTML (an error page served with status 200) is told apart and refused.

use super::{ParseError, RdfSyntax};

/// `Accept` header for catalog pages: every RDF syntax we parse, preferred first.
pub const RDF_ACCEPT: &str =
    "application/rdf+xml;q=1.0, text/turtle;q=0.9, application/ld+json;q=0.8, \
application/n-triples;q=0.7, application/trig;q=0.7, text/n3;q=0.6, application/n-quads;q=0.5, \
application/xml;q=0.3, text/xml;q=0.3, application/json;q=0.2, */*;q=0.1";

impl RdfSyntax {
    /// The syntax a media type names (`None` for HTML, unknown or ambiguous types).
    pub fn from_media_type(content_type: &str) -> Option<Self> {
        let mime = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        Some(match mime.as_str() {
            "application/rdf+xml" | "application/xml" | "text/xml" | "application/rdf" => {
                Self::RdfXml
            }
            "text/turtle" | "application/x-turtle" | "application/turtle" => Self::Turtle,
            "text/n3" | "text/rdf+n3" | "application/n3" => Self::N3,
            "application/n-triples" | "text/ntriples" | "application/ntriples" => Self::NTriples,
            "application/n-quads" | "text/x-nquads" | "text/nquads" => Self::NQuads,
            "application/trig" | "application/x-trig" => Self::TriG,
            "application/ld+json" | "application/json" | "application/x-json-ld" => Self::JsonLd,
            _ => return None,
        })
    }

    /// The syntax a URL's path extension names.
    pub fn from_url(url: &str) -> Option<Self> {
        let path = url::Url::parse(url)
            .map(|u| u.path().to_owned())
            .unwrap_or_else(|_| url.split(['?', '#']).next().unwrap_or("").to_owned());
        let ext = path
            .rsplit('/')
            .next()?
            .rsplit_once('.')?
            .1
            .to_ascii_lowercase();
        Some(match ext.as_str() {
            "rdf" | "xml" | "owl" | "rdfxml" => Self::RdfXml,
            "ttl" | "turtle" => Self::Turtle,
            "n3" => Self::N3,
            "nt" => Self::NTriples,
            "nq" => Self::NQuads,
            "trig" => Self::TriG,
            "jsonld" | "json" => Self::JsonLd,
            _ => return None,
        })
    }
}

/// What a body looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    Html,
    Rdf(RdfSyntax),
}

/// Sniff the beginning of a body.
pub fn sniff(body: &[u8]) -> Option<Sniffed> {
    let head = &body[..body.len().min(4096)];
    let text = String::from_utf8_lossy(head);
    let mut t = text.trim_start_matches('\u{feff}').trim_start();
    // Skip comment lines (Turtle family).
    while t.starts_with('#') {
        t = t.find('\n').map_or("", |i| &t[i + 1..]).trim_start();
    }
    let lower = t.chars().take(512).collect::<String>().to_ascii_lowercase();
    if lower.starts_with("<!doctype html") || lower.starts_with("<html") {
        return Some(Sniffed::Html);
    }
    if lower.starts_with('{') {
        return Some(Sniffed::Rdf(RdfSyntax::JsonLd));
    }
    if let Some(after) = lower.strip_prefix('[') {
        let next = after.trim_start().chars().next();
        if matches!(next, Some('{') | Some(']') | Some('"')) {
            return Some(Sniffed::Rdf(RdfSyntax::JsonLd));
        }
        return Some(Sniffed::Rdf(RdfSyntax::Turtle));
    }
    if lower.starts_with("<?xml") || lower.starts_with("<!--") || lower.starts_with("<!doctype") {
        // XHTML is HTML.
        if lower.contains("<html") || lower.contains("<!doctype html") {
            return Some(Sniffed::Html);
        }
        return Some(Sniffed::Rdf(RdfSyntax::RdfXml));
    }
    if let Some(after) = lower.strip_prefix('<') {
        let token_end = after
            .find(|c: char| c.is_whitespace() || c == '>')
            .unwrap_or(after.len());
        let token = &after[..token_end];
        if token.contains("://") || token.starts_with("urn:") {
            return Some(Sniffed::Rdf(RdfSyntax::Turtle));
        }
        if after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            return Some(Sniffed::Rdf(RdfSyntax::RdfXml));
        }
        return None;
    }
    if lower.starts_with("@prefix")
        || lower.starts_with("@base")
        || lower.starts_with("prefix ")
        || lower.starts_with("base ")
        || lower.starts_with("_:")
    {
        return Some(Sniffed::Rdf(RdfSyntax::Turtle));
    }
    None
}

/// Choose the syntax of a page: Content-Type, then URL extension, then sniffing. Refuses HTML.
pub fn detect_syntax(
    content_type: Option<&str>,
    url: &str,
    body: &[u8],
) -> Result<RdfSyntax, ParseError> {
    let sniffed = sniff(body);
    let declared_html = content_type.is_some_and(|ct| {
        let ct = ct.to_ascii_lowercase();
        ct.starts_with("text/html") || ct.starts_with("application/xhtml")
    });
    if sniffed == Some(Sniffed::Html) || (declared_html && sniffed.is_none()) {
        return Err(ParseError::NotRdf {
            content_type: content_type
                .map(|c| c.split(';').next().unwrap_or(c).trim().to_owned())
                .filter(|c| !c.is_empty() && c.contains("html"))
                .unwrap_or_else(|| "text/html".into()),
        });
    }
    if declared_html {
        if let Some(Sniffed::Rdf(s)) = sniffed {
            return Ok(s);
        }
    }
    if let Some(s) = content_type.and_then(RdfSyntax::from_media_type) {
        return Ok(s);
    }
    if let Some(s) = RdfSyntax::from_url(url) {
        return Ok(s);
    }
    match sniffed {
        Some(Sniffed::Rdf(s)) => Ok(s),
        _ => Err(ParseError::UnknownSyntax),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_order() {
        assert_eq!(
            detect_syntax(
                Some("text/turtle; charset=utf-8"),
                "http://x/c.rdf",
                b"<rdf:RDF/>"
            ),
            Ok(RdfSyntax::Turtle)
        );
        assert_eq!(
            detect_syntax(Some("application/octet-stream"), "http://x/c.jsonld", b""),
            Ok(RdfSyntax::JsonLd)
        );
        assert_eq!(
            detect_syntax(None, "http://x/catalog", b"  @prefix dcat: <x> ."),
            Ok(RdfSyntax::Turtle)
        );
        assert_eq!(
            detect_syntax(
                None,
                "http://x/catalog",
                b"<http://a> <http://b> <http://c> ."
            ),
            Ok(RdfSyntax::Turtle)
        );
        assert_eq!(
            detect_syntax(None, "http://x/catalog", b"<?xml version='1.0'?><rdf:RDF/>"),
            Ok(RdfSyntax::RdfXml)
        );
        assert!(matches!(
            detect_syntax(
                Some("text/html"),
                "http://x/c.rdf",
                b"<!DOCTYPE html><html>"
            ),
            Err(ParseError::NotRdf { .. })
        ));
    }
}
