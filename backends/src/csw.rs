//! CSW 2.0.2 `GetRecords` paging, shared by the two backends that read catalogue services: DCAT
//! (records asked as DCAT or GeoDCAT-AP, udata's `csw-dcat`) and ISO 19139 (udata's
//! `csw-iso-19139`, [`crate::iso19139`]).
//!
//! Requests are POSTed as XML, as udata sends them (a filter on the record type and a sort on the
//! identifier for stable paging, which the key-value GET encoding cannot always express); a
//! server that refuses POST (405, 501, 415, 400, or an exception report) is asked again by GET,
//! and the rest of the harvest stays on GET. Paging follows `nextRecord`: the listing ends on
//! `nextRecord="0"`, past `numberOfRecordsMatched` or on an empty page, as in udata and
//! GeoNetwork's own harvester; a `nextRecord` that does not move forward is a paging loop, an
//! error (udata stops there as if the catalog had ended, which would let a truncated listing
//! archive datasets).

use bytes::Bytes;

use crate::error::HarvestError;
use crate::fetch::{FetchError, Fetched, Fetcher, PostBody, Request};
use crate::rdf::xml::{csw_records, decode_xml, local_name, CswPage, Scanner, Token, XmlError};

/// Records asked per GetRecords request (udata's value).
pub const CSW_PAGE_SIZE: u32 = 25;
/// `outputSchema` of ISO 19139 records.
pub const ISO_19139_SCHEMA: &str = "http://www.isotc211.org/2005/gmd";
/// What a CSW page is asked as.
const XML_ACCEPT: &str = "application/xml, text/xml;q=0.9";

/// Whether a source URL is a GeoNetwork CSW endpoint (`…/srv/<lang>/csw`) or any URL with
/// `service=CSW`. (`…/srv/<lang>/rdf.search` is plain DCAT.)
pub fn is_csw_url(url: &str) -> bool {
    let Ok(u) = url::Url::parse(url) else {
        return false;
    };
    if u.query_pairs()
        .any(|(k, v)| k.eq_ignore_ascii_case("service") && v.eq_ignore_ascii_case("csw"))
    {
        return true;
    }
    let segments: Vec<&str> = u
        .path_segments()
        .map(|s| s.filter(|x| !x.is_empty()).collect())
        .unwrap_or_default();
    matches!(segments.as_slice(), [.., srv, _lang, csw] if *srv == "srv" && csw.eq_ignore_ascii_case("csw"))
}

/// The CSW parameters of a source URL that requests set themselves.
const OURS: [&str; 12] = [
    "service",
    "version",
    "request",
    "typenames",
    "resulttype",
    "elementsetname",
    "outputschema",
    "startposition",
    "maxrecords",
    "outputformat",
    "namespace",
    "sortby",
];

/// The source URL without its own CSW parameters (a `GetCapabilities` URL is a common source
/// URL): where POST requests go, and the base of GET ones. Other parameters (tokens) are kept.
pub fn endpoint_url(base: &str) -> Option<String> {
    let mut u = url::Url::parse(base).ok()?;
    let kept: Vec<(String, String)> = u
        .query_pairs()
        .filter(|(k, _)| !OURS.contains(&k.to_ascii_lowercase().as_str()))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    u.set_query(None);
    if !kept.is_empty() {
        let mut q = u.query_pairs_mut();
        for (k, v) in &kept {
            q.append_pair(k, v);
        }
    }
    Some(u.to_string())
}

/// A CSW `GetRecords` request URL (GET, key-value encoding) asking for `max` full records from
/// `start`, in `output_schema`, sorted by identifier for stable paging. Query parameters of the
/// source URL other than CSW ones are kept.
pub fn csw_getrecords_url(base: &str, start: u64, max: u32, output_schema: &str) -> Option<String> {
    let mut u = url::Url::parse(&endpoint_url(base)?).ok()?;
    u.query_pairs_mut()
        .append_pair("service", "CSW")
        .append_pair("version", "2.0.2")
        .append_pair("request", "GetRecords")
        .append_pair("typeNames", "gmd:MD_Metadata")
        .append_pair("namespace", "xmlns(gmd=http://www.isotc211.org/2005/gmd)")
        .append_pair("resultType", "results")
        .append_pair("elementSetName", "full")
        .append_pair("outputSchema", output_schema)
        .append_pair("outputFormat", "application/xml")
        .append_pair("startPosition", &start.to_string())
        .append_pair("maxRecords", &max.to_string())
        .append_pair("sortBy", "identifier:A");
    Some(u.to_string())
}

