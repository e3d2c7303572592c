//! The local CA issues certificates OpenSSL reads and verifies against its root, for every key
//! spec (SM2 included); reviews, refusals and revocation behave as a CA's API does.

#![cfg(feature = "local-ca")]

mod common;

use std::sync::Arc;

use certdesk::backend::{
    CaStatus, CertificateAuthority, FixedClock, IssueRequest, IssuedOrganization, LocalCa,
    Revocation,
};
use certdesk::order::ValidationType;
use certdesk::{CsrRequest, KeySpec, Subject};
use time::macros::datetime;

fn csr_pem(spec: KeySpec, cn: &str) -> String {
    let request = CsrRequest::builder()
        .subject(Subject::builder().common_name(cn).build().unwrap())
        .key_spec(spec)
        .build()
        .unwrap();
    request.generate().unwrap().0.to_pem()
}

static NEXT_KEY: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn request(csr: String, domains: &[&str]) -> IssueRequest {
    IssueRequest {
        order_id: "order-1".into(),
        csr_pem: csr,
        domains: domains.iter().map(|d| d.to_string()).collect(),
        validation: ValidationType::Dv,
        organization: None,
        validity_days: 90,
        // A new submission each time.
        idempotency_key: format!(
            "key-{}",
            NEXT_KEY.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        ),
    }
}

#[tokio::test]
async fn issues_for_every_key_spec_and_openssl_verifies_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let ca = LocalCa::new("certdesk Test").unwrap();
    std::fs::write(dir.path().join("root.pem"), ca.root_pem()).unwrap();
    for spec in KeySpec::ALL {
        let cn = format!("{}.example.com", spec.name());
        let csr = csr_pem(spec, &cn);
        let www = format!("www.{cn}");
        let ticket = ca.submit(request(csr.clone(), &[&cn, &www])).await.unwrap();
        let CaStatus::Issued(cert) = ca.status(&ticket).await.unwrap() else {
            panic!("{spec:?} not issued");
        };
        assert_eq!(cert.chain_pem, [ca.intermediate_pem()]);
        let leaf = format!("{}.crt", spec.name());
        std::fs::write(dir.path().join(&leaf), &cert.certificate_pem).unwrap();
        std::fs::write(dir.path().join("chain.pem"), &cert.chain_pem[0]).unwrap();
        let out = common::openssl_ok(
            dir.path(),
            &[
                "verify",
                "-CAfile",
                "root.pem",
                "-untrusted",
                "chain.pem",
                &leaf,
            ],
        );
        assert!(out.contains(": OK"), "{spec:?}: {out}");
        let text = common::openssl_ok(dir.path(), &["x509", "-in", &leaf, "-noout", "-text"]);
        assert!(text.contains(&format!("DNS:{cn}, DNS:{www}")), "{text}");
        assert!(text.contains("TLS Web Server Authentication"));
        assert!(text.contains(&format!("Subject: CN = {cn}")), "{text}");
        // The certificate certifies the CSR's own key.
        std::fs::write(dir.path().join("req.pem"), &csr).unwrap();
        let csr_key =
            common::openssl_ok(dir.path(), &["req", "-in", "req.pem", "-pubkey", "-noout"]);
        let cert_key = common::openssl_ok(dir.path(), &["x509", "-in", &leaf, "-pubkey", "-noout"]);
        assert_eq!(csr_key, cert_key, "{spec:?}");
        assert_eq!(
            (cert.not_after - cert.not_before).whole_days(),
            90,
            "{spec:?}"
        );
    }
}

