//! CKAN, DKAN and OpenDataSoft harvested end to end — gather, RabbitMQ, item workers, MongoDB,
//! finalize — from local servers answering the portals' APIs with the project's fixtures
//! (tests/fixtures/{ckan,dkan,ods}). The backends' own tests assert every row of the spec's
//! mapping tables; these check that the mapped values are what lands in the `dataset` collection,
//! and that skips, filters and the job report work across process boundaries.

use std::time::Duration;

use bson::{doc, Document};
use common::model::{Filter, FilterKind, JobStatus, SourceConfig};
use e2e::catalog_server::{start, ServerOptions};
use e2e::env::TestEnv;
use e2e::kit::ckan::FakeCkan;
use e2e::portals::{geonetwork_csw, ods_catalog};
use serde_json::json;

const T: Duration = Duration::from_secs(120);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ckan_portal_end_to_end() {
    let api = FakeCkan::from_fixtures(
        "ckan",
        &[
            "package_show_full.json",
            "package_show_quirks.json",
            "package_show_private.json",
            "package_show_deleted.json",
            "package_show_no_resources.json",
        ],
    )
    .searching_fixture("ckan/package_search.json");
    let server = start(ServerOptions::default(), 0, api.router())
        .await
        .unwrap();
    let mut env = TestEnv::new("ckan").await;
    env.start_worker();
    let source = env
        .source(&server.base(), "ckan", SourceConfig::default())
        .await;
    let job = env.harvest(&source, T).await;
    assert!(
        matches!(job.status, JobStatus::Done | JobStatus::DoneErrors),
        "{:?}",
        job.errors
    );
    let c = job.counters;
    assert_eq!((c.created, c.skipped), (2, 3), "{c:?}");
    assert_eq!(c.created + c.updated + c.skipped + c.failed, c.total);

    let d = env.dataset("8b2e4c6a-1f3d-4e5a-9b7c-0d1e2f3a4b5c").await;
    assert_eq!(
        d.get_str("title").unwrap(),
        "Stations de vélos en libre-service"
    );
    assert_eq!(d.get_str("license").unwrap(), "odc-odbl");
    assert_eq!(d.get_str("frequency").unwrap(), "daily");
    let tags: Vec<&str> = d
        .get_array("tags")
        .unwrap()
        .iter()
        .filter_map(|t| t.as_str())
        .collect();
    assert!(
        tags.contains(&"velo") && tags.contains(&"transport"),
        "{tags:?}"
    );
    let h = d.get_document("harvest").unwrap();
    assert_eq!(h.get_str("backend").unwrap(), "CKAN");
    assert_eq!(
        h.get_str("ckan_name").unwrap(),
        "stations-velos-libre-service"
    );
    // Spec table: remote_url is the package's `url` (kept in ckan_source when it is not a URL).
    assert_eq!(
        h.get_str("remote_url").unwrap(),
        "https://www.example.org/mobilite/velos"
    );
    assert!(h.get_datetime("created_at").is_ok() && h.get_datetime("modified_at").is_ok());
    assert_eq!(
        d.get_document("spatial")
            .unwrap()
            .get_document("geom")
            .unwrap()
            .get_str("type")
            .unwrap(),
        "MultiPolygon"
    );
    assert!(d
        .get_document("temporal_coverage")
        .unwrap()
        .get_datetime("start")
        .is_ok());
    let resources = d.get_array("resources").unwrap();
    assert_eq!(resources.len(), 3);
    assert!(resources.iter().all(|r| r
        .as_document()
        .unwrap()
        .get_str("url")
        .unwrap()
        .starts_with("http")));

    // Skips carry their reason in the report.
    let skipped = env
        .store
        .job_items(job.id, Some("skipped"), 0, 10)
        .await
        .unwrap();
    let reasons: Vec<_> = skipped.iter().map(|i| i.skip_reason).collect();
    use common::model::SkipReason::*;
    assert!(
        reasons.contains(&Some(NotPublic)) && reasons.contains(&Some(NoResources)),
        "{reasons:?}"
    );

    // Filters: the listing goes through package_search with the filters in `fq`.
    let filtered = env
        .source(
            &server.base(),
            "ckan",
            SourceConfig {
                filters: vec![
                    Filter {
                        key: "organization".into(),
                        value: json!("ville-exemple"),
                        kind: FilterKind::Include,
                    },
                    Filter {
                        key: "tags".into(),
                        value: json!("budget"),
                        kind: FilterKind::Exclude,
                    },
                ],
                ..Default::default()
            },
        )
        .await;
    let job = env.harvest(&filtered, T).await;
    assert_ne!(job.status, JobStatus::Failed, "{:?}", job.errors);
    let fq = api.seen().fq();
    assert!(
        fq.iter()
            .any(|f| f.contains("organization:ville-exemple") && f.contains("-tags:budget")),
        "{fq:?}"
    );
    env.stop_workers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dkan_portal_end_to_end() {
    let api = FakeCkan::from_fixtures("dkan", &["package_show_fr.json", "package_show_en.json"]);
    let server = start(ServerOptions::default(), 0, api.router())
        .await
        .unwrap();
    let mut env = TestEnv::new("dkan").await;
    env.start_worker();
    let source = env
        .source(&server.base(), "dkan", SourceConfig::default())
        .await;
    let job = env.harvest(&source, T).await;
    assert_eq!(job.status, JobStatus::Done, "{:?}", job.errors);
    assert_eq!(job.counters.created, 2, "{:?}", job.counters);
    let stored = env
        .store
        .raw("dataset")
        .count_documents(doc! { "harvest.backend": "DKAN" })
        .await
        .unwrap();
    assert_eq!(stored, 2);
    let d = env
        .store
        .raw("dataset")
        .find_one(doc! { "harvest.ckan_name": "city-budget-2016" })
        .await
        .unwrap()
        .unwrap();
    assert!(!d.get_str("title").unwrap().is_empty());
    assert!(!d.get_array("resources").unwrap().is_empty());
    env.stop_workers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn opendatasoft_portal_end_to_end() {
    let server = start(ServerOptions::default(), 0, ods_catalog())
        .await
        .unwrap();
    let mut env = TestEnv::new("ods").await;
    env.start_worker();
    let source = env
        .source(&server.base(), "ods", SourceConfig::default())
        .await;
    let job = env.harvest(&source, T).await;
    assert!(
        matches!(job.status, JobStatus::Done | JobStatus::DoneErrors),
        "{:?}",
        job.errors
    );
    assert_eq!(job.counters.total, 5);
    // The INSPIRE dataset is skipped by default, the one without data or attachments too.
    assert!(job.counters.skipped >= 1, "{:?}", job.counters);
    let d = env.dataset("stations-velos-libre-service").await;
    let h = d.get_document("harvest").unwrap();
    assert_eq!(h.get_str("backend").unwrap(), "OpenDataSoft");
    assert_eq!(
        h.get_str("remote_url").unwrap(),
        format!(
            "{}/explore/dataset/stations-velos-libre-service/",
            server.base()
        )
    );
    let formats: Vec<&str> = d
        .get_array("resources")
        .unwrap()
        .iter()
        .filter_map(|r| r.as_document().and_then(|r| r.get_str("format").ok()))
        .collect();
    assert!(
        formats.contains(&"csv") && formats.contains(&"json"),
        "{formats:?}"
    );
    assert!(d.get_document("extras").unwrap().contains_key("ods:url"));
    env.stop_workers().await;
}

fn resource_formats(d: &Document) -> Vec<String> {
    d.get_array("resources")
        .unwrap()
        .iter()
        .map(|r| {
            r.as_document()
                .and_then(|r| r.get_str("format").ok())
                .unwrap_or("")
                .to_owned()
        })
        .collect()
}

/// Real GeoNetwork exports (issue 19): every record is harvested or failed with its reason, the
/// job that lost one says so (`done-errors`), and no stored URL is invented from the endpoint.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn geonetwork_csw_end_to_end() {
    let server = start(ServerOptions::default(), 0, geonetwork_csw())
        .await
        .unwrap();
    let endpoint = format!("{}/dcat/srv/fre/csw", server.base());
    let mut env = TestEnv::new("csw").await;
    env.start_worker();

    // DCAT output: 5 records over 2 pages, one unreadable.
    let source = env.source(&endpoint, "dcat", SourceConfig::default()).await;
    let job = env.harvest(&source, T).await;
    assert_eq!(job.status, JobStatus::DoneErrors, "{:?}", job.errors);
    assert_eq!(job.counters.total, 5, "{:?}", job.counters);
    assert_eq!(job.counters.created, 4, "{:?}", job.counters);
    assert_eq!(job.counters.failed, 1, "{:?}", job.counters);
    let items = env.items(job.id).await;
    let broken = &items["https://geo.example.org/geonetwork/srv/resources/casse-4"];
    assert_eq!(broken.get_str("status").unwrap(), "failed");
    let reason = broken.get_array("errors").unwrap()[0]
        .as_document()
        .unwrap()
        .get_str("message")
        .unwrap()
        .to_owned();
    assert!(reason.contains("CSW record 4 cannot be read"), "{reason}");
    let notes = |id: &str| format!("{:?}", items[id].get_array("warnings").unwrap());
    assert!(
        notes("plu-1").contains("Pas de restriction"),
        "{}",
        notes("plu-1")
    );
    assert!(
        notes("bruit-2").contains("percent-encoded"),
        "{}",
        notes("bruit-2")
    );
    assert!(
        notes("haies-3").contains("fr-FR-x-!!"),
        "{}",
        notes("haies-3")
    );

    let plu = env.dataset("plu-1").await;
    assert_eq!(plu.get_str("title").unwrap(), "Plan local d'urbanisme");
    assert_eq!(
        plu.get_str("description").unwrap(),
        "Zonage du PLU.\nApprouvé en 2019.\nMis à jour en 2023."
    );
    let h = plu.get_document("harvest").unwrap();
    assert_eq!(
        h.get_str("remote_url").unwrap(),
        "https://geo.example.org/geonetwork/srv/fre/catalog.search#/metadata/plu-1"
    );
    assert_eq!(
        h.get_str("uri").unwrap(),
        "https://geo.example.org/geonetwork/srv/resources/plu-1"
    );
    assert_eq!(resource_formats(&plu), ["wfs"]);
    let bruit = env.dataset("bruit-2").await;
    assert_eq!(bruit.get_str("title").unwrap(), "Cartes de bruit");
    let h = bruit.get_document("harvest").unwrap();
    assert_eq!(
        h.get_str("uri").unwrap(),
        "https://geo.example.org/geonetwork/srv/resources/bruit%202"
    );
    assert_eq!(resource_formats(&bruit), ["wms"]);
    let haies = env.dataset("haies-3").await;
    assert_eq!(haies.get_str("title").unwrap(), "Linéaire de haies");
    assert_eq!(haies.get_str("description").unwrap(), "Inventaire bocager.");
    assert_eq!(resource_formats(&haies), ["csv"]);
    let ecoles = env.dataset("ecoles-5").await;
    assert_eq!(ecoles.get_str("title").unwrap(), "Écoles");
    assert_eq!(resource_formats(&ecoles), ["wmts"]);
    for d in [&plu, &bruit, &haies, &ecoles] {
        let h = d.get_document("harvest").unwrap();
        if let Ok(url) = h.get_str("remote_url") {
            assert!(!url.contains(&server.base()), "invented link {url}");
        }
    }

    // GeoDCAT-AP output: relative identifiers, 3 records over 2 pages.
    let mut config = SourceConfig::default();
    config.features.insert("geodcatap".into(), true);
    let geo_endpoint = format!("{}/geodcat/srv/fre/csw", server.base());
    let geo = env.source(&geo_endpoint, "dcat", config).await;
    let job = env.harvest(&geo, T).await;
    assert_eq!(job.status, JobStatus::Done, "{:?}", job.errors);
    assert_eq!(job.counters.total, 3, "{:?}", job.counters);
    assert_eq!(job.counters.created, 3, "{:?}", job.counters);
    let limites = env.dataset("0ac1d658-6c5e-4a51-9c4d-1f3b2f0b7a11").await;
    assert_eq!(limites.get_str("title").unwrap(), "Limites communales");
    let h = limites.get_document("harvest").unwrap();
    assert_eq!(
        h.get_str("uri").unwrap(),
        "0ac1d658-6c5e-4a51-9c4d-1f3b2f0b7a11"
    );
    assert!(
        !h.contains_key("remote_url") || h.get("remote_url") == Some(&bson::Bson::Null),
        "{h}"
    );
    assert_eq!(resource_formats(&limites), ["wfs"]);
    let budget = env.dataset("fr-200053742-2019-limite-bud").await;
    assert_eq!(budget.get_str("title").unwrap(), "Budget 2019");
    let h = budget.get_document("harvest").unwrap();
    assert_eq!(h.get_str("uri").unwrap(), "fr-200053742/2019/limite/bud");
    assert_eq!(
        h.get_str("remote_url").unwrap(),
        "https://www.example-agglo.fr/budget-2019"
    );
    assert_eq!(resource_formats(&budget), ["csv"]);
    let pistes = env.dataset("7f3e2a10-99b1-4c1e-8d7a-5e0c4b2a9f00").await;
    assert_eq!(pistes.get_str("title").unwrap(), "Pistes cyclables");
    let h = pistes.get_document("harvest").unwrap();
    assert_eq!(
        h.get_str("uri").unwrap(),
        "7f3e2a10-99b1-4c1e-8d7a-5e0c4b2a9f00"
    );
    assert!(
        !h.contains_key("remote_url") || h.get("remote_url") == Some(&bson::Bson::Null),
        "{h}"
    );
    assert_eq!(resource_formats(&pistes), ["geojson"]);
    env.stop_workers().await;
}
