//! DCAT backend: harvests a DCAT catalog (RDF/XML, Turtle, JSON-LD, N-Triples, TriG, N3), paged
//! with Hydra, or a GeoNetwork CSW endpoint asked for DCAT records, as udata's `DcatBackend` and
//! `CswDcatBackend` do.
//!
//! Gather streams: each page is fetched, parsed (on a blocking thread: parsing is CPU work and
//! the JSON-LD parser must not run on the async runtime), split into one item per dataset (its
//! subgraph as N-Triples), and every item is pushed into the sink before the next page is
//! fetched, so at most one page is ever held. Guards against remotes that page forever: a page
//! URL seen twice, more than `max_pages` pages, a page whose datasets were all listed already.
//!
//! Process maps the item's subgraph with [`crate::rdf::dcat_map`]; nothing is fetched per item.

use std::collections::HashSet;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use common::model::Payload;

use crate::error::HarvestError;
use crate::fetch::{FetchError, Fetched, Fetcher, Request, Validators};
use crate::harvester::{
    GatherContext, GatherReport, Harvester, ItemContext, ItemOutcome, ItemSink, RememberedPage,
    RemoteItem, SinkControl,
};
use crate::mapping::MapError;
use crate::rdf::catalog::{content_hash, extract_items, id_hash, DatasetError};
use crate::rdf::dcat_map::map_dataset;
use crate::rdf::parse::{detect_syntax, parse_as, parse_rdf, ParseError, RdfSyntax, RDF_ACCEPT};
use crate::rdf::vocab::{DCAT, GEODCAT};
use crate::rdf::xml::{csw_records, decode_xml, XmlError};

/// Attempts of one page fetch, and the pauses between them.
const PAGE_ATTEMPTS: usize = 3;
const PAGE_BACKOFF: [Duration; 2] = [Duration::from_secs(1), Duration::from_secs(2)];
/// Longest `Retry-After` honoured between two attempts.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);
/// Per-dataset problems listed one by one in the report notes; the rest are counted.
const MAX_DETAILED_NOTES: usize = 20;
/// Records asked per CSW GetRecords request (udata's value).
pub const CSW_PAGE_SIZE: u32 = 25;
/// Source feature: ask the CSW server for GeoDCAT-AP instead of DCAT.
pub const FEATURE_GEODCATAP: &str = "geodcatap";

pub struct DcatBackend;

#[async_trait]
impl Harvester for DcatBackend {
    fn name(&self) -> &'static str {
        "dcat"
    }

    fn label(&self) -> &'static str {
        "DCAT"
    }

    fn feature_keys(&self) -> &'static [&'static str] {
        &[FEATURE_GEODCATAP]
    }

    async fn gather(
        &self,
        ctx: &GatherContext<'_>,
        sink: &mut dyn ItemSink,
    ) -> Result<GatherReport, HarvestError> {
        let mut run = Gather::new(ctx);
        let outcome = if is_csw_url(&ctx.source.url) {
            run.csw(sink).await
        } else {
            run.dcat(sink).await
        };
        outcome.map(|()| run.finish())
    }

    fn listing_hash(&self, payload: &Payload) -> Option<String> {
        match payload {
            Payload::Rdf { ntriples, .. } => Some(content_hash(ntriples)),
            _ => None,
        }
    }

    async fn process(
        &self,
        ctx: &ItemContext<'_>,
        remote_id: &str,
        payload: &Payload,
    ) -> Result<ItemOutcome, HarvestError> {
        let Payload::Rdf { root, ntriples } = payload else {
            return Err(HarvestError::Map(MapError::Other(format!(
                "DCAT items carry an RDF payload, got {}",
                payload_kind(payload)
            ))));
        };
        let mut mapped = map_dataset(root, ntriples, &ctx.map)?;
        if let Some(h) = mapped.dataset.harvest.as_mut() {
            if h.remote_id.as_deref() != Some(remote_id) {
                h.remote_id = Some(remote_id.to_owned());
            }
        }
        Ok(ItemOutcome::Mapped {
            mapped: Box::new(mapped),
            content_hash: content_hash(ntriples),
            validators: None,
        })
    }
}

