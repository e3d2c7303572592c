//! Random command sequences against every workflow: never a panic, a refused command changes
//! nothing, the version grows by one per command that changed the order, the history replays
//! to the same order, the order survives JSON, and no step is skipped on the way to issuance.

use certdesk::KeyKind;
use certdesk::order::{
    AlgorithmStandard, Brand, CertificateRef, Challenge, Change, CheckOutcome, Command, CsrRef,
    DnsRecordType, DomainCheck, DomainType, LetterRef, Order, OrderState, Product, Step,
    ValidationMethod, ValidationToken, ValidationType,
};
use certdesk::policy::{Contact, LetterFormat, OrderInfo, Organization, Person};
use proptest::prelude::*;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

fn products() -> Vec<Product> {
    let intl = AlgorithmStandard::International;
    vec![
        Product::free_trustasia_dv(),
        Product::paid(
            Brand::TrustAsia,
            ValidationType::Dv,
            DomainType::Single,
            intl,
        ),
        Product::paid(
            Brand::GeoTrust,
            ValidationType::Dv,
            DomainType::Wildcard,
            intl,
        ),
        Product::paid(
            Brand::GeoTrust,
            ValidationType::Ov,
            DomainType::Single,
            intl,
        ),
        Product::paid(
            Brand::GlobalSign,
            ValidationType::EvPro,
            DomainType::Multiple,
            intl,
        ),
        Product::paid(Brand::WoTrus, ValidationType::Ov, DomainType::Single, intl),
        Product::paid(
            Brand::DnsPod,
            ValidationType::Ev,
            DomainType::Single,
            AlgorithmStandard::Gm,
        ),
    ]
}

fn info() -> Box<OrderInfo> {
    Box::new(OrderInfo {
        organization: Organization {
            name: "Example Co".into(),
            department: "IT".into(),
            city: "Shenzhen".into(),
            province: None,
            address: "1 Example Road".into(),
            phone: "0755 8601 3388".into(),
        },
        admin: Person {
            name: "Li Lei".into(),
            position: "CTO".into(),
            phone: "13800138000".into(),
            email: "lilei@example.com".into(),
        },
        contact: Contact::SameAsAdmin,
    })
}

/// A command built from a few random numbers, fitted to the order so that many are accepted.
fn command(order: &Order, kind: u8, x: u8) -> Command {
    let p = order.product();
    let key = if p.standard == AlgorithmStandard::Gm {
        KeyKind::Sm2
    } else {
        KeyKind::Rsa { bits: 2048 }
    };
    // Now and then the wrong key or domain, to be refused.
    let key = if x.is_multiple_of(11) {
        KeyKind::Sm2
    } else {
        key
    };
    let domain = match (p.domain_type, x % 13) {
        (_, 0) => "bad_name.example.com",
        (DomainType::Wildcard, _) => "*.example.com",
        _ => "www.example.com",
    };
    let token = ValidationToken::from_bytes([x; 16]);
    // Mostly a method the product offers; now and then one it does not, to be refused.
    let offered = order.product().offered_methods(true);
    let method = if x.is_multiple_of(9) {
        ValidationMethod::FileProxy
    } else {
        offered[usize::from(x) % offered.len()]
    };
    match kind % 17 {
        0 | 1 => Command::SubmitInfo {
            csr: CsrRef {
                id: format!("csr-{x}"),
                key,
            },
            domains: vec![domain.into()],
            info: (!x.is_multiple_of(7)).then(info),
            method: Some(method),
            token: Some(token),
            prior_validations: vec![],
        },
        2 => Command::ChooseValidation { method, token },
        3 => Command::UploadLetter {
            letter: LetterRef {
                id: format!("l-{x}"),
                format: [
                    LetterFormat::Pdf,
                    LetterFormat::Png,
                    LetterFormat::Gif,
                    LetterFormat::Jpeg,
                ][usize::from(x % 4)],
            },
        },
        4 => {
            if x.is_multiple_of(3) {
                Command::PreReviewFailed {
                    reason: "no".into(),
                }
            } else {
                Command::PreReviewPassed
            }
        }
        5 | 6 => Command::RecordChecks {
            checks: order
                .challenges()
                .unwrap_or_default()
                .iter()
                .map(|c| DomainCheck {
                    domain: c.domain().to_owned(),
                    outcome: if x.is_multiple_of(5) {
                        CheckOutcome::TxtMismatch
                    } else {
                        CheckOutcome::Passed
                    },
                })
                .collect(),
        },
        7 => {
            if x.is_multiple_of(4) {
                Command::ReviewFailed {
                    reason: "no".into(),
                }
            } else {
                Command::ReviewPassed
            }
        }
        8 => Command::Issue {
            certificate: CertificateRef {
                serial: format!("{x:02x}"),
                not_before: order.created_at(),
                not_after: order.created_at() + Duration::days(i64::from(x % 100) + 1),
            },
        },
        // Rarely: a cancel ends the walk.
        9 if x.is_multiple_of(3) => Command::Cancel,
        9 => Command::Tick,
        10 | 11 => Command::Tick,
        12 if x.is_multiple_of(3) => Command::AskRevocationValidation {
            challenges: vec![Challenge::Dns {
                domain: "example.com".into(),
                record_type: DnsRecordType::Txt,
                host: "_revoke.example.com".into(),
                value: format!("{x:032x}"),
                automatic: false,
            }],
        },
        12 => Command::RequestRevocation,
        13 => {
            if x.is_multiple_of(2) {
                Command::ConfirmRevocation
            } else {
                Command::Refund
            }
        }
        // Rarely, so that long workflows still reach their end in a random walk.
        15 if x % 4 == 3 => Command::Withdraw,
        16 if x % 4 == 3 => Command::Resubmit,
        15 | 16 => Command::Tick,
        _ => Command::Reissue {
            csr: CsrRef {
                id: format!("re-{x}"),
                key,
            },
            token,
        },
    }
}

