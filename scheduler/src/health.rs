//! Source health as operators read it: from a source's run history and summary (kept by the
//! finalize step in `harvester_run` / `harvester_health`), its last status, consecutive failures,
//! last success, and whether it is `failing` (`health.failing_after` failures in a row) or `stale`
//! (scheduled, but no success for `health.stale_after_periods` periods of its schedule).
//!
//! It exists because jobs are purged after `harvest.keep_jobs` runs: the job list cannot tell that
//! a source has failed every night for a month. Shared by the API (`/api/1/sources/<id>/health`),
//! the CLI (`sources health`), the source page (with its [chart](crate::chart)) and the two
//! aggregate gauges refreshed by the scheduler.

use std::cmp::Reverse;
use std::fmt::Write as _;

use axum::extract::{Path, State};
use axum::http::Uri;
use axum::Json;
use chrono::{DateTime, Duration, Utc};
use common::model::{HarvestSource, HealthSummary, JobStatus, RunRecord, ValidationState};
use common::settings::HealthSettings;
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::{self, ApiError, ApiResult};
use crate::service::{Service, ServiceResult};

/// Runs returned by the API and drawn on the source page when no `limit` is given.
pub const DEFAULT_RUNS: i64 = 60;

/// One source's health at a given time.
#[derive(Debug, Clone)]
pub struct SourceHealth {
    pub source: HarvestSource,
    /// `None` until the source's first job ends.
    pub summary: Option<HealthSummary>,
    /// The longest gap between two runs of its schedule (`None`: manual, or not scheduled).
    pub period: Option<Duration>,
    pub failing: bool,
    pub stale: bool,
}

impl SourceHealth {
    pub fn consecutive_failures(&self) -> i64 {
        self.summary.as_ref().map_or(0, |s| s.consecutive_failures)
    }

    pub fn last_status(&self) -> Option<JobStatus> {
        self.summary.as_ref().and_then(|s| s.last_status)
    }

    pub fn last_success_at(&self) -> Option<bson::DateTime> {
        self.summary.as_ref().and_then(|s| s.last_success_at)
    }

    /// Rank for "worst first": failures in a row, then stale, then the last status.
    fn rank(&self) -> (Reverse<i64>, Reverse<bool>, u8) {
        let status = match self.last_status() {
            Some(JobStatus::Failed) => 0,
            Some(JobStatus::DoneErrors) => 1,
            None => 2,
            Some(_) => 3,
        };
        (
            Reverse(self.consecutive_failures()),
            Reverse(self.stale),
            status,
        )
    }
}

/// Whether the cron loop harvests this source on its own.
fn scheduled(source: &HarvestSource) -> bool {
    source.active
        && source.deleted.is_none()
        && source.validation.state == ValidationState::Accepted
}

/// The longest gap between the next runs of a source's schedule (its own, else `default`):
/// one day for a nightly schedule, three days over a weekend for a weekday one.
pub fn schedule_period(
    source: &HarvestSource,
    default: &str,
    now: DateTime<Utc>,
) -> Option<Duration> {
    let expr = source.schedule.as_deref().unwrap_or(default);
    if expr == "manual" {
        return None;
    }
    let cron = crate::cron::parse(expr).ok()?;
    let times: Vec<DateTime<Utc>> = cron.iter_after(now).take(8).collect();
    times.windows(2).map(|w| w[1] - w[0]).max()
}

/// A source's health from its summary, at `now`.
pub fn assess(
    source: HarvestSource,
    summary: Option<HealthSummary>,
    settings: &HealthSettings,
    default_schedule: &str,
    now: DateTime<Utc>,
) -> SourceHealth {
    let period = scheduled(&source)
        .then(|| schedule_period(&source, default_schedule, now))
        .flatten();
    let failing = summary
        .as_ref()
        .is_some_and(|s| s.consecutive_failures >= i64::from(settings.failing_after));
    // Since the last success, or since the source could first run (accepted) if it never did.
    let since = summary
        .as_ref()
        .and_then(|s| s.last_success_at)
        .or(source.validation.on)
        .unwrap_or(source.created_at)
        .to_chrono();
    let stale = period.is_some_and(|p| {
        let allowed = p.num_milliseconds() as f64 * settings.stale_after_periods;
        (now - since).num_milliseconds() as f64 > allowed
    });
    SourceHealth {
        source,
        summary,
        period,
        failing,
        stale,
    }
}

