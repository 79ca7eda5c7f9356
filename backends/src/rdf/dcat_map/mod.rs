//! Mapping of one DCAT dataset (its subgraph, as gather stored it in the item payload) onto
//! udata's model, following the DCAT table of the harvesting documentation and the behaviour of
//! udata's `udata/core/dataset/rdf.py` (`dataset_from_rdf`, `resource_from_rdf`) and
//! `udata/rdf.py` (contact points, themes, remote URL).
//!
//! Lenient by design: only a missing title fails a dataset; every other problem (invalid date,
//! unknown licence, unreadable geometry, distribution without URL…) is a warning naming the field
//! and the value, and the rest of the dataset is still mapped.
//!
//! This module holds the entry point and the `Mapper`'s way of reading values (preferred
//! language, labels of nodes, dates); each part of the dataset has its own file: the dataset
//! record with its licence and extras (`dataset`), `temporal`, `spatial`, `contacts`,
//! `resources` and their `formats`.

mod contacts;
mod dataset;
mod formats;
mod resources;
mod spatial;
mod temporal;

use std::collections::HashSet;

use bson::{Bson, Document};
use chrono::{DateTime, Utc};

use super::catalog::first_text;
use super::graph::{Graph, Term, TermId};
use super::vocab::*;
use crate::mapping::{dates, udata_url, MapContext, MapError, MappedDataset};

/// Backend name stored in `harvest.backend`.
pub const BACKEND: &str = "dcat";
/// Language preferred when a property has values in several languages.
pub const PREFERRED_LANG: &str = "fr";

/// Map the dataset `root` (N-Triples term: `<iri>` or `_:label`) of the subgraph `ntriples`.
pub fn map_dataset(
    root: &str,
    ntriples: &str,
    ctx: &MapContext,
) -> Result<MappedDataset, MapError> {
    let g = read_payload(ntriples)?;
    map_graph(root, &g, ctx)
}

/// The payload of an RDF item read as a graph, or why it cannot be.
pub(crate) fn read_payload(ntriples: &str) -> Result<Graph, MapError> {
    Graph::from_ntriples(ntriples).map_err(|e| MapError::Invalid {
        field: "payload",
        reason: e.to_string(),
    })
}

/// [`map_dataset`] of a payload already read.
pub(crate) fn map_graph(
    root: &str,
    g: &Graph,
    ctx: &MapContext,
) -> Result<MappedDataset, MapError> {
    let root_term = parse_root(root).ok_or_else(|| MapError::Invalid {
        field: "root",
        reason: format!("{root:?} is not an N-Triples IRI or blank node"),
    })?;
    let node = g.find(&root_term).ok_or_else(|| MapError::Invalid {
        field: "root",
        reason: format!("{root} is not in the payload"),
    })?;
    let mut m = Mapper {
        g,
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
}

const RDF_VALUE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#value";

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
