//! The one fake CKAN action API of the tests: an axum router over a list of packages
//! (`package_list`, `package_search` paged by `start`/`rows`, `package_show` by name or id), with
//! knobs for the edge cases and misbehaviours the tests need — a listing given verbatim
//! (duplicates, empty names, not a list), DKAN's one-element `package_show` list, ETag validators
//! and `304 Not Modified`, paging that ignores `start` or ends early, a canned answer to every
//! call (5xx, HTML, broken JSON, `success: false`), per-package failures (a canned answer, `429`
//! once, a hang), a delay — and a record of what it was asked ([`Seen`]).
//!
//! Mount it at the portal's path: `Router::new().nest("/ckan", fake.router())` serves the source
//! URL `{base}/ckan`.

mod answers;
mod seen;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

pub use answers::{envelope, failure, not_found, package, Canned};
pub use seen::{Seen, ShowRequest};

use super::fixtures::fixture_json;

/// How `package_search` pages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Paging {
    /// `rows` results from `start`.
    #[default]
    Honest,
    /// Ignores `start`: always the first page.
    IgnoresStart,
    /// An empty page after the first one, though `count` says there are more.
    EmptyAfterFirst,
}

/// How `package_show` fails for one package.
#[derive(Debug, Clone)]
pub enum ItemFault {
    /// This answer instead of the package.
    Answer(Canned),
    /// `429 Too Many Requests` with `Retry-After: {0}` the first time, the package afterwards.
    TooManyRequestsOnce(u32),
    /// The package, after this long.
    Hang(Duration),
}

/// A fake CKAN portal. Cheap to clone: clones share their packages and their [`Seen`] record.
#[derive(Debug, Clone)]
pub struct FakeCkan {
    packages: Arc<Vec<Value>>,
    list: Option<Value>,
    searched: Option<Arc<Vec<Value>>>,
    dkan: bool,
    etag: Option<&'static str>,
    paging: Paging,
    fault: Option<Canned>,
    item_faults: HashMap<String, ItemFault>,
    unknown: Canned,
    delay: Duration,
    seen: Seen,
}

impl FakeCkan {
    /// A portal holding `packages` (`package_show` results): `package_list` names them,
    /// `package_search` pages through them, `package_show` finds them by name or id; an unknown
    /// one is CKAN's `404` "Not found".
    pub fn new(packages: Vec<Value>) -> Self {
        Self {
            packages: Arc::new(packages),
            list: None,
            searched: None,
            dkan: false,
            etag: None,
            paging: Paging::Honest,
            fault: None,
            item_faults: HashMap::new(),
            unknown: Canned::json(404, &not_found("package_show")),
            delay: Duration::ZERO,
            seen: Seen::default(),
        }
    }

    /// The portal of the fixture folder `dir` (`ckan`, `dkan`): the packages of its
    /// `package_show` fixtures `shows`, listed by its `package_list.json` verbatim; DKAN's
    /// one-element `package_show` list when the fixtures have it.
    pub fn from_fixtures(dir: &str, shows: &[&str]) -> Self {
        let mut dkan = false;
        let packages = shows
            .iter()
            .map(
                |file| match fixture_json(&format!("{dir}/{file}"))["result"].take() {
                    Value::Array(mut one) if !one.is_empty() => {
                        dkan = true;
                        one.swap_remove(0)
                    }
                    result => result,
                },
            )
            .collect();
        let mut fake = Self::new(packages)
            .list(fixture_json(&format!("{dir}/package_list.json"))["result"].take());
        fake.dkan = dkan;
        fake
    }

    /// `package_list` answers this result verbatim (duplicates, empty names, not a list…).
    pub fn list(mut self, result: Value) -> Self {
        self.list = Some(result);
        self
    }

    /// `package_search` pages through these packages (what the filters match) instead of all.
    pub fn searching(mut self, packages: Vec<Value>) -> Self {
        self.searched = Some(Arc::new(packages));
        self
    }

    /// `package_search` pages through the results of the `package_search` answer in the fixture
    /// file `file`.
    pub fn searching_fixture(self, file: &str) -> Self {
        let results = match fixture_json(file)["result"]["results"].take() {
            Value::Array(results) => results,
            _ => Vec::new(),
        };
        self.searching(results)
    }

    /// `package_show` answers a one-element list, as DKAN does.
    pub fn dkan(mut self) -> Self {
        self.dkan = true;
        self
    }

    /// `package_show` sends this `ETag`, and answers `304 Not Modified` to it.
    pub fn etag(mut self, etag: &'static str) -> Self {
        self.etag = Some(etag);
        self
    }

