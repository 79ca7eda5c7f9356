//! Deterministic synthetic open-data catalogs for the benchmarks.
//!
//! A catalog is a seed and a size. Dataset `i` is generated from its own RNG
//! (`StdRng::seed_from_u64(mix(seed, i))`), so any page of a 100,000-dataset catalog is produced
//! on the fly in time proportional to the page, and the same seed always gives the same bytes.
//! Datasets have the shape of real portal entries: HTML descriptions, 2–8 keywords, 1–2 themes,
//! a licence, an update frequency, issued/modified dates, a temporal coverage, a WKT polygon,
//! a contact point, a publisher and 3–10 distributions (format, media type, size, checksum).
//!
//! Variants model what happens between two nightly runs: a [`Variant`] alters a
//! deterministic share of the datasets (new title and modification date) and drops another
//! (for archiving). Which datasets are affected depends only on the
//! seed, the index and the share.
//!
//! This file uses only `std` and `rand` so that the worker's micro benchmarks can include it
//! (`#[path]`) beside [`super::rdf`] without depending on this crate.

// Explicit paths: the micro benchmarks include this file by `#[path]`, where child modules
// would otherwise be looked up beside it.
#[path = "synth/vocab.rs"]
mod vocab;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub use vocab::LICENSES;
use vocab::{EXTRA_KEYWORDS, FORMATS, FREQUENCIES, PLACES, QUALIFIERS, SENTENCES, TOPICS};

/// What the remote serves compared with the original catalog: a share of the datasets changed
/// (new title and later modification date) and a share removed (no longer listed). The shares
/// are drawn independently, deterministically for the seed.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Variant {
    /// Share (0–1) of the datasets with a new title and a later modification date.
    pub changed: f64,
    /// Share (0–1) of the datasets no longer listed.
    pub removed: f64,
}

impl Variant {
    /// The catalog as generated.
    pub const ORIGINAL: Variant = Variant {
        changed: 0.0,
        removed: 0.0,
    };

    /// `share` of the datasets changed.
    pub fn changed(share: f64) -> Self {
        Self {
            changed: share,
            removed: 0.0,
        }
    }

    /// `share` of the datasets removed.
    pub fn removed(share: f64) -> Self {
        Self {
            changed: 0.0,
            removed: share,
        }
    }

    /// Short label for reports: `original`, `changed-10%`, `changed-10%+removed-5%`.
    pub fn label(&self) -> String {
        let mut parts = Vec::new();
        if self.changed > 0.0 {
            parts.push(format!("changed-{}%", (self.changed * 100.0).round()));
        }
        if self.removed > 0.0 {
            parts.push(format!("removed-{}%", (self.removed * 100.0).round()));
        }
        if parts.is_empty() {
            "original".into()
        } else {
            parts.join("+")
        }
    }
}

/// One distribution of a synthetic dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthDistribution {
    /// UUID (CKAN resource id).
    pub id: String,
    pub iri: String,
    pub title: String,
    pub description: String,
    pub download_url: String,
    pub format: &'static str,
    pub media_type: &'static str,
    pub byte_size: u64,
    pub issued: String,
    pub modified: String,
    /// SHA-1 hex, when the portal publishes one.
    pub checksum: Option<String>,
}

/// One synthetic dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthDataset {
    pub index: usize,
    /// UUID: `dct:identifier` in DCAT, `id` in CKAN (the last 8 hex digits are the index).
    pub id: String,
    /// CKAN name (`…-<index>`).
    pub name: String,
    pub iri: String,
    pub title: String,
    pub description_html: String,
    pub keywords: Vec<String>,
    /// EU data theme codes (`ENVI`, `TRAN`…).
    pub themes: Vec<&'static str>,
    /// Index into [`LICENSES`].
    pub license: usize,
    /// EU frequency code.
    pub frequency: &'static str,
    /// `YYYY-MM-DDTHH:MM:SS`.
    pub issued: String,
    /// `YYYY-MM-DDTHH:MM:SS`.
    pub modified: String,
    pub landing_page: String,
    pub temporal: (String, String),
    /// Closed ring of (longitude, latitude).
    pub polygon: Vec<(f64, f64)>,
    pub contact_name: String,
    pub contact_email: String,
    pub publisher: String,
    pub distributions: Vec<SynthDistribution>,
    /// Whether the variant altered this dataset.
    pub changed: bool,
}

