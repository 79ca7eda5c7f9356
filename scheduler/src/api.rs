//! The admin HTTP API (`/api/1/…`, JSON) and the mount point of the HTML reports (`/admin/…`).
//!
//! It exists so that operators and the data.gouv.fr admin front-end can manage harvest sources
//! (the form, validation, runs), try a source before saving it (preview) and follow jobs while they
//! run, without shell access. Every operation goes through [`Service`], so the API, the CLI and the
//! cron loop apply the same rules.
//!
//! Conventions:
//! - documents are plain JSON (ObjectIds as hex strings, dates as RFC 3339), `_id` renamed `id`;
//! - errors are `{"error": message, "field": optional}` with 400 (invalid input, naming the field),
//!   401 (authentication), 404, 409 (state conflict, saying which), 500 (logged);
//! - writes (POST, PUT, DELETE) need `Authorization: Bearer <token>` with a token of
//!   `api.tokens`; reads need one too unless `api.public_reads`. Tokens are compared in constant
//!   time over their SHA-256 digests and are never logged.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bson::oid::ObjectId;
use bson::{doc, Document};
use common::model::{HarvestJob, HarvestSource, ItemStatus, JobTrigger, ValidationState};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
// Token digests are compared with `subtle` (constant time, maintained by the dalek team)
// rather than a hand-written loop.
use subtle::ConstantTimeEq;

use crate::service::{Service, ServiceError, SourceInput, ValidationInput, COMMON_FEATURES};

/// The OpenAPI 3.1 description of this API, served at `/api/1/openapi.json`.
pub const OPENAPI: &str = include_str!("openapi.json");

/// Jobs listed when no `limit` is given.
const DEFAULT_JOBS: i64 = 50;
/// Largest `limit` of a job list.
const MAX_JOBS: i64 = 500;
/// Items per page when no `page_size` is given.
const DEFAULT_PAGE_SIZE: u64 = 50;
/// Largest `page_size` of the items list.
const MAX_PAGE_SIZE: u64 = 1000;

/// The admin router: JSON API, OpenAPI document and HTML reports, behind the token check.
pub fn router(service: Service) -> Router {
    let auth = Arc::new(Auth::new(
        &service.settings.api.tokens,
        service.settings.api.public_reads,
    ));
    let api = Router::new()
        .route("/backends", get(list_backends))
        .route("/openapi.json", get(openapi))
        .route("/sources", get(list_sources).post(create_source))
        .route(
            "/sources/{id}",
            get(get_source).put(update_source).delete(delete_source),
        )
        .route("/sources/{id}/validate", post(validate_source))
        .route("/sources/{id}/run", post(run_source))
        .route("/sources/{id}/jobs", get(source_jobs))
        .route(
            "/sources/{id}/health",
            get(crate::health::source_health_api),
        )
        .route("/sources/{id}/preview", post(preview_saved))
        .route("/preview", post(preview_unsaved))
        .route("/jobs", get(recent_jobs))
        .route("/jobs/{id}", get(get_job))
        .route("/jobs/{id}/items", get(job_items))
        .route("/jobs/{id}/changes", get(crate::changes::job_changes_api))
        .route("/datasets/{id}", get(get_dataset))
        .merge(crate::webhooks::api_routes())
        .fallback(api_not_found);
    Router::new()
        .nest("/api/1", api)
        .merge(crate::report::routes())
        .route(
            "/",
            get(|| async { axum::response::Redirect::to("/admin/") }),
        )
        .fallback(crate::report::not_found)
        .layer(middleware::from_fn_with_state(auth, authorize))
        .with_state(service)
}

/// A source that is not saved (preview of a form before creation).
pub fn unsaved_source(url: &str, backend: &str) -> common::model::HarvestSource {
    let now = bson::DateTime::now();
    common::model::HarvestSource {
        id: bson::oid::ObjectId::new(),
        name: "preview".into(),
        slug: "preview".into(),
        description: None,
        url: url.into(),
        backend: backend.into(),
        config: Default::default(),
        active: false,
        autoarchive: false,
        validation: Default::default(),
        schedule: None,
        next_run_at: None,
        owner: None,
        organization: None,
        created_at: now,
        last_modified: None,
        deleted: None,
        runs: 0,
        running_job: None,
    }
}

// ---------------------------------------------------------------------------------------------
// Errors

