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
//! Process maps the item's subgraph with [`crate::rdf::dcat_map`] (the default item processing
//! of RDF items, [`crate::rdf_item`]); nothing is fetched per item.

use async_trait::async_trait;
use common::model::Payload;

pub use crate::csw::{csw_getrecords_url, is_csw_url, CSW_PAGE_SIZE};
use crate::csw::{csw_page_error, CswPager, CswPaging, CswResponse};
use crate::error::HarvestError;
use crate::fetch::{Fetched, Fetcher, Request, Validators};
use crate::harvester::{
    FailedItem, GatherContext, Harvester, Identity, RememberedPage, RemoteItem,
};
use crate::listing::{Flow, Listing};
use crate::rdf::catalog::{extract_items, resolve_links, DatasetError};
use crate::rdf::notes::{self, Repair};
use crate::rdf::parse::{
    detect_syntax, parse_as_given, parse_rdf_as_given, ParseError, RdfSyntax, RDF_ACCEPT,
};
use crate::rdf::vocab::{DCAT, GEODCAT};
use crate::rdf::xml::{record_about, XmlError};

/// Source feature: ask the CSW server for GeoDCAT-AP instead of DCAT.
pub const FEATURE_GEODCATAP: &str = "geodcatap";

pub struct DcatBackend;

#[async_trait]
impl Harvester for DcatBackend {
    fn identity(&self) -> Identity {
        Identity::new("dcat", "DCAT").with_features(&[FEATURE_GEODCATAP])
    }

    async fn gather(&self, listing: &mut Listing<'_>) -> Result<(), HarvestError> {
        let source = listing.context().source;
        let plan = if !is_csw_url(&source.url) {
            Plan::Hydra
        } else if source.feature(FEATURE_GEODCATAP) {
            Plan::Csw(GEODCAT, csw_page)
        } else {
            Plan::Csw(DCAT, csw_page)
        };
        list(listing, plan).await
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

impl PageOutput {
    /// The output of a CSW page: its datasets, the notes of reading it, and its paging.
    pub(crate) fn csw(
        items: Vec<Result<RemoteItem, Unlisted>>,
        warnings: Vec<String>,
        triples: usize,
        paging: CswPaging,
    ) -> Self {
        Self {
            items,
            next: None,
            warnings,
            triples,
            csw_next: Some(paging),
        }
    }
}

/// Reads one CSW response page: one parser per record schema.
pub(crate) type CswPageParser = fn(&CswResponse) -> Result<PageOutput, HarvestError>;

/// What an RDF gather lists: a DCAT catalog paged with Hydra, or a CSW endpoint asked for its
/// records in a schema, each page read by its parser.
pub(crate) enum Plan {
    Hydra,
    Csw(&'static str, CswPageParser),
}

/// List the listing's source by `plan` (the DCAT backend's, and the CSW ISO 19139 backend's).
pub(crate) async fn list(listing: &mut Listing<'_>, plan: Plan) -> Result<(), HarvestError> {
    let mut run = Gather::new(listing);
    let outcome = match plan {
        Plan::Hydra => run.dcat().await,
        Plan::Csw(schema, parse) => run.csw(schema, parse).await,
    };
    run.finish();
    outcome
}

/// State of one gather run (the page guards, duplicates and limits are the driver's).
struct Gather<'l, 's> {
    ctx: &'s GatherContext<'s>,
    listing: &'l mut Listing<'s>,
    /// Pages that answered 304 Not Modified (their datasets are settled as unchanged).
    not_modified_pages: usize,
    /// Datasets found without an identifier, to label them.
    unidentified: usize,
}

impl<'l, 's> Gather<'l, 's> {
    fn new(listing: &'l mut Listing<'s>) -> Self {
        Self {
            ctx: listing.context(),
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
    async fn csw(&mut self, schema: &str, parse: CswPageParser) -> Result<(), HarvestError> {
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
            let response = CswResponse {
                body: fetched.body,
                content_type: fetched.content_type,
                url,
                start: pager.start(),
                prefix: prefix.clone(),
            };
            let out = blocking(&page_url, move || {
                parse(&response).map_err(ParseOrHarvest::from)
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

    fn finish(self) {
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

/// Parse one CSW response page: each record is a standalone RDF/XML document, parsed on its own
/// so that a bad record costs only itself (a failed item), with relative identifiers kept as
/// written.
fn csw_page(page: &CswResponse) -> Result<PageOutput, HarvestError> {
    let mut warnings = Vec::new();
    let records = match page.records(&mut warnings) {
        Ok(p) => p,
        // An HTML error page is the common case: say so.
        Err(e @ XmlError::Malformed { .. } | e @ XmlError::NotCsw(_)) => {
            if let Err(ParseError::NotRdf { content_type }) =
                detect_syntax(page.content_type.as_deref(), &page.url, &page.body)
            {
                return Err(HarvestError::Remote {
                    url: page.url.clone(),
                    reason: format!("expected RDF, got {content_type}"),
                });
            }
            return Err(csw_page_error(e, &page.url));
        }
        Err(e) => return Err(csw_page_error(e, &page.url)),
    };
    let mut items = Vec::new();
    let mut triples = 0;
    for (position, record) in page.positioned(&records) {
        match parse_as_given(RdfSyntax::RdfXml, record.as_bytes()) {
            Ok(parsed) => {
                triples += parsed.triples;
                warnings.extend(parsed.warnings);
                // Every note of a record concerns the datasets of that record.
                let prefix = page.prefix.as_deref();
                let listed = extract_items(&parsed.graph, &page.url, prefix).items;
                items.extend(with_notes(map_item_errors(listed), &parsed.repairs));
            }
            Err(e) => items.push(Err(Unlisted {
                remote_id: record_about(record),
                reason: format!("CSW record {position} cannot be read: {e}"),
            })),
        }
    }
    Ok(PageOutput::csw(items, warnings, triples, (&records).into()))
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
