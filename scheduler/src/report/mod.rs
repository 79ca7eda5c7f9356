//! Server-rendered HTML pages of the admin interface: the sources list, one source with its health
//! (summary and [chart](crate::chart) of its runs) and its jobs, and one job's harvest report
//! (spec: "Rapport de moissonnage" — a summary per outcome, then the datasets, each failed one
//! with its human message and its technical details).
//!
//! They exist so that an operator, or the producer whose catalog is harvested, can understand a
//! harvest and fix its errors with nothing but a browser: plain HTML, no JavaScript. Pages are
//! compile-checked `maud` templates, so every value is escaped by the template engine. Pages are
//! read-only and follow the API's read rule (public unless `api.public_reads = false`). A running
//! job's page refreshes itself every few seconds.

mod job;
mod layout;
mod parts;
mod sources;

use axum::response::Redirect;
use axum::routing::get;
use axum::Router;

pub use job::{archive_note, render_job, JobReport, ReportItem};
pub use layout::{html_page, not_found, PageError};
pub use parts::pages_nav;
pub use sources::{render_source, render_sources};

use crate::service::Service;

/// The `/admin/…` pages.
pub fn routes() -> Router<Service> {
    Router::new()
        .route("/admin", get(|| async { Redirect::permanent("/admin/") }))
        .route("/admin/", get(sources::sources_page))
        .route("/admin/sources/{id}", get(sources::source_page))
        .route("/admin/jobs/{id}", get(job::job_page))
        .route(
            "/admin/jobs/{id}/changes",
            get(crate::changes::changes_page),
        )
}
