//! OpenDataSoft backend: harvests an ODS portal from its public root URL through the Explore API
//! v2.1 catalog, following the spec's OpenDataSoft table (the behaviour of udata-ods).
//!
//! Gather pages `{root}/api/explore/v2.1/catalog/datasets?limit=100&offset=N` (source filters
//! become facet `refine` / `exclude` parameters) and hands each dataset's full JSON to its item,
//! so items never re-fetch. Process maps it: the data API becomes CSV and JSON exports (plus
//! GeoJSON and Shapefile for spatial data), each attachment and each alternative export becomes a
//! resource; datasets with no data at all and, unless the `inspire` option is set, datasets ODS
//! flags as INSPIRE are skipped.

mod portal;

use async_trait::async_trait;
use common::model::{
    Dataset, FilterKind, HarvestDatasetMetadata, HarvestResourceMetadata, Resource, SkipReason,
};
use serde_json::{Map, Value};

use crate::error::HarvestError;
use crate::fetch::Fetcher;
use crate::harvester::{Identity, ItemContext};
use crate::json_api::hash::canonical_hash;
use crate::json_api::search::{self, Found, OffsetPaged, Page};
use crate::json_api::{json_request, Answer, JsonApi, PackageMapping};
use crate::listing::Listing;
use crate::mapping::values::{self, string};
use crate::mapping::{
    dates, formats, harvested, ids, markdown, resource, tags, text, MapContext, MapError,
};

pub use portal::Portal;

/// The OpenDataSoft backend (`ods`).
pub struct OdsBackend;

/// Datasets per catalog page (the API's maximum).
pub const PAGE_SIZE: usize = 100;
/// The catalog API refuses `offset + limit` above this.
pub const MAX_WINDOW: usize = 10_000;
/// Above this many records the Shapefile export would be truncated by ODS: not offered
/// (udata-ods' `SHAPEFILE_RECORDS_LIMIT`).
pub const SHAPEFILE_RECORDS_LIMIT: u64 = 50_000;
/// License used when the dataset's free license field matches nothing (the spec: "deviné sinon
/// LOv2").
pub const DEFAULT_LICENSE: &str = "lov2";
/// The source option that makes INSPIRE-flagged datasets harvested.
pub const INSPIRE_FEATURE: &str = "inspire";

/// udata-ods' extra license titles, tried after the raw license field.
const LICENSES: &[(&str, &str)] = &[
    ("Open Database License (ODbL)", "odc-odbl"),
    ("Licence Ouverte (Etalab)", "fr-lo"),
    ("Licence ouverte / Open Licence", "fr-lo"),
    ("CC BY-SA", "cc-by-sa"),
    ("Public Domain", "other-pd"),
];

/// The data API exports: ODS format name, title label, udata format, MIME type.
const EXPORTS: &[(&str, &str, &str, Option<&str>)] = &[
    ("csv", "CSV", "csv", Some("text/csv")),
    ("json", "JSON", "json", Some("application/json")),
    (
        "geojson",
        "GeoJSON",
        "geojson",
        Some("application/vnd.geo+json"),
    ),
    ("shp", "Shapefile", "shp", None),
];

#[async_trait]
impl JsonApi for OdsBackend {
    const IDENTITY: Identity = Identity::new("ods", "OpenDataSoft")
        .with_filters(&["tags", "publisher"])
        .with_features(&[INSPIRE_FEATURE]);
    const PAYLOAD: &'static str = "ODS dataset payload";

    async fn gather(&self, listing: &mut Listing<'_>) -> Result<(), HarvestError> {
        let source = listing.context().source;
        let (facets, ignored) = facet_params(&source.config.filters);
        for note in ignored {
            listing.note(note);
        }
        let catalog = Catalog {
            portal: Portal::new(&source.url),
            facets,
        };
        search::list(&catalog, listing).await
    }

    fn carried(&self, value: Value, _remote_id: &str) -> Result<Value, HarvestError> {
        Ok(unwrap_dataset(&value).clone())
    }

    // Items carry their JSON; fetching one dataset is kept for payload-less items.
    async fn fetch(&self, ctx: &ItemContext<'_>, remote_id: &str) -> Result<Answer, HarvestError> {
        let url = Portal::new(&ctx.source.url).dataset_api_url(remote_id);
        let validators = ctx.validators();
        let fetched = ctx
            .fetcher
            .get(&url, json_request(validators.as_ref()))
            .await?;
        if fetched.not_modified {
            return Ok(Answer::NotModified { url });
        }
        let value = read_json(&fetched.body, "ODS dataset", &url)?;
        Ok(Answer::Document {
            document: unwrap_dataset(&value).clone(),
            validators: fetched.validators,
        })
    }

