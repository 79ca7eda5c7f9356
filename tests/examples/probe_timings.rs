//! Prints stage timings of the items of the newest job in a database (HARVEST__MONGODB__DATABASE).
use bson::doc;
use futures::TryStreamExt;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let s = common::settings::Settings::load(None)?;
    let store = common::storage::Store::connect(&s.mongodb).await?;
    let job = store.recent_jobs(1).await?.pop().expect("a job");
    println!(
        "job {} {:?} created {:?} started {:?} ended {:?}",
        job.id, job.counters, job.created, job.started, job.ended
    );
    let items: Vec<bson::Document> = store
        .raw("harvest_item")
        .find(doc! { "job": job.id })
        .sort(doc! {"seq": 1})
        .await?
        .try_collect()
        .await?;
    for it in items.iter().take(5).chain(items.iter().rev().take(3)) {
        println!(
            "{} created={:?} started={:?} ended={:?} timings={:?} attempts={:?}",
            it.get_str("remote_id")?,
            it.get("created"),
            it.get("started"),
            it.get("ended"),
            it.get("timings"),
            it.get("attempts")
        );
    }
    Ok(())
}