/// The XML body of a POSTed `GetRecords`: full `gmd:MD_Metadata` records of the types udata
/// harvests (dataset, nonGeographicDataset, series, service), sorted by identifier.
pub fn getrecords_body(start: u64, max: u32, output_schema: &str) -> String {
    let schema = quick_xml::escape::escape(output_schema);
    let types: String = ["dataset", "nonGeographicDataset", "series", "service"]
        .iter()
        .map(|t| {
            format!(
                "<ogc:PropertyIsEqualTo><ogc:PropertyName>apiso:type</ogc:PropertyName>\
                 <ogc:Literal>{t}</ogc:Literal></ogc:PropertyIsEqualTo>"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <csw:GetRecords xmlns:csw=\"http://www.opengis.net/cat/csw/2.0.2\" \
         xmlns:ogc=\"http://www.opengis.net/ogc\" \
         xmlns:apiso=\"http://www.opengis.net/cat/csw/apiso/1.0\" \
         xmlns:gmd=\"http://www.isotc211.org/2005/gmd\" \
         service=\"CSW\" version=\"2.0.2\" resultType=\"results\" outputFormat=\"application/xml\" \
         startPosition=\"{start}\" maxRecords=\"{max}\" outputSchema=\"{schema}\">\
         <csw:Query typeNames=\"gmd:MD_Metadata\">\
         <csw:ElementSetName>full</csw:ElementSetName>\
         <csw:Constraint version=\"1.1.0\"><ogc:Filter><ogc:Or>{types}</ogc:Or></ogc:Filter></csw:Constraint>\
         <ogc:SortBy><ogc:SortProperty><ogc:PropertyName>apiso:identifier</ogc:PropertyName>\
         <ogc:SortOrder>ASC</ogc:SortOrder></ogc:SortProperty></ogc:SortBy>\
         </csw:Query></csw:GetRecords>"
    )
}

/// Paging attributes of a CSW `SearchResults`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CswPaging {
    pub next: Option<u64>,
    pub matched: Option<u64>,
    pub returned: Option<u64>,
}

impl From<&CswPage> for CswPaging {
    fn from(page: &CswPage) -> Self {
        Self {
            next: page.next_record,
            matched: page.matched,
            returned: page.returned,
        }
    }
}

/// One CSW response page as fetched, for the parser of its record schema.
pub(crate) struct CswResponse {
    pub body: Bytes,
    pub content_type: Option<String>,
    /// The page's GET URL, which names it whatever the method.
    pub url: String,
    /// Position of its first record in the result set (1-based).
    pub start: u64,
    /// The source's `remote_url_prefix`, if any.
    pub prefix: Option<String>,
}

impl CswResponse {
    /// The page's records, each a standalone XML document (decoding notes go to `warnings`).
    pub(crate) fn records(&self, warnings: &mut Vec<String>) -> Result<CswPage, XmlError> {
        csw_records(&decode_xml(&self.body, warnings))
    }

    /// The records of `page` with their positions in the result set.
    pub(crate) fn positioned<'p>(&self, page: &'p CswPage) -> impl Iterator<Item = (u64, &'p str)> {
        let start = self.start;
        (start..).zip(page.records.iter().map(String::as_str))
    }
}

/// How GetRecords requests are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Post,
    Get,
}

/// The requests of one CSW listing: where the next page starts and how it is asked for.
pub struct CswPager<'a> {
    fetcher: &'a Fetcher,
    source_url: &'a str,
    schema: &'a str,
    start: u64,
    method: Method,
    /// Why POST was given up for GET, once it was (for the job report).
    pub fallback_note: Option<String>,
}

impl<'a> CswPager<'a> {
    pub fn new(fetcher: &'a Fetcher, source_url: &'a str, schema: &'a str) -> Self {
        Self {
            fetcher,
            source_url,
            schema,
            start: 1,
            method: Method::Post,
            fallback_note: None,
        }
    }

    /// Position of the first record of the next page (1-based).
    pub fn start(&self) -> u64 {
        self.start
    }

    pub fn method(&self) -> Method {
        self.method
    }

    /// The GET URL of the next page: what identifies it in the page guards and reports, whatever
    /// the method.
    pub fn page_url(&self) -> Result<String, HarvestError> {
        csw_getrecords_url(self.source_url, self.start, CSW_PAGE_SIZE, self.schema)
            .ok_or_else(|| HarvestError::Limit(format!("invalid CSW URL {}", self.source_url)))
    }

    /// Fetch the next page: POST, or GET once POST was refused.
    pub async fn fetch(&mut self) -> Result<Fetched, HarvestError> {
        let get_url = self.page_url()?;
        if self.method == Method::Get {
            return Ok(self.get(&get_url).await?);
        }
        let endpoint = endpoint_url(self.source_url)
            .ok_or_else(|| HarvestError::Limit(format!("invalid CSW URL {}", self.source_url)))?;
        let post = PostBody {
            content_type: "application/xml",
            body: Bytes::from(getrecords_body(self.start, CSW_PAGE_SIZE, self.schema)),
        };
        let request = Request {
            accept: Some(XML_ACCEPT),
            validators: None,
        };
        let refusal = match self.fetcher.post_page(&endpoint, request, &post).await {
            Ok(fetched) if !exception_root(&fetched.body) => return Ok(fetched),
            Ok(fetched) => format!(
                "answered POST with an exception report (HTTP {})",
                fetched.status
            ),
            Err(FetchError::Status { status, .. }) if refuses_post(status) => {
                format!("answered POST with HTTP {status}")
            }
            Err(e) => return Err(e.into()),
        };
        let fetched = self.get(&get_url).await?;
        if !exception_root(&fetched.body) {
            tracing::info!(url = %endpoint, %refusal, "CSW server refuses POST: GET from now on");
            self.method = Method::Get;
            self.fallback_note = Some(format!(
                "{endpoint} {refusal}: GetRecords sent by GET (key-value encoding) instead"
            ));
        }
        Ok(fetched)
    }

