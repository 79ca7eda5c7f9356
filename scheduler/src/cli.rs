//! The operator CLI: every subcommand works directly on MongoDB and RabbitMQ with the same
//! settings as the services, so it needs no running scheduler. `serve` runs the scheduler itself.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args as ClapArgs, Subcommand};
use common::model::{Filter, FilterKind, HarvestJob, JobTrigger, ValidationState};
use common::queue::Broker;
use common::settings::Settings;
use common::shutdown::{self, Shutdown};
use common::storage::Store;
use common::telemetry::{self, Readiness};
use serde_json::json;

use crate::service::{Service, SourceInput, ValidationInput};

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the scheduler: admin API, HTML reports, cron loop, queue metrics.
    Serve,
    /// Manage harvest sources.
    #[command(subcommand)]
    Sources(SourcesCommand),
    /// Start a harvest of a source now.
    Run {
        /// Source id or slug.
        source: String,
        /// Ignore content hashes and HTTP validators for this run.
        #[arg(long)]
        force: bool,
        /// Wait for the job to finish, with a progress bar, then print its report.
        #[arg(long)]
        wait: bool,
        /// Give up waiting after this many seconds.
        #[arg(long, default_value_t = 3600)]
        timeout: u64,
    },
    /// Dry-run a source (saved, or given by --url/--backend): map a few items, write nothing.
    Preview {
        /// Source id or slug (or use --url and --backend).
        source: Option<String>,
        #[arg(long)]
        url: Option<String>,
        #[arg(long)]
        backend: Option<String>,
        #[arg(long)]
        max: Option<usize>,
    },
    /// List recent jobs (of one source with --source).
    Jobs {
        #[arg(long)]
        source: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
    /// Print a job's report (summary, and items with --items).
    Report {
        job: String,
        /// Also list items (optionally of one status with --status).
        #[arg(long)]
        items: bool,
        #[arg(long)]
        status: Option<String>,
        /// Also list the datasets the job created, updated, un-archived or archived, with the
        /// fields an update changed (optionally of one kind with --kind).
        #[arg(long)]
        changes: bool,
        /// created, updated, unarchived or archived (with --changes).
        #[arg(long, requires = "changes")]
        kind: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Inspect and replay dead-lettered messages.
    #[command(subcommand)]
    Dead(DeadCommand),
    /// Run one sweep for stalled jobs now.
    Sweep,
    /// Drop the configured database (demo and local resets only).
    DropDatabase {
        /// Confirm: the whole database named in the settings is deleted.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum SourcesCommand {
    /// List sources.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Register a source (pending validation unless --accept).
    Create(CreateArgs),
    /// Accept or refuse a source.
    Validate {
        source: String,
        #[arg(long, conflicts_with = "refuse")]
        accept: bool,
        #[arg(long)]
        refuse: bool,
        #[arg(long)]
        comment: Option<String>,
        #[arg(long)]
        by: Option<String>,
    },
    /// Soft-delete a source.
    Delete { source: String },
    /// Health of every source, worst first: last status, consecutive failures, stale.
    Health {
        #[arg(long)]
        json: bool,
    },
    /// Webhook subscriptions of a source: notifications of its jobs' ends to its owner.
    #[command(subcommand)]
    Webhooks(WebhooksCommand),
}

#[derive(Subcommand, Debug)]
pub enum WebhooksCommand {
    /// List the subscriptions of a source (secrets are never shown).
    List {
        source: String,
        #[arg(long)]
        json: bool,
    },
    /// Subscribe a URL to events of a source.
    Add {
        source: String,
        #[arg(long)]
        url: String,
        /// failed, done-errors, done or stale (repeatable, or comma-separated).
        #[arg(long = "event", required = true, value_delimiter = ',')]
        events: Vec<String>,
        /// Name of an environment variable holding the signing secret (16 to 256 characters;
        /// read from the environment so that it stays out of the shell history).
        #[arg(long)]
        secret_env: Option<String>,
    },
    /// Delete a subscription.
    Delete { source: String, webhook: String },
    /// Latest deliveries of a source, with each attempt.
    Deliveries {
        source: String,
        #[arg(long, default_value_t = 20)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
}

#[derive(ClapArgs, Debug)]
pub struct CreateArgs {
    #[arg(long)]
    name: String,
    #[arg(long)]
    url: String,
    #[arg(long)]
    backend: String,
    #[arg(long)]
    description: Option<String>,
    /// Cron expression (UTC) or "manual".
    #[arg(long)]
    schedule: Option<String>,
    /// Include filter key=value (repeatable).
    #[arg(long = "include")]
    include: Vec<String>,
    /// Exclude filter key=value (repeatable).
    #[arg(long = "exclude")]
    exclude: Vec<String>,
    /// Enable a backend feature (repeatable).
    #[arg(long = "feature")]
    features: Vec<String>,
    #[arg(long)]
    organization: Option<String>,
    #[arg(long)]
    inactive: bool,
    #[arg(long)]
    no_autoarchive: bool,
    /// Accept the source right away (operator shortcut).
    #[arg(long)]
    accept: bool,
    /// Reuse an existing source with the same name instead of failing.
    #[arg(long)]
    if_missing: bool,
}

#[derive(Subcommand, Debug)]
pub enum DeadCommand {
    List {
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    Replay {
        #[arg(long, default_value_t = 1000)]
        limit: usize,
    },
}

async fn service(settings: Settings, broker: &Arc<Broker>) -> anyhow::Result<Service> {
    let store = Store::connect(&settings.mongodb).await?;
    store.ensure_indexes().await.context("preparing MongoDB")?;
    Ok(Service::new(settings, store, broker.clone()))
}

pub async fn execute(settings: Settings, command: Command) -> anyhow::Result<()> {
    let broker = Broker::new(&settings.amqp);
    let result = dispatch(settings, command, &broker).await;
    // Close the AMQP connection while the runtime still runs: dropped at exit, lapin's I/O loop
    // would log errors about a runtime being shut down.
    broker.close().await;
    result
}

async fn dispatch(
    settings: Settings,
    command: Command,
    broker: &Arc<Broker>,
) -> anyhow::Result<()> {
    match command {
        Command::Serve => serve(settings).await,
        Command::Sources(cmd) => sources(service(settings, broker).await?, cmd).await,
        Command::Run {
            source,
            force,
            wait,
            timeout,
        } => {
            let svc = service(settings, broker).await?;
            let job = svc.run_source(&source, JobTrigger::Manual, force).await?;
            println!("job {} started for source {source}", job.id);
            if wait {
                let job = wait_for(&svc, job.id, Duration::from_secs(timeout)).await?;
                print_report(&svc, &job, false, None).await?;
                if job.status == common::model::JobStatus::Failed {
                    anyhow::bail!("job {} failed", job.id);
                }
            }
            Ok(())
        }
        Command::Preview {
            source,
            url,
            backend,
            max,
        } => {
            let svc = service(settings, broker).await?;
            let src = match (source, url, backend) {
                (Some(s), _, _) => svc.store.find_source(&s).await?,
                (None, Some(url), Some(backend)) => crate::api::unsaved_source(&url, &backend),
                _ => anyhow::bail!("give a source, or --url and --backend"),
            };
            let p = svc.preview(&src, max).await?;
            println!("{}", serde_json::to_string_pretty(&p)?);
            Ok(())
        }
        Command::Jobs { source, limit } => {
            let svc = service(settings, broker).await?;
            let jobs = match source {
                Some(s) => {
                    let src = svc.store.find_source(&s).await?;
                    svc.store.jobs_of_source(src.id, limit).await?
                }
                None => svc.store.recent_jobs(limit).await?,
            };
            for j in jobs {
                let c = j.counters;
                println!(
                    "{}  {:<12} source={}  total={} created={} updated={} skipped={} failed={} archived={}",
                    j.id, j.status, j.source, c.total, c.created, c.updated, c.skipped, c.failed, c.archived
                );
            }
            Ok(())
        }
        Command::Report {
            job,
            items,
            status,
            changes,
            kind,
            json,
        } => {
            let svc = service(settings, broker).await?;
            let id = bson::oid::ObjectId::parse_str(&job).context("job id")?;
            let job = svc.store.get_job(id).await?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&common::json::to_plain(&job))?
                );
                return Ok(());
            }
            print_report(&svc, &job, items, status.as_deref()).await?;
            if changes {
                let kind = crate::changes::parse_kind(kind.as_deref())
                    .map_err(|e| anyhow::anyhow!(e.message))?;
                let counts = svc.store.change_counts(job.id).await?;
                let list = svc.store.job_changes(job.id, kind, 0, 100_000).await?;
                print!("{}", crate::changes::render_text(&counts, &list));
            }
            Ok(())
        }
        Command::Dead(cmd) => {
            let svc = service(settings, broker).await?;
            match cmd {
                DeadCommand::List { limit } => {
                    let letters = crate::deadletters::list(&svc.broker, limit).await?;
                    println!("{}", serde_json::to_string_pretty(&letters)?);
                }
                DeadCommand::Replay { limit } => {
                    let n = crate::deadletters::replay(&svc.broker, limit).await?;
                    println!("{n} message(s) replayed");
                }
            }
            Ok(())
        }
        Command::DropDatabase { yes } => {
            if !yes {
                anyhow::bail!(
                    "refusing to drop database {} without --yes",
                    settings.mongodb.database
                );
            }
            let store = Store::connect(&settings.mongodb).await?;
            store.drop_database().await?;
            println!("database {} dropped", settings.mongodb.database);
            Ok(())
        }
        Command::Sweep => {
            let (_t, shutdown) = shutdown::channel();
            worker::sweep_once(settings, &shutdown).await?;
            println!("sweep done");
            Ok(())
        }
    }
}

async fn sources(svc: Service, cmd: SourcesCommand) -> anyhow::Result<()> {
    match cmd {
        SourcesCommand::List { json } => {
            let list = svc.store.list_sources(false).await?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&common::json::to_plain(&list))?
                );
            } else {
                for s in list {
                    println!(
                        "{}  {:<30} {:<6} {:<9} active={} {}",
                        s.id,
                        s.slug,
                        s.backend,
                        s.validation.state.as_str(),
                        s.active,
                        s.url
                    );
                }
            }
            Ok(())
        }
        SourcesCommand::Create(args) => {
            if args.if_missing {
                if let Some(existing) = svc
                    .store
                    .list_sources(false)
                    .await?
                    .into_iter()
                    .find(|s| s.name == args.name)
                {
                    println!("{}", existing.id);
                    return Ok(());
                }
            }
            let mut filters = Vec::new();
            for (list, kind) in [
                (&args.include, FilterKind::Include),
                (&args.exclude, FilterKind::Exclude),
            ] {
                for f in list {
                    let (k, v) = f
                        .split_once('=')
                        .with_context(|| format!("filter {f:?} must be key=value"))?;
                    filters.push(Filter {
                        key: k.into(),
                        value: json!(v),
                        kind,
                    });
                }
            }
            let features: BTreeMap<String, bool> =
                args.features.iter().map(|f| (f.clone(), true)).collect();
            let input = SourceInput {
                name: Some(args.name),
                description: args.description,
                url: Some(args.url),
                backend: Some(args.backend),
                organization: args.organization,
                active: Some(!args.inactive),
                autoarchive: Some(!args.no_autoarchive),
                schedule: args.schedule,
                filters: Some(filters),
                features: Some(features),
                ..Default::default()
            };
            let source = svc.create_source(input).await?;
            if args.accept {
                svc.validate_source(
                    &source.id.to_hex(),
                    ValidationInput {
                        state: ValidationState::Accepted,
                        comment: Some("accepted from the CLI".into()),
                        by: None,
                    },
                )
                .await?;
            }
            println!("{}", source.id);
            Ok(())
        }
        SourcesCommand::Validate {
            source,
            accept,
            refuse,
            comment,
            by,
        } => {
            let state = match (accept, refuse) {
                (true, _) => ValidationState::Accepted,
                (_, true) => ValidationState::Refused,
                _ => anyhow::bail!("say --accept or --refuse"),
            };
            let s = svc
                .validate_source(&source, ValidationInput { state, comment, by })
                .await?;
            println!("{} is now {}", s.slug, s.validation.state.as_str());
            Ok(())
        }
        SourcesCommand::Delete { source } => {
            let s = svc.delete_source(&source).await?;
            println!("{} deleted", s.slug);
            Ok(())
        }
        SourcesCommand::Health { json } => {
            let all = crate::health::all(&svc, chrono::Utc::now()).await?;
            if json {
                let list: Vec<serde_json::Value> = all
                    .iter()
                    .map(|h| crate::health::to_json(h, None))
                    .collect();
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                print!("{}", crate::health::render_table(&all));
            }
            Ok(())
        }
        SourcesCommand::Webhooks(cmd) => webhooks(svc, cmd).await,
    }
}

