//! Message bodies exchanged over RabbitMQ. Each carries a version number `v`; a consumer refuses
//! (dead-letters) a version it does not know instead of misreading it.

use bson::oid::ObjectId;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::error::{Error, Result};

/// Version of the message formats below.
pub const VERSION: u16 = 1;

/// One run of one source: list its remote datasets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GatherMessage {
    pub v: u16,
    pub job_id: ObjectId,
    pub source_id: ObjectId,
}

/// A few remote datasets of one job, processed together (their writes are batched); their
/// payloads are in the `harvester_item` documents. Messages written before batching carry one
/// `item_id` and are still read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemMessage {
    pub v: u16,
    pub job_id: ObjectId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<String>,
    /// When the first attempt of these items started (Unix ms), on retries: all attempts of an
    /// item end within `http.fetch_budget_secs` of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since_ms: Option<i64>,
}

/// All items of a job are final (or the sweeper gave up waiting): write the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinalizeMessage {
    pub v: u16,
    pub job_id: ObjectId,
}

/// One webhook delivery to attempt; what to send, where, and its attempts so far are in its
/// `harvester_webhook_delivery` document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyMessage {
    pub v: u16,
    pub delivery: ObjectId,
}

impl NotifyMessage {
    pub fn new(delivery: ObjectId) -> Self {
        Self {
            v: VERSION,
            delivery,
        }
    }
}

impl GatherMessage {
    pub fn new(job_id: ObjectId, source_id: ObjectId) -> Self {
        Self {
            v: VERSION,
            job_id,
            source_id,
        }
    }
}

impl ItemMessage {
    pub fn new(job_id: ObjectId, items: Vec<String>) -> Self {
        Self {
            v: VERSION,
            job_id,
            item_id: None,
            items,
            since_ms: None,
        }
    }

    /// The same kind of message for a retry of `items` first tried at `since_ms`.
    pub fn retry(job_id: ObjectId, items: Vec<String>, since_ms: i64) -> Self {
        Self {
            since_ms: Some(since_ms),
            ..Self::new(job_id, items)
        }
    }

    /// Every item id the message names.
    pub fn ids(&self) -> Vec<String> {
        self.item_id
            .iter()
            .chain(self.items.iter())
            .cloned()
            .collect()
    }
}

impl FinalizeMessage {
    pub fn new(job_id: ObjectId) -> Self {
        Self { v: VERSION, job_id }
    }
}

/// Serialize a message body.
pub fn encode<T: Serialize>(msg: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(msg).map_err(|e| Error::Message(e.to_string()))
}

/// A message a consumer reads: decoded (version checked), then [`check`](Message::check)ed;
/// either failing sends it to the dead-letter queue with the reason.
pub trait Message: DeserializeOwned {
    /// What makes a decoded message unprocessable, if anything.
    fn check(&self) -> std::result::Result<(), String> {
        Ok(())
    }
}

impl Message for GatherMessage {}
impl Message for FinalizeMessage {}
impl Message for NotifyMessage {}

impl Message for ItemMessage {
    fn check(&self) -> std::result::Result<(), String> {
        if self.item_id.is_none() && self.items.is_empty() {
            return Err(format!("item message of job {} names no item", self.job_id));
        }
        Ok(())
    }
}

/// Decode a message body for a consumer: version and [`Message::check`] included.
pub fn decode_message<M: Message>(body: &[u8]) -> Result<M> {
    let message: M = decode(body)?;
    message.check().map_err(Error::Message)?;
    Ok(message)
}

/// Decode a message body, refusing unknown versions.
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T> {
    #[derive(Deserialize)]
    struct Probe {
        v: u16,
    }
    let probe: Probe = serde_json::from_slice(body)
        .map_err(|e| Error::Message(format!("undecodable message: {e}")))?;
    if probe.v != VERSION {
        return Err(Error::Message(format!(
            "message version {} unsupported (this build speaks {VERSION})",
            probe.v
        )));
    }
    serde_json::from_slice(body).map_err(|e| Error::Message(format!("undecodable message: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_version_check() {
        let m = ItemMessage::new(ObjectId::new(), vec!["job:1".into(), "job:2".into()]);
        let body = encode(&m).unwrap();
        assert_eq!(decode::<ItemMessage>(&body).unwrap(), m);
        assert_eq!(m.ids(), ["job:1", "job:2"]);
        let single =
            br#"{"v": 1, "job_id": {"$oid": "000000000000000000000000"}, "item_id": "j:7"}"#;
        assert_eq!(decode::<ItemMessage>(single).unwrap().ids(), ["j:7"]);
        let future = br#"{"v": 9, "job_id": {"$oid": "000000000000000000000000"}}"#;
        assert!(decode::<ItemMessage>(future)
            .unwrap_err()
            .to_string()
            .contains("version 9"));
        assert!(decode::<ItemMessage>(b"garbage").is_err());
    }
}
