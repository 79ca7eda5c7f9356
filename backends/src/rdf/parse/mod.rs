//! RDF syntax detection and parsing of catalog pages into a [`Graph`].
//!
//! Detection follows what a remote says first, then what it looks like: the `Content-Type`
//! header, then the URL extension, then sniffing the body. When the declared syntax does not
//! parse but the body clearly is another syntax (a Turtle file served as `application/rdf+xml`),
//! the sniffed syntax is tried too. HTML (an error page served with status 200) is refused with
//! a clear "expected RDF, got text/html".
//!
//! Parsers are sophia 0.10's: `sophia::turtle` for Turtle, TriG, N-Triples and N-Quads,
//! `sophia::xml` for RDF/XML and `sophia::jsonld` for JSON-LD. **N3** is parsed as Turtle: the
//! common subset (which is what catalogs serve as `text/n3`) works, N3-only constructs (formulas
//! `{…}`, rules `=>`, `@keywords`, paths) are reported as syntax errors.
//!
//! Relative IRIs: [`parse_rdf`] resolves them against the page URL (RDF's rule for a document
//! fetched from a URL); [`parse_rdf_as_given`] keeps them exactly as written, as rdflib does for
//! the documents udata parses from a string (catalog pages, CSW records): a relative identifier
//! is then an identifier, not a link invented from the address of an API endpoint.
//!
//! Leniency for real catalogs: literals are
//! never validated against their datatype (an invalid `xsd:date` is a mapping warning, not a page
//! error); when a strict parse fails, bad IRIs and language tags are repaired
//! ([`super::repair`], [`super::xml`]), RDF/XML text rdflib ignores is removed
//! (`xml::lenient`), undeclared Turtle prefixes are declared (as
//! `urn:x-undeclared-prefix:…`), Turtle served as N-Triples is read as TriG, and the page is
//! parsed again, with a warning. Bodies that are not UTF-8 are transcoded (XML declaring
//! ISO-8859-1, UTF-16 with BOM) or decoded lossily, with a warning.
//!
//! Security: RDF/XML DOCTYPEs are neutralised before parsing (see [`super::xml`]: no entity
//! expansion by the parser, no external entities); JSON-LD never loads a remote `@context` (a few
//! well-known contexts are bundled, any other one is removed with a warning, so the terms it
//! would have defined are dropped by JSON-LD expansion); JSON nesting is bounded before any
//! recursive processing, and JSON-LD expansion runs on its own thread with a stack sized for
//! that bound; a panic inside a parser becomes a parse error of that page.
//!
//! Layout: this module chooses and runs a parser; [`sniff`] tells the syntax of a page,
//! `turtle`, `rdfxml` and `jsonld` hold each parser with its leniency, `collect` turns what a
//! sophia parser streams into a [`Graph`].

mod collect;
mod jsonld;
mod rdfxml;
mod sniff;
mod turtle;

use super::graph::Graph;
use super::notes::Repair;
use super::xml::{decode_xml, XmlError};
use jsonld::parse_jsonld;
use rdfxml::parse_rdfxml;
use turtle::parse_text_family;

pub use jsonld::MAX_JSON_DEPTH;
pub use sniff::{detect_syntax, sniff, Sniffed, RDF_ACCEPT};

/// Base given to the parsers when relative IRIs are kept as written: resolved against it, they
/// are recognised and turned back into the relative reference (see `as_given_iri`).
const AS_GIVEN_BASE: &str = "http://relative-iri.invalid/~/";
/// The same base without its path: a reference starting with `/` resolves to it.
const AS_GIVEN_ORIGIN: &str = "http://relative-iri.invalid";

/// The RDF syntaxes we read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RdfSyntax {
    RdfXml,
    Turtle,
    NTriples,
    NQuads,
    TriG,
    /// Parsed as Turtle (see the module documentation).
    N3,
    JsonLd,
}

