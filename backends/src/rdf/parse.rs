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
//! ([`super::xml_lenient`]), undeclared Turtle prefixes are declared (as
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

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::sync::Arc;

use sophia::api::parser::{QuadParser, TripleParser};
use sophia::api::quad::Quad;
use sophia::api::source::{QuadSource, StreamError, TripleSource};
use sophia::api::term::{Term as SophiaTerm, TermKind};
use sophia::api::triple::Triple as SophiaTriple;
use sophia::iri::resolve::BaseIriRef;

use super::graph::{Graph, Term};
use super::notes::Repair;
use super::repair::repair_turtle;
use super::xml::{decode_xml, prepare_rdfxml, XmlError};
use super::xml_lenient::relax_rdfxml;

/// Base given to the parsers when relative IRIs are kept as written: resolved against it, they
/// are recognised and turned back into the relative reference (see [`Collector`]).
const AS_GIVEN_BASE: &str = "http://relative-iri.invalid/~/";
/// The same base without its path: a reference starting with `/` resolves to it.
const AS_GIVEN_ORIGIN: &str = "http://relative-iri.invalid";

/// `Accept` header for catalog pages: every RDF syntax we parse, preferred first.
pub const RDF_ACCEPT: &str =
    "application/rdf+xml;q=1.0, text/turtle;q=0.9, application/ld+json;q=0.8, \
application/n-triples;q=0.7, application/trig;q=0.7, text/n3;q=0.6, application/n-quads;q=0.5, \
application/xml;q=0.3, text/xml;q=0.3, application/json;q=0.2, */*;q=0.1";

/// Deepest JSON nesting accepted (JSON-LD expansion is recursive).
pub const MAX_JSON_DEPTH: usize = 64;

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

/// Convert a sophia term (any parser) into ours; triple terms and variables are skipped.
fn convert<T: SophiaTerm>(t: T) -> Option<Term> {
    match t.kind() {
        TermKind::Iri => t.iri().map(|i| Term::iri(i.as_str())),
        TermKind::BlankNode => t.bnode_id().map(|b| Term::blank(b.as_str())),
        TermKind::Literal => {
            let lex = t.lexical_form()?;
            let lang = t.language_tag();
            let dt = t.datatype();
            Some(Term::literal(
                &lex,
                lang.as_ref().map(|l| l.as_str()),
                dt.as_ref().map(|d| d.as_str()),
            ))
        }
        _ => None,
    }
}

/// Collects the statements a parser streams into a graph, counting those kept (a literal
/// subject or a non-IRI predicate is dropped).
struct Collector {
    graph: Graph,
    count: usize,
}

impl Collector {
    fn new() -> Self {
        Self {
            graph: Graph::new(),
            count: 0,
        }
    }

    fn triple<T: SophiaTriple>(&mut self, t: T) -> Result<(), Infallible> {
        self.add(convert(t.s()), convert(t.p()), convert(t.o()));
        Ok(())
    }

    fn quad<Q: Quad>(&mut self, q: Q) -> Result<(), Infallible> {
        self.add(convert(q.s()), convert(q.p()), convert(q.o()));
        Ok(())
    }

    fn add(&mut self, s: Option<Term>, p: Option<Term>, o: Option<Term>) {
        if let (Some(s), Some(p), Some(o)) = (s, p, o) {
            if !s.is_literal() && matches!(p, Term::Iri(_)) {
                self.count += 1;
                self.graph.insert(s, p, o);
            }
        }
    }

    fn finish(self) -> (Graph, usize) {
        (self.graph, self.count)
    }
}

fn stream_err<E: std::error::Error>(e: StreamError<E, Infallible>) -> String {
    match e {
        StreamError::SourceError(e) => e.to_string(),
        StreamError::SinkError(never) => match never {},
    }
}

fn base_ref(url: &str) -> Option<BaseIriRef<Box<str>>> {
    BaseIriRef::new(Box::<str>::from(url)).ok()
}

