//! The store conformance suite: the same cases for every store implementation (so far the
//! in-memory one; the SQLite and PostgreSQL stores will run these same functions).

use std::sync::Arc;

use certdesk::KeyKind;
use certdesk::backend::{
    AesGcmVault, CsrFilter, CsrRecord, CsrStatus, CsrStore, KeyVault, MemoryStore, OrderStore,
    Page, Scope, StoreError, Tag,
};
use certdesk::order::{
    AccountKind, Command, CsrRef, Order, Product, QuotaLedger, QuotaPreset, ValidationMethod,
    ValidationToken,
};
use certdesk::policy::{Contact, CsrForm, OrderInfo, Organization, Person};
use time::OffsetDateTime;
use time::macros::datetime;

const T0: OffsetDateTime = datetime!(2026-11-22 09:00 UTC);

fn alice() -> Scope {
    Scope::new("alice", "ap-guangzhou")
}

fn bob() -> Scope {
    Scope::new("bob", "ap-guangzhou")
}

fn record(scope: Scope, cn: &str, algorithm: &str) -> CsrRecord {
    CsrRecord {
        id: 0,
        scope,
        version: 0,
        status: CsrStatus::Draft,
        name: Some(format!("name-{cn}")),
        remark: None,
        tags: vec![],
        form: Some(CsrForm {
            common_name: Some(cn.into()),
            ..CsrForm::default()
        }),
        csr_pem: None,
        common_name: Some(cn.into()),
        sans: vec![format!("www.{cn}")],
        algorithm: Some(algorithm.into()),
        key_size: Some(2048),
        public_key_sha256: None,
        sealed_key: None,
        key_password_set: false,
        created_at: T0,
        updated_at: T0,
    }
}

async fn csr_crud_versions_and_scopes(store: Arc<dyn CsrStore>) {
    let a = store
        .insert_csr(record(alice(), "example.com", "RSA"))
        .await
        .unwrap();
    assert_eq!(a.version, 1);
    let b = store
        .insert_csr(record(alice(), "example.org", "ECC"))
        .await
        .unwrap();
    assert_ne!(a.id, b.id);
    // Another account's record is "not found", never readable, changeable or deletable.
    let e = store.get_csr(&bob(), a.id).await.unwrap_err();
    assert_eq!(e.code(), "store.not_found");
    let mut stolen = a.clone();
    stolen.scope = bob();
    assert_eq!(
        store.update_csr(stolen).await.unwrap_err().code(),
        "store.not_found"
    );
    assert_eq!(
        store
            .delete_csr(&bob(), a.id, None)
            .await
            .unwrap_err()
            .code(),
        "store.not_found"
    );

    let mut changed = a.clone();
    changed.remark = Some("prod".into());
    let changed = store.update_csr(changed).await.unwrap();
    assert_eq!(changed.version, 2);
    // An update based on version 1 loses.
    let mut stale = a.clone();
    stale.remark = Some("stale".into());
    let e = store.update_csr(stale).await.unwrap_err();
    assert_eq!(
        e,
        StoreError::Conflict {
            what: "csr",
            id: a.id.to_string(),
            expected: 1,
            found: 2
        }
    );
    assert_eq!(
        store
            .get_csr(&alice(), a.id)
            .await
            .unwrap()
            .remark
            .as_deref(),
        Some("prod")
    );
    assert_eq!(
        store
            .delete_csr(&alice(), a.id, Some(1))
            .await
            .unwrap_err()
            .code(),
        "store.conflict"
    );
    store.delete_csr(&alice(), a.id, Some(2)).await.unwrap();
    assert!(store.get_csr(&alice(), a.id).await.is_err());
    store.delete_csr(&alice(), b.id, None).await.unwrap();
}