/// Every source's health (deleted ones left out), worst first.
pub async fn all(svc: &Service, now: DateTime<Utc>) -> ServiceResult<Vec<SourceHealth>> {
    let sources = svc.store.list_sources(false).await?;
    let mut summaries: std::collections::HashMap<_, _> = svc
        .store
        .all_health()
        .await?
        .into_iter()
        .map(|s| (s.source, s))
        .collect();
    let settings = &svc.settings;
    let mut out: Vec<SourceHealth> = sources
        .into_iter()
        .map(|s| {
            let summary = summaries.remove(&s.id);
            assess(
                s,
                summary,
                &settings.health,
                &settings.api.default_schedule,
                now,
            )
        })
        .collect();
    out.sort_by(|a, b| {
        a.rank()
            .cmp(&b.rank())
            .then_with(|| a.source.name.cmp(&b.source.name))
    });
    Ok(out)
}

/// One source's health and its newest `limit` runs (newest first).
pub async fn of_source(
    svc: &Service,
    source: HarvestSource,
    limit: i64,
    now: DateTime<Utc>,
) -> ServiceResult<(SourceHealth, Vec<RunRecord>)> {
    let summary = svc.store.health_of(source.id).await?;
    let runs = svc.store.source_runs(source.id, limit).await?;
    let settings = &svc.settings;
    let health = assess(
        source,
        summary,
        &settings.health,
        &settings.api.default_schedule,
        now,
    );
    Ok((health, runs))
}

/// Refresh `harvest_sources_failing` and `harvest_sources_stale` (the scheduler's poll loop).
pub async fn refresh_gauges(svc: &Service) -> ServiceResult<()> {
    let all = all(svc, Utc::now()).await?;
    let m = common::telemetry::metrics();
    m.sources_failing
        .set(all.iter().filter(|h| h.failing).count() as i64);
    m.sources_stale
        .set(all.iter().filter(|h| h.stale).count() as i64);
    // Owners subscribed to `stale` hear of it once per stale episode (notify_stale is keyed on
    // the source and the start of the episode: safe at every pass).
    for h in all.iter().filter(|h| h.stale) {
        let since = h
            .last_success_at()
            .or(h.source.validation.on)
            .unwrap_or(h.source.created_at);
        if let Err(e) = svc.notify_stale(&h.source, since).await {
            tracing::warn!(source = %h.source.slug, error = %e, "stale notification not enqueued");
        }
    }
    Ok(())
}

fn date(d: Option<bson::DateTime>) -> Value {
    d.map_or(Value::Null, |d| {
        common::json::plain(bson::Bson::DateTime(d))
    })
}

