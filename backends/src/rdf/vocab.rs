//! IRIs of the vocabularies the DCAT harvester reads (DCAT, Dublin Core, FOAF, vCard, Hydra,
//! SPDX, GeoSPARQL, LOCN, schema.org, OWL-Time…), in one place so that every module spells them
//! the same way.

pub const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
pub const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
pub const RDF_LANG_STRING: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString";
pub const RDFS_LABEL: &str = "http://www.w3.org/2000/01/rdf-schema#label";
pub const XSD: &str = "http://www.w3.org/2001/XMLSchema#";
pub const XSD_STRING: &str = "http://www.w3.org/2001/XMLSchema#string";
pub const XSD_ANY_URI: &str = "http://www.w3.org/2001/XMLSchema#anyURI";

pub const DCAT: &str = "http://www.w3.org/ns/dcat#";
pub const DCAT_CATALOG: &str = "http://www.w3.org/ns/dcat#Catalog";
pub const DCAT_DATASET_CLASS: &str = "http://www.w3.org/ns/dcat#Dataset";
pub const DCAT_DATASET_SERIES: &str = "http://www.w3.org/ns/dcat#DatasetSeries";
pub const DCAT_DATA_SERVICE: &str = "http://www.w3.org/ns/dcat#DataService";
pub const DCAT_DATASET: &str = "http://www.w3.org/ns/dcat#dataset";
pub const DCAT_DISTRIBUTION: &str = "http://www.w3.org/ns/dcat#distribution";
/// Misspelling found in the wild (udata accepts it too).
pub const DCAT_DISTRIBUTIONS: &str = "http://www.w3.org/ns/dcat#distributions";
pub const DCAT_DOWNLOAD_URL: &str = "http://www.w3.org/ns/dcat#downloadURL";
pub const DCAT_ACCESS_URL: &str = "http://www.w3.org/ns/dcat#accessURL";
pub const DCAT_ACCESS_SERVICE: &str = "http://www.w3.org/ns/dcat#accessService";
pub const DCAT_BYTE_SIZE: &str = "http://www.w3.org/ns/dcat#byteSize";
pub const DCAT_MEDIA_TYPE: &str = "http://www.w3.org/ns/dcat#mediaType";
pub const DCAT_KEYWORD: &str = "http://www.w3.org/ns/dcat#keyword";
pub const DCAT_THEME: &str = "http://www.w3.org/ns/dcat#theme";
pub const DCAT_LANDING_PAGE: &str = "http://www.w3.org/ns/dcat#landingPage";
pub const DCAT_CONTACT_POINT: &str = "http://www.w3.org/ns/dcat#contactPoint";
pub const DCAT_START_DATE: &str = "http://www.w3.org/ns/dcat#startDate";
pub const DCAT_END_DATE: &str = "http://www.w3.org/ns/dcat#endDate";
pub const DCAT_BBOX: &str = "http://www.w3.org/ns/dcat#bbox";
pub const DCAT_SERVES_DATASET: &str = "http://www.w3.org/ns/dcat#servesDataset";
pub const DCAT_SPATIAL_RESOLUTION_IN_METERS: &str =
    "http://www.w3.org/ns/dcat#spatialResolutionInMeters";

