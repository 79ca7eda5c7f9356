//! Online resources: distributions (with their formats, size, access service and the record's
//! use and access constraints), documentation pages and landing pages.

use super::codes::{eu_file_type, ogc_page, service_protocol};
use super::vocab::*;
use super::Conv;
use crate::iso19139::dom::Element;
use crate::rdf::graph::Term;
use crate::rdf::vocab::*;

impl Conv {
    /// The XSLT's `ConstraintsRelatedToAccessAndUse` on `s` (a distribution, or the dataset of a
    /// record without any): use limitations and the other constraints of use and access
    /// constraints as rights statements, their anchors as licence / access rights.
    pub(super) fn constraints(&mut self, s: &Term, k: &Element) {
        let has_use = k.child("useConstraints").is_some();
        let has_access = k.child("accessConstraints").is_some();
        let mut entries: Vec<(&Element, bool)> =
            k.children("useLimitation").map(|e| (e, false)).collect();
        for (present, access) in [(has_use, false), (has_access, true)] {
            if present {
                entries.extend(k.children("otherConstraints").map(|e| (e, access)));
            }
        }
        for (e, access) in entries {
            let text = e.child("CharacterString").map(Element::normalized);
            if let Some(text) = text.filter(|t| !t.is_empty()) {
                self.rights(s, &text, None);
            } else if let Some(code) = e.child("MD_RestrictionCode") {
                let id = code
                    .attr_value("codeListValue")
                    .unwrap_or_default()
                    .to_owned();
                let text = Some(code.normalized())
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| id.clone());
                self.rights(
                    s,
                    &text,
                    Some(&id).filter(|i| !i.is_empty()).map(|i| i.as_str()),
                );
            } else if let Some(href) = e.child("Anchor").and_then(|a| a.attr_value("href")) {
                let node = Term::iri(href);
                if access {
                    self.add(s, DCT_ACCESS_RIGHTS, node.clone());
                    self.add(&node, RDF_TYPE_IRI, Term::iri(DCT_RIGHTS_STATEMENT));
                } else {
                    self.add(s, DCT_LICENSE, node.clone());
                    self.add(&node, RDF_TYPE_IRI, Term::iri(DCT_LICENSE_DOCUMENT));
                }
            }
        }
    }

    fn rights(&mut self, s: &Term, text: &str, id: Option<&str>) {
        let node = self.bnode();
        self.add(s, DCT_RIGHTS, node.clone());
        self.add(&node, RDF_TYPE_IRI, Term::iri(DCT_RIGHTS_STATEMENT));
        if let Some(id) = id {
            self.add(&node, DCT_IDENTIFIER, Term::plain(id));
        }
        let lit = self.text(text);
        self.add(&node, DCT_DESCRIPTION, lit);
    }

    /// The formats named by `MD_Format/name` elements.
    fn formats(&self, names: &[&Element]) -> Vec<Term> {
        names
            .iter()
            .filter_map(|n| {
                if let Some(href) = n.attr_value("href") {
                    return Some(Term::iri(href));
                }
                let label = n.normalized();
                if label.is_empty() {
                    return None;
                }
                Some(match eu_file_type(&label.to_ascii_lowercase()) {
                    Some(code) => Term::iri(&format!("{EU_FILE_TYPE}{code}")),
                    None => Term::plain(&label),
                })
            })
            .collect()
    }

    /// Every online resource of the distribution info, as the XSLT sorts them; returns the
    /// number of distributions made.
    pub(super) fn online_resources(
        &mut self,
        root: &Term,
        md: &Element,
        constraints: &[&Element],
    ) -> usize {
        let mut made = 0;
        for dist in md.all("distributionInfo/MD_Distribution") {
            let dist_formats = self.formats(&dist.all("distributionFormat/MD_Format/name/*"));
            let mut places: Vec<(&Element, Vec<Term>)> = dist
                .all("transferOptions/*")
                .into_iter()
                .map(|t| (t, Vec::new()))
                .collect();
            for d in dist.all("distributor/MD_Distributor") {
                let own = self.formats(&d.all("distributorFormat/MD_Format/name/*"));
                for t in d.all("distributorTransferOptions/*") {
                    places.push((t, own.clone()));
                }
            }
            for (transfer, own_formats) in places {
                let size = transfer
                    .first("transferSize/Real")
                    .map(Element::normalized)
                    .and_then(|v| v.parse::<f64>().ok())
                    .filter(|v| v.is_finite() && *v >= 0.0);
                let formats = if own_formats.is_empty() {
                    &dist_formats
                } else {
                    &own_formats
                };
                for online in transfer.all("onLine/*") {
                    if self.online_resource(root, online, formats, size, constraints) {
                        made += 1;
                    }
                }
            }
        }
        made
    }

    fn online_resource(
        &mut self,
        root: &Term,
        online: &Element,
        formats: &[Term],
        size_mb: Option<f64>,
        constraints: &[&Element],
    ) -> bool {
        let Some(url) = online
            .first("linkage/URL")
            .map(|u| u.text.trim().to_owned())
            .filter(|u| !u.is_empty())
        else {
            return false;
        };
        let protocol = online
            .child("protocol")
            .and_then(|p| p.children("*").next())
            .map(Element::normalized)
            .unwrap_or_default();
        let function = online
            .first("function/CI_OnLineFunctionCode")
            .and_then(|f| f.attr_value("codeListValue"))
            .unwrap_or_default();
        let capabilities = url
            .to_ascii_lowercase()
            .split_once('?')
            .is_some_and(|(_, q)| q.contains("request=getcapabilities"));
        let names: Vec<&Element> = online.children("name").collect();
        let descriptions: Vec<&Element> = online.children("description").collect();
        let describe = |c: &mut Self, node: &Term| {
            for n in &names {
                c.localised(node, DCT_TITLE, n, true);
            }
            for d in &descriptions {
                c.localised(node, DCT_DESCRIPTION, d, false);
            }
        };
        if capabilities || matches!(function, "download" | "offlineAccess" | "order") {
            let node = self.bnode();
            self.add(root, DCAT_DISTRIBUTION, node.clone());
            self.add(&node, RDF_TYPE_IRI, Term::iri(DCAT_DISTRIBUTION_CLASS));
            describe(self, &node);
            if capabilities {
                let service = self.bnode();
                self.add(&node, DCAT_ACCESS_SERVICE, service.clone());
                self.add(&service, RDF_TYPE_IRI, Term::iri(DCAT_DATA_SERVICE));
                let title = names
                    .iter()
                    .find_map(|n| self.text_of(n))
                    .or_else(|| descriptions.iter().find_map(|d| self.text_of(d)))
                    .unwrap_or_else(|| "N/A".to_owned());
                let lit = self.text(&title);
                self.add(&service, DCT_TITLE, lit);
                let endpoint = url.split('?').next().unwrap_or(&url).to_owned();
                self.add(&service, DCAT_ENDPOINT_URL, Term::iri(&endpoint));
                self.add(&service, DCAT_ENDPOINT_DESCRIPTION, Term::iri(&url));
                if let Some(p) = service_protocol(&url, &protocol) {
                    let standard = Term::iri(&format!("{OGC_STANDARDS}{}", ogc_page(p)));
                    self.add(&service, GEODCAT_SERVICE_PROTOCOL, standard);
                }
            }
            self.add(&node, DCAT_ACCESS_URL, Term::iri(&url));
            for k in constraints {
                self.constraints(&node, k);
            }
            if let Some(mb) = size_mb {
                let bytes = format!("{}", (mb * 1_000_000.0).round() as u64);
                let dt = format!("{XSD}nonNegativeInteger");
                self.add(&node, DCAT_BYTE_SIZE, Self::typed(&bytes, &dt));
            }
            for f in formats {
                match f {
                    Term::Iri(iri) if iri.starts_with(IANA_MEDIA_TYPES) => {
                        self.add(&node, DCAT_MEDIA_TYPE, f.clone());
                    }
                    Term::Iri(_) => {
                        self.add(&node, DCT_FORMAT, f.clone());
                        self.add(f, RDF_TYPE_IRI, Term::iri(DCT_MEDIA_TYPE));
                    }
                    _ => {
                        let media = self.bnode();
                        self.add(&node, DCT_FORMAT, media.clone());
                        self.add(&media, RDF_TYPE_IRI, Term::iri(DCT_MEDIA_TYPE));
                        self.add(&media, RDFS_LABEL, f.clone());
                    }
                }
            }
            return true;
        }
        let pred = if matches!(function, "information" | "search") {
            FOAF_PAGE
        } else {
            DCAT_LANDING_PAGE
        };
        let doc = Term::iri(&url);
        self.add(root, pred, doc.clone());
        self.add(&doc, RDF_TYPE_IRI, Term::iri(FOAF_DOCUMENT));
        describe(self, &doc);
        false
    }
}
