//! What a fake CKAN portal was asked: every request counted, the parameters of each
//! `package_search`, the id and `If-None-Match` of each `package_show`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// A `package_show` request: the id asked for and the `If-None-Match` sent, if any.
pub type ShowRequest = (String, Option<String>);

/// The requests a fake portal received. Cheap to clone: clones share the record.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    requests: Arc<AtomicU64>,
    searches: Arc<Mutex<Vec<HashMap<String, String>>>>,
    shows: Arc<Mutex<Vec<ShowRequest>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Seen {
    /// Requests of any action (refused ones included).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// The query parameters of every `package_search`, in order.
    pub fn searches(&self) -> Vec<HashMap<String, String>> {
        lock(&self.searches).clone()
    }

    /// The `fq` of every `package_search` (empty when absent), in order.
    pub fn fq(&self) -> Vec<String> {
        lock(&self.searches)
            .iter()
            .map(|q| q.get("fq").cloned().unwrap_or_default())
            .collect()
    }

    /// Every `package_show`, in order.
    pub fn shows(&self) -> Vec<ShowRequest> {
        lock(&self.shows).clone()
    }

    /// How many times `package_show` was asked for `id`.
    pub fn shows_of(&self, id: &str) -> usize {
        lock(&self.shows).iter().filter(|(i, _)| i == id).count()
    }

    pub(super) fn request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn search(&self, params: HashMap<String, String>) {
        lock(&self.searches).push(params);
    }

    /// Record a `package_show`; how many times `id` has been asked, this one included.
    pub(super) fn show(&self, id: &str, if_none_match: Option<String>) -> usize {
        let mut shows = lock(&self.shows);
        shows.push((id.to_owned(), if_none_match));
        shows.iter().filter(|(i, _)| i == id).count()
    }
}
