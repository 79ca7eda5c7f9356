//! Webhook notifications end to end: real harvests (RabbitMQ, MongoDB, an in-process worker) with
//! the SSRF guard on (`allow_private = false`, only the test servers allow-listed), notifying a
//! local receiver that checks each request's HMAC-SHA256 signature and timestamp with its own
//! code. The receiver answers 500 to the first notification and 200 to the next: the delivery is
//! retried after the notify delay, and both attempts are recorded. A failed job notifies its
//! `failed` subscribers with its errors; a subscription to a loopback port that is not
//! allow-listed is refused by the guard without a request; subscriptions to other events get
//! nothing.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use bson::oid::ObjectId;
use common::model::{
    DeliveryStatus, JobStatus, SourceConfig, Webhook, WebhookDelivery, WebhookEvent,
};
use e2e::catalog_server::{start, ServerOptions};
use e2e::catalogs::{datasets, MutableCatalog};
use e2e::env::TestEnv;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

const SECRET_A: &str = "owner-a-secret-0123456789";
const SECRET_B: &str = "owner-b-secret-9876543210";
/// Oldest timestamp a receiver accepts (a replayed request is older).
const TOLERANCE_SECS: i64 = 300;

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    path: &'static str,
    delivery: String,
    event: String,
    /// The signature checked out, with a fresh timestamp.
    verified: Result<(), String>,
    body: Value,
    raw: Bytes,
}

#[derive(Default)]
struct Receiver {
    got: Mutex<Vec<Received>>,
}

impl Receiver {
    fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// Check `X-Harvest-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">` as a receiver
/// would: same timestamp as `X-Harvest-Timestamp`, not older than the tolerance, and a MAC
/// compared in constant time (`verify_slice`).
fn verify(secret: &str, headers: &HeaderMap, body: &[u8]) -> Result<(), String> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .ok_or_else(|| format!("no {name} header"))
    };
    let timestamp: i64 = header("x-harvest-timestamp")?
        .parse()
        .map_err(|e| format!("timestamp: {e}"))?;
    let signature = header("x-harvest-signature")?;
    let mut t = None;
    let mut v1 = None;
    for part in signature.split(',') {
        match part.split_once('=') {
            Some(("t", value)) => t = value.parse::<i64>().ok(),
            Some(("v1", value)) => v1 = hex::decode(value).ok(),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return Err(format!("malformed signature header {signature:?}"));
    };
    if t != timestamp {
        return Err(format!("signed t={t} but X-Harvest-Timestamp {timestamp}"));
    }
    let age = chrono::Utc::now().timestamp() - t;
    if !(-5..=TOLERANCE_SECS).contains(&age) {
        return Err(format!("timestamp {t} is {age} s old"));
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|e| e.to_string())?;
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    mac.verify_slice(&v1)
        .map_err(|_| "signature mismatch".to_owned())
}

fn record(
    state: &Receiver,
    path: &'static str,
    secret: &str,
    headers: &HeaderMap,
    body: Bytes,
) -> usize {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let received = Received {
        path,
        delivery: text("x-harvest-delivery"),
        event: text("x-harvest-event"),
        verified: verify(secret, headers, &body),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        raw: body,
    };
    let mut got = state.got.lock().unwrap_or_else(|p| p.into_inner());
    got.push(received);
    got.iter().filter(|r| r.path == path).count()
}

/// `/flaky`: 500 the first time, then 200 (when the signature checks out).
async fn flaky(State(state): State<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let verified = verify(SECRET_A, &headers, &body).is_ok();
    match record(&state, "/flaky", SECRET_A, &headers, body) {
        1 => StatusCode::INTERNAL_SERVER_ERROR,
        _ if verified => StatusCode::OK,
        _ => StatusCode::UNAUTHORIZED,
    }
}

/// `/failures`: 200 when the signature checks out.
async fn failures(
    State(state): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let verified = verify(SECRET_B, &headers, &body).is_ok();
    record(&state, "/failures", SECRET_B, &headers, body);
    if verified {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::UNAUTHORIZED
    }
}

