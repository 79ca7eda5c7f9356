//! One job's harvest report (spec: "Rapport de moissonnage"): a summary per outcome, the changes,
//! the job's own errors and notes, then its datasets page by page, each failed one with its human
//! message and its technical details folded.

use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use bson::Document;
use common::model::{HarvestError, HarvestItem, HarvestJob, HarvestSource, ItemStatus};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{html_page, PageResult};
use super::parts::{date, duration, pages_nav, remote_link, status_span, trigger};
use crate::api::{self, ApiError};
use crate::service::Service;

/// Items per page of a job report.
const REPORT_PAGE_SIZE: u64 = 100;

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
    /// The "Changes" section (see [`crate::changes`]).
    pub changes: &'a Markup,
}

/// `GET /admin/jobs/{id}`.
pub(super) async fn job_page(
    State(svc): State<Service>,
    Path(id): Path<String>,
    uri: Uri,
) -> PageResult {
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
    Ok(html_page(
        StatusCode::OK,
        &title,
        render_job(&report),
        !job.status.is_final(),
    ))
}

/// The report's own URL, filtered by item status or not.
fn filtered_href(job: &str, status: Option<&str>) -> String {
    match status {
        Some(s) => format!("/admin/jobs/{job}?status={s}"),
        None => format!("/admin/jobs/{job}"),
    }
}

/// A row of the summary: the outcome, linked to its items, and its count.
fn summary_row(job: &str, status: Option<&str>, label: &str, n: i64) -> Markup {
    html! {
        tr {
            th { a href=(filtered_href(job, status)) { (label) } }
            td class="n" id={ "count-" (label.to_ascii_lowercase()) } { (n) }
        }
    }
}

/// The harvest report of one job.
pub fn render_job(r: &JobReport<'_>) -> Markup {
    let job = r.job;
    let c = job.counters;
    let id = job.id.to_hex();
    let source_name = r.source.map_or("deleted source", |s| s.name.as_str());
    let progress = if job.gather_complete {
        format!("{} of {} items processed", c.done, c.total)
    } else {
        format!(
            "listing in progress: {} items listed, {} processed",
            c.total, c.done
        )
    };
    let notes: Vec<&str> = job
        .data
        .get_array("gather_notes")
        .map(|notes| notes.iter().filter_map(|n| n.as_str()).collect())
        .unwrap_or_default();
    let filters = [
        (None, "All"),
        (Some("done"), "Done"),
        (Some("skipped"), "Skipped"),
        (Some("failed"), "Failed"),
    ];
    let current = r.filter.map(|s| s.as_str());
    let shown = match current {
        Some(s) => format!("{} item(s) with status {s}", r.matching),
        None => format!("{} item(s)", r.matching),
    };
    let pages = r.matching.div_ceil(REPORT_PAGE_SIZE).max(1);
    let status_param = current.map(|s| format!("status={s}&")).unwrap_or_default();
    html! {
        h1 { "Harvest report: " (source_name) " — job " (id) }
        @if let Some(s) = r.source {
            p {
                "Source " a href={ "/admin/sources/" (s.id) } { (s.name) }
                " (" (s.backend) ", " (s.url) ")"
            }
        } @else {
            p { "Source " (job.source) " (deleted)" }
        }
        dl class="job" {
            dt { "Status" } dd id="job-status" { (status_span(job.status.as_str())) }
            dt { "Trigger" }
            dd { (trigger(job.trigger)) @if job.force_refresh { " (full refresh)" } }
            dt { "Created" } dd { (date(Some(job.created))) }
            dt { "Started" } dd { (date(job.started)) }
            dt { "Ended" } dd { (date(job.ended)) }
            dt { "Duration" } dd id="job-duration" { (duration(job)) }
        }
        @if !job.status.is_final() {
            p class="progress" { "Running: " (progress) ". This page refreshes itself." }
        }

        h2 { "Summary" }
        table class="summary" {
            tbody {
                (summary_row(&id, None, "Listed", c.total))
                (summary_row(&id, Some("done"), "Created", c.created))
                (summary_row(&id, Some("done"), "Updated", c.updated))
                (summary_row(&id, Some("skipped"), "Skipped", c.skipped))
                (summary_row(&id, Some("failed"), "Failed", c.failed))
                tr { th { "Archived" } td class="n" id="count-archived" { (c.archived) } }
            }
        }
        (r.changes)

        @if !job.errors.is_empty() {
            h2 { "Job errors" }
            ul class="job-errors" {
                @for e in &job.errors { li { (render_error(e)) } }
            }
        }
        @if let Some(note) = archive_note(&job.data) {
            h2 { "Archiving" }
            p class="archive" { (note) }
        }
        @if !notes.is_empty() {
            h2 { "Listing notes" }
            ul class="notes" {
                @for n in &notes { li { (n) } }
            }
        }

        h2 { "Datasets" }
        nav class="filters" {
            @for (i, (status, label)) in filters.iter().enumerate() {
                @if i > 0 { " " }
                @if *status == current {
                    strong { (label) }
                } @else {
                    a href=(filtered_href(&id, *status)) { (label) }
                }
            }
        }
        p { (shown) }
        @if r.items.is_empty() {
            p { "No item to show." }
        } @else {
            table class="items" {
                thead { tr {
                    th { "#" } th { "Remote id" } th { "Outcome" } th { "Dataset" } th { "Details" }
                } }
                tbody {
                    @for it in r.items { (render_item(it)) }
                }
            }
        }
        (pages_nav(|n| format!("/admin/jobs/{id}?{status_param}page={n}"), r.page, pages))
    }
}

/// One row of the items table.
fn render_item(it: &ReportItem) -> Markup {
    let item = &it.item;
    let outcome = match (item.status, item.created_dataset) {
        (ItemStatus::Done, Some(true)) => "done (created)",
        (ItemStatus::Done, _) => "done (updated)",
        (status, _) => status.as_str(),
    };
    let skip_reason = item.skip_reason.map(|reason| {
        bson::to_bson(&reason)
            .ok()
            .and_then(|b| b.as_str().map(str::to_owned))
            .unwrap_or_default()
    });
    html! {
        tr class={ "item status-" (item.status.as_str()) } {
            td class="n" { (item.seq + 1) }
            td { (remote_link(item.remote_url.as_deref(), &item.remote_id)) }
            td { (status_span(outcome)) }
            td {
                @if let Some(d) = item.dataset {
                    a href={ "/api/1/datasets/" (d) } { (d) }
                }
            }
            td {
                @if let Some(reason) = &skip_reason {
                    p class="skip" {
                        "Skipped: " (reason)
                        @if let Some(m) = &it.skip_message { " — " (m) }
                    }
                }
                @for e in &item.errors {
                    div class="item-error" { (render_error(e)) }
                }
                @if !item.warnings.is_empty() {
                    ul class="warnings" {
                        @for w in &item.warnings { li class="warning" { (w) } }
                    }
                }
            }
        }
    }
}

/// An error: the human message, then the technical details folded.
fn render_error(e: &HarvestError) -> Markup {
    html! {
        p class="error" { (e.message) }
        @if let Some(d) = e.details.as_deref().filter(|d| !d.trim().is_empty()) {
            details { summary { "Technical details" } pre { (d) } }
        }
    }
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
            changes: &Markup::default(),
        })
        .into_string();
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
