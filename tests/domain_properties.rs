//! Whatever a person types, `DomainName::parse` gives a valid A-label name or a typed error.

use certdesk::{DomainName, MAX_DOMAIN_LEN, MAX_LABEL_LEN, policy};
use proptest::prelude::*;

fn assert_valid(name: &DomainName) {
    let s = name.as_str();
    assert!(s.len() <= MAX_DOMAIN_LEN, "{s}");
    assert!(!s.ends_with('.'), "{s}");
    for (i, label) in s.split('.').enumerate() {
        assert!(!label.is_empty() && label.len() <= MAX_LABEL_LEN, "{s}");
        if label == "*" {
            assert_eq!(i, 0, "wildcard not leftmost in {s}");
            continue;
        }
        assert!(
            label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{s}"
        );
        assert!(!label.starts_with('-') && !label.ends_with('-'), "{s}");
    }
    assert_eq!(
        &DomainName::parse(s).unwrap(),
        name,
        "A-label form re-parses to itself"
    );
}

proptest! {
    #[test]
    fn any_text_is_a_valid_name_or_an_error(input in any::<String>()) {
        if let Ok(name) = DomainName::parse(&input) {
            assert_valid(&name);
            let _ = policy::check_domain("d", &name);
        }
    }

    #[test]
    fn name_shaped_text_is_a_valid_name_or_an_error(
        input in r"(\*\.)?([a-zA-Z0-9_\-ü中*]{0,70}\.){0,5}[a-zA-Z0-9\-中]{0,10}\.?"
    ) {
        match DomainName::parse(&input) {
            Ok(name) => assert_valid(&name),
            Err(e) => prop_assert!(e.code().as_str().starts_with("domain.")),
        }
    }
}
