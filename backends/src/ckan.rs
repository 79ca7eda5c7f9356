//! CKAN backend: harvests a CKAN portal through its action API and maps each package onto a
//! udata dataset following the spec's CKAN table (the behaviour of udata-ckan).
//!
//! Listing and fetching are shared with DKAN in [`super::ckan_api`]; this file holds the backend
//! registration and the package → dataset mapping (resources in [`resource`]), which DKAN reuses
//! through its [`Dialect`] (dates, sizes and visibility differ, nothing else).

mod resource;

use chrono::{DateTime, Utc};
use common::model::{Dataset, DateRange, HarvestDatasetMetadata, Resource, SkipReason};
use serde_json::{Map, Value};

use crate::mapping::values::string;
use crate::mapping::{
    dates, frequency, harvested, ids, markdown, spatial, tags, text, MapContext, MapError,
};

use super::ckan_api::{package_key, ActionApi, ActionApiBackend, Dialect};
use super::dkan;
use resource::{map_resource, valid_url};

pub use crate::json_api::PackageMapping;

/// The CKAN backend (`ckan`).
pub struct CkanBackend;

impl ActionApiBackend for CkanBackend {
    const DIALECT: Dialect = Dialect::Ckan;
}

/// License used when the package names none that the reference list knows (udata's default).
pub use crate::mapping::license::DEFAULT_LICENSE;

/// Extras keys that hold the update frequency (udata-ckan reads `frequency`; DCAT-flavoured
/// portals use the others).
const FREQUENCY_EXTRAS: &[&str] = &["frequency", "accrual_periodicity", "accrualPeriodicity"];

