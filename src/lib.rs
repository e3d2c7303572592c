//! # certdesk
//!
//! What the Tencent Cloud and Alibaba Cloud SSL-certificate consoles do behind their forms, as a
//! library: make and check certificate signing requests (CSRs) and their private keys for every
//! key the vendors offer (RSA 2048/3072/4096, ECDSA P-256/P-384/P-521, SM2), read and verify
//! CSRs made anywhere else, enforce each vendor's rules, and carry certificate orders through
//! their workflows.
//!
//! ```
//! use certdesk::{CsrRequest, KeySpec, Subject, Csr};
//!
//! # fn main() -> Result<(), certdesk::Error> {
//! let subject = Subject::builder()
//!     .common_name("www.example.com")
//!     .organization("Example Co., Ltd.")
//!     .country("cn")
//!     .build()?;
//! let request = CsrRequest::builder()
//!     .subject(subject)
//!     .san_text("example.com")
//!     .key_spec(KeySpec::EcP256)
//!     .build()?;
//! let (csr, key) = request.generate()?;
//!
//! // Anyone can read it back and check it.
//! let read = Csr::parse(csr.to_pem().as_bytes())?;
//! assert!(read.matches_key(&key));
//! assert_eq!(read.info().subject.get("C"), Some("CN"));
//! # Ok(()) }
//! ```
//!
//! ## Key specs and the vendors' names for them
//!
//! | [`KeySpec`] | Tencent `EncryptAlgo`/`KeyParameter` | Alibaba `Algorithm`/`KeySize` | default hash |
//! |---|---|---|---|
//! | `rsa2048` | `RSA` / `2048` | `RSA` / 2048 | SHA-256 |
//! | `rsa3072` | `RSA` / `3072` | `RSA` / 3072 | SHA-256 |
//! | `rsa4096` | `RSA` / `4096` | `RSA` / 4096 | SHA-256 |
//! | `ec-p256` | `ECC` / `prime256v1` | `ECC` / 256 (`p256`) | SHA-256 |
//! | `ec-p384` | `ECC` / `secp384r1` | `ECC` / 384 (`p384`) | SHA-384 |
//! | `ec-p521` | `ECC` / `secp521r1` | `ECC` / 521 (`p512` in the console) | SHA-512 |
//! | `sm2` | `SM2` | `SM2` / 256 | SM3 (distinguishing ID `1234567812345678`) |
//!
//! Every CSR certdesk writes verifies with `openssl req -verify` (SM2 with
//! `-vfyopt distid:1234567812345678`); the test suite checks it.
//!
//! ## Rules
//!
//! [`policy`] checks what a person typed against a [`policy::Profile`] (the CA/B Forum
//! baseline, Tencent's and Alibaba's APIs and consoles, Tencent's free certificate) and reports
//! every [`policy::Violation`] at once, each with its field, a stable code, a severity and a
//! suggestion where one exists. [`cloud`] reads the vendors' own request bodies and answers
//! with their parameter names and error codes.
//!
//! ```
//! use certdesk::cloud::Api;
//!
//! let body = br#"{"Algorithm": "ECC", "KeySize": 384, "CommonName": "*.com",
//!                 "CountryCode": "China", "Province": "Zhejiang", "Locality": "Hangzhou"}"#;
//! let result = Api::AlibabaCreateCsr.validate(body);
//! let found: Vec<_> = result.violations.iter().map(|v| (v.field.as_str(), v.code.as_str())).collect();
//! assert_eq!(found, [
//!     ("CountryCode", "country.unknown"),
//!     ("CommonName", "san.wildcard_on_public_suffix"),
//!     ("KeySize", "key.not_offered"),
//! ]);
//! ```
//!
//! ## Orders
//!
//! [`order`] carries a certificate application through its product's workflow as a pure state
//! machine: [`order::Order::apply`] takes a command and the time, checks the transition and
//! returns the events; challenges, deadlines, validation reuse, quotas and the vendors' status
//! codes are there too.
//!
//! ## Storage, validation, issuance and the services
//!
//! [`backend`] holds the traits embedders implement ([`backend::CsrStore`],
//! [`backend::OrderStore`], [`backend::KeyVault`], [`backend::Clock`]) and the stores certdesk
//! ships: `MemoryStore`, `SqliteStore` (feature `sqlite`, on by default) and `PostgresStore`
//! (feature `postgres`), and the DNS resolver (feature `dns`), the validation-file fetcher
//! (feature `http`) and a local CA (feature `local-ca`). [`service::CsrService`] manages CSR
//! records as the vendors' consoles do, for one account and region per call, with keys sealed
//! before they are stored; its [`handle`](service::CsrService::handle) answers the vendors' own
//! CSR API calls. [`service::OrderService`] takes an order from application to an issued
//! certificate, checking domains against real DNS and HTTP.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use std::sync::Arc;
//! use certdesk::backend::{AesGcmVault, MemoryStore, Scope};
//! use certdesk::service::CsrService;
//! use certdesk::cloud::Api;
//!
//! let service = CsrService::new(
//!     Arc::new(MemoryStore::new()),
//!     Arc::new(AesGcmVault::new("kek-2026-11", [7; 32])), // your key-encryption key
//! );
//! let me = Scope::new("100012345678", "ap-guangzhou");
//! let made = service
//!     .handle(&me, Api::AlibabaCreateCsr, br#"{"Algorithm": "ECC", "KeySize": 256,
//!         "CommonName": "www.example.com", "CountryCode": "CN", "Province": "Zhejiang",
//!         "Locality": "Hangzhou"}"#)
//!     .await
//!     .unwrap();
//! assert!(made["Csr"].as_str().unwrap().starts_with("-----BEGIN CERTIFICATE REQUEST-----"));
//! // Another account does not see it.
//! let other = Scope::new("100099999999", "ap-guangzhou");
//! let e = service.details(&other, made["CsrId"].as_u64().unwrap()).await.unwrap_err();
//! assert_eq!(e.code(), "service.not_found");
//! # }
//! ```

