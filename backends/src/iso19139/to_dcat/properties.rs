//! The dataset's own properties: its catalog record, update frequency, keywords and themes,
//! spatial and temporal extents, dates and conformity.

use super::codes::{date_datatype, frequency_code};
use super::read::language_code;
use super::vocab::*;
use super::Conv;
use crate::iso19139::dom::Element;
use crate::rdf::graph::Term;
use crate::rdf::vocab::*;

impl Conv {
    pub(super) fn catalog_record(
        &mut self,
        root: &Term,
        file_identifier: Option<&str>,
        md: &Element,
    ) {
        let record = match file_identifier {
            Some(id) if id.starts_with("http://") || id.starts_with("https://") => Term::iri(id),
            _ => self.bnode(),
        };
        self.add(root, FOAF_IS_PRIMARY_TOPIC_OF, record.clone());
        self.add(&record, RDF_TYPE_IRI, Term::iri(DCAT_CATALOG_RECORD));
        if let Term::Iri(_) = root {
            self.add(&record, FOAF_PRIMARY_TOPIC, root.clone());
        }
        self.add(&record, DCT_CONFORMS_TO, Term::iri(GEODCAT));
        if let Some(code) = md.child("language").and_then(language_code) {
            let iri = format!("{OP_LANGUAGE}{}", code.to_ascii_uppercase());
            self.add(&record, DCT_LANGUAGE, Term::iri(&iri));
        }
        let stamp = md
            .first("dateStamp/Date")
            .or_else(|| md.first("dateStamp/DateTime"))
            .map(Element::normalized)
            .filter(|d| !d.is_empty());
        if let Some(d) = stamp {
            self.add(&record, DCT_MODIFIED, Self::typed(&d, &date_datatype(&d)));
        }
        if let Some(id) = file_identifier {
            self.add(&record, DCT_IDENTIFIER, Term::plain(id));
        }
    }

    pub(super) fn frequency(&mut self, root: &Term, code: &Element) {
        if let Some(f) = code.attr_value("codeListValue").and_then(frequency_code) {
            let node = Term::iri(&format!("{OP_FREQUENCY}{f}"));
            self.add(root, DCT_ACCRUAL_PERIODICITY, node.clone());
            self.add(&node, RDF_TYPE_IRI, Term::iri(DCT_FREQUENCY));
        }
    }

    /// The XSLT's `Keyword`: free keywords (no thesaurus, no http anchor) are `dcat:keyword`s;
    /// thesaurus keywords are `dcat:theme` concepts in their scheme, anchors their IRI.
    pub(super) fn keywords(&mut self, root: &Term, k: &Element) {
        let thesaurus = k.first("thesaurusName/CI_Citation");
        let scheme_uri = thesaurus
            .and_then(|t| t.first("title/Anchor"))
            .and_then(|a| a.attr_value("href"))
            .map(str::to_owned);
        let scheme_titles: Vec<String> = thesaurus
            .map(|t| {
                t.all("title")
                    .iter()
                    .filter_map(|e| self.text_of(e))
                    .collect()
            })
            .unwrap_or_default();
        let controlled = !scheme_titles.is_empty();
        for kw in k.children("keyword") {
            let cs = kw.child("CharacterString").map(Element::normalized);
            let anchor = kw.child("Anchor");
            let href = anchor.and_then(|a| a.attr_value("href")).map(str::to_owned);
            if cs.as_deref().unwrap_or("").is_empty() && href.is_none() {
                continue;
            }
            let http_anchor = href
                .as_deref()
                .is_some_and(|h| h.starts_with("http://") || h.starts_with("https://"));
            if !controlled && !http_anchor {
                let value = cs
                    .filter(|v| !v.is_empty())
                    .or_else(|| anchor.map(Element::normalized))
                    .unwrap_or_default();
                if !value.is_empty() {
                    let lit = self.text(&value);
                    self.add(root, DCAT_KEYWORD, lit);
                }
                continue;
            }
            if let Some(label) = cs {
                let concept = self.bnode();
                self.add(root, DCAT_THEME, concept.clone());
                self.add(&concept, RDF_TYPE_IRI, Term::iri(SKOS_CONCEPT));
                let lit = self.text(&label);
                self.add(&concept, SKOS_PREF_LABEL, lit);
                match &scheme_uri {
                    Some(uri) => self.add(&concept, SKOS_IN_SCHEME, Term::iri(uri)),
                    None => {
                        let scheme = self.bnode();
                        self.add(&concept, SKOS_IN_SCHEME, scheme.clone());
                        self.add(&scheme, RDF_TYPE_IRI, Term::iri(SKOS_CONCEPT_SCHEME));
                        for t in &scheme_titles {
                            let lit = self.text(t);
                            self.add(&scheme, DCT_TITLE, lit);
                        }
                    }
                }
            } else if let Some(href) = href {
                // The High-Value-Dataset legislation and categories are not themes.
                let hvd = href == "http://data.europa.eu/eli/reg_impl/2023/138/oj"
                    || scheme_uri.as_deref() == Some("http://data.europa.eu/bna/asd487ae75");
                let service_category =
                    href.starts_with(&format!("{INSPIRE_CODELIST}SpatialDataServiceCategory"));
                if !hvd && !service_category {
                    self.add(root, DCAT_THEME, Term::iri(&href));
                }
            }
        }
    }

