//! The XSLT's lookup tables: ISO code lists and labels to the codes of the EU authorities
//! (languages, file types, frequencies), OGC service protocols, date datatypes.

use crate::rdf::vocab::{EU_FILE_TYPE, XSD};

/// The XSLT's ISO 639-2/B → ISO 639-1 table (the EU languages), else the code itself.
pub(super) fn alpha2(code: &str) -> String {
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
pub(super) fn date_datatype(value: &str) -> String {
    let kind = match value.len() {
        4 => "gYear",
        n if n > 10 => "dateTime",
        _ => "date",
    };
    format!("{XSD}{kind}")
}

/// The XSLT's `EncodingLabelToUri` for the EU file-type authority: a format label (lower case)
/// → its file-type code.
pub(super) fn eu_file_type(label: &str) -> Option<&'static str> {
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
pub(super) fn service_protocol(url: &str, protocol: &str) -> Option<&'static str> {
    let lower = url.to_ascii_lowercase();
    let query = lower.split_once('?').map(|(_, q)| q).unwrap_or("");
    let protocol = protocol.to_ascii_lowercase();
    ["csw", "sos", "sps", "wcs", "wfs", "wms", "wmts", "wps"]
        .into_iter()
        .find(|s| query.contains(&format!("service={s}")) || protocol == format!("ogc:{s}"))
}

/// The XSLT's `MaintenanceInformation`: ISO maintenance frequency → EU frequency authority code.
pub(super) fn frequency_code(iso: &str) -> Option<&'static str> {
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

/// The OGC standards page of a service (`csw` is the catalogue standard, `cat`).
pub(super) fn ogc_page(service: &str) -> &str {
    if service == "csw" {
        "cat"
    } else {
        service
    }
}
