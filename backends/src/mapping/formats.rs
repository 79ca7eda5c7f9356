//! Resource formats and media types.
//!
//! udata shows a short lower-case `format` (`csv`, `xlsx`, `geojson`, `shp`…) and keeps the media
//! type in `mime`. Remote catalogs give either one as an IANA or EU vocabulary URI, a media type
//! with parameters, a file extension, or a label (`Esri Shapefile`). These helpers turn all of
//! them into udata's values, as udata's rdf.py `format_from_rdf`/`mime_from_rdf` do for DCAT.

const IANA_PREFIXES: &[&str] = &[
    "http://www.iana.org/assignments/media-types/",
    "https://www.iana.org/assignments/media-types/",
    "http://iana.org/assignments/media-types/",
    "https://iana.org/assignments/media-types/",
];

const EU_FILE_TYPE_PREFIXES: &[&str] = &[
    "http://publications.europa.eu/resource/authority/file-type/",
    "https://publications.europa.eu/resource/authority/file-type/",
];

/// Registered top-level media types (RFC 6838), plus the `x-` experimental prefix.
const TOP_LEVEL_TYPES: &[&str] = &[
    "application",
    "audio",
    "chemical",
    "example",
    "font",
    "haptics",
    "image",
    "message",
    "model",
    "multipart",
    "text",
    "video",
];

/// Extensions [`format_from_url`] accepts as data formats (after [`alias`]).
const KNOWN_FORMATS: &[&str] = &[
    "7z",
    "accdb",
    "asc",
    "avi",
    "bz2",
    "csv",
    "dbf",
    "doc",
    "docx",
    "dwg",
    "dxf",
    "ecw",
    "epub",
    "geojson",
    "geopackage",
    "gif",
    "gml",
    "gpkg",
    "gpx",
    "grib",
    "gtfs",
    "gz",
    "html",
    "ics",
    "jp2",
    "jpg",
    "json",
    "jsonld",
    "kml",
    "kmz",
    "las",
    "laz",
    "md",
    "mbtiles",
    "mdb",
    "mp3",
    "mp4",
    "n3",
    "nc",
    "nq",
    "nt",
    "odg",
    "odp",
    "ods",
    "odt",
    "ogg",
    "osm",
    "parquet",
    "pbf",
    "pdf",
    "png",
    "ppt",
    "pptx",
    "rar",
    "rdf",
    "rss",
    "rtf",
    "shp",
    "shx",
    "sql",
    "sqlite",
    "svg",
    "tar",
    "tgz",
    "tiff",
    "topojson",
    "trig",
    "tsv",
    "ttl",
    "txt",
    "wav",
    "webp",
    "xls",
    "xlsm",
    "xlsx",
    "xml",
    "xsd",
    "yaml",
    "zip",
];

/// A short lower-case format (`csv`, `xlsx`, `geojson`, `shp`…) from a media type, an IANA
/// media-type URI, an EU file-type URI, an extension (`.csv`) or a label (`Esri Shapefile`).
/// `None` for empty input.
pub fn normalize_format(value: &str) -> Option<String> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    let lower = value.to_ascii_lowercase();
    if let Some(code) = strip_any_prefix(&lower, EU_FILE_TYPE_PREFIXES) {
        let code = code.trim_end_matches('/');
        return (!code.is_empty()).then(|| eu_file_type(code));
    }
    if let Some(mime) = mime_type(value) {
        return Some(format_of_mime(&mime));
    }
    if lower.starts_with("http://") || lower.starts_with("https://") {
        // Another vocabulary (OGC service types…): its last term, if it is a short token.
        let parsed = url::Url::parse(&lower).ok()?;
        let term = match parsed.fragment().filter(|f| !f.is_empty()) {
            Some(fragment) => fragment.to_string(),
            None => parsed
                .path_segments()?
                .rfind(|s| !s.is_empty())?
                .to_string(),
        };
        let term = term.rsplit_once('.').map_or(term.as_str(), |(_, ext)| ext);
        return (is_token(term) && term.len() <= 12).then(|| alias(term).to_string());
    }
    let bare = collapse_spaces(lower.trim_start_matches('.'));
    if bare.is_empty() {
        return None;
    }
    Some(alias(&bare).to_string())
}