async fn webhooks(svc: Service, cmd: WebhooksCommand) -> anyhow::Result<()> {
    use crate::webhooks::{delivery_view, webhook_view, WebhookInput};
    match cmd {
        WebhooksCommand::List { source, json } => {
            let hooks = svc.list_webhooks(&source).await?;
            if json {
                let views: Vec<_> = hooks.iter().map(webhook_view).collect();
                println!("{}", serde_json::to_string_pretty(&views)?);
            } else {
                for h in hooks {
                    let events: Vec<&str> = h.events.iter().map(|e| e.as_str()).collect();
                    let signed = h.secret.as_deref().is_some_and(|s| !s.is_empty());
                    println!(
                        "{}  {:<28} signed={} {}",
                        h.id,
                        events.join(","),
                        if signed { "yes" } else { "no" },
                        h.url
                    );
                }
            }
            Ok(())
        }
        WebhooksCommand::Add {
            source,
            url,
            events,
            secret_env,
        } => {
            let secret = match secret_env {
                Some(name) => Some(std::env::var(&name).with_context(|| {
                    format!("--secret-env {name}: no such environment variable")
                })?),
                None => None,
            };
            let hook = svc
                .add_webhook(
                    &source,
                    WebhookInput {
                        url,
                        events,
                        secret,
                    },
                )
                .await?;
            println!("{}", hook.id);
            Ok(())
        }
        WebhooksCommand::Delete { source, webhook } => {
            svc.delete_webhook(&source, &webhook).await?;
            println!("webhook {webhook} deleted");
            Ok(())
        }
        WebhooksCommand::Deliveries {
            source,
            limit,
            json,
        } => {
            let deliveries = svc.webhook_deliveries(&source, limit.clamp(1, 500)).await?;
            if json {
                let views: Vec<_> = deliveries.iter().map(delivery_view).collect();
                println!("{}", serde_json::to_string_pretty(&views)?);
                return Ok(());
            }
            for d in deliveries {
                println!(
                    "{}  {}  {:<11} {:<9} job={} {}",
                    d.id,
                    d.created.to_chrono().format("%Y-%m-%d %H:%M:%S"),
                    d.event.as_str(),
                    d.status.as_str(),
                    d.job.map(|j| j.to_hex()).unwrap_or_else(|| "-".into()),
                    d.url
                );
                for a in &d.attempts {
                    println!(
                        "    {} {:>6} ms  {}",
                        a.at.to_chrono().format("%H:%M:%S"),
                        a.duration_ms,
                        crate::webhooks::attempt_outcome(a)
                    );
                }
            }
            Ok(())
        }
    }
}

