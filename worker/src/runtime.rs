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

use crate::mapping::LicenseGuesser;
use crate::pipeline::consumer::{self, Handler};
use crate::pipeline::context::Context;
use crate::pipeline::{
    finalize::FinalizeHandler, gather::GatherHandler, item::ItemHandler, sweeper,
};

/// Connect to MongoDB and prepare the database, retrying until it answers or shutdown.
pub async fn open_store(settings: &Settings, shutdown: &Shutdown) -> anyhow::Result<Store> {
    let store = Store::connect(&settings.mongodb).await?;
    let mut delay = Duration::from_millis(500);
    loop {
        match store.ensure_indexes().await {
            Ok(()) => break,
            Err(e) if !shutdown.is_triggered() => {
                tracing::warn!(error = %e, "MongoDB not ready, retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(10));
            }
            Err(e) => return Err(e.into()),
        }
    }
    store
        .seed_licenses(&common::model::license::builtin())
        .await?;
    Ok(store)
}

/// Build the shared worker context.
pub async fn context(
    settings: Settings,
    readiness: Readiness,
    shutdown: &Shutdown,
) -> anyhow::Result<Arc<Context>> {
    let store = open_store(&settings, shutdown).await?;
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

/// Run the worker until `shutdown` is triggered and in-flight work is drained.
pub async fn run(settings: Settings, shutdown: Shutdown) -> anyhow::Result<()> {
    let readiness = Readiness::default();
    telemetry::metrics().set_build_info("worker");
    telemetry::metrics().prime(&crate::backends::names());
    telemetry::serve(&settings.metrics.bind, readiness.clone()).await?;
    let ctx = context(settings, readiness.clone(), &shutdown).await?;
    let mut tasks = tokio::task::JoinSet::new();
    for role in &ctx.settings.worker.roles {
        let Some(role) = Role::parse(role) else {
            continue;
        };
        let handler: Arc<dyn Handler> = match role {
            Role::Gather => Arc::new(GatherHandler),
            Role::Item => Arc::new(ItemHandler),
            Role::Finalize => Arc::new(FinalizeHandler),
        };
        tasks.spawn(consumer::run(ctx.clone(), role, handler, shutdown.clone()));
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
