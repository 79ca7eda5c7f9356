//! One CKAN (or DKAN) resource mapped onto a udata resource: its URL made absolute, its id kept
//! when it is a UUID, its format, media type, size and checksum read as udata-ckan reads them.

use common::model::{Checksum, HarvestResourceMetadata, Resource};
use serde_json::Value;
use url::Url;

use crate::mapping::values::{json_byte_size, string, SizeRule};
use crate::mapping::{formats, ids, resource, text, MapContext};

use super::{date_field, markdown_of, Dialect};

/// One CKAN resource: `Err` (with the reason) when it has no usable URL.
pub(super) fn map_resource(
    raw: &Value,
    index: usize,
    dataset_key: &str,
    dialect: Dialect,
    ctx: &MapContext<'_>,
    warnings: &mut Vec<String>,
) -> Result<Resource, String> {
    let Some(res) = raw.as_object() else {
        return Err("not an object".into());
    };
    let raw_url = string(res, "url").ok_or("no url")?;
    let url = resource_url(&raw_url).ok_or_else(|| format!("invalid url {raw_url:?}"))?;

    let remote_key = string(res, "id");
    let id = match remote_key
        .as_deref()
        .and_then(|k| uuid::Uuid::parse_str(k).ok())
    {
        Some(uuid) => uuid.hyphenated().to_string(),
        None => ids::resource_id(
            dataset_key,
            remote_key.as_deref().unwrap_or(&format!("{url}#{index}")),
        ),
    };
    let title = string(res, "name")
        .and_then(|t| text::clean_text(&t))
        .unwrap_or_else(|| text::title_from_url(&url));
    let description = string(res, "description")
        .map(|d| markdown_of(&d))
        .filter(|d| !d.is_empty());

    let declared_format = string(res, "format");
    let format = declared_format
        .as_deref()
        .and_then(formats::normalize_format)
        .or_else(|| formats::format_from_url(&url));
    // `mimetype` when it is a media type (DKAN puts extensions there), else a media type given
    // as the format (`"format": "text/csv"`).
    let mime = string(res, "mimetype")
        .and_then(|m| formats::mime_type(&m))
        .or_else(|| declared_format.as_deref().and_then(formats::mime_type));

    // DKAN writes human sizes (`"42 octets"`).
    let rule = match dialect {
        Dialect::Ckan => SizeRule::Bytes,
        Dialect::Dkan => SizeRule::Human,
    };
    let filesize = res.get("size").and_then(|v| json_byte_size(v, rule));
    let checksum = string(res, "hash").and_then(|h| checksum(&h));

    let kind = match string(res, "resource_type").as_deref() {
        Some("api") => "api",
        Some("documentation") => "documentation",
        Some("code") => "code",
        Some("image") | Some("visualization") => "other",
        _ => "main",
    };

    let created_at = date_field(res, "created", dialect, ctx, warnings);
    let modified_at = date_field(res, "last_modified", dialect, ctx, warnings);

    Ok(Resource {
        title,
        description,
        kind: kind.into(),
        checksum,
        format,
        mime,
        filesize,
        // udata's CKAN backend: the resource's `created` is its `issued_at`, its id the
        // `remote_id` (udata has no resource `created_at`).
        harvest: Some(HarvestResourceMetadata {
            issued_at: created_at,
            modified_at,
            remote_id: remote_key.clone(),
            ..Default::default()
        }),
        ..resource::remote(id, url)
    })
}

/// udata accepts http, https, ftp and ftps URLs with a host.
pub(super) fn valid_url(raw: &str) -> Option<String> {
    let url = Url::parse(raw.trim()).ok()?;
    (matches!(url.scheme(), "http" | "https" | "ftp" | "ftps") && url.host_str().is_some())
        .then(|| url.to_string())
}

/// A resource URL, with `http://` added when the scheme is missing (udata's `is_url` filter).
fn resource_url(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.contains("://") || Url::parse(raw).is_ok() {
        // Absolute already (`mailto:…` and other schemes are refused by `valid_url`).
        valid_url(raw)
    } else {
        valid_url(&format!("http://{raw}"))
    }
}

/// A checksum from CKAN's `hash`: `algo:value`, or a bare hex digest typed by its length
/// (udata's `hash` filter: 32 → md5, 40 → sha1, 64 → sha256).
fn checksum(raw: &str) -> Option<Checksum> {
    let raw = raw.trim();
    let (declared, value) = match raw.split_once(':') {
        Some((algo, value)) => (Some(algo.trim().to_ascii_lowercase()), value.trim()),
        None => (None, raw),
    };
    if value.is_empty() || !value.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let by_length = match value.len() {
        32 => Some("md5"),
        40 => Some("sha1"),
        64 => Some("sha256"),
        _ => None,
    };
    let kind = match declared.as_deref() {
        Some("md5") => "md5",
        Some("sha1") | Some("sha-1") => "sha1",
        Some("sha256") | Some("sha-256") => "sha256",
        Some("sha2") => "sha2",
        Some("crc") | Some("crc32") => "crc",
        Some(_) => return None,
        None => by_length?,
    };
    Some(Checksum {
        kind: kind.into(),
        value: value.to_ascii_lowercase(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums() {
        let md5 = checksum("0123456789abcdef0123456789ABCDEF").unwrap();
        assert_eq!(md5.kind, "md5");
        assert_eq!(md5.value, "0123456789abcdef0123456789abcdef");
        assert_eq!(checksum(&"a".repeat(40)).unwrap().kind, "sha1");
        assert_eq!(
            checksum(&format!("sha256:{}", "b".repeat(64)))
                .unwrap()
                .kind,
            "sha256"
        );
        assert!(checksum("not-a-hash").is_none());
        assert!(checksum("abc").is_none());
    }

    #[test]
    fn urls() {
        assert_eq!(
            resource_url("example.org/a.csv").as_deref(),
            Some("http://example.org/a.csv")
        );
        assert_eq!(resource_url("mailto:x@y.z"), None);
        assert_eq!(valid_url("not a url"), None);
    }
}
