//! `harvest-scheduler`: the source registry, the admin HTTP API and HTML reports, the cron loop,
//! and the operator CLI (sources, runs with a progress bar, preview, reports, dead letters).

use scheduler::cli;

use std::path::PathBuf;

use clap::Parser;
use common::settings::Settings;

#[derive(Parser, Debug)]
#[command(
    name = "harvest-scheduler",
    version,
    about = "Harvest scheduler, admin API and operator CLI"
)]
struct Args {
    /// TOML settings file (environment variables HARVEST__* override it).
    #[arg(long, global = true, env = "HARVEST_CONFIG")]
    config: Option<PathBuf>,
    /// Human-readable logs instead of JSON.
    #[arg(long, global = true)]
    human_logs: bool,
    #[command(subcommand)]
    command: cli::Command,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut settings = Settings::load(args.config.as_deref())?;
    if args.human_logs || !matches!(args.command, cli::Command::Serve) {
        settings.log.format = "human".into();
    }
    if !matches!(args.command, cli::Command::Serve) && std::env::var_os("RUST_LOG").is_none() {
        settings.log.level = "warn".into();
    }
    common::telemetry::init_logging(&settings.log);
    cli::execute(settings, args.command).await
}
