//! Vendor request bodies: the first byte picks the API, the rest is the body. Whatever comes
//! in, the answer is a validation (never a panic), valid exactly when it holds no error, with
//! a vendor error code exactly when it is not valid.
#![no_main]

use certdesk::policy::Severity;
use certdesk::cloud::Api;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else { return };
    let api = Api::ALL[usize::from(selector) % Api::ALL.len()];
    let v = api.validate(body);
    let has_error = v.violations.iter().any(|x| x.severity == Severity::Error);
    assert_eq!(v.valid, !has_error);
    assert_eq!(v.error.is_some(), !v.valid);
    for x in &v.violations {
        assert!(!x.field.is_empty() && !x.message.is_empty());
    }
});
