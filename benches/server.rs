//! The API server under load on loopback: requests per second and p50/p99 latency at 1, 16 and
//! 64 keep-alive connections for `DescribeCSRSet` (20 records), `DescribeCertificate` and
//! `CreateCSR` (ECC, generated), on SQLite and on PostgreSQL (a server started for the run);
//! and the cost of HTTP + signature + envelope beside calling `handle` directly, in the same
//! run. Each signed request is a Tencent SDK's (TC3-HMAC-SHA256, JSON body).
//!
//! ```sh
//! cargo bench --bench server --all-features             # BENCH_SECS=2 per row by default
//! ```

#[path = "../tests/pg_server/mod.rs"]
mod pg_server;

use std::sync::Arc;
use std::time::{Duration, Instant};

use certdesk::SecretText;
use certdesk::backend::{
    AccessKeyStore, AesGcmVault, CsrStore, LocalCa, OrderStore, PostgresStore, Scope, SqliteStore,
};
use certdesk::cloud::Api;
use certdesk::server::{ApiServer, sign};
use certdesk::service::{AccessKeys, CsrService, OrderService};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const ACCOUNT: &str = "100012345678";
const CREATE: &str = r#"{"Domain": "www.example.com", "Organization": "Example", "Department": "IT", "Email": "a@example.com", "Province": "Guangdong", "City": "Shenzhen", "Country": "CN", "EncryptAlgo": "ECC", "KeyParameter": "prime256v1", "Generate": true}"#;

struct Setup {
    orders: Arc<OrderService>,
    keys: AccessKeys,
    addr: String,
    certificate: String,
}

async fn setup(
    csr: Arc<dyn CsrStore>,
    ord: Arc<dyn OrderStore>,
    keys: Arc<dyn AccessKeyStore>,
) -> Setup {
    let vault = Arc::new(AesGcmVault::new("k", [3; 32]));
    let keys = AccessKeys::new(keys, vault.clone());
    keys.import(ACCOUNT, "AKIDbench", &SecretText::new("bench-secret"))
        .await
        .unwrap();
    let csrs = Arc::new(CsrService::new(csr, vault).with_orders(ord.clone()));
    let ca = Arc::new(LocalCa::new("bench").unwrap());
    let orders = Arc::new(OrderService::builder(ord, csrs, ca).build());
    let scope = Scope::new(ACCOUNT, "ap-guangzhou");
    for _ in 0..20 {
        orders
            .handle(&scope, Api::TencentCreateCsr, CREATE.as_bytes())
            .await
            .unwrap();
    }
    let applied = orders
        .handle(
            &scope,
            Api::TencentApplyCertificate,
            br#"{"DomainName": "shop.example.com", "DvAuthMethod": "DNS"}"#,
        )
        .await
        .unwrap();
    let server = ApiServer::new(orders.clone(), keys.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(server.serve(listener, std::future::pending()));
    Setup {
        orders,
        keys,
        addr,
        certificate: applied["CertificateId"].as_str().unwrap().to_owned(),
    }
}

/// One keep-alive connection speaking just enough HTTP/1.1.
struct Conn {
    reader: BufReader<TcpStream>,
    host: String,
}

impl Conn {
    async fn open(addr: &str) -> Conn {
        let stream = TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        Conn {
            reader: BufReader::new(stream),
            host: addr.to_owned(),
        }
    }

    async fn call(&mut self, action: &str, body: &str) {
        if action == "healthz" {
            let request = format!("GET /healthz HTTP/1.1\r\nHost: {}\r\n\r\n", self.host);
            self.reader
                .get_mut()
                .write_all(request.as_bytes())
                .await
                .unwrap();
            return self.read_answer().await;
        }
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let auth = sign::tc3_authorization(
            &self.host,
            "application/json",
            body.as_bytes(),
            now,
            "AKIDbench",
            b"bench-secret",
        );
        let request = format!(
            "POST / HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nX-TC-Action: {action}\r\nX-TC-Version: 2019-12-05\r\nX-TC-Timestamp: {now}\r\nX-TC-Region: ap-guangzhou\r\nAuthorization: {auth}\r\nContent-Length: {}\r\n\r\n{body}",
            self.host,
            body.len()
        );
        self.reader
            .get_mut()
            .write_all(request.as_bytes())
            .await
            .unwrap();
        self.read_answer().await
    }

    async fn read_answer(&mut self) {
        let mut length = 0usize;
        let mut line = String::new();
        loop {
            line.clear();
            self.reader.read_line(&mut line).await.unwrap();
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).await.unwrap();
        assert!(
            !body.windows(8).any(|w| w == b"\"Error\":"),
            "{}",
            String::from_utf8_lossy(&body)
        );
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Runs `connections` clients for `secs`: (requests per second, p50, p99, mean).
async fn load(
    addr: &str,
    action: &'static str,
    body: String,
    connections: usize,
    secs: f64,
) -> (f64, Duration, Duration, Duration) {
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (addr, body) = (addr.to_owned(), body.clone());
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::open(&addr).await;
            let mut times = Vec::new();
            while Instant::now() < deadline {
                let t = Instant::now();
                conn.call(action, &body).await;
                times.push(t.elapsed());
            }
            times
        }));
    }
    let start = Instant::now();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = start.elapsed().as_secs_f64();
    all.sort();
    let mean = all.iter().sum::<Duration>() / all.len().max(1) as u32;
    (
        all.len() as f64 / elapsed,
        percentile(&all, 0.5),
        percentile(&all, 0.99),
        mean,
    )
}

