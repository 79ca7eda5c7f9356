//! The JSON-LD writer of synthetic pages: compact nodes under the page's inline `@context`.

use std::fmt::Write as _;

use super::{Node, Value};

fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

pub(super) fn json_node(out: &mut String, node: &Node) {
    out.push('{');
    let mut sep = "";
    if let Some(iri) = &node.iri {
        out.push_str("\"@id\": ");
        json_string(out, iri);
        sep = ", ";
    }
    if !node.types.is_empty() {
        out.push_str(sep);
        out.push_str("\"@type\": ");
        if node.types.len() > 1 {
            out.push('[');
        }
        for (i, (p, l)) in node.types.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            let _ = write!(out, "\"{p}:{l}\"");
        }
        if node.types.len() > 1 {
            out.push(']');
        }
        sep = ", ";
    }
    let mut i = 0;
    while i < node.props.len() {
        let (p, l) = node.props[i].0;
        let mut j = i;
        while j < node.props.len() && node.props[j].0 == (p, l) {
            j += 1;
        }
        let _ = write!(out, "{sep}\"{p}:{l}\": ");
        sep = ", ";
        if j - i > 1 {
            out.push('[');
        }
        for (k, (_, v)) in node.props[i..j].iter().enumerate() {
            if k > 0 {
                out.push_str(", ");
            }
            match v {
                Value::Iri(iri) => {
                    out.push_str("{\"@id\": ");
                    json_string(out, iri);
                    out.push('}');
                }
                Value::Lit(lit) => match (lit.lang, lit.datatype) {
                    (Some(lang), _) => {
                        out.push_str("{\"@value\": ");
                        json_string(out, &lit.value);
                        let _ = write!(out, ", \"@language\": \"{lang}\"}}");
                    }
                    (None, Some((dp, dl))) => {
                        out.push_str("{\"@value\": ");
                        json_string(out, &lit.value);
                        let _ = write!(out, ", \"@type\": \"{dp}:{dl}\"}}");
                    }
                    (None, None) => json_string(out, &lit.value),
                },
                Value::Node(n) => json_node(out, n),
            }
        }
        if j - i > 1 {
            out.push(']');
        }
        i = j;
    }
    out.push('}');
}
