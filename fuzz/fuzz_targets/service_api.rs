//! The CSR service answering vendor API calls on an in-memory store: the input is a sequence
//! of calls (a byte picking the API, then a body up to a NUL byte), all for one account, so a
//! draft made by one call is modified, described, listed or deleted by the next. Whatever comes
//! in, every call answers with the vendor's payload or a vendor error (never a panic), and a
//! second account never sees a record.
#![no_main]

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use certdesk::backend::{AesGcmVault, CsrFilter, CsrStore, MemoryStore, Page, Scope};
use certdesk::service::CsrService;
use certdesk::cloud::Api;
use libfuzzer_sys::fuzz_target;

/// The in-memory store and the vault never wait, so polling once finishes every call.
fn run<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = f.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let store = Arc::new(MemoryStore::new());
    let service = CsrService::new(store.clone(), Arc::new(AesGcmVault::new("k", [1; 32])));
    let me = Scope::new("fuzz", "r");
    for call in data.split(|b| *b == 0).take(8) {
        let Some((&selector, body)) = call.split_first() else { continue };
        let api = Api::ALL[usize::from(selector) % Api::ALL.len()];
        match run(service.handle(&me, api, body)) {
            Ok(payload) => assert!(payload.is_object()),
            Err(e) => {
                assert!(!e.code.as_str().is_empty() && !e.message.is_empty());
                let _ = e.response_body("fuzz");
            }
        }
    }
    let other = Scope::new("other", "r");
    let all = Page { offset: 0, limit: 1000 };
    let seen = run(store.list_csrs(&other, &CsrFilter::default(), all)).unwrap();
    assert_eq!(seen.total, 0);
});