pub const DCT: &str = "http://purl.org/dc/terms/";
pub const DCT_TITLE: &str = "http://purl.org/dc/terms/title";
pub const DCT_DESCRIPTION: &str = "http://purl.org/dc/terms/description";
pub const DCT_ABSTRACT: &str = "http://purl.org/dc/terms/abstract";
pub const DCT_IDENTIFIER: &str = "http://purl.org/dc/terms/identifier";
pub const DCT_ISSUED: &str = "http://purl.org/dc/terms/issued";
pub const DCT_MODIFIED: &str = "http://purl.org/dc/terms/modified";
pub const DCT_CREATED: &str = "http://purl.org/dc/terms/created";
pub const DCT_LICENSE: &str = "http://purl.org/dc/terms/license";
pub const DCT_RIGHTS: &str = "http://purl.org/dc/terms/rights";
pub const DCT_ACCESS_RIGHTS: &str = "http://purl.org/dc/terms/accessRights";
pub const DCT_PROVENANCE: &str = "http://purl.org/dc/terms/provenance";
pub const DCT_TEMPORAL: &str = "http://purl.org/dc/terms/temporal";
pub const DCT_SPATIAL: &str = "http://purl.org/dc/terms/spatial";
pub const DCT_ACCRUAL_PERIODICITY: &str = "http://purl.org/dc/terms/accrualPeriodicity";
pub const DCT_PUBLISHER: &str = "http://purl.org/dc/terms/publisher";
pub const DCT_CREATOR: &str = "http://purl.org/dc/terms/creator";
pub const DCT_RIGHTS_HOLDER: &str = "http://purl.org/dc/terms/rightsHolder";
pub const DCT_FORMAT: &str = "http://purl.org/dc/terms/format";
pub const DCT_CONFORMS_TO: &str = "http://purl.org/dc/terms/conformsTo";
pub const DCT_HAS_PART: &str = "http://purl.org/dc/terms/hasPart";

pub const FOAF_NAME: &str = "http://xmlns.com/foaf/0.1/name";
pub const FOAF_MBOX: &str = "http://xmlns.com/foaf/0.1/mbox";
pub const FOAF_MEMBER: &str = "http://xmlns.com/foaf/0.1/member";
pub const FOAF_PRIMARY_TOPIC: &str = "http://xmlns.com/foaf/0.1/primaryTopic";
pub const FOAF_IS_PRIMARY_TOPIC_OF: &str = "http://xmlns.com/foaf/0.1/isPrimaryTopicOf";
pub const ORG_MEMBER_OF: &str = "http://www.w3.org/ns/org#memberOf";

pub const VCARD: &str = "http://www.w3.org/2006/vcard/ns#";
pub const VCARD_FN: &str = "http://www.w3.org/2006/vcard/ns#fn";
pub const VCARD_HAS_EMAIL: &str = "http://www.w3.org/2006/vcard/ns#hasEmail";
pub const VCARD_EMAIL: &str = "http://www.w3.org/2006/vcard/ns#email";
pub const VCARD_HAS_URL: &str = "http://www.w3.org/2006/vcard/ns#hasURL";
pub const VCARD_HAS_URL_LEGACY: &str = "http://www.w3.org/2006/vcard/ns#hasUrl";
pub const VCARD_URL: &str = "http://www.w3.org/2006/vcard/ns#url";
pub const VCARD_ORG: &str = "http://www.w3.org/2006/vcard/ns#org";
pub const VCARD_ORGANIZATION_NAME: &str = "http://www.w3.org/2006/vcard/ns#organization-name";
pub const VCARD_ORGANISATION_NAME: &str = "http://www.w3.org/2006/vcard/ns#organisation-name";

pub const SKOS_PREF_LABEL: &str = "http://www.w3.org/2004/02/skos/core#prefLabel";
pub const SKOS_ALT_LABEL: &str = "http://www.w3.org/2004/02/skos/core#altLabel";
pub const SKOS_IN_SCHEME: &str = "http://www.w3.org/2004/02/skos/core#inScheme";

pub const SCHEMA_START_DATE: &str = "http://schema.org/startDate";
pub const SCHEMA_END_DATE: &str = "http://schema.org/endDate";
pub const SCHEMA_START_DATE_HTTPS: &str = "https://schema.org/startDate";
pub const SCHEMA_END_DATE_HTTPS: &str = "https://schema.org/endDate";
pub const SCV_MIN: &str = "http://purl.org/NET/scovo#min";
pub const SCV_MAX: &str = "http://purl.org/NET/scovo#max";
pub const TIME_HAS_BEGINNING: &str = "http://www.w3.org/2006/time#hasBeginning";
pub const TIME_HAS_END: &str = "http://www.w3.org/2006/time#hasEnd";
pub const TIME_IN_XSD_DATE: &str = "http://www.w3.org/2006/time#inXSDDate";
pub const TIME_IN_XSD_DATE_TIME: &str = "http://www.w3.org/2006/time#inXSDDateTime";
pub const TIME_IN_XSD_DATE_TIME_STAMP: &str = "http://www.w3.org/2006/time#inXSDDateTimeStamp";