impl RdfSyntax {
    pub fn name(self) -> &'static str {
        match self {
            Self::RdfXml => "RDF/XML",
            Self::Turtle => "Turtle",
            Self::NTriples => "N-Triples",
            Self::NQuads => "N-Quads",
            Self::TriG => "TriG",
            Self::N3 => "N3",
            Self::JsonLd => "JSON-LD",
        }
    }
}

/// Why a page could not be read as RDF.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("expected RDF, got {content_type}")]
    NotRdf { content_type: String },
    #[error("cannot tell the RDF syntax (no usable Content-Type, extension or content)")]
    UnknownSyntax,
    #[error("invalid {syntax}: {reason}")]
    Syntax {
        syntax: &'static str,
        reason: String,
    },
    #[error("refused XML: {0}")]
    UnsafeXml(String),
    #[error("JSON nested deeper than {limit} levels")]
    TooDeep { limit: usize },
    /// Nothing but whitespace: a broken remote, not an empty catalog (which still describes
    /// its `dcat:Catalog`), so it must not let archiving run.
    #[error("empty body: expected an RDF document")]
    Empty,
}

impl From<XmlError> for ParseError {
    fn from(e: XmlError) -> Self {
        match e {
            XmlError::UnsafeDoctype(_) => Self::UnsafeXml(e.to_string()),
            other => Self::Syntax {
                syntax: "RDF/XML",
                reason: other.to_string(),
            },
        }
    }
}

/// A parsed page.
#[derive(Debug, Default)]
pub struct ParsedRdf {
    pub graph: Graph,
    /// Syntax actually used.
    pub syntax: Option<RdfSyntax>,
    /// Triples produced by the parser (before deduplication), for the metrics.
    pub triples: usize,
    /// Non-fatal problems (repairs, dropped remote contexts, transcoding), for the page.
    pub warnings: Vec<String>,
    /// Each repair or leniency applied, for the items it touches.
    pub repairs: Vec<Repair>,
}

/// Detect the syntax of `body` and parse it, relative IRIs resolved against `base_url`.
pub fn parse_rdf(
    body: &[u8],
    content_type: Option<&str>,
    base_url: &str,
) -> Result<ParsedRdf, ParseError> {
    parse_detected(body, content_type, base_url, false)
}

/// Detect the syntax of `body` (fetched from `url`) and parse it, relative IRIs kept exactly as
/// written (udata's reading of catalog pages and CSW records).
pub fn parse_rdf_as_given(
    body: &[u8],
    content_type: Option<&str>,
    url: &str,
) -> Result<ParsedRdf, ParseError> {
    parse_detected(body, content_type, url, true)
}

fn parse_detected(
    body: &[u8],
    content_type: Option<&str>,
    base_url: &str,
    as_given: bool,
) -> Result<ParsedRdf, ParseError> {
    let content = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    if content.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::Empty);
    }
    let syntax = detect_syntax(content_type, base_url, body)?;
    match parse_in(syntax, body, base_url, as_given) {
        Ok(p) => Ok(p),
        Err(first) => {
            // The declared syntax may be wrong: try what the body looks like.
            match sniff(body) {
                Some(Sniffed::Rdf(other)) if !same_family(other, syntax) => {
                    match parse_in(other, body, base_url, as_given) {
                        Ok(mut p) => {
                            p.warnings.push(format!(
                                "served as {} but parsed as {}",
                                syntax.name(),
                                other.name()
                            ));
                            Ok(p)
                        }
                        Err(_) => Err(first),
                    }
                }
                _ => Err(first),
            }
        }
    }
}

fn same_family(a: RdfSyntax, b: RdfSyntax) -> bool {
    use RdfSyntax::*;
    let text = |s| matches!(s, Turtle | NTriples | NQuads | TriG | N3);
    a == b || (text(a) && text(b))
}

