//! What a CKAN action API answers: its JSON envelopes, a minimal package, and canned HTTP answers
//! (any status, content type and body) for the broken portals the tests play.

use axum::body::Body;
use axum::http::{header, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

/// Envelope of a successful action call.
pub fn envelope(action: &str, result: Value) -> Value {
    json!({
        "help": format!("https://ckan.example.org/api/3/action/help_show?name={action}"),
        "success": true,
        "result": result,
    })
}

/// Envelope of CKAN's "Not found" error (CKAN answers it with HTTP 404, older versions with 200).
pub fn not_found(action: &str) -> Value {
    json!({
        "help": format!("https://ckan.example.org/api/3/action/help_show?name={action}"),
        "success": false,
        "error": {"__type": "Not Found Error", "message": "Not found"},
    })
}

/// A failed action call (`success: false`) of error type `kind`.
pub fn failure(kind: &str, message: &str) -> Value {
    json!({"success": false, "error": {"__type": kind, "message": message}})
}

/// A CKAN package `id` (also its name) with one CSV resource.
pub fn package(id: &str) -> Value {
    json!({
        "id": id, "name": id, "title": format!("Package {id}"), "notes": "A package.",
        "state": "active", "private": false, "license_id": "cc-by",
        "resources": [{"id": format!("{id}-r"), "name": "data", "format": "CSV",
                       "url": format!("https://remote.example.org/files/{id}.csv")}]
    })
}

/// A fixed HTTP answer: status, content type (none: no header) and body.
#[derive(Debug, Clone)]
pub struct Canned {
    status: StatusCode,
    content_type: Option<&'static str>,
    body: String,
}

impl Canned {
    /// `body` as `content_type` with `status`.
    pub fn new(status: u16, content_type: Option<&'static str>, body: impl Into<String>) -> Self {
        Self {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            content_type,
            body: body.into(),
        }
    }

    /// A JSON document with `status`.
    pub fn json(status: u16, value: &Value) -> Self {
        Self::new(status, Some(JSON), value.to_string())
    }

    /// The response, once more.
    pub(crate) fn response(&self) -> Response {
        let mut b = Response::builder().status(self.status);
        if let Some(ct) = self.content_type {
            b = b.header(header::CONTENT_TYPE, ct);
        }
        b.body(Body::from(self.body.clone())).unwrap_or_default()
    }
}

/// The content type of the action API's answers.
pub(crate) const JSON: &str = "application/json;charset=utf-8";

/// A JSON answer with `status`.
pub(crate) fn json_response(status: StatusCode, value: &Value) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, JSON)
        .body(Body::from(value.to_string()))
        .unwrap_or_default()
}
