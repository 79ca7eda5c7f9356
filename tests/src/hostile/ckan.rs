//! The broken CKAN portals of the hostile server (`/ckan/{case}`), each the test kit's fake CKAN
//! over three packages `{case}-1..3` with one misbehaviour: `success: false`, non-JSON, an HTML
//! page, JSON nested 10,000 levels, a listing that is not a list, HTTP 500 on every call; or, on
//! the package `{case}-2` only, `429` once, no answer for 120 s, a package nested 10,000 levels.

use std::time::Duration;

use serde_json::json;

use super::{deep_json, DEEP};
use crate::kit::ckan::{package, Canned, FakeCkan, ItemFault};

const JSON: Option<&str> = Some("application/json");

/// The portal of `case`: its packages `{case}-1`, `{case}-2`, `{case}-3`.
fn portal(case: &str) -> FakeCkan {
    FakeCkan::new((1..=3).map(|i| package(&format!("{case}-{i}"))).collect())
}

/// Every broken portal, by case.
pub(super) fn portals() -> Vec<(String, FakeCkan)> {
    let failing = |case: &str, answer: Canned| (case.to_owned(), portal(case).failing(answer));
    let item = |case: &str, fault: ItemFault| {
        (
            case.to_owned(),
            portal(case).item_fault(&format!("{case}-2"), fault),
        )
    };
    let deep_list = format!(
        "{{\"success\": true, \"result\": {}{}}}",
        "[".repeat(DEEP),
        "]".repeat(DEEP)
    );
    vec![
        failing(
            "ckan-success-false",
            Canned::new(
                200,
                JSON,
                r#"{"success": false, "error": {"__type": "Authorization Error", "message": "Access denied: API key invalid"}}"#,
            ),
        ),
        failing(
            "ckan-not-json",
            Canned::new(200, JSON, "Internal error: <<<oops>>>"),
        ),
        failing(
            "ckan-html",
            Canned::new(
                200,
                Some("text/html"),
                "<!DOCTYPE html><html><body>Drupal front page</body></html>",
            ),
        ),
        failing("ckan-deep-list", Canned::new(200, JSON, deep_list)),
        (
            "ckan-list-not-array".to_owned(),
            portal("ckan-list-not-array").list(json!({"not": "a list"})),
        ),
        failing(
            "ckan-500",
            Canned::new(500, Some("text/html"), "<h1>Internal Server Error</h1>"),
        ),
        item("ckan-429", ItemFault::TooManyRequestsOnce(1)),
        item(
            "ckan-item-timeout",
            ItemFault::Hang(Duration::from_secs(120)),
        ),
        item(
            "ckan-deep-package",
            ItemFault::Answer(Canned::new(200, JSON, deep_json(DEEP, "result"))),
        ),
    ]
}
