//! The URLs of one OpenDataSoft portal, from its public root: the catalog pages, one dataset in
//! the catalog API, its public page, its exports and its files.

use url::Url;

/// The URLs of one ODS portal.
#[derive(Debug, Clone)]
pub struct Portal {
    root: String,
}

impl Portal {
    /// The portal at `source_url` (its public root; trailing slash, query and fragment ignored).
    pub fn new(source_url: &str) -> Self {
        Self {
            root: crate::portal_root(source_url),
        }
    }

    pub fn root(&self) -> &str {
        &self.root
    }

    /// One catalog page, with the facet parameters of the source filters.
    pub fn catalog_url(&self, limit: usize, offset: usize, facets: &[(String, String)]) -> String {
        let base = format!("{}/api/explore/v2.1/catalog/datasets", self.root);
        match Url::parse(&base) {
            Ok(mut url) => {
                {
                    let mut q = url.query_pairs_mut();
                    q.append_pair("limit", &limit.to_string());
                    q.append_pair("offset", &offset.to_string());
                    for (k, v) in facets {
                        q.append_pair(k, v);
                    }
                }
                url.to_string()
            }
            Err(_) => format!("{base}?limit={limit}&offset={offset}"),
        }
    }

    /// One dataset in the catalog API.
    pub fn dataset_api_url(&self, dataset_id: &str) -> String {
        format!(
            "{}/api/explore/v2.1/catalog/datasets/{}",
            self.root,
            segment(dataset_id)
        )
    }

    /// The dataset's public page: `{root}/explore/dataset/{id}/`.
    pub fn explore_url(&self, dataset_id: &str) -> String {
        format!("{}/explore/dataset/{}/", self.root, segment(dataset_id))
    }

    /// A data export: `{root}/api/explore/v2.1/catalog/datasets/{id}/exports/{format}`.
    pub fn export_url(&self, dataset_id: &str, format: &str) -> String {
        format!(
            "{}/api/explore/v2.1/catalog/datasets/{}/exports/{format}",
            self.root,
            segment(dataset_id)
        )
    }

    /// An attachment or alternative export file. ODS serves these under `/api/v2/` (not v2.1),
    /// as udata-ods' migration notes ODS confirmed: `{root}/api/v2/catalog/datasets/{id}/{kind}/{file}`.
    pub fn file_url(&self, dataset_id: &str, kind: &str, file_id: &str) -> String {
        format!(
            "{}/api/v2/catalog/datasets/{}/{kind}/{}",
            self.root,
            segment(dataset_id),
            segment(file_id)
        )
    }
}

fn segment(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC)
        .to_string()
        .replace("%2D", "-")
        .replace("%5F", "_")
        .replace("%2E", ".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let p = Portal::new("https://data.example.org/");
        assert_eq!(
            p.catalog_url(100, 200, &[]),
            "https://data.example.org/api/explore/v2.1/catalog/datasets?limit=100&offset=200"
        );
        assert_eq!(
            p.explore_url("my-data_set"),
            "https://data.example.org/explore/dataset/my-data_set/"
        );
        assert_eq!(
            p.export_url("ds", "shp"),
            "https://data.example.org/api/explore/v2.1/catalog/datasets/ds/exports/shp"
        );
        assert_eq!(
            p.file_url("ds", "attachments", "doc_pdf"),
            "https://data.example.org/api/v2/catalog/datasets/ds/attachments/doc_pdf"
        );
    }
}
