//! Observability checked on a real scrape: after a harvest through RabbitMQ and MongoDB, the
//! `/metrics` exposition passes `promtool check metrics`, `/healthz` answers, and every metric the
//! Grafana dashboard and the Prometheus rules reference exists in the scrape.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use common::model::SourceConfig;
use common::telemetry::{self, Readiness};
use e2e::catalog_server::{start, ServerOptions};
use e2e::env::TestEnv;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Metric names referenced by a dashboard or rule file.
fn referenced(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for prefix in ["harvest_", "process_"] {
        let mut rest = text;
        while let Some(i) = rest.find(prefix) {
            let before = rest[..i].chars().last();
            rest = &rest[i..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let name = &rest[..end];
            rest = &rest[end..];
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                continue;
            }
            let base = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| name.strip_suffix(s))
                .unwrap_or(name);
            out.insert(base.to_owned());
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_real_scrape_has_every_metric_dashboards_and_alerts_use() {
    let server = start(
        ServerOptions {
            root: Some(repo().join("deploy/demo")),
            ..Default::default()
        },
        0,
        axum::Router::new(),
    )
    .await
    .unwrap();
    let mut env = TestEnv::new("metrics").await;
    env.start_worker();
    let source = env
        .source(&server.url("catalog.ttl"), "dcat", SourceConfig::default())
        .await;
    env.harvest(&source, Duration::from_secs(120)).await;
    telemetry::metrics().prime(&backends::names());

    let addr = telemetry::serve("127.0.0.1:0", Readiness::default())
        .await
        .unwrap()
        .unwrap();
    let client = reqwest::Client::new();
    let health = client
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .unwrap();
    assert!(health.status().is_success());
    let ready = client
        .get(format!("http://{addr}/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        ready.status().as_u16(),
        503,
        "a fresh Readiness is not ready"
    );
    let scrape = client
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    let exposed: BTreeSet<String> = scrape
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| l.split(['{', ' ']).next())
        .map(|n| {
            ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| n.strip_suffix(s))
                .unwrap_or(n)
                .to_owned()
        })
        .collect();
    let mut wanted = BTreeSet::new();
    for f in [
        "deploy/grafana/harvester-dashboard.json",
        "deploy/prometheus/harvester-rules.yml",
    ] {
        wanted.extend(referenced(
            &std::fs::read_to_string(repo().join(f)).unwrap(),
        ));
    }
    assert!(wanted.len() > 10, "{wanted:?}");
    let missing: Vec<&String> = wanted.iter().filter(|m| !exposed.contains(*m)).collect();
    assert!(
        missing.is_empty(),
        "referenced but not exposed: {missing:?}"
    );
    assert!(scrape.contains("harvest_items_processed_total{backend=\"dcat\",outcome=\"created\"} "));
    assert!(
        !scrape.contains("source=") && !scrape.contains("url="),
        "no per-source or per-URL label"
    );

    match std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    {
        Ok(mut child) => {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(scrape.as_bytes()).unwrap();
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "promtool check metrics: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Err(e) => println!("SKIPPED promtool check (promtool not installed: {e}); scripts/test-deps.sh installs it"),
    }
    env.stop_workers().await;
}
