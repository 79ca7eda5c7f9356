//! `harvest-bench`: end-to-end throughput and memory benchmarks with real processes.
//!
//! Serves generated catalogs from this process, starts `harvest-worker` processes (release
//! builds, found beside this binary unless `--bin-dir` says otherwise), drives jobs through the
//! `harvest-scheduler` CLI on the local RabbitMQ and MongoDB (isolated database and queue
//! prefix per scenario, removed afterwards), prints a table per scenario and writes
//! `bench-results/results.json`. `scripts/bench.sh` builds everything and runs it.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use e2e::bench::report::{self, Machine, Results};
use e2e::bench::runner::{exe_dir, Config};
use e2e::bench::scenarios::{self, SCENARIOS};

#[derive(Parser)]
#[command(about = "Throughput and memory benchmarks of the harvester (real processes)")]
struct Args {
    /// Scenarios to run (repeatable or comma-separated; default: all). `--list` names them.
    #[arg(long = "scenario", value_delimiter = ',')]
    scenarios: Vec<String>,
    /// List the scenarios and exit.
    #[arg(long)]
    list: bool,
    /// Small sizes (CI smoke runs).
    #[arg(long)]
    quick: bool,
    /// Factor applied to the full sizes (e.g. 0.2 runs `dcat-100k` with 20,000 datasets).
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Worker processes.
    #[arg(long, default_value_t = 2)]
    workers: usize,
    /// Item prefetch per worker (`amqp.prefetch`).
    #[arg(long, default_value_t = 64)]
    prefetch: u16,
    /// Concurrent requests per remote host and worker (`http.per_host_concurrency`).
    #[arg(long, default_value_t = 8)]
    per_host: usize,
    /// Fairness window per job (`harvest.job_window`; default: the product's).
    #[arg(long)]
    job_window: Option<usize>,
    /// Directory of harvest-worker and harvest-scheduler (default: this binary's directory).
    #[arg(long)]
    bin_dir: Option<PathBuf>,
    /// Output directory (results.json, logs/).
    #[arg(long, default_value = "bench-results")]
    out: PathBuf,
    /// Give up on a job after this many seconds.
    #[arg(long, default_value_t = 3600)]
    job_timeout: u64,
    /// Log level of the workers.
    #[arg(long, default_value = "warn")]
    log_level: String,
    /// Keep each scenario's database and queues instead of deleting them.
    #[arg(long)]
    keep: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.list {
        for (name, what) in SCENARIOS {
            println!("{name:<20} {what}");
        }
        return Ok(());
    }
    let selected: Vec<String> = if args.scenarios.is_empty() {
        SCENARIOS.iter().map(|(n, _)| (*n).to_owned()).collect()
    } else {
        args.scenarios
            .iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    };
    for s in &selected {
        if !SCENARIOS.iter().any(|(n, _)| n == s) {
            anyhow::bail!(
                "unknown scenario {s:?}; known: {}",
                SCENARIOS
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    let cfg = Config {
        bin_dir: args.bin_dir.unwrap_or_else(exe_dir),
        out_dir: args.out.clone(),
        workers: args.workers.max(1),
        prefetch: args.prefetch.max(1),
        per_host: args.per_host.max(1),
        job_window: args.job_window,
        quick: args.quick,
        scale: if args.scale > 0.0 { args.scale } else { 1.0 },
        keep: args.keep,
        job_timeout: Duration::from_secs(args.job_timeout),
        log_level: args.log_level,
        amqp_url: e2e::env::amqp_url(),
        mongo_uri: e2e::env::mongo_uri(),
    };
    let mut results = Results {
        started_at: chrono::Utc::now().to_rfc3339(),
        machine: Machine::detect(),
        scenarios: Vec::new(),
    };
    eprintln!(
        "harvest-bench: {} scenario(s){}{}, {} workers (prefetch {}, per-host {}), {} CPUs",
        selected.len(),
        if cfg.quick { " (quick)" } else { "" },
        if !cfg.quick && cfg.scale != 1.0 {
            format!(" (sizes x{})", cfg.scale)
        } else {
            String::new()
        },
        cfg.workers,
        cfg.prefetch,
        cfg.per_host,
        results.machine.cpus
    );
    for name in &selected {
        eprintln!("\n== {name} ==");
        let res = scenarios::run(&cfg, name).await;
        println!("\n== {name} ({:.0} s) ==", res.duration_s);
        if let Some(e) = &res.error {
            println!("FAILED: {e}");
        }
        print!("{}", report::phase_table(&res));
        if !res.night.is_empty() {
            print!("{}", report::night_table(&res.night));
        }
        results.scenarios.push(res);
        report::write_json(&cfg.out_dir, &results)?;
    }
    println!("\n== Summary ==");
    print!("{}", report::summary(&results));
    println!("\nresults: {}", cfg.out_dir.join("results.json").display());
    if results.scenarios.iter().any(|s| s.error.is_some()) {
        anyhow::bail!("some scenarios failed");
    }
    Ok(())
}