fn payload_kind(p: &Payload) -> &'static str {
    match p {
        Payload::Rdf { .. } => "rdf",
        Payload::Json(_) => "json",
        Payload::Fetch => "fetch",
        Payload::Unchanged => "unchanged",
    }
}

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

/// A CSW `GetRecords` request URL (GET, key-value encoding: the shared fetcher only sends GET)
/// asking for `max` full records from `start`, in `output_schema`, sorted by identifier for
/// stable paging. Query parameters of the source URL other than CSW ones are kept.
pub fn csw_getrecords_url(base: &str, start: u64, max: u32, output_schema: &str) -> Option<String> {
    let mut u = url::Url::parse(base).ok()?;
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
    let kept: Vec<(String, String)> = u
        .query_pairs()
        .filter(|(k, _)| !OURS.contains(&k.to_ascii_lowercase().as_str()))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    u.set_query(None);
    {
        let mut q = u.query_pairs_mut();
        for (k, v) in &kept {
            q.append_pair(k, v);
        }
        q.append_pair("service", "CSW")
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
    }
    Some(u.to_string())
}

/// What one page produced, computed on a blocking thread.
struct PageOutput {
    items: Vec<Result<RemoteItem, String>>,
    next: Option<String>,
    warnings: Vec<String>,
    triples: usize,
    csw_next: Option<CswPaging>,
}

/// Paging attributes of a CSW `SearchResults`.
#[derive(Debug, Clone, Copy)]
struct CswPaging {
    next: Option<u64>,
    matched: Option<u64>,
    returned: Option<u64>,
}

/// State of one gather run.
struct Gather<'c, 'a> {
    ctx: &'c GatherContext<'a>,
    report: GatherReport,
    seen_pages: HashSet<String>,
    seen_ids: HashSet<u64>,
    pushed: usize,
    duplicates: usize,
    /// Pages that answered 304 Not Modified (their datasets are settled as unchanged).
    not_modified_pages: usize,
    item_errors: usize,
    warnings: usize,
    stopped: bool,
}

impl<'c, 'a> Gather<'c, 'a> {
    fn new(ctx: &'c GatherContext<'a>) -> Self {
        Self {
            ctx,
            report: GatherReport::default(),
            seen_pages: HashSet::new(),
            seen_ids: HashSet::new(),
            pushed: 0,
            duplicates: 0,
            not_modified_pages: 0,
            item_errors: 0,
            warnings: 0,
            stopped: false,
        }
    }

    fn remote_url_prefix(&self) -> Option<String> {
        self.ctx
            .source
            .extra_config("remote_url_prefix")
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    }

    fn note_detail(&mut self, counter: usize, note: String) {
        if counter <= MAX_DETAILED_NOTES {
            self.report.notes.push(note);
        }
    }

    /// Before fetching a page: loop and page-count guards.
    fn check_page(&mut self, url: &str) -> Result<(), HarvestError> {
        let key = url::Url::parse(url)
            .map(|mut u| {
                u.set_fragment(None);
                u.to_string()
            })
            .unwrap_or_else(|_| url.to_owned());
        if !self.seen_pages.insert(key) {
            return Err(HarvestError::Limit(format!(
                "paging loop: page {url} was already fetched in this harvest"
            )));
        }
        if self.report.pages >= self.ctx.limits.max_pages {
            return Err(HarvestError::Limit(format!(
                "more than {} pages: stopped before {url}",
                self.ctx.limits.max_pages
            )));
        }
        Ok(())
    }

