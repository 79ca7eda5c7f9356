//! A local HTTP server for catalogs: serves files from a directory (content type from the file
//! extension, `{{BASE}}` replaced by the server's own base URL so paged catalogs link to it), plus
//! any extra routes a test adds (hostile or generated catalogs). Optional per-request latency and
//! error rate simulate slow or flaky remotes.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use axum::Router;

/// Behaviour of the served remote.
#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    /// Directory of static catalog files (None: only the extra routes).
    pub root: Option<PathBuf>,
    pub latency: Duration,
    /// Share of requests answered 503 (0.0 – 1.0).
    pub error_rate: f64,
}

#[derive(Clone)]
struct Shared {
    opts: ServerOptions,
    base: String,
    requests: Arc<AtomicU64>,
}

/// A running server.
pub struct CatalogServer {
    pub addr: SocketAddr,
    pub requests: Arc<AtomicU64>,
    handle: tokio::task::JoinHandle<()>,
}

impl CatalogServer {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/{}", self.base(), path.trim_start_matches('/'))
    }

    /// `host:port`, for `http.allow_hosts`.
    pub fn host_port(&self) -> String {
        self.addr.to_string()
    }

    pub fn request_count(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }
}

impl Drop for CatalogServer {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

/// Content type by extension, as a well-configured catalog server sends it.
pub fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "ttl" => "text/turtle; charset=utf-8",
        "rdf" | "xml" => "application/rdf+xml; charset=utf-8",
        "jsonld" => "application/ld+json",
        "nt" => "application/n-triples",
        "nq" => "application/n-quads",
        "trig" => "application/trig",
        "n3" => "text/n3",
        "json" => "application/json",
        "html" => "text/html; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Start a server on 127.0.0.1 (`port` 0 = any free port) with `extra` routes merged in.
pub async fn start(
    opts: ServerOptions,
    port: u16,
    extra: Router,
) -> std::io::Result<CatalogServer> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    let requests = Arc::new(AtomicU64::new(0));
    let shared = Shared {
        opts,
        base: format!("http://{addr}"),
        requests: requests.clone(),
    };
    let files: Router = Router::new()
        .fallback(serve_file)
        .with_state(shared.clone());
    let app = extra
        .merge(files)
        .layer(axum::middleware::from_fn_with_state(shared, behaviour));
    let handle = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(CatalogServer {
        addr,
        requests,
        handle,
    })
}

async fn behaviour(
    State(s): State<Shared>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    let n = s.requests.fetch_add(1, Ordering::Relaxed);
    if !s.opts.latency.is_zero() {
        tokio::time::sleep(s.opts.latency).await;
    }
    if s.opts.error_rate > 0.0 {
        // Deterministic spread: every k-th request fails.
        let every = (1.0 / s.opts.error_rate).round().max(1.0) as u64;
        if n % every == every - 1 {
            return Response::builder()
                .status(StatusCode::SERVICE_UNAVAILABLE)
                .header(header::RETRY_AFTER, "1")
                .body(Body::from("simulated outage"))
                .unwrap_or_default();
        }
    }
    next.run(req).await
}

async fn serve_file(State(s): State<Shared>, req: Request) -> Response {
    let not_found = || {
        Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Body::from("not found"))
            .unwrap_or_default()
    };
    let Some(root) = &s.opts.root else {
        return not_found();
    };
    let rel = req.uri().path().trim_start_matches('/');
    if rel.split('/').any(|seg| seg == ".." || seg.is_empty()) && !rel.is_empty() {
        return not_found();
    }
    let path = if rel.is_empty() {
        root.join("index.html")
    } else {
        root.join(rel)
    };
    match tokio::fs::read(&path).await {
        Ok(bytes) => {
            let body = match String::from_utf8(bytes) {
                Ok(text) => text.replace("{{BASE}}", &s.base).into_bytes(),
                Err(e) => e.into_bytes(),
            };
            let mut resp = Response::new(Body::from(body));
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(content_type(rel)),
            );
            resp
        }
        Err(_) => not_found(),
    }
}