async fn csr_listing_pages_and_filters(store: Arc<dyn CsrStore>) {
    let scope = Scope::new("lister", "cn-hangzhou");
    for i in 0..25 {
        let mut r = record(
            scope.clone(),
            &format!("host{i}.example.com"),
            if i % 2 == 0 { "RSA" } else { "ECC" },
        );
        if i % 5 == 0 {
            r.tags.push(Tag {
                key: "env".into(),
                value: "prod".into(),
            });
            r.remark = Some("billing".into());
        }
        store.insert_csr(r).await.unwrap();
    }
    store
        .insert_csr(record(bob(), "host1.example.com", "RSA"))
        .await
        .unwrap();
    let all = CsrFilter::default();
    let page = store
        .list_csrs(
            &scope,
            &all,
            Page {
                offset: 0,
                limit: 10,
            },
        )
        .await
        .unwrap();
    assert_eq!((page.total, page.items.len()), (25, 10));
    let last = store
        .list_csrs(
            &scope,
            &all,
            Page {
                offset: 20,
                limit: 10,
            },
        )
        .await
        .unwrap();
    assert_eq!(last.items.len(), 5);
    assert!(last.items.iter().all(|r| r.scope == scope));
    let ecc = CsrFilter {
        algorithm: Some("ecc".into()),
        ..CsrFilter::default()
    };
    assert_eq!(
        store
            .list_csrs(
                &scope,
                &ecc,
                Page {
                    offset: 0,
                    limit: 100
                }
            )
            .await
            .unwrap()
            .total,
        12
    );
    let domain = CsrFilter {
        domain: Some("WWW.HOST1".into()),
        ..CsrFilter::default()
    };
    let found = store
        .list_csrs(
            &scope,
            &domain,
            Page {
                offset: 0,
                limit: 100,
            },
        )
        .await
        .unwrap();
    assert_eq!(found.total, 11, "host1, host10..host19");
    let tagged = CsrFilter {
        tag: Some(Tag {
            key: "env".into(),
            value: "prod".into(),
        }),
        remark: Some("bill".into()),
        ..CsrFilter::default()
    };
    assert_eq!(
        store
            .list_csrs(
                &scope,
                &tagged,
                Page {
                    offset: 0,
                    limit: 100
                }
            )
            .await
            .unwrap()
            .total,
        5
    );
    let keyed = CsrFilter {
        has_private_key: Some(true),
        ..CsrFilter::default()
    };
    assert_eq!(
        store
            .list_csrs(
                &scope,
                &keyed,
                Page {
                    offset: 0,
                    limit: 100
                }
            )
            .await
            .unwrap()
            .total,
        0
    );
}

async fn one_writer_per_version_wins(store: Arc<dyn CsrStore>) {
    let r = store
        .insert_csr(record(alice(), "race.example.com", "RSA"))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = store.clone();
        let mut mine = r.clone();
        tasks.push(tokio::spawn(async move {
            mine.remark = Some(format!("writer {i}"));
            store.update_csr(mine).await
        }));
    }
    let mut won = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(r) => {
                won += 1;
                assert_eq!(r.version, 2);
            }
            Err(e) => assert_eq!(e.code(), "store.conflict"),
        }
    }
    assert_eq!(won, 1);
    // Retrying on conflict, every writer's change lands once: nothing is lost.
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                let mut current = store.get_csr(&alice(), r.id).await.unwrap();
                current.tags.push(Tag {
                    key: format!("w{i}"),
                    value: "1".into(),
                });
                match store.update_csr(current).await {
                    Ok(_) => return,
                    Err(StoreError::Conflict { .. }) => continue,
                    Err(e) => panic!("{e}"),
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let done = store.get_csr(&alice(), r.id).await.unwrap();
    assert_eq!(done.tags.len(), 16);
    assert_eq!(done.version, 18);
}

fn free_order(id: &str) -> Order {
    let mut o = Order::new(id, Product::free_trustasia_dv(), T0);
    o.apply(
        Command::SubmitInfo {
            csr: CsrRef {
                id: "7".into(),
                key: KeyKind::Rsa { bits: 2048 },
            },
            domains: vec!["example.com".into()],
            info: None,
            method: Some(ValidationMethod::Dns),
            token: Some(ValidationToken::from_bytes([3; 16])),
            prior_validations: vec![],
        },
        T0,
    )
    .unwrap();
    o
}

