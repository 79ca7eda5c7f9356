//! The Turtle writer of synthetic pages: one block per subject, blank nodes nested in `[ … ]`,
//! IRI nodes described in place written after their subject.

use std::fmt::Write as _;

use super::{Lit, Node, Value};

pub(super) fn ttl_escape(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
}

fn ttl_literal(out: &mut String, l: &Lit) {
    out.push('"');
    ttl_escape(out, &l.value);
    out.push('"');
    if let Some(lang) = l.lang {
        out.push('@');
        out.push_str(lang);
    } else if let Some((p, local)) = l.datatype {
        let _ = write!(out, "^^{p}:{local}");
    }
}

/// Subject block of an IRI node; its nested IRI nodes are written as blocks of their own after it.
pub(super) fn ttl_block(out: &mut String, node: &Node) {
    let mut later: Vec<&Node> = Vec::new();
    match &node.iri {
        Some(iri) => {
            let _ = write!(out, "<{iri}>");
        }
        None => out.push_str("[]"),
    }
    ttl_props(out, node, 1, &mut later);
    out.push_str(" .\n\n");
    for n in later {
        ttl_block(out, n);
    }
}

fn ttl_props<'a>(out: &mut String, node: &'a Node, depth: usize, later: &mut Vec<&'a Node>) {
    let indent = "    ".repeat(depth);
    let mut first = true;
    if !node.types.is_empty() {
        out.push_str(" a ");
        for (i, (p, l)) in node.types.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            let _ = write!(out, "{p}:{l}");
        }
        first = false;
    }
    let mut i = 0;
    while i < node.props.len() {
        let ((p, l), _) = &node.props[i];
        if first {
            out.push(' ');
            first = false;
        } else {
            let _ = write!(out, " ;\n{indent}");
        }
        let _ = write!(out, "{p}:{l} ");
        // Group consecutive values of the same predicate with commas.
        let mut j = i;
        while j < node.props.len() && node.props[j].0 == node.props[i].0 {
            if j > i {
                out.push_str(", ");
            }
            match &node.props[j].1 {
                Value::Iri(iri) => {
                    let _ = write!(out, "<{iri}>");
                }
                Value::Lit(lit) => ttl_literal(out, lit),
                Value::Node(n) => match &n.iri {
                    Some(iri) => {
                        let _ = write!(out, "<{iri}>");
                        later.push(n);
                    }
                    None => {
                        out.push('[');
                        ttl_props(out, n, depth + 1, later);
                        out.push_str(" ]");
                    }
                },
            }
            j += 1;
        }
        i = j;
    }
}
