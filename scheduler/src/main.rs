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

/// An expected outcome (a failed job, a source not found, bad settings) prints its message and
/// exits 1: never a backtrace, whatever `RUST_BACKTRACE` says. Panics keep theirs.
fn main() -> std::process::ExitCode {
    quiet_broken_pipe();
    let outcome = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)
        .and_then(|runtime| {
            let outcome = runtime.block_on(run());
            // Let the AMQP and MongoDB I/O loops end before the runtime goes away, so they
            // print no "context is being shut down" errors on a normal exit.
            runtime.shutdown_timeout(std::time::Duration::from_secs(2));
            outcome
        });
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut settings = Settings::load(args.config.as_deref())?;
    if args.human_logs || !matches!(args.command, cli::Command::Serve) {
        settings.log.format = common::settings::LogFormat::Human;
    }
    if !matches!(args.command, cli::Command::Serve) && std::env::var_os("RUST_LOG").is_none() {
        // A CLI command says what failed in its own error; lapin's I/O loop logs its end as an
        // error when the process exits (the runtime goes away under it): not for people.
        settings.log.level = "warn,lapin=off".into();
    }
    common::telemetry::init_logging(&settings.log);
    cli::execute(settings, args.command).await
}

/// `harvest-scheduler sources health | head`: the reader went away, which is normal at a shell.
/// Rust ignores SIGPIPE, so `println!` panics on the closed pipe; exit quietly (status 141, as
/// a process killed by SIGPIPE) instead of printing a panic. Every other panic keeps the default
/// hook.
fn quiet_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.contains("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}
