//! What a CSR certdesk builds says about itself (`Csr::info`, described from the request) is
//! exactly what reading the CSR back gives, for any subject and SANs a request accepts.

use certdesk::{Csr, CsrRequest, KeySpec, PrivateKey, Subject};
use proptest::prelude::*;

fn subject_field() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop_oneof![
        "[A-Za-z0-9 .,'()-]{1,20}",
        "[\u{4e00}-\u{4e2f}]{1,8}",
        "[a-z]{1,8}(-[a-z]{1,8})? [A-Z][a-z]{1,6}",
    ])
}

fn san() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{1,10}\\.(example\\.com|example\\.org|xn--fiqs8s)",
        "\\*\\.[a-z]{1,10}\\.example\\.net",
        (1u8..=223, any::<u8>(), any::<u8>(), 1u8..=254)
            .prop_map(|(a, b, c, d)| format!("{a}.{b}.{c}.{d}")),
        any::<[u16; 8]>().prop_map(|s| std::net::Ipv6Addr::from(s).to_string()),
        "[a-z]{1,8}@example\\.com",
        "[\u{4e00}-\u{4e2f}]{1,4}\\.example\\.cn",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn a_built_csr_says_what_reading_it_back_says(
        org in subject_field(),
        ou in subject_field(),
        locality in subject_field(),
        country in prop::option::of(prop_oneof![Just("CN"), Just("us"), Just("DE")]),
        email in prop::option::of("[a-z]{1,8}@example\\.com"),
        cn in prop::option::of("[a-z]{1,10}\\.example\\.com"),
        sans in prop::collection::vec(san(), 0..6),
    ) {
        static KEY: std::sync::OnceLock<PrivateKey> = std::sync::OnceLock::new();
        let key = KEY.get_or_init(|| PrivateKey::generate(KeySpec::EcP256).unwrap());
        let mut subject = Subject::builder();
        if let Some(v) = &org { subject = subject.organization(v.as_str()); }
        if let Some(v) = &ou { subject = subject.organizational_unit(v.as_str()); }
        if let Some(v) = &locality { subject = subject.locality(v.as_str()); }
        if let Some(v) = country { subject = subject.country(v); }
        if let Some(v) = &email { subject = subject.email(v.as_str()); }
        if let Some(v) = &cn { subject = subject.common_name(v.as_str()); }
        let Ok(subject) = subject.build() else { return Ok(()); };
        let mut request = CsrRequest::builder().subject(subject).key_spec(KeySpec::EcP256);
        for s in &sans {
            request = request.san_text(s.as_str());
        }
        let Ok(request) = request.build() else { return Ok(()); };
        let csr = request.sign(key).unwrap();
        let read = Csr::parse(csr.der()).unwrap();
        prop_assert_eq!(csr.info(), read.info());
        prop_assert_eq!(csr.public_key(), read.public_key());
    }
}
