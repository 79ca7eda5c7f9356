//! The OpenDataSoft backend: mapping of Explore API v2.1 datasets (every row of the spec's ODS
//! tables, the three kinds of resources, the `inspire` option, datasets without data) and the
//! paged catalog gather against a local ODS-like server.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, StatusCode, Uri};
use axum::response::Response;
use axum::Router;
use backends::ckan::PackageMapping;
use backends::error::HarvestError;
use backends::fetch::{FetchError, Fetcher};
use backends::harvester::{GatherReport, Harvester, ItemContext, ItemOutcome, RemoteItem};
use backends::mapping::{ids, MappedDataset};
use backends::ods::{content_hash, map_dataset, OdsBackend};
use common::model::{Filter, FilterKind, HarvestSource, Payload, SkipReason};
use serde_json::{json, Value};

use crate::kit::{
    bson_at as date, fetcher_with_timeout as fetcher, fixture_json as fixture, item_context,
    map_context, now,
};

const PORTAL: &str = "https://data.example-metropole.fr";

/// A dataset of the two catalog page fixtures, by id.
fn dataset(id: &str) -> Value {
    ["ods/catalog_page1.json", "ods/catalog_page2.json"]
        .iter()
        .flat_map(|p| {
            fixture(p)["results"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .find(|d| d["dataset_id"] == id)
        .unwrap_or_else(|| panic!("no dataset {id}"))
}

fn source(url: &str) -> HarvestSource {
    crate::kit::source(url, "ods")
}

fn map(ds: &Value, src: &HarvestSource) -> PackageMapping {
    map_dataset(ds, &map_context(src)).expect("mapping succeeds")
}

fn mapped(ds: &Value, src: &HarvestSource) -> MappedDataset {
    match map(ds, src) {
        PackageMapping::Mapped(m) => m,
        PackageMapping::Skipped(r, why) => panic!("skipped {r:?}: {why}"),
    }
}

#[test]
fn identity() {
    assert_eq!(OdsBackend.name(), "ods");
    assert_eq!(OdsBackend.label(), "OpenDataSoft");
    assert_eq!(OdsBackend.filter_keys(), &["tags", "publisher"]);
    assert_eq!(OdsBackend.feature_keys(), &["inspire"]);
}

#[test]
fn ods_dataset_table() {
    let src = source(&format!("{PORTAL}/"));
    let m = mapped(&dataset("stations-velos-libre-service"), &src);
    let d = &m.dataset;
    let h = d.harvest.as_ref().unwrap();
    // Titre ← title.
    assert_eq!(d.title, "Stations de vélos en libre-service");
    // Acronyme ❌.
    assert_eq!(d.acronym, None);
    // Description ← description, HTML → Markdown.
    assert!(d.description.contains("**stations**"), "{}", d.description);
    assert!(
        d.description.contains("mise à jour quotidienne"),
        "{}",
        d.description
    );
    assert!(!d.description.contains('<'), "{}", d.description);
    // Mots-clés ← keywords + themes (themes split on commas), stored sorted as udata's
    // TagListField does.
    assert_eq!(
        d.tags,
        vec![
            "deplacements",
            "environnement",
            "mobilite-douce",
            "transports",
            "velo"
        ]
    );
    // Licence ← license (free field, guessed).
    assert_eq!(d.license.as_deref(), Some("odc-odbl"));
    // Couverture spatiale ❌, temporelle ❌, fréquence ❌ (udata-ods' "unknown").
    assert_eq!(d.spatial, None);
    assert_eq!(d.temporal_coverage, None);
    assert_eq!(d.frequency.as_deref(), Some("unknown"));
    // harvest:remote_id ← dataset_id.
    assert_eq!(h.remote_id.as_deref(), Some("stations-velos-libre-service"));
    // ods_url ← site/explore/dataset/id/ (also the remote URL).
    let explore = format!("{PORTAL}/explore/dataset/stations-velos-libre-service/");
    assert_eq!(d.extras.get_str("ods:url").unwrap(), explore);
    assert_eq!(h.remote_url.as_deref(), Some(explore.as_str()));
    // ods_reference ← references.
    assert_eq!(
        d.extras.get_str("ods:references").unwrap(),
        "https://www.example-metropole.fr/velos"
    );
    // ods_has_records ← has_records; ods_geo ← features.geo.
    assert!(d.extras.get_bool("ods:has_records").unwrap());
    assert!(d.extras.get_bool("ods:geo").unwrap());
    // Date de modification ← metas.modified.
    assert_eq!(h.modified_at, Some(date(2024, 2, 12, 8, 15, 31, 42)));
    // harvest:domain, harvest:source_id, harvest:last_update.
    assert_eq!(h.domain.as_deref(), Some("data.example-metropole.fr"));
    assert_eq!(h.source_id, Some(src.id.to_hex()));
    assert_eq!(h.last_update, Some(bson::DateTime::from_chrono(now())));
    assert_eq!(h.backend.as_deref(), Some("ods"));
    assert!(!d.private);
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);
}

#[test]
fn ods_three_kinds_of_resources() {
    let src = source(PORTAL);
    let m = mapped(&dataset("stations-velos-libre-service"), &src);
    let r = &m.dataset.resources;
    let titles: Vec<&str> = r.iter().map(|x| x.title.as_str()).collect();
    assert_eq!(
        titles,
        vec![
            "Export au format CSV",
            "Export au format JSON",
            "Export au format GeoJSON",
            "Export au format Shapefile",
            "GTFS du réseau",
            "Notice des stations"
        ]
    );
    let api =
        format!("{PORTAL}/api/explore/v2.1/catalog/datasets/stations-velos-libre-service/exports");
    let expected = [
        (format!("{api}/csv"), "csv", Some("text/csv")),
        (format!("{api}/json"), "json", Some("application/json")),
        (
            format!("{api}/geojson"),
            "geojson",
            Some("application/vnd.geo+json"),
        ),
        (format!("{api}/shp"), "shp", None),
    ];
    for (res, (url, format, mime)) in r.iter().zip(expected.iter()) {
        assert_eq!(&res.url, url);
        assert_eq!(res.format.as_deref(), Some(*format));
        assert_eq!(res.mime.as_deref(), *mime);
        assert_eq!(res.extras.get_str("ods:type").unwrap(), "api");
        assert_eq!(res.filetype, "remote");
        assert_eq!(res.kind, "main");
        let description = res.description.as_deref().unwrap();
        assert!(
            description.starts_with(
                "- *Identifiant*: station_id[text] Identifiant unique de la station\n"
            ),
            "{description}"
        );
        assert!(description.contains("- *Position*: geo_point_2d[geo_point_2d]\n"));
        assert_eq!(
            res.harvest.as_ref().unwrap().modified_at,
            Some(date(2024, 2, 12, 8, 15, 31, 42))
        );
    }
    // Alternative export.
    let alt = &r[4];
    assert_eq!(
        alt.url,
        format!("{PORTAL}/api/v2/catalog/datasets/stations-velos-libre-service/alternative_exports/gtfs_zip")
    );
    assert_eq!(alt.format.as_deref(), Some("zip"));
    assert_eq!(alt.mime.as_deref(), Some("application/zip"));
    assert_eq!(alt.description.as_deref(), Some("Export **GTFS** du 15/01"));
    assert_eq!(
        alt.extras.get_str("ods:type").unwrap(),
        "alternative_export"
    );
    // Attachment.
    let att = &r[5];
    assert_eq!(
        att.url,
        format!("{PORTAL}/api/v2/catalog/datasets/stations-velos-libre-service/attachments/notice_stations_pdf")
    );
    assert_eq!(att.format.as_deref(), Some("pdf"));
    assert_eq!(att.mime.as_deref(), Some("application/pdf"));
    assert_eq!(att.description, None);
    assert_eq!(att.extras.get_str("ods:type").unwrap(), "attachment");
    // Stable ids: derived from source, dataset and URL.
    let key = format!("{}/stations-velos-libre-service", src.id.to_hex());
    for res in r {
        assert_eq!(res.id, ids::resource_id(&key, &res.url));
        assert_eq!(
            res.urlhash.as_deref(),
            Some(ids::url_hash(&res.url).as_str())
        );
    }
}

#[test]
fn non_geo_dataset_and_license_fallback() {
    let src = source(PORTAL);
    let m = mapped(&dataset("budget-primitif-2023"), &src);
    let d = &m.dataset;
    assert_eq!(d.resources.len(), 2);
    assert!(!d.extras.get_bool("ods:geo").unwrap());
    assert_eq!(d.license.as_deref(), Some("lov2"));
    // A single keyword and a single theme string.
    assert_eq!(d.tags, vec!["budget", "finances"]);
    assert!(!d.extras.contains_key("ods:references"));

    // Attachments only: no data API resources, titles and formats from the file names.
    let m = mapped(&dataset("guide-des-donnees"), &src);
    let d = &m.dataset;
    assert!(!d.extras.get_bool("ods:has_records").unwrap());
    let r = &d.resources;
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].title, "Guide des données");
    assert_eq!(r[0].format.as_deref(), Some("odt"));
    assert_eq!(r[1].title, "tableau.xls");
    assert_eq!(r[1].format.as_deref(), Some("xls"));
    assert_eq!(r[1].mime, None);
    // An unknown license: LOv2, with a warning (the spec's "deviné sinon LOv2").
    assert_eq!(d.license.as_deref(), Some("lov2"));
    assert!(
        m.warnings
            .iter()
            .any(|w| w.contains("Licence propriétaire")),
        "{:?}",
        m.warnings
    );
}

