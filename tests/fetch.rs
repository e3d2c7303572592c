//! The validation-file fetcher against real HTTP and HTTPS servers on loopback, names resolved
//! by a real DNS server on loopback: bodies, caps, redirects, timeouts, and the addresses it
//! must never connect to.

#![cfg(feature = "http")]

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use certdesk::backend::{
    FetchPolicy, HickoryResolver, HttpFetcher, LoopbackDnsServer, ValidationFetcher,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The test server's answer for a path: raw bytes, or `None` to never answer.
fn route(path: &str) -> Option<Vec<u8>> {
    let ok = |body: &str| {
        format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: text/plain\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    };
    let redirect = |to: &str| {
        format!("HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\n\r\n").into_bytes()
    };
    Some(match path {
        "/.well-known/pki-validation/ok.txt" => ok("202611230000000abc"),
        "/chunked" => b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n".to_vec(),
        "/big" => ok(&"x".repeat(10_000)),
        "/big-unannounced" => {
            let mut r = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_vec();
            r.extend(std::iter::repeat_n(b'y', 100_000));
            r
        }
        "/big-chunked" => {
            let mut r = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
            for _ in 0..50 {
                r.extend_from_slice(b"400\r\n");
                r.extend(std::iter::repeat_n(b'z', 0x400));
                r.extend_from_slice(b"\r\n");
            }
            r.extend_from_slice(b"0\r\n\r\n");
            r
        }
        "/redirect" => redirect("/.well-known/pki-validation/ok.txt"),
        "/loop-a" => redirect("/loop-b"),
        "/loop-b" => redirect("/loop-a"),
        "/hop1" => redirect("/hop2"),
        "/hop2" => redirect("/hop3"),
        "/hop3" => redirect("/.well-known/pki-validation/ok.txt"),
        "/slow" => return None,
        _ => b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found".to_vec(),
    })
}

/// Serves `route` on a loopback port; counts connections.
async fn http_server() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                continue;
            };
            seen.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let n = socket.read(&mut buf).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]).to_string();
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                match route(&path) {
                    Some(bytes) => {
                        let _ = socket.write_all(&bytes).await;
                        let _ = socket.shutdown().await;
                    }
                    None => tokio::time::sleep(Duration::from_secs(30)).await,
                }
            });
        }
    });
    (port, count)
}

async fn dns_with(names: &[(&str, &str)]) -> (LoopbackDnsServer, Arc<HickoryResolver>) {
    let dns = LoopbackDnsServer::start().await.unwrap();
    for (name, ip) in names {
        dns.add_ip(name, ip.parse::<IpAddr>().unwrap()).unwrap();
    }
    let resolver =
        Arc::new(HickoryResolver::with_servers(&[dns.addr()], Duration::from_secs(2)).unwrap());
    (dns, resolver)
}

fn loopback_policy(port: u16) -> FetchPolicy {
    FetchPolicy {
        http_port: port,
        allow_loopback: true,
        timeout: Duration::from_secs(2),
        ..FetchPolicy::default()
    }
}

#[tokio::test]
async fn fetches_files_and_reports_statuses() {
    let (port, _) = http_server().await;
    let (_dns, resolver) = dns_with(&[("shop.example.com", "127.0.0.1")]).await;
    let fetcher = ValidationFetcher::with_resolver(loopback_policy(port), resolver);
    let got = fetcher
        .get("http://shop.example.com/.well-known/pki-validation/ok.txt")
        .await
        .unwrap();
    assert_eq!(
        (got.status, got.body.as_slice()),
        (200, &b"202611230000000abc"[..])
    );
    let got = fetcher
        .get("http://shop.example.com/missing")
        .await
        .unwrap();
    assert_eq!(got.status, 404);
    let got = fetcher
        .get("http://shop.example.com/chunked")
        .await
        .unwrap();
    assert_eq!(got.body, b"hello world");
    let e = fetcher
        .get("http://unknown.example.com/x")
        .await
        .unwrap_err();
    assert_eq!(e.code(), "fetch.dns");
}

#[tokio::test]
async fn bodies_are_capped_whatever_the_framing() {
    let (port, _) = http_server().await;
    let (_dns, resolver) = dns_with(&[("shop.example.com", "127.0.0.1")]).await;
    let fetcher = ValidationFetcher::with_resolver(loopback_policy(port), resolver);
    for path in ["/big", "/big-unannounced", "/big-chunked"] {
        let e = fetcher
            .get(&format!("http://shop.example.com{path}"))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "fetch.body_too_large", "{path}: {e}");
    }
}

