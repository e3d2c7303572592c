//! A reusable test suite for verifying custom implementations of [`CsrStore`],
//! [`OrderStore`] and [`AccessKeyStore`] (feature `conformance`). **Not API-stable**: the cases grow as the store
//! contract does.
//!
//! Each case takes a fresh, empty store and panics (with `assert!`) when the store breaks the
//! contract the services rely on: scoping by account and region, optimistic versions (exactly
//! one writer per version wins), paging and filters, and keys kept sealed. Call them from a test
//! of your own, on a multi-threaded Tokio runtime (the concurrency cases spawn tasks):
//!
//! ```no_run
//! # async fn demo() {
//! use certdesk::backend::MemoryStore;
//!
//! // A store of your own goes where MemoryStore is.
//! let secrets = certdesk::conformance::run_all(|| async { MemoryStore::new() }).await;
//! // Look for them in what your store wrote to disk:
//! # let raw_bytes_of_your_database: Vec<u8> = vec![1];
//! certdesk::conformance::assert_no_secret_in(&raw_bytes_of_your_database, &secrets, "my store");
//! # }
//! ```
//!
//! certdesk runs this suite against its own stores: in memory, SQLite and PostgreSQL.

#![allow(clippy::missing_panics_doc)]

use std::sync::Arc;

use crate::KeyKind;
use crate::backend::{
    AccessKeyRecord, AccessKeyStore, AesGcmVault, CsrFilter, CsrRecord, CsrStatus, CsrStore,
    KeyVault, OrderStore, Page, RecordKind, Scope, SealedKey, StoreError, Tag,
};
use crate::order::{
    AccountKind, Command, CsrRef, Order, Product, QuotaLedger, QuotaPreset, ValidationMethod,
    ValidationToken,
};
use crate::policy::{Contact, CsrForm, OrderInfo, Organization, Person};
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
        sealed_password: None,
        key_password_set: false,
        created_at: T0,
        updated_at: T0,
        picked: None,
    }
}