//! ## Errors and codes
//!
//! Each module owns its error type ([`KeyError`], [`NameError`], [`SubjectError`],
//! [`CsrError`], [`RequestError`], [`backend::StoreError`], [`order::OrderError`],
//! [`service::ServiceError`], ...), and errors wrap only the errors of layers below them.
//! [`Error`] gathers the core's errors for `?` in your code. Every error implements [`Coded`]:
//! its stable code, whatever the layer. Each area's codes are an enum listing them all
//! ([`KeyCode`], [`NameCode`], [`policy::PolicyCode`], [`backend::StoreCode`], ...), which
//! compares equal to its string and serializes as it.
//!
//! A key certdesk does not hold (in a KMS or an HSM) signs CSRs through the [`Signer`] trait.
//!
//! ## Cargo features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `sqlite` | yes | [`backend::SqliteStore`] (bundled SQLite, compiled from source), and the [`sqlx`] re-export |
//! | `postgres` | | [`backend::PostgresStore`], for several instances sharing one database |
//! | `dns` | | [`backend::HickoryResolver`] (DNS validation on hickory) and [`backend::LoopbackDnsServer`] for tests and demonstrations |
//! | `http` | | [`backend::ValidationFetcher`] (file validation over HTTP and HTTPS, reserved addresses refused) and [`backend::LoopbackFileServer`]; implies `dns` |
//! | `local-ca` | | [`backend::LocalCa`], a CA in the process that issues for every key spec |
//! | `server` | | [`server`]: both vendors' APIs over HTTP with their signatures (axum), TLS |
//! | `aws-lc` | | RSA and ECDSA signing and verification and ECDSA key generation on aws-lc's assembly ([`CryptoBackend::AwsLc`]); needs a C compiler |
//! | `conformance` | | [`conformance`], the store test suite for embedders' own [`backend::CsrStore`]/[`backend::OrderStore`] implementations (not API-stable) |
//!
//! Without any feature the crate is the pure core (keys, CSRs, rules, orders), the traits and
//! the in-memory store, with no database and no network code, and pure Rust.
//!
//! ## Types from other crates
//!
//! The public API uses [`time::OffsetDateTime`] for every instant, [`serde_json::Value`] for
//! vendor API payloads, and `sqlx`'s pools where a store hands out its pool. They are
//! re-exported ([`time`], [`serde_json`], [`sqlx`]) so that an embedder names the same
//! versions certdesk was built with.

#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(unreachable_pub)]

pub mod backend;
pub mod cloud;
mod code;
#[cfg(feature = "conformance")]
pub mod conformance;
mod csr;
mod error;
mod hex;
mod key;
mod oid;
pub mod order;
mod pem;
pub mod policy;
mod san;
#[cfg(feature = "server")]
#[cfg_attr(docsrs, doc(cfg(feature = "server")))]
pub mod server;
pub mod service;
mod subject;

pub use code::{Code, Coded, UnknownCode};
pub use csr::{
    Csr, CsrCode, CsrError, CsrInfo, CsrQualifiedCode, CsrRequest, CsrRequestBuilder, CsrSan,
    DEFAULT_SM2_DISTID, DistinguishedName, MAX_CSR_INPUT, MAX_SANS, ParseOptions, RequestCode,
    RequestError,
};
pub use error::Error;
pub use key::{
    CryptoBackend, EcCurve, Fingerprint, KeyCode, KeyEncryption, KeyError, KeyKind, KeySpec,
    KeySpecCode, KeySpecError, MAX_KEY_INPUT, Password, PrivateKey, PublicKey, SecretText,
    SignError, SignatureAlgorithm, SignatureHash, Signer,
};
pub use san::{
    DomainName, EmailAddress, MAX_DOMAIN_LEN, MAX_LABEL_LEN, NameCode, NameError, NameKind,
    SanEntry, SanList,
};
pub use subject::{
    CountryCode, FieldError, FieldProblem, Subject, SubjectBuilder, SubjectCode, SubjectError,
    SubjectField,
};

pub use serde_json;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use sqlx;
pub use time;

/// The README's example, compiled and run as a doctest so it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
