//! How the item worker's per-batch queries scale with the size of the datasets collection on the
//! configured server: the identity `$or` of `designated`, each of its branches alone, and the
//! batch's `insert_many`. `cargo run --release -p harvest-e2e --example probe_identity`.
use bson::{doc, oid::ObjectId, Document};
use std::time::Instant;

const BATCH: usize = 16;

fn dataset(source: &str, i: usize, pad: &str) -> Document {
    doc! {
        "_id": ObjectId::new(),
        "slug": format!("dataset-{source}-{i}"),
        "title": format!("Jeu de données {i}"),
        "description": pad,
        "resources": (0..5).map(|r| doc! { "id": format!("{i}-{r}"), "url": format!("http://h/{i}/{r}.csv"), "title": pad[..200].to_string() }).collect::<Vec<_>>(),
        "harvest": {
            "source_id": source,
            "remote_id": format!("http://data.example.org/dataset/{i}"),
            "domain": "data.example.org",
            "uri": format!("http://data.example.org/dataset/{i}"),
        },
    }
}

async fn time<F, Fut>(label: &str, n: usize, reps: usize, mut f: F) -> anyhow::Result<()>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let t = Instant::now();
    for r in 0..reps {
        f(r).await?;
    }
    println!(
        "n={n:>6}: {label:<36} {:>8.2} ms",
        t.elapsed().as_secs_f64() * 1000.0 / reps as f64
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let env = e2e::env::TestEnv::new("probeid").await;
    let c = env.store.raw("dataset");
    let source = ObjectId::new().to_hex();
    let pad = "x".repeat(4000);
    let mut n = 0usize;
    for target in [10_000usize, 50_000, 100_000] {
        while n < target {
            let docs: Vec<Document> = (n..n + 1000).map(|i| dataset(&source, i, &pad)).collect();
            c.insert_many(docs).await?;
            n += 1000;
        }
        // Remote ids not stored yet (a first harvest's batch).
        let ids = |r: usize| -> Vec<String> {
            (0..BATCH)
                .map(|k| format!("http://data.example.org/dataset/new-{r}-{k}"))
                .collect()
        };
        let projection =
            doc! { "_id": 1, "resources.id": 1, "resources.created_at_internal": 1, "harvest": 1 };
        let find = |filter: Document| {
            let c = c.clone();
            let projection = projection.clone();
            async move {
                let mut cur = c.find(filter).projection(projection).await?;
                while cur.advance().await? {}
                anyhow::Ok(())
            }
        };
        time("$or of the four branches", n, 20, |r| {
            let ids = ids(r);
            find(doc! { "$or": [
                { "harvest.source_id": &source, "harvest.remote_id": { "$in": &ids } },
                { "harvest.domain": "data.example.org", "harvest.remote_id": { "$in": &ids } },
                { "harvest.remote_id": { "$in": &ids } },
                { "harvest.uri": { "$in": &ids } },
            ], "deleted": null })
        })
        .await?;
        time("source_id + remote_id $in", n, 20, |r| {
            let ids = ids(r);
            find(doc! { "harvest.source_id": &source, "harvest.remote_id": { "$in": &ids }, "deleted": null })
        })
        .await?;
        time("domain + remote_id $in", n, 20, |r| {
            let ids = ids(r);
            find(doc! { "harvest.domain": "data.example.org", "harvest.remote_id": { "$in": &ids }, "deleted": null })
        })
        .await?;
        time("remote_id $in", n, 20, |r| {
            let ids = ids(r);
            find(doc! { "harvest.remote_id": { "$in": &ids }, "deleted": null })
        })
        .await?;
        time("uri $in", n, 20, |r| {
            let ids = ids(r);
            find(doc! { "harvest.uri": { "$in": &ids }, "deleted": null })
        })
        .await?;
        time("insert_many of a batch", n, 20, |r| {
            let c = c.clone();
            let pad = pad.clone();
            let source = source.clone();
            async move {
                let docs: Vec<Document> = (0..BATCH)
                    .map(|k| dataset(&source, 10_000_000 + r * BATCH + k + n, &pad))
                    .collect();
                c.insert_many(docs).await?;
                anyhow::Ok(())
            }
        })
        .await?;
    }
    env.store.drop_database().await?;
    Ok(())
}
