//! DCAT backend: harvests a DCAT catalog (RDF/XML, Turtle, JSON-LD, N-Triples, TriG, N3), paged
//! with Hydra, or a GeoNetwork CSW endpoint asked for DCAT records (GetRecords POSTed, GET where
//! a server refuses POST: [`crate::csw`]), as udata's `DcatBackend` and `CswDcatBackend` do.
//!
//! Gather streams: each page is fetched, parsed (on a blocking thread: parsing is CPU work and
//! the JSON-LD parser must not run on the async runtime), split into one item per dataset (its
//! subgraph as N-Triples), and every item is pushed into the sink before the next page is
//! fetched, so at most one page is ever held. The listing driver ([`crate::listing`]) guards
//! against remotes that page forever and turns duplicate identifiers into failed items.
//!
//! No silent loss: a dataset the listing finds but cannot hand over (a CSW record that cannot be
//! read, a dataset without identifier, a subgraph over the triple cap) is pushed as a failed
//! item with its reason. Relative identifiers are kept as written (udata's reading), and the
//! notes of a lenient parse travel with the items they touch ([`crate::rdf::notes`]).
//!
//! Process maps the item's subgraph with [`crate::rdf::dcat_map`]; nothing is fetched per item.

use async_trait::async_trait;
use bytes::Bytes;
use common::model::Payload;

