//! Every workflow end to end, deadlines, reuse, reissue, renewal, upgrade, the other paths, the
//! vendor status codes, and every illegal transition.

use certdesk::KeyKind;
use certdesk::order::{
    AlgorithmStandard, Brand, CURRENT_VALIDATION_WINDOW, CertificateRef, Challenge, Change,
    CheckOutcome, Command, CsrRef, DnsRecordType, DomainCheck, DomainType, FailureReason,
    LetterRef, Order, OrderError, OrderState, Product, Step, ValidationMethod, ValidationToken,
    ValidationType,
};
use certdesk::policy::{Contact, LetterFormat, OrderInfo, Organization, Person};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const T0: OffsetDateTime = datetime!(2026-11-22 09:00 UTC);

fn rsa() -> CsrRef {
    CsrRef {
        id: "csr-rsa".into(),
        key: KeyKind::Rsa { bits: 2048 },
    }
}

fn sm2() -> CsrRef {
    CsrRef {
        id: "csr-sm2".into(),
        key: KeyKind::Sm2,
    }
}

fn token(n: u8) -> ValidationToken {
    ValidationToken::from_bytes([n; 16])
}

fn info(org: &str) -> Option<Box<OrderInfo>> {
    Some(Box::new(OrderInfo {
        organization: Organization {
            name: org.into(),
            department: "IT".into(),
            city: "Shenzhen".into(),
            province: Some("Guangdong".into()),
            address: "1 Example Road".into(),
            phone: "+86 755 8601 3388".into(),
        },
        admin: Person {
            name: "Li Lei".into(),
            position: "CTO".into(),
            phone: "13800138000".into(),
            email: "lilei@example.com".into(),
        },
        contact: Contact::SameAsAdmin,
    }))
}

fn submit(csr: CsrRef, domains: &[&str], info: Option<Box<OrderInfo>>) -> Command {
    Command::SubmitInfo {
        csr,
        domains: domains.iter().map(|d| d.to_string()).collect(),
        info,
        method: None,
        token: None,
        prior_validations: vec![],
    }
}

fn apply_free(domain: &str, method: ValidationMethod) -> Command {
    Command::SubmitInfo {
        csr: rsa(),
        domains: vec![domain.into()],
        info: None,
        method: Some(method),
        token: Some(token(1)),
        prior_validations: vec![],
    }
}

/// Every challenge of the order, passed.
fn pass_all(order: &Order) -> Command {
    Command::RecordChecks {
        checks: order
            .challenges()
            .unwrap()
            .iter()
            .map(|c| DomainCheck {
                domain: c.domain().to_owned(),
                outcome: CheckOutcome::Passed,
            })
            .collect(),
    }
}

/// Passes every challenge of the order.
fn pass(order: &mut Order, now: OffsetDateTime) {
    let checks = pass_all(order);
    ok(order, checks, now);
}

fn certificate(at: OffsetDateTime, days: i64) -> CertificateRef {
    CertificateRef {
        serial: format!("{:x}", at.unix_timestamp()),
        not_before: at,
        not_after: at + Duration::days(days),
    }
}

fn letter(format: LetterFormat) -> Command {
    Command::UploadLetter {
        letter: LetterRef {
            id: "letter-1".into(),
            format,
        },
    }
}

fn ok(order: &mut Order, command: Command, now: OffsetDateTime) {
    let name = command.name().as_str();
    order
        .apply(command, now)
        .unwrap_or_else(|e| panic!("{name} refused in {}: {e}", order.state().name()));
}

fn tencent(order: &Order) -> (u8, Option<&'static str>) {
    let s = order.tencent_status();
    (s.code, s.msg.map(|m| m.as_str()))
}

fn intl() -> AlgorithmStandard {
    AlgorithmStandard::International
}

#[test]
fn free_dv_apply_validate_issue() {
    let mut o = Order::new("free-1", Product::free_trustasia_dv(), T0);
    assert_eq!(o.state(), &OrderState::InProgress { step: Step::Apply });
    assert_eq!(tencent(&o), (13, None));
    ok(&mut o, apply_free("example.com", ValidationMethod::Dns), T0);
    assert_eq!(o.state().step(), Some(Step::ValidateDomain));
    assert_eq!(tencent(&o), (0, Some("PENDING-DCV")));
    assert_eq!(o.validation_deadline(), Some(T0 + Duration::days(7)));

    // A wrong value is recorded, with Tencent's LocalCheck meaning, and changes nothing else.
    let wrong = Command::RecordChecks {
        checks: vec![DomainCheck {
            domain: "example.com".into(),
            outcome: CheckOutcome::CnameMismatch,
        }],
    };
    ok(&mut o, wrong, T0 + Duration::hours(1));
    assert_eq!(o.state().step(), Some(Step::ValidateDomain));
    assert_eq!(o.last_checks()[0].outcome.tencent_local_check(), -7);

    pass(&mut o, T0 + Duration::hours(2));
    assert_eq!(o.state(), &OrderState::PendingIssuance);
    assert_eq!(tencent(&o), (0, Some("WAIT-ISSUE")));
    ok(
        &mut o,
        Command::Issue {
            certificate: certificate(T0, 90),
        },
        T0 + Duration::hours(3),
    );
    assert_eq!(o.state(), &OrderState::Issued);
    assert_eq!(tencent(&o), (1, None));
    assert_eq!(o.version(), 4);
    assert_eq!(
        o.alibaba_status(T0).order_status.map(|s| s.as_str()),
        Some("ISSUED")
    );
    assert_eq!(
        o.alibaba_status(T0 + Duration::days(70))
            .order_status
            .map(|s| s.as_str()),
        Some("WILLEXPIRED")
    );
}

