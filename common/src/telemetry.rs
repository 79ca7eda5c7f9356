//! Telemetry in one place: structured logs (tracing-subscriber, JSON by default), the Prometheus
//! metrics of every process (prefix `harvest_`, base units, no per-source or per-URL label), and the
//! `/metrics`, `/healthz`, `/readyz` HTTP listener.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use prometheus::{
    Encoder, GaugeVec, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    Opts, Registry, TextEncoder,
};
use tracing_subscriber::EnvFilter;

use crate::settings::LogSettings;

/// Initialise logging once, in the configured format; `RUST_LOG` overrides the level.
pub fn init_logging(settings: &LogSettings) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if settings.format == crate::settings::LogFormat::Human {
        builder.try_init()
    } else {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init()
    };
}

/// Every metric the harvester exports.
pub struct Metrics {
    pub registry: Registry,
    pub build_info: GaugeVec,
    pub jobs_started: IntCounterVec,
    pub jobs_finished: IntCounterVec,
    pub job_duration: HistogramVec,
    pub last_success: GaugeVec,
    pub jobs_running: IntGauge,
    pub items_processed: IntCounterVec,
    pub item_stage_duration: HistogramVec,
    pub remote_requests: IntCounterVec,
    pub remote_request_duration: Histogram,
    pub rdf_triples_parsed: IntCounter,
    pub amqp_deliveries: IntCounterVec,
    pub amqp_acks: IntCounterVec,
    pub amqp_nacks: IntCounterVec,
    pub amqp_redeliveries: IntCounterVec,
    pub amqp_retries: IntCounterVec,
    pub amqp_dead_lettered: IntCounterVec,
    /// Handlers that panicked (the delivery was nacked back to its queue).
    pub handler_panics: IntCounterVec,
    pub items_in_flight: IntGauge,
    pub queue_messages: GaugeVec,
    pub queue_consumers: GaugeVec,
    pub sources_failing: IntGauge,
    pub sources_stale: IntGauge,
}

fn counter_vec(r: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    let m = IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric");
    r.register(Box::new(m.clone())).expect("unique metric");
    m
}

fn gauge_vec(r: &Registry, name: &str, help: &str, labels: &[&str]) -> GaugeVec {
    let m = GaugeVec::new(Opts::new(name, help), labels).expect("valid metric");
    r.register(Box::new(m.clone())).expect("unique metric");
    m
}

fn histogram_vec(
    r: &Registry,
    name: &str,
    help: &str,
    labels: &[&str],
    buckets: Vec<f64>,
) -> HistogramVec {
    let m = HistogramVec::new(HistogramOpts::new(name, help).buckets(buckets), labels)
        .expect("valid metric");
    r.register(Box::new(m.clone())).expect("unique metric");
    m
}

