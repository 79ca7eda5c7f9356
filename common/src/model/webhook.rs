//! Webhook subscriptions of a source and their deliveries: how a source's owner hears that its
//! harvest broke (or went well) without watching the admin pages.
//!
//! Subscriptions are part of the harvester's own per-source document (`harvester_source`, field
//! `webhooks`), never of udata's `harvest_source`. Each job end (or stale flag) makes one
//! [`WebhookDelivery`] per matching subscription, in `harvester_webhook_delivery`, with the exact
//! body to send and every attempt made.

use bson::oid::ObjectId;
use bson::DateTime;
use serde::{Deserialize, Serialize};

use super::JobStatus;

/// What a subscription listens to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WebhookEvent {
    /// A job ended `failed`.
    Failed,
    /// A job ended `done-errors`.
    DoneErrors,
    /// A job ended `done`.
    Done,
    /// The source went stale (no success for too long); raised by the source health check.
    Stale,
}

impl WebhookEvent {
    pub const ALL: [WebhookEvent; 4] = [Self::Failed, Self::DoneErrors, Self::Done, Self::Stale];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Failed => "failed",
            Self::DoneErrors => "done-errors",
            Self::Done => "done",
            Self::Stale => "stale",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == raw.trim())
    }

    /// The event of a job that ended in `status` (none while it runs).
    pub fn of_job(status: JobStatus) -> Option<Self> {
        match status {
            JobStatus::Failed => Some(Self::Failed),
            JobStatus::DoneErrors => Some(Self::DoneErrors),
            JobStatus::Done => Some(Self::Done),
            _ => None,
        }
    }
}

/// One subscription of a source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Webhook {
    pub id: ObjectId,
    pub url: String,
    pub events: Vec<WebhookEvent>,
    /// HMAC-SHA256 key of the signature header. Stored (it must be, to sign), never logged and
    /// never returned by the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    pub created: DateTime,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Not yet delivered; an attempt is queued or waiting for its retry delay.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Given up: attempts exhausted, or an error that no retry can fix (refused URL,
    /// subscription deleted).
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }
}

/// One POST of a delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryAttempt {
    pub at: DateTime,
    pub duration_ms: i64,
    /// HTTP status answered, if the receiver answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<i32>,
    /// Why the attempt failed (network, timeout, refused URL, non-2xx status).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One notification of one event to one subscription, with its attempts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookDelivery {
    #[serde(rename = "_id")]
    pub id: ObjectId,
    /// Makes enqueueing idempotent (unique): `<job>:<webhook>` for a job's end.
    pub key: String,
    pub source: ObjectId,
    pub webhook: ObjectId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<ObjectId>,
    pub event: WebhookEvent,
    /// The URL when the delivery was made (the subscription may be deleted later).
    pub url: String,
    /// The exact JSON body sent (and signed) by every attempt (left out of listings).
    #[serde(default)]
    pub payload: String,
    pub status: DeliveryStatus,
    pub created: DateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended: Option<DateTime>,
    /// While pending: when the next attempt is due. A pending delivery well past it lost its
    /// message (a publish that failed) and is published again by the sweeper.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<DateTime>,
    #[serde(default)]
    pub attempts: Vec<DeliveryAttempt>,
}
