//! Server-rendered HTML pages of the admin interface: the sources list, one source with its health
//! (summary and [chart](crate::chart) of its runs) and its jobs, and one job's harvest report
//! (spec: "Rapport de moissonnage" — a summary per outcome, then the datasets, each failed one
//! with its human message and its technical details).
//!
//! They exist so that an operator, or the producer whose catalog is harvested, can understand a
//! harvest and fix its errors with nothing but a browser: plain HTML, no JavaScript, every value
//! escaped. Pages are read-only and follow the API's read rule (public unless
//! `api.public_reads = false`). A running job's page refreshes itself every few seconds.

use std::fmt::Write as _;

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use bson::Document;
use common::model::{HarvestError, HarvestItem, HarvestJob, HarvestSource, ItemStatus};
use serde::Deserialize;

use crate::api::{self, ApiError};
use crate::service::Service;

/// Jobs shown on a source's page.
const SOURCE_JOBS: i64 = 50;
/// Items per page of a job report.
const REPORT_PAGE_SIZE: u64 = 100;

/// The `/admin/…` pages.
pub fn routes() -> Router<Service> {
    Router::new()
        .route("/admin", get(|| async { Redirect::permanent("/admin/") }))
        .route("/admin/", get(sources_page))
        .route("/admin/sources/{id}", get(source_page))
        .route("/admin/jobs/{id}", get(job_page))
        .route(
            "/admin/jobs/{id}/changes",
            get(crate::changes::changes_page),
        )
}

/// Escape text for HTML content and double-quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Escape a URL for an `href`: only http(s) and site-relative URLs become links.
fn safe_href(url: &str) -> Option<String> {
    let lower = url.trim_start().to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with('/'))
        .then(|| escape(url.trim()))
}

/// A page error: the API's status and message, as HTML.
pub struct PageError(ApiError);

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        Self(e)
    }
}

