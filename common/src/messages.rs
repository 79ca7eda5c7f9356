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
/// payloads are in the `harvest_item` documents. Messages written before batching carry one
/// `item_id` and are still read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemMessage {
    pub v: u16,
    pub job_id: ObjectId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<String>,
}

/// All items of a job are final (or the sweeper gave up waiting): write the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinalizeMessage {
    pub v: u16,
    pub job_id: ObjectId,
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