    fn content_hash(&self, document: &Value) -> String {
        content_hash(document)
    }

    fn map(&self, document: &Value, ctx: &MapContext<'_>) -> Result<PackageMapping, MapError> {
        map_dataset(document, ctx)
    }
}

/// The catalog API's dataset pages, with the facets of the source filters.
struct Catalog {
    portal: Portal,
    facets: Vec<(String, String)>,
}

#[async_trait]
impl OffsetPaged for Catalog {
    const OFFSET: &'static str = "offset";
    const RESULT: &'static str = "dataset";
    const IDENTIFIER: &'static str = "dataset_id";
    const CARRIED: &'static str = "ODS dataset";

    fn page_url(&self, offset: usize) -> Result<String, String> {
        if offset >= MAX_WINDOW {
            return Err(format!(
                "the ODS catalog API cannot page beyond {MAX_WINDOW} datasets: \
                 the listing is partial"
            ));
        }
        let limit = PAGE_SIZE.min(MAX_WINDOW - offset);
        Ok(self.portal.catalog_url(limit, offset, &self.facets))
    }

    async fn page(&self, fetcher: &Fetcher, url: &str) -> Result<Page, HarvestError> {
        let fetched = fetcher.get_page(url, json_request(None)).await?;
        let answer = read_json(&fetched.body, "ODS catalog page", url)?;
        Page::read(
            answer,
            "total_count",
            url,
            "ODS catalog page",
            "no `results` list (is the source URL an OpenDataSoft portal root?)",
        )
    }

    fn identify<'r>(&self, entry: &'r Value) -> Option<Found<'r>> {
        let document = unwrap_dataset(entry);
        let remote_id = dataset_id(document)?;
        Some(Found {
            remote_url: Some(self.portal.explore_url(&remote_id)),
            remote_id,
            document,
        })
    }
}

/// A JSON answer of the API at `url` (`what` names it in errors).
fn read_json(body: &[u8], what: &'static str, url: &str) -> Result<Value, HarvestError> {
    serde_json::from_slice(body).map_err(|e| HarvestError::Parse {
        what,
        url: url.to_owned(),
        reason: format!("not JSON: {e}"),
    })
}

/// Source filters as ODS facet parameters: `tags` → the `keyword` facet, `publisher` →
/// `publisher`, any other key as its own facet; `refine=facet:value` to include,
/// `exclude=facet:value` to exclude. The second member lists ignored filters.
pub fn facet_params(filters: &[common::model::Filter]) -> (Vec<(String, String)>, Vec<String>) {
    let mut params = Vec::new();
    let mut ignored = Vec::new();
    for f in filters {
        let Some(value) = values::scalar_text(&f.value) else {
            ignored.push(format!(
                "filter {:?} ignored: value {} is not a string",
                f.key, f.value
            ));
            continue;
        };
        let key = f.key.trim();
        if key.is_empty() || value.is_empty() {
            ignored.push(format!("filter {key:?} ignored: empty key or value"));
            continue;
        }
        let facet = match key {
            "tags" => "keyword",
            other => other,
        };
        let op = match f.kind {
            FilterKind::Include => "refine",
            FilterKind::Exclude => "exclude",
        };
        params.push((op.to_owned(), format!("{facet}:{value}")));
    }
    (params, ignored)
}

/// The v2.0 API wraps each dataset (`{"dataset": {...}, "links": [...]}`); v2.1 does not.
fn unwrap_dataset(entry: &Value) -> &Value {
    match entry.get("dataset") {
        Some(inner) if inner.is_object() && entry.get("dataset_id").is_none() => inner,
        _ => entry,
    }
}

/// `dataset_id` (v2), or `datasetid` (v1).
pub fn dataset_id(dataset: &Value) -> Option<String> {
    values::first_str(dataset, &["dataset_id", "datasetid"])
}

/// SHA-256 of the dataset's canonical JSON, API navigation links left out.
pub fn content_hash(dataset: &Value) -> String {
    let mut cleaned = dataset.clone();
    if let Value::Object(map) = &mut cleaned {
        map.remove("links");
        map.remove("_links");
    }
    canonical_hash(&cleaned)
}

/// The `default` metadata template (v2), or the flat `metas` (v1).
fn default_metas(dataset: &Value) -> Map<String, Value> {
    let metas = dataset.get("metas");
    match metas
        .and_then(|m| m.get("default"))
        .and_then(Value::as_object)
    {
        Some(default) => default.clone(),
        None => metas
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
    }
}

