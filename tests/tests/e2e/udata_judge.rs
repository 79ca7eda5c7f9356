//! udata is the judge: the fixture catalogs of every backend are harvested end to end (RabbitMQ,
//! workers, MongoDB), then udata 17.18 (pinned, in a cached virtualenv) loads every document of
//! every collection it owns through its own models, validates it and fetches it through its REST
//! API. Every one must load, validate and answer 200. A database written by the previous schema
//! is migrated at start-up and judged the same way.

use std::time::Duration;

use bson::{doc, Bson, Document};
use common::model::{JobStatus, SourceConfig};
use common::storage::{Store, ITEMS, JOBS, RECORDS, SOURCE_STATE, UDATA_JOBS};
use e2e::catalog_server::{start, ServerOptions};
use e2e::catalogs::{datasets, MutableCatalog, TestDataset};
use e2e::env::{eventually, TestEnv};
use e2e::kit::ckan::FakeCkan;
use e2e::kit::{fixture_text, fixtures_dir};
use e2e::portals::{csw, geonetwork_csw, iso_csw, ods_catalog, paged_catalog};
use e2e::udata::{assert_udata_reads, REQUIRED};
use futures::TryStreamExt;

const T: Duration = Duration::from_secs(120);

/// The DCAT fixture files harvested as catalogs of their own (every syntax, Hydra paging, the
/// mapping edge cases, sloppy real-world shapes).
const DCAT_FILES: &[&str] = &[
    "syntax.ttl",
    "syntax.rdf",
    "syntax.jsonld",
    "syntax.nt",
    "syntax.n3",
    "syntax.trig",
    "full.ttl",
    "spatial.ttl",
    "temporal.ttl",
    "series.ttl",
    "bnodes.ttl",
    "catalog-by-uri.rdf",
    "sloppy.ttl",
    "sloppy.rdf",
];

