//! The scheduler's tests on the real services (formerly its own test binaries): the admin API
//! and its pages served in-process on the one test environment ([`e2e::admin`]), cron
//! scheduling across replicas, dead letters, and the report pages as headless Chromium renders
//! them. The CLI's test stays in `scheduler/tests/cli.rs`: it runs the scheduler's own binary.

mod api;
mod cron;
mod deadletters;
mod report_browser;

use bson::oid::ObjectId;
use common::model::{
    HarvestError, HarvestItem, HarvestJob, ItemStatus, JobStatus, JobTrigger, Payload,
};
use common::storage::Store;

/// A job of `source` written directly in MongoDB: processing, gather still running, with three
/// items (one created, one failed with details, one pending with a payload).
pub struct SeededJob {
    pub job: HarvestJob,
    pub done_remote_id: String,
    pub failed_message: String,
    pub failed_details: String,
}

pub async fn seed_job(store: &Store, source: ObjectId) -> SeededJob {
    let mut job = HarvestJob::new(source, JobTrigger::Manual, false);
    job.status = JobStatus::Processing;
    job.started = Some(bson::DateTime::now());
    job.counters.done = 2;
    job.counters.created = 1;
    job.counters.failed = 1;
    job.data =
        bson::doc! { "archive": { "skipped": "the listing was incomplete: nothing archived" } };
    store.jobs().insert_one(&job).await.expect("insert job");
    let done_remote_id = "remote-done-arbres".to_owned();
    let failed_message = "Date de modification illisible : « 31/02/2024 »".to_owned();
    let failed_details =
        "MapError::Date { value: \"31/02/2024\" }\n  at mapping::dates::parse".to_owned();
    let now = bson::DateTime::now();
    let item = |seq: i64, remote_id: &str, status: ItemStatus| HarvestItem {
        remote_url: Some(format!("https://remote.example.org/datasets/{remote_id}")),
        status,
        ..HarvestItem::listed(job.id, source, seq, remote_id.into(), now)
    };
    let mut done = item(0, &done_remote_id, ItemStatus::Done);
    done.dataset = Some(ObjectId::new());
    done.created_dataset = Some(true);
    done.warnings = vec!["licence inconnue : « maison »".into()];
    done.timings = Some(bson::doc! { "map": 3.5, "write": 1.0 });
    let mut failed = item(1, "remote-failed-budget", ItemStatus::Failed);
    failed.errors = vec![HarvestError::new(
        failed_message.clone(),
        Some(failed_details.clone()),
    )];
    let mut pending = item(2, "remote-pending-velos", ItemStatus::Pending);
    pending.payload = Some(Payload::Json("{\"secret\": \"payload\"}".into()));
    store
        .items()
        .insert_many([done, failed, pending])
        .await
        .expect("insert items");
    SeededJob {
        job,
        done_remote_id,
        failed_message,
        failed_details,
    }
}
