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

/// One remote dataset of one job: its payload is in the `harvest_item` document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemMessage {
    pub v: u16,
    pub job_id: ObjectId,
    pub item_id: String,
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
    pub fn new(job_id: ObjectId, item_id: String) -> Self {
        Self {
            v: VERSION,
            job_id,
            item_id,
        }
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
        let m = ItemMessage::new(ObjectId::new(), "job:1".into());
        let body = encode(&m).unwrap();
        assert_eq!(decode::<ItemMessage>(&body).unwrap(), m);
        let future = br#"{"v": 9, "job_id": {"$oid": "000000000000000000000000"}}"#;
        assert!(decode::<ItemMessage>(future)
            .unwrap_err()
            .to_string()
            .contains("version 9"));
        assert!(decode::<ItemMessage>(b"garbage").is_err());
    }
}