    /// The XSLT's `GeographicBoundingBox`, WKT encoding (CRS84, longitude first).
    pub(super) fn bbox(&mut self, root: &Term, b: &Element) {
        let coord = |name: &str| -> Option<f64> {
            let raw = b.first(&format!("{name}/Decimal"))?.normalized();
            raw.parse::<f64>().ok().filter(|v| v.is_finite())
        };
        let (Some(west), Some(east), Some(south), Some(north)) = (
            coord("westBoundLongitude"),
            coord("eastBoundLongitude"),
            coord("southBoundLatitude"),
            coord("northBoundLatitude"),
        ) else {
            self.notes
                .push("spatial: a bounding box without four decimal bounds was ignored".to_owned());
            return;
        };
        let wkt = format!(
            "POLYGON(({west} {north},{east} {north},{east} {south},{west} {south},{west} {north}))"
        );
        let node = self.bnode();
        self.add(root, DCT_SPATIAL, node.clone());
        self.add(&node, RDF_TYPE_IRI, Term::iri(DCT_LOCATION));
        self.add(&node, LOCN_GEOMETRY, Self::typed(&wkt, GSP_WKT_LITERAL));
        self.add(&node, DCAT_BBOX, Self::typed(&wkt, GSP_WKT_LITERAL));
    }

    /// The XSLT's `TemporalExtent`: a `TimeInstant`, or a `TimePeriod` with both positions.
    pub(super) fn temporal(&mut self, root: &Term, t: &Element) {
        let (start, end) = match t.name.as_str() {
            "TimeInstant" => {
                let v = t
                    .child("timePosition")
                    .map(Element::normalized)
                    .unwrap_or_default();
                (v.clone(), v)
            }
            "TimePeriod" => match (t.child("beginPosition"), t.child("endPosition")) {
                (Some(b), Some(e)) => (b.normalized(), e.normalized()),
                _ => return,
            },
            _ => return,
        };
        if start.is_empty() && end.is_empty() {
            return;
        }
        let node = self.bnode();
        self.add(root, DCT_TEMPORAL, node.clone());
        self.add(&node, RDF_TYPE_IRI, Term::iri(DCT_PERIOD_OF_TIME));
        if !start.is_empty() {
            self.add(
                &node,
                DCAT_START_DATE,
                Self::typed(&start, &date_datatype(&start)),
            );
        }
        if !end.is_empty() {
            self.add(
                &node,
                DCAT_END_DATE,
                Self::typed(&end, &date_datatype(&end)),
            );
        }
    }

    /// The XSLT's `Dates`: publication → issued, revision → modified, creation → created.
    pub(super) fn date(&mut self, s: &Term, d: &Element) {
        let value = d
            .first("date/Date")
            .or_else(|| d.first("date/DateTime"))
            .map(Element::normalized)
            .unwrap_or_default();
        if value.is_empty() {
            return;
        }
        let pred = match d
            .first("dateType/CI_DateTypeCode")
            .and_then(|c| c.attr_value("codeListValue"))
        {
            Some("publication") => DCT_ISSUED,
            Some("revision") => DCT_MODIFIED,
            Some("creation") => DCT_CREATED,
            _ => return,
        };
        self.add(s, pred, Self::typed(&value, &date_datatype(&value)));
    }

    /// The XSLT's `Conformity` for a passed test: `dct:conformsTo` the specification.
    pub(super) fn conformity(&mut self, root: &Term, result: &Element) {
        let passed = result
            .first("pass/Boolean")
            .is_some_and(|b| b.normalized() == "true");
        let Some(spec) = result.first("specification/CI_Citation") else {
            return;
        };
        if !passed {
            return;
        }
        let uri = spec
            .first("title/Anchor")
            .and_then(|a| a.attr_value("href"))
            .or_else(|| {
                result
                    .child("specification")
                    .and_then(|s| s.attr_value("href"))
            });
        if let Some(uri) = uri {
            let node = Term::iri(uri);
            self.add(root, DCT_CONFORMS_TO, node.clone());
            self.add(&node, RDF_TYPE_IRI, Term::iri(DCT_STANDARD));
            return;
        }
        let node = self.bnode();
        self.add(root, DCT_CONFORMS_TO, node.clone());
        self.add(&node, RDF_TYPE_IRI, Term::iri(DCT_STANDARD));
        for t in spec.children("title") {
            if let Some(v) = self.text_of(t) {
                let lit = self.text(&v);
                self.add(&node, DCT_TITLE, lit);
            }
        }
        for d in spec.all("date/CI_Date") {
            self.date(&node, d);
        }
    }
}