#[tokio::test]
async fn ov_certificates_name_the_organization() {
    let dir = tempfile::tempdir().unwrap();
    let ca = LocalCa::new("certdesk Test").unwrap();
    let mut req = request(
        csr_pem(KeySpec::Rsa2048, "ov.example.com"),
        &["ov.example.com"],
    );
    req.validation = ValidationType::Ov;
    req.organization = Some(IssuedOrganization {
        name: "Example Co".into(),
        locality: "Shenzhen".into(),
        province: Some("Guangdong".into()),
        country: "CN".into(),
    });
    let ticket = ca.submit(req).await.unwrap();
    let CaStatus::Issued(cert) = ca.status(&ticket).await.unwrap() else {
        panic!("not issued")
    };
    std::fs::write(dir.path().join("ov.crt"), &cert.certificate_pem).unwrap();
    let subject = common::openssl_ok(
        dir.path(),
        &[
            "x509", "-in", "ov.crt", "-noout", "-subject", "-nameopt", "RFC2253",
        ],
    );
    assert!(
        subject.contains("CN=ov.example.com,O=Example Co,L=Shenzhen,ST=Guangdong,C=CN"),
        "{subject}"
    );
}

#[tokio::test]
async fn reviews_take_polls_refusals_and_revocation() {
    let clock = Arc::new(FixedClock::new(datetime!(2026-11-23 08:00 UTC)));
    let ca = LocalCa::with_keys("Slow CA", KeySpec::EcP384, clock)
        .unwrap()
        .with_review_polls(2)
        .with_review(Box::new(|r: &IssueRequest| {
            r.domains
                .iter()
                .any(|d| d.contains("bank"))
                .then(|| "the review refuses names with sensitive words".to_owned())
        }));
    let ok = ca
        .submit(request(
            csr_pem(KeySpec::EcP256, "a.example.com"),
            &["a.example.com"],
        ))
        .await
        .unwrap();
    assert_eq!(ca.status(&ok).await.unwrap(), CaStatus::Reviewing);
    assert_eq!(ca.status(&ok).await.unwrap(), CaStatus::Reviewing);
    let CaStatus::Issued(cert) = ca.status(&ok).await.unwrap() else {
        panic!("not issued after the review")
    };
    assert_eq!(cert.not_before, datetime!(2026-11-23 07:55 UTC));
    // Polled again: the same certificate.
    assert_eq!(ca.status(&ok).await.unwrap(), CaStatus::Issued(cert));
    assert_eq!(ca.revoke(&ok).await.unwrap(), Revocation::Revoked);
    assert_eq!(ca.status(&ok).await.unwrap(), CaStatus::Revoked);
    // Revocation is idempotent (a caller whose first call failed on the way back retries).
    assert_eq!(ca.revoke(&ok).await.unwrap(), Revocation::Revoked);
    assert_eq!(ca.status(&ok).await.unwrap(), CaStatus::Revoked);
    // What was never issued cannot be revoked.
    let pending = ca
        .submit(request(
            csr_pem(KeySpec::EcP256, "pending.example.com"),
            &["pending.example.com"],
        ))
        .await
        .unwrap();
    assert_eq!(ca.revoke(&pending).await.unwrap_err().code(), "ca.refused");

    let bank = ca
        .submit(request(
            csr_pem(KeySpec::EcP256, "mybank.example.com"),
            &["mybank.example.com"],
        ))
        .await
        .unwrap();
    for _ in 0..2 {
        assert_eq!(ca.status(&bank).await.unwrap(), CaStatus::Reviewing);
    }
    assert!(matches!(
        ca.status(&bank).await.unwrap(),
        CaStatus::Refused { reason } if reason.contains("sensitive")
    ));
    // A CSR that does not verify, and an unknown ticket.
    let mut broken = csr_pem(KeySpec::EcP256, "b.example.com");
    broken.replace_range(100..104, "AAAA");
    let e = ca
        .submit(request(broken, &["b.example.com"]))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "ca.refused");
    assert_eq!(
        ca.status("nope").await.unwrap_err().code(),
        "ca.unknown_ticket"
    );
}

