//! The SSRF guard, end to end: sources and redirects pointing at loopback, private, link-local,
//! metadata and non-HTTP targets are refused with a clear error before any request leaves the
//! worker, whatever way the address is spelled (literal, decimal, IPv4-mapped, `localhost.`, a
//! host name resolving to 127.0.0.1); an allow-listed `host:port` works, and a redirect from it
//! to a forbidden target is still refused. Local servers count the requests they receive: the
//! forbidden ones must see none.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use common::model::{HarvestJob, JobStatus, SourceConfig};
use e2e::catalog_server::{start, CatalogServer, ServerOptions};
use e2e::catalogs::{datasets, MutableCatalog};
use e2e::env::TestEnv;
use e2e::hostile::loopback_name;

/// A catalog server (2 datasets at `/c`) counting its requests.
async fn catalog_server(tag: &str, extra: Router) -> CatalogServer {
    let catalog = MutableCatalog::new(datasets(tag, 2), 10);
    start(
        ServerOptions::default(),
        0,
        catalog.routes("/c").merge(extra),
    )
    .await
    .unwrap()
}

/// A listener on [::1] counting the connections it accepts (None without IPv6).
async fn ipv6_listener() -> Option<(u16, Arc<AtomicU64>)> {
    let listener = tokio::net::TcpListener::bind("[::1]:0").await.ok()?;
    let port = listener.local_addr().ok()?.port();
    let count = Arc::new(AtomicU64::new(0));
    let c = count.clone();
    tokio::spawn(async move {
        while let Ok((_s, _)) = listener.accept().await {
            c.fetch_add(1, Ordering::Relaxed);
        }
    });
    Some((port, count))
}

