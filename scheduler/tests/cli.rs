//! The operator CLI speaks to people: an expected outcome (here a source that does not exist)
//! prints its error and exits 1, with no backtrace whatever `RUST_BACKTRACE` says, and no library
//! log line (lapin's I/O loop ending) around it.

use std::process::Command;

#[test]
fn an_expected_failure_prints_the_error_not_a_backtrace() {
    let db = format!("t_cli_{}", std::process::id());
    let out = Command::new(env!("CARGO_BIN_EXE_harvest-scheduler"))
        .args(["run", "no-such-source", "--wait"])
        .env("RUST_BACKTRACE", "1")
        .env("HARVEST__MONGODB__DATABASE", &db)
        .env("HARVEST__AMQP__PREFIX", format!("{db}."))
        .env("HARVEST__METRICS__BIND", "")
        .env_remove("RUST_LOG")
        .output()
        .expect("run harvest-scheduler");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("Error: harvest source no-such-source not found"),
        "{stderr}"
    );
    for noise in ["backtrace", "lapin", "ERROR", "panicked"] {
        assert!(!stderr.contains(noise), "{noise:?} in:\n{stderr}");
    }
    // The CLI created nothing in that database but its indexes: drop it.
    let _ = Command::new(env!("CARGO_BIN_EXE_harvest-scheduler"))
        .args(["drop-database", "--yes"])
        .env("HARVEST__MONGODB__DATABASE", &db)
        .env("HARVEST__METRICS__BIND", "")
        .output();
}

/// `sources webhooks add|list|deliveries|delete`: the secret comes from the environment and is
/// never printed.
#[test]
fn webhook_subscriptions_from_the_cli() {
    let db = format!("t_cli_hooks_{}", std::process::id());
    let secret = "cli-owner-secret-0123456789";
    let cli = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_harvest-scheduler"))
            .args(args)
            .env("HARVEST__MONGODB__DATABASE", &db)
            .env("HARVEST__AMQP__PREFIX", format!("{db}."))
            .env("HARVEST__METRICS__BIND", "")
            .env("HOOK_SECRET", secret)
            .env_remove("RUST_LOG")
            .output()
            .expect("run harvest-scheduler");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!stdout.contains(secret) && !stderr.contains(secret));
        (out.status.code(), stdout, stderr)
    };
    let (code, source, err) = cli(&[
        "sources",
        "create",
        "--name",
        "CLI hooks",
        "--url",
        "https://data.example.org/catalog.ttl",
        "--backend",
        "dcat",
    ]);
    assert_eq!(code, Some(0), "{err}");
    let source = source.trim().to_owned();
    let (code, hook, err) = cli(&[
        "sources",
        "webhooks",
        "add",
        &source,
        "--url",
        "https://owner.example.org/hook",
        "--event",
        "failed,done-errors",
        "--secret-env",
        "HOOK_SECRET",
    ]);
    assert_eq!(code, Some(0), "{err}");
    let hook = hook.trim().to_owned();
    let (code, list, _) = cli(&["sources", "webhooks", "list", &source]);
    assert_eq!(code, Some(0));
    assert!(
        list.contains(&hook) && list.contains("failed,done-errors"),
        "{list}"
    );
    assert!(list.contains("signed=yes") && list.contains("https://owner.example.org/hook"));
    let (code, json, _) = cli(&["sources", "webhooks", "list", &source, "--json"]);
    assert_eq!(code, Some(0));
    assert!(json.contains("\"secret_set\": true"), "{json}");
    // A private address is refused by the SSRF guard, naming the field.
    let (code, _, err) = cli(&[
        "sources",
        "webhooks",
        "add",
        &source,
        "--url",
        "http://10.0.0.1/hook",
        "--event",
        "failed",
    ]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("invalid url") && err.contains("10.0.0.1"),
        "{err}"
    );
    let (code, deliveries, _) = cli(&["sources", "webhooks", "deliveries", &source]);
    assert_eq!((code, deliveries.trim()), (Some(0), ""));
    let (code, _, err) = cli(&["sources", "webhooks", "delete", &source, &hook]);
    assert_eq!(code, Some(0), "{err}");
    let (_, list, _) = cli(&["sources", "webhooks", "list", &source]);
    assert_eq!(list.trim(), "");
    let _ = cli(&["drop-database", "--yes"]);
}
