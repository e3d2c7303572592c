//! Broken, hostile and odd CSR inputs get the right typed error, never a panic.

mod common;

use certdesk::{Csr, CsrSan, KeyKind, ParseOptions};
use common::{data, openssl_req_verifies};

fn code(input: &[u8]) -> &'static str {
    Csr::parse(input).unwrap_err().code().as_str()
}

#[test]
fn openssl_pem_der_text_dump_and_crlf_all_read_the_same() {
    let pem = data("rsa2048.csr.pem");
    let reference = Csr::parse(&pem).unwrap();
    let info = reference.info();
    assert_eq!(info.key, KeyKind::Rsa { bits: 2048 });
    assert_eq!(info.subject.get("ST"), Some("Guangdong"));
    assert_eq!(
        info.sans,
        [
            CsrSan::Dns("www.example.com".into()),
            CsrSan::Dns("example.com".into()),
            CsrSan::Ip("192.0.2.1".parse().unwrap()),
        ]
    );

    let der = data("rsa2048.csr.der");
    let text_dump = data("rsa2048.csr.txt");
    let crlf = String::from_utf8(pem.clone())
        .unwrap()
        .replace('\n', "\r\n");
    let padded = format!(
        "\n\n   {}  \t\n",
        String::from_utf8(pem.clone())
            .unwrap()
            .replace('\n', " \n\t")
    );
    let body_only: String = String::from_utf8(pem.clone())
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .join("\n");
    for (what, input) in [
        ("DER", der),
        ("openssl req -text output", text_dump),
        ("CRLF", crlf.into_bytes()),
        ("stray whitespace", padded.into_bytes()),
        ("bare Base64 body", body_only.into_bytes()),
    ] {
        let csr = Csr::parse(&input).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(csr.der(), reference.der(), "{what}");
        assert_eq!(csr.info(), info, "{what}");
    }
}

#[test]
fn empty_input_is_empty() {
    assert_eq!(code(b""), "empty");
    assert_eq!(code(b" \r\n\t "), "empty");
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let mut big = data("rsa2048.csr.pem");
    big.extend(std::iter::repeat_n(b' ', certdesk::MAX_CSR_INPUT));
    assert_eq!(code(&big), "too_large");
    let small_cap = ParseOptions {
        max_input: 100,
        ..ParseOptions::default()
    };
    let err = Csr::parse_with(&data("rsa2048.csr.pem"), &small_cap).unwrap_err();
    assert_eq!(err.code(), "too_large");
}

#[test]
fn wrong_pem_label_garbage_and_other_objects_are_not_a_csr() {
    assert_eq!(code(&data("ec-p256.cert.pem")), "not_a_csr");
    assert_eq!(code(&data("ec-p256.key.pem")), "not_a_csr");
    let relabelled = String::from_utf8(data("rsa2048.csr.pem"))
        .unwrap()
        .replace("CERTIFICATE REQUEST", "CERTIFICATE");
    let err = Csr::parse(relabelled.as_bytes()).unwrap_err();
    assert_eq!(err.code(), "not_a_csr");
    assert!(err.to_string().contains("\"CERTIFICATE\""), "{err}");
    assert_eq!(code(b"hello, this is not a CSR"), "not_a_csr");
    assert_eq!(code(&[0xff, 0xfe, 0x00, 0x12, 0x80]), "not_a_csr");

    // A certificate in DER is recognised as such.
    let cert_pem = String::from_utf8(data("ec-p256.cert.pem")).unwrap();
    let body: String = cert_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    use base64ct::Encoding;
    let cert_der = base64ct::Base64::decode_vec(&body).unwrap();
    let err = Csr::parse(&cert_der).unwrap_err();
    assert_eq!(err.code(), "not_a_csr");
    assert!(err.to_string().contains("certificate"), "{err}");
}

#[test]
fn truncated_inputs_are_malformed() {
    let pem = String::from_utf8(data("rsa2048.csr.pem")).unwrap();
    let cut_pem = &pem[..pem.len() / 2];
    assert_eq!(code(cut_pem.as_bytes()), "malformed");
    let der = data("rsa2048.csr.der");
    for cut in [1, 2, 10, der.len() / 2, der.len() - 1] {
        assert_eq!(code(&der[..cut]), "malformed", "cut at {cut}");
    }
    let mut trailing = der.clone();
    trailing.push(0);
    assert_eq!(code(&trailing), "malformed");
    let bad_b64 = pem.replacen("MII", "M*I", 1);
    assert_eq!(code(bad_b64.as_bytes()), "malformed");
}

#[test]
fn flipped_signature_byte_is_a_bad_signature_for_us_and_for_openssl() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["rsa2048.csr.der", "sm2.csr.pem"] {
        let csr = Csr::parse(&data(name)).unwrap();
        let mut der = csr.der().to_vec();
        let last = der.len() - 3;
        der[last] ^= 0x01;
        assert_eq!(code(&der), "bad_signature", "{name}");
        let pem = certdesk_pem(&der);
        std::fs::write(dir.path().join("f.pem"), pem).unwrap();
        let distid = name.starts_with("sm2").then_some("1234567812345678");
        assert!(!openssl_req_verifies(dir.path(), "f.pem", distid), "{name}");
    }
}

#[test]
fn altered_subject_is_a_bad_signature() {
    let der = data("rsa2048.csr.der");
    let needle = b"Shenzhen";
    let at = der.windows(needle.len()).position(|w| w == needle).unwrap();
    let mut altered = der.clone();
    altered[at] = b'Z';
    assert_eq!(code(&altered), "bad_signature");
}

#[test]
fn unsupported_keys_name_what_was_found_and_what_is_supported() {
    let err = Csr::parse(&data("ed25519.csr.pem")).unwrap_err();
    assert_eq!(err.code(), "unsupported_key");
    let message = err.to_string();
    assert!(message.contains("Ed25519"), "{message}");
    assert!(
        message.contains("SM2") && message.contains("P-256"),
        "{message}"
    );

    let err = Csr::parse(&data("secp256k1.csr.pem")).unwrap_err();
    assert_eq!(err.code(), "unsupported_key");
    assert!(err.to_string().contains("secp256k1"), "{err}");
}

#[test]
fn sm2_csr_from_openssl_with_utf8_subject_reads_back() {
    let csr = Csr::parse(&data("sm2.csr.pem")).unwrap();
    assert_eq!(csr.info().key, KeyKind::Sm2);
    assert_eq!(csr.info().subject.get("O"), Some("示例公司"));
    assert_eq!(csr.info().signature_algorithm.name(), "SM2-with-SM3");
}

#[test]
fn every_single_byte_corruption_is_an_error_or_a_valid_csr_never_a_panic() {
    let der = data("rsa2048.csr.der");
    for i in 0..der.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut bad = der.clone();
            bad[i] ^= flip;
            let _ = Csr::parse(&bad);
        }
    }
}

fn certdesk_pem(der: &[u8]) -> String {
    use base64ct::Encoding;
    let b64 = base64ct::Base64::encode_string(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN CERTIFICATE REQUEST-----\n{}\n-----END CERTIFICATE REQUEST-----\n",
        lines.join("\n")
    )
}
