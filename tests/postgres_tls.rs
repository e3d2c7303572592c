//! The PostgreSQL store over TLS, against a real server that serves a certificate from the
//! local CA and refuses connections without TLS: the server is verified by its CA and its
//! name (`sslmode=verify-full`), and a wrong CA, a wrong name or no TLS at all is refused.

#![cfg(all(feature = "postgres", feature = "local-ca"))]

mod common;
mod pg_server;

use common::server_cert;

use certdesk::backend::{CsrFilter, CsrStore, LocalCa, Page, PostgresStore, Scope};

/// Whether the store's connection is encrypted, as the server sees it.
async fn uses_tls(store: &PostgresStore) -> bool {
    sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(store.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn the_store_verifies_the_server_and_refuses_what_does_not_check_out() {
    let ca = LocalCa::new("certdesk Test Database CA").unwrap();
    let (chain, key) = server_cert(&ca, "localhost").await;
    let server = pg_server::PgServer::start_tls(&chain, &key);
    let port = server.port();
    let root = ca.root_pem().as_bytes();
    let by_name = format!("postgres://certdesk@localhost:{port}/postgres");

    // Verified: the server's chain ends at the CA given, and it is the host named.
    let store = PostgresStore::connect_verified(&by_name, root)
        .await
        .unwrap();
    assert!(uses_tls(&store).await);
    let page = store
        .list_csrs(
            &Scope::new("alice", "ap-guangzhou"),
            &CsrFilter::default(),
            Page {
                offset: 0,
                limit: 10,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.total, 0);
    store.pool().close().await;

    // The same through the URL, as libpq takes it.
    let dir = tempfile::tempdir().unwrap();
    let root_file = dir.path().join("root.pem");
    std::fs::write(&root_file, root).unwrap();
    let url = format!(
        "{by_name}?sslmode=verify-full&sslrootcert={}",
        root_file.display()
    );
    let store = PostgresStore::connect(&url).await.unwrap();
    assert!(uses_tls(&store).await);
    store.pool().close().await;

    // Another CA's root: the server is not trusted.
    let stranger = LocalCa::new("certdesk Test Stranger CA").unwrap();
    let e = PostgresStore::connect_verified(&by_name, stranger.root_pem().as_bytes())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "store.backend");
    assert!(format!("{e:?}").contains("UnknownIssuer"), "{e:?}");

    // The right CA, but the server reached by a name its certificate does not carry.
    let by_address = format!("postgres://certdesk@127.0.0.1:{port}/postgres");
    let e = PostgresStore::connect_verified(&by_address, root)
        .await
        .unwrap_err();
    assert!(format!("{e:?}").contains("not valid for name"), "{e:?}");

    // No TLS: the server accepts none.
    let e = PostgresStore::connect(&format!("{by_name}?sslmode=disable"))
        .await
        .unwrap_err();
    assert!(format!("{:?}", e).contains("pg_hba.conf"), "{e:?}");
}
