//! The admin API (the scheduler's HTTP router) served in-process on a [`TestEnv`], on 127.0.0.1,
//! with the small HTTP helpers its tests use: calls with or without the write token, pages as
//! text, a source created and accepted through the API.

use reqwest::Method;
use scheduler::service::Service;
use serde_json::Value;

use crate::env::TestEnv;
use common::queue::Broker;
use common::settings::Settings;

/// The write token of the admin API's tests.
pub const TOKEN: &str = "test-token-0123456789";

/// An environment for the admin API (one write token, [`TOKEN`], public reads, previews of 5
/// items), its settings adjusted by `configure`, and the API served on it.
pub async fn start(configure: impl FnOnce(&mut Settings)) -> (TestEnv, AdminApi) {
    let env = TestEnv::with_settings("api", |s| {
        s.api.tokens = vec![TOKEN.into()];
        s.api.public_reads = true;
        s.harvest.preview_items = 5;
        configure(s);
    })
    .await;
    let api = AdminApi::serve(&env).await;
    (env, api)
}

/// The admin API of an environment, served until dropped.
pub struct AdminApi {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    pub http: reqwest::Client,
    server: tokio::task::JoinHandle<()>,
}

impl AdminApi {
    /// Serve the admin API on the environment's settings and database, with a broker of its own
    /// (as a scheduler process has).
    pub async fn serve(env: &TestEnv) -> Self {
        let broker = Broker::new(&env.settings.amqp);
        let service = Service::new(env.settings.clone(), env.store.clone(), broker);
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
            server,
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

    /// Accept the source `id` through the API.
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

impl Drop for AdminApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}
