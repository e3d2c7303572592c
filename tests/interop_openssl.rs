//! certdesk and the OpenSSL command line read each other's CSRs and keys.

mod common;

use certdesk::{
    Csr, CsrRequest, CsrSan, KeyEncryption, KeyKind, KeySpec, ParseOptions, Password, PrivateKey,
    SignatureHash, Subject,
};
use common::{data, openssl, openssl_csr_pubkey_sha256, openssl_ok, openssl_req_verifies};

fn full_subject() -> Subject {
    Subject::builder()
        .country("cn")
        .state("Guangdong")
        .locality("深圳")
        .organization("示例科技有限公司")
        .organizational_unit("IT")
        .common_name("www.example.com")
        .email("admin@example.com")
        .build()
        .unwrap()
}

fn request(spec: KeySpec) -> CsrRequest {
    CsrRequest::builder()
        .subject(full_subject())
        .san_text("example.com")
        .san_text("*.example.com")
        .san_text("192.0.2.10")
        .san_text("2001:db8::1")
        .san_text("ops@example.com")
        .key_spec(spec)
        .build()
        .unwrap()
}

fn verify_args(spec: KeySpec, file: &str) -> Vec<String> {
    let mut args: Vec<String> = ["req", "-in", file, "-verify", "-noout", "-text"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    if spec == KeySpec::Sm2 {
        args.extend(["-vfyopt".into(), "distid:1234567812345678".into()]);
    }
    args
}

#[test]
fn every_spec_generates_a_csr_openssl_verifies_and_reads_back_as_asked() {
    let dir = tempfile::tempdir().unwrap();
    for spec in KeySpec::ALL {
        let (csr, key) = request(spec).generate().unwrap();
        assert_eq!(key.key_spec(), Some(spec));
        let file = format!("{spec}.csr.pem");
        std::fs::write(dir.path().join(&file), csr.to_pem()).unwrap();

        let args = verify_args(spec, &file);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let text = openssl_ok(dir.path(), &args);
        assert!(text.contains("self-signature verify OK"), "{spec}: {text}");

        let subject = openssl_ok(
            dir.path(),
            &[
                "req",
                "-in",
                &file,
                "-noout",
                "-subject",
                "-nameopt",
                "RFC2253,-esc_msb",
            ],
        );
        assert_eq!(
            subject.trim(),
            "subject=emailAddress=admin@example.com,CN=www.example.com,OU=IT,O=示例科技有限公司,L=深圳,ST=Guangdong,C=CN",
            "{spec}"
        );
        assert!(
            text.contains(
                "DNS:www.example.com, DNS:example.com, DNS:*.example.com, IP Address:192.0.2.10, IP Address:2001:DB8:0:0:0:0:0:1, email:ops@example.com"
            ),
            "{spec}: SANs as OpenSSL reads them:\n{text}"
        );
        let key_line = match spec.kind() {
            KeyKind::Rsa { bits } => format!("Public-Key: ({bits} bit)"),
            KeyKind::Ec { curve } => format!("NIST CURVE: {}", curve.name()),
            KeyKind::Sm2 => "ASN1 OID: SM2".to_owned(),
        };
        assert!(
            text.contains(&key_line),
            "{spec}: expected {key_line:?} in\n{text}"
        );
        let sig_line = format!(
            "Signature Algorithm: {}",
            csr.info().signature_algorithm.name()
        );
        assert!(
            text.contains(&sig_line),
            "{spec}: expected {sig_line:?} in\n{text}"
        );
        assert_eq!(
            openssl_csr_pubkey_sha256(dir.path(), &file),
            csr.info().public_key_sha256.to_hex(),
            "{spec}: public-key SHA-256"
        );
    }
}

#[test]
fn string_types_are_printable_where_they_fit_and_utf8_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let (csr, _) = request(KeySpec::EcP256).generate().unwrap();
    std::fs::write(dir.path().join("c.der"), csr.der()).unwrap();
    let dump = openssl_ok(dir.path(), &["asn1parse", "-inform", "DER", "-in", "c.der"]);
    let line_after = |oid: &str| {
        let mut lines = dump.lines().skip_while(|l| !l.contains(oid));
        lines.next();
        lines.next().unwrap_or_default().to_owned()
    };
    assert!(
        line_after(":countryName").contains("PRINTABLESTRING"),
        "{dump}"
    );
    assert!(
        line_after(":stateOrProvinceName").contains("PRINTABLESTRING"),
        "{dump}"
    );
    assert!(line_after(":localityName").contains("UTF8STRING"), "{dump}");
    assert!(
        line_after(":organizationName").contains("UTF8STRING"),
        "{dump}"
    );
    assert!(line_after(":emailAddress").contains("IA5STRING"), "{dump}");
}

