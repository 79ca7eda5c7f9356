//! Hostile and broken remotes, harvested for real: one in-process worker pair, one environment, a
//! local server playing 58 misbehaving catalogs at once (XML bombs and external entities, a
//! 1 GiB body, compression bombs, slow and silent senders, resets, redirect tricks towards
//! forbidden addresses, paging loops, deep nesting, huge literals, wrong content types, broken
//! CKAN and OpenDataSoft APIs…), with the SSRF guard on (`allow_private = false`, only the test
//! servers' `host:port` allow-listed) and small limits (2 MiB bodies, 2 s requests, 3 redirects,
//! 5 pages).
//!
//! Every case must end (done, done-errors or failed — never hang) within its time bound, with a
//! clear error naming the URL and the reason; nothing may reach the canary server (external
//! entities, remote JSON-LD contexts, forbidden redirects); the endless bodies must be cut early;
//! peak memory stays bounded; and a normal catalog harvested alongside and after the hostile ones
//! succeeds. The outcome table is printed (`cargo test --test hostile -- --nocapture`) and kept
//! in `docs/security.md`.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bson::doc;
use bson::oid::ObjectId;
use common::model::{HarvestJob, JobStatus, SourceConfig};
use e2e::catalog_server::{start, CatalogServer, ServerOptions};
use e2e::env::TestEnv;
use e2e::hostile::{peak_rss_bytes, start_raw, Hostile, RawServer, HUGE_BODY_BYTES};

const LIMIT: usize = 2 << 20;
const FAST: Duration = Duration::from_secs(15);
/// Cases that wait for timeouts with retries (3 page attempts × 2 s + 1 s + 2 s of backoff), or
/// parse big documents in a debug build.
const SLOW: Duration = Duration::from_secs(25);

use JobStatus::{Done, DoneErrors, Failed};

struct Case {
    name: &'static str,
    url: String,
    backend: &'static str,
    /// Acceptable final statuses.
    statuses: &'static [JobStatus],
    /// Substrings the first error (the job's, else the first failed item's) must contain.
    /// Empty: none required (the expected status says whether one may occur).
    needles: Vec<String>,
    bound: Duration,
}

fn case(
    name: &'static str,
    url: String,
    backend: &'static str,
    statuses: &'static [JobStatus],
    needles: &[&str],
    bound: Duration,
) -> Case {
    Case {
        name,
        url,
        backend,
        statuses,
        needles: needles.iter().map(|s| s.to_string()).collect(),
        bound,
    }
}

struct Outcome {
    name: &'static str,
    job: Option<HarvestJob>,
    first_error: Option<String>,
    note: Option<String>,
    took: Option<Duration>,
}

