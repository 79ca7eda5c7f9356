//! Trying a source before saving it (or an edit of a saved one): the form is checked like a save,
//! then the service lists and maps a few items and writes nothing.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Json;
use common::model::HarvestSource;
use serde_json::Value;

use super::errors::invalid;
use super::{json_body, optional_json_body, ApiError, ApiResult};
use crate::service::{Service, SourceInput, COMMON_FEATURES};

/// A source that is not saved (preview of a form before creation).
pub fn unsaved_source(url: &str, backend: &str) -> common::model::HarvestSource {
    let mut source = HarvestSource::new("preview", url, backend, bson::DateTime::now());
    source.slug = "preview".into();
    source.active = false;
    source.autoarchive = false;
    source
}

/// Fill an unsaved (or saved, edited) source from a form, with the same checks as a save.
fn preview_source(base: Option<HarvestSource>, input: SourceInput) -> ApiResult<HarvestSource> {
    let mut source = match base {
        Some(s) => s,
        None => {
            let url = required(input.url.as_deref(), "url")?;
            let backend = required(input.backend.as_deref(), "backend")?;
            unsaved_source(url, backend)
        }
    };
    if let Some(url) = input.url.as_deref() {
        let url = url.trim();
        let parsed = url::Url::parse(url).map_err(|e| {
            invalid(
                "url",
                format!(
                    "{url:?} is not a URL ({e}); write it with its scheme, e.g. https://data.example.org"
                ),
            )
        })?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(invalid(
                "url",
                format!("{url:?} must be an http or https URL with a host"),
            ));
        }
        source.url = url.to_owned();
    }
    if let Some(backend) = input.backend.as_deref() {
        source.backend = backend.trim().to_owned();
    }
    let backend = backends::get(&source.backend).map_err(|_| {
        invalid(
            "backend",
            format!(
                "unknown backend {:?}; known: {}",
                source.backend,
                backends::names().join(", ")
            ),
        )
    })?;
    if let Some(filters) = input.filters {
        for (i, f) in filters.iter().enumerate() {
            let known = backend.filter_keys().contains(&f.key.as_str())
                || backends::filters::GENERIC_KEYS.contains(&f.key.as_str());
            if !known {
                return Err(invalid(
                    &format!("filters[{i}].key"),
                    format!("unknown filter {:?} for backend {}", f.key, backend.name()),
                ));
            }
            if f.value.is_null() || f.value.as_str().is_some_and(|s| s.trim().is_empty()) {
                return Err(invalid(&format!("filters[{i}].value"), "is required"));
            }
        }
        source.config.filters = filters;
    }
    if let Some(features) = input.features {
        if let Some(key) = features.keys().find(|k| {
            !backend.feature_keys().contains(&k.as_str()) && !COMMON_FEATURES.contains(&k.as_str())
        }) {
            return Err(invalid(
                "features",
                format!("unknown feature {key:?} for backend {}", backend.name()),
            ));
        }
        source.config.features = features;
    }
    if let Some(extra) = input.extra_configs {
        source.config.extra_configs = extra;
    }
    Ok(source)
}

fn required<'a>(value: Option<&'a str>, field: &str) -> ApiResult<&'a str> {
    match value.map(str::trim) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(invalid(field, "is required")),
    }
}

/// `POST /api/1/preview`: a form that is not saved.
pub(super) async fn unsaved(State(svc): State<Service>, body: Bytes) -> ApiResult<Json<Value>> {
    let input: SourceInput = json_body(&body)?;
    let source = preview_source(None, input)?;
    run_preview(&svc, &source).await
}

/// `POST /api/1/sources/{id}/preview`: a saved source, with the form's edits if any.
pub(super) async fn saved(
    State(svc): State<Service>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let input: SourceInput = optional_json_body(&body)?;
    let saved = svc.store.find_source(&id).await?;
    let source = preview_source(Some(saved), input)?;
    run_preview(&svc, &source).await
}

/// Dry-run a source: list and map a few items, write nothing.
async fn run_preview(svc: &Service, source: &HarvestSource) -> ApiResult<Json<Value>> {
    let preview = svc.preview(source, None).await?;
    serde_json::to_value(&preview)
        .map(Json)
        .map_err(|e| ApiError::internal("serializing the preview", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_form_checks_like_a_save() {
        let e = preview_source(
            None,
            SourceInput {
                url: Some("data.example.org".into()),
                backend: Some("dcat".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("url"));
        let e = preview_source(
            None,
            SourceInput {
                url: Some("https://data.example.org".into()),
                backend: Some("nope".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("backend"));
        let ok = preview_source(
            None,
            SourceInput {
                url: Some(" https://data.example.org ".into()),
                backend: Some("dcat".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(ok.url, "https://data.example.org");
    }
}
