//! Every profile rule, one passing and one failing case each; uploads checked against CSRs
//! OpenSSL made.

mod common;

use certdesk::policy::{CsrForm, Profile, Report, Severity};
use certdesk::{Csr, KeySpec, SignatureHash};
use common::{data, openssl_ok};

/// A Tencent CreateCSR form with every required field filled in.
fn tencent_form() -> CsrForm {
    CsrForm {
        common_name: Some("www.example.com".into()),
        organization: Some("Example Co., Ltd.".into()),
        organizational_unit: Some("IT".into()),
        email: Some("admin@example.com".into()),
        state: Some("Guangdong".into()),
        locality: Some("Shenzhen".into()),
        country: Some("CN".into()),
        key: Some("ec-p256".into()),
        ..CsrForm::default()
    }
}

fn baseline_form(cn: &str) -> CsrForm {
    CsrForm {
        common_name: Some(cn.into()),
        ..CsrForm::default()
    }
}

fn free_form(domain: &str) -> CsrForm {
    CsrForm {
        common_name: Some(domain.into()),
        ..CsrForm::default()
    }
}

fn report(profile: &Profile, form: &CsrForm) -> Report {
    match profile.check_form(form) {
        Ok((_, report)) => report,
        Err(report) => report,
    }
}

/// `(field, code)` of every violation.
fn found(profile: &Profile, form: &CsrForm) -> Vec<(String, &'static str)> {
    report(profile, form)
        .violations
        .iter()
        .map(|v| (v.field.clone(), v.code.as_str()))
        .collect()
}

fn has(profile: &Profile, form: &CsrForm, field: &str, code: &str) -> bool {
    found(profile, form)
        .iter()
        .any(|(f, c)| f == field && *c == code)
}

#[test]
fn a_valid_form_gives_a_request_that_generates() {
    let (request, report) = Profile::tencent_create_csr()
        .check_form(&tencent_form())
        .unwrap();
    assert!(report.violations.is_empty(), "{report:?}");
    assert_eq!(request.key_spec(), KeySpec::EcP256);
    let (csr, key) = request.generate().unwrap();
    assert!(csr.matches_key(&key));
    assert_eq!(csr.info().subject.get("OU"), Some("IT"));
}

#[test]
fn every_violation_is_reported_at_once() {
    let form = CsrForm {
        common_name: Some("*.com".into()),
        country: Some("China".into()),
        email: Some("not an address".into()),
        sans: vec!["a_b.example.com".into(), "localhost".into()],
        key: Some("rsa3072".into()),
        hash: Some("sha512".into()),
        ..CsrForm::default()
    };
    let got = found(&Profile::tencent_create_csr(), &form);
    for expected in [
        ("subject.country", "country.unknown"),
        ("subject.email", "email.invalid"),
        ("subject.organization", "subject.required"),
        ("subject.organizational_unit", "subject.required"),
        ("subject.state", "subject.required"),
        ("subject.locality", "subject.required"),
        ("subject.common_name", "san.wildcard_on_public_suffix"),
        ("sans[0]", "domain.invalid"),
        ("sans[1]", "domain.internal"),
        ("key", "key.not_offered"),
    ] {
        assert!(
            got.iter().any(|(f, c)| f == expected.0 && *c == expected.1),
            "{expected:?} missing from {got:?}"
        );
    }
}

#[test]
fn required_fields() {
    let p = Profile::tencent_create_csr();
    assert!(!has(
        &p,
        &tencent_form(),
        "subject.organizational_unit",
        "subject.required"
    ));
    let form = CsrForm {
        organizational_unit: Some("   ".into()),
        ..tencent_form()
    };
    assert!(has(
        &p,
        &form,
        "subject.organizational_unit",
        "subject.required"
    ));
    // Alibaba CreateCsr needs CN, C, ST, L but not O.
    let p = Profile::alibaba_create_csr();
    let form = CsrForm {
        organization: None,
        organizational_unit: None,
        email: None,
        ..tencent_form()
    };
    assert!(p.check_form(&form).is_ok());
    let form = CsrForm {
        locality: None,
        ..form
    };
    assert!(has(&p, &form, "subject.locality", "subject.required"));
}

