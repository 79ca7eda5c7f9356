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

use std::collections::HashMap;

use super::dom::{normalize_space, Element};
use crate::rdf::graph::{Graph, Term};
use crate::rdf::vocab::*;

const RDF_TYPE_IRI: &str = RDF_TYPE;
const DCT_LANGUAGE: &str = "http://purl.org/dc/terms/language";
const DCT_LOCATION: &str = "http://purl.org/dc/terms/Location";
const DCT_PERIOD_OF_TIME: &str = "http://purl.org/dc/terms/PeriodOfTime";
const DCT_STANDARD: &str = "http://purl.org/dc/terms/Standard";
const DCT_RIGHTS_STATEMENT: &str = "http://purl.org/dc/terms/RightsStatement";
const DCT_LICENSE_DOCUMENT: &str = "http://purl.org/dc/terms/LicenseDocument";
const DCT_MEDIA_TYPE: &str = "http://purl.org/dc/terms/MediaType";
const DCT_FREQUENCY: &str = "http://purl.org/dc/terms/Frequency";
const DCT_PROVENANCE_STATEMENT: &str = "http://purl.org/dc/terms/ProvenanceStatement";
const DCAT_CATALOG_RECORD: &str = "http://www.w3.org/ns/dcat#CatalogRecord";
const DCAT_DISTRIBUTION_CLASS: &str = "http://www.w3.org/ns/dcat#Distribution";
const DCAT_ENDPOINT_URL: &str = "http://www.w3.org/ns/dcat#endpointURL";
const DCAT_ENDPOINT_DESCRIPTION: &str = "http://www.w3.org/ns/dcat#endpointDescription";
const GEODCAT_RESOURCE_TYPE: &str = "http://data.europa.eu/930/resourceType";
const GEODCAT_PURPOSE: &str = "http://data.europa.eu/930/purpose";
const GEODCAT_TOPIC_CATEGORY: &str = "http://data.europa.eu/930/topicCategory";
const SKOS_CONCEPT: &str = "http://www.w3.org/2004/02/skos/core#Concept";
const SKOS_CONCEPT_SCHEME: &str = "http://www.w3.org/2004/02/skos/core#ConceptScheme";
const FOAF: &str = "http://xmlns.com/foaf/0.1/";
const FOAF_PAGE: &str = "http://xmlns.com/foaf/0.1/page";
const FOAF_DOCUMENT: &str = "http://xmlns.com/foaf/0.1/Document";
const FOAF_PHONE: &str = "http://xmlns.com/foaf/0.1/phone";
const FOAF_HOMEPAGE: &str = "http://xmlns.com/foaf/0.1/workplaceHomepage";
const VCARD_HAS_TELEPHONE: &str = "http://www.w3.org/2006/vcard/ns#hasTelephone";
const OP_LANGUAGE: &str = "http://publications.europa.eu/resource/authority/language/";
const OP_FREQUENCY: &str = "http://publications.europa.eu/resource/authority/frequency/";
const INSPIRE_CODELIST: &str = "http://inspire.ec.europa.eu/metadata-codelist/";

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

/// The XSLT's `UniqueResourceIdentifier`: the anchor text, else `codeSpace/code`, else the
/// code; typed `xsd:anyURI` when it is an http(s) URI or a URN.
fn resource_identifier(i: &Element) -> Option<(String, &'static str)> {
    let ns = i
        .first("codeSpace/CharacterString")
        .map(Element::normalized)
        .unwrap_or_default();
    let code = i
        .first("code/CharacterString")
        .map(Element::normalized)
        .unwrap_or_default();
    let anchor = i
        .first("code/Anchor")
        .map(Element::normalized)
        .unwrap_or_default();
    let id = if !anchor.is_empty() {
        anchor
    } else if code.is_empty() {
        return None;
    } else if ns.is_empty() {
        code
    } else if ns.ends_with('/') {
        format!("{ns}{code}")
    } else {
        format!("{ns}/{code}")
    };
    let datatype = if ["http://", "https://", "urn:"]
        .iter()
        .any(|p| id.starts_with(p))
    {
        XSD_ANY_URI
    } else {
        XSD_STRING
    };
    Some((id, datatype))
}

/// The XSLT's `ResourceUri` candidate of one identifier: `codeSpace` and `code` joined as they
/// are (no separator, as the XSLT does), else the code, when it is an http(s) URI.
fn resource_uri(i: &Element) -> Option<String> {
    let part = |path: &str| -> String {
        i.first(path)
            .map(|e| {
                e.first("CharacterString")
                    .map(|c| c.text.clone())
                    .or_else(|| {
                        e.first("Anchor")
                            .and_then(|a| a.attr("href").map(str::to_owned))
                    })
                    .unwrap_or_default()
            })
            .unwrap_or_default()
    };
    let uri = if i.child("codeSpace").is_some() {
        format!("{}{}", part("codeSpace"), part("code"))
    } else {
        part("code")
    };
    let uri = uri.trim();
    (uri.starts_with("http://") || uri.starts_with("https://")).then(|| uri.to_owned())
}

