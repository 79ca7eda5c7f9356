//! `harvest-worker`: runs the consumers of the roles it is given until SIGTERM, then drains.

use std::path::PathBuf;

use clap::Parser;
use common::settings::Settings;

#[derive(Parser, Debug)]
#[command(
    name = "harvest-worker",
    version,
    about = "Harvest worker: gather, item and finalize consumers"
)]
struct Args {
    /// TOML settings file (environment variables HARVEST__* override it).
    #[arg(long, env = "HARVEST_CONFIG")]
    config: Option<PathBuf>,
    /// Roles to run, comma-separated: gather, item, finalize (default: all).
    #[arg(long, value_delimiter = ',')]
    roles: Option<Vec<common::settings::Role>>,
    /// Human-readable logs instead of JSON.
    #[arg(long)]
    human_logs: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut settings = Settings::load(args.config.as_deref())?;
    if let Some(roles) = args.roles {
        settings.worker.roles = roles;
        settings.validate()?;
    }
    if args.human_logs {
        settings.log.format = common::settings::LogFormat::Human;
    }
    common::telemetry::init_logging(&settings.log);
    let (trigger, shutdown) = common::shutdown::channel();
    common::shutdown::on_signals(trigger);
    tracing::info!(roles = ?settings.worker.roles, "worker starting");
    worker::run(settings, shutdown).await?;
    tracing::info!("worker stopped");
    Ok(())
}
