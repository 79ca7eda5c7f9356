//! Crashes and restarts on the real services: workers killed with SIGKILL several times in the
//! middle of a 2,500-item harvest, and a worker stopped with SIGTERM mid-harvest. The job still
//! finishes, every remote dataset is stored exactly once, and the report adds up.

use std::process::Child;
use std::time::{Duration, Instant};

use common::model::{JobStatus, SourceConfig};
use e2e::catalog_server::{start, ServerOptions};
use e2e::catalogs::{datasets, MutableCatalog};
use e2e::env::TestEnv;

const WORKER: &str = env!("CARGO_BIN_EXE_harvest-test-worker");

fn signal(child: &Child, sig: &str) {
    let status = std::process::Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_workers_mid_harvest_loses_and_duplicates_nothing() {
    let n = 2_500;
    let catalog = MutableCatalog::new(datasets("kill", n), 500);
    let server = start(ServerOptions::default(), 0, catalog.routes("/c"))
        .await
        .unwrap();
    let mut env = TestEnv::new("kill9").await;
    env.settings.harvest.stall_requeue_secs = 3;
    env.settings.harvest.job_window = 300;
    let source = env
        .source(&server.url("/c"), "dcat", SourceConfig::default())
        .await;
    let mut workers: Vec<Child> = (0..2).map(|_| env.spawn_worker_process(WORKER)).collect();
    let job = env.run(&source, false).await;

    let mut kills = 0;
    let deadline = Instant::now() + Duration::from_secs(300);
    while kills < 4 {
        tokio::time::sleep(Duration::from_millis(700)).await;
        let j = env.store.get_job(job.id).await.unwrap();
        if j.status.is_final() {
            break;
        }
        // Kill one worker with SIGKILL in the middle of its work, then replace it.
        let victim = workers.remove(kills % workers.len());
        let mut victim = victim;
        signal(&victim, "-KILL");
        let _ = victim.wait();
        kills += 1;
        println!(
            "kill -9 #{kills} at {} of {} items done",
            j.counters.done, j.counters.total
        );
        workers.push(env.spawn_worker_process(WORKER));
        assert!(Instant::now() < deadline);
    }
    assert!(
        kills >= 2,
        "the harvest ended before the workers could be killed twice"
    );
    let job = env.wait_job(job.id, Duration::from_secs(300)).await;
    assert_eq!(job.status, JobStatus::Done, "{:?}", job.errors);
    env.assert_stored_exactly_once(&job, n as i64).await;
    for mut w in workers {
        signal(&w, "-TERM");
        let _ = w.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_mid_harvest_drains_or_requeues_in_flight_items() {
    let n = 2_000;
    let catalog = MutableCatalog::new(datasets("term", n), 500);
    let server = start(ServerOptions::default(), 0, catalog.routes("/c"))
        .await
        .unwrap();
    let mut env = TestEnv::new("sigterm").await;
    env.settings.harvest.stall_requeue_secs = 3;
    env.settings.worker.shutdown_grace_secs = 5;
    let source = env
        .source(&server.url("/c"), "dcat", SourceConfig::default())
        .await;
    let mut first = env.spawn_worker_process(WORKER);
    let job = env.run(&source, false).await;
    // Wait until the worker is busy, then ask it to stop.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let j = env.store.get_job(job.id).await.unwrap();
        if j.counters.done > 200 {
            break;
        }
        assert!(Instant::now() < deadline, "no progress: {:?}", j.counters);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    signal(&first, "-TERM");
    let stopped = Instant::now();
    let status = first.wait().unwrap();
    assert!(
        status.success(),
        "SIGTERM must end the worker cleanly, got {status}"
    );
    assert!(
        stopped.elapsed() < Duration::from_secs(15),
        "drain took {:?}",
        stopped.elapsed()
    );
    let mid = env.store.get_job(job.id).await.unwrap();
    assert!(
        !mid.status.is_final(),
        "harvest should still be running: {:?}",
        mid.counters
    );

    // A new worker finishes the job: nothing was lost with the stopped one.
    let mut second = env.spawn_worker_process(WORKER);
    let job = env.wait_job(job.id, Duration::from_secs(300)).await;
    assert_eq!(job.status, JobStatus::Done, "{:?}", job.errors);
    env.assert_stored_exactly_once(&job, n as i64).await;
    signal(&second, "-TERM");
    let _ = second.wait();
}