    /// Push the items of one page; error when the page only repeats earlier pages.
    async fn push_page(
        &mut self,
        sink: &mut dyn ItemSink,
        page_url: &str,
        out: PageOutput,
    ) -> Result<(), HarvestError> {
        common::telemetry::metrics()
            .rdf_triples_parsed
            .inc_by(out.triples as u64);
        tracing::debug!(
            url = page_url,
            triples = out.triples,
            items = out.items.len(),
            "DCAT page parsed"
        );
        for w in out.warnings {
            self.warnings += 1;
            let n = self.warnings;
            self.note_detail(n, format!("{page_url}: {w}"));
        }
        let mut ok = Vec::with_capacity(out.items.len());
        for item in out.items {
            match item {
                Ok(item) => ok.push(item),
                Err(e) => {
                    self.item_errors += 1;
                    let n = self.item_errors;
                    self.note_detail(n, format!("{page_url}: {e}"));
                }
            }
        }
        // A page that only repeats earlier pages is a remote looping on itself: stop before
        // pushing anything of it.
        let fresh: Vec<bool> = ok
            .iter()
            .map(|i| !self.seen_ids.contains(&id_hash(&i.remote_id)))
            .collect();
        if !ok.is_empty() && !fresh.iter().any(|f| *f) && self.report.pages > 1 {
            return Err(HarvestError::Limit(format!(
                "page {page_url} only lists datasets already listed on earlier pages: the remote repeats itself"
            )));
        }
        for item in ok {
            // Duplicates go to the sink too: the pipeline fails them with an explicit
            // "duplicate remote id" error instead of silently dropping them.
            if !self.seen_ids.insert(id_hash(&item.remote_id)) {
                self.duplicates += 1;
            }
            self.pushed += 1;
            if sink.push(item).await? == SinkControl::Stop {
                self.stopped = true;
                self.report.notes.push(format!(
                    "listing stopped on page {} ({page_url}): the maximum number of items is reached",
                    self.report.pages
                ));
                return Ok(());
            }
        }
        Ok(())
    }

    async fn dcat(&mut self, sink: &mut dyn ItemSink) -> Result<(), HarvestError> {
        let mut url = self.ctx.source.url.clone();
        let prefix = self.remote_url_prefix();
        loop {
            self.check_page(&url)?;
            let memory = match (self.ctx.conditional, self.ctx.pages) {
                (true, Some(pages)) => pages.recall(&url).await,
                _ => None,
            };
            let validators = memory
                .as_ref()
                .map(|m| &m.validators)
                .filter(|v| !v.is_empty());
            let fetched = fetch_page(self.ctx.fetcher, &url, RDF_ACCEPT, validators).await?;
            self.report.pages += 1;
            if let (true, Some(remembered)) = (fetched.not_modified, memory) {
                // Not modified: its datasets are as the previous run stored them.
                self.not_modified_pages += 1;
                let out = PageOutput {
                    items: remembered
                        .remote_ids
                        .iter()
                        .map(|id| {
                            Ok(RemoteItem {
                                remote_id: id.clone(),
                                remote_url: None,
                                payload: Payload::Unchanged,
                            })
                        })
                        .collect(),
                    next: remembered.next.clone(),
                    warnings: vec![],
                    triples: 0,
                    csw_next: None,
                };
                self.push_page(sink, &url, out).await?;
                if self.stopped {
                    return Ok(());
                }
                match remembered.next {
                    Some(n) => url = n,
                    None => return Ok(()),
                }
                continue;
            }
            let page_validators = fetched.validators.clone();
            let page_url = fetched.url.clone();
            let content_type = fetched.content_type.clone();
            let body = fetched.body;
            let base = page_url.clone();
            let prefix = prefix.clone();
            let out = blocking(&page_url, move || {
                let parsed = parse_rdf(&body, content_type.as_deref(), &base)?;
                let items = extract_items(&parsed.graph, &base, prefix.as_deref());
                Ok(PageOutput {
                    items: map_item_errors(items.items),
                    next: items.next_page,
                    warnings: parsed.warnings,
                    triples: parsed.triples,
                    csw_next: None,
                })
            })
            .await?;
            let next = out.next.clone();
            if let (true, Some(pages)) = (!page_validators.is_empty(), self.ctx.pages) {
                let remote_ids = out
                    .items
                    .iter()
                    .filter_map(|i| i.as_ref().ok().map(|i| i.remote_id.clone()))
                    .collect();
                let page = RememberedPage {
                    validators: page_validators,
                    remote_ids,
                    next: next.clone(),
                };
                pages.remember(&url, page).await;
            }
            self.push_page(sink, &page_url, out).await?;
            if self.stopped {
                return Ok(());
            }
            match next {
                Some(n) => url = n,
                None => return Ok(()),
            }
        }
    }

