//! PKCS#12 files certdesk writes open in OpenSSL (every key spec) and Python's `cryptography`
//! (RSA and ECDSA) with the password, hold the same key and the whole chain, and refuse a wrong
//! password.

#![cfg(feature = "local-ca")]

mod common;

use std::process::Command;

use certdesk::backend::{CaStatus, CertificateAuthority, IssueRequest, LocalCa};
use certdesk::order::ValidationType;
use certdesk::{CsrRequest, KeySpec, Password, PrivateKey, Subject};

async fn issued(spec: KeySpec) -> (PrivateKey, Vec<Vec<u8>>) {
    let ca = LocalCa::new("PFX Test").unwrap();
    let (csr, key) = CsrRequest::builder()
        .subject(
            Subject::builder()
                .common_name("pfx.example.com")
                .build()
                .unwrap(),
        )
        .key_spec(spec)
        .build()
        .unwrap()
        .generate()
        .unwrap();
    let ticket = ca
        .submit(IssueRequest {
            order_id: "pfx".into(),
            csr_pem: csr.to_pem(),
            domains: vec!["pfx.example.com".into()],
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
        use base64ct::{Base64, Encoding};
        let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        Base64::decode_vec(&b64).unwrap()
    };
    (
        key,
        vec![der(&cert.certificate_pem), der(&cert.chain_pem[0])],
    )
}

#[tokio::test]
async fn openssl_opens_pkcs12_files_of_every_key_spec() {
    let dir = tempfile::tempdir().unwrap();
    for spec in KeySpec::ALL {
        let (key, chain) = issued(spec).await;
        let pfx = key
            .to_pkcs12(&chain, &Password::new("pfx-密码"), Some("pfx.example.com"))
            .unwrap();
        std::fs::write(dir.path().join("k.pfx"), &pfx).unwrap();
        std::fs::write(dir.path().join("pw"), "pfx-密码").unwrap();
        // The key, in the clear, is ours.
        common::openssl_ok(
            dir.path(),
            &[
                "pkcs12", "-in", "k.pfx", "-passin", "file:pw", "-nocerts", "-nodes", "-out",
                "key.pem",
            ],
        );
        let back = PrivateKey::from_pem_or_der(&std::fs::read(dir.path().join("key.pem")).unwrap())
            .unwrap();
        assert_eq!(
            back.public_key_sha256(),
            key.public_key_sha256(),
            "{spec:?}"
        );
        // Both certificates, the leaf with the key's localKeyId and friendly name.
        let certs = common::openssl_ok(
            dir.path(),
            &["pkcs12", "-in", "k.pfx", "-passin", "file:pw", "-nokeys"],
        );
        assert_eq!(certs.matches("BEGIN CERTIFICATE").count(), 2, "{spec:?}");
        assert!(certs.contains("friendlyName: pfx.example.com"), "{certs}");
        assert!(certs.contains("localKeyID:"), "{certs}");
        // A wrong password fails the MAC.
        let wrong = common::openssl(
            dir.path(),
            &["pkcs12", "-in", "k.pfx", "-passin", "pass:wrong", "-noout"],
        );
        assert!(!wrong.status.success(), "{spec:?}");
    }
}

#[tokio::test]
async fn python_cryptography_loads_rsa_and_ec_pkcs12_files() {
    for spec in [KeySpec::Rsa2048, KeySpec::EcP256, KeySpec::EcP384] {
        let (key, chain) = issued(spec).await;
        let pfx = key
            .to_pkcs12(&chain, &Password::new("py-pass"), Some("py"))
            .unwrap();
        let script = r#"
import sys
from cryptography.hazmat.primitives.serialization import pkcs12, Encoding, PublicFormat
from cryptography.hazmat.primitives import hashes
data = sys.stdin.buffer.read()
key, cert, extra = pkcs12.load_key_and_certificates(data, b"py-pass")
spki = key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
h = hashes.Hash(hashes.SHA256()); h.update(spki)
print(h.finalize().hex(), len(extra), cert.subject.rfc4514_string())
"#;
        let mut child = Command::new("python3")
            .args(["-c", script])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("python3");
        use std::io::Write;
        child.stdin.take().unwrap().write_all(&pfx).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            text.trim(),
            format!("{} 1 CN=pfx.example.com", key.public_key_sha256()),
            "{spec:?}"
        );
    }
}

#[test]
fn an_empty_chain_is_an_error() {
    let key = PrivateKey::generate(KeySpec::EcP256).unwrap();
    let e = key.to_pkcs12(&[], &Password::new("x"), None).unwrap_err();
    assert_eq!(e.code(), "key.export_failed");
}
