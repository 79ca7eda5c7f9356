//! A minimal XML tokenizer and the three things the harvester needs it for, before any RDF/XML
//! reaches the real parser:
//!
//! * **DOCTYPE neutralisation.** The RDF/XML parser behind `sophia::xml` (oxrdfxml on quick-xml)
//!   expands the internal entities of a DOCTYPE eagerly and recursively, so a "billion laughs"
//!   document makes it allocate gigabytes. It does not fetch external entities, but nothing
//!   guarantees a future version won't. So every DOCTYPE is removed here before parsing: parameter
//!   and external entities are refused, entities referencing other entities are refused (no
//!   nesting, hence no exponential growth), a few plain ones (the classic `&xsd;` namespace
//!   abbreviations) are substituted by us with a hard cap on the expanded size.
//! * **Repair of sloppy attributes** (only when a first strict parse failed): IRIs with spaces or
//!   other characters IRIs forbid in `rdf:about` / `rdf:resource` / `rdf:datatype` / `rdf:ID` /
//!   `xml:base` are percent-encoded, invalid `xml:lang` tags (`fr_FR`) are fixed or dropped
//!   ([`super::iri_fix`]); each repair is reported so the items it touches carry a note.
//! * **CSW responses**: splitting `csw:GetRecordsResponse/csw:SearchResults` into one standalone
//!   RDF/XML document per record (namespace declarations of the ancestors are copied onto each
//!   record), with the paging attributes.
//!
//! It is a tokenizer, not a validating parser: it only needs to find tags, attributes, comments,
//! CDATA sections and the DOCTYPE reliably; the real parser validates the result.
//!
//! Why not quick-xml's reader (quick-xml is a dependency, for escaping): the users of this
//! tokenizer rewrite the document byte for byte, so every token carries its exact byte span and
//! the end of its element name, which quick-xml's events give only indirectly, and it deliberately
//! checks no well-formedness (end-tag names, entity references) so that it reads the sloppy
//! documents it is there to repair. The DOCTYPE guard would scan the internal subset itself
//! anyway: quick-xml hands a DOCTYPE over as raw text.
//!
//! Layout: `scanner` is the tokenizer, `doctype` the entity guard, `prepare` the rewriting
//! before RDF/XML parsing, `lenient` the rdflib-like relaxing after a failed parse, `csw` the
//! record split, `decode` the transcoding of a body to text.

mod csw;
mod decode;
mod doctype;
mod lenient;
mod prepare;
mod scanner;
mod scopes;

pub use csw::{csw_records, record_about, CswPage};
pub(crate) use decode::decode_xml;
pub(crate) use lenient::relax_rdfxml;
pub(crate) use prepare::prepare_rdfxml;
pub(crate) use scanner::{local_name, Scanner, Token};

/// Why an XML document was refused before RDF parsing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    #[error("malformed XML at byte {at}: {reason}")]
    Malformed { at: usize, reason: String },
    #[error("unsafe DOCTYPE refused: {0}")]
    UnsafeDoctype(String),
    #[error("CSW exception report: {0}")]
    CswException(String),
    #[error("not a CSW GetRecords response: {0}")]
    NotCsw(String),
}