    async fn csw(&mut self, sink: &mut dyn ItemSink) -> Result<(), HarvestError> {
        let schema = if self.ctx.source.feature(FEATURE_GEODCATAP) {
            GEODCAT
        } else {
            DCAT
        };
        let prefix = self.remote_url_prefix();
        let mut start: u64 = 1;
        loop {
            let url = csw_getrecords_url(&self.ctx.source.url, start, CSW_PAGE_SIZE, schema)
                .ok_or_else(|| {
                    HarvestError::Limit(format!("invalid CSW URL {}", self.ctx.source.url))
                })?;
            self.check_page(&url)?;
            let fetched = fetch_page(
                self.ctx.fetcher,
                &url,
                "application/xml, text/xml;q=0.9",
                None,
            )
            .await?;
            self.report.pages += 1;
            let page_url = fetched.url.clone();
            let body = fetched.body;
            let content_type = fetched.content_type.clone();
            let base = page_url.clone();
            let prefix = prefix.clone();
            let out = blocking(&page_url, move || {
                csw_page(&body, content_type.as_deref(), &base, prefix.as_deref())
                    .map_err(ParseOrHarvest::from)
            })
            .await?;
            let paging = out.csw_next;
            self.push_page(sink, &page_url, out).await?;
            if self.stopped {
                return Ok(());
            }
            // udata's (and GeoNetwork's own harvester's) stop conditions.
            let Some(paging) = paging else {
                return Ok(());
            };
            let next = paging.next.unwrap_or(0);
            if next == 0
                || paging.matched.is_some_and(|m| next > m)
                || paging.returned == Some(0)
                || next <= start
            {
                return Ok(());
            }
            start = next;
        }
    }

    fn finish(mut self) -> GatherReport {
        if self.item_errors > MAX_DETAILED_NOTES {
            self.report.notes.push(format!(
                "… {} more datasets could not be listed",
                self.item_errors - MAX_DETAILED_NOTES
            ));
        }
        if self.warnings > MAX_DETAILED_NOTES {
            self.report.notes.push(format!(
                "… {} more page warnings",
                self.warnings - MAX_DETAILED_NOTES
            ));
        }
        if self.not_modified_pages > 0 {
            self.report.notes.push(format!(
                "{} of {} pages answered 304 Not Modified: their datasets were not downloaded again",
                self.not_modified_pages, self.report.pages
            ));
        }
        if self.duplicates > 0 {
            self.report.notes.push(format!(
                "{} datasets were listed more than once (same remote id): the repeats are failed as duplicates",
                self.duplicates
            ));
        }
        if self.stopped {
            self.report.complete = false;
        } else {
            self.report.complete = true;
            if self.pushed == 0 && self.item_errors == 0 {
                self.report.notes.push(format!(
                    "empty catalog: {} lists no dataset",
                    self.ctx.source.url
                ));
            }
        }
        self.report
    }
}

fn map_item_errors(
    items: Vec<Result<RemoteItem, DatasetError>>,
) -> Vec<Result<RemoteItem, String>> {
    items
        .into_iter()
        .map(|r| r.map_err(|e| e.to_string()))
        .collect()
}