/// CSR records: insert, read, update and delete with versions; another account never reaches them.
pub async fn csr_crud_versions_and_scopes(store: Arc<dyn CsrStore>) {
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
    assert!(
        matches!(
            &e,
            StoreError::Conflict {
                what: RecordKind::Csr,
                id,
                expected: 1,
                found: 2
            } if *id == a.id.to_string()
        ),
        "{e:?}"
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

/// CSR listing: paging, totals and every filter, within one scope.
pub async fn csr_listing_pages_and_filters(store: Arc<dyn CsrStore>) {
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

/// Concurrent updates of one CSR record: exactly one writer per version wins, the rest get `store.conflict`; nothing is lost.
pub async fn one_writer_per_version_wins(store: Arc<dyn CsrStore>) {
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

/// Orders, quota ledgers, saved profiles and order files: versions, scopes and not-found answers.
pub async fn orders_quota_and_profiles(store: Arc<dyn OrderStore>) {
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

    let info = sample_info();
    store
        .save_profile(&alice(), "default", &info, 10)
        .await
        .unwrap();
    assert_eq!(store.get_profile(&alice(), "default").await.unwrap(), info);
    assert_eq!(store.list_profiles(&alice()).await.unwrap(), ["default"]);
    assert!(store.get_profile(&bob(), "default").await.is_err());
    assert!(store.list_profiles(&bob()).await.unwrap().is_empty());
    // Saving again under the name replaces it; another name is another profile.
    let mut moved = info.clone();
    moved.organization.city = "Guangzhou".into();
    store
        .save_profile(&alice(), "default", &moved, 10)
        .await
        .unwrap();
    store
        .save_profile(&alice(), "branch", &info, 10)
        .await
        .unwrap();
    // At the limit a new name is refused; replacing a kept one is not.
    assert_eq!(
        store
            .save_profile(&alice(), "third", &info, 2)
            .await
            .unwrap_err()
            .code(),
        "store.limit_reached"
    );
    store
        .save_profile(&alice(), "branch", &info, 2)
        .await
        .unwrap();
    assert_eq!(store.get_profile(&alice(), "default").await.unwrap(), moved);
    assert_eq!(
        store.list_profiles(&alice()).await.unwrap(),
        ["branch", "default"]
    );
    assert_eq!(
        store
            .delete_profile(&bob(), "branch")
            .await
            .unwrap_err()
            .code(),
        "store.not_found"
    );
    store.delete_profile(&alice(), "branch").await.unwrap();
    assert_eq!(store.list_profiles(&alice()).await.unwrap(), ["default"]);

    // Files of an order: kept per order and scope, replaced by name.
    store
        .put_order_file(&alice(), "o-1", "letter", b"%PDF-1.4 first")
        .await
        .unwrap();
    store
        .put_order_file(&alice(), "o-1", "letter", b"%PDF-1.4 second")
        .await
        .unwrap();
    assert_eq!(
        store
            .get_order_file(&alice(), "o-1", "letter")
            .await
            .unwrap(),
        Some(b"%PDF-1.4 second".to_vec())
    );
    assert_eq!(
        store.get_order_file(&bob(), "o-1", "letter").await.unwrap(),
        None
    );
    assert_eq!(
        store
            .put_order_file(&bob(), "o-1", "letter", b"x")
            .await
            .unwrap_err()
            .code(),
        "store.not_found"
    );
    assert_eq!(
        store
            .get_order_file(&alice(), "o-1", "other")
            .await
            .unwrap(),
        None
    );
}

/// Seals a key and a draft's password into a record; returns the secrets in every form a
/// careless store could write them (DER, PEM, the password), for the caller to look for in the
/// store's raw bytes.
pub async fn sealed_keys_stay_sealed(store: Arc<dyn CsrStore>) -> Vec<Vec<u8>> {
    let vault = AesGcmVault::new("kek-1", [42; 32]);
    let key = crate::PrivateKey::generate(crate::KeySpec::EcP256).unwrap();
    let der = key.to_pkcs8_der().unwrap();
    let pem = key.to_pkcs8_pem().unwrap();
    let password = b"correct horse battery staple".to_vec();
    let mut r = record(alice(), "sealed.example.com", "ECC");
    r.status = CsrStatus::Generated;
    let context = b"alice/ap-guangzhou/csr";
    r.sealed_key = Some(vault.seal(&der, context).await.unwrap());
    r.sealed_password = Some(vault.seal(&password, b"pw").await.unwrap());
    let stored = store.insert_csr(r).await.unwrap();
    let back = store.get_csr(&alice(), stored.id).await.unwrap();
    assert_eq!(back, stored);
    let sealed = back.sealed_key.as_ref().unwrap();
    let opened = vault.open(sealed, context).await.unwrap();
    assert_eq!(&opened[..], &der[..]);
    assert_eq!(
        &vault
            .open(back.sealed_password.as_ref().unwrap(), b"pw")
            .await
            .unwrap()[..],
        &password[..]
    );
    // What the store holds is ciphertext: no run of 16 key bytes appears in it.
    assert!(
        !der.windows(16)
            .any(|w| sealed.ciphertext.windows(16).any(|c| c == w)),
        "the sealed key holds the key in the clear"
    );
    let keyed = CsrFilter {
        has_private_key: Some(true),
        ..CsrFilter::default()
    };
    let page = store
        .list_csrs(
            &alice(),
            &keyed,
            Page {
                offset: 0,
                limit: 10,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.items, [back]);
    vec![der.to_vec(), pem.as_bytes().to_vec(), password]
}

/// Asserts that no secret, nor any 16-byte run of one, appears in `dump`.
pub fn assert_no_secret_in(dump: &[u8], secrets: &[Vec<u8>], what: &str) {
    assert!(!dump.is_empty(), "{what}: nothing was read");
    for secret in secrets {
        let run = secret.len().min(16);
        for w in secret.windows(run) {
            assert!(
                !dump.windows(run).any(|d| d == w),
                "{what} shows a secret in plain text: {:?}",
                String::from_utf8_lossy(w)
            );
        }
    }
}

/// Concurrent order updates and quota reservations: one winner per version, every reservation landed once.
pub async fn orders_and_quotas_under_concurrent_writers(store: Arc<dyn OrderStore>) {
    let o = free_order("race-1");
    store.insert_order(&alice(), &o).await.unwrap();
    // 16 tasks move the same order from the version they all read: exactly one wins.
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = store.clone();
        let mut mine = o.clone();
        tasks.push(tokio::spawn(async move {
            let command = if i % 2 == 0 {
                Command::Cancel
            } else {
                Command::Tick
            };
            mine.apply(command, T0 + time::Duration::days(8)).unwrap();
            store.update_order(&alice(), &mine, 1).await.map(|_| mine)
        }));
    }
    let mut winners = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            Ok(o) => winners.push(o),
            Err(e) => assert_eq!(e.code(), "store.conflict"),
        }
    }
    assert_eq!(winners.len(), 1);
    assert_eq!(
        store.get_order(&alice(), "race-1").await.unwrap(),
        winners[0]
    );

    // 10 tasks reserve free certificates in one ledger, retrying on conflict: all land.
    let mut tasks = Vec::new();
    for i in 0..10 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                let (mut ledger, version) = match store.get_quota(&bob()).await.unwrap() {
                    Some((l, v)) => (l, Some(v)),
                    None => (
                        QuotaLedger::new(QuotaPreset::guide(), AccountKind::IndividualStandard),
                        None,
                    ),
                };
                ledger
                    .reserve(&format!("q-{i}"), &format!("site{i}.com"), false)
                    .unwrap();
                match store.put_quota(&bob(), &ledger, version).await {
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
    let (ledger, version) = store.get_quota(&bob()).await.unwrap().unwrap();
    assert_eq!(version, 10);
    let mut counted: Vec<String> = ledger
        .deductions()
        .iter()
        .map(|d| d.order_id.clone())
        .collect();
    counted.sort();
    let expected: Vec<String> = (0..10).map(|i| format!("q-{i}")).collect();
    assert_eq!(counted, expected, "every reservation landed once");
}

/// Runs the whole suite against one store; each case gets a fresh store from `make`. Returns
/// the secrets the sealed-key case stored, for a look at the raw storage of that case's store
/// (the last one made).
pub async fn run_all<S, F, Fut>(make: F) -> Vec<Vec<u8>>
where
    S: CsrStore + OrderStore + AccessKeyStore + 'static,
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = S>,
{
    access_keys_and_nonces(Arc::new(make().await)).await;
    csr_crud_versions_and_scopes(Arc::new(make().await)).await;
    csr_listing_pages_and_filters(Arc::new(make().await)).await;
    one_writer_per_version_wins(Arc::new(make().await)).await;
    orders_quota_and_profiles(Arc::new(make().await)).await;
    orders_and_quotas_under_concurrent_writers(Arc::new(make().await)).await;
    listing_totals_agree_with_their_pages_under_writers(Arc::new(make().await)).await;
    one_claim_of_an_order_file_wins(Arc::new(make().await)).await;
    the_profile_limit_holds_under_concurrent_writers(Arc::new(make().await)).await;
    orders_are_deleted_with_their_files(Arc::new(make().await)).await;
    sealed_keys_stay_sealed(Arc::new(make().await)).await
}

/// Access keys: unique ids, one account's keys listed, enabled and deleted by that account
/// only; nonces: of 16 concurrent first uses of one nonce exactly one is accepted, a replay is
/// refused until the nonce expires, and another key's same nonce is its own.
pub async fn access_keys_and_nonces(store: Arc<dyn AccessKeyStore>) {
    let t0 = datetime!(2026-12-01 00:00 UTC);
    let key = |id: &str, account: &str, at: OffsetDateTime| AccessKeyRecord {
        id: id.into(),
        account: account.into(),
        enabled: true,
        created_at: at,
        sealed_secret: SealedKey {
            kek_id: "k".into(),
            nonce: vec![7; 12],
            ciphertext: format!("{id}: sixteen bytes of tag and more").into_bytes(),
        },
    };
    store
        .insert_access_key(&key("AKID1", "alice", t0))
        .await
        .unwrap();
    store
        .insert_access_key(&key("AKID2", "alice", t0 + time::Duration::seconds(1)))
        .await
        .unwrap();
    store
        .insert_access_key(&key("AKID3", "bob", t0))
        .await
        .unwrap();
    let e = store
        .insert_access_key(&key("AKID1", "bob", t0))
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict { .. }), "{e:?}");
    let got = store.get_access_key("AKID1").await.unwrap().unwrap();
    assert_eq!(got, key("AKID1", "alice", t0));
    assert_eq!(store.get_access_key("AKID9").await.unwrap(), None);
    let ids: Vec<String> = store
        .list_access_keys("alice")
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.id)
        .collect();
    assert_eq!(ids, ["AKID1", "AKID2"]);
    // Bob cannot touch Alice's key.
    for e in [
        store
            .set_access_key_enabled("bob", "AKID1", false)
            .await
            .unwrap_err(),
        store.delete_access_key("bob", "AKID1").await.unwrap_err(),
    ] {
        assert!(matches!(e, StoreError::NotFound { .. }), "{e:?}");
    }
    store
        .set_access_key_enabled("alice", "AKID1", false)
        .await
        .unwrap();
    assert!(
        !store
            .get_access_key("AKID1")
            .await
            .unwrap()
            .unwrap()
            .enabled
    );
    store.delete_access_key("alice", "AKID2").await.unwrap();
    assert_eq!(store.get_access_key("AKID2").await.unwrap(), None);

    let until = t0 + time::Duration::minutes(15);
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .remember_nonce("AKID1", "n-1", t0, until)
                .await
                .unwrap()
        }));
    }
    let mut accepted = 0;
    for t in tasks {
        accepted += usize::from(t.await.unwrap());
    }
    assert_eq!(accepted, 1, "exactly one first use of a nonce");
    let later = t0 + time::Duration::minutes(10);
    assert!(
        !store
            .remember_nonce("AKID1", "n-1", later, later)
            .await
            .unwrap()
    );
    assert!(
        store
            .remember_nonce("AKID3", "n-1", later, until)
            .await
            .unwrap()
    );
    // Expired, it is forgotten.
    let after = until + time::Duration::seconds(1);
    assert!(
        store
            .remember_nonce("AKID1", "n-1", after, after + time::Duration::minutes(15))
            .await
            .unwrap()
    );
}

