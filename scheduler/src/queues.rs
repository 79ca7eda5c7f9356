//! Publishes queue depth and consumer counts (`harvest_queue_messages`, `harvest_queue_consumers`)
//! and the number of running jobs, polled from RabbitMQ and MongoDB: what KEDA and the dashboards
//! read when RabbitMQ's own exporter is not scraped. Also the aggregate health gauges
//! (`harvest_sources_failing`, `harvest_sources_stale`), computed from MongoDB.

use common::queue::Role;
use common::shutdown::Shutdown;
use common::telemetry::metrics;

use crate::service::Service;

pub async fn run(service: Service, mut shutdown: Shutdown) {
    let topology = service.broker.topology().clone();
    let mut queues: Vec<(String, &'static str)> = Role::ALL
        .iter()
        .map(|r| (topology.queue(*r), r.as_str()))
        .collect();
    queues.push((topology.dead_queue(), "dead"));
    loop {
        for (name, label) in &queues {
            if let Ok((messages, consumers)) = service.broker.queue_stats(name).await {
                metrics()
                    .queue_messages
                    .with_label_values(&[label])
                    .set(messages as f64);
                metrics()
                    .queue_consumers
                    .with_label_values(&[label])
                    .set(consumers as f64);
            }
        }
        if let Ok(n) = service.store.running_jobs_count().await {
            metrics().jobs_running.set(n as i64);
        }
        if let Err(e) = crate::health::refresh_gauges(&service).await {
            tracing::warn!(error = %e, "source health gauges not refreshed");
        }
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_secs(15)) => {}
            _ = shutdown.wait() => return,
        }
    }
}