impl SynthDataset {
    /// `POLYGON((lon lat, …))`.
    pub fn wkt(&self) -> String {
        let ring: Vec<String> = self
            .polygon
            .iter()
            .map(|(x, y)| format!("{x:.5} {y:.5}"))
            .collect();
        format!("POLYGON(({}))", ring.join(", "))
    }

    /// The same polygon as a GeoJSON geometry (CKAN `spatial` extra).
    pub fn geojson(&self) -> String {
        let ring: Vec<String> = self
            .polygon
            .iter()
            .map(|(x, y)| format!("[{x:.5}, {y:.5}]"))
            .collect();
        format!(
            "{{\"type\": \"Polygon\", \"coordinates\": [[{}]]}}",
            ring.join(", ")
        )
    }

    /// Licence IRI, CKAN id and title.
    pub fn license_info(&self) -> (&'static str, &'static str, &'static str) {
        LICENSES[self.license % LICENSES.len()]
    }
}

/// SplitMix64: the seed mixer (one step).
pub fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A stable 64-bit value for (seed, index, salt).
pub fn mix(seed: u64, index: u64, salt: u64) -> u64 {
    splitmix64(seed ^ splitmix64(index ^ splitmix64(salt)))
}

/// A uniform number in [0, 1) for (seed, index, salt).
fn unit(seed: u64, index: u64, salt: u64) -> f64 {
    (mix(seed, index, salt) >> 11) as f64 / (1u64 << 53) as f64
}

const SALT_DATASET: u64 = 1;
const SALT_CHANGED: u64 = 2;
const SALT_REMOVED: u64 = 3;

/// Whether dataset `index` is among the `share` changed by a [`Variant`].
pub fn is_changed(seed: u64, index: usize, share: f64) -> bool {
    unit(seed, index as u64, SALT_CHANGED) < share
}

/// Whether dataset `index` is among the `share` removed by a [`Variant`].
pub fn is_removed(seed: u64, index: usize, share: f64) -> bool {
    unit(seed, index as u64, SALT_REMOVED) < share
}

/// Whether dataset `index` is listed under `variant`.
pub fn is_listed(seed: u64, index: usize, variant: Variant) -> bool {
    variant.removed <= 0.0 || !is_removed(seed, index, variant.removed)
}

/// Base host of a catalog: `data.synthetic-<seed>.example.org`.
pub fn domain(seed: u64) -> String {
    format!("data.synthetic-{seed}.example.org")
}

/// Dataset index encoded in a dataset UUID or CKAN name, when it has the generator's shape.
pub fn index_of(id_or_name: &str) -> Option<usize> {
    let tail = id_or_name.rsplit('-').next()?;
    if id_or_name.len() == 36 && tail.len() == 12 {
        return usize::from_str_radix(&tail[4..], 16).ok();
    }
    tail.parse().ok()
}