pub const SPDX_CHECKSUM: &str = "http://spdx.org/rdf/terms#checksum";
pub const SPDX_ALGORITHM: &str = "http://spdx.org/rdf/terms#algorithm";
pub const SPDX_CHECKSUM_VALUE: &str = "http://spdx.org/rdf/terms#checksumValue";
pub const SPDX_ALGORITHM_PREFIX: &str = "http://spdx.org/rdf/terms#checksumAlgorithm_";

pub const LOCN_GEOMETRY: &str = "http://www.w3.org/ns/locn#geometry";
pub const GSP_WKT_LITERAL: &str = "http://www.opengis.net/ont/geosparql#wktLiteral";
pub const GSP_GEOJSON_LITERAL: &str = "http://www.opengis.net/ont/geosparql#geoJSONLiteral";
pub const OGC_WKT_LITERAL_LEGACY: &str = "http://www.opengis.net/rdf#wktLiteral";
pub const IANA_GEOJSON: &str =
    "https://www.iana.org/assignments/media-types/application/vnd.geo+json";
pub const GSP_AS_WKT: &str = "http://www.opengis.net/ont/geosparql#asWKT";

pub const GEODCAT: &str = "http://data.europa.eu/930/";
pub const GEODCAT_SERVICE_PROTOCOL: &str = "http://data.europa.eu/930/serviceProtocol";
pub const EU_FILE_TYPE: &str = "http://publications.europa.eu/resource/authority/file-type/";
pub const IANA_MEDIA_TYPES: &str = "https://www.iana.org/assignments/media-types/";
pub const OGC_STANDARDS: &str = "http://www.opengeospatial.org/standards/";

/// Hydra, current namespace (udata's) and the early one, for old servers.
pub const HYDRA_NAMESPACES: [&str; 2] = [
    "http://www.w3.org/ns/hydra/core#",
    "http://purl.org/hydra/core#",
];

/// EU High-Value Datasets categories, with the French label udata uses as tag.
pub const EU_HVD_CATEGORIES: [(&str, &str); 6] = [
    ("http://data.europa.eu/bna/c_164e0bf5", "Météorologiques"),
    (
        "http://data.europa.eu/bna/c_a9135398",
        "Entreprises et propriété d'entreprises",
    ),
    ("http://data.europa.eu/bna/c_ac64a52d", "Géospatiales"),
    ("http://data.europa.eu/bna/c_b79e35eb", "Mobilité"),
    (
        "http://data.europa.eu/bna/c_dd313021",
        "Observation de la terre et environnement",
    ),
    ("http://data.europa.eu/bna/c_e1da4e07", "Statistiques"),
];
pub const INSPIRE_THEME_NAMESPACE: &str = "http://inspire.ec.europa.eu/theme";
pub const INSPIRE_SCHEME_URIS: [&str; 2] = [
    "http://inspire.ec.europa.eu/theme",
    "http://www.eionet.europa.eu/gemet/inspire_themes",
];

/// Predicates naming agents, with the udata contact point role they map to (udata
/// `CONTACT_POINT_ENTITY_TO_ROLE`), in udata's order.
pub const AGENT_ROLES: [(&str, &str); 11] = [
    (DCAT_CONTACT_POINT, "contact"),
    (DCT_CREATOR, "creator"),
    (DCT_PUBLISHER, "publisher"),
    (DCT_RIGHTS_HOLDER, "rightsHolder"),
    ("http://data.europa.eu/930/custodian", "custodian"),
    ("http://data.europa.eu/930/distributor", "distributor"),
    ("http://data.europa.eu/930/originator", "originator"),
    (
        "http://data.europa.eu/930/principalInvestigator",
        "principalInvestigator",
    ),
    ("http://data.europa.eu/930/processor", "processor"),
    (
        "http://data.europa.eu/930/resourceProvider",
        "resourceProvider",
    ),
    ("http://data.europa.eu/930/user", "user"),
];