/// XSLT `local:getTextContent`: an anchor's text, else the character string, else the
/// preferred-language (French) translation, else the first one; normalized, `None` when empty.
/// `preferred` is the PT_Locale id of French in the record.
fn text_content(e: &Element, preferred: Option<&str>) -> Option<String> {
    let text = if let Some(a) = e.child("Anchor") {
        a.normalized()
    } else if let Some(c) = e.child("CharacterString") {
        c.normalized()
    } else if let Some(free) = e.child("PT_FreeText") {
        let strings: Vec<&Element> = free.all("textGroup/LocalisedCharacterString");
        let wanted = preferred.map(|id| format!("#{id}"));
        strings
            .iter()
            .find(|s| {
                wanted
                    .as_deref()
                    .is_some_and(|w| s.attr("locale") == Some(w))
            })
            .or_else(|| strings.first())
            .map(|s| s.normalized())
            .unwrap_or_default()
    } else {
        e.normalized()
    };
    (!text.is_empty()).then_some(text)
}

/// A language code (`LanguageCode@codeListValue`, its text, or a character string), lower case.
fn language_code(l: &Element) -> Option<String> {
    let code = l
        .child("LanguageCode")
        .and_then(|c| {
            c.attr_value("codeListValue")
                .map(str::to_owned)
                .or_else(|| Some(c.normalized()))
        })
        .or_else(|| l.child("CharacterString").map(Element::normalized))?;
    let code = code.trim().to_ascii_lowercase();
    (!code.is_empty()).then_some(code)
}

/// The XSLT's ISO 639-2/B → ISO 639-1 table (the EU languages), else the code itself.
fn alpha2(code: &str) -> String {
    const TABLE: [(&str, &str); 24] = [
        ("bul", "bg"),
        ("cze", "cs"),
        ("dan", "da"),
        ("ger", "de"),
        ("gre", "el"),
        ("eng", "en"),
        ("spa", "es"),
        ("est", "et"),
        ("fin", "fi"),
        ("fre", "fr"),
        ("gle", "ga"),
        ("hrv", "hr"),
        ("ita", "it"),
        ("lav", "lv"),
        ("lit", "lt"),
        ("hun", "hu"),
        ("mlt", "mt"),
        ("dut", "nl"),
        ("pol", "pl"),
        ("por", "pt"),
        ("rum", "ro"),
        ("slo", "sk"),
        ("slv", "sl"),
        ("swe", "sv"),
    ];
    TABLE
        .iter()
        .find(|(b, _)| *b == code)
        .map_or_else(|| code.to_owned(), |(_, a)| (*a).to_owned())
}

/// The XSLT's `DateDataType`: by the length of the value.
fn date_datatype(value: &str) -> String {
    let kind = match value.len() {
        4 => "gYear",
        n if n > 10 => "dateTime",
        _ => "date",
    };
    format!("{XSD}{kind}")
}

/// The XSLT's `EncodingLabelToUri` for the EU file-type authority: a format label (lower case)
/// → its file-type code.
fn eu_file_type(label: &str) -> Option<&'static str> {
    const TABLE: &[(&str, &str)] = &[
        ("aaigrid", "GRID_ASCII"),
        ("aig", "GRID"),
        ("atom", "ATOM"),
        ("csv", "CSV"),
        ("csw", "XML"),
        ("dbf", "DBF"),
        ("doc", "DOC"),
        ("docx", "DOCX"),
        ("ecw", "ECW"),
        ("ecwp", "ECW"),
        ("epub", "EPUB"),
        ("gdb", "GDB"),
        ("geojson", "GEOJSON"),
        ("geopackage", "GPKG"),
        ("geotiff", "TIFF"),
        ("gif", "GIF"),
        ("gml", "GML"),
        ("gmz", "GMZ"),
        ("gpkg", "GPKG"),
        ("grid", "GRID"),
        ("grid_ascii", "GRID_ASCII"),
        ("gtiff", "TIFF"),
        ("gzip", "GZIP"),
        ("html", "HTML"),
        ("jpeg", "JPEG"),
        ("jpg", "JPEG"),
        ("json", "JSON"),
        ("json-ld", "JSON_LD"),
        ("json_ld", "JSON_LD"),
        ("jsonld", "JSON_LD"),
        ("kml", "KML"),
        ("kmz", "KMZ"),
        ("las", "LAS"),
        ("laz", "LAZ"),
        ("mdb", "MDB"),
        ("mxd", "MXD"),
        ("n-triples", "RDF_N_TRIPLES"),
        ("n3", "N3"),
        ("netcdf", "NETCDF"),
        ("ods", "ODS"),
        ("odt", "ODT"),
        ("pdf", "PDF"),
        ("pgeo", "MDB"),
        ("png", "PNG"),
        ("rar", "RAR"),
        ("rdf/xml", "RDF_XML"),
        ("rdf-n3", "N3"),
        ("rdf-turtle", "RDF_TURTLE"),
        ("rdf-xml", "RDF_XML"),
        ("rdf_n_triples", "RDF_N_TRIPLES"),
        ("rdf_n3", "N3"),
        ("rdf_turtle", "RDF_TURTLE"),
        ("rdf_xml", "RDF_XML"),
        ("rss", "RSS"),
        ("rtf", "RTF"),
        ("shp", "SHP"),
        ("svg", "SVG"),
        ("text", "TXT"),
        ("tiff", "TIFF"),
        ("tmx", "TMX"),
        ("tsv", "TSV"),
        ("ttl", "RDF_TURTLE"),
        ("turtle", "RDF_TURTLE"),
        ("txt", "TXT"),
        ("xhtml", "XHTML"),
        ("xls", "XLS"),
        ("xlsx", "XLSX"),
        ("xml", "XML"),
        ("zip", "ZIP"),
    ];
    let label = label
        .strip_prefix(&EU_FILE_TYPE.to_ascii_lowercase())
        .unwrap_or(label);
    TABLE.iter().find(|(l, _)| *l == label).map(|(_, c)| *c)
}

