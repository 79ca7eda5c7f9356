//! Arbitrary strings through every helper that reads remote text: dates, periods, frequencies,
//! formats and MIME types, license guessing, Markdown conversion, slugs, tags, sizes, URLs,
//! geometries (WKT, GeoJSON, bounding boxes) and the DKAN date formats.
#![no_main]

use harvest_fuzz::licenses;
use libfuzzer_sys::fuzz_target;
use backends::ckan::parse_remote_date;
use backends::ckan_api::Dialect;
use backends::mapping::values::{self, SizeRule};
use backends::mapping::{dates, formats, frequency, ids, markdown, tags, text};
use backends::rdf::{dcat_map, geo};

fuzz_target!(init: harvest_fuzz::init(), |data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let s = s.as_ref();
    if let Some(d) = dates::parse_date(s) {
        let _ = dates::to_bson(d);
        let _ = dates::not_in_future(d, chrono::Utc::now());
    }
    let _ = dates::end_of_period(s);
    let _ = parse_remote_date(s, Dialect::Ckan);
    let _ = parse_remote_date(s, Dialect::Dkan);
    let _ = frequency::map_frequency(s);
    let _ = formats::normalize_format(s);
    let _ = formats::mime_type(s);
    let _ = formats::format_from_url(s);
    let _ = licenses().guess(s);
    let _ = markdown::html_to_markdown(s);
    let _ = text::slugify(s);
    let _ = text::clean_text(s);
    let _ = text::title_from_url(s);
    let _ = tags::normalize_tags(s.split(','));
    let _ = ids::resource_id(s, s);
    let _ = ids::url_hash(s);
    for rule in [SizeRule::Bytes, SizeRule::Human, SizeRule::Loose] {
        let _ = values::byte_size(s, rule);
    }
    let _ = dcat_map::is_valid_url(s);
    if let Ok(polygons) = geo::polygons_from_wkt(s) {
        let _ = geo::multipolygon_doc(&polygons);
    }
    if let Ok(polygons) = geo::polygons_from_geojson(s) {
        let _ = geo::multipolygon_doc(&polygons);
    }
    let _ = geo::polygons_from_bbox(s);
});
