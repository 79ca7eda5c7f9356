//! Resource accounting of the processes a benchmark involves, from `/proc` (Linux): resident
//! memory (`VmRSS`, and the peak `VmHWM`, which can be reset between phases through
//! `/proc/<pid>/clear_refs`), CPU time (`utime + stime`), and the Prometheus histograms the
//! workers expose on `/metrics`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

/// A process watched by the benchmark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watched {
    /// `worker-1`, `mongodb`, `rabbitmq`, `bench` (this process: catalog servers).
    pub label: String,
    pub pid: u32,
}

/// Memory and CPU of one process at one instant.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ProcSample {
    pub rss_kb: u64,
    pub hwm_kb: u64,
    /// User + system CPU time, in seconds.
    pub cpu_s: f64,
}

fn clock_ticks() -> f64 {
    static TICKS: OnceLock<f64> = OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|t| *t > 0.0)
            .unwrap_or(100.0)
    })
}

fn status_kb(status: &str, key: &str) -> Option<u64> {
    status
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

/// CPU seconds from the text of `/proc/<pid>/stat` (fields 14 and 15, after the command name,
/// which may contain spaces and parentheses).
pub fn cpu_seconds(stat: &str) -> Option<f64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state): utime is field 14, stime field 15.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / clock_ticks())
}

/// Sample a process; `None` once it is gone.
pub fn sample(pid: u32) -> Option<ProcSample> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    Some(ProcSample {
        rss_kb: status_kb(&status, "VmRSS:").unwrap_or(0),
        hwm_kb: status_kb(&status, "VmHWM:").unwrap_or(0),
        cpu_s: cpu_seconds(&stat).unwrap_or(0.0),
    })
}

/// Reset the peak resident size of a process to its current size (`echo 5 > clear_refs`);
/// false when the kernel refuses.
pub fn reset_peak(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

/// Processes whose command name (`/proc/<pid>/comm`) is one of `names`, for locating the
/// MongoDB and RabbitMQ servers; read-only.
pub fn pids_by_comm(names: &[&str]) -> Vec<(String, u32)> {
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return out;
    };
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(comm) = std::fs::read_to_string(format!("/proc/{pid}/comm")) else {
            continue;
        };
        let comm = comm.trim();
        if names.contains(&comm) {
            out.push((comm.to_owned(), pid));
        }
    }
    out.sort_by_key(|(_, pid)| *pid);
    out
}

/// The MongoDB-compatible server and RabbitMQ's Erlang VM, when they run on this machine.
pub fn service_processes() -> Vec<Watched> {
    let mut out = Vec::new();
    for (comm, pid) in pids_by_comm(&["mongod", "secantusd-rs", "secantus-mdb", "ferretdb"]) {
        out.push(Watched {
            label: format!("mongodb ({comm})"),
            pid,
        });
    }
    for (_, pid) in pids_by_comm(&["beam.smp"]) {
        out.push(Watched {
            label: "rabbitmq".into(),
            pid,
        });
    }
    out
}

/// Sums and counts of the Prometheus series the benchmark reads, keyed by series (`name{labels}`).
pub type Scrape = BTreeMap<String, f64>;

/// Parse the text exposition format, keeping the series whose name starts with one of
/// `prefixes`.
pub fn parse_metrics(text: &str, prefixes: &[&str]) -> Scrape {
    let mut out = Scrape::new();
    for line in text.lines() {
        if line.starts_with('#') || !prefixes.iter().any(|p| line.starts_with(p)) {
            continue;
        }
        let Some((series, value)) = line.rsplit_once(' ') else {
            continue;
        };
        if let Ok(v) = value.trim().parse::<f64>() {
            *out.entry(series.trim().to_owned()).or_default() += v;
        }
    }
    out
}

/// Series of `later` minus those of `earlier`.
pub fn scrape_delta(later: &Scrape, earlier: &Scrape) -> Scrape {
    later
        .iter()
        .map(|(k, v)| (k.clone(), v - earlier.get(k).copied().unwrap_or(0.0)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process() {
        let me = sample(std::process::id()).expect("own /proc");
        assert!(me.rss_kb > 0 && me.hwm_kb >= me.rss_kb / 2);
        assert!(cpu_seconds("1 (a) b) S 1 1 1 1 1 1 1 1 1 1 250 50 0 0").is_some());
    }

    #[test]
    fn parses_metrics() {
        let text = "# HELP x\nharvest_item_stage_duration_seconds_sum{stage=\"map\"} 1.5\n\
                    harvest_item_stage_duration_seconds_count{stage=\"map\"} 3\nother 1\n";
        let m = parse_metrics(text, &["harvest_item_stage"]);
        assert_eq!(
            m.get("harvest_item_stage_duration_seconds_sum{stage=\"map\"}"),
            Some(&1.5)
        );
        assert_eq!(m.len(), 2);
    }
}
