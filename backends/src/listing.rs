//! The listing driver: the rules every backend's listing obeys, written once.
//!
//! A backend's `gather` only fetches pages and turns each into entries (items, or datasets it
//! found but cannot hand over); it gives each page to a [`Listing`] and stops when told to. The
//! listing also holds what the backend lists with ([`Listing::context`]: source, fetcher). The
//! driver owns what udata's `BaseBackend` owns (`ensure_unique_remote_id`,
//! `has_reached_max_items`) and the page guards of its DCAT `walk_graph`:
//! - **page cap**: at most `harvest.max_pages` pages (0 = unlimited);
//! - **loops**: a page URL fetched twice, or a page listing only datasets already listed;
//!
//!   each of these is an error of the listing (the remote pages beyond any sane size, or on
//!   itself), after which the items already listed are still harvested and nothing is archived;
//! - **duplicate remote ids**: every repeat becomes a failed item with its reason (never a
//!   second dataset, never a silent drop);
//! - **max items**: at most `harvest.max_items` items (0 = unlimited), then a partial listing;
//! - **notes**: per-dataset notes are capped per kind, the rest counted.
//!
//! Whether the listing is *complete* (archiving allowed) is decided here too: the backend
//! reached the end of the catalog, nothing stopped it early, and it reported no gap.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};

use crate::error::HarvestError;
use crate::harvester::{
    FailedItem, GatherContext, GatherReport, Harvester, ItemSink, RemoteItem, SinkControl,
};

/// Per-dataset notes of one kind kept in the report; the rest are counted.
pub const MAX_DETAILED_NOTES: usize = 20;

/// What the backend does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Go on with the next page.
    Continue,
    /// Stop listing and return `Ok(())`: the driver has recorded why.
    Stop,
}

/// One entry of a page: a dataset to harvest, or one found but impossible to hand over.
pub type Entry = Result<RemoteItem, FailedItem>;

/// The state of one listing, handed to [`Harvester::gather`].
pub struct Listing<'a> {
    ctx: &'a GatherContext<'a>,
    sink: &'a mut dyn ItemSink,
    max_pages: usize,
    max_items: usize,
    pages: usize,
    seen_pages: HashSet<String>,
    /// Times each remote id (by hash) was listed.
    seen_ids: HashMap<u64, u32>,
    listed: usize,
    duplicates: usize,
    notes: Vec<String>,
    /// Detailed notes per kind, with how many of each were seen.
    details: BTreeMap<&'static str, usize>,
    /// Why the listing stopped early (a limit), if it did.
    stopped: bool,
    /// The remote left a gap (an empty page before the announced end…): not complete.
    gap: bool,
}

/// How a listing ended: its report, and the error that cut it short, if any. Items listed
/// before an error are in the sink and must be harvested like any others.
#[derive(Debug)]
pub struct Listed {
    pub report: GatherReport,
    pub error: Option<HarvestError>,
}

/// List the remote datasets of `ctx.source` with `backend`, through the driver, into `sink`.
pub async fn list(
    backend: &dyn Harvester,
    ctx: &GatherContext<'_>,
    sink: &mut dyn ItemSink,
) -> Listed {
    let mut listing = Listing::new(ctx, sink);
    let result = backend.gather(&mut listing).await;
    listing.finish(result)
}

impl<'a> Listing<'a> {
    fn new(ctx: &'a GatherContext<'a>, sink: &'a mut dyn ItemSink) -> Self {
        Self {
            ctx,
            sink,
            max_pages: ctx.limits.max_pages,
            max_items: ctx.limits.max_items,
            pages: 0,
            seen_pages: HashSet::new(),
            seen_ids: HashMap::new(),
            listed: 0,
            duplicates: 0,
            notes: Vec::new(),
            details: BTreeMap::new(),
            stopped: false,
            gap: false,
        }
    }

    /// What this listing lists with: the source, the fetcher, the page memory.
    pub fn context(&self) -> &'a GatherContext<'a> {
        self.ctx
    }

