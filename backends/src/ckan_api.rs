//! The CKAN action API (`{portal}/api/3/action/…`) shared by the CKAN and DKAN backends.
//!
//! Both platforms answer the same envelope (`{"success": …, "result": …, "error": …}`) and list
//! their datasets the same way, so the HTTP side lives here once: URL building, envelope checks
//! (CKAN answers `200` with `success: false` on errors), the listing (`package_list`, or a paged
//! `package_search` with an `fq` built from the source filters), the per-item `package_show` with
//! conditional requests, and the content hash. The two backends differ only in the [`Dialect`]
//! they declare ([`ActionApiBackend`]), which the mapping in [`super::ckan`] consults for DKAN's
//! quirks; their items are processed as every JSON API backend's ([`crate::json_api`]).

mod envelope;

use async_trait::async_trait;
use common::model::{Filter, FilterKind, Payload};
use serde_json::Value;
use url::Url;

use crate::error::HarvestError;
use crate::fetch::{Fetcher, Validators};
use crate::harvester::{FailedItem, Identity, ItemContext, RemoteItem};
use crate::json_api::hash::canonical_hash;
use crate::json_api::search::{self, Found, OffsetPaged, Page};
use crate::json_api::{json_request, Answer, JsonApi, PackageMapping};
use crate::listing::{Flow, Listing};
use crate::mapping::{values, MapContext, MapError};

use super::ckan::map_package;

pub use envelope::parse_envelope;

/// Which flavour of the action API a portal speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// CKAN 2.x: ISO dates, `private`/`state` meaningful, `package_search` filtering.
    Ckan,
    /// DKAN's CKAN-compatible API: `package_show` answers a list, Drupal-formatted dates
    /// (`"mar, 10/12/2019 - 09:23"`), human sizes (`"42 octets"`), no filtering, and a `private`
    /// flag that is set on public datasets (so it is ignored).
    Dkan,
}

impl Dialect {
    /// The registered backend name, stored in `dataset.harvest.backend`.
    pub fn backend_name(self) -> &'static str {
        self.identity().name
    }

    /// The backend of this dialect: CKAN filters its listing by organization and tags, DKAN
    /// cannot filter.
    pub(crate) const fn identity(self) -> Identity {
        match self {
            Self::Ckan => Identity::new("ckan", "CKAN").with_filters(&["organization", "tags"]),
            Self::Dkan => Identity::new("dkan", "DKAN"),
        }
    }

    fn label(self) -> &'static str {
        self.identity().label
    }
}

/// A backend harvesting a portal through the action API, in its dialect.
pub(crate) trait ActionApiBackend: Send + Sync {
    const DIALECT: Dialect;
}

#[async_trait]
impl<B: ActionApiBackend> JsonApi for B {
    const IDENTITY: Identity = B::DIALECT.identity();
    const PAYLOAD: &'static str = "CKAN package payload";

    async fn gather(&self, listing: &mut Listing<'_>) -> Result<(), HarvestError> {
        gather(B::DIALECT, listing).await
    }

    fn carried(&self, value: Value, remote_id: &str) -> Result<Value, HarvestError> {
        unwrap_package(value).ok_or_else(|| HarvestError::Parse {
            what: Self::PAYLOAD,
            url: format!("item {remote_id}"),
            reason: "not a package object".into(),
        })
    }

    async fn fetch(&self, ctx: &ItemContext<'_>, remote_id: &str) -> Result<Answer, HarvestError> {
        let api = ActionApi::new(&ctx.source.url);
        let url = api.action_url("package_show", &[("id", remote_id)]);
        let validators = ctx.validators();
        match api.call(ctx.fetcher, &url, validators.as_ref()).await? {
            ActionAnswer::NotModified => Ok(Answer::NotModified { url }),
            ActionAnswer::Result { result, validators } => {
                let document = unwrap_package(result).ok_or_else(|| HarvestError::Parse {
                    what: "package_show result",
                    url: url.clone(),
                    reason: "no package in the answer".into(),
                })?;
                Ok(Answer::Document {
                    document,
                    validators,
                })
            }
        }
    }

    fn content_hash(&self, document: &Value) -> String {
        content_hash(document)
    }

    fn map(&self, document: &Value, ctx: &MapContext<'_>) -> Result<PackageMapping, MapError> {
        map_package(document, B::DIALECT, ctx)
    }
}

/// Rows per `package_search` page: CKAN's maximum (`ckan.search.rows_max` defaults to 1000).
pub const SEARCH_ROWS: usize = 1000;

