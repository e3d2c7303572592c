//! Every vendor action, CSR and order alike, answered by the order service on an in-memory
//! store with the local CA: the input is a sequence of calls (a byte picking the action, then a
//! body up to a NUL byte), all for one account; `@@` in a body stands for the last id an answer
//! gave, so an order made by one call is described, validated, cancelled or deleted by the
//! next. Whatever comes in, every call answers with the vendor's payload or a vendor error
//! (never a panic), and a second account never sees a record.
#![no_main]

use std::sync::{Arc, OnceLock};

use certdesk::backend::{
    AesGcmVault, CsrFilter, CsrStore, LocalCa, MemoryStore, OrderStore, Page, Scope, SystemClock,
};
use certdesk::cloud::Api;
use certdesk::service::{CsrService, OrderService};
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

fn ca() -> Arc<LocalCa> {
    static CA: OnceLock<Arc<LocalCa>> = OnceLock::new();
    CA.get_or_init(|| {
        Arc::new(
            LocalCa::with_keys("fuzz", certdesk::KeySpec::EcP256, Arc::new(SystemClock))
                .unwrap()
                .with_review_polls(0),
        )
    })
    .clone()
}

/// The id an answer carries, for the next call's `@@`.
fn id_of(payload: &serde_json::Value) -> Option<String> {
    for key in ["CertificateId", "OrderId", "Id", "CsrId"] {
        match &payload[key] {
            serde_json::Value::String(s) => return Some(s.clone()),
            serde_json::Value::Number(n) => return Some(n.to_string()),
            _ => {}
        }
    }
    payload["CertificateIds"][0].as_str().map(str::to_owned)
}

fuzz_target!(|data: &[u8]| {
    let store = Arc::new(MemoryStore::new());
    let csrs = Arc::new(
        CsrService::new(store.clone(), Arc::new(AesGcmVault::new("k", [1; 32])))
            .with_orders(store.clone()),
    );
    let service = OrderService::builder(store.clone(), csrs, ca()).build();
    let me = Scope::new("fuzz", "r");
    let mut last = String::from("0");
    runtime().block_on(async {
        for call in data.split(|b| *b == 0).take(8) {
            let Some((&selector, body)) = call.split_first() else { continue };
            let api = Api::ALL[usize::from(selector) % Api::ALL.len()];
            let body = String::from_utf8_lossy(body).replace("@@", &last);
            match service.handle(&me, api, body.as_bytes()).await {
                Ok(payload) => {
                    assert!(payload.is_object());
                    if let Some(id) = id_of(&payload) {
                        last = id;
                    }
                }
                Err(e) => {
                    assert!(!e.code.as_str().is_empty() && !e.message.is_empty());
                    let _ = e.response_body("fuzz");
                }
            }
        }
        let other = Scope::new("other", "r");
        let all = Page { offset: 0, limit: 1000 };
        let csrs = store.list_csrs(&other, &CsrFilter::default(), all).await.unwrap();
        assert_eq!(csrs.total, 0);
        let orders = store.list_orders(&other, all).await.unwrap();
        assert_eq!(orders.total, 0);
    });
});
