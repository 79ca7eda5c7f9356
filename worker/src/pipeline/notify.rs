//! Webhook notifications to source owners: at a job's end, one delivery per subscription of the
//! source listening to the job's event (`failed`, `done-errors`, `done`), stored in MongoDB with
//! its exact body and published on the `notify` queue; the `notify` consumer POSTs it, signed,
//! through the SSRF-guarded [`Fetcher`](backends::fetch::Fetcher), records every attempt, and
//! retries through the notify delay queues until `notify.attempts` are spent.
//!
//! Nothing here can block or fail a job: enqueueing happens after the job's final state is
//! written and its errors are only logged; delivery runs on its own queue.
//!
//! Headers of every attempt (the timestamp is the attempt's, so a retry is signed afresh):
//! - `X-Harvest-Event`: `failed`, `done-errors`, `done` or `stale`;
//! - `X-Harvest-Delivery`: the delivery id (the same on every attempt: receivers deduplicate on it);
//! - `X-Harvest-Timestamp`: Unix seconds of the attempt;
//! - `X-Harvest-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the
//!   subscription's secret>`, when the subscription has a secret.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bson::oid::ObjectId;
use common::messages::NotifyMessage;
use common::model::{DeliveryAttempt, DeliveryStatus, HarvestJob, Webhook, WebhookEvent};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use super::consumer::{Delivered, Failure};
use super::context::Context;
use backends::fetch::FetchError;

/// Errors sent in a notification body, at most.
pub const MAX_ERRORS: usize = 10;
/// Longest error message and details in a notification body.
const MESSAGE_CHARS: usize = 1_000;
const DETAILS_CHARS: usize = 500;
/// A pending delivery this long past its due time lost its message: the sweeper publishes it again.
const LOST_AFTER: Duration = Duration::from_secs(600);

/// The hex HMAC-SHA256 of `"<timestamp>.<body>"` keyed with `secret`: the `v1` part of
/// `X-Harvest-Signature`. Uses the RustCrypto `hmac` and `sha2` crates (maintained, audited,
/// already in the dependency tree) rather than a hand-written HMAC: getting the key padding and
/// the constant-time comparison receivers need right is their job.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    // HMAC takes keys of any length: `new_from_slice` cannot fail for it.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Enqueue the notifications of a job that just reached its final state. Called once per job
/// by the one caller that made the final transition; never fails (a failure is logged: the job
/// is over either way).
pub async fn job_ended(ctx: &Context, job: &HarvestJob) {
    if let Err(e) = enqueue_job_end(ctx, job).await {
        tracing::warn!(job = %job.id, error = %e, "webhook notifications not enqueued");
    }
}

async fn enqueue_job_end(ctx: &Context, job: &HarvestJob) -> common::Result<usize> {
    let Some(event) = WebhookEvent::of_job(job.status) else {
        return Ok(0);
    };
    let hooks: Vec<Webhook> = ctx
        .store
        .webhooks_of(job.source)
        .await?
        .into_iter()
        .filter(|h| h.events.contains(&event))
        .collect();
    if hooks.is_empty() {
        return Ok(0);
    }
    let source = ctx.store.get_source(job.source).await?;
    let failed_items = if job.counters.failed > 0 {
        ctx.store
            .job_items(job.id, Some("failed"), 0, MAX_ERRORS as i64)
            .await?
    } else {
        Vec::new()
    };
    let mut errors: Vec<Value> = job
        .errors
        .iter()
        .map(|e| error_json(&e.message, e.details.as_deref(), None))
        .collect();
    for item in &failed_items {
        if let Some(e) = item.errors.first() {
            errors.push(error_json(
                &e.message,
                e.details.as_deref(),
                Some(&item.remote_id),
            ));
        }
    }
    errors.truncate(MAX_ERRORS);
    let report_url = match ctx.settings.api.public_url.trim().trim_end_matches('/') {
        "" => Value::Null,
        base => Value::String(format!("{base}/admin/jobs/{}", job.id.to_hex())),
    };
    let duration = match (job.started, job.ended) {
        (Some(s), Some(e)) => {
            json!((e.timestamp_millis() - s.timestamp_millis()).max(0) as f64 / 1000.0)
        }
        _ => Value::Null,
    };
    let c = job.counters;
    let payload = json!({
        "event": event.as_str(),
        "source": common::notify::source_json(&source),
        "job": {
            "id": job.id.to_hex(),
            "status": job.status.as_str(),
            "trigger": common::json::to_plain(&job.trigger),
            "created": rfc3339(Some(job.created)),
            "started": rfc3339(job.started),
            "ended": rfc3339(job.ended),
            "duration_secs": duration,
        },
        "counts": {
            "total": c.total, "created": c.created, "updated": c.updated,
            "skipped": c.skipped, "failed": c.failed, "archived": c.archived,
        },
        "errors": errors,
        "errors_total": job.errors.len() as i64 + c.failed,
        "report_url": report_url,
    });
    common::notify::enqueue(
        &ctx.store,
        &ctx.broker,
        ctx.settings.notify.keep_deliveries,
        &source,
        event,
        Some(job.id),
        &job.id.to_hex(),
        &hooks,
        payload,
    )
    .await
}