/// Whether ODS flags the dataset as INSPIRE: a non-empty `inspire` template, in `interop_metas`
/// (v1 with `interopmetas=true`) or among the v2 `metas` templates.
pub fn is_inspire(dataset: &Value) -> bool {
    let template = |container: Option<&Value>| {
        container
            .and_then(|c| c.get("inspire"))
            .and_then(Value::as_object)
            .is_some_and(|o| o.values().any(|v| !v.is_null()))
    };
    template(dataset.get("interop_metas")) || template(dataset.get("metas"))
}

/// A string or a list of strings.
fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

fn objects<'a>(dataset: &'a Value, key: &str) -> Vec<&'a Map<String, Value>> {
    match dataset.get(key) {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_object).collect(),
        _ => Vec::new(),
    }
}

/// Map one ODS catalog dataset onto a udata dataset.
pub fn map_dataset(dataset: &Value, ctx: &MapContext<'_>) -> Result<PackageMapping, MapError> {
    let dataset = unwrap_dataset(dataset);
    if !dataset.is_object() {
        return Err(MapError::Invalid {
            field: "dataset",
            reason: "not a JSON object".into(),
        });
    }
    let id = dataset_id(dataset).ok_or(MapError::MissingField {
        field: "dataset_id",
    })?;
    let metas = default_metas(dataset);
    let has_records = dataset
        .get("has_records")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let attachments = objects(dataset, "attachments");
    let alternative_exports = objects(dataset, "alternative_exports");

    if !has_records && attachments.is_empty() && alternative_exports.is_empty() {
        return Ok(PackageMapping::Skipped(
            SkipReason::NoResources,
            format!("dataset {id} has no record, attachment nor alternative export"),
        ));
    }
    if is_inspire(dataset) && !ctx.source.feature(INSPIRE_FEATURE) {
        return Ok(PackageMapping::Skipped(
            SkipReason::Filtered,
            format!(
                "dataset {id} has INSPIRE metadata: skipped unless the source's \
                 `{INSPIRE_FEATURE}` option is set"
            ),
        ));
    }

    let portal = Portal::new(&ctx.source.url);
    let mut warnings = Vec::new();
    let title = string(&metas, "title")
        .and_then(|t| text::clean_text(&t))
        .unwrap_or_else(|| id.clone());
    let description = string(&metas, "description")
        .map(|d| markdown::html_to_markdown(&d).trim().to_owned())
        .unwrap_or_default();

    let mut raw_tags = strings(metas.get("keyword"));
    for theme in strings(metas.get("theme")) {
        raw_tags.extend(theme.split(',').map(|t| t.trim().to_lowercase()));
    }
    let tags = tags::normalize_tags(raw_tags);

    let license_field = string(&metas, "license");
    let mut candidates: Vec<String> = Vec::new();
    if let Some(l) = &license_field {
        candidates.push(l.clone());
        if let Some((_, mapped)) = LICENSES.iter().find(|(title, _)| title == l) {
            candidates.push((*mapped).to_owned());
        }
    }
    if let Some(url) = string(&metas, "license_url") {
        candidates.push(url);
    }
    let license = match candidates.iter().find_map(|c| ctx.licenses.guess(c)) {
        Some(l) => l.id.clone(),
        None => {
            if let Some(l) = &license_field {
                warnings.push(format!("unknown license {l:?}: {DEFAULT_LICENSE} used"));
            }
            DEFAULT_LICENSE.to_owned()
        }
    };

    let modified_at = match string(&metas, "modified") {
        Some(raw) => match dates::parse_date(&raw) {
            Some(d) => Some(dates::to_bson(dates::not_in_future(d, ctx.now))),
            None => {
                warnings.push(format!("unparseable metas.modified {raw:?}"));
                None
            }
        },
        None => None,
    };

    let features = strings(dataset.get("features"));
    let geo = features.iter().any(|f| f == "geo");
    let records_count = metas.get("records_count").and_then(Value::as_u64);

    let dataset_key = format!("{}/{id}", ctx.source.id.to_hex());
    let resource_harvest = || {
        Some(HarvestResourceMetadata {
            modified_at,
            ..Default::default()
        })
    };
    let mut resources = Vec::new();

    // The data API: CSV and JSON, plus GeoJSON and (unless truncated) Shapefile for geo data.
    if has_records {
        let description = fields_description(dataset);
        let mut wanted = vec!["csv", "json"];
        if geo {
            wanted.push("geojson");
            if records_count.is_none_or(|n| n <= SHAPEFILE_RECORDS_LIMIT) {
                wanted.push("shp");
            }
        }
        for (ods_format, label, format, mime) in EXPORTS {
            if !wanted.contains(ods_format) {
                continue;
            }
            let url = portal.export_url(&id, ods_format);
            let mut extras = bson::Document::new();
            extras.insert("ods:type", "api");
            resources.push(Resource {
                title: format!("Export au format {label}"),
                description: description.clone(),
                kind: "main".into(),
                format: Some((*format).to_owned()),
                mime: mime.map(str::to_owned),
                extras,
                harvest: resource_harvest(),
                ..resource::remote(ids::resource_id(&dataset_key, &url), url)
            });
        }
    }

    // Alternative exports, then attachments, as udata-ods orders them.
    for (kind, files) in [
        ("alternative_export", &alternative_exports),
        ("attachment", &attachments),
    ] {
        let plural = format!("{kind}s");
        for file in files.iter() {
            let Some(file_id) = string(file, "id") else {
                warnings.push(format!("an {kind} without id was ignored"));
                continue;
            };
            let url = portal.file_url(&id, &plural, &file_id);
            // The file's own name (`odsfile://gtfs.zip`) gives a title and a format when ODS
            // gives none.
            let source_name = string(file, "url").unwrap_or_default();
            let file_name = source_name.trim_start_matches("odsfile://");
            let mime = string(file, "mimetype").and_then(|m| formats::mime_type(&m));
            let format = mime
                .as_deref()
                .and_then(formats::normalize_format)
                .or_else(|| formats::format_from_url(file_name));
            let title = string(file, "title")
                .and_then(|t| text::clean_text(&t))
                .or_else(|| (!file_name.is_empty()).then(|| text::title_from_url(file_name)))
                .unwrap_or_else(|| file_id.clone());
            let mut extras = bson::Document::new();
            extras.insert("ods:type", kind);
            resources.push(Resource {
                title,
                description: string(file, "description")
                    .map(|d| markdown::html_to_markdown(&d).trim().to_owned())
                    .filter(|d| !d.is_empty()),
                kind: "main".into(),
                format,
                mime,
                extras,
                harvest: resource_harvest(),
                ..resource::remote(ids::resource_id(&dataset_key, &url), url)
            });
        }
    }

    let explore = portal.explore_url(&id);
    let mut extras = bson::Document::new();
    extras.insert("ods:url", explore.clone());
    if let Some(references) = string(&metas, "references") {
        extras.insert("ods:references", references);
    }
    extras.insert("ods:has_records", has_records);
    extras.insert("ods:geo", geo);

    let harvest = HarvestDatasetMetadata {
        remote_url: Some(explore),
        modified_at,
        ..harvested::metadata(ctx, "ods", id)
    };
    // Public: the catalog API lists public datasets only.
    let dataset = Dataset {
        title,
        description,
        license: Some(license),
        tags,
        resources,
        frequency: Some("unknown".into()),
        extras,
        harvest: Some(harvest),
        ..Default::default()
    };
    Ok(PackageMapping::mapped(dataset, warnings))
}