#[test]
fn baseline_refuses_ou_and_warns_of_email() {
    let p = Profile::baseline();
    assert!(p.check_form(&baseline_form("www.example.com")).is_ok());
    let form = CsrForm {
        organizational_unit: Some("IT".into()),
        ..baseline_form("www.example.com")
    };
    assert!(has(
        &p,
        &form,
        "subject.organizational_unit",
        "subject.not_allowed"
    ));
    let form = CsrForm {
        email: Some("a@example.com".into()),
        ..baseline_form("www.example.com")
    };
    let (_, report) = p.check_form(&form).unwrap();
    let w: Vec<_> = report.warnings().map(|v| v.code.as_str()).collect();
    assert_eq!(w, ["subject.dropped"]);
}

#[test]
fn placeholder_values_are_refused() {
    let p = Profile::baseline();
    let form = CsrForm {
        organization: Some(". -".into()),
        ..baseline_form("www.example.com")
    };
    assert!(has(
        &p,
        &form,
        "subject.organization",
        "subject.placeholder"
    ));
    let form = CsrForm {
        organization: Some("A-B.".into()),
        ..baseline_form("www.example.com")
    };
    assert!(p.check_form(&form).is_ok());
}

#[test]
fn country_names_get_the_iso_code_suggested() {
    let p = Profile::tencent_create_csr();
    for (input, code) in [("China", "CN"), ("CHN", "CN"), ("中国", "CN"), ("us", "")] {
        let form = CsrForm {
            country: Some(input.into()),
            ..tencent_form()
        };
        let r = report(&p, &form);
        if code.is_empty() {
            assert!(r.is_valid(), "{input}: {r:?}");
        } else {
            let v = r.errors().next().unwrap();
            assert_eq!(
                (v.field.as_str(), v.code.as_str()),
                ("subject.country", "country.unknown")
            );
            assert_eq!(v.suggestion.as_deref(), Some(code));
        }
    }
}

#[test]
fn country_names_can_be_accepted_as_a_setting() {
    let mut p = Profile::tencent_create_csr();
    p.country_names = true;
    let form = CsrForm {
        country: Some("China".into()),
        ..tencent_form()
    };
    let (request, report) = p.check_form(&form).unwrap();
    assert_eq!(request.subject().country().unwrap().as_str(), "CN");
    let w: Vec<_> = report.warnings().map(|v| v.code.as_str()).collect();
    assert_eq!(w, ["country.name_converted"]);
    // A value that names no country is still refused.
    let form = CsrForm {
        country: Some("Atlantis".into()),
        ..tencent_form()
    };
    assert!(has(&p, &form, "subject.country", "country.unknown"));
}

#[test]
fn keys_must_be_offered_with_a_suggestion() {
    let form = |key: &str| CsrForm {
        key: Some(key.into()),
        ..tencent_form()
    };
    let tencent = Profile::tencent_create_csr();
    for ok in ["rsa2048", "rsa4096", "ec-p256"] {
        assert!(tencent.check_form(&form(ok)).is_ok(), "{ok}");
    }
    let r = report(&tencent, &form("ec-p384"));
    let v = r.errors().next().unwrap();
    assert_eq!(
        (v.field.as_str(), v.code.as_str()),
        ("key", "key.not_offered")
    );
    assert_eq!(v.suggestion.as_deref(), Some("ec-p256"));
    assert!(
        v.message.contains("rsa2048, rsa4096, ec-p256"),
        "{}",
        v.message
    );
    // The Alibaba console offers P-384 and P-521; the API only P-256.
    assert!(
        Profile::alibaba_console()
            .check_form(&form("ec-p521"))
            .is_ok()
    );
    assert!(has(
        &Profile::alibaba_create_csr(),
        &form("ec-p521"),
        "key",
        "key.not_offered"
    ));
    // SM2 is the reissue profile's, never the baseline's: the algorithm is what is wrong.
    assert!(Profile::tencent_reissue().check_form(&form("sm2")).is_ok());
    assert!(has(
        &Profile::baseline(),
        &form("sm2"),
        "key.algorithm",
        "key.not_offered"
    ));
    // A misspelt spec: p512 means P-521.
    let r = report(&Profile::alibaba_console(), &form("ec-p512"));
    let v = r.errors().next().unwrap();
    assert_eq!(v.code.as_str(), "key_spec.unknown");
    assert_eq!(v.suggestion.as_deref(), Some("ec-p521"));
}

