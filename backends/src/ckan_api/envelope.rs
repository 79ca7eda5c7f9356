//! The envelope of every action API answer (`{"success": …, "result": …, "error": …}`): CKAN
//! answers `200` with `success: false` on errors, so a call succeeds only when the envelope says
//! so; its error member becomes the error's reason, and an HTML page instead of JSON says the
//! source URL is not the API's root.

use serde_json::Value;

use crate::error::HarvestError;

/// Unwrap a CKAN action answer: the `result` of a `success: true` envelope, or a
/// [`HarvestError::Remote`] with CKAN's own error message, or a parse error naming the URL.
pub fn parse_envelope(
    url: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<Value, HarvestError> {
    let mime = content_type
        .and_then(|c| c.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let data: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            if mime == "text/html" || looks_like_html(body) {
                return Err(HarvestError::Remote {
                    url: url.to_owned(),
                    reason: "answered an HTML page instead of the CKAN API's JSON \
                             (is the source URL the CKAN root?)"
                        .into(),
                });
            }
            return Err(HarvestError::Parse {
                what: "CKAN API answer",
                url: url.to_owned(),
                reason: format!("not JSON: {e}"),
            });
        }
    };
    let Value::Object(mut envelope) = data else {
        return Err(HarvestError::Parse {
            what: "CKAN API answer",
            url: url.to_owned(),
            reason: "not a JSON object (expected {\"success\": …, \"result\": …})".into(),
        });
    };
    let success = envelope.get("success").and_then(Value::as_bool);
    if success != Some(true) {
        let reason = match envelope.get("error") {
            Some(error) => error_message(error),
            None if success.is_none() => "no `success` field: not a CKAN action API answer".into(),
            None => "success: false without error message".into(),
        };
        return Err(HarvestError::Remote {
            url: url.to_owned(),
            reason,
        });
    }
    envelope
        .remove("result")
        .ok_or_else(|| HarvestError::Parse {
            what: "CKAN API answer",
            url: url.to_owned(),
            reason: "success: true without result".into(),
        })
}

fn looks_like_html(body: &[u8]) -> bool {
    let start: Vec<u8> = body
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take(15)
        .map(u8::to_ascii_lowercase)
        .collect();
    start.starts_with(b"<!doctype html") || start.starts_with(b"<html")
}

/// CKAN's `error` member: `{"__type": "Not Found Error", "message": "Not found"}`, a bare
/// string, or field validation errors (`{"id": ["Missing value"]}`).
fn error_message(error: &Value) -> String {
    match error {
        Value::String(s) => s.clone(),
        Value::Object(map) => {
            let message = map.get("message").and_then(Value::as_str);
            let kind = map.get("__type").and_then(Value::as_str);
            match (kind, message) {
                (Some(kind), Some(message)) => format!("{kind}: {message}"),
                (None, Some(message)) => message.to_owned(),
                (Some(kind), None) => {
                    let details: Vec<String> = map
                        .iter()
                        .filter(|(k, _)| k.as_str() != "__type")
                        .map(|(k, v)| format!("{k}: {}", compact(v)))
                        .collect();
                    if details.is_empty() {
                        kind.to_owned()
                    } else {
                        format!("{kind}: {}", details.join("; "))
                    }
                }
                (None, None) => compact(error),
            }
        }
        other => compact(other),
    }
}

fn compact(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn envelope_errors_are_typed() {
        let err = parse_envelope(
            "http://x/api/3/action/package_show?id=a",
            Some("application/json"),
            br#"{"success": false, "error": {"__type": "Not Found Error", "message": "Not found"}}"#,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("Not Found Error: Not found"),
            "{err}"
        );
        assert!(err.to_string().contains("package_show?id=a"));
        let err = parse_envelope("u", Some("text/html"), b"<html>oops</html>").unwrap_err();
        assert!(matches!(err, HarvestError::Remote { .. }));
        let err = parse_envelope("u", Some("application/json"), b"{\"a\":").unwrap_err();
        assert!(matches!(err, HarvestError::Parse { .. }));
        let ok = parse_envelope("u", None, br#"{"success": true, "result": [1]}"#).unwrap();
        assert_eq!(ok, json!([1]));
    }
}
