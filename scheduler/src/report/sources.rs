//! The pages of the source registry: every source with its validation state and last job, and
//! one source with its settings, its [health](crate::health), its jobs and its webhooks.

use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use common::model::{Filter, FilterKind, HarvestJob, HarvestSource};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{html_page, PageResult};
use super::parts::{date, duration, remote_link, status_span, trigger};
use crate::api::{self, ApiError};
use crate::service::Service;

/// Jobs shown on a source's page.
const SOURCE_JOBS: i64 = 50;

#[derive(Debug, Default, Deserialize)]
struct SourcesQuery {
    #[serde(default)]
    deleted: bool,
}

/// `GET /admin/`.
pub(super) async fn sources_page(State(svc): State<Service>, uri: Uri) -> PageResult {
    let q: SourcesQuery = api::query(&uri)?;
    let sources = svc.store.list_sources(q.deleted).await?;
    let lasts =
        futures::future::try_join_all(sources.iter().map(|s| svc.store.jobs_of_source(s.id, 1)))
            .await?;
    let rows: Vec<(&HarvestSource, Option<&HarvestJob>)> = sources
        .iter()
        .zip(lasts.iter().map(|jobs| jobs.first()))
        .collect();
    Ok(html_page(
        StatusCode::OK,
        "Harvest sources",
        render_sources(&rows, q.deleted),
        false,
    ))
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// The sources table, each with its validation state and last job.
pub fn render_sources(
    rows: &[(&HarvestSource, Option<&HarvestJob>)],
    with_deleted: bool,
) -> Markup {
    html! {
        h1 { "Harvest sources" }
        @if with_deleted {
            p { "Deleted sources included. " a href="/admin/" { "Hide deleted" } }
        } @else {
            p { a href="/admin/?deleted=true" { "Include deleted sources" } }
        }
        @if rows.is_empty() {
            p { "No harvest source yet." }
        } @else {
            table class="sources" {
                thead { tr {
                    th { "Name" } th { "Backend" } th { "URL" } th { "Validation" }
                    th { "Active" } th { "Schedule" } th { "Last job" }
                } }
                tbody {
                    @for (s, last) in rows {
                        tr {
                            td { a href={ "/admin/sources/" (s.id) } { (s.name) } }
                            td { (s.backend) }
                            td { (s.url) }
                            td {
                                (status_span(s.validation.state.as_str()))
                                @if s.deleted.is_some() { " (deleted)" }
                            }
                            td { (yes_no(s.active)) }
                            td { (s.schedule.as_deref().unwrap_or("default")) }
                            td {
                                @if let Some(j) = last {
                                    a href={ "/admin/jobs/" (j.id) } { (date(Some(j.created))) }
                                    " " (status_span(j.status.as_str()))
                                    " — " (j.counters.total) " items, "
                                    (j.counters.failed) " failed"
                                } @else {
                                    "never run"
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /admin/sources/{id}`.
pub(super) async fn source_page(State(svc): State<Service>, Path(id): Path<String>) -> PageResult {
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
    let webhooks = crate::webhooks::source_section(&svc, source.id).await?;
    let body = html! {
        (render_source(&source, &live, health))
        (webhooks)
    };
    Ok(html_page(
        StatusCode::OK,
        &format!("Harvest source {}", source.name),
        body,
        running,
    ))
}

/// A filter as the page shows it: `include key = value`.
fn filter_text(f: &Filter) -> String {
    let kind = match f.kind {
        FilterKind::Include => "include",
        FilterKind::Exclude => "exclude",
    };
    let value = match &f.value {
        serde_json::Value::String(v) => v.clone(),
        other => other.to_string(),
    };
    format!("{kind} {} = {value}", f.key)
}

/// A source's settings, its health section and its jobs.
pub fn render_source(s: &HarvestSource, jobs: &[HarvestJob], health: Markup) -> Markup {
    let features: Vec<&str> = s
        .config
        .features
        .iter()
        .filter(|(_, on)| **on)
        .map(|(k, _)| k.as_str())
        .collect();
    html! {
        h1 { "Harvest source " (s.name) }
        @if s.deleted.is_some() {
            p class="error" { "Deleted on " (date(s.deleted)) "." }
        }
        dl {
            dt { "Id" } dd { (s.id) }
            dt { "Slug" } dd { (s.slug) }
            dt { "URL" } dd { (remote_link(Some(&s.url), &s.url)) }
            dt { "Backend" } dd { (s.backend) }
            @if let Some(d) = &s.description {
                dt { "Description" } dd { (d) }
            }
            dt { "Validation" }
            dd {
                (status_span(s.validation.state.as_str()))
                @if let Some(by) = &s.validation.by { " by " (by) }
                @if s.validation.on.is_some() { " on " (date(s.validation.on)) }
                @if let Some(c) = &s.validation.comment { " — " (c) }
            }
            dt { "Active" } dd { (yes_no(s.active)) }
            dt { "Archive vanished datasets" } dd { (yes_no(s.autoarchive)) }
            dt { "Schedule" } dd { (s.schedule.as_deref().unwrap_or("default (nightly)")) }
            dt { "Next run" } dd { (date(s.next_run_at)) }
            @if !s.config.filters.is_empty() {
                dt { "Filters" }
                dd {
                    @for (i, f) in s.config.filters.iter().enumerate() {
                        @if i > 0 { br; }
                        (filter_text(f))
                    }
                }
            }
            @if !features.is_empty() {
                dt { "Options" } dd { (features.join(", ")) }
            }
            @if let Some(o) = s.organization {
                dt { "Organization" } dd { (o) }
            }
            @if let Some(o) = s.owner {
                dt { "Owner" } dd { (o) }
            }
            dt { "Created" } dd { (date(Some(s.created_at))) }
            dt { "Modified" } dd { (date(s.last_modified)) }
            @if let Some(j) = s.running_job {
                dt { "Running job" } dd { a href={ "/admin/jobs/" (j) } { (j) } }
            }
        }
        (health)
        h2 { "Jobs" }
        @if jobs.is_empty() {
            p { "No job yet." }
        } @else {
            table class="jobs" {
                thead { tr {
                    th { "Job" } th { "Status" } th { "Trigger" } th { "Started" } th { "Ended" }
                    th { "Duration" } th { "Items" } th { "Created" } th { "Updated" }
                    th { "Skipped" } th { "Failed" } th { "Archived" }
                } }
                tbody {
                    @for j in jobs {
                        @let c = j.counters;
                        tr {
                            td { a href={ "/admin/jobs/" (j.id) } { (date(Some(j.created))) } }
                            td { (status_span(j.status.as_str())) }
                            td { (trigger(j.trigger)) @if j.force_refresh { ", forced" } }
                            td { (date(j.started)) }
                            td { (date(j.ended)) }
                            td { (duration(j)) }
                            td class="n" { (c.total) }
                            td class="n" { (c.created) }
                            td class="n" { (c.updated) }
                            td class="n" { (c.skipped) }
                            td class="n" { (c.failed) }
                            td class="n" { (c.archived) }
                        }
                    }
                }
            }
        }
    }
}