#[test]
fn paid_dv_with_file_validation_covers_www() {
    let p = Product::paid(
        Brand::GeoTrust,
        ValidationType::Dv,
        DomainType::Single,
        intl(),
    );
    let mut o = Order::new("dv-1", p, T0);
    assert_eq!(tencent(&o), (5, None));
    ok(&mut o, submit(rsa(), &["example.com"], None), T0);
    assert_eq!(o.state().step(), Some(Step::SelectValidationMethod));
    assert_eq!(o.alibaba_status(T0).state_type, "domain_verify");
    ok(
        &mut o,
        Command::ChooseValidation {
            method: ValidationMethod::File,
            token: token(2),
        },
        T0,
    );
    let domains: Vec<String> = o
        .challenges()
        .unwrap()
        .iter()
        .map(|c| c.domain().to_owned())
        .collect();
    assert_eq!(domains, ["example.com", "www.example.com"]);
    // Only one of the two passing is not enough.
    let half = Command::RecordChecks {
        checks: vec![
            DomainCheck {
                domain: "example.com".into(),
                outcome: CheckOutcome::Passed,
            },
            DomainCheck {
                domain: "www.example.com".into(),
                outcome: CheckOutcome::FileNotFound,
            },
        ],
    };
    ok(&mut o, half, T0);
    assert_eq!(o.state().step(), Some(Step::ValidateDomain));
    pass(&mut o, T0);
    ok(
        &mut o,
        Command::Issue {
            certificate: certificate(T0, 365),
        },
        T0,
    );
    assert_eq!(o.state(), &OrderState::Issued);
}

#[test]
fn ov_with_a_confirmation_letter_reuploaded_during_review() {
    let p = Product::paid(
        Brand::GeoTrust,
        ValidationType::Ov,
        DomainType::Single,
        intl(),
    );
    assert_eq!(p.review_business_days(), Some((3, 5)));
    let mut o = Order::new("ov-1", p, T0);
    let e = o
        .apply(submit(rsa(), &["example.com"], None), T0)
        .unwrap_err();
    assert_eq!(e, OrderError::MissingInformation);
    ok(
        &mut o,
        submit(rsa(), &["example.com"], info("Example Co")),
        T0,
    );
    assert_eq!(tencent(&o), (8, None));
    let e = o.apply(letter(LetterFormat::Gif), T0).unwrap_err();
    assert_eq!(e.code(), "order.letter_format");
    ok(&mut o, letter(LetterFormat::Png), T0);
    assert_eq!(tencent(&o), (0, Some("CA-REVIEWING")));
    ok(&mut o, letter(LetterFormat::Pdf), T0 + Duration::days(1));
    assert_eq!(o.letter().unwrap().format, LetterFormat::Pdf);
    assert_eq!(o.state().step(), Some(Step::CaReview));
    ok(&mut o, Command::ReviewPassed, T0 + Duration::days(4));
    ok(
        &mut o,
        Command::Issue {
            certificate: certificate(T0, 365),
        },
        T0 + Duration::days(4),
    );
    assert_eq!(o.state(), &OrderState::Issued);

    // The whole order survives a JSON round trip, and its history replays to it.
    let json = serde_json::to_string(&o).unwrap();
    let back: Order = serde_json::from_str(&json).unwrap();
    assert_eq!(back, o);
    assert_eq!(Order::replay(o.header(), o.history()), o);
}

#[test]
fn incomplete_information_is_refused_with_every_problem() {
    let p = Product::paid(
        Brand::GlobalSign,
        ValidationType::Ev,
        DomainType::Single,
        intl(),
    );
    let mut o = Order::new("ev-1", p, T0);
    let mut bad = info("Example Co").unwrap();
    bad.admin.email = "nope".into();
    bad.organization.phone = String::new();
    let e = o
        .apply(submit(rsa(), &["example.com"], Some(bad)), T0)
        .unwrap_err();
    let OrderError::InvalidInformation(violations) = e else {
        panic!("{e:?}")
    };
    let fields: Vec<_> = violations.iter().map(|v| v.field.as_str()).collect();
    assert_eq!(fields, ["organization.phone", "admin.email"]);
    assert_eq!(o.version(), 0);
}

