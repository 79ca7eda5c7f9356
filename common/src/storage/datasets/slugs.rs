//! Slugs of new datasets: udata wants them unique, and common titles ("Budget primitif 2024")
//! make many new datasets of a batch share a base slug. Free slugs are found for a whole batch
//! in one query, in the order a one-by-one insert would try them.

use std::collections::{HashMap, HashSet};

use bson::oid::ObjectId;
use bson::{doc, Document};
use futures::TryStreamExt;

use crate::error::Result;
use crate::model::Dataset;
use crate::storage::{Store, DATASETS};

impl Store {
    /// Give the new datasets at `inserts` slugs that no stored dataset and no other new dataset
    /// of the batch has, in the order [`slug_candidate`] tries them: one query for the batch,
    /// so that common titles ("Budget primitif 2024") do not cost a failed insert per taken
    /// slug. A slug taken meanwhile by another worker still fails its insert, which the
    /// one-by-one path then retries from the base slug, returned here by index.
    pub(super) async fn assign_free_slugs(
        &self,
        prepared: &mut [Option<(Dataset, String, Option<ObjectId>)>],
        inserts: &[usize],
    ) -> Result<HashMap<usize, String>> {
        let bases: Vec<(usize, String)> = inserts
            .iter()
            .filter_map(|&i| prepared[i].as_ref().map(|(d, _, _)| (i, d.slug.clone())))
            .collect();
        let candidates: Vec<String> = bases
            .iter()
            .flat_map(|(_, base)| (0..CHECKED_SLUGS).map(move |n| slug_candidate(base, n)))
            .collect();
        let mut taken: HashSet<String> = self
            .raw(DATASETS)
            .find(doc! { "slug": { "$in": &candidates } })
            .projection(doc! { "_id": 0, "slug": 1 })
            .await?
            .try_collect::<Vec<Document>>()
            .await?
            .into_iter()
            .filter_map(|d| d.get_str("slug").ok().map(str::to_owned))
            .collect();
        for (i, base) in &bases {
            let slug = (0..CHECKED_SLUGS)
                .map(|n| slug_candidate(base, n))
                .find(|c| !taken.contains(c))
                .unwrap_or_else(|| slug_candidate(base, CHECKED_SLUGS));
            taken.insert(slug.clone());
            if let Some((dataset, _, _)) = prepared[*i].as_mut() {
                dataset.slug = slug;
            }
        }
        Ok(bases.into_iter().collect())
    }
}

/// The slug to try first: the mapper's (the pipeline slugifies titles), truncated as udata does.
pub(super) fn slug_base(slug: &str, title: &str) -> String {
    let s: String = slug.chars().take(200).collect();
    let s = s.trim_matches('-').to_owned();
    if s.is_empty() {
        if title.is_empty() {
            "dataset".into()
        } else {
            format!("dataset-{}", title.len())
        }
    } else {
        s
    }
}

/// Slugs tried in order before a random suffix: the base, then `base-1` … `base-9`.
const CHECKED_SLUGS: usize = 10;

/// The `n`-th slug to try for a new dataset: `base`, `base-1` … `base-9`, then `base-<random>`.
pub(super) fn slug_candidate(base: &str, n: usize) -> String {
    match n {
        0 => base.to_owned(),
        n if n < CHECKED_SLUGS => format!("{base}-{n}"),
        _ => format!("{base}-{}", &ObjectId::new().to_hex()[16..]),
    }
}