/// udata's `OGC_SERVICE_FORMATS` (udata/core/dataset/constants.py).
pub const OGC_SERVICE_FORMATS: [&str; 3] = ["wfs", "wms", "wmts"];

/// The OGC service a URL names in its `service` query parameter, any case
/// (`…/ows?SERVICE=WFS&REQUEST=GetCapabilities` → `wfs`).
pub fn ogc_service_of_url(url: &str) -> Option<&'static str> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    let value = parsed
        .query_pairs()
        .find(|(k, _)| k.eq_ignore_ascii_case("service"))?
        .1
        .trim()
        .to_ascii_lowercase();
    OGC_SERVICE_FORMATS.into_iter().find(|f| *f == value)
}

/// The OGC service a format names (`wms`, `OGC:WMS`, `ogc:wfs`), if it names one.
pub fn ogc_service_of_format(format: &str) -> Option<&'static str> {
    let lower = format.trim().to_ascii_lowercase();
    let bare = lower.strip_prefix("ogc:").unwrap_or(&lower);
    OGC_SERVICE_FORMATS.into_iter().find(|f| *f == bare)
}

/// The media type (`text/csv`) of a value that is a media type (parameters dropped, lower case)
/// or an IANA media-type URI; `None` for anything else (extensions, labels, other URIs).
pub fn mime_type(value: &str) -> Option<String> {
    let lower = value.trim().to_ascii_lowercase();
    let candidate = strip_any_prefix(&lower, IANA_PREFIXES).unwrap_or(&lower);
    let essence = candidate.split(';').next()?.trim().trim_end_matches('/');
    let (kind, subtype) = essence.split_once('/')?;
    let known_kind = TOP_LEVEL_TYPES.contains(&kind) || kind.starts_with("x-");
    (known_kind && is_mime_token(kind) && is_mime_token(subtype)).then(|| essence.to_string())
}

/// The extension of the URL's path when it is a known data format (`…/data.CSV?x=1` → `csv`,
/// `…/export.geojson` → `geojson`, `…/archive.tar.gz` → `gz`); `None` otherwise.
pub fn format_from_url(url: &str) -> Option<String> {
    let url = url.trim();
    let path = match url::Url::parse(url) {
        Ok(parsed) => parsed.path().to_string(),
        Err(_) => url.split(['?', '#']).next().unwrap_or_default().to_string(),
    };
    let segment = path.rsplit('/').find(|s| !s.is_empty())?;
    let (stem, ext) = segment.rsplit_once('.')?;
    if stem.is_empty() || ext.is_empty() {
        return None;
    }
    let ext = percent_encoding::percent_decode_str(ext)
        .decode_utf8_lossy()
        .to_ascii_lowercase();
    let format = alias(&ext);
    KNOWN_FORMATS.contains(&format).then(|| format.to_string())
}

fn strip_any_prefix<'a>(s: &'a str, prefixes: &[&str]) -> Option<&'a str> {
    prefixes.iter().find_map(|p| s.strip_prefix(p))
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// RFC 6838 `restricted-name`: alphanumerics and `!#$&-^_.+`, starting with an alphanumeric.
fn is_mime_token(s: &str) -> bool {
    let bytes = s.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 127
        && bytes[0].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(b))
}

fn collapse_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// EU file-type code (lower case) → udata format.
fn eu_file_type(code: &str) -> String {
    let format = match code {
        "json_ld" => "jsonld",
        "rdf_xml" => "rdf",
        "rdf_turtle" => "ttl",
        "rdf_n_triples" => "nt",
        "rdf_n_quads" => "nq",
        "rdf_trig" => "trig",
        "n3" => "n3",
        "shp" | "shape" => "shp",
        "gzip" => "gz",
        "tiff" | "geotiff" => "tiff",
        "jpeg" => "jpg",
        "wms_srvc" => "wms",
        "wfs_srvc" => "wfs",
        "wmts_srvc" => "wmts",
        "wcs_srvc" => "wcs",
        other => return alias(other).to_string(),
    };
    format.to_string()
}