/// Top-level package keys that change without the dataset changing (page views, followers,
/// revision bookkeeping); they are left out of the content hash.
const VOLATILE_PACKAGE_KEYS: &[&str] = &[
    "tracking_summary",
    "num_followers",
    "revision_timestamp",
    "revision_id",
];
/// The same, inside each resource.
const VOLATILE_RESOURCE_KEYS: &[&str] = &["tracking_summary", "revision_timestamp", "revision_id"];

/// The root URL of a portal's action API, built from the source URL (the CKAN root, not a
/// Drupal front-end, as the spec asks).
#[derive(Debug, Clone)]
pub struct ActionApi {
    root: String,
}

/// A successful action call.
#[derive(Debug, Clone)]
pub enum ActionAnswer {
    /// `result` of a `success: true` envelope, with the response's HTTP validators.
    Result {
        result: Value,
        validators: Validators,
    },
    /// The portal answered 304 to a conditional request.
    NotModified,
}

impl ActionApi {
    /// The API of the portal rooted at `source_url` (trailing slashes, query and fragment ignored).
    pub fn new(source_url: &str) -> Self {
        Self {
            root: super::portal_root(source_url),
        }
    }

    /// The portal root, without trailing slash.
    pub fn root(&self) -> &str {
        &self.root
    }

    /// `{root}/api/3/action/{endpoint}?{params}`, parameters percent-encoded.
    pub fn action_url(&self, endpoint: &str, params: &[(&str, &str)]) -> String {
        let base = format!("{}/api/3/action/{endpoint}", self.root);
        match Url::parse(&base) {
            Ok(mut url) if !params.is_empty() => {
                url.query_pairs_mut().extend_pairs(params.iter().copied());
                url.to_string()
            }
            Ok(url) => url.to_string(),
            // An unparseable source URL: the fetcher refuses it with a clear error.
            Err(_) => base,
        }
    }

    /// The public page of a dataset: `{root}/dataset/{name}`.
    pub fn dataset_url(&self, name: &str) -> String {
        let encoded =
            percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC)
                .to_string()
                // Keep CKAN names (`[a-z0-9_-]`) readable.
                .replace("%2D", "-")
                .replace("%5F", "_");
        format!("{}/dataset/{encoded}", self.root)
    }

    /// GET an action URL and unwrap its envelope.
    pub async fn call(
        &self,
        fetcher: &Fetcher,
        url: &str,
        validators: Option<&Validators>,
    ) -> Result<ActionAnswer, HarvestError> {
        let fetched = fetcher.get(url, json_request(validators)).await?;
        Self::answer(url, fetched)
    }

    /// A listing call (`package_list`, `package_search`): transient failures are retried
    /// ([`Fetcher::get_page`]), since nothing retries a listing later.
    pub async fn call_page(
        &self,
        fetcher: &Fetcher,
        url: &str,
    ) -> Result<ActionAnswer, HarvestError> {
        let fetched = fetcher.get_page(url, json_request(None)).await?;
        Self::answer(url, fetched)
    }

    fn answer(url: &str, fetched: crate::fetch::Fetched) -> Result<ActionAnswer, HarvestError> {
        if fetched.not_modified {
            return Ok(ActionAnswer::NotModified);
        }
        let result = parse_envelope(url, fetched.content_type.as_deref(), &fetched.body)?;
        Ok(ActionAnswer::Result {
            result,
            validators: fetched.validators,
        })
    }
}

/// The Solr filter query of the source filters, AND-combined: `organization:NAME`, `tags:NAME`,
/// `-key:value` for an exclusion. Values that are not plain Solr terms are quoted. `None` when
/// there is no usable filter; the second member lists filters that were ignored, with why.
pub fn filter_query(filters: &[Filter]) -> (Option<String>, Vec<String>) {
    let mut clauses = Vec::new();
    let mut ignored = Vec::new();
    for filter in filters {
        let key = filter.key.trim();
        let Some(value) = values::scalar_text(&filter.value) else {
            ignored.push(format!(
                "filter {key:?} ignored: value {} is not a string",
                filter.value
            ));
            continue;
        };
        if key.is_empty() || value.is_empty() || !is_solr_field(key) {
            ignored.push(format!(
                "filter {key:?}={value:?} ignored: empty or invalid key/value"
            ));
            continue;
        }
        let clause = format!("{key}:{}", solr_term(&value));
        clauses.push(match filter.kind {
            FilterKind::Include => clause,
            FilterKind::Exclude => format!("-{clause}"),
        });
    }
    let fq = (!clauses.is_empty()).then(|| clauses.join(" AND "));
    (fq, ignored)
}

