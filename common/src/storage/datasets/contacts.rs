//! Contact points of harvested datasets: shared by many datasets, upserted once by (name,
//! email, role) and remembered by this process.

use bson::doc;
use bson::oid::ObjectId;

use crate::error::{is_duplicate_key, Error, Result};
use crate::model::ContactPoint;
use crate::storage::{Store, CONTACT_POINTS};

impl Store {
    /// Upsert contact points (by name, email, role) and return their ids in order.
    pub async fn upsert_contact_points(&self, points: &[ContactPoint]) -> Result<Vec<ObjectId>> {
        let mut ids = Vec::with_capacity(points.len());
        for p in points {
            let cached = self
                .contacts
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(p)
                .copied();
            let id = match cached {
                Some(id) => id,
                None => {
                    let id = self.upsert_contact_point(p).await?;
                    let mut cache = self.contacts.lock().unwrap_or_else(|e| e.into_inner());
                    if cache.len() > 50_000 {
                        cache.clear();
                    }
                    cache.insert(p.clone(), id);
                    id
                }
            };
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    async fn upsert_contact_point(&self, p: &ContactPoint) -> Result<ObjectId> {
        let key = doc! { "name": &p.name, "email": &p.email, "role": &p.role };
        for _ in 0..3 {
            let found = self
                .raw(CONTACT_POINTS)
                .find_one_and_update(key.clone(), doc! { "$setOnInsert": bson::to_document(p)? })
                .upsert(true)
                .return_document(mongodb::options::ReturnDocument::After)
                .projection(doc! { "_id": 1 })
                .await;
            match found {
                Ok(Some(d)) => {
                    if let Ok(id) = d.get_object_id("_id") {
                        return Ok(id);
                    }
                }
                Ok(None) => {}
                // Two workers inserted the same contact point at once: read the winner's.
                Err(e) if is_duplicate_key(&e) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::Conflict(format!(
            "contact point {:?} kept conflicting",
            p.name
        )))
    }
}
