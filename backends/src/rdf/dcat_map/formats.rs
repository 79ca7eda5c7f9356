//! A distribution's format and media type: what it declares (access service protocol,
//! `dct:format`), what its media type or URL extension implies, checked against the OGC service
//! its URL names.

use super::{Mapper, RDF_VALUE};
use crate::mapping::formats;
use crate::rdf::graph::{Term, TermId};
use crate::rdf::vocab::*;

/// Where a distribution's format comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FormatOrigin {
    /// Its access service's protocol or its `dct:format`.
    Declared,
    /// Its media type or URL extension.
    Inferred,
}

impl Mapper<'_> {
    /// The format of a distribution: what it declares ([`Self::declared_format`]), checked
    /// against the OGC service its URL names (`…?service=WFS&…` → `wfs`). The URL is what the
    /// link serves: it wins over a declared OGC service of another type (GeoNetwork often tags
    /// every online resource of a record with one protocol) and over a format only inferred
    /// from the media type or extension (`xml` for a GetCapabilities document); a data format
    /// the distribution states in `dct:format` (`geojson` from a WFS GetFeature) is kept.
    pub(super) fn format_of(&mut self, d: TermId, url: &str) -> Option<String> {
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
    pub(super) fn mime_of(&self, d: TermId) -> Option<String> {
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
}
