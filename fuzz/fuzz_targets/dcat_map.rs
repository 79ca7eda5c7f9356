//! A dataset subgraph in N-Triples (first line: the root term) through the DCAT mapper, with a
//! fixed mapping context; then the subgraph hash used to skip unchanged datasets.
#![no_main]

use harvest_fuzz::{map_context, source, split_dcat_input};
use libfuzzer_sys::fuzz_target;
use backends::rdf::catalog::content_hash;
use backends::rdf::dcat_map::map_dataset;

fuzz_target!(init: harvest_fuzz::init(), |data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (root, ntriples) = split_dcat_input(text);
    let source = source("dcat");
    let ctx = map_context(&source);
    let _ = map_dataset(&root, ntriples, &ctx);
    let _ = content_hash(ntriples);
});