#[test]
fn the_default_key_is_the_profiles_first() {
    let form = CsrForm {
        key: None,
        ..tencent_form()
    };
    let (request, _) = Profile::tencent_create_csr().check_form(&form).unwrap();
    assert_eq!(request.key_spec(), KeySpec::Rsa2048);
    assert_eq!(request.hash(), SignatureHash::Sha256);
}

#[test]
fn hashes_must_be_offered_for_the_key() {
    let form = |key: &str, hash: &str| CsrForm {
        key: Some(key.into()),
        hash: Some(hash.into()),
        ..baseline_form("www.example.com")
    };
    let baseline = Profile::baseline();
    assert!(baseline.check_form(&form("ec-p384", "sha384")).is_ok());
    assert!(has(
        &baseline,
        &form("ec-p256", "sha384"),
        "hash",
        "hash.not_offered"
    ));
    let tencent = Profile::tencent_create_csr();
    let r = report(
        &tencent,
        &CsrForm {
            hash: Some("sha512".into()),
            ..tencent_form()
        },
    );
    let v = r.errors().next().unwrap();
    assert_eq!(
        (v.field.as_str(), v.code.as_str()),
        ("hash", "hash.not_offered")
    );
    assert_eq!(v.suggestion.as_deref(), Some("sha256"));
    let (request, _) = tencent
        .check_form(&CsrForm {
            hash: Some("sha384".into()),
            ..tencent_form()
        })
        .unwrap();
    assert_eq!(request.hash(), SignatureHash::Sha384);
}

#[test]
fn domain_rules_apply_to_the_cn_and_every_san() {
    let p = Profile::baseline();
    let with_sans = |sans: &[&str]| CsrForm {
        sans: sans.iter().map(|s| s.to_string()).collect(),
        ..baseline_form("www.example.com")
    };
    assert!(
        p.check_form(&with_sans(&["*.example.com", "例子.中国"]))
            .is_ok()
    );
    assert!(has(
        &p,
        &with_sans(&["ok.example.com", "*.co.uk"]),
        "sans[1]",
        "san.wildcard_on_public_suffix"
    ));
    assert!(has(
        &p,
        &with_sans(&["co.uk"]),
        "sans[0]",
        "domain.public_suffix"
    ));
    assert!(has(
        &p,
        &with_sans(&["printer.local"]),
        "sans[0]",
        "domain.internal"
    ));
    assert!(has(
        &p,
        &with_sans(&["a.*.example.com"]),
        "sans[0]",
        "domain.wildcard_not_leftmost"
    ));
    assert!(has(
        &p,
        &with_sans(&["example.com."]),
        "sans[0]",
        "domain.trailing_dot"
    ));
    assert!(has(
        &p,
        &with_sans(&["1.2.0.192.in-addr.arpa"]),
        "sans[0]",
        "domain.reverse_dns"
    ));
}

#[test]
fn reserved_ips_are_refused_public_ones_pass() {
    let p = Profile::baseline();
    let with = |ip: &str| CsrForm {
        sans: vec![ip.into()],
        ..baseline_form("www.example.com")
    };
    assert!(p.check_form(&with("8.8.8.8")).is_ok());
    assert!(p.check_form(&with("2606:4700:4700::1111")).is_ok());
    for reserved in ["10.0.0.1", "127.0.0.1", "169.254.169.254", "::1", "fd00::1"] {
        assert!(
            found(&p, &with(reserved))
                .iter()
                .any(|(f, _)| f == "sans[0]"),
            "{reserved}"
        );
    }
}

#[test]
fn only_dns_and_ip_sans() {
    let p = Profile::baseline();
    let form = CsrForm {
        sans: vec!["admin@example.com".into()],
        ..baseline_form("www.example.com")
    };
    assert!(has(&p, &form, "sans[0]", "san.type_not_allowed"));
}

#[test]
fn the_cn_must_be_a_name() {
    let p = Profile::baseline();
    assert!(has(
        &p,
        &baseline_form("Example Company"),
        "subject.common_name",
        "cn.not_a_name"
    ));
    assert!(p.check_form(&baseline_form("203.0.113.9")).is_err()); // reserved TEST-NET-3
    assert!(p.check_form(&baseline_form("1.1.1.1")).is_ok());
}

