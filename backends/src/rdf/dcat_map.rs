//! Mapping of one DCAT dataset (its subgraph, as gather stored it in the item payload) onto
//! udata's model, following the DCAT table of the harvesting documentation and the behaviour of
//! udata's `udata/core/dataset/rdf.py` (`dataset_from_rdf`, `resource_from_rdf`) and
//! `udata/rdf.py` (contact points, themes, remote URL).
//!
//! Lenient by design: only a missing title fails a dataset; every other problem (invalid date,
//! unknown licence, unreadable geometry, distribution without URL…) is a warning naming the field
//! and the value, and the rest of the dataset is still mapped.

use std::collections::HashSet;

use bson::{Bson, Document};
use chrono::{DateTime, Utc};
use common::model::{
    Checksum, ContactPoint, Dataset, DateRange, HarvestDatasetMetadata, HarvestResourceMetadata,
    Resource, SpatialCoverage,
};

use super::catalog::{first_text, remote_id as dataset_remote_id};
use super::geo::{
    multipolygon_doc, polygons_from_bbox, polygons_from_geojson, polygons_from_wkt,
    validate_polygon, GeoError, Polygon,
};
use super::graph::{Graph, Term, TermId};
use super::vocab::*;
use crate::mapping::{
    dates, formats, frequency, ids, license, markdown, spatial, tags, text, udata_url, MapContext,
    MapError, MappedDataset,
};

/// A period read from RDF: start and end, each optional.
type Period = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// Backend name stored in `harvest.backend`.
pub const BACKEND: &str = "dcat";
/// Language preferred when a property has values in several languages.
pub const PREFERRED_LANG: &str = "fr";
/// udata's OGC service formats: resources of these formats are told apart by title too.
const OGC_SERVICE_FORMATS: [&str; 3] = ["wfs", "wms", "wmts"];

/// Map the dataset `root` (N-Triples term: `<iri>` or `_:label`) of the subgraph `ntriples`.
pub fn map_dataset(
    root: &str,
    ntriples: &str,
    ctx: &MapContext,
) -> Result<MappedDataset, MapError> {
    let g = Graph::from_ntriples(ntriples).map_err(|e| MapError::Invalid {
        field: "payload",
        reason: e.to_string(),
    })?;
    let root_term = parse_root(root).ok_or_else(|| MapError::Invalid {
        field: "root",
        reason: format!("{root:?} is not an N-Triples IRI or blank node"),
    })?;
    let node = g.find(&root_term).ok_or_else(|| MapError::Invalid {
        field: "root",
        reason: format!("{root} is not in the payload"),
    })?;
    let mut m = Mapper {
        g: &g,
        ctx,
        warnings: Vec::new(),
    };
    let mut mapped = m.dataset(node)?;
    udata_url::keep_accepted_urls(&mut mapped);
    Ok(mapped)
}

fn parse_root(root: &str) -> Option<Term> {
    let root = root.trim();
    if let Some(label) = root.strip_prefix("_:") {
        return (!label.is_empty()).then(|| Term::blank(label));
    }
    let inner = root.strip_prefix('<')?.strip_suffix('>')?;
    Some(Term::iri(inner))
}

/// The URL to show for a dataset (udata `remote_url_from_rdf`): with a `remote_url_prefix`
/// (source extra config) and a catalog record identifier, `prefix/identifier`; else a valid
/// `dcat:landingPage`, else the dataset IRI or `dct:identifier` when it is an absolute http(s)
/// URL; else none
/// (docs/udata-compatibility.md, "Identifiers and links").
pub fn remote_url(g: &Graph, node: TermId, remote_url_prefix: Option<&str>) -> Option<String> {
    if let Some(prefix) = remote_url_prefix.map(str::trim).filter(|p| !p.is_empty()) {
        if let Some(id) = primary_topic_identifier(g, node) {
            return Some(format!("{}/{}", prefix.trim_end_matches('/'), id));
        }
    }
    // The landing page, else the dataset's identifier (its IRI, then its `dct:identifier`) when
    // it is an absolute http(s) URL. Never anything resolved or built: a relative identifier
    // (GeoDCAT-AP records) is not a link.
    let landing = g
        .objects(node, DCAT_LANDING_PAGE)
        .into_iter()
        .filter_map(|o| g.term(o).text().map(str::trim))
        .find(|c| is_valid_url(c))
        .map(str::to_owned);
    let http =
        |c: &String| is_valid_url(c) && (c.starts_with("http://") || c.starts_with("https://"));
    let iri = g
        .term(node)
        .as_iri()
        .map(|i| i.trim().to_owned())
        .filter(http);
    let identifier = first_text(g, node, DCT_IDENTIFIER).filter(http);
    landing.or(iri).or(identifier)
}

