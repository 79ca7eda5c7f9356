//! The scheduler's operations on sources and jobs, shared by the HTTP API, the CLI and the cron
//! loop: validated source creation and edits, the validation workflow, and run requests (one
//! running job per source, enforced by the source's run lock in MongoDB).
//!
//! Rule for edits: changing the URL or the backend of an accepted source sends it back to
//! `pending`; it is not scheduled again until an operator re-accepts it, so a reviewed source
//! never silently starts harvesting an unreviewed target.

use std::sync::Arc;

use bson::oid::ObjectId;
use common::messages::{encode, GatherMessage};
use common::model::{Filter, HarvestJob, HarvestSource, JobTrigger, Validation, ValidationState};
use common::queue::{Broker, Role};
use common::settings::Settings;
use common::storage::Store;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::cron;

/// An error of an operation, mapped to an HTTP status by the API.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("invalid {field}: {reason}")]
    Invalid { field: String, reason: String },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Internal(String),
    /// The remote catalog failed or answered too slowly (a preview).
    #[error("{0}")]
    Remote(String),
    #[error("{0}")]
    Timeout(String),
}

impl ServiceError {
    pub fn invalid(field: &str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.to_owned(),
            reason: reason.into(),
        }
    }
}

impl From<common::Error> for ServiceError {
    fn from(e: common::Error) -> Self {
        match e {
            common::Error::NotFound { .. } => Self::NotFound(e.to_string()),
            common::Error::Conflict(m) => Self::Conflict(m),
            other => Self::Internal(other.to_string()),
        }
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;

/// The fields of the source form (spec: owner, name, description, URL, implementation, active,
/// filters, plus schedule, autoarchive and backend options). Every field is optional in an
/// update; `name`, `url` and `backend` are required on creation.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub url: Option<String>,
    pub backend: Option<String>,
    pub owner: Option<String>,
    pub organization: Option<String>,
    pub active: Option<bool>,
    pub autoarchive: Option<bool>,
    pub schedule: Option<String>,
    pub filters: Option<Vec<Filter>>,
    pub features: Option<BTreeMap<String, bool>>,
    pub extra_configs: Option<Vec<common::model::source::ExtraConfig>>,
}

/// A validation decision.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ValidationInput {
    pub state: ValidationState,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub by: Option<String>,
}

/// Scheduler operations.
#[derive(Clone)]
pub struct Service {
    pub settings: Arc<Settings>,
    pub store: Store,
    pub broker: Arc<Broker>,
}

impl Service {
    pub fn new(settings: Settings, store: Store, broker: Arc<Broker>) -> Self {
        Self {
            settings: Arc::new(settings),
            store,
            broker,
        }
    }

    pub async fn create_source(&self, input: SourceInput) -> ServiceResult<HarvestSource> {
        let name = required(input.name.as_deref(), "name")?;
        let url = required(input.url.as_deref(), "url")?;
        let backend = required(input.backend.as_deref(), "backend")?;
        let now = bson::DateTime::now();
        let mut source = HarvestSource::new(name, url, backend, now);
        source.last_modified = Some(now);
        apply(&mut source, input)?;
        source.slug = self.free_slug(&source.name, None).await?;
        source.next_run_at = None;
        self.store.insert_source(&source).await?;
        Ok(source)
    }

    pub async fn update_source(
        &self,
        id: &str,
        input: SourceInput,
    ) -> ServiceResult<HarvestSource> {
        let mut source = self.store.find_source(id).await?;
        if source.deleted.is_some() {
            return Err(ServiceError::NotFound(format!(
                "harvest source {id} was deleted"
            )));
        }
        let (old_url, old_backend, old_schedule) = (
            source.url.clone(),
            source.backend.clone(),
            source.schedule.clone(),
        );
        let renamed = input.name.as_deref().is_some_and(|n| n != source.name);
        apply(&mut source, input)?;
        if renamed {
            source.slug = self.free_slug(&source.name, Some(source.id)).await?;
        }
        if (source.url != old_url || source.backend != old_backend)
            && source.validation.state == ValidationState::Accepted
        {
            source.validation = Validation {
                state: ValidationState::Pending,
                by: None,
                on: Some(bson::DateTime::now()),
                comment: Some(format!(
                    "URL or backend changed (was {old_backend} {old_url}): validation required again"
                )),
            };
        }
        if source.schedule != old_schedule {
            source.next_run_at = None; // recomputed by the cron loop
        }
        source.last_modified = Some(bson::DateTime::now());
        self.store.replace_source(&source).await?;
        Ok(source)
    }