fn is_solr_field(key: &str) -> bool {
    key.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
}

/// A Solr term: as is when it is a plain word, else double-quoted with `"` and `\` escaped.
fn solr_term(value: &str) -> String {
    const SPECIAL: &[char] = &[
        '"', '(', ')', ':', '[', ']', '{', '}', '^', '~', '*', '?', '\\', '/', '+', '!', '&', '|',
    ];
    let plain = !value.starts_with('-')
        && !value
            .chars()
            .any(|c| c.is_whitespace() || SPECIAL.contains(&c));
    if plain {
        value.to_owned()
    } else {
        let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
        format!("\"{escaped}\"")
    }
}

/// SHA-256 (hex) of the canonical form of a package: keys sorted at every level, volatile keys
/// ([`VOLATILE_PACKAGE_KEYS`], per-resource [`VOLATILE_RESOURCE_KEYS`]) removed. The same package
/// hashes the same whether it came from `package_search` or `package_show`.
pub fn content_hash(package: &Value) -> String {
    let mut cleaned = package.clone();
    if let Value::Object(map) = &mut cleaned {
        for key in VOLATILE_PACKAGE_KEYS {
            map.remove(*key);
        }
        if let Some(Value::Array(resources)) = map.get_mut("resources") {
            for resource in resources {
                if let Value::Object(r) = resource {
                    for key in VOLATILE_RESOURCE_KEYS {
                        r.remove(*key);
                    }
                }
            }
        }
    }
    canonical_hash(&cleaned)
}

/// DKAN answers `package_show` with a one-element list where CKAN answers the package itself;
/// some exports wrap it in an envelope. Returns the package object.
pub fn unwrap_package(result: Value) -> Option<Value> {
    match result {
        Value::Object(mut map) => {
            // A whole envelope (`{"success": true, "result": {...}}`) kept as is by an export.
            if map.get("success").is_some() && map.get("result").is_some() {
                return map.remove("result").and_then(unwrap_package);
            }
            Some(Value::Object(map))
        }
        Value::Array(items) => items.into_iter().find(Value::is_object),
        _ => None,
    }
}

/// List the datasets of a CKAN or DKAN portal through the listing driver.
///
/// Without filters (always for DKAN, whose API cannot filter: its filters are applied by the
/// pipeline after mapping): `package_list`, one item per name, each to be fetched with
/// `package_show`. With filters: `package_search` with the filters' `fq`, 1000
/// rows a page, paged by `start` until a short or empty page, `count` or the page limit; each
/// result is already the full package, carried as the item's JSON payload.
async fn gather(dialect: Dialect, listing: &mut Listing<'_>) -> Result<(), HarvestError> {
    let ctx = listing.context();
    let api = ActionApi::new(&ctx.source.url);
    let filters = &ctx.source.config.filters;
    if dialect == Dialect::Dkan || filters.is_empty() {
        if !filters.is_empty() {
            listing.note(format!(
                "{} cannot filter its listing: {} filter(s) left to the pipeline",
                dialect.label(),
                filters.len()
            ));
        }
        return gather_list(&api, listing).await;
    }
    let (fq, ignored) = filter_query(filters);
    for note in ignored {
        listing.note(note);
    }
    match fq {
        Some(fq) => search::list(&Search { api: &api, fq: &fq }, listing).await,
        None => gather_list(&api, listing).await,
    }
}

/// One action answer, never a 304 (no validators were sent).
async fn call_listing(
    api: &ActionApi,
    fetcher: &Fetcher,
    url: &str,
) -> Result<Value, HarvestError> {
    match api.call_page(fetcher, url).await? {
        ActionAnswer::Result { result, .. } => Ok(result),
        ActionAnswer::NotModified => Err(HarvestError::Remote {
            url: url.to_owned(),
            reason: "answered 304 Not Modified to an unconditional request".into(),
        }),
    }
}

async fn gather_list(api: &ActionApi, listing: &mut Listing<'_>) -> Result<(), HarvestError> {
    let url = api.action_url("package_list", &[]);
    if listing.begin_page(&url)? == Flow::Stop {
        return Ok(());
    }
    let fetcher = listing.context().fetcher;
    let Value::Array(names) = call_listing(api, fetcher, &url).await? else {
        return Err(HarvestError::Parse {
            what: "package_list result",
            url,
            reason: "not a list of dataset names".into(),
        });
    };
    let entries = names
        .iter()
        .enumerate()
        .map(|(position, entry)| {
            match entry.as_str().map(str::trim).filter(|n| !n.is_empty()) {
                Some(name) => Ok(RemoteItem {
                    remote_id: name.to_owned(),
                    remote_url: Some(api.dataset_url(name)),
                    payload: Payload::Fetch,
                }),
                // Listed but unidentifiable: a failed item, not a silent drop.
                None => Err(FailedItem {
                    remote_id: format!("package_list entry {position}"),
                    reason: format!("package_list entry {position} is not a dataset name: {entry}"),
                }),
            }
        })
        .collect();
    listing.page(&url, entries).await?;
    Ok(())
}