/// Most undeclared prefixes declared for a retry.
const MAX_UNDECLARED_PREFIXES: usize = 16;

/// Turtle, TriG, N-Triples, N-Quads, N3: strict parse, then retries with repairs: undeclared
/// prefixes declared (with a `urn:x-undeclared-prefix:` namespace, so their terms are kept but
/// recognisably foreign), bad IRIs and language tags fixed.
fn parse_text_family(
    syntax: RdfSyntax,
    text: &str,
    base_url: &str,
    out: &mut ParsedRdf,
) -> Result<(), ParseError> {
    let mut current = std::borrow::Cow::Borrowed(text);
    let mut first_error: Option<String> = None;
    let mut declared: Vec<String> = Vec::new();
    let mut repaired: Option<Vec<Repair>> = None;
    loop {
        match parse_text_with_fallback(syntax, &current, base_url) {
            Ok((g, n)) => {
                out.graph = g;
                out.triples = n;
                for p in &declared {
                    out.warnings.push(format!(
                        "undeclared prefix {p}: read as <urn:x-undeclared-prefix:{p}:>"
                    ));
                }
                if let Some(fixes) = repaired {
                    out.warnings.push(format!(
                        "repaired {} invalid IRIs or language tags in {}",
                        fixes.len(),
                        syntax.name()
                    ));
                    out.repairs.extend(fixes);
                }
                return Ok(());
            }
            Err(e) => {
                let unknown = unknown_prefix(&e).map(str::to_owned);
                first_error.get_or_insert(e);
                if let Some(prefix) = unknown {
                    if declared.len() < MAX_UNDECLARED_PREFIXES && !declared.contains(&prefix) {
                        current = std::borrow::Cow::Owned(format!(
                            "@prefix {prefix}: <urn:x-undeclared-prefix:{prefix}:> .\n{current}"
                        ));
                        declared.push(prefix);
                        continue;
                    }
                }
                if repaired.is_none() {
                    if let Some((fixed, fixes)) = repair_turtle(&current) {
                        current = std::borrow::Cow::Owned(fixed);
                        repaired = Some(fixes);
                        continue;
                    }
                }
                break;
            }
        }
    }
    let first = first_error.unwrap_or_default();
    let reason = if syntax == RdfSyntax::N3 {
        format!("{first} (N3 is read as Turtle: formulas, rules and other N3-only syntax are not supported)")
    } else {
        first
    };
    Err(ParseError::Syntax {
        syntax: syntax.name(),
        reason,
    })
}

/// The prefix named by a sophia "Unknown prefix: NAME at L:C" error.
fn unknown_prefix(error: &str) -> Option<&str> {
    let rest = error.split("Unknown prefix: ").nth(1)?;
    let name = rest.split_whitespace().next()?;
    let valid = name
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
    (valid && !name.ends_with('.')).then_some(name)
}

/// Parse with the declared syntax, falling back to TriG (a superset of N-Triples and Turtle:
/// Turtle served as N-Triples is common).
fn parse_text_with_fallback(
    syntax: RdfSyntax,
    text: &str,
    base_url: &str,
) -> Result<(Graph, usize), String> {
    parse_text_once(syntax, text, base_url).or_else(|e| {
        if matches!(
            syntax,
            RdfSyntax::NTriples | RdfSyntax::Turtle | RdfSyntax::N3
        ) {
            parse_text_once(RdfSyntax::TriG, text, base_url).map_err(|_| e)
        } else {
            Err(e)
        }
    })
}

/// Run a parser, turning a panic inside it (sophia has debug assertions that hostile input can
/// trip) into an error: one bad page must never take the worker down.
fn guarded<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err("the parser crashed on this input".into()))
}

fn parse_text_once(
    syntax: RdfSyntax,
    text: &str,
    base_url: &str,
) -> Result<(Graph, usize), String> {
    guarded(|| parse_text_unguarded(syntax, text, base_url))
}