/// The JSON of a source's health (and its runs, when given).
pub fn to_json(h: &SourceHealth, runs: Option<&[RunRecord]>) -> Value {
    let s = h.summary.as_ref();
    let mut value = json!({
        "source": h.source.id.to_hex(),
        "slug": h.source.slug,
        "name": h.source.name,
        "last_status": h.last_status().map(|s| s.as_str()),
        "last_job": s.and_then(|s| s.last_job).map(|j| j.to_hex()),
        "last_run_at": s.filter(|s| s.runs > 0).map_or(Value::Null, |s| date(Some(s.last_run_at))),
        "last_success_at": date(h.last_success_at()),
        "last_failure_at": date(s.and_then(|s| s.last_failure_at)),
        "consecutive_failures": h.consecutive_failures(),
        "runs_recorded": s.map_or(0, |s| s.runs),
        "failing": h.failing,
        "stale": h.stale,
        "schedule_period_secs": h.period.map(|p| p.num_seconds()),
    });
    if let Some(runs) = runs {
        value["runs"] = Value::Array(runs.iter().map(api::to_api).collect());
    }
    value
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HealthQuery {
    limit: Option<i64>,
}

/// `GET /api/1/sources/{id}/health`: the summary and the newest runs (`limit`, default 60, at
/// most the history kept).
pub async fn source_health_api(
    State(svc): State<Service>,
    Path(id): Path<String>,
    uri: Uri,
) -> ApiResult<Json<Value>> {
    let q: HealthQuery = api::query(&uri)?;
    let max = common::storage::RUN_HISTORY as i64;
    let limit = match q.limit {
        None => DEFAULT_RUNS,
        Some(n) if (1..=max).contains(&n) => n,
        Some(n) => {
            return Err(ApiError::bad_request(
                Some("limit".into()),
                format!("invalid limit {n}: between 1 and {max}"),
            ))
        }
    };
    let source = svc.store.find_source(&id).await?;
    let (health, runs) = of_source(&svc, source, limit, Utc::now()).await?;
    Ok(Json(to_json(&health, Some(&runs))))
}

/// Seconds as people read them.
pub fn human_duration(ms: i64) -> String {
    let s = ms as f64 / 1000.0;
    if s >= 3600.0 {
        format!(
            "{:.0} h {:.0} min",
            (s / 3600.0).floor(),
            (s % 3600.0) / 60.0
        )
    } else if s >= 60.0 {
        format!("{:.0} min {:.0} s", (s / 60.0).floor(), s % 60.0)
    } else {
        format!("{s:.1} s")
    }
}

fn page_date(d: Option<bson::DateTime>) -> String {
    d.map_or_else(
        || "never".into(),
        |d| d.to_chrono().format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

/// The health section of a source's page: summary, then the chart of its runs (`runs` newest
/// first, drawn oldest first). `periods` is `health.stale_after_periods`.
pub fn render_section(h: &SourceHealth, runs: &[RunRecord], periods: f64) -> Markup {
    let status = h.last_status().map_or("never run", |s| s.as_str());
    let mut oldest_first: Vec<RunRecord> = runs.to_vec();
    oldest_first.reverse();
    html! {
        h2 { "Health" }
        dl class="health" {
            dt { "Last status" }
            dd id="health-last-status" { span class={ "status-" (status) } { (status) } }
            dt { "Consecutive failures" }
            dd id="health-failures" class=[h.failing.then_some("error")] {
                (h.consecutive_failures())
            }
            dt { "Last success" }
            dd id="health-last-success" { (page_date(h.last_success_at())) }
            dt { "Stale" }
            dd id="health-stale" {
                @match (h.stale, h.period) {
                    (true, Some(p)) => {
                        span class="error" { "stale" }
                        ": no success within " (periods) " × its schedule period ("
                        (human_duration(p.num_milliseconds())) ")"
                    }
                    (false, Some(p)) => {
                        "no (schedule period " (human_duration(p.num_milliseconds())) ")"
                    }
                    (_, None) => { "no (not scheduled)" }
                }
            }
        }
        (crate::chart::history_svg(&oldest_first))
    }
}

/// The `sources health` table, worst first.
pub fn render_table(all: &[SourceHealth]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<32} {:<12} {:>8} {:<5} {:<20} BACKEND",
        "SOURCE", "LAST STATUS", "FAILURES", "STALE", "LAST SUCCESS"
    );
    for h in all {
        let flag = if h.failing { " (failing)" } else { "" };
        let _ = writeln!(
            out,
            "{:<32} {:<12} {:>8} {:<5} {:<20} {}{flag}",
            h.source.slug,
            h.last_status().map_or("never run", |s| s.as_str()),
            h.consecutive_failures(),
            if h.stale { "yes" } else { "no" },
            page_date(h.last_success_at()),
            h.source.backend,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::oid::ObjectId;
    use chrono::TimeZone;
    use common::model::Validation;

    fn source(schedule: Option<&str>) -> HarvestSource {
        let mut s = crate::api::unsaved_source("https://x.org/", "dcat");
        s.active = true;
        s.schedule = schedule.map(str::to_owned);
        s.validation = Validation {
            state: ValidationState::Accepted,
            by: None,
            on: Some(bson::DateTime::from_chrono(
                Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            )),
            comment: None,
        };
        s
    }

    fn summary(id: ObjectId, failures: i64, success: Option<DateTime<Utc>>) -> HealthSummary {
        HealthSummary {
            source: id,
            last_job: None,
            last_status: Some(if failures > 0 {
                JobStatus::Failed
            } else {
                JobStatus::Done
            }),
            last_run_at: bson::DateTime::now(),
            consecutive_failures: failures,
            last_success_at: success.map(bson::DateTime::from_chrono),
            last_failure_at: None,
            runs: 3,
        }
    }

    #[test]
    fn periods_of_schedules() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
        let nightly = source(None);
        assert_eq!(
            schedule_period(&nightly, "0 2 * * *", now),
            Some(Duration::days(1))
        );
        let weekdays = source(Some("0 2 * * 1-5"));
        assert_eq!(
            schedule_period(&weekdays, "0 2 * * *", now),
            Some(Duration::days(3))
        );
        assert_eq!(
            schedule_period(&source(Some("manual")), "0 2 * * *", now),
            None
        );
    }

    #[test]
    fn stale_and_failing() {
        let settings = HealthSettings::default();
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
        let s = source(None);
        let recent = summary(s.id, 0, Some(now - Duration::hours(30)));
        let h = assess(s.clone(), Some(recent), &settings, "0 2 * * *", now);
        assert!(!h.stale && !h.failing);
        let old = summary(s.id, 3, Some(now - Duration::days(4)));
        let h = assess(s.clone(), Some(old.clone()), &settings, "0 2 * * *", now);
        assert!(h.stale && h.failing);
        // A manual source is never stale.
        let h = assess(
            source(Some("manual")),
            Some(old),
            &settings,
            "0 2 * * *",
            now,
        );
        assert!(!h.stale && h.failing);
        // Never run since accepted long ago: stale.
        let h = assess(s, None, &settings, "0 2 * * *", now);
        assert!(h.stale && !h.failing);
    }
}