#[test]
fn wotrus_pre_review_then_validation_then_review() {
    let p = Product::paid(
        Brand::WoTrus,
        ValidationType::Ov,
        DomainType::Single,
        intl(),
    );
    let mut o = Order::new("wt-1", p.clone(), T0);
    ok(
        &mut o,
        submit(rsa(), &["shop.example.com"], info("Example Co")),
        T0,
    );
    ok(
        &mut o,
        Command::ChooseValidation {
            method: ValidationMethod::Dns,
            token: token(3),
        },
        T0,
    );
    assert_eq!(tencent(&o), (0, Some("PRE-REVIEWING")));
    // WoTrus validates by CNAME.
    let c = o.challenges().unwrap();
    assert!(matches!(
        &c[0],
        certdesk::order::Challenge::Dns {
            record_type: certdesk::order::DnsRecordType::Cname,
            ..
        }
    ));
    ok(&mut o, Command::PreReviewPassed, T0 + Duration::hours(2));
    assert_eq!(o.state().step(), Some(Step::ValidateDomain));
    pass(&mut o, T0 + Duration::hours(3));
    assert_eq!(o.state().step(), Some(Step::CaReview));
    ok(&mut o, Command::ReviewPassed, T0 + Duration::days(3));
    ok(
        &mut o,
        Command::Issue {
            certificate: certificate(T0, 365),
        },
        T0 + Duration::days(3),
    );

    let mut refused = Order::new("wt-2", p, T0);
    ok(
        &mut refused,
        submit(rsa(), &["shop.example.com"], info("Example Co")),
        T0,
    );
    ok(
        &mut refused,
        Command::ChooseValidation {
            method: ValidationMethod::Dns,
            token: token(3),
        },
        T0,
    );
    ok(
        &mut refused,
        Command::PreReviewFailed {
            reason: "organization not found".into(),
        },
        T0,
    );
    assert_eq!(
        refused.state(),
        &OrderState::Failed {
            reason: FailureReason::PreReviewFailed {
                detail: "organization not found".into()
            }
        }
    );
    assert_eq!(tencent(&refused), (2, None));
}

fn gm_ov() -> Product {
    Product::paid(
        Brand::DnsPod,
        ValidationType::Ov,
        DomainType::Single,
        AlgorithmStandard::Gm,
    )
}

fn run_gm(
    o: &mut Order,
    org: &str,
    prior: Vec<certdesk::order::PriorValidation>,
    now: OffsetDateTime,
) {
    ok(
        o,
        Command::SubmitInfo {
            csr: sm2(),
            domains: vec!["gm.example.com".into()],
            info: info(org),
            method: None,
            token: None,
            prior_validations: prior,
        },
        now,
    );
    ok(
        o,
        Command::ChooseValidation {
            method: ValidationMethod::Dns,
            token: token(4),
        },
        now,
    );
    let e = o.apply(letter(LetterFormat::Png), now).unwrap_err();
    assert_eq!(
        e.code(),
        "order.letter_format",
        "DNSPod GM takes JPG, GIF or PDF"
    );
    ok(o, letter(LetterFormat::Gif), now);
}

#[test]
fn dnspod_gm_letter_once_validation_kept_13_months() {
    let mut o = Order::new("gm-1", gm_ov(), T0);
    let e = o
        .apply(submit(rsa(), &["gm.example.com"], info("Example Co")), T0)
        .unwrap_err();
    assert_eq!(e.code(), "order.key_does_not_fit");
    run_gm(&mut o, "Example Co", vec![], T0);
    assert_eq!(o.state().step(), Some(Step::ValidateDomain));
    pass(&mut o, T0);
    assert_eq!(o.state().step(), Some(Step::CaReview));
    // The letter is uploaded only once for DNSPod GM.
    let e = o.apply(letter(LetterFormat::Pdf), T0).unwrap_err();
    assert_eq!(e.code(), "order.illegal_transition");
    ok(&mut o, Command::ReviewPassed, T0 + Duration::days(4));
    ok(
        &mut o,
        Command::Issue {
            certificate: certificate(T0, 365),
        },
        T0 + Duration::days(4),
    );

    // Ten months later, same organization: validation is skipped.
    let later = T0 + Duration::days(300);
    let mut again = Order::new("gm-2", gm_ov(), later);
    run_gm(&mut again, "Example Co", o.validations(), later);
    assert_eq!(again.state().step(), Some(Step::CaReview));
    assert!(
        again
            .history()
            .iter()
            .any(|e| e.change == Change::DomainsValidated { reused: true })
    );
    // Another organization validates again; so does the same one after 13 months.
    let mut other = Order::new("gm-3", gm_ov(), later);
    run_gm(&mut other, "Other Co", o.validations(), later);
    assert_eq!(other.state().step(), Some(Step::ValidateDomain));
    let much_later = T0 + Duration::days(400);
    let mut stale = Order::new("gm-4", gm_ov(), much_later);
    run_gm(&mut stale, "Example Co", o.validations(), much_later);
    assert_eq!(stale.state().step(), Some(Step::ValidateDomain));
}

#[test]
fn the_validation_window_closes_after_7_days_or_the_products_setting() {
    let mut o = Order::new("w-1", Product::free_trustasia_dv(), T0);
    ok(&mut o, apply_free("example.com", ValidationMethod::Dns), T0);
    assert!(
        o.apply(Command::Tick, T0 + Duration::days(7) - Duration::seconds(1))
            .unwrap()
            .is_empty()
    );
    assert_eq!(o.version(), 1, "a tick with nothing due changes nothing");
    ok(&mut o, Command::Tick, T0 + Duration::days(7));
    assert_eq!(
        o.state(),
        &OrderState::Failed {
            reason: FailureReason::ValidationWindowExpired { days: 7 }
        }
    );
    assert_eq!(tencent(&o), (2, None));

    let mut p = Product::free_trustasia_dv();
    p.validation_window = CURRENT_VALIDATION_WINDOW;
    let mut o = Order::new("w-2", p, T0);
    ok(&mut o, apply_free("example.com", ValidationMethod::Dns), T0);
    // A check that arrives after the window fails the order instead.
    pass(&mut o, T0 + Duration::days(3));
    assert!(matches!(
        o.state(),
        OrderState::Failed {
            reason: FailureReason::ValidationWindowExpired { days: 3 }
        }
    ));
}

