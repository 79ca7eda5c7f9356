//! Any JSON through the CKAN action API side (envelope unwrapping, DKAN list unwrapping, the
//! content hash) and the package mapper, in both dialects.
#![no_main]

use harvest_fuzz::{map_context, source};
use libfuzzer_sys::fuzz_target;
use backends::ckan::map_package;
use backends::ckan_api::{content_hash, package_key, parse_envelope, unwrap_package, Dialect};

fuzz_target!(init: harvest_fuzz::init(), |data: &[u8]| {
    let source = source("ckan");
    let ctx = map_context(&source);
    // As an API answer…
    if let Ok(result) = parse_envelope(harvest_fuzz::BASE, Some("application/json"), data) {
        if let Some(package) = unwrap_package(result) {
            let _ = map_package(&package, Dialect::Ckan, &ctx);
        }
    }
    // …and as a package itself.
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let _ = package_key(&value);
    let _ = content_hash(&value);
    for dialect in [Dialect::Ckan, Dialect::Dkan] {
        let _ = map_package(&value, dialect, &ctx);
    }
});
