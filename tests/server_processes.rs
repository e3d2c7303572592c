//! Two `api_server` processes on one PostgreSQL database, one CA directory and one key-encryption
//! key, behind one client: the free quota stays exact under concurrent applications through
//! both, an order advanced through both at once is submitted to the CA once, a nonce used on
//! one is refused by the other, and the account's rate, split between the two (each
//! `--rate-limit` a half), holds for the account as a whole.
//!
//! The processes are the example binary `cargo test` builds beside this test
//! (`target/debug/examples/api_server`).

#![cfg(all(
    feature = "server",
    feature = "postgres",
    feature = "sqlite",
    feature = "local-ca",
    feature = "dns",
    feature = "http"
))]

mod pg_server;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use certdesk::server::sign;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const ACCOUNT: &str = "100012345678";
const KEY_ID: &str = "AKIDprocesses";
const SECRET: &str = "processes-secret";
/// The account's rate per action: each of the two instances allows half.
const ACCOUNT_RATE: u32 = 10;

/// The example binary, beside this test's binary.
fn api_server() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .join("examples/api_server");
    assert!(
        bin.exists(),
        "{} is missing: `cargo test --all-features` builds it (or `cargo build --all-features \
         --example api_server`)",
        bin.display()
    );
    bin
}

/// A running instance: killed if the test ends before it is stopped.
struct Instance {
    child: Option<Child>,
    addr: String,
    dns: String,
}

impl Instance {
    fn start(args: &[String]) -> Instance {
        let mut child = Command::new(api_server())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let (mut addr, mut dns) = (None, None);
        while addr.is_none() {
            let line = lines
                .next()
                .expect("the server exited before it listened")
                .unwrap();
            if let Some(a) = line.strip_prefix("listening on ") {
                addr = Some(a.to_owned());
            } else if let Some(d) = line.strip_prefix("DNS server: ") {
                dns = Some(d.to_owned());
            }
        }
        // The rest of its output is read as it comes, so that it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Instance {
            child: Some(child),
            addr: addr.unwrap(),
            dns: dns.expect("the server printed no DNS server"),
        }
    }

    /// SIGTERM, then its exit status.
    fn stop(mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().unwrap();
        let pid = child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// One HTTP/1.1 exchange on a new connection: the status and the body.
async fn exchange(addr: &str, head: String, body: &[u8]) -> (u16, Value) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP answer");
    let head = String::from_utf8_lossy(&answer[..split]);
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (
        status,
        serde_json::from_slice(&answer[split + 4..]).unwrap(),
    )
}

/// A Tencent call signed with TC3-HMAC-SHA256: the `Response` object.
async fn tencent(addr: &str, action: &str, body: Value) -> Value {
    let body = body.to_string();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let auth = sign::tc3_authorization(
        addr,
        "application/json",
        body.as_bytes(),
        now,
        KEY_ID,
        SECRET.as_bytes(),
    );
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nX-TC-Action: {action}\r\nX-TC-Version: 2019-12-05\r\nX-TC-Timestamp: {now}\r\nX-TC-Region: ap-guangzhou\r\nAuthorization: {auth}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let (status, answer) = exchange(addr, head, body.as_bytes()).await;
    assert_eq!(status, 200, "{answer}");
    answer["Response"].clone()
}

