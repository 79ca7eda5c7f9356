//! Typed settings of every process, loaded with the `config` crate from built-in defaults, an
//! optional TOML file (`--config path`) and environment variables prefixed `HARVEST__`, with `__`
//! between levels: `HARVEST__AMQP__URL`, `HARVEST__MONGODB__URI`, `HARVEST__API__TOKENS=a,b`.

use serde::{Deserialize, Serialize};
use std::path::Path;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub amqp: AmqpSettings,
    pub mongodb: MongoSettings,
    pub http: HttpSettings,
    pub harvest: HarvestSettings,
    pub api: ApiSettings,
    pub metrics: MetricsSettings,
    pub log: LogSettings,
    pub worker: WorkerSettings,
    pub health: HealthSettings,
    pub notify: NotifySettings,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct AmqpSettings {
    pub url: String,
    /// Prefix of every exchange and queue name (isolates tests and environments on one vhost).
    pub prefix: String,
    /// Unacked deliveries per consumer (item consumer concurrency).
    pub prefetch: u16,
    /// Deliveries of one message before RabbitMQ dead-letters it (quorum `x-delivery-limit`).
    pub delivery_limit: u32,
    /// Delays of the retry queues, in milliseconds; attempt N waits `retry_delays_ms[N-1]` (the
    /// last one repeats).
    pub retry_delays_ms: Vec<u64>,
    /// Largest message body published, in bytes (RabbitMQ's own limit is far above).
    pub max_message_bytes: usize,
    /// Delays between two attempts of a webhook delivery, in milliseconds: attempt N+1 waits
    /// `notify_retry_delays_ms[N-1]` (the last one repeats). Each is a delay queue
    /// `retry.notify.<ms>`, declared with the rest of the topology from these settings.
    pub notify_retry_delays_ms: Vec<u64>,
}

