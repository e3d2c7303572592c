//! Two API server instances on one PostgreSQL database, each with its own connection pool (as
//! two processes would have): a key made through one signs for the other, a record made
//! through one is read through the other, and an Alibaba request replayed to the second
//! instance with a nonce the first took is refused.

#![cfg(all(feature = "server", feature = "postgres", feature = "local-ca"))]

mod pg_server;

use std::sync::Arc;

use certdesk::SecretText;
use certdesk::backend::{AesGcmVault, LocalCa, PostgresStore};
use certdesk::server::{ApiServer, WireRequest, sign};
use certdesk::service::{AccessKeys, CsrService, OrderService};
use sha2::{Digest, Sha256};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn instance(
    url: &str,
    ca: Arc<LocalCa>,
    key_cache: std::time::Duration,
) -> (ApiServer, AccessKeys) {
    let store = Arc::new(PostgresStore::connect(url).await.unwrap());
    let vault = Arc::new(AesGcmVault::new("kek-1", [4; 32]));
    let keys = AccessKeys::new(store.clone(), vault.clone());
    let csrs = Arc::new(CsrService::new(store.clone(), vault).with_orders(store.clone()));
    let orders = Arc::new(OrderService::builder(store, csrs, ca).build());
    // Every request reads its key: a key disabled through one instance is refused by the
    // other at once (with the default cache, within two seconds).
    let settings = certdesk::server::ServerSettings {
        key_cache,
        ..Default::default()
    };
    (
        ApiServer::with_settings(orders, keys.clone(), settings),
        keys,
    )
}

/// An Alibaba request signed with ACS3-HMAC-SHA256 as the SDK signs it.
fn alibaba(action: &str, query: &str, nonce: &str, secret: &[u8]) -> WireRequest {
    let date = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let mut headers: Vec<(String, String)> = [
        ("host", "127.0.0.1:9000"),
        ("x-acs-action", action),
        ("x-acs-content-sha256", &hex(&Sha256::digest(b""))),
        ("x-acs-date", &date),
        ("x-acs-signature-nonce", nonce),
        ("x-acs-version", "2020-04-07"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let names = [
        "host",
        "x-acs-action",
        "x-acs-content-sha256",
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-version",
    ];
    let req = sign::SignedRequest {
        method: "POST",
        path: "/",
        query,
        headers: &headers,
        body: b"",
    };
    let auth = sign::acs3_authorization(&req, "AKIDshared", &names, secret).unwrap();
    headers.push(("Authorization".into(), auth));
    WireRequest {
        method: "POST".into(),
        path: "/".into(),
        query: query.into(),
        headers,
        body: Vec::new(),
    }
}

fn json(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_share_keys_records_and_nonces() {
    let server = pg_server::PgServer::start();
    let db = server.fresh_database().await;
    let ca = Arc::new(LocalCa::new("certdesk Test").unwrap());
    let zero = std::time::Duration::ZERO;
    let (one, keys_one) = instance(&server.url(&db), ca.clone(), zero).await;
    let (two, _) = instance(&server.url(&db), ca.clone(), zero).await;
    keys_one
        .import(
            "100012345678",
            "AKIDshared",
            &SecretText::new("shared-secret"),
        )
        .await
        .unwrap();

    // A CSR made through the first instance is listed through the second.
    let made = one
        .answer(alibaba(
            "CreateCsr",
            "Algorithm=ECC&KeySize=256&CommonName=www.example.com&CountryCode=CN&Province=Zhejiang&Locality=Hangzhou",
            "nonce-create",
            b"shared-secret",
        ))
        .await;
    assert_eq!(made.status, 200, "{}", String::from_utf8_lossy(&made.body));
    let listed = two
        .answer(alibaba("ListCsr", "", "nonce-list", b"shared-secret"))
        .await;
    assert_eq!(json(&listed.body)["TotalCount"], 1);

    // The same signed request, replayed to the other instance: its nonce is taken.
    let request = alibaba("ListCsr", "ShowSize=10", "nonce-replayed", b"shared-secret");
    assert_eq!(one.answer(request.clone()).await.status, 200);
    let replayed = two.answer(request).await;
    assert_eq!(replayed.status, 400);
    assert_eq!(json(&replayed.body)["Code"], "SignatureNonceUsed");

    // A key disabled through one instance is refused by the other.
    keys_one
        .set_enabled("100012345678", "AKIDshared", false)
        .await
        .unwrap();
    let refused = two
        .answer(alibaba("ListCsr", "", "nonce-after", b"shared-secret"))
        .await;
    assert_eq!(
        (refused.status, json(&refused.body)["Code"].as_str()),
        (404, Some("InvalidAccessKeyId.NotFound"))
    );

    // An instance that caches keys refuses a disabled key once its cache entry is stale.
    let (three, _) = instance(&server.url(&db), ca, std::time::Duration::from_millis(200)).await;
    keys_one
        .set_enabled("100012345678", "AKIDshared", true)
        .await
        .unwrap();
    let ok = three
        .answer(alibaba("ListCsr", "", "nonce-c1", b"shared-secret"))
        .await;
    assert_eq!(ok.status, 200);
    keys_one
        .set_enabled("100012345678", "AKIDshared", false)
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let stale = three
        .answer(alibaba("ListCsr", "", "nonce-c2", b"shared-secret"))
        .await;
    assert_eq!(stale.status, 404);
}