fn issued_dv(now: OffsetDateTime) -> Order {
    let p = Product::paid(
        Brand::DnsPod,
        ValidationType::Dv,
        DomainType::Single,
        intl(),
    );
    let mut o = Order::new("dv-r", p, now);
    ok(&mut o, submit(rsa(), &["example.com"], None), now);
    ok(
        &mut o,
        Command::ChooseValidation {
            method: ValidationMethod::Dns,
            token: token(5),
        },
        now,
    );
    pass(&mut o, now);
    ok(
        &mut o,
        Command::Issue {
            certificate: certificate(now, 365),
        },
        now,
    );
    o
}

#[test]
fn reissue_within_3_days_skips_validation() {
    let mut o = issued_dv(T0);
    let new_csr = CsrRef {
        id: "csr-2".into(),
        key: KeyKind::Ec {
            curve: certdesk::EcCurve::P256,
        },
    };
    ok(
        &mut o,
        Command::Reissue {
            csr: new_csr.clone(),
            token: token(6),
        },
        T0 + Duration::days(2),
    );
    assert_eq!(o.state(), &OrderState::PendingIssuance);
    assert_eq!(tencent(&o), (11, None));
    ok(
        &mut o,
        Command::Issue {
            certificate: certificate(T0 + Duration::days(2), 363),
        },
        T0 + Duration::days(2),
    );
    assert!(!o.is_reissuing());
    assert_eq!(o.csr(), Some(&new_csr));

    // Ten days after issuance, a reissue validates again, with new challenges.
    let mut o = issued_dv(T0);
    let before = o.challenges().unwrap();
    ok(
        &mut o,
        Command::Reissue {
            csr: new_csr,
            token: token(7),
        },
        T0 + Duration::days(10),
    );
    assert_eq!(o.state().step(), Some(Step::ValidateDomain));
    assert_eq!(tencent(&o), (11, None));
    assert_ne!(o.challenges().unwrap(), before);
    pass(&mut o, T0 + Duration::days(10));
    assert_eq!(o.state(), &OrderState::PendingIssuance);
}

#[test]
fn cancel_refund_expire_revoke() {
    let p = Product::paid(
        Brand::GeoTrust,
        ValidationType::Dv,
        DomainType::Single,
        intl(),
    );
    let mut o = Order::new("c-1", p, T0);
    ok(&mut o, submit(rsa(), &["example.com"], None), T0);
    ok(&mut o, Command::Cancel, T0);
    assert_eq!(tencent(&o), (7, None));
    ok(&mut o, Command::Refund, T0);
    assert_eq!(tencent(&o), (14, None));

    let mut free = Order::new("c-2", Product::free_trustasia_dv(), T0);
    ok(
        &mut free,
        apply_free("example.com", ValidationMethod::Dns),
        T0,
    );
    ok(&mut free, Command::Cancel, T0);
    assert_eq!(
        free.apply(Command::Refund, T0).unwrap_err(),
        OrderError::NotRefundable
    );

    let mut o = issued_dv(T0);
    assert_eq!(
        o.apply(Command::Cancel, T0).unwrap_err().code(),
        "order.illegal_transition"
    );
    ok(&mut o, Command::Tick, T0 + Duration::days(365));
    assert_eq!(o.state(), &OrderState::Expired);
    assert_eq!(tencent(&o), (3, None));

    let mut o = issued_dv(T0);
    ok(&mut o, Command::RequestRevocation, T0);
    assert_eq!(tencent(&o), (9, None));
    ok(&mut o, Command::ConfirmRevocation, T0);
    assert_eq!(tencent(&o), (10, None));

    // A CA that asks for validation before it revokes: the order stays revoking with what
    // it asked for; asked the same again, nothing changes; revoked, nothing is asked.
    let mut o = issued_dv(T0);
    assert!(o.revocation_challenges().is_empty());
    ok(&mut o, Command::RequestRevocation, T0);
    let ask = Command::AskRevocationValidation {
        challenges: vec![revocation_challenge()],
    };
    ok(&mut o, ask.clone(), T0);
    assert_eq!(o.revocation_challenges(), [revocation_challenge()]);
    assert_eq!(tencent(&o), (9, None));
    let version = o.version();
    assert!(o.apply(ask, T0).unwrap().is_empty());
    assert_eq!(o.version(), version);
    let replayed = Order::replay(o.header(), o.history());
    assert_eq!(replayed, o);
    ok(&mut o, Command::ConfirmRevocation, T0);
    assert!(o.revocation_challenges().is_empty());
    assert_eq!(tencent(&o), (10, None));
    assert_eq!(
        o.alibaba_status(T0).order_status.map(|s| s.as_str()),
        Some("REVOKED")
    );
}

