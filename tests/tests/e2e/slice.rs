//! The first vertical slice, end to end on the real services: a paged DCAT catalog served over
//! HTTP is gathered, its items processed by two workers through RabbitMQ, written to MongoDB, and
//! the job finalized exactly once; re-running updates the same datasets, never duplicates them.

use std::path::PathBuf;
use std::time::Duration;

use bson::doc;
use common::model::{JobStatus, SourceConfig};
use e2e::catalog_server::{start, ServerOptions};
use e2e::env::{eventually, TestEnv};

fn demo_catalog() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../deploy/demo")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn harvest_demo_catalog_twice_without_duplicates() {
    let server = start(
        ServerOptions {
            root: Some(demo_catalog()),
            ..Default::default()
        },
        0,
        axum::Router::new(),
    )
    .await
    .unwrap();
    let mut env = TestEnv::new("slice").await;
    env.start_worker();
    env.start_worker();
    let source = env
        .source(&server.url("catalog.ttl"), "dcat", SourceConfig::default())
        .await;

    let first = env.harvest(&source, Duration::from_secs(120)).await;
    assert_eq!(first.status, JobStatus::Done, "errors: {:?}", first.errors);
    assert_eq!(first.counters.total, 50);
    assert_eq!(first.counters.created, 50);
    assert_eq!(first.counters.failed, 0);
    assert!(first.ended.is_some() && first.started.is_some());
    let datasets = env.store.raw("dataset");
    assert_eq!(datasets.count_documents(doc! {}).await.unwrap(), 50);

    // One dataset, field by field, as udata stores it.
    let d = datasets
        .find_one(doc! { "harvest.remote_id": "ville-exemple-000" })
        .await
        .unwrap()
        .expect("dataset 000");
    assert_eq!(d.get_str("title").unwrap(), "Stationnements vélos 2020");
    let h = d.get_document("harvest").unwrap();
    assert_eq!(h.get_str("backend").unwrap(), "DCAT");
    assert_eq!(h.get_str("source_url").unwrap(), source.url);
    assert_eq!(h.get_str("source_id").unwrap(), source.id.to_hex());
    assert_eq!(h.get_str("domain").unwrap(), "127.0.0.1");
    assert_eq!(
        h.get_str("uri").unwrap(),
        "https://data.ville-exemple.fr/dataset/jeu-000"
    );
    assert_eq!(
        h.get_str("remote_url").unwrap(),
        "https://www.ville-exemple.fr/donnees/jeu-000"
    );
    let resources = d.get_array("resources").unwrap();
    assert_eq!(resources.len(), 1);
    let r = resources[0].as_document().unwrap();
    assert_eq!(
        r.get_str("url").unwrap(),
        "https://data.ville-exemple.fr/files/jeu-000.csv"
    );
    assert_eq!(r.get_str("format").unwrap(), "csv");
    assert!(d
        .get_str("description")
        .unwrap()
        .contains("**stationnements vélos**"));
    let items = env.store.raw(common::storage::ITEMS);
    assert_eq!(
        items
            .count_documents(doc! { "job": first.id, "status": "done" })
            .await
            .unwrap(),
        50
    );

    // Second run: the same remote content is recognised, nothing rewritten, nothing duplicated.
    let second = env.harvest(&source, Duration::from_secs(120)).await;
    assert_eq!(second.status, JobStatus::Done);
    assert_eq!(second.counters.created, 0);
    assert_eq!(second.counters.skipped, 50, "{:?}", second.counters);
    assert_eq!(datasets.count_documents(doc! {}).await.unwrap(), 50);
    // Settled by gather from the listed content hash: skipped as unchanged, linked to the
    // stored dataset, never published to an item worker (no start time).
    let items = env.store.raw(common::storage::ITEMS);
    let unchanged = doc! { "job": second.id, "status": "skipped", "skip_reason": "unchanged", "dataset": { "$ne": null }, "started": null };
    assert_eq!(items.count_documents(unchanged).await.unwrap(), 50);

    // Forced run: every dataset updated in place.
    let job = env.run(&source, true).await;
    let third = env.wait_job(job.id, Duration::from_secs(120)).await;
    assert_eq!(third.status, JobStatus::Done);
    assert_eq!((third.counters.created, third.counters.updated), (0, 50));
    assert_eq!(datasets.count_documents(doc! {}).await.unwrap(), 50);
    let d2 = datasets
        .find_one(doc! { "harvest.remote_id": "ville-exemple-000" })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        d2.get_object_id("_id").unwrap(),
        d.get_object_id("_id").unwrap()
    );
    // The source's run lock is released after each job (just after it turns final).
    eventually("the source's run lock is released", || async {
        let src = env.store.get_source(source.id).await.unwrap();
        src.running_job.is_none().then_some(())
    })
    .await;
    env.stop_workers().await;
}
