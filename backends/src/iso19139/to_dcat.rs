//! ISO 19139 → DCAT-AP, natively: one `gmd:MD_Metadata` record becomes the DCAT graph the
//! GeoDCAT-AP XSLT (data.gouv.fr's `iso-19139-to-dcat-ap`, branch `3.x-datagouv`, run by udata
//! with `CoupledResourceLookUp=disabled`, `include-deprecated=yes`, `locale-preferred-lang=fre`)
//! would produce for the properties udata's DCAT mapping reads, so that the one DCAT mapping
//! ([`crate::rdf::dcat_map`]) makes the udata dataset. The XSLT's rules are followed as facts;
//! where this code departs from them, docs/udata-compatibility.md ("CSW ISO 19139") says why.
//!
//! What is produced (GeoDCAT-AP extended profile):
//! * the dataset node: its IRI is the first resource identifier that is an http(s) URI
//!   (`codeSpace` + `code`), else a blank node; its `dct:identifier`s are the resource
//!   identifiers (`codeSpace/code`), else — beyond the XSLT — the file identifier;
//! * the catalog record (`foaf:isPrimaryTopicOf`): file identifier, metadata language and date;
//! * title, abstract and purpose (with their PT_FreeText translations), keywords (free ones as
//!   `dcat:keyword`, thesaurus ones as `dcat:theme` concepts in their scheme), topic category,
//!   update frequency (EU frequency authority), resource languages, conformity (`pass=true` →
//!   `dct:conformsTo`), creation / publication / revision dates, lineage;
//! * bounding boxes as WKT polygons (`dct:spatial`), temporal extents (`dct:temporal`);
//! * responsible parties by role: point of contact → `dcat:contactPoint` (vCard), publisher,
//!   author, owner and the GeoDCAT-AP roles (FOAF agents);
//! * online resources: a download / offline / order function or an OGC GetCapabilities URL is a
//!   distribution (URL, name, description, formats, size, the service protocol as its access
//!   service's `geodcatap:serviceProtocol`), an information / search one a `foaf:page`, any other
//!   a landing page; use and access constraints go on every distribution (as the XSLT puts
//!   them), as `dct:rights` statements, `dct:license` / `dct:accessRights` for anchors.
//!
//! Here: the record's checks and the order of the conversion, and the graph builder (`Conv`'s
//! core). Its submodules: `read` (identifiers, localised strings), `codes` (the XSLT's lookup
//! tables), `properties` (the dataset's own), `distributions` (online resources and
//! constraints), `parties` (responsible parties), `vocab` (the IRIs written).

mod codes;
mod distributions;
mod parties;
mod properties;
mod read;
mod vocab;

use std::collections::HashMap;

use super::dom::{normalize_space, Element};
use crate::rdf::graph::{Graph, Term};
use crate::rdf::vocab::*;
use codes::alpha2;
use read::{language_code, resource_identifier, resource_uri, text_content};
use vocab::*;

/// One record converted: the DCAT graph of its dataset.
#[derive(Debug)]
pub struct DcatRecord {
    pub graph: Graph,
    /// The dataset node.
    pub root: Term,
    pub file_identifier: Option<String>,
    /// Departures from the record worth telling on its item (ignored boxes, fallbacks).
    pub notes: Vec<String>,
}

/// What a record is.
#[derive(Debug)]
pub enum Converted {
    Dataset(Box<DcatRecord>),
    /// A record of another scope (a service, a feature type…): not a dataset.
    NotDataset {
        scope: String,
    },
}

/// Why a record cannot become a dataset, naming the record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("not an ISO 19139 record: root element is {0} (is the server ignoring outputSchema?)")]
    NotIso(String),
    #[error("record {record} has no title (gmd:identificationInfo/*/gmd:citation/*/gmd:title)")]
    NoTitle { record: String },
    #[error("record titled {title:?} has no identifier: neither gmd:fileIdentifier nor a resource identifier (gmd:citation/*/gmd:identifier)")]
    NoIdentifier { title: String },
}

