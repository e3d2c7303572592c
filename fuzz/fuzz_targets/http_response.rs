//! HTTP responses as a validation fetch reads them off the wire: whatever a server sends, the
//! answer is a status and a body within the cap, or a typed error, never a panic.
#![no_main]

use certdesk::backend::parse_http_response;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let cap = 64;
    match parse_http_response(data, cap) {
        Ok((_, body)) => assert!(body.len() <= cap),
        Err(e) => assert!(!e.code().as_str().is_empty()),
    }
});
