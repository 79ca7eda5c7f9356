//! DCAT rendering of synthetic datasets ([`super::synth`]) in Turtle, RDF/XML, JSON-LD and
//! N-Triples, one Hydra page at a time.
//!
//! A dataset is first described as a small tree of [`Node`]s (the dataset, its distributions,
//! and blank nodes for temporal coverage, spatial coverage, contact point, publisher and
//! checksums), then written the way real portals write it: Turtle with prefixes and nested
//! `[ … ]`, RDF/XML with typed node elements nested in their properties, compact JSON-LD with an
//! inline `@context`, and flat N-Triples. The number of triples of a page does not depend on the
//! syntax ([`Page::triples`]).
//!
//! Like `synth.rs`, this file only uses `std` so that the worker's micro benchmarks can include
//! it.

// Explicit paths: the micro benchmarks include this file by `#[path]`, where child modules
// would otherwise be looked up beside it.
#[path = "rdf/jsonld.rs"]
mod jsonld;
#[path = "rdf/ntriples.rs"]
mod ntriples;
#[path = "rdf/rdfxml.rs"]
mod rdfxml;
#[path = "rdf/turtle.rs"]
mod turtle;

use std::fmt::Write as _;

use super::synth::{SynthDataset, SynthDistribution};

/// RDF syntaxes served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Syntax {
    Turtle,
    RdfXml,
    JsonLd,
    NTriples,
}

impl Syntax {
    pub const ALL: [Syntax; 4] = [
        Syntax::Turtle,
        Syntax::RdfXml,
        Syntax::JsonLd,
        Syntax::NTriples,
    ];

    /// File extension of the catalog URL (`catalog.ttl`…).
    pub fn extension(self) -> &'static str {
        match self {
            Self::Turtle => "ttl",
            Self::RdfXml => "rdf",
            Self::JsonLd => "jsonld",
            Self::NTriples => "nt",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Self::Turtle => "text/turtle; charset=utf-8",
            Self::RdfXml => "application/rdf+xml; charset=utf-8",
            Self::JsonLd => "application/ld+json",
            Self::NTriples => "application/n-triples",
        }
    }

    pub fn from_extension(ext: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.extension() == ext)
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Turtle => "turtle",
            Self::RdfXml => "rdfxml",
            Self::JsonLd => "jsonld",
            Self::NTriples => "ntriples",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// Prefixes used by the writers: (prefix, namespace).
pub const PREFIXES: &[(&str, &str)] = &[
    ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    ("dcat", "http://www.w3.org/ns/dcat#"),
    ("dct", "http://purl.org/dc/terms/"),
    ("foaf", "http://xmlns.com/foaf/0.1/"),
    ("vcard", "http://www.w3.org/2006/vcard/ns#"),
    ("locn", "http://www.w3.org/ns/locn#"),
    ("gsp", "http://www.opengis.net/ont/geosparql#"),
    ("spdx", "http://spdx.org/rdf/terms#"),
    ("hydra", "http://www.w3.org/ns/hydra/core#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
];

/// A prefixed name: (prefix, local name).
pub type Name = (&'static str, &'static str);

fn namespace(prefix: &str) -> &'static str {
    PREFIXES
        .iter()
        .find(|(p, _)| *p == prefix)
        .map(|(_, ns)| *ns)
        .unwrap_or("urn:unknown:")
}

/// A literal.
#[derive(Debug, Clone, PartialEq)]
pub struct Lit {
    pub value: String,
    pub lang: Option<&'static str>,
    pub datatype: Option<Name>,
}

/// An object: an IRI, a literal, or a nested node (a blank node, or an IRI node described in
/// place).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Iri(String),
    Lit(Lit),
    Node(Box<Node>),
}

/// A described subject: `iri` is `None` for a blank node.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Node {
    pub iri: Option<String>,
    pub types: Vec<Name>,
    pub props: Vec<(Name, Value)>,
}

impl Node {
    fn new(iri: Option<String>, ty: Name) -> Self {
        Self {
            iri,
            types: vec![ty],
            props: Vec::new(),
        }
    }

    fn lit(&mut self, p: Name, value: impl Into<String>) -> &mut Self {
        self.props.push((
            p,
            Value::Lit(Lit {
                value: value.into(),
                lang: None,
                datatype: None,
            }),
        ));
        self
    }