/// The XSLT's `service-protocol-code`: the OGC service of an online resource, from its URL's
/// `service=` parameter, else its protocol (`OGC:WMS`).
fn service_protocol(url: &str, protocol: &str) -> Option<&'static str> {
    let lower = url.to_ascii_lowercase();
    let query = lower.split_once('?').map(|(_, q)| q).unwrap_or("");
    let protocol = protocol.to_ascii_lowercase();
    ["csw", "sos", "sps", "wcs", "wfs", "wms", "wmts", "wps"]
        .into_iter()
        .find(|s| query.contains(&format!("service={s}")) || protocol == format!("ogc:{s}"))
}

/// The XSLT's `MaintenanceInformation`: ISO maintenance frequency → EU frequency authority code.
fn frequency_code(iso: &str) -> Option<&'static str> {
    Some(match iso {
        "continual" => "CONT",
        "daily" => "DAILY",
        "weekly" => "WEEKLY",
        "fortnightly" => "BIWEEKLY",
        "semimonthly" => "MONTHLY_2",
        "monthly" => "MONTHLY",
        "quarterly" => "QUARTERLY",
        "biannually" => "ANNUAL_2",
        "annually" => "ANNUAL",
        "biennially" => "BIENNIAL",
        "periodic" => "OTHER",
        "asNeeded" => "AS_NEEDED",
        "irregular" => "IRREG",
        "notPlanned" => "NOT_PLANNED",
        "unknown" => "UNKNOWN",
        _ => return None,
    })
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

    fn catalog_record(&mut self, root: &Term, file_identifier: Option<&str>, md: &Element) {
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

    fn frequency(&mut self, root: &Term, code: &Element) {
        if let Some(f) = code.attr_value("codeListValue").and_then(frequency_code) {
            let node = Term::iri(&format!("{OP_FREQUENCY}{f}"));
            self.add(root, DCT_ACCRUAL_PERIODICITY, node.clone());
            self.add(&node, RDF_TYPE_IRI, Term::iri(DCT_FREQUENCY));
        }
    }

    /// The XSLT's `Keyword`: free keywords (no thesaurus, no http anchor) are `dcat:keyword`s;
    /// thesaurus keywords are `dcat:theme` concepts in their scheme, anchors their IRI.
    fn keywords(&mut self, root: &Term, k: &Element) {
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
    fn bbox(&mut self, root: &Term, b: &Element) {
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
    fn temporal(&mut self, root: &Term, t: &Element) {
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
    fn date(&mut self, s: &Term, d: &Element) {
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
    fn conformity(&mut self, root: &Term, result: &Element) {
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

    /// The XSLT's `ConstraintsRelatedToAccessAndUse` on `s` (a distribution, or the dataset of a
    /// record without any): use limitations and the other constraints of use and access
    /// constraints as rights statements, their anchors as licence / access rights.
    fn constraints(&mut self, s: &Term, k: &Element) {
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
    fn online_resources(&mut self, root: &Term, md: &Element, constraints: &[&Element]) -> usize {
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

    /// The XSLT's `ResponsibleOrganisation`: the party under the predicate of its role.
    fn responsible_party(&mut self, root: &Term, party: &Element) {
        let role = party
            .first("role/CI_RoleCode")
            .and_then(|r| r.attr_value("codeListValue"))
            .unwrap_or_default();
        let pred = match role {
            "pointOfContact" => DCAT_CONTACT_POINT,
            "publisher" => DCT_PUBLISHER,
            "author" => DCT_CREATOR,
            "owner" => DCT_RIGHTS_HOLDER,
            "resourceProvider"
            | "custodian"
            | "user"
            | "distributor"
            | "originator"
            | "principalInvestigator"
            | "processor" => {
                let iri = format!("{GEODCAT}{role}");
                let agent = self.agent(party, false);
                self.add(root, &iri, agent);
                return;
            }
            _ => return,
        };
        let vcard = pred == DCAT_CONTACT_POINT;
        let agent = self.agent(party, vcard);
        self.add(root, pred, agent);
    }

    /// A party as a vCard (contact points) or FOAF agent (other roles).
    fn agent(&mut self, party: &Element, vcard: bool) -> Term {
        let href = |path: &str| {
            party
                .first(path)
                .and_then(|e| e.children("*").find_map(|c| c.attr_value("href")))
                .map(str::to_owned)
        };
        let individual = party
            .first("individualName/CharacterString")
            .map(Element::normalized)
            .filter(|s| !s.is_empty());
        let organisation = party
            .first("organisationName/CharacterString")
            .map(Element::normalized)
            .filter(|s| !s.is_empty());
        let node = match href("individualName").or_else(|| href("organisationName")) {
            Some(iri) => Term::iri(&iri),
            None => self.bnode(),
        };
        let contact = party.first("contactInfo/CI_Contact");
        let values = |path: &str| -> Vec<String> {
            contact
                .map(|c| c.all(path))
                .unwrap_or_default()
                .into_iter()
                .map(Element::normalized)
                .filter(|v| !v.is_empty())
                .collect()
        };
        let emails = values("address/CI_Address/electronicMailAddress/*");
        let phones: Vec<String> = values("phone/CI_Telephone/voice/*")
            .into_iter()
            .map(|p| p.replace([' ', '(', ')', '+', '.'], ""))
            .collect();
        let urls = values("onlineResource/CI_OnlineResource/linkage/URL");
        if vcard {
            let class = match (&individual, &organisation) {
                (Some(_), _) => "Individual",
                (None, Some(_)) => "Organization",
                _ => "Kind",
            };
            self.add(&node, RDF_TYPE_IRI, Term::iri(&format!("{VCARD}{class}")));
            if let Some(name) = individual.as_ref().or(organisation.as_ref()) {
                let lit = self.text(name);
                self.add(&node, VCARD_FN, lit);
            }
            if let (Some(_), Some(org)) = (&individual, &organisation) {
                let lit = self.text(org);
                self.add(&node, VCARD_ORGANIZATION_NAME, lit);
            }
            for p in phones {
                self.add(&node, VCARD_HAS_TELEPHONE, Term::iri(&format!("tel:+{p}")));
            }
            for e in emails {
                self.add(&node, VCARD_HAS_EMAIL, Term::iri(&format!("mailto:{e}")));
            }
            for u in urls {
                self.add(&node, VCARD_HAS_URL, Term::iri(&u));
            }
            return node;
        }
        let class = match (&individual, &organisation) {
            (Some(_), _) => "Person",
            (None, Some(_)) => "Organization",
            _ => "Agent",
        };
        self.add(&node, RDF_TYPE_IRI, Term::iri(&format!("{FOAF}{class}")));
        match (&individual, &organisation) {
            (Some(person), Some(org)) => {
                let lit = self.text(person);
                self.add(&node, FOAF_NAME, lit);
                let org_node = match href("organisationName") {
                    Some(iri) => Term::iri(&iri),
                    None => self.bnode(),
                };
                self.add(&node, ORG_MEMBER_OF, org_node.clone());
                self.add(
                    &org_node,
                    RDF_TYPE_IRI,
                    Term::iri(&format!("{FOAF}Organization")),
                );
                let lit = self.text(org);
                self.add(&org_node, FOAF_NAME, lit);
            }
            (Some(name), None) | (None, Some(name)) => {
                let lit = self.text(name);
                self.add(&node, FOAF_NAME, lit);
            }
            (None, None) => {}
        }
        for p in phones {
            self.add(&node, FOAF_PHONE, Term::iri(&format!("tel:+{p}")));
        }
        for e in emails {
            self.add(&node, FOAF_MBOX, Term::iri(&format!("mailto:{e}")));
        }
        for u in urls {
            self.add(&node, FOAF_HOMEPAGE, Term::iri(&u));
        }
        node
    }
}

/// The OGC standards page of a service (`csw` is the catalogue standard, `cat`).
fn ogc_page(service: &str) -> &str {
    if service == "csw" {
        "cat"
    } else {
        service
    }
}