/// `package_search` with the source filters' `fq`, [`SEARCH_ROWS`] rows a page, sorted by name.
struct Search<'a> {
    api: &'a ActionApi,
    fq: &'a str,
}

#[async_trait]
impl OffsetPaged for Search<'_> {
    const OFFSET: &'static str = "start";
    const RESULT: &'static str = "package";
    const IDENTIFIER: &'static str = "id nor name";
    const CARRIED: &'static str = "package_search result";

    fn page_url(&self, offset: usize) -> Result<String, String> {
        Ok(self.api.action_url(
            "package_search",
            &[
                ("fq", self.fq),
                ("rows", &SEARCH_ROWS.to_string()),
                ("start", &offset.to_string()),
                ("sort", "name asc"),
            ],
        ))
    }

    async fn page(&self, fetcher: &Fetcher, url: &str) -> Result<Page, HarvestError> {
        let answer = call_listing(self.api, fetcher, url).await?;
        Page::read(
            answer,
            "count",
            url,
            "package_search result",
            "no `results` list",
        )
    }

    fn identify<'r>(&self, package: &'r Value) -> Option<Found<'r>> {
        let remote_url = package
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.trim().is_empty())
            .map(|n| self.api.dataset_url(n.trim()));
        Some(Found {
            remote_id: package_key(package)?,
            remote_url,
            document: package,
        })
    }

    /// A short page is the last: CKAN fills every page but the last.
    fn is_last(&self, returned: usize) -> bool {
        returned < SEARCH_ROWS
    }
}

/// The remote id of a package: its `id`, else its `name`.
pub fn package_key(package: &Value) -> Option<String> {
    values::first_str(package, &["id", "name"])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn filter(key: &str, value: Value, kind: FilterKind) -> Filter {
        Filter {
            key: key.into(),
            value,
            kind,
        }
    }

    #[test]
    fn fq_and_combines_and_quotes() {
        let (fq, ignored) = filter_query(&[
            filter("organization", json!("dinum"), FilterKind::Include),
            filter("tags", json!("open data"), FilterKind::Include),
            filter("tags", json!("test"), FilterKind::Exclude),
        ]);
        assert_eq!(
            fq.as_deref(),
            Some("organization:dinum AND tags:\"open data\" AND -tags:test")
        );
        assert!(ignored.is_empty());
        let (fq, ignored) = filter_query(&[filter("tags", json!(["a"]), FilterKind::Include)]);
        assert_eq!(fq, None);
        assert_eq!(ignored.len(), 1);
    }

    #[test]
    fn hash_ignores_key_order_and_volatile_fields() {
        let a = json!({"id": "1", "title": "t", "tracking_summary": {"total": 3},
                       "resources": [{"id": "r", "url": "u", "tracking_summary": {"total": 1}}]});
        let b = json!({"resources": [{"url": "u", "id": "r"}], "title": "t", "id": "1",
                       "num_followers": 9});
        assert_eq!(content_hash(&a), content_hash(&b));
        let c = json!({"id": "1", "title": "other", "resources": [{"url": "u", "id": "r"}]});
        assert_ne!(content_hash(&a), content_hash(&c));
    }

    #[test]
    fn urls() {
        let api = ActionApi::new("https://demo.ckan.org/");
        assert_eq!(
            api.action_url("package_show", &[("id", "a b")]),
            "https://demo.ckan.org/api/3/action/package_show?id=a+b"
        );
        assert_eq!(
            api.dataset_url("my_data-set"),
            "https://demo.ckan.org/dataset/my_data-set"
        );
        let api = ActionApi::new("https://data.example.org/ckan");
        assert_eq!(
            api.action_url("package_list", &[]),
            "https://data.example.org/ckan/api/3/action/package_list"
        );
    }

    #[test]
    fn dkan_list_is_unwrapped() {
        assert_eq!(
            unwrap_package(json!([{"id": "x"}])),
            Some(json!({"id": "x"}))
        );
        assert_eq!(
            unwrap_package(json!({"success": true, "result": [{"id": "y"}]})),
            Some(json!({"id": "y"}))
        );
        assert_eq!(unwrap_package(json!([])), None);
    }
}
