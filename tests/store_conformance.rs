//! The store conformance suite (`certdesk::conformance`, feature `conformance`) run against
//! every store certdesk ships: in memory, SQLite, and PostgreSQL on a real server the test
//! starts.
#![cfg(feature = "conformance")]

use certdesk::backend::MemoryStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_store_conforms() {
    let secrets = certdesk::conformance::run_all(|| async { MemoryStore::new() }).await;
    assert_eq!(secrets.len(), 3);
}

#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_store_conforms_and_its_file_holds_no_key() {
    use certdesk::backend::SqliteStore;
    let dir = tempfile::tempdir().unwrap();
    let n = std::sync::atomic::AtomicU32::new(0);
    let path = |i: u32| dir.path().join(format!("case{i}.db"));
    let secrets = certdesk::conformance::run_all(|| {
        let i = n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let p = path(i);
        async move { SqliteStore::open(p).await.unwrap() }
    })
    .await;
    // The last case's database, main file and write-ahead log together.
    let last = path(n.load(std::sync::atomic::Ordering::SeqCst) - 1);
    let mut raw = std::fs::read(&last).unwrap();
    let wal = last.with_extension("db-wal");
    raw.extend(std::fs::read(&wal).unwrap_or_default());
    certdesk::conformance::assert_no_secret_in(&raw, &secrets, "the SQLite file");
    // The check can fail: a file holding the key in the clear is caught.
    let mut planted = raw.clone();
    planted.extend_from_slice(&secrets[0]);
    assert!(
        std::panic::catch_unwind(|| certdesk::conformance::assert_no_secret_in(
            &planted, &secrets, "planted"
        ))
        .is_err()
    );
    // The schema is there once, at the version this build knows, after reopening.
    let store = SqliteStore::open(&last).await.unwrap();
    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM certdesk_schema ORDER BY version")
            .fetch_all(store.pool())
            .await
            .unwrap();
    assert_eq!(versions, [1, 2, 3, 4]);
}

#[cfg(feature = "postgres")]
mod pg_server;

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_store_conforms_and_its_dump_holds_no_key() {
    use certdesk::backend::PostgresStore;
    let server = pg_server::PgServer::start();
    let last = std::sync::Mutex::new(String::new());
    let secrets = certdesk::conformance::run_all(|| async {
        let db = server.fresh_database().await;
        *last.lock().unwrap() = db.clone();
        PostgresStore::connect(&server.url(&db)).await.unwrap()
    })
    .await;
    let db = last.lock().unwrap().clone();
    let dump = server.dump(&db);
    assert!(String::from_utf8_lossy(&dump).contains("certdesk_csrs"));
    certdesk::conformance::assert_no_secret_in(&dump, &secrets, "pg_dump");
    // Several instances starting at once on one database apply the schema once.
    let shared = server.fresh_database().await;
    let url = server.url(&shared);
    let starts: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { PostgresStore::connect(&url).await })
        })
        .collect();
    let mut stores = Vec::new();
    for s in starts {
        stores.push(s.await.unwrap().unwrap());
    }
    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM certdesk_schema ORDER BY version")
            .fetch_all(stores[0].pool())
            .await
            .unwrap();
    assert_eq!(versions, [1, 2, 3, 4]);
    for s in stores {
        s.pool().close().await;
    }
}

/// Schema version 3: a database written before it names no CSR for its issued orders; opened
/// by this build, it does, so their CSR is not deleted from under them.
#[cfg(feature = "sqlite")]
#[tokio::test]
async fn opening_an_older_sqlite_database_names_the_csrs_of_issued_orders() {
    use certdesk::backend::{OrderStore, Scope, SqliteStore};
    use certdesk::order::{
        CertificateRef, CheckOutcome, Command, CsrRef, DomainCheck, Order, Product,
        ValidationMethod, ValidationToken,
    };
    let t0 = time::macros::datetime!(2026-11-22 09:00 UTC);
    let mut order = Order::new("o-issued", Product::free_trustasia_dv(), t0);
    order
        .apply(
            Command::SubmitInfo {
                csr: CsrRef {
                    id: "7".into(),
                    key: certdesk::KeyKind::Rsa { bits: 2048 },
                },
                domains: vec!["example.com".into()],
                info: None,
                method: Some(ValidationMethod::Dns),
                token: Some(ValidationToken::from_bytes([1; 16])),
                prior_validations: vec![],
            },
            t0,
        )
        .unwrap();
    let checks = order
        .challenges()
        .unwrap()
        .iter()
        .map(|c| DomainCheck {
            domain: c.domain().to_owned(),
            outcome: CheckOutcome::Passed,
        })
        .collect();
    order.apply(Command::RecordChecks { checks }, t0).unwrap();
    order
        .apply(
            Command::Issue {
                certificate: CertificateRef {
                    serial: "01".into(),
                    not_before: t0,
                    not_after: t0 + time::Duration::days(90),
                },
            },
            t0,
        )
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let scope = Scope::new("alice", "ap-guangzhou");
    {
        let store = SqliteStore::open(&path).await.unwrap();
        store.insert_order(&scope, &order).await.unwrap();
        assert_eq!(
            store.orders_using_csr(&scope, "7").await.unwrap(),
            ["o-issued"]
        );
        // As a version-2 database left it.
        sqlx::query("UPDATE certdesk_orders SET open_csr_id = NULL")
            .execute(store.pool())
            .await
            .unwrap();
        for statement in [
            "DELETE FROM certdesk_schema WHERE version >= 3",
            "DROP TABLE certdesk_access_keys",
            "DROP TABLE certdesk_nonces",
        ] {
            sqlx::query(statement).execute(store.pool()).await.unwrap();
        }
        assert!(
            store
                .orders_using_csr(&scope, "7")
                .await
                .unwrap()
                .is_empty()
        );
        store.pool().close().await;
    }
    let store = SqliteStore::open(&path).await.unwrap();
    assert_eq!(
        store.orders_using_csr(&scope, "7").await.unwrap(),
        ["o-issued"]
    );
}