#[test]
fn at_least_one_name() {
    let p = Profile::baseline();
    let form = CsrForm {
        organization: Some("Example".into()),
        ..CsrForm::default()
    };
    assert!(has(&p, &form, "sans", "san.missing"));
}

#[test]
fn free_certificates_take_one_plain_domain() {
    let p = Profile::tencent_apply_certificate();
    let (request, report) = p.check_form(&free_form("example.com")).unwrap();
    assert_eq!(report.also_covers, ["www.example.com"]);
    assert_eq!(request.sans().len(), 1);
    assert!(
        p.check_form(&free_form("docs.dnspod.cn"))
            .unwrap()
            .1
            .also_covers
            .is_empty()
    );

    assert!(has(
        &p,
        &free_form("*.example.com"),
        "subject.common_name",
        "san.wildcard_not_allowed"
    ));
    assert!(has(
        &p,
        &free_form("1.1.1.1"),
        "subject.common_name",
        "san.type_not_allowed"
    ));
    assert!(has(
        &p,
        &free_form("school.edu"),
        "subject.common_name",
        "free.suffix_refused"
    ));
    let long = format!("{}.example.com", "a".repeat(60));
    assert!(has(
        &p,
        &free_form(&long),
        "subject.common_name",
        "free.domain_too_long"
    ));
    let two = CsrForm {
        sans: vec!["other.example.com".into()],
        ..free_form("example.com")
    };
    assert!(has(&p, &two, "sans", "san.too_many"));
    // The same name twice is one name.
    let same = CsrForm {
        sans: vec!["EXAMPLE.com".into()],
        ..free_form("example.com")
    };
    assert!(p.check_form(&same).is_ok());
    // Keys: RSA 2048 or ECC P-256 only.
    let ec384 = CsrForm {
        key: Some("ec-p384".into()),
        ..free_form("example.com")
    };
    assert!(has(&p, &ec384, "key", "key.not_offered"));
}

#[test]
fn screening_words_are_warnings_not_errors() {
    let p = Profile::tencent_apply_certificate();
    let (_, report) = p.check_form(&free_form("mybank-online.com")).unwrap();
    let w: Vec<_> = report.warnings().map(|v| v.code.as_str()).collect();
    assert_eq!(w, ["free.screening_word"]);
    let (_, report) = p.check_form(&free_form("shop.cn")).unwrap();
    assert!(report.violations.is_empty());
}

#[test]
fn record_names_follow_each_apis_rule() {
    let named = |name: &str| CsrForm {
        name: Some(name.into()),
        ..tencent_form()
    };
    let create = Profile::alibaba_create_csr();
    let upload = Profile::alibaba_upload_csr();
    assert!(create.check_form(&named("csr_v1.2-prod")).is_ok());
    let r = report(&upload, &named("csr_v1.2-prod"));
    let v = r.errors().next().unwrap();
    assert_eq!(
        (v.field.as_str(), v.code.as_str()),
        ("name", "name.invalid_characters")
    );
    assert_eq!(v.suggestion.as_deref(), Some("csr_v12-prod"));
    assert!(upload.check_form(&named("csr_v12-prod")).is_ok());
    assert!(has(
        &create,
        &named(&"a".repeat(51)),
        "name",
        "name.too_long"
    ));
    assert!(create.check_form(&named(&"a".repeat(50))).is_ok());
    assert!(has(
        &create,
        &named("证书"),
        "name",
        "name.invalid_characters"
    ));
}

#[test]
fn a_key_password_warns_on_tencent() {
    let with_password = CsrForm {
        has_key_password: true,
        ..tencent_form()
    };
    let (_, report) = Profile::tencent_create_csr()
        .check_form(&with_password)
        .unwrap();
    let v = report.warnings().next().unwrap();
    assert_eq!(
        (v.field.as_str(), v.code.as_str()),
        ("key_password", "key.password_not_deployable")
    );
    assert!(v.message.contains("CLB") && v.message.contains("CDN"));
    assert_eq!(v.severity, Severity::Warning);
    let (_, report) = Profile::tencent_create_csr()
        .check_form(&tencent_form())
        .unwrap();
    assert!(report.violations.is_empty());
    let (_, report) = Profile::alibaba_create_csr()
        .check_form(&with_password)
        .unwrap();
    assert!(report.violations.is_empty());
}