impl Default for AmqpSettings {
    fn default() -> Self {
        Self {
            url: "amqp://guest:guest@127.0.0.1:5672/%2f".into(),
            prefix: "harvest.".into(),
            prefetch: 64,
            delivery_limit: 5,
            retry_delays_ms: vec![2_000, 15_000, 60_000],
            max_message_bytes: 8 * 1024 * 1024,
            notify_retry_delays_ms: vec![30_000, 120_000, 600_000, 1_800_000, 3_600_000],
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct MongoSettings {
    pub uri: String,
    pub database: String,
}

impl Default for MongoSettings {
    fn default() -> Self {
        Self {
            uri: "mongodb://127.0.0.1:27017".into(),
            database: "udata".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpSettings {
    pub user_agent: String,
    pub connect_timeout_secs: u64,
    /// Whole request, body included: a remote sending one byte a second is cut here.
    pub request_timeout_secs: u64,
    /// No byte received for this long ends a request (a remote that never answers).
    pub idle_timeout_secs: u64,
    /// All attempts of one catalog page, or of one item's fetch, end within this time: a slow or
    /// silent remote ends its page or item with a clear error instead of holding a slot for
    /// attempts × timeout.
    pub fetch_budget_secs: u64,
    /// Largest response body accepted, after decompression.
    pub max_body_bytes: usize,
    pub max_redirects: usize,
    /// Concurrent requests to one remote host, across all jobs of a worker.
    pub per_host_concurrency: usize,
    /// Requests per second to one remote host (0 = unlimited).
    pub per_host_rps: f64,
    /// Attempts of one catalog page fetch in gather before the job fails.
    pub page_attempts: u32,
    /// Hosts (`name`, `name:port`, `ip`, `ip:port`) allowed even if they resolve to private,
    /// loopback or link-local addresses: intranet catalogs, and the tests' local servers.
    pub allow_hosts: Vec<String>,
    /// Disable the SSRF guard entirely (local demos only).
    pub allow_private: bool,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            user_agent: concat!(
                "udata-harvester/",
                env!("CARGO_PKG_VERSION"),
                " (+https://github.com/opendatateam/udata)"
            )
            .into(),
            connect_timeout_secs: 10,
            request_timeout_secs: 60,
            idle_timeout_secs: 30,
            fetch_budget_secs: 100,
            max_body_bytes: 64 * 1024 * 1024,
            max_redirects: 5,
            per_host_concurrency: 8,
            per_host_rps: 0.0,
            page_attempts: 3,
            allow_hosts: Vec::new(),
            allow_private: false,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct HarvestSettings {
    /// Max items per job (udata's HARVEST_MAX_ITEMS); 0 = unlimited.
    pub max_items: usize,
    pub max_pages: usize,
    /// Items of one job queued or in flight at a time: the fairness window.
    pub job_window: usize,
    /// Items per item message: they are processed together and their writes batched (one
    /// round trip per collection instead of one per item).
    pub item_batch: usize,
    /// Datasets not seen for this long are archived (spec: 7 days).
    pub archive_grace_days: i64,
    /// Above this share of the source's datasets, a job archives nothing and says why.
    pub archive_max_share: f64,
    /// A processing job with no item progress for this long is finalized by the sweeper.
    pub stall_timeout_secs: u64,
    /// Before finalizing a stalled job, its open items are re-published once after this long.
    pub stall_requeue_secs: u64,
    /// Jobs kept per source (older ones are purged with their items).
    pub keep_jobs: usize,
    /// Every N runs of a source, ignore validators and content hashes (0 = never).
    pub full_refresh_every: i64,
    /// Items processed concurrently by one preview.
    pub preview_items: usize,
    /// Attempts of one item against transient remote errors before it is failed.
    pub item_attempts: u32,
}

impl Default for HarvestSettings {
    fn default() -> Self {
        Self {
            max_items: 0,
            max_pages: 10_000,
            job_window: 500,
            item_batch: 16,
            archive_grace_days: 7,
            archive_max_share: 0.5,
            stall_timeout_secs: 3_600,
            stall_requeue_secs: 300,
            keep_jobs: 20,
            full_refresh_every: 0,
            preview_items: 20,
            item_attempts: 4,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ApiSettings {
    pub bind: String,
    /// Bearer tokens accepted for write endpoints.
    pub tokens: Vec<String>,
    /// Whether GET endpoints answer without a token.
    pub public_reads: bool,
    /// Seconds between two evaluations of the cron schedules.
    pub tick_secs: u64,
    /// Cron used when a source has none: nightly.
    pub default_schedule: String,
    /// Public base URL of the scheduler's HTML reports (e.g. `https://harvest.example.org`):
    /// notifications link to `<public_url>/admin/jobs/<id>`. Empty: no link is sent.
    pub public_url: String,
}

impl Default for ApiSettings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            tokens: Vec::new(),
            public_reads: true,
            tick_secs: 15,
            default_schedule: "0 2 * * *".into(),
            public_url: String::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct MetricsSettings {
    /// Address of the `/metrics`, `/healthz`, `/readyz` listener ("" disables it).
    pub bind: String,
}

impl Default for MetricsSettings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:9464".into(),
        }
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One JSON object per line, for log collectors (the default).
    Json,
    /// Plain text, for people at a terminal.
    Human,
}

/// The work queues, and the consumers a worker process runs (`worker.roles`: the three harvest
/// roles; `notify`, the webhook deliveries, is consumed by the processes that run `finalize`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Gather,
    Item,
    Finalize,
    /// Webhook deliveries to source owners (not a worker role of its own).
    Notify,
}

impl Role {
    /// Every queue.
    pub const ALL: [Role; 4] = [Role::Gather, Role::Item, Role::Finalize, Role::Notify];
    /// The roles a worker process may be given (`worker.roles`).
    pub const WORKER: [Role; 3] = [Role::Gather, Role::Item, Role::Finalize];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Gather => "gather",
            Role::Item => "item",
            Role::Finalize => "finalize",
            Role::Notify => "notify",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Role::parse(s)
            .ok_or_else(|| format!("unknown role {s:?}: roles are gather, item and finalize"))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct LogSettings {
    /// `json` (default, for log collectors) or `human`.
    pub format: LogFormat,
    /// An `EnvFilter` directive; `RUST_LOG` wins when set.
    pub level: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            format: LogFormat::Json,
            level: "info".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkerSettings {
    /// Consumers this process runs: any of `gather`, `item`, `finalize`.
    pub roles: Vec<Role>,
    /// On SIGTERM, time given to in-flight items before they are requeued.
    pub shutdown_grace_secs: u64,
    /// Seconds between two sweeps for stalled jobs (0 = no sweeper in this process).
    pub sweep_secs: u64,
    /// Catalog listings (gathers) this process runs at once. Each holds a catalog page, its
    /// parsed graph and up to three batches of listed items (a few tens of MB): this bounds the
    /// worker's memory, while more replicas list more catalogs at once.
    pub gathers: u16,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            roles: Role::WORKER.to_vec(),
            shutdown_grace_secs: 25,
            sweep_secs: 30,
            gathers: 2,
        }
    }
}

/// When a source counts as unhealthy (`sources health`, the API, the source page and the
/// `harvest_sources_failing` / `harvest_sources_stale` gauges).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct HealthSettings {
    /// A scheduled source with no successful job (done or done-errors) for this many periods of
    /// its schedule is stale (with the default nightly schedule, 3 = three days).
    pub stale_after_periods: f64,
    /// A source whose last jobs failed this many times in a row counts as failing.
    pub failing_after: u32,
}

impl Default for HealthSettings {
    fn default() -> Self {
        Self {
            stale_after_periods: 3.0,
            failing_after: 3,
        }
    }
}

/// Notifications to source owners (webhooks): how hard a delivery is tried. The delays between
/// attempts are `amqp.notify_retry_delays_ms` (delay queues belong to the topology).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct NotifySettings {
    /// Attempts of one delivery (the first included) before it is given up and recorded so.
    pub attempts: u32,
    /// Whole-request timeout of one webhook POST.
    pub timeout_secs: u64,
    /// Deliveries kept per source (the oldest are deleted beyond this).
    pub keep_deliveries: usize,
}

impl Default for NotifySettings {
    fn default() -> Self {
        Self {
            attempts: 6,
            timeout_secs: 10,
            keep_deliveries: 200,
        }
    }
}

impl Settings {
    /// Defaults, then the optional file, then `HARVEST__*` environment variables.
    pub fn load(file: Option<&Path>) -> Result<Self> {
        let mut builder = config::Config::builder();
        if let Some(path) = file {
            builder = builder.add_source(config::File::from(path).required(true));
        }
        builder = builder.add_source(
            config::Environment::with_prefix("HARVEST")
                .prefix_separator("__")
                .separator("__")
                .list_separator(",")
                .with_list_parse_key("api.tokens")
                .with_list_parse_key("http.allow_hosts")
                .with_list_parse_key("worker.roles")
                .with_list_parse_key("amqp.retry_delays_ms")
                .with_list_parse_key("amqp.notify_retry_delays_ms")
                .try_parsing(true),
        );
        let settings: Settings = builder
            .build()
            .and_then(|c| c.try_deserialize())
            .map_err(|e| Error::Config(e.to_string()))?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks that catch a misconfiguration at start-up rather than mid-harvest.
    pub fn validate(&self) -> Result<()> {
        let fail = |key: &str, why: &str| Err(Error::Config(format!("{key}: {why}")));
        if self.amqp.prefetch == 0 {
            return fail("amqp.prefetch", "must be at least 1");
        }
        if self.amqp.retry_delays_ms.is_empty() {
            return fail("amqp.retry_delays_ms", "needs at least one delay");
        }
        if self.amqp.notify_retry_delays_ms.is_empty()
            || self.amqp.notify_retry_delays_ms.contains(&0)
        {
            return fail(
                "amqp.notify_retry_delays_ms",
                "needs at least one delay, none of them 0",
            );
        }
        if !(1..=50).contains(&self.notify.attempts) {
            return fail("notify.attempts", "must be between 1 and 50");
        }
        if !(1..=300).contains(&self.notify.timeout_secs) {
            return fail("notify.timeout_secs", "must be between 1 and 300");
        }
        if self.notify.keep_deliveries == 0 {
            return fail("notify.keep_deliveries", "must be at least 1");
        }
        let public_url = self.api.public_url.trim();
        if !public_url.is_empty()
            && !url::Url::parse(public_url)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        {
            return fail("api.public_url", "must be an http or https URL (or empty)");
        }
        if !(1..=500).contains(&self.harvest.item_batch) {
            return fail("harvest.item_batch", "must be between 1 and 500");
        }
        if self.harvest.job_window == 0 {
            return fail("harvest.job_window", "must be at least 1");
        }
        if !(0.0..=1.0).contains(&self.harvest.archive_max_share) {
            return fail("harvest.archive_max_share", "must be between 0 and 1");
        }
        if self.http.per_host_concurrency == 0 {
            return fail("http.per_host_concurrency", "must be at least 1");
        }
        if self.http.idle_timeout_secs == 0 || self.http.request_timeout_secs == 0 {
            return fail(
                "http.idle_timeout_secs",
                "timeouts must be at least 1 second",
            );
        }
        if self.http.fetch_budget_secs < self.http.idle_timeout_secs {
            return fail(
                "http.fetch_budget_secs",
                "must be at least http.idle_timeout_secs (one attempt must fit)",
            );
        }
        if !(1.0..=1000.0).contains(&self.health.stale_after_periods) {
            return fail(
                "health.stale_after_periods",
                "must be between 1 and 1000 (schedule periods)",
            );
        }
        if self.health.failing_after == 0 {
            return fail("health.failing_after", "must be at least 1");
        }
        if !(1..=32).contains(&self.worker.gathers) {
            return fail("worker.gathers", "must be between 1 and 32");
        }
        if self.worker.roles.is_empty() {
            return fail(
                "worker.roles",
                "needs at least one of gather, item, finalize",
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        Settings::default().validate().unwrap();
    }

    #[test]
    fn file_then_env_override() {
        let dir = std::env::temp_dir().join(format!("harvest-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("h.toml");
        std::fs::write(
            &path,
            "[mongodb]\ndatabase = \"fromfile\"\n[harvest]\njob_window = 7\n",
        )
        .unwrap();
        let s = Settings::load(Some(&path)).unwrap();
        assert_eq!(s.mongodb.database, "fromfile");
        assert_eq!(s.harvest.job_window, 7);
        assert_eq!(s.amqp.prefetch, 64);
    }

    #[test]
    fn invalid_values_name_the_key() {
        let mut s = Settings::default();
        s.harvest.archive_max_share = 2.0;
        let err = s.validate().unwrap_err().to_string();
        assert!(err.contains("harvest.archive_max_share"), "{err}");
    }

    #[test]
    fn roles_and_log_format_are_typed_at_load() {
        let dir = std::env::temp_dir().join(format!("harvest-typed-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("h.toml");
        std::fs::write(
            &path,
            "[worker]\nroles = [\"item\"]\n[log]\nformat = \"human\"\n",
        )
        .unwrap();
        let s = Settings::load(Some(&path)).unwrap();
        assert_eq!(s.worker.roles, [Role::Item]);
        assert_eq!(s.log.format, LogFormat::Human);

        std::fs::write(&path, "[worker]\nroles = [\"item\", \"gatherer\"]\n").unwrap();
        let err = Settings::load(Some(&path)).unwrap_err().to_string();
        assert!(
            err.contains("worker.roles") && err.contains("gatherer"),
            "{err}"
        );
        std::fs::write(&path, "[log]\nformat = \"xml\"\n").unwrap();
        let err = Settings::load(Some(&path)).unwrap_err().to_string();
        assert!(err.contains("log.format") && err.contains("xml"), "{err}");
    }
}