#[test]
fn renewal_reuses_the_csr_and_the_recent_validation() {
    let o = issued_dv(T0);
    let e = o
        .renew("dv-r2", token(8), T0 + Duration::days(300))
        .unwrap_err();
    assert_eq!(e.code(), "order.not_renewable");
    let renewal = o
        .renew("dv-r2", token(8), T0 + Duration::days(340))
        .unwrap();
    assert_eq!(renewal.renewal_of(), Some("dv-r"));
    assert_eq!(renewal.csr(), o.csr());
    assert_eq!(renewal.domains(), o.domains());
    // Validated 340 days ago; since 2026-03-15 the BR reuse period is 200 days, so the renewal
    // validates again, by the same method.
    assert_eq!(renewal.state().step(), Some(Step::ValidateDomain));
    assert_eq!(renewal.method(), Some(ValidationMethod::Dns));

    // A free certificate of the vendor's current product renews through its application form
    // (`ApplyCertificate` with `OldCertificateId`); validated 70 days earlier, it reuses that
    // validation.
    let mut free = Order::new("f-1", Product::free_trustasia_dv_current(), T0);
    ok(
        &mut free,
        apply_free("example.com", ValidationMethod::Dns),
        T0,
    );
    pass(&mut free, T0);
    ok(
        &mut free,
        Command::Issue {
            certificate: certificate(T0, 90),
        },
        T0,
    );
    let r = free
        .renew("f-2", token(9), T0 + Duration::days(70))
        .unwrap();
    assert_eq!(
        r.state(),
        &OrderState::PendingIssuance,
        "validated 70 days ago: reused"
    );
    assert!(
        r.history()
            .iter()
            .any(|e| e.change == Change::DomainsValidated { reused: true })
    );
}

/// The guide: "Free SSL certificates do not support renewal and are recommended for testing
/// purposes only." By default a free order is not renewed, even within the 30 days; the
/// refusal says to apply again. The vendor's newer renewal is the product's setting.
#[test]
fn free_certificates_are_not_renewed_unless_the_product_says_so() {
    let mut free = Order::new("f-1", Product::free_trustasia_dv(), T0);
    ok(
        &mut free,
        apply_free("example.com", ValidationMethod::Dns),
        T0,
    );
    pass(&mut free, T0);
    ok(
        &mut free,
        Command::Issue {
            certificate: certificate(T0, 90),
        },
        T0,
    );
    let e = free
        .renew("f-2", token(9), T0 + Duration::days(70))
        .unwrap_err();
    assert_eq!(e, OrderError::FreeNotRenewable);
    assert_eq!(e.code(), "order.free_not_renewable");
    assert!(
        e.to_string().contains("apply for a new free certificate"),
        "{e}"
    );
    let mut renewable = Product::free_trustasia_dv();
    renewable.free_renewal = true;
    let mut free = Order::new("f-3", renewable, T0);
    ok(
        &mut free,
        apply_free("example.com", ValidationMethod::Dns),
        T0,
    );
    pass(&mut free, T0);
    ok(
        &mut free,
        Command::Issue {
            certificate: certificate(T0, 90),
        },
        T0,
    );
    free.renew("f-4", token(9), T0 + Duration::days(70))
        .unwrap();
}

/// The guide's free form: "Validity period 1 year"; the vendor's current product: 3 months.
/// The document's is the default.
#[test]
fn the_free_certificate_lasts_a_year_as_the_form_says_or_three_months_as_set() {
    assert_eq!(Product::free_trustasia_dv().validity_months, 12);
    assert_eq!(
        Product::free_trustasia_dv().validity_months,
        certdesk::order::FREE_VALIDITY_MONTHS_GUIDE
    );
    let current = Product::free_trustasia_dv_current();
    assert_eq!(current.validity_months, 3);
    assert_eq!(current.validation_window, CURRENT_VALIDATION_WINDOW);
    assert!(current.free_renewal && current.free);
}

/// The guide offers "Automatic DNS Verification/Automatic File Verification" for TrustAsia
/// 2- and 3-year wildcards; BR 3.2.2.4.18 forbids file validation for wildcards. The BR is
/// the default; the product may allow it.
#[test]
fn file_validation_of_a_wildcard_is_refused_unless_the_product_allows_it() {
    let mut p = Product::paid(
        Brand::TrustAsia,
        ValidationType::Dv,
        DomainType::Wildcard,
        intl(),
    );
    p.validity_months = 24;
    let mut o = Order::new("wc-1", p.clone(), T0);
    ok(&mut o, submit(rsa(), &["*.example.com"], None), T0);
    let e = o
        .apply(
            Command::ChooseValidation {
                method: ValidationMethod::FileProxy,
                token: token(3),
            },
            T0,
        )
        .unwrap_err();
    assert_eq!(e.code(), "order.file_validation_for_wildcard");
    p.wildcard_file_validation = true;
    let mut o = Order::new("wc-2", p, T0);
    ok(&mut o, submit(rsa(), &["*.example.com"], None), T0);
    ok(
        &mut o,
        Command::ChooseValidation {
            method: ValidationMethod::FileProxy,
            token: token(3),
        },
        T0,
    );
    // The wildcard's base name, a primary domain, with its `www.` as file validation has it.
    let files: Vec<String> = o
        .challenges()
        .unwrap()
        .iter()
        .map(|c| c.domain().to_owned())
        .collect();
    assert_eq!(files, ["example.com", "www.example.com"]);
}