async fn orders_quota_and_profiles(store: Arc<dyn OrderStore>) {
    let o = free_order("o-1");
    store.insert_order(&alice(), &o).await.unwrap();
    assert_eq!(
        store.insert_order(&alice(), &o).await.unwrap_err().code(),
        "store.duplicate"
    );
    assert_eq!(store.get_order(&alice(), "o-1").await.unwrap(), o);
    assert_eq!(
        store.get_order(&bob(), "o-1").await.unwrap_err().code(),
        "store.not_found"
    );
    assert_eq!(
        store.orders_using_csr(&alice(), "7").await.unwrap(),
        ["o-1"]
    );
    assert!(
        store
            .orders_using_csr(&bob(), "7")
            .await
            .unwrap()
            .is_empty()
    );

    // Two writers read version 1; the first update wins, the second conflicts.
    let mut first = store.get_order(&alice(), "o-1").await.unwrap();
    let mut second = first.clone();
    first.apply(Command::Cancel, T0).unwrap();
    second
        .apply(Command::Tick, T0 + time::Duration::days(8))
        .unwrap();
    store.update_order(&alice(), &first, 1).await.unwrap();
    assert_eq!(
        store
            .update_order(&alice(), &second, 1)
            .await
            .unwrap_err()
            .code(),
        "store.conflict"
    );
    assert_eq!(store.get_order(&alice(), "o-1").await.unwrap(), first);
    assert!(
        store
            .orders_using_csr(&alice(), "7")
            .await
            .unwrap()
            .is_empty(),
        "cancelled"
    );
    let page = store
        .list_orders(
            &alice(),
            Page {
                offset: 0,
                limit: 10,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.total, 1);

    assert!(store.get_quota(&alice()).await.unwrap().is_none());
    let mut ledger = QuotaLedger::new(QuotaPreset::guide(), AccountKind::IndividualStandard);
    ledger.reserve("o-1", "example.com", false).unwrap();
    let v = store.put_quota(&alice(), &ledger, None).await.unwrap();
    assert_eq!(
        store
            .put_quota(&alice(), &ledger, None)
            .await
            .unwrap_err()
            .code(),
        "store.conflict"
    );
    let (read, read_v) = store.get_quota(&alice()).await.unwrap().unwrap();
    assert_eq!((read, read_v), (ledger.clone(), v));
    assert_eq!(
        store.put_quota(&alice(), &ledger, Some(v)).await.unwrap(),
        v + 1
    );

    let info = OrderInfo {
        organization: Organization {
            name: "Example Co".into(),
            department: "IT".into(),
            city: "Shenzhen".into(),
            province: None,
            address: "1 Road".into(),
            phone: "0755 1234 5678".into(),
        },
        admin: Person {
            name: "Li".into(),
            position: "CTO".into(),
            phone: "13800138000".into(),
            email: "li@example.com".into(),
        },
        contact: Contact::SameAsAdmin,
    };
    store
        .save_profile(&alice(), "default", &info)
        .await
        .unwrap();
    assert_eq!(store.get_profile(&alice(), "default").await.unwrap(), info);
    assert_eq!(store.list_profiles(&alice()).await.unwrap(), ["default"]);
    assert!(store.get_profile(&bob(), "default").await.is_err());
    assert!(store.list_profiles(&bob()).await.unwrap().is_empty());
}

async fn sealed_keys_stay_sealed(store: Arc<dyn CsrStore>) {
    let vault = AesGcmVault::new("kek-1", [42; 32]);
    let key = certdesk::PrivateKey::generate(certdesk::KeySpec::EcP256).unwrap();
    let der = key.to_pkcs8_der().unwrap();
    let mut r = record(alice(), "sealed.example.com", "ECC");
    r.status = CsrStatus::Generated;
    let context = b"alice/ap-guangzhou/csr";
    r.sealed_key = Some(vault.seal(&der, context).await.unwrap());
    let stored = store.insert_csr(r).await.unwrap();
    let back = store.get_csr(&alice(), stored.id).await.unwrap();
    let opened = vault
        .open(back.sealed_key.as_ref().unwrap(), context)
        .await
        .unwrap();
    assert_eq!(&opened[..], &der[..]);
    let json = serde_json::to_string(&back).unwrap();
    assert!(
        !json.contains(&base64(&der)),
        "no plain key in the stored record"
    );
    let keyed = CsrFilter {
        has_private_key: Some(true),
        ..CsrFilter::default()
    };
    assert_eq!(
        store
            .list_csrs(
                &alice(),
                &keyed,
                Page {
                    offset: 0,
                    limit: 10
                }
            )
            .await
            .unwrap()
            .total,
        1
    );
}

fn base64(bytes: &[u8]) -> String {
    use base64ct::{Base64, Encoding};
    Base64::encode_string(bytes)
}

/// Runs the whole suite against one store.
async fn conformance<S: CsrStore + OrderStore + 'static>(make: impl Fn() -> S) {
    csr_crud_versions_and_scopes(Arc::new(make())).await;
    csr_listing_pages_and_filters(Arc::new(make())).await;
    one_writer_per_version_wins(Arc::new(make())).await;
    orders_quota_and_profiles(Arc::new(make())).await;
    sealed_keys_stay_sealed(Arc::new(make())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_store_conforms() {
    conformance(MemoryStore::new).await;
}
