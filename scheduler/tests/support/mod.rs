//! Shared set-up of the scheduler's integration tests: an isolated environment on the real
//! MongoDB and RabbitMQ (own database, own queue prefix, both removed at the end even when the
//! test fails), the admin router served in-process on 127.0.0.1, and small HTTP helpers.

#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bson::oid::ObjectId;
use common::model::{
    HarvestError, HarvestItem, HarvestJob, ItemStatus, JobStatus, JobTrigger, Payload,
};
use common::queue::Broker;
use common::settings::Settings;
use common::storage::Store;
use reqwest::Method;
use scheduler::service::Service;
use serde_json::Value;

pub const TOKEN: &str = "test-token-0123456789";

/// A unique suffix for database and queue names.
pub fn unique() -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{:x}{:x}{:x}",
        std::process::id(),
        nanos,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Drops the test database and deletes the test queues when dropped.
struct Cleanup {
    settings: Settings,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let settings = self.settings.clone();
        // A runtime of its own: Drop may run while the test's runtime is unwinding.
        let done = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok(store) = Store::connect(&settings.mongodb).await {
                    if let Err(e) = store.drop_database().await {
                        eprintln!("cleanup: dropping {}: {e}", settings.mongodb.database);
                    }
                }
                let broker = Broker::new(&settings.amqp);
                match broker.publisher().await {
                    Ok(ch) => {
                        if let Err(e) = broker.topology().delete_all(&ch).await {
                            eprintln!("cleanup: deleting queues {}*: {e}", settings.amqp.prefix);
                        }
                    }
                    Err(e) => eprintln!("cleanup: RabbitMQ: {e}"),
                }
                broker.reset().await;
            });
        });
        let _ = done.join();
    }
}

/// A running admin API on an isolated database and queue prefix.
pub struct TestEnv {
    pub base: String,
    pub http: reqwest::Client,
    pub store: Store,
    pub settings: Settings,
    server: tokio::task::JoinHandle<()>,
    _cleanup: Cleanup,
}

impl TestEnv {
    /// Default test settings (one token, public reads), adjusted by `configure`.
    pub async fn start(configure: impl FnOnce(&mut Settings)) -> Self {
        let id = unique();
        let mut settings = Settings::default();
        settings.mongodb.database = format!("t_api_{id}");
        settings.amqp.prefix = format!("t{id}.");
        settings.api.tokens = vec![TOKEN.into()];
        settings.api.public_reads = true;
        settings.http.allow_private = true;
        settings.http.request_timeout_secs = 10;
        settings.harvest.preview_items = 5;
        configure(&mut settings);
        let cleanup = Cleanup {
            settings: settings.clone(),
        };
        let store = Store::connect(&settings.mongodb)
            .await
            .expect("MongoDB client");
        store
            .ensure_indexes()
            .await
            .expect("MongoDB at 127.0.0.1:27017");
        let broker: Arc<Broker> = Broker::new(&settings.amqp);
        let service = Service::new(settings.clone(), store.clone(), broker);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let app = scheduler::api::router(service);
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .expect("HTTP client");
        Self {
            base: format!("http://{addr}"),
            http,
            store,
            settings,
            server,
            _cleanup: cleanup,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request with an optional JSON body and an optional bearer token; status and JSON body
    /// (`Value::Null` when the body is not JSON).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        token: Option<&str>,
    ) -> (u16, Value) {
        let mut req = self.http.request(method, self.url(path));
        if let Some(b) = body {
            req = req.json(b);
        }
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.call(Method::GET, path, None, None).await
    }

    /// A write with the test token.
    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.call(Method::POST, path, Some(body), Some(TOKEN)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> (u16, Value) {
        self.call(Method::PUT, path, Some(body), Some(TOKEN)).await
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        self.call(Method::DELETE, path, None, Some(TOKEN)).await
    }

    /// A page as text.
    pub async fn page(&self, path: &str) -> (u16, String) {
        let resp = self.http.get(self.url(path)).send().await.expect("request");
        let status = resp.status().as_u16();
        (status, resp.text().await.expect("body"))
    }

    /// Create a source through the API; returns its JSON.
    pub async fn create_source(&self, name: &str, url: &str) -> Value {
        let (status, body) = self
            .post(
                "/api/1/sources",
                &serde_json::json!({ "name": name, "url": url, "backend": "dcat", "schedule": "manual" }),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body
    }

    pub async fn accept(&self, id: &str) {
        let (status, body) = self
            .post(
                &format!("/api/1/sources/{id}/validate"),
                &serde_json::json!({ "state": "accepted", "comment": "ok", "by": "test" }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["validation"]["state"], "accepted");
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A job of `source` written directly in MongoDB: processing, gather still running, with three
/// items (one created, one failed with details, one pending with a payload).
pub struct SeededJob {
    pub job: HarvestJob,
    pub done_remote_id: String,
    pub failed_message: String,
    pub failed_details: String,
}

pub async fn seed_job(store: &Store, source: ObjectId) -> SeededJob {
    let mut job = HarvestJob::new(source, JobTrigger::Manual, false);
    job.status = JobStatus::Processing;
    job.started = Some(bson::DateTime::now());
    job.counters.done = 2;
    job.counters.created = 1;
    job.counters.failed = 1;
    job.data =
        bson::doc! { "archive": { "skipped": "the listing was incomplete: nothing archived" } };
    store.jobs().insert_one(&job).await.expect("insert job");
    let done_remote_id = "remote-done-arbres".to_owned();
    let failed_message = "Date de modification illisible : « 31/02/2024 »".to_owned();
    let failed_details =
        "MapError::Date { value: \"31/02/2024\" }\n  at mapping::dates::parse".to_owned();
    let now = bson::DateTime::now();
    let item = |seq: i64, remote_id: &str, status: ItemStatus| HarvestItem {
        remote_url: Some(format!("https://remote.example.org/datasets/{remote_id}")),
        status,
        ..HarvestItem::listed(job.id, source, seq, remote_id.into(), now)
    };
    let mut done = item(0, &done_remote_id, ItemStatus::Done);
    done.dataset = Some(ObjectId::new());
    done.created_dataset = Some(true);
    done.warnings = vec!["licence inconnue : « maison »".into()];
    done.timings = Some(bson::doc! { "map": 3.5, "write": 1.0 });
    let mut failed = item(1, "remote-failed-budget", ItemStatus::Failed);
    failed.errors = vec![HarvestError::new(
        failed_message.clone(),
        Some(failed_details.clone()),
    )];
    let mut pending = item(2, "remote-pending-velos", ItemStatus::Pending);
    pending.payload = Some(Payload::Json("{\"secret\": \"payload\"}".into()));
    store
        .items()
        .insert_many([done, failed, pending])
        .await
        .expect("insert items");
    SeededJob {
        job,
        done_remote_id,
        failed_message,
        failed_details,
    }
}
