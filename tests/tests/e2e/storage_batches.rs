//! The batched writes of the item worker, on the real MongoDB-compatible server: a batch of
//! datasets upserted by identity (same source, URI remote ids from another source, collisions
//! inside one batch, taken slugs), and item finishing that counts each transition once.

use bson::doc;
use bson::oid::ObjectId;
use common::model::{
    Dataset, HarvestDatasetMetadata, HarvestError, HarvestItem, ItemStatus, Resource, SourceConfig,
};
use common::storage::{DatasetWrite, ItemFinal};
use e2e::env::TestEnv;

fn dataset(source: &common::model::HarvestSource, remote_id: &str, title: &str) -> Dataset {
    Dataset {
        title: title.into(),
        slug: title.to_lowercase().replace(' ', "-"),
        harvest: Some(HarvestDatasetMetadata {
            source_id: Some(source.id.to_hex()),
            remote_id: Some(remote_id.into()),
            ..Default::default()
        }),
        resources: vec![Resource {
            id: format!("r-{remote_id}"),
            title: "file".into(),
            url: "https://example.org/f.csv".into(),
            ..Default::default()
        }],
        ..Default::default()
    }
}

async fn dcat_source(env: &TestEnv, host: &str) -> common::model::HarvestSource {
    let url = format!("https://{host}.example.org/catalog");
    env.source(&url, "dcat", SourceConfig::default()).await
}

