//! The IRIs only the ISO 19139 conversion writes, beside those the DCAT mapping reads
//! ([`crate::rdf::vocab`]): Dublin Core classes, GeoDCAT-AP terms, the EU authorities and INSPIRE
//! code lists, FOAF and vCard properties.

use crate::rdf::vocab::RDF_TYPE;

pub(super) const RDF_TYPE_IRI: &str = RDF_TYPE;
pub(super) const DCT_LANGUAGE: &str = "http://purl.org/dc/terms/language";
pub(super) const DCT_LOCATION: &str = "http://purl.org/dc/terms/Location";
pub(super) const DCT_PERIOD_OF_TIME: &str = "http://purl.org/dc/terms/PeriodOfTime";
pub(super) const DCT_STANDARD: &str = "http://purl.org/dc/terms/Standard";
pub(super) const DCT_RIGHTS_STATEMENT: &str = "http://purl.org/dc/terms/RightsStatement";
pub(super) const DCT_LICENSE_DOCUMENT: &str = "http://purl.org/dc/terms/LicenseDocument";
pub(super) const DCT_MEDIA_TYPE: &str = "http://purl.org/dc/terms/MediaType";
pub(super) const DCT_FREQUENCY: &str = "http://purl.org/dc/terms/Frequency";
pub(super) const DCT_PROVENANCE_STATEMENT: &str = "http://purl.org/dc/terms/ProvenanceStatement";
pub(super) const DCAT_CATALOG_RECORD: &str = "http://www.w3.org/ns/dcat#CatalogRecord";
pub(super) const DCAT_DISTRIBUTION_CLASS: &str = "http://www.w3.org/ns/dcat#Distribution";
pub(super) const DCAT_ENDPOINT_URL: &str = "http://www.w3.org/ns/dcat#endpointURL";
pub(super) const DCAT_ENDPOINT_DESCRIPTION: &str = "http://www.w3.org/ns/dcat#endpointDescription";
pub(super) const GEODCAT_RESOURCE_TYPE: &str = "http://data.europa.eu/930/resourceType";
pub(super) const GEODCAT_PURPOSE: &str = "http://data.europa.eu/930/purpose";
pub(super) const GEODCAT_TOPIC_CATEGORY: &str = "http://data.europa.eu/930/topicCategory";
pub(super) const SKOS_CONCEPT: &str = "http://www.w3.org/2004/02/skos/core#Concept";
pub(super) const SKOS_CONCEPT_SCHEME: &str = "http://www.w3.org/2004/02/skos/core#ConceptScheme";
pub(super) const FOAF: &str = "http://xmlns.com/foaf/0.1/";
pub(super) const FOAF_PAGE: &str = "http://xmlns.com/foaf/0.1/page";
pub(super) const FOAF_DOCUMENT: &str = "http://xmlns.com/foaf/0.1/Document";
pub(super) const FOAF_PHONE: &str = "http://xmlns.com/foaf/0.1/phone";
pub(super) const FOAF_HOMEPAGE: &str = "http://xmlns.com/foaf/0.1/workplaceHomepage";
pub(super) const VCARD_HAS_TELEPHONE: &str = "http://www.w3.org/2006/vcard/ns#hasTelephone";
pub(super) const OP_LANGUAGE: &str = "http://publications.europa.eu/resource/authority/language/";
pub(super) const OP_FREQUENCY: &str = "http://publications.europa.eu/resource/authority/frequency/";
pub(super) const INSPIRE_CODELIST: &str = "http://inspire.ec.europa.eu/metadata-codelist/";
