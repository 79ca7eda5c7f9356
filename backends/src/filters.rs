//! Source filters applied after mapping, for the filter keys a backend cannot send to its remote
//! (CKAN filters in `fq`; DCAT has no remote filtering). Filters are AND-combined: an item is kept
//! only if every include filter matches and no exclude filter does.

use common::model::{Dataset, Filter, FilterKind};

/// Keys understood on mapped datasets.
pub const GENERIC_KEYS: &[&str] = &[
    "tags",
    "license",
    "format",
    "title",
    "organization",
    "remote_id",
];

/// `Err(reason)` when the dataset is filtered out.
pub fn check(filters: &[Filter], remote_handled: &[&str], dataset: &Dataset) -> Result<(), String> {
    for f in filters
        .iter()
        .filter(|f| !remote_handled.contains(&f.key.as_str()))
    {
        let values: Vec<String> = match &f.value {
            serde_json::Value::Array(a) => a.iter().filter_map(value_text).collect(),
            v => value_text(v).into_iter().collect(),
        };
        let matched = values.iter().any(|v| matches(&f.key, v, dataset));
        match (f.kind, matched) {
            (FilterKind::Include, false) => {
                return Err(format!(
                    "not included by filter {}={}",
                    f.key,
                    values.join("|")
                ))
            }
            (FilterKind::Exclude, true) => {
                return Err(format!("excluded by filter {}={}", f.key, values.join("|")))
            }
            _ => {}
        }
    }
    Ok(())
}

fn value_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn matches(key: &str, value: &str, d: &Dataset) -> bool {
    let v = value.to_lowercase();
    match key {
        "tags" => d.tags.iter().any(|t| t.to_lowercase() == v),
        "license" => d
            .license
            .as_deref()
            .is_some_and(|l| l.eq_ignore_ascii_case(&v)),
        "format" => d.resources.iter().any(|r| {
            r.format
                .as_deref()
                .is_some_and(|f| f.eq_ignore_ascii_case(&v))
        }),
        "title" => d.title.to_lowercase().contains(&v),
        "organization" => d.extras.iter().any(|(k, x)| {
            k.ends_with("organization") && x.as_str().is_some_and(|s| s.eq_ignore_ascii_case(&v))
        }),
        "remote_id" => d
            .harvest
            .as_ref()
            .and_then(|h| h.remote_id.as_deref())
            .is_some_and(|r| r == value),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(key: &str, value: &str, kind: FilterKind) -> Filter {
        Filter {
            key: key.into(),
            value: serde_json::Value::String(value.into()),
            kind,
        }
    }

    #[test]
    fn include_and_exclude_are_and_combined() {
        let d = Dataset {
            title: "Budget 2024".into(),
            tags: vec!["finances".into(), "budget".into()],
            ..Default::default()
        };
        assert!(check(&[filter("tags", "budget", FilterKind::Include)], &[], &d).is_ok());
        assert!(check(&[filter("tags", "transport", FilterKind::Include)], &[], &d).is_err());
        let both = [
            filter("tags", "budget", FilterKind::Include),
            filter("tags", "finances", FilterKind::Exclude),
        ];
        assert!(check(&both, &[], &d).unwrap_err().contains("excluded"));
        // A key the backend already filtered on the remote is not filtered again.
        assert!(check(
            &[filter("tags", "transport", FilterKind::Include)],
            &["tags"],
            &d
        )
        .is_ok());
    }
}
