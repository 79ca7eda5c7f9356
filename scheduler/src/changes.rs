//! A job's change list as people and programs read it: which datasets the run created, updated,
//! un-archived or archived, and for an update which top-level fields changed (names, not
//! values). Served by the API (`/api/1/jobs/<id>/changes?kind=updated`), the HTML report (a
//! section of the job's page and `/admin/jobs/<id>/changes?kind=…`) and the CLI
//! (`report <job> --changes`). The list itself is written by the item and finalize steps.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::Json;
use bson::oid::ObjectId;
use common::model::{ChangeEntry, ChangeKind};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::{self, ApiError, ApiResult};
use crate::report::{html_page, pages_nav, PageError};
use crate::service::Service;

/// Changes per page when no `page_size` is given, and at most.
const DEFAULT_PAGE_SIZE: u64 = 100;
const MAX_PAGE_SIZE: u64 = 1000;

/// Parse a change kind (`created`, `updated`, `unarchived`, `archived`; empty or `all`: none).
pub fn parse_kind(raw: Option<&str>) -> ApiResult<Option<ChangeKind>> {
    match raw.map(str::trim).filter(|k| !k.is_empty() && *k != "all") {
        None => Ok(None),
        Some(k) => ChangeKind::parse(k).map(Some).ok_or_else(|| {
            ApiError::bad_request(
                Some("kind".into()),
                format!(
                    "unknown change kind {k:?}; one of {}",
                    ChangeKind::ALL.map(|k| k.as_str()).join(", ")
                ),
            )
        }),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangesQuery {
    kind: Option<String>,
    page: Option<u64>,
    page_size: Option<u64>,
}

fn counts_json(counts: &BTreeMap<ChangeKind, u64>) -> Value {
    let mut map = serde_json::Map::new();
    for (k, n) in counts {
        map.insert(k.as_str().into(), Value::from(*n));
    }
    Value::Object(map)
}

fn entry_json(e: &ChangeEntry) -> Value {
    json!({
        "kind": e.kind.as_str(),
        "remote_id": e.remote_id,
        "dataset": e.dataset.map(|d| d.to_hex()),
        "fields": e.fields,
    })
}

/// `GET /api/1/jobs/{id}/changes`: counts per kind and a page of the list (`kind`, `page`,
/// `page_size`).
pub async fn job_changes_api(
    State(svc): State<Service>,
    Path(id): Path<String>,
    uri: Uri,
) -> ApiResult<Json<Value>> {
    let q: ChangesQuery = api::query(&uri)?;
    let job = svc.store.get_job(api::job_id(&id)?).await?;
    let kind = parse_kind(q.kind.as_deref())?;
    let (page, page_size) = api::paging(q.page, q.page_size, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)?;
    let counts = svc.store.change_counts(job.id).await?;
    let total = matching(&counts, kind);
    let changes = svc
        .store
        .job_changes(
            job.id,
            kind,
            (page - 1).saturating_mul(page_size),
            page_size as i64,
        )
        .await?;
    Ok(Json(json!({
        "job": job.id.to_hex(),
        "kind": kind.map(|k| k.as_str()),
        "page": page,
        "page_size": page_size,
        "total": total,
        "counts": counts_json(&counts),
        "changes": changes.iter().map(entry_json).collect::<Vec<_>>(),
    })))
}

fn label(kind: Option<ChangeKind>) -> &'static str {
    match kind {
        None => "All",
        Some(ChangeKind::Created) => "Created",
        Some(ChangeKind::Updated) => "Updated",
        Some(ChangeKind::Unarchived) => "Un-archived",
        Some(ChangeKind::Archived) => "Archived",
    }
}

fn href(job: ObjectId, kind: Option<ChangeKind>) -> String {
    match kind {
        Some(k) => format!("/admin/jobs/{}/changes?kind={}", job.to_hex(), k.as_str()),
        None => format!("/admin/jobs/{}/changes", job.to_hex()),
    }
}

/// The "Changes" section of a job's report: counts per kind, each a link to its list.
pub fn render_summary(job: ObjectId, counts: &BTreeMap<ChangeKind, u64>) -> Markup {
    let total: u64 = counts.values().sum();
    html! {
        h2 { "Changes" }
        p class="changes" {
            a href=(href(job, None)) { (total) " dataset(s) changed" }
            @for (kind, n) in counts {
                " · "
                a href=(href(job, Some(*kind))) id={ "changes-" (kind.as_str()) } {
                    (n) " " (label(Some(*kind)).to_lowercase())
                }
            }
        }
    }
}

/// What the changes page shows.
pub struct ChangesPage<'a> {
    pub job: ObjectId,
    pub source_name: &'a str,
    pub kind: Option<ChangeKind>,
    pub counts: &'a BTreeMap<ChangeKind, u64>,
    pub page: u64,
    pub changes: &'a [ChangeEntry],
}