/// Poll a job until it ends, showing items done / total.
async fn wait_for(
    svc: &Service,
    id: bson::oid::ObjectId,
    timeout: Duration,
) -> anyhow::Result<HarvestJob> {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {msg:<12} [{bar:40}] {pos}/{len} items ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let job = svc.store.get_job(id).await?;
        bar.set_length(job.counters.total.max(0) as u64);
        bar.set_position(job.counters.done.max(0) as u64);
        bar.set_message(job.status.to_string());
        if job.status.is_final() {
            bar.finish_and_clear();
            return Ok(job);
        }
        if tokio::time::Instant::now() > deadline {
            bar.abandon();
            anyhow::bail!("job {id} still {} after {}s", job.status, timeout.as_secs());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn print_report(
    svc: &Service,
    job: &HarvestJob,
    items: bool,
    status: Option<&str>,
) -> anyhow::Result<()> {
    let source = svc.store.get_source(job.source).await?;
    let c = job.counters;
    let duration = match (job.started, job.ended) {
        (Some(s), Some(e)) => format!(
            "{:.1}s",
            (e.timestamp_millis() - s.timestamp_millis()) as f64 / 1000.0
        ),
        _ => "-".into(),
    };
    println!("Harvest job {}", job.id);
    println!(
        "  source    {} ({}, {})",
        source.name, source.backend, source.url
    );
    println!("  status    {}", job.status);
    println!("  duration  {duration}");
    println!(
        "  items     total={} created={} updated={} skipped={} failed={} archived={}",
        c.total, c.created, c.updated, c.skipped, c.failed, c.archived
    );
    for e in &job.errors {
        println!("  error     {}", e.message);
    }
    if let Ok(archive) = job.data.get_document("archive") {
        if let Ok(reason) = archive
            .get_str("refused")
            .or_else(|_| archive.get_str("skipped"))
        {
            println!("  archive   {reason}");
        }
    }
    if items {
        for item in svc.store.job_items(job.id, status, 0, 10_000).await? {
            let first_error = item
                .errors
                .first()
                .map(|e| e.message.as_str())
                .unwrap_or("");
            println!(
                "  - {:<8} {} {}{}",
                item.status.as_str(),
                item.remote_id,
                item.dataset
                    .map(|d| format!("dataset={d} "))
                    .unwrap_or_default(),
                first_error
            );
        }
    }
    Ok(())
}

/// Run the scheduler process until SIGTERM.
async fn serve(settings: Settings) -> anyhow::Result<()> {
    let (trigger, shutdown) = shutdown::channel();
    shutdown::on_signals(trigger);
    serve_until(settings, shutdown).await
}

/// The scheduler's services, stopping when `shutdown` fires (tests run it in-process).
pub async fn serve_until(settings: Settings, mut shutdown: Shutdown) -> anyhow::Result<()> {
    let readiness = Readiness::default();
    telemetry::metrics().set_build_info("scheduler");
    telemetry::metrics().prime(&backends::names());
    telemetry::serve(&settings.metrics.bind, readiness.clone()).await?;
    let store = Store::open(&settings.mongodb, &shutdown).await?;
    readiness.set_mongo(true);
    let broker = Broker::new(&settings.amqp);
    match broker.publisher().await {
        Ok(_) => readiness.set_amqp(true),
        Err(e) => tracing::warn!(error = %e, "RabbitMQ not reachable yet"),
    }
    readiness.set_consumers(true);
    let svc = Service::new(settings.clone(), store, broker);
    let listener = tokio::net::TcpListener::bind(&settings.api.bind)
        .await
        .with_context(|| format!("binding the API on {}", settings.api.bind))?;
    tracing::info!(addr = %listener.local_addr()?, "admin API listening");
    let app = crate::api::router(svc.clone());
    let mut api_shutdown = shutdown.clone();
    let api = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move { api_shutdown.wait().await })
            .await
    });
    let cron = tokio::spawn(crate::cron::run(svc.clone(), shutdown.clone()));
    let polls = tokio::spawn(crate::queues::run(svc.clone(), shutdown.clone()));
    shutdown.wait().await;
    let _ = tokio::join!(api, cron, polls);
    tracing::info!("scheduler stopped");
    Ok(())
}