impl From<common::Error> for PageError {
    fn from(e: common::Error) -> Self {
        Self(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let title = match self.0.status {
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::BAD_REQUEST => "Bad request",
            _ => "Error",
        };
        let body = format!(
            "<h1>{}</h1>\n<p class=\"error\">{}</p>\n<p><a href=\"/admin/\">All sources</a></p>\n",
            escape(title),
            escape(&self.0.message)
        );
        html(self.0.status, title, &body, false)
    }
}

type PageResult = Result<Response, PageError>;

/// Answer for unknown paths: JSON under `/api/`, HTML elsewhere.
pub async fn not_found(uri: Uri) -> Response {
    let message = format!("no page at {}", uri.path());
    if uri.path().starts_with("/api/") {
        ApiError::not_found(message).into_response()
    } else {
        PageError(ApiError::not_found(message)).into_response()
    }
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}\
table{border-collapse:collapse;margin:.5rem 0 1rem}\
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}\
th{background:#f3f3f3}td.n{text-align:right}\
.error{color:#a00}.warning{color:#8a5a00}\
.status-done,.status-accepted{color:#060}.status-failed,.status-refused{color:#a00}\
.status-done-errors{color:#8a5a00}.status-skipped{color:#555}\
nav a{margin-right:.75rem}pre{white-space:pre-wrap;max-width:80rem}\
dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}dt{font-weight:bold}";

/// A whole page. `refresh` adds a meta refresh (running jobs).
pub fn html(status: StatusCode, title: &str, body: &str, refresh: bool) -> Response {
    let meta = if refresh {
        "<meta http-equiv=\"refresh\" content=\"5\">\n"
    } else {
        ""
    };
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n{meta}\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <nav><a href=\"/admin/\">Harvest sources</a><a href=\"/api/1/openapi.json\">API</a></nav>\n\
         {body}</body>\n</html>\n",
        escape(title)
    );
    let mut response = (status, page).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

fn date(d: Option<bson::DateTime>) -> String {
    match d {
        Some(d) => d.to_chrono().format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        None => "—".into(),
    }
}

fn duration(job: &HarvestJob) -> String {
    match api::duration_secs(job) {
        Some(s) if s >= 3600.0 => format!(
            "{:.0} h {:.0} min",
            (s / 3600.0).floor(),
            (s % 3600.0) / 60.0
        ),
        Some(s) if s >= 60.0 => format!("{:.0} min {:.0} s", (s / 60.0).floor(), s % 60.0),
        Some(s) => format!("{s:.1} s"),
        None => "—".into(),
    }
}

fn status_span(status: &str) -> String {
    format!("<span class=\"status-{0}\">{0}</span>", escape(status))
}

// ---------------------------------------------------------------------------------------------
// Sources list

#[derive(Debug, Default, Deserialize)]
struct SourcesQuery {
    #[serde(default)]
    deleted: bool,
}

async fn sources_page(State(svc): State<Service>, uri: Uri) -> PageResult {
    let q: SourcesQuery = api::query(&uri)?;
    let sources = svc.store.list_sources(q.deleted).await?;
    let lasts =
        futures::future::try_join_all(sources.iter().map(|s| svc.store.jobs_of_source(s.id, 1)))
            .await?;
    let rows: Vec<(&HarvestSource, Option<&HarvestJob>)> = sources
        .iter()
        .zip(lasts.iter().map(|jobs| jobs.first()))
        .collect();
    Ok(html(
        StatusCode::OK,
        "Harvest sources",
        &render_sources(&rows, q.deleted),
        false,
    ))
}

/// The sources table, each with its validation state and last job.
pub fn render_sources(
    rows: &[(&HarvestSource, Option<&HarvestJob>)],
    with_deleted: bool,
) -> String {
    let mut b = String::new();
    let _ = writeln!(b, "<h1>Harvest sources</h1>");
    if with_deleted {
        let _ = writeln!(
            b,
            "<p>Deleted sources included. <a href=\"/admin/\">Hide deleted</a></p>"
        );
    } else {
        let _ = writeln!(
            b,
            "<p><a href=\"/admin/?deleted=true\">Include deleted sources</a></p>"
        );
    }
    if rows.is_empty() {
        let _ = writeln!(b, "<p>No harvest source yet.</p>");
        return b;
    }
    let _ = writeln!(
        b,
        "<table class=\"sources\">\n<thead><tr><th>Name</th><th>Backend</th><th>URL</th>\
         <th>Validation</th><th>Active</th><th>Schedule</th><th>Last job</th></tr></thead>\n<tbody>"
    );
    for (s, last) in rows {
        let mut validation = status_span(s.validation.state.as_str());
        if s.deleted.is_some() {
            validation.push_str(" (deleted)");
        }
        let last = match last {
            Some(j) => format!(
                "<a href=\"/admin/jobs/{}\">{}</a> {} — {} items, {} failed",
                j.id.to_hex(),
                escape(&date(Some(j.created))),
                status_span(j.status.as_str()),
                j.counters.total,
                j.counters.failed
            ),
            None => "never run".into(),
        };
        let _ = writeln!(
            b,
            "<tr><td><a href=\"/admin/sources/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}</td><td>{}</td></tr>",
            s.id.to_hex(),
            escape(&s.name),
            escape(&s.backend),
            escape(&s.url),
            validation,
            if s.active { "yes" } else { "no" },
            escape(s.schedule.as_deref().unwrap_or("default")),
            last
        );
    }
    let _ = writeln!(b, "</tbody>\n</table>");
    b
}

// ---------------------------------------------------------------------------------------------
// One source

async fn source_page(State(svc): State<Service>, Path(id): Path<String>) -> PageResult {
    let source = svc.store.find_source(&id).await?;
    let jobs = svc.store.jobs_of_source(source.id, SOURCE_JOBS).await?;
    let mut live = Vec::with_capacity(jobs.len());
    for job in jobs {
        live.push(api::live_counters(&svc, job).await?);
    }
    let running = live.iter().any(|j| !j.status.is_final());
    let (health, runs) = crate::health::of_source(
        &svc,
        source.clone(),
        crate::health::DEFAULT_RUNS,
        chrono::Utc::now(),
    )
    .await
    .map_err(ApiError::from)?;
    let health =
        crate::health::render_section(&health, &runs, svc.settings.health.stale_after_periods);
    let mut body = render_source(&source, &live, &health);
    body.push_str(&crate::webhooks::source_section(&svc, source.id).await?);
    Ok(html(
        StatusCode::OK,
        &format!("Harvest source {}", source.name),
        &body,
        running,
    ))
}

/// A source's settings, its health (pre-rendered HTML) and its jobs.
pub fn render_source(s: &HarvestSource, jobs: &[HarvestJob], health: &str) -> String {
    let mut b = String::new();
    let _ = writeln!(b, "<h1>Harvest source {}</h1>", escape(&s.name));
    if s.deleted.is_some() {
        let _ = writeln!(
            b,
            "<p class=\"error\">Deleted on {}.</p>",
            escape(&date(s.deleted))
        );
    }
    let _ = writeln!(b, "<dl>");
    let mut row = |k: &str, v: String| {
        let _ = writeln!(b, "<dt>{}</dt><dd>{}</dd>", escape(k), v);
    };
    row("Id", escape(&s.id.to_hex()));
    row("Slug", escape(&s.slug));
    row(
        "URL",
        match safe_href(&s.url) {
            Some(href) => format!(
                "<a href=\"{href}\" rel=\"noreferrer\">{}</a>",
                escape(&s.url)
            ),
            None => escape(&s.url),
        },
    );
    row("Backend", escape(&s.backend));
    if let Some(d) = &s.description {
        row("Description", escape(d));
    }
    let mut validation = status_span(s.validation.state.as_str());
    if let Some(by) = &s.validation.by {
        let _ = write!(validation, " by {}", escape(by));
    }
    if s.validation.on.is_some() {
        let _ = write!(validation, " on {}", escape(&date(s.validation.on)));
    }
    if let Some(c) = &s.validation.comment {
        let _ = write!(validation, " — {}", escape(c));
    }
    row("Validation", validation);
    row("Active", if s.active { "yes" } else { "no" }.into());
    row(
        "Archive vanished datasets",
        if s.autoarchive { "yes" } else { "no" }.into(),
    );
    row(
        "Schedule",
        escape(s.schedule.as_deref().unwrap_or("default (nightly)")),
    );
    row("Next run", escape(&date(s.next_run_at)));
    if !s.config.filters.is_empty() {
        let filters: Vec<String> = s
            .config
            .filters
            .iter()
            .map(|f| {
                let kind = match f.kind {
                    common::model::FilterKind::Include => "include",
                    common::model::FilterKind::Exclude => "exclude",
                };
                let value = match &f.value {
                    serde_json::Value::String(v) => v.clone(),
                    other => other.to_string(),
                };
                format!("{kind} {} = {}", escape(&f.key), escape(&value))
            })
            .collect();
        row("Filters", filters.join("<br>"));
    }
    let features: Vec<String> = s
        .config
        .features
        .iter()
        .filter(|(_, on)| **on)
        .map(|(k, _)| escape(k))
        .collect();
    if !features.is_empty() {
        row("Options", features.join(", "));
    }
    if let Some(o) = s.organization {
        row("Organization", escape(&o.to_hex()));
    }
    if let Some(o) = s.owner {
        row("Owner", escape(&o.to_hex()));
    }
    row("Created", escape(&date(Some(s.created_at))));
    row("Modified", escape(&date(s.last_modified)));
    if let Some(j) = s.running_job {
        row(
            "Running job",
            format!("<a href=\"/admin/jobs/{0}\">{0}</a>", j.to_hex()),
        );
    }
    let _ = writeln!(b, "</dl>");
    b.push_str(health);
    let _ = writeln!(b, "<h2>Jobs</h2>");
    if jobs.is_empty() {
        let _ = writeln!(b, "<p>No job yet.</p>");
        return b;
    }
    let _ = writeln!(
        b,
        "<table class=\"jobs\">\n<thead><tr><th>Job</th><th>Status</th><th>Trigger</th>\
         <th>Started</th><th>Ended</th><th>Duration</th><th>Items</th><th>Created</th>\
         <th>Updated</th><th>Skipped</th><th>Failed</th><th>Archived</th></tr></thead>\n<tbody>"
    );
    for j in jobs {
        let c = j.counters;
        let trigger = match j.trigger {
            common::model::JobTrigger::Manual => "manual",
            common::model::JobTrigger::Cron => "cron",
        };
        let _ = writeln!(
            b,
            "<tr><td><a href=\"/admin/jobs/{}\">{}</a></td><td>{}</td><td>{}{}</td><td>{}</td>\
             <td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td></tr>",
            j.id.to_hex(),
            escape(&date(Some(j.created))),
            status_span(j.status.as_str()),
            trigger,
            if j.force_refresh { ", forced" } else { "" },
            escape(&date(j.started)),
            escape(&date(j.ended)),
            escape(&duration(j)),
            c.total,
            c.created,
            c.updated,
            c.skipped,
            c.failed,
            c.archived
        );
    }
    let _ = writeln!(b, "</tbody>\n</table>");
    b
}

// ---------------------------------------------------------------------------------------------
// One job's report

#[derive(Debug, Default, Deserialize)]
struct ReportQuery {
    status: Option<String>,
    page: Option<u64>,
}

/// An item of the report, with the skip message the typed model does not carry.
pub struct ReportItem {
    pub item: HarvestItem,
    pub skip_message: Option<String>,
}

impl ReportItem {
    fn from_document(doc: Document) -> Result<Self, ApiError> {
        let skip_message = doc.get_str("skip_message").ok().map(str::to_owned);
        let item: HarvestItem = bson::from_document(doc)
            .map_err(|e| ApiError::internal("reading a harvest item", e))?;
        Ok(Self { item, skip_message })
    }
}

/// What the report page shows.
pub struct JobReport<'a> {
    pub job: &'a HarvestJob,
    pub source: Option<&'a HarvestSource>,
    pub filter: Option<ItemStatus>,
    pub page: u64,
    /// Items matching the filter, all pages.
    pub matching: u64,
    pub items: &'a [ReportItem],
    /// The "Changes" section (pre-rendered HTML, see [`crate::changes`]).
    pub changes: &'a str,
}

async fn job_page(State(svc): State<Service>, Path(id): Path<String>, uri: Uri) -> PageResult {
    let q: ReportQuery = api::query(&uri)?;
    let job = svc.store.get_job(api::job_id(&id)?).await?;
    let job = api::live_counters(&svc, job).await?;
    let filter = q
        .status
        .as_deref()
        .filter(|s| !s.is_empty() && *s != "all")
        .map(api::parse_item_status)
        .transpose()?;
    let page = q.page.unwrap_or(1).max(1);
    let source = match svc.store.get_source(job.source).await {
        Ok(s) => Some(s),
        Err(common::Error::NotFound { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    let docs = api::item_documents(
        &svc,
        job.id,
        filter,
        (page - 1).saturating_mul(REPORT_PAGE_SIZE),
        REPORT_PAGE_SIZE as i64,
    )
    .await?;
    let items = docs
        .into_iter()
        .map(ReportItem::from_document)
        .collect::<Result<Vec<_>, _>>()?;
    let matching = api::count_items(&svc, job.id, filter).await?;
    let changes = crate::changes::render_summary(job.id, &svc.store.change_counts(job.id).await?);
    let report = JobReport {
        job: &job,
        source: source.as_ref(),
        filter,
        page,
        matching,
        items: &items,
        changes: &changes,
    };
    let title = format!(
        "Harvest report — {} — job {}",
        source
            .as_ref()
            .map_or("deleted source", |s| s.name.as_str()),
        job.id.to_hex()
    );
    Ok(html(
        StatusCode::OK,
        &title,
        &render_job(&report),
        !job.status.is_final(),
    ))
}

/// The harvest report of one job.
pub fn render_job(r: &JobReport<'_>) -> String {
    let job = r.job;
    let c = job.counters;
    let id = job.id.to_hex();
    let mut b = String::new();
    let source_name = r.source.map_or("deleted source", |s| s.name.as_str());
    let _ = writeln!(
        b,
        "<h1>Harvest report: {} — job {}</h1>",
        escape(source_name),
        escape(&id)
    );
    match r.source {
        Some(s) => {
            let _ = writeln!(
                b,
                "<p>Source <a href=\"/admin/sources/{}\">{}</a> ({}, {})</p>",
                s.id.to_hex(),
                escape(&s.name),
                escape(&s.backend),
                escape(&s.url)
            );
        }
        None => {
            let _ = writeln!(
                b,
                "<p>Source {} (deleted)</p>",
                escape(&job.source.to_hex())
            );
        }
    }
    let _ = writeln!(b, "<dl class=\"job\">");
    let _ = writeln!(
        b,
        "<dt>Status</dt><dd id=\"job-status\">{}</dd>",
        status_span(job.status.as_str())
    );
    let trigger = match job.trigger {
        common::model::JobTrigger::Manual => "manual",
        common::model::JobTrigger::Cron => "cron",
    };
    let _ = writeln!(
        b,
        "<dt>Trigger</dt><dd>{trigger}{}</dd>",
        if job.force_refresh {
            " (full refresh)"
        } else {
            ""
        }
    );
    let _ = writeln!(
        b,
        "<dt>Created</dt><dd>{}</dd>",
        escape(&date(Some(job.created)))
    );
    let _ = writeln!(b, "<dt>Started</dt><dd>{}</dd>", escape(&date(job.started)));
    let _ = writeln!(b, "<dt>Ended</dt><dd>{}</dd>", escape(&date(job.ended)));
    let _ = writeln!(
        b,
        "<dt>Duration</dt><dd id=\"job-duration\">{}</dd>",
        escape(&duration(job))
    );
    let _ = writeln!(b, "</dl>");
    if !job.status.is_final() {
        let progress = if job.gather_complete {
            format!("{} of {} items processed", c.done, c.total)
        } else {
            format!(
                "listing in progress: {} items listed, {} processed",
                c.total, c.done
            )
        };
        let _ = writeln!(
            b,
            "<p class=\"progress\">Running: {}. This page refreshes itself.</p>",
            escape(&progress)
        );
    }

    // Summary per outcome.
    let _ = writeln!(b, "<h2>Summary</h2>");
    let _ = writeln!(b, "<table class=\"summary\">\n<tbody>");
    let link = |status: Option<&str>, label: &str, n: i64| -> String {
        let href = match status {
            Some(s) => format!("/admin/jobs/{id}?status={s}"),
            None => format!("/admin/jobs/{id}"),
        };
        format!(
            "<tr><th><a href=\"{}\">{}</a></th><td class=\"n\" id=\"count-{}\">{n}</td></tr>",
            escape(&href),
            escape(label),
            escape(&label.to_ascii_lowercase())
        )
    };
    let _ = writeln!(b, "{}", link(None, "Listed", c.total));
    let _ = writeln!(b, "{}", link(Some("done"), "Created", c.created));
    let _ = writeln!(b, "{}", link(Some("done"), "Updated", c.updated));
    let _ = writeln!(b, "{}", link(Some("skipped"), "Skipped", c.skipped));
    let _ = writeln!(b, "{}", link(Some("failed"), "Failed", c.failed));
    let _ = writeln!(
        b,
        "<tr><th>Archived</th><td class=\"n\" id=\"count-archived\">{}</td></tr>",
        c.archived
    );
    let _ = writeln!(b, "</tbody>\n</table>");
    b.push_str(r.changes);

    // Job errors.
    if !job.errors.is_empty() {
        let _ = writeln!(b, "<h2>Job errors</h2>\n<ul class=\"job-errors\">");
        for e in &job.errors {
            let _ = writeln!(b, "<li>{}</li>", render_error(e));
        }
        let _ = writeln!(b, "</ul>");
    }

    // Archiving and listing notes.
    if let Some(note) = archive_note(&job.data) {
        let _ = writeln!(
            b,
            "<h2>Archiving</h2>\n<p class=\"archive\">{}</p>",
            escape(&note)
        );
    }
    if let Ok(notes) = job.data.get_array("gather_notes") {
        let notes: Vec<&str> = notes.iter().filter_map(|n| n.as_str()).collect();
        if !notes.is_empty() {
            let _ = writeln!(b, "<h2>Listing notes</h2>\n<ul class=\"notes\">");
            for n in notes {
                let _ = writeln!(b, "<li>{}</li>", escape(n));
            }
            let _ = writeln!(b, "</ul>");
        }
    }

    // Items.
    let _ = writeln!(b, "<h2>Datasets</h2>");
    let filters = [
        (None, "All"),
        (Some("done"), "Done"),
        (Some("skipped"), "Skipped"),
        (Some("failed"), "Failed"),
    ];
    let current = r.filter.map(|s| s.as_str());
    let mut nav = Vec::new();
    for (status, label) in filters {
        if status == current {
            nav.push(format!("<strong>{}</strong>", escape(label)));
        } else {
            let href = match status {
                Some(s) => format!("/admin/jobs/{id}?status={s}"),
                None => format!("/admin/jobs/{id}"),
            };
            nav.push(format!(
                "<a href=\"{}\">{}</a>",
                escape(&href),
                escape(label)
            ));
        }
    }
    let _ = writeln!(b, "<nav class=\"filters\">{}</nav>", nav.join(" "));
    let shown = match current {
        Some(s) => format!("{} item(s) with status {s}", r.matching),
        None => format!("{} item(s)", r.matching),
    };
    let _ = writeln!(b, "<p>{}</p>", escape(&shown));
    if r.items.is_empty() {
        let _ = writeln!(b, "<p>No item to show.</p>");
    } else {
        let _ = writeln!(
            b,
            "<table class=\"items\">\n<thead><tr><th>#</th><th>Remote id</th><th>Outcome</th>\
             <th>Dataset</th><th>Details</th></tr></thead>\n<tbody>"
        );
        for it in r.items {
            let _ = writeln!(b, "{}", render_item(it));
        }
        let _ = writeln!(b, "</tbody>\n</table>");
    }
    let pages = r.matching.div_ceil(REPORT_PAGE_SIZE).max(1);
    let status = current.map(|s| format!("status={s}&")).unwrap_or_default();
    b.push_str(&pages_nav(
        |n| format!("/admin/jobs/{id}?{status}page={n}"),
        r.page,
        pages,
    ));
    b
}

/// Previous / next links of a paged list (nothing when it has one page).
pub fn pages_nav(href: impl Fn(u64) -> String, page: u64, pages: u64) -> String {
    if pages <= 1 {
        return String::new();
    }
    let mut links = Vec::new();
    if page > 1 {
        links.push(format!(
            "<a href=\"{}\">Previous</a>",
            escape(&href(page - 1))
        ));
    }
    links.push(format!("page {page} of {pages}"));
    if page < pages {
        links.push(format!("<a href=\"{}\">Next</a>", escape(&href(page + 1))));
    }
    format!("<p class=\"pages\">{}</p>\n", links.join(" "))
}

/// One row of the items table.
fn render_item(it: &ReportItem) -> String {
    let item = &it.item;
    let outcome = match (item.status, item.created_dataset) {
        (ItemStatus::Done, Some(true)) => "done (created)".to_owned(),
        (ItemStatus::Done, _) => "done (updated)".to_owned(),
        (status, _) => status.as_str().to_owned(),
    };
    let remote = match item.remote_url.as_deref().and_then(safe_href) {
        Some(href) => format!(
            "<a href=\"{href}\" rel=\"noreferrer\">{}</a>",
            escape(&item.remote_id)
        ),
        None => escape(&item.remote_id),
    };
    let dataset = match item.dataset {
        Some(d) => format!("<a href=\"/api/1/datasets/{0}\">{0}</a>", d.to_hex()),
        None => String::new(),
    };
    let mut details = String::new();
    if let Some(reason) = item.skip_reason {
        let reason = bson::to_bson(&reason)
            .ok()
            .and_then(|b| b.as_str().map(str::to_owned))
            .unwrap_or_default();
        let _ = write!(details, "<p class=\"skip\">Skipped: {}", escape(&reason));
        if let Some(m) = &it.skip_message {
            let _ = write!(details, " — {}", escape(m));
        }
        details.push_str("</p>");
    }
    for e in &item.errors {
        let _ = write!(
            details,
            "<div class=\"item-error\">{}</div>",
            render_error(e)
        );
    }
    if !item.warnings.is_empty() {
        details.push_str("<ul class=\"warnings\">");
        for w in &item.warnings {
            let _ = write!(details, "<li class=\"warning\">{}</li>", escape(w));
        }
        details.push_str("</ul>");
    }
    format!(
        "<tr class=\"item status-{}\"><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        escape(item.status.as_str()),
        item.seq + 1,
        remote,
        status_span(&outcome),
        dataset,
        details
    )
}

/// An error: the human message, then the technical details folded.
fn render_error(e: &HarvestError) -> String {
    let mut s = format!("<p class=\"error\">{}</p>", escape(&e.message));
    if let Some(d) = e.details.as_deref().filter(|d| !d.trim().is_empty()) {
        let _ = write!(
            s,
            "<details><summary>Technical details</summary><pre>{}</pre></details>",
            escape(d)
        );
    }
    s
}

/// What the job decided about archiving (`data.archive`), in words.
pub fn archive_note(data: &Document) -> Option<String> {
    let archive = data.get_document("archive").ok()?;
    if let Ok(skipped) = archive.get_str("skipped") {
        return Some(format!("Archiving skipped: {skipped}."));
    }
    let number = |key: &str| match archive.get(key) {
        Some(bson::Bson::Int32(n)) => Some(*n as i64),
        Some(bson::Bson::Int64(n)) => Some(*n),
        Some(bson::Bson::Double(n)) => Some(*n as i64),
        _ => None,
    };
    if let Ok(refused) = archive.get_str("refused") {
        return Some(format!("Archiving refused: {refused}."));
    }
    match (number("archived"), number("candidates")) {
        (Some(0), _) | (None, Some(0)) => {
            Some("No dataset vanished from the remote: nothing archived.".into())
        }
        (Some(a), Some(c)) => Some(format!(
            "{a} dataset(s) archived out of {c} that vanished from the remote."
        )),
        (Some(a), None) => Some(format!("{a} dataset(s) archived.")),
        (None, _) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::doc;
    use bson::oid::ObjectId;
    use common::model::{JobStatus, JobTrigger};

    #[test]
    fn escape_everything_special() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(safe_href("javascript:alert(1)"), None);
        assert_eq!(
            safe_href("https://x.org/?a=1&b=2").as_deref(),
            Some("https://x.org/?a=1&amp;b=2")
        );
    }

    #[test]
    fn archive_notes() {
        assert_eq!(archive_note(&doc! {}), None);
        let n = archive_note(&doc! { "archive": { "skipped": "autoarchive is off" } });
        assert_eq!(n.as_deref(), Some("Archiving skipped: autoarchive is off."));
        let n = archive_note(
            &doc! { "archive": { "candidates": 10, "archived": 0, "refused": "too many" } },
        );
        assert_eq!(n.as_deref(), Some("Archiving refused: too many."));
        let n = archive_note(&doc! { "archive": { "candidates": 3_i64, "archived": 2_i64 } });
        assert!(n.is_some_and(|n| n.starts_with("2 dataset(s) archived out of 3")));
    }

    #[test]
    fn report_escapes_and_folds_details() {
        let mut job = HarvestJob::new(ObjectId::new(), JobTrigger::Manual, false);
        job.status = JobStatus::DoneErrors;
        job.counters.total = 2;
        job.counters.failed = 1;
        job.counters.created = 1;
        job.errors
            .push(HarvestError::new("<script>job</script>", None));
        let item = HarvestItem {
            remote_url: Some("javascript:alert(1)".into()),
            status: ItemStatus::Failed,
            errors: vec![HarvestError::new("bad date", Some("trace & more".into()))],
            attempts: 1,
            ..HarvestItem::listed(job.id, job.source, 0, "r<1>".into(), bson::DateTime::now())
        };
        let items = [ReportItem {
            item,
            skip_message: None,
        }];
        let html = render_job(&JobReport {
            job: &job,
            source: None,
            filter: Some(ItemStatus::Failed),
            page: 1,
            matching: 1,
            items: &items,
            changes: "",
        });
        assert!(html.contains("&lt;script&gt;job&lt;/script&gt;"));
        assert!(!html.contains("<script>"));
        assert!(!html.contains("javascript:"));
        assert!(html.contains("r&lt;1&gt;"));
        assert!(html.contains(
            "<details><summary>Technical details</summary><pre>trace &amp; more</pre></details>"
        ));
        assert!(html.contains("id=\"count-failed\">1<"));
    }
}
