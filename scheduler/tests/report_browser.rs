//! The job report as a person sees it: headless Chromium loads `/admin/jobs/{id}` from the
//! in-process admin server and the rendered DOM must show the summary counts and the failed item's
//! message. Skipped (with a notice) when `/usr/bin/chromium` is not installed (Debian package
//! `chromium`).

mod support;

use std::path::Path;
use std::time::Duration;

use bson::oid::ObjectId;
use support::{seed_job, TestEnv};

const CHROMIUM: &str = "/usr/bin/chromium";

async fn dump_dom(url: &str) -> String {
    let profile = std::env::temp_dir().join(format!("chromium-report-{}", support::unique()));
    std::fs::create_dir_all(&profile).expect("profile dir");
    let run = tokio::process::Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--disable-extensions",
            "--no-first-run",
            "--no-default-browser-check",
            "--no-proxy-server",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(url)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("chromium finished within 120 s")
        .expect("chromium started");
    let _ = std::fs::remove_dir_all(&profile);
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_renders_the_job_report() {
    if !Path::new(CHROMIUM).exists() {
        println!("SKIPPED chromium_renders_the_job_report: {CHROMIUM} not found (apt-get install chromium)");
        return;
    }
    // Chromium reaches the server through a real socket; the multi-thread runtime keeps the
    // server answering while this test waits for the browser.
    let env = TestEnv::start(|_| {}).await;
    let source = env
        .create_source("Ville d'Exemple — navigateur", "https://data.example.org/")
        .await;
    let sid = ObjectId::parse_str(source["id"].as_str().unwrap()).unwrap();
    let seeded = seed_job(&env.store, sid).await;
    let jid = seeded.job.id.to_hex();

    let dom = dump_dom(&env.url(&format!("/admin/jobs/{jid}"))).await;
    assert!(dom.contains(&format!("job {jid}")), "{dom}");
    assert!(dom.contains("Ville d'Exemple — navigateur"), "{dom}");
    // Summary counts.
    assert!(dom.contains("id=\"count-listed\">3<"), "{dom}");
    assert!(dom.contains("id=\"count-created\">1<"), "{dom}");
    assert!(dom.contains("id=\"count-failed\">1<"), "{dom}");
    // The failed item's human message, and its details folded in a <details> element.
    assert!(dom.contains(&seeded.failed_message), "{dom}");
    assert!(
        dom.contains("<details><summary>Technical details</summary>"),
        "{dom}"
    );

    let failed_only = dump_dom(&env.url(&format!("/admin/jobs/{jid}?status=failed"))).await;
    assert!(
        failed_only.contains(&seeded.failed_message),
        "{failed_only}"
    );
    assert!(
        !failed_only.contains(&seeded.done_remote_id),
        "{failed_only}"
    );
}