#[test]
fn upgrading_a_free_certificate_keeps_its_domain() {
    let mut free = Order::new("f-1", Product::free_trustasia_dv(), T0);
    ok(
        &mut free,
        apply_free("example.com", ValidationMethod::Dns),
        T0,
    );
    let paid = Product::paid(
        Brand::DnsPod,
        ValidationType::Dv,
        DomainType::Single,
        intl(),
    );
    assert_eq!(
        free.upgrade(paid.clone(), "p-1", T0).unwrap_err(),
        OrderError::NotUpgradable
    );
    pass(&mut free, T0);
    ok(
        &mut free,
        Command::Issue {
            certificate: certificate(T0, 90),
        },
        T0,
    );
    let mut up = free.upgrade(paid, "p-1", T0).unwrap();
    assert_eq!(up.upgrade_of(), Some("f-1"));
    let e = up
        .apply(submit(rsa(), &["other.com"], None), T0)
        .unwrap_err();
    assert_eq!(e.code(), "order.upgrade_changes_domains");
    ok(&mut up, submit(rsa(), &["example.com"], None), T0);
    assert_eq!(Order::replay(up.header(), up.history()), up);
}

#[test]
fn domains_must_fit_the_product() {
    let single = Product::paid(
        Brand::GeoTrust,
        ValidationType::Dv,
        DomainType::Single,
        intl(),
    );
    let wildcard = Product::paid(
        Brand::GeoTrust,
        ValidationType::Dv,
        DomainType::Wildcard,
        intl(),
    );
    let mut o = Order::new("d-1", single, T0);
    for bad in [
        &["a.example.com", "b.example.com"][..],
        &["*.example.com"],
        &[],
    ] {
        let e = o.apply(submit(rsa(), bad, None), T0).unwrap_err();
        assert_eq!(e.code(), "order.domains_do_not_fit", "{bad:?}");
    }
    assert_eq!(
        o.apply(submit(rsa(), &["bad_name.example.com"], None), T0)
            .unwrap_err()
            .code(),
        "order.invalid_domain"
    );
    let mut w = Order::new("d-2", wildcard, T0);
    assert!(w.apply(submit(rsa(), &["example.com"], None), T0).is_err());
    ok(&mut w, submit(rsa(), &["*.example.com"], None), T0);
    let e = w
        .apply(
            Command::ChooseValidation {
                method: ValidationMethod::File,
                token: token(1),
            },
            T0,
        )
        .unwrap_err();
    assert_eq!(e.code(), "order.file_validation_for_wildcard");
    let e = w.apply(
        Command::ChooseValidation {
            method: ValidationMethod::DnsAuto,
            token: token(1),
        },
        T0,
    );
    assert!(e.is_ok());
    assert_eq!(tencent(&w), (4, None));
    let e = w
        .apply(
            Command::RecordChecks {
                checks: vec![DomainCheck {
                    domain: "elsewhere.com".into(),
                    outcome: CheckOutcome::Passed,
                }],
            },
            T0,
        )
        .unwrap_err();
    assert_eq!(e.code(), "order.unknown_domain");
}

/// Every command, with plausible data.
fn all_commands() -> Vec<Command> {
    vec![
        submit(rsa(), &["example.com"], info("Example Co")),
        Command::ChooseValidation {
            method: ValidationMethod::Dns,
            token: token(1),
        },
        letter(LetterFormat::Pdf),
        Command::PreReviewPassed,
        Command::PreReviewFailed { reason: "x".into() },
        Command::RecordChecks { checks: vec![] },
        Command::ReviewPassed,
        Command::ReviewFailed { reason: "x".into() },
        Command::Issue {
            certificate: certificate(T0, 365),
        },
        Command::Cancel,
        Command::RequestRevocation,
        Command::AskRevocationValidation {
            challenges: vec![revocation_challenge()],
        },
        Command::ConfirmRevocation,
        Command::Refund,
        Command::Reissue {
            csr: rsa(),
            token: token(2),
        },
    ]
}

/// Which commands each state takes (for a GeoTrust OV order, whose letter may be re-uploaded).
fn allowed(state: &OrderState) -> &'static [&'static str] {
    match state {
        OrderState::InProgress {
            step: Step::SubmitInfo,
        } => &["submit_info", "cancel"],
        OrderState::InProgress {
            step: Step::UploadLetter,
        } => &["upload_letter", "cancel"],
        OrderState::InProgress {
            step: Step::CaReview,
        } => &["upload_letter", "review_passed", "review_failed", "cancel"],
        OrderState::PendingIssuance => &["issue", "cancel"],
        OrderState::Issued => &["request_revocation", "reissue"],
        OrderState::Revoking => &["confirm_revocation", "ask_revocation_validation"],
        OrderState::Cancelled | OrderState::Failed { .. } => &["refund"],
        _ => &[],
    }
}

