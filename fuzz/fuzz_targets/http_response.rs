//! HTTP responses as a validation fetch reads them off the wire: whatever a server sends, the
//! answer is a status and a body within the cap, or a typed error, never a panic.
//!
//! The first byte picks the body cap, from none to `usize::MAX`, so that size arithmetic near
//! the cap and near `usize::MAX` is reached; the rest is the response. Run with the chunked-framing
//! dictionary (`-dict=fuzz/dict/http_response.dict`): a chunk size within a few bytes of
//! 2^64 is a sixteen-digit number no coverage signal leads a mutator to, and the dictionary
//! holds it.
#![no_main]

use certdesk::backend::parse_http_response;
use libfuzzer_sys::fuzz_target;

const CAPS: [usize; 8] = [0, 1, 5, 64, 4096, 1 << 20, usize::MAX / 2, usize::MAX];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, response)) = data.split_first() else {
        return;
    };
    let cap = CAPS[usize::from(pick) % CAPS.len()];
    match parse_http_response(response, cap) {
        Ok((_, body)) => assert!(body.len() <= cap && body.len() <= response.len()),
        Err(e) => assert!(!e.code().as_str().is_empty()),
    }
});
