//! Any JSON through the OpenDataSoft dataset mapper (and its id, hash and INSPIRE helpers).
#![no_main]

use harvest_fuzz::{map_context, source};
use libfuzzer_sys::fuzz_target;
use backends::ods::{content_hash, dataset_id, is_inspire, map_dataset};

fuzz_target!(init: harvest_fuzz::init(), |data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let source = source("ods");
    let ctx = map_context(&source);
    let _ = dataset_id(&value);
    let _ = content_hash(&value);
    let _ = is_inspire(&value);
    let _ = map_dataset(&value, &ctx);
});