    pub async fn delete_source(&self, id: &str) -> ServiceResult<HarvestSource> {
        let mut source = self.store.find_source(id).await?;
        source.deleted.get_or_insert_with(bson::DateTime::now);
        source.active = false;
        self.store.replace_source(&source).await?;
        Ok(source)
    }

    pub async fn validate_source(
        &self,
        id: &str,
        input: ValidationInput,
    ) -> ServiceResult<HarvestSource> {
        let mut source = self.store.find_source(id).await?;
        if input.state == ValidationState::Refused
            && input
                .comment
                .as_deref()
                .map(str::trim)
                .unwrap_or("")
                .is_empty()
        {
            return Err(ServiceError::invalid(
                "comment",
                "a comment is required to refuse a source",
            ));
        }
        source.validation = Validation {
            state: input.state,
            by: input.by,
            on: Some(bson::DateTime::now()),
            comment: input.comment,
        };
        source.next_run_at = None;
        self.store.replace_source(&source).await?;
        Ok(source)
    }

    /// Start a job for a source now. Answers `Conflict` while another job of it runs.
    pub async fn run_source(
        &self,
        id: &str,
        trigger: JobTrigger,
        force: bool,
    ) -> ServiceResult<HarvestJob> {
        let source = self.store.find_source(id).await?;
        if source.deleted.is_some() {
            return Err(ServiceError::NotFound(format!(
                "harvest source {id} was deleted"
            )));
        }
        if source.validation.state != ValidationState::Accepted {
            return Err(ServiceError::Conflict(format!(
                "source {} is {}: only accepted sources are harvested (use preview to try it)",
                source.slug,
                source.validation.state.as_str()
            )));
        }
        let runs = self.store.bump_runs(source.id).await?;
        let every = self.settings.harvest.full_refresh_every;
        let periodic_refresh = every > 0 && runs % every == 0;
        let force = force || periodic_refresh || source.feature("force_refresh");
        let job = HarvestJob::new(source.id, trigger, force);
        self.store.create_job(&job).await?;
        let body = encode(&GatherMessage::new(job.id, source.id)).map_err(ServiceError::from)?;
        if let Err(e) = self.broker.publish(Role::Gather, &body).await {
            // The job stays pending; the sweeper publishes its gather again.
            tracing::warn!(job = %job.id, error = %e, "gather message not published yet");
        }
        tracing::info!(job = %job.id, source = %source.slug, ?trigger, force, "job created");
        Ok(job)
    }

    /// Dry-run `source` (saved or not): list and map at most `max` items (default: the
    /// `harvest.preview_items` setting) with the licences udata holds, write nothing. The API and
    /// the CLI both preview through here.
    pub async fn preview(
        &self,
        source: &HarvestSource,
        max: Option<usize>,
    ) -> ServiceResult<backends::Preview> {
        let settings = &self.settings;
        let fetcher = backends::fetch::Fetcher::new(&settings.http)
            .map_err(|e| ServiceError::Internal(format!("building the HTTP client: {e}")))?;
        let licenses = match self.store.load_licenses().await {
            Ok(list) if !list.is_empty() => backends::mapping::LicenseGuesser::new(list),
            Ok(_) => backends::mapping::LicenseGuesser::builtin(),
            Err(e) => {
                tracing::warn!(error = %e, "licenses not loaded from MongoDB: preview uses the built-in list");
                backends::mapping::LicenseGuesser::builtin()
            }
        };
        let max = max.unwrap_or(settings.harvest.preview_items).max(1);
        // Whole-preview deadline: one fetch budget and a margin, so a slow remote cannot hold
        // the request.
        let deadline = std::time::Duration::from_secs(settings.http.fetch_budget_secs.max(1) + 30);
        let run = backends::preview(source, &fetcher, &licenses, max, settings.harvest.max_pages);
        match tokio::time::timeout(deadline, run).await {
            Err(_) => Err(ServiceError::Timeout(format!(
                "preview of {} did not finish within {}s",
                source.url,
                deadline.as_secs()
            ))),
            Ok(Err(backends::HarvestError::UnknownBackend(name))) => Err(ServiceError::invalid(
                "backend",
                format!("unknown backend {name:?}"),
            )),
            Ok(Err(e)) => Err(ServiceError::Remote(format!(
                "preview of {} failed: {e}",
                source.url
            ))),
            Ok(Ok(p)) => Ok(p),
        }
    }

