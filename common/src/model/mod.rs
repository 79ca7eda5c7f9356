//! The domain model, mirroring the documents udata stores in MongoDB (collection and field names
//! included), so that a udata instance can read what the harvester writes.

pub mod change;
pub mod dataset;
pub mod health;
pub mod item;
pub mod job;
pub mod license;
pub mod packed;
pub mod record;
pub mod source;
pub mod webhook;

pub use change::{ChangeEntry, ChangeKind, DatasetChange};
pub use dataset::{
    Checksum, ContactPoint, Dataset, DateRange, HarvestDatasetMetadata, HarvestResourceMetadata,
    Resource, SpatialCoverage,
};
pub use health::{HealthSummary, RunRecord};
pub use item::{item_id, HarvestItem, ItemStatus, Payload, SkipReason};
pub use job::{HarvestError, HarvestJob, JobCounters, JobStatus, JobTrigger};
pub use license::License;
pub use record::HarvestRecord;
pub use source::{Filter, FilterKind, HarvestSource, SourceConfig, Validation, ValidationState};
pub use webhook::{DeliveryAttempt, DeliveryStatus, Webhook, WebhookDelivery, WebhookEvent};
