//! The dataset itself: its title, description, tags, frequency, licence, `extras.dcat` and
//! harvest metadata, gathering what the other mapping modules read from the subgraph.

use std::collections::HashSet;

use bson::Document;
use common::model::{Dataset, HarvestDatasetMetadata};

use super::resources::KeptResources;
use super::{insert_list, is_valid_url, remote_url, Mapper, BACKEND, RDF_VALUE};
use crate::mapping::{dates, frequency, license, markdown, tags, text, MapError, MappedDataset};
use crate::rdf::catalog::{first_text, remote_id as dataset_remote_id};
use crate::rdf::graph::{Term, TermId};
use crate::rdf::vocab::*;

impl Mapper<'_> {
    pub(super) fn dataset(&mut self, node: TermId) -> Result<MappedDataset, MapError> {
        let title = self
            .text(node, DCT_TITLE)
            .and_then(|t| text::clean_text(&t))
            .ok_or(MapError::MissingField { field: "title" })?;
        let remote_id = dataset_remote_id(self.g, node).ok_or(MapError::MissingField {
            field: "dct:identifier",
        })?;
        let source_id = self.ctx.source.id.to_hex();

        let mut dataset = Dataset {
            title,
            acronym: self
                .text(node, SKOS_ALT_LABEL)
                .and_then(|t| text::clean_text(&t)),
            description: self.description(node).unwrap_or_default(),
            tags: self.tags(node),
            frequency: self.frequency(node),
            temporal_coverage: self.temporal(node),
            spatial: self.spatial(node),
            ..Default::default()
        };

        let contact_points = self.contact_points(node);

        // Resources.
        let dataset_key = format!("{source_id}/{remote_id}");
        let mut distributions: Vec<TermId> = Vec::new();
        let mut listed: HashSet<TermId> = HashSet::new();
        for pred in [DCAT_DISTRIBUTION, DCAT_DISTRIBUTIONS] {
            for d in self.g.objects(node, pred) {
                if listed.insert(d) {
                    distributions.push(d);
                }
            }
        }
        let mut kept = KeptResources::default();
        let mut keys = HashSet::new();
        let mut resource_licenses: Vec<String> = Vec::new();
        let mut resource_rights: Vec<String> = Vec::new();
        let mut per_resource_rights: Vec<Vec<String>> = Vec::new();
        let mut per_resource_access: Vec<Vec<String>> = Vec::new();
        let mut per_resource_licenses: Vec<Vec<String>> = Vec::new();
        for d in distributions {
            let Some(resource) = self.resource(d, &dataset_key, &mut keys, false) else {
                continue;
            };
            if kept.is_duplicate(&resource) {
                self.warn(format!(
                    "resource: several distributions share the URL {:?}: kept the first",
                    resource.url
                ));
                continue;
            }
            let licenses = self.unwrapped_values(d, DCT_LICENSE);
            let rights = self.unwrapped_values(d, DCT_RIGHTS);
            resource_licenses.extend(licenses.iter().cloned());
            resource_rights.extend(rights.iter().cloned());
            per_resource_licenses.push(self.extra_values(d, DCT_LICENSE));
            per_resource_rights.push(self.extra_values(d, DCT_RIGHTS));
            per_resource_access.push(self.extra_values(d, DCT_ACCESS_RIGHTS));
            dataset.resources.push(resource);
        }
        for part in self.g.objects(node, DCT_HAS_PART) {
            if let Some(resource) = self.resource(part, &dataset_key, &mut keys, true) {
                if !kept.is_duplicate(&resource) {
                    dataset.resources.push(resource);
                }
            }
        }

        // Licence: dataset dct:license, dataset dct:rights, then the distributions'.
        let licenses = self.unwrapped_values(node, DCT_LICENSE);
        let rights = self.unwrapped_values(node, DCT_RIGHTS);
        let mut candidates: Vec<&str> = Vec::new();
        for c in licenses
            .iter()
            .chain(&rights)
            .chain(&resource_licenses)
            .chain(&resource_rights)
        {
            if !candidates.contains(&c.as_str()) {
                candidates.push(c);
            }
        }
        // Last resort: the last segment of licence IRIs (`…/licenses/cc-zero` names udata's id).
        let segments: Vec<&str> = candidates
            .iter()
            .filter(|c| is_valid_url(c))
            .filter_map(|c| c.trim_end_matches('/').rsplit('/').next())
            .filter(|s| s.len() >= 3)
            .collect();
        let guessed = self
            .ctx
            .licenses
            .guess_first(candidates.iter().copied())
            .or_else(|| segments.iter().find_map(|s| self.ctx.licenses.get(s)));
        if guessed.is_none() && !candidates.is_empty() {
            self.warn(format!(
                "license: no known license matches {:?}, {} used",
                candidates.iter().take(5).collect::<Vec<_>>(),
                license::DEFAULT_LICENSE
            ));
        }
        // udata: `License.guess(...) or License.default()`.
        dataset.license = guessed
            .or_else(|| self.ctx.licenses.default_license())
            .map(|l| l.id.clone());

        // extras.dcat, as udata keeps them.
        let mut dcat = Document::new();
        let unanimous = |lists: &[Vec<String>]| -> Vec<String> {
            match lists.split_first() {
                Some((first, rest)) if rest.iter().all(|l| l == first) => first.clone(),
                _ => Vec::new(),
            }
        };
        let mut extra_rights = self.extra_values(node, DCT_RIGHTS);
        if extra_rights.is_empty() {
            extra_rights = unanimous(&per_resource_rights);
        }
        let mut access = self.extra_values(node, DCT_ACCESS_RIGHTS);
        if access.is_empty() {
            access = unanimous(&per_resource_access);
        }
        let mut extra_licenses = self.extra_values(node, DCT_LICENSE);
        if extra_licenses.is_empty() {
            extra_licenses = unanimous(&per_resource_licenses);
        }
        insert_list(&mut dcat, "rights", &extra_rights);
        insert_list(&mut dcat, "accessRights", &access);
        insert_list(&mut dcat, "license", &extra_licenses);
        insert_list(
            &mut dcat,
            "provenance",
            &self.extra_values(node, DCT_PROVENANCE),
        );
        if let Some(res) = self.spatial_resolution(node) {
            dcat.insert("spatial_resolution", res);
        }
        if !dcat.is_empty() {
            dataset.extras.insert("dcat", dcat);
        }

        // Harvest metadata.
        let issued = self.date(node, DCT_ISSUED, "issued");
        // udata: `harvest.created_at = rdf_value(d, DCT.created)`, no fallback on dct:issued.
        let created = self.date(node, DCT_CREATED, "created");
        let modified = self.modified(node, "modified");
        let remote_url_prefix = self
            .ctx
            .source
            .extra_config("remote_url_prefix")
            .and_then(|v| v.as_str());
        dataset.harvest = Some(HarvestDatasetMetadata {
            backend: Some(BACKEND.into()),
            domain: self.ctx.source.domain(),
            source_id: Some(source_id),
            remote_id: Some(remote_id),
            remote_url: remote_url(self.g, node, remote_url_prefix),
            uri: self.term(node).as_iri().map(str::to_owned),
            created_at: created.map(dates::to_bson),
            issued_at: issued.map(dates::to_bson),
            modified_at: modified.map(dates::to_bson),
            last_update: Some(dates::to_bson(self.ctx.now)),
            dct_identifier: first_text(self.g, node, DCT_IDENTIFIER),
            ..Default::default()
        });

        Ok(MappedDataset {
            dataset,
            contact_points,
            warnings: std::mem::take(&mut self.warnings),
        })
    }

    /// `dct:description`, else `dct:abstract`; HTML converted to Markdown.
    fn description(&self, node: TermId) -> Option<String> {
        let raw = self
            .text(node, DCT_DESCRIPTION)
            .or_else(|| self.text(node, DCT_ABSTRACT))?;
        let md = markdown::html_to_markdown(&raw);
        (!md.trim().is_empty()).then_some(md)
    }

    /// `dcat:keyword` literals and `dcat:theme` labels (or literals), normalised like udata tags
    /// (sorted, unique); EU High-Value-Dataset categories add `hvd`, INSPIRE themes `inspire`.
    fn tags(&mut self, node: TermId) -> Vec<String> {
        let mut raw: Vec<String> = Vec::new();
        for k in self.g.objects(node, DCAT_KEYWORD) {
            match self.term(k) {
                Term::Literal { value, .. } => raw.push(value.to_string()),
                _ => {
                    let shown = self.show(k);
                    self.warn(format!("keyword: ignoring non-literal value {shown}"));
                }
            }
        }
        for theme in self.g.objects(node, DCAT_THEME) {
            match self.term(theme) {
                Term::Literal { value, .. } => raw.push(value.to_string()),
                term => {
                    let mut label = self
                        .text(theme, SKOS_PREF_LABEL)
                        .or_else(|| self.text(theme, RDFS_LABEL));
                    let iri = term.as_iri();
                    if let Some((_, hvd)) =
                        iri.and_then(|iri| EU_HVD_CATEGORIES.iter().find(|(u, _)| *u == iri))
                    {
                        label = Some((*hvd).to_owned());
                        raw.push("hvd".into());
                    }
                    if iri.is_some_and(|i| i.starts_with(INSPIRE_THEME_NAMESPACE))
                        || self.in_inspire_scheme(theme)
                    {
                        raw.push("inspire".into());
                    }
                    if let Some(label) = label {
                        raw.push(label);
                    }
                }
            }
        }
        tags::normalize_tags(raw)
    }

    fn in_inspire_scheme(&self, theme: TermId) -> bool {
        self.g
            .objects(theme, SKOS_IN_SCHEME)
            .into_iter()
            .any(|scheme| {
                let title = self
                    .text(scheme, DCT_TITLE)
                    .or_else(|| self.text(scheme, SKOS_PREF_LABEL))
                    .or_else(|| self.text(scheme, RDFS_LABEL));
                title.is_some_and(|t| t.to_lowercase() == "gemet - inspire themes, version 1.0")
                    || self
                        .term(scheme)
                        .as_iri()
                        .is_some_and(|i| INSPIRE_SCHEME_URIS.contains(&i.trim_end_matches('/')))
            })
    }

    fn frequency(&mut self, node: TermId) -> Option<String> {
        let v = self
            .g
            .objects(node, DCT_ACCRUAL_PERIODICITY)
            .into_iter()
            .next()?;
        let candidates: Vec<String> = match self.term(v) {
            Term::Blank(_) => [RDF_VALUE, SKOS_PREF_LABEL, RDFS_LABEL]
                .iter()
                .filter_map(|p| self.text(v, p))
                .collect(),
            t => t
                .text()
                .map(|s| vec![s.trim().to_owned()])
                .unwrap_or_default(),
        };
        let found = candidates
            .iter()
            .find_map(|c| frequency::map_frequency(c))
            .map(str::to_owned);
        if found.is_none() {
            let shown = self.show(v);
            self.warn(format!("frequency: unknown value {shown}"));
        }
        found
    }
}