/// Map a CKAN (or DKAN) package — the `result` of `package_show`, or one `package_search`
/// result — onto a udata dataset.
///
/// Skips (with the reason) private and non-active packages and packages without resources.
/// Fails only when the package has neither id nor name, or neither title nor name.
pub fn map_package(
    package: &Value,
    dialect: Dialect,
    ctx: &MapContext<'_>,
) -> Result<PackageMapping, MapError> {
    let Some(pkg) = package.as_object() else {
        return Err(MapError::Invalid {
            field: "package",
            reason: "not a JSON object".into(),
        });
    };
    let remote_id = package_key(package).ok_or(MapError::MissingField { field: "id" })?;
    let name = string(pkg, "name");
    let label = name.clone().unwrap_or_else(|| remote_id.clone());

    // Visibility. DKAN flags public datasets `private: true`, so only CKAN's flag is trusted.
    if dialect == Dialect::Ckan && truthy(pkg.get("private")) {
        return Ok(PackageMapping::Skipped(
            SkipReason::NotPublic,
            format!("package {label} is private"),
        ));
    }
    if let Some(state) = string(pkg, "state") {
        if !state.eq_ignore_ascii_case("active") {
            return Ok(PackageMapping::Skipped(
                SkipReason::NotPublic,
                format!("package {label} is not active (state: {state})"),
            ));
        }
    }
    let raw_resources: Vec<&Value> = match pkg.get("resources") {
        Some(Value::Array(items)) => items.iter().collect(),
        _ => Vec::new(),
    };
    if raw_resources.is_empty() {
        return Ok(PackageMapping::Skipped(
            SkipReason::NoResources,
            format!("package {label} has no resources"),
        ));
    }

    let mut warnings = Vec::new();
    let title = string(pkg, "title")
        .and_then(|t| text::clean_text(&t))
        .or_else(|| name.clone())
        .ok_or(MapError::MissingField { field: "title" })?;
    let description = string(pkg, "notes")
        .map(|n| markdown_of(&n))
        .unwrap_or_default();
    let tags = tags::normalize_tags(tag_names(pkg.get("tags")));

    // License: id, then title, then URL, through the reference list.
    let candidates: Vec<String> = ["license_id", "license_title", "license_url"]
        .iter()
        .filter_map(|k| string(pkg, k))
        .collect();
    // A generic "not specified" id does not hide a real license named by the title or URL.
    let guesses: Vec<&str> = candidates
        .iter()
        .filter_map(|c| ctx.licenses.guess(c))
        .map(|l| l.id.as_str())
        .collect();
    let license = match guesses
        .iter()
        .find(|id| **id != DEFAULT_LICENSE)
        .or_else(|| guesses.first())
    {
        Some(id) => (*id).to_owned(),
        None => {
            if !candidates.is_empty() {
                warnings.push(format!(
                    "unknown license {}: {DEFAULT_LICENSE} used",
                    candidates.join(" / ")
                ));
            }
            DEFAULT_LICENSE.to_owned()
        }
    };

    // Extras: the known keys are mapped, the others kept as they are.
    let mut extras = bson::Document::new();
    let mut frequency = None;
    let mut unknown_frequency = None;
    let mut temporal_start = None;
    let mut temporal_end = None;
    let mut spatial_geom = None;
    for (key, value) in extras_of(pkg.get("extras")) {
        if is_empty_value(&value) {
            continue;
        }
        let as_text = value_text(&value);
        match key.as_str() {
            "spatial" => match geometry(&value) {
                Ok(geom) => spatial_geom = Some(geom),
                Err(reason) => {
                    warnings.push(format!("extras.spatial not used: {reason}"));
                    extras.insert("ckan:spatial", as_text);
                }
            },
            // GeoZones are not known here: kept for a later lookup, as udata-ckan does when
            // its lookup fails.
            "spatial-text" => {
                extras.insert("ckan:spatial-text", as_text);
            }
            "spatial-uri" => {
                extras.insert("ckan:spatial-uri", as_text);
            }
            k if FREQUENCY_EXTRAS.contains(&k) => {
                if frequency.is_none() {
                    match frequency::map_frequency(&as_text) {
                        Some(f) => frequency = Some(f.to_owned()),
                        None => unknown_frequency = Some(as_text),
                    }
                }
            }
            "temporal_start" => temporal_start = Some(as_text),
            "temporal_end" => temporal_end = Some(as_text),
            _ => {
                extras.insert(key, json_to_bson(&value));
            }
        }
    }
    // ckanext-scheming / ckanext-dcat portals put the frequency at the top level.
    if frequency.is_none() {
        if let Some(value) = string(pkg, "frequency") {
            match frequency::map_frequency(&value) {
                Some(f) => frequency = Some(f.to_owned()),
                None => unknown_frequency = unknown_frequency.or(Some(value)),
            }
        }
    }
    if frequency.is_none() {
        if let Some(value) = unknown_frequency {
            warnings.push(format!(
                "unknown frequency {value:?} kept in ckan:frequency"
            ));
            extras.insert("ckan:frequency", value);
        }
    }

    let temporal_coverage = temporal(
        temporal_start.as_deref(),
        temporal_end.as_deref(),
        &mut warnings,
    );

    // Remote URL: the portal page, replaced by the package's own `url` when it is a valid URL,
    // kept in `ckan_source` otherwise (udata-ckan's rule).
    let api = ActionApi::new(&ctx.source.url);
    let mut remote_url = Some(api.dataset_url(name.as_deref().unwrap_or(&remote_id)));
    let mut ckan_source = None;
    if let Some(url) = string(pkg, "url") {
        match valid_url(&url) {
            Some(valid) => remote_url = Some(valid),
            None => ckan_source = Some(url),
        }
    }

    let created_at = date_field(pkg, "metadata_created", dialect, ctx, &mut warnings);
    let modified_at = date_field(pkg, "metadata_modified", dialect, ctx, &mut warnings);

    // Resources. Generated ids are keyed by source and package, so two sources harvesting the
    // same portal never share a resource id.
    let dataset_key = format!("{}/{remote_id}", ctx.source.id.to_hex());
    let mut resources: Vec<Resource> = Vec::new();
    for (index, raw) in raw_resources.iter().enumerate() {
        match map_resource(raw, index, &dataset_key, dialect, ctx, &mut warnings) {
            Ok(resource) => {
                if resources.iter().any(|r| r.id == resource.id) {
                    // The same CKAN id twice: give the duplicate its own stable id.
                    let mut resource = resource;
                    resource.id =
                        ids::resource_id(&dataset_key, &format!("{}#{index}", resource.url));
                    resources.push(resource);
                } else {
                    resources.push(resource);
                }
            }
            Err(reason) => warnings.push(format!("resource #{index} ignored: {reason}")),
        }
    }
    if resources.is_empty() {
        return Ok(PackageMapping::Skipped(
            SkipReason::NoResources,
            format!(
                "package {label} has no usable resource ({} without a valid URL)",
                raw_resources.len()
            ),
        ));
    }

    let harvest = HarvestDatasetMetadata {
        remote_url,
        created_at,
        modified_at,
        ckan_name: name.clone(),
        ckan_source,
        ..harvested::metadata(ctx, dialect.backend_name(), remote_id)
    };
    let dataset = Dataset {
        // Used by storage on creation only (udata-ckan: "if not dataset.slug"), made unique there.
        slug: name.clone().unwrap_or_default(),
        title,
        description,
        license: Some(license),
        tags,
        resources,
        private: false,
        frequency,
        temporal_coverage,
        spatial: spatial_geom.map(spatial::coverage_of_geometry),
        extras,
        harvest: Some(harvest),
        ..Default::default()
    };
    Ok(PackageMapping::mapped(dataset, warnings))
}

