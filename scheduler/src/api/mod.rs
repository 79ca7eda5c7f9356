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
//!
//! This file only mounts the routes; each concern has its module: `errors` (the error shape),
//! `auth` (the token check), `extractors` (reading requests), `views` (JSON of documents),
//! `discovery` (backends, OpenAPI), `sources`, `preview` and `jobs` (the handlers).

mod auth;
mod discovery;
mod errors;
mod extractors;
mod jobs;
mod preview;
mod sources;
mod views;

use std::sync::Arc;

use axum::middleware;
use axum::routing::{get, post};
use axum::Router;

pub use discovery::OPENAPI;
pub use errors::{ApiError, ApiResult};
pub use extractors::{job_id, json_body, optional_json_body, paging, parse_item_status, query};
pub use jobs::{count_items, duration_secs, item_documents, job_view, live_counters};
pub use preview::unsaved_source;
pub use views::to_api;

use crate::service::Service;

/// The admin router: JSON API, OpenAPI document and HTML reports, behind the token check.
pub fn router(service: Service) -> Router {
    let auth = Arc::new(auth::Auth::new(
        &service.settings.api.tokens,
        service.settings.api.public_reads,
    ));
    let api = Router::new()
        .route("/backends", get(discovery::list_backends))
        .route("/openapi.json", get(discovery::openapi))
        .route("/sources", get(sources::list).post(sources::create))
        .route(
            "/sources/{id}",
            get(sources::get)
                .put(sources::update)
                .delete(sources::delete),
        )
        .route("/sources/{id}/validate", post(sources::validate))
        .route("/sources/{id}/run", post(sources::run))
        .route("/sources/{id}/jobs", get(jobs::of_source))
        .route(
            "/sources/{id}/health",
            get(crate::health::source_health_api),
        )
        .route("/sources/{id}/preview", post(preview::saved))
        .route("/preview", post(preview::unsaved))
        .route("/jobs", get(jobs::recent))
        .route("/jobs/{id}", get(jobs::get))
        .route("/jobs/{id}/items", get(jobs::items))
        .route("/jobs/{id}/changes", get(crate::changes::job_changes_api))
        .route("/datasets/{id}", get(jobs::dataset))
        .merge(crate::webhooks::api_routes())
        .fallback(errors::api_not_found);
    Router::new()
        .nest("/api/1", api)
        .merge(crate::report::routes())
        .route(
            "/",
            get(|| async { axum::response::Redirect::to("/admin/") }),
        )
        .fallback(crate::report::not_found)
        .layer(middleware::from_fn_with_state(auth, auth::authorize))
        .with_state(service)
}
