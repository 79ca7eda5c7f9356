//! Job lifecycle end to end on the real services: archiving of vanished datasets (grace period,
//! safety threshold, never after a partial listing), un-archiving, exactly-once finalization under
//! concurrent finalizers, and the one-running-job-per-source lock.

use std::time::Duration;

use axum::response::IntoResponse;
use bson::doc;
use common::model::{HarvestJob, JobStatus, JobTrigger, SourceConfig};
use e2e::catalog_server::{start, ServerOptions};
use e2e::catalogs::{datasets, MutableCatalog, TestDataset};
use e2e::env::{eventually, TestEnv};

const T: Duration = Duration::from_secs(120);

async fn served(catalog: &MutableCatalog) -> e2e::catalog_server::CatalogServer {
    start(ServerOptions::default(), 0, catalog.routes("/catalog"))
        .await
        .unwrap()
}

async fn archived_ids(env: &TestEnv) -> Vec<String> {
    use futures::TryStreamExt;
    let docs: Vec<bson::Document> = env
        .store
        .raw("dataset")
        .find(doc! { "archived": { "$ne": null } })
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let mut ids: Vec<String> = docs
        .iter()
        .map(|d| {
            d.get_document("harvest")
                .unwrap()
                .get_str("remote_id")
                .unwrap()
                .to_owned()
        })
        .collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn vanished_datasets_are_archived_after_the_grace_period_and_come_back() {
    let catalog = MutableCatalog::new(datasets("arc", 10), 4);
    let server = served(&catalog).await;
    let mut env = TestEnv::new("archive").await;
    env.start_worker();
    let source = env
        .source(&server.url("/catalog"), "dcat", SourceConfig::default())
        .await;
    let first = env.harvest(&source, T).await;
    assert_eq!(first.counters.created, 10);

    // arc-9 disappears from the remote: within the grace period it is kept as it is.
    catalog.set(datasets("arc", 9));
    let second = env.harvest(&source, T).await;
    assert_eq!(second.status, JobStatus::Done);
    assert_eq!(second.counters.archived, 0);
    assert!(archived_ids(&env).await.is_empty());

    // Eight days later it is still missing: archived, with udata's fields and reason.
    env.age_records(&["arc-9"], 8).await;
    let third = env.harvest(&source, T).await;
    assert_eq!(third.counters.archived, 1, "{:?}", third.data);
    assert_eq!(archived_ids(&env).await, vec!["arc-9".to_owned()]);
    let d = env
        .store
        .raw("dataset")
        .find_one(doc! { "harvest.remote_id": "arc-9" })
        .await
        .unwrap()
        .unwrap();
    let h = d.get_document("harvest").unwrap();
    assert_eq!(h.get_str("archived_reason").unwrap(), "not-on-remote");
    assert!(h.get_datetime("archived_at").is_ok());

    // It comes back on the remote, unchanged: un-archived (and written, not skipped).
    catalog.set(datasets("arc", 10));
    let fourth = env.harvest(&source, T).await;
    assert_eq!(fourth.status, JobStatus::Done);
    assert!(archived_ids(&env).await.is_empty());
    assert_eq!(fourth.counters.updated, 1, "{:?}", fourth.counters);
    assert_eq!(fourth.counters.skipped, 9);
    let d = env
        .store
        .raw("dataset")
        .find_one(doc! { "harvest.remote_id": "arc-9" })
        .await
        .unwrap()
        .unwrap();
    assert!(d.get_document("harvest").unwrap().get("archived").is_none());
    assert_eq!(
        env.store
            .raw("dataset")
            .count_documents(doc! {})
            .await
            .unwrap(),
        10
    );
    env.stop_workers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_remote_glitch_never_archives_the_catalog() {
    let catalog = MutableCatalog::new(datasets("gl", 8), 100);
    let server = served(&catalog).await;
    let mut env = TestEnv::new("glitch").await;
    env.settings.harvest.archive_grace_days = 0;
    env.start_worker();
    let source = env
        .source(&server.url("/catalog"), "dcat", SourceConfig::default())
        .await;
    env.harvest(&source, T).await;

    // The remote suddenly lists 2 of 8 datasets (75 % vanished, above the 50 % threshold).
    catalog.set(datasets("gl", 2));
    let job = env.harvest(&source, T).await;
    assert_eq!(job.counters.archived, 0);
    let archive = job.data.get_document("archive").unwrap();
    let refused = archive.get_str("refused").unwrap();
    assert!(
        refused.contains("6 of 8") && refused.contains("nothing archived"),
        "{refused}"
    );
    assert!(archived_ids(&env).await.is_empty());

    // An empty (but successful) listing archives nothing either.
    catalog.set(vec![]);
    let job = env.harvest(&source, T).await;
    assert_eq!(job.counters.archived, 0);
    assert!(archived_ids(&env).await.is_empty());

    // A reasonable change (1 of 8 gone) is archived at once with a zero grace period.
    catalog.set(datasets("gl", 7));
    let job = env.harvest(&source, T).await;
    assert_eq!(job.counters.archived, 1);
    assert_eq!(archived_ids(&env).await, vec!["gl-7".to_owned()]);
    env.stop_workers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_partial_listing_never_archives() {
    let catalog = MutableCatalog::new(datasets("part", 6), 2);
    let server = served(&catalog).await;
    let mut env = TestEnv::new("partial").await;
    env.settings.harvest.archive_grace_days = 0;
    env.settings.harvest.max_items = 3;
    env.start_worker();
    let source = env
        .source(&server.url("/catalog"), "dcat", SourceConfig::default())
        .await;
    let job = env.harvest(&source, T).await;
    assert_eq!(job.counters.total, 3);
    assert!(!job.listing_complete);
    assert_eq!(job.counters.archived, 0);
    let notes = job.data.get_array("gather_notes").unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n.as_str().unwrap_or("").contains("max_items")),
        "{notes:?}"
    );
    assert!(job
        .data
        .get_document("archive")
        .unwrap()
        .get_str("skipped")
        .unwrap()
        .contains("incomplete"));
    env.stop_workers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn finalization_happens_once_with_concurrent_workers_and_messages() {
    let catalog = MutableCatalog::new(datasets("fin", 300), 50);
    let server = served(&catalog).await;
    let mut env = TestEnv::new("final").await;
    for _ in 0..4 {
        env.start_worker();
    }
    let source = env
        .source(&server.url("/catalog"), "dcat", SourceConfig::default())
        .await;
    let job = env.harvest(&source, T).await;
    assert_eq!(job.status, JobStatus::Done);
    assert_eq!(
        (job.counters.total, job.counters.done, job.counters.created),
        (300, 300, 300)
    );

    // Late duplicate finalize requests, from the queue and from direct calls at the same moment.
    let ctx = worker::steps::context(
        env.settings.clone(),
        Default::default(),
        &common::shutdown::channel().1,
    )
    .await
    .unwrap();
    let mut calls = Vec::new();
    for _ in 0..8 {
        let task_ctx = ctx.clone();
        calls.push(tokio::spawn(async move {
            worker::steps::finalize(&task_ctx, job.id).await
        }));
        worker::steps::request_finalize(&ctx, job.id).await.unwrap();
    }
    for c in calls {
        c.await.unwrap().unwrap();
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = env.store.get_job(job.id).await.unwrap();
    assert_eq!(after.ended, job.ended, "finalized again");
    assert_eq!(after.counters, job.counters);
    assert_eq!(after.status, JobStatus::Done);
    assert_eq!(
        env.store
            .raw("dataset")
            .count_documents(doc! {})
            .await
            .unwrap(),
        300
    );
    let items = env.store.raw(common::storage::ITEMS);
    assert_eq!(
        items.count_documents(doc! { "job": job.id }).await.unwrap(),
        300
    );
    assert_eq!(
        items
            .count_documents(doc! { "job": job.id, "payload": { "$exists": true } })
            .await
            .unwrap(),
        0
    );
    env.stop_workers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_running_job_per_source() {
    let env = TestEnv::new("lock").await;
    let source = env
        .source(
            "https://remote.example.org/catalog",
            "dcat",
            SourceConfig::default(),
        )
        .await;
    let first = HarvestJob::new(source.id, JobTrigger::Manual, false);
    env.store.create_job(&first).await.unwrap();
    let second = HarvestJob::new(source.id, JobTrigger::Cron, false);
    let err = env.store.create_job(&second).await.unwrap_err();
    assert!(matches!(err, common::Error::Conflict(_)), "{err}");
    assert!(err.to_string().contains(&first.id.to_hex()));
    // A lock left by a job that ended (crash between finalize and unlock) does not block forever.
    env.store
        .jobs()
        .update_one(
            doc! { "_id": first.id },
            doc! { "$set": { "status": "done" } },
        )
        .await
        .unwrap();
    env.store.create_job(&second).await.unwrap();
    assert_eq!(
        env.store.get_source(source.id).await.unwrap().running_job,
        Some(second.id)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn duplicate_remote_ids_fail_the_second_item_only() {
    let mut list = datasets("dup", 3);
    list.push(
        TestDataset::new("dup-1", "Same identifier again")
            .at("https://remote.example.org/other/dup-1"),
    );
    let catalog = MutableCatalog::new(list, 10);
    let server = served(&catalog).await;
    let mut env = TestEnv::new("dup").await;
    env.start_worker();
    let source = env
        .source(&server.url("/catalog"), "dcat", SourceConfig::default())
        .await;
    let job = env.harvest(&source, T).await;
    assert_eq!(job.status, JobStatus::DoneErrors);
    assert_eq!(
        (
            job.counters.total,
            job.counters.created,
            job.counters.failed
        ),
        (4, 3, 1)
    );
    let failed = env
        .store
        .job_items(job.id, Some("failed"), 0, 10)
        .await
        .unwrap();
    assert_eq!(failed.len(), 1);
    assert!(
        failed[0].errors[0]
            .message
            .contains("duplicate remote id \"dup-1\""),
        "{:?}",
        failed[0].errors
    );
    assert_eq!(
        env.store
            .raw("dataset")
            .count_documents(doc! {})
            .await
            .unwrap(),
        3
    );
    env.stop_workers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn only_the_last_jobs_are_kept_with_their_items() {
    let catalog = MutableCatalog::new(datasets("ret", 5), 10);
    let server = served(&catalog).await;
    let mut env = TestEnv::new("retention").await;
    env.settings.harvest.keep_jobs = 2;
    env.start_worker();
    let source = env
        .source(&server.url("/catalog"), "dcat", SourceConfig::default())
        .await;
    let mut ids = Vec::new();
    for _ in 0..4 {
        ids.push(env.harvest(&source, T).await.id);
    }
    // The purge is the finalizer's last step, after the job shows as final: give it a moment.
    let kept = eventually("old jobs purged down to two", || async {
        let kept: Vec<bson::oid::ObjectId> = env
            .store
            .jobs_of_source(source.id, 10)
            .await
            .unwrap()
            .iter()
            .map(|j| j.id)
            .collect();
        (kept.len() <= 2).then_some(kept)
    })
    .await;
    assert_eq!(kept, vec![ids[3], ids[2]]);
    // udata's view of the purged jobs is gone too.
    assert_eq!(
        env.store
            .raw(common::storage::UDATA_JOBS)
            .count_documents(doc! { "source": source.id })
            .await
            .unwrap(),
        2
    );
    let items = env.store.raw(common::storage::ITEMS);
    assert_eq!(
        items
            .count_documents(doc! { "job": { "$in": [ids[0], ids[1]] } })
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        items.count_documents(doc! { "job": ids[3] }).await.unwrap(),
        5
    );
    env.stop_workers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unchanged_pages_answer_304_and_cost_no_parsing() {
    let mut catalog = MutableCatalog::new(datasets("etag", 30), 10);
    catalog.etags = true;
    let server = served(&catalog).await;
    let mut env = TestEnv::new("etag").await;
    env.start_worker();
    let source = env
        .source(&server.url("/catalog"), "dcat", SourceConfig::default())
        .await;
    let first = env.harvest(&source, T).await;
    assert_eq!(first.counters.created, 30);

    // Nothing changed: the three pages answer 304, their datasets are settled as not modified.
    let second = env.harvest(&source, T).await;
    assert_eq!(second.status, JobStatus::Done, "{:?}", second.errors);
    assert_eq!(second.counters.skipped, 30, "{:?}", second.counters);
    assert_eq!(
        catalog
            .not_modified
            .load(std::sync::atomic::Ordering::Relaxed),
        3
    );
    let items = env
        .store
        .job_items(second.id, Some("skipped"), 0, 100)
        .await
        .unwrap();
    assert!(items
        .iter()
        .all(|i| i.skip_reason == Some(common::model::SkipReason::NotModified)));

    // One page changes: only that page is downloaded again, the changed dataset rewritten.
    let mut list = datasets("etag", 30);
    list[12].title = "A new title".into();
    catalog.set(list);
    let third = env.harvest(&source, T).await;
    assert_eq!(third.counters.updated, 1, "{:?}", third.counters);
    assert_eq!(third.counters.skipped, 29);
    assert_eq!(
        catalog
            .not_modified
            .load(std::sync::atomic::Ordering::Relaxed),
        5
    );

    // A forced run ignores validators.
    let forced = env.run(&source, true).await;
    let forced = env.wait_job(forced.id, T).await;
    assert_eq!(forced.counters.updated, 30);
    assert_eq!(
        catalog
            .not_modified
            .load(std::sync::atomic::Ordering::Relaxed),
        5
    );
    env.stop_workers().await;
}

/// A window claim that advanced `next_seq` but died before marking and publishing its items
/// (the database restarted between the two writes) leaves them pending with no message: the
/// sweeper publishes them again instead of failing them as lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn claimed_but_unpublished_items_are_published_again_by_the_sweeper() {
    let catalog = MutableCatalog::new(datasets("claimed", 40), 40);
    let server = served(&catalog).await;
    let mut env = TestEnv::new("claimed").await;
    env.settings.harvest.job_window = 10;
    // Gather only: it lists the 40 items and claims the first window of 10.
    env.settings.worker.roles = vec![common::settings::Role::Gather];
    env.start_worker();
    let source = env
        .source(&server.url("/catalog"), "dcat", SourceConfig::default())
        .await;
    let job = env.run(&source, false).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let j = env.store.get_job(job.id).await.unwrap();
        if j.status == JobStatus::Processing && j.next_seq == 10 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "gather: {j:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    env.stop_workers().await;
    // The claim's messages are lost: its items stay pending below `next_seq`.
    let ch = env.broker.publisher().await.unwrap();
    let queue = env.broker.topology().queue(common::queue::Role::Item);
    ch.queue_purge(&queue, Default::default()).await.unwrap();
    env.store
        .raw(common::storage::ITEMS)
        .update_many(
            doc! { "job": job.id, "seq": { "$lt": 10 } },
            doc! { "$set": { "status": "pending" } },
        )
        .await
        .unwrap();
    env.store
        .raw(common::storage::JOBS)
        .update_one(
            doc! { "_id": job.id },
            doc! { "$set": { "last_progress": bson::DateTime::from_millis(0) } },
        )
        .await
        .unwrap();

    env.settings.worker.roles = common::settings::Role::WORKER.to_vec();
    env.settings.worker.sweep_secs = 1;
    env.settings.harvest.stall_requeue_secs = 1;
    env.settings.harvest.stall_timeout_secs = 30;
    env.start_worker();
    let done = env.wait_job(job.id, Duration::from_secs(25)).await;
    assert_eq!(done.status, JobStatus::Done, "{:?}", done.counters);
    assert_eq!(done.counters.created, 40, "{:?}", done.counters);
    assert_eq!(done.counters.failed, 0, "{:?}", done.counters);
    env.stop_workers().await;
}

/// A listing that fails part-way (here: the next page keeps answering 500 until its retries are
/// exhausted) harvests the items it listed, like udata does; the listing stays incomplete, so
/// nothing is archived, and the job ends `done-errors` with the listing error in its report.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_listing_failing_part_way_harvests_what_it_listed() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    let catalog = MutableCatalog::new(datasets("halfway", 6), 2);
    let broken = Arc::new(AtomicBool::new(false));
    let flag = broken.clone();
    let routes = catalog.routes("/catalog").layer(axum::middleware::from_fn(
        move |req: axum::extract::Request, next: axum::middleware::Next| {
            let flag = flag.clone();
            async move {
                let next_page = req.uri().query().is_some_and(|q| q.contains("page="));
                if flag.load(Ordering::Relaxed) && next_page {
                    return axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response();
                }
                next.run(req).await
            }
        },
    ));
    let server = start(ServerOptions::default(), 0, routes).await.unwrap();
    let mut env = TestEnv::new("halfway").await;
    env.settings.harvest.archive_grace_days = 0;
    env.start_worker();
    let source = env
        .source(&server.url("/catalog"), "dcat", SourceConfig::default())
        .await;
    let first = env.harvest(&source, T).await;
    assert_eq!(first.status, JobStatus::Done);
    assert_eq!(first.counters.created, 6);

    // Page 1 answers, the next ones fail; page 1 now also lists two new datasets.
    broken.store(true, Ordering::Relaxed);
    let mut changed = vec![
        TestDataset::new("halfway-new-a", "New A"),
        TestDataset::new("halfway-new-b", "New B"),
    ];
    changed.extend(datasets("halfway", 6));
    catalog.set(changed);
    let job = env.harvest(&source, T).await;
    assert_eq!(job.status, JobStatus::DoneErrors, "{:?}", job.errors);
    assert_eq!(job.counters.total, 2, "{:?}", job.counters);
    assert_eq!(job.counters.created, 2, "{:?}", job.counters);
    assert!(!job.listing_complete);
    assert_eq!(
        job.counters.archived, 0,
        "nothing archived after a partial listing"
    );
    assert!(archived_ids(&env).await.is_empty());
    let error = &job.errors.first().expect("the listing error").message;
    assert!(
        error.contains("stopped after 2 items") && error.contains("500"),
        "{error}"
    );
    // udata's view of the job says the same, once written (Store::write_udata_job re-reads
    // after writing, so it never stays behind).
    let udata_job = eventually("udata's view of the job is final", || async {
        let view = env
            .store
            .raw(common::storage::UDATA_JOBS)
            .find_one(doc! { "_id": job.id })
            .await
            .unwrap()
            .unwrap();
        (view.get_str("status").unwrap() != "processing").then_some(view)
    })
    .await;
    assert_eq!(udata_job.get_str("status").unwrap(), "done-errors");
    assert_eq!(udata_job.get_array("errors").unwrap().len(), 1);
    env.stop_workers().await;
}
