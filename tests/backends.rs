//! Keys on every crypto backend this build has (RustCrypto; aws-lc with the `aws-lc`
//! feature): each spec moves between backends through PKCS#8 with its encodings unchanged,
//! and what one backend signs, every backend verifies (and OpenSSL too, for the backend that
//! signed).

mod common;

use certdesk::{
    CryptoBackend, Csr, CsrRequest, KeySpec, ParseOptions, PrivateKey, SignatureHash, Subject,
};

fn request(spec: KeySpec, hash: SignatureHash) -> CsrRequest {
    CsrRequest::builder()
        .subject(
            Subject::builder()
                .common_name("backends.example.com")
                .build()
                .unwrap(),
        )
        .key_spec(spec)
        .hash(hash)
        .build()
        .unwrap()
}

/// The backend a key of `spec` asked to be on `backend` ends up on.
fn expected(spec: KeySpec, backend: CryptoBackend) -> CryptoBackend {
    if spec == KeySpec::Sm2 {
        CryptoBackend::RustCrypto
    } else {
        backend
    }
}

#[test]
fn the_preferred_backend_is_the_assembly_one_when_built_in() {
    assert_eq!(CryptoBackend::default(), CryptoBackend::preferred());
    assert_eq!(
        CryptoBackend::preferred(),
        *CryptoBackend::ALL.last().unwrap()
    );
    assert_eq!(
        CryptoBackend::ALL.len(),
        if cfg!(feature = "aws-lc") { 2 } else { 1 }
    );
    assert_eq!(CryptoBackend::ALL[0].name(), "rustcrypto");
    let key = PrivateKey::from_pem_or_der(&common::data("ec-p256.key.pem")).unwrap();
    assert_eq!(key.backend(), CryptoBackend::preferred());
}

#[test]
fn every_spec_moves_between_backends_through_pkcs8_unchanged() {
    for spec in KeySpec::ALL {
        // RSA keys are slow to make: one per spec, moved everywhere.
        let made_on = *CryptoBackend::ALL.last().unwrap();
        let key = PrivateKey::generate_on(spec, made_on).unwrap();
        assert_eq!(key.backend(), expected(spec, made_on), "{spec:?}");
        let pkcs8 = key.to_pkcs8_der().unwrap();
        for &to in CryptoBackend::ALL {
            let moved = key.to_backend(to).unwrap();
            assert_eq!(moved.backend(), expected(spec, to), "{spec:?} -> {to}");
            assert_eq!(
                *moved.to_pkcs8_der().unwrap(),
                *pkcs8,
                "{spec:?} on {to}: the same PKCS#8 bytes"
            );
            assert_eq!(moved.public_key(), key.public_key(), "{spec:?} -> {to}");
            assert_eq!(
                format!("{moved:?}"),
                format!("{key:?}"),
                "Debug says nothing of the backend or the secret"
            );
            // And back.
            let back = moved.to_backend(made_on).unwrap();
            assert_eq!(*back.to_pkcs8_der().unwrap(), *pkcs8);
        }
    }
}

#[test]
fn ecdsa_keys_made_on_each_backend_encode_as_the_other_would() {
    for spec in [KeySpec::EcP256, KeySpec::EcP384, KeySpec::EcP521] {
        for &made_on in CryptoBackend::ALL {
            let key = PrivateKey::generate_on(spec, made_on).unwrap();
            let der = key.to_pkcs8_der().unwrap();
            for &read_on in CryptoBackend::ALL {
                let other = key.to_backend(read_on).unwrap();
                assert_eq!(
                    *other.to_pkcs8_der().unwrap(),
                    *der,
                    "{spec:?} {made_on}->{read_on}"
                );
            }
            // OpenSSL reads it as the same key.
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(
                dir.path().join("k.pem"),
                key.to_pkcs8_pem().unwrap().as_bytes(),
            )
            .unwrap();
            common::openssl_ok(
                dir.path(),
                &[
                    "pkey", "-in", "k.pem", "-pubout", "-outform", "DER", "-out", "pub.der",
                ],
            );
            assert_eq!(
                std::fs::read(dir.path().join("pub.der")).unwrap(),
                key.public_key().spki_der(),
                "{spec:?} made on {made_on}"
            );
        }
    }
}

#[test]
fn what_one_backend_signs_every_backend_verifies_with_every_allowed_hash() {
    let dir = tempfile::tempdir().unwrap();
    for spec in KeySpec::ALL {
        let base = PrivateKey::generate(spec).unwrap();
        for &sign_on in CryptoBackend::ALL {
            let key = base.to_backend(sign_on).unwrap();
            for &hash in spec.allowed_hashes() {
                let csr = request(spec, hash).sign(&key).unwrap();
                for &verify_on in CryptoBackend::ALL {
                    let options = ParseOptions {
                        backend: verify_on,
                        ..ParseOptions::default()
                    };
                    let parsed = Csr::parse_with(csr.der(), &options).unwrap_or_else(|e| {
                        panic!("{spec:?} {hash:?} {sign_on}->{verify_on}: {e}")
                    });
                    assert_eq!(parsed.public_key(), key.public_key());
                    // A signature with one bit changed is refused on every backend alike.
                    let mut bad = csr.der().to_vec();
                    let last = bad.len() - 1;
                    bad[last] ^= 1;
                    let err = Csr::parse_with(&bad, &options).unwrap_err();
                    assert_eq!(err.code(), "bad_signature", "{spec:?} {hash:?} {verify_on}");
                }
                let file = format!("{}-{}-{}.pem", spec.name(), hash.name(), sign_on.name());
                std::fs::write(dir.path().join(&file), csr.to_pem()).unwrap();
                let distid = (spec == KeySpec::Sm2).then_some("1234567812345678");
                assert!(
                    common::openssl_req_verifies(dir.path(), &file, distid),
                    "OpenSSL refuses {file}"
                );
            }
        }
    }
}