    /// Before fetching the page at `url`: an error when the page cap is reached (a remote
    /// paging beyond any sane size) or when this page was already fetched (a paging loop). The
    /// items listed before are harvested all the same; the listing stays incomplete.
    pub fn begin_page(&mut self, url: &str) -> Result<Flow, HarvestError> {
        if self.max_pages > 0 && self.pages >= self.max_pages {
            return Err(HarvestError::Limit(format!(
                "more than {} pages (harvest.max_pages): stopped before {url}",
                self.max_pages
            )));
        }
        if !self.seen_pages.insert(page_key(url)) {
            return Err(HarvestError::Limit(format!(
                "paging loop: page {url} was already fetched in this listing"
            )));
        }
        self.pages += 1;
        Ok(Flow::Continue)
    }

    /// Hand over the entries of the page fetched from `url`. A page after the first whose
    /// datasets were all listed before is the remote repeating itself: an error, before any
    /// of its entries is handed over.
    pub async fn page(&mut self, url: &str, entries: Vec<Entry>) -> Result<Flow, HarvestError> {
        let items = entries.iter().filter(|e| e.is_ok()).count();
        if self.pages > 1 && items > 0 {
            let fresh = entries
                .iter()
                .filter_map(|e| e.as_ref().ok())
                .any(|i| !self.seen_ids.contains_key(&id_hash(&i.remote_id)));
            if !fresh {
                return Err(HarvestError::Limit(format!(
                    "paging loop: page {url} only lists datasets already listed on earlier pages"
                )));
            }
        }
        for entry in entries {
            if self.push(url, entry).await? == Flow::Stop {
                return Ok(Flow::Stop);
            }
        }
        Ok(Flow::Continue)
    }

    async fn push(&mut self, url: &str, entry: Entry) -> Result<Flow, HarvestError> {
        if self.max_items > 0 && self.listed >= self.max_items {
            let why = format!("harvest.max_items = {} is reached", self.max_items);
            return Ok(self.stop(url, &why));
        }
        let entry = match entry {
            Ok(item) => {
                let times = self.seen_ids.entry(id_hash(&item.remote_id)).or_insert(0);
                *times += 1;
                if *times == 1 {
                    Ok(item)
                } else {
                    self.duplicates += 1;
                    Err(FailedItem {
                        remote_id: format!("{} (duplicate {times})", item.remote_id),
                        reason: format!(
                            "duplicate remote id {:?}: already listed in this harvest, this repeat (on {url}) is not harvested",
                            item.remote_id
                        ),
                    })
                }
            }
            Err(mut failed) => {
                // Failed entries are items too: their ids stay unique within the listing.
                let times = self.seen_ids.entry(id_hash(&failed.remote_id)).or_insert(0);
                *times += 1;
                if *times > 1 {
                    failed.remote_id = format!("{} (duplicate {times})", failed.remote_id);
                }
                self.detail("datasets could not be listed", || {
                    format!("{}: {}", failed.remote_id, failed.reason)
                });
                Err(failed)
            }
        };
        self.listed += 1;
        let control = match entry {
            Ok(item) => self.sink.push(item).await?,
            Err(failed) => self.sink.push_failed(failed).await?,
        };
        Ok(match control {
            SinkControl::Continue => Flow::Continue,
            SinkControl::Stop => {
                let why = format!("the maximum number of items ({}) is reached", self.listed);
                self.stop(url, &why)
            }
        })
    }

    /// Stop listing early because `why`: the listing is partial.
    fn stop(&mut self, url: &str, why: &str) -> Flow {
        self.stopped = true;
        self.notes.push(format!(
            "listing stopped on page {} ({url}): {why}; vanished datasets are not archived",
            self.pages
        ));
        Flow::Stop
    }

    /// A note for the job report.
    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// A note about one dataset or one page, of `kind`: the first [`MAX_DETAILED_NOTES`] of each
    /// kind are kept, the others counted (`note` is only built when kept).
    pub fn detail(&mut self, kind: &'static str, note: impl FnOnce() -> String) {
        let seen = self.details.entry(kind).or_insert(0);
        *seen += 1;
        if *seen <= MAX_DETAILED_NOTES {
            self.notes.push(note());
        }
    }