async fn run_all(
    env: &TestEnv,
    targets: &[(String, &'static str)],
) -> Vec<(String, HarvestJob, String)> {
    let mut jobs = Vec::new();
    for (url, backend) in targets {
        let source = env.source(url, backend, SourceConfig::default()).await;
        jobs.push((url.clone(), env.run(&source, false).await.id));
    }
    let mut out = Vec::new();
    for (url, id) in jobs {
        let job = env.wait_job(id, Duration::from_secs(60)).await;
        let error = job
            .errors
            .first()
            .map(|e| e.message.clone())
            .unwrap_or_default();
        println!("{url} → {}: {error}", job.status);
        out.push((url, job, error));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn default_guard_refuses_private_targets_without_contacting_them() {
    let server = catalog_server("ssrf-default", Router::new()).await;
    let p = server.addr.port();
    let v6 = ipv6_listener().await;
    let p6 = v6.as_ref().map_or(p, |(port, _)| *port);
    let mut env = TestEnv::new("ssrf").await;
    env.settings.http.allow_private = false;
    env.settings.http.allow_hosts = Vec::new();
    env.settings.http.request_timeout_secs = 3;
    env.settings.http.connect_timeout_secs = 3;
    env.start_worker();

    let name = loopback_name();
    let targets: Vec<(String, &'static str)> = vec![
        (format!("http://127.0.0.1:{p}/c"), "dcat"),
        (format!("http://localhost:{p}/c"), "dcat"),
        (format!("http://localhost.:{p}/c"), "dcat"),
        (format!("http://LOCALHOST:{p}/c"), "dcat"),
        (format!("http://catalog.localhost:{p}/c"), "dcat"),
        (format!("http://{name}:{p}/c"), "dcat"),
        (format!("http://[::1]:{p6}/c"), "dcat"),
        (format!("http://[::ffff:127.0.0.1]:{p}/c"), "dcat"),
        (format!("http://127.1:{p}/c"), "dcat"),
        (format!("http://2130706433:{p}/c"), "dcat"),
        (format!("http://0x7f000001:{p}/c"), "dcat"),
        (format!("http://0.0.0.0:{p}/c"), "dcat"),
        ("http://10.0.0.1/catalog.ttl".into(), "dcat"),
        ("http://172.16.0.1/catalog.ttl".into(), "dcat"),
        ("http://192.168.1.1/catalog.ttl".into(), "dcat"),
        ("http://100.64.0.1/catalog.ttl".into(), "dcat"),
        ("http://169.254.169.254/latest/meta-data/".into(), "dcat"),
        ("http://[fd00::1]/catalog.ttl".into(), "dcat"),
        ("http://[fe80::1]/catalog.ttl".into(), "dcat"),
        ("http://224.0.0.1/catalog.ttl".into(), "dcat"),
        (format!("ftp://127.0.0.1:{p}/c"), "dcat"),
        ("ftp://ftp.example.org/catalog.ttl".into(), "dcat"),
        ("file:///etc/passwd".into(), "dcat"),
        (format!("gopher://127.0.0.1:{p}/_GET"), "dcat"),
        // Every backend goes through the same guard.
        (format!("http://127.0.0.1:{p}"), "ckan"),
        (format!("http://localhost:{p}"), "dkan"),
        ("http://169.254.169.254".into(), "ods"),
    ];
    let outcomes = run_all(&env, &targets).await;
    let mut problems = Vec::new();
    for (url, job, error) in &outcomes {
        if job.status != JobStatus::Failed {
            problems.push(format!("{url}: {} instead of failed", job.status));
        }
        if !error.contains("refused") {
            problems.push(format!("{url}: error does not say refused: {error:?}"));
        }
        // Refusals are immediate: no retry, no connection attempt.
        let (s, e) = (job.started.unwrap(), job.ended.unwrap());
        if e.timestamp_millis() - s.timestamp_millis() > 2_000 {
            problems.push(format!("{url}: took more than 2 s to be refused"));
        }
    }
    assert_eq!(
        server.request_count(),
        0,
        "a request reached the local server"
    );
    if let Some((_, count)) = &v6 {
        assert_eq!(
            count.load(Ordering::Relaxed),
            0,
            "a connection reached [::1]"
        );
    }
    env.stop_workers().await;
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn redirect(to: String) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, to)]).into_response()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn allow_list_opens_one_host_port_and_redirects_stay_guarded() {
    // The forbidden server: the same address as the allowed one, another port.
    let forbidden = catalog_server("ssrf-forbidden", Router::new()).await;
    let fp = forbidden.addr.port();
    let name = loopback_name();
    let redirects = Router::new()
        .route(
            "/go-private",
            get(move || async move { redirect(format!("http://127.0.0.1:{fp}/c")) }),
        )
        .route(
            "/go-localhost",
            get(move || async move { redirect(format!("http://localhost:{fp}/c")) }),
        )
        .route(
            "/go-name",
            get(move || async move { redirect(format!("http://{}:{fp}/c", loopback_name())) }),
        )
        .route(
            "/go-ipv6",
            get(move || async move { redirect(format!("http://[::1]:{fp}/c")) }),
        )
        .route(
            "/go-metadata",
            get(|| async { redirect("http://169.254.169.254/latest/meta-data/".into()) }),
        )
        .route(
            "/go-private-net",
            get(|| async { redirect("http://10.0.0.1/catalog.ttl".into()) }),
        )
        .route(
            "/go-file",
            get(|| async { redirect("file:///etc/passwd".into()) }),
        )
        .route(
            "/go-ftp",
            get(move || async move { redirect(format!("ftp://127.0.0.1:{fp}/c")) }),
        );
    let allowed = catalog_server("ssrf-allowed", redirects).await;
    let ap = allowed.addr.port();

    let mut env = TestEnv::new("ssrfallow").await;
    env.settings.http.allow_private = false;
    env.settings.http.allow_hosts = vec![
        allowed.host_port(),
        format!("localhost:{ap}"),
        format!("{name}:{ap}"),
    ];
    env.settings.http.request_timeout_secs = 3;
    env.start_worker();

    // Allow-listed by address and port, and by name and port: harvested.
    let mut urls = vec![allowed.url("/c"), format!("http://localhost:{ap}/c")];
    // The loopback name of /etc/hosts, when it leads to 127.0.0.1 where the server listens.
    let v4 = tokio::net::lookup_host((name.as_str(), ap))
        .await
        .map(|mut a| a.any(|a| a.ip() == std::net::Ipv4Addr::LOCALHOST))
        .unwrap_or(false);
    if v4 {
        urls.push(format!("http://{name}:{ap}/c"));
    } else {
        println!("{name} does not resolve to 127.0.0.1 here: allow-by-name case skipped");
    }
    for url in urls {
        let source = env.source(&url, "dcat", SourceConfig::default()).await;
        let job = env.harvest(&source, Duration::from_secs(60)).await;
        println!("{url} → {}", job.status);
        assert_eq!(job.status, JobStatus::Done, "{url}: {:?}", job.errors);
        assert_eq!(job.counters.total, 2);
    }
    let allowed_requests = allowed.request_count();
    assert!(allowed_requests >= 2);

    // The same address on another port, and redirects from the allowed server: refused.
    // The allow-listed names on another port are not open either.
    let mut targets: Vec<(String, &'static str)> = vec![
        (forbidden.url("/c"), "dcat"),
        (format!("http://localhost:{fp}/c"), "dcat"),
        (format!("http://{name}:{fp}/c"), "dcat"),
    ];
    for path in [
        "/go-private",
        "/go-localhost",
        "/go-name",
        "/go-ipv6",
        "/go-metadata",
        "/go-private-net",
        "/go-file",
        "/go-ftp",
    ] {
        targets.push((allowed.url(path), "dcat"));
    }
    let outcomes = run_all(&env, &targets).await;
    let mut problems = Vec::new();
    for (url, job, error) in &outcomes {
        if job.status != JobStatus::Failed {
            problems.push(format!("{url}: {} instead of failed", job.status));
        }
        if !error.contains("refused") {
            problems.push(format!("{url}: error does not say refused: {error:?}"));
        }
    }
    let named = outcomes
        .iter()
        .find(|(u, _, _)| u.ends_with("/go-name"))
        .map(|(_, _, e)| e.clone())
        .unwrap_or_default();
    assert!(named.contains(&name), "{named}");
    assert_eq!(
        forbidden.request_count(),
        0,
        "a redirect reached the forbidden server"
    );
    // The redirecting server itself was asked once per redirect case.
    assert_eq!(allowed.request_count(), allowed_requests + 8);
    env.stop_workers().await;
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
