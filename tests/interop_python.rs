//! CSRs certdesk writes load in Python's `cryptography` with a valid signature, and read back
//! as asked. (`cryptography` has no SM2, so SM2 is proven against OpenSSL only.)

use std::process::Command;

use certdesk::{CsrRequest, KeySpec, Subject};

const CHECK: &str = r#"
import json, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
pem = sys.stdin.buffer.read()
csr = x509.load_pem_x509_csr(pem)
san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
key = csr.public_key()
spki = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
digest = hashes.Hash(hashes.SHA256()); digest.update(spki)
print(json.dumps({
    "valid": csr.is_signature_valid,
    "cn": csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value,
    "o": csr.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value,
    "dns": san.get_values_for_type(x509.DNSName),
    "ip": [str(i) for i in san.get_values_for_type(x509.IPAddress)],
    "key_size": key.key_size,
    "hash": csr.signature_hash_algorithm.name,
    "spki_sha256": digest.finalize().hex(),
}))
"#;

#[test]
fn rsa_and_ec_csrs_load_in_python_cryptography_with_a_valid_signature() {
    for spec in KeySpec::ALL.into_iter().filter(|s| *s != KeySpec::Sm2) {
        let subject = Subject::builder()
            .common_name("py.example.com")
            .organization("示例 Example")
            .country("CN")
            .build()
            .unwrap();
        let (csr, _) = CsrRequest::builder()
            .subject(subject)
            .san_text("www.py.example.com")
            .san_text("203.0.113.9")
            .key_spec(spec)
            .build()
            .unwrap()
            .generate()
            .unwrap();
        let mut child = Command::new("python3")
            .args(["-c", CHECK])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("python3 must be installed");
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(csr.to_pem().as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{spec}: python failed (is `cryptography` installed?):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["valid"], true, "{spec}");
        assert_eq!(v["cn"], "py.example.com", "{spec}");
        assert_eq!(v["o"], "示例 Example", "{spec}");
        assert_eq!(
            v["dns"],
            serde_json::json!(["py.example.com", "www.py.example.com"]),
            "{spec}"
        );
        assert_eq!(v["ip"], serde_json::json!(["203.0.113.9"]), "{spec}");
        let bits = match spec.kind() {
            certdesk::KeyKind::Rsa { bits } => bits,
            certdesk::KeyKind::Ec { curve } => match curve {
                certdesk::EcCurve::P256 => 256,
                certdesk::EcCurve::P384 => 384,
                certdesk::EcCurve::P521 => 521,
            },
            certdesk::KeyKind::Sm2 => 256,
        };
        assert_eq!(v["key_size"], bits, "{spec}");
        assert_eq!(v["hash"], spec.default_hash().name(), "{spec}");
        assert_eq!(
            v["spki_sha256"],
            csr.info().public_key_sha256.to_hex(),
            "{spec}"
        );
    }
}