    /// The remote left a gap the backend detected (an empty page before the announced total, a
    /// window it cannot page beyond): the listing ends incomplete, with `note`.
    pub fn gap(&mut self, note: impl Into<String>) {
        self.gap = true;
        self.notes.push(note.into());
    }

    /// Pages fetched so far.
    pub fn pages(&self) -> usize {
        self.pages
    }

    /// Entries handed over so far (failed ones included).
    pub fn listed(&self) -> usize {
        self.listed
    }

    fn finish(mut self, result: Result<(), HarvestError>) -> Listed {
        for (kind, seen) in &self.details {
            if *seen > MAX_DETAILED_NOTES {
                self.notes
                    .push(format!("… {} more {kind}", seen - MAX_DETAILED_NOTES));
            }
        }
        if self.duplicates > 0 {
            self.notes.push(format!(
                "{} datasets were listed more than once (same remote id): each repeat is a failed item",
                self.duplicates
            ));
        }
        let complete = result.is_ok() && !self.stopped && !self.gap;
        if complete && self.listed == 0 {
            self.notes.push(format!(
                "empty catalog: {} lists no dataset",
                self.ctx.source.url
            ));
        }
        Listed {
            report: GatherReport {
                complete,
                pages: self.pages,
                listed: self.listed,
                notes: self.notes,
            },
            error: result.err(),
        }
    }
}

/// A page URL without its fragment: two URLs differing only there are the same page.
fn page_key(url: &str) -> String {
    url::Url::parse(url)
        .map(|mut u| {
            u.set_fragment(None);
            u.to_string()
        })
        .unwrap_or_else(|_| url.to_owned())
}