/// An error answered as `{"error": message, "field": optional}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub field: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            field: None,
        }
    }

    pub fn bad_request(field: Option<String>, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
            field,
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    /// A server-side fault: logged here, answered with a generic message and the cause.
    pub fn internal(context: &str, cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "{context}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("{context}: {cause}"),
        )
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid { field, reason } => {
                Self::bad_request(Some(field.clone()), format!("invalid {field}: {reason}"))
            }
            ServiceError::NotFound(m) => Self::not_found(m),
            ServiceError::Conflict(m) => Self::new(StatusCode::CONFLICT, m),
            ServiceError::Internal(m) => Self::internal("internal error", m),
            ServiceError::Remote(m) => Self::new(StatusCode::BAD_GATEWAY, m),
            ServiceError::Timeout(m) => Self::new(StatusCode::GATEWAY_TIMEOUT, m),
        }
    }
}

impl From<common::Error> for ApiError {
    fn from(e: common::Error) -> Self {
        ServiceError::from(e).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": self.message });
        if let Some(field) = self.field {
            body["field"] = Value::String(field);
        }
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"harvest\""),
            );
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

async fn api_not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::not_found(format!(
        "no route {method} {}: see /api/1/openapi.json",
        uri.path()
    ))
}

// ---------------------------------------------------------------------------------------------
// Authentication

/// The accepted tokens, kept as SHA-256 digests only.
struct Auth {
    digests: Vec<[u8; 32]>,
    public_reads: bool,
}

impl Auth {
    fn new(tokens: &[String], public_reads: bool) -> Self {
        let digests = tokens
            .iter()
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
            .map(digest)
            .collect();
        Self {
            digests,
            public_reads,
        }
    }

    /// Whether `token` is one of the configured tokens. Compares digests of equal length in
    /// constant time, against every configured token (no early exit).
    fn accepts(&self, token: &str) -> bool {
        let presented = digest(token);
        let mut found = subtle::Choice::from(0);
        for expected in &self.digests {
            found |= presented.ct_eq(expected);
        }
        found.into()
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The bearer token of a request, if it sent one.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
        .filter(|t| !t.is_empty())
}

async fn authorize(State(auth): State<Arc<Auth>>, request: Request, next: Next) -> Response {
    let read = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if read && auth.public_reads {
        return next.run(request).await;
    }
    let what = if read { "reading" } else { "writing" };
    if auth.digests.is_empty() {
        return ApiError::unauthorized(format!(
            "{what} is disabled: no API token is configured; set api.tokens \
             (environment HARVEST__API__TOKENS=token1,token2) on the scheduler"
        ))
        .into_response();
    }
    match bearer(request.headers()) {
        None => ApiError::unauthorized(format!(
            "{what} needs a token: send the header Authorization: Bearer <token>"
        ))
        .into_response(),
        Some(token) if !auth.accepts(token) => {
            tracing::warn!(method = %request.method(), path = %request.uri().path(), "request with an unknown API token refused");
            ApiError::unauthorized("invalid API token").into_response()
        }
        Some(_) => next.run(request).await,
    }
}

// ---------------------------------------------------------------------------------------------
// Request bodies and query strings

/// Parse a required JSON body, naming the offending field when the shape is wrong.
pub fn json_body<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(None, "a JSON body is required"));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = match serde_path_to_error::deserialize(&mut de) {
        Ok(v) => v,
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let message = inner.to_string();
            if inner.is_syntax() || inner.is_eof() {
                return Err(ApiError::bad_request(
                    None,
                    format!("malformed JSON body: {message}"),
                ));
            }
            // The path ends at an unknown field itself, but at the parent of a missing one.
            let missing = quoted_after(&message, "missing field `");
            let field = match (missing, path.as_str()) {
                (Some(name), "." | "") => Some(name.to_owned()),
                (Some(name), parent) => Some(format!("{parent}.{name}")),
                (None, "." | "") => None,
                (None, p) => Some(p.to_owned()),
            };
            let message = match &field {
                Some(f) => format!("invalid JSON body at {f}: {message}"),
                None => format!("invalid JSON body: {message}"),
            };
            return Err(ApiError::bad_request(field, message));
        }
    };
    de.end()
        .map_err(|e| ApiError::bad_request(None, format!("malformed JSON body: {e}")))?;
    Ok(value)
}

