//! The DCAT backend's gather against a local catalog server: Hydra paging (current and legacy
//! vocabularies), streaming into the sink, the guards against remotes that page forever (URL
//! loop, same page forever, max pages), HTML error pages, empty catalogs, transient failures
//! retried, per-dataset errors reported as notes, the sink asking to stop, GeoNetwork CSW paging;
//! and `process` on what gather produced.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use axum::Router;
use backends::dcat::DcatBackend;
use backends::error::HarvestError;
use backends::harvester::{GatherLimits, GatherReport, Harvester, ItemOutcome, RemoteItem};
use backends::rdf::catalog::content_hash;
use common::model::{HarvestSource, Payload};

use crate::kit::{fetcher, item_context, list_into, VecSink};

fn fixture(name: &str) -> String {
    crate::kit::fixture_text(&format!("dcat/{name}"))
}

/// One request: path, query, Accept header.
type Request = (String, HashMap<String, String>, Option<String>);

/// Requests the server saw.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<Request>>>);

impl Seen {
    fn count(&self, path: &str) -> usize {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _, _)| p == path)
            .count()
    }

    fn queries(&self, path: &str) -> Vec<HashMap<String, String>> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _, _)| p == path)
            .map(|(_, q, _)| q.clone())
            .collect()
    }

    fn accept(&self, path: &str) -> Option<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .find(|(p, _, _)| p == path)
            .and_then(|(_, _, a)| a.clone())
    }
}

fn respond(status: StatusCode, content_type: &str, body: String) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .expect("response")
}

const TURTLE: &str = "text/turtle; charset=utf-8";
const PREFIXES: &str = "@prefix dcat: <http://www.w3.org/ns/dcat#> .\n\
    @prefix dct: <http://purl.org/dc/terms/> .\n\
    @prefix hydra: <http://www.w3.org/ns/hydra/core#> .\n";

/// A generated Turtle page: datasets `ids`, next page `next` (relative or absolute IRI).
fn page(ids: &[String], next: Option<&str>) -> String {
    let mut out = PREFIXES.to_owned();
    for id in ids {
        out.push_str(&format!(
            "<https://data.example.org/datasets/{id}> a dcat:Dataset ; dct:identifier \"{id}\" ; dct:title \"Dataset {id}\" .\n"
        ));
    }
    if let Some(next) = next {
        out.push_str(&format!(
            "<#view> a hydra:PartialCollectionView ; hydra:next <{next}> .\n"
        ));
    }
    out
}

/// The parameters of a POSTed CSW `GetRecords` (its root attributes), as a GET would send them.
fn getrecords_params(body: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let Some(start) = body.find("<csw:GetRecords") else {
        return out;
    };
    let tag = &body[start..start + body[start..].find('>').unwrap_or(0)];
    out.insert("request".to_owned(), "GetRecords".to_owned());
    for part in tag.split('"').collect::<Vec<_>>().chunks(2) {
        if let [name, value] = part {
            let name = name
                .trim()
                .trim_end_matches('=')
                .rsplit(' ')
                .next()
                .unwrap_or("");
            if !name.is_empty() && !name.starts_with("xmlns") {
                out.insert(name.to_owned(), (*value).to_owned());
            }
        }
    }
    out
}

