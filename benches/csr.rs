//! certdesk next to OpenSSL (the `openssl` crate, same process, same run) and next to the bare
//! RustCrypto primitives it is built on, so each report line reads as a ratio:
//!
//! - `keygen/<spec>/{certdesk,certdesk_aws_lc,openssl}`: generate a key pair (and
//!   `bare_aws_lc`: aws-lc's own RSA generation, which certdesk leaves to the `rsa` crate);
//! - `csr_build/<spec>/{certdesk,certdesk_aws_lc,openssl,bare_sign,bare_sign_aws_lc}`: encode
//!   and sign a CSR with a fixed key (subject of four attributes, two DNS SANs) / only
//!   hash-and-sign its to-be-signed bytes;
//! - `csr_parse/<spec>/{certdesk,certdesk_aws_lc,openssl,bare_verify}`: read a DER CSR, verify
//!   it, describe it / only hash-and-verify its signature with a ready key (`bare_verify`) or
//!   with the key decoded from its SPKI first (`bare_decode_verify`).
//!
//! `certdesk` is the pure-Rust backend; the `*_aws_lc` columns appear with the `aws-lc`
//! feature: `cargo bench --bench csr --features aws-lc`.

use std::hint::black_box;

use certdesk::{CryptoBackend, Csr, CsrRequest, KeySpec, ParseOptions, PrivateKey, Subject};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use der::{Decode, Encode};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::stack::Stack;
use openssl::x509::extension::SubjectAlternativeName;
use openssl::x509::{X509NameBuilder, X509Req, X509ReqBuilder};
use rand_core::UnwrapErr;
use sha2::Digest;
use signature::hazmat::{PrehashSigner, PrehashVerifier};
use signature::{Signer, Verifier};

const BUILD_SPECS: [KeySpec; 4] = [
    KeySpec::Rsa2048,
    KeySpec::EcP256,
    KeySpec::EcP384,
    KeySpec::Sm2,
];

fn request(spec: KeySpec) -> CsrRequest {
    let subject = Subject::builder()
        .country("CN")
        .locality("Shenzhen")
        .organization("Example Co")
        .common_name("www.example.com")
        .build()
        .unwrap();
    CsrRequest::builder()
        .subject(subject)
        .san_text("example.com")
        .key_spec(spec)
        .build()
        .unwrap()
}

fn openssl_key(spec: KeySpec) -> PKey<Private> {
    match spec {
        KeySpec::Rsa2048 => PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap(),
        KeySpec::Rsa3072 => PKey::from_rsa(Rsa::generate(3072).unwrap()).unwrap(),
        KeySpec::Rsa4096 => PKey::from_rsa(Rsa::generate(4096).unwrap()).unwrap(),
        KeySpec::Sm2 => {
            // An SM2 key read from PKCS#8 is an EVP_PKEY_SM2, which signs SM2 (not ECDSA).
            let pem = PrivateKey::generate(KeySpec::Sm2)
                .unwrap()
                .to_pkcs8_pem()
                .unwrap();
            PKey::private_key_from_pem(pem.as_bytes()).unwrap()
        }
        _ => PKey::from_ec_key(EcKey::generate(&group(spec)).unwrap()).unwrap(),
    }
}

fn group(spec: KeySpec) -> EcGroup {
    let nid = match spec {
        KeySpec::EcP256 => Nid::X9_62_PRIME256V1,
        KeySpec::EcP384 => Nid::SECP384R1,
        KeySpec::EcP521 => Nid::SECP521R1,
        _ => Nid::SM2,
    };
    EcGroup::from_curve_name(nid).unwrap()
}

fn openssl_digest(spec: KeySpec) -> MessageDigest {
    match spec.default_hash() {
        certdesk::SignatureHash::Sha384 => MessageDigest::sha384(),
        certdesk::SignatureHash::Sha512 => MessageDigest::sha512(),
        certdesk::SignatureHash::Sm3 => MessageDigest::sm3(),
        _ => MessageDigest::sha256(),
    }
}

