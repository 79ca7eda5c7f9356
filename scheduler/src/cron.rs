//! Cron schedules: parsing (5 fields, or 6 with seconds, UTC; `manual` never fires) and the loop
//! that starts due runs. Every replica may run the loop: a due run is claimed atomically in
//! MongoDB (`next_run_at` moved forward only by the replica that wins), so none is doubled.

use chrono::{DateTime, Utc};
use common::model::{HarvestSource, JobTrigger};
use common::shutdown::Shutdown;
use croner::parser::{CronParser, Seconds};
use croner::Cron;

use crate::service::{Service, ServiceError};

/// Parse a cron expression, explaining what is wrong.
pub fn parse(expr: &str) -> Result<Cron, String> {
    CronParser::builder()
        .seconds(Seconds::Optional)
        .build()
        .parse(expr)
        .map_err(|e| format!("{expr:?} is not a cron expression: {e}"))
}

/// Next firing after `after` of a source's schedule (its own, else the default nightly one).
pub fn next_run(
    source: &HarvestSource,
    default: &str,
    after: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let expr = source.schedule.as_deref().unwrap_or(default);
    if expr == "manual" {
        return None;
    }
    parse(expr).ok()?.find_next_occurrence(&after, false).ok()
}

/// One evaluation of every schedulable source; returns the jobs started.
pub async fn tick(service: &Service, now: DateTime<Utc>) -> common::Result<usize> {
    let default = service.settings.api.default_schedule.clone();
    let mut started = 0;
    for source in service.store.schedulable_sources().await? {
        let Some(next_at) = source.next_run_at else {
            let next = next_run(&source, &default, now).map(bson::DateTime::from_chrono);
            if next.is_some() {
                service.store.set_next_run(source.id, next).await?;
            }
            continue;
        };
        if next_at.to_chrono() > now {
            continue;
        }
        let Some(following) = next_run(&source, &default, now) else {
            service.store.set_next_run(source.id, None).await?;
            continue;
        };
        if !service
            .store
            .claim_due_source(
                bson::DateTime::from_chrono(now),
                &source,
                bson::DateTime::from_chrono(following),
            )
            .await?
        {
            continue; // another replica took it
        }
        match service
            .run_source(&source.id.to_hex(), JobTrigger::Cron, false)
            .await
        {
            Ok(job) => {
                started += 1;
                tracing::info!(source = %source.slug, job = %job.id, "scheduled run started");
            }
            Err(ServiceError::Conflict(reason)) => {
                tracing::info!(source = %source.slug, %reason, "scheduled run skipped: previous run still going");
            }
            Err(e) => {
                tracing::warn!(source = %source.slug, error = %e, "scheduled run failed to start")
            }
        }
    }
    Ok(started)
}

/// Evaluate schedules every `api.tick_secs` until shutdown.
pub async fn run(service: Service, mut shutdown: Shutdown) {
    let every = std::time::Duration::from_secs(service.settings.api.tick_secs.max(1));
    loop {
        if let Err(e) = tick(&service, Utc::now()).await {
            tracing::warn!(error = %e, "schedule evaluation failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.wait() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn parses_five_and_six_fields_and_explains_errors() {
        assert!(parse("0 2 * * *").is_ok());
        assert!(parse("*/10 * * * * *").is_ok());
        let err = parse("every night").unwrap_err();
        assert!(err.contains("every night"), "{err}");
    }

    #[test]
    fn next_nightly_run() {
        let cron = parse("0 2 * * *").unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
        let next = cron.find_next_occurrence(&now, false).unwrap();
        assert_eq!(next, Utc.with_ymd_and_hms(2026, 11, 24, 2, 0, 0).unwrap());
    }
}