/// `handle` called directly, one at a time: the mean latency.
async fn direct(orders: &OrderService, api: Api, body: &str, secs: f64) -> Duration {
    let scope = Scope::new(ACCOUNT, "ap-guangzhou");
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let (mut n, start) = (0u32, Instant::now());
    while Instant::now() < deadline {
        orders.handle(&scope, api, body.as_bytes()).await.unwrap();
        n += 1;
    }
    start.elapsed() / n.max(1)
}

async fn run(store: &str, s: &Setup, secs: f64) {
    // What a request's key costs: a store read and the vault opening its sealed secret.
    let start = Instant::now();
    for _ in 0..1000 {
        s.keys.resolve("AKIDbench").await.unwrap().unwrap();
    }
    println!(
        "{store:<10} access key resolved in {:.1} us",
        start.elapsed().as_secs_f64() * 1e3
    );
    // The transport alone: an unsigned health check on a keep-alive connection.
    let (rps, p50, _, _) = load(&s.addr, "healthz", String::new(), 1, secs).await;
    println!(
        "{store:<10} healthz (HTTP floor)   1 conn {rps:>9.0} req/s  p50 {:>8.1} us",
        p50.as_secs_f64() * 1e6
    );
    let rows: [(&'static str, Api, String); 3] = [
        (
            "DescribeCSRSet",
            Api::TencentDescribeCsrSet,
            r#"{"Limit": 20}"#.to_owned(),
        ),
        (
            "DescribeCertificate",
            Api::TencentDescribeCertificate,
            format!(r#"{{"CertificateId": "{}"}}"#, s.certificate),
        ),
        ("CreateCSR", Api::TencentCreateCsr, CREATE.to_owned()),
    ];
    for (action, api, body) in rows {
        let handle = direct(&s.orders, api, &body, secs).await;
        for connections in [1, 16, 64] {
            let (rps, p50, p99, mean) =
                load(&s.addr, action, body.clone(), connections, secs).await;
            let overhead = if connections == 1 {
                format!(
                    "handle {:>8.1} us, HTTP adds {:>5.1}%",
                    handle.as_secs_f64() * 1e6,
                    (mean.as_secs_f64() / handle.as_secs_f64() - 1.0) * 100.0
                )
            } else {
                String::new()
            };
            println!(
                "{store:<10} {action:<20} {connections:>3} conn {rps:>9.0} req/s  p50 {:>8.1} us  p99 {:>8.1} us  {overhead}",
                p50.as_secs_f64() * 1e6,
                p99.as_secs_f64() * 1e6,
            );
        }
    }
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is read.
    let secs: f64 = std::env::var("BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2.0);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let sqlite = Arc::new(
            SqliteStore::open(dir.path().join("bench.db"))
                .await
                .unwrap(),
        );
        let s = setup(sqlite.clone(), sqlite.clone(), sqlite).await;
        run("SQLite", &s, secs).await;
        let pg = pg_server::PgServer::start();
        let db = pg.fresh_database().await;
        let store = Arc::new(PostgresStore::connect(&pg.url(&db)).await.unwrap());
        let s = setup(store.clone(), store.clone(), store).await;
        run("PostgreSQL", &s, secs).await;
    });
}
