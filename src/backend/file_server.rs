//! A small HTTP server for validation files on loopback (feature `http`), for tests and
//! demonstrations: what the fetcher fetches, served from memory.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

type Files = Arc<Mutex<HashMap<(String, String), Vec<u8>>>>;

/// The most of a request read.
const MAX_REQUEST: usize = 8 * 1024;

/// Serves files from memory on a loopback port: `GET <path>` with `Host: <domain>` answers
/// the file put there with 200, anything else 404. Stops when dropped.
pub struct LoopbackFileServer {
    port: u16,
    files: Files,
    task: tokio::task::JoinHandle<()>,
}

impl fmt::Debug for LoopbackFileServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoopbackFileServer")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl Drop for LoopbackFileServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn lock(files: &Files) -> std::sync::MutexGuard<'_, HashMap<(String, String), Vec<u8>>> {
    files.lock().unwrap_or_else(|p| p.into_inner())
}

async fn answer(mut socket: TcpStream, files: Files) {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    let request = loop {
        let Ok(n) = socket.read(&mut chunk).await else {
            return;
        };
        if n == 0 || buf.len() + n > MAX_REQUEST {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut req = httparse::Request::new(&mut headers);
        match req.parse(&buf) {
            Ok(httparse::Status::Complete(_)) => {
                let host = req
                    .headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case("host"))
                    .map(|h| String::from_utf8_lossy(h.value).to_ascii_lowercase())
                    .unwrap_or_default();
                let host = host
                    .rsplit_once(':')
                    .map_or(host.clone(), |(h, _)| h.to_owned());
                break (
                    req.method == Some("GET"),
                    host,
                    req.path.unwrap_or("/").to_owned(),
                );
            }
            Ok(httparse::Status::Partial) => continue,
            Err(_) => return,
        }
    };
    let (is_get, host, path) = request;
    let body = is_get
        .then(|| lock(&files).get(&(host, path)).cloned())
        .flatten();
    let mut response = match &body {
        Some(b) => format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n", b.len()).into_bytes(),
        None => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
    };
    response.extend(body.unwrap_or_default());
    let _ = socket.write_all(&response).await;
    let _ = socket.shutdown().await;
}

impl LoopbackFileServer {
    /// Starts a server on `127.0.0.1` on a free port (inside a Tokio runtime).
    pub async fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let files: Files = Arc::default();
        let serving = files.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    continue;
                };
                let files = serving.clone();
                tokio::spawn(async move {
                    let _ =
                        tokio::time::timeout(Duration::from_secs(10), answer(socket, files)).await;
                });
            }
        });
        Ok(LoopbackFileServer { port, files, task })
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves `content` at `path` for `domain`.
    pub fn put(&self, domain: &str, path: &str, content: impl Into<Vec<u8>>) {
        lock(&self.files).insert(
            (domain.to_ascii_lowercase(), path.to_owned()),
            content.into(),
        );
    }

    /// Stops serving `path` for `domain`.
    pub fn remove(&self, domain: &str, path: &str) {
        lock(&self.files).remove(&(domain.to_ascii_lowercase(), path.to_owned()));
    }
}
