//! A raw TCP server for what HTTP frameworks refuse to send: no answer at all, connection resets,
//! a lying `Content-Length`, truncated bodies, non-HTTP answers, oversized or endless headers.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::dcat::page;
use super::LETTERS;

/// A TCP server answering by request path, below HTTP frameworks:
///
/// * `/never`: accepts, reads the request, never answers;
/// * `/reset`: closes with a TCP reset;
/// * `/content-length-4g`: announces `Content-Length: 4294967296`, sends 100 bytes, waits;
/// * `/truncated`: announces 100,000 bytes, sends 1,000, closes;
/// * `/not-http`: answers an SSH banner;
/// * `/huge-header`: a 2 MiB header line;
/// * `/slow-headers`: sends the status line, then one header byte a second.
pub struct RawServer {
    pub addr: SocketAddr,
    pub requests: Arc<AtomicU64>,
    handle: tokio::task::JoinHandle<()>,
}

impl RawServer {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}/{}", self.addr, path.trim_start_matches('/'))
    }

    pub fn host_port(&self) -> String {
        self.addr.to_string()
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

pub async fn start_raw() -> std::io::Result<RawServer> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let requests = Arc::new(AtomicU64::new(0));
    let counter = requests.clone();
    let handle = tokio::spawn(async move {
        // Connection tasks live in the set: aborting the server aborts them too.
        let mut conns = tokio::task::JoinSet::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    counter.fetch_add(1, Ordering::Relaxed);
                    conns.spawn(raw_connection(stream));
                }
                Some(_) = conns.join_next(), if !conns.is_empty() => {}
            }
        }
    });
    Ok(RawServer {
        addr,
        requests,
        handle,
    })
}

async fn raw_connection(mut stream: tokio::net::TcpStream) {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65_536 {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head);
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let ok = "HTTP/1.1 200 OK\r\nContent-Type: text/turtle\r\n";
    match path.as_str() {
        "/never" => tokio::time::sleep(Duration::from_secs(300)).await,
        "/reset" => {
            let _ = stream.set_zero_linger();
            drop(stream);
        }
        "/content-length-4g" => {
            let _ = stream
                .write_all(format!("{ok}Content-Length: 4294967296\r\n\r\n").as_bytes())
                .await;
            let _ = stream.write_all(&[b' '; 100]).await;
            tokio::time::sleep(Duration::from_secs(300)).await;
        }
        "/truncated" => {
            let _ = stream
                .write_all(format!("{ok}Content-Length: 100000\r\n\r\n").as_bytes())
                .await;
            let _ = stream
                .write_all(page("truncated", 3, None).as_bytes())
                .await;
            let _ = stream.shutdown().await;
        }
        "/not-http" => {
            let _ = stream
                .write_all(b"SSH-2.0-OpenSSH_9.6p1 Debian-4\r\n")
                .await;
            let _ = stream.shutdown().await;
        }
        "/huge-header" => {
            let _ = stream.write_all(format!("{ok}X-Junk: ").as_bytes()).await;
            for _ in 0..32 {
                if stream.write_all(&LETTERS).await.is_err() {
                    return;
                }
            }
            let _ = stream.write_all(b"\r\n\r\n").await;
            let _ = stream.shutdown().await;
        }
        "/slow-headers" => {
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nX-Slow: ").await;
            for _ in 0..300 {
                tokio::time::sleep(Duration::from_secs(1)).await;
                if stream.write_all(b"a").await.is_err() {
                    return;
                }
            }
        }
        _ => {
            let _ = stream
                .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                .await;
        }
    }
}