#[test]
fn every_allowed_hash_verifies_with_openssl() {
    let dir = tempfile::tempdir().unwrap();
    let key = PrivateKey::from_pem_or_der(&data("ec-p256.key.pem")).unwrap();
    for hash in [
        SignatureHash::Sha256,
        SignatureHash::Sha384,
        SignatureHash::Sha512,
    ] {
        let req = CsrRequest::builder()
            .subject(full_subject())
            .key_spec(KeySpec::EcP256)
            .hash(hash)
            .build()
            .unwrap();
        let csr = req.sign(&key).unwrap();
        std::fs::write(dir.path().join("h.pem"), csr.to_pem()).unwrap();
        assert!(openssl_req_verifies(dir.path(), "h.pem", None), "{hash}");
        let text = openssl_ok(dir.path(), &["req", "-in", "h.pem", "-noout", "-text"]);
        assert!(
            text.contains(&format!("ecdsa-with-{}", hash.name().to_uppercase())),
            "{text}"
        );
    }
    let rsa = PrivateKey::from_pem_or_der(&data("rsa2048.key.pem")).unwrap();
    let req = CsrRequest::builder()
        .subject(full_subject())
        .hash(SignatureHash::Sha512)
        .build()
        .unwrap();
    std::fs::write(dir.path().join("r.pem"), req.sign(&rsa).unwrap().to_pem()).unwrap();
    assert!(openssl_req_verifies(dir.path(), "r.pem", None));
    let text = openssl_ok(dir.path(), &["req", "-in", "r.pem", "-noout", "-text"]);
    assert!(text.contains("sha512WithRSAEncryption"), "{text}");
}

#[test]
fn sm2_csr_verifies_with_openssl_distid_and_a_custom_id_is_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let key = PrivateKey::from_pem_or_der(&data("sm2.key.pem")).unwrap();
    let req = CsrRequest::builder()
        .subject(full_subject())
        .key_spec(KeySpec::Sm2)
        .sm2_distid("certdesk@example")
        .build()
        .unwrap();
    let csr = req.sign(&key).unwrap();
    std::fs::write(dir.path().join("s.pem"), csr.to_pem()).unwrap();
    assert!(openssl_req_verifies(
        dir.path(),
        "s.pem",
        Some("certdesk@example")
    ));
    assert!(
        !openssl_req_verifies(dir.path(), "s.pem", Some("1234567812345678")),
        "a different distinguishing ID must not verify"
    );

    // certdesk reads it back only with the same ID.
    let err = Csr::parse(csr.to_pem().as_bytes()).unwrap_err();
    assert_eq!(err.code(), "bad_signature");
    let options = ParseOptions {
        sm2_distid: "certdesk@example".into(),
        ..ParseOptions::default()
    };
    assert!(Csr::parse_with(csr.der(), &options).is_ok());
}

