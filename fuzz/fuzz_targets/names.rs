//! Domain names, SANs and subject values typed by a person: a typed error or a valid value;
//! a parsed domain name re-parses to itself; the policy checks on names and countries answer
//! for anything.
#![no_main]

use certdesk::{DomainName, SanEntry, Subject};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(name) = DomainName::parse(text) {
        let again = DomainName::parse(name.as_str()).expect("an A-label name re-parses");
        assert_eq!(again, name);
        assert!(name.as_str().len() <= certdesk::MAX_DOMAIN_LEN);
    }
    if let Ok(name) = DomainName::parse(text) {
        let _ = certdesk::policy::check_domain("d", &name);
        let _ = certdesk::policy::check_free("d", &name, &certdesk::policy::FreeRules::tencent());
    }
    let _ = certdesk::policy::check_country("c", text);
    let _ = SanEntry::parse(text);
    let _ = Subject::builder().common_name(text).country(text).email(text).build();
});
