//! The RDF/XML writer of synthetic pages: typed node elements, nested in their properties.

use std::fmt::Write as _;

use super::{namespace, Node, Value};

fn xml_escape(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

pub(super) fn xml_node(out: &mut String, node: &Node, depth: usize) {
    let indent = "  ".repeat(depth);
    let (tp, tl) = node
        .types
        .first()
        .copied()
        .unwrap_or(("rdf", "Description"));
    let _ = write!(out, "{indent}<{tp}:{tl}");
    if let Some(iri) = &node.iri {
        out.push_str(" rdf:about=\"");
        xml_escape(out, iri);
        out.push('"');
    }
    out.push_str(">\n");
    for (p, l) in node.types.iter().skip(1) {
        let _ = writeln!(
            out,
            "{indent}  <rdf:type rdf:resource=\"{}{l}\"/>",
            namespace(p)
        );
    }
    for ((p, l), v) in &node.props {
        match v {
            Value::Iri(iri) => {
                let _ = write!(out, "{indent}  <{p}:{l} rdf:resource=\"");
                xml_escape(out, iri);
                out.push_str("\"/>\n");
            }
            Value::Lit(lit) => {
                let _ = write!(out, "{indent}  <{p}:{l}");
                if let Some(lang) = lit.lang {
                    let _ = write!(out, " xml:lang=\"{lang}\"");
                } else if let Some((dp, dl)) = lit.datatype {
                    let _ = write!(out, " rdf:datatype=\"{}{dl}\"", namespace(dp));
                }
                out.push('>');
                xml_escape(out, &lit.value);
                let _ = writeln!(out, "</{p}:{l}>");
            }
            Value::Node(n) => {
                let _ = writeln!(out, "{indent}  <{p}:{l}>");
                xml_node(out, n, depth + 2);
                let _ = writeln!(out, "{indent}  </{p}:{l}>");
            }
        }
    }
    let _ = writeln!(out, "{indent}</{tp}:{tl}>");
}