/// Remote ids are remembered by a 64-bit hash: a million ids cost 16 MB, not their text.
fn id_hash(remote_id: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    remote_id.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use async_trait::async_trait;
    use common::model::{HarvestSource, Payload};
    use common::settings::HttpSettings;

    use super::*;
    use crate::fetch::Fetcher;
    use crate::harvester::GatherLimits;

    #[derive(Default)]
    struct Collect {
        ok: Vec<String>,
        failed: Vec<FailedItem>,
    }

    #[async_trait]
    impl ItemSink for Collect {
        async fn push(&mut self, item: RemoteItem) -> Result<SinkControl, HarvestError> {
            self.ok.push(item.remote_id);
            Ok(SinkControl::Continue)
        }
        async fn push_failed(&mut self, f: FailedItem) -> Result<SinkControl, HarvestError> {
            self.failed.push(f);
            Ok(SinkControl::Continue)
        }
    }

    fn item(id: &str) -> Entry {
        Ok(RemoteItem {
            remote_id: id.to_owned(),
            remote_url: None,
            payload: Payload::Fetch,
        })
    }

    /// The context of a listing of `http://x` with these limits.
    fn context(max_pages: usize, max_items: usize) -> GatherContext<'static> {
        static SOURCE: OnceLock<HarvestSource> = OnceLock::new();
        static FETCHER: OnceLock<Fetcher> = OnceLock::new();
        let source = SOURCE.get_or_init(|| {
            bson::from_document(bson::doc! {
                "_id": bson::oid::ObjectId::new(),
                "name": "listing test source",
                "slug": "listing-test-source",
                "url": "http://x",
                "backend": "dcat",
                "config": {},
                "created_at": bson::DateTime::now(),
            })
            .expect("a harvest source")
        });
        let fetcher =
            FETCHER.get_or_init(|| Fetcher::new(&HttpSettings::default()).expect("a fetcher"));
        GatherContext {
            source,
            fetcher,
            limits: GatherLimits {
                max_pages,
                max_items,
            },
            conditional: false,
            pages: None,
        }
    }

    #[tokio::test]
    async fn zero_pages_is_unlimited_and_the_cap_is_an_error() {
        let mut sink = Collect::default();
        let ctx = context(0, 0);
        let mut l = Listing::new(&ctx, &mut sink);
        for p in 0..50 {
            let url = format!("http://x/?page={p}");
            assert_eq!(l.begin_page(&url).unwrap(), Flow::Continue);
            l.page(&url, vec![item(&p.to_string())]).await.unwrap();
        }
        let done = l.finish(Ok(()));
        assert!(done.report.complete);
        assert_eq!(done.report.pages, 50);

        let mut sink = Collect::default();
        let ctx = context(2, 0);
        let mut l = Listing::new(&ctx, &mut sink);
        assert_eq!(l.begin_page("http://x/1").unwrap(), Flow::Continue);
        assert_eq!(l.begin_page("http://x/2").unwrap(), Flow::Continue);
        let err = l.begin_page("http://x/3").unwrap_err();
        assert!(err.to_string().contains("more than 2 pages"), "{err}");
        let done = l.finish(Err(err));
        assert!(!done.report.complete);
    }

    #[tokio::test]
    async fn loops_and_repeats_are_errors() {
        let mut sink = Collect::default();
        let ctx = context(0, 0);
        let mut l = Listing::new(&ctx, &mut sink);
        l.begin_page("http://x/a#top").unwrap();
        let err = l.begin_page("http://x/a").unwrap_err();
        assert!(err.to_string().contains("paging loop"), "{err}");

        let ctx = context(0, 0);
        let mut l = Listing::new(&ctx, &mut sink);
        l.begin_page("http://x/1").unwrap();
        l.page("http://x/1", vec![item("a"), item("b")])
            .await
            .unwrap();
        l.begin_page("http://x/2").unwrap();
        let err = l
            .page("http://x/2", vec![item("a"), item("b")])
            .await
            .unwrap_err();
        assert!(err
            .to_string()
            .contains("only lists datasets already listed"));
        let done = l.finish(Err(err));
        assert!(!done.report.complete);
        assert!(done.error.is_some());
        // Nothing of the repeating page was handed over.
        assert_eq!(sink.ok, ["a", "b"]);
        assert!(sink.failed.is_empty());
    }

    #[tokio::test]
    async fn duplicates_are_failed_items_and_max_items_stops() {
        let mut sink = Collect::default();
        let ctx = context(0, 4);
        let mut l = Listing::new(&ctx, &mut sink);
        l.begin_page("http://x/1").unwrap();
        let flow = l
            .page(
                "http://x/1",
                vec![
                    item("a"),
                    item("a"),
                    item("b"),
                    item("a"),
                    item("c"),
                    item("d"),
                ],
            )
            .await
            .unwrap();
        assert_eq!(flow, Flow::Stop);
        let done = l.finish(Ok(()));
        assert!(!done.report.complete);
        assert_eq!(done.report.listed, 4);
        assert_eq!(sink.ok, ["a", "b"]);
        let failed: Vec<&str> = sink.failed.iter().map(|f| f.remote_id.as_str()).collect();
        assert_eq!(failed, ["a (duplicate 2)", "a (duplicate 3)"]);
        assert!(sink.failed[0].reason.contains("duplicate remote id"));
        assert!(done
            .report
            .notes
            .iter()
            .any(|n| n.contains("harvest.max_items = 4")));
    }

    #[tokio::test]
    async fn details_are_capped_per_kind_and_empty_catalogs_said() {
        let mut sink = Collect::default();
        let ctx = context(0, 0);
        let mut l = Listing::new(&ctx, &mut sink);
        for i in 0..(MAX_DETAILED_NOTES + 5) {
            l.detail("page warnings", || format!("warning {i}"));
        }
        let done = l.finish(Ok(()));
        assert_eq!(done.report.notes.len(), MAX_DETAILED_NOTES + 2);
        assert!(done
            .report
            .notes
            .contains(&"… 5 more page warnings".to_owned()));
        assert!(done
            .report
            .notes
            .iter()
            .any(|n| n.contains("empty catalog")));
    }
}