/// The event that completes a step.
fn completes(step: Step, change: &Change) -> bool {
    match step {
        Step::SubmitInfo | Step::Apply => matches!(change, Change::InfoSubmitted { .. }),
        Step::SelectValidationMethod => matches!(change, Change::ValidationChosen { .. }),
        Step::UploadLetter => matches!(change, Change::LetterUploaded { .. }),
        Step::PreReview => matches!(change, Change::PreReviewPassed),
        Step::ValidateDomain => matches!(change, Change::DomainsValidated { .. }),
        Step::CaReview => matches!(change, Change::ReviewPassed),
    }
}

const T0: OffsetDateTime = datetime!(2026-11-22 00:00 UTC);

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_sequences_keep_the_invariants(
        product in 0usize..7,
        steps in proptest::collection::vec((any::<u8>(), any::<u8>(), 0u16..200), 1..40),
    ) {
        let product = products()[product].clone();
        let workflow = product.workflow();
        let mut order = Order::new("p-1", product, T0);
        let mut now = T0;
        for (kind, x, hours) in steps {
            now += Duration::hours(i64::from(hours));
            let cmd = command(&order, kind, x);
            let before = order.clone();
            match order.apply(cmd, now) {
                Err(e) => {
                    prop_assert_eq!(&order, &before, "refused ({}) but changed", e);
                    prop_assert!(!e.code().as_str().is_empty());
                }
                Ok(events) if events.is_empty() => prop_assert_eq!(&order, &before),
                Ok(events) => {
                    prop_assert_eq!(order.version(), before.version() + 1);
                    prop_assert!(events.iter().all(|e| e.version == order.version() && e.at == now));
                    prop_assert_eq!(order.history().len(), before.history().len() + events.len());
                    prop_assert_eq!(&order.history()[..before.history().len()], before.history());
                }
            }
            prop_assert_eq!(&Order::replay(order.header(), order.history()), &order);
            // No step is skipped: an order that reached issuance completed every step of its
            // workflow (validation may be completed by reuse, which is an event too).
            if matches!(
                order.state(),
                OrderState::PendingIssuance | OrderState::Issued | OrderState::Expired
                    | OrderState::Revoking | OrderState::Revoked
            ) {
                for step in &workflow.steps {
                    prop_assert!(
                        order.history().iter().any(|e| completes(*step, &e.change)),
                        "{:?} reached {} without completing {:?}", workflow.steps, order.state().name(), step
                    );
                }
            }
            // In progress, the order waits on a step of its own workflow.
            if let Some(step) = order.state().step() {
                prop_assert!(workflow.has(step));
            }
        }
        let json = serde_json::to_string(&order).unwrap();
        let back: Order = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, order);
    }
}

