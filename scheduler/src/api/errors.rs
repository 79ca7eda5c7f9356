//! The API's one error shape, `{"error": message, "field": optional}`, and how service and
//! storage errors map onto HTTP statuses, so that every handler answers failures the same way.

use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::service::ServiceError;

/// An error answered as `{"error": message, "field": optional}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub field: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            field: None,
        }
    }

    pub fn bad_request(field: Option<String>, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
            field,
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    /// A server-side fault: logged here, answered with a generic message and the cause.
    pub fn internal(context: &str, cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "{context}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("{context}: {cause}"),
        )
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid { field, reason } => {
                Self::bad_request(Some(field.clone()), format!("invalid {field}: {reason}"))
            }
            ServiceError::NotFound(m) => Self::not_found(m),
            ServiceError::Conflict(m) => Self::new(StatusCode::CONFLICT, m),
            ServiceError::Internal(m) => Self::internal("internal error", m),
            ServiceError::Remote(m) => Self::new(StatusCode::BAD_GATEWAY, m),
            ServiceError::Timeout(m) => Self::new(StatusCode::GATEWAY_TIMEOUT, m),
        }
    }
}

impl From<common::Error> for ApiError {
    fn from(e: common::Error) -> Self {
        ServiceError::from(e).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": self.message });
        if let Some(field) = self.field {
            body["field"] = Value::String(field);
        }
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"harvest\""),
            );
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// A form field's error, worded like the service's own checks.
pub(super) fn invalid(field: &str, reason: impl Into<String>) -> ApiError {
    ServiceError::invalid(field, reason).into()
}

/// The answer under `/api/1` for a path no route matches.
pub(super) async fn api_not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::not_found(format!(
        "no route {method} {}: see /api/1/openapi.json",
        uri.path()
    ))
}