/// `/other`: must never be called (subscribed to an event that does not happen).
async fn other(State(state): State<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    record(&state, "/other", SECRET_A, &headers, body);
    StatusCode::OK
}

fn hook(url: String, events: &[WebhookEvent], secret: Option<&str>) -> Webhook {
    Webhook {
        id: ObjectId::new(),
        url,
        events: events.to_vec(),
        secret: secret.map(str::to_owned),
        created: bson::DateTime::now(),
    }
}

/// Deliveries of a source once none is pending (or panics after `timeout`).
async fn settled(env: &TestEnv, source: ObjectId, timeout: Duration) -> Vec<WebhookDelivery> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let deliveries = env
            .store
            .deliveries_of(source, 50)
            .await
            .expect("deliveries");
        if !deliveries.is_empty()
            && deliveries
                .iter()
                .all(|d| d.status != DeliveryStatus::Pending)
        {
            return deliveries;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "deliveries still pending after {timeout:?}: {deliveries:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn signed_notifications_are_retried_recorded_and_guarded() {
    let catalog = start(
        ServerOptions::default(),
        0,
        MutableCatalog::new(datasets("hooks", 2), 10).routes("/c"),
    )
    .await
    .unwrap();
    let state = Arc::new(Receiver::default());
    let receiver = start(
        ServerOptions::default(),
        0,
        Router::new()
            .route("/flaky", post(flaky))
            .route("/failures", post(failures))
            .route("/other", post(other))
            .with_state(state.clone()),
    )
    .await
    .unwrap();
    // A loopback server that is not allow-listed: the guard must keep every webhook away.
    let forbidden = start(ServerOptions::default(), 0, Router::new())
        .await
        .unwrap();

    let mut env = TestEnv::new("webhooks").await;
    env.settings.http.allow_private = false;
    env.settings.http.allow_hosts = vec![catalog.host_port(), receiver.host_port()];
    env.settings.api.public_url = "https://harvest.example.org/".into();
    env.settings.notify.attempts = 3;
    env.start_worker();

    // A source that harvests fine: `done` to /flaky, `failed` only to /other.
    let good = env
        .source(&catalog.url("/c"), "dcat", SourceConfig::default())
        .await;
    let flaky_hook = hook(
        receiver.url("/flaky"),
        &[WebhookEvent::Done, WebhookEvent::DoneErrors],
        Some(SECRET_A),
    );
    env.store.add_webhook(good.id, &flaky_hook).await.unwrap();
    let other_hook = hook(receiver.url("/other"), &[WebhookEvent::Failed], None);
    env.store.add_webhook(good.id, &other_hook).await.unwrap();

    // A source whose catalog is missing: `failed` to /failures and to the forbidden server.
    let broken = env
        .source(
            &catalog.url("/missing.ttl"),
            "dcat",
            SourceConfig::default(),
        )
        .await;
    let failures_hook = hook(
        receiver.url("/failures"),
        &[WebhookEvent::Failed],
        Some(SECRET_B),
    );
    env.store
        .add_webhook(broken.id, &failures_hook)
        .await
        .unwrap();
    let forbidden_hook = hook(forbidden.url("/hook"), &[WebhookEvent::Failed], None);
    env.store
        .add_webhook(broken.id, &forbidden_hook)
        .await
        .unwrap();

    let good_job = env.run(&good, false).await;
    let broken_job = env.run(&broken, false).await;
    let good_job = env.wait_job(good_job.id, Duration::from_secs(60)).await;
    let broken_job = env.wait_job(broken_job.id, Duration::from_secs(60)).await;
    assert_eq!(good_job.status, JobStatus::Done, "{:?}", good_job.errors);
    assert_eq!(broken_job.status, JobStatus::Failed);

    // The done job: one delivery, 500 then 200, both attempts recorded.
    let deliveries = settled(&env, good.id, Duration::from_secs(30)).await;
    assert_eq!(deliveries.len(), 1, "{deliveries:#?}");
    let d = &deliveries[0];
    assert_eq!(d.webhook, flaky_hook.id);
    assert_eq!(d.job, Some(good_job.id));
    assert_eq!(d.event, WebhookEvent::Done);
    assert_eq!(d.status, DeliveryStatus::Delivered, "{d:#?}");
    assert_eq!(d.attempts.len(), 2, "{d:#?}");
    assert_eq!(d.attempts[0].status, Some(500));
    assert!(
        d.attempts[0]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("HTTP 500")),
        "{d:#?}"
    );
    assert_eq!(d.attempts[1].status, Some(200));
    assert!(d.attempts[1].error.is_none());
    let gap = d.attempts[1].at.timestamp_millis() - d.attempts[0].at.timestamp_millis();
    assert!(
        gap >= 400,
        "the retry waited {gap} ms, not the 500 ms notify delay"
    );

    let flaky_got = got_at(&state, "/flaky");
    assert_eq!(flaky_got.len(), 2, "{flaky_got:#?}");
    for r in &flaky_got {
        assert_eq!(r.verified, Ok(()), "{r:#?}");
        assert_eq!(r.delivery, d.id.to_hex());
        assert_eq!(r.event, "done");
    }
    assert_eq!(
        flaky_got[0].raw, flaky_got[1].raw,
        "a retry sends the same body"
    );
    let body = &flaky_got[0].body;
    assert_eq!(body["event"], "done");
    assert_eq!(body["delivery"], d.id.to_hex());
    assert_eq!(body["source"]["id"], good.id.to_hex());
    assert_eq!(body["source"]["name"], good.name.as_str());
    assert_eq!(body["source"]["url"], catalog.url("/c"));
    assert_eq!(body["job"]["id"], good_job.id.to_hex());
    assert_eq!(body["job"]["status"], "done");
    assert!(body["job"]["started"].is_string() && body["job"]["ended"].is_string());
    assert_eq!(body["counts"]["total"], 2);
    assert_eq!(body["counts"]["created"], 2);
    assert_eq!(body["errors"], serde_json::json!([]));
    assert_eq!(
        body["report_url"],
        format!(
            "https://harvest.example.org/admin/jobs/{}",
            good_job.id.to_hex()
        )
    );

    // The failed job: delivered at once to /failures with its error; refused for the forbidden
    // server, which received nothing; no retry of a refusal.
    let deliveries = settled(&env, broken.id, Duration::from_secs(30)).await;
    assert_eq!(deliveries.len(), 2, "{deliveries:#?}");
    let to = |id: ObjectId| {
        deliveries
            .iter()
            .find(|d| d.webhook == id)
            .expect("a delivery per subscription")
    };
    let ok = to(failures_hook.id);
    assert_eq!(ok.status, DeliveryStatus::Delivered, "{ok:#?}");
    assert_eq!(ok.attempts.len(), 1);
    assert_eq!(ok.attempts[0].status, Some(204));
    let refused = to(forbidden_hook.id);
    assert_eq!(refused.status, DeliveryStatus::Failed, "{refused:#?}");
    assert_eq!(refused.attempts.len(), 1, "a refused URL is not retried");
    let error = refused.attempts[0].error.clone().unwrap_or_default();
    assert!(
        error.contains("refused URL") && error.contains("127.0.0.1"),
        "{error}"
    );
    assert_eq!(
        forbidden.request_count(),
        0,
        "a webhook reached a loopback server that is not allow-listed"
    );
    let failures_got = got_at(&state, "/failures");
    assert_eq!(failures_got.len(), 1);
    let r = &failures_got[0];
    assert_eq!(r.verified, Ok(()), "{r:#?}");
    assert_eq!(r.event, "failed");
    assert_eq!(r.body["job"]["status"], "failed");
    let first = r.body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(first.contains("HTTP 404"), "{}", r.body);
    assert_eq!(r.body["errors_total"], 1);

    // Nobody listened to `failed` on the good source: /other got nothing.
    assert!(got_at(&state, "/other").is_empty());
    env.stop_workers().await;
}

/// What the receiver got on `path`, in order.
fn got_at(state: &Receiver, path: &str) -> Vec<Received> {
    state.got().into_iter().filter(|r| r.path == path).collect()
}
