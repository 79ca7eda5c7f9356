//! Start-up and lifecycle of a worker process: connect to MongoDB (waiting for it), create indexes,
//! seed licenses, start the consumers of the configured roles and the sweeper, serve metrics and
//! health, and return once a shutdown has drained everything.

use std::sync::Arc;
use std::time::Duration;

use common::queue::{Broker, Role};
use common::settings::Settings;
use common::shutdown::Shutdown;
use common::storage::Store;
use common::telemetry::{self, Readiness};

use crate::pipeline::consumer;
use crate::pipeline::context::Context;
use crate::pipeline::{finalize, gather, item, notify, sweeper};
use backends::mapping::LicenseGuesser;

/// Build the shared worker context.
pub async fn context(
    settings: Settings,
    readiness: Readiness,
    shutdown: &Shutdown,
) -> anyhow::Result<Arc<Context>> {
    let store = Store::open(&settings.mongodb, shutdown).await?;
    readiness.set_mongo(true);
    let stored = store.load_licenses().await.unwrap_or_default();
    let licenses = if stored.is_empty() {
        LicenseGuesser::builtin()
    } else {
        LicenseGuesser::new(stored)
    };
    let broker = Broker::new(&settings.amqp);
    Context::new(settings, store, broker, licenses, readiness)
}

/// One sweep of stalled jobs and expired data (what the sweeper does periodically), then return:
/// the CLI's `sweep` command.
pub async fn sweep_once(settings: Settings, shutdown: &Shutdown) -> anyhow::Result<()> {
    let ctx = context(settings, Readiness::default(), shutdown).await?;
    sweeper::sweep(&ctx).await?;
    Ok(())
}

/// Run the worker until `shutdown` is triggered and in-flight work is drained.
pub async fn run(settings: Settings, shutdown: Shutdown) -> anyhow::Result<()> {
    let readiness = Readiness::default();
    telemetry::metrics().set_build_info("worker");
    telemetry::metrics().prime(&backends::names());
    telemetry::serve(&settings.metrics.bind, readiness.clone()).await?;
    let ctx = context(settings, readiness.clone(), &shutdown).await?;
    let mut tasks = tokio::task::JoinSet::new();
    for &role in &ctx.settings.worker.roles {
        let (ctx, shutdown) = (ctx.clone(), shutdown.clone());
        match role {
            Role::Gather => tasks.spawn(consumer::run(ctx, role, gather::handle, shutdown)),
            Role::Item => tasks.spawn(consumer::run(ctx, role, item::handle, shutdown)),
            Role::Finalize => {
                // The processes that finalize jobs also send their webhook notifications.
                let notify =
                    consumer::run(ctx.clone(), Role::Notify, notify::handle, shutdown.clone());
                tasks.spawn(notify);
                tasks.spawn(consumer::run(ctx, role, finalize::handle, shutdown))
            }
            Role::Notify => continue, // refused by the settings' validation
        };
    }
    if ctx.settings.worker.sweep_secs > 0 {
        tasks.spawn(sweeper::run(ctx.clone(), shutdown.clone()));
    }
    // MongoDB readiness follows a periodic ping.
    let ping_ctx = ctx.clone();
    let mut ping_shutdown = shutdown.clone();
    tasks.spawn(async move {
        loop {
            ping_ctx
                .readiness
                .set_mongo(ping_ctx.store.ping().await.is_ok());
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(5)) => {}
                _ = ping_shutdown.wait() => return,
            }
        }
    });
    while tasks.join_next().await.is_some() {}
    // Counts of the last items processed before shutdown, then a clean AMQP close.
    ctx.progress.flush().await;
    ctx.broker.close().await;
    Ok(())
}
