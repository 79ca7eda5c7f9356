//! The N-Triples writer of synthetic pages: flat triples, blank nodes labelled in order.

use std::fmt::Write as _;

use super::turtle::ttl_escape;
use super::{namespace, Node, Value};

fn nt_term(out: &mut String, node: &Node, label: usize) {
    match &node.iri {
        Some(iri) => {
            let _ = write!(out, "<{iri}>");
        }
        None => {
            let _ = write!(out, "_:b{label}");
        }
    }
}

/// Write the triples of `node`; returns nothing, `bnodes` counts blank node labels used.
pub(super) fn nt_node(out: &mut String, node: &Node, bnodes: &mut usize) -> usize {
    let label = *bnodes;
    if node.iri.is_none() {
        *bnodes += 1;
    }
    for (p, l) in &node.types {
        nt_term(out, node, label);
        let _ = writeln!(out, " <{}type> <{}{l}> .", namespace("rdf"), namespace(p));
    }
    for ((p, l), v) in &node.props {
        match v {
            Value::Node(n) => {
                let child = nt_node(out, n, bnodes);
                nt_term(out, node, label);
                let _ = write!(out, " <{}{l}> ", namespace(p));
                nt_term(out, n, child);
                out.push_str(" .\n");
            }
            Value::Iri(iri) => {
                nt_term(out, node, label);
                let _ = writeln!(out, " <{}{l}> <{iri}> .", namespace(p));
            }
            Value::Lit(lit) => {
                nt_term(out, node, label);
                let _ = write!(out, " <{}{l}> \"", namespace(p));
                ttl_escape(out, &lit.value);
                out.push('"');
                if let Some(lang) = lit.lang {
                    let _ = write!(out, "@{lang}");
                } else if let Some((dp, dl)) = lit.datatype {
                    let _ = write!(out, "^^<{}{dl}>", namespace(dp));
                }
                out.push_str(" .\n");
            }
        }
    }
    label
}
