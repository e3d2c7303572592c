//! Helpers shared by the integration tests: running OpenSSL and reading test vectors.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A test vector under `tests/data/`.
pub fn data(name: &str) -> Vec<u8> {
    std::fs::read(data_path(name)).unwrap_or_else(|e| panic!("tests/data/{name}: {e}"))
}

pub fn data_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// Runs `openssl` with `args` in `dir`; returns its output whatever the exit status.
pub fn openssl(dir: &Path, args: &[&str]) -> Output {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl command line must be installed")
}

/// Runs `openssl` and insists it succeeds; returns stdout and stderr together.
pub fn openssl_ok(dir: &Path, args: &[&str]) -> String {
    let out = openssl(dir, args);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "openssl {args:?} failed:\n{text}");
    text
}

/// SHA-256 of the public key in `csr_file` as OpenSSL computes it (DER SPKI), lower-case hex.
pub fn openssl_csr_pubkey_sha256(dir: &Path, csr_file: &str) -> String {
    openssl_ok(
        dir,
        &[
            "req", "-in", csr_file, "-pubkey", "-noout", "-out", "pub.pem",
        ],
    );
    openssl_ok(
        dir,
        &[
            "pkey", "-pubin", "-in", "pub.pem", "-outform", "DER", "-out", "pub.der",
        ],
    );
    let out = openssl_ok(dir, &["dgst", "-sha256", "-r", "pub.der"]);
    out.split_whitespace().next().unwrap().to_owned()
}

/// Whether `openssl req -verify` accepts the CSR in `file` (SM2 with the given distinguishing
/// ID). OpenSSL 3.0 exits 0 even when the signature fails, so the verdict is read from its text.
pub fn openssl_req_verifies(dir: &Path, file: &str, sm2_distid: Option<&str>) -> bool {
    let vfyopt = sm2_distid.map(|id| format!("distid:{id}"));
    let mut args = vec!["req", "-in", file, "-verify", "-noout"];
    if let Some(opt) = &vfyopt {
        args.extend(["-vfyopt", opt.as_str()]);
    }
    let out = openssl(dir, &args);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out.status.success() && text.contains("self-signature verify OK")
}
pub mod hooked;
pub mod sdk;

#[cfg(feature = "local-ca")]
/// A server certificate for `name` from `ca`: the chain (leaf, then intermediate) and the key.
pub async fn server_cert(ca: &certdesk::backend::LocalCa, name: &str) -> (String, String) {
    use certdesk::backend::{CaStatus, CertificateAuthority, IssueRequest};
    use certdesk::{CsrRequest, KeySpec, Subject};
    let request = CsrRequest::builder()
        .subject(Subject::builder().common_name(name).build().unwrap())
        .key_spec(KeySpec::EcP256)
        .build()
        .unwrap();
    let (csr, key) = request.generate().unwrap();
    let ticket = ca
        .submit(IssueRequest {
            order_id: "db-server".into(),
            csr_pem: csr.to_pem(),
            domains: vec![name.into()],
            validation: certdesk::order::ValidationType::Dv,
            organization: None,
            validity_days: 30,
            idempotency_key: "db-server-1".into(),
        })
        .await
        .unwrap();
    let CaStatus::Issued(cert) = ca.status(&ticket).await.unwrap() else {
        panic!("the local CA did not issue the server certificate");
    };
    let chain = format!("{}{}", cert.certificate_pem, cert.chain_pem.concat());
    (chain, key.to_pkcs8_pem().unwrap().to_string())
}

/// `openssl verify` of `leaf` against `root.pem` with `chain.pem` as the untrusted
/// intermediates, all in `dir`: its output.
pub fn openssl_verify_chain(dir: &Path, leaf: &str) -> String {
    openssl_ok(
        dir,
        &[
            "verify",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "chain.pem",
            leaf,
        ],
    )
}
