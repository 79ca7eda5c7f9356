//! `harvest-catalog-server`: serves a directory of catalogs on 127.0.0.1 for the demo and
//! benchmarks (optional latency and error rate). Runs until killed.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use e2e::catalog_server::{start, ServerOptions};

#[derive(Parser)]
#[command(about = "Serve local catalogs over HTTP")]
struct Args {
    /// Directory to serve.
    #[arg(long)]
    root: PathBuf,
    #[arg(long, default_value_t = 8765)]
    port: u16,
    /// Added latency per request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Share of requests answered 503.
    #[arg(long, default_value_t = 0.0)]
    error_rate: f64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let opts = ServerOptions {
        root: Some(args.root),
        latency: Duration::from_millis(args.latency_ms),
        error_rate: args.error_rate,
    };
    let server = start(opts, args.port, axum::Router::new()).await?;
    eprintln!("catalog server on {}", server.base());
    std::future::pending::<()>().await;
    Ok(())
}