#[rustfmt::skip]
fn cases(h: &CatalogServer, raw: &RawServer, closed: u16, canary: &CatalogServer) -> Vec<Case> {
    let d = |c: &str| h.url(&format!("/h/{c}"));
    let limit = format!("exceeds the {LIMIT}-byte limit");
    let limit = limit.as_str();
    let stolen = canary.url("/stolen");
    let loopback = format!("refused: {} resolves only to private", e2e::hostile::loopback_name());
    let mut v = vec![
        // XML attacks.
        case("billion-laughs", d("billion-laughs"), "dcat", &[Failed], &["refused XML", "unsafe DOCTYPE", "/h/billion-laughs"], FAST),
        case("XXE file:///etc/passwd", d("xxe-file"), "dcat", &[Failed], &["unsafe DOCTYPE", "external", "/h/xxe-file"], FAST),
        case("XXE http://127.0.0.1:C (canary)", d("xxe-http"), "dcat", &[Failed], &["unsafe DOCTYPE", "/h/xxe-http"], FAST),
        case("XXE parameter entity", d("xxe-parameter"), "dcat", &[Failed], &["unsafe DOCTYPE", "/h/xxe-parameter"], FAST),
        case("RDF/XML nested 10,000 levels", d("deep-rdfxml"), "dcat", &[Done, DoneErrors, Failed], &[], SLOW),
        // Size attacks.
        case("1 GiB body (streamed)", d("huge-body"), "dcat", &[Failed], &[limit, "/h/huge-body"], FAST),
        case("4 GiB Content-Length, small body", raw.url("/content-length-4g"), "dcat", &[Failed], &[limit, "/content-length-4g"], FAST),
        case("gzip bomb (300 KiB → 49 MiB)", d("gzip-bomb"), "dcat", &[Failed], &[limit, "/h/gzip-bomb"], FAST),
        case("deflate bomb (300 KiB → 49 MiB)", d("deflate-bomb"), "dcat", &[Failed], &[limit, "/h/deflate-bomb"], FAST),
        case("20 MiB literal (over the limit)", d("huge-literal"), "dcat", &[Failed], &[limit, "/h/huge-literal"], FAST),
        case("1.5 MiB literal (under the limit)", d("big-literal"), "dcat", &[Done, DoneErrors], &[], SLOW),
        case("5,000 distributions on one dataset", d("many-distributions"), "dcat", &[Done, DoneErrors], &[], SLOW),
        // Slow, silent and broken connections.
        case("one byte per second", d("slow-drip"), "dcat", &[Failed], &["timeout after 2s", "/h/slow-drip"], SLOW),
        case("never answers", raw.url("/never"), "dcat", &[Failed], &["timeout after 2s", "/never"], SLOW),
        case("headers one byte per second", raw.url("/slow-headers"), "dcat", &[Failed], &["timeout after 2s", "/slow-headers"], SLOW),
        case("connection reset", raw.url("/reset"), "dcat", &[Failed], &["cannot reach", "/reset"], SLOW),
        case("truncated body (Content-Length 100000, 1 KB sent)", raw.url("/truncated"), "dcat", &[Failed], &["broken response", "/truncated"], SLOW),
        case("not HTTP (SSH banner)", raw.url("/not-http"), "dcat", &[Failed], &["cannot reach", "invalid HTTP", "/not-http"], SLOW),
        case("2 MiB response header", raw.url("/huge-header"), "dcat", &[Failed], &["cannot reach", "too large", "/huge-header"], SLOW),
        case("closed port", format!("http://127.0.0.1:{closed}/catalog.ttl"), "dcat", &[Failed], &["cannot reach", "refused"], SLOW),
        case("TLS to a plain-HTTP port", d("ok-tls").replacen("http://", "https://", 1), "dcat", &[Failed], &["cannot reach https://", "/h/ok-tls"], SLOW),
        // Redirect tricks.
        case("redirect loop", d("redirect-loop-a"), "dcat", &[Failed], &["redirect loop", "/h/redirect-loop"], FAST),
        case("too many redirects", d("redirect-chain"), "dcat", &[Failed], &["more than 3 redirects", "/h/redirect-chain"], FAST),
        case("redirect to 127.0.0.1:C (other port)", d("redirect-private"), "dcat", &[Failed], &["refused", &stolen], FAST),
        case("redirect to 169.254.169.254", d("redirect-metadata"), "dcat", &[Failed], &["refused", "169.254.169.254"], FAST),
        case("redirect to file:///etc/passwd", d("redirect-file"), "dcat", &[Failed], &["refused", "file:///etc/passwd"], FAST),
        case("redirect to a name resolving to 127.0.0.1", d("redirect-dns"), "dcat", &[Failed], &["refused", &loopback], FAST),
        // Paging attacks: the items listed before are harvested (as udata does), the job ends
        // done-errors with the paging error and archives nothing.
        case("Hydra next-page loop A→B→A", d("hydra-loop-a"), "dcat", &[DoneErrors], &["paging loop", "/h/hydra-loop-a"], FAST),
        case("runaway paging (> max_pages = 5)", d("runaway-paging"), "dcat", &[DoneErrors], &["more than 5 pages"], FAST),
        case("same datasets on every page", d("same-page"), "dcat", &[DoneErrors], &["already listed on earlier pages", "/h/same-page?page=2"], FAST),
        // Broken syntax and encodings.
        case("invalid UTF-8 in Turtle", d("invalid-utf8"), "dcat", &[Done], &[], FAST),
        case("truncated Turtle", d("truncated-turtle"), "dcat", &[Failed], &["invalid Turtle", "/h/truncated-turtle"], FAST),
        case("binary garbage (octet-stream)", d("garbage"), "dcat", &[Failed], &["cannot tell the RDF syntax", "/h/garbage"], FAST),
        case("binary garbage served as Turtle", d("garbage-as-turtle"), "dcat", &[Failed], &["invalid Turtle", "/h/garbage-as-turtle"], FAST),
        case("JSON-LD nested 10,000 levels", d("deep-jsonld"), "dcat", &[Failed], &["nested deeper than 64 levels", "/h/deep-jsonld"], FAST),
        case("Turtle blank nodes nested 10,000 levels", d("deep-turtle"), "dcat", &[Done, DoneErrors, Failed], &[], SLOW),
        case("Turtle collections nested 10,000 levels", d("deep-collection"), "dcat", &[Done, DoneErrors, Failed], &[], SLOW),
        case("JSON-LD remote @context, @import, scoped context", d("jsonld-remote-context"), "dcat", &[Done], &[], FAST),
        // Wrong content types and empty answers.
        case("Turtle served as text/html", d("turtle-as-html"), "dcat", &[Done], &[], FAST),
        case("RDF/XML served as application/json", d("rdfxml-as-json"), "dcat", &[Done], &[], FAST),
        case("HTML error page with 200", d("html-200"), "dcat", &[Failed], &["expected RDF, got text/html", "/h/html-200"], FAST),
        case("empty 200 body, no Content-Type", d("empty-200"), "dcat", &[Failed], &["empty body", "/h/empty-200"], FAST),
        case("empty 200 body as text/turtle", d("empty-turtle"), "dcat", &[Failed], &["empty body", "/h/empty-turtle"], FAST),
        case("empty catalog (0 datasets)", d("empty-catalog"), "dcat", &[Done], &[], FAST),
        case("HTTP 500 on the catalog", d("http-500"), "dcat", &[Failed], &["HTTP 500 from", "/h/http-500"], SLOW),
        case("HTTP 404 on the catalog", d("http-404"), "dcat", &[Failed], &["HTTP 404 from", "/h/http-404"], FAST),
    ];
    let c = |name: &str| h.url(&format!("/ckan/{name}"));
    v.extend([
        case("CKAN success:false", c("ckan-success-false"), "ckan", &[Failed], &["Authorization Error: Access denied", "package_list"], FAST),
        case("CKAN non-JSON answer", c("ckan-not-json"), "ckan", &[Failed], &["not JSON", "package_list"], FAST),
        case("CKAN HTML page with 200", c("ckan-html"), "ckan", &[Failed], &["HTML page instead of the CKAN API", "package_list"], FAST),
        case("CKAN JSON nested 10,000 levels", c("ckan-deep-list"), "ckan", &[Failed], &["not JSON", "recursion limit", "package_list"], FAST),
        case("CKAN package_list not a list", c("ckan-list-not-array"), "ckan", &[Failed], &["not a list", "package_list"], FAST),
        case("CKAN HTTP 500", c("ckan-500"), "ckan", &[Failed], &["HTTP 500 from", "package_list"], SLOW),
        case("CKAN 429 + Retry-After on one package_show", c("ckan-429"), "ckan", &[Done], &[], SLOW),
        case("CKAN package_show timeout on one item", c("ckan-item-timeout"), "ckan", &[DoneErrors], &["timeout after 2s", "package_show?id=ckan-item-timeout-2"], SLOW),
        case("CKAN package_show nested 10,000 levels", c("ckan-deep-package"), "ckan", &[DoneErrors], &["recursion limit", "package_show?id=ckan-deep-package-2"], FAST),
    ]);
    let o = |name: &str| h.url(&format!("/ods/{name}"));
    v.extend([
        case("ODS non-JSON answer", o("ods-not-json"), "ods", &[Failed], &["not JSON", "/ods/ods-not-json/api/explore"], FAST),
        case("ODS JSON nested 10,000 levels", o("ods-deep"), "ods", &[Failed], &["recursion limit", "/ods/ods-deep/api/explore"], FAST),
        case("ODS page without results", o("ods-no-results"), "ods", &[Failed], &["no `results` list", "/ods/ods-no-results/api/explore"], FAST),
    ]);
    v
}

