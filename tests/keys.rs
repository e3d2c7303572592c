//! Private keys: generation, import errors, redaction, and the caps on untrusted encryption.

mod common;

use certdesk::{KeyEncryption, KeySpec, Password, PrivateKey};
use common::{data, openssl_ok};

#[test]
fn every_spec_generates_a_key_of_that_spec_that_round_trips_through_pkcs8() {
    for spec in KeySpec::ALL {
        let key = PrivateKey::generate(spec).unwrap();
        assert_eq!(key.key_spec(), Some(spec));
        let pem = key.to_pkcs8_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        let back = PrivateKey::from_pem_or_der(pem.as_bytes()).unwrap();
        assert_eq!(back.public_key(), key.public_key(), "{spec}");
        let der = key.to_pkcs8_der().unwrap();
        assert_eq!(
            PrivateKey::from_pem_or_der(&der).unwrap().public_key(),
            key.public_key()
        );
    }
}

#[test]
fn debug_output_names_the_kind_and_hides_the_key() {
    let pem = data("ec-p256.key.pem");
    let key = PrivateKey::from_pem_or_der(&pem).unwrap();
    let shown = format!("{key:?}");
    assert_eq!(shown, "PrivateKey(ECDSA P-256, <redacted>)");
    let body: String = String::from_utf8(pem)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    for window in body.as_bytes().windows(8) {
        assert!(!shown.contains(std::str::from_utf8(window).unwrap()));
    }
    let password = Password::new("hunter2");
    assert_eq!(format!("{password:?}"), "Password(<redacted>)");
}

#[test]
fn password_file_contents_drop_one_trailing_line_break() {
    let a = Password::from_file_contents(b"secret\n".to_vec());
    let b = Password::from_file_contents(b"secret\r\n".to_vec());
    let key = PrivateKey::from_pem_or_der(&data("ec-p256.key.pem")).unwrap();
    let pem = key
        .to_encrypted_pkcs8_pem(&a, KeyEncryption::default())
        .unwrap();
    assert!(PrivateKey::from_pem_or_der_with_password(pem.as_bytes(), &b).is_ok());
    assert!(
        PrivateKey::from_pem_or_der_with_password(pem.as_bytes(), &Password::new("secret")).is_ok()
    );
}

#[test]
fn bad_key_inputs_get_precise_codes() {
    let code = |input: &[u8]| PrivateKey::from_pem_or_der(input).unwrap_err().code();
    assert_eq!(code(b""), "key.empty");
    assert_eq!(code(b"  \n"), "key.empty");
    assert_eq!(code(b"not a key"), "key.not_a_key");
    assert_eq!(code(&data("rsa2048.csr.pem")), "key.not_a_key");
    assert_eq!(
        code(&vec![b'A'; certdesk::MAX_KEY_INPUT + 1]),
        "key.too_large"
    );
    let pem = String::from_utf8(data("rsa2048.key.pem")).unwrap();
    assert_eq!(code(&pem.as_bytes()[..pem.len() / 2]), "key.malformed");

    let err = PrivateKey::from_pem_or_der(&data("ed25519.key.pem")).unwrap_err();
    assert_eq!(err.code(), "key.unsupported");
    assert!(err.to_string().contains("Ed25519"), "{err}");
    let err = PrivateKey::from_pem_or_der(&data("secp256k1.key.pem")).unwrap_err();
    assert_eq!(err.code(), "key.unsupported");
    assert!(err.to_string().contains("secp256k1"), "{err}");
}

#[test]
fn legacy_openssl_pem_encryption_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("k.pem"), data("rsa2048.key.pem")).unwrap();
    openssl_ok(
        dir.path(),
        &[
            "rsa",
            "-in",
            "k.pem",
            "-traditional",
            "-aes256",
            "-passout",
            "pass:x",
            "-out",
            "l.pem",
        ],
    );
    let pem = std::fs::read(dir.path().join("l.pem")).unwrap();
    let err = PrivateKey::from_pem_or_der_with_password(&pem, &Password::new("x")).unwrap_err();
    assert_eq!(err.code(), "key.unsupported_encryption");
    assert!(err.to_string().contains("openssl pkcs8 -topk8"), "{err}");
}