fn parse_text_unguarded(
    syntax: RdfSyntax,
    text: &str,
    base_url: &str,
) -> Result<(Graph, usize), String> {
    use sophia::turtle::parser::{
        nq::NQuadsParser, nt::NTriplesParser, trig::TriGParser, turtle::TurtleParser,
    };
    let mut c = Collector::new();
    match syntax {
        RdfSyntax::Turtle | RdfSyntax::N3 => TurtleParser::new()
            .with_base(base_ref(base_url))
            .parse_str(text)
            .try_for_each_triple(|t| c.triple(t))
            .map_err(stream_err)?,
        RdfSyntax::NTriples => NTriplesParser::new()
            .parse_str(text)
            .try_for_each_triple(|t| c.triple(t))
            .map_err(stream_err)?,
        RdfSyntax::TriG => TriGParser::new()
            .with_base(base_ref(base_url))
            .parse_str(text)
            .try_for_each_quad(|q| c.quad(q))
            .map_err(stream_err)?,
        RdfSyntax::NQuads => NQuadsParser::new()
            .parse_str(text)
            .try_for_each_quad(|q| c.quad(q))
            .map_err(stream_err)?,
        RdfSyntax::RdfXml | RdfSyntax::JsonLd => {
            return Err(format!("{} is not a text syntax", syntax.name()))
        }
    }
    Ok(c.finish())
}

/// RDF/XML: DOCTYPE neutralised, strict parse, then one retry with bad attributes repaired and
/// the text rdflib ignores removed.
fn parse_rdfxml(text: &str, base_url: &str, out: &mut ParsedRdf) -> Result<(), ParseError> {
    let prepared = prepare_rdfxml(text, false, &mut out.warnings, &mut Vec::new())?;
    let first = match parse_rdfxml_once(&prepared, base_url) {
        Ok((g, n)) => {
            out.graph = g;
            out.triples = n;
            return Ok(());
        }
        Err(e) => e,
    };
    let mut repairs = Vec::new();
    let repaired = prepare_rdfxml(text, true, &mut Vec::new(), &mut repairs)?;
    let attributes = repairs.len();
    let relaxed = relax_rdfxml(&repaired, &mut repairs)?;
    let texts = repairs.len() - attributes;
    if relaxed.as_ref() != prepared.as_ref() {
        if let Ok((g, n)) = parse_rdfxml_once(&relaxed, base_url) {
            out.graph = g;
            out.triples = n;
            if attributes > 0 {
                out.warnings.push(format!(
                    "repaired {attributes} invalid IRI or language attributes in RDF/XML"
                ));
            }
            if texts > 0 {
                out.warnings.push(format!(
                    "ignored {texts} pieces of text misplaced in RDF/XML (as rdflib does)"
                ));
            }
            out.repairs.extend(repairs);
            return Ok(());
        }
    }
    Err(ParseError::Syntax {
        syntax: "RDF/XML",
        reason: first,
    })
}

fn parse_rdfxml_once(text: &str, base_url: &str) -> Result<(Graph, usize), String> {
    guarded(|| parse_rdfxml_unguarded(text, base_url))
}

fn parse_rdfxml_unguarded(text: &str, base_url: &str) -> Result<(Graph, usize), String> {
    let parser = sophia::xml::parser::RdfXmlParser {
        base: sophia::iri::Iri::new(base_url.to_owned()).ok(),
    };
    let mut c = Collector::new();
    parser
        .parse_str(text)
        .try_for_each_triple(|t| c.triple(t))
        .map_err(stream_err)?;
    Ok(c.finish())
}