/// The first error of a job: its own, else its first failed item's.
async fn first_error(env: &TestEnv, job: &HarvestJob) -> Option<String> {
    if let Some(e) = job.errors.first() {
        return Some(e.message.clone());
    }
    let failed = env
        .store
        .job_items(job.id, Some("failed"), 0, 1)
        .await
        .expect("items");
    failed
        .first()
        .and_then(|i| i.errors.first())
        .map(|e| e.message.clone())
}

fn first_note(job: &HarvestJob) -> Option<String> {
    job.data
        .get_array("gather_notes")
        .ok()
        .and_then(|a| a.first())
        .and_then(|n| n.as_str())
        .map(str::to_owned)
}

fn shorten(s: &str, max: usize) -> String {
    let one_line = s.replace(['\n', '|'], " ");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let cut: String = one_line.chars().take(max).collect();
    format!("{cut}…")
}

/// Wait for every job to be final, at most `deadline`; jobs still open are returned as `None`.
async fn wait_all(env: &TestEnv, ids: &[ObjectId], deadline: Duration) -> Vec<Option<HarvestJob>> {
    let end = Instant::now() + deadline;
    let mut out: Vec<Option<HarvestJob>> = vec![None; ids.len()];
    loop {
        for (slot, id) in out.iter_mut().zip(ids) {
            if slot.is_none() {
                let job = env.store.get_job(*id).await.expect("job");
                if job.status.is_final() {
                    *slot = Some(job);
                }
            }
        }
        if out.iter().all(Option::is_some) || Instant::now() > end {
            return out;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn took(job: &HarvestJob) -> Option<Duration> {
    let (s, e) = (job.started?, job.ended?);
    let ms = e.timestamp_millis() - s.timestamp_millis();
    Some(Duration::from_millis(ms.max(0) as u64))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "timing test: run after the suite, one test at a time, by `make test` (scripts/test.sh)"]
async fn hostile_remotes_end_quickly_with_clear_errors() {
    let wall = Instant::now();
    // Nobody may ever contact the canary.
    let canary = start(ServerOptions::default(), 0, axum::Router::new())
        .await
        .unwrap();
    let canary_base = canary.base();
    let hostile = tokio::task::spawn_blocking(move || Hostile::new(&canary_base))
        .await
        .unwrap();
    let server = start(ServerOptions::default(), 0, hostile.routes())
        .await
        .unwrap();
    let raw = start_raw().await.unwrap();
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };

    let mut env = TestEnv::new("hostile").await;
    {
        let s = &mut env.settings;
        s.http.allow_private = false;
        s.http.allow_hosts = vec![
            server.host_port(),
            raw.host_port(),
            format!("127.0.0.1:{closed}"),
        ];
        s.http.max_body_bytes = LIMIT;
        s.http.request_timeout_secs = 2;
        s.http.connect_timeout_secs = 2;
        s.http.max_redirects = 3;
        s.http.per_host_concurrency = 64;
        s.harvest.max_pages = 5;
        s.harvest.item_attempts = 3;
        // Every case must end on its own errors, not through the stalled-job sweeper (which
        // also re-publishes the gather of a job left pending in the queue).
        s.harvest.stall_requeue_secs = 60;
        s.harvest.stall_timeout_secs = 120;
    }
    env.start_worker();
    env.start_worker();

    // A normal catalog, queued first: harvested alongside the hostile ones.
    let ok_first = env
        .source(&server.url("/h/ok-first"), "dcat", SourceConfig::default())
        .await;
    let ok_first_job = env.run(&ok_first, false).await;

    let cases = cases(&server, &raw, closed, &canary);
    assert!(cases.len() >= 30, "the corpus has {} cases", cases.len());
    let mut ids = Vec::new();
    let mut sources = HashMap::new();
    for c in &cases {
        let source = env.source(&c.url, c.backend, SourceConfig::default()).await;
        let job = env.run(&source, false).await;
        sources.insert(c.name, source.id);
        ids.push(job.id);
    }
    let finished = wait_all(&env, &ids, Duration::from_secs(150)).await;

    let mut outcomes = Vec::new();
    for (c, job) in cases.iter().zip(finished) {
        let (first_error, note, took) = match &job {
            Some(j) => (first_error(&env, j).await, first_note(j), took(j)),
            None => (None, None, None),
        };
        outcomes.push(Outcome {
            name: c.name,
            job,
            first_error,
            note,
            took,
        });
    }

    // The table, for the issue note and docs/security.md.
    println!("\n| case | job status | counters (total/created/failed) | time | first error (or gather note) |");
    println!("|---|---|---|---|---|");
    for o in &outcomes {
        let (status, counters) = match &o.job {
            Some(j) => (
                j.status.as_str().to_owned(),
                format!(
                    "{}/{}/{}",
                    j.counters.total, j.counters.created, j.counters.failed
                ),
            ),
            None => ("**HUNG**".into(), "-".into()),
        };
        let text = match (&o.first_error, &o.note) {
            (Some(e), _) => shorten(e, 400),
            (None, Some(n)) => format!("note: {}", shorten(n, 300)),
            (None, None) => "—".into(),
        };
        let t = o
            .took
            .map(|d| format!("{:.1}s", d.as_secs_f64()))
            .unwrap_or_else(|| "-".into());
        println!("| {} | {status} | {counters} | {t} | {text} |", o.name);
    }
    println!();

    let mut problems = Vec::new();
    for (c, o) in cases.iter().zip(&outcomes) {
        let Some(job) = &o.job else {
            problems.push(format!("{}: job did not end within 150 s", c.name));
            continue;
        };
        if !c.statuses.contains(&job.status) {
            problems.push(format!(
                "{}: status {} not in {:?} ({:?})",
                c.name, job.status, c.statuses, o.first_error
            ));
        }
        match (&o.first_error, c.needles.is_empty()) {
            (Some(e), false) => {
                for n in &c.needles {
                    if !e.contains(n.as_str()) {
                        problems.push(format!("{}: error lacks {n:?}: {e}", c.name));
                    }
                }
            }
            (None, false) => problems.push(format!("{}: no error reported", c.name)),
            _ => {}
        }
        if job.status == Failed && o.first_error.is_none() {
            problems.push(format!("{}: failed without an error message", c.name));
        }
        match o.took {
            Some(t) if t > c.bound => {
                problems.push(format!("{}: took {t:?}, bound {:?}", c.name, c.bound))
            }
            None => problems.push(format!("{}: no start/end dates", c.name)),
            _ => {}
        }
    }

    // Specific checks.
    let by_name = |name: &str| {
        outcomes
            .iter()
            .find(|o| o.name == name)
            .and_then(|o| o.job.clone())
    };
    let mut check = |ok: bool, what: String| {
        if !ok {
            problems.push(what);
        }
    };
    if let Some(j) = by_name("empty catalog (0 datasets)") {
        check(
            j.counters.total == 0 && j.counters.archived == 0,
            format!("empty catalog: {:?}", j.counters),
        );
    }
    if let Some(j) = by_name("CKAN 429 + Retry-After on one package_show") {
        check(
            j.counters.created == 3,
            format!("CKAN 429: {:?}", j.counters),
        );
        check(
            hostile.ckan_seen("ckan-429").shows_of("ckan-429-2") >= 2,
            "CKAN 429: the item was not retried".into(),
        );
    }
    // A listing that fails with 5xx is retried (http.page_attempts = 3) before the job fails.
    for (key, hits) in [
        ("http-500", hostile.hits_of("http-500")),
        ("ckan-500", hostile.ckan_seen("ckan-500").requests()),
    ] {
        check(hits == 3, format!("{key}: {hits} attempts, expected 3"));
    }
    if let Some(j) = by_name("CKAN package_show timeout on one item") {
        check(
            (j.counters.created, j.counters.failed) == (2, 1),
            format!("CKAN item timeout: {:?}", j.counters),
        );
    }
    for name in [
        "JSON-LD remote @context, @import, scoped context",
        "invalid UTF-8 in Turtle",
        "Turtle served as text/html",
        "RDF/XML served as application/json",
        "1.5 MiB literal (under the limit)",
        "5,000 distributions on one dataset",
    ] {
        if let Some(j) = by_name(name) {
            check(
                j.counters.total > 0 && j.counters.created == j.counters.total,
                format!("{name}: not every dataset created: {:?}", j.counters),
            );
        }
    }
    let datasets = env.store.raw("dataset");
    let empty_source = sources["empty catalog (0 datasets)"].to_hex();
    let stored = datasets
        .count_documents(doc! { "harvest.source_id": empty_source })
        .await
        .unwrap();
    check(
        stored == 0,
        format!("empty catalog stored {stored} datasets"),
    );
    // The 5,000 distributions were all kept.
    let many = datasets
        .find_one(doc! { "harvest.remote_id": "many-distributions" })
        .await
        .unwrap();
    let resources = many
        .as_ref()
        .and_then(|d| d.get_array("resources").ok())
        .map_or(0, Vec::len);
    check(
        resources == e2e::hostile::MANY_DISTRIBUTIONS,
        format!("many-distributions: {resources} resources stored"),
    );
    // No secret leaked into a dataset through an entity.
    let mut cursor = datasets
        .find(doc! {})
        .projection(doc! { "title": 1, "description": 1 })
        .await
        .unwrap();
    while cursor.advance().await.unwrap() {
        let text = format!("{}", cursor.deserialize_current().unwrap());
        check(
            !text.contains("root:x:0:0"),
            format!("/etc/passwd leaked: {}", shorten(&text, 200)),
        );
    }

    // Nothing reached the canary; the endless bodies were cut early.
    let canary_hits = canary.request_count();
    check(
        canary_hits == 0,
        format!("{canary_hits} requests reached the canary (entity, remote context or redirect)"),
    );
    let streamed = hostile.streamed.load(Ordering::Relaxed);
    check(
        streamed < HUGE_BODY_BYTES / 8,
        format!("the server streamed {streamed} bytes of the endless bodies: read too far"),
    );
    println!(
        "canary requests: {canary_hits}; bytes of the 1 GiB + 20 MiB bodies produced: {} KiB",
        streamed >> 10
    );

    // The worker still serves normal catalogs: alongside, and after all of this.
    let first = env.wait_job(ok_first_job.id, Duration::from_secs(60)).await;
    check(
        first.status == Done && first.counters.created == 3,
        format!(
            "control harvested alongside: {} {:?}",
            first.status, first.errors
        ),
    );
    let ok_after = env
        .source(&server.url("/h/ok-after"), "dcat", SourceConfig::default())
        .await;
    let after = env.harvest(&ok_after, Duration::from_secs(30)).await;
    check(
        after.status == Done && after.counters.created == 3,
        format!(
            "control harvested after: {} {:?}",
            after.status, after.errors
        ),
    );
    println!(
        "controls: alongside {} ({} created), after {} ({} created)",
        first.status, first.counters.created, after.status, after.counters.created
    );

    if let Some(peak) = peak_rss_bytes() {
        println!(
            "peak RSS of the test process (server + worker): {} MiB",
            peak >> 20
        );
        check(peak < 1 << 30, format!("peak RSS {} MiB", peak >> 20));
    }
    let elapsed = wall.elapsed();
    println!(
        "{} hostile cases in {:.1}s",
        cases.len(),
        elapsed.as_secs_f64()
    );
    check(
        elapsed < Duration::from_secs(120),
        format!("the corpus took {elapsed:?}"),
    );
    env.stop_workers().await;
    assert!(problems.is_empty(), "problems:\n{}", problems.join("\n"));
}

/// At the default settings (not shortened ones), the three slow remotes operators meet end with
/// a clear error within 120 s, while another job runs to its end meanwhile: a catalog sending one
/// byte a second (cut by the whole-request timeout, then the fetch budget), a catalog that never
/// answers (idle timeout on each attempt, within the budget), and a CKAN `package_show` that never
/// answers (the item's attempts stop at the budget; its job ends `done-errors`).
// A timing property at default settings (budgets of 100 s), so kept out of the suite's process:
// among its 50-odd tests' runtimes, a starved runtime once fired its timers tens of seconds late.
// `make test` runs it in a process of its own beside the suite (scripts/test.sh, step 2).
#[ignore = "timing test: run in its own process by `make test` (scripts/test.sh)"]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn slow_and_silent_remotes_end_within_two_minutes_at_default_settings() {
    let started = Instant::now();
    let hostile = tokio::task::spawn_blocking(|| Hostile::new("http://127.0.0.1:9"))
        .await
        .unwrap();
    let server = start(ServerOptions::default(), 0, hostile.routes())
        .await
        .unwrap();
    let raw = start_raw().await.unwrap();
    let mut env = TestEnv::new("slowremotes").await;
    {
        let defaults = common::settings::Settings::default();
        let s = &mut env.settings;
        s.http = defaults.http.clone();
        s.http.allow_hosts = vec![server.host_port(), raw.host_port()];
        s.amqp.retry_delays_ms = defaults.amqp.retry_delays_ms.clone();
        s.harvest.item_attempts = defaults.harvest.item_attempts;
        s.harvest.stall_requeue_secs = defaults.harvest.stall_requeue_secs;
        s.harvest.stall_timeout_secs = defaults.harvest.stall_timeout_secs;
    }
    // Two workers of `worker.gathers` = 2 listings each: the two slow catalogs hold two of the
    // four listing slots for at most the fetch budget, the other sources use the rest.
    env.start_worker();
    env.start_worker();
    let cases = [
        ("one byte per second", server.url("/h/slow-drip"), "dcat"),
        ("never answers", raw.url("/never"), "dcat"),
        (
            "CKAN package_show never answers",
            server.url("/ckan/ckan-item-timeout"),
            "ckan",
        ),
    ];
    let mut jobs = vec![];
    for (name, url, backend) in &cases {
        let source = env.source(url, backend, SourceConfig::default()).await;
        jobs.push((*name, env.run(&source, false).await));
    }
    // Another catalog, queued after them, is harvested meanwhile.
    let ok = env
        .source(&server.url("/h/ok-first"), "dcat", SourceConfig::default())
        .await;
    let ok_job = env.run(&ok, false).await;
    let ok_done = env.wait_job(ok_job.id, Duration::from_secs(60)).await;
    assert_eq!(ok_done.status, Done, "{:?}", ok_done.errors);
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "the normal catalog waited {:?} behind the slow ones",
        started.elapsed()
    );

    let mut report = vec![];
    for (name, job) in jobs {
        // The harness waits longer than the bound it checks: `took` below, from the job's own
        // timestamps, is the 120 s property; a loaded CI machine must not turn a late poll into
        // a hang report.
        let done = env.wait_job(job.id, Duration::from_secs(240)).await;
        let took = done
            .ended
            .zip(done.started.or(Some(done.created)))
            .map(|(e, s)| (e.timestamp_millis() - s.timestamp_millis()) as f64 / 1000.0)
            .unwrap_or(f64::NAN);
        let error = match done.errors.first() {
            Some(e) => e.message.clone(),
            None => env
                .store
                .job_items(done.id, Some("failed"), 0, 1)
                .await
                .unwrap()
                .first()
                .and_then(|i| i.errors.first().map(|e| e.message.clone()))
                .unwrap_or_default(),
        };
        println!("{name}: {} in {took:.1}s: {error}", done.status);
        report.push((name, done, took, error));
    }
    for (name, job, took, error) in &report {
        assert!(*took <= 120.0, "{name} took {took}s");
        match *name {
            "one byte per second" => {
                assert_eq!(job.status, Failed, "{name}");
                assert!(
                    error.contains("fetch budget") || error.contains("timeout after 60s"),
                    "{name}: {error}"
                );
            }
            "never answers" => {
                assert_eq!(job.status, Failed, "{name}");
                assert!(
                    error.contains("no byte from") || error.contains("fetch budget"),
                    "{name}: {error}"
                );
            }
            _ => {
                assert_eq!(job.status, DoneErrors, "{name}");
                assert!(
                    error.contains("package_show?id=ckan-item-timeout-2")
                        && (error.contains("no byte from") || error.contains("fetch budget")),
                    "{name}: {error}"
                );
            }
        }
    }
    env.stop_workers().await;
}