/// Convert one parsed record.
pub fn convert(md: &Element) -> Result<Converted, RecordError> {
    if md.name != "MD_Metadata" && md.name != "MI_Metadata" {
        return Err(RecordError::NotIso(md.name.clone()));
    }
    let file_identifier = md
        .first("fileIdentifier/CharacterString")
        .map(Element::normalized)
        .filter(|s| !s.is_empty());
    let scope = md
        .first("hierarchyLevel/MD_ScopeCode")
        .and_then(|e| e.attr_value("codeListValue"))
        .map(normalize_space)
        .unwrap_or_default();
    let series = match scope.as_str() {
        // No hierarchyLevel: ISO 19115's default scope is "dataset".
        "" | "dataset" | "nonGeographicDataset" => false,
        "series" => true,
        _ => return Ok(Converted::NotDataset { scope }),
    };
    let mut c = Conv::new(md);
    let idents = md.all("identificationInfo/*");
    let title_el = idents
        .first()
        .and_then(|i| i.first("citation/*/title"))
        .filter(|t| text_content(t, None).is_some());
    let Some(title_el) = title_el else {
        return Err(RecordError::NoTitle {
            record: file_identifier.unwrap_or_else(|| "without gmd:fileIdentifier".into()),
        });
    };
    let identifiers: Vec<&Element> = idents
        .iter()
        .flat_map(|i| i.all("citation/*/identifier/*"))
        .collect();
    let resource_ids: Vec<(String, &'static str)> = identifiers
        .iter()
        .filter_map(|i| resource_identifier(i))
        .collect();
    if resource_ids.is_empty() && file_identifier.is_none() {
        return Err(RecordError::NoIdentifier {
            title: text_content(title_el, None).unwrap_or_default(),
        });
    }
    let root = match identifiers.iter().find_map(|i| resource_uri(i)) {
        Some(uri) => Term::iri(&uri),
        None => Term::blank("dataset"),
    };

    c.catalog_record(&root, file_identifier.as_deref(), md);
    c.add(&root, RDF_TYPE_IRI, Term::iri(DCAT_DATASET_CLASS));
    if series {
        c.add(&root, RDF_TYPE_IRI, Term::iri(DCAT_DATASET_SERIES));
    }
    let resource_type = if series { "series" } else { "dataset" };
    if !scope.is_empty() {
        c.add(
            &root,
            GEODCAT_RESOURCE_TYPE,
            Term::iri(&format!("{INSPIRE_CODELIST}ResourceType/{resource_type}")),
        );
    }
    c.localised(&root, DCT_TITLE, title_el, true);
    if let Some(first) = idents.first() {
        for e in first.children("abstract") {
            c.localised(&root, DCT_DESCRIPTION, e, false);
        }
        for e in first.children("purpose") {
            c.localised(&root, GEODCAT_PURPOSE, e, true);
        }
    }
    for i in &idents {
        for code in i.all("resourceMaintenance/MD_MaintenanceInformation/maintenanceAndUpdateFrequency/MD_MaintenanceFrequencyCode") {
            c.frequency(&root, code);
        }
    }
    for i in &idents {
        for t in i.all("topicCategory/MD_TopicCategoryCode") {
            let t = t.normalized();
            if !t.is_empty() {
                let iri = format!("{INSPIRE_CODELIST}TopicCategory/{t}");
                c.add(&root, GEODCAT_TOPIC_CATEGORY, Term::iri(&iri));
            }
        }
    }
    for i in &idents {
        for k in i.all("descriptiveKeywords/MD_Keywords") {
            c.keywords(&root, k);
        }
    }
    if resource_ids.is_empty() {
        if let Some(id) = &file_identifier {
            c.add(&root, DCT_IDENTIFIER, Term::plain(id));
            c.notes.push(format!(
                "no resource identifier (gmd:citation/*/gmd:identifier): the file identifier {id:?} identifies the dataset"
            ));
        }
    }
    for (id, datatype) in &resource_ids {
        c.add(
            &root,
            DCT_IDENTIFIER,
            Term::literal(id, None, Some(datatype)),
        );
    }
    for i in &idents {
        for l in i.children("language") {
            if let Some(code) = language_code(l) {
                let iri = format!("{OP_LANGUAGE}{}", code.to_ascii_uppercase());
                c.add(&root, DCT_LANGUAGE, Term::iri(&iri));
            }
        }
    }
    if let Some(first) = idents.first() {
        for bbox in first.all("extent/*/geographicElement/EX_GeographicBoundingBox") {
            c.bbox(&root, bbox);
        }
    }
    for i in &idents {
        for t in i.all("extent/EX_Extent/temporalElement/EX_TemporalExtent/extent/*") {
            c.temporal(&root, t);
        }
        for d in i.all("citation/CI_Citation/date/CI_Date") {
            c.date(&root, d);
        }
    }
    for s in md.all("dataQualityInfo/*/lineage/*/statement") {
        let node = c.bnode();
        c.add(&root, DCT_PROVENANCE, node.clone());
        c.add(&node, RDF_TYPE_IRI, Term::iri(DCT_PROVENANCE_STATEMENT));
        c.localised(&node, DCT_DESCRIPTION, s, false);
    }
    for spec in md.all("dataQualityInfo/*/report/*/result/*") {
        c.conformity(&root, spec);
    }
    let constraints: Vec<&Element> = idents
        .first()
        .map(|i| i.all("resourceConstraints/*"))
        .unwrap_or_default();
    let distributions = c.online_resources(&root, md, &constraints);
    if distributions == 0 {
        // Beyond the XSLT (which only writes them on distributions): a record without one keeps
        // its constraints on the dataset, where the licence guesser and extras.dcat read them.
        for k in &constraints {
            c.constraints(&root, k);
        }
    }
    for i in &idents {
        for party in i.all("pointOfContact/CI_ResponsibleParty") {
            c.responsible_party(&root, party);
        }
    }
    Ok(Converted::Dataset(Box::new(DcatRecord {
        graph: c.g,
        root,
        file_identifier,
        notes: c.notes,
    })))
}

/// The graph being built and what the record says about languages.
struct Conv {
    g: Graph,
    /// The metadata language, ISO 639-1 (literals are tagged with it).
    lang: Option<String>,
    /// PT_Locale ids → ISO 639-1.
    locales: HashMap<String, String>,
    /// The PT_Locale id of French (the preferred language of `getTextContent`).
    preferred_locale: Option<String>,
    blanks: usize,
    notes: Vec<String>,
}

impl Conv {
    fn new(md: &Element) -> Self {
        let lang = md
            .child("language")
            .and_then(language_code)
            .map(|c| alpha2(&c));
        let mut locales = HashMap::new();
        let mut preferred_locale = None;
        for l in md.all("locale/PT_Locale") {
            let (Some(id), Some(code)) = (
                l.attr_value("id"),
                l.first("languageCode/LanguageCode")
                    .and_then(|c| c.attr_value("codeListValue")),
            ) else {
                continue;
            };
            if code == "fre" {
                preferred_locale = Some(id.to_owned());
            }
            locales.insert(id.to_owned(), alpha2(&code.to_ascii_lowercase()));
        }
        Self {
            g: Graph::new(),
            lang,
            locales,
            preferred_locale,
            blanks: 0,
            notes: Vec::new(),
        }
    }

    fn bnode(&mut self) -> Term {
        self.blanks += 1;
        Term::blank(&format!("n{}", self.blanks))
    }

    fn add(&mut self, s: &Term, p: &str, o: Term) {
        self.g.insert(s.clone(), Term::iri(p), o);
    }

    /// A literal in the metadata language.
    fn text(&self, value: &str) -> Term {
        Term::literal(value, self.lang.as_deref(), None)
    }

    fn typed(value: &str, datatype: &str) -> Term {
        Term::literal(value, None, Some(datatype))
    }

    fn text_of(&self, e: &Element) -> Option<String> {
        text_content(e, self.preferred_locale.as_deref())
    }

    /// A character-string property and its PT_FreeText translations (XSLT `LocalisedString`),
    /// normalized or as written.
    fn localised(&mut self, s: &Term, p: &str, e: &Element, normalize: bool) {
        let main = e
            .child("CharacterString")
            .map(|c| {
                if normalize {
                    c.normalized()
                } else {
                    c.text.trim().to_owned()
                }
            })
            .or_else(|| self.text_of(e));
        if let Some(v) = main.filter(|v| !v.is_empty()) {
            let lit = self.text(&v);
            self.add(s, p, lit);
        }
        for l in e.all("PT_FreeText/*/LocalisedCharacterString") {
            let v = l.normalized();
            if v.is_empty() {
                continue;
            }
            let lang = l
                .attr("locale")
                .and_then(|id| self.locales.get(id.trim_start_matches('#')))
                .cloned();
            self.add(s, p, Term::literal(&v, lang.as_deref(), None));
        }
    }
}
