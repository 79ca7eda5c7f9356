//! Which query shapes stay fast as a collection grows (index use on the test server).
use bson::{doc, oid::ObjectId};
use mongodb::IndexModel;
use std::time::Instant;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let env = e2e::env::TestEnv::new("probeq").await;
    let c = env.store.raw("q");
    c.create_index(
        IndexModel::builder()
            .keys(doc! { "job": 1, "status": 1, "seq": 1 })
            .build(),
    )
    .await?;
    c.create_index(IndexModel::builder().keys(doc! { "a": 1, "b": 1 }).build())
        .await?;
    c.create_index(IndexModel::builder().keys(doc! { "u": 1 }).build())
        .await?;
    let job = ObjectId::new();
    for n in [1_000usize, 10_000] {
        c.delete_many(doc! {}).await?;
        let docs: Vec<_> = (0..n).map(|i| doc! { "job": job, "status": "pending", "seq": i as i64, "a": format!("s{}", i % 3), "b": format!("r{i}"), "u": format!("http://x/{i}") }).collect();
        for chunk in docs.chunks(1000) {
            c.insert_many(chunk.to_vec()).await?;
        }
        let reps = 50;
        let t = Instant::now();
        for i in 0..reps {
            c.find_one(doc! { "a": format!("s{}", i % 3), "b": format!("r{i}") })
                .await?;
        }
        println!(
            "n={n}: compound equality      {:.2} ms",
            t.elapsed().as_secs_f64() * 1000.0 / reps as f64
        );
        let t = Instant::now();
        for i in 0..reps {
            c.find_one(doc! { "$or": [ { "a": "s0", "b": format!("r{i}") }, { "u": format!("http://x/{i}") } ] }).await?;
        }
        println!(
            "n={n}: $or of indexed         {:.2} ms",
            t.elapsed().as_secs_f64() * 1000.0 / reps as f64
        );
        let t = Instant::now();
        for _ in 0..reps {
            c.find_one(doc! { "job": job, "status": "pending" })
                .sort(doc! { "seq": 1 })
                .await?;
        }
        println!(
            "n={n}: equality + sort seq    {:.2} ms",
            t.elapsed().as_secs_f64() * 1000.0 / reps as f64
        );
        let t = Instant::now();
        for i in 0..reps {
            c.find_one(doc! { "job": job, "status": "pending", "seq": { "$gte": i as i64 } })
                .await?;
        }
        println!(
            "n={n}: equality + seq range   {:.2} ms",
            t.elapsed().as_secs_f64() * 1000.0 / reps as f64
        );
        let t = Instant::now();
        for _ in 0..reps {
            c.count_documents(doc! { "job": job, "status": { "$in": ["queued", "started"] } })
                .await?;
        }
        println!(
            "n={n}: count status $in       {:.2} ms",
            t.elapsed().as_secs_f64() * 1000.0 / reps as f64
        );
        let ids: Vec<String> = (0..500).map(|i| format!("r{i}")).collect();
        let t = Instant::now();
        for _ in 0..10 {
            c.update_many(
                doc! { "a": "s0", "b": { "$in": &ids } },
                doc! { "$set": { "t": 1 } },
            )
            .await?;
        }
        println!(
            "n={n}: update_many $in 500    {:.2} ms",
            t.elapsed().as_secs_f64() * 1000.0 / 10.0
        );
    }
    Ok(())
}
