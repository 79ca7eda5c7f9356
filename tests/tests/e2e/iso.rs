//! CSW ISO 19139 catalogues harvested end to end — gather (GetRecords POSTed, paged by
//! `startPosition`), RabbitMQ, item workers, MongoDB, finalize — from a local CSW stub answering
//! with the real records of tests/fixtures/csw-iso. The backend's own tests assert the mapping
//! value by value; these check what lands in the `dataset` collection, that records without
//! title or identifier end as failed items with their reason, and that a second run skips the
//! unchanged records.

use std::time::Duration;

use bson::Document;
use common::model::{JobStatus, SourceConfig};
use e2e::catalog_server::{start, ServerOptions};
use e2e::env::TestEnv;
use e2e::portals::iso_csw;

const T: Duration = Duration::from_secs(120);
const GEO_IDE: &str =
    "http://catalogue.geo-ide.developpement-durable.gouv.fr/fr-120066022-orphan-residentifier-";

fn strings(d: &Document, key: &str, field: &str) -> Vec<String> {
    d.get_array(key)
        .unwrap()
        .iter()
        .filter_map(|r| r.as_document()?.get_str(field).ok().map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn csw_iso_19139_end_to_end() {
    let server = start(ServerOptions::default(), 0, iso_csw()).await.unwrap();
    let endpoint = |name: &str| format!("{}/{name}/srv/fre/csw", server.base());
    let mut env = TestEnv::new("iso").await;
    env.start_worker();

    // Geo2France's GeoNetwork: 6 records over 3 pages.
    let geonetwork = env
        .source(&endpoint("iso"), "csw-iso-19139", SourceConfig::default())
        .await;
    let job = env.harvest(&geonetwork, T).await;
    assert_eq!(job.status, JobStatus::Done, "{:?}", job.errors);
    assert_eq!(
        (job.counters.total, job.counters.created),
        (6, 6),
        "{:?}",
        job.counters
    );
    let d = env
        .dataset(&format!("{GEO_IDE}140d31c6-643d-42a9-85df-2737a118e144"))
        .await;
    assert_eq!(
        d.get_str("title").unwrap(),
        "Plan local d'urbanisme de la commune de Cartigny"
    );
    let h = d.get_document("harvest").unwrap();
    assert_eq!(h.get_str("backend").unwrap(), "CSW-ISO-19139");
    assert_eq!(h.get_str("source_url").unwrap(), endpoint("iso"));
    assert_eq!(strings(&d, "resources", "format"), ["mapinfo tab"]);
    assert_eq!(
        strings(&d, "resources", "title"),
        ["Téléchargement direct du lot et des documents associés"]
    );
    let geom = d
        .get_document("spatial")
        .unwrap()
        .get_document("geom")
        .unwrap();
    assert_eq!(geom.get_str("type").unwrap(), "MultiPolygon");
    let tags: Vec<&str> = d
        .get_array("tags")
        .unwrap()
        .iter()
        .filter_map(|t| t.as_str())
        .collect();
    assert!(
        tags.contains(&"inspire") && tags.contains(&"plu"),
        "{tags:?}"
    );

    // A second run: every record unchanged, nothing rewritten.
    let again = env.harvest(&geonetwork, T).await;
    assert_eq!(again.status, JobStatus::Done, "{:?}", again.errors);
    assert_eq!(
        (
            again.counters.created,
            again.counters.updated,
            again.counters.skipped
        ),
        (0, 0, 6),
        "{:?}",
        again.counters
    );

    // The Géoplateforme's series: 70 OGC service distributions.
    let rpg = env
        .source(
            &endpoint("iso-geoplateforme"),
            "csw-iso-19139",
            SourceConfig::default(),
        )
        .await;
    let job = env.harvest(&rpg, T).await;
    assert_eq!(job.status, JobStatus::Done, "{:?}", job.errors);
    let d = env.dataset("IGNF_RPG").await;
    assert_eq!(d.get_str("title").unwrap(), "RPG");
    assert_eq!(d.get_array("resources").unwrap().len(), 70);
    assert_eq!(d.get_str("frequency").unwrap(), "annual");

    // Only a bounding box and free-text constraints: the file identifier is the remote id.
    let locality = env
        .source(
            &endpoint("iso-locality"),
            "csw-iso-19139",
            SourceConfig::default(),
        )
        .await;
    let job = env.harvest(&locality, T).await;
    assert_eq!(job.status, JobStatus::Done, "{:?}", job.errors);
    let d = env.dataset("388fab80-4f71-11db-8a85-000f207026fd").await;
    assert!(d.get_array("resources").unwrap().is_empty());
    let rights = d
        .get_document("extras")
        .unwrap()
        .get_document("dcat")
        .unwrap()
        .get_array("rights")
        .unwrap();
    assert!(
        rights[0]
            .as_str()
            .unwrap()
            .starts_with("The data is available under licence"),
        "{rights:?}"
    );

    // Records without title or identifier: failed items with their reason; the service record
    // is not a dataset.
    let failures = env
        .source(
            &endpoint("iso-failures"),
            "csw-iso-19139",
            SourceConfig::default(),
        )
        .await;
    let job = env.harvest(&failures, T).await;
    assert_eq!(job.status, JobStatus::DoneErrors, "{:?}", job.errors);
    assert_eq!(
        (
            job.counters.total,
            job.counters.created,
            job.counters.failed
        ),
        (3, 1, 2),
        "{:?}",
        job.counters
    );
    let items = env.items(job.id).await;
    let reason = |id: &str| {
        items[id].get_array("errors").unwrap()[0]
            .as_document()
            .unwrap()
            .get_str("message")
            .unwrap()
            .to_owned()
    };
    assert!(
        reason("sans-titre-2").contains("record sans-titre-2 has no title"),
        "{}",
        reason("sans-titre-2")
    );
    let no_id = items
        .keys()
        .find(|k| k.starts_with("unreadable dataset"))
        .expect("the record without identifier");
    assert!(
        reason(no_id).contains("\"Sans identifiant\" has no identifier"),
        "{}",
        reason(no_id)
    );
    assert_eq!(
        env.dataset("arrets-bus").await.get_str("title").unwrap(),
        "Arrêts de bus"
    );
    env.stop_workers().await;
}