    fn lang(&mut self, p: Name, value: impl Into<String>, lang: &'static str) -> &mut Self {
        self.props.push((
            p,
            Value::Lit(Lit {
                value: value.into(),
                lang: Some(lang),
                datatype: None,
            }),
        ));
        self
    }

    fn typed(&mut self, p: Name, value: impl Into<String>, dt: Name) -> &mut Self {
        self.props.push((
            p,
            Value::Lit(Lit {
                value: value.into(),
                lang: None,
                datatype: Some(dt),
            }),
        ));
        self
    }

    fn iri(&mut self, p: Name, iri: impl Into<String>) -> &mut Self {
        self.props.push((p, Value::Iri(iri.into())));
        self
    }

    fn node(&mut self, p: Name, n: Node) -> &mut Self {
        self.props.push((p, Value::Node(Box::new(n))));
        self
    }

    /// Triples of this node and its nested nodes.
    pub fn triple_count(&self) -> usize {
        self.types.len()
            + self
                .props
                .iter()
                .map(|(_, v)| match v {
                    Value::Node(n) => 1 + n.triple_count(),
                    _ => 1,
                })
                .sum::<usize>()
    }
}

const XSD_DATE: Name = ("xsd", "date");
const XSD_DATETIME: Name = ("xsd", "dateTime");
const THEME_NS: &str = "http://publications.europa.eu/resource/authority/data-theme/";
const FREQ_NS: &str = "http://publications.europa.eu/resource/authority/frequency/";

fn distribution_node(d: &SynthDistribution, license: &str) -> Node {
    let mut n = Node::new(Some(d.iri.clone()), ("dcat", "Distribution"));
    n.lang(("dct", "title"), &d.title, "fr")
        .lang(("dct", "description"), &d.description, "fr")
        .iri(("dcat", "downloadURL"), &d.download_url)
        .iri(("dcat", "accessURL"), &d.download_url)
        .lit(("dct", "format"), d.format)
        .lit(("dcat", "mediaType"), d.media_type)
        .typed(
            ("dcat", "byteSize"),
            d.byte_size.to_string(),
            ("xsd", "decimal"),
        )
        .typed(("dct", "issued"), &d.issued, XSD_DATETIME)
        .typed(("dct", "modified"), &d.modified, XSD_DATETIME)
        .iri(("dct", "license"), license);
    if let Some(sum) = &d.checksum {
        let mut c = Node::new(None, ("spdx", "Checksum"));
        c.iri(
            ("spdx", "algorithm"),
            "http://spdx.org/rdf/terms#checksumAlgorithm_sha1",
        )
        .typed(("spdx", "checksumValue"), sum, ("xsd", "hexBinary"));
        n.node(("spdx", "checksum"), c);
    }
    n
}

/// The DCAT description of one dataset.
pub fn dataset_node(d: &SynthDataset) -> Node {
    let (license, _, _) = d.license_info();
    let mut n = Node::new(Some(d.iri.clone()), ("dcat", "Dataset"));
    n.lit(("dct", "identifier"), &d.id)
        .lang(("dct", "title"), &d.title, "fr")
        .lang(("dct", "description"), &d.description_html, "fr");
    for k in &d.keywords {
        n.lit(("dcat", "keyword"), k);
    }
    for t in &d.themes {
        n.iri(("dcat", "theme"), format!("{THEME_NS}{t}"));
    }
    n.iri(("dct", "license"), license)
        .iri(
            ("dct", "accrualPeriodicity"),
            format!("{FREQ_NS}{}", d.frequency),
        )
        .iri(
            ("dct", "language"),
            "http://publications.europa.eu/resource/authority/language/FRA",
        )
        .typed(("dct", "issued"), &d.issued, XSD_DATETIME)
        .typed(("dct", "modified"), &d.modified, XSD_DATETIME)
        .iri(("dcat", "landingPage"), &d.landing_page);
    let mut temporal = Node::new(None, ("dct", "PeriodOfTime"));
    temporal
        .typed(("dcat", "startDate"), &d.temporal.0, XSD_DATE)
        .typed(("dcat", "endDate"), &d.temporal.1, XSD_DATE);
    n.node(("dct", "temporal"), temporal);
    let mut spatial = Node::new(None, ("dct", "Location"));
    spatial.typed(("locn", "geometry"), d.wkt(), ("gsp", "wktLiteral"));
    n.node(("dct", "spatial"), spatial);
    let mut contact = Node::new(None, ("vcard", "Organization"));
    contact
        .lit(("vcard", "fn"), &d.contact_name)
        .iri(("vcard", "hasEmail"), format!("mailto:{}", d.contact_email));
    n.node(("dcat", "contactPoint"), contact);
    let mut publisher = Node::new(None, ("foaf", "Organization"));
    publisher.lit(("foaf", "name"), &d.publisher);
    n.node(("dct", "publisher"), publisher);
    for dist in &d.distributions {
        n.node(("dcat", "distribution"), distribution_node(dist, license));
    }
    n
}