#[tokio::test]
async fn redirects_are_off_by_default_bounded_and_loops_stop() {
    let (port, _) = http_server().await;
    let (_dns, resolver) = dns_with(&[("shop.example.com", "127.0.0.1")]).await;
    let off = ValidationFetcher::with_resolver(loopback_policy(port), resolver.clone());
    let e = off
        .get("http://shop.example.com/redirect")
        .await
        .unwrap_err();
    assert_eq!(e.code(), "fetch.redirect");
    let two = ValidationFetcher::with_resolver(
        FetchPolicy {
            max_redirects: 2,
            ..loopback_policy(port)
        },
        resolver,
    );
    let got = two.get("http://shop.example.com/redirect").await.unwrap();
    assert_eq!(got.body, b"202611230000000abc");
    assert!(
        got.final_url
            .ends_with("/.well-known/pki-validation/ok.txt")
    );
    let e = two.get("http://shop.example.com/loop-a").await.unwrap_err();
    assert_eq!(e.code(), "fetch.too_many_redirects");
    let e = two.get("http://shop.example.com/hop1").await.unwrap_err();
    assert_eq!(
        e.code(),
        "fetch.too_many_redirects",
        "three hops, two allowed"
    );
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let (port, _) = http_server().await;
    let (_dns, resolver) = dns_with(&[("shop.example.com", "127.0.0.1")]).await;
    let fetcher = ValidationFetcher::with_resolver(
        FetchPolicy {
            timeout: Duration::from_millis(500),
            ..loopback_policy(port)
        },
        resolver,
    );
    let started = std::time::Instant::now();
    let e = fetcher
        .get("http://shop.example.com/slow")
        .await
        .unwrap_err();
    assert_eq!(e.code(), "fetch.timeout");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn reserved_addresses_are_refused_without_connecting() {
    let (port, connections) = http_server().await;
    let (_dns, resolver) = dns_with(&[
        ("loopback.example.com", "127.0.0.1"),
        ("private.example.com", "10.0.0.1"),
        ("metadata.example.com", "169.254.169.254"),
        ("v6.example.com", "::1"),
        ("mapped.example.com", "::ffff:127.0.0.1"),
    ])
    .await;
    // The default policy: no loopback either.
    let fetcher = ValidationFetcher::with_resolver(
        FetchPolicy {
            http_port: port,
            timeout: Duration::from_secs(2),
            ..FetchPolicy::default()
        },
        resolver,
    );
    for host in [
        "loopback.example.com",
        "private.example.com",
        "metadata.example.com",
        "v6.example.com",
        "mapped.example.com",
        "127.0.0.1",
        "[::1]",
    ] {
        let e = fetcher
            .get(&format!("http://{host}/.well-known/pki-validation/ok.txt"))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "fetch.address_refused", "{host}: {e}");
    }
    assert_eq!(
        connections.load(Ordering::SeqCst),
        0,
        "no connection was made"
    );
    // Ports other than the validation ports are refused before anything else.
    let e = fetcher
        .get("http://loopback.example.com:22/")
        .await
        .unwrap_err();
    assert_eq!(e.code(), "fetch.port_not_allowed");
}

#[cfg(feature = "local-ca")]
#[tokio::test]
async fn https_with_any_certificate_as_the_vendors_do() {
    use certdesk::backend::{CaStatus, CertificateAuthority, IssueRequest, LocalCa};
    use certdesk::order::ValidationType;
    use certdesk::{CsrRequest, KeySpec, Subject};

    // A certificate from a CA nobody trusts, for another name: still fetched.
    let ca = LocalCa::new("Untrusted").unwrap();
    let request = CsrRequest::builder()
        .subject(
            Subject::builder()
                .common_name("other.example.net")
                .build()
                .unwrap(),
        )
        .key_spec(KeySpec::EcP256)
        .build()
        .unwrap();
    let (csr, key) = request.generate().unwrap();
    let ticket = ca
        .submit(IssueRequest {
            order_id: "tls".into(),
            csr_pem: csr.to_pem(),
            domains: vec!["other.example.net".into()],
            validation: ValidationType::Dv,
            organization: None,
            validity_days: 30,
            idempotency_key: "key-1".into(),
        })
        .await
        .unwrap();
    let CaStatus::Issued(cert) = ca.status(&ticket).await.unwrap() else {
        panic!("not issued")
    };
    let der = |pem: &str| {
        let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        use base64ct::{Base64, Encoding};
        rustls::pki_types::CertificateDer::from(Base64::decode_vec(&b64).unwrap())
    };
    let chain = vec![der(&cert.certificate_pem), der(&cert.chain_pem[0])];
    let key_der =
        rustls::pki_types::PrivateKeyDer::Pkcs8(key.to_pkcs8_der().unwrap().to_vec().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(chain, key_der)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                continue;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(socket).await else {
                    return;
                };
                let mut buf = vec![0u8; 4096];
                let _ = tls.read(&mut buf).await;
                let _ = tls
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecure")
                    .await;
                let _ = tls.shutdown().await;
            });
        }
    });
    let (_dns, resolver) = dns_with(&[("secure.example.com", "127.0.0.1")]).await;
    let fetcher = ValidationFetcher::with_resolver(
        FetchPolicy {
            https_port: port,
            allow_loopback: true,
            timeout: Duration::from_secs(3),
            ..FetchPolicy::default()
        },
        resolver,
    );
    let got = fetcher
        .get("https://secure.example.com/.well-known/pki-validation/x.txt")
        .await
        .unwrap();
    assert_eq!((got.status, got.body.as_slice()), (200, &b"secure"[..]));
}

