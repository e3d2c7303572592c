//! The CSR service on every store at hand (in memory, SQLite): drafts, generation, uploads,
//! listing, key retrieval, names, remarks, tags, deletion, accounts, the rate limit, and the
//! vendors' own APIs answered end to end. OpenSSL checks what comes out.

mod common;

use std::sync::Arc;

use certdesk::backend::{
    AesGcmVault, CsrFilter, CsrStatus, CsrStore, FixedClock, KeyVault, MemoryStore, OrderStore,
    Page, Scope, Tag,
};
use certdesk::cloud::{Api, success_body};
use certdesk::order::{Command, CsrRef, Order, Product, ValidationMethod, ValidationToken};
use certdesk::policy::{CsrForm, Profile};
use certdesk::service::{CsrService, NewCsr, RateLimit, ServiceError, Upload};
use certdesk::{Csr, KeyEncryption, KeyKind, Password, PrivateKey};
use serde_json::Value;
use time::macros::datetime;
use zeroize::Zeroizing;

struct Stores {
    name: &'static str,
    csrs: Arc<dyn CsrStore>,
    orders: Arc<dyn OrderStore>,
    /// The SQLite file, when the store is one.
    file: Option<std::path::PathBuf>,
    _dir: Option<tempfile::TempDir>,
}

async fn stores() -> Vec<Stores> {
    let memory = Arc::new(MemoryStore::new());
    #[allow(unused_mut)]
    let mut all = vec![Stores {
        name: "memory",
        csrs: memory.clone(),
        orders: memory,
        file: None,
        _dir: None,
    }];
    #[cfg(feature = "sqlite")]
    {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("service.db");
        let sqlite = Arc::new(certdesk::backend::SqliteStore::open(&file).await.unwrap());
        all.push(Stores {
            name: "sqlite",
            csrs: sqlite.clone(),
            orders: sqlite,
            file: Some(file),
            _dir: Some(dir),
        });
    }
    all
}

fn vault() -> Arc<dyn KeyVault> {
    Arc::new(AesGcmVault::new("kek-2026", [11; 32]))
}

fn service(s: &Stores) -> CsrService {
    CsrService::new(s.csrs.clone(), vault()).with_orders(s.orders.clone())
}

fn alice() -> Scope {
    Scope::new("alice", "ap-guangzhou")
}

fn mallory() -> Scope {
    Scope::new("mallory", "ap-guangzhou")
}

fn form(cn: &str, key: &str) -> CsrForm {
    CsrForm {
        common_name: Some(cn.into()),
        organization: Some("Example Co".into()),
        organizational_unit: Some("IT".into()),
        locality: Some("Shenzhen".into()),
        state: Some("Guangdong".into()),
        country: Some("CN".into()),
        email: Some("admin@example.com".into()),
        sans: vec![format!("api.{cn}")],
        key: Some(key.into()),
        ..CsrForm::default()
    }
}

/// A form the Baseline Requirements take: no OU, no e-mail address in the subject.
fn bare(cn: &str, key: &str) -> CsrForm {
    CsrForm {
        organizational_unit: None,
        email: None,
        ..form(cn, key)
    }
}