/// CKAN booleans come as JSON booleans or as strings (`"True"`, `"false"`).
fn truthy(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => matches!(
            s.trim().to_ascii_lowercase().as_str(),
            "true" | "t" | "yes" | "y" | "on" | "1"
        ),
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        _ => false,
    }
}

fn is_empty_value(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.trim().to_owned(),
        other => other.to_string(),
    }
}

fn json_to_bson(value: &Value) -> bson::Bson {
    match value {
        Value::String(s) => bson::Bson::String(s.clone()),
        other => bson::to_bson(other).unwrap_or_else(|_| bson::Bson::String(other.to_string())),
    }
}

/// Notes and descriptions: line endings normalised, HTML turned into Markdown.
fn markdown_of(raw: &str) -> String {
    let normalized = raw.replace("\r\n", "\n").replace('\r', "\n");
    let trimmed = normalized.trim();
    if trimmed.is_empty() {
        return String::new();
    }
    markdown::html_to_markdown(trimmed).trim().to_owned()
}

/// Tag names: `[{"name": …}]` (CKAN) or plain strings.
fn tag_names(tags: Option<&Value>) -> Vec<String> {
    let Some(Value::Array(items)) = tags else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|t| match t {
            Value::String(s) => Some(s.clone()),
            Value::Object(o) => o
                .get("name")
                .or_else(|| o.get("display_name"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            _ => None,
        })
        .collect()
}

/// `extras` as `[{"key": …, "value": …}]` (the API) or as an object (some exports).
fn extras_of(extras: Option<&Value>) -> Vec<(String, Value)> {
    match extras {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|e| {
                let key = e.get("key")?.as_str()?.trim();
                (!key.is_empty()).then(|| {
                    (
                        key.to_owned(),
                        e.get("value").cloned().unwrap_or(Value::Null),
                    )
                })
            })
            .collect(),
        Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        _ => Vec::new(),
    }
}

/// `extras.spatial`: a GeoJSON Polygon or MultiPolygon (string or object), as a MultiPolygon
/// document.
fn geometry(value: &Value) -> Result<bson::Document, String> {
    let parsed;
    let geo = match value {
        Value::String(s) => {
            parsed = serde_json::from_str::<Value>(s).map_err(|e| format!("not GeoJSON: {e}"))?;
            &parsed
        }
        other => other,
    };
    let kind = geo.get("type").and_then(Value::as_str).unwrap_or_default();
    let coordinates = geo
        .get("coordinates")
        .ok_or("GeoJSON without coordinates")?;
    let polygons = match kind {
        "Polygon" => Value::Array(vec![coordinates.clone()]),
        "MultiPolygon" => coordinates.clone(),
        other => return Err(format!("unsupported geometry type {other:?}")),
    };
    let Some(list) = polygons.as_array().filter(|l| !l.is_empty()) else {
        return Err("empty MultiPolygon".into());
    };
    if !list.iter().all(valid_polygon) {
        return Err("invalid polygon coordinates".into());
    }
    let mut doc = bson::Document::new();
    doc.insert("type", "MultiPolygon");
    doc.insert("coordinates", json_to_bson(&polygons));
    Ok(doc)
}