/// Parse an optional JSON body: an empty body means `T::default()`.
pub fn optional_json_body<T: DeserializeOwned + Default>(bytes: &[u8]) -> ApiResult<T> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        Ok(T::default())
    } else {
        json_body(bytes)
    }
}

fn quoted_after<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    let start = message.find(prefix)? + prefix.len();
    let rest = &message[start..];
    rest.find('`').map(|end| &rest[..end])
}

/// Parse the query string, answering 400 with the reason on a bad parameter.
pub fn query<T: DeserializeOwned>(uri: &Uri) -> ApiResult<T> {
    Query::<T>::try_from_uri(uri)
        .map(|Query(q)| q)
        .map_err(|e| {
            ApiError::bad_request(None, format!("invalid query string: {}", e.body_text()))
        })
}

/// The page (from 1) and page size (1 to `max`, else `default`) of a paged list.
pub fn paging(
    page: Option<u64>,
    page_size: Option<u64>,
    default: u64,
    max: u64,
) -> ApiResult<(u64, u64)> {
    let page = page.unwrap_or(1);
    if page == 0 {
        return Err(ApiError::bad_request(
            Some("page".into()),
            "invalid page 0: pages start at 1",
        ));
    }
    let page_size = page_size.unwrap_or(default);
    if !(1..=max).contains(&page_size) {
        return Err(ApiError::bad_request(
            Some("page_size".into()),
            format!("invalid page_size {page_size}: between 1 and {max}"),
        ));
    }
    Ok((page, page_size))
}

/// A job id from the path (404 when it cannot be one).
pub fn job_id(raw: &str) -> ApiResult<ObjectId> {
    ObjectId::parse_str(raw).map_err(|_| {
        ApiError::not_found(format!(
            "harvest job {raw} not found (a job id is 24 hex characters)"
        ))
    })
}

// ---------------------------------------------------------------------------------------------
// JSON views

/// Plain JSON of a model value, with MongoDB's `_id` renamed `id`.
pub fn to_api<T: Serialize>(value: &T) -> Value {
    rename_id(common::json::to_plain(value))
}

fn rename_id(mut value: Value) -> Value {
    if let Value::Object(map) = &mut value {
        if let Some(id) = map.remove("_id") {
            map.insert("id".into(), id);
        }
    }
    value
}

/// A job as the API shows it: counters are live while it runs (items listed so far count in
/// `total` until gather completes), with its duration and whether it still runs.
pub async fn job_view(service: &Service, job: &HarvestJob) -> ApiResult<Value> {
    let job = live_counters(service, job.clone()).await?;
    let mut value = to_api(&job);
    if let Value::Object(map) = &mut value {
        map.insert("running".into(), Value::Bool(!job.status.is_final()));
        map.insert(
            "duration_secs".into(),
            duration_secs(&job).map_or(Value::Null, Value::from),
        );
    }
    Ok(value)
}

/// The job with `counters.total` at least the items listed so far while gather still runs.
pub async fn live_counters(service: &Service, mut job: HarvestJob) -> ApiResult<HarvestJob> {
    if !job.status.is_final() && !job.gather_complete {
        let listed = service.store.count_job_items(job.id, None).await?;
        job.counters.total = job.counters.total.max(listed as i64);
    }
    Ok(job)
}

/// Seconds from start to end (or to now while the job runs).
pub fn duration_secs(job: &HarvestJob) -> Option<f64> {
    let started = job.started?;
    let end = job.ended.unwrap_or_else(bson::DateTime::now);
    Some((end.timestamp_millis() - started.timestamp_millis()).max(0) as f64 / 1000.0)
}

/// Items of a job as stored (payload excluded), in listing order.
pub async fn item_documents(
    service: &Service,
    job: ObjectId,
    status: Option<ItemStatus>,
    skip: u64,
    limit: i64,
) -> ApiResult<Vec<Document>> {
    Ok(service
        .store
        .job_item_documents(job, status, skip, limit)
        .await?)
}

/// Count of a job's items, optionally of one status.
pub async fn count_items(
    service: &Service,
    job: ObjectId,
    status: Option<ItemStatus>,
) -> ApiResult<u64> {
    Ok(service.store.count_job_items(job, status).await?)
}

