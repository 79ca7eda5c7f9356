//! The mapping side of a backend test: a fixed "now", dates at it, the built-in licences and the
//! mapping and item contexts of a source.

use backends::fetch::Fetcher;
use backends::harvester::ItemContext;
use backends::mapping::{LicenseGuesser, MapContext};
use chrono::{DateTime, TimeZone, Utc};
use common::model::HarvestSource;

/// The fixed "now" of mapping tests.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 6, 1, 12, 0, 0).unwrap()
}

/// A BSON date at a UTC time (milliseconds included).
pub fn bson_at(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32, ms: i64) -> bson::DateTime {
    let t = Utc.with_ymd_and_hms(y, m, d, h, min, s).unwrap() + chrono::Duration::milliseconds(ms);
    bson::DateTime::from_chrono(t)
}

/// A BSON date at midnight UTC.
pub fn bson_day(y: i32, m: u32, d: u32) -> bson::DateTime {
    bson_at(y, m, d, 0, 0, 0, 0)
}

/// The built-in licence list, shared by every mapping test.
pub fn licenses() -> &'static LicenseGuesser {
    static LICENSES: std::sync::OnceLock<LicenseGuesser> = std::sync::OnceLock::new();
    LICENSES.get_or_init(LicenseGuesser::builtin)
}

/// The mapping context of `source` at [`now`].
pub fn map_context(source: &HarvestSource) -> MapContext<'_> {
    MapContext {
        source,
        licenses: licenses(),
        now: now(),
    }
}

/// The item context of `source` (mapping at [`now`], nothing remembered, no conditional
/// requests).
pub fn item_context<'a>(source: &'a HarvestSource, fetcher: &'a Fetcher) -> ItemContext<'a> {
    ItemContext {
        source,
        fetcher,
        map: map_context(source),
        previous: None,
        conditional: false,
    }
}
