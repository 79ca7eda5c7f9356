//! The registry: every backend this build knows, by the name stored in `harvest_source.backend`.
//! Adding a backend means adding its file and one line in [`registry`].

use std::sync::Arc;

use crate::error::HarvestError;
use crate::harvester::Harvester;
use crate::{ckan, dcat, dkan, iso19139, ods};

/// Every backend this build knows, in the order the admin API lists them.
pub fn registry() -> Vec<Arc<dyn Harvester>> {
    vec![
        Arc::new(dcat::DcatBackend),
        Arc::new(ckan::CkanBackend),
        Arc::new(dkan::DkanBackend),
        Arc::new(ods::OdsBackend),
        Arc::new(iso19139::CswIsoBackend),
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
