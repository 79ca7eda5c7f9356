//! Webhook subscriptions of a source, for its owner: validated registration (the URL goes through
//! the same SSRF guard as catalogs), listing without secrets, deletion, and the recorded
//! deliveries with each attempt — as service operations shared by the admin API
//! (`/api/1/sources/<id>/webhooks…`), the CLI (`sources webhooks …`) and the source's HTML page.
//!
//! A secret is write-only: stored to sign the notifications, never returned, logged or shown;
//! views say only whether one is set (`secret_set`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use bson::oid::ObjectId;
use common::model::{
    DeliveryAttempt, DeliveryStatus, HarvestSource, Webhook, WebhookDelivery, WebhookEvent,
};
use maud::{html, Markup};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::api::{json_body, query, ApiError, ApiResult};
use crate::service::{Service, ServiceError, ServiceResult};

/// Longest webhook URL accepted.
const MAX_URL: usize = 2_000;
/// Secret lengths accepted (characters).
const SECRET_MIN: usize = 16;
const SECRET_MAX: usize = 256;
/// Deliveries listed when no `limit` is given, and at most.
const DEFAULT_DELIVERIES: i64 = 50;
const MAX_DELIVERIES: i64 = 500;
/// Deliveries shown on a source's HTML page.
const PAGE_DELIVERIES: i64 = 20;

/// A new subscription.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    pub url: String,
    /// Any of `failed`, `done-errors`, `done`, `stale`.
    pub events: Vec<String>,
    /// HMAC-SHA256 key of `X-Harvest-Signature` (16 to 256 characters); none: unsigned.
    #[serde(default)]
    pub secret: Option<String>,
}

impl Service {
    /// Register a subscription on a source (id or slug).
    pub async fn add_webhook(&self, source: &str, input: WebhookInput) -> ServiceResult<Webhook> {
        let source = self.store.find_source(source).await?;
        if source.deleted.is_some() {
            return Err(ServiceError::NotFound(format!(
                "harvest source {} was deleted",
                source.slug
            )));
        }
        let hook = self.check_webhook(input)?;
        self.store.add_webhook(source.id, &hook).await?;
        tracing::info!(source = %source.slug, webhook = %hook.id, url = %hook.url, "webhook subscription added");
        Ok(hook)
    }

