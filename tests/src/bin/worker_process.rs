//! `harvest-test-worker`: the worker runtime as a separate process for fault tests (kill -9,
//! SIGTERM), configured only through `HARVEST__*` variables, exactly like the product binary.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = common::settings::Settings::load(None)?;
    common::telemetry::init_logging(&settings.log);
    let (trigger, shutdown) = common::shutdown::channel();
    common::shutdown::on_signals(trigger);
    worker::run(settings, shutdown).await
}