/// Nesting depth of a JSON text (brackets outside strings).
fn json_depth_exceeds(text: &str, limit: usize) -> bool {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for b in text.bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// JSON-LD contexts bundled with the harvester, by URL (no network access ever).
fn bundled_context(url: &str) -> Option<serde_json::Value> {
    let url = url.trim().trim_end_matches('#');
    let known = [
        "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld",
        "http://project-open-data.cio.gov/v1.1/schema/catalog.jsonld",
    ];
    if known.contains(&url) {
        return serde_json::from_str(POD_CONTEXT).ok();
    }
    None
}

/// Project Open Data (DCAT-US 1.1) terms, written for the harvester from the DCAT-US field
/// mapping (the remote file is never fetched).
const POD_CONTEXT: &str = r#"{
  "dcat": "http://www.w3.org/ns/dcat#",
  "dct": "http://purl.org/dc/terms/",
  "foaf": "http://xmlns.com/foaf/0.1/",
  "vcard": "http://www.w3.org/2006/vcard/ns#",
  "org": "http://www.w3.org/ns/org#",
  "xsd": "http://www.w3.org/2001/XMLSchema#",
  "pod": "https://project-open-data.cio.gov/v1.1/schema#",
  "Catalog": "dcat:Catalog",
  "Dataset": "dcat:Dataset",
  "Distribution": "dcat:Distribution",
  "Organization": "foaf:Organization",
  "dataset": "dcat:dataset",
  "title": "dct:title",
  "description": "dct:description",
  "keyword": "dcat:keyword",
  "modified": "dct:modified",
  "issued": "dct:issued",
  "publisher": "dct:publisher",
  "name": "foaf:name",
  "subOrganizationOf": "org:subOrganizationOf",
  "contactPoint": "dcat:contactPoint",
  "fn": "vcard:fn",
  "hasEmail": {"@id": "vcard:hasEmail", "@type": "@id"},
  "identifier": "dct:identifier",
  "accessLevel": "pod:accessLevel",
  "bureauCode": "pod:bureauCode",
  "programCode": "pod:programCode",
  "license": {"@id": "dct:license", "@type": "@id"},
  "rights": "dct:rights",
  "spatial": "dct:spatial",
  "temporal": "dct:temporal",
  "distribution": "dcat:distribution",
  "downloadURL": {"@id": "dcat:downloadURL", "@type": "@id"},
  "accessURL": {"@id": "dcat:accessURL", "@type": "@id"},
  "mediaType": "dcat:mediaType",
  "format": "dct:format",
  "accrualPeriodicity": "dct:accrualPeriodicity",
  "conformsTo": {"@id": "dct:conformsTo", "@type": "@id"},
  "describedBy": {"@id": "http://www.w3.org/2007/05/powder-s#describedby", "@type": "@id"},
  "describedByType": "pod:describedByType",
  "isPartOf": "dct:isPartOf",
  "language": "dct:language",
  "landingPage": {"@id": "dcat:landingPage", "@type": "@id"},
  "primaryITInvestmentUII": "pod:primaryITInvestmentUII",
  "references": {"@id": "dct:references", "@type": "@id"},
  "systemOfRecords": {"@id": "pod:systemOfRecords", "@type": "@id"},
  "theme": "dcat:theme",
  "dataQuality": "pod:dataQuality"
}"#;

/// Replace bundled remote contexts by their content, remove every other remote reference
/// (`@context` strings, `@import`), recording the dropped URLs.
fn neutralise_contexts(v: &mut serde_json::Value, dropped: &mut BTreeSet<String>) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            if let Some(ctx) = map.get_mut("@context") {
                let keep = neutralise_context_value(ctx, dropped);
                if !keep {
                    map.remove("@context");
                }
            }
            for (k, child) in map.iter_mut() {
                if k != "@context" {
                    neutralise_contexts(child, dropped);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                neutralise_contexts(item, dropped);
            }
        }
        _ => {}
    }
}