/// A Tencent call retried while the instance says the account's rate is spent.
async fn tencent_patiently(addr: &str, action: &str, body: Value) -> Value {
    loop {
        let answer = tencent(addr, action, body.clone()).await;
        if answer["Error"]["Code"] != "RequestLimitExceeded" {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// An Alibaba `ListCsr` signed with ACS3-HMAC-SHA256 (the same bytes for the same `nonce` and
/// `date`): the head of the request.
fn alibaba_list_csr(addr: &str, nonce: &str, date: &str) -> String {
    let empty: String = Sha256::digest(b"")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut headers: Vec<(String, String)> = [
        ("host", addr),
        ("x-acs-action", "ListCsr"),
        ("x-acs-content-sha256", &empty),
        ("x-acs-date", date),
        ("x-acs-signature-nonce", nonce),
        ("x-acs-version", "2020-04-07"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let names: Vec<&str> = headers.iter().map(|(k, _)| k.as_str()).collect();
    let request = sign::SignedRequest {
        method: "POST",
        path: "/",
        query: "ShowSize=10",
        headers: &headers,
        body: b"",
    };
    let auth = sign::acs3_authorization(&request, KEY_ID, &names, SECRET.as_bytes()).unwrap();
    headers.push(("authorization".into(), auth));
    let mut head = "POST /?ShowSize=10 HTTP/1.1\r\n".to_owned();
    for (k, v) in &headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("content-length: 0\r\nconnection: close\r\n\r\n");
    head
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_are_one_service() {
    let pg = pg_server::PgServer::start();
    let db = pg.fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let args = |extra: &[String]| -> Vec<String> {
        let mut args: Vec<String> = [
            "--listen",
            "127.0.0.1:0",
            "--postgres",
            &pg.url(&db),
            "--db",
            &dir.path().join("unused.db").display().to_string(),
            "--kek-file",
            &dir.path().join("kek").display().to_string(),
            "--ca-dir",
            &dir.path().join("ca").display().to_string(),
            "--key",
            &format!("{ACCOUNT}:{KEY_ID}:{SECRET}"),
            "--rate-limit",
            &(ACCOUNT_RATE / 2).to_string(),
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        args.extend_from_slice(extra);
        args
    };
    // The first instance makes the key-encryption key, the CA and the key pair; the second
    // finds them, and looks validation records up on the first one's DNS server.
    let a = Instance::start(&args(&["--dns-zone".into(), "example.com".into()]));
    let b = Instance::start(&args(&["--resolver".into(), a.dns.clone()]));
    let both = [a.addr.clone(), b.addr.clone()];

    // A free certificate by automatic DNS validation, applied for through the first (whose
    // DNS server holds the record).
    let applied = tencent(
        &a.addr,
        "ApplyCertificate",
        json!({"DomainName": "www.example.com", "DvAuthMethod": "DNS_AUTO"}),
    )
    .await;
    let certificate = applied["CertificateId"]
        .as_str()
        .unwrap_or_else(|| panic!("{applied}"))
        .to_owned();

    // The free quota (20 for this account) stays exact: 30 more applications at once, each
    // instance answering half, and 19 are accepted.
    let applications = (0..30).map(|i| {
        let addr = both[i % 2].clone();
        tokio::spawn(async move {
            tencent_patiently(
                &addr,
                "ApplyCertificate",
                json!({"DomainName": format!("www.site{i}.com"), "DvAuthMethod": "DNS"}),
            )
            .await
        })
    });
    let (mut accepted, mut refused) = (0, 0);
    for application in applications.collect::<Vec<_>>() {
        let answer = application.await.unwrap();
        if answer["CertificateId"].is_string() {
            accepted += 1;
        } else {
            assert_eq!(
                answer["Error"]["Code"], "FailedOperation.ExceedsFreeLimit",
                "{answer}"
            );
            refused += 1;
        }
    }
    assert_eq!((accepted, refused), (19, 11));

    // The order, checked and advanced through both instances at once (the second finds the
    // record on the first one's DNS server): the CA hears of it once, and either instance
    // follows it to issuance.
    let advances = (0..8).map(|i| {
        let (addr, id) = (both[i % 2].clone(), certificate.clone());
        let action = if i < 4 {
            "CheckCertificateDomainVerification"
        } else {
            "CompleteCertificate"
        };
        tokio::spawn(async move {
            let answer = tencent_patiently(&addr, action, json!({"CertificateId": id})).await;
            (action, answer)
        })
    });
    let mut found = 0;
    for advance in advances.collect::<Vec<_>>() {
        let (action, answer) = advance.await.unwrap();
        match action {
            "CompleteCertificate" => {
                assert_eq!(answer["CertificateId"], certificate.as_str(), "{answer}")
            }
            _ if answer["VerificationResults"][0]["LocalCheck"] == 1 => found += 1,
            // A check after the certificate was issued has nothing left to check.
            _ if answer["VerificationResults"] == json!([]) => {}
            // A check while the order is at the CA is told so.
            _ => assert_eq!(
                answer["Error"]["Code"], "FailedOperation.CertificateStatusNotAllowVerify",
                "{answer}"
            ),
        }
    }
    assert!(found >= 1, "no check found the record");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        // The advances above may all have come before the check that found the record.
        tencent_patiently(
            &b.addr,
            "CompleteCertificate",
            json!({"CertificateId": certificate}),
        )
        .await;
        let detail = tencent_patiently(
            &b.addr,
            "DescribeCertificateDetail",
            json!({"CertificateId": certificate}),
        )
        .await;
        if detail["Status"] == 1 {
            assert!(
                detail["CertificatePublicKey"]
                    .as_str()
                    .is_some_and(|pem| pem.contains("BEGIN CERTIFICATE")),
                "{detail}"
            );
            break;
        }
        assert!(Instant::now() < deadline, "never issued: {detail}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let log = std::fs::read_to_string(dir.path().join("ca/submissions.log")).unwrap();
    let submissions = log
        .lines()
        .filter(|l| l.starts_with(&format!("{certificate}\t")))
        .count();
    assert_eq!(submissions, 1, "{log}");

    // A nonce the first instance took is refused by the second.
    let date = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let request = alibaba_list_csr(&a.addr, "nonce-across-processes", &date);
    let (status, first) = exchange(&a.addr, request.clone(), b"").await;
    assert_eq!(status, 200, "{first}");
    let (status, replayed) = exchange(&b.addr, request, b"").await;
    assert_eq!(
        (status, &replayed["Code"]),
        (400, &json!("SignatureNonceUsed"))
    );

    // The account's rate, 10 calls a second per action, holds across the two: of 40 calls at
    // once (20 to each), at most the two bursts and what refills meanwhile get through.
    let started = Instant::now();
    let calls = (0..40).map(|i| {
        let addr = both[i % 2].clone();
        tokio::spawn(async move { tencent(&addr, "DescribeCertificates", json!({})).await })
    });
    let (mut through, mut limited) = (0u32, 0u32);
    for call in calls.collect::<Vec<_>>() {
        let answer = call.await.unwrap();
        if answer["Error"]["Code"] == "RequestLimitExceeded" {
            limited += 1;
        } else {
            assert!(answer["TotalCount"].is_number(), "{answer}");
            through += 1;
        }
    }
    let refilled = (started.elapsed().as_secs_f64() * f64::from(ACCOUNT_RATE)).ceil() as u32;
    assert!(through >= ACCOUNT_RATE, "{through} got through");
    assert!(
        through <= ACCOUNT_RATE + refilled,
        "{through} got through in {:?}",
        started.elapsed()
    );
    assert_eq!(through + limited, 40);

    // Both stop on SIGTERM with status 0.
    assert!(a.stop().success());
    assert!(b.stop().success());
}
