//! Arbitrary HTTP requests at the vendors' API server: the first line is `METHOD TARGET`, then
//! `Name: value` header lines up to an empty line, then the body. Whatever comes in, the answer
//! is the vendor's envelope with a request id (never a panic), Tencent's always HTTP 200 with
//! `application/json`, and the signature parsers never accept what they cannot read.
#![no_main]

use std::sync::{Arc, OnceLock};

use certdesk::backend::{AesGcmVault, LocalCa, MemoryStore, SystemClock};
use certdesk::server::{ApiServer, WireRequest, sign};
use certdesk::service::{AccessKeys, CsrService, OrderService};
use certdesk::SecretText;
use libfuzzer_sys::fuzz_target;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
    })
}

fn server() -> &'static ApiServer {
    static SERVER: OnceLock<ApiServer> = OnceLock::new();
    SERVER.get_or_init(|| {
        runtime().block_on(async {
            let store = Arc::new(MemoryStore::new());
            let vault = Arc::new(AesGcmVault::new("k", [1; 32]));
            let keys = AccessKeys::new(store.clone(), vault.clone());
            keys.import("fuzz", "AKIDfuzz", &SecretText::new("secret")).await.unwrap();
            let csrs = Arc::new(CsrService::new(store.clone(), vault).with_orders(store.clone()));
            let ca = Arc::new(
                LocalCa::with_keys("fuzz", certdesk::KeySpec::EcP256, Arc::new(SystemClock)).unwrap(),
            );
            let orders = Arc::new(OrderService::builder(store, csrs, ca).build());
            ApiServer::new(orders, keys)
        })
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let first = lines.next().unwrap_or("");
    let (method, target) = first.split_once(' ').unwrap_or((first, "/"));
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    for (k, v) in &headers {
        if k.eq_ignore_ascii_case("Authorization") {
            let _ = sign::parse_tc3(v);
            let _ = sign::parse_acs3(v);
        }
    }
    let _ = sign::form_decode(query);
    let tencent = headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("X-TC-Action"));
    let answer = runtime().block_on(server().answer(WireRequest {
        method: method.to_owned(),
        path: path.to_owned(),
        query: query.to_owned(),
        headers,
        body: body.as_bytes().to_vec(),
    }));
    assert!(!answer.request_id.is_empty());
    let json: serde_json::Value = match serde_json::from_slice(&answer.body) {
        Ok(v) => v,
        Err(_) => {
            assert_eq!(answer.body, b"ok\n");
            return;
        }
    };
    if tencent {
        assert_eq!((answer.status, answer.content_type), (200, "application/json"));
        assert_eq!(json["Response"]["RequestId"], answer.request_id.as_str());
    } else {
        assert_eq!(json["RequestId"], answer.request_id.as_str());
    }
});
