//! Plain JSON views of BSON documents for the HTTP API and the CLI: ObjectIds become hex strings
//! and dates RFC 3339 strings, instead of MongoDB's extended-JSON wrappers.

use bson::Bson;
use serde_json::{Map, Value};

/// Convert any BSON value to plain JSON.
pub fn plain(value: Bson) -> Value {
    match value {
        Bson::ObjectId(oid) => Value::String(oid.to_hex()),
        Bson::DateTime(dt) => Value::String(
            dt.try_to_rfc3339_string()
                .unwrap_or_else(|_| dt.timestamp_millis().to_string()),
        ),
        Bson::Document(doc) => {
            let mut map = Map::new();
            for (k, v) in doc {
                map.insert(k, plain(v));
            }
            Value::Object(map)
        }
        Bson::Array(items) => Value::Array(items.into_iter().map(plain).collect()),
        Bson::Int32(i) => Value::from(i),
        Bson::Int64(i) => Value::from(i),
        Bson::Double(f) => serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        Bson::Boolean(b) => Value::Bool(b),
        Bson::String(s) => Value::String(s),
        Bson::Null | Bson::Undefined => Value::Null,
        other => other.into_relaxed_extjson(),
    }
}

/// Serialize a model value to plain JSON through BSON.
pub fn to_plain<T: serde::Serialize>(value: &T) -> Value {
    match bson::to_bson(value) {
        Ok(b) => plain(b),
        Err(e) => Value::String(format!("unserializable: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_dates_are_plain_strings() {
        let oid = bson::oid::ObjectId::new();
        let doc = bson::doc! { "_id": oid, "at": bson::DateTime::from_millis(0), "n": 3_i64 };
        let v = plain(Bson::Document(doc));
        assert_eq!(v["_id"], Value::String(oid.to_hex()));
        assert_eq!(v["at"], Value::String("1970-01-01T00:00:00Z".into()));
        assert_eq!(v["n"], Value::from(3));
    }
}