/// Parse an item status name (`done`, `failed`, …).
pub fn parse_item_status(raw: &str) -> ApiResult<ItemStatus> {
    const ALL: [ItemStatus; 7] = [
        ItemStatus::Pending,
        ItemStatus::Queued,
        ItemStatus::Started,
        ItemStatus::Done,
        ItemStatus::Failed,
        ItemStatus::Skipped,
        ItemStatus::Archived,
    ];
    ALL.into_iter().find(|s| s.as_str() == raw).ok_or_else(|| {
        ApiError::bad_request(
            Some("status".into()),
            format!(
                "unknown item status {raw:?}; one of {}",
                ALL.map(|s| s.as_str()).join(", ")
            ),
        )
    })
}

// ---------------------------------------------------------------------------------------------
// Handlers: backends and the OpenAPI document

async fn list_backends() -> Json<Value> {
    let backends: Vec<Value> = backends::registry()
        .iter()
        .map(|b| {
            let mut filters: Vec<&str> = b.filter_keys().to_vec();
            for key in backends::filters::GENERIC_KEYS {
                if !filters.contains(key) {
                    filters.push(key);
                }
            }
            let mut features: Vec<&str> = b.feature_keys().to_vec();
            for key in COMMON_FEATURES {
                if !features.contains(key) {
                    features.push(key);
                }
            }
            json!({
                "name": b.name(),
                "label": b.label(),
                "filter_keys": filters,
                "feature_keys": features,
            })
        })
        .collect();
    Json(Value::Array(backends))
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

// ---------------------------------------------------------------------------------------------
// Handlers: sources

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListSourcesQuery {
    #[serde(default)]
    deleted: bool,
}

async fn list_sources(State(svc): State<Service>, uri: Uri) -> ApiResult<Json<Value>> {
    let q: ListSourcesQuery = query(&uri)?;
    let sources = svc.store.list_sources(q.deleted).await?;
    Ok(Json(Value::Array(sources.iter().map(to_api).collect())))
}

async fn create_source(State(svc): State<Service>, body: Bytes) -> ApiResult<Response> {
    let input: SourceInput = json_body(&body)?;
    let source = svc.create_source(input).await?;
    tracing::info!(source = %source.slug, id = %source.id, "source created through the API");
    let location = format!("/api/1/sources/{}", source.id.to_hex());
    let mut response = (StatusCode::CREATED, Json(to_api(&source))).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

async fn get_source(State(svc): State<Service>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    Ok(Json(to_api(&svc.store.find_source(&id).await?)))
}

async fn update_source(
    State(svc): State<Service>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let input: SourceInput = json_body(&body)?;
    let source = svc.update_source(&id, input).await?;
    Ok(Json(to_api(&source)))
}

async fn delete_source(
    State(svc): State<Service>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let source = svc.delete_source(&id).await?;
    tracing::info!(source = %source.slug, "source deleted through the API");
    Ok(Json(to_api(&source)))
}

async fn validate_source(
    State(svc): State<Service>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let input: ValidationInput = json_body(&body)?;
    if input.state == ValidationState::Pending {
        return Err(ApiError::bad_request(
            Some("state".into()),
            "invalid state: a decision is accepted or refused",
        ));
    }
    let source = svc.validate_source(&id, input).await?;
    tracing::info!(source = %source.slug, state = source.validation.state.as_str(), "source validation decided");
    Ok(Json(to_api(&source)))
}

/// Body of a run request.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RunInput {
    #[serde(default)]
    force: bool,
}

async fn run_source(
    State(svc): State<Service>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let input: RunInput = optional_json_body(&body)?;
    let job = svc.run_source(&id, JobTrigger::Manual, input.force).await?;
    let view = job_view(&svc, &job).await?;
    let mut response = (StatusCode::ACCEPTED, Json(view)).into_response();
    if let Ok(value) = HeaderValue::from_str(&format!("/api/1/jobs/{}", job.id.to_hex())) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct JobsQuery {
    limit: Option<i64>,
}

impl JobsQuery {
    fn limit(&self) -> ApiResult<i64> {
        match self.limit {
            None => Ok(DEFAULT_JOBS),
            Some(n) if (1..=MAX_JOBS).contains(&n) => Ok(n),
            Some(n) => Err(ApiError::bad_request(
                Some("limit".into()),
                format!("invalid limit {n}: between 1 and {MAX_JOBS}"),
            )),
        }
    }
}

async fn source_jobs(
    State(svc): State<Service>,
    Path(id): Path<String>,
    uri: Uri,
) -> ApiResult<Json<Value>> {
    let q: JobsQuery = query(&uri)?;
    let source = svc.store.find_source(&id).await?;
    let jobs = svc.store.jobs_of_source(source.id, q.limit()?).await?;
    jobs_json(&svc, &jobs).await
}

async fn recent_jobs(State(svc): State<Service>, uri: Uri) -> ApiResult<Json<Value>> {
    let q: JobsQuery = query(&uri)?;
    let jobs = svc.store.recent_jobs(q.limit()?).await?;
    jobs_json(&svc, &jobs).await
}

async fn jobs_json(svc: &Service, jobs: &[HarvestJob]) -> ApiResult<Json<Value>> {
    let mut out = Vec::with_capacity(jobs.len());
    for job in jobs {
        out.push(job_view(svc, job).await?);
    }
    Ok(Json(Value::Array(out)))
}

// ---------------------------------------------------------------------------------------------
// Handlers: preview

/// Fill an unsaved (or saved, edited) source from a form, with the same checks as a save.
fn preview_source(base: Option<HarvestSource>, input: SourceInput) -> ApiResult<HarvestSource> {
    let mut source = match base {
        Some(s) => s,
        None => {
            let url = required(input.url.as_deref(), "url")?;
            let backend = required(input.backend.as_deref(), "backend")?;
            unsaved_source(url, backend)
        }
    };
    if let Some(url) = input.url.as_deref() {
        let url = url.trim();
        let parsed = url::Url::parse(url).map_err(|e| {
            invalid(
                "url",
                format!(
                    "{url:?} is not a URL ({e}); write it with its scheme, e.g. https://data.example.org"
                ),
            )
        })?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(invalid(
                "url",
                format!("{url:?} must be an http or https URL with a host"),
            ));
        }
        source.url = url.to_owned();
    }
    if let Some(backend) = input.backend.as_deref() {
        source.backend = backend.trim().to_owned();
    }
    let backend = backends::get(&source.backend).map_err(|_| {
        invalid(
            "backend",
            format!(
                "unknown backend {:?}; known: {}",
                source.backend,
                backends::names().join(", ")
            ),
        )
    })?;
    if let Some(filters) = input.filters {
        for (i, f) in filters.iter().enumerate() {
            let known = backend.filter_keys().contains(&f.key.as_str())
                || backends::filters::GENERIC_KEYS.contains(&f.key.as_str());
            if !known {
                return Err(invalid(
                    &format!("filters[{i}].key"),
                    format!("unknown filter {:?} for backend {}", f.key, backend.name()),
                ));
            }
            if f.value.is_null() || f.value.as_str().is_some_and(|s| s.trim().is_empty()) {
                return Err(invalid(&format!("filters[{i}].value"), "is required"));
            }
        }
        source.config.filters = filters;
    }
    if let Some(features) = input.features {
        if let Some(key) = features.keys().find(|k| {
            !backend.feature_keys().contains(&k.as_str()) && !COMMON_FEATURES.contains(&k.as_str())
        }) {
            return Err(invalid(
                "features",
                format!("unknown feature {key:?} for backend {}", backend.name()),
            ));
        }
        source.config.features = features;
    }
    if let Some(extra) = input.extra_configs {
        source.config.extra_configs = extra;
    }
    Ok(source)
}

fn required<'a>(value: Option<&'a str>, field: &str) -> ApiResult<&'a str> {
    match value.map(str::trim) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(invalid(field, "is required")),
    }
}

