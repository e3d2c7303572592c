//! Walks three certificate orders through every step of their workflows and prints each state
//! with its Tencent `Status`/`StatusMsg` and Alibaba status: a free TrustAsia DV certificate
//! (quota, DNS validation, a failed check, issuance), a paid DV certificate validated by file
//! (which also needs `www.`), and a GeoTrust OV certificate (confirmation letter re-uploaded
//! during the CA review).
//!
//! ```text
//! cargo run --example order_lifecycle
//! ```

use certdesk::order::{
    AccountKind, AlgorithmStandard, Brand, CertificateRef, Challenge, CheckOutcome, Command,
    CsrRef, DomainCheck, DomainType, LetterRef, Order, Product, QuotaLedger, QuotaPreset,
    ValidationMethod, ValidationToken, ValidationType,
};
use certdesk::policy::{Contact, CsrForm, OrderInfo, Organization, Person};
use time::format_description::well_known::Rfc3339;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// Applies a command and prints where it took the order.
fn step(order: &mut Order, command: Command, now: OffsetDateTime) -> Result<()> {
    let name = command.name();
    order.apply(command, now)?;
    let t = order.tencent_status();
    let a = order.alibaba_status(now);
    println!(
        "  {:<20} -> {:<25} Tencent {:>2} {:<13} Alibaba {}/{}  (v{})",
        name,
        order.state().name(),
        t.code,
        t.msg.map_or("", |m| m.as_str()),
        a.order_status.map_or("-", |s| s.as_str()),
        a.state_type,
        order.version()
    );
    Ok(())
}

fn show_challenges(order: &Order) -> Result<()> {
    for c in order.challenges()? {
        match c {
            Challenge::Dns {
                record_type,
                host,
                value,
                ..
            } => println!("      add {record_type} {host} = {value}"),
            Challenge::File { urls, content, .. } => {
                println!("      serve {content} at {}", urls.join(" and "))
            }
        }
    }
    Ok(())
}

fn passed(order: &Order) -> Result<Command> {
    Ok(Command::RecordChecks {
        checks: order
            .challenges()?
            .iter()
            .map(|c| DomainCheck {
                domain: c.domain().to_owned(),
                outcome: CheckOutcome::Passed,
            })
            .collect(),
    })
}

/// Checks the form with the product's profile and generates the CSR, as a console would.
fn make_csr(product: &Product, domain: &str, key: &str) -> Result<CsrRef> {
    let form = CsrForm {
        common_name: Some(domain.into()),
        country: Some("CN".into()),
        key: Some(key.into()),
        ..CsrForm::default()
    };
    let (request, report) = product.profile().check_form(&form)?;
    for w in report.warnings() {
        println!("    warning: {w}");
    }
    let (csr, _key) = request.generate()?;
    println!(
        "    CSR for {domain}: {} key, public key SHA-256 {}",
        csr.info().key,
        csr.info().public_key_sha256
    );
    Ok(CsrRef {
        id: format!("csr-{domain}"),
        key: csr.info().key,
    })
}

fn free_dv(now: OffsetDateTime) -> Result<()> {
    println!("== free TrustAsia DV certificate for dnspod.cn");
    let product = Product::free_trustasia_dv();
    let mut quota = QuotaLedger::new(QuotaPreset::guide(), AccountKind::IndividualStandard);
    let deduction = quota.reserve("free-1", "dnspod.cn", true)?;
    println!(
        "    quota: counted against {:?}; left (Tencent domains, any domain) = {:?}",
        deduction.pool,
        quota.remaining()
    );
    let csr = make_csr(&product, "dnspod.cn", "rsa2048")?;
    let mut order = Order::new("free-1", product, now);
    step(
        &mut order,
        Command::SubmitInfo {
            csr,
            domains: vec!["dnspod.cn".into()],
            info: None,
            method: Some(ValidationMethod::Dns),
            token: Some(ValidationToken::random()?),
            prior_validations: vec![],
        },
        now,
    )?;
    show_challenges(&order)?;
    if let Some(deadline) = order.validation_deadline() {
        println!("      (before {})", deadline.format(&Rfc3339)?);
    }
    let wrong = Command::RecordChecks {
        checks: vec![DomainCheck {
            domain: "dnspod.cn".into(),
            outcome: CheckOutcome::CnameNotFound,
        }],
    };
    step(&mut order, wrong, now + Duration::minutes(5))?;
    let check = &order.last_checks()[0];
    println!(
        "      LocalCheck {}: {}",
        check.outcome.tencent_local_check(),
        check.outcome.message()
    );
    let checks = passed(&order)?;
    step(&mut order, checks, now + Duration::minutes(30))?;
    step(
        &mut order,
        Command::Issue {
            certificate: CertificateRef {
                serial: "01".into(),
                not_before: now + Duration::hours(1),
                not_after: now + Duration::days(90),
            },
        },
        now + Duration::hours(1),
    )?;
    step(&mut order, Command::Tick, now + Duration::days(90))?;
    quota.release("free-1");
    println!("    quota after expiry: {:?}", quota.remaining());
    Ok(())
}