/// The change list of a job, filterable by kind.
pub fn render_page(p: &ChangesPage<'_>) -> Markup {
    let id = p.job.to_hex();
    let kinds = std::iter::once(None).chain(ChangeKind::ALL.map(Some));
    let pages = matching(p.counts, p.kind)
        .div_ceil(DEFAULT_PAGE_SIZE)
        .max(1);
    let base = href(p.job, p.kind);
    let sep = if base.contains('?') { '&' } else { '?' };
    html! {
        h1 { "Changes: " (p.source_name) " — job " (id) }
        p { a href={ "/admin/jobs/" (id) } { "Back to the report" } }
        nav class="filters" {
            @for (i, kind) in kinds.enumerate() {
                @if i > 0 { " " }
                @let text = format!("{} ({})", label(kind), matching(p.counts, kind));
                @if kind == p.kind {
                    strong { (text) }
                } @else {
                    a href=(href(p.job, kind)) { (text) }
                }
            }
        }
        @if p.changes.is_empty() {
            p { "No change to show." }
        } @else {
            table class="changes" {
                thead { tr {
                    th { "Change" } th { "Remote id" } th { "Dataset" } th { "Fields changed" }
                } }
                tbody {
                    @for c in p.changes {
                        tr class={ "change change-" (c.kind.as_str()) } {
                            td { (c.kind.as_str()) }
                            td { (c.remote_id) }
                            td {
                                @if let Some(d) = c.dataset {
                                    a href={ "/api/1/datasets/" (d) } { (d) }
                                }
                            }
                            td { (changed_fields(c)) }
                        }
                    }
                }
            }
            (pages_nav(|n| format!("{base}{sep}page={n}"), p.page, pages))
        }
    }
}

/// The fields an entry changed, or that only its dates did.
fn changed_fields(c: &ChangeEntry) -> Markup {
    html! {
        @if c.fields.is_empty() {
            @if matches!(c.kind, ChangeKind::Updated | ChangeKind::Unarchived) {
                span class="status-skipped" { "none (dates only)" }
            }
        } @else {
            @for (i, f) in c.fields.iter().enumerate() {
                @if i > 0 { ", " }
                code { (f) }
            }
        }
    }
}

/// Changes of `kind` (all kinds: `None`) in the counts.
fn matching(counts: &BTreeMap<ChangeKind, u64>, kind: Option<ChangeKind>) -> u64 {
    match kind {
        Some(k) => counts.get(&k).copied().unwrap_or(0),
        None => counts.values().sum(),
    }
}

#[derive(Debug, Default, Deserialize)]
struct PageQuery {
    kind: Option<String>,
    page: Option<u64>,
}

/// `GET /admin/jobs/{id}/changes`.
pub async fn changes_page(
    State(svc): State<Service>,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Response, PageError> {
    let q: PageQuery = api::query(&uri)?;
    let job = svc.store.get_job(api::job_id(&id)?).await?;
    let kind = parse_kind(q.kind.as_deref())?;
    let page = q.page.unwrap_or(1).max(1);
    let source_name = match svc.store.get_source(job.source).await {
        Ok(s) => s.name,
        Err(common::Error::NotFound { .. }) => "deleted source".into(),
        Err(e) => return Err(e.into()),
    };
    let counts = svc.store.change_counts(job.id).await?;
    let changes = svc
        .store
        .job_changes(
            job.id,
            kind,
            (page - 1).saturating_mul(DEFAULT_PAGE_SIZE),
            DEFAULT_PAGE_SIZE as i64,
        )
        .await?;
    let body = render_page(&ChangesPage {
        job: job.id,
        source_name: &source_name,
        kind,
        counts: &counts,
        page,
        changes: &changes,
    });
    Ok(html_page(
        StatusCode::OK,
        &format!("Changes — {source_name} — job {}", job.id.to_hex()),
        body,
        !job.status.is_final(),
    ))
}

/// The change list as the CLI prints it (`report <job> --changes`).
pub fn render_text(counts: &BTreeMap<ChangeKind, u64>, changes: &[ChangeEntry]) -> String {
    let mut out = String::new();
    let summary: Vec<String> = counts
        .iter()
        .map(|(k, n)| format!("{}={n}", k.as_str()))
        .collect();
    let _ = writeln!(out, "  changes   {}", summary.join(" "));
    for c in changes {
        let dataset = c
            .dataset
            .map(|d| format!(" dataset={d}"))
            .unwrap_or_default();
        let fields = if c.fields.is_empty() {
            String::new()
        } else {
            format!(" fields: {}", c.fields.join(", "))
        };
        let _ = writeln!(
            out,
            "  - {:<10} {}{dataset}{fields}",
            c.kind.as_str(),
            c.remote_id
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_and_pages_escape() {
        assert_eq!(parse_kind(None).unwrap(), None);
        assert_eq!(parse_kind(Some("all")).unwrap(), None);
        assert_eq!(
            parse_kind(Some("updated")).unwrap(),
            Some(ChangeKind::Updated)
        );
        let e = parse_kind(Some("nope")).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("kind"));

        let job = ObjectId::new();
        let counts: BTreeMap<ChangeKind, u64> =
            [(ChangeKind::Updated, 1), (ChangeKind::Created, 0)].into();
        let changes = [ChangeEntry {
            kind: ChangeKind::Updated,
            remote_id: "<r1>".into(),
            dataset: None,
            fields: vec!["title".into()],
        }];
        let page = render_page(&ChangesPage {
            job,
            source_name: "S & co",
            kind: Some(ChangeKind::Updated),
            counts: &counts,
            page: 1,
            changes: &changes,
        })
        .into_string();
        assert!(page.contains("&lt;r1&gt;") && page.contains("S &amp; co"));
        assert!(page.contains("<code>title</code>"));
        assert!(page.contains("<strong>Updated (1)</strong>"));
        let text = render_text(&counts, &changes);
        assert!(text.contains("updated    <r1> fields: title"), "{text}");
    }
}