/// Parse `body` in a given syntax, relative IRIs resolved against `base_url`.
pub fn parse_as(syntax: RdfSyntax, body: &[u8], base_url: &str) -> Result<ParsedRdf, ParseError> {
    parse_in(syntax, body, base_url, false)
}

/// Parse `body` in a given syntax, relative IRIs kept as written.
pub fn parse_as_given(syntax: RdfSyntax, body: &[u8]) -> Result<ParsedRdf, ParseError> {
    parse_in(syntax, body, AS_GIVEN_BASE, true)
}

fn parse_in(
    syntax: RdfSyntax,
    body: &[u8],
    base_url: &str,
    as_given: bool,
) -> Result<ParsedRdf, ParseError> {
    let mut out = ParsedRdf {
        syntax: Some(syntax),
        ..Default::default()
    };
    let base = if as_given { AS_GIVEN_BASE } else { base_url };
    match syntax {
        RdfSyntax::RdfXml => {
            let text = decode_xml(body, &mut out.warnings);
            parse_rdfxml(&text, base, &mut out)?;
        }
        RdfSyntax::JsonLd => {
            let text = decode_text(body, &mut out.warnings);
            parse_jsonld(&text, base, &mut out)?;
        }
        _ => {
            let text = decode_text(body, &mut out.warnings);
            parse_text_family(syntax, &text, base, &mut out)?;
        }
    }
    if as_given {
        out.graph.rewrite_iris(|_, iri| as_given_iri(iri));
    }
    Ok(out)
}

/// An IRI the parser resolved against [`AS_GIVEN_BASE`], back to the reference as written
/// (`../x` comes back as `/x`: dot segments are resolved by the parser).
fn as_given_iri(iri: &str) -> Option<String> {
    iri.strip_prefix(AS_GIVEN_BASE)
        .or_else(|| iri.strip_prefix(AS_GIVEN_ORIGIN))
        .map(str::to_owned)
}

fn decode_text(body: &[u8], warnings: &mut Vec<String>) -> String {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    match std::str::from_utf8(body) {
        Ok(s) => s.to_owned(),
        Err(_) => {
            warnings.push("body is not valid UTF-8: invalid bytes replaced".into());
            String::from_utf8_lossy(body).into_owned()
        }
    }
}

/// Run a parser, turning a panic inside it (sophia has debug assertions that hostile input can
/// trip) into an error: one bad page must never take the worker down.
pub(super) fn guarded<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err("the parser crashed on this input".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_body_is_an_error_not_an_empty_graph() {
        for body in [&b""[..], b"  \n\t", b"\xEF\xBB\xBF\n"] {
            let err = parse_rdf(body, Some("text/turtle"), "http://x/c.ttl").unwrap_err();
            assert_eq!(err, ParseError::Empty);
        }
        let ok = parse_rdf(b"# only a comment\n", Some("text/turtle"), "http://x/c.ttl").unwrap();
        assert!(ok.graph.is_empty());
    }

    #[test]
    fn parser_panic_never_escapes() {
        // sophia_turtle 0.10 asserts that a prefixed name makes a valid IRI; U+FFFD is allowed
        // in a Turtle local name but not in an IRI (found by `fuzz/rdf_parse`).
        let ttl =
            "@prefix dct: <http://purl.org/dc/terms/> .\n<http://x/d> dct:a\u{FFFD}b \"x\" .\n";
        let outcome = std::panic::catch_unwind(|| {
            parse_rdf(ttl.as_bytes(), Some("text/turtle"), "http://x/c.ttl").map(|p| p.triples)
        });
        let result = outcome.expect("a parser panic must not escape parse_rdf");
        println!("{result:?}");
    }

    #[test]
    fn relative_iris_resolve_against_page() {
        let ttl = b"<d1> <http://purl.org/dc/terms/title> \"x\" .";
        let p = parse_as(RdfSyntax::Turtle, ttl, "http://x.org/cat/page").unwrap();
        assert!(p.graph.iri_id("http://x.org/cat/d1").is_some());
    }
}