#[tokio::test]
async fn draft_is_modified_then_generated_then_immutable() {
    let dir = tempfile::tempdir().unwrap();
    for s in stores().await {
        let svc = service(&s);
        let profile = Profile::tencent_create_csr();
        let draft = svc
            .create(
                &alice(),
                &profile,
                NewCsr {
                    form: form("draft.example.com", "rsa2048"),
                    password: Some(Password::new("s3cret-pass")),
                    remark: Some("for the shop".into()),
                    generate: false,
                    ..NewCsr::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(draft.status, CsrStatus::Draft, "{}", s.name);
        assert!(draft.csr_pem.is_none() && draft.sealed_key.is_none());
        assert!(draft.sealed_password.is_some(), "the password waits sealed");
        assert_eq!(
            svc.csr_pem(&alice(), draft.id).await.unwrap_err().code(),
            "service.not_generated"
        );
        // Modify: a new domain, still a draft.
        let changed = svc
            .modify(
                &alice(),
                draft.id,
                &profile,
                form("shop.example.com", "ec-p256"),
                None,
                false,
            )
            .await
            .unwrap();
        assert_eq!(changed.common_name.as_deref(), Some("shop.example.com"));
        assert_eq!(changed.algorithm.as_deref(), Some("ECC"));
        assert_eq!(changed.status, CsrStatus::Draft);
        // Generate it as it stands: the draft's password protects the key.
        let made = svc.generate(&alice(), draft.id, &profile).await.unwrap();
        assert_eq!(made.status, CsrStatus::Generated);
        assert!(made.sealed_password.is_none());
        let pem = svc.csr_pem(&alice(), draft.id).await.unwrap();
        let csr = Csr::parse(pem.as_bytes()).unwrap();
        assert_eq!(csr.info().subject.common_name(), Some("shop.example.com"));
        assert_eq!(csr.info().key, made_key_kind());
        let key = svc.private_key(&alice(), draft.id).await.unwrap();
        assert!(key.encrypted);
        assert!(key.pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
        assert!(!format!("{key:?}").contains("BEGIN"), "Debug is redacted");
        let opened = PrivateKey::from_pem_or_der_with_password(
            key.pem.as_bytes(),
            &Password::new("s3cret-pass"),
        )
        .unwrap();
        assert!(csr.matches_key(&opened));
        // OpenSSL verifies the CSR and opens the key with the password.
        let csr_file = dir.path().join(format!("{}.csr.pem", s.name));
        let key_file = dir.path().join(format!("{}.key.pem", s.name));
        std::fs::write(&csr_file, &pem).unwrap();
        std::fs::write(&key_file, key.pem.as_bytes()).unwrap();
        assert!(common::openssl_req_verifies(
            dir.path(),
            csr_file.file_name().unwrap().to_str().unwrap(),
            None
        ));
        common::openssl_ok(
            dir.path(),
            &[
                "pkey",
                "-in",
                key_file.to_str().unwrap(),
                "-passin",
                "pass:s3cret-pass",
                "-noout",
            ],
        );
        // Generated: no more changes to what the CSR says.
        let e = svc
            .modify(
                &alice(),
                draft.id,
                &profile,
                form("other.example.com", "ec-p256"),
                None,
                true,
            )
            .await
            .unwrap_err();
        assert_eq!(e.code(), "service.immutable");
        assert_eq!(
            svc.details(&alice(), draft.id)
                .await
                .unwrap()
                .common_name
                .as_deref(),
            Some("shop.example.com")
        );
    }
}

fn made_key_kind() -> KeyKind {
    KeyKind::Ec {
        curve: certdesk::EcCurve::P256,
    }
}

#[tokio::test]
async fn every_violation_is_reported_and_nothing_is_stored() {
    for s in stores().await {
        let svc = service(&s);
        let mut bad = form("bad_domain.example.com", "rsa1024");
        bad.country = Some("China".into());
        let e = svc
            .create(
                &alice(),
                &Profile::tencent_create_csr(),
                NewCsr {
                    form: bad,
                    remark: Some("x".repeat(300)),
                    tags: vec![
                        Tag {
                            key: "".into(),
                            value: "v".into(),
                        },
                        Tag {
                            key: "env".into(),
                            value: "a".into(),
                        },
                        Tag {
                            key: "env".into(),
                            value: "b".into(),
                        },
                    ],
                    generate: true,
                    ..NewCsr::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(e.code(), "service.rules");
        let fields: Vec<(&str, &str)> = e
            .violations()
            .iter()
            .map(|v| (v.field.as_str(), v.code.as_str()))
            .collect();
        for expected in [
            ("subject.country", "country.unknown"),
            ("key", "key_spec.unknown"),
            ("remark", "remark.too_long"),
            ("tags[0].key", "tag.key_missing"),
            ("tags[2].key", "tag.duplicate_key"),
        ] {
            assert!(
                fields.contains(&expected),
                "{}: {expected:?} not in {fields:?}",
                s.name
            );
        }
        let listed = svc
            .list(&alice(), &CsrFilter::default(), page(10))
            .await
            .unwrap();
        assert_eq!(listed.total, 0);
    }
}

fn page(limit: u64) -> Page {
    Page { offset: 0, limit }
}

#[tokio::test]
async fn uploads_with_and_without_keys_and_update_key() {
    let csr_pem = common::data("rsa2048.csr.pem");
    let key_pem = common::data("rsa2048.key.pem");
    let other_key = common::data("ec-p256.key.pem");
    for s in stores().await {
        let svc = service(&s);
        // The test CSR names a documentation address (192.0.2.1): an internal console's
        // profile that allows reserved addresses.
        let mut profile = Profile::baseline();
        profile.refuse_reserved_ips = false;
        // Without a key.
        let plain = svc
            .upload(
                &alice(),
                &profile,
                Upload {
                    csr: csr_pem.clone(),
                    name: Some("made-elsewhere".into()),
                    ..Upload::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(plain.status, CsrStatus::Uploaded);
        assert_eq!(plain.common_name.as_deref(), Some("www.example.com"));
        assert_eq!(
            plain.sans,
            ["www.example.com", "example.com", "192.0.2.1"],
            "{}",
            s.name
        );
        assert_eq!(plain.algorithm.as_deref(), Some("RSA"));
        assert_eq!(plain.key_size, Some(2048));
        assert_eq!(
            svc.private_key(&alice(), plain.id)
                .await
                .unwrap_err()
                .code(),
            "service.no_key"
        );
        // A key that is not the CSR's is refused, naming the key.
        let e = svc
            .upload(
                &alice(),
                &profile,
                Upload {
                    csr: csr_pem.clone(),
                    key: Some(Zeroizing::new(other_key.clone())),
                    ..Upload::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(e.violations()[0].code, "key.mismatch");
        // UpdateCsr: add the right key later.
        let wrong = svc
            .set_key(&alice(), plain.id, &other_key, None)
            .await
            .unwrap_err();
        assert_eq!(wrong.violations()[0].code, "key.mismatch");
        let keyed = svc
            .set_key(&alice(), plain.id, &key_pem, None)
            .await
            .unwrap();
        assert!(keyed.sealed_key.is_some());
        let out = svc.private_key(&alice(), plain.id).await.unwrap();
        assert!(!out.encrypted);
        let original = PrivateKey::from_pem_or_der(&key_pem).unwrap();
        assert_eq!(
            PrivateKey::from_pem_or_der(out.pem.as_bytes())
                .unwrap()
                .public_key_sha256(),
            original.public_key_sha256()
        );
        // An encrypted key with its password: kept and handed out encrypted.
        let password = Password::new("upload-pass");
        let encrypted = original
            .to_encrypted_pkcs8_pem(&password, KeyEncryption::default())
            .unwrap();
        let enc = svc
            .upload(
                &alice(),
                &profile,
                Upload {
                    csr: csr_pem.clone(),
                    key: Some(Zeroizing::new(encrypted.into_bytes())),
                    password: Some(password.clone()),
                    name: None,
                },
            )
            .await
            .unwrap();
        assert!(enc.key_password_set);
        let out = svc.private_key(&alice(), enc.id).await.unwrap();
        assert!(out.encrypted);
        PrivateKey::from_pem_or_der_with_password(out.pem.as_bytes(), &password).unwrap();
        // A generated CSR's key cannot be replaced.
        let made = svc
            .create(
                &alice(),
                &Profile::baseline(),
                NewCsr {
                    form: bare("gen.example.com", "ec-p256"),
                    generate: true,
                    ..NewCsr::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            svc.set_key(&alice(), made.id, &key_pem, None)
                .await
                .unwrap_err()
                .code(),
            "service.immutable"
        );
        // Garbage is a rule violation, not a panic.
        let e = svc
            .upload(
                &alice(),
                &profile,
                Upload {
                    csr: b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n".to_vec(),
                    ..Upload::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(e.violations()[0].field, "csr");
    }
}

#[tokio::test]
async fn another_account_sees_nothing_and_changes_nothing() {
    for s in stores().await {
        let svc = service(&s);
        let r = svc
            .create(
                &alice(),
                &Profile::baseline(),
                NewCsr {
                    form: bare("private.example.com", "ec-p256"),
                    generate: true,
                    ..NewCsr::default()
                },
            )
            .await
            .unwrap();
        let m = mallory();
        let codes = [
            svc.details(&m, r.id).await.unwrap_err().code(),
            svc.csr_pem(&m, r.id).await.unwrap_err().code(),
            svc.private_key(&m, r.id).await.unwrap_err().code(),
            svc.set_remark(&m, r.id, Some("mine".into()))
                .await
                .unwrap_err()
                .code(),
            svc.set_tags(&m, r.id, vec![]).await.unwrap_err().code(),
            svc.delete(&m, r.id).await.unwrap_err().code(),
            svc.generate(&m, r.id, &Profile::baseline())
                .await
                .unwrap_err()
                .code(),
        ];
        assert!(codes.iter().all(|c| *c == "service.not_found"), "{codes:?}");
        assert_eq!(
            svc.list(&m, &CsrFilter::default(), page(100))
                .await
                .unwrap()
                .total,
            0
        );
        // The same account in another region does not see it either.
        let other_region = Scope::new("alice", "cn-hangzhou");
        assert_eq!(
            svc.details(&other_region, r.id).await.unwrap_err().code(),
            "service.not_found"
        );
        assert!(svc.details(&alice(), r.id).await.is_ok(), "{}", s.name);
    }
}

#[tokio::test]
async fn listing_pages_and_filters() {
    for s in stores().await {
        let svc = service(&s);
        for (i, key) in ["rsa2048", "ec-p256", "sm2", "ec-p256"].iter().enumerate() {
            let profile = Profile::alibaba_console();
            svc.create(
                &alice(),
                &profile,
                NewCsr {
                    form: CsrForm {
                        name: Some(format!("cert-{i}")),
                        ..bare(&format!("site{i}.example.com"), key)
                    },
                    generate: i != 3,
                    ..NewCsr::default()
                },
            )
            .await
            .unwrap();
        }
        let all = svc
            .list(&alice(), &CsrFilter::default(), page(2))
            .await
            .unwrap();
        assert_eq!((all.total, all.items.len()), (4, 2), "{}", s.name);
        let ecc = CsrFilter {
            algorithm: Some("ecc".into()),
            ..CsrFilter::default()
        };
        assert_eq!(svc.list(&alice(), &ecc, page(10)).await.unwrap().total, 2);
        let keyed = CsrFilter {
            has_private_key: Some(true),
            ..CsrFilter::default()
        };
        assert_eq!(svc.list(&alice(), &keyed, page(10)).await.unwrap().total, 3);
        let domain = CsrFilter {
            domain: Some("API.SITE2".into()),
            ..CsrFilter::default()
        };
        let found = svc.list(&alice(), &domain, page(10)).await.unwrap();
        assert_eq!(found.items[0].algorithm.as_deref(), Some("SM2"));
        let e = svc
            .list(&alice(), &CsrFilter::default(), page(0))
            .await
            .unwrap_err();
        assert_eq!(e.violations()[0].code, "page.limit_out_of_range");
    }
}

#[tokio::test]
async fn remarks_tags_and_names() {
    for s in stores().await {
        let svc = service(&s);
        let r = svc
            .create(
                &alice(),
                &Profile::baseline(),
                NewCsr {
                    form: bare("named.example.com", "ec-p256"),
                    generate: true,
                    ..NewCsr::default()
                },
            )
            .await
            .unwrap();
        let r2 = svc
            .set_remark(&alice(), r.id, Some("payments".into()))
            .await
            .unwrap();
        assert_eq!(r2.remark.as_deref(), Some("payments"));
        let tags = vec![Tag {
            key: "env".into(),
            value: "prod".into(),
        }];
        let r3 = svc.set_tags(&alice(), r.id, tags.clone()).await.unwrap();
        assert_eq!(r3.tags, tags);
        let alibaba = Profile::alibaba_upload_csr();
        let e = svc
            .set_name(&alice(), r.id, &alibaba, Some("has.period".into()))
            .await
            .unwrap_err();
        assert_eq!(e.violations()[0].field, "name");
        let r4 = svc
            .set_name(&alice(), r.id, &alibaba, Some("shop_cert-1".into()))
            .await
            .unwrap();
        assert_eq!(r4.name.as_deref(), Some("shop_cert-1"));
        assert_eq!(r4.version, r.version + 3);
        let tagged = CsrFilter {
            tag: Some(tags[0].clone()),
            ..CsrFilter::default()
        };
        assert_eq!(
            svc.list(&alice(), &tagged, page(10)).await.unwrap().total,
            1,
            "{}",
            s.name
        );
    }
}

#[tokio::test]
async fn concurrent_annotations_all_land() {
    for s in stores().await {
        let svc = Arc::new(service(&s));
        let r = svc
            .create(
                &alice(),
                &Profile::baseline(),
                NewCsr {
                    form: bare("busy.example.com", "ec-p256"),
                    ..NewCsr::default()
                },
            )
            .await
            .unwrap();
        let mut tasks = Vec::new();
        for i in 0..6 {
            let svc = svc.clone();
            tasks.push(tokio::spawn(async move {
                svc.set_remark(&alice(), r.id, Some(format!("writer {i}")))
                    .await
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let done = svc.details(&alice(), r.id).await.unwrap();
        assert_eq!(done.version, r.version + 6, "{}", s.name);
    }
}

fn order_using(csr_id: u64) -> Order {
    let t0 = datetime!(2026-11-23 09:00 UTC);
    let mut o = Order::new(format!("order-{csr_id}"), Product::free_trustasia_dv(), t0);
    o.apply(
        Command::SubmitInfo {
            csr: CsrRef {
                id: csr_id.to_string(),
                key: KeyKind::Ec {
                    curve: certdesk::EcCurve::P256,
                },
            },
            domains: vec!["inuse.example.com".into()],
            info: None,
            method: Some(ValidationMethod::Dns),
            token: Some(ValidationToken::from_bytes([5; 16])),
            prior_validations: vec![],
        },
        t0,
    )
    .unwrap();
    o
}

#[tokio::test]
async fn delete_refuses_a_csr_an_open_order_uses() {
    for s in stores().await {
        let svc = service(&s);
        let mut ids = Vec::new();
        for i in 0..3 {
            let r = svc
                .create(
                    &alice(),
                    &Profile::baseline(),
                    NewCsr {
                        form: bare(&format!("del{i}.example.com"), "ec-p256"),
                        generate: true,
                        ..NewCsr::default()
                    },
                )
                .await
                .unwrap();
            ids.push(r.id);
        }
        let order = order_using(ids[1]);
        s.orders.insert_order(&alice(), &order).await.unwrap();
        let e = svc.delete(&alice(), ids[1]).await.unwrap_err();
        assert!(
            matches!(
                &e,
                ServiceError::InUse { id, orders } if *id == ids[1] && *orders == [order.id()]
            ),
            "{e:?}"
        );
        assert!(e.to_string().contains(order.id()), "{e}");
        let done = svc
            .batch_delete(&alice(), &[ids[0], ids[1], 999_999, ids[2]])
            .await
            .unwrap();
        assert_eq!(done.deleted, [ids[0], ids[2]], "{}", s.name);
        let failed: Vec<(u64, &str)> = done
            .failed
            .iter()
            .map(|(i, e)| (*i, e.code().as_str()))
            .collect();
        assert_eq!(
            failed,
            [(ids[1], "service.in_use"), (999_999, "service.not_found")]
        );
        // Once the order ends, the CSR can go.
        let mut cancelled = order.clone();
        cancelled
            .apply(Command::Cancel, datetime!(2026-11-23 10:00 UTC))
            .unwrap();
        s.orders
            .update_order(&alice(), &cancelled, order.version())
            .await
            .unwrap();
        svc.delete(&alice(), ids[1]).await.unwrap();
        let too_many: Vec<u64> = (1..=101).collect();
        assert_eq!(
            svc.batch_delete(&alice(), &too_many)
                .await
                .unwrap_err()
                .violations()[0]
                .code,
            "csr_id.too_many"
        );
    }
}

#[tokio::test]
async fn rate_limit_refuses_the_eleventh_call_in_a_second() {
    let store = Arc::new(MemoryStore::new());
    let clock = Arc::new(FixedClock::new(datetime!(2026-11-23 12:00 UTC)));
    let svc = CsrService::new(store, vault())
        .with_clock(clock.clone())
        .with_rate_limit(RateLimit::TENCENT);
    for _ in 0..10 {
        svc.list(&alice(), &CsrFilter::default(), page(10))
            .await
            .unwrap();
    }
    let e = svc
        .list(&alice(), &CsrFilter::default(), page(10))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            ServiceError::RateLimited {
                call: "list",
                retry_after_ms: 100
            }
        ),
        "{e:?}"
    );
    // Another account is not held back.
    svc.list(&mallory(), &CsrFilter::default(), page(10))
        .await
        .unwrap();
    // A vendor API is counted on its own, once per call (whatever it does inside), and is
    // refused with the vendor's code.
    for _ in 0..10 {
        svc.handle(&alice(), Api::TencentDescribeCsrSet, b"{}")
            .await
            .unwrap();
    }
    let e = svc
        .handle(&alice(), Api::TencentDescribeCsrSet, b"{}")
        .await
        .unwrap_err();
    assert_eq!(e.code.as_str(), "RequestLimitExceeded");
    assert!(
        svc.handle(&alice(), Api::AlibabaListCsr, b"{}")
            .await
            .is_ok(),
        "another API has its own bucket"
    );
    clock.advance(time::Duration::seconds(1));
    svc.handle(&alice(), Api::TencentDescribeCsrSet, b"{}")
        .await
        .unwrap();
    svc.list(&alice(), &CsrFilter::default(), page(10))
        .await
        .unwrap();
}

async fn call(
    svc: &CsrService,
    api: Api,
    body: &str,
) -> Result<Value, certdesk::cloud::VendorError> {
    svc.handle(&alice(), api, body.as_bytes()).await
}

#[tokio::test]
async fn tencent_csr_api_end_to_end() {
    for s in stores().await {
        let svc = service(&s);
        let created = call(
            &svc,
            Api::TencentCreateCsr,
            r#"{"Domain": "www.example.com", "Organization": "Example", "Department": "IT",
                "Email": "admin@example.com", "Province": "Guangdong", "City": "Shenzhen",
                "Country": "CN", "EncryptAlgo": "RSA", "KeyParameter": "2048",
                "Generate": false, "KeyPassword": "p@ss", "Remark": "draft",
                "Tags": [{"TagKey": "env", "TagValue": "test"}]}"#,
        )
        .await
        .unwrap();
        let id = created["Id"].as_u64().unwrap();
        // The response body is Tencent's shape.
        let body: Value = serde_json::from_str(&success_body(
            certdesk::cloud::Vendor::Tencent,
            created,
            "r-1",
        ))
        .unwrap();
        assert_eq!(body["Response"]["RequestId"], "r-1");
        let draft = call(
            &svc,
            Api::TencentDescribeCsr,
            &format!(r#"{{"CSRId": {id}}}"#),
        )
        .await
        .unwrap();
        assert_eq!(draft["Status"], 0);
        assert_eq!(draft["CSR"], Value::Null);
        assert_eq!(draft["KeyParameter"], "2048");
        assert_eq!(draft["Remarks"], "draft");
        // ModifyCSR: a new city, ECC, and generate.
        call(
            &svc,
            Api::TencentModifyCsr,
            &format!(
                r#"{{"CSRId": {id}, "Generate": true, "City": "Guangzhou",
                    "EncryptAlgo": "ECC", "KeyParameter": "prime256v1", "Remark": "live"}}"#
            ),
        )
        .await
        .unwrap();
        let made = call(
            &svc,
            Api::TencentDescribeCsr,
            &format!(r#"{{"CSRId": {id}}}"#),
        )
        .await
        .unwrap();
        assert_eq!(made["Status"], 1, "{}", s.name);
        assert_eq!(made["City"], "Guangzhou");
        assert_eq!(made["EncryptAlgo"], "ECC");
        assert_eq!(made["Remarks"], "live");
        // Tencent's DescribeCSR model has no tags; the owner is the account.
        assert!(made.get("Tags").is_none());
        assert_eq!(made["OwnerUin"], "alice");
        let csr = Csr::parse(made["CSR"].as_str().unwrap().as_bytes()).unwrap();
        assert_eq!(csr.info().subject.get("L"), Some("Guangzhou"));
        let key = made["PrivateKey"].as_str().unwrap();
        assert!(key.contains("ENCRYPTED PRIVATE KEY"));
        let opened =
            PrivateKey::from_pem_or_der_with_password(key.as_bytes(), &Password::new("p@ss"))
                .unwrap();
        assert!(csr.matches_key(&opened));
        // Generated: ModifyCSR fails with the vendor's code.
        let e = call(
            &svc,
            Api::TencentModifyCsr,
            &format!(r#"{{"CSRId": {id}, "Generate": false, "City": "Beijing"}}"#),
        )
        .await
        .unwrap_err();
        assert_eq!(e.code.as_str(), "FailedOperation");
        // DescribeCSRSet: filters, and no CSR or key in the set.
        let set = call(
            &svc,
            Api::TencentDescribeCsrSet,
            r#"{"Limit": 10, "Domain": "www.example", "EncryptAlgo": "ECC"}"#,
        )
        .await
        .unwrap();
        assert_eq!(set["Total"], 1);
        assert!(set["Set"][0].get("PrivateKey").is_none());
        assert!(set["Set"][0].get("CSR").is_none());
        let e = call(&svc, Api::TencentDescribeCsrSet, r#"{"Limit": 101}"#)
            .await
            .unwrap_err();
        assert_eq!(e.code.as_str(), "InvalidParameterValue");
        // Unknown id, bad body.
        let e = call(&svc, Api::TencentDescribeCsr, r#"{"CSRId": 424242}"#)
            .await
            .unwrap_err();
        assert_eq!(e.code.as_str(), "InvalidParameter.InvalidCSRId");
        let e = call(&svc, Api::TencentCreateCsr, r#"{"Domain": 5}"#)
            .await
            .unwrap_err();
        assert_eq!(e.code.as_str(), "InvalidParameter");
        // BatchDeleteCSR: partial success is normal.
        let deleted = call(
            &svc,
            Api::TencentBatchDeleteCsr,
            &format!(r#"{{"CSRIds": [{id}, 424242]}}"#),
        )
        .await
        .unwrap();
        assert_eq!(deleted["Success"], serde_json::json!([id]));
    }
}

#[tokio::test]
async fn alibaba_csr_api_end_to_end() {
    let upload_body = String::from_utf8(common::data("vendor/alibaba-uploadcsr.json")).unwrap();
    for s in stores().await {
        let svc = service(&s);
        let created = call(
            &svc,
            Api::AlibabaCreateCsr,
            r#"{"Algorithm": "SM2", "KeySize": "256", "CommonName": "sm2.example.com",
                "CountryCode": "CN", "Province": "Zhejiang", "Locality": "Hangzhou",
                "CorpName": "Example", "Name": "gm-cert"}"#,
        )
        .await
        .unwrap();
        let id = created["CsrId"].as_u64().unwrap();
        let pem = created["Csr"].as_str().unwrap();
        let csr = Csr::parse(pem.as_bytes()).unwrap();
        assert_eq!(csr.info().key, KeyKind::Sm2);
        let detail = call(
            &svc,
            Api::AlibabaGetCsrDetail,
            &format!(r#"{{"CsrId": "{id}"}}"#),
        )
        .await
        .unwrap();
        assert_eq!(detail["Csr"].as_str().unwrap(), pem);
        let key =
            PrivateKey::from_pem_or_der(detail["PrivateKey"].as_str().unwrap().as_bytes()).unwrap();
        assert!(csr.matches_key(&key));
        // Upload (the CSR with its key); UpdateCsr refuses a key that is not the CSR's.
        let uploaded = call(&svc, Api::AlibabaUploadCsr, &upload_body)
            .await
            .unwrap();
        let up_id = uploaded["CsrId"].as_u64().unwrap();
        let list = call(&svc, Api::AlibabaListCsr, r#"{"ShowSize": 10}"#)
            .await
            .unwrap();
        assert_eq!(list["TotalCount"], 2, "{}", s.name);
        let row = list["CsrList"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["CsrId"] == id)
            .unwrap();
        assert_eq!(row["Algorithm"], "SM2");
        assert_eq!(row["HasPrivateKey"], true);
        assert_eq!(row["Name"], "gm-cert");
        assert_eq!(
            row["KeySha2"].as_str().unwrap(),
            csr.info().public_key_sha256.to_string()
        );
        let other_key = String::from_utf8(common::data("ec-p256.key.pem")).unwrap();
        let e = call(
            &svc,
            Api::AlibabaUpdateCsr,
            &serde_json::json!({"CsrId": up_id, "Key": other_key}).to_string(),
        )
        .await
        .unwrap_err();
        assert_eq!((e.code.as_str(), e.http_status), ("InvalidParameter", 400));
        assert_eq!(e.violations[0].field, "Key");
        let e = call(&svc, Api::AlibabaDeleteCsr, r#"{"CsrId": 424242}"#)
            .await
            .unwrap_err();
        assert_eq!((e.code.as_str(), e.http_status), ("NotFound", 404));
        call(
            &svc,
            Api::AlibabaDeleteCsr,
            &format!(r#"{{"CsrId": {id}}}"#),
        )
        .await
        .unwrap();
        let list = call(&svc, Api::AlibabaListCsr, r#"{"KeyWord": "GM-CERT"}"#)
            .await
            .unwrap();
        assert_eq!(list["TotalCount"], 0);
        let list = call(&svc, Api::AlibabaListCsr, r#"{"KeyWord": "sm2-upl"}"#)
            .await
            .unwrap();
        assert_eq!(list["TotalCount"], 1);
    }
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn the_sqlite_file_never_shows_a_key_or_password() {
    let s = stores().await.pop().unwrap();
    assert_eq!(s.name, "sqlite");
    let svc = service(&s);
    let profile = Profile::baseline();
    let mut secrets: Vec<Vec<u8>> = Vec::new();
    for (i, password) in [None, Some("dump-pass-1")].into_iter().enumerate() {
        let r = svc
            .create(
                &alice(),
                &profile,
                NewCsr {
                    form: bare(&format!("dump{i}.example.com"), "ec-p256"),
                    password: password.map(Password::new),
                    generate: true,
                    ..NewCsr::default()
                },
            )
            .await
            .unwrap();
        let out = svc.private_key(&alice(), r.id).await.unwrap();
        let key = match password {
            Some(p) => {
                secrets.push(p.as_bytes().to_vec());
                secrets.push(out.pem.as_bytes().to_vec());
                PrivateKey::from_pem_or_der_with_password(out.pem.as_bytes(), &Password::new(p))
                    .unwrap()
            }
            None => PrivateKey::from_pem_or_der(out.pem.as_bytes()).unwrap(),
        };
        secrets.push(key.to_pkcs8_der().unwrap().to_vec());
        secrets.push(key.to_pkcs8_pem().unwrap().as_bytes().to_vec());
    }
    // A draft's password waits sealed too.
    svc.create(
        &alice(),
        &profile,
        NewCsr {
            form: bare("dump-draft.example.com", "ec-p256"),
            password: Some(Password::new("draft-password-77")),
            generate: false,
            ..NewCsr::default()
        },
    )
    .await
    .unwrap();
    secrets.push(b"draft-password-77".to_vec());
    let file = s.file.clone().unwrap();
    let mut raw = std::fs::read(&file).unwrap();
    raw.extend(std::fs::read(file.with_extension("db-wal")).unwrap_or_default());
    for secret in &secrets {
        let run = secret.len().min(16);
        for w in secret.windows(run) {
            assert!(
                !raw.windows(run).any(|d| d == w),
                "the SQLite file shows a secret: {:?}",
                String::from_utf8_lossy(w)
            );
        }
    }
}

#[tokio::test]
async fn saved_profiles_are_checked_scoped_and_reused() {
    use certdesk::policy::{Contact, OrderInfo, Organization, Person};
    use certdesk::service::ProfileBook;
    for s in stores().await {
        let book = ProfileBook::new(s.orders.clone());
        let mut info = OrderInfo {
            organization: Organization {
                name: "Example Co".into(),
                department: "IT".into(),
                city: "Shenzhen".into(),
                province: Some("Guangdong".into()),
                address: "1 Keji Road".into(),
                phone: "13800138000".into(),
            },
            admin: Person {
                name: "Li Lei".into(),
                position: "CTO".into(),
                phone: "13800138000".into(),
                email: "li@example.com".into(),
            },
            contact: Contact::SameAsAdmin,
        };
        // A mobile number as the organization's phone: saved, with the warning.
        let warnings = book.save(&alice(), "My Profile", &info).await.unwrap();
        assert_eq!(warnings[0].code, "phone.not_landline", "{}", s.name);
        // Broken: nothing saved, every problem reported.
        info.admin.email = "not-an-address".into();
        info.organization.name = String::new();
        let e = book.save(&alice(), "broken", &info).await.unwrap_err();
        let fields: Vec<&str> = e.violations().iter().map(|v| v.field.as_str()).collect();
        assert!(fields.contains(&"organization.name") && fields.contains(&"admin.email"));
        assert_eq!(book.names(&alice()).await.unwrap(), ["My Profile"]);
        let e = book.save(&alice(), "", &info).await.unwrap_err();
        assert_eq!(e.violations()[0].code, "profile.name_missing");
        // Reused by name; another account has none.
        let kept = book.get(&alice(), "My Profile").await.unwrap();
        assert_eq!(kept.organization.city, "Shenzhen");
        assert_eq!(
            book.get(&mallory(), "My Profile")
                .await
                .unwrap_err()
                .violations()[0]
                .code,
            "profile.not_found"
        );
        assert!(book.delete(&mallory(), "My Profile").await.is_err());
        book.delete(&alice(), "My Profile").await.unwrap();
        assert!(book.names(&alice()).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn sealing_contexts_are_unambiguous_and_keys_sealed_by_earlier_builds_still_open() {
    let s = &stores().await[0];
    let svc = service(s);
    let profile = Profile::tencent_create_csr();
    // Two scopes whose fields, joined with '/', read the same.
    let one = Scope::new("team/a", "ap-guangzhou");
    let other = Scope::new("team", "a/ap-guangzhou");
    let made = svc
        .create(
            &one,
            &profile,
            NewCsr {
                form: form("ctx.example.com", "ec-p256"),
                generate: true,
                ..NewCsr::default()
            },
        )
        .await
        .unwrap();
    let key = svc.private_key(&one, made.id).await.unwrap();
    // The record moved to the other scope: its key must not open there.
    let mut moved = s.csrs.get_csr(&one, made.id).await.unwrap();
    moved.scope = other.clone();
    moved.id = 0;
    let moved = s.csrs.insert_csr(moved).await.unwrap();
    assert_eq!(
        svc.private_key(&other, moved.id).await.unwrap_err().code(),
        "store.vault"
    );
    // A key sealed under the first builds' context (slash-joined) still opens.
    let mut legacy = s.csrs.get_csr(&one, made.id).await.unwrap();
    let der = PrivateKey::from_pem_or_der(key.pem.as_bytes())
        .unwrap()
        .to_pkcs8_der()
        .unwrap();
    let fingerprint = legacy.public_key_sha256.clone().unwrap();
    let context = format!("certdesk/csr-key/team/a/ap-guangzhou/{fingerprint}");
    legacy.sealed_key = Some(vault().seal(&der, context.as_bytes()).await.unwrap());
    s.csrs.update_csr(legacy).await.unwrap();
    let reopened = svc.private_key(&one, made.id).await.unwrap();
    assert_eq!(reopened.pem.as_str(), key.pem.as_str());
}

/// A CSR store whose database fails, saying things a client must not read.
struct BrokenStore(MemoryStore);

#[async_trait::async_trait]
impl CsrStore for BrokenStore {
    async fn insert_csr(
        &self,
        _record: certdesk::backend::CsrRecord,
    ) -> Result<certdesk::backend::CsrRecord, certdesk::backend::StoreError> {
        Err(certdesk::backend::StoreError::Backend(
            certdesk::backend::BackendError::msg(
                "connection to db-internal-7.corp:5432 refused (user certdesk_rw)",
            ),
        ))
    }
    async fn get_csr(
        &self,
        scope: &Scope,
        id: u64,
    ) -> Result<certdesk::backend::CsrRecord, certdesk::backend::StoreError> {
        self.0.get_csr(scope, id).await
    }
    async fn update_csr(
        &self,
        record: certdesk::backend::CsrRecord,
    ) -> Result<certdesk::backend::CsrRecord, certdesk::backend::StoreError> {
        self.0.update_csr(record).await
    }
    async fn delete_csr(
        &self,
        scope: &Scope,
        id: u64,
        version: Option<u64>,
    ) -> Result<(), certdesk::backend::StoreError> {
        self.0.delete_csr(scope, id, version).await
    }
    async fn list_csrs(
        &self,
        scope: &Scope,
        filter: &CsrFilter,
        page: Page,
    ) -> Result<certdesk::backend::Paged<certdesk::backend::CsrRecord>, certdesk::backend::StoreError>
    {
        self.0.list_csrs(scope, filter, page).await
    }
}

#[tokio::test]
async fn internal_failures_reach_vendor_clients_as_a_code_and_a_generic_message() {
    let svc = CsrService::new(Arc::new(BrokenStore(MemoryStore::new())), vault());
    let body = br#"{"Algorithm": "ECC", "KeySize": 256, "CommonName": "www.example.com",
        "CountryCode": "CN", "Province": "Zhejiang", "Locality": "Hangzhou"}"#;
    let e = svc
        .handle(&alice(), Api::AlibabaCreateCsr, body)
        .await
        .unwrap_err();
    assert_eq!((e.code.as_str(), e.http_status), ("InternalError", 500));
    let answer = e.response_body("req-1");
    for secret in ["db-internal-7", "5432", "certdesk_rw", "refused"] {
        assert!(!answer.contains(secret), "{answer}");
    }
    assert!(answer.contains("internal error"), "{answer}");
    // The service's own error still carries the detail, for the logs.
    let direct = svc
        .create(
            &alice(),
            &Profile::alibaba_create_csr(),
            NewCsr {
                form: form("www.example.com", "ec-p256"),
                generate: true,
                ..NewCsr::default()
            },
        )
        .await
        .unwrap_err();
    assert!(direct.to_string().contains("db-internal-7"), "{direct}");
}

/// On a single-threaded runtime a generation run inline would hold the only thread for its
/// whole length; on the CPU pool it holds none.
#[tokio::test]
async fn reads_stay_fast_while_rsa4096_keys_generate() {
    use std::time::{Duration, Instant};
    let svc = Arc::new(CsrService::new(Arc::new(MemoryStore::new()), vault()).with_cpu_limit(1));
    let profile = Profile::tencent_create_csr();
    let made = svc
        .create(
            &alice(),
            &profile,
            NewCsr {
                form: form("read.example.com", "ec-p256"),
                generate: true,
                ..NewCsr::default()
            },
        )
        .await
        .unwrap();
    // Four RSA-4096 generations at once (each takes a large fraction of a second or more).
    let generating: Vec<_> = (0..4)
        .map(|i| {
            let (svc, profile) = (svc.clone(), profile.clone());
            tokio::spawn(async move {
                svc.create(
                    &alice(),
                    &profile,
                    NewCsr {
                        form: form(&format!("big{i}.example.com"), "rsa4096"),
                        generate: true,
                        ..NewCsr::default()
                    },
                )
                .await
                .unwrap()
            })
        })
        .collect();
    // Reads meanwhile, each a task the runtime must pick up: it answers at once, not after a
    // generation.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let mut worst = Duration::ZERO;
    for _ in 0..20 {
        let reader = svc.clone();
        let started = Instant::now();
        tokio::spawn(async move { reader.details(&alice(), made.id).await.unwrap() })
            .await
            .unwrap();
        worst = worst.max(started.elapsed());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let still_generating = generating.iter().filter(|g| !g.is_finished()).count();
    assert!(
        still_generating > 0,
        "the reads did not overlap the generations"
    );
    assert!(
        worst < Duration::from_millis(250),
        "a read waited {worst:?}"
    );
    for g in generating {
        assert_eq!(g.await.unwrap().status, CsrStatus::Generated);
    }
}

/// The saved-profile limit under racing saves: eight new names race for the last two places
/// (each save's store pauses after listing, as a busy database would). Exactly two are kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_profile_limit_holds_when_saves_race() {
    use certdesk::policy::{Contact, OrderInfo, Organization, Person};
    use certdesk::service::{MAX_PROFILES, ProfileBook};
    let store = Arc::new(
        common::hooked::Hooked::new(Arc::new(MemoryStore::new()))
            .pausing_after_listing(std::time::Duration::from_millis(50)),
    );
    let book = Arc::new(ProfileBook::new(store.clone()));
    let info = OrderInfo {
        organization: Organization {
            name: "Example Co".into(),
            department: "IT".into(),
            city: "Shenzhen".into(),
            province: Some("Guangdong".into()),
            address: "1 Keji Road".into(),
            phone: "0755 1234 5678".into(),
        },
        admin: Person {
            name: "Li Lei".into(),
            position: "CTO".into(),
            phone: "13800138000".into(),
            email: "li@example.com".into(),
        },
        contact: Contact::SameAsAdmin,
    };
    for i in 0..MAX_PROFILES - 2 {
        book.save(&alice(), &format!("p{i}"), &info).await.unwrap();
    }
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (book, info) = (book.clone(), info.clone());
        tasks.push(tokio::spawn(async move {
            book.save(&alice(), &format!("new-{i}"), &info).await
        }));
    }
    let mut kept = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => kept += 1,
            Err(e) => assert_eq!(e.violations()[0].code, "profile.too_many"),
        }
    }
    assert_eq!(kept, 2);
    assert_eq!(book.names(&alice()).await.unwrap().len(), MAX_PROFILES);
}
