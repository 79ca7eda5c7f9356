//! The broker and the database restarted in the middle of a harvest: workers reconnect by
//! themselves, the job finishes, every remote dataset is stored once, the report adds up.
//!
//! These tests stop the shared local services, which would cut every other test running at the
//! same time: they are `#[ignore]`d in the normal run and `make test` runs them after the suite,
//! `--ignored --test-threads=1`, alone on the services (scripts/test.sh, step 3; the lock also
//! keeps them apart when run by hand).

use std::time::{Duration, Instant};

use bson::doc;
use common::model::{JobStatus, SourceConfig};
use e2e::catalog_server::{start, ServerOptions};
use e2e::catalogs::{datasets, MutableCatalog};
use e2e::env::TestEnv;
use futures::TryStreamExt;
use tokio::sync::Mutex;

static SERIAL: Mutex<()> = Mutex::const_new(());

async fn wait_until_busy(env: &TestEnv, job: bson::oid::ObjectId, done: i64) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let j = env.store.get_job(job).await.unwrap();
        if j.counters.done >= done {
            return;
        }
        assert!(Instant::now() < deadline, "no progress: {:?}", j.counters);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn assert_complete(env: &TestEnv, job: bson::oid::ObjectId, n: i64) {
    let job = env.wait_job(job, Duration::from_secs(300)).await;
    if job.status != JobStatus::Done {
        // Name the failed items and their errors: the job's own errors are gather errors.
        let failed: Vec<bson::Document> = env
            .store
            .raw(common::storage::ITEMS)
            .find(doc! { "job": job.id, "status": "failed" })
            .projection(doc! { "remote_id": 1, "errors": 1, "attempts": 1 })
            .limit(5)
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        panic!(
            "job ended {:?} ({:?}), errors {:?}, first failed items: {failed:?}",
            job.status, job.counters, job.errors
        );
    }
    env.assert_stored_exactly_once(&job, n).await;
}

fn run(cmd: &str, args: &[&str]) -> bool {
    std::process::Command::new(cmd)
        .args(args)
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "restarts a service every test shares: run alone by `make test` (scripts/test.sh)"]
async fn rabbitmq_restart_mid_harvest() {
    let _serial = SERIAL.lock().await;
    if !run("rabbitmqctl", &["-q", "status"]) {
        println!("SKIPPED: rabbitmqctl cannot control the local broker");
        return;
    }
    let n = 2_000;
    let catalog = MutableCatalog::new(datasets("rmq", n), 500);
    let server = start(ServerOptions::default(), 0, catalog.routes("/c"))
        .await
        .unwrap();
    let mut env = TestEnv::new("rmqrestart").await;
    env.settings.harvest.stall_requeue_secs = 3;
    env.start_worker();
    env.start_worker();
    let source = env
        .source(&server.url("/c"), "dcat", SourceConfig::default())
        .await;
    let job = env.run(&source, false).await;
    wait_until_busy(&env, job.id, 300).await;

    assert!(run("rabbitmqctl", &["-q", "stop_app"]), "stop_app");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(run("rabbitmqctl", &["-q", "start_app"]), "start_app");
    assert!(
        run("rabbitmqctl", &["-q", "await_startup"]),
        "await_startup"
    );
    println!("RabbitMQ restarted");

    assert_complete(&env, job.id, n as i64).await;
    env.stop_workers().await;
}

/// The MongoDB-compatible server's process: pid and command line.
fn mongo_process(port: u16) -> Option<(u32, Vec<String>)> {
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(raw) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        let args: Vec<String> = raw
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let is_server = args.first().is_some_and(|a| a.ends_with("secantusd-rs"));
        let port_arg = args
            .windows(2)
            .any(|w| w[0] == "--port" && w[1] == port.to_string());
        if is_server && port_arg {
            return Some((pid, args));
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[allow(clippy::zombie_processes)] // the restarted server is detached and outlives the test
#[ignore = "restarts a service every test shares: run alone by `make test` (scripts/test.sh)"]
async fn mongodb_restart_mid_harvest() {
    let _serial = SERIAL.lock().await;
    let Some((pid, args)) = mongo_process(27017) else {
        println!("SKIPPED: no local MongoDB-compatible server process to restart (a real MongoDB is configured)");
        return;
    };
    let n = 2_000;
    let catalog = MutableCatalog::new(datasets("mdb", n), 500);
    let server = start(ServerOptions::default(), 0, catalog.routes("/c"))
        .await
        .unwrap();
    let mut env = TestEnv::new("mdbrestart").await;
    env.settings.harvest.stall_requeue_secs = 3;
    env.start_worker();
    env.start_worker();
    let source = env
        .source(&server.url("/c"), "dcat", SourceConfig::default())
        .await;
    let job = env.run(&source, false).await;
    wait_until_busy(&env, job.id, 300).await;

    // Stop the server cleanly, then start it again with the same command line (same data).
    assert!(run("kill", &["-TERM", &pid.to_string()]));
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::path::Path::new(&format!("/proc/{pid}")).exists() {
        assert!(Instant::now() < deadline, "server did not stop");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let log =
        std::fs::File::create(std::env::temp_dir().join("harvest-mongo-restart.log")).unwrap();
    std::process::Command::new("setsid")
        .args(&args)
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("restart the server");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect("127.0.0.1:27017").is_err() {
        assert!(Instant::now() < deadline, "server did not come back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!("MongoDB server restarted");

    assert_complete(&env, job.id, n as i64).await;
    env.stop_workers().await;
}
