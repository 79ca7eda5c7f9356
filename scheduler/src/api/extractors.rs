//! Reading requests: JSON bodies, query strings, paging and ids from the path, each turned into
//! a 400 (or 404 for an id) that names the offending field, shared by the API and the HTML pages.

use axum::extract::Query;
use axum::http::Uri;
use bson::oid::ObjectId;
use common::model::ItemStatus;
use serde::de::DeserializeOwned;

use super::{ApiError, ApiResult};

/// Parse a required JSON body, naming the offending field when the shape is wrong.
pub fn json_body<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(None, "a JSON body is required"));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = match serde_path_to_error::deserialize(&mut de) {
        Ok(v) => v,
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let message = inner.to_string();
            if inner.is_syntax() || inner.is_eof() {
                return Err(ApiError::bad_request(
                    None,
                    format!("malformed JSON body: {message}"),
                ));
            }
            // The path ends at an unknown field itself, but at the parent of a missing one.
            let missing = quoted_after(&message, "missing field `");
            let field = match (missing, path.as_str()) {
                (Some(name), "." | "") => Some(name.to_owned()),
                (Some(name), parent) => Some(format!("{parent}.{name}")),
                (None, "." | "") => None,
                (None, p) => Some(p.to_owned()),
            };
            let message = match &field {
                Some(f) => format!("invalid JSON body at {f}: {message}"),
                None => format!("invalid JSON body: {message}"),
            };
            return Err(ApiError::bad_request(field, message));
        }
    };
    de.end()
        .map_err(|e| ApiError::bad_request(None, format!("malformed JSON body: {e}")))?;
    Ok(value)
}

/// Parse an optional JSON body: an empty body means `T::default()`.
pub fn optional_json_body<T: DeserializeOwned + Default>(bytes: &[u8]) -> ApiResult<T> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        Ok(T::default())
    } else {
        json_body(bytes)
    }
}

fn quoted_after<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    let start = message.find(prefix)? + prefix.len();
    let rest = &message[start..];
    rest.find('`').map(|end| &rest[..end])
}

/// Parse the query string, answering 400 with the reason on a bad parameter.
pub fn query<T: DeserializeOwned>(uri: &Uri) -> ApiResult<T> {
    Query::<T>::try_from_uri(uri)
        .map(|Query(q)| q)
        .map_err(|e| {
            ApiError::bad_request(None, format!("invalid query string: {}", e.body_text()))
        })
}

/// The page (from 1) and page size (1 to `max`, else `default`) of a paged list.
pub fn paging(
    page: Option<u64>,
    page_size: Option<u64>,
    default: u64,
    max: u64,
) -> ApiResult<(u64, u64)> {
    let page = page.unwrap_or(1);
    if page == 0 {
        return Err(ApiError::bad_request(
            Some("page".into()),
            "invalid page 0: pages start at 1",
        ));
    }
    let page_size = page_size.unwrap_or(default);
    if !(1..=max).contains(&page_size) {
        return Err(ApiError::bad_request(
            Some("page_size".into()),
            format!("invalid page_size {page_size}: between 1 and {max}"),
        ));
    }
    Ok((page, page_size))
}

/// A job id from the path (404 when it cannot be one).
pub fn job_id(raw: &str) -> ApiResult<ObjectId> {
    ObjectId::parse_str(raw).map_err(|_| {
        ApiError::not_found(format!(
            "harvest job {raw} not found (a job id is 24 hex characters)"
        ))
    })
}

/// Parse an item status name (`done`, `failed`, …).
pub fn parse_item_status(raw: &str) -> ApiResult<ItemStatus> {
    const ALL: [ItemStatus; 7] = [
        ItemStatus::Pending,
        ItemStatus::Queued,
        ItemStatus::Started,
        ItemStatus::Done,
        ItemStatus::Failed,
        ItemStatus::Skipped,
        ItemStatus::Archived,
    ];
    ALL.into_iter().find(|s| s.as_str() == raw).ok_or_else(|| {
        ApiError::bad_request(
            Some("status".into()),
            format!(
                "unknown item status {raw:?}; one of {}",
                ALL.map(|s| s.as_str()).join(", ")
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::SourceInput;
    use axum::http::StatusCode;

    #[test]
    fn json_errors_name_the_field() {
        let e = json_body::<SourceInput>(br#"{"name": "x", "colour": 1}"#).unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert_eq!(e.field.as_deref(), Some("colour"));
        let e = json_body::<SourceInput>(br#"{"name": 3}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("name"));
        let e = json_body::<SourceInput>(br#"{"filters": [{"key": "tags"}]}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("filters[0].value"), "{e:?}");
        let e = json_body::<SourceInput>(b"{").unwrap_err();
        assert_eq!(e.field, None);
        assert!(e.message.contains("malformed"));
        let e = json_body::<SourceInput>(b"").unwrap_err();
        assert!(e.message.contains("required"));
        let e = json_body::<SourceInput>(b"{} {}").unwrap_err();
        assert!(e.message.contains("malformed"));
    }
}