/// An organization profile to store.
fn sample_info() -> OrderInfo {
    OrderInfo {
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
    }
}

/// Deleting an order: at the version read, in its own scope only, with its files; a stale
/// version is a conflict and a second delete is not found.
pub async fn orders_are_deleted_with_their_files(store: Arc<dyn OrderStore>) {
    let order = free_order("o-del");
    store.insert_order(&alice(), &order).await.unwrap();
    store
        .put_order_file(&alice(), "o-del", "ticket", b"t-1")
        .await
        .unwrap();
    let v = order.version();
    assert_eq!(
        store
            .delete_order(&bob(), "o-del", v)
            .await
            .unwrap_err()
            .code(),
        "store.not_found"
    );
    assert_eq!(
        store
            .delete_order(&alice(), "o-del", v + 1)
            .await
            .unwrap_err()
            .code(),
        "store.conflict"
    );
    store.delete_order(&alice(), "o-del", v).await.unwrap();
    assert_eq!(
        store.get_order(&alice(), "o-del").await.unwrap_err().code(),
        "store.not_found"
    );
    assert_eq!(
        store
            .delete_order(&alice(), "o-del", v)
            .await
            .unwrap_err()
            .code(),
        "store.not_found"
    );
    // A new order of the same id starts without the old one's files.
    store.insert_order(&alice(), &order).await.unwrap();
    assert!(
        store
            .get_order_file(&alice(), "o-del", "ticket")
            .await
            .unwrap()
            .is_none()
    );
}