/// Hydra-paged catalogs (three pages each): (route, fixture prefix, suffix).
const HYDRA: &[(&str, &str, &str)] = &[
    ("/hydra-new.ttl", "dcat/hydra-new-", ".ttl"),
    ("/hydra-legacy.jsonld", "dcat/hydra-legacy-", ".jsonld"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn udata_reads_everything_every_backend_writes() {
    let files = start(
        ServerOptions {
            root: Some(fixtures_dir().join("dcat")),
            ..Default::default()
        },
        0,
        HYDRA.iter().fold(
            csw(
                "/geonetwork/srv/fre/csw",
                &[("1", "dcat/csw-page-1.xml"), ("3", "dcat/csw-page-2.xml")],
            )
            // Real GeoNetwork exports: DCAT and GeoDCAT-AP output, paged.
            .merge(geonetwork_csw())
            // ISO 19139 records (csw-iso-19139): GeoNetwork, Géo-IDE, the Géoplateforme.
            .merge(iso_csw()),
            |routes, (path, prefix, suffix)| routes.merge(paged_catalog(path, prefix, suffix)),
        ),
    )
    .await
    .unwrap();
    let ckan_shows = [
        "package_show_full.json",
        "package_show_quirks.json",
        "package_show_no_resources.json",
        "package_show_private.json",
        "package_show_deleted.json",
    ];
    let ckan = start(
        ServerOptions::default(),
        0,
        FakeCkan::from_fixtures("ckan", &ckan_shows)
            .searching_fixture("ckan/package_search.json")
            .router(),
    )
    .await
    .unwrap();
    // Listed by package_list: a duplicate name and an empty one become failed items.
    let ckan_list = start(
        ServerOptions::default(),
        0,
        FakeCkan::from_fixtures("ckan", &ckan_shows).router(),
    )
    .await
    .unwrap();
    let dkan = start(
        ServerOptions::default(),
        0,
        FakeCkan::from_fixtures("dkan", &["package_show_en.json", "package_show_fr.json"]).router(),
    )
    .await
    .unwrap();
    let ods = start(ServerOptions::default(), 0, ods_catalog())
        .await
        .unwrap();
    // A catalog that shrinks between two runs: its vanished dataset is archived. It also lists
    // one remote id twice: a failed item ("duplicate remote id").
    let with_duplicate = |n: usize| {
        let mut list = datasets("judge", n);
        list.push(
            TestDataset::new("judge-0", "The same remote id again")
                .at("https://remote.example.org/dataset/judge-0-again"),
        );
        list
    };
    let shrinking = MutableCatalog::new(with_duplicate(4), 10);
    let shrinking_server = start(
        ServerOptions::default(),
        0,
        shrinking.routes("/catalog.ttl"),
    )
    .await
    .unwrap();

    let mut env = TestEnv::new("judge").await;
    env.settings.harvest.archive_grace_days = 0;
    env.settings.harvest.archive_max_share = 1.0;
    env.start_worker();

    let mut sources = vec![];
    for file in DCAT_FILES {
        sources.push((
            env.source(&files.url(file), "dcat", SourceConfig::default())
                .await,
            *file,
        ));
    }
    for (path, ..) in HYDRA {
        sources.push((
            env.source(&files.url(path), "dcat", SourceConfig::default())
                .await,
            *path,
        ));
    }
    sources.push((
        env.source(
            &files.url("/geonetwork/srv/fre/csw"),
            "dcat",
            SourceConfig::default(),
        )
        .await,
        "csw",
    ));
    for path in ["/dcat/srv/fre/csw", "/geodcat/srv/fre/csw"] {
        sources.push((
            env.source(&files.url(path), "dcat", SourceConfig::default())
                .await,
            path,
        ));
    }
    for name in [
        "iso",
        "iso-geoide",
        "iso-geoplateforme",
        "iso-locality",
        "iso-failures",
    ] {
        let url = files.url(&format!("/{name}/srv/fre/csw"));
        sources.push((
            env.source(&url, "csw-iso-19139", SourceConfig::default())
                .await,
            name,
        ));
    }
    sources.push((
        env.source(&ckan.base(), "ckan", SourceConfig::default())
            .await,
        "ckan",
    ));
    sources.push((
        env.source(&ckan_list.base(), "ckan", SourceConfig::default())
            .await,
        "ckan-list",
    ));
    sources.push((
        env.source(&dkan.base(), "dkan", SourceConfig::default())
            .await,
        "dkan",
    ));
    sources.push((
        env.source(&ods.base(), "ods", SourceConfig::default())
            .await,
        "ods",
    ));
    // A remote that is gone: a failed job, which udata must read too.
    sources.push((
        env.source(&files.url("missing.ttl"), "dcat", SourceConfig::default())
            .await,
        "missing",
    ));
    let shrink = env
        .source(
            &shrinking_server.url("/catalog.ttl"),
            "dcat",
            SourceConfig::default(),
        )
        .await;
    sources.push((shrink.clone(), "shrinking"));

    for (source, label) in &sources {
        let job = env.harvest(source, T).await;
        assert!(job.status.is_final(), "{label}: {:?}", job.status);
        if *label == "missing" {
            assert_eq!(job.status, JobStatus::Failed, "{label}");
        } else {
            assert!(
                job.counters.done > 0,
                "{label}: {:?} {:?}",
                job.counters,
                job.errors
            );
        }
    }
    shrinking.set(with_duplicate(3));
    let job = env.harvest(&shrink, T).await;
    assert_eq!(job.counters.archived, 1, "{:?}", job);

    // udata's documents carry udata's schema; the harvester's state is in its own collections.
    // udata's view of a job is written just after the job turns final: wait until every view
    // has left `processing` (as lifecycle.rs does for one job).
    let udata_jobs: Vec<Document> = eventually("udata's view of every job is final", || async {
        let views: Vec<Document> = env
            .store
            .raw(UDATA_JOBS)
            .find(doc! {})
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        let settled = views.len() == sources.len() + 1
            && views
                .iter()
                .all(|v| v.get_str("status") != Ok("processing"));
        settled.then_some(views)
    })
    .await;
    assert_eq!(udata_jobs.len(), sources.len() + 1);
    for j in &udata_jobs {
        assert!(
            !j.contains_key("counters") && !j.contains_key("next_seq"),
            "{j}"
        );
        let status = j.get_str("status").unwrap();
        assert!(
            ["done", "done-errors", "failed"].contains(&status),
            "{status}"
        );
    }
    let failed_job = udata_jobs
        .iter()
        .find(|j| j.get_str("status") == Ok("done-errors"))
        .expect("a job with a failed item (the duplicate remote id)");
    let items = failed_job.get_array("items").unwrap();
    assert!(!items.is_empty());
    assert!(
        items.iter().filter_map(Bson::as_document).any(|i| {
            i.get_str("status") == Ok("failed") && !i.get_array("errors").unwrap().is_empty()
        }),
        "{failed_job}"
    );
    for s in env
        .store
        .raw(common::storage::SOURCES)
        .find(doc! {})
        .await
        .unwrap()
        .try_collect::<Vec<Document>>()
        .await
        .unwrap()
    {
        assert!(!s.contains_key("periodic_task"), "{s}");
        assert!(
            !s.contains_key("running_job") && !s.contains_key("runs"),
            "{s}"
        );
        assert_eq!(s.get_str("frequency").unwrap(), "manual");
    }
    assert_eq!(
        env.store
            .raw(SOURCE_STATE)
            .count_documents(doc! {})
            .await
            .unwrap(),
        sources.len() as u64
    );
    let archived = env
        .store
        .raw(common::storage::DATASETS)
        .find_one(doc! { "archived": { "$ne": null } })
        .await
        .unwrap()
        .expect("an archived dataset");
    assert_eq!(
        archived
            .get_document("harvest")
            .unwrap()
            .get_str("archived_reason")
            .unwrap(),
        "not-on-remote"
    );

    let verdict = assert_udata_reads(&env, REQUIRED);
    let (datasets_n, ..) = verdict.counts("dataset");
    assert!(datasets_n >= 30, "only {datasets_n} datasets judged");
    env.stop_workers().await;
}

/// Insert every collection of `tests/fixtures/migration/schema1.json` (a database the previous
/// version wrote: a harvested demo catalog, a failed source, an archived dataset).
async fn load_schema1(store: &Store) {
    let text = fixture_text("migration/schema1.json");
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    for (collection, docs) in json.as_object().unwrap() {
        let docs: Vec<Document> = docs
            .as_array()
            .unwrap()
            .iter()
            .map(|d| match Bson::try_from(d.clone()).unwrap() {
                Bson::Document(d) => d,
                other => panic!("not a document: {other}"),
            })
            .collect();
        if !docs.is_empty() {
            // The test environment seeded the license list already.
            store.raw(collection).drop().await.unwrap();
            store.raw(collection).insert_many(docs).await.unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_schema1_database_is_migrated_losing_nothing() {
    // TestEnv::new migrates its (empty) database: load the old one after, migrate again.
    let mut env = TestEnv::new("migrate").await;
    env.store.raw(common::storage::META).drop().await.unwrap();
    load_schema1(&env.store).await;

    let report = env.store.migrate().await.unwrap();
    // harvest_page was empty in that database (no page validators on the demo server).
    assert_eq!(report.renamed.len(), 2, "{report:?}");
    assert_eq!(report.jobs, 3, "{report:?}");
    assert_eq!(report.sources, 2, "{report:?}");
    assert!(report.datasets >= 1, "{report:?}");
    // Idempotent: a second start finds nothing to do.
    env.store.raw(common::storage::META).drop().await.unwrap();
    let again = env.store.migrate().await.unwrap();
    assert_eq!(
        (again.jobs, again.sources, again.renamed.len()),
        (0, 0, 0),
        "{again:?}"
    );
    env.store.ensure_indexes().await.unwrap();

    // Nothing lost: items, records, job counters, schedules and run counts moved.
    let n = |c: &'static str| {
        let store = env.store.clone();
        async move { store.raw(c).count_documents(doc! {}).await.unwrap() }
    };
    assert_eq!(n(ITEMS).await, 100);
    assert_eq!(n(RECORDS).await, 50);
    assert_eq!(n(JOBS).await, 3);
    assert_eq!(n("harvest_item").await, 0);
    let sources = env.store.list_sources(true).await.unwrap();
    let demo = sources
        .iter()
        .find(|s| s.name == "Ville d'Exemple")
        .expect("demo source");
    assert_eq!(demo.schedule.as_deref(), Some("0 3 * * *"));
    assert_eq!(demo.runs, 2);
    assert!(demo.running_job.is_none());
    let jobs = env.store.jobs_of_source(demo.id, 10).await.unwrap();
    assert_eq!(jobs.len(), 2);
    assert_eq!(
        jobs.iter().map(|j| j.counters.created).sum::<i64>(),
        50,
        "{jobs:?}"
    );

    // The migrated database harvests on: an unchanged re-run skips all 50 by their records.
    let server = start(
        ServerOptions {
            root: Some(std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../deploy/demo")),
            ..Default::default()
        },
        0,
        axum::Router::new(),
    )
    .await
    .unwrap();
    // The old source pointed at another port: point it at this server.
    let mut source = demo.clone();
    source.url = server.url("catalog.ttl");
    env.store.replace_source(&source).await.unwrap();
    env.settings.http.allow_private = true;
    env.start_worker();
    let job = env.harvest(&source, T).await;
    assert_eq!(job.status, JobStatus::Done, "{:?}", job.errors);
    assert_eq!(job.counters.total, 50);
    assert_eq!(job.counters.created, 0, "{:?}", job.counters);

    assert_udata_reads(&env, REQUIRED);
    env.stop_workers().await;
}
