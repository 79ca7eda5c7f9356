//! What a client can ask before doing anything: the backends with their filter and feature keys
//! (the source form's choices) and the OpenAPI description of the API.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::service::COMMON_FEATURES;

/// The OpenAPI 3.1 description of this API, served at `/api/1/openapi.json`.
pub const OPENAPI: &str = include_str!("../openapi.json");

/// `GET /api/1/backends`: each backend with the filters and features a source of it accepts.
pub(super) async fn list_backends() -> Json<Value> {
    let backends: Vec<Value> = backends::registry()
        .iter()
        .map(|b| {
            let mut filters: Vec<&str> = b.filter_keys().to_vec();
            for key in backends::filters::GENERIC_KEYS {
                if !filters.contains(key) {
                    filters.push(key);
                }
            }
            let mut features: Vec<&str> = b.feature_keys().to_vec();
            for key in COMMON_FEATURES {
                if !features.contains(key) {
                    features.push(key);
                }
            }
            json!({
                "name": b.name(),
                "label": b.label(),
                "filter_keys": filters,
                "feature_keys": features,
            })
        })
        .collect();
    Json(Value::Array(backends))
}

/// `GET /api/1/openapi.json`.
pub(super) async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}
