//! How stored documents look in the API: plain JSON (ObjectIds as hex, dates as RFC 3339) with
//! MongoDB's `_id` renamed `id`.

use serde::Serialize;
use serde_json::Value;

/// Plain JSON of a model value, with MongoDB's `_id` renamed `id`.
pub fn to_api<T: Serialize>(value: &T) -> Value {
    rename_id(common::json::to_plain(value))
}

/// A stored document (already plain JSON) with its `_id` renamed `id`.
pub(super) fn rename_id(mut value: Value) -> Value {
    if let Value::Object(map) = &mut value {
        if let Some(id) = map.remove("_id") {
            map.insert("id".into(), id);
        }
    }
    value
}

/// A raw stored document as the API shows it.
pub(super) fn document(doc: bson::Document) -> Value {
    rename_id(common::json::plain(bson::Bson::Document(doc)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_are_renamed() {
        let v = rename_id(json!({"_id": "abc", "name": "x"}));
        assert_eq!(v, json!({"id": "abc", "name": "x"}));
    }
}
