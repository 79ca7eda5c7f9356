//! JSON-LD, safely: nesting bounded before any recursion, remote `@context`s never fetched (a
//! few are bundled, the others removed with a warning), expansion by `sophia::jsonld` on its
//! own thread with a stack sized for the nesting bound.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::collect::{convert, Collector};
use super::{ParseError, ParsedRdf};
use crate::rdf::graph::Graph;

/// Deepest JSON nesting accepted (JSON-LD expansion is recursive).
pub const MAX_JSON_DEPTH: usize = 64;

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
pub(super) fn parse_jsonld(
    text: &str,
    base_url: &str,
    out: &mut ParsedRdf,
) -> Result<(), ParseError> {
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
    use crate::rdf::parse::{parse_as, RdfSyntax};

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
    fn remote_context_is_dropped_with_warning() {
        let doc = r#"{"@context": "https://example.org/ctx.jsonld", "@id": "http://x/d",
            "title": "dropped", "http://purl.org/dc/terms/title": "kept"}"#;
        let p = parse_as(RdfSyntax::JsonLd, doc.as_bytes(), "http://x/").unwrap();
        assert_eq!(p.graph.len(), 1);
        assert!(p.warnings[0].contains("https://example.org/ctx.jsonld"));
    }
}