#[test]
fn typed_requests_are_checked_too() {
    let (request, _) = Profile::alibaba_console()
        .check_form(&CsrForm {
            key: Some("ec-p384".into()),
            ..tencent_form()
        })
        .unwrap();
    assert!(
        Profile::alibaba_console()
            .check_request(&request)
            .is_valid()
    );
    let r = Profile::tencent_create_csr().check_request(&request);
    assert_eq!(
        r.errors().map(|v| v.code.as_str()).collect::<Vec<_>>(),
        ["key.not_offered"]
    );
}

#[test]
fn uploaded_csrs_made_by_openssl() {
    let rsa = Csr::parse(&data("rsa2048.csr.pem")).unwrap();
    // Its SANs hold 192.0.2.1 (TEST-NET-1, reserved for documentation).
    let r = Profile::baseline().check_csr(rsa.info());
    let errors: Vec<_> = r
        .errors()
        .map(|v| (v.field.as_str(), v.code.as_str()))
        .collect();
    assert_eq!(errors, [("sans[2]", "ip.reserved")], "{r:?}");

    // A CN-only CSR: the vendors' CAs certify the CN as a SAN; the baseline wants it listed.
    let sm2 = Csr::parse(&data("sm2.csr.pem")).unwrap();
    assert!(
        Profile::alibaba_upload_csr()
            .check_csr(sm2.info())
            .is_valid()
    );
    assert!(Profile::tencent_reissue().check_csr(sm2.info()).is_valid());
    let r = Profile::baseline().check_csr(sm2.info());
    assert!(r.errors().any(|v| v.code == "key.not_offered"));

    let dir = tempfile::tempdir().unwrap();
    openssl_ok(
        dir.path(),
        &[
            "req",
            "-new",
            "-newkey",
            "rsa:1024",
            "-nodes",
            "-keyout",
            "k.pem",
            "-out",
            "weak.pem",
            "-subj",
            "/CN=www.example.com/OU=Web",
        ],
    );
    let weak = Csr::parse(&std::fs::read(dir.path().join("weak.pem")).unwrap()).unwrap();
    let r = Profile::baseline().check_csr(weak.info());
    let errors: Vec<_> = r
        .errors()
        .map(|v| (v.field.as_str(), v.code.as_str()))
        .collect();
    for expected in [
        ("subject.organizational_unit", "subject.not_allowed"),
        ("subject.common_name", "cn.not_in_sans"),
        ("key", "key.not_offered"),
    ] {
        assert!(errors.contains(&expected), "{expected:?} not in {errors:?}");
    }

    openssl_ok(
        dir.path(),
        &[
            "req",
            "-new",
            "-newkey",
            "rsa:2056",
            "-nodes",
            "-keyout",
            "k2.pem",
            "-out",
            "odd.pem",
            "-subj",
            "/CN=www.example.com",
            "-addext",
            "subjectAltName=DNS:www.example.com",
        ],
    );
    let odd = Csr::parse(&std::fs::read(dir.path().join("odd.pem")).unwrap()).unwrap();
    assert!(Profile::baseline().check_csr(odd.info()).is_valid());
    assert!(
        !Profile::alibaba_upload_csr()
            .check_csr(odd.info())
            .is_valid()
    );
}

/// The Tencent console's CSR form: "Email (E): Your email address, which is optional."; the
/// CreateCSR API requires it. Everything else is CreateCSR's.
#[test]
fn the_tencent_console_takes_a_form_without_email() {
    let console = Profile::preset("tencent:console").unwrap();
    let mut form = tencent_form();
    form.email = None;
    assert!(
        found(&console, &form).is_empty(),
        "{:?}",
        found(&console, &form)
    );
    assert!(has(
        &Profile::tencent_create_csr(),
        &form,
        "subject.email",
        "subject.required"
    ));
    // A wrong address is still wrong; the other fields are still required.
    form.email = Some("not-an-address".into());
    assert!(!found(&console, &form).is_empty());
    form.email = None;
    form.organization = None;
    assert!(has(
        &console,
        &form,
        "subject.organization",
        "subject.required"
    ));
    // Its keys are CreateCSR's: RSA 2048/4096 and ECDSA P-256.
    assert!(console.offers(KeySpec::Rsa4096) && !console.offers(KeySpec::Rsa3072));
}
