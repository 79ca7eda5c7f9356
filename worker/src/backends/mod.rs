//! The registered backends, by name. A backend is one file implementing
//! [`Harvester`](crate::harvester::Harvester); adding one means adding it to [`registry`].

pub mod ckan;
pub mod ckan_api;
pub mod dcat;
pub mod dkan;
pub mod ods;

use std::sync::Arc;

use crate::error::HarvestError;
use crate::harvester::Harvester;

/// Every backend this build knows, in the order the admin API lists them.
pub fn registry() -> Vec<Arc<dyn Harvester>> {
    vec![
        Arc::new(dcat::DcatBackend),
        Arc::new(ckan::CkanBackend),
        Arc::new(dkan::DkanBackend),
        Arc::new(ods::OdsBackend),
    ]
}

/// The backend registered under `name`.
pub fn get(name: &str) -> Result<Arc<dyn Harvester>, HarvestError> {
    registry()
        .into_iter()
        .find(|b| b.name() == name)
        .ok_or_else(|| HarvestError::UnknownBackend(name.to_owned()))
}

/// The root of an API portal from a source URL: trimmed, without query, fragment or trailing
/// slash (CKAN, DKAN and ODS build their endpoint URLs on it).
pub fn portal_root(source_url: &str) -> String {
    let trimmed = source_url.trim();
    let root = match url::Url::parse(trimmed) {
        Ok(mut url) => {
            url.set_query(None);
            url.set_fragment(None);
            url.to_string()
        }
        Err(_) => trimmed.to_owned(),
    };
    root.trim_end_matches('/').to_owned()
}

/// Names of all registered backends.
pub fn names() -> Vec<&'static str> {
    registry().iter().map(|b| b.name()).collect()
}