/// `dct:identifier` of the catalog record describing the dataset (`foaf:isPrimaryTopicOf`, or a
/// record whose `foaf:primaryTopic` is the dataset); a `urn:uuid:` prefix on an `xsd:anyURI`
/// identifier is removed (GeoNetwork ISO 19115-3 templates).
fn primary_topic_identifier(g: &Graph, node: TermId) -> Option<String> {
    let record = g
        .objects(node, FOAF_IS_PRIMARY_TOPIC_OF)
        .into_iter()
        .next()
        .or_else(|| g.subjects(FOAF_PRIMARY_TOPIC, node).into_iter().next())?;
    let id = g.objects(record, DCT_IDENTIFIER).into_iter().next()?;
    let term = g.term(id);
    let value = term.text()?.trim();
    if term.datatype() == Some(XSD_ANY_URI) {
        if let Some(uuid) = value.strip_prefix("urn:uuid:") {
            return Some(uuid.to_owned());
        }
    }
    (!value.is_empty()).then(|| value.to_owned())
}

/// udata's `uris.validate`, simplified: an absolute http(s)/ftp(s) URL with a host.
pub fn is_valid_url(s: &str) -> bool {
    url::Url::parse(s).is_ok_and(|u| {
        matches!(u.scheme(), "http" | "https" | "ftp" | "ftps")
            && u.host_str().is_some_and(|h| !h.is_empty())
    })
}

/// Where a distribution's format comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FormatOrigin {
    /// Its access service's protocol or its `dct:format`.
    Declared,
    /// Its media type or URL extension.
    Inferred,
}

struct Mapper<'a> {
    g: &'a Graph,
    ctx: &'a MapContext<'a>,
    warnings: Vec<String>,
}

impl<'a> Mapper<'a> {
    fn warn(&mut self, msg: String) {
        if !self.warnings.contains(&msg) {
            self.warnings.push(msg);
        }
    }

