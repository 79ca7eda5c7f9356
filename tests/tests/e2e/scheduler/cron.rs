//! Cron scheduling on the real services: a due source fires once, several scheduler replicas
//! evaluating schedules at the same moment start one job (the claim is atomic in MongoDB),
//! a source whose previous run still goes is not started twice, and pending, refused, inactive
//! or manual sources never fire.

use bson::doc;
use chrono::Utc;
use common::queue::Broker;
use e2e::admin;
use e2e::env::TestEnv;
use scheduler::cron;
use scheduler::service::{Service, ValidationInput};
use serde_json::json;

fn replica(env: &TestEnv) -> Service {
    Service::new(
        env.settings.clone(),
        env.store.clone(),
        Broker::new(&env.settings.amqp),
    )
}

async fn jobs_of(env: &TestEnv, source: &str) -> u64 {
    let id = bson::oid::ObjectId::parse_str(source).unwrap();
    env.store
        .jobs()
        .count_documents(doc! { "source": id })
        .await
        .unwrap()
}

/// Make a source due now (as if its next run time had come).
async fn make_due(env: &TestEnv, source: &str) {
    let id = bson::oid::ObjectId::parse_str(source).unwrap();
    let past = bson::DateTime::from_millis(bson::DateTime::now().timestamp_millis() - 1_000);
    env.store.set_next_run(id, Some(past)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn due_sources_fire_once_across_replicas() {
    let (env, api) = admin::start(|_| {}).await;
    let (status, body) = api
        .post(
            "/api/1/sources",
            &json!({ "name": "Nightly", "url": "https://remote.example.org/catalog.ttl", "backend": "dcat", "schedule": "0 2 * * *" }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_str().unwrap().to_owned();

    // Pending validation: never scheduled, even when due.
    make_due(&env, &id).await;
    let a = replica(&env);
    assert_eq!(cron::tick(&a, Utc::now()).await.unwrap(), 0);
    assert_eq!(jobs_of(&env, &id).await, 0);

    api.accept(&id).await;
    // First evaluation computes the next nightly run, in the future: nothing fires.
    assert_eq!(cron::tick(&a, Utc::now()).await.unwrap(), 0);
    let src = env.store.find_source(&id).await.unwrap();
    let next = src.next_run_at.expect("next run computed").to_chrono();
    assert!(next > Utc::now());
    assert_eq!(next.format("%H:%M").to_string(), "02:00");

    // The time comes: three replicas evaluate at the same moment, one job starts.
    make_due(&env, &id).await;
    let (b, c) = (replica(&env), replica(&env));
    let now = Utc::now();
    let (ra, rb, rc) = tokio::join!(
        cron::tick(&a, now),
        cron::tick(&b, now),
        cron::tick(&c, now)
    );
    assert_eq!(ra.unwrap() + rb.unwrap() + rc.unwrap(), 1);
    assert_eq!(jobs_of(&env, &id).await, 1);
    let job = env.store.jobs().find_one(doc! {}).await.unwrap().unwrap();
    assert_eq!(job.trigger, common::model::JobTrigger::Cron);
    let src = env.store.find_source(&id).await.unwrap();
    assert!(
        src.next_run_at.unwrap().to_chrono() > Utc::now(),
        "next run moved forward"
    );

    // Due again while that job still runs: skipped, not doubled.
    make_due(&env, &id).await;
    assert_eq!(cron::tick(&a, Utc::now()).await.unwrap(), 0);
    assert_eq!(jobs_of(&env, &id).await, 1);

    // Manual schedule and inactive sources never fire.
    let (status, _) = api
        .put(
            &format!("/api/1/sources/{id}"),
            &json!({ "schedule": "manual" }),
        )
        .await;
    assert_eq!(status, 200);
    make_due(&env, &id).await;
    assert_eq!(cron::tick(&a, Utc::now()).await.unwrap(), 0);
    a.broker.close().await;
    b.broker.close().await;
    c.broker.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_sources_never_fire() {
    let (env, api) = admin::start(|_| {}).await;
    let (_, body) = api
        .post(
            "/api/1/sources",
            &json!({ "name": "Refused", "url": "https://remote.example.org/", "backend": "ckan", "schedule": "* * * * *" }),
        )
        .await;
    let id = body["id"].as_str().unwrap().to_owned();
    let svc = replica(&env);
    svc.validate_source(
        &id,
        ValidationInput {
            state: common::model::ValidationState::Refused,
            comment: Some("not an open data portal".into()),
            by: None,
        },
    )
    .await
    .unwrap();
    make_due(&env, &id).await;
    assert_eq!(cron::tick(&svc, Utc::now()).await.unwrap(), 0);
    assert_eq!(jobs_of(&env, &id).await, 0);
    svc.broker.close().await;
}