fn openssl_build(key: &PKey<Private>, spec: KeySpec) -> X509Req {
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("C", "CN").unwrap();
    name.append_entry_by_text("L", "Shenzhen").unwrap();
    name.append_entry_by_text("O", "Example Co").unwrap();
    name.append_entry_by_text("CN", "www.example.com").unwrap();
    let name = name.build();
    let mut builder = X509ReqBuilder::new().unwrap();
    builder.set_subject_name(&name).unwrap();
    builder.set_pubkey(key).unwrap();
    let san = SubjectAlternativeName::new()
        .dns("www.example.com")
        .dns("example.com")
        .build(&builder.x509v3_context(None))
        .unwrap();
    let mut extensions = Stack::new().unwrap();
    extensions.push(san).unwrap();
    builder.add_extensions(&extensions).unwrap();
    builder.sign(key, openssl_digest(spec)).unwrap();
    builder.build()
}

fn keygen(c: &mut Criterion) {
    let mut group = c.benchmark_group("keygen");
    for spec in KeySpec::ALL {
        // RSA keygen takes long and varies a lot: 30 samples for RSA-2048, the minimum above it.
        let samples = match spec {
            KeySpec::Rsa2048 => 30,
            KeySpec::Rsa3072 | KeySpec::Rsa4096 => 10,
            _ => 100,
        };
        group.sample_size(samples);
        for &backend in CryptoBackend::ALL {
            group.bench_function(BenchmarkId::new(spec.name(), column(backend)), |b| {
                b.iter(|| PrivateKey::generate_on(black_box(spec), backend).unwrap())
            });
        }
        group.bench_function(BenchmarkId::new(spec.name(), "openssl"), |b| {
            b.iter(|| openssl_key(black_box(spec)))
        });
        // aws-lc's own RSA generation, which certdesk does not use: the `rsa` crate is faster.
        #[cfg(feature = "aws-lc")]
        {
            use aws_lc_rs::rsa::{KeyPair, KeySize};
            let size = match spec {
                KeySpec::Rsa2048 => Some(KeySize::Rsa2048),
                KeySpec::Rsa3072 => Some(KeySize::Rsa3072),
                KeySpec::Rsa4096 => Some(KeySize::Rsa4096),
                _ => None,
            };
            if let Some(size) = size {
                group.bench_function(BenchmarkId::new(spec.name(), "bare_aws_lc"), |b| {
                    b.iter(|| KeyPair::generate(black_box(size)).unwrap())
                });
            }
        }
    }
    group.finish();
}

/// The to-be-signed bytes of a CSR, as the bare primitives see them.
fn tbs_of(der: &[u8]) -> Vec<u8> {
    x509_cert::request::CertReq::from_der(der)
        .unwrap()
        .info
        .to_der()
        .unwrap()
}

/// The column of certdesk on `backend`.
fn column(backend: CryptoBackend) -> &'static str {
    match backend {
        CryptoBackend::RustCrypto => "certdesk",
        _ => "certdesk_aws_lc",
    }
}