/// One Hydra page of a catalog.
#[derive(Debug, Clone)]
pub struct Page {
    /// The catalog node (its `dcat:dataset` links) and the `hydra:PartialCollectionView`.
    pub header: Vec<Node>,
    pub datasets: Vec<Node>,
}

/// Paging information of a page.
#[derive(Debug, Clone)]
pub struct Paging {
    /// IRI of the catalog (`https://<domain>/catalog`).
    pub catalog_iri: String,
    pub catalog_title: String,
    pub page_url: String,
    pub first_url: String,
    pub next_url: Option<String>,
    pub last_url: String,
    pub total_items: usize,
}

impl Page {
    /// A page listing `datasets`.
    pub fn new(paging: &Paging, datasets: &[SynthDataset]) -> Self {
        let mut catalog = Node::new(Some(paging.catalog_iri.clone()), ("dcat", "Catalog"));
        catalog.lang(("dct", "title"), &paging.catalog_title, "fr");
        for d in datasets {
            catalog.iri(("dcat", "dataset"), &d.iri);
        }
        let mut view = Node::new(
            Some(paging.page_url.clone()),
            ("hydra", "PartialCollectionView"),
        );
        view.iri(("hydra", "first"), &paging.first_url);
        if let Some(next) = &paging.next_url {
            view.iri(("hydra", "next"), next);
        }
        view.iri(("hydra", "last"), &paging.last_url).typed(
            ("hydra", "totalItems"),
            paging.total_items.to_string(),
            ("xsd", "integer"),
        );
        Self {
            header: vec![catalog, view],
            datasets: datasets.iter().map(dataset_node).collect(),
        }
    }

    fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.header.iter().chain(self.datasets.iter())
    }

    /// Triples of the page (the same in every syntax).
    pub fn triples(&self) -> usize {
        self.nodes().map(Node::triple_count).sum()
    }

    /// The page in `syntax`.
    pub fn render(&self, syntax: Syntax) -> String {
        match syntax {
            Syntax::Turtle => self.turtle(),
            Syntax::RdfXml => self.rdfxml(),
            Syntax::JsonLd => self.jsonld(),
            Syntax::NTriples => self.ntriples(),
        }
    }

    // ---- Turtle ----

    fn turtle(&self) -> String {
        let mut out = String::with_capacity(4096 + self.datasets.len() * 6000);
        for (p, ns) in PREFIXES {
            let _ = writeln!(out, "@prefix {p}: <{ns}> .");
        }
        out.push('\n');
        for node in self.nodes() {
            turtle::ttl_block(&mut out, node);
        }
        out
    }

    // ---- RDF/XML ----

    fn rdfxml(&self) -> String {
        let mut out = String::with_capacity(4096 + self.datasets.len() * 9000);
        out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rdf:RDF");
        for (p, ns) in PREFIXES {
            let _ = write!(out, "\n    xmlns:{p}=\"{ns}\"");
        }
        out.push_str(">\n");
        for node in self.nodes() {
            rdfxml::xml_node(&mut out, node, 1);
        }
        out.push_str("</rdf:RDF>\n");
        out
    }

    // ---- JSON-LD ----

    fn jsonld(&self) -> String {
        let mut out = String::with_capacity(4096 + self.datasets.len() * 9000);
        out.push_str("{\n  \"@context\": {");
        for (i, (p, ns)) in PREFIXES.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "\n    \"{p}\": \"{ns}\"");
        }
        out.push_str("\n  },\n  \"@graph\": [");
        for (i, node) in self.nodes().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("\n    ");
            jsonld::json_node(&mut out, node);
        }
        out.push_str("\n  ]\n}\n");
        out
    }

    // ---- N-Triples ----

    fn ntriples(&self) -> String {
        let mut out = String::with_capacity(4096 + self.datasets.len() * 16000);
        let mut bnodes = 0usize;
        for node in self.nodes() {
            ntriples::nt_node(&mut out, node, &mut bnodes);
        }
        out
    }
}
