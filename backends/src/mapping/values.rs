//! Loose values of remote JSON documents (CKAN, DKAN, OpenDataSoft) and byte sizes written by
//! hand (those and DCAT's `dcat:byteSize`): the reading rules the backends share, written once.
//!
//! Byte sizes are read by one parser, [`byte_size`], with the [`SizeRule`] of the remote: a plain
//! number of bytes is read alike everywhere; what else a remote may write (a unit, a decimal, a
//! thousands separator) is what the rules differ on, each as its backend has always read it.

use serde_json::{Map, Value};

/// A non-empty, trimmed string field (numbers are accepted as their text).
pub(crate) fn string(map: &Map<String, Value>, key: &str) -> Option<String> {
    match map.get(key)? {
        Value::String(s) => {
            let s = s.trim();
            (!s.is_empty()).then(|| s.to_owned())
        }
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The first of `keys` whose value is a non-empty string, trimmed (an identifier under one of
/// several names: `id` or `name`, `dataset_id` or `datasetid`).
pub(crate) fn first_str(value: &Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| {
        value
            .get(*k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    })
}

/// A scalar as the text a query carries: a string trimmed, a number or a boolean as written;
/// `None` for lists, objects and null (a source filter value that cannot be sent).
pub(crate) fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// What a remote may write as a byte size besides a plain number of bytes (`"512"`, `" 512 "`),
/// which every rule reads. Negative sizes are never sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeRule {
    /// Nothing else (CKAN's `size`, which udata-ckan stores as given).
    Bytes,
    /// A decimal number with a unit (DKAN's human sizes, as humanfriendly reads them for
    /// udata-ckan): `"42 octets"`, `"1.5 MB"`, `"3,2 Mo"`, `"12 KiB"`; decimal units are powers
    /// of 1000, `…iB` units powers of 1024.
    Human,
    /// A number written loosely, without unit (DCAT's `dcat:byteSize` literals): thousands
    /// separated by spaces or underscores (`"1 024"`), decimals (`"1024.0"`, `"1,5"`), exponents
    /// (`"1.5E3"`).
    Loose,
}

/// A byte size written as text, by `rule`; decimals are rounded to the nearest byte. `None` when
/// empty, negative, out of range or not a size under `rule`.
pub fn byte_size(raw: &str, rule: SizeRule) -> Option<i64> {
    let text = match rule {
        SizeRule::Bytes | SizeRule::Human => raw.trim().to_owned(),
        SizeRule::Loose => raw
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\u{202f}' && *c != '_')
            .collect(),
    };
    if text.is_empty() {
        return None;
    }
    if let Ok(n) = text.parse::<i64>() {
        return (n >= 0).then_some(n);
    }
    let bytes = match rule {
        SizeRule::Bytes => return None,
        SizeRule::Human => with_unit(&text)?,
        SizeRule::Loose => text.replace(',', ".").parse::<f64>().ok()?,
    };
    (bytes.is_finite() && bytes >= 0.0 && bytes < i64::MAX as f64).then(|| bytes.round() as i64)
}

/// A byte size in a JSON document: a number (a decimal one truncated, as Python's `int()` does
/// for udata-ckan), or a string read by `rule`.
pub fn json_byte_size(value: &Value, rule: SizeRule) -> Option<i64> {
    match value {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .filter(|n| *n >= 0),
        Value::String(s) => byte_size(s, rule),
        _ => None,
    }
}

/// `"1.5 MB"` → 1.5e6: a decimal number (`.` or `,`) then a unit, in bytes; `None` for an
/// unknown unit.
fn with_unit(text: &str) -> Option<f64> {
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.replace(',', ".").parse().ok()?;
    let factor: f64 = match unit.trim().to_lowercase().as_str() {
        "" | "b" | "byte" | "bytes" | "o" | "octet" | "octets" => 1.0,
        "k" | "kb" | "ko" => 1e3,
        "kib" => 1024.0,
        "m" | "mb" | "mo" => 1e6,
        "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "go" => 1e9,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" | "to" => 1e12,
        "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    Some(number * factor)
}

#[cfg(test)]
mod tests;