fn csr_build(c: &mut Criterion) {
    let mut group = c.benchmark_group("csr_build");
    for spec in KeySpec::ALL {
        let key = PrivateKey::generate_on(spec, CryptoBackend::RustCrypto).unwrap();
        let req = request(spec);
        for &backend in CryptoBackend::ALL {
            let key = key.to_backend(backend).unwrap();
            group.bench_function(BenchmarkId::new(spec.name(), column(backend)), |b| {
                b.iter(|| req.sign(black_box(&key)).unwrap())
            });
        }
        let ossl = openssl_key(spec);
        group.bench_function(BenchmarkId::new(spec.name(), "openssl"), |b| {
            b.iter(|| openssl_build(black_box(&ossl), spec))
        });
        let tbs = tbs_of(req.sign(&key).unwrap().der());
        let pem = key.to_pkcs8_pem().unwrap();
        #[cfg(feature = "aws-lc")]
        bare_sign_aws_lc(&mut group, spec, &key, &tbs);
        if !BUILD_SPECS.contains(&spec) {
            continue;
        }
        group.bench_function(BenchmarkId::new(spec.name(), "bare_sign"), |b| match spec {
            KeySpec::Rsa2048 => {
                use pkcs8::DecodePrivateKey;
                let k = rsa::RsaPrivateKey::from_pkcs8_pem(&pem).unwrap();
                let mut rng = UnwrapErr(getrandom::SysRng);
                b.iter(|| {
                    let digest = sha2::Sha256::digest(black_box(&tbs));
                    k.sign_with_rng(
                        &mut rng,
                        rsa::pkcs1v15::Pkcs1v15Sign::new::<sha2::Sha256>(),
                        &digest,
                    )
                    .unwrap()
                })
            }
            KeySpec::EcP256 => {
                use pkcs8::DecodePrivateKey;
                let k = p256::ecdsa::SigningKey::from_pkcs8_pem(&pem).unwrap();
                b.iter(|| {
                    let sig: p256::ecdsa::Signature = k
                        .sign_prehash(&sha2::Sha256::digest(black_box(&tbs)))
                        .unwrap();
                    sig.to_der()
                })
            }
            KeySpec::EcP384 => {
                use pkcs8::DecodePrivateKey;
                let k = p384::ecdsa::SigningKey::from_pkcs8_pem(&pem).unwrap();
                b.iter(|| {
                    let sig: p384::ecdsa::Signature = k
                        .sign_prehash(&sha2::Sha384::digest(black_box(&tbs)))
                        .unwrap();
                    sig.to_der()
                })
            }
            _ => {
                use pkcs8::DecodePrivateKey;
                let secret = sm2::SecretKey::from_pkcs8_pem(&pem).unwrap();
                let k = sm2::dsa::SigningKey::new(certdesk::DEFAULT_SM2_DISTID, &secret).unwrap();
                b.iter(|| {
                    let sig: sm2::dsa::Signature = k.try_sign(black_box(&tbs)).unwrap();
                    sig.to_der()
                })
            }
        });
    }
    group.finish();
}

/// aws-lc alone signing the to-be-signed bytes (hashing included), from the key's PKCS#8.
#[cfg(feature = "aws-lc")]
fn bare_sign_aws_lc(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    spec: KeySpec,
    key: &PrivateKey,
    tbs: &[u8],
) {
    use aws_lc_rs::signature as lc;
    let der = key.to_pkcs8_der().unwrap();
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let id = BenchmarkId::new(spec.name(), "bare_sign_aws_lc");
    let ec = |alg| lc::EcdsaKeyPair::from_pkcs8(alg, &der).unwrap();
    match spec {
        KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096 => {
            let k = lc::RsaKeyPair::from_pkcs8(&der).unwrap();
            let mut sig = vec![0; k.public_modulus_len()];
            group.bench_function(id, |b| {
                b.iter(|| {
                    k.sign(&lc::RSA_PKCS1_SHA256, &rng, black_box(tbs), &mut sig)
                        .unwrap()
                })
            });
        }
        KeySpec::EcP256 | KeySpec::EcP384 | KeySpec::EcP521 => {
            let k = ec(match spec {
                KeySpec::EcP256 => &lc::ECDSA_P256_SHA256_ASN1_SIGNING,
                KeySpec::EcP384 => &lc::ECDSA_P384_SHA384_ASN1_SIGNING,
                _ => &lc::ECDSA_P521_SHA512_ASN1_SIGNING,
            });
            group.bench_function(id, |b| b.iter(|| k.sign(&rng, black_box(tbs)).unwrap()));
        }
        _ => {}
    }
}