#[test]
fn inspire_option_and_no_data() {
    let natura = dataset("sites-natura-2000");
    // Default: INSPIRE datasets are skipped.
    match map(&natura, &source(PORTAL)) {
        PackageMapping::Skipped(SkipReason::Filtered, why) => {
            assert!(why.contains("INSPIRE") && why.contains("inspire"), "{why}")
        }
        other => panic!("filtered expected, got {other:?}"),
    }
    // With the `inspire` option they are harvested.
    let mut src = source(PORTAL);
    src.config.features.insert("inspire".into(), true);
    let m = mapped(&natura, &src);
    // 60 000 records: no Shapefile export (it would be truncated).
    let formats: Vec<&str> = m
        .dataset
        .resources
        .iter()
        .filter_map(|r| r.format.as_deref())
        .collect();
    assert_eq!(formats, vec!["csv", "json", "geojson"]);
    assert_eq!(m.dataset.license.as_deref(), Some("fr-lo"));

    // No records, no attachment, no alternative export: skipped.
    match map(&dataset("jeu-en-preparation"), &source(PORTAL)) {
        PackageMapping::Skipped(SkipReason::NoResources, why) => {
            assert!(why.contains("jeu-en-preparation"), "{why}")
        }
        other => panic!("no resources expected, got {other:?}"),
    }
    // The v1 `interop_metas` flag is honoured too.
    let mut legacy = dataset("budget-primitif-2023");
    legacy["interop_metas"] = json!({"inspire": {"file_identifier": "abc"}});
    assert!(matches!(
        map(&legacy, &source(PORTAL)),
        PackageMapping::Skipped(SkipReason::Filtered, _)
    ));
    // A dataset without id is an error.
    let src = source(PORTAL);
    let err = map_dataset(
        &json!({"metas": {"default": {"title": "x"}}}),
        &map_context(&src),
    )
    .unwrap_err();
    assert!(err.to_string().contains("dataset_id"), "{err}");
}