    /// How `package_search` pages.
    pub fn paging(mut self, paging: Paging) -> Self {
        self.paging = paging;
        self
    }

    /// Every call gets this answer.
    pub fn failing(mut self, answer: Canned) -> Self {
        self.fault = Some(answer);
        self
    }

    /// `package_show` of `id` fails this way.
    pub fn item_fault(mut self, id: &str, fault: ItemFault) -> Self {
        self.item_faults.insert(id.to_owned(), fault);
        self
    }

    /// `package_show` of an unknown package gets this answer.
    pub fn unknown(mut self, answer: Canned) -> Self {
        self.unknown = answer;
        self
    }

    /// Every call waits this long before answering.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// The record of what the portal is asked.
    pub fn seen(&self) -> Seen {
        self.seen.clone()
    }

    /// The action API routes (`/api/3/action/{action}`).
    pub fn router(&self) -> Router {
        Router::new()
            .route("/api/3/action/{action}", get(action))
            .with_state(Arc::new(self.clone()))
    }

    fn find(&self, id: &str) -> Option<&Value> {
        self.packages
            .iter()
            .find(|p| p["name"].as_str() == Some(id) || p["id"].as_str() == Some(id))
    }

    fn package_list(&self) -> Response {
        let names = self.list.clone().unwrap_or_else(|| {
            self.packages
                .iter()
                .map(|p| p["name"].clone())
                .collect::<Vec<_>>()
                .into()
        });
        answers::json_response(StatusCode::OK, &envelope("package_list", names))
    }

    fn package_search(&self, params: HashMap<String, String>) -> Response {
        let number = |key: &str, default: usize| {
            params
                .get(key)
                .and_then(|s| s.parse().ok())
                .unwrap_or(default)
        };
        let (start, rows) = (number("start", 0), number("rows", 10));
        self.seen.search(params);
        let all = self.searched.as_deref().unwrap_or(&self.packages);
        let from = match self.paging {
            Paging::Honest => start,
            Paging::IgnoresStart => 0,
            Paging::EmptyAfterFirst if start > 0 => all.len(),
            Paging::EmptyAfterFirst => 0,
        }
        .min(all.len());
        let to = from.saturating_add(rows).min(all.len());
        let result = json!({"count": all.len(), "results": &all[from..to]});
        answers::json_response(StatusCode::OK, &envelope("package_search", result))
    }

    async fn package_show(&self, id: &str, headers: &HeaderMap) -> Response {
        let if_none_match = headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let asked = self.seen.show(id, if_none_match.clone());
        match self.item_faults.get(id) {
            Some(ItemFault::Answer(answer)) => return answer.response(),
            Some(ItemFault::TooManyRequestsOnce(secs)) if asked == 1 => {
                return Response::builder()
                    .status(StatusCode::TOO_MANY_REQUESTS)
                    .header(header::RETRY_AFTER, secs.to_string())
                    .body("slow down".into())
                    .unwrap_or_default()
            }
            Some(ItemFault::Hang(how_long)) => tokio::time::sleep(*how_long).await,
            _ => {}
        }
        let Some(package) = self.find(id) else {
            return self.unknown.response();
        };
        if let Some(etag) = self.etag {
            if if_none_match.as_deref() == Some(etag) {
                return Response::builder()
                    .status(StatusCode::NOT_MODIFIED)
                    .header(header::ETAG, etag)
                    .body(Default::default())
                    .unwrap_or_default();
            }
        }
        let result = if self.dkan {
            json!([package])
        } else {
            package.clone()
        };
        let mut response =
            answers::json_response(StatusCode::OK, &envelope("package_show", result));
        if let Some(etag) = self.etag {
            response
                .headers_mut()
                .insert(header::ETAG, HeaderValue::from_static(etag));
        }
        response
    }
}

async fn action(
    State(fake): State<Arc<FakeCkan>>,
    Path(action): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    fake.seen.request();
    if !fake.delay.is_zero() {
        tokio::time::sleep(fake.delay).await;
    }
    if let Some(answer) = &fake.fault {
        return answer.response();
    }
    match action.as_str() {
        "package_list" => fake.package_list(),
        "package_search" => fake.package_search(params),
        "package_show" => {
            let id = params.get("id").cloned().unwrap_or_default();
            fake.package_show(&id, &headers).await
        }
        _ => answers::json_response(
            StatusCode::NOT_FOUND,
            &failure("Not Found Error", "Unknown action"),
        ),
    }
}