/// Saving profiles under a limit: 16 writers of 16 new names race for the last 4 places of a
/// scope that holds 6 of 10; exactly 4 win, the others get `store.limit_reached`, and another
/// scope's limit is its own.
pub async fn the_profile_limit_holds_under_concurrent_writers(store: Arc<dyn OrderStore>) {
    let info = sample_info();
    for i in 0..6 {
        store
            .save_profile(&alice(), &format!("kept-{i}"), &info, 10)
            .await
            .unwrap();
    }
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = store.clone();
        let info = info.clone();
        tasks.push(tokio::spawn(async move {
            store
                .save_profile(&alice(), &format!("new-{i:02}"), &info, 10)
                .await
        }));
    }
    let mut won = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(()) => won += 1,
            Err(e) => assert_eq!(e.code(), "store.limit_reached", "{e}"),
        }
    }
    assert_eq!(won, 4, "exactly the free places are taken");
    assert_eq!(store.list_profiles(&alice()).await.unwrap().len(), 10);
    store
        .save_profile(&bob(), "new-00", &info, 10)
        .await
        .unwrap();
}

/// Claiming an order file (how a CA submission is made once): of 16 concurrent claims exactly
/// one wins and its bytes stay; another account's order and a missing order are not found.
pub async fn one_claim_of_an_order_file_wins(store: Arc<dyn OrderStore>) {
    store
        .insert_order(&alice(), &free_order("o-claim"))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..16u8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .claim_order_file(&alice(), "o-claim", "claim", &[i])
                .await
                .unwrap()
                .then_some(i)
        }));
    }
    let mut winners = Vec::new();
    for t in tasks {
        winners.extend(t.await.unwrap());
    }
    assert_eq!(winners.len(), 1, "exactly one claim wins: {winners:?}");
    assert_eq!(
        store
            .get_order_file(&alice(), "o-claim", "claim")
            .await
            .unwrap(),
        Some(vec![winners[0]])
    );
    for (scope, id) in [(bob(), "o-claim"), (alice(), "o-missing")] {
        let e = store
            .claim_order_file(&scope, id, "claim", b"x")
            .await
            .unwrap_err();
        assert_eq!(e.code(), "store.not_found");
    }
}

/// A listing's total and its page come from one snapshot: while another task inserts, every
/// page that holds the whole list holds exactly `total` records.
pub async fn listing_totals_agree_with_their_pages_under_writers(store: Arc<dyn CsrStore>) {
    const RECORDS: usize = 300;
    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            for i in 0..RECORDS {
                store
                    .insert_csr(record(alice(), &format!("w{i}.example.com"), "RSA"))
                    .await
                    .unwrap();
            }
        })
    };
    let everything = Page {
        offset: 0,
        limit: 1000,
    };
    let mut listings = 0;
    while !writer.is_finished() || listings == 0 {
        let page = store
            .list_csrs(&alice(), &CsrFilter::default(), everything)
            .await
            .unwrap();
        assert_eq!(
            page.items.len() as u64,
            page.total,
            "a listing's total and page disagree"
        );
        listings += 1;
        tokio::task::yield_now().await;
    }
    writer.await.unwrap();
    let page = store
        .list_csrs(&alice(), &CsrFilter::default(), everything)
        .await
        .unwrap();
    assert_eq!(page.total, RECORDS as u64);
}