#[test]
fn hash_ignores_links_only() {
    let ds = dataset("budget-primitif-2023");
    let mut linked = ds.clone();
    linked["links"] = json!([{"rel": "self", "href": "x"}]);
    assert_eq!(content_hash(&ds), content_hash(&linked));
    let mut changed = ds.clone();
    changed["metas"]["default"]["modified"] = json!("2023-02-01T00:00:00+00:00");
    assert_ne!(content_hash(&ds), content_hash(&changed));
}

// ---- gather and process against a local server ----

#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<QueryPairs>>>);

/// The query parameters of one request.
type QueryPairs = Vec<(String, String)>;

fn json_response(status: StatusCode, body: Value) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .body(Body::from(body.to_string()))
        .expect("response")
}

fn generated_page(total: usize, offset: usize, limit: usize) -> Value {
    let template = dataset("budget-primitif-2023");
    let results: Vec<Value> = (offset..total.min(offset + limit))
        .map(|i| {
            let mut d = template.clone();
            d["dataset_id"] = json!(format!("jeu-{i:05}"));
            d
        })
        .collect();
    json!({"total_count": total, "results": results})
}

async fn catalog(State(seen): State<Seen>, uri: Uri) -> Response {
    let params: Vec<(String, String)> =
        url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let get = |k: &str| {
        params
            .iter()
            .find(|(key, _)| key == k)
            .and_then(|(_, v)| v.parse::<usize>().ok())
    };
    let offset = get("offset").unwrap_or(0);
    let limit = get("limit").unwrap_or(10);
    let path = uri.path();
    let (prefix, rest) = path
        .split_once("/api/explore/v2.1/catalog/datasets")
        .unwrap_or((path, ""));
    if !rest.is_empty() {
        // One dataset.
        let id = rest.trim_start_matches('/');
        return match id {
            "budget-primitif-2023" => json_response(StatusCode::OK, dataset(id)),
            _ => json_response(
                StatusCode::NOT_FOUND,
                json!({"error_code": "DatasetNotFound", "message": "Unknown dataset"}),
            ),
        };
    }
    seen.0.lock().unwrap().push(params.clone());
    match prefix {
        "" => json_response(
            StatusCode::OK,
            match offset {
                0 => fixture("ods/catalog_page1.json"),
                3 => fixture("ods/catalog_page2.json"),
                _ => json!({"total_count": 5, "results": []}),
            },
        ),
        "/big" => json_response(StatusCode::OK, generated_page(237, offset, limit)),
        "/huge" => json_response(StatusCode::OK, generated_page(10_050, offset, limit)),
        "/unavailable" => Response::builder()
            .status(StatusCode::SERVICE_UNAVAILABLE)
            .body(Body::from("maintenance"))
            .expect("response"),
        "/notods" => Response::builder()
            .header(header::CONTENT_TYPE, "text/html")
            .body(Body::from("<html><body>Mon portail</body></html>"))
            .expect("response"),
        "/slow" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            json_response(StatusCode::OK, fixture("ods/catalog_page1.json"))
        }
        _ => json_response(StatusCode::NOT_FOUND, json!({})),
    }
}

