//! Which stored dataset a harvested one designates, as udata decides it: a remote id that is a
//! URI matches a dataset with that remote id or URI from any source (the same dataset harvested
//! by another source, or adopted); any other remote id matches within the source (by source id,
//! or by domain for datasets of a re-created source). One dataset at a time, or a whole batch in
//! two queries.

use bson::oid::ObjectId;
use bson::{doc, Document};
use futures::TryStreamExt;

use crate::error::Result;
use crate::model::{Dataset, HarvestSource};
use crate::storage::{changes, Store, DATASETS};

pub(super) fn is_uri(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://") || s.starts_with("urn:")
}

impl Store {
    /// Find the dataset a harvested remote id designates.
    pub async fn find_harvested(
        &self,
        source: &HarvestSource,
        remote_id: &str,
        uri: Option<&str>,
    ) -> Result<Option<Document>> {
        let mut alternatives =
            vec![doc! { "harvest.source_id": source.id.to_hex(), "harvest.remote_id": remote_id }];
        if let Some(domain) = source.domain() {
            alternatives.push(doc! { "harvest.domain": domain, "harvest.remote_id": remote_id });
        }
        if is_uri(remote_id) {
            alternatives.push(doc! { "harvest.remote_id": remote_id });
            alternatives.push(doc! { "harvest.uri": remote_id });
        }
        if let Some(u) = uri.filter(|u| is_uri(u)) {
            alternatives.push(doc! { "harvest.uri": u });
        }
        Ok(self
            .raw(DATASETS)
            .find_one(doc! { "$or": alternatives, "deleted": null })
            .projection(changes::existing_projection())
            .await?)
    }

    /// For each prepared write, the dataset it designates (as [`find_harvested`] would find it,
    /// or its remembered id), in two queries for the whole batch.
    pub(super) async fn designated(
        &self,
        source: &HarvestSource,
        prepared: &[Option<(Dataset, String, Option<ObjectId>)>],
    ) -> Result<Vec<Option<Document>>> {
        let projection = changes::existing_projection();
        let known: Vec<ObjectId> = prepared.iter().flatten().filter_map(|p| p.2).collect();
        let mut by_id: std::collections::HashMap<ObjectId, Document> = Default::default();
        if !known.is_empty() {
            let found: Vec<Document> = self
                .raw(DATASETS)
                .find(doc! { "_id": { "$in": &known }, "deleted": null })
                .projection(projection.clone())
                .await?
                .try_collect()
                .await?;
            for d in found {
                if let Ok(id) = d.get_object_id("_id") {
                    by_id.insert(id, d);
                }
            }
        }
        let mut out: Vec<Option<Document>> = prepared
            .iter()
            .map(|p| {
                p.as_ref()
                    .and_then(|p| p.2)
                    .and_then(|id| by_id.get(&id).cloned())
            })
            .collect();

        // The others, by identity: one `$or` over the whole batch, matched here in the order of
        // precedence of `find_harvested` (same source, same domain, then URIs from anywhere).
        let missing: Vec<(usize, &str, Option<&str>)> = prepared
            .iter()
            .enumerate()
            .filter(|(i, _)| out[*i].is_none())
            .filter_map(|(i, p)| {
                p.as_ref().map(|(d, rid, _)| {
                    (
                        i,
                        rid.as_str(),
                        d.harvest.as_ref().and_then(|h| h.uri.as_deref()),
                    )
                })
            })
            .collect();
        if missing.is_empty() {
            return Ok(out);
        }
        let remote_ids: Vec<&str> = missing.iter().map(|m| m.1).collect();
        let uri_ids: Vec<&str> = remote_ids.iter().copied().filter(|r| is_uri(r)).collect();
        let uris: Vec<&str> = uri_ids
            .iter()
            .copied()
            .chain(missing.iter().filter_map(|m| m.2).filter(|u| is_uri(u)))
            .collect();
        let source_id = source.id.to_hex();
        let domain = source.domain();
        let mut alternatives = vec![
            doc! { "harvest.source_id": &source_id, "harvest.remote_id": { "$in": &remote_ids } },
        ];
        if let Some(domain) = &domain {
            alternatives.push(
                doc! { "harvest.domain": domain, "harvest.remote_id": { "$in": &remote_ids } },
            );
        }
        if !uri_ids.is_empty() {
            alternatives.push(doc! { "harvest.remote_id": { "$in": &uri_ids } });
        }
        if !uris.is_empty() {
            alternatives.push(doc! { "harvest.uri": { "$in": &uris } });
        }
        let found: Vec<Document> = self
            .raw(DATASETS)
            .find(doc! { "$or": alternatives, "deleted": null })
            .projection(projection)
            .await?
            .try_collect()
            .await?;
        let field = |d: &Document, key: &str| -> Option<String> {
            d.get_document("harvest")
                .ok()
                .and_then(|h| h.get_str(key).ok())
                .map(str::to_owned)
        };
        for (i, rid, uri) in missing {
            let rules: [&dyn Fn(&Document) -> bool; 5] = [
                &|d| {
                    field(d, "source_id").as_deref() == Some(source_id.as_str())
                        && field(d, "remote_id").as_deref() == Some(rid)
                },
                &|d| {
                    domain.is_some()
                        && field(d, "domain") == domain
                        && field(d, "remote_id").as_deref() == Some(rid)
                },
                &|d| is_uri(rid) && field(d, "remote_id").as_deref() == Some(rid),
                &|d| is_uri(rid) && field(d, "uri").as_deref() == Some(rid),
                &|d| uri.is_some_and(is_uri) && field(d, "uri").as_deref() == uri,
            ];
            out[i] = rules
                .iter()
                .find_map(|rule| found.iter().find(|d| rule(d)))
                .cloned();
        }
        Ok(out)
    }
}
