//! The token check in front of the whole admin router: writes need a bearer token of
//! `api.tokens`, reads too unless `api.public_reads`. Only SHA-256 digests of the tokens are
//! kept, compared in constant time, and a token is never logged.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::Arc;
// Token digests are compared with `subtle` (constant time, maintained by the dalek team)
// rather than a hand-written loop.
use subtle::ConstantTimeEq;

use super::ApiError;

/// The accepted tokens, kept as SHA-256 digests only.
pub(super) struct Auth {
    digests: Vec<[u8; 32]>,
    public_reads: bool,
}

impl Auth {
    pub(super) fn new(tokens: &[String], public_reads: bool) -> Self {
        let digests = tokens
            .iter()
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
            .map(digest)
            .collect();
        Self {
            digests,
            public_reads,
        }
    }

    /// Whether `token` is one of the configured tokens. Compares digests of equal length in
    /// constant time, against every configured token (no early exit).
    fn accepts(&self, token: &str) -> bool {
        let presented = digest(token);
        let mut found = subtle::Choice::from(0);
        for expected in &self.digests {
            found |= presented.ct_eq(expected);
        }
        found.into()
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The bearer token of a request, if it sent one.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
        .filter(|t| !t.is_empty())
}

/// The middleware: lets a request through, or answers 401 saying what is missing.
pub(super) async fn authorize(
    State(auth): State<Arc<Auth>>,
    request: Request,
    next: Next,
) -> Response {
    let read = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if read && auth.public_reads {
        return next.run(request).await;
    }
    let what = if read { "reading" } else { "writing" };
    if auth.digests.is_empty() {
        return ApiError::unauthorized(format!(
            "{what} is disabled: no API token is configured; set api.tokens \
             (environment HARVEST__API__TOKENS=token1,token2) on the scheduler"
        ))
        .into_response();
    }
    match bearer(request.headers()) {
        None => ApiError::unauthorized(format!(
            "{what} needs a token: send the header Authorization: Bearer <token>"
        ))
        .into_response(),
        Some(token) if !auth.accepts(token) => {
            tracing::warn!(method = %request.method(), path = %request.uri().path(), "request with an unknown API token refused");
            ApiError::unauthorized("invalid API token").into_response()
        }
        Some(_) => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn tokens_compare_in_constant_time() {
        let a = digest("secret");
        assert!(bool::from(a.ct_eq(&digest("secret"))));
        assert!(!bool::from(a.ct_eq(&digest("secreT"))));
        let auth = Auth::new(&["one".into(), " two ".into(), String::new()], true);
        assert_eq!(auth.digests.len(), 2);
        assert!(auth.accepts("one"));
        assert!(auth.accepts("two"));
        assert!(!auth.accepts(""));
        assert!(!auth.accepts("three"));
    }

    #[test]
    fn bearer_header_parsing() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h), None);
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        assert_eq!(bearer(&h), Some("abc"));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer  abc "),
        );
        assert_eq!(bearer(&h), Some("abc"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer(&h), None);
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer(&h), None);
    }
}
