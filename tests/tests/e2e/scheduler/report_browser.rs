//! The pages as a person sees them: headless Chromium loads `/admin/jobs/{id}` from the
//! in-process admin server and the rendered DOM must show the summary counts and the failed item's
//! message; it loads a source's page and a screenshot must show the health chart (its bars and
//! duration line in their colours). Skipped (with a notice) when `/usr/bin/chromium` is not
//! installed (Debian package `chromium`, scripts/test-deps.sh).

use std::path::Path;
use std::time::Duration;

use bson::oid::ObjectId;
use common::model::{HarvestJob, JobStatus, JobTrigger};
use e2e::admin;

use super::seed_job;

const CHROMIUM: &str = "/usr/bin/chromium";

async fn dump_dom(url: &str) -> String {
    let out = chromium(&["--dump-dom".to_owned()], url).await;
    String::from_utf8_lossy(&out).into_owned()
}

/// Run headless Chromium on `url` with `extra` arguments; its standard output.
async fn chromium(extra: &[String], url: &str) -> Vec<u8> {
    let profile =
        std::env::temp_dir().join(format!("chromium-report-{}", e2e::env::unique("chromium")));
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
        .args(extra)
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
    out.stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_renders_the_job_report() {
    if !Path::new(CHROMIUM).exists() {
        println!("SKIPPED chromium_renders_the_job_report: {CHROMIUM} not found (apt-get install chromium)");
        return;
    }
    // Chromium reaches the server through a real socket; the multi-thread runtime keeps the
    // server answering while this test waits for the browser.
    let (env, api) = admin::start(|_| {}).await;
    let source = api
        .create_source("Ville d'Exemple — navigateur", "https://data.example.org/")
        .await;
    let sid = ObjectId::parse_str(source["id"].as_str().unwrap()).unwrap();
    let seeded = seed_job(&env.store, sid).await;
    let jid = seeded.job.id.to_hex();

    let dom = dump_dom(&api.url(&format!("/admin/jobs/{jid}"))).await;
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

    let failed_only = dump_dom(&api.url(&format!("/admin/jobs/{jid}?status=failed"))).await;
    assert!(
        failed_only.contains(&seeded.failed_message),
        "{failed_only}"
    );
    assert!(
        !failed_only.contains(&seeded.done_remote_id),
        "{failed_only}"
    );
}

/// Width, height and RGB pixels of an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium
/// writes for a screenshot).
fn decode_png(bytes: &[u8]) -> (usize, usize, Vec<[u8; 3]>) {
    use std::io::Read;
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let (mut width, mut height, mut channels) = (0usize, 0usize, 0usize);
    let mut idat = Vec::new();
    let mut at = 8;
    while at + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        let kind = &bytes[at + 4..at + 8];
        let data = &bytes[at + 8..at + 8 + len];
        match kind {
            b"IHDR" => {
                width = u32::from_be_bytes(data[0..4].try_into().unwrap()) as usize;
                height = u32::from_be_bytes(data[4..8].try_into().unwrap()) as usize;
                assert_eq!(data[8], 8, "bit depth");
                channels = match data[9] {
                    2 => 3,
                    6 => 4,
                    other => panic!("PNG colour type {other}"),
                };
                assert_eq!(data[12], 0, "interlaced PNG");
            }
            b"IDAT" => idat.extend_from_slice(data),
            b"IEND" => break,
            _ => {}
        }
        at += 12 + len;
    }
    let mut raw = Vec::new();
    flate2::read::ZlibDecoder::new(&idat[..])
        .read_to_end(&mut raw)
        .expect("PNG data");
    let stride = width * channels;
    let mut prev = vec![0u8; stride];
    let mut pixels = Vec::with_capacity(width * height);
    for row in 0..height {
        let line = &raw[row * (stride + 1)..(row + 1) * (stride + 1)];
        let mut cur = line[1..].to_vec();
        for i in 0..stride {
            let a = if i >= channels {
                cur[i - channels] as i16
            } else {
                0
            };
            let b = prev[i] as i16;
            let c = if i >= channels {
                prev[i - channels] as i16
            } else {
                0
            };
            let add = match line[0] {
                0 => 0,
                1 => a,
                2 => b,
                3 => (a + b) / 2,
                4 => {
                    let p = a + b - c;
                    let (pa, pb, pc) = ((p - a).abs(), (p - b).abs(), (p - c).abs());
                    if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    }
                }
                f => panic!("PNG filter {f}"),
            };
            cur[i] = cur[i].wrapping_add(add as u8);
        }
        for px in cur.chunks(channels) {
            pixels.push([px[0], px[1], px[2]]);
        }
        prev = cur;
    }
    (width, height, pixels)
}