pub use crate::csw::{csw_getrecords_url, is_csw_url, CSW_PAGE_SIZE};
use crate::csw::{csw_page_error, CswPager, CswPaging};
use crate::error::HarvestError;
use crate::fetch::{Fetched, Fetcher, Request, Validators};
use crate::harvester::{
    FailedItem, GatherContext, Harvester, ItemContext, ItemOutcome, RememberedPage, RemoteItem,
};
use crate::listing::{Flow, Listing};
use crate::mapping::MapError;
use crate::rdf::catalog::{content_hash, extract_items, resolve_links, DatasetError};
use crate::rdf::dcat_map::map_dataset;
use crate::rdf::notes::{self, Repair};
use crate::rdf::parse::{
    detect_syntax, parse_as_given, parse_rdf_as_given, ParseError, RdfSyntax, RDF_ACCEPT,
};
use crate::rdf::vocab::{DCAT, GEODCAT};
use crate::rdf::xml::{csw_records, decode_xml, record_about, XmlError};

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
        listing: &mut Listing<'_>,
    ) -> Result<(), HarvestError> {
        let mut run = Gather::new(ctx, listing);
        let outcome = if is_csw_url(&ctx.source.url) {
            let schema = if ctx.source.feature(FEATURE_GEODCATAP) {
                GEODCAT
            } else {
                DCAT
            };
            run.csw(schema, csw_page).await
        } else {
            run.dcat().await
        };
        run.finish();
        outcome
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
        // Notes of the lenient parse at listing come first: they explain what follows.
        let mut listing_notes = notes::read(ntriples);
        if !listing_notes.is_empty() {
            listing_notes.append(&mut mapped.warnings);
            mapped.warnings = listing_notes;
        }
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

/// A dataset of a page that cannot become an item: its remote id if known, and why.
pub(crate) struct Unlisted {
    pub remote_id: Option<String>,
    pub reason: String,
}

/// What one page produced, computed on a blocking thread.
pub(crate) struct PageOutput {
    pub items: Vec<Result<RemoteItem, Unlisted>>,
    pub next: Option<String>,
    pub warnings: Vec<String>,
    pub triples: usize,
    pub csw_next: Option<CswPaging>,
}

/// Reads one CSW response page whose first record is at the given position of the result set
/// (body, content type, page URL, position, `remote_url_prefix`): one parser per record schema.
pub(crate) type CswPageParser =
    fn(&Bytes, Option<&str>, &str, u64, Option<&str>) -> Result<PageOutput, HarvestError>;

/// State of one gather run (the page guards, duplicates and limits are the driver's; the CSW
/// ISO 19139 backend runs one too).
pub(crate) struct Gather<'c, 'a, 'l, 's> {
    ctx: &'c GatherContext<'a>,
    listing: &'l mut Listing<'s>,
    /// Pages that answered 304 Not Modified (their datasets are settled as unchanged).
    not_modified_pages: usize,
    /// Datasets found without an identifier, to label them.
    unidentified: usize,
}

impl<'c, 'a, 'l, 's> Gather<'c, 'a, 'l, 's> {
    pub(crate) fn new(ctx: &'c GatherContext<'a>, listing: &'l mut Listing<'s>) -> Self {
        Self {
            ctx,
            listing,
            not_modified_pages: 0,
            unidentified: 0,
        }
    }

    fn remote_url_prefix(&self) -> Option<String> {
        self.ctx
            .source
            .extra_config("remote_url_prefix")
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    }

    /// Hand the entries of one page to the driver.
    async fn push_page(&mut self, page_url: &str, out: PageOutput) -> Result<Flow, HarvestError> {
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
            self.listing
                .detail("page warnings", || format!("{page_url}: {w}"));
        }
        let entries = out
            .items
            .into_iter()
            .map(|item| {
                item.map_err(|e| {
                    // Not listed, not lost: a failed item, unique within the listing.
                    let remote_id = e.remote_id.unwrap_or_else(|| {
                        self.unidentified += 1;
                        format!(
                            "unreadable dataset #{} of {}",
                            self.unidentified, self.ctx.source.url
                        )
                    });
                    FailedItem {
                        remote_id,
                        reason: format!("{} (listed on {page_url})", e.reason),
                    }
                })
            })
            .collect();
        self.listing.page(page_url, entries).await
    }

    async fn dcat(&mut self) -> Result<(), HarvestError> {
        let mut url = self.ctx.source.url.clone();
        let prefix = self.remote_url_prefix();
        loop {
            if self.listing.begin_page(&url)? == Flow::Stop {
                return Ok(());
            }
            let memory = match (self.ctx.conditional, self.ctx.pages) {
                (true, Some(pages)) => pages.recall(&url).await,
                _ => None,
            };
            let validators = memory
                .as_ref()
                .map(|m| &m.validators)
                .filter(|v| !v.is_empty());
            let fetched = fetch_page(self.ctx.fetcher, &url, RDF_ACCEPT, validators).await?;
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
                if self.push_page(&url, out).await? == Flow::Stop {
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
                let mut parsed = parse_rdf_as_given(&body, content_type.as_deref(), &base)?;
                resolve_links(&mut parsed.graph, &base);
                let items = extract_items(&parsed.graph, &base, prefix.as_deref());
                // On a page of many datasets, only the repairs of an IRI can be traced to
                // the items holding it; the others stay page notes.
                let (traced, page_wide): (Vec<Repair>, Vec<Repair>) =
                    parsed.repairs.into_iter().partition(|r| r.iri.is_some());
                let mut warnings = parsed.warnings;
                warnings.extend(page_wide.into_iter().map(|r| r.note));
                Ok(PageOutput {
                    items: with_notes(map_item_errors(items.items), &traced),
                    next: items.next_page,
                    warnings,
                    triples: parsed.triples,
                    csw_next: None,
                })
            })
            .await?;
            let next = out.next.clone();
            if let (true, Some(pages)) = (!page_validators.is_empty(), self.ctx.pages) {
                // Failed ones too: a 304 next time must not make them vanish.
                let remote_ids = out
                    .items
                    .iter()
                    .filter_map(|i| match i {
                        Ok(i) => Some(i.remote_id.clone()),
                        Err(e) => e.remote_id.clone(),
                    })
                    .collect();
                let page = RememberedPage {
                    validators: page_validators,
                    remote_ids,
                    next: next.clone(),
                };
                pages.remember(&url, page).await;
            }
            if self.push_page(&page_url, out).await? == Flow::Stop {
                return Ok(());
            }
            match next {
                Some(n) => url = n,
                None => return Ok(()),
            }
        }
    }

    /// List a CSW endpoint asking its records in `schema`, each page read by `parse`.
    pub(crate) async fn csw(
        &mut self,
        schema: &str,
        parse: CswPageParser,
    ) -> Result<(), HarvestError> {
        let prefix = self.remote_url_prefix();
        let fetcher = self.ctx.fetcher;
        let source_url = self.ctx.source.url.clone();
        let mut pager = CswPager::new(fetcher, &source_url, schema);
        let result = loop {
            let url = pager.page_url()?;
            if self.listing.begin_page(&url)? == Flow::Stop {
                break Ok(());
            }
            let fetched = match pager.fetch().await {
                Ok(f) => f,
                Err(e) => break Err(e),
            };
            // The GET URL names the page, whatever the method (a POST's URL is the endpoint's).
            let page_url = url.clone();
            let body = fetched.body;
            let content_type = fetched.content_type.clone();
            let base = page_url.clone();
            let prefix = prefix.clone();
            let start = pager.start();
            let out = blocking(&page_url, move || {
                parse(
                    &body,
                    content_type.as_deref(),
                    &base,
                    start,
                    prefix.as_deref(),
                )
                .map_err(ParseOrHarvest::from)
            })
            .await?;
            let paging = out.csw_next;
            if self.push_page(&page_url, out).await? == Flow::Stop {
                break Ok(());
            }
            let Some(paging) = paging else {
                break Ok(());
            };
            match pager.advance(paging, &page_url) {
                Ok(true) => {}
                Ok(false) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        if let Some(note) = pager.fallback_note.take() {
            self.listing.note(note);
        }
        result
    }

    pub(crate) fn finish(self) {
        if self.not_modified_pages > 0 {
            let pages = self.listing.pages();
            self.listing.note(format!(
                "{} of {pages} pages answered 304 Not Modified: their datasets were not downloaded again",
                self.not_modified_pages
            ));
        }
    }
}

fn map_item_errors(
    items: Vec<Result<RemoteItem, DatasetError>>,
) -> Vec<Result<RemoteItem, Unlisted>> {
    items
        .into_iter()
        .map(|r| {
            r.map_err(|e| Unlisted {
                remote_id: match &e {
                    DatasetError::TooLarge { remote_id, .. } => Some(remote_id.clone()),
                    DatasetError::NoIdentifier { .. } => None,
                },
                reason: e.to_string(),
            })
        })
        .collect()
}

/// The items with the notes of the repairs that touch them carried in their payload.
fn with_notes(
    items: Vec<Result<RemoteItem, Unlisted>>,
    repairs: &[Repair],
) -> Vec<Result<RemoteItem, Unlisted>> {
    if repairs.is_empty() {
        return items;
    }
    items
        .into_iter()
        .map(|item| {
            item.map(|mut item| {
                if let Payload::Rdf { ntriples, .. } = &mut item.payload {
                    let touching: Vec<String> = repairs
                        .iter()
                        .filter(|r| r.touches(ntriples))
                        .map(|r| r.note.clone())
                        .collect();
                    *ntriples = notes::attach(std::mem::take(ntriples), &touching);
                }
                item
            })
        })
        .collect()
}

/// Parse one CSW response page (its first record at position `start` of the result set): each
/// record is a standalone RDF/XML document, parsed on its own so that a bad record costs only
/// itself (a failed item), with relative identifiers kept as written.
fn csw_page(
    body: &Bytes,
    content_type: Option<&str>,
    page_url: &str,
    start: u64,
    prefix: Option<&str>,
) -> Result<PageOutput, HarvestError> {
    let mut warnings = Vec::new();
    let text = decode_xml(body, &mut warnings);
    let page = match csw_records(&text) {
        Ok(p) => p,
        // An HTML error page is the common case: say so.
        Err(e @ XmlError::Malformed { .. } | e @ XmlError::NotCsw(_)) => {
            if let Err(ParseError::NotRdf { content_type }) =
                detect_syntax(content_type, page_url, body)
            {
                return Err(HarvestError::Remote {
                    url: page_url.to_owned(),
                    reason: format!("expected RDF, got {content_type}"),
                });
            }
            return Err(csw_page_error(e, page_url));
        }
        Err(e) => return Err(csw_page_error(e, page_url)),
    };
    let mut items = Vec::new();
    let mut triples = 0;
    for (i, record) in page.records.iter().enumerate() {
        let position = start + i as u64;
        match parse_as_given(RdfSyntax::RdfXml, record.as_bytes()) {
            Ok(parsed) => {
                triples += parsed.triples;
                warnings.extend(parsed.warnings);
                // Every note of a record concerns the datasets of that record.
                let listed = extract_items(&parsed.graph, page_url, prefix).items;
                items.extend(with_notes(map_item_errors(listed), &parsed.repairs));
            }
            Err(e) => items.push(Err(Unlisted {
                remote_id: record_about(record),
                reason: format!("CSW record {position} cannot be read: {e}"),
            })),
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

/// GET a catalog page with the fetcher's one page policy (`http.page_attempts`, backoff, the
/// fetch budget); a 304 is only an answer to a conditional request.
async fn fetch_page(
    fetcher: &Fetcher,
    url: &str,
    accept: &str,
    validators: Option<&Validators>,
) -> Result<Fetched, HarvestError> {
    let fetched = fetcher
        .get_page(
            url,
            Request {
                accept: Some(accept),
                validators,
            },
        )
        .await?;
    if fetched.not_modified && validators.is_none() {
        return Err(HarvestError::Remote {
            url: fetched.url,
            reason: "304 Not Modified to an unconditional request".into(),
        });
    }
    Ok(fetched)
}