#[test]
fn every_illegal_transition_is_refused_naming_state_and_command_and_changes_nothing() {
    let p = Product::paid(
        Brand::GeoTrust,
        ValidationType::Ov,
        DomainType::Single,
        intl(),
    );
    // Walk the OV order through its states, and at each try every command.
    let path = [
        submit(rsa(), &["example.com"], info("Example Co")),
        letter(LetterFormat::Png),
        Command::ReviewPassed,
        Command::Issue {
            certificate: certificate(T0, 365),
        },
        Command::RequestRevocation,
        Command::ConfirmRevocation,
    ];
    let mut order = Order::new("ill-1", p.clone(), T0);
    let mut tried = 0;
    for step in path.iter().cloned().map(Some).chain([None]) {
        for command in all_commands() {
            let name = command.name().as_str();
            let before = order.clone();
            let result = order.clone().apply(command, T0);
            if allowed(order.state()).contains(&name) {
                continue;
            }
            match result {
                Err(OrderError::IllegalTransition { state, command }) => {
                    assert_eq!(state, order.state().name());
                    assert_eq!(command, name);
                }
                other => panic!("{name} in {}: {other:?}", order.state().name()),
            }
            // The refusal left the order as it was.
            let mut probe = order.clone();
            let _ = probe.apply(
                all_commands()
                    .into_iter()
                    .find(|c| c.name() == name)
                    .unwrap(),
                T0,
            );
            assert_eq!(probe, before);
            tried += 1;
        }
        if let Some(step) = step {
            ok(&mut order, step, T0);
        }
    }
    assert!(tried > 60, "{tried}");

    // Failed and cancelled orders take nothing but a refund.
    for end in [
        Command::Cancel,
        Command::ReviewFailed {
            reason: "no".into(),
        },
    ] {
        let mut o = Order::new("ill-2", p.clone(), T0);
        ok(
            &mut o,
            submit(rsa(), &["example.com"], info("Example Co")),
            T0,
        );
        ok(&mut o, letter(LetterFormat::Png), T0);
        ok(&mut o, end, T0);
        for command in all_commands() {
            let name = command.name().as_str();
            let r = o.clone().apply(command, T0);
            assert_eq!(
                r.is_ok(),
                name == "refund",
                "{name} in {}",
                o.state().name()
            );
        }
    }
}

#[test]
fn vendor_status_codes_map_back_where_they_are_one_to_one() {
    for (code, msg, state) in [
        (1, None, OrderState::Issued),
        (3, None, OrderState::Expired),
        (7, None, OrderState::Cancelled),
        (10, None, OrderState::Revoked),
        (
            8,
            None,
            OrderState::InProgress {
                step: Step::UploadLetter,
            },
        ),
        (
            0,
            Some("CA-REVIEWING"),
            OrderState::InProgress {
                step: Step::CaReview,
            },
        ),
        (0, Some("WAIT-ISSUE"), OrderState::PendingIssuance),
    ] {
        assert_eq!(OrderState::from_tencent(code, msg), Some(state));
    }
    assert_eq!(OrderState::from_tencent(0, Some("PENDING-DCV")), None);
    assert_eq!(OrderState::from_tencent(2, None), None);
    assert_eq!(
        OrderState::from_alibaba("REVOKED"),
        Some(OrderState::Revoked)
    );
    assert_eq!(OrderState::from_alibaba("CHECKING"), None);
    assert_eq!(
        certdesk::order::TencentStatus::describe(8),
        Some("information submitted, confirmation letter pending")
    );
}

#[test]
fn repeated_and_endless_check_results_keep_the_history_bounded() {
    use certdesk::order::MAX_CHECK_EVENTS;
    let mut o = Order::new("h", Product::free_trustasia_dv(), T0);
    ok(&mut o, apply_free("example.com", ValidationMethod::Dns), T0);
    let failing = |outcome| Command::RecordChecks {
        checks: vec![DomainCheck {
            domain: "example.com".into(),
            outcome,
        }],
    };
    let before = o.history().len();
    // A client polling with the same result: one event.
    for i in 0..1000 {
        o.apply(
            failing(CheckOutcome::CnameNotFound),
            T0 + Duration::minutes(i),
        )
        .unwrap();
    }
    assert_eq!(o.history().len(), before + 1);
    // Results that keep changing: at most MAX_CHECK_EVENTS of them are kept.
    for i in 0..500 {
        let outcome = if i % 2 == 0 {
            CheckOutcome::CnameMismatch
        } else {
            CheckOutcome::CnameNotFound
        };
        o.apply(
            failing(outcome),
            T0 + Duration::hours(20) + Duration::minutes(i),
        )
        .unwrap();
    }
    let kept = o
        .history()
        .iter()
        .filter(|e| matches!(e.change, Change::DomainsChecked { .. }))
        .count();
    assert_eq!(kept, MAX_CHECK_EVENTS);
    assert_eq!(o.last_checks()[0].outcome, CheckOutcome::CnameNotFound);
    // The pruned history still rebuilds the same order.
    assert_eq!(Order::replay(o.header(), o.history()), o);
    // And the order still validates.
    pass(&mut o, T0 + Duration::days(2));
    assert_eq!(o.state(), &OrderState::PendingIssuance);
}