#[tokio::test]
async fn ca_keys_of_every_kind_sign_chains_openssl_verifies() {
    let dir = tempfile::tempdir().unwrap();
    for spec in [
        KeySpec::Rsa2048,
        KeySpec::EcP384,
        KeySpec::EcP521,
        KeySpec::Sm2,
    ] {
        let clock = Arc::new(FixedClock::new(time::OffsetDateTime::now_utc()));
        let ca = LocalCa::with_keys("Kinds", spec, clock).unwrap();
        let leaf_spec = if spec == KeySpec::Sm2 {
            KeySpec::Sm2
        } else {
            KeySpec::EcP256
        };
        let ticket = ca
            .submit(request(
                csr_pem(leaf_spec, "k.example.com"),
                &["k.example.com"],
            ))
            .await
            .unwrap();
        let CaStatus::Issued(cert) = ca.status(&ticket).await.unwrap() else {
            panic!("{spec:?}: not issued")
        };
        std::fs::write(dir.path().join("root.pem"), ca.root_pem()).unwrap();
        std::fs::write(dir.path().join("chain.pem"), ca.intermediate_pem()).unwrap();
        std::fs::write(dir.path().join("leaf.pem"), &cert.certificate_pem).unwrap();
        if spec == KeySpec::Sm2 {
            // OpenSSL 3 cannot verify an SM2 chain longer than one link in one go, even with
            // the ID given (openssl/openssl#23471); each link verifies with the ID, and fails
            // without it.
            let distid = "distid:1234567812345678";
            let root_link = common::openssl_ok(
                dir.path(),
                &[
                    "verify",
                    "-vfyopt",
                    distid,
                    "-CAfile",
                    "root.pem",
                    "chain.pem",
                ],
            );
            assert!(root_link.contains("chain.pem: OK"), "{root_link}");
            let leaf_link = common::openssl_ok(
                dir.path(),
                &[
                    "verify",
                    "-vfyopt",
                    distid,
                    "-partial_chain",
                    "-CAfile",
                    "chain.pem",
                    "leaf.pem",
                ],
            );
            assert!(leaf_link.contains("leaf.pem: OK"), "{leaf_link}");
            let no_id = common::openssl(
                dir.path(),
                &[
                    "verify",
                    "-partial_chain",
                    "-CAfile",
                    "chain.pem",
                    "leaf.pem",
                ],
            );
            assert!(!String::from_utf8_lossy(&no_id.stdout).contains("leaf.pem: OK"));
        } else {
            let out = common::openssl_ok(
                dir.path(),
                &[
                    "verify",
                    "-CAfile",
                    "root.pem",
                    "-untrusted",
                    "chain.pem",
                    "leaf.pem",
                ],
            );
            assert!(out.contains("leaf.pem: OK"), "{spec:?}: {out}");
        }
    }
}

#[tokio::test]
async fn python_cryptography_verifies_the_chain_as_a_tls_client_would() {
    // cryptography's X.509 path validation (the rules of RFC 5280 and the CA/B Forum) accepts
    // the chain for the name, and refuses it for another.
    let dir = tempfile::tempdir().unwrap();
    let ca = LocalCa::new("certdesk Test").unwrap();
    for spec in [KeySpec::Rsa2048, KeySpec::EcP256, KeySpec::EcP384] {
        let ticket = ca
            .submit(request(
                csr_pem(spec, "py.example.com"),
                &["py.example.com"],
            ))
            .await
            .unwrap();
        let CaStatus::Issued(cert) = ca.status(&ticket).await.unwrap() else {
            panic!("not issued")
        };
        std::fs::write(dir.path().join("root.pem"), ca.root_pem()).unwrap();
        std::fs::write(dir.path().join("chain.pem"), ca.intermediate_pem()).unwrap();
        std::fs::write(dir.path().join("leaf.pem"), &cert.certificate_pem).unwrap();
        let script = r#"
import sys
from cryptography import x509
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError
root = x509.load_pem_x509_certificate(open("root.pem", "rb").read())
chain = x509.load_pem_x509_certificate(open("chain.pem", "rb").read())
leaf = x509.load_pem_x509_certificate(open("leaf.pem", "rb").read())
store = Store([root])
verifier = PolicyBuilder().store(store).build_server_verifier(x509.DNSName("py.example.com"))
path = verifier.verify(leaf, [chain])
wrong = PolicyBuilder().store(store).build_server_verifier(x509.DNSName("other.example.com"))
try:
    wrong.verify(leaf, [chain])
    print("wrong name accepted")
except VerificationError:
    print("ok", len(path))
"#;
        let out = std::process::Command::new("python3")
            .args(["-c", script])
            .current_dir(dir.path())
            .output()
            .expect("python3");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            "ok 3",
            "{spec:?}"
        );
    }
}

