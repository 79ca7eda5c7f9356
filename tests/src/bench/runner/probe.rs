//! Resource probes around a measured phase: peak RSS and CPU of every watched process, the
//! workers' stage metrics and MongoDB's operation counters.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bson::doc;
use serde::Serialize;

use crate::bench::procs::{self, ProcSample, Scrape, Watched};

use super::Harness;

/// Resources used by one process during a phase.
#[derive(Debug, Clone, Serialize)]
pub struct ProcUsage {
    pub label: String,
    pub peak_rss_mb: f64,
    pub cpu_s: f64,
}

/// Resources of a phase, and worker-side stage metrics.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Usage {
    pub processes: Vec<ProcUsage>,
    /// Mean duration of the item stages (`fetch`, `map`, `store`), from the workers' histograms.
    pub stage_mean_ms: HashMap<String, f64>,
    pub stage_count: HashMap<String, f64>,
    /// `harvest_rdf_triples_parsed_total` during the phase.
    pub triples_parsed: f64,
    /// MongoDB operations during the phase (`serverStatus.opcounters`, when the server has it).
    pub mongo_ops: std::collections::BTreeMap<String, f64>,
}

/// Probes taken at the start of a phase.
pub struct Probe {
    started: Instant,
    cpu: Vec<(Watched, ProcSample)>,
    scrape: Scrape,
    peaks: Arc<Mutex<HashMap<u32, u64>>>,
    sampler: tokio::task::JoinHandle<()>,
    reset_ok: HashMap<u32, bool>,
    mongo_ops: std::collections::BTreeMap<String, f64>,
}

impl Probe {
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}

const METRIC_PREFIXES: &[&str] = &[
    "harvest_item_stage_duration_seconds_sum",
    "harvest_item_stage_duration_seconds_count",
    "harvest_rdf_triples_parsed_total",
];

impl Harness {
    fn watched(&self) -> Vec<Watched> {
        let mut v: Vec<Watched> = self
            .workers
            .iter()
            .map(|w| Watched {
                label: w.label.clone(),
                pid: w.pid,
            })
            .collect();
        v.extend(self.services.iter().cloned());
        v.push(Watched {
            label: "bench (catalog servers)".into(),
            pid: std::process::id(),
        });
        v
    }

    async fn scrape(&self) -> Scrape {
        let mut total = Scrape::new();
        for w in &self.workers {
            let Ok(resp) = self.http.get(format!("{}/metrics", w.metrics)).send().await else {
                continue;
            };
            let Ok(text) = resp.text().await else {
                continue;
            };
            for (k, v) in procs::parse_metrics(&text, METRIC_PREFIXES) {
                *total.entry(k).or_default() += v;
            }
        }
        total
    }

    /// Start measuring a phase: reset the workers' peak RSS, take CPU and metrics baselines,
    /// sample RSS every 200 ms.
    pub async fn probe(&self) -> Probe {
        let watched = self.watched();
        let mut reset_ok = HashMap::new();
        for w in &watched {
            reset_ok.insert(w.pid, procs::reset_peak(w.pid));
        }
        let cpu = watched
            .iter()
            .filter_map(|w| procs::sample(w.pid).map(|s| (w.clone(), s)))
            .collect();
        let peaks: Arc<Mutex<HashMap<u32, u64>>> = Arc::default();
        let pids: Vec<u32> = watched.iter().map(|w| w.pid).collect();
        let sampler_peaks = peaks.clone();
        let sampler = tokio::spawn(async move {
            loop {
                for pid in &pids {
                    if let Some(s) = procs::sample(*pid) {
                        let mut m = sampler_peaks.lock().unwrap_or_else(|p| p.into_inner());
                        let e = m.entry(*pid).or_default();
                        *e = (*e).max(s.rss_kb);
                    }
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
        Probe {
            started: Instant::now(),
            cpu,
            scrape: self.scrape().await,
            peaks,
            sampler,
            reset_ok,
            mongo_ops: self.mongo_ops().await,
        }
    }

    /// End a phase: peak RSS and CPU of every watched process, stage metrics of the workers.
    pub async fn usage(&self, probe: Probe) -> Usage {
        probe.sampler.abort();
        let scrape = procs::scrape_delta(&self.scrape().await, &probe.scrape);
        let peaks = probe
            .peaks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let mut processes = Vec::new();
        for (w, before) in &probe.cpu {
            let Some(now) = procs::sample(w.pid) else {
                continue;
            };
            let sampled = peaks.get(&w.pid).copied().unwrap_or(0);
            let peak_kb = if probe.reset_ok.get(&w.pid).copied().unwrap_or(false) {
                now.hwm_kb.max(sampled)
            } else {
                sampled.max(now.rss_kb)
            };
            processes.push(ProcUsage {
                label: w.label.clone(),
                peak_rss_mb: peak_kb as f64 / 1024.0,
                cpu_s: now.cpu_s - before.cpu_s,
            });
        }
        let mut stage_mean_ms = HashMap::new();
        let mut stage_count = HashMap::new();
        for stage in ["fetch", "map", "store"] {
            let sum = scrape
                .get(&format!(
                    "harvest_item_stage_duration_seconds_sum{{stage=\"{stage}\"}}"
                ))
                .copied()
                .unwrap_or(0.0);
            let count = scrape
                .get(&format!(
                    "harvest_item_stage_duration_seconds_count{{stage=\"{stage}\"}}"
                ))
                .copied()
                .unwrap_or(0.0);
            if count > 0.0 {
                stage_mean_ms.insert(stage.to_owned(), sum / count * 1000.0);
                stage_count.insert(stage.to_owned(), count);
            }
        }
        let ops = self.mongo_ops().await;
        let mongo_ops = ops
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v - probe.mongo_ops.get(k).copied().unwrap_or(0.0),
                )
            })
            .collect();
        Usage {
            mongo_ops,
            processes,
            stage_mean_ms,
            stage_count,
            triples_parsed: scrape
                .iter()
                .filter(|(k, _)| k.starts_with("harvest_rdf_triples_parsed_total"))
                .map(|(_, v)| *v)
                .sum(),
        }
    }

    /// `serverStatus.opcounters` of the MongoDB server (empty when it does not report them).
    async fn mongo_ops(&self) -> std::collections::BTreeMap<String, f64> {
        let mut out = std::collections::BTreeMap::new();
        let Ok(status) = self
            .store
            .client()
            .database("admin")
            .run_command(doc! { "serverStatus": 1 })
            .await
        else {
            return out;
        };
        if let Ok(ops) = status.get_document("opcounters") {
            for (k, v) in ops {
                let n = match v {
                    bson::Bson::Int32(i) => *i as f64,
                    bson::Bson::Int64(i) => *i as f64,
                    bson::Bson::Double(f) => *f,
                    _ => continue,
                };
                out.insert(k.clone(), n);
            }
        }
        out
    }
}
