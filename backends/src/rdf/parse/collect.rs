//! From what a sophia parser streams to our [`Graph`]: terms converted, statements a graph
//! cannot hold (literal subject, non-IRI predicate) dropped, the rest counted.

use std::convert::Infallible;

use sophia::api::quad::Quad;
use sophia::api::source::StreamError;
use sophia::api::term::{Term as SophiaTerm, TermKind};
use sophia::api::triple::Triple as SophiaTriple;

use crate::rdf::graph::{Graph, Term};

/// Convert a sophia term (any parser) into ours; triple terms and variables are skipped.
pub(super) fn convert<T: SophiaTerm>(t: T) -> Option<Term> {
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
pub(super) struct Collector {
    graph: Graph,
    count: usize,
}

impl Collector {
    pub(super) fn new() -> Self {
        Self {
            graph: Graph::new(),
            count: 0,
        }
    }

    pub(super) fn triple<T: SophiaTriple>(&mut self, t: T) -> Result<(), Infallible> {
        self.add(convert(t.s()), convert(t.p()), convert(t.o()));
        Ok(())
    }

    pub(super) fn quad<Q: Quad>(&mut self, q: Q) -> Result<(), Infallible> {
        self.add(convert(q.s()), convert(q.p()), convert(q.o()));
        Ok(())
    }

    pub(super) fn add(&mut self, s: Option<Term>, p: Option<Term>, o: Option<Term>) {
        if let (Some(s), Some(p), Some(o)) = (s, p, o) {
            if !s.is_literal() && matches!(p, Term::Iri(_)) {
                self.count += 1;
                self.graph.insert(s, p, o);
            }
        }
    }

    pub(super) fn finish(self) -> (Graph, usize) {
        (self.graph, self.count)
    }
}

pub(super) fn stream_err<E: std::error::Error>(e: StreamError<E, Infallible>) -> String {
    match e {
        StreamError::SourceError(e) => e.to_string(),
        StreamError::SinkError(never) => match never {},
    }
}