/// Media type (lower case, no parameters) → udata format.
fn format_of_mime(mime: &str) -> String {
    let format = match mime {
        "text/csv" | "application/csv" | "text/comma-separated-values" => "csv",
        "text/tab-separated-values" => "tsv",
        "application/json" | "text/json" => "json",
        "application/ld+json" => "jsonld",
        "application/geo+json" | "application/vnd.geo+json" => "geojson",
        "application/topo+json" => "topojson",
        "application/xml" | "text/xml" => "xml",
        "application/rdf+xml" => "rdf",
        "text/turtle" | "application/x-turtle" => "ttl",
        "application/n-triples" => "nt",
        "application/n-quads" => "nq",
        "application/trig" => "trig",
        "text/n3" => "n3",
        "application/vnd.ms-excel" => "xls",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => "xlsx",
        "application/vnd.ms-excel.sheet.macroenabled.12" => "xlsm",
        "application/vnd.oasis.opendocument.spreadsheet" => "ods",
        "application/vnd.oasis.opendocument.text" => "odt",
        "application/msword" => "doc",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => "docx",
        "application/vnd.ms-powerpoint" => "ppt",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation" => "pptx",
        "application/pdf" => "pdf",
        "application/zip" | "application/x-zip-compressed" | "application/x-zip" => "zip",
        "application/gzip" | "application/x-gzip" => "gz",
        "application/x-tar" => "tar",
        "application/x-7z-compressed" => "7z",
        "application/vnd.rar" | "application/x-rar-compressed" => "rar",
        "application/x-bzip2" => "bz2",
        "text/html" | "application/xhtml+xml" => "html",
        "text/plain" => "txt",
        "text/markdown" => "md",
        "text/calendar" => "ics",
        "application/rtf" | "text/rtf" => "rtf",
        "application/x-shapefile"
        | "application/x-esri-shape"
        | "application/shapefile"
        | "application/vnd.shp"
        | "x-gis/x-shapefile" => "shp",
        "application/vnd.google-earth.kml+xml" => "kml",
        "application/vnd.google-earth.kmz" => "kmz",
        "application/gml+xml" => "gml",
        "application/gpx+xml" => "gpx",
        "application/geopackage+sqlite3" => "gpkg",
        "application/vnd.sqlite3" | "application/x-sqlite3" => "sqlite",
        "application/vnd.apache.parquet" | "application/x-parquet" => "parquet",
        "application/x-netcdf" | "application/netcdf" => "nc",
        "application/rss+xml" => "rss",
        "application/atom+xml" => "atom",
        "application/yaml" | "application/x-yaml" | "text/yaml" | "text/x-yaml" => "yaml",
        "application/sql" => "sql",
        "application/vnd.ms-access" | "application/x-msaccess" => "mdb",
        "application/dbf" | "application/x-dbf" | "application/dbase" => "dbf",
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/gif" => "gif",
        "image/svg+xml" => "svg",
        "image/tiff" => "tiff",
        "image/webp" => "webp",
        "image/jp2" => "jp2",
        "application/vnd.mapbox-vector-tile" => "pbf",
        "application/octet-stream" => "bin",
        _ => return fallback_mime_format(mime),
    };
    format.to_string()
}

/// An unlisted media type: its subtype, without `x-`/`vnd.` prefixes, using the structured
/// syntax suffix when there is one (`application/vnd.foo+json` → `json`).
fn fallback_mime_format(mime: &str) -> String {
    let subtype = mime.split_once('/').map_or(mime, |(_, s)| s);
    if let Some((_, suffix)) = subtype.rsplit_once('+') {
        return alias(suffix).to_string();
    }
    let subtype = subtype.strip_prefix("x-").unwrap_or(subtype);
    let subtype = subtype.strip_prefix("vnd.").unwrap_or(subtype);
    alias(subtype).to_string()
}