/// The generator above is only worth its invariants if it reaches the states: walk 2,000
/// pseudo-random sequences and insist that every end state and every product's issuance occurs.
#[test]
fn the_generator_reaches_every_state() {
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut reached = std::collections::BTreeSet::new();
    let mut issued_products = std::collections::BTreeSet::new();
    for i in 0..2000 {
        let product = products()[i % 7].clone();
        let mut order = Order::new("g", product, T0);
        let mut now = T0;
        for _ in 0..40 {
            let r = next();
            now += Duration::hours((r % 100) as i64);
            let cmd = command(&order, (r >> 8) as u8, (r >> 16) as u8);
            let _ = order.apply(cmd, now);
            reached.insert(order.state().name().as_str());
            if order.state() == &OrderState::Issued {
                issued_products.insert(i % 7);
            }
        }
    }
    for state in [
        "issued",
        "failed",
        "cancelled",
        "expired",
        "revoking",
        "revoked",
        "refunded",
        "pending_issuance",
        "validate_domain",
        "ca_review",
        "pre_review",
        "upload_letter",
        "pending_application",
    ] {
        assert!(
            reached.contains(state),
            "{state} never reached: {reached:?}"
        );
    }
    assert_eq!(issued_products.len(), 7, "{issued_products:?}");
}

/// Which commands each state takes; every other command is an illegal transition.
fn allowed(order: &Order) -> Vec<&'static str> {
    let mut list = match order.state() {
        OrderState::InProgress { step } => match step {
            Step::SubmitInfo | Step::Apply => vec!["submit_info"],
            Step::SelectValidationMethod => vec!["choose_validation"],
            Step::UploadLetter => vec!["upload_letter"],
            Step::PreReview => vec!["pre_review_passed", "pre_review_failed"],
            Step::ValidateDomain => vec!["record_checks"],
            Step::CaReview if order.product().workflow().letter_reupload => {
                vec!["review_passed", "review_failed", "upload_letter"]
            }
            Step::CaReview => vec!["review_passed", "review_failed"],
        },
        OrderState::PendingIssuance => vec!["issue"],
        OrderState::Issued => vec!["request_revocation", "reissue"],
        OrderState::Revoking => vec!["confirm_revocation", "ask_revocation_validation"],
        OrderState::Cancelled => vec!["refund"],
        OrderState::Failed { .. } if order.product().free => vec!["refund"],
        OrderState::Failed { .. } => vec!["refund", "resubmit"],
        OrderState::PendingApplication => vec!["submit_info"],
        OrderState::Expired | OrderState::Revoked | OrderState::Refunded => vec![],
    };
    if matches!(
        order.state(),
        OrderState::InProgress { .. }
            | OrderState::PendingIssuance
            | OrderState::PendingApplication
    ) {
        list.push("cancel");
    }
    // Alibaba's cancel: from validation or review, not while reissuing.
    if matches!(order.state(), OrderState::InProgress { step } if !matches!(step, Step::SubmitInfo | Step::Apply))
        && !order.is_reissuing()
    {
        list.push("withdraw");
    }
    // Time passing is never illegal; with nothing due it changes nothing.
    list.push("tick");
    list
}

/// In every state every product reaches, every command outside the state's table is refused as
/// an illegal transition naming the state and the command; those inside it are never refused as
/// illegal (they may be refused for their data).
#[test]
fn every_illegal_transition_in_every_workflow() {
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut pairs = std::collections::BTreeSet::new();
    for i in 0..700 {
        let mut order = Order::new("i", products()[i % 7].clone(), T0);
        let mut now = T0;
        for _ in 0..30 {
            for kind in 0..17u8 {
                for x in [1u8, 2, 3] {
                    let cmd = command(&order, kind, x);
                    let name = cmd.name().as_str();
                    let result = order.clone().apply(cmd, now);
                    let illegal = matches!(
                        &result,
                        Err(certdesk::order::OrderError::IllegalTransition { .. })
                    );
                    let allowed = allowed(&order).contains(&name);
                    assert_eq!(
                        illegal,
                        !allowed,
                        "{name} in {} ({}): {result:?}",
                        order.state().name(),
                        order.product().name()
                    );
                    if let Err(certdesk::order::OrderError::IllegalTransition { state, command }) =
                        result
                    {
                        assert_eq!(
                            (state.as_str(), command.as_str()),
                            (order.state().name().as_str(), name)
                        );
                        pairs.insert((state, command));
                    }
                }
            }
            let r = next();
            now += Duration::hours((r % 50) as i64);
            let cmd = command(&order, (r >> 8) as u8, (r >> 16) as u8);
            let _ = order.apply(cmd, now);
        }
    }
    assert!(
        pairs.len() > 100,
        "{} illegal (state, command) pairs tried",
        pairs.len()
    );
}