/// Publish again the pending deliveries whose message was lost (a sweep step).
pub async fn sweep(ctx: &Context) -> common::Result<()> {
    let now = bson::DateTime::now();
    let due_before =
        bson::DateTime::from_millis(now.timestamp_millis() - LOST_AFTER.as_millis() as i64);
    for id in ctx
        .store
        .claim_lost_deliveries(due_before, now, 100)
        .await?
    {
        tracing::info!(delivery = %id, "webhook delivery without message: published again");
        common::notify::publish(&ctx.broker, id).await?;
    }
    Ok(())
}

fn error_json(message: &str, details: Option<&str>, remote_id: Option<&str>) -> Value {
    let mut e = json!({ "message": truncate(message, MESSAGE_CHARS) });
    if let Some(d) = details {
        e["details"] = Value::String(truncate(d, DETAILS_CHARS));
    }
    if let Some(r) = remote_id {
        e["remote_id"] = Value::String(r.to_owned());
    }
    e
}

fn rfc3339(d: Option<bson::DateTime>) -> Value {
    d.map_or(Value::Null, |d| Value::String(d.to_chrono().to_rfc3339()))
}

fn truncate(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// What became of one attempt.
enum Outcome {
    /// Nothing more to do (delivered, given up, or not pending any more).
    Done,
    /// Attempt `attempt` is due after `delay_ms`.
    Retry {
        attempt: u32,
        delay_ms: u64,
        error: String,
    },
}

/// The `notify` consumer's handler: one attempt of one delivery per message.
pub async fn handle(ctx: Arc<Context>, msg: NotifyMessage, _: Delivered) -> Result<(), Failure> {
    match attempt_delivery(&ctx, msg.delivery).await? {
        Outcome::Done => Ok(()),
        Outcome::Retry {
            attempt,
            delay_ms,
            error,
        } => Err(Failure::RetryAs {
            attempt,
            delay_ms,
            error,
        }),
    }
}

async fn attempt_delivery(ctx: &Context, id: ObjectId) -> common::Result<Outcome> {
    let Some(delivery) = ctx.store.get_delivery(id).await? else {
        return Ok(Outcome::Done); // pruned meanwhile
    };
    if delivery.status != DeliveryStatus::Pending {
        return Ok(Outcome::Done);
    }
    let number = delivery.attempts.len() as u32 + 1;
    let max = ctx.settings.notify.attempts.max(1);
    let hook = ctx
        .store
        .webhooks_of(delivery.source)
        .await?
        .into_iter()
        .find(|h| h.id == delivery.webhook);
    let started = Instant::now();
    let at = bson::DateTime::now();
    let result = match &hook {
        None => Err(None),
        Some(hook) => {
            let timestamp = at.timestamp_millis() / 1000;
            let mut headers = vec![
                ("x-harvest-event", delivery.event.as_str().to_owned()),
                ("x-harvest-delivery", delivery.id.to_hex()),
                ("x-harvest-timestamp", timestamp.to_string()),
            ];
            if let Some(secret) = hook.secret.as_deref().filter(|s| !s.is_empty()) {
                let v1 = signature(secret, timestamp, &delivery.payload);
                headers.push(("x-harvest-signature", format!("t={timestamp},v1={v1}")));
            }
            let timeout = Duration::from_secs(ctx.settings.notify.timeout_secs);
            ctx.fetcher
                .post_json(
                    &delivery.url,
                    delivery.payload.clone().into_bytes().into(),
                    &headers,
                    timeout,
                )
                .await
                .map_err(Some)
        }
    };
    let duration_ms = started.elapsed().as_millis() as i64;
    let (attempt, status, retry) = match result {
        Ok(code) => (
            DeliveryAttempt {
                at,
                duration_ms,
                status: Some(i32::from(code)),
                error: None,
            },
            DeliveryStatus::Delivered,
            false,
        ),
        Err(error) => {
            let (code, message, retryable) = match &error {
                None => (
                    None,
                    "the webhook subscription was deleted: not sent".to_owned(),
                    false,
                ),
                Some(e) => (
                    e.status().map(i32::from),
                    e.to_string(),
                    // A refused URL stays refused; any other failure (network, timeout, any
                    // non-2xx answer: an endpoint being redeployed answers 404 for a while)
                    // is tried again.
                    !matches!(e, FetchError::Refused { .. }),
                ),
            };
            let retry = retryable && number < max;
            let status = if retry {
                DeliveryStatus::Pending
            } else {
                DeliveryStatus::Failed
            };
            (
                DeliveryAttempt {
                    at,
                    duration_ms,
                    status: code,
                    error: Some(message),
                },
                status,
                retry,
            )
        }
    };
    let delay_ms = ctx.broker.topology().notify_delay(number);
    let next_at = retry.then(|| {
        bson::DateTime::from_millis(bson::DateTime::now().timestamp_millis() + delay_ms as i64)
    });
    let recorded = ctx
        .store
        .record_attempt(delivery.id, &attempt, status, next_at)
        .await?;
    let error = attempt.error.clone().unwrap_or_default();
    match status {
        DeliveryStatus::Delivered => {
            tracing::info!(delivery = %delivery.id, source = %delivery.source, event = delivery.event.as_str(), attempt = number, "webhook delivered")
        }
        DeliveryStatus::Failed => {
            tracing::warn!(delivery = %delivery.id, source = %delivery.source, event = delivery.event.as_str(), attempt = number, %error, "webhook delivery given up")
        }
        DeliveryStatus::Pending => {
            tracing::info!(delivery = %delivery.id, source = %delivery.source, attempt = number, delay_ms, %error, "webhook delivery failed, will retry")
        }
    }
    if retry && recorded {
        Ok(Outcome::Retry {
            attempt: number + 1,
            delay_ms,
            error,
        })
    } else {
        Ok(Outcome::Done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_of_timestamp_dot_body() {
        // Computed independently: Python's
        // hmac.new(b"s3cr3t-key-of-the-owner", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
        assert_eq!(
            signature("s3cr3t-key-of-the-owner", 1_700_000_000, "{\"a\":1}"),
            "06b92c615f7ffd038055835a4b2ea7033613afbe8502793863d2ab5d38eee83f"
        );
        assert_ne!(
            signature("s3cr3t-key-of-the-owner", 1_700_000_001, "{\"a\":1}"),
            signature("s3cr3t-key-of-the-owner", 1_700_000_000, "{\"a\":1}")
        );
    }

    #[test]
    fn job_events() {
        use common::model::JobStatus;
        assert_eq!(
            WebhookEvent::of_job(JobStatus::Failed),
            Some(WebhookEvent::Failed)
        );
        assert_eq!(WebhookEvent::of_job(JobStatus::Processing), None);
    }
}