fn csr_parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("csr_parse");
    for spec in KeySpec::ALL {
        let key = PrivateKey::generate(spec).unwrap();
        let csr = request(spec).sign(&key).unwrap();
        let der = csr.der().to_vec();
        for &backend in CryptoBackend::ALL {
            let options = ParseOptions {
                backend,
                ..ParseOptions::default()
            };
            group.bench_function(BenchmarkId::new(spec.name(), column(backend)), |b| {
                b.iter(|| Csr::parse_with(black_box(&der), &options).unwrap())
            });
        }
        // OpenSSL reads and verifies its own CSR of the same shape (for SM2 it checks with an
        // empty distinguishing ID, which costs the same).
        let ossl_der = openssl_build(&openssl_key(spec), spec).to_der().unwrap();
        group.bench_function(BenchmarkId::new(spec.name(), "openssl"), |b| {
            b.iter(|| {
                let req = X509Req::from_der(black_box(&ossl_der)).unwrap();
                let pk = req.public_key().unwrap();
                req.verify(&pk).unwrap()
            })
        });
        if !BUILD_SPECS.contains(&spec) {
            continue;
        }
        let tbs = tbs_of(&der);
        let parsed = x509_cert::request::CertReq::from_der(&der).unwrap();
        let sig = parsed.signature.raw_bytes().to_vec();
        let spki = key.public_key().spki_der().to_vec();
        group.bench_function(BenchmarkId::new(spec.name(), "bare_verify"), |b| {
            let verify = bare_verifier(spec, &spki, &sig);
            b.iter(|| verify(black_box(&tbs)))
        });
        // The same with the public key decoded from its SPKI each time, as reading a CSR must.
        group.bench_function(BenchmarkId::new(spec.name(), "bare_decode_verify"), |b| {
            b.iter(|| bare_verifier(spec, black_box(&spki), &sig)(black_box(&tbs)))
        });
    }
    group.finish();
}

/// Hashes the to-be-signed bytes and verifies the signature, panicking if it does not hold.
type Verify = Box<dyn Fn(&[u8])>;

/// Decodes the public key and signature, and returns a closure that hashes and verifies.
fn bare_verifier(spec: KeySpec, spki: &[u8], sig: &[u8]) -> Verify {
    use pkcs8::DecodePublicKey;
    match spec {
        KeySpec::Rsa2048 => {
            let k = rsa::RsaPublicKey::from_public_key_der(spki).unwrap();
            let sig = sig.to_vec();
            Box::new(move |tbs| {
                let digest = sha2::Sha256::digest(tbs);
                k.verify(
                    rsa::pkcs1v15::Pkcs1v15Sign::new::<sha2::Sha256>(),
                    &digest,
                    &sig,
                )
                .unwrap()
            })
        }
        KeySpec::EcP256 => {
            let k = p256::ecdsa::VerifyingKey::from_public_key_der(spki).unwrap();
            let s = p256::ecdsa::Signature::from_der(sig).unwrap();
            Box::new(move |tbs| k.verify_prehash(&sha2::Sha256::digest(tbs), &s).unwrap())
        }
        KeySpec::EcP384 => {
            let k = p384::ecdsa::VerifyingKey::from_public_key_der(spki).unwrap();
            let s = p384::ecdsa::Signature::from_der(sig).unwrap();
            Box::new(move |tbs| k.verify_prehash(&sha2::Sha384::digest(tbs), &s).unwrap())
        }
        _ => {
            let public = sm2::PublicKey::from_public_key_der(spki).unwrap();
            let k = sm2::dsa::VerifyingKey::new(certdesk::DEFAULT_SM2_DISTID, public).unwrap();
            let s = sm2::dsa::Signature::from_der(sig).unwrap();
            Box::new(move |tbs| k.verify(tbs, &s).unwrap())
        }
    }
}

criterion_group!(benches, keygen, csr_build, csr_parse);
criterion_main!(benches);