async fn issue(ca: &LocalCa, request: IssueRequest) -> CaStatus {
    let ticket = ca.submit(request).await.unwrap();
    ca.status(&ticket).await.unwrap()
}

#[tokio::test]
async fn times_are_utctime_through_2049_and_generalizedtime_after() {
    let dir = tempfile::tempdir().unwrap();
    let ca = LocalCa::new("certdesk Test").unwrap();
    let csr = csr_pem(KeySpec::EcP256, "times.example.com");
    // 90 days from now: both times before 2050.
    let CaStatus::Issued(short) = issue(&ca, request(csr.clone(), &["times.example.com"])).await
    else {
        panic!("not issued");
    };
    std::fs::write(dir.path().join("short.pem"), &short.certificate_pem).unwrap();
    let parsed = common::openssl_ok(dir.path(), &["asn1parse", "-in", "short.pem"]);
    assert_eq!(parsed.matches("UTCTIME").count(), 2, "{parsed}");
    assert!(!parsed.contains("GENERALIZEDTIME"), "{parsed}");
    // A validity that ends after 2049: notBefore UTCTime, notAfter GeneralizedTime.
    let mut long = request(csr, &["times.example.com"]);
    long.validity_days = 40 * 366;
    let CaStatus::Issued(long) = issue(&ca, long).await else {
        panic!("not issued");
    };
    std::fs::write(dir.path().join("long.pem"), &long.certificate_pem).unwrap();
    let parsed = common::openssl_ok(dir.path(), &["asn1parse", "-in", "long.pem"]);
    assert_eq!(parsed.matches("UTCTIME").count(), 1, "{parsed}");
    assert_eq!(parsed.matches("GENERALIZEDTIME").count(), 1, "{parsed}");
}

#[tokio::test]
async fn a_domain_longer_than_a_common_name_is_certified_by_its_san_alone() {
    let dir = tempfile::tempdir().unwrap();
    let ca = LocalCa::new("certdesk Test").unwrap();
    let long = format!("{}.example.com", "a".repeat(60));
    assert!(long.len() > 64);
    let csr = csr_pem(KeySpec::EcP256, "short.example.com");
    let CaStatus::Issued(cert) = issue(&ca, request(csr, &[&long])).await else {
        panic!("not issued");
    };
    std::fs::write(dir.path().join("leaf.pem"), &cert.certificate_pem).unwrap();
    let subject = common::openssl_ok(
        dir.path(),
        &["x509", "-in", "leaf.pem", "-noout", "-subject"],
    );
    assert!(!subject.contains("CN"), "{subject}");
    let text = common::openssl_ok(dir.path(), &["x509", "-in", "leaf.pem", "-noout", "-text"]);
    assert!(text.contains(&format!("DNS:{long}")), "{text}");
}

