//! Listing a JSON search API paged by offset (CKAN's `package_search`, the ODS catalog): when
//! such a listing ends, when it ends incomplete, and what each result becomes, written once. A
//! backend says how a page is asked for and read, and how a result is identified
//! ([`OffsetPaged`]).

use async_trait::async_trait;
use common::model::Payload;
use serde_json::Value;

use crate::error::HarvestError;
use crate::fetch::Fetcher;
use crate::harvester::{FailedItem, RemoteItem};
use crate::listing::{Entry, Flow, Listing};

/// One page of results, and how many the remote counts in all, when it says.
pub(crate) struct Page {
    pub results: Vec<Value>,
    pub count: Option<u64>,
}

impl Page {
    /// The page in the JSON `answer` from `url`: its `results` list, and the count it gives
    /// under `count`. An answer without `results` list is a parse error: `what` names the
    /// answer, `reason` says what is wrong.
    pub(crate) fn read(
        mut answer: Value,
        count: &str,
        url: &str,
        what: &'static str,
        reason: &str,
    ) -> Result<Self, HarvestError> {
        let count = answer.get(count).and_then(Value::as_u64);
        match answer.get_mut("results") {
            Some(Value::Array(results)) => Ok(Self {
                results: std::mem::take(results),
                count,
            }),
            _ => Err(HarvestError::Parse {
                what,
                url: url.to_owned(),
                reason: reason.to_owned(),
            }),
        }
    }
}

/// An identified result: the dataset document its item carries, its remote id and page.
pub(crate) struct Found<'r> {
    pub remote_id: String,
    pub remote_url: Option<String>,
    pub document: &'r Value,
}

/// A search API paged by offset.
#[async_trait]
pub(crate) trait OffsetPaged: Sync {
    /// The offset parameter (`start`, `offset`).
    const OFFSET: &'static str;
    /// What a result is (`package`, `dataset`), and the identifier it must have (`id nor name`,
    /// `dataset_id`), as failed items say them.
    const RESULT: &'static str;
    const IDENTIFIER: &'static str;
    /// What a result is called when it cannot be carried as JSON (`package_search result`).
    const CARRIED: &'static str;

    /// The URL of the page starting at `offset`, or, where the API cannot page that far, why
    /// the listing is partial.
    fn page_url(&self, offset: usize) -> Result<String, String>;

    /// Fetch and read one page.
    async fn page(&self, fetcher: &Fetcher, url: &str) -> Result<Page, HarvestError>;

    /// The identified result; `None` when it has no identifier.
    fn identify<'r>(&self, result: &'r Value) -> Option<Found<'r>>;

    /// Whether a page of `returned` results is the last, whatever the count (default: no).
    fn is_last(&self, _returned: usize) -> bool {
        false
    }
}

/// List every page of `search` into `listing`: up to an empty page, a last page or the count. An
/// empty page before the count is a glitch of the remote, not the end: the listing is then
/// partial (nothing is archived after it). Each result becomes an item carrying its document,
/// or a failed item when it cannot be identified.
pub(crate) async fn list<S: OffsetPaged>(
    search: &S,
    listing: &mut Listing<'_>,
) -> Result<(), HarvestError> {
    let fetcher = listing.context().fetcher;
    let mut offset = 0usize;
    loop {
        let url = match search.page_url(offset) {
            Ok(url) => url,
            Err(partial) => {
                listing.gap(partial);
                return Ok(());
            }
        };
        if listing.begin_page(&url)? == Flow::Stop {
            return Ok(());
        }
        let page = search.page(fetcher, &url).await?;
        let returned = page.results.len();
        if returned == 0 {
            if let Some(count) = page.count.filter(|c| (offset as u64) < *c) {
                listing.gap(format!(
                    "empty page at {}={offset} although the portal counts {count} datasets: \
                     the listing is partial",
                    S::OFFSET
                ));
            }
            return Ok(());
        }
        let entries = page
            .results
            .iter()
            .enumerate()
            .map(|(i, result)| entry(search, &url, offset + i, result))
            .collect::<Result<Vec<_>, _>>()?;
        if listing.page(&url, entries).await? == Flow::Stop {
            return Ok(());
        }
        offset += returned;
        if search.is_last(returned) || page.count.is_some_and(|c| offset as u64 >= c) {
            return Ok(());
        }
    }
}

/// The entry of the result at `position` of the listing, listed on `url`.
fn entry<S: OffsetPaged>(
    search: &S,
    url: &str,
    position: usize,
    result: &Value,
) -> Result<Entry, HarvestError> {
    let Some(found) = search.identify(result) else {
        // Listed but unidentifiable: a failed item, not a silent drop.
        let (what, id) = (S::RESULT, S::IDENTIFIER);
        return Ok(Err(FailedItem {
            remote_id: format!("{what} at {}={position} without {id}", S::OFFSET),
            reason: format!("a {what} without {id} was listed on {url}"),
        }));
    };
    let payload = serde_json::to_string(found.document).map_err(|e| HarvestError::Parse {
        what: S::CARRIED,
        url: url.to_owned(),
        reason: e.to_string(),
    })?;
    Ok(Ok(RemoteItem {
        remote_id: found.remote_id,
        remote_url: found.remote_url,
        payload: Payload::Json(payload),
    }))
}