fn valid_polygon(polygon: &Value) -> bool {
    polygon.as_array().is_some_and(|rings| {
        !rings.is_empty()
            && rings.iter().all(|ring| {
                ring.as_array().is_some_and(|points| {
                    points.len() >= 4
                        && points.iter().all(|p| {
                            p.as_array().is_some_and(|xy| {
                                xy.len() >= 2 && xy.iter().all(|n| n.as_f64().is_some())
                            })
                        })
                })
            })
    })
}

/// `temporal_start` / `temporal_end`: partial dates widen to the start / end of their period
/// (`2011` → 2011-01-01 … 2011-12-31), reversed bounds are swapped.
fn temporal(
    start: Option<&str>,
    end: Option<&str>,
    warnings: &mut Vec<String>,
) -> Option<DateRange> {
    let mut bound = |value: Option<&str>, is_end: bool, key: &str| {
        let value = value?;
        let parsed = range_bound(value, is_end);
        if parsed.is_none() {
            warnings.push(format!("unparseable extras.{key} {value:?}"));
        }
        parsed
    };
    let mut start = bound(start, false, "temporal_start");
    let mut end = bound(end, true, "temporal_end");
    if start.is_none() && end.is_none() {
        return None;
    }
    if let (Some(s), Some(e)) = (start, end) {
        if s > e {
            std::mem::swap(&mut start, &mut end);
        }
    }
    Some(DateRange {
        start: start.map(dates::to_bson),
        end: end.map(dates::to_bson),
    })
}

/// A date range boundary at day precision (udata's `daterange_start` / `daterange_end`): a
/// partial date is the start, or the end, of its period.
fn range_bound(value: &str, is_end: bool) -> Option<DateTime<Utc>> {
    let parsed = if is_end {
        dates::end_of_period(value)
    } else {
        dates::parse_date(value)
    }?;
    Some(parsed.date_naive().and_hms_opt(0, 0, 0)?.and_utc())
}

/// A remote date field, never in the future; a warning when present but unparseable.
fn date_field(
    map: &Map<String, Value>,
    key: &str,
    dialect: Dialect,
    ctx: &MapContext<'_>,
    warnings: &mut Vec<String>,
) -> Option<bson::DateTime> {
    let raw = string(map, key)?;
    match parse_remote_date(&raw, dialect) {
        Some(d) => Some(dates::to_bson(dates::not_in_future(d, ctx.now))),
        None => {
            warnings.push(format!("unparseable {key} {raw:?}"));
            None
        }
    }
}

/// ISO 8601 and the usual variants, plus, for DKAN, Drupal's formatted dates.
pub fn parse_remote_date(raw: &str, dialect: Dialect) -> Option<DateTime<Utc>> {
    dates::parse_date(raw).or_else(|| match dialect {
        Dialect::Dkan => dkan::parse_date(raw),
        Dialect::Ckan => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_bounds_widen_partial_dates() {
        let d = |s, end| range_bound(s, end).map(|d| d.date_naive().to_string());
        assert_eq!(d("2011", false).as_deref(), Some("2011-01-01"));
        assert_eq!(d("2011", true).as_deref(), Some("2011-12-31"));
        assert_eq!(d("2012-02", true).as_deref(), Some("2012-02-29"));
        assert_eq!(d("2012-12", true).as_deref(), Some("2012-12-31"));
        assert_eq!(d("2012-02", false).as_deref(), Some("2012-02-01"));
    }

    #[test]
    fn geometry_polygon_becomes_multipolygon() {
        let poly = r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}"#;
        let doc = geometry(&Value::String(poly.into())).unwrap();
        assert_eq!(doc.get_str("type").unwrap(), "MultiPolygon");
        assert_eq!(doc.get_array("coordinates").unwrap().len(), 1);
        assert!(geometry(&serde_json::json!({"type": "Point", "coordinates": [1, 2]})).is_err());
        assert!(geometry(&Value::String("nope".into())).is_err());
    }
}