/// Returns false when the whole context value must be removed.
fn neutralise_context_value(ctx: &mut serde_json::Value, dropped: &mut BTreeSet<String>) -> bool {
    use serde_json::Value;
    match ctx {
        Value::String(url) => match bundled_context(url) {
            Some(c) => {
                *ctx = c;
                true
            }
            None => {
                dropped.insert(url.clone());
                false
            }
        },
        Value::Array(items) => {
            let mut kept = Vec::with_capacity(items.len());
            for mut item in std::mem::take(items) {
                if neutralise_context_value(&mut item, dropped) {
                    kept.push(item);
                }
            }
            *items = kept;
            true
        }
        Value::Object(def) => {
            if let Some(Value::String(url)) = def.get("@import") {
                dropped.insert(url.clone());
                def.remove("@import");
            }
            // Scoped contexts inside term definitions.
            for (_, term) in def.iter_mut() {
                if let Value::Object(term_def) = term {
                    if let Some(inner) = term_def.get_mut("@context") {
                        if !neutralise_context_value(inner, dropped) {
                            term_def.remove("@context");
                        }
                    }
                }
            }
            true
        }
        _ => true,
    }
}

/// JSON-LD: bounded depth, no remote contexts, expansion by `sophia::jsonld`.
fn parse_jsonld(text: &str, base_url: &str, out: &mut ParsedRdf) -> Result<(), ParseError> {
    if json_depth_exceeds(text, MAX_JSON_DEPTH) {
        return Err(ParseError::TooDeep {
            limit: MAX_JSON_DEPTH,
        });
    }
    let mut value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| ParseError::Syntax {
            syntax: "JSON-LD",
            reason: e.to_string(),
        })?;
    let mut dropped = BTreeSet::new();
    neutralise_contexts(&mut value, &mut dropped);
    for url in &dropped {
        out.warnings.push(format!(
            "remote JSON-LD @context {url} not loaded (never fetched): terms it defines are ignored"
        ));
    }
    let doc = value.to_string();
    let base = base_url.to_owned();
    // JSON-LD expansion recurses (deeply in debug builds: ~100 KiB of stack per nesting level),
    // so it runs on its own thread with a stack sized for MAX_JSON_DEPTH whatever the caller's
    // (tokio's blocking threads have 2 MiB). The reservation is virtual: only touched pages cost.
    let worker = std::thread::Builder::new()
        .name("jsonld-parse".into())
        .stack_size(JSONLD_STACK_BYTES)
        .spawn(move || expand_jsonld(&doc, &base))
        .map_err(|e| ParseError::Syntax {
            syntax: "JSON-LD",
            reason: format!("cannot start the JSON-LD parser: {e}"),
        })?;
    let (graph, triples) = worker.join().map_err(|_| ParseError::Syntax {
        syntax: "JSON-LD",
        reason: "the JSON-LD parser crashed".into(),
    })??;
    out.graph = graph;
    out.triples = triples;
    Ok(())
}

/// Stack of the JSON-LD parsing thread.
const JSONLD_STACK_BYTES: usize = 64 * 1024 * 1024;

