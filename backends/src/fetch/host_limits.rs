//! Politeness towards each remote host, shared by every job of the process: at most
//! `http.per_host_concurrency` requests in flight to one host, and request starts to one host
//! spaced by `1 / http.per_host_rps`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Per-host concurrency and request-rate limits, shared by every job of the process.
pub(super) struct HostLimits {
    per_host: usize,
    min_interval: Option<Duration>,
    hosts: Mutex<HashMap<String, Arc<HostSlot>>>,
}

struct HostSlot {
    permits: Arc<Semaphore>,
    next_start: tokio::sync::Mutex<Instant>,
}

impl HostLimits {
    pub(super) fn new(per_host: usize, rps: f64) -> Self {
        Self {
            per_host: per_host.max(1),
            min_interval: (rps > 0.0).then(|| Duration::from_secs_f64(1.0 / rps)),
            hosts: Mutex::new(HashMap::new()),
        }
    }

    pub(super) async fn acquire(&self, host: &str) -> Option<OwnedSemaphorePermit> {
        let slot = {
            let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
            hosts
                .entry(host.to_owned())
                .or_insert_with(|| {
                    Arc::new(HostSlot {
                        permits: Arc::new(Semaphore::new(self.per_host)),
                        next_start: tokio::sync::Mutex::new(Instant::now()),
                    })
                })
                .clone()
        };
        let permit = slot.permits.clone().acquire_owned().await.ok();
        if let Some(interval) = self.min_interval {
            let mut next = slot.next_start.lock().await;
            let now = Instant::now();
            if *next > now {
                tokio::time::sleep(*next - now).await;
            }
            *next = Instant::now().max(*next) + interval;
        }
        permit
    }
}