    async fn free_slug(&self, name: &str, except: Option<ObjectId>) -> ServiceResult<String> {
        let base = backends::mapping::text::slugify(name);
        let base = if base.is_empty() {
            "source".to_owned()
        } else {
            base
        };
        for n in 0..100 {
            let candidate = if n == 0 {
                base.clone()
            } else {
                format!("{base}-{n}")
            };
            if !self.store.slug_taken(&candidate, except).await? {
                return Ok(candidate);
            }
        }
        Err(ServiceError::Conflict(format!("no free slug for {name:?}")))
    }
}

fn required<'a>(value: Option<&'a str>, field: &str) -> ServiceResult<&'a str> {
    match value.map(str::trim) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(ServiceError::invalid(field, "is required")),
    }
}

/// Apply and validate the given fields onto a source.
fn apply(source: &mut HarvestSource, input: SourceInput) -> ServiceResult<()> {
    if let Some(name) = input.name {
        let name = name.trim();
        if name.is_empty() || name.len() > 255 {
            return Err(ServiceError::invalid("name", "must be 1 to 255 characters"));
        }
        source.name = name.to_owned();
    }
    if let Some(description) = input.description {
        source.description = Some(description).filter(|d| !d.trim().is_empty());
    }
    if let Some(url) = input.url {
        let parsed = url::Url::parse(url.trim())
            .map_err(|e| ServiceError::invalid("url", format!("{url:?} is not a URL ({e}); write it with its scheme, e.g. https://data.example.org")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(ServiceError::invalid(
                "url",
                format!("{url:?} must be an http or https URL with a host"),
            ));
        }
        source.url = url.trim().to_owned();
    }
    if let Some(backend) = input.backend {
        if backends::get(&backend).is_err() {
            return Err(ServiceError::invalid(
                "backend",
                format!(
                    "unknown backend {backend:?}; known: {}",
                    backends::names().join(", ")
                ),
            ));
        }
        source.backend = backend;
    }
    let backend = backends::get(&source.backend)
        .map_err(|e| ServiceError::invalid("backend", e.to_string()))?;
    if let Some(owner) = input.owner {
        source.owner = Some(parse_oid("owner", &owner)?);
    }
    if let Some(org) = input.organization {
        source.organization = Some(parse_oid("organization", &org)?);
    }
    if let Some(active) = input.active {
        source.active = active;
    }
    if let Some(autoarchive) = input.autoarchive {
        source.autoarchive = autoarchive;
    }
    if let Some(schedule) = input.schedule {
        let schedule = schedule.trim().to_owned();
        if schedule.is_empty() || schedule == "manual" {
            source.schedule = Some("manual".into());
        } else {
            cron::parse(&schedule).map_err(|e| ServiceError::invalid("schedule", e))?;
            source.schedule = Some(schedule);
        }
    }
    if let Some(filters) = input.filters {
        for (i, f) in filters.iter().enumerate() {
            let known = backend.filter_keys().contains(&f.key.as_str())
                || backends::filters::GENERIC_KEYS.contains(&f.key.as_str());
            if !known {
                return Err(ServiceError::invalid(
                    &format!("filters[{i}].key"),
                    format!("unknown filter {:?} for backend {}", f.key, backend.name()),
                ));
            }
            if f.value.is_null() || f.value.as_str().is_some_and(|s| s.trim().is_empty()) {
                return Err(ServiceError::invalid(
                    &format!("filters[{i}].value"),
                    "is required",
                ));
            }
        }
        source.config.filters = filters;
    }
    if let Some(features) = input.features {
        for key in features.keys() {
            if !backend.feature_keys().contains(&key.as_str())
                && !COMMON_FEATURES.contains(&key.as_str())
            {
                return Err(ServiceError::invalid(
                    "features",
                    format!("unknown feature {key:?} for backend {}", backend.name()),
                ));
            }
        }
        source.config.features = features;
    }
    if let Some(extra) = input.extra_configs {
        source.config.extra_configs = extra;
    }
    Ok(())
}

/// Source options every backend accepts.
pub const COMMON_FEATURES: &[&str] = &["disable_conditional", "force_refresh"];

fn parse_oid(field: &str, value: &str) -> ServiceResult<ObjectId> {
    ObjectId::parse_str(value.trim()).map_err(|_| {
        ServiceError::invalid(field, format!("{value:?} is not an id (24 hex characters)"))
    })
}
