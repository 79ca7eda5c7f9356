//! A harvested resource as udata stores it: remote (a file udata does not host), with its URL's
//! hash. The one starting point of every backend's resource mapping.

use common::model::Resource;

use super::ids;

/// The remote resource `id` at `url`; the mapping fills in the rest.
pub fn remote(id: String, url: String) -> Resource {
    Resource {
        id,
        filetype: "remote".into(),
        urlhash: Some(ids::url_hash(&url)),
        url,
        ..Default::default()
    }
}
