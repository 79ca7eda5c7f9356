//! The admin API end to end on the real MongoDB and RabbitMQ: the source form's validation,
//! authentication, the validation workflow gating runs, the one-running-job rule, soft delete,
//! live job counters and items, preview (which writes nothing), the OpenAPI document, and the
//! HTML report.

use std::collections::BTreeSet;

use bson::doc;
use bson::oid::ObjectId;
use e2e::admin::{self, TOKEN};
use reqwest::Method;
use serde_json::{json, Value};

use super::seed_job;

fn oid(v: &Value) -> ObjectId {
    ObjectId::parse_str(v.as_str().expect("id string")).expect("object id")
}

#[tokio::test]
async fn create_refuses_invalid_fields_naming_them() {
    let (_env, api) = admin::start(|_| {}).await;
    let cases = [
        (
            json!({ "url": "https://data.example.org", "backend": "dcat" }),
            "name",
        ),
        (
            json!({ "name": "  ", "url": "https://data.example.org", "backend": "dcat" }),
            "name",
        ),
        (
            json!({ "name": "A", "url": "data.angers.fr", "backend": "dcat" }),
            "url",
        ),
        (
            json!({ "name": "A", "url": "ftp://data.angers.fr", "backend": "dcat" }),
            "url",
        ),
        (
            json!({ "name": "A", "url": "https://data.angers.fr", "backend": "csw" }),
            "backend",
        ),
        (
            json!({ "name": "A", "url": "https://data.angers.fr" }),
            "backend",
        ),
        (
            json!({ "name": "A", "url": "https://data.angers.fr", "backend": "dcat", "schedule": "every day" }),
            "schedule",
        ),
        (
            json!({ "name": "A", "url": "https://data.angers.fr", "backend": "ckan",
                    "filters": [{ "key": "organization", "value": "x" }, { "key": "colour", "value": "red" }] }),
            "filters[1].key",
        ),
        (
            json!({ "name": "A", "url": "https://data.angers.fr", "backend": "dcat", "features": { "teleport": true } }),
            "features",
        ),
        // Bad JSON shapes: unknown field, wrong type.
        (
            json!({ "name": "A", "url": "https://data.angers.fr", "backend": "dcat", "colour": 1 }),
            "colour",
        ),
        (
            json!({ "name": "A", "url": "https://data.angers.fr", "backend": "dcat", "active": "yes" }),
            "active",
        ),
    ];
    for (body, field) in cases {
        let (status, err) = api.post("/api/1/sources", &body).await;
        assert_eq!(status, 400, "{body} -> {err}");
        assert_eq!(err["field"], field, "{body} -> {err}");
        assert!(
            err["error"].as_str().is_some_and(|m| !m.is_empty()),
            "{err}"
        );
    }
    // Malformed JSON.
    let resp = api
        .http
        .post(api.url("/api/1/sources"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let err: Value = resp.json().await.unwrap();
    assert!(
        err["error"].as_str().unwrap().contains("malformed JSON"),
        "{err}"
    );
    // Nothing was saved.
    let (status, list) = api.get("/api/1/sources").await;
    assert_eq!(status, 200);
    assert_eq!(list, json!([]));

    // A valid one is created pending, with a slug and a Location.
    let resp = api
        .http
        .post(api.url("/api/1/sources"))
        .bearer_auth(TOKEN)
        .json(&json!({ "name": "Plateforme open data Grand Lyon", "url": "https://data.grandlyon.com",
                       "backend": "ckan", "filters": [{ "key": "tags", "value": "transport", "type": "exclude" }] }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = resp.json().await.unwrap();
    assert_eq!(created["slug"], "plateforme-open-data-grand-lyon");
    assert_eq!(created["validation"]["state"], "pending");
    assert_eq!(created["config"]["filters"][0]["type"], "exclude");
    assert!(created.get("_id").is_none());
    assert_eq!(
        location,
        format!("/api/1/sources/{}", created["id"].as_str().unwrap())
    );
    let (status, by_slug) = api
        .get("/api/1/sources/plateforme-open-data-grand-lyon")
        .await;
    assert_eq!(status, 200);
    assert_eq!(by_slug["id"], created["id"]);
    let (status, err) = api.get("/api/1/sources/nope").await;
    assert_eq!(status, 404, "{err}");
    assert!(err["error"].is_string());
}

#[tokio::test]
async fn writes_need_a_valid_token() {
    let (_env, api) = admin::start(|_| {}).await;
    let body = json!({ "name": "Auth", "url": "https://data.example.org", "backend": "dcat" });
    let (status, err) = api
        .call(Method::POST, "/api/1/sources", Some(&body), None)
        .await;
    assert_eq!(status, 401, "{err}");
    assert!(err["error"].as_str().unwrap().contains("Bearer"), "{err}");
    let (status, err) = api
        .call(
            Method::POST,
            "/api/1/sources",
            Some(&body),
            Some("wrong-token"),
        )
        .await;
    assert_eq!(status, 401, "{err}");
    assert_eq!(err["error"], "invalid API token");
    // A wrong scheme is no token.
    let resp = api
        .http
        .post(api.url("/api/1/sources"))
        .header("authorization", format!("Basic {TOKEN}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    assert!(resp.headers().contains_key("www-authenticate"));
    let (status, created) = api
        .call(Method::POST, "/api/1/sources", Some(&body), Some(TOKEN))
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap();
    for (method, path) in [
        (Method::PUT, format!("/api/1/sources/{id}")),
        (Method::DELETE, format!("/api/1/sources/{id}")),
        (Method::POST, format!("/api/1/sources/{id}/validate")),
        (Method::POST, format!("/api/1/sources/{id}/run")),
        (Method::POST, format!("/api/1/sources/{id}/preview")),
        (Method::POST, "/api/1/preview".to_owned()),
    ] {
        let (status, err) = api
            .call(method.clone(), &path, Some(&json!({})), None)
            .await;
        assert_eq!(status, 401, "{method} {path}: {err}");
    }
    // Reads are public by default.
    let (status, _) = api.get(&format!("/api/1/sources/{id}")).await;
    assert_eq!(status, 200);
    let (status, _) = api.get("/admin/").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn private_reads_and_unconfigured_tokens() {
    let (_private_env, private) = admin::start(|s| s.api.public_reads = false).await;
    let (status, _) = private.get("/api/1/sources").await;
    assert_eq!(status, 401);
    let (status, _) = private
        .call(Method::GET, "/api/1/sources", None, Some("nope"))
        .await;
    assert_eq!(status, 401);
    let (status, list) = private
        .call(Method::GET, "/api/1/sources", None, Some(TOKEN))
        .await;
    assert_eq!(status, 200, "{list}");
    let (status, _) = private.page("/admin/").await;
    assert_eq!(status, 401);

    let (_closed_env, closed) = admin::start(|s| s.api.tokens = vec![]).await;
    let body = json!({ "name": "No token", "url": "https://data.example.org", "backend": "dcat" });
    let (status, err) = closed
        .call(
            Method::POST,
            "/api/1/sources",
            Some(&body),
            Some("anything"),
        )
        .await;
    assert_eq!(status, 401, "{err}");
    let message = err["error"].as_str().unwrap();
    assert!(
        message.contains("api.tokens") && message.contains("configured"),
        "{message}"
    );
    let (status, _) = closed.get("/api/1/sources").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn only_accepted_sources_run_and_one_job_at_a_time() {
    let (env, api) = admin::start(|_| {}).await;
    let source = api
        .create_source("Gating", "https://data.example.org/catalog.ttl")
        .await;
    let id = source["id"].as_str().unwrap();

    let (status, err) = api
        .post(&format!("/api/1/sources/{id}/run"), &json!({}))
        .await;
    assert_eq!(status, 409, "{err}");
    assert!(err["error"].as_str().unwrap().contains("pending"), "{err}");

    // Refusing needs a comment.
    let (status, err) = api
        .post(
            &format!("/api/1/sources/{id}/validate"),
            &json!({ "state": "refused" }),
        )
        .await;
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["field"], "comment");
    let (status, err) = api
        .post(
            &format!("/api/1/sources/{id}/validate"),
            &json!({ "state": "maybe" }),
        )
        .await;
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["field"], "state");

    api.accept(id).await;
    let resp = api
        .http
        .post(api.url(&format!("/api/1/sources/{id}/run")))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 202);
    let job: Value = resp.json().await.unwrap();
    assert_eq!(job["status"], "pending");
    assert_eq!(job["source"], source["id"]);
    assert_eq!(job["running"], true);
    let job_id = job["id"].as_str().unwrap();

    // The first job is still pending (no worker here): a second run is refused, naming it.
    let (status, err) = api
        .post(
            &format!("/api/1/sources/{id}/run"),
            &json!({ "force": true }),
        )
        .await;
    assert_eq!(status, 409, "{err}");
    assert!(err["error"].as_str().unwrap().contains(job_id), "{err}");
    let (status, err) = api
        .post(
            &format!("/api/1/sources/{id}/run"),
            &json!({ "forced": true }),
        )
        .await;
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["field"], "forced");

    let (status, jobs) = api.get(&format!("/api/1/sources/{id}/jobs")).await;
    assert_eq!(status, 200);
    assert_eq!(jobs.as_array().unwrap().len(), 1);
    assert_eq!(jobs[0]["id"], job_id);
    let (status, recent) = api.get("/api/1/jobs?limit=5").await;
    assert_eq!(status, 200);
    assert_eq!(recent[0]["id"], job_id);
    let (status, err) = api.get("/api/1/jobs?limit=0").await;
    assert_eq!(status, 400);
    assert_eq!(err["field"], "limit");

    // Once the job ended, the source can run again.
    env.store
        .jobs()
        .update_one(
            doc! { "_id": oid(&job["id"]) },
            doc! { "$set": { "status": "done" } },
        )
        .await
        .unwrap();
    let (status, job2) = api
        .post(
            &format!("/api/1/sources/{id}/run"),
            &json!({ "force": false }),
        )
        .await;
    assert_eq!(status, 202, "{job2}");
    assert_ne!(job2["id"], job["id"]);
}

#[tokio::test]
async fn editing_the_url_of_an_accepted_source_needs_validation_again() {
    let (_env, api) = admin::start(|_| {}).await;
    let source = api
        .create_source("Edits", "https://data.example.org/catalog.ttl")
        .await;
    let id = source["id"].as_str().unwrap();
    api.accept(id).await;

    // A description change keeps it accepted.
    let (status, s) = api
        .put(
            &format!("/api/1/sources/{id}"),
            &json!({ "description": "Catalogue principal" }),
        )
        .await;
    assert_eq!(status, 200, "{s}");
    assert_eq!(s["validation"]["state"], "accepted");
    assert_eq!(s["description"], "Catalogue principal");

    let (status, err) = api
        .put(
            &format!("/api/1/sources/{id}"),
            &json!({ "url": "example.org/other" }),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(err["field"], "url");

    let (status, s) = api
        .put(
            &format!("/api/1/sources/{id}"),
            &json!({ "url": "https://other.example.org/catalog.ttl" }),
        )
        .await;
    assert_eq!(status, 200, "{s}");
    assert_eq!(s["validation"]["state"], "pending");
    assert_eq!(s["url"], "https://other.example.org/catalog.ttl");
    let (_, fetched) = api.get(&format!("/api/1/sources/{id}")).await;
    assert_eq!(fetched["validation"]["state"], "pending");
    let (status, err) = api
        .post(&format!("/api/1/sources/{id}/run"), &json!({}))
        .await;
    assert_eq!(status, 409, "{err}");
}

#[tokio::test]
async fn soft_delete_hides_the_source() {
    let (env, api) = admin::start(|_| {}).await;
    let keep = api.create_source("Kept", "https://a.example.org/").await;
    let gone = api.create_source("Gone", "https://b.example.org/").await;
    let id = gone["id"].as_str().unwrap();
    let (status, deleted) = api.delete(&format!("/api/1/sources/{id}")).await;
    assert_eq!(status, 200, "{deleted}");
    assert!(deleted["deleted"].is_string());
    assert_eq!(deleted["active"], false);

    let (_, list) = api.get("/api/1/sources").await;
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![keep["id"].as_str().unwrap()]);
    let (_, all) = api.get("/api/1/sources?deleted=true").await;
    assert_eq!(all.as_array().unwrap().len(), 2);
    let (status, _) = api.get("/api/1/sources?deleted=perhaps").await;
    assert_eq!(status, 400);

    // Still readable by id, but no longer editable nor runnable; still in the database.
    let (status, s) = api.get(&format!("/api/1/sources/{id}")).await;
    assert_eq!(status, 200);
    assert!(s["deleted"].is_string());
    let (status, _) = api
        .put(&format!("/api/1/sources/{id}"), &json!({ "name": "Back" }))
        .await;
    assert_eq!(status, 404);
    let (status, _) = api
        .post(&format!("/api/1/sources/{id}/run"), &json!({}))
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        env.store
            .raw(common::storage::SOURCES)
            .count_documents(doc! {})
            .await
            .unwrap(),
        2
    );
    let (_, page) = api.page("/admin/").await;
    assert!(page.contains("Kept") && !page.contains("Gone"), "{page}");
}

#[tokio::test]
async fn jobs_and_items_show_live_counters() {
    let (env, api) = admin::start(|_| {}).await;
    let source = api.create_source("Live", "https://data.example.org/").await;
    let seeded = seed_job(&env.store, oid(&source["id"])).await;
    let job_id = seeded.job.id.to_hex();

    let (status, job) = api.get(&format!("/api/1/jobs/{job_id}")).await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["status"], "processing");
    assert_eq!(job["running"], true);
    // Gather still runs: total counts the items listed so far.
    assert_eq!(job["counters"]["total"], 3);
    assert_eq!(job["counters"]["done"], 2);
    assert_eq!(job["counters"]["created"], 1);
    assert_eq!(job["counters"]["failed"], 1);
    assert!(job["duration_secs"].is_number());

    // Progress is visible at once.
    env.store
        .jobs()
        .update_one(
            doc! { "_id": seeded.job.id },
            doc! { "$inc": { "counters.done": 1_i64, "counters.skipped": 1_i64 } },
        )
        .await
        .unwrap();
    let (_, job) = api.get(&format!("/api/1/jobs/{job_id}")).await;
    assert_eq!(job["counters"]["done"], 3);
    assert_eq!(job["counters"]["skipped"], 1);

    let (status, page) = api.get(&format!("/api/1/jobs/{job_id}/items")).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["total"], 3);
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert!(items
        .iter()
        .all(|i| i.get("payload").is_none() && i["id"].is_string()));
    assert_eq!(items[0]["remote_id"], seeded.done_remote_id.as_str());
    assert!(items[0]["dataset"].is_string());
    assert_eq!(items[0]["warnings"][0], "licence inconnue : « maison »");
    assert_eq!(items[0]["timings"]["map"], 3.5);

    let (_, failed) = api
        .get(&format!("/api/1/jobs/{job_id}/items?status=failed"))
        .await;
    assert_eq!(failed["total"], 1);
    assert_eq!(failed["status"], "failed");
    let err = &failed["items"][0]["errors"][0];
    assert_eq!(err["message"], seeded.failed_message.as_str());
    assert_eq!(err["details"], seeded.failed_details.as_str());

    let (_, paged) = api
        .get(&format!("/api/1/jobs/{job_id}/items?page=2&page_size=2"))
        .await;
    assert_eq!(paged["total"], 3);
    assert_eq!(paged["items"].as_array().unwrap().len(), 1);
    assert_eq!(paged["items"][0]["remote_id"], "remote-pending-velos");

    let (status, err) = api
        .get(&format!("/api/1/jobs/{job_id}/items?status=bogus"))
        .await;
    assert_eq!(status, 400);
    assert_eq!(err["field"], "status");
    let (status, err) = api
        .get(&format!("/api/1/jobs/{job_id}/items?page_size=5000"))
        .await;
    assert_eq!(status, 400);
    assert_eq!(err["field"], "page_size");
    let (status, _) = api.get("/api/1/jobs/not-an-id").await;
    assert_eq!(status, 404);
    let (status, _) = api
        .get(&format!("/api/1/jobs/{}", ObjectId::new().to_hex()))
        .await;
    assert_eq!(status, 404);
}

/// A two-dataset DCAT catalog in Turtle.
const CATALOG: &str = r#"@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .

<https://data.test.example/catalog> a dcat:Catalog ;
    dct:title "Catalogue de test" ;
    dcat:dataset <https://data.test.example/dataset/arbres>, <https://data.test.example/dataset/budget> .

<https://data.test.example/dataset/arbres> a dcat:Dataset ;
    dct:identifier "arbres" ;
    dct:title "Arbres d'alignement"@fr ;
    dct:description "Inventaire des arbres d'alignement de la ville."@fr ;
    dcat:keyword "nature", "arbres" ;
    dcat:distribution <https://data.test.example/dataset/arbres/csv> .

<https://data.test.example/dataset/arbres/csv> a dcat:Distribution ;
    dct:title "Arbres (CSV)" ;
    dcat:downloadURL <https://data.test.example/files/arbres.csv> ;
    dct:format "CSV" .

<https://data.test.example/dataset/budget> a dcat:Dataset ;
    dct:identifier "budget" ;
    dct:title "Budget primitif 2024"@fr ;
    dct:description "Budget primitif voté."@fr ;
    dcat:distribution <https://data.test.example/dataset/budget/json> .

<https://data.test.example/dataset/budget/json> a dcat:Distribution ;
    dct:title "Budget (JSON)" ;
    dcat:downloadURL <https://data.test.example/files/budget.json> ;
    dct:format "JSON" .
"#;

/// The catalog served on a loopback port; its URL.
async fn serve_catalog() -> String {
    let app = axum::Router::new().route(
        "/catalog.ttl",
        axum::routing::get(|| async {
            ([("content-type", "text/turtle; charset=utf-8")], CATALOG)
        }),
    );
    format!("{}/catalog.ttl", e2e::kit::serve(app).await)
}

fn titles(preview: &Value) -> BTreeSet<String> {
    preview["datasets"]
        .as_array()
        .map(|d| {
            d.iter()
                .filter_map(|d| d["title"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn preview_maps_datasets_and_writes_nothing() {
    let (env, api) = admin::start(|_| {}).await;
    let url = serve_catalog().await;

    let (status, err) = api.post("/api/1/preview", &json!({ "url": url })).await;
    assert_eq!(status, 400);
    assert_eq!(err["field"], "backend");
    let (status, err) = api
        .post(
            "/api/1/preview",
            &json!({ "url": "127.0.0.1/catalog.ttl", "backend": "dcat" }),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(err["field"], "url");

    let (status, preview) = api
        .post("/api/1/preview", &json!({ "url": url, "backend": "dcat" }))
        .await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["gather_error"], Value::Null, "{preview}");
    assert_eq!(preview["backend"], "dcat");
    assert_eq!(preview["listed"], 2, "{preview}");
    let expected: BTreeSet<String> = ["Arbres d'alignement", "Budget primitif 2024"]
        .map(String::from)
        .into();
    assert_eq!(titles(&preview), expected, "{preview}");

    // A saved (pending) source previews too, without being accepted.
    let source = api.create_source("Preview", &url).await;
    let id = source["id"].as_str().unwrap();
    let resp = api
        .http
        .post(api.url(&format!("/api/1/sources/{id}/preview")))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let saved: Value = resp.json().await.unwrap();
    assert_eq!(titles(&saved), expected, "{saved}");

    for collection in [
        common::storage::DATASETS,
        common::storage::UDATA_JOBS,
        common::storage::JOBS,
        common::storage::ITEMS,
        common::storage::RECORDS,
    ] {
        let n = env
            .store
            .raw(collection)
            .count_documents(doc! {})
            .await
            .unwrap();
        assert_eq!(n, 0, "preview wrote to {collection}");
    }
}

#[tokio::test]
async fn backends_are_listed_with_their_keys() {
    let (_env, api) = admin::start(|_| {}).await;
    let (status, backends) = api.get("/api/1/backends").await;
    assert_eq!(status, 200);
    let list = backends.as_array().unwrap();
    let names: Vec<&str> = list.iter().map(|b| b["name"].as_str().unwrap()).collect();
    for name in ["dcat", "ckan", "dkan", "ods"] {
        assert!(names.contains(&name), "{names:?}");
    }
    let ckan = list.iter().find(|b| b["name"] == "ckan").unwrap();
    assert_eq!(ckan["label"], "CKAN");
    let filters: Vec<&str> = ckan["filter_keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        filters.contains(&"organization") && filters.contains(&"tags"),
        "{filters:?}"
    );
    assert!(ckan["feature_keys"]
        .as_array()
        .unwrap()
        .contains(&json!("force_refresh")));
}

/// Every route of the router, as (method, OpenAPI path).
const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/1/backends"),
    ("get", "/api/1/openapi.json"),
    ("get", "/api/1/sources"),
    ("post", "/api/1/sources"),
    ("get", "/api/1/sources/{id}"),
    ("put", "/api/1/sources/{id}"),
    ("delete", "/api/1/sources/{id}"),
    ("post", "/api/1/sources/{id}/validate"),
    ("post", "/api/1/sources/{id}/run"),
    ("get", "/api/1/sources/{id}/jobs"),
    ("get", "/api/1/sources/{id}/health"),
    ("post", "/api/1/sources/{id}/preview"),
    ("post", "/api/1/preview"),
    ("get", "/api/1/jobs"),
    ("get", "/api/1/jobs/{id}"),
    ("get", "/api/1/jobs/{id}/items"),
    ("get", "/api/1/jobs/{id}/changes"),
    ("get", "/api/1/datasets/{id}"),
    ("get", "/api/1/sources/{id}/webhooks"),
    ("post", "/api/1/sources/{id}/webhooks"),
    ("get", "/api/1/sources/{id}/webhooks/deliveries"),
    ("delete", "/api/1/sources/{id}/webhooks/{hook}"),
    ("get", "/admin/"),
    ("get", "/admin/sources/{id}"),
    ("get", "/admin/jobs/{id}"),
    ("get", "/admin/jobs/{id}/changes"),
];

#[tokio::test]
async fn openapi_document_lists_every_route() {
    let (env, api) = admin::start(|_| {}).await;
    let (status, doc) = api.get("/api/1/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in ["get", "put", "post", "delete", "patch"] {
            if let Some(op) = item.get(method) {
                assert!(
                    op["responses"].is_object(),
                    "{method} {path} has no responses"
                );
                documented.insert((method.to_owned(), path.clone()));
            }
        }
    }
    let expected: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(documented, expected);

    // Every $ref resolves.
    let text = doc.to_string();
    for piece in text.split("\"$ref\":\"#/components/").skip(1) {
        let target = piece.split('"').next().unwrap();
        let mut node = &doc["components"];
        for part in target.split('/') {
            node = &node[part];
        }
        assert!(!node.is_null(), "dangling $ref {target}");
    }

    // And every documented route is served (none falls through to 404 "no route" or 405).
    // A closed local port: the preview route fails fast instead of reaching out.
    let source = api
        .create_source("Routes", "http://127.0.0.1:9/catalog.ttl")
        .await;
    let sid = source["id"].as_str().unwrap().to_owned();
    let seeded = seed_job(&env.store, oid(&source["id"])).await;
    let jid = seeded.job.id.to_hex();
    for (method, path) in ROUTES {
        let id = if path.contains("/jobs/") { &jid } else { &sid };
        let concrete = path.replace("{id}", id);
        // Delete last-ish: on a copy, so the source stays for the other routes.
        let target = if *method == "delete" {
            let other = api
                .create_source(
                    &format!("To delete {}", e2e::env::unique("source")),
                    "http://127.0.0.1:9/",
                )
                .await;
            path.replace("{id}", other["id"].as_str().unwrap())
        } else {
            concrete
        };
        let m = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap();
        let resp = api
            .http
            .request(m, api.url(&target))
            .bearer_auth(TOKEN)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let body = resp.text().await.unwrap();
        assert_ne!(status, 405, "{method} {target}");
        assert!(
            !body.contains("no route") && !body.contains("no page at"),
            "{method} {target}: {status} {body}"
        );
    }
}

#[tokio::test]
async fn html_pages_show_sources_jobs_and_the_report() {
    let (env, api) = admin::start(|_| {}).await;
    let source = api
        .create_source("Métropole <Test> & Co", "https://data.example.org/")
        .await;
    let sid = source["id"].as_str().unwrap();
    let seeded = seed_job(&env.store, oid(&source["id"])).await;
    let jid = seeded.job.id.to_hex();

    let (status, page) = api.page("/admin/").await;
    assert_eq!(status, 200);
    assert!(page.contains("<title>Harvest sources</title>"));
    assert!(page.contains("Métropole &lt;Test&gt; &amp; Co"), "{page}");
    assert!(!page.contains("<Test>"));
    assert!(page.contains(&format!("/admin/jobs/{jid}")));

    let (status, page) = api.page(&format!("/admin/sources/{sid}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("<h1>Harvest source Métropole &lt;Test&gt; &amp; Co</h1>"),
        "{page}"
    );
    assert!(page.contains("processing"));
    assert!(page.contains(&format!("/admin/jobs/{jid}")));

    let (status, page) = api.page(&format!("/admin/jobs/{jid}?status=failed")).await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("job {jid}</title>")), "{page}");
    assert!(
        page.contains(&super_escape(&seeded.failed_message)),
        "{page}"
    );
    assert!(page.contains("<details><summary>Technical details</summary>"));
    assert!(page.contains(&super_escape(&seeded.failed_details)));
    assert!(
        !page.contains(&seeded.done_remote_id),
        "done item shown under failed: {page}"
    );
    assert!(page.contains("id=\"count-failed\">1<"));
    assert!(page.contains("id=\"count-created\">1<"));
    assert!(page.contains("id=\"count-listed\">3<"));
    assert!(page.contains("Archiving skipped: the listing was incomplete"));

    let (_, page) = api.page(&format!("/admin/jobs/{jid}?status=done")).await;
    assert!(page.contains(&seeded.done_remote_id));
    assert!(!page.contains(&super_escape(&seeded.failed_message)));
    assert!(page.contains("/api/1/datasets/"));

    let (status, _) = api.page(&format!("/admin/jobs/{jid}?status=weird")).await;
    assert_eq!(status, 400);
    let (status, page) = api
        .page(&format!("/admin/jobs/{}", ObjectId::new().to_hex()))
        .await;
    assert_eq!(status, 404);
    assert!(page.contains("<h1>Not found</h1>"));
}

/// The HTML escaping the pages apply to text.
fn super_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[tokio::test]
async fn health_and_change_list_through_the_api_and_pages() {
    use common::model::{HarvestJob, JobStatus, JobTrigger};
    let (env, api) = admin::start(|s| s.health.failing_after = 2).await;
    let source = api
        .create_source("Santé <des> sources", "https://data.example.org/")
        .await;
    let sid = source["id"].as_str().unwrap().to_owned();

    // Never run: no status, no failure; manual schedule: never stale.
    let (status, h) = api.get(&format!("/api/1/sources/{sid}/health")).await;
    assert_eq!(status, 200, "{h}");
    assert_eq!(h["last_status"], Value::Null);
    assert_eq!(h["consecutive_failures"], 0);
    assert_eq!(h["stale"], false);
    assert_eq!(h["runs"], json!([]));

    // Done, then failed twice: failing (failing_after = 2), runs newest first.
    let mut ids = Vec::new();
    for (i, st) in [JobStatus::Done, JobStatus::Failed, JobStatus::Failed]
        .into_iter()
        .enumerate()
    {
        let mut job = HarvestJob::new(oid(&source["id"]), JobTrigger::Manual, false);
        job.status = st;
        let t = bson::DateTime::now().timestamp_millis() - 3_600_000 + i as i64 * 60_000;
        job.started = Some(bson::DateTime::from_millis(t));
        job.ended = Some(bson::DateTime::from_millis(t + 1_500));
        job.counters.created = if st == JobStatus::Done { 7 } else { 0 };
        env.store.record_run(&job).await.unwrap();
        ids.push(job.id.to_hex());
    }
    let (status, h) = api
        .get(&format!("/api/1/sources/{sid}/health?limit=2"))
        .await;
    assert_eq!(status, 200, "{h}");
    assert_eq!(h["last_status"], "failed");
    assert_eq!(h["consecutive_failures"], 2);
    assert_eq!(h["failing"], true);
    assert_eq!(h["runs"].as_array().unwrap().len(), 2);
    assert_eq!(h["runs"][0]["id"], ids[2]);
    assert_eq!(h["runs"][0]["duration_ms"], 1500);
    assert!(h["last_success_at"].is_string());
    let (status, e) = api
        .get(&format!("/api/1/sources/{sid}/health?limit=0"))
        .await;
    assert_eq!(status, 400, "{e}");
    assert_eq!(e["field"], "limit");
    let (status, _) = api.get("/api/1/sources/nope/health").await;
    assert_eq!(status, 404);

    // The source page draws the chart.
    let (status, page) = api.page(&format!("/admin/sources/{sid}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("<svg id=\"health-chart\""), "{page}");
    assert_eq!(page.matches("class=\"run run-").count(), 3);
    assert!(
        page.contains("id=\"health-failures\" class=\"error\">2<"),
        "{page}"
    );

    // A job whose items changed datasets: one created, one updated (title), one skipped.
    let seeded = seed_job(&env.store, oid(&source["id"])).await;
    let jid = seeded.job.id.to_hex();
    let items = env.store.raw(common::storage::ITEMS);
    items
        .update_one(
            doc! { "job": seeded.job.id, "seq": 0_i64 },
            doc! { "$set": { "change": { "kind": "created" } } },
        )
        .await
        .unwrap();
    items
        .update_one(
            doc! { "job": seeded.job.id, "seq": 1_i64 },
            doc! { "$set": { "status": "done", "dataset": ObjectId::new(),
            "change": { "kind": "updated", "fields": ["title"] } } },
        )
        .await
        .unwrap();
    let (status, c) = api.get(&format!("/api/1/jobs/{jid}/changes")).await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(c["total"], 2);
    assert_eq!(c["counts"]["created"], 1);
    assert_eq!(c["counts"]["updated"], 1);
    assert_eq!(c["counts"]["archived"], 0);
    let (status, c) = api
        .get(&format!("/api/1/jobs/{jid}/changes?kind=updated"))
        .await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(c["total"], 1);
    assert_eq!(c["changes"][0]["remote_id"], "remote-failed-budget");
    assert_eq!(c["changes"][0]["fields"], json!(["title"]));
    let (status, e) = api
        .get(&format!("/api/1/jobs/{jid}/changes?kind=renamed"))
        .await;
    assert_eq!(status, 400, "{e}");
    assert_eq!(e["field"], "kind");

    // The report links the list; the list filters by kind.
    let (_, page) = api.page(&format!("/admin/jobs/{jid}")).await;
    assert!(page.contains("id=\"changes-updated\">1 updated<"), "{page}");
    let (status, page) = api
        .page(&format!("/admin/jobs/{jid}/changes?kind=updated"))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("<code>title</code>"), "{page}");
    assert!(!page.contains(&seeded.done_remote_id), "{page}");
}

#[tokio::test]
async fn webhook_subscriptions_are_validated_and_never_show_secrets() {
    let (_env, api) = admin::start(|s| s.http.allow_private = false).await;
    let source = api
        .create_source("Hooks", "https://data.example.org/catalog.ttl")
        .await;
    let sid = source["id"].as_str().unwrap().to_owned();
    let hooks = format!("/api/1/sources/{sid}/webhooks");

    let secret = "owner-secret-0123456789";
    let (status, hook) = api
        .post(
            &hooks,
            &json!({ "url": "https://owner.example.org/hook", "events": ["failed", "done-errors", "failed"], "secret": secret }),
        )
        .await;
    assert_eq!(status, 201, "{hook}");
    assert_eq!(hook["events"], json!(["failed", "done-errors"]));
    assert_eq!(hook["secret_set"], true);
    assert!(!hook.to_string().contains(secret));

    // Invalid input names its field; the SSRF guard refuses a literal private address.
    for (body, field) in [
        (
            json!({ "url": "http://127.0.0.1:8080/x", "events": ["failed"] }),
            "url",
        ),
        (
            json!({ "url": "http://169.254.169.254/latest", "events": ["failed"] }),
            "url",
        ),
        (
            json!({ "url": "http://localhost/x", "events": ["failed"] }),
            "url",
        ),
        (
            json!({ "url": "ftp://owner.example.org/x", "events": ["failed"] }),
            "url",
        ),
        (
            json!({ "url": "https://user:pw@owner.example.org/x", "events": ["failed"] }),
            "url",
        ),
        (
            json!({ "url": "https://owner.example.org/2", "events": [] }),
            "events",
        ),
        (
            json!({ "url": "https://owner.example.org/2", "events": ["broken"] }),
            "events",
        ),
        (
            json!({ "url": "https://owner.example.org/2", "events": ["done"], "secret": "short" }),
            "secret",
        ),
        (
            json!({ "url": "https://owner.example.org/2", "events": ["done"], "hmm": 1 }),
            "hmm",
        ),
    ] {
        let (status, body) = api.post(&hooks, &body).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["field"], field, "{body}");
    }
    // The same URL twice: conflict. Writes need the token.
    let (status, body) = api
        .post(
            &hooks,
            &json!({ "url": "https://owner.example.org/hook", "events": ["done"] }),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    let (status, _) = api
        .call(
            Method::POST,
            &hooks,
            Some(&json!({ "url": "https://owner.example.org/3", "events": ["done"] })),
            None,
        )
        .await;
    assert_eq!(status, 401);

    // At most 20 subscriptions.
    for i in 2..=20 {
        let (status, body) = api
            .post(
                &hooks,
                &json!({ "url": format!("https://owner.example.org/{i}"), "events": ["stale"] }),
            )
            .await;
        assert_eq!(status, 201, "{i}: {body}");
    }
    let (status, body) = api
        .post(
            &hooks,
            &json!({ "url": "https://owner.example.org/21", "events": ["stale"] }),
        )
        .await;
    assert_eq!(status, 409, "{body}");

    let (status, list) = api.get(&hooks).await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().len(), 20);
    assert!(!list.to_string().contains(secret));
    let (status, page) = api.page(&format!("/admin/sources/{sid}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Webhooks") && page.contains("https://owner.example.org/hook"));
    assert!(!page.contains(secret));

    let id = hook["id"].as_str().unwrap();
    let (status, _) = api.delete(&format!("{hooks}/{id}")).await;
    assert_eq!(status, 204);
    let (status, _) = api.delete(&format!("{hooks}/{id}")).await;
    assert_eq!(status, 404);
    let (status, deliveries) = api.get(&format!("{hooks}/deliveries?limit=5")).await;
    assert_eq!((status, deliveries), (200, json!([])));
    let (status, _) = api.get(&format!("{hooks}/deliveries?limit=0")).await;
    assert_eq!(status, 400);
    let (status, _) = api.get("/api/1/sources/nope/webhooks").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_stale_source_notifies_its_stale_subscribers_once_per_episode() {
    let (env, api) =
        admin::start(|s| s.api.public_url = "https://harvest.example.org".into()).await;
    let source = api
        .create_source("Stale hooks", "https://data.example.org/catalog.ttl")
        .await;
    let sid = source["id"].as_str().unwrap().to_owned();
    let hooks = format!("/api/1/sources/{sid}/webhooks");
    for (url, events) in [
        ("https://owner.example.org/stale", json!(["stale"])),
        ("https://owner.example.org/jobs", json!(["failed", "done"])),
    ] {
        let (status, body) = api
            .post(&hooks, &json!({ "url": url, "events": events }))
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let svc = scheduler::service::Service::new(
        env.settings.clone(),
        env.store.clone(),
        common::queue::Broker::new(&env.settings.amqp),
    );
    let source = env.store.get_source(oid(&source["id"])).await.unwrap();
    let since = bson::DateTime::from_millis(1_700_000_000_000);
    assert_eq!(svc.notify_stale(&source, since).await.unwrap(), 1);
    // The same episode again (the health check's next pass): nothing new.
    assert_eq!(svc.notify_stale(&source, since).await.unwrap(), 0);
    let (status, deliveries) = api.get(&format!("{hooks}/deliveries")).await;
    assert_eq!(status, 200);
    let deliveries = deliveries.as_array().unwrap();
    assert_eq!(deliveries.len(), 1, "{deliveries:?}");
    assert_eq!(deliveries[0]["event"], "stale");
    assert_eq!(deliveries[0]["url"], "https://owner.example.org/stale");
    assert_eq!(deliveries[0]["status"], "pending");
    assert!(deliveries[0]["job"].is_null());
    let payload = env
        .store
        .get_delivery(oid(&deliveries[0]["id"]))
        .await
        .unwrap()
        .unwrap()
        .payload;
    let payload: Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(payload["source"]["id"], sid.as_str());
    assert_eq!(payload["stale"]["since"], "2023-11-14T22:13:20+00:00");
    assert_eq!(
        payload["report_url"],
        format!("https://harvest.example.org/admin/sources/{sid}")
    );
    // A later episode (after a success) notifies again.
    let later = bson::DateTime::from_millis(1_800_000_000_000);
    assert_eq!(svc.notify_stale(&source, later).await.unwrap(), 1);
}