async fn serve() -> (String, Seen) {
    let seen = Seen::default();
    let app = Router::new().fallback(catalog).with_state(seen.clone());
    (crate::kit::serve(app).await, seen)
}

async fn gather(
    src: &HarvestSource,
    f: &Fetcher,
    max_pages: usize,
) -> (Result<GatherReport, HarvestError>, Vec<RemoteItem>) {
    let (report, sink) = crate::kit::list(&OdsBackend, src, f, max_pages).await;
    (report, sink.items)
}

fn param<'a>(params: &'a [(String, String)], key: &str) -> Vec<&'a str> {
    params
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .collect()
}

#[tokio::test]
async fn gather_pages_the_catalog_with_facet_filters() {
    let (base, seen) = serve().await;
    let mut src = source(&format!("{base}/"));
    src.config.filters = vec![
        Filter {
            key: "tags".into(),
            value: json!("vélo"),
            kind: FilterKind::Include,
        },
        Filter {
            key: "publisher".into(),
            value: json!("Ville Exemple"),
            kind: FilterKind::Exclude,
        },
    ];
    let (report, items) = gather(&src, &fetcher(10), 100).await;
    let report = report.expect("gather");
    assert!(report.complete, "{report:?}");
    assert_eq!(report.pages, 2);
    let ids: Vec<&str> = items.iter().map(|i| i.remote_id.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            "stations-velos-libre-service",
            "budget-primitif-2023",
            "sites-natura-2000",
            "guide-des-donnees",
            "jeu-en-preparation"
        ]
    );
    assert_eq!(
        items[0].remote_url.as_deref(),
        Some(format!("{base}/explore/dataset/stations-velos-libre-service/").as_str())
    );
    // The whole dataset JSON is the payload.
    let Payload::Json(text) = &items[0].payload else {
        panic!("json payload expected");
    };
    let payload: Value = serde_json::from_str(text).unwrap();
    assert_eq!(payload, dataset("stations-velos-libre-service"));

    let requests = seen.0.lock().unwrap().clone();
    assert_eq!(requests.len(), 2);
    assert_eq!(param(&requests[0], "limit"), vec!["100"]);
    assert_eq!(param(&requests[0], "offset"), vec!["0"]);
    assert_eq!(param(&requests[1], "offset"), vec!["3"]);
    for r in &requests {
        assert_eq!(param(r, "refine"), vec!["keyword:vélo"]);
        assert_eq!(param(r, "exclude"), vec!["publisher:Ville Exemple"]);
    }
}