fn write(d: Dataset) -> DatasetWrite {
    DatasetWrite {
        dataset: d,
        contact_points: vec![],
        known: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_creates_then_updates_by_identity() {
    let env = TestEnv::new("batch_ids").await;
    let a = dcat_source(&env, "a").await;
    let b = dcat_source(&env, "b").await;
    let store = &env.store;

    // Source A: three datasets, two with the same title (their slugs must differ), one with a
    // DCAT URI.
    let uri = "https://data.example.org/dataset/shared";
    let shared = || {
        let mut d = dataset(&a, "shared-a", "Shared");
        d.harvest.as_mut().unwrap().uri = Some(uri.into());
        d
    };
    let first = store
        .upsert_datasets(
            &a,
            vec![
                write(dataset(&a, "one", "Same title")),
                write(dataset(&a, "two", "Same title")),
                write(shared()),
            ],
        )
        .await
        .expect("first batch");
    let ids: Vec<_> = first.iter().map(|r| r.as_ref().expect("written")).collect();
    assert!(ids.iter().all(|u| u.created), "{ids:?}");
    let slugs: Vec<String> = futures::future::join_all(ids.iter().map(|u| async {
        let d = store.raw("dataset").find_one(doc! { "_id": u.id }).await;
        d.unwrap().unwrap().get_str("slug").unwrap().to_owned()
    }))
    .await;
    assert_eq!(slugs[0], "same-title");
    assert_ne!(slugs[1], slugs[0], "a taken slug gets a suffix");

    // The same batch again: every dataset is updated in place, and its resource keeps its
    // creation date.
    let created_at = store
        .raw("dataset")
        .find_one(doc! { "_id": ids[0].id })
        .await
        .unwrap()
        .unwrap()
        .get_array("resources")
        .unwrap()[0]
        .as_document()
        .unwrap()
        .get("created_at_internal")
        .cloned();
    let mut renamed = dataset(&a, "one", "Renamed");
    renamed.slug = "renamed".into();
    let second = store
        .upsert_datasets(
            &a,
            vec![
                write(renamed),
                write(dataset(&a, "two", "Same title")),
                write(shared()),
            ],
        )
        .await
        .expect("second batch");
    for (before, after) in ids.iter().zip(&second) {
        let after = after.as_ref().expect("written");
        assert_eq!((after.id, after.created), (before.id, false));
    }
    let one = store
        .raw("dataset")
        .find_one(doc! { "_id": ids[0].id })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(one.get_str("title").unwrap(), "Renamed");
    assert_eq!(one.get_str("slug").unwrap(), "same-title", "slug is kept");
    assert_eq!(
        one.get_array("resources").unwrap()[0]
            .as_document()
            .unwrap()
            .get("created_at_internal")
            .cloned(),
        created_at
    );

    // Source B lists that dataset twice in one batch: once with the URI as its remote id, once
    // with another remote id and the same URI. Both designate source A's dataset.
    let mut by_uri = dataset(&b, "b-local-id", "Shared from B");
    by_uri.harvest.as_mut().unwrap().uri = Some(uri.into());
    let third = store
        .upsert_datasets(
            &b,
            vec![
                write(dataset(&b, uri, "Shared from B")),
                write(by_uri),
                write(dataset(&b, "b-new", "New in B")),
            ],
        )
        .await
        .expect("third batch");
    let third: Vec<_> = third.iter().map(|r| r.as_ref().expect("written")).collect();
    assert_eq!((third[0].id, third[0].created), (ids[2].id, false));
    assert_eq!((third[1].id, third[1].created), (ids[2].id, false));
    assert!(third[2].created);
    assert_eq!(
        store.raw("dataset").count_documents(doc! {}).await.unwrap(),
        4
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_new_datasets_with_one_uri_in_a_batch_make_one_dataset() {
    let env = TestEnv::new("batch_uri").await;
    let a = dcat_source(&env, "a").await;
    let uri = "https://data.example.org/dataset/twice";
    let mut x = dataset(&a, "x", "X");
    x.harvest.as_mut().unwrap().uri = Some(uri.into());
    let mut y = dataset(&a, "y", "Y");
    y.harvest.as_mut().unwrap().uri = Some(uri.into());
    let out = env
        .store
        .upsert_datasets(&a, vec![write(x), write(y)])
        .await
        .expect("batch");
    let out: Vec<_> = out.iter().map(|r| r.as_ref().expect("written")).collect();
    assert!(out[0].created);
    assert_eq!((out[1].id, out[1].created), (out[0].id, false));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finishing_a_batch_counts_each_item_once() {
    let env = TestEnv::new("batch_finish").await;
    let job = ObjectId::new();
    let source = ObjectId::new();
    let items: Vec<HarvestItem> = (0..4)
        .map(|seq| HarvestItem {
            status: ItemStatus::Pending,
            ..HarvestItem::listed(job, source, seq, format!("r{seq}"), bson::DateTime::now())
        })
        .collect();
    env.store.items().insert_many(&items).await.expect("items");
    let failed = |n: &str| ItemFinal::Failed {
        error: HarvestError::new(n, None),
        warnings: vec![],
    };

    // Items 0 and 1 are finished by a first delivery.
    let first = env
        .store
        .finish_items(vec![
            (items[0].id.clone(), failed("a"), doc! {}),
            (items[1].id.clone(), failed("b"), doc! {}),
        ])
        .await
        .unwrap();
    assert_eq!(first, [true, true]);
    // A duplicate delivery of items 0..4: only 2 and 3 are its transitions.
    let second = env
        .store
        .finish_items(
            items
                .iter()
                .map(|i| (i.id.clone(), failed("again"), doc! {}))
                .collect(),
        )
        .await
        .unwrap();
    assert_eq!(second, [false, false, true, true]);
    let stored = env
        .store
        .get_item(&items[0].id)
        .await
        .unwrap()
        .expect("item");
    assert_eq!(stored.errors.len(), 1, "not finished twice");
    assert_eq!(stored.errors[0].message, "a");
    assert!(env
        .store
        .open_items_by_id(&items.iter().map(|i| i.id.clone()).collect::<Vec<_>>())
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_datasets_take_the_first_free_slugs() {
    let env = TestEnv::new("batch_slugs").await;
    let a = dcat_source(&env, "a").await;
    let store = &env.store;
    // "budget-2024" and "budget-2024-1" belong to datasets made by hand (no harvest block).
    for slug in ["budget-2024", "budget-2024-1"] {
        store
            .raw("dataset")
            .insert_one(doc! { "_id": ObjectId::new(), "slug": slug, "title": "Budget 2024" })
            .await
            .unwrap();
    }
    let written = store
        .upsert_datasets(
            &a,
            vec![
                write(dataset(&a, "x", "Budget 2024")),
                write(dataset(&a, "y", "Other")),
                write(dataset(&a, "z", "Budget 2024")),
            ],
        )
        .await
        .expect("batch");
    let mut slugs = Vec::new();
    for r in &written {
        let id = r.as_ref().expect("written").id;
        let d = store.raw("dataset").find_one(doc! { "_id": id }).await;
        slugs.push(d.unwrap().unwrap().get_str("slug").unwrap().to_owned());
    }
    assert_eq!(slugs, ["budget-2024-2", "other", "budget-2024-3"]);
}
