//! rcgen, a peer nobody here wrote, reads the CSRs certdesk writes: it parses and verifies
//! every RSA and ECDSA CSR its verifier knows, and issues a certificate from it that OpenSSL
//! verifies against rcgen's CA. Two refusals are rcgen's limits, asserted so that a change in
//! them is noticed: its CSR reader does not know SM2 (its key and signature algorithms are a
//! closed set: why certdesk's local CA is not built on rcgen), and the x509-parser verifier it
//! uses has no `ecdsa-with-SHA512`, the signature of a P-521 CSR (OpenSSL verifies both).

mod common;

use certdesk::{Csr, CsrRequest, KeySpec, SanEntry, Subject};
use common::openssl_ok;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateSigningRequestParams, IsCa, Issuer, KeyPair,
    PublicKeyData,
};

fn csr(spec: KeySpec) -> Csr {
    let subject = Subject::builder()
        .common_name("peer.example.com")
        .organization("Example Co")
        .country("CN")
        .build()
        .unwrap();
    CsrRequest::builder()
        .subject(subject)
        .san(SanEntry::parse("www.peer.example.com").unwrap())
        .key_spec(spec)
        .build()
        .unwrap()
        .generate()
        .unwrap()
        .0
}

#[test]
fn rcgen_parses_and_issues_for_every_rsa_and_ecdsa_csr_and_openssl_verifies_the_result() {
    let dir = tempfile::tempdir().unwrap();
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "rcgen peer CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    std::fs::write(dir.path().join("ca.pem"), ca_cert.pem()).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    for spec in [
        KeySpec::Rsa2048,
        KeySpec::Rsa3072,
        KeySpec::Rsa4096,
        KeySpec::EcP256,
        KeySpec::EcP384,
    ] {
        let csr = csr(spec);
        let params = CertificateSigningRequestParams::from_pem(&csr.to_pem())
            .unwrap_or_else(|e| panic!("rcgen refuses certdesk's {spec} CSR: {e}"));
        assert_eq!(
            params.public_key.subject_public_key_info(),
            csr.public_key().spki_der(),
            "{spec}: rcgen read another key"
        );
        let cert = params.signed_by(&issuer).unwrap();
        let file = format!("{spec}.crt");
        std::fs::write(dir.path().join(&file), cert.pem()).unwrap();
        let out = openssl_ok(dir.path(), &["verify", "-CAfile", "ca.pem", &file]);
        assert!(out.contains(": OK"), "{spec}: {out}");
        // The certificate carries the CSR's key and its SAN.
        let text = openssl_ok(dir.path(), &["x509", "-in", &file, "-noout", "-text"]);
        assert!(text.contains("DNS:www.peer.example.com"), "{spec}: {text}");
        let pubkey = openssl_ok(dir.path(), &["x509", "-in", &file, "-noout", "-pubkey"]);
        assert_eq!(pubkey.trim(), csr.public_key().to_pem().trim(), "{spec}");
    }
}

#[test]
fn rcgen_refuses_the_sm2_csr_that_openssl_verifies() {
    let csr = csr(KeySpec::Sm2);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sm2.pem"), csr.to_pem()).unwrap();
    assert!(common::openssl_req_verifies(
        dir.path(),
        "sm2.pem",
        Some(certdesk::DEFAULT_SM2_DISTID)
    ));
    let e = CertificateSigningRequestParams::from_pem(&csr.to_pem()).unwrap_err();
    assert!(
        matches!(e, rcgen::Error::InvalidCertificationRequestSignature),
        "{e:?}"
    );
}

#[test]
fn rcgen_cannot_verify_the_p521_csr_that_openssl_verifies() {
    let csr = csr(KeySpec::EcP521);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p521.pem"), csr.to_pem()).unwrap();
    assert!(common::openssl_req_verifies(dir.path(), "p521.pem", None));
    let e = CertificateSigningRequestParams::from_pem(&csr.to_pem()).unwrap_err();
    assert!(
        matches!(e, rcgen::Error::InvalidCertificationRequestSignature),
        "{e:?}"
    );
}