/// Parse one CSW response page: each record is a standalone RDF/XML document.
fn csw_page(
    body: &Bytes,
    content_type: Option<&str>,
    page_url: &str,
    prefix: Option<&str>,
) -> Result<PageOutput, HarvestError> {
    let mut warnings = Vec::new();
    let text = decode_xml(body, &mut warnings);
    let page = match csw_records(&text) {
        Ok(p) => p,
        Err(XmlError::CswException(msg)) => {
            return Err(HarvestError::Remote {
                url: page_url.to_owned(),
                reason: format!("CSW exception: {msg}"),
            })
        }
        Err(e) => {
            // An HTML error page is the common case: say so.
            if let Err(ParseError::NotRdf { content_type }) =
                detect_syntax(content_type, page_url, body)
            {
                return Err(HarvestError::Remote {
                    url: page_url.to_owned(),
                    reason: format!("expected RDF, got {content_type}"),
                });
            }
            return Err(HarvestError::Parse {
                what: "CSW GetRecords response",
                url: page_url.to_owned(),
                reason: e.to_string(),
            });
        }
    };
    let mut items = Vec::new();
    let mut triples = 0;
    for (i, record) in page.records.iter().enumerate() {
        match parse_as(RdfSyntax::RdfXml, record.as_bytes(), page_url) {
            Ok(parsed) => {
                triples += parsed.triples;
                warnings.extend(parsed.warnings);
                items.extend(map_item_errors(
                    extract_items(&parsed.graph, page_url, prefix).items,
                ));
            }
            Err(e) => items.push(Err(format!("CSW record {}: {e}", i + 1))),
        }
    }
    Ok(PageOutput {
        items,
        next: None,
        warnings,
        triples,
        csw_next: Some(CswPaging {
            next: page.next_record,
            matched: page.matched,
            returned: page.returned,
        }),
    })
}

/// Run CPU-bound page work off the async runtime; parse errors name the page.
async fn blocking<F>(page_url: &str, f: F) -> Result<PageOutput, HarvestError>
where
    F: FnOnce() -> Result<PageOutput, ParseOrHarvest> + Send + 'static,
{
    let url = page_url.to_owned();
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(out)) => Ok(out),
        Ok(Err(ParseOrHarvest::Harvest(e))) => Err(e),
        Ok(Err(ParseOrHarvest::Parse(ParseError::NotRdf { content_type }))) => {
            Err(HarvestError::Remote {
                url,
                reason: format!("expected RDF, got {content_type}"),
            })
        }
        Ok(Err(ParseOrHarvest::Parse(e))) => Err(HarvestError::Parse {
            what: "DCAT catalog page",
            url,
            reason: e.to_string(),
        }),
        Err(join) => Err(HarvestError::Parse {
            what: "DCAT catalog page",
            url,
            reason: format!("parser crashed: {join}"),
        }),
    }
}

/// Errors of the blocking page work.
enum ParseOrHarvest {
    Parse(ParseError),
    Harvest(HarvestError),
}

impl From<ParseError> for ParseOrHarvest {
    fn from(e: ParseError) -> Self {
        Self::Parse(e)
    }
}

impl From<HarvestError> for ParseOrHarvest {
    fn from(e: HarvestError) -> Self {
        Self::Harvest(e)
    }
}

/// GET a catalog page, retrying transient failures (network, timeouts, 429, 5xx).
async fn fetch_page(
    fetcher: &Fetcher,
    url: &str,
    accept: &str,
    validators: Option<&Validators>,
) -> Result<Fetched, HarvestError> {
    let mut attempt = 0;
    loop {
        let result = fetcher
            .get(
                url,
                Request {
                    accept: Some(accept),
                    validators,
                },
            )
            .await;
        match result {
            Ok(f) if f.not_modified && validators.is_some() => return Ok(f),
            Ok(f) if f.not_modified => {
                return Err(HarvestError::Remote {
                    url: f.url,
                    reason: "304 Not Modified to an unconditional request".into(),
                })
            }
            Ok(f) => return Ok(f),
            Err(e) if e.is_transient() && attempt + 1 < PAGE_ATTEMPTS => {
                let pause = backoff(attempt, &e);
                tracing::info!(url, attempt = attempt + 1, error = %e, "page fetch failed, retrying");
                tokio::time::sleep(pause).await;
                attempt += 1;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

fn backoff(attempt: usize, e: &FetchError) -> Duration {
    let base = PAGE_BACKOFF[attempt.min(PAGE_BACKOFF.len() - 1)];
    e.retry_after()
        .map(|r| r.min(MAX_RETRY_AFTER).max(base))
        .unwrap_or(base)
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
            DCAT,
        )
        .unwrap();
        assert!(u.contains("token=1"));
        assert!(u.contains("request=GetRecords"));
        assert!(!u.contains("GetCapabilities"));
        assert!(u.contains("startPosition=26"));
        assert!(u.contains("outputSchema=http%3A%2F%2Fwww.w3.org%2Fns%2Fdcat%23"));
    }
}