fn paid_dv(now: OffsetDateTime) -> Result<()> {
    println!("== DNSPod DV certificate for example.com, validated by file");
    let product = Product::paid(
        Brand::DnsPod,
        ValidationType::Dv,
        DomainType::Single,
        AlgorithmStandard::International,
    );
    let csr = make_csr(&product, "example.com", "ec-p256")?;
    let mut order = Order::new("dv-1", product, now);
    println!(
        "  {:<20} -> {:<25} Tencent {:>2}",
        "(purchased)",
        order.state().name(),
        order.tencent_status().code
    );
    step(
        &mut order,
        Command::SubmitInfo {
            csr,
            domains: vec!["example.com".into()],
            info: None,
            method: None,
            token: None,
            prior_validations: vec![],
        },
        now,
    )?;
    step(
        &mut order,
        Command::ChooseValidation {
            method: ValidationMethod::File,
            token: ValidationToken::random()?,
        },
        now,
    )?;
    show_challenges(&order)?;
    let checks = passed(&order)?;
    step(&mut order, checks, now + Duration::hours(2))?;
    step(
        &mut order,
        Command::Issue {
            certificate: CertificateRef {
                serial: "02".into(),
                not_before: now + Duration::hours(3),
                not_after: now + Duration::days(365),
            },
        },
        now + Duration::hours(3),
    )?;
    let reissue = Command::Reissue {
        csr: order.csr().cloned().ok_or("no CSR")?,
        token: ValidationToken::random()?,
    };
    step(&mut order, reissue, now + Duration::days(1))?;
    println!("      (reissued within 3 days of issuance: validation skipped)");
    step(
        &mut order,
        Command::Issue {
            certificate: CertificateRef {
                serial: "03".into(),
                not_before: now + Duration::days(1),
                not_after: now + Duration::days(365),
            },
        },
        now + Duration::days(1),
    )?;
    Ok(())
}

fn ov(now: OffsetDateTime) -> Result<()> {
    println!("== GeoTrust OV certificate for www.example.com");
    let product = Product::paid(
        Brand::GeoTrust,
        ValidationType::Ov,
        DomainType::Single,
        AlgorithmStandard::International,
    );
    if let Some((from, to)) = product.review_business_days() {
        println!("    the CA review takes {from}-{to} business days");
    }
    let csr = make_csr(&product, "www.example.com", "rsa2048")?;
    let info = OrderInfo {
        organization: Organization {
            name: "Example Technology Co., Ltd.".into(),
            department: "IT".into(),
            city: "Shenzhen".into(),
            province: Some("Guangdong".into()),
            address: "1 Example Road, Nanshan".into(),
            phone: "+86 755 8601 3388".into(),
        },
        admin: Person {
            name: "Li Lei".into(),
            position: "CTO".into(),
            phone: "13800138000".into(),
            email: "lilei@example.com".into(),
        },
        contact: Contact::SameAsAdmin,
    };
    let mut order = Order::new("ov-1", product.clone(), now);
    step(
        &mut order,
        Command::SubmitInfo {
            csr,
            domains: vec!["www.example.com".into()],
            info: Some(Box::new(info)),
            method: None,
            token: None,
            prior_validations: vec![],
        },
        now,
    )?;
    let mut scan = b"%PDF-1.7\n".to_vec();
    scan.resize(64 * 1024, b' ');
    let format = product
        .letter_rules()
        .check(&scan)
        .map_err(|v| format!("{v:?}"))?;
    let upload = |id: &str| Command::UploadLetter {
        letter: LetterRef {
            id: id.into(),
            format,
        },
    };
    step(&mut order, upload("letter-1"), now + Duration::hours(1))?;
    step(&mut order, upload("letter-2"), now + Duration::days(1))?;
    println!("      (letter re-uploaded during the review)");
    step(&mut order, Command::ReviewPassed, now + Duration::days(4))?;
    step(
        &mut order,
        Command::Issue {
            certificate: CertificateRef {
                serial: "04".into(),
                not_before: now + Duration::days(4),
                not_after: now + Duration::days(369),
            },
        },
        now + Duration::days(4),
    )?;
    step(
        &mut order,
        Command::RequestRevocation,
        now + Duration::days(10),
    )?;
    step(
        &mut order,
        Command::ConfirmRevocation,
        now + Duration::days(11),
    )?;
    println!(
        "    history: {} events; replays to the same order: {}",
        order.history().len(),
        Order::replay(order.header(), order.history()) == order
    );
    Ok(())
}

fn main() -> Result<()> {
    let now = datetime!(2026-11-22 09:00 UTC);
    free_dv(now)?;
    paid_dv(now)?;
    ov(now)?;
    Ok(())
}