#[test]
fn openssl_made_keys_and_csrs_of_every_spec_parse_verify_and_match() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for spec in KeySpec::ALL {
        let genpkey: Vec<&str> = match spec {
            KeySpec::Rsa2048 => vec!["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
            KeySpec::Rsa3072 => vec!["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"],
            KeySpec::Rsa4096 => vec!["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:4096"],
            KeySpec::EcP256 => vec!["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
            KeySpec::EcP384 => vec!["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
            KeySpec::EcP521 => vec!["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"],
            KeySpec::Sm2 => vec!["-algorithm", "SM2"],
        };
        let mut args = vec!["genpkey", "-out", "k.pem"];
        args.extend(genpkey);
        openssl_ok(d, &args);
        let mut req = vec![
            "req",
            "-new",
            "-key",
            "k.pem",
            "-subj",
            "/C=CN/O=Example/CN=o.example.com",
            "-addext",
            "subjectAltName=DNS:o.example.com,IP:198.51.100.7",
            "-out",
            "r.pem",
        ];
        if spec == KeySpec::Sm2 {
            req.extend(["-sm3", "-sigopt", "distid:1234567812345678"]);
        }
        openssl_ok(d, &req);

        let csr = Csr::parse(&std::fs::read(d.join("r.pem")).unwrap())
            .unwrap_or_else(|e| panic!("{spec}: {e}"));
        let info = csr.info();
        assert_eq!(info.key_spec, Some(spec));
        assert_eq!(info.subject.common_name(), Some("o.example.com"));
        assert_eq!(info.subject.get("C"), Some("CN"));
        assert_eq!(
            info.sans,
            [
                CsrSan::Dns("o.example.com".into()),
                CsrSan::Ip("198.51.100.7".parse().unwrap())
            ]
        );
        assert_eq!(
            info.public_key_sha256.to_hex(),
            openssl_csr_pubkey_sha256(d, "r.pem")
        );

        // The key in every form OpenSSL writes.
        let pkcs8 = PrivateKey::from_pem_or_der(&std::fs::read(d.join("k.pem")).unwrap()).unwrap();
        assert!(csr.matches_key(&pkcs8), "{spec}: PKCS#8");
        openssl_ok(
            d,
            &["pkey", "-in", "k.pem", "-outform", "DER", "-out", "k.der"],
        );
        let der = PrivateKey::from_pem_or_der(&std::fs::read(d.join("k.der")).unwrap()).unwrap();
        assert!(csr.matches_key(&der), "{spec}: PKCS#8 DER");
        let traditional = match spec.kind() {
            KeyKind::Rsa { .. } => Some(("rsa", "-----BEGIN RSA PRIVATE KEY-----")),
            KeyKind::Ec { .. } => Some(("ec", "-----BEGIN EC PRIVATE KEY-----")),
            // OpenSSL 3 writes SM2 keys only as PKCS#8.
            KeyKind::Sm2 => None,
        };
        if let Some((cmd, header)) = traditional {
            let mut args = vec![cmd, "-in", "k.pem", "-out", "t.pem"];
            if cmd == "rsa" {
                args.push("-traditional");
            }
            openssl_ok(d, &args);
            let pem = std::fs::read(d.join("t.pem")).unwrap();
            assert!(String::from_utf8_lossy(&pem).starts_with(header), "{spec}");
            let key = PrivateKey::from_pem_or_der(&pem).unwrap();
            assert!(csr.matches_key(&key), "{spec}: {header}");
        }
        for (flags, what) in [
            (vec!["-v2", "aes-256-cbc"], "PBKDF2"),
            (vec!["-scrypt"], "scrypt"),
        ] {
            let mut args = vec![
                "pkcs8",
                "-topk8",
                "-in",
                "k.pem",
                "-passout",
                "pass:pässword",
                "-out",
                "e.pem",
            ];
            args.extend(flags);
            openssl_ok(d, &args);
            let pem = std::fs::read(d.join("e.pem")).unwrap();
            let key = PrivateKey::from_pem_or_der_with_password(&pem, &Password::new("pässword"))
                .unwrap();
            assert!(csr.matches_key(&key), "{spec}: encrypted with {what}");
            let wrong = PrivateKey::from_pem_or_der_with_password(&pem, &Password::new("password"));
            assert_eq!(
                wrong.unwrap_err().code(),
                "key.wrong_password",
                "{spec} {what}"
            );
            assert_eq!(
                PrivateKey::from_pem_or_der(&pem).unwrap_err().code(),
                "key.password_required"
            );
        }
        let other = PrivateKey::generate(spec).unwrap();
        assert!(
            !csr.matches_key(&other),
            "{spec}: another key must not match"
        );
    }
}

#[test]
fn sec1_key_after_ec_parameters_block_is_read() {
    let dir = tempfile::tempdir().unwrap();
    openssl_ok(
        dir.path(),
        &["ecparam", "-name", "secp384r1", "-genkey", "-out", "k.pem"],
    );
    let pem = std::fs::read(dir.path().join("k.pem")).unwrap();
    assert!(String::from_utf8_lossy(&pem).starts_with("-----BEGIN EC PARAMETERS-----"));
    let key = PrivateKey::from_pem_or_der(&pem).unwrap();
    assert_eq!(key.key_spec(), Some(KeySpec::EcP384));
}

#[test]
fn encrypted_keys_open_with_openssl_passin_and_fail_with_a_wrong_password() {
    let dir = tempfile::tempdir().unwrap();
    let keys = [
        PrivateKey::from_pem_or_der(&data("rsa2048.key.pem")).unwrap(),
        PrivateKey::from_pem_or_der(&data("ec-p256.key.pem")).unwrap(),
        PrivateKey::from_pem_or_der(&data("sm2.key.pem")).unwrap(),
        PrivateKey::generate(KeySpec::EcP384).unwrap(),
        PrivateKey::generate(KeySpec::EcP521).unwrap(),
    ];
    let password = Password::new("correct horse 电池");
    for key in &keys {
        for encryption in [
            KeyEncryption::Scrypt,
            KeyEncryption::Pbkdf2Sha256 { iterations: 10_000 },
        ] {
            let pem = key.to_encrypted_pkcs8_pem(&password, encryption).unwrap();
            assert!(pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
            std::fs::write(dir.path().join("e.pem"), &pem).unwrap();
            let out = openssl_ok(
                dir.path(),
                &[
                    "pkey",
                    "-in",
                    "e.pem",
                    "-passin",
                    "pass:correct horse 电池",
                    "-pubout",
                ],
            );
            assert_eq!(
                out.trim(),
                key.public_key().to_pem().trim(),
                "{key:?} {encryption:?}"
            );
            let wrong = openssl(
                dir.path(),
                &["pkey", "-in", "e.pem", "-passin", "pass:wrong", "-noout"],
            );
            assert!(
                !wrong.status.success(),
                "{key:?} {encryption:?}: wrong password opened it"
            );

            let back =
                PrivateKey::from_pem_or_der_with_password(pem.as_bytes(), &password).unwrap();
            assert_eq!(back.public_key(), key.public_key());
        }
    }
}

#[test]
fn plain_pkcs8_export_is_what_openssl_reads() {
    let dir = tempfile::tempdir().unwrap();
    for spec in [KeySpec::EcP256, KeySpec::Sm2] {
        let key = PrivateKey::generate(spec).unwrap();
        std::fs::write(
            dir.path().join("k.pem"),
            key.to_pkcs8_pem().unwrap().as_bytes(),
        )
        .unwrap();
        let out = openssl_ok(dir.path(), &["pkey", "-in", "k.pem", "-pubout"]);
        assert_eq!(out.trim(), key.public_key().to_pem().trim());
    }
}

#[test]
fn openssl_sm2_csr_without_distid_is_explained_and_readable_with_an_empty_id() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("k.pem"), data("sm2.key.pem")).unwrap();
    openssl_ok(
        dir.path(),
        &[
            "req",
            "-new",
            "-key",
            "k.pem",
            "-sm3",
            "-subj",
            "/CN=sm2.example.com",
            "-out",
            "r.pem",
        ],
    );
    let bytes = std::fs::read(dir.path().join("r.pem")).unwrap();
    let err = Csr::parse(&bytes).unwrap_err();
    assert_eq!(err.code(), "bad_signature");
    assert!(err.to_string().contains("empty ID"), "{err}");
    let options = ParseOptions {
        sm2_distid: String::new(),
        ..ParseOptions::default()
    };
    assert!(Csr::parse_with(&bytes, &options).is_ok());
}

#[test]
fn rsa_pss_sha1_and_1024_bit_csrs_from_openssl_verify_and_report_what_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    openssl_ok(
        d,
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:1024",
            "-out",
            "k.pem",
        ],
    );
    openssl_ok(
        d,
        &[
            "req",
            "-new",
            "-key",
            "k.pem",
            "-subj",
            "/CN=p.example.com",
            "-sha384",
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            "rsa_pss_saltlen:32",
            "-out",
            "pss.pem",
        ],
    );
    let csr = Csr::parse(&std::fs::read(d.join("pss.pem")).unwrap()).unwrap();
    assert_eq!(csr.info().key, KeyKind::Rsa { bits: 1024 });
    assert_eq!(csr.info().key_spec, None);
    assert_eq!(
        csr.info().signature_algorithm,
        certdesk::SignatureAlgorithm::RsaPss {
            hash: SignatureHash::Sha384,
            salt_len: 32
        }
    );
    openssl_ok(
        d,
        &[
            "req",
            "-new",
            "-key",
            "k.pem",
            "-subj",
            "/CN=p.example.com",
            "-sha1",
            "-out",
            "sha1.pem",
        ],
    );
    let csr = Csr::parse(&std::fs::read(d.join("sha1.pem")).unwrap()).unwrap();
    assert_eq!(
        csr.info().signature_algorithm.name(),
        "sha1WithRSAEncryption"
    );
}

#[test]
fn csr_without_sans_has_no_extension_request_attribute() {
    let dir = tempfile::tempdir().unwrap();
    let key = PrivateKey::from_pem_or_der(&data("ec-p256.key.pem")).unwrap();
    let req = CsrRequest::builder()
        .subject(
            Subject::builder()
                .common_name("Example Co")
                .organization("Example")
                .build()
                .unwrap(),
        )
        .key_spec(KeySpec::EcP256)
        .build()
        .unwrap();
    let csr = req.sign(&key).unwrap();
    assert!(csr.info().sans.is_empty());
    std::fs::write(dir.path().join("n.der"), csr.der()).unwrap();
    let dump = openssl_ok(dir.path(), &["asn1parse", "-inform", "DER", "-in", "n.der"]);
    assert!(!dump.contains("Extension Request"), "{dump}");
    let text = openssl_ok(
        dir.path(),
        &[
            "req", "-inform", "DER", "-in", "n.der", "-verify", "-noout", "-text",
        ],
    );
    assert!(
        text.contains("Attributes:") && text.contains("verify OK"),
        "{text}"
    );
}