fn expand_jsonld(doc: &str, base_url: &str) -> Result<(Graph, usize), ParseError> {
    use sophia::jsonld::{JsonLdOptions, JsonLdParser, JsonLdQuadSource};
    let mut options = JsonLdOptions::new();
    if let Ok(base) = sophia::iri::Iri::new(Arc::<str>::from(base_url)) {
        options = options.with_base(base);
    }
    let parser = JsonLdParser::new_with_options(options);
    // The default loader (`NoLoader`) never touches the network; the future needs no runtime.
    let source = futures::executor::block_on(parser.async_parse_str(doc));
    let quads = match source {
        JsonLdQuadSource::Quads(quads) => quads,
        JsonLdQuadSource::Err(e) => {
            return Err(ParseError::Syntax {
                syntax: "JSON-LD",
                reason: e.map_or_else(|| "unknown error".into(), |e| e.to_string()),
            })
        }
    };
    let mut c = Collector::new();
    for (spo, _graph_name) in quads {
        let [s, p, o] = spo;
        c.add(convert(&s), convert(&p), convert(&o));
    }
    Ok(c.finish())
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

    #[test]
    fn deep_json_is_refused() {
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        let err = parse_as(RdfSyntax::JsonLd, deep.as_bytes(), "http://x/").unwrap_err();
        assert_eq!(
            err,
            ParseError::TooDeep {
                limit: MAX_JSON_DEPTH
            }
        );
    }

    #[test]
    fn deepest_accepted_json_ld_fits_a_small_stack() {
        // Nested node objects up to the depth limit, parsed from a thread with tokio's
        // blocking-pool stack size: no overflow.
        let levels = MAX_JSON_DEPTH;
        let mut doc = String::new();
        for i in 0..levels {
            doc.push_str(&format!("{{\"@id\": \"http://x/n{i}\", \"http://x/p\": "));
        }
        doc.push_str("\"leaf\"");
        doc.push_str(&"}".repeat(levels));
        let handle = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || {
                parse_as(RdfSyntax::JsonLd, doc.as_bytes(), "http://x/").map(|p| p.triples)
            })
            .unwrap();
        assert_eq!(handle.join().unwrap(), Ok(levels));
    }

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
    fn remote_context_is_dropped_with_warning() {
        let doc = r#"{"@context": "https://example.org/ctx.jsonld", "@id": "http://x/d",
            "title": "dropped", "http://purl.org/dc/terms/title": "kept"}"#;
        let p = parse_as(RdfSyntax::JsonLd, doc.as_bytes(), "http://x/").unwrap();
        assert_eq!(p.graph.len(), 1);
        assert!(p.warnings[0].contains("https://example.org/ctx.jsonld"));
    }

    #[test]
    fn geonetwork_record_shapes_parse_leniently() {
        let doc = r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dct="http://purl.org/dc/terms/" xmlns:dcat="http://www.w3.org/ns/dcat#">
<dcat:Dataset rdf:about="fr-200053742/2019/limite/bud"> stray
  <dct:title xml:lang="fr-FR-x-!!">T</dct:title>
  <dct:accessRights rdf:resource="http://r/noLimitations">Pas de restriction</dct:accessRights>
  <dcat:distribution><dcat:Distribution rdf:about="http://x/a b"/></dcat:distribution>
</dcat:Dataset></rdf:RDF>"#;
        let p = parse_as_given(RdfSyntax::RdfXml, doc.as_bytes()).unwrap();
        let nt = p
            .graph
            .write_ntriples(p.graph.triples(), &mut Default::default());
        assert!(
            nt.contains("<fr-200053742/2019/limite/bud> <http://purl.org/dc/terms/title> \"T\" ."),
            "{nt}"
        );
        assert!(
            nt.contains("<http://purl.org/dc/terms/accessRights> <http://r/noLimitations>"),
            "{nt}"
        );
        assert!(nt.contains("<http://x/a%20b>"), "{nt}");
        assert_eq!(p.repairs.len(), 4, "{:?}", p.repairs);
        // The same relative identifier, resolved when asked to.
        let p = parse_as(
            RdfSyntax::RdfXml,
            doc.as_bytes(),
            "http://csw.example/srv/fre/csw",
        )
        .unwrap();
        assert!(p
            .graph
            .iri_id("http://csw.example/srv/fre/fr-200053742/2019/limite/bud")
            .is_some());
    }

    #[test]
    fn bad_turtle_iri_and_tag_cost_only_themselves() {
        let ttl = "<http://x/a b> <http://purl.org/dc/terms/title> \"x\"@fr-FR-x-!! .\n<rel> <http://purl.org/dc/terms/title> \"y\" .";
        let p = parse_as_given(RdfSyntax::Turtle, ttl.as_bytes()).unwrap();
        assert!(p.graph.iri_id("http://x/a%20b").is_some());
        assert!(p.graph.iri_id("rel").is_some());
        assert_eq!(p.repairs.len(), 2, "{:?}", p.repairs);
    }

    #[test]
    fn relative_iris_resolve_against_page() {
        let ttl = b"<d1> <http://purl.org/dc/terms/title> \"x\" .";
        let p = parse_as(RdfSyntax::Turtle, ttl, "http://x.org/cat/page").unwrap();
        assert!(p.graph.iri_id("http://x.org/cat/d1").is_some());
    }
}