#[test]
fn responses_parse_as_on_the_wire() {
    use certdesk::backend::parse_http_response;
    assert_eq!(
        parse_http_response(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA", 10).unwrap(),
        (200, b"ok".to_vec())
    );
    assert_eq!(
        parse_http_response(b"HTTP/1.1 200 OK\r\n\r\n0123456789A", 10)
            .unwrap_err()
            .code(),
        "fetch.body_too_large"
    );
    assert_eq!(
        parse_http_response(b"garbage", 10).unwrap_err().code(),
        "fetch.protocol"
    );
    assert_eq!(
        parse_http_response(b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", 10)
            .unwrap_err()
            .code(),
        "fetch.protocol"
    );
}

#[tokio::test]
async fn the_loopback_file_server_serves_what_is_put_per_host() {
    use certdesk::backend::LoopbackFileServer;
    let server = LoopbackFileServer::start().await.unwrap();
    let (_dns, resolver) = dns_with(&[
        ("a.example.com", "127.0.0.1"),
        ("b.example.com", "127.0.0.1"),
    ])
    .await;
    let fetcher = ValidationFetcher::with_resolver(loopback_policy(server.port()), resolver);
    server.put(
        "A.example.com",
        "/.well-known/pki-validation/f.txt",
        "for a",
    );
    let got = fetcher
        .get("http://a.example.com/.well-known/pki-validation/f.txt")
        .await
        .unwrap();
    assert_eq!((got.status, got.body.as_slice()), (200, &b"for a"[..]));
    let other_host = fetcher
        .get("http://b.example.com/.well-known/pki-validation/f.txt")
        .await
        .unwrap();
    assert_eq!(other_host.status, 404);
    server.remove("a.example.com", "/.well-known/pki-validation/f.txt");
    let gone = fetcher
        .get("http://a.example.com/.well-known/pki-validation/f.txt")
        .await
        .unwrap();
    assert_eq!(gone.status, 404);
}

#[tokio::test]
async fn each_address_gets_its_own_connect_timeout_within_the_overall_one() {
    let (port, _) = http_server().await;
    // 127.0.0.2 on the same port: a listener whose accept queue is full, so the kernel drops
    // new connection attempts and a connect hangs (as an address that drops packets does).
    let silent = tokio::net::TcpSocket::new_v4().unwrap();
    silent
        .bind(format!("127.0.0.2:{port}").parse().unwrap())
        .unwrap();
    let silent = silent.listen(0).unwrap();
    let mut fillers = Vec::new();
    for _ in 0..4 {
        let attempt = tokio::time::timeout(
            Duration::from_millis(200),
            tokio::net::TcpStream::connect(("127.0.0.2", port)),
        )
        .await;
        if let Ok(Ok(stream)) = attempt {
            fillers.push(stream);
        }
    }
    let hangs = tokio::time::timeout(
        Duration::from_millis(300),
        tokio::net::TcpStream::connect(("127.0.0.2", port)),
    )
    .await
    .is_err();
    assert!(hangs, "the full listener did not make connects hang");
    // The name resolves to the silent address first, then to the server.
    let (_dns, resolver) = dns_with(&[
        ("two.example.com", "127.0.0.2"),
        ("two.example.com", "127.0.0.1"),
    ])
    .await;
    let fetcher = ValidationFetcher::with_resolver(
        FetchPolicy {
            connect_timeout: Duration::from_millis(300),
            timeout: Duration::from_secs(3),
            ..loopback_policy(port)
        },
        resolver,
    );
    let got = fetcher
        .get("http://two.example.com/.well-known/pki-validation/ok.txt")
        .await
        .unwrap();
    assert_eq!(got.status, 200);
    drop((silent, fillers));
}