impl Metrics {
    fn new() -> Self {
        let r = Registry::new();
        #[cfg(target_os = "linux")]
        {
            let _ = r.register(Box::new(
                prometheus::process_collector::ProcessCollector::for_self(),
            ));
        }
        let fast = vec![
            0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            30.0,
        ];
        let slow = vec![
            1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0, 14400.0,
            28800.0,
        ];
        let remote_request_duration = Histogram::with_opts(
            HistogramOpts::new(
                "harvest_remote_request_duration_seconds",
                "Duration of HTTP requests to remote catalogs",
            )
            .buckets(fast.clone()),
        )
        .expect("valid metric");
        r.register(Box::new(remote_request_duration.clone()))
            .expect("unique metric");
        let rdf_triples_parsed = IntCounter::new(
            "harvest_rdf_triples_parsed_total",
            "RDF triples parsed from remote catalogs and item payloads",
        )
        .expect("valid metric");
        r.register(Box::new(rdf_triples_parsed.clone()))
            .expect("unique metric");
        let items_in_flight = IntGauge::new(
            "harvest_items_in_flight",
            "Items being processed by this process",
        )
        .expect("valid metric");
        r.register(Box::new(items_in_flight.clone()))
            .expect("unique metric");
        let sources_failing = IntGauge::new(
            "harvest_sources_failing",
            "Sources whose last jobs failed health.failing_after times or more in a row (scheduler view)",
        )
        .expect("valid metric");
        r.register(Box::new(sources_failing.clone()))
            .expect("unique metric");
        let sources_stale = IntGauge::new(
            "harvest_sources_stale",
            "Scheduled sources without a successful job for health.stale_after_periods schedule periods (scheduler view)",
        )
        .expect("valid metric");
        r.register(Box::new(sources_stale.clone()))
            .expect("unique metric");
        let jobs_running = IntGauge::new(
            "harvest_jobs_running",
            "Jobs not yet finished (scheduler view)",
        )
        .expect("valid metric");
        r.register(Box::new(jobs_running.clone()))
            .expect("unique metric");
        Self {
            build_info: gauge_vec(
                &r,
                "harvest_build_info",
                "Build information (always 1)",
                &["version", "role"],
            ),
            jobs_started: counter_vec(
                &r,
                "harvest_jobs_started_total",
                "Harvest jobs whose gather started",
                &["backend"],
            ),
            jobs_finished: counter_vec(
                &r,
                "harvest_jobs_finished_total",
                "Harvest jobs finished, by final status",
                &["backend", "status"],
            ),
            job_duration: histogram_vec(
                &r,
                "harvest_job_duration_seconds",
                "Wall time of finished harvest jobs",
                &["backend"],
                slow,
            ),
            last_success: gauge_vec(
                &r,
                "harvest_last_success_timestamp_seconds",
                "Unix time of the last job that ended done or done-errors",
                &["backend"],
            ),
            jobs_running,
            items_processed: counter_vec(
                &r,
                "harvest_items_processed_total",
                "Items processed, by outcome",
                &["backend", "outcome"],
            ),
            item_stage_duration: histogram_vec(
                &r,
                "harvest_item_stage_duration_seconds",
                "Duration of item stages",
                &["stage"],
                fast,
            ),
            remote_requests: counter_vec(
                &r,
                "harvest_remote_requests_total",
                "HTTP requests to remote catalogs, by status class",
                &["class"],
            ),
            remote_request_duration,
            rdf_triples_parsed,
            amqp_deliveries: counter_vec(
                &r,
                "harvest_amqp_deliveries_total",
                "AMQP deliveries received",
                &["queue"],
            ),
            amqp_acks: counter_vec(
                &r,
                "harvest_amqp_acks_total",
                "AMQP deliveries acknowledged",
                &["queue"],
            ),
            amqp_nacks: counter_vec(
                &r,
                "harvest_amqp_nacks_total",
                "AMQP deliveries negatively acknowledged (requeued)",
                &["queue"],
            ),
            amqp_redeliveries: counter_vec(
                &r,
                "harvest_amqp_redeliveries_total",
                "AMQP deliveries flagged as redelivered",
                &["queue"],
            ),
            amqp_retries: counter_vec(
                &r,
                "harvest_amqp_retries_total",
                "Messages sent to a delay queue for a later retry",
                &["queue"],
            ),
            amqp_dead_lettered: counter_vec(
                &r,
                "harvest_amqp_dead_lettered_total",
                "Messages rejected to the dead-letter queue",
                &["queue"],
            ),
            handler_panics: counter_vec(
                &r,
                "harvest_handler_panics_total",
                "Deliveries whose handler panicked (nacked back to the queue)",
                &["queue"],
            ),
            items_in_flight,
            queue_messages: gauge_vec(
                &r,
                "harvest_queue_messages",
                "Messages ready in a harvest queue",
                &["queue"],
            ),
            queue_consumers: gauge_vec(
                &r,
                "harvest_queue_consumers",
                "Consumers of a harvest queue",
                &["queue"],
            ),
            sources_failing,
            sources_stale,
            registry: r,
        }
    }

