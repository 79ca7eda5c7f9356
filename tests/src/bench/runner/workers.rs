//! The bench's worker processes: started with the bench settings, waited for until they answer
//! `/readyz`, stopped with SIGTERM then killed, by pid.

use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context as _};

use super::{Harness, WorkerSetup};

pub(super) struct WorkerProc {
    pub(super) label: String,
    pub(super) pid: u32,
    pub(super) child: tokio::process::Child,
    pub(super) metrics: String,
}

fn free_port() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

impl Harness {
    /// Start worker processes and wait until each answers `/readyz`.
    pub async fn start_workers(&mut self, setup: WorkerSetup) -> anyhow::Result<()> {
        let bin = self.bin("harvest-worker");
        if !bin.is_file() {
            bail!(
                "{} not found: build it with `cargo build --release --bins` (scripts/bench.sh does)",
                bin.display()
            );
        }
        for _ in 0..setup.count {
            self.worker_seq += 1;
            let label = format!("worker-{}", self.worker_seq);
            let port = free_port()?;
            let log_path = self
                .cfg
                .out_dir
                .join("logs")
                .join(format!("{}-{label}.log", self.scenario));
            let log = std::fs::File::create(&log_path)
                .with_context(|| format!("creating {}", log_path.display()))?;
            let mut cmd = tokio::process::Command::new(&bin);
            cmd.envs(self.env())
                .env("HARVEST__AMQP__PREFETCH", setup.prefetch.to_string())
                .env(
                    "HARVEST__HTTP__PER_HOST_CONCURRENCY",
                    setup.per_host.to_string(),
                )
                .env("HARVEST__METRICS__BIND", format!("127.0.0.1:{port}"))
                .stdin(Stdio::null())
                .stdout(log.try_clone()?)
                .stderr(log)
                .kill_on_drop(true);
            let child = cmd
                .spawn()
                .with_context(|| format!("starting {}", bin.display()))?;
            let pid = child
                .id()
                .ok_or_else(|| anyhow!("{label} exited at once"))?;
            self.workers.push(WorkerProc {
                label,
                pid,
                child,
                metrics: format!("http://127.0.0.1:{port}"),
            });
        }
        let deadline = Instant::now() + Duration::from_secs(90);
        for w in &mut self.workers {
            loop {
                let ready = self
                    .http
                    .get(format!("{}/readyz", w.metrics))
                    .send()
                    .await
                    .map(|r| r.status().is_success())
                    .unwrap_or(false);
                if ready {
                    break;
                }
                if let Ok(Some(status)) = w.child.try_wait() {
                    bail!("{} exited during start-up ({status}); see its log", w.label);
                }
                if Instant::now() > deadline {
                    bail!("{} not ready after 90 s; see its log", w.label);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        self.setup = Some(setup);
        Ok(())
    }

    /// Current worker setup.
    pub fn setup(&self) -> Option<WorkerSetup> {
        self.setup
    }

    /// SIGTERM every worker (by pid), wait for them to drain, SIGKILL what is left.
    pub async fn stop_workers(&mut self) {
        for w in &self.workers {
            let _ = std::process::Command::new("kill")
                .arg("-TERM")
                .arg(w.pid.to_string())
                .status();
        }
        for mut w in self.workers.drain(..) {
            if tokio::time::timeout(Duration::from_secs(20), w.child.wait())
                .await
                .is_err()
            {
                let _ = w.child.start_kill();
                let _ = w.child.wait().await;
            }
        }
        self.setup = None;
    }
}
