//! The harvest source registry over HTTP: list, create, read, update, delete, the validation
//! decision and manual runs. Each handler reads its input and hands it to [`Service`], which
//! applies the same rules as the CLI.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use common::model::{JobTrigger, ValidationState};
use serde::Deserialize;
use serde_json::Value;

use super::{job_view, json_body, optional_json_body, query, to_api, ApiError, ApiResult};
use crate::service::{Service, SourceInput, ValidationInput};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListSourcesQuery {
    #[serde(default)]
    deleted: bool,
}

pub(super) async fn list(State(svc): State<Service>, uri: Uri) -> ApiResult<Json<Value>> {
    let q: ListSourcesQuery = query(&uri)?;
    let sources = svc.store.list_sources(q.deleted).await?;
    Ok(Json(Value::Array(sources.iter().map(to_api).collect())))
}

pub(super) async fn create(State(svc): State<Service>, body: Bytes) -> ApiResult<Response> {
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

pub(super) async fn get(
    State(svc): State<Service>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(to_api(&svc.store.find_source(&id).await?)))
}

pub(super) async fn update(
    State(svc): State<Service>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let input: SourceInput = json_body(&body)?;
    let source = svc.update_source(&id, input).await?;
    Ok(Json(to_api(&source)))
}

pub(super) async fn delete(
    State(svc): State<Service>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let source = svc.delete_source(&id).await?;
    tracing::info!(source = %source.slug, "source deleted through the API");
    Ok(Json(to_api(&source)))
}

pub(super) async fn validate(
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

pub(super) async fn run(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_run_body_is_no_force() {
        let r: RunInput = optional_json_body(b"  ").unwrap();
        assert!(!r.force);
    }
}
