//! Fairness: a small source queued after a large one finishes while the large one still runs, in a
//! time bounded by its own size, because each job holds at most `harvest.job_window` items of the
//! item queue at a time.

use std::time::{Duration, Instant};

use common::model::{JobStatus, SourceConfig};
use e2e::catalog_server::{start, ServerOptions};
use e2e::catalogs::{datasets, MutableCatalog};
use e2e::env::TestEnv;

/// Size of the large catalog.
const LARGE: i64 = 20_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_small_job_is_not_starved_by_a_large_one() {
    let large = MutableCatalog::new(datasets("large", LARGE as usize), 1_000);
    let small = MutableCatalog::new(datasets("small", 50), 50);
    let routes = large.routes("/large").merge(small.routes("/small"));
    let server = start(ServerOptions::default(), 0, routes).await.unwrap();
    let mut env = TestEnv::new("fair").await;
    env.settings.harvest.job_window = 200;
    env.start_worker();
    env.start_worker();
    let big_source = env
        .source(&server.url("/large"), "dcat", SourceConfig::default())
        .await;
    let small_source = env
        .source(&server.url("/small"), "dcat", SourceConfig::default())
        .await;

    let big = env.run(&big_source, false).await;
    // Let the large job fill the queue and get going.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let j = env.store.get_job(big.id).await.unwrap();
        if j.counters.done >= 500 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "large job does not progress: {:?}",
            j.counters
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let started = Instant::now();
    let little = env.run(&small_source, false).await;
    let little = env.wait_job(little.id, Duration::from_secs(120)).await;
    let small_time = started.elapsed();
    assert_eq!(little.status, JobStatus::Done);
    assert_eq!(little.counters.created, 50);

    let big_now = env.store.get_job(big.id).await.unwrap();
    assert!(
        !big_now.status.is_final(),
        "the large job ended before the small one: fairness not shown ({:?})",
        big_now.counters
    );
    // The large job may still be gathering (its `total` then only counts the pages listed so
    // far), so what it has left is measured against the catalog's size.
    let remaining = LARGE - big_now.counters.done;
    println!(
        "small job (50 items) finished in {small_time:?} while the large one had {remaining} of {LARGE} items left ({} listed so far)",
        big_now.counters.total
    );
    assert!(remaining > 1_000, "large job nearly done: {remaining} left");
    // Bounded by its own size: behind at most one window of the large job, not 20,000 items.
    assert!(
        small_time < Duration::from_secs(20),
        "small job took {small_time:?}"
    );

    let big_done = env.wait_job(big.id, Duration::from_secs(600)).await;
    assert_eq!(big_done.status, JobStatus::Done, "{:?}", big_done.errors);
    assert_eq!(big_done.counters.created, LARGE);
    env.stop_workers().await;
}