/// The guide: "the system will provide available domain verification methods based on the
/// type of certificate you purchased, its validity period, and whether the domain is on DNSPod
/// for DNS resolution": "a one-year Domain Validation (DV) certificate: DNS Verification/File
/// Verification"; "a TrustAsia Domain Validation (DV) certificate (2-year or 3-year wildcard
/// domain): Automatic DNS Verification/Automatic File Verification". A method outside the
/// offer is refused when it is chosen.
#[test]
fn each_product_offers_the_methods_the_guide_lists() {
    use ValidationMethod::*;
    let one_year = Product::paid(
        Brand::GeoTrust,
        ValidationType::Dv,
        DomainType::Single,
        intl(),
    );
    assert_eq!(one_year.offered_methods(false), [Dns, File]);
    assert_eq!(one_year.offered_methods(true), [Dns, DnsAuto, File]);
    let mut multi_year = Product::paid(
        Brand::TrustAsia,
        ValidationType::Dv,
        DomainType::Wildcard,
        intl(),
    );
    multi_year.validity_months = 36;
    assert_eq!(multi_year.offered_methods(true), [DnsProxy]);
    multi_year.wildcard_file_validation = true;
    assert_eq!(multi_year.offered_methods(true), [DnsProxy, FileProxy]);
    let wildcard = Product::paid(
        Brand::GeoTrust,
        ValidationType::Dv,
        DomainType::Wildcard,
        intl(),
    );
    assert_eq!(wildcard.offered_methods(false), [Dns]);

    let mut o = Order::new("m-1", one_year, T0);
    ok(&mut o, submit(rsa(), &["shop.example.com"], None), T0);
    let e = o
        .apply(
            Command::ChooseValidation {
                method: DnsProxy,
                token: token(2),
            },
            T0,
        )
        .unwrap_err();
    assert_eq!(e.code(), "order.method_not_offered");
    assert!(e.to_string().contains("choose DNS, DNS_AUTO, FILE"), "{e}");
    let mut o = Order::new("m-2", multi_year_plain(), T0);
    ok(&mut o, submit(rsa(), &["*.example.com"], None), T0);
    let e = o
        .apply(
            Command::ChooseValidation {
                method: Dns,
                token: token(2),
            },
            T0,
        )
        .unwrap_err();
    assert_eq!(e.code(), "order.method_not_offered");
    ok(
        &mut o,
        Command::ChooseValidation {
            method: DnsProxy,
            token: token(2),
        },
        T0,
    );
}

fn multi_year_plain() -> Product {
    let mut p = Product::paid(
        Brand::TrustAsia,
        ValidationType::Dv,
        DomainType::Wildcard,
        intl(),
    );
    p.validity_months = 24;
    p
}

/// The guide: "Enter a single domain or IP ... Example: tencent.com, ssl.tencent.com,
/// example.ssl.tencent.com, or 1.1.1.1"; "Some certificate brands support binding IP
/// addresses". An OV or GM product binds a public address, validated by file only (BR
/// 3.2.2.5) at `http://<ip>/.well-known/pki-validation/`; DV products and reserved addresses
/// are refused.
#[test]
fn public_ip_addresses_are_bound_by_the_products_that_take_them_and_validated_by_file() {
    let gm_dv = Product::paid(
        Brand::DnsPod,
        ValidationType::Dv,
        DomainType::Single,
        AlgorithmStandard::Gm,
    );
    assert!(gm_dv.ip_addresses);
    let ov = Product::paid(
        Brand::GeoTrust,
        ValidationType::Ov,
        DomainType::Multiple,
        intl(),
    );
    assert!(ov.ip_addresses);
    let dv = Product::paid(
        Brand::GeoTrust,
        ValidationType::Dv,
        DomainType::Single,
        intl(),
    );
    assert!(!dv.ip_addresses && !Product::free_trustasia_dv().ip_addresses);
    let mut o = Order::new("ip-0", dv, T0);
    let e = o.apply(submit(rsa(), &["1.1.1.1"], None), T0).unwrap_err();
    assert_eq!(e.code(), "order.domains_do_not_fit");

    let mut o = Order::new("ip-1", gm_dv.clone(), T0);
    let e = o.apply(submit(sm2(), &["10.0.0.1"], None), T0).unwrap_err();
    assert_eq!(e.code(), "order.invalid_domain");
    assert!(e.to_string().contains("10.0.0.0/8"), "{e}");
    ok(&mut o, submit(sm2(), &["1.1.1.1"], None), T0);
    let e = o
        .apply(
            Command::ChooseValidation {
                method: ValidationMethod::Dns,
                token: token(4),
            },
            T0,
        )
        .unwrap_err();
    assert_eq!(e.code(), "order.dns_validation_for_ip");
    ok(
        &mut o,
        Command::ChooseValidation {
            method: ValidationMethod::File,
            token: token(4),
        },
        T0,
    );
    let c = o.challenges().unwrap();
    assert_eq!(c.len(), 1);
    let certdesk::order::Challenge::File { urls, domain, .. } = &c[0] else {
        panic!("not a file challenge")
    };
    assert_eq!(domain, "1.1.1.1");
    assert!(
        urls[0].starts_with("http://1.1.1.1/.well-known/pki-validation/"),
        "{urls:?}"
    );
    assert_eq!(o.certified_names(), ["1.1.1.1"]);

    // IPv6 in URLs is bracketed; a multi-name OV order mixes names and addresses.
    let mut o = Order::new("ip-2", ov, T0);
    ok(
        &mut o,
        submit(
            rsa(),
            &["www.example.com", "2606:4700:4700::1111"],
            info("Example Co"),
        ),
        T0,
    );
    assert_eq!(o.domains(), ["www.example.com", "2606:4700:4700::1111"]);
}

/// A record a CA asks for before it revokes.
fn revocation_challenge() -> Challenge {
    Challenge::Dns {
        domain: "example.com".into(),
        record_type: DnsRecordType::Txt,
        host: "_revoke.example.com".into(),
        value: "00112233445566778899aabbccddeeff".into(),
        automatic: false,
    }
}