/// The data API resources' description: one line per field, `- *label*: name[type] description`
/// (udata-ods' `description_from_fields`).
fn fields_description(dataset: &Value) -> Option<String> {
    let fields = objects(dataset, "fields");
    if fields.is_empty() {
        return None;
    }
    let mut out = String::new();
    for field in fields {
        let name = string(field, "name").unwrap_or_default();
        let label = string(field, "label").unwrap_or_else(|| name.clone());
        let kind = string(field, "type").unwrap_or_default();
        out.push_str(&format!("- *{label}*: {name}[{kind}]"));
        if let Some(description) = string(field, "description") {
            out.push(' ');
            out.push_str(&description);
        }
        out.push('\n');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use common::model::Filter;
    use serde_json::json;

    #[test]
    fn facets() {
        let filters = vec![
            Filter {
                key: "tags".into(),
                value: json!("transport"),
                kind: FilterKind::Include,
            },
            Filter {
                key: "publisher".into(),
                value: json!("Ville de Paris"),
                kind: FilterKind::Exclude,
            },
        ];
        let (params, ignored) = facet_params(&filters);
        assert!(ignored.is_empty());
        assert_eq!(
            params,
            vec![
                ("refine".to_owned(), "keyword:transport".to_owned()),
                ("exclude".to_owned(), "publisher:Ville de Paris".to_owned()),
            ]
        );
    }

    #[test]
    fn inspire_flag() {
        assert!(is_inspire(
            &json!({"interop_metas": {"inspire": {"file_identifier": "x"}}})
        ));
        assert!(is_inspire(
            &json!({"metas": {"default": {}, "inspire": {"theme": ["x"]}}})
        ));
        assert!(!is_inspire(
            &json!({"metas": {"default": {}, "inspire": {"theme": null}}})
        ));
        assert!(!is_inspire(&json!({"metas": {"default": {}}})));
    }
}