    /// A subscription from its input, validated.
    fn check_webhook(&self, input: WebhookInput) -> ServiceResult<Webhook> {
        let url = input.url.trim();
        if url.is_empty() {
            return Err(ServiceError::invalid("url", "is required"));
        }
        if url.len() > MAX_URL {
            return Err(ServiceError::invalid(
                "url",
                format!("longer than {MAX_URL} characters"),
            ));
        }
        let parsed = url::Url::parse(url)
            .map_err(|e| ServiceError::invalid("url", format!("{url:?} is not a URL ({e})")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(ServiceError::invalid(
                "url",
                format!("{url:?} must be an http or https URL with a host"),
            ));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(ServiceError::invalid(
                "url",
                "must not carry credentials (they would be shown to every reader): use a secret",
            ));
        }
        // The guard of the catalogs, on the literal address now; on the resolved one at each
        // delivery.
        let fetcher = backends::fetch::Fetcher::new(&self.settings.http)
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        fetcher
            .check_url(url)
            .map_err(|e| ServiceError::invalid("url", e.to_string()))?;
        if input.events.is_empty() {
            return Err(ServiceError::invalid(
                "events",
                format!("give at least one of {}", event_names()),
            ));
        }
        let mut events = Vec::new();
        for raw in &input.events {
            let event = WebhookEvent::parse(raw).ok_or_else(|| {
                ServiceError::invalid(
                    "events",
                    format!("unknown event {raw:?}; one of {}", event_names()),
                )
            })?;
            if !events.contains(&event) {
                events.push(event);
            }
        }
        if let Some(secret) = &input.secret {
            let chars = secret.chars().count();
            if !(SECRET_MIN..=SECRET_MAX).contains(&chars) {
                return Err(ServiceError::invalid(
                    "secret",
                    format!("must be {SECRET_MIN} to {SECRET_MAX} characters long"),
                ));
            }
            if secret.chars().any(char::is_control) {
                return Err(ServiceError::invalid(
                    "secret",
                    "must not contain control characters",
                ));
            }
        }
        Ok(Webhook {
            id: ObjectId::new(),
            url: url.to_owned(),
            events,
            secret: input.secret,
            created: bson::DateTime::now(),
        })
    }

    /// The subscriptions of a source (id or slug).
    pub async fn list_webhooks(&self, source: &str) -> ServiceResult<Vec<Webhook>> {
        let source = self.store.find_source(source).await?;
        Ok(self.store.webhooks_of(source.id).await?)
    }

    /// Delete a subscription of a source; its recorded deliveries stay.
    pub async fn delete_webhook(&self, source: &str, id: &str) -> ServiceResult<()> {
        let source = self.store.find_source(source).await?;
        let not_found = || {
            ServiceError::NotFound(format!(
                "webhook {id} not found on harvest source {}",
                source.slug
            ))
        };
        let oid = ObjectId::parse_str(id).map_err(|_| not_found())?;
        if !self.store.delete_webhook(source.id, oid).await? {
            return Err(not_found());
        }
        tracing::info!(source = %source.slug, webhook = %oid, "webhook subscription deleted");
        Ok(())
    }

    /// The recorded deliveries of a source, newest first.
    pub async fn webhook_deliveries(
        &self,
        source: &str,
        limit: i64,
    ) -> ServiceResult<Vec<WebhookDelivery>> {
        let source = self.store.find_source(source).await?;
        Ok(self.store.deliveries_of(source.id, limit).await?)
    }
}

impl Service {
    /// Notify the `stale` subscribers of a source without a successful job since `since` (its
    /// last success, or its acceptance if it never had one). One notification per stale
    /// episode: the key is the source and `since`, so the health check may call this at each
    /// of its passes, and a source that succeeds, then goes stale again, notifies again.
    /// Returns the number of new deliveries.
    pub async fn notify_stale(
        &self,
        source: &HarvestSource,
        since: bson::DateTime,
    ) -> ServiceResult<usize> {
        let hooks = self.store.webhooks_of(source.id).await?;
        if !hooks
            .iter()
            .any(|h| h.events.contains(&WebhookEvent::Stale))
        {
            return Ok(0);
        }
        let report_url = match self.settings.api.public_url.trim().trim_end_matches('/') {
            "" => Value::Null,
            base => Value::String(format!("{base}/admin/sources/{}", source.id.to_hex())),
        };
        let payload = json!({
            "event": WebhookEvent::Stale.as_str(),
            "source": common::notify::source_json(source),
            "stale": {
                "since": date(Some(since)),
                "schedule": source.schedule.as_deref().unwrap_or(&self.settings.api.default_schedule),
            },
            "report_url": report_url,
        });
        let key = format!("stale-{}-{}", source.id.to_hex(), since.timestamp_millis());
        Ok(common::notify::enqueue(
            &self.store,
            &self.broker,
            self.settings.notify.keep_deliveries,
            source,
            WebhookEvent::Stale,
            None,
            &key,
            &hooks,
            payload,
        )
        .await?)
    }
}

fn event_names() -> String {
    WebhookEvent::ALL.map(|e| e.as_str()).join(", ")
}

/// A subscription as shown: never its secret, only whether it has one.
pub fn webhook_view(h: &Webhook) -> Value {
    json!({
        "id": h.id.to_hex(),
        "url": h.url,
        "events": h.events.iter().map(|e| e.as_str()).collect::<Vec<_>>(),
        "secret_set": h.secret.as_deref().is_some_and(|s| !s.is_empty()),
        "created": date(Some(h.created)),
    })
}

/// A delivery as shown, with its attempts (the body is not repeated).
pub fn delivery_view(d: &WebhookDelivery) -> Value {
    json!({
        "id": d.id.to_hex(),
        "webhook": d.webhook.to_hex(),
        "job": d.job.map(|j| j.to_hex()),
        "event": d.event.as_str(),
        "url": d.url,
        "status": d.status.as_str(),
        "created": date(Some(d.created)),
        "ended": date(d.ended),
        "next_attempt_at": if d.status == DeliveryStatus::Pending { date(d.next_attempt_at) } else { Value::Null },
        "attempts": d.attempts.iter().map(|a| json!({
            "at": date(Some(a.at)),
            "duration_ms": a.duration_ms,
            "status": a.status,
            "error": a.error,
        })).collect::<Vec<_>>(),
    })
}

/// What an attempt got: `HTTP <status>` when delivered, else its error.
pub fn attempt_outcome(a: &DeliveryAttempt) -> String {
    match (a.status, &a.error) {
        (_, Some(error)) => error.clone(),
        (Some(code), None) => format!("HTTP {code}"),
        (None, None) => "—".into(),
    }
}

fn date(d: Option<bson::DateTime>) -> Value {
    d.map_or(Value::Null, |d| Value::String(d.to_chrono().to_rfc3339()))
}

// ---------------------------------------------------------------------------------------------
// API

/// Routes under `/api/1`, behind the admin router's token check.
pub fn api_routes() -> Router<Service> {
    Router::new()
        .route(
            "/sources/{id}/webhooks",
            get(list_handler).post(create_handler),
        )
        .route("/sources/{id}/webhooks/deliveries", get(deliveries_handler))
        .route("/sources/{id}/webhooks/{hook}", delete(delete_handler))
}

async fn list_handler(
    State(svc): State<Service>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let hooks = svc.list_webhooks(&id).await?;
    Ok(Json(Value::Array(hooks.iter().map(webhook_view).collect())))
}

async fn create_handler(
    State(svc): State<Service>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let input: WebhookInput = json_body(&body)?;
    let hook = svc.add_webhook(&id, input).await?;
    let mut response = (StatusCode::CREATED, Json(webhook_view(&hook))).into_response();
    let location = format!("/api/1/sources/{id}/webhooks/{}", hook.id.to_hex());
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

async fn delete_handler(
    State(svc): State<Service>,
    Path((id, hook)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    svc.delete_webhook(&id, &hook).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeliveriesQuery {
    limit: Option<i64>,
}

async fn deliveries_handler(
    State(svc): State<Service>,
    Path(id): Path<String>,
    uri: Uri,
) -> ApiResult<Json<Value>> {
    let q: DeliveriesQuery = query(&uri)?;
    let limit = match q.limit {
        None => DEFAULT_DELIVERIES,
        Some(n) if (1..=MAX_DELIVERIES).contains(&n) => n,
        Some(n) => {
            return Err(ApiError::bad_request(
                Some("limit".into()),
                format!("invalid limit {n}: between 1 and {MAX_DELIVERIES}"),
            ))
        }
    };
    let deliveries = svc.webhook_deliveries(&id, limit).await?;
    Ok(Json(Value::Array(
        deliveries.iter().map(delivery_view).collect(),
    )))
}

// ---------------------------------------------------------------------------------------------
// HTML: the section of a source's page

/// The "Webhooks" section of a source's page: subscriptions and the latest deliveries.
pub async fn source_section(svc: &Service, source: ObjectId) -> Result<Markup, common::Error> {
    let hooks = svc.store.webhooks_of(source).await?;
    let deliveries = svc.store.deliveries_of(source, PAGE_DELIVERIES).await?;
    Ok(render_section(&hooks, &deliveries))
}

fn when(d: bson::DateTime) -> String {
    d.to_chrono().format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// Subscriptions (URL, events, whether signed) and deliveries with each attempt.
pub fn render_section(hooks: &[Webhook], deliveries: &[WebhookDelivery]) -> Markup {
    html! {
        h2 id="webhooks" { "Webhooks" }
        @if hooks.is_empty() {
            p { "No webhook subscription." }
        } @else {
            table class="webhooks" {
                thead { tr {
                    th { "Id" } th { "URL" } th { "Events" } th { "Signed" } th { "Created" }
                } }
                tbody {
                    @for h in hooks {
                        @let events: Vec<&str> = h.events.iter().map(|e| e.as_str()).collect();
                        @let signed = h.secret.as_deref().is_some_and(|s| !s.is_empty());
                        tr {
                            td { (h.id) }
                            td { (h.url) }
                            td { (events.join(", ")) }
                            td { @if signed { "yes" } @else { "no" } }
                            td { (when(h.created)) }
                        }
                    }
                }
            }
        }
        @if !deliveries.is_empty() {
            h3 { "Latest deliveries" }
            table class="deliveries" {
                thead { tr {
                    th { "Created" } th { "Event" } th { "Job" } th { "URL" } th { "Status" }
                    th { "Attempts" }
                } }
                tbody {
                    @for d in deliveries {
                        (delivery_row(d))
                    }
                }
            }
        }
    }
}

/// A delivery with each of its attempts.
fn delivery_row(d: &WebhookDelivery) -> Markup {
    let class = match d.status {
        DeliveryStatus::Delivered => "done",
        DeliveryStatus::Failed => "failed",
        DeliveryStatus::Pending => "pending",
    };
    html! {
        tr {
            td { (when(d.created)) }
            td { (d.event.as_str()) }
            td {
                @if let Some(j) = d.job {
                    a href={ "/admin/jobs/" (j) } { (j) }
                } @else {
                    "—"
                }
            }
            td { (d.url) }
            td { span class={ "status-" (class) } { (d.status.as_str()) } }
            td {
                @for (i, a) in d.attempts.iter().enumerate() {
                    @if i > 0 { br; }
                    (when(a.at)) " (" (a.duration_ms) " ms): " (attempt_outcome(a))
                }
                @if d.attempts.is_empty() { "—" }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_never_show_the_secret_and_html_is_escaped() {
        let hook = Webhook {
            id: ObjectId::new(),
            url: "https://hooks.example.org/h?a=<b>".into(),
            events: vec![WebhookEvent::Failed, WebhookEvent::DoneErrors],
            secret: Some("very-secret-value-123".into()),
            created: bson::DateTime::now(),
        };
        let view = webhook_view(&hook).to_string();
        assert!(!view.contains("very-secret"), "{view}");
        assert!(view.contains("\"secret_set\":true"), "{view}");
        let delivery = WebhookDelivery {
            id: ObjectId::new(),
            key: "k".into(),
            source: ObjectId::new(),
            webhook: hook.id,
            job: Some(ObjectId::new()),
            event: WebhookEvent::Failed,
            url: hook.url.clone(),
            payload: "{}".into(),
            status: DeliveryStatus::Delivered,
            created: bson::DateTime::now(),
            ended: None,
            next_attempt_at: None,
            attempts: vec![
                DeliveryAttempt {
                    at: bson::DateTime::now(),
                    duration_ms: 12,
                    status: Some(500),
                    error: Some("HTTP 500 from <x>".into()),
                },
                DeliveryAttempt {
                    at: bson::DateTime::now(),
                    duration_ms: 3,
                    status: Some(200),
                    error: None,
                },
            ],
        };
        let html = render_section(&[hook], &[delivery]).into_string();
        assert!(!html.contains("very-secret"));
        assert!(!html.contains("<b>") && !html.contains("<x>"), "{html}");
        assert!(html.contains("HTTP 500 from &lt;x&gt;") && html.contains("HTTP 200"));
    }
}
