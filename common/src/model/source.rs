//! `harvest_source` documents (udata `HarvestSource`): what to harvest, how, and whether an
//! operator validated it. Scheduling state (`schedule`, `next_run_at`) lives on the same document.

use bson::oid::ObjectId;
use bson::DateTime;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HarvestSource {
    #[serde(rename = "_id")]
    pub id: ObjectId,
    pub name: String,
    pub slug: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub url: String,
    pub backend: String,
    #[serde(default)]
    pub config: SourceConfig,
    #[serde(default)]
    pub active: bool,
    #[serde(default)]
    pub autoarchive: bool,
    #[serde(default)]
    pub validation: Validation,
    /// Cron expression (5 or 6 fields) evaluated by the scheduler, UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_run_at: Option<DateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<ObjectId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<ObjectId>,
    pub created_at: DateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<DateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<DateTime>,
    /// Number of jobs started for this source; drives the periodic full refresh.
    #[serde(default)]
    pub runs: i64,
    /// The job holding the source's run lock (at most one running job per source).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub running_job: Option<ObjectId>,
}

impl HarvestSource {
    /// A source as it is first stored: its own id, active, archiving what vanishes, not yet
    /// validated, unscheduled, never run. The slug is empty until the caller picks one.
    pub fn new(name: &str, url: &str, backend: &str, created_at: DateTime) -> Self {
        Self {
            id: ObjectId::new(),
            name: name.to_owned(),
            slug: String::new(),
            description: None,
            url: url.to_owned(),
            backend: backend.to_owned(),
            config: SourceConfig::default(),
            active: true,
            autoarchive: true,
            validation: Validation::default(),
            schedule: None,
            next_run_at: None,
            owner: None,
            organization: None,
            created_at,
            last_modified: None,
            deleted: None,
            runs: 0,
            running_job: None,
        }
    }

    /// Host part of the source URL, stored as `harvest.domain` on datasets.
    pub fn domain(&self) -> Option<String> {
        url::Url::parse(&self.url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
    }

    /// Whether a boolean feature (backend option) is enabled.
    pub fn feature(&self, key: &str) -> bool {
        self.config.features.get(key).copied().unwrap_or(false)
    }

    /// A string extra config value.
    pub fn extra_config(&self, key: &str) -> Option<&serde_json::Value> {
        self.config
            .extra_configs
            .iter()
            .find(|c| c.key == key)
            .map(|c| &c.value)
    }
}

/// `config` of a source: filters, boolean features and backend specific options.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceConfig {
    #[serde(default)]
    pub filters: Vec<Filter>,
    #[serde(default)]
    pub features: BTreeMap<String, bool>,
    #[serde(default)]
    pub extra_configs: Vec<ExtraConfig>,
}

/// One include/exclude filter; several filters are AND-combined.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Filter {
    pub key: String,
    pub value: serde_json::Value,
    #[serde(rename = "type", default)]
    pub kind: FilterKind,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FilterKind {
    #[default]
    Include,
    Exclude,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtraConfig {
    pub key: String,
    pub value: serde_json::Value,
}

/// Validation of a source by an operator (udata `HarvestSourceValidation`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Validation {
    #[serde(default)]
    pub state: ValidationState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<DateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ValidationState {
    #[default]
    Pending,
    Accepted,
    Refused,
}

impl ValidationState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Refused => "refused",
        }
    }
}
