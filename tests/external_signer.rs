//! Keys certdesk does not hold: a `Signer` that signs through the `openssl` crate (standing in
//! for a KMS or an HSM) makes CSRs that `openssl req -verify` accepts, for every RSA and ECDSA
//! spec.

mod common;

use certdesk::{
    Csr, CsrRequest, KeySpec, PublicKey, SanEntry, SignError, SignatureHash, Signer, Subject,
};
use common::openssl_req_verifies;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};

/// A key in OpenSSL's hands: certdesk sees its public half and asks it to sign.
struct OpensslKey {
    pkey: PKey<Private>,
    public: PublicKey,
}

impl OpensslKey {
    fn generate(spec: KeySpec) -> Self {
        use openssl::ec::{EcGroup, EcKey};
        use openssl::nid::Nid;
        let ec = |nid| {
            let group = EcGroup::from_curve_name(nid).unwrap();
            PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
        };
        let pkey = match spec {
            KeySpec::Rsa2048 => PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap(),
            KeySpec::Rsa3072 => PKey::from_rsa(openssl::rsa::Rsa::generate(3072).unwrap()).unwrap(),
            KeySpec::Rsa4096 => PKey::from_rsa(openssl::rsa::Rsa::generate(4096).unwrap()).unwrap(),
            KeySpec::EcP256 => ec(Nid::X9_62_PRIME256V1),
            KeySpec::EcP384 => ec(Nid::SECP384R1),
            KeySpec::EcP521 => ec(Nid::SECP521R1),
            other => panic!("{other} is not offered by this signer"),
        };
        let public = PublicKey::from_der(&pkey.public_key_to_der().unwrap()).unwrap();
        let pem = String::from_utf8(pkey.public_key_to_pem().unwrap()).unwrap();
        assert_eq!(PublicKey::from_pem(&pem).unwrap(), public);
        OpensslKey { pkey, public }
    }
}

impl Signer for OpensslKey {
    fn public_key(&self) -> &PublicKey {
        &self.public
    }

    fn sign(
        &self,
        hash: SignatureHash,
        message: &[u8],
        _sm2_distid: &[u8],
    ) -> Result<Vec<u8>, SignError> {
        let md = match hash {
            SignatureHash::Sha256 => MessageDigest::sha256(),
            SignatureHash::Sha384 => MessageDigest::sha384(),
            SignatureHash::Sha512 => MessageDigest::sha512(),
            other => return Err(SignError::new(format!("{} is not offered", other.name()))),
        };
        let mut signer = openssl::sign::Signer::new(md, &self.pkey)
            .map_err(|e| SignError::with_source("openssl signer", e))?;
        signer
            .update(message)
            .map_err(|e| SignError::with_source("openssl update", e))?;
        signer
            .sign_to_vec()
            .map_err(|e| SignError::with_source("openssl sign", e))
    }
}

#[test]
fn csrs_signed_by_a_key_outside_certdesk_verify_with_openssl() {
    let dir = tempfile::tempdir().unwrap();
    for spec in [
        KeySpec::Rsa2048,
        KeySpec::Rsa3072,
        KeySpec::EcP256,
        KeySpec::EcP384,
        KeySpec::EcP521,
    ] {
        let key = OpensslKey::generate(spec);
        let subject = Subject::builder()
            .common_name("kms.example.com")
            .organization("Example Co")
            .country("CN")
            .build()
            .unwrap();
        let request = CsrRequest::builder()
            .subject(subject)
            .san(SanEntry::parse("www.kms.example.com").unwrap())
            .key_spec(spec)
            .build()
            .unwrap();
        let csr = request.sign(&key).unwrap();
        assert!(csr.matches_public_key(key.public_key()), "{spec}");
        let file = format!("{spec}.pem");
        std::fs::write(dir.path().join(&file), csr.to_pem()).unwrap();
        assert!(openssl_req_verifies(dir.path(), &file, None), "{spec}");
        // certdesk reads it back and finds the same key and names.
        let read = Csr::parse(csr.to_pem().as_bytes()).unwrap();
        assert_eq!(read.info().key, spec.kind(), "{spec}");
        assert_eq!(read.public_key(), key.public_key(), "{spec}");
    }
}

/// A request for an ec-p256 key for `kms.example.com`.
fn p256_request() -> CsrRequest {
    let subject = Subject::builder()
        .common_name("kms.example.com")
        .build()
        .unwrap();
    CsrRequest::builder()
        .subject(subject)
        .key_spec(KeySpec::EcP256)
        .build()
        .unwrap()
}

#[test]
fn a_signer_whose_key_is_not_the_requested_spec_is_refused_before_it_signs() {
    let key = OpensslKey::generate(KeySpec::EcP384);
    let request = p256_request();
    let e = request.sign(&key).unwrap_err();
    assert_eq!(e.code(), "request.key_mismatch", "{e}");
}

#[test]
fn a_signer_failure_is_a_signing_error_with_its_message() {
    struct Broken(PublicKey);
    impl Signer for Broken {
        fn public_key(&self) -> &PublicKey {
            &self.0
        }
        fn sign(&self, _: SignatureHash, _: &[u8], _: &[u8]) -> Result<Vec<u8>, SignError> {
            Err(SignError::new("the HSM is offline"))
        }
    }
    let key = OpensslKey::generate(KeySpec::EcP256);
    let broken = Broken(key.public.clone());
    let request = p256_request();
    let e = request.sign(&broken).unwrap_err();
    assert_eq!(e.code(), "request.signing_failed");
    assert!(e.to_string().contains("the HSM is offline"), "{e}");
}

#[test]
fn public_keys_that_are_not_public_keys_are_refused_with_codes() {
    assert_eq!(
        PublicKey::from_der(b"\x30\x03\x02\x01\x01")
            .unwrap_err()
            .code(),
        "key.malformed"
    );
    let cert_like = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    assert_eq!(
        PublicKey::from_pem(cert_like).unwrap_err().code(),
        "key.not_a_key"
    );
    assert_eq!(
        PublicKey::from_pem("hello").unwrap_err().code(),
        "key.not_a_key"
    );
}
