//! Large text payloads of `harvest_item` stored deflate-compressed, as BSON binary.
//!
//! A DCAT item carries its dataset's subgraph as N-Triples (about 20 KB for a dataset with a
//! few distributions), and gather writes them in batches of hundreds: compressed they are 6 to
//! 10 times smaller, which is that much less for MongoDB to receive, store and send back to the
//! item worker. Reading accepts both forms, so items written as plain strings (by an older
//! version) still deserialize.
//!
//! Used as `#[serde(with = "packed")]` on a `String` field.

use std::fmt;
use std::io::{Read, Write};

use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use flate2::Compression;
use serde::de::{self, Visitor};
use serde::{Deserializer, Serializer};

/// Texts shorter than this are stored as they are: compressing them saves nothing.
const MIN_PACKED: usize = 512;

/// Compress `text` (fast level: gather compresses while listing).
pub fn pack(text: &str) -> Vec<u8> {
    let mut enc = DeflateEncoder::new(Vec::with_capacity(text.len() / 4), Compression::fast());
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(text.as_bytes());
    enc.finish().unwrap_or_default()
}

/// Decompress what [`pack`] produced.
pub fn unpack(bytes: &[u8]) -> Result<String, String> {
    let mut out = String::with_capacity(bytes.len() * 6);
    DeflateDecoder::new(bytes)
        .read_to_string(&mut out)
        .map_err(|e| format!("corrupt packed payload: {e}"))?;
    Ok(out)
}

pub fn serialize<S: Serializer>(text: &str, s: S) -> Result<S::Ok, S::Error> {
    if text.len() < MIN_PACKED {
        s.serialize_str(text)
    } else {
        s.serialize_bytes(&pack(text))
    }
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    d.deserialize_any(PackedVisitor)
}

struct PackedVisitor;

impl<'de> Visitor<'de> for PackedVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string or deflate-compressed bytes")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<String, E> {
        unpack(v).map_err(E::custom)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<String, A::Error> {
        let mut bytes = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(b) = seq.next_element::<u8>()? {
            bytes.push(b);
        }
        unpack(&bytes).map_err(de::Error::custom)
    }

    /// BSON binary seen through a human-readable deserializer: `{"$binary": {...}}`.
    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<String, A::Error> {
        let value: bson::Bson =
            serde::Deserialize::deserialize(de::value::MapAccessDeserializer::new(map))?;
        match value {
            bson::Bson::Binary(b) => unpack(&b.bytes).map_err(de::Error::custom),
            other => Err(de::Error::custom(format!(
                "not a packed payload: {}",
                other.element_type() as u8
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    use crate::model::Payload;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Holder {
        payload: Payload,
    }

    fn big_text() -> String {
        (0..400)
            .map(|i| format!("<http://example.org/d/{i}> <http://purl.org/dc/terms/title> \"Jeu de données n°{i}\" .\n"))
            .collect()
    }

    #[test]
    fn large_rdf_payloads_are_stored_compressed_and_read_back() {
        let text = big_text();
        let h = Holder {
            payload: Payload::Rdf {
                root: "<http://example.org/d/1>".into(),
                ntriples: text.clone(),
            },
        };
        let doc = bson::to_document(&h).unwrap();
        let data = doc
            .get_document("payload")
            .unwrap()
            .get_document("data")
            .unwrap();
        let stored = data.get_binary_generic("ntriples").unwrap();
        assert!(
            stored.len() * 5 < text.len(),
            "{} vs {}",
            stored.len(),
            text.len()
        );
        // Through a document and through raw bytes (what the driver does).
        let back: Holder = bson::from_document(doc.clone()).unwrap();
        assert_eq!(back, h);
        let raw = bson::to_vec(&doc).unwrap();
        let back: Holder = bson::from_slice(&raw).unwrap();
        assert_eq!(back, h);
    }

    #[test]
    fn json_payloads_are_compressed_too() {
        let text = format!("{{\"notes\": \"{}\"}}", "a".repeat(5000));
        let h = Holder {
            payload: Payload::Json(text.clone()),
        };
        let raw = bson::to_vec(&h).unwrap();
        assert!(raw.len() < 1000);
        let back: Holder = bson::from_slice(&raw).unwrap();
        assert_eq!(back, h);
    }

    #[test]
    fn small_and_legacy_string_payloads_still_read() {
        let legacy = bson::doc! { "payload": { "kind": "rdf", "data": { "root": "_:b0", "ntriples": big_text() } } };
        let back: Holder = bson::from_document(legacy).unwrap();
        assert!(
            matches!(back.payload, Payload::Rdf { ref ntriples, .. } if *ntriples == big_text())
        );
        let small = Holder {
            payload: Payload::Json("{}".into()),
        };
        let doc = bson::to_document(&small).unwrap();
        assert_eq!(
            doc.get_document("payload")
                .unwrap()
                .get_str("data")
                .unwrap(),
            "{}"
        );
        assert_eq!(bson::from_document::<Holder>(doc).unwrap(), small);
    }

    #[test]
    fn corrupt_bytes_name_the_problem() {
        let bad = bson::doc! { "payload": { "kind": "json", "data": bson::Binary { subtype: bson::spec::BinarySubtype::Generic, bytes: vec![1, 2, 3, 4, 5] } } };
        let err = bson::from_document::<Holder>(bad).unwrap_err().to_string();
        assert!(err.contains("corrupt packed payload"), "{err}");
    }
}
