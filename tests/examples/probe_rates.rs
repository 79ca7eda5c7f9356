//! Listing and processing rates of one large DCAT job, second by second.
use common::model::SourceConfig;
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let cat = e2e::catalogs::MutableCatalog::new(e2e::catalogs::datasets("r", n), 1000);
    let server = e2e::catalog_server::start(Default::default(), 0, cat.routes("/c")).await?;
    let mut env = e2e::env::TestEnv::new("rates").await;
    env.start_worker();
    env.start_worker();
    let source = env
        .source(&server.url("/c"), "dcat", SourceConfig::default())
        .await;
    let t = Instant::now();
    let job = env.run(&source, false).await;
    loop {
        let j = env.store.get_job(job.id).await?;
        println!(
            "{:>5.1}s {:<12} listed={:<6} done={:<6} created={}",
            t.elapsed().as_secs_f64(),
            j.status.as_str(),
            j.counters.total,
            j.counters.done,
            j.counters.created
        );
        if j.status.is_final() {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    env.stop_workers().await;
    Ok(())
}
