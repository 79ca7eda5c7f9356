//! The shell every admin page shares (head, style sheet, navigation, security headers) and the
//! HTML answer of an error, so that the pages only render their own content.

use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::api::ApiError;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}\
table{border-collapse:collapse;margin:.5rem 0 1rem}\
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}\
th{background:#f3f3f3}td.n{text-align:right}\
.error{color:#a00}.warning{color:#8a5a00}\
.status-done,.status-accepted{color:#060}.status-failed,.status-refused{color:#a00}\
.status-done-errors{color:#8a5a00}.status-skipped{color:#555}\
nav a{margin-right:.75rem}pre{white-space:pre-wrap;max-width:80rem}\
dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}dt{font-weight:bold}";

/// A whole page. `refresh` adds a meta refresh (running jobs).
pub fn html_page(status: StatusCode, title: &str, body: Markup, refresh: bool) -> Response {
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                @if refresh {
                    meta http-equiv="refresh" content="5";
                }
                title { (title) }
                // A constant of this file: nothing in it comes from data.
                style { (PreEscaped(STYLE)) }
            }
            body {
                nav {
                    a href="/admin/" { "Harvest sources" }
                    a href="/api/1/openapi.json" { "API" }
                }
                (body)
            }
        }
    };
    let mut response = (status, page.into_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// A page error: the API's status and message, as HTML.
pub struct PageError(ApiError);

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        Self(e)
    }
}

impl From<common::Error> for PageError {
    fn from(e: common::Error) -> Self {
        Self(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let title = match self.0.status {
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::BAD_REQUEST => "Bad request",
            _ => "Error",
        };
        let body = html! {
            h1 { (title) }
            p class="error" { (self.0.message) }
            p { a href="/admin/" { "All sources" } }
        };
        html_page(self.0.status, title, body, false)
    }
}

/// What a page handler answers.
pub(crate) type PageResult = Result<Response, PageError>;

/// Answer for unknown paths: JSON under `/api/`, HTML elsewhere.
pub async fn not_found(uri: Uri) -> Response {
    let message = format!("no page at {}", uri.path());
    if uri.path().starts_with("/api/") {
        ApiError::not_found(message).into_response()
    } else {
        PageError(ApiError::not_found(message)).into_response()
    }
}
