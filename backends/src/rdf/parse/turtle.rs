//! The Turtle family (Turtle, TriG, N-Triples, N-Quads, N3 read as Turtle): a strict parse,
//! then retries that declare undeclared prefixes, repair bad IRIs and language tags, and read
//! Turtle served as N-Triples as TriG.

use std::borrow::Cow;

use sophia::api::parser::{QuadParser, TripleParser};
use sophia::api::source::{QuadSource, TripleSource};
use sophia::iri::resolve::BaseIriRef;

use super::collect::{stream_err, Collector};
use super::{guarded, ParseError, ParsedRdf, RdfSyntax};
use crate::rdf::graph::Graph;
use crate::rdf::notes::Repair;
use crate::rdf::repair::repair_turtle;

fn base_ref(url: &str) -> Option<BaseIriRef<Box<str>>> {
    BaseIriRef::new(Box::<str>::from(url)).ok()
}

/// Most undeclared prefixes declared for a retry.
const MAX_UNDECLARED_PREFIXES: usize = 16;

/// Turtle, TriG, N-Triples, N-Quads, N3: strict parse, then retries with repairs: undeclared
/// prefixes declared (with a `urn:x-undeclared-prefix:` namespace, so their terms are kept but
/// recognisably foreign), bad IRIs and language tags fixed.
pub(super) fn parse_text_family(
    syntax: RdfSyntax,
    text: &str,
    base_url: &str,
    out: &mut ParsedRdf,
) -> Result<(), ParseError> {
    let mut current = Cow::Borrowed(text);
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
                        current = Cow::Owned(format!(
                            "@prefix {prefix}: <urn:x-undeclared-prefix:{prefix}:> .\n{current}"
                        ));
                        declared.push(prefix);
                        continue;
                    }
                }
                if repaired.is_none() {
                    if let Some((fixed, fixes)) = repair_turtle(&current) {
                        current = Cow::Owned(fixed);
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

#[cfg(test)]
mod tests {
    use crate::rdf::parse::{parse_as_given, RdfSyntax};

    #[test]
    fn bad_turtle_iri_and_tag_cost_only_themselves() {
        let ttl = "<http://x/a b> <http://purl.org/dc/terms/title> \"x\"@fr-FR-x-!! .\n<rel> <http://purl.org/dc/terms/title> \"y\" .";
        let p = parse_as_given(RdfSyntax::Turtle, ttl.as_bytes()).unwrap();
        assert!(p.graph.iri_id("http://x/a%20b").is_some());
        assert!(p.graph.iri_id("rel").is_some());
        assert_eq!(p.repairs.len(), 2, "{:?}", p.repairs);
    }
}
