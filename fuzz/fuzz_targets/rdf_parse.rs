//! Any bytes, with a content type chosen by the first byte, through the page parser
//! (`parse_rdf`: detection, sniffing, DOCTYPE neutralisation, repairs, JSON-LD without remote
//! contexts) and, when it parses, the split into per-dataset items and the next-page lookup.
#![no_main]

use harvest_fuzz::{BASE, CONTENT_TYPES};
use libfuzzer_sys::fuzz_target;
use backends::rdf::catalog::{content_hash, extract_items};
use backends::rdf::parse::parse_rdf;

fuzz_target!(init: harvest_fuzz::init(), |data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let content_type = CONTENT_TYPES[selector as usize % CONTENT_TYPES.len()];
    if let Ok(parsed) = parse_rdf(body, content_type, BASE) {
        let items = extract_items(&parsed.graph, BASE, None);
        for item in items.items.into_iter().flatten() {
            if let common::model::Payload::Rdf { ntriples, .. } = &item.payload {
                let _ = content_hash(ntriples);
            }
        }
    }
});