    /// Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        String::from_utf8(buf).unwrap_or_default()
    }

    /// Create every labelled series at zero, so dashboards and alerts see them from the first
    /// scrape (a counter that appears only on its first increment breaks `rate()` and `absent()`).
    pub fn prime(&self, backends: &[&str]) {
        for queue in ["gather", "item", "finalize"] {
            for c in [
                &self.amqp_deliveries,
                &self.amqp_acks,
                &self.amqp_nacks,
                &self.amqp_redeliveries,
                &self.amqp_retries,
                &self.amqp_dead_lettered,
                &self.handler_panics,
            ] {
                c.with_label_values(&[queue]);
            }
        }
        for queue in ["gather", "item", "finalize", "dead"] {
            self.queue_messages.with_label_values(&[queue]);
            self.queue_consumers.with_label_values(&[queue]);
        }
        for backend in backends {
            self.jobs_started.with_label_values(&[backend]);
            self.job_duration.with_label_values(&[backend]);
            for status in ["done", "done-errors", "failed"] {
                self.jobs_finished.with_label_values(&[backend, status]);
            }
            for outcome in ["created", "updated", "skipped", "failed", "archived"] {
                self.items_processed.with_label_values(&[backend, outcome]);
            }
        }
        for stage in ["fetch", "map", "store"] {
            self.item_stage_duration.with_label_values(&[stage]);
        }
        for class in ["2xx", "3xx", "304", "4xx", "5xx", "timeout", "error"] {
            self.remote_requests.with_label_values(&[class]);
        }
    }

    /// Record the process role and version (`harvest_build_info`).
    pub fn set_build_info(&self, role: &str) {
        self.build_info
            .with_label_values(&[env!("CARGO_PKG_VERSION"), role])
            .set(1.0);
    }
}

/// The process-wide metrics.
pub fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

/// Readiness of the process: set by the components it depends on.
#[derive(Clone, Default)]
pub struct Readiness {
    amqp: Arc<AtomicBool>,
    mongo: Arc<AtomicBool>,
    consumers: Arc<AtomicBool>,
}

impl Readiness {
    pub fn set_amqp(&self, ok: bool) {
        self.amqp.store(ok, Ordering::Relaxed);
    }
    pub fn set_mongo(&self, ok: bool) {
        self.mongo.store(ok, Ordering::Relaxed);
    }
    pub fn set_consumers(&self, ok: bool) {
        self.consumers.store(ok, Ordering::Relaxed);
    }
    pub fn is_ready(&self) -> bool {
        self.amqp.load(Ordering::Relaxed)
            && self.mongo.load(Ordering::Relaxed)
            && self.consumers.load(Ordering::Relaxed)
    }
    #[cfg(feature = "services")]
    fn describe(&self) -> String {
        format!(
            "amqp={} mongodb={} consumers={}",
            self.amqp.load(Ordering::Relaxed),
            self.mongo.load(Ordering::Relaxed),
            self.consumers.load(Ordering::Relaxed)
        )
    }
}

/// Routes `/metrics`, `/healthz`, `/readyz`, to mount on any axum server.
#[cfg(feature = "services")]
pub fn router(readiness: Readiness) -> axum::Router {
    use axum::http::StatusCode;
    use axum::routing::get;
    axum::Router::new()
        .route(
            "/metrics",
            get(|| async {
                (
                    [("content-type", "text/plain; version=0.0.4; charset=utf-8")],
                    metrics().render(),
                )
            }),
        )
        .route("/healthz", get(|| async { "ok" }))
        .route(
            "/readyz",
            get(move || {
                let r = readiness.clone();
                async move {
                    if r.is_ready() {
                        (StatusCode::OK, r.describe())
                    } else {
                        (StatusCode::SERVICE_UNAVAILABLE, r.describe())
                    }
                }
            }),
        )
}

/// Serve the metrics and health routes on `bind` until the process ends ("" disables it).
#[cfg(feature = "services")]
pub async fn serve(
    bind: &str,
    readiness: Readiness,
) -> std::io::Result<Option<std::net::SocketAddr>> {
    if bind.is_empty() {
        return Ok(None);
    }
    let listener = tokio::net::TcpListener::bind(bind).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, router(readiness)).await;
    });
    tracing::info!(%addr, "metrics and health listening");
    Ok(Some(addr))
}