    fn term(&self, id: TermId) -> &'a Term {
        self.g.term(id)
    }

    /// Short display of a node for warnings.
    fn show(&self, id: TermId) -> String {
        match self.term(id) {
            Term::Iri(i) => format!("<{i}>"),
            Term::Blank(_) => match self.text(id, DCT_TITLE) {
                Some(t) => format!("{t:?} (blank node)"),
                None => "(blank node)".into(),
            },
            Term::Literal { value, .. } => format!("{value:?}"),
        }
    }

    /// The value in the preferred language (udata `default_lang_value`): a literal in French,
    /// else one without language, else in English, else the first value.
    fn lang_value(&self, node: TermId, pred: &str) -> Option<TermId> {
        let values = self.g.objects(node, pred);
        let lang_is = |id: &TermId, want: &str| {
            self.term(*id).lang().is_some_and(|l| {
                let l = l.to_ascii_lowercase();
                l == want || l.starts_with(&format!("{want}-"))
            })
        };
        values
            .iter()
            .find(|v| lang_is(v, PREFERRED_LANG))
            .or_else(|| {
                values
                    .iter()
                    .find(|v| self.term(**v).is_literal() && self.term(**v).lang().is_none())
            })
            .or_else(|| values.iter().find(|v| lang_is(v, "en")))
            .or_else(|| values.first())
            .copied()
    }

    /// Text of the preferred value (IRI or literal), trimmed, `None` when empty.
    fn text(&self, node: TermId, pred: &str) -> Option<String> {
        let v = self.lang_value(node, pred)?;
        let s = self.term(v).text()?.trim();
        (!s.is_empty()).then(|| s.to_owned())
    }

    /// The licence guesser's candidates: udata's `rdf_unique_values(…, unwrap=[rdfs:label,
    /// dct:description])` plus the IRI of an IRI node before its label (a licence URL is what the
    /// guesser matches best). `extras.dcat` takes [`Self::extra_values`].
    fn unwrapped_values(&self, node: TermId, pred: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for o in self.g.objects(node, pred) {
            let mut push = |s: &str| {
                let s = s.trim();
                if !s.is_empty() && !out.iter().any(|x| x == s) {
                    out.push(s.to_owned());
                }
            };
            match self.term(o) {
                Term::Literal { value, .. } => push(value),
                Term::Iri(iri) => {
                    push(iri);
                    if let Some(label) = self
                        .text(o, RDFS_LABEL)
                        .or_else(|| self.text(o, DCT_DESCRIPTION))
                    {
                        push(&label);
                    }
                }
                Term::Blank(_) => {
                    if let Some(label) = self
                        .text(o, RDFS_LABEL)
                        .or_else(|| self.text(o, DCT_DESCRIPTION))
                        .or_else(|| self.text(o, DCT_TITLE))
                    {
                        push(&label);
                    }
                }
            }
        }
        out
    }

    /// udata `rdf_unique_values(…, unwrap=[rdfs:label, dct:description])` as stored in
    /// `extras.dcat`: one value per object, the label (or description) of a node, else its IRI.
    /// A blank node without either gives nothing (udata stores rdflib's generated node id).
    fn extra_values(&self, node: TermId, pred: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for o in self.g.objects(node, pred) {
            let label = || {
                self.text(o, RDFS_LABEL)
                    .or_else(|| self.text(o, DCT_DESCRIPTION))
            };
            let value = match self.term(o) {
                Term::Literal { value, .. } => Some(value.trim().to_owned()),
                Term::Iri(iri) => Some(label().unwrap_or_else(|| iri.trim().to_owned())),
                Term::Blank(_) => label(),
            };
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
        }
        out
    }

    fn date(&mut self, node: TermId, pred: &str, field: &str) -> Option<DateTime<Utc>> {
        let value = self.text(node, pred)?;
        let parsed = dates::parse_date(&value);
        if parsed.is_none() {
            self.warn(format!("{field}: invalid date {value:?}"));
        }
        parsed
    }

    /// `dct:modified`, never later than the harvest.
    fn modified(&mut self, node: TermId, field: &str) -> Option<DateTime<Utc>> {
        let d = self.date(node, DCT_MODIFIED, field)?;
        if d > self.ctx.now {
            self.warn(format!(
                "{field}: {} is in the future, harvest time used instead",
                d.to_rfc3339()
            ));
        }
        Some(dates::not_in_future(d, self.ctx.now))
    }

    fn dataset(&mut self, node: TermId) -> Result<MappedDataset, MapError> {
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
        for pred in [DCAT_DISTRIBUTION, DCAT_DISTRIBUTIONS] {
            for d in self.g.objects(node, pred) {
                if !distributions.contains(&d) {
                    distributions.push(d);
                }
            }
        }
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
            if merge_duplicate(&mut dataset.resources, &resource) {
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
                if !merge_duplicate(&mut dataset.resources, &resource) {
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

    fn temporal(&mut self, node: TermId) -> Option<DateRange> {
        let values = self.g.objects(node, DCT_TEMPORAL);
        for v in values {
            let range = match self.term(v) {
                Term::Literal { value, .. } => self.temporal_literal(value),
                Term::Iri(iri) if !self.g.is_described(v) => {
                    self.warn(format!(
                        "temporal: <{iri}> is not described in the catalog (not fetched)"
                    ));
                    None
                }
                _ => self.temporal_node(v),
            };
            if let Some((start, end)) = range {
                if let (Some(s), Some(e)) = (start, end) {
                    if s > e {
                        self.warn(format!(
                            "temporal: start {} is after end {}",
                            s.date_naive(),
                            e.date_naive()
                        ));
                        continue;
                    }
                }
                return Some(DateRange {
                    start: start.map(dates::to_bson),
                    end: end.map(dates::to_bson),
                });
            }
        }
        None
    }

    /// `start/end`, a year or a year-month (udata `temporal_from_literal`).
    fn temporal_literal(&mut self, text: &str) -> Option<Period> {
        let text = text.trim();
        if let Some((start, end)) = text.split_once('/') {
            let (s, e) = (start.trim(), end.trim());
            let start = (!s.is_empty()).then(|| dates::parse_date(s)).flatten();
            let end = (!e.is_empty()).then(|| dates::end_of_period(e)).flatten();
            if (start.is_none() && !s.is_empty()) || (end.is_none() && !e.is_empty()) {
                self.warn(format!("temporal: invalid period {text:?}"));
            }
            return (start.is_some() || end.is_some()).then_some((start, end));
        }
        if text.matches('-').count() <= 1 {
            let start = dates::parse_date(text);
            let end = dates::end_of_period(text);
            if start.is_some() && end.is_some() {
                return Some((start, end));
            }
        }
        self.warn(format!("temporal: cannot read period {text:?}"));
        None
    }

    /// A period node: schema.org, DCAT, SCOVO or OWL-Time start and end.
    fn temporal_node(&mut self, v: TermId) -> Option<Period> {
        let pairs = [
            (SCHEMA_START_DATE, SCHEMA_END_DATE),
            (SCHEMA_START_DATE_HTTPS, SCHEMA_END_DATE_HTTPS),
            (DCAT_START_DATE, DCAT_END_DATE),
            (SCV_MIN, SCV_MAX),
        ];
        for (sp, ep) in pairs {
            let s = self.text(v, sp);
            let e = self.text(v, ep);
            if s.is_some() || e.is_some() {
                return self.period(s, e);
            }
        }
        let instant = |m: &Self, p: &str| -> Option<String> {
            let node = m.g.objects(v, p).into_iter().next()?;
            [
                TIME_IN_XSD_DATE_TIME_STAMP,
                TIME_IN_XSD_DATE_TIME,
                TIME_IN_XSD_DATE,
            ]
            .iter()
            .find_map(|q| m.text(node, q))
        };
        let s = instant(self, TIME_HAS_BEGINNING);
        let e = instant(self, TIME_HAS_END);
        if s.is_some() || e.is_some() {
            return self.period(s, e);
        }
        let shown = self.show(v);
        self.warn(format!("temporal: no start or end date in {shown}"));
        None
    }

    fn period(&mut self, s: Option<String>, e: Option<String>) -> Option<Period> {
        let start = s.as_deref().and_then(dates::parse_date);
        let end = e.as_deref().and_then(dates::end_of_period);
        if let (Some(raw), None) = (&s, start) {
            self.warn(format!("temporal: invalid start date {raw:?}"));
        }
        if let (Some(raw), None) = (&e, end) {
            self.warn(format!("temporal: invalid end date {raw:?}"));
        }
        (start.is_some() || end.is_some()).then_some((start, end))
    }

    /// Polygons of every geometry of `dct:spatial`, merged into one MultiPolygon.
    fn spatial(&mut self, node: TermId) -> Option<SpatialCoverage> {
        let mut polygons: Vec<Polygon> = Vec::new();
        for term in self.g.objects(node, DCT_SPATIAL) {
            let mut found: Vec<Result<Vec<Polygon>, GeoError>> = Vec::new();
            match self.term(term) {
                Term::Literal {
                    value, datatype, ..
                } => {
                    if let Some(p) = polygons_from_bbox(value) {
                        found.push(Ok(p));
                    } else if let Some(r) = geometry_literal(value, datatype.as_deref(), true) {
                        found.push(r);
                    }
                }
                _ => {
                    let mut nodes = vec![term];
                    // One level of nesting: locn:geometry [ gsp:asWKT "…" ].
                    for t in self.g.triples_of(term) {
                        if self.term(t[2]).is_blank() {
                            nodes.push(t[2]);
                        }
                    }
                    for n in nodes {
                        for t in self.g.triples_of(n) {
                            let pred = self.term(t[1]).as_iri().unwrap_or("");
                            let geometry_pred =
                                matches!(pred, LOCN_GEOMETRY | DCAT_BBOX | GSP_AS_WKT);
                            if let Term::Literal {
                                value, datatype, ..
                            } = self.term(t[2])
                            {
                                if let Some(r) =
                                    geometry_literal(value, datatype.as_deref(), geometry_pred)
                                {
                                    found.push(r);
                                }
                            }
                        }
                    }
                }
            }
            for r in found {
                match r {
                    Ok(ps) => {
                        for p in ps {
                            match validate_polygon(p) {
                                Ok(p) => {
                                    if !polygons.contains(&p) {
                                        polygons.push(p);
                                    }
                                }
                                Err(e) => self.warn(format!("spatial: {e}")),
                            }
                        }
                    }
                    Err(e) => self.warn(format!("spatial: {e}")),
                }
            }
        }
        if polygons.is_empty() {
            return None;
        }
        Some(spatial::coverage_of_geometry(multipolygon_doc(&polygons)))
    }

    /// udata's `spatial_resolution_from_rdf`, distance in metres only.
    fn spatial_resolution(&self, node: TermId) -> Option<String> {
        self.g
            .objects(node, DCAT_SPATIAL_RESOLUTION_IN_METERS)
            .into_iter()
            .filter_map(|o| self.term(o).literal_value()?.trim().parse::<f64>().ok())
            .filter(|v| v.is_finite())
            .reduce(f64::max)
            .map(|v| format!("{v} m"))
    }

    fn contact_points(&mut self, node: TermId) -> Vec<ContactPoint> {
        let mut out: Vec<ContactPoint> = Vec::new();
        for (pred, role) in AGENT_ROLES {
            for agent in self.g.objects(node, pred) {
                let (name, email, form) = match self.term(agent) {
                    Term::Literal { value, .. } => (Some(value.trim().to_owned()), None, None),
                    _ if pred == DCAT_CONTACT_POINT => {
                        let v = self.vcard(agent);
                        if v.0.is_some() || v.1.is_some() || v.2.is_some() {
                            v
                        } else {
                            self.foaf(agent)
                        }
                    }
                    _ => {
                        let f = self.foaf(agent);
                        if f.0.is_some() || f.1.is_some() || f.2.is_some() {
                            f
                        } else {
                            self.vcard(agent)
                        }
                    }
                };
                let name = name.filter(|n| !n.is_empty());
                let email = match email {
                    Some(e) if is_valid_email(&e) => Some(e),
                    Some(e) => {
                        self.warn(format!("contact point ({role}): invalid email {e:?}"));
                        None
                    }
                    None => None,
                };
                let form = match form {
                    Some(f) if is_valid_url(&f) => Some(f),
                    Some(f) => {
                        self.warn(format!("contact point ({role}): invalid contact URL {f:?}"));
                        None
                    }
                    None => None,
                };
                if name.is_none() && email.is_none() && form.is_none() {
                    let shown = self.show(agent);
                    self.warn(format!(
                        "contact point ({role}): {shown} has no name, email or URL"
                    ));
                    continue;
                }
                let cp = ContactPoint {
                    name,
                    email,
                    contact_form: form,
                    role: role.to_owned(),
                };
                if !out.contains(&cp) {
                    out.push(cp);
                }
            }
        }
        out
    }

    /// udata `contact_point_from_vcard`.
    fn vcard(&self, obj: TermId) -> (Option<String>, Option<String>, Option<String>) {
        let org = self
            .g
            .objects(obj, VCARD_ORG)
            .into_iter()
            .find(|o| !self.term(*o).is_literal());
        let org_name = self.text(obj, VCARD_ORGANIZATION_NAME).or_else(|| {
            org.and_then(|o| {
                self.text(o, VCARD_ORGANIZATION_NAME)
                    .or_else(|| self.text(o, VCARD_ORGANISATION_NAME))
            })
        });
        let name = contact_name(self.text(obj, VCARD_FN), org_name);
        let email = self
            .text(obj, VCARD_HAS_EMAIL)
            .or_else(|| self.text(obj, VCARD_EMAIL))
            .map(|e| strip_mailto(&e));
        let form = self
            .text(obj, VCARD_HAS_URL)
            .or_else(|| self.text(obj, VCARD_URL))
            .or_else(|| self.text(obj, VCARD_HAS_URL_LEGACY));
        (name, email, form)
    }

    /// udata `contact_point_from_foaf`.
    fn foaf(&self, obj: TermId) -> (Option<String>, Option<String>, Option<String>) {
        let own_name = || {
            self.text(obj, FOAF_NAME)
                .or_else(|| self.text(obj, SKOS_PREF_LABEL))
        };
        let resource = |p: &str| {
            self.g
                .objects(obj, p)
                .into_iter()
                .find(|o| !self.term(*o).is_literal())
        };
        let (name, email) = if let Some(org) = resource(ORG_MEMBER_OF) {
            (
                contact_name(own_name(), self.text(org, FOAF_NAME)),
                self.text(obj, FOAF_MBOX)
                    .or_else(|| self.text(org, FOAF_MBOX)),
            )
        } else if let Some(member) = resource(FOAF_MEMBER) {
            (
                contact_name(self.text(member, FOAF_NAME), own_name()),
                self.text(member, FOAF_MBOX)
                    .or_else(|| self.text(obj, FOAF_MBOX)),
            )
        } else {
            (contact_name(own_name(), None), self.text(obj, FOAF_MBOX))
        };
        (name, email.map(|e| strip_mailto(&e)), None)
    }

    /// One resource from a distribution (or, `additional`, from a `dct:hasPart` node).
    fn resource(
        &mut self,
        d: TermId,
        dataset_key: &str,
        keys: &mut HashSet<String>,
        additional: bool,
    ) -> Option<Resource> {
        let url = if additional {
            self.term(d).as_iri().map(str::to_owned)
        } else {
            self.url_of(d, DCAT_DOWNLOAD_URL)
                .or_else(|| self.url_of(d, DCAT_ACCESS_URL))
        };
        let Some(url) = url else {
            if !additional {
                let shown = self.show(d);
                let why = if self.term(d).as_iri().is_some() && !self.g.is_described(d) {
                    "is not described in the catalog"
                } else {
                    "has no dcat:downloadURL nor dcat:accessURL"
                };
                self.warn(format!("resource: distribution {shown} {why}, skipped"));
            }
            return None;
        };
        let format = self.format_of(d, &url);
        let title = self
            .text(d, DCT_TITLE)
            .and_then(|t| text::clean_text(&t))
            .unwrap_or_else(|| default_title(&url, format.as_deref()));
        let description = self
            .text(d, DCT_DESCRIPTION)
            .map(|t| markdown::html_to_markdown(&t))
            .filter(|t| !t.trim().is_empty());
        let mime = self.mime_of(d);
        let filesize = self.filesize_of(d);
        let checksum = self.checksum_of(d);
        let kind = if additional {
            "other"
        } else if !self.g.objects(d, DCAT_ACCESS_SERVICE).is_empty() {
            "api"
        } else {
            "main"
        };
        let uri = self.term(d).as_iri().map(str::to_owned);
        let identifier = first_text(self.g, d, DCT_IDENTIFIER);
        let issued = self.date(d, DCT_ISSUED, "resource issued");
        let modified = self.modified(d, "resource modified");

        // Stable id: distribution IRI, else its dct:identifier, else its URL.
        let mut key = uri
            .clone()
            .or_else(|| identifier.clone())
            .unwrap_or_else(|| url.clone());
        if format
            .as_deref()
            .is_some_and(|f| OGC_SERVICE_FORMATS.contains(&f))
            && uri.is_none()
            && identifier.is_none()
        {
            key = format!("{key}#{title}");
        }
        let mut n = 1;
        let base_key = key.clone();
        while !keys.insert(key.clone()) {
            n += 1;
            key = format!("{base_key}#{n}");
        }

        let mut extras = Document::new();
        let mut dcat = Document::new();
        insert_list(&mut dcat, "license", &self.extra_values(d, DCT_LICENSE));
        insert_list(&mut dcat, "rights", &self.extra_values(d, DCT_RIGHTS));
        insert_list(
            &mut dcat,
            "accessRights",
            &self.extra_values(d, DCT_ACCESS_RIGHTS),
        );
        if !dcat.is_empty() {
            extras.insert("dcat", dcat);
        }

        Some(Resource {
            id: ids::resource_id(dataset_key, &key),
            title,
            description,
            filetype: "remote".into(),
            kind: kind.into(),
            urlhash: Some(ids::url_hash(&url)),
            url,
            checksum,
            format,
            mime,
            filesize,
            extras,
            harvest: Some(HarvestResourceMetadata {
                issued_at: issued.map(dates::to_bson),
                modified_at: modified.map(dates::to_bson),
                last_update: Some(dates::to_bson(self.ctx.now)),
                uri,
                dct_identifier: identifier,
                remote_id: None,
            }),
            ..Default::default()
        })
    }

    /// udata `url_from_rdf`: the first IRI or literal value.
    fn url_of(&self, d: TermId, pred: &str) -> Option<String> {
        self.g.objects(d, pred).into_iter().find_map(|o| {
            let t = self.term(o).text()?.trim();
            (!t.is_empty()).then(|| t.to_owned())
        })
    }

    /// The format of a distribution: what it declares ([`Self::declared_format`]), checked
    /// against the OGC service its URL names (`…?service=WFS&…` → `wfs`). The URL is what the
    /// link serves: it wins over a declared OGC service of another type (GeoNetwork often tags
    /// every online resource of a record with one protocol) and over a format only inferred
    /// from the media type or extension (`xml` for a GetCapabilities document); a data format
    /// the distribution states in `dct:format` (`geojson` from a WFS GetFeature) is kept.
    fn format_of(&mut self, d: TermId, url: &str) -> Option<String> {
        let declared = self.declared_format(d, url);
        let Some(service) = formats::ogc_service_of_url(url) else {
            return declared.map(|(f, _)| f);
        };
        match declared {
            None => Some(service.to_owned()),
            Some((f, origin)) => match formats::ogc_service_of_format(&f) {
                Some(s) if s == service => Some(f),
                Some(_) => {
                    self.warn(format!(
                        "resource format: declared {f:?} but its URL is a {} service ({url}): {service} kept",
                        service.to_ascii_uppercase()
                    ));
                    Some(service.to_owned())
                }
                None if origin == FormatOrigin::Inferred => Some(service.to_owned()),
                None => Some(f),
            },
        }
    }

    /// udata `format_from_rdf`: an OGC service protocol of the access service, else `dct:format`
    /// (IRI, label or literal), then — beyond udata — the media type and the URL extension.
    fn declared_format(&self, d: TermId, url: &str) -> Option<(String, FormatOrigin)> {
        if let Some(service) = self.g.objects(d, DCAT_ACCESS_SERVICE).into_iter().next() {
            for pred in [GEODCAT_SERVICE_PROTOCOL, DCT_CONFORMS_TO] {
                for std in self.g.objects(service, pred) {
                    if let Some(key) = self
                        .term(std)
                        .as_iri()
                        .and_then(|i| i.strip_prefix(OGC_STANDARDS))
                    {
                        let key = key.trim_matches('/').to_ascii_lowercase();
                        if !key.is_empty() {
                            return Some((key, FormatOrigin::Declared));
                        }
                    }
                }
            }
        }
        if let Some(f) = self.g.objects(d, DCT_FORMAT).into_iter().next() {
            let candidates: Vec<String> = match self.term(f) {
                Term::Literal { value, .. } => vec![value.to_string()],
                // udata reads the label of an IRI node first (`unwrap=[RDFS.label]`): the IRI
                // of a catalog's own format node (`…/resource/1/format`) names no format.
                Term::Iri(iri) => {
                    let mut v: Vec<String> = self.text(f, RDFS_LABEL).into_iter().collect();
                    v.push(iri.to_string());
                    v
                }
                Term::Blank(_) => [RDFS_LABEL, RDF_VALUE]
                    .iter()
                    .filter_map(|p| self.text(f, p))
                    .collect(),
            };
            if let Some(fmt) = candidates.iter().find_map(|c| formats::normalize_format(c)) {
                return Some((fmt, FormatOrigin::Declared));
            }
        }
        if let Some(mime) = self.mime_of(d) {
            if let Some(fmt) = formats::normalize_format(&mime) {
                return Some((fmt, FormatOrigin::Inferred));
            }
        }
        formats::format_from_url(url).map(|f| (f, FormatOrigin::Inferred))
    }

    /// udata `mime_from_rdf`: `dcat:mediaType` (IANA IRI, literal, or a node's label).
    fn mime_of(&self, d: TermId) -> Option<String> {
        let v = self.g.objects(d, DCAT_MEDIA_TYPE).into_iter().next()?;
        let raw = match self.term(v) {
            Term::Blank(_) => self
                .text(v, RDFS_LABEL)
                .or_else(|| self.text(v, RDF_VALUE))?,
            Term::Iri(iri) => self.text(v, RDFS_LABEL).unwrap_or_else(|| iri.to_string()),
            t => t.text()?.to_owned(),
        };
        formats::mime_type(&raw).or_else(|| {
            // Keep something only if it looks like a media type at all.
            raw.contains('/').then(|| raw.trim().to_ascii_lowercase())
        })
    }

    /// `dcat:byteSize`, leniently: `1024`, `1024.0`, `"1 024"`, `1.5E3`.
    fn filesize_of(&mut self, d: TermId) -> Option<i64> {
        let raw = self.text(d, DCAT_BYTE_SIZE)?;
        match parse_size(&raw) {
            Some(n) => Some(n),
            None => {
                self.warn(format!("resource filesize: invalid dcat:byteSize {raw:?}"));
                None
            }
        }
    }

    /// `spdx:checksum` → `{type, value}` (udata accepts md5, sha1, sha256).
    fn checksum_of(&mut self, d: TermId) -> Option<Checksum> {
        let node = self.g.objects(d, SPDX_CHECKSUM).into_iter().next()?;
        let algo_term = self.g.objects(node, SPDX_ALGORITHM).into_iter().next();
        let value = self.text(node, SPDX_CHECKSUM_VALUE);
        let algo_raw = algo_term.and_then(|a| self.term(a).text().map(str::to_owned));
        let algo = algo_raw.as_deref().and_then(checksum_algorithm);
        match (algo, value) {
            (Some(kind), Some(value)) => Some(Checksum {
                kind: kind.into(),
                value,
            }),
            (None, _) => {
                self.warn(format!(
                    "resource checksum: unsupported algorithm {:?}",
                    algo_raw.unwrap_or_default()
                ));
                None
            }
            (Some(_), None) => {
                self.warn("resource checksum: no spdx:checksumValue".into());
                None
            }
        }
    }
}

const RDF_VALUE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#value";

/// A geometry literal: typed WKT or GeoJSON, or — when `loose` (a geometry predicate) — an
/// untyped literal that looks like one. `None` when the literal is not a geometry at all.
fn geometry_literal(
    value: &str,
    datatype: Option<&str>,
    loose: bool,
) -> Option<Result<Vec<Polygon>, GeoError>> {
    match datatype {
        Some(GSP_WKT_LITERAL) | Some(OGC_WKT_LITERAL_LEGACY) => Some(polygons_from_wkt(value)),
        Some(GSP_GEOJSON_LITERAL) | Some(IANA_GEOJSON) => Some(polygons_from_geojson(value)),
        _ if loose => {
            let v = value.trim_start();
            if v.starts_with('{') {
                Some(polygons_from_geojson(v))
            } else if looks_like_wkt(v) {
                Some(polygons_from_wkt(v))
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Whether a text starts like a WKT geometry (optionally after a CRS IRI or `SRID=…;`).
fn looks_like_wkt(v: &str) -> bool {
    let mut v = v.trim_start();
    if v.starts_with('<') {
        v = v.find('>').map_or("", |i| v[i + 1..].trim_start());
    }
    if v.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("SRID=")) {
        v = v.find(';').map_or("", |i| v[i + 1..].trim_start());
    }
    let word: String = v
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_uppercase();
    let rest = v[word.len()..].trim_start();
    matches!(
        word.as_str(),
        "POINT"
            | "LINESTRING"
            | "POLYGON"
            | "MULTIPOINT"
            | "MULTILINESTRING"
            | "MULTIPOLYGON"
            | "GEOMETRYCOLLECTION"
            | "ENVELOPE"
            | "TRIANGLE"
            | "TIN"
            | "POLYHEDRALSURFACE"
    ) && (rest.starts_with('(') || rest.starts_with(['Z', 'M', 'E', 'z', 'm', 'e']))
}

/// udata keeps one resource per URL (and per title for OGC services): a later distribution with
/// the same URL is a duplicate.
fn merge_duplicate(resources: &mut [Resource], r: &Resource) -> bool {
    resources.iter().any(|x| {
        x.url == r.url
            && (!r
                .format
                .as_deref()
                .is_some_and(|f| OGC_SERVICE_FORMATS.contains(&f))
                || x.title == r.title)
    })
}

/// udata `title_from_rdf` fallback: the file name when the URL has one, else "Ressource
/// {format}" (udata's French label), else a title derived from the URL.
fn default_title(url: &str, format: Option<&str>) -> String {
    let last = url.rsplit('/').next().unwrap_or("");
    if last.contains('.') && !last.contains('?') {
        return text::title_from_url(url);
    }
    if let Some(f) = format {
        return format!("Ressource {}", f.to_lowercase());
    }
    let t = text::title_from_url(url);
    if t.trim().is_empty() {
        "Ressource sans nom".into()
    } else {
        t
    }
}

fn contact_name(agent: Option<String>, org: Option<String>) -> Option<String> {
    match (agent, org) {
        (Some(a), Some(o)) => Some(format!("{a} ({o})")),
        (a, o) => a.or(o),
    }
}

fn strip_mailto(s: &str) -> String {
    let s = s.trim();
    let s = match s.get(..7) {
        Some(p) if p.eq_ignore_ascii_case("mailto:") => &s[7..],
        _ => s,
    };
    s.split('?').next().unwrap_or(s).trim().to_owned()
}

fn is_valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c == ',' || c == ';')
}

/// Lenient integer parsing of a byte size.
pub fn parse_size(raw: &str) -> Option<i64> {
    let cleaned: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\u{202f}' && *c != '_')
        .collect();
    if cleaned.is_empty() {
        return None;
    }
    if let Ok(n) = cleaned.parse::<i64>() {
        return (n >= 0).then_some(n);
    }
    let f = cleaned.replace(',', ".").parse::<f64>().ok()?;
    (f.is_finite() && f >= 0.0 && f < i64::MAX as f64).then(|| f.round() as i64)
}

/// udata `CHECKSUM_ALGORITHMS`, from an SPDX IRI or a loose name (`SHA-256`).
fn checksum_algorithm(raw: &str) -> Option<&'static str> {
    let raw = raw.trim();
    let lower = raw.to_ascii_lowercase();
    let name = lower
        .strip_prefix(&SPDX_ALGORITHM_PREFIX.to_ascii_lowercase())
        .or_else(|| lower.rsplit_once("checksumalgorithm_").map(|(_, n)| n))
        // DCAT-AP.de: http://dcat-ap.de/def/hashAlgorithms/sha/256
        .or_else(|| lower.rsplit_once("hashalgorithms/").map(|(_, n)| n))
        .unwrap_or(&lower);
    match name.replace(['-', '_', ' ', '/'], "").as_str() {
        "md5" => Some("md5"),
        "sha1" => Some("sha1"),
        "sha256" => Some("sha256"),
        _ => None,
    }
}

fn insert_list(doc: &mut Document, key: &str, values: &[String]) {
    let mut seen = HashSet::new();
    let unique: Vec<Bson> = values
        .iter()
        .filter(|v| seen.insert(v.as_str()))
        .map(|v| Bson::String(v.clone()))
        .collect();
    if !unique.is_empty() {
        doc.insert(key, Bson::Array(unique));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1024"), Some(1024));
        assert_eq!(parse_size("1 024"), Some(1024));
        assert_eq!(parse_size("1024.0"), Some(1024));
        assert_eq!(parse_size("1.5E3"), Some(1500));
        assert_eq!(parse_size("-1"), None);
        assert_eq!(parse_size("big"), None);
    }

    #[test]
    fn checksum_names() {
        assert_eq!(
            checksum_algorithm("http://spdx.org/rdf/terms#checksumAlgorithm_sha256"),
            Some("sha256")
        );
        assert_eq!(checksum_algorithm("SHA-1"), Some("sha1"));
        assert_eq!(checksum_algorithm("crc32"), None);
        assert_eq!(
            checksum_algorithm("http://dcat-ap.de/def/hashAlgorithms/sha/256"),
            Some("sha256")
        );
    }

    #[test]
    fn titles() {
        assert_eq!(
            default_title("https://x.org/a/data.csv", Some("csv")),
            "data.csv"
        );
        assert_eq!(
            default_title("https://x.org/api", Some("json")),
            "Ressource json"
        );
    }

    #[test]
    fn mailto() {
        assert_eq!(strip_mailto(" mailto:a@b.fr "), "a@b.fr");
        assert!(is_valid_email("a@b.fr"));
        assert!(!is_valid_email("nobody"));
    }
}