fn rgb(hex: &str) -> [u8; 3] {
    let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap();
    [(v >> 16) as u8, (v >> 8) as u8, v as u8]
}

/// Pixels within a small distance of `colour` (colour management may shift them a little).
fn count_colour(pixels: &[[u8; 3]], colour: [u8; 3]) -> usize {
    pixels
        .iter()
        .filter(|p| (0..3).all(|i| (p[i] as i16 - colour[i] as i16).abs() <= 6))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_shows_the_health_chart_of_a_source() {
    if !Path::new(CHROMIUM).exists() {
        println!("SKIPPED chromium_shows_the_health_chart_of_a_source: {CHROMIUM} not found (apt-get install chromium)");
        return;
    }
    let (env, api) = admin::start(|_| {}).await;
    let source = api
        .create_source("Ville d'Exemple — santé", "https://data.example.org/")
        .await;
    let sid = ObjectId::parse_str(source["id"].as_str().unwrap()).unwrap();
    // A history: failed twice, then done with errors, then done twice, recorded as finalize does.
    let statuses = [
        JobStatus::Failed,
        JobStatus::Failed,
        JobStatus::DoneErrors,
        JobStatus::Done,
        JobStatus::Done,
    ];
    let start = bson::DateTime::now().timestamp_millis() - 5 * 86_400_000;
    for (i, status) in statuses.into_iter().enumerate() {
        let mut job = HarvestJob::new(sid, JobTrigger::Cron, false);
        let t0 = start + i as i64 * 86_400_000;
        job.status = status;
        job.started = Some(bson::DateTime::from_millis(t0));
        job.ended = Some(bson::DateTime::from_millis(t0 + 20_000 + i as i64 * 15_000));
        if status != JobStatus::Failed {
            job.counters.created = 40 - i as i64 * 10;
            job.counters.updated = 10;
            job.counters.skipped = 20 + i as i64 * 10;
            job.counters.failed = if status == JobStatus::DoneErrors {
                5
            } else {
                0
            };
            job.counters.total = 75;
        }
        env.store.record_run(&job).await.expect("record run");
    }

    let url = api.url(&format!("/admin/sources/{sid}"));
    let dom = dump_dom(&url).await;
    assert!(dom.contains("id=\"health-chart\""), "{dom}");
    assert_eq!(dom.matches("class=\"run run-").count(), 5, "{dom}");
    assert!(dom.contains("id=\"health-failures\">0<"), "{dom}");
    assert!(
        dom.contains("<span class=\"status-done\">done</span>"),
        "{dom}"
    );

    let shot = std::env::temp_dir().join(format!("health-chart-{}.png", e2e::env::unique("chart")));
    chromium(
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,1800".to_owned(),
            "--hide-scrollbars".to_owned(),
            "--force-color-profile=srgb".to_owned(),
        ],
        &url,
    )
    .await;
    let png = std::fs::read(&shot).expect("screenshot written");
    let _ = std::fs::remove_file(&shot);
    let (w, h, pixels) = decode_png(&png);
    assert_eq!((w, h), (1280, 1800));
    // Bars of every outcome the history has, and the duration line, are drawn.
    for (name, colour) in scheduler::chart::OUTCOMES {
        if name == "archived" {
            continue;
        }
        let n = count_colour(&pixels, rgb(colour));
        assert!(n > 100, "{name} ({colour}): {n} pixels in the screenshot");
    }
    let line = count_colour(&pixels, rgb(scheduler::chart::DURATION_COLOUR));
    assert!(line > 100, "duration line: {line} pixels");
}