/// Days since 1970-01-01 → (year, month, day) (Howard Hinnant's `civil_from_days`).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `YYYY-MM-DDTHH:MM:SS` for a number of seconds since the epoch.
pub fn datetime(secs: i64) -> String {
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

/// HTTP date (`Last-Modified`) for a number of seconds since the epoch.
pub fn http_date(secs: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs.div_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let s = secs.rem_euclid(86_400);
    format!(
        "{}, {d:02} {} {y:04} {:02}:{:02}:{:02} GMT",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(m as usize).saturating_sub(1) % 12],
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

/// 2012-01-01T00:00:00Z.
const EPOCH_2012: i64 = 1_325_376_000;
/// 2025-06-30T00:00:00Z: nothing is modified after this in the original catalog.
const LAST_ORIGINAL: i64 = 1_751_241_600;
/// 2025-09-01T00:00:00Z: modification date of changed datasets.
const CHANGE_DATE: i64 = 1_756_684_800;

fn pick<T: Copy>(rng: &mut StdRng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

fn uuid(rng: &mut StdRng, index: Option<usize>) -> String {
    let a: u32 = rng.random();
    let b: u16 = rng.random();
    let c: u16 = rng.random::<u16>() & 0x0fff;
    let d: u16 = (rng.random::<u16>() & 0x3fff) | 0x8000;
    let e = match index {
        Some(i) => format!("{:04x}{:08x}", rng.random::<u16>(), i as u32),
        None => format!("{:012x}", rng.random::<u64>() & 0xffff_ffff_ffff),
    };
    format!("{a:08x}-{b:04x}-4{c:03x}-{d:04x}-{e}")
}

fn ascii_slug(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = match c {
            'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' | 'É' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            c => c.to_ascii_lowercase(),
        };
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

fn description(rng: &mut StdRng, topic: &str, place: &str, year: i64) -> String {
    let mut html = format!(
        "<p>Ce jeu de données présente les <strong>{}</strong> de {place} pour l'année {year}.</p>",
        topic.to_lowercase()
    );
    for _ in 0..rng.random_range(1..4) {
        html.push_str("<p>");
        for k in 0..rng.random_range(1..4) {
            if k > 0 {
                html.push(' ');
            }
            html.push_str(pick(rng, SENTENCES));
        }
        html.push_str("</p>");
    }
    if rng.random_bool(0.6) {
        html.push_str("<ul>");
        for _ in 0..rng.random_range(2..5) {
            html.push_str("<li>");
            html.push_str(pick(rng, SENTENCES));
            html.push_str("</li>");
        }
        html.push_str("</ul>");
    }
    if rng.random_bool(0.4) {
        html.push_str(&format!(
            "<p>Voir aussi la <a href=\"https://www.{}.example.org/donnees\">page des données</a> et \
             la <em>documentation</em> associée.</p>",
            ascii_slug(place)
        ));
    }
    html
}

/// Generate dataset `index` of the catalog `seed` under `variant`; `None` when the variant
/// removed it. Never fails.
pub fn dataset(seed: u64, index: usize, variant: Variant) -> Option<SynthDataset> {
    if !is_listed(seed, index, variant) {
        return None;
    }
    let mut d = base_dataset(seed, index);
    if variant.changed > 0.0 && is_changed(seed, index, variant.changed) {
        d.changed = true;
        d.title = format!("{} (édition révisée)", d.title);
        d.modified = datetime(CHANGE_DATE + (index as i64 % 86_400));
    }
    Some(d)
}

fn base_dataset(seed: u64, index: usize) -> SynthDataset {
    let mut rng = StdRng::seed_from_u64(mix(seed, index as u64, SALT_DATASET));
    let (topic, topic_kw, theme) = pick(&mut rng, TOPICS);
    let (place, place_slug, lon, lat) = pick(&mut rng, PLACES);
    let qualifier = pick(&mut rng, QUALIFIERS);
    let year = rng.random_range(2012..2025);
    let title = format!("{topic} {qualifier} — {place} {year}");
    let name = format!(
        "{}-{}-{place_slug}-{year}-{index}",
        ascii_slug(topic),
        ascii_slug(qualifier)
    );
    let host = domain(seed);
    let id = uuid(&mut rng, Some(index));
    let iri = format!("https://{host}/dataset/{name}");
    let mut keywords = vec![topic_kw.to_owned(), place_slug.to_owned(), year.to_string()];
    for _ in 0..rng.random_range(0..6) {
        let k = pick(&mut rng, EXTRA_KEYWORDS).to_owned();
        if !keywords.contains(&k) {
            keywords.push(k);
        }
    }
    let mut themes = vec![theme];
    if rng.random_bool(0.3) {
        let (_, _, other) = pick(&mut rng, TOPICS);
        if other != theme {
            themes.push(other);
        }
    }
    let issued_secs = rng.random_range(EPOCH_2012..LAST_ORIGINAL - 86_400 * 30);
    let modified_secs = rng.random_range(issued_secs..LAST_ORIGINAL);
    let half_w = rng.random_range(0.01..0.3);
    let half_h = rng.random_range(0.01..0.2);
    let (dx, dy) = (rng.random_range(-0.1..0.1), rng.random_range(-0.1..0.1));
    let (cx, cy) = (lon + dx, lat + dy);
    let polygon = vec![
        (cx - half_w, cy - half_h),
        (cx + half_w, cy - half_h),
        (cx + half_w, cy + half_h),
        (cx - half_w, cy + half_h),
        (cx - half_w, cy - half_h),
    ];
    let n_dist = rng.random_range(3..=10);
    let mut distributions = Vec::with_capacity(n_dist);
    let files = format!("https://static.{host}/files/{name}");
    for k in 0..n_dist {
        let (format, media_type, ext) = pick(&mut rng, FORMATS);
        let d_issued = rng.random_range(issued_secs..=modified_secs);
        let d_modified = rng.random_range(d_issued..=modified_secs);
        distributions.push(SynthDistribution {
            id: uuid(&mut rng, None),
            iri: format!("{iri}/distribution/{k}"),
            title: format!("{topic} {year} — fichier {} ({format})", k + 1),
            description: pick(&mut rng, SENTENCES).to_string(),
            download_url: format!("{files}/{k}.{ext}"),
            format,
            media_type,
            byte_size: rng.random_range(512..50_000_000),
            issued: datetime(d_issued),
            modified: datetime(d_modified),
            checksum: rng.random_bool(0.5).then(|| {
                format!(
                    "{:016x}{:016x}{:08x}",
                    rng.random::<u64>(),
                    rng.random::<u64>(),
                    rng.random::<u32>()
                )
            }),
        });
    }
    SynthDataset {
        index,
        id,
        name: name.clone(),
        iri,
        description_html: description(&mut rng, topic, place, year),
        title,
        keywords,
        themes,
        license: rng.random_range(0..LICENSES.len()),
        frequency: pick(&mut rng, FREQUENCIES),
        issued: datetime(issued_secs),
        modified: datetime(modified_secs),
        landing_page: format!("https://www.{place_slug}.example.org/donnees/{name}"),
        temporal: (format!("{year}-01-01"), format!("{year}-12-31")),
        polygon,
        contact_name: format!("Service {topic_kw}, {place}"),
        contact_email: format!("opendata@{place_slug}.example.org"),
        publisher: place.to_owned(),
        distributions,
        changed: false,
    }
}

/// Seconds since the epoch of a `YYYY-MM-DDTHH:MM:SS` string made by [`datetime`] (0 if not).
pub fn parse_datetime(s: &str) -> i64 {
    let num = |a: usize, b: usize| s.get(a..b).and_then(|x| x.parse::<i64>().ok());
    let (Some(y), Some(m), Some(d)) = (num(0, 4), num(5, 7), num(8, 10)) else {
        return 0;
    };
    let (hh, mm, ss) = (
        num(11, 13).unwrap_or(0),
        num(14, 16).unwrap_or(0),
        num(17, 19).unwrap_or(0),
    );
    // days_from_civil
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + hh * 3600 + mm * 60 + ss
}

/// Lognormal sizes (deterministic for `seed`) scaled so that they add up to about `total`,
/// each at least `min`: the size distribution of a national portal's sources (a few huge
/// catalogs, many small ones).
pub fn lognormal_sizes(
    seed: u64,
    count: usize,
    total: usize,
    sigma: f64,
    min: usize,
) -> Vec<usize> {
    let mut rng = StdRng::seed_from_u64(splitmix64(seed ^ 0x5EED));
    let raw: Vec<f64> = (0..count)
        .map(|_| {
            // Box–Muller.
            let u1: f64 = rng.random_range(f64::EPSILON..1.0);
            let u2: f64 = rng.random();
            let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
            (sigma * z).exp()
        })
        .collect();
    let sum: f64 = raw.iter().sum();
    if sum <= 0.0 || count == 0 {
        return vec![min; count];
    }
    let budget = total.saturating_sub(min * count) as f64;
    raw.iter()
        .map(|r| min + (r / sum * budget).round() as usize)
        .collect()
}

#[cfg(test)]
#[path = "synth/tests.rs"]
mod tests;