#[tokio::test]
async fn gather_limits() {
    let (base, seen) = serve().await;
    // 237 datasets: pages of 100, 100, 37.
    let (report, items) = gather(&source(&format!("{base}/big")), &fetcher(10), 100).await;
    let report = report.expect("gather");
    assert!(report.complete);
    assert_eq!(report.pages, 3);
    assert_eq!(items.len(), 237);
    let offsets: Vec<String> = seen
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|p| param(p, "offset").concat())
        .collect();
    assert_eq!(offsets, vec!["0", "100", "200"]);

    // The page limit.
    let (report, items) = gather(&source(&format!("{base}/big")), &fetcher(10), 2).await;
    match report {
        Err(HarvestError::Limit(msg)) => assert!(msg.contains("more than 2 pages"), "{msg}"),
        other => panic!("expected the page limit, got {other:?}"),
    }
    assert_eq!(items.len(), 200);

    // The API's 10 000-dataset window.
    let (report, items) = gather(&source(&format!("{base}/huge")), &fetcher(10), 1000).await;
    let report = report.expect("gather");
    assert!(!report.complete);
    assert_eq!(items.len(), 10_000);
    assert_eq!(report.pages, 100);
    assert!(
        report.notes.iter().any(|n| n.contains("10000")),
        "{:?}",
        report.notes
    );
}

#[tokio::test]
async fn gather_errors() {
    let (base, _) = serve().await;
    let (r, _) = gather(&source(&format!("{base}/unavailable")), &fetcher(10), 100).await;
    let err = r.expect_err("503");
    assert!(
        matches!(
            &err,
            HarvestError::Fetch(FetchError::Status { status: 503, .. })
        ),
        "{err:?}"
    );
    assert!(err.is_transient());
    assert!(
        err.to_string()
            .contains("/unavailable/api/explore/v2.1/catalog/datasets"),
        "{err}"
    );

    let (r, _) = gather(&source(&format!("{base}/notods")), &fetcher(10), 100).await;
    let err = r.expect_err("html");
    assert!(matches!(err, HarvestError::Parse { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("/notods/api/explore/v2.1/catalog/datasets?limit=100&offset=0"),
        "{err}"
    );

    let (r, _) = gather(&source(&format!("{base}/slow")), &fetcher(1), 100).await;
    let err = r.expect_err("timeout");
    assert!(
        matches!(&err, HarvestError::Fetch(FetchError::Timeout { .. })),
        "{err:?}"
    );
}

#[tokio::test]
async fn process_json_and_fetch_payloads() {
    let (base, _) = serve().await;
    let src = source(&base);
    let f = fetcher(10);
    let ctx: ItemContext = item_context(&src, &f);
    let ds = dataset("budget-primitif-2023");
    let json_outcome = OdsBackend
        .process(&ctx, "budget-primitif-2023", &Payload::Json(ds.to_string()))
        .await
        .expect("json");
    let fetch_outcome = OdsBackend
        .process(&ctx, "budget-primitif-2023", &Payload::Fetch)
        .await
        .expect("fetch");
    match (json_outcome, fetch_outcome) {
        (
            ItemOutcome::Mapped {
                mapped: a,
                content_hash: ha,
                validators: None,
            },
            ItemOutcome::Mapped {
                mapped: b,
                content_hash: hb,
                ..
            },
        ) => {
            assert_eq!(a, b);
            assert_eq!(ha, hb);
            assert_eq!(ha, content_hash(&ds));
            assert_eq!(
                a.dataset.resources[0].url,
                format!(
                    "{base}/api/explore/v2.1/catalog/datasets/budget-primitif-2023/exports/csv"
                )
            );
        }
        other => panic!("mapped expected: {other:?}"),
    }
    // Skips come back as outcomes with their reason.
    let out = OdsBackend
        .process(
            &ctx,
            "sites-natura-2000",
            &Payload::Json(dataset("sites-natura-2000").to_string()),
        )
        .await
        .expect("inspire");
    assert!(matches!(
        out,
        ItemOutcome::Skipped(SkipReason::Filtered, Some(_))
    ));
    // Unknown dataset: 404 naming the URL.
    let err = OdsBackend
        .process(&ctx, "nope", &Payload::Fetch)
        .await
        .expect_err("404");
    assert!(err.to_string().contains("/catalog/datasets/nope"), "{err}");
}

#[tokio::test]
async fn payload_keys() {
    // Items are keyed by dataset id; no two items share one.
    let (base, _) = serve().await;
    let (report, items) = gather(&source(&format!("{base}/big")), &fetcher(10), 100).await;
    report.expect("gather");
    let mut ids: HashMap<&str, usize> = HashMap::new();
    for i in &items {
        *ids.entry(i.remote_id.as_str()).or_default() += 1;
    }
    assert!(ids.values().all(|n| *n == 1));
}