async fn serve(
    State(seen): State<Seen>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> Response {
    let path = uri.path().to_owned();
    let mut query: HashMap<String, String> =
        url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    if method == Method::POST {
        query.extend(getrecords_params(&body));
        query.insert("method".to_owned(), "POST".to_owned());
    }
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    seen.0
        .lock()
        .unwrap()
        .push((path.clone(), query.clone(), accept));
    let n: usize = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    match path.as_str() {
        "/hydra" => respond(
            StatusCode::OK,
            TURTLE,
            fixture(&format!("hydra-new-{n}.ttl")),
        ),
        "/legacy" => respond(
            StatusCode::OK,
            "application/ld+json",
            fixture(&format!("hydra-legacy-{n}.jsonld")),
        ),
        // Page 2 points back to the first URL.
        "/loop" => match n {
            1 => respond(
                StatusCode::OK,
                TURTLE,
                page(&["loop-1".into()], Some("?page=2")),
            ),
            _ => respond(
                StatusCode::OK,
                TURTLE,
                page(&["loop-2".into()], Some("/loop")),
            ),
        },
        // Every page is the same page, under a new URL.
        "/same" => respond(
            StatusCode::OK,
            TURTLE,
            page(
                &["same-1".into(), "same-2".into()],
                Some(&format!("?page={}", n + 1)),
            ),
        ),
        // New datasets on every page, forever.
        "/endless" => respond(
            StatusCode::OK,
            TURTLE,
            page(&[format!("endless-{n}")], Some(&format!("?page={}", n + 1))),
        ),
        "/html" => respond(
            StatusCode::OK,
            "text/html; charset=utf-8",
            "<!DOCTYPE html><html><body><h1>Erreur</h1></body></html>".into(),
        ),
        "/empty" => respond(StatusCode::OK, TURTLE, fixture("empty.ttl")),
        "/blank" => respond(StatusCode::OK, TURTLE, fixture("bnodes.ttl")),
        // RDF/XML without a useful Content-Type nor extension: sniffed.
        "/sniff" => respond(
            StatusCode::OK,
            "application/octet-stream",
            fixture("syntax.rdf"),
        ),
        // Two failures, then the page.
        "/flaky" => {
            if seen.count("/flaky") <= 2 {
                respond(StatusCode::SERVICE_UNAVAILABLE, "text/plain", "busy".into())
            } else {
                respond(StatusCode::OK, TURTLE, fixture("hydra-new-3.ttl"))
            }
        }
        "/down" => respond(StatusCode::BAD_GATEWAY, "text/plain", "down".into()),
        "/geonetwork/srv/fre/csw" => match query.get("startPosition").map(String::as_str) {
            Some("1") => respond(StatusCode::OK, "application/xml", fixture("csw-page-1.xml")),
            Some("3") => respond(StatusCode::OK, "application/xml", fixture("csw-page-2.xml")),
            _ => respond(StatusCode::BAD_REQUEST, "text/plain", "bad start".into()),
        },
        // Real GeoNetwork shapes (tests/fixtures/dcat/csw-geonetwork), by output schema and position.
        "/geo/srv/fre/csw" => {
            let geodcat = query
                .get("outputSchema")
                .is_some_and(|s| s.starts_with("http://data.europa.eu/930"));
            let page = match (geodcat, query.get("startPosition").map(String::as_str)) {
                (false, Some("1")) => "csw-geonetwork/dcat-1.xml",
                (false, Some("4")) => "csw-geonetwork/dcat-2.xml",
                (true, Some("1")) => "csw-geonetwork/geodcat-1.xml",
                (true, Some("3")) => "csw-geonetwork/geodcat-2.xml",
                _ => return respond(StatusCode::BAD_REQUEST, "text/plain", "bad start".into()),
            };
            respond(StatusCode::OK, "application/xml", fixture(page))
        }
        "/geonetwork/srv/eng/csw" => respond(
            StatusCode::OK,
            "application/xml",
            fixture("csw-exception.xml"),
        ),
        _ => respond(StatusCode::NOT_FOUND, "text/plain", "not found".into()),
    }
}

async fn start_server() -> (String, Seen) {
    let seen = Seen::default();
    let app = Router::new().fallback(serve).with_state(seen.clone());
    (crate::kit::serve(app).await, seen)
}

fn source(url: &str) -> HarvestSource {
    crate::kit::source(url, "dcat")
}

async fn gather_with(
    url: &str,
    max_pages: usize,
    sink: &mut VecSink,
) -> Result<GatherReport, HarvestError> {
    let limits = GatherLimits {
        max_pages,
        max_items: 0,
    };
    list_into(&DcatBackend, &source(url), &fetcher(), limits, sink).await
}

async fn gather(url: &str) -> (Result<GatherReport, HarvestError>, Vec<RemoteItem>) {
    let mut sink = VecSink::default();
    let r = gather_with(url, 100, &mut sink).await;
    (r, sink.items)
}

fn ids(items: &[RemoteItem]) -> Vec<&str> {
    items.iter().map(|i| i.remote_id.as_str()).collect()
}

#[tokio::test]
async fn hydra_partial_collection_view_three_pages() {
    let (base, seen) = start_server().await;
    let (report, items) = gather(&format!("{base}/hydra")).await;
    let report = report.expect("gather");
    assert_eq!(ids(&items), ["h1", "h2", "h3", "h4", "h5"]);
    assert!(report.complete);
    assert_eq!(report.pages, 3);
    assert!(report.notes.is_empty(), "{:?}", report.notes);
    assert_eq!(
        seen.queries("/hydra")
            .iter()
            .map(|q| q.get("page").cloned())
            .collect::<Vec<_>>(),
        [None, Some("2".into()), Some("3".into())]
    );
    // The RDF Accept header, with q-values.
    let accept = seen.accept("/hydra").expect("accept");
    assert!(accept.starts_with("application/rdf+xml"), "{accept}");
    assert!(accept.contains("text/turtle;q=0.9"), "{accept}");
    // Items carry the remote URL and the dataset subgraph.
    assert_eq!(
        items[0].remote_url.as_deref(),
        Some("https://data.example.org/datasets/h1")
    );
    match &items[0].payload {
        Payload::Rdf { root, ntriples } => {
            assert_eq!(root, "<https://data.example.org/datasets/h1>");
            assert!(ntriples.contains("\"Hydra dataset 1\""));
            assert!(
                !ntriples.contains("Hydra dataset 2"),
                "one dataset per payload"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn hydra_legacy_paged_collection_three_pages() {
    let (base, seen) = start_server().await;
    let (report, items) = gather(&format!("{base}/legacy")).await;
    let report = report.expect("gather");
    // JSON-LD expansion does not keep document order within a page: compare as a set.
    let mut got = ids(&items);
    got.sort();
    assert_eq!(got, ["l1", "l2", "l3", "l4", "l5"]);
    assert!(report.complete);
    assert_eq!(report.pages, 3);
    assert_eq!(seen.count("/legacy"), 3);
}

#[tokio::test]
async fn paging_loop_is_a_limit_error() {
    let (base, seen) = start_server().await;
    let (report, items) = gather(&format!("{base}/loop")).await;
    match report {
        Err(HarvestError::Limit(msg)) => {
            assert!(msg.contains("paging loop"), "{msg}");
            assert!(msg.contains(&format!("{base}/loop")), "{msg}");
        }
        other => panic!("expected a paging loop error, got {other:?}"),
    }
    // Items of the pages read before the loop were streamed.
    assert_eq!(ids(&items), ["loop-1", "loop-2"]);
    assert_eq!(seen.count("/loop"), 2);
}

#[tokio::test]
async fn a_remote_repeating_the_same_page_is_stopped() {
    let (base, seen) = start_server().await;
    let (report, items) = gather(&format!("{base}/same")).await;
    match report {
        Err(HarvestError::Limit(msg)) => {
            assert!(msg.contains("already listed on earlier pages"), "{msg}")
        }
        other => panic!("expected a limit error, got {other:?}"),
    }
    assert_eq!(ids(&items), ["same-1", "same-2"]);
    assert_eq!(seen.count("/same"), 2);
}

/// The page limit bounds a remote that pages beyond any sane size: an error of the listing
/// (the items listed before are harvested). 0 is unlimited.
#[tokio::test]
async fn max_pages_is_a_limit_error() {
    let (base, seen) = start_server().await;
    let mut sink = VecSink::default();
    let report = gather_with(&format!("{base}/endless"), 3, &mut sink).await;
    match report {
        Err(HarvestError::Limit(msg)) => assert!(msg.contains("more than 3 pages"), "{msg}"),
        other => panic!("expected a limit error, got {other:?}"),
    }
    assert_eq!(ids(&sink.items), ["endless-1", "endless-2", "endless-3"]);
    assert_eq!(seen.count("/endless"), 3);

    let mut sink = VecSink::default();
    let report = gather_with(&format!("{base}/hydra"), 0, &mut sink)
        .await
        .expect("no page limit");
    assert!(report.complete);
}

#[tokio::test]
async fn html_page_is_a_clear_error() {
    let (base, _) = start_server().await;
    let (report, items) = gather(&format!("{base}/html")).await;
    match report {
        Err(HarvestError::Remote { url, reason }) => {
            assert_eq!(reason, "expected RDF, got text/html");
            assert_eq!(url, format!("{base}/html"));
        }
        other => panic!("expected a remote error, got {other:?}"),
    }
    assert!(items.is_empty());
}

#[tokio::test]
async fn empty_catalog_is_complete_with_a_note() {
    let (base, _) = start_server().await;
    let (report, items) = gather(&format!("{base}/empty")).await;
    let report = report.expect("an empty catalog is not an error");
    assert!(items.is_empty());
    assert!(report.complete);
    assert_eq!(report.pages, 1);
    assert_eq!(
        report.notes,
        [format!("empty catalog: {base}/empty lists no dataset")]
    );
}

#[tokio::test]
async fn datasets_that_cannot_be_items_are_noted() {
    let (base, _) = start_server().await;
    let (report, items) = gather(&format!("{base}/blank")).await;
    let report = report.expect("gather");
    assert!(report.complete);
    assert_eq!(
        ids(&items),
        ["bnode-1", "https://data.example.org/datasets/shared-b"]
    );
    assert_eq!(report.notes.len(), 1, "{:?}", report.notes);
    assert!(
        report.notes[0].contains("blank node without dct:identifier"),
        "{:?}",
        report.notes
    );
}

#[tokio::test]
async fn syntax_is_sniffed_when_nothing_else_tells() {
    let (base, _) = start_server().await;
    let (report, items) = gather(&format!("{base}/sniff")).await;
    report.expect("gather");
    assert_eq!(ids(&items), ["syntax-1"]);
}

#[tokio::test]
async fn sink_stop_ends_the_listing_as_partial() {
    let (base, seen) = start_server().await;
    let mut sink = VecSink {
        stop_after: Some(3),
        ..Default::default()
    };
    let report = gather_with(&format!("{base}/hydra"), 100, &mut sink)
        .await
        .expect("gather");
    assert!(!report.complete);
    assert_eq!(ids(&sink.items), ["h1", "h2", "h3"]);
    assert_eq!(report.pages, 2);
    assert_eq!(seen.count("/hydra"), 2, "no page fetched after the stop");
    assert!(
        report.notes[0].contains("maximum number of items"),
        "{:?}",
        report.notes
    );
}

#[tokio::test]
async fn transient_failures_are_retried() {
    let (base, seen) = start_server().await;
    let (report, items) = gather(&format!("{base}/flaky")).await;
    report.expect("third attempt succeeds");
    assert_eq!(ids(&items), ["h5"]);
    assert_eq!(seen.count("/flaky"), 3);
}

#[tokio::test]
async fn persistent_failures_fail_after_three_attempts() {
    let (base, seen) = start_server().await;
    let (report, _) = gather(&format!("{base}/down")).await;
    let err = report.expect_err("down");
    assert!(err.is_transient(), "{err}");
    assert!(err.to_string().contains("HTTP 502"), "{err}");
    assert_eq!(seen.count("/down"), 3);
}

#[tokio::test]
async fn geonetwork_csw_is_paged_by_next_record() {
    let (base, seen) = start_server().await;
    let (report, items) = gather(&format!("{base}/geonetwork/srv/fre/csw")).await;
    let report = report.expect("gather");
    assert!(report.complete);
    assert_eq!(report.pages, 2);
    assert_eq!(
        ids(&items),
        [
            "https://geo.example.org/id/rec-1",
            "https://geo.example.org/id/rec-2",
            "https://geo.example.org/id/rec-3"
        ]
    );
    let queries = seen.queries("/geonetwork/srv/fre/csw");
    assert_eq!(queries.len(), 2);
    let q = &queries[0];
    assert_eq!(q.get("request").map(String::as_str), Some("GetRecords"));
    assert_eq!(q.get("service").map(String::as_str), Some("CSW"));
    assert_eq!(
        q.get("outputSchema").map(String::as_str),
        Some("http://www.w3.org/ns/dcat#")
    );
    assert_eq!(q.get("startPosition").map(String::as_str), Some("1"));
    assert_eq!(
        queries[1].get("startPosition").map(String::as_str),
        Some("3")
    );
    // Sent by POST, as udata does.
    assert!(queries
        .iter()
        .all(|q| q.get("method").map(String::as_str) == Some("POST")));
    // The record of page 2 only had the root's namespaces: they were carried over.
    match &items[2].payload {
        Payload::Rdf { ntriples, .. } => assert!(ntriples.contains("\"Zones humides\"")),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn csw_exception_report_is_a_remote_error() {
    let (base, _) = start_server().await;
    let (report, _) = gather(&format!("{base}/geonetwork/srv/eng/csw")).await;
    match report {
        Err(HarvestError::Remote { reason, .. }) => {
            assert_eq!(reason, "CSW exception: Unsupported output schema")
        }
        other => panic!("expected a remote error, got {other:?}"),
    }
}

#[tokio::test]
async fn process_maps_the_gathered_payload() {
    let (base, _) = start_server().await;
    let (report, items) = gather(&format!("{base}/hydra")).await;
    report.expect("gather");
    let src = source(&format!("{base}/hydra"));
    let fetcher = fetcher();
    let ctx = item_context(&src, &fetcher);
    let item = &items[3];
    let outcome = DcatBackend
        .process(&ctx, &item.remote_id, &item.payload)
        .await
        .expect("process");
    match outcome {
        ItemOutcome::Mapped {
            mapped,
            content_hash: hash,
            validators,
        } => {
            assert_eq!(mapped.dataset.title, "Hydra dataset 4");
            let h = mapped.dataset.harvest.as_ref().unwrap();
            assert_eq!(h.remote_id.as_deref(), Some("h4"));
            assert_eq!(h.backend.as_deref(), Some("dcat"));
            let Payload::Rdf { ntriples, .. } = &item.payload else {
                unreachable!()
            };
            assert_eq!(hash, content_hash(ntriples));
            assert!(validators.is_none());
        }
        other => panic!("{other:?}"),
    }
    // Only RDF payloads are DCAT items.
    let err = DcatBackend
        .process(&ctx, "x", &Payload::Json("{}".into()))
        .await
        .expect_err("json payload");
    assert!(err.to_string().contains("RDF payload"), "{err}");
}

async fn map_all(
    src: &HarvestSource,
    items: &[RemoteItem],
) -> Vec<backends::mapping::MappedDataset> {
    let fetcher = fetcher();
    let ctx = item_context(src, &fetcher);
    let mut out = Vec::new();
    for item in items {
        match DcatBackend
            .process(&ctx, &item.remote_id, &item.payload)
            .await
        {
            Ok(ItemOutcome::Mapped { mapped, .. }) => out.push(*mapped),
            other => panic!("{}: {other:?}", item.remote_id),
        }
    }
    out
}

/// GeoNetwork's DCAT output: a property with rdf:resource and text, stray text, a space in an
/// rdf:about, a bad xml:lang, CRLF descriptions and a WFS URL declared as WMS cost nothing; the
/// one record no reader accepts is a failed item with its reason, the others are harvested.
#[tokio::test]
async fn geonetwork_dcat_records_are_all_harvested_or_failed() {
    let (base, seen) = start_server().await;
    let url = format!("{base}/geo/srv/fre/csw");
    let mut sink = VecSink::default();
    let report = gather_with(&url, 100, &mut sink).await.expect("gather");
    assert!(report.complete);
    assert_eq!(report.pages, 2);
    let starts: Vec<_> = seen
        .queries("/geo/srv/fre/csw")
        .iter()
        .map(|q| q.get("startPosition").cloned().unwrap_or_default())
        .collect();
    assert_eq!(starts, ["1", "4"]);
    assert_eq!(
        ids(&sink.items),
        ["plu-1", "bruit-2", "haies-3", "ecoles-5"],
        "{:?}",
        sink.failed
    );
    assert_eq!(sink.failed.len(), 1, "{:?}", sink.failed);
    let failed = &sink.failed[0];
    assert_eq!(
        failed.remote_id,
        "https://geo.example.org/geonetwork/srv/resources/casse-4"
    );
    assert!(
        failed.reason.contains("CSW record 4 cannot be read"),
        "{}",
        failed.reason
    );

    let src = source(&url);
    let m = map_all(&src, &sink.items).await;
    let h = |i: usize| m[i].dataset.harvest.clone().unwrap();
    // rdf:resource + text: the record is read (the text is a note on the item).
    assert_eq!(m[0].dataset.title, "Plan local d'urbanisme");
    assert_eq!(
        m[0].dataset.description,
        "Zonage du PLU.\nApprouvé en 2019.\nMis à jour en 2023."
    );
    assert_eq!(
        h(0).remote_url.as_deref(),
        Some("https://geo.example.org/geonetwork/srv/fre/catalog.search#/metadata/plu-1")
    );
    assert!(
        m[0].warnings
            .iter()
            .any(|w| w.contains("Pas de restriction")),
        "{:?}",
        m[0].warnings
    );
    // A WFS access URL declared as OGC:WMS is a WFS.
    assert_eq!(m[0].dataset.resources[0].format.as_deref(), Some("wfs"));
    // The space in the rdf:about is percent-encoded, and said so on that item only.
    assert_eq!(
        h(1).uri.as_deref(),
        Some("https://geo.example.org/geonetwork/srv/resources/bruit%202")
    );
    assert!(
        m[1].warnings.iter().any(|w| w.contains("percent-encoded")),
        "{:?}",
        m[1].warnings
    );
    assert!(!m[0].warnings.iter().any(|w| w.contains("percent-encoded")));
    assert_eq!(m[1].dataset.resources[0].format.as_deref(), Some("wms"));
    // Stray text and a bad language tag: the title is kept, as plain text.
    assert_eq!(m[2].dataset.title, "Linéaire de haies");
    assert!(
        m[2].warnings.iter().any(|w| w.contains("Texte égaré")),
        "{:?}",
        m[2].warnings
    );
    assert!(m[2].warnings.iter().any(|w| w.contains("fr-FR-x-!!")));
    assert_eq!(m[3].dataset.resources[0].format.as_deref(), Some("wmts"));
}

/// GeoDCAT-AP output identifies records by relative rdf:about values: kept as written, never
/// resolved against the endpoint, and no remote_url unless the record gives a landing page.
#[tokio::test]
async fn geodcat_relative_identifiers_are_not_links() {
    let (base, _) = start_server().await;
    let url = format!("{base}/geo/srv/fre/csw");
    let mut src = source(&url);
    src.config.features.insert("geodcatap".into(), true);
    let limits = GatherLimits {
        max_pages: 100,
        max_items: 0,
    };
    let mut sink = VecSink::default();
    let report = list_into(&DcatBackend, &src, &fetcher(), limits, &mut sink)
        .await
        .expect("gather");
    assert_eq!(report.pages, 2);
    assert!(sink.failed.is_empty(), "{:?}", sink.failed);
    assert_eq!(
        ids(&sink.items),
        [
            "0ac1d658-6c5e-4a51-9c4d-1f3b2f0b7a11",
            "fr-200053742-2019-limite-bud",
            "7f3e2a10-99b1-4c1e-8d7a-5e0c4b2a9f00"
        ]
    );
    assert_eq!(sink.items[0].remote_url, None);
    assert_eq!(
        sink.items[1].remote_url.as_deref(),
        Some("https://www.example-agglo.fr/budget-2019")
    );
    assert_eq!(sink.items[2].remote_url, None);
    let m = map_all(&src, &sink.items).await;
    let uris: Vec<_> = m
        .iter()
        .map(|m| {
            m.dataset
                .harvest
                .as_ref()
                .unwrap()
                .uri
                .clone()
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(
        uris,
        [
            "0ac1d658-6c5e-4a51-9c4d-1f3b2f0b7a11",
            "fr-200053742/2019/limite/bud",
            "7f3e2a10-99b1-4c1e-8d7a-5e0c4b2a9f00"
        ]
    );
    assert!(m.iter().all(|m| {
        let h = m.dataset.harvest.as_ref().unwrap();
        !h.remote_url.as_deref().unwrap_or("").contains("/geo/srv/")
    }));
    assert_eq!(m[0].dataset.resources[0].format.as_deref(), Some("wfs"));
    assert_eq!(m[2].dataset.resources[0].format.as_deref(), Some("geojson"));
}
