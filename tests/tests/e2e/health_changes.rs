//! Source health and change lists end to end on the real services (issue 17, parts 1 and 3): a
//! source failing twice then succeeding has the right history and summary, kept when its jobs
//! are purged; a re-harvest lists exactly what changed (created, updated with the fields that
//! changed, archived, un-archived), and nothing for the datasets skipped as unchanged.

use std::time::Duration;

use common::model::{ChangeKind, JobStatus, SourceConfig};
use e2e::catalog_server::{start, ServerOptions};
use e2e::catalogs::{datasets, MutableCatalog, TestDataset};
use e2e::env::TestEnv;

const T: Duration = Duration::from_secs(120);

/// The source's health once `runs` jobs are recorded: a job is seen final a moment before its
/// run is recorded (the same step writes both, in that order).
async fn health_after(
    env: &TestEnv,
    source: bson::oid::ObjectId,
    runs: i64,
) -> common::model::HealthSummary {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(h) = env.store.health_of(source).await.unwrap() {
            if h.runs >= runs {
                return h;
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{runs} runs of {source} not recorded"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_source_failing_twice_then_succeeding_has_the_right_health() {
    let catalog = MutableCatalog::new(datasets("hl", 3), 10);
    let server = start(ServerOptions::default(), 0, catalog.routes("/catalog"))
        .await
        .unwrap();
    let mut env = TestEnv::new("health").await;
    // Two jobs kept: the history must outlive the purge of the older ones.
    env.settings.harvest.keep_jobs = 2;
    env.start_worker();
    // The catalog is not there yet: every gather fails.
    let mut source = env
        .source(&server.url("/missing.ttl"), "dcat", SourceConfig::default())
        .await;
    for n in 1..=2 {
        let job = env.harvest(&source, T).await;
        assert_eq!(job.status, JobStatus::Failed, "{:?}", job.errors);
        let health = health_after(&env, source.id, n).await;
        assert_eq!(health.consecutive_failures, n);
        assert_eq!(health.last_status, Some(JobStatus::Failed));
        assert_eq!(health.last_job, Some(job.id));
        assert_eq!(health.last_success_at, None);
    }
    let runs = env.store.source_runs(source.id, 10).await.unwrap();
    assert_eq!(runs.len(), 2);
    assert!(runs.iter().all(|r| r.status == JobStatus::Failed));
    assert!(
        runs[0]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("gather")),
        "{:?}",
        runs[0].error
    );

    // Fixed: the next job succeeds and resets the failures.
    source.url = server.url("/catalog");
    env.store.replace_source(&source).await.unwrap();
    let ok = env.harvest(&source, T).await;
    assert_eq!(ok.status, JobStatus::Done);
    let health = health_after(&env, source.id, 3).await;
    assert_eq!(health.consecutive_failures, 0);
    assert_eq!(health.last_status, Some(JobStatus::Done));
    assert_eq!(health.last_success_at, ok.ended);
    assert_eq!(health.runs, 3);
    let runs = env.store.source_runs(source.id, 10).await.unwrap();
    assert_eq!(runs.len(), 3);
    assert_eq!(runs[0].job, ok.id, "newest first");
    assert_eq!((runs[0].created, runs[0].total), (3, 3));
    assert!(runs[0].duration_ms >= 0);

    // The first failed job is purged (keep_jobs = 2), its run is kept. The finalizer purges
    // just after writing the final status the harness waited for: poll a little.
    let purge_deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while env.store.get_job(runs[2].job).await.is_ok() {
        assert!(
            std::time::Instant::now() < purge_deadline,
            "job {} not purged beyond keep_jobs",
            runs[2].job
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(env.store.source_runs(source.id, 10).await.unwrap().len(), 3);

    // Recording a job again (a repeated finalize) counts nothing twice.
    env.store.record_run(&ok).await.unwrap();
    let again = env.store.health_of(source.id).await.unwrap().unwrap();
    assert_eq!(again, health);
    env.stop_workers().await;
}

fn listed(changes: &[common::model::ChangeEntry]) -> Vec<(ChangeKind, String, Vec<String>)> {
    let mut out: Vec<_> = changes
        .iter()
        .map(|c| (c.kind, c.remote_id.clone(), c.fields.clone()))
        .collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_job_lists_what_it_changed() {
    let catalog = MutableCatalog::new(datasets("ch", 4), 10);
    let server = start(ServerOptions::default(), 0, catalog.routes("/catalog"))
        .await
        .unwrap();
    let mut env = TestEnv::new("changes").await;
    env.start_worker();
    let source = env
        .source(&server.url("/catalog"), "dcat", SourceConfig::default())
        .await;

    let first = env.harvest(&source, T).await;
    assert_eq!(first.counters.created, 4);
    let counts = env.store.change_counts(first.id).await.unwrap();
    assert_eq!(counts[&ChangeKind::Created], 4);
    assert_eq!(counts[&ChangeKind::Updated], 0);
    let created = env
        .store
        .job_changes(first.id, Some(ChangeKind::Created), 0, 100)
        .await
        .unwrap();
    assert_eq!(created.len(), 4);
    assert!(created
        .iter()
        .all(|c| c.dataset.is_some() && c.fields.is_empty()));

    // One title changes, one dataset leaves the remote: one update naming `title` only; the
    // unchanged ones are skipped and listed nowhere.
    let mut next = datasets("ch", 3);
    next[1] = TestDataset::new("ch-1", "A brand new title");
    catalog.set(next);
    let second = env.harvest(&source, T).await;
    assert_eq!(
        (second.counters.updated, second.counters.skipped),
        (1, 2),
        "{:?}",
        second.counters
    );
    let changes = env
        .store
        .job_changes(second.id, None, 0, 100)
        .await
        .unwrap();
    assert_eq!(
        listed(&changes),
        vec![(
            ChangeKind::Updated,
            "ch-1".to_owned(),
            vec!["title".to_owned()]
        )]
    );
    let updated = env
        .store
        .job_changes(second.id, Some(ChangeKind::Updated), 0, 100)
        .await
        .unwrap();
    assert_eq!(updated, changes);

    // Eight days later ch-3 is still gone: archived, in the change list of that job.
    env.age_records(&["ch-3"], 8).await;
    let third = env.harvest(&source, T).await;
    assert_eq!(third.counters.archived, 1, "{:?}", third.data);
    let changes = env.store.job_changes(third.id, None, 0, 100).await.unwrap();
    assert_eq!(
        listed(&changes),
        vec![(ChangeKind::Archived, "ch-3".to_owned(), vec![])]
    );
    assert!(changes[0].dataset.is_some());
    let counts = env.store.change_counts(third.id).await.unwrap();
    assert_eq!(counts[&ChangeKind::Archived], 1);

    // It comes back, with a new title: un-archived, naming the field.
    let mut back = datasets("ch", 4);
    back[1] = TestDataset::new("ch-1", "A brand new title");
    back[3] = TestDataset::new("ch-3", "Back again");
    catalog.set(back);
    let fourth = env.harvest(&source, T).await;
    let changes = env
        .store
        .job_changes(fourth.id, None, 0, 100)
        .await
        .unwrap();
    assert_eq!(
        listed(&changes),
        vec![(
            ChangeKind::Unarchived,
            "ch-3".to_owned(),
            vec!["title".to_owned()]
        )]
    );
    // Paging across the two stores of the list: a page of one.
    let page2 = env.store.job_changes(third.id, None, 1, 1).await.unwrap();
    assert!(page2.is_empty());
    env.stop_workers().await;
}
