//! Following harvest jobs: recent jobs and a source's jobs, one job with live counters while it
//! runs, its items page by page, and the dataset an item wrote. The job view and the item queries
//! are shared with the HTML report.

use axum::extract::{Path, State};
use axum::http::Uri;
use axum::Json;
use bson::oid::ObjectId;
use bson::Document;
use common::model::{HarvestJob, ItemStatus};
use serde::Deserialize;
use serde_json::{json, Value};

use super::views::{document, to_api};
use super::{job_id, paging, parse_item_status, query, ApiError, ApiResult};
use crate::service::Service;

/// Jobs listed when no `limit` is given.
const DEFAULT_JOBS: i64 = 50;
/// Largest `limit` of a job list.
const MAX_JOBS: i64 = 500;
/// Items per page when no `page_size` is given.
const DEFAULT_PAGE_SIZE: u64 = 50;
/// Largest `page_size` of the items list.
const MAX_PAGE_SIZE: u64 = 1000;

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

/// `GET /api/1/sources/{id}/jobs`.
pub(super) async fn of_source(
    State(svc): State<Service>,
    Path(id): Path<String>,
    uri: Uri,
) -> ApiResult<Json<Value>> {
    let q: JobsQuery = query(&uri)?;
    let source = svc.store.find_source(&id).await?;
    let jobs = svc.store.jobs_of_source(source.id, q.limit()?).await?;
    jobs_json(&svc, &jobs).await
}

/// `GET /api/1/jobs`.
pub(super) async fn recent(State(svc): State<Service>, uri: Uri) -> ApiResult<Json<Value>> {
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

/// `GET /api/1/jobs/{id}`.
pub(super) async fn get(
    State(svc): State<Service>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
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

/// `GET /api/1/jobs/{id}/items`: a page of the job's items, optionally of one status.
pub(super) async fn items(
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
    let items: Vec<Value> = docs.into_iter().map(document).collect();
    Ok(Json(json!({
        "job": job.id.to_hex(),
        "status": status.map(|s| s.as_str()),
        "page": page,
        "page_size": page_size,
        "total": total,
        "items": items,
    })))
}

/// `GET /api/1/datasets/{id}`: a dataset as stored (what an item wrote).
pub(super) async fn dataset(
    State(svc): State<Service>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let not_found = || ApiError::not_found(format!("dataset {id} not found"));
    let oid = ObjectId::parse_str(&id).map_err(|_| not_found())?;
    match svc.store.dataset_document(oid).await? {
        Some(d) => Ok(Json(document(d))),
        None => Err(not_found()),
    }
}