/// Common spellings of a format → udata's short name; anything else is returned unchanged.
fn alias(format: &str) -> &str {
    match format {
        "esri shapefile" | "shapefile" | "shape" | "shape file" | "shp (zip)" | "zip (shp)"
        | "shapefile (zip)" | "zipped shapefile" | "esri shape" | "x-shapefile" => "shp",
        "geo+json" | "geo json" | "vnd.geo+json" => "geojson",
        "json-ld" | "json ld" | "json_ld" | "ld+json" => "jsonld",
        "htm" | "xhtml" => "html",
        "jpeg" => "jpg",
        "tif" | "geotiff" => "tiff",
        "yml" => "yaml",
        "turtle" => "ttl",
        "n-triples" | "ntriples" => "nt",
        "rdf/xml" | "rdf+xml" | "rdf-xml" | "owl" => "rdf",
        "excel" | "ms excel" | "microsoft excel" | "vnd.ms-excel" => "xls",
        "comma separated values" | "comma-separated values" | "text/csv" => "csv",
        "tab separated values" | "tab-separated-values" => "tsv",
        "text" | "plain text" | "plain" => "txt",
        "gzip" => "gz",
        "geopackage" => "gpkg",
        "sqlite3" | "db" => "sqlite",
        "netcdf" => "nc",
        "markdown" => "md",
        "ical" | "icalendar" => "ics",
        "google earth kml" => "kml",
        "zip archive" => "zip",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ogc_services() {
        let wfs = "https://geo.x.fr/geoserver/ows?SERVICE=WFS&REQUEST=GetCapabilities";
        assert_eq!(ogc_service_of_url(wfs), Some("wfs"));
        assert_eq!(
            ogc_service_of_url("https://x/wms?service=wmts"),
            Some("wmts")
        );
        assert_eq!(ogc_service_of_url("https://x/data.csv?service=csw"), None);
        assert_eq!(ogc_service_of_url("https://x/wfs"), None);
        assert_eq!(ogc_service_of_format("OGC:WMS"), Some("wms"));
        assert_eq!(ogc_service_of_format("csv"), None);
    }

    fn nf(s: &str) -> Option<String> {
        normalize_format(s)
    }

    #[test]
    fn iana_uris() {
        let iana = "http://www.iana.org/assignments/media-types/";
        assert_eq!(nf(&format!("{iana}text/csv")).as_deref(), Some("csv"));
        assert_eq!(
            nf(&format!("{iana}application/json")).as_deref(),
            Some("json")
        );
        assert_eq!(
            nf(&format!("{iana}application/zip")).as_deref(),
            Some("zip")
        );
        assert_eq!(
            nf("https://www.iana.org/assignments/media-types/application/vnd.ms-excel").as_deref(),
            Some("xls")
        );
        assert_eq!(
            nf(&format!("{iana}application/geo+json")).as_deref(),
            Some("geojson")
        );
    }

    #[test]
    fn eu_file_type_uris() {
        let eu = "http://publications.europa.eu/resource/authority/file-type/";
        let cases = [
            ("CSV", "csv"),
            ("JSON", "json"),
            ("XLSX", "xlsx"),
            ("XLS", "xls"),
            ("ZIP", "zip"),
            ("GEOJSON", "geojson"),
            ("SHP", "shp"),
            ("PDF", "pdf"),
            ("JSON_LD", "jsonld"),
            ("RDF_XML", "rdf"),
            ("RDF_TURTLE", "ttl"),
            ("HTML", "html"),
            ("TIFF", "tiff"),
            ("WMS_SRVC", "wms"),
            ("GZIP", "gz"),
            ("ODS", "ods"),
        ];
        for (code, format) in cases {
            assert_eq!(
                nf(&format!("{eu}{code}")).as_deref(),
                Some(format),
                "{code}"
            );
        }
        assert_eq!(nf(eu), None);
    }

    #[test]
    fn media_types() {
        let cases = [
            ("application/json", "json"),
            ("application/vnd.ms-excel", "xls"),
            (
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "xlsx",
            ),
            ("application/zip", "zip"),
            ("application/geo+json", "geojson"),
            ("application/vnd.geo+json", "geojson"),
            ("application/pdf", "pdf"),
            ("text/html", "html"),
            ("application/rdf+xml", "rdf"),
            ("text/turtle", "ttl"),
            ("application/ld+json", "jsonld"),
            ("application/x-shapefile", "shp"),
            ("text/csv", "csv"),
            ("text/csv; charset=utf-8", "csv"),
            ("TEXT/CSV", "csv"),
            ("application/xml", "xml"),
            ("text/xml", "xml"),
            ("application/vnd.oasis.opendocument.spreadsheet", "ods"),
            ("application/vnd.google-earth.kml+xml", "kml"),
            ("image/png", "png"),
            ("image/jpeg", "jpg"),
            ("application/x-gzip", "gz"),
            ("text/plain", "txt"),
            ("application/vnd.custom+json", "json"),
            ("application/x-foo", "foo"),
            ("application/vnd.bar", "bar"),
        ];
        for (mime, format) in cases {
            assert_eq!(nf(mime).as_deref(), Some(format), "{mime}");
        }
    }

    #[test]
    fn bare_strings() {
        let cases = [
            ("CSV", "csv"),
            (".csv", "csv"),
            (" csv ", "csv"),
            ("Esri Shapefile", "shp"),
            ("ESRI Shapefile", "shp"),
            ("shapefile", "shp"),
            ("SHP", "shp"),
            ("GeoJSON", "geojson"),
            ("JSON-LD", "jsonld"),
            ("XLSX", "xlsx"),
            ("Excel", "xls"),
            ("HTM", "html"),
            ("jpeg", "jpg"),
            ("RDF/XML", "rdf"),
            ("Turtle", "ttl"),
            ("ZIP", "zip"),
            ("WMS", "wms"),
            ("Some  Odd   Format", "some odd format"),
        ];
        for (value, format) in cases {
            assert_eq!(nf(value).as_deref(), Some(format), "{value}");
        }
        assert_eq!(nf(""), None);
        assert_eq!(nf("   "), None);
        assert_eq!(nf("."), None);
    }

    #[test]
    fn other_uris_use_their_last_term() {
        assert_eq!(
            nf("http://www.opengis.net/def/serviceType/ogc/wms").as_deref(),
            Some("wms")
        );
        assert_eq!(
            nf("https://example.org/formats/CSV/").as_deref(),
            Some("csv")
        );
        assert_eq!(nf("https://example.org/a/very-long-format-name-here"), None);
        assert_eq!(nf("https://example.org/"), None);
        assert_eq!(nf("https://example.org"), None);
        assert_eq!(nf("http://example.org/vocab#CSV").as_deref(), Some("csv"));
    }

    #[test]
    fn mime_type_extraction() {
        assert_eq!(
            mime_type("http://www.iana.org/assignments/media-types/text/csv").as_deref(),
            Some("text/csv")
        );
        assert_eq!(
            mime_type("https://www.iana.org/assignments/media-types/application/geo+json")
                .as_deref(),
            Some("application/geo+json")
        );
        assert_eq!(mime_type("text/csv").as_deref(), Some("text/csv"));
        assert_eq!(
            mime_type(" Text/CSV ; charset=UTF-8").as_deref(),
            Some("text/csv")
        );
        assert_eq!(
            mime_type("application/vnd.ms-excel").as_deref(),
            Some("application/vnd.ms-excel")
        );
        assert_eq!(
            mime_type("x-gis/x-shapefile").as_deref(),
            Some("x-gis/x-shapefile")
        );
        for value in [
            "csv",
            ".csv",
            "CSV",
            "",
            "rdf/xml",
            "text/",
            "/csv",
            "text/c sv",
            "foo/bar",
            "http://publications.europa.eu/resource/authority/file-type/CSV",
            "https://example.org/text/csv",
        ] {
            assert_eq!(mime_type(value), None, "{value:?}");
        }
    }

    #[test]
    fn format_from_urls() {
        let cases = [
            ("https://example.org/data.csv", Some("csv")),
            ("https://example.org/data.CSV?download=1", Some("csv")),
            ("https://example.org/export.json#frag", Some("json")),
            ("https://example.org/a/b/file.xlsx", Some("xlsx")),
            ("https://example.org/archive.zip", Some("zip")),
            ("https://example.org/map.geojson", Some("geojson")),
            ("https://example.org/layer.shp", Some("shp")),
            ("https://example.org/feed.xml", Some("xml")),
            ("https://example.org/doc.pdf", Some("pdf")),
            ("https://example.org/page.htm", Some("html")),
            ("https://example.org/archive.tar.gz", Some("gz")),
            ("https://example.org/photo.JPEG", Some("jpg")),
            ("https://example.org/data.csv/", Some("csv")),
            ("files/local.tsv?x=1", Some("tsv")),
            ("https://example.org/index.php", None),
            ("https://example.org/api/records", None),
            ("https://example.org/", None),
            ("https://example.org", None),
            ("https://example.org/.csv", None),
            ("https://example.org/data.", None),
            ("https://example.org/v1.2/records", None),
            ("https://example.org/data.csv.exe", None),
            ("", None),
        ];
        for (url, format) in cases {
            assert_eq!(format_from_url(url).as_deref(), format, "{url}");
        }
    }
}