    async fn get(&self, url: &str) -> Result<Fetched, FetchError> {
        self.fetcher
            .get_page(
                url,
                Request {
                    accept: Some(XML_ACCEPT),
                    validators: None,
                },
            )
            .await
    }

    /// Move to the page after the one just read (`page_url` names it): `Ok(false)` when the
    /// listing is complete, an error when `nextRecord` does not move forward.
    pub fn advance(&mut self, paging: CswPaging, page_url: &str) -> Result<bool, HarvestError> {
        let next = paging.next.unwrap_or(0);
        if next == 0 || paging.matched.is_some_and(|m| next > m) || paging.returned == Some(0) {
            return Ok(false);
        }
        if next <= self.start {
            return Err(HarvestError::Limit(format!(
                "paging loop: {page_url} answered nextRecord=\"{next}\" to startPosition={}: the listing does not move forward",
                self.start
            )));
        }
        self.start = next;
        Ok(true)
    }
}

/// The error of a CSW response page that cannot be split into records: the server's exception
/// report as a remote error, anything else as an unreadable page.
pub fn csw_page_error(e: XmlError, page_url: &str) -> HarvestError {
    match e {
        XmlError::CswException(msg) => HarvestError::Remote {
            url: page_url.to_owned(),
            reason: format!("CSW exception: {msg}"),
        },
        e => HarvestError::Parse {
            what: "CSW GetRecords response",
            url: page_url.to_owned(),
            reason: e.to_string(),
        },
    }
}

/// Statuses of a server that does not take GetRecords by POST.
fn refuses_post(status: u16) -> bool {
    matches!(status, 400 | 405 | 411 | 415 | 501)
}

/// Whether a body's root element is an OWS `ExceptionReport`.
fn exception_root(body: &[u8]) -> bool {
    let head = &body[..body.len().min(4096)];
    let text = String::from_utf8_lossy(head);
    for tok in Scanner::new(&text) {
        match tok {
            Ok(Token::Start { name, .. }) => return local_name(name) == "ExceptionReport",
            Ok(_) => continue,
            Err(_) => return false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csw_urls() {
        assert!(is_csw_url("https://geo.example.org/geonetwork/srv/fre/csw"));
        assert!(is_csw_url(
            "https://geo.example.org/geonetwork/srv/eng/csw/"
        ));
        assert!(is_csw_url(
            "https://x.org/ows?SERVICE=CSW&request=GetCapabilities"
        ));
        assert!(!is_csw_url(
            "https://geo.example.org/geonetwork/srv/eng/rdf.search"
        ));
        assert!(!is_csw_url("https://data.example.org/catalog.ttl"));
    }

    #[test]
    fn getrecords_url_keeps_foreign_params() {
        let u = csw_getrecords_url(
            "https://x.org/geonetwork/srv/fre/csw?service=CSW&request=GetCapabilities&token=1",
            26,
            25,
            crate::rdf::vocab::DCAT,
        )
        .unwrap();
        assert!(u.contains("token=1"));
        assert!(u.contains("request=GetRecords"));
        assert!(!u.contains("GetCapabilities"));
        assert!(u.contains("startPosition=26"));
        assert!(u.contains("outputSchema=http%3A%2F%2Fwww.w3.org%2Fns%2Fdcat%23"));
        assert_eq!(
            endpoint_url("https://x.org/csw?SERVICE=CSW&request=GetCapabilities").as_deref(),
            Some("https://x.org/csw")
        );
    }

    #[test]
    fn post_body_names_the_page_and_schema() {
        let body = getrecords_body(26, 25, ISO_19139_SCHEMA);
        assert!(body.contains("startPosition=\"26\""));
        assert!(body.contains("outputSchema=\"http://www.isotc211.org/2005/gmd\""));
        assert!(body.contains("<ogc:Literal>series</ogc:Literal>"));
    }

    #[test]
    fn exception_reports_are_recognised() {
        assert!(exception_root(
            b"<?xml version=\"1.0\"?><!-- x --><ows:ExceptionReport/>"
        ));
        assert!(!exception_root(b"<csw:GetRecordsResponse/>"));
    }
}