#[test]
fn costly_scrypt_parameters_in_untrusted_keys_are_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("k.pem"), data("ec-p256.key.pem")).unwrap();
    openssl_ok(
        dir.path(),
        &[
            "pkcs8", "-topk8", "-in", "k.pem", "-scrypt", "-passout", "pass:x", "-outform", "DER",
            "-out", "e.der",
        ],
    );
    let der = std::fs::read(dir.path().join("e.der")).unwrap();
    // scrypt-params: ... N = 16384 (02 02 40 00), r = 8 (02 01 08), p = 1 (02 01 01).
    let pattern = [0x02, 0x02, 0x40, 0x00, 0x02, 0x01, 0x08, 0x02, 0x01, 0x01];
    let at = der
        .windows(pattern.len())
        .position(|w| w == pattern)
        .unwrap();
    let mut costly = der.clone();
    costly[at + pattern.len() - 1] = 0x7f; // p = 127
    let err = PrivateKey::from_pem_or_der_with_password(&costly, &Password::new("x")).unwrap_err();
    assert_eq!(err.code(), "key.encryption_too_costly");
    // The untouched key opens.
    assert!(PrivateKey::from_pem_or_der_with_password(&der, &Password::new("x")).is_ok());
}

#[test]
fn pbkdf2_iterations_beyond_the_cap_are_refused_on_export() {
    let key = PrivateKey::from_pem_or_der(&data("ec-p256.key.pem")).unwrap();
    let err = key
        .to_encrypted_pkcs8_pem(
            &Password::new("x"),
            KeyEncryption::Pbkdf2Sha256 {
                iterations: 1_000_001,
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "key.export_failed");
}

#[test]
fn keys_sign_only_csrs_of_their_own_spec() {
    use certdesk::{CsrRequest, Subject};
    let key = PrivateKey::from_pem_or_der(&data("ec-p256.key.pem")).unwrap();
    let req = CsrRequest::builder()
        .subject(
            Subject::builder()
                .common_name("a.example.com")
                .build()
                .unwrap(),
        )
        .key_spec(KeySpec::Rsa2048)
        .build()
        .unwrap();
    let err = req.sign(&key).unwrap_err();
    assert_eq!(err.code(), "request.key_mismatch");
    assert!(err.to_string().contains("rsa2048"), "{err}");
}

#[test]
fn decryption_costs_above_what_openssl_writes_are_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("k.pem"), data("ec-p256.key.pem")).unwrap();
    let make = |args: &[&str], out: &str| {
        let mut all = vec![
            "pkcs8", "-topk8", "-in", "k.pem", "-passout", "pass:x", "-out", out,
        ];
        all.extend_from_slice(args);
        openssl_ok(dir.path(), &all);
        std::fs::read(dir.path().join(out)).unwrap()
    };
    let refused = |pem: &[u8]| {
        PrivateKey::from_pem_or_der_with_password(pem, &Password::new("x"))
            .unwrap_err()
            .code()
    };
    // PBKDF2 one iteration over the cap, scrypt with r = 9 (N * r over 2^17) or p = 2.
    let pbkdf2 = make(&["-v2", "aes-256-cbc", "-iter", "1000001"], "p.pem");
    assert_eq!(refused(&pbkdf2), "key.encryption_too_costly");
    let scrypt_n = make(&["-scrypt", "-scrypt_r", "9"], "n.pem");
    assert_eq!(refused(&scrypt_n), "key.encryption_too_costly");
    let scrypt_p = make(&["-scrypt", "-scrypt_p", "2"], "q.pem");
    assert_eq!(refused(&scrypt_p), "key.encryption_too_costly");
    // What OpenSSL writes by default opens.
    for args in [&["-scrypt"][..], &["-v2", "aes-256-cbc"][..]] {
        let pem = make(args, "ok.pem");
        assert!(PrivateKey::from_pem_or_der_with_password(&pem, &Password::new("x")).is_ok());
    }
}