#[tokio::test]
async fn a_validity_past_the_year_9999_is_refused_not_a_panic() {
    let ca = LocalCa::new("certdesk Test").unwrap();
    let mut huge = request(
        csr_pem(KeySpec::EcP256, "huge.example.com"),
        &["huge.example.com"],
    );
    huge.validity_days = u32::MAX;
    match issue(&ca, huge).await {
        CaStatus::Refused { reason } => assert!(reason.contains("9999"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_submission_repeated_under_its_key_is_one_request() {
    let ca = LocalCa::new("certdesk Test").unwrap();
    let first = request(
        csr_pem(KeySpec::EcP256, "once.example.com"),
        &["once.example.com"],
    );
    let again = first.clone();
    let (a, b) = tokio::join!(ca.submit(first.clone()), ca.submit(again));
    let ticket = a.unwrap();
    assert_eq!(ticket, b.unwrap(), "one key, one ticket");
    assert_eq!(
        ca.submit(first.clone()).await.unwrap(),
        ticket,
        "and later too"
    );
    // The same request under another key is another request.
    let other = IssueRequest {
        idempotency_key: format!("{}-other", first.idempotency_key),
        ..first
    };
    assert_ne!(ca.submit(other).await.unwrap(), ticket);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_directory_ca_is_one_ca_for_every_process_that_opens_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ca");
    let vault = || -> Arc<dyn certdesk::backend::KeyVault> {
        Arc::new(certdesk::backend::AesGcmVault::new("kek-1", [7; 32]))
    };
    // Two opened at once (as two processes starting together): one CA is made, and both are
    // it.
    let (one, two) = tokio::join!(
        LocalCa::open_dir(&path, "certdesk Shared", vault()),
        LocalCa::open_dir(&path, "certdesk Shared", vault())
    );
    let (one, two) = (one.unwrap(), two.unwrap());
    assert_eq!(one.root_pem(), two.root_pem());
    assert_eq!(one.intermediate_pem(), two.intermediate_pem());
    let stored = std::fs::read_to_string(path.join("ca.json")).unwrap();
    assert!(!stored.contains("PRIVATE KEY"), "the key is kept sealed");

    // Submitted through one, repeated through the other, issued and revoked through either.
    let first = request(
        csr_pem(KeySpec::EcP256, "shared.example.com"),
        &["shared.example.com"],
    );
    let (a, b) = tokio::join!(one.submit(first.clone()), two.submit(first.clone()));
    let ticket = a.unwrap();
    assert_eq!(b.unwrap(), ticket);
    let log = std::fs::read_to_string(path.join("submissions.log")).unwrap();
    let kinds: Vec<&str> = log
        .lines()
        .map(|l| l.rsplit('\t').next().unwrap())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "new").count(), 1, "{log}");
    assert_eq!(kinds.len(), 2, "{log}");
    let (s1, s2) = tokio::join!(one.status(&ticket), two.status(&ticket));
    let (CaStatus::Issued(c1), CaStatus::Issued(c2)) = (s1.unwrap(), s2.unwrap()) else {
        panic!("not issued");
    };
    assert_eq!(c1, c2, "one certificate, however many polls");
    std::fs::write(dir.path().join("root.pem"), one.root_pem()).unwrap();
    std::fs::write(dir.path().join("chain.pem"), two.intermediate_pem()).unwrap();
    std::fs::write(dir.path().join("leaf.pem"), &c1.certificate_pem).unwrap();
    let out = common::openssl_verify_chain(dir.path(), "leaf.pem");
    assert!(out.contains(": OK"), "{out}");
    assert_eq!(two.revoke(&ticket).await.unwrap(), Revocation::Revoked);
    assert_eq!(one.status(&ticket).await.unwrap(), CaStatus::Revoked);

    // Opened again later, it is still the same CA, and keeps its requests.
    drop((one, two));
    let again = LocalCa::open_dir(&path, "another name", vault())
        .await
        .unwrap();
    assert_eq!(again.status(&ticket).await.unwrap(), CaStatus::Revoked);
    assert!(format!("{again:?}").contains("certdesk Shared"));

    // A ticket that names a path, or one it never made, is a ticket it does not have.
    for t in ["../ca.json", "../../etc/passwd", "", "order-1-000000000000"] {
        assert!(
            matches!(
                again.status(t).await,
                Err(certdesk::backend::CaError::UnknownTicket(_))
            ),
            "{t:?}"
        );
    }
    // Under another key-encryption key, its key does not open.
    let other: Arc<dyn certdesk::backend::KeyVault> =
        Arc::new(certdesk::backend::AesGcmVault::new("kek-1", [8; 32]));
    assert!(
        LocalCa::open_dir(&path, "certdesk Shared", other)
            .await
            .is_err()
    );
}

/// TXT records a test publishes (a resolver over a map).
#[derive(Default)]
struct Txt(std::sync::Mutex<std::collections::HashMap<String, Vec<String>>>);

impl Txt {
    fn publish(&self, name: &str, value: &str) {
        self.0
            .lock()
            .unwrap()
            .entry(name.to_owned())
            .or_default()
            .push(value.to_owned());
    }
}

#[async_trait::async_trait]
impl certdesk::backend::DnsResolver for Txt {
    async fn txt(&self, name: &str) -> Result<Vec<String>, certdesk::backend::DnsError> {
        self.0
            .lock()
            .unwrap()
            .get(name)
            .cloned()
            .ok_or_else(|| certdesk::backend::DnsError::NoSuchName(name.to_owned()))
    }
    async fn cname_chain(&self, name: &str) -> Result<Vec<String>, certdesk::backend::DnsError> {
        Err(certdesk::backend::DnsError::NoSuchName(name.to_owned()))
    }
    async fn ips(&self, name: &str) -> Result<Vec<std::net::IpAddr>, certdesk::backend::DnsError> {
        Err(certdesk::backend::DnsError::NoSuchName(name.to_owned()))
    }
}

#[tokio::test]
async fn a_ca_that_validates_revocations_revokes_once_every_record_is_published() {
    use certdesk::order::{Challenge, DnsRecordType};
    let dns = Arc::new(Txt::default());
    let dir = tempfile::tempdir().unwrap();
    let vault = || -> Arc<dyn certdesk::backend::KeyVault> {
        Arc::new(certdesk::backend::AesGcmVault::new("kek-1", [7; 32]))
    };
    // Two processes of one directory CA ask for the same records.
    let one = LocalCa::open_dir(dir.path(), "certdesk Revoking", vault())
        .await
        .unwrap()
        .with_revocation_validation(dns.clone());
    let two = LocalCa::open_dir(dir.path(), "certdesk Revoking", vault())
        .await
        .unwrap()
        .with_revocation_validation(dns.clone());
    let ticket = one
        .submit(request(
            csr_pem(KeySpec::EcP256, "shop.example.com"),
            &[
                "shop.example.com",
                "*.example.com",
                "example.com",
                "1.1.1.1",
            ],
        ))
        .await
        .unwrap();
    let issued = one.status(&ticket).await.unwrap();
    assert!(matches!(issued, CaStatus::Issued(_)), "{issued:?}");

    let Revocation::ValidationRequired(asked) = one.revoke(&ticket).await.unwrap() else {
        panic!("revoked without validation")
    };
    // One TXT record per domain name (a wildcard on its base, which `example.com` already
    // has); none for the address.
    let hosts: Vec<&str> = asked
        .iter()
        .map(|c| match c {
            Challenge::Dns {
                host, record_type, ..
            } => {
                assert_eq!(*record_type, DnsRecordType::Txt);
                host.as_str()
            }
            Challenge::File { .. } => panic!("a file challenge: {c:?}"),
        })
        .collect();
    assert_eq!(hosts, ["_revoke.shop.example.com", "_revoke.example.com"]);
    // Asked again, through the other process: the same records, not revoked yet.
    assert_eq!(
        two.revoke(&ticket).await.unwrap(),
        Revocation::ValidationRequired(asked.clone())
    );
    assert!(matches!(
        two.status(&ticket).await.unwrap(),
        CaStatus::Issued(_)
    ));
    // One record published, or the other with a wrong value: still not.
    let Challenge::Dns { host, value, .. } = &asked[0] else {
        unreachable!()
    };
    dns.publish(host, value);
    let Challenge::Dns { host, value, .. } = &asked[1] else {
        unreachable!()
    };
    dns.publish(host, "wrong");
    assert!(matches!(
        one.revoke(&ticket).await.unwrap(),
        Revocation::ValidationRequired(_)
    ));
    // Both: revoked, and revoking again is revoked.
    dns.publish(host, value);
    assert_eq!(one.revoke(&ticket).await.unwrap(), Revocation::Revoked);
    assert_eq!(two.status(&ticket).await.unwrap(), CaStatus::Revoked);
    assert_eq!(two.revoke(&ticket).await.unwrap(), Revocation::Revoked);

    // A certificate for an address alone has nothing to publish: revoked at once.
    let ip = one
        .submit(request(csr_pem(KeySpec::EcP256, "1.1.1.1"), &["1.1.1.1"]))
        .await
        .unwrap();
    let _ = one.status(&ip).await.unwrap();
    assert_eq!(one.revoke(&ip).await.unwrap(), Revocation::Revoked);
}