fn invalid(field: &str, reason: impl Into<String>) -> ApiError {
    ServiceError::invalid(field, reason).into()
}

async fn preview_unsaved(State(svc): State<Service>, body: Bytes) -> ApiResult<Json<Value>> {
    let input: SourceInput = json_body(&body)?;
    let source = preview_source(None, input)?;
    run_preview(&svc, &source).await
}

async fn preview_saved(
    State(svc): State<Service>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let input: SourceInput = optional_json_body(&body)?;
    let saved = svc.store.find_source(&id).await?;
    let source = preview_source(Some(saved), input)?;
    run_preview(&svc, &source).await
}

/// Dry-run a source: list and map a few items, write nothing.
async fn run_preview(svc: &Service, source: &HarvestSource) -> ApiResult<Json<Value>> {
    let preview = svc.preview(source, None).await?;
    serde_json::to_value(&preview)
        .map(Json)
        .map_err(|e| ApiError::internal("serializing the preview", e))
}

// ---------------------------------------------------------------------------------------------
// Handlers: jobs, items, datasets

async fn get_job(State(svc): State<Service>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let job = svc.store.get_job(job_id(&id)?).await?;
    Ok(Json(job_view(&svc, &job).await?))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemsQuery {
    status: Option<String>,
    page: Option<u64>,
    page_size: Option<u64>,
}

async fn job_items(
    State(svc): State<Service>,
    Path(id): Path<String>,
    uri: Uri,
) -> ApiResult<Json<Value>> {
    let q: ItemsQuery = query(&uri)?;
    let job = svc.store.get_job(job_id(&id)?).await?;
    let status = q
        .status
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(parse_item_status)
        .transpose()?;
    let (page, page_size) = paging(q.page, q.page_size, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)?;
    let skip = (page - 1).saturating_mul(page_size);
    let docs = item_documents(&svc, job.id, status, skip, page_size as i64).await?;
    let total = count_items(&svc, job.id, status).await?;
    let items: Vec<Value> = docs
        .into_iter()
        .map(|d| rename_id(common::json::plain(bson::Bson::Document(d))))
        .collect();
    Ok(Json(json!({
        "job": job.id.to_hex(),
        "status": status.map(|s| s.as_str()),
        "page": page,
        "page_size": page_size,
        "total": total,
        "items": items,
    })))
}

async fn get_dataset(State(svc): State<Service>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let not_found = || ApiError::not_found(format!("dataset {id} not found"));
    let oid = ObjectId::parse_str(&id).map_err(|_| not_found())?;
    let found = svc.store.dataset_document(oid).await?;
    match found {
        Some(d) => Ok(Json(rename_id(common::json::plain(bson::Bson::Document(
            d,
        ))))),
        None => Err(not_found()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_in_constant_time() {
        let a = digest("secret");
        assert!(bool::from(a.ct_eq(&digest("secret"))));
        assert!(!bool::from(a.ct_eq(&digest("secreT"))));
        let auth = Auth::new(&["one".into(), " two ".into(), String::new()], true);
        assert_eq!(auth.digests.len(), 2);
        assert!(auth.accepts("one"));
        assert!(auth.accepts("two"));
        assert!(!auth.accepts(""));
        assert!(!auth.accepts("three"));
    }

    #[test]
    fn bearer_header_parsing() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h), None);
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        assert_eq!(bearer(&h), Some("abc"));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer  abc "),
        );
        assert_eq!(bearer(&h), Some("abc"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer(&h), None);
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer(&h), None);
    }

    #[test]
    fn json_errors_name_the_field() {
        let e = json_body::<SourceInput>(br#"{"name": "x", "colour": 1}"#).unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert_eq!(e.field.as_deref(), Some("colour"));
        let e = json_body::<SourceInput>(br#"{"name": 3}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("name"));
        let e = json_body::<SourceInput>(br#"{"filters": [{"key": "tags"}]}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("filters[0].value"), "{e:?}");
        let e = json_body::<SourceInput>(b"{").unwrap_err();
        assert_eq!(e.field, None);
        assert!(e.message.contains("malformed"));
        let e = json_body::<SourceInput>(b"").unwrap_err();
        assert!(e.message.contains("required"));
        let e = json_body::<SourceInput>(b"{} {}").unwrap_err();
        assert!(e.message.contains("malformed"));
        let r: RunInput = optional_json_body(b"  ").unwrap();
        assert!(!r.force);
    }

    #[test]
    fn preview_form_checks_like_a_save() {
        let e = preview_source(
            None,
            SourceInput {
                url: Some("data.example.org".into()),
                backend: Some("dcat".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("url"));
        let e = preview_source(
            None,
            SourceInput {
                url: Some("https://data.example.org".into()),
                backend: Some("nope".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("backend"));
        let ok = preview_source(
            None,
            SourceInput {
                url: Some(" https://data.example.org ".into()),
                backend: Some("dcat".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(ok.url, "https://data.example.org");
    }

    #[test]
    fn ids_are_renamed() {
        let v = rename_id(json!({"_id": "abc", "name": "x"}));
        assert_eq!(v, json!({"id": "abc", "name": "x"}));
    }
}
