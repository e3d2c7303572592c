//! Orders end to end on real DNS and HTTP servers on loopback and the local CA: DV by DNS, DV
//! by file, OV with a confirmation letter, and the failures (wrong TXT value, missing file,
//! deadline passed, quota exhausted, a validation domain pointing at a private address).

#![cfg(all(feature = "dns", feature = "http", feature = "local-ca"))]

mod common;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use certdesk::backend::{
    AesGcmVault, DnsProvider, DnsRecord, FetchPolicy, FixedClock, HickoryResolver, LocalCa,
    LoopbackDnsServer, LoopbackFileServer, MemoryStore, Scope, ValidationFetcher,
};
use certdesk::order::{
    AlgorithmStandard, Brand, Challenge, CheckOutcome, DomainType, Order, OrderState, Product,
    ValidationMethod, ValidationType,
};
use certdesk::policy::{Contact, CsrForm, OrderInfo, Organization, Person, Profile};
use certdesk::service::{CsrService, CsrSource, NewCsr, OrderService, ServerKind};

struct World {
    orders: OrderService,
    store: Arc<MemoryStore>,
    dns: Arc<LoopbackDnsServer>,
    files: LoopbackFileServer,
    clock: Arc<FixedClock>,
    ca: Arc<LocalCa>,
    csrs: Arc<CsrService>,
}

async fn world(allow_loopback: bool) -> World {
    world_with(allow_loopback, Product::free_trustasia_dv()).await
}

/// A world whose free applications get `free_product`.
async fn world_with(allow_loopback: bool, free_product: Product) -> World {
    let store = Arc::new(MemoryStore::new());
    let clock = Arc::new(FixedClock::new(time::OffsetDateTime::now_utc()));
    let csrs = Arc::new(
        CsrService::new(store.clone(), Arc::new(AesGcmVault::new("k", [5; 32])))
            .with_orders(store.clone())
            .with_clock(clock.clone()),
    );
    let dns = Arc::new(LoopbackDnsServer::start().await.unwrap());
    // The account's zone on the DNS provider; victim.example.net is another customer's.
    dns.add_zone("example.com", &me().account).unwrap();
    dns.add_zone("victim.example.net", "100099999999").unwrap();
    let resolver =
        Arc::new(HickoryResolver::with_servers(&[dns.addr()], Duration::from_secs(2)).unwrap());
    let files = LoopbackFileServer::start().await.unwrap();
    let port = files.port();
    let fetcher = Arc::new(ValidationFetcher::with_resolver(
        FetchPolicy {
            http_port: port,
            https_port: port,
            allow_loopback,
            timeout: Duration::from_secs(2),
            ..FetchPolicy::default()
        },
        resolver.clone(),
    ));
    let ca = Arc::new(
        LocalCa::with_keys("certdesk Test", certdesk::KeySpec::EcP256, clock.clone())
            .unwrap()
            .with_review_polls(1),
    );
    let orders = OrderService::builder(store.clone(), csrs.clone(), ca.clone())
        .resolver(resolver)
        .fetcher(fetcher)
        .clock(clock.clone())
        .dns_provider(dns.clone())
        .free_product(free_product)
        .build();
    World {
        orders,
        store,
        dns,
        files,
        clock,
        ca,
        csrs,
    }
}

fn me() -> Scope {
    Scope::new("100012345678", "ap-guangzhou")
}

/// A free DNS_AUTO application for `domain`, its record published and checked: the order
/// waits for issuance.
async fn validated(w: &World, domain: &str) -> Order {
    let order = w
        .orders
        .apply_free(&me(), domain, ValidationMethod::DnsAuto, generated(domain))
        .await
        .unwrap();
    w.orders.publish_dns(&me(), order.id()).await.unwrap();
    let (order, _) = w.orders.check_validation(&me(), order.id()).await.unwrap();
    assert_eq!(order.state(), &OrderState::PendingIssuance);
    order
}

/// A CSR generated for `domain` (its common name), without a password.
fn generated(domain: &str) -> CsrSource {
    CsrSource::Generate {
        form: form(domain),
        password: None,
    }
}

fn form(cn: &str) -> CsrForm {
    CsrForm {
        common_name: Some(cn.into()),
        key: Some("ec-p256".into()),
        ..CsrForm::default()
    }
}

fn verify_bundle(w: &World, files: &[(String, zeroize::Zeroizing<Vec<u8>>)], cert_file: &str) {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes.as_slice()).unwrap();
    }
    std::fs::write(dir.path().join("root.pem"), w.ca.root_pem()).unwrap();
    let out = common::openssl_ok(
        dir.path(),
        &[
            "verify",
            "-CAfile",
            "root.pem",
            "-untrusted",
            cert_file,
            cert_file,
        ],
    );
    assert!(out.contains(": OK"), "{out}");
}

#[tokio::test]
async fn free_dv_by_dns_from_application_to_a_verified_certificate() {
    let w = world(false).await;
    let order = w
        .orders
        .apply_free(
            &me(),
            "shop.example.com",
            ValidationMethod::DnsAuto,
            generated("shop.example.com"),
        )
        .await
        .unwrap();
    assert_eq!(
        order.tencent_status().code,
        4,
        "DNS record added (DNS_AUTO)"
    );
    // Before the record is there: CNAME not found, Tencent's -6.
    let (_, checks) = w.orders.check_validation(&me(), order.id()).await.unwrap();
    assert_eq!(checks[0].outcome, CheckOutcome::CnameNotFound);
    assert_eq!(checks[0].outcome.tencent_local_check(), -6);
    // Automatic DNS: the provider publishes it.
    let published = w.orders.publish_dns(&me(), order.id()).await.unwrap();
    assert!(
        matches!(&published[0], DnsRecord::Cname { name, .. } if name == "_dnsauth.shop.example.com")
    );
    let (validated, checks) = w.orders.check_validation(&me(), order.id()).await.unwrap();
    assert_eq!(checks[0].outcome, CheckOutcome::Passed);
    assert_eq!(validated.state(), &OrderState::PendingIssuance);
    // The CA reviews for one poll, then issues.
    let reviewing = w.orders.advance(&me(), order.id()).await.unwrap();
    assert_eq!(reviewing.state(), &OrderState::PendingIssuance);
    let issued = w.orders.advance(&me(), order.id()).await.unwrap();
    assert_eq!(issued.state(), &OrderState::Issued);
    assert_eq!(issued.tencent_status().code, 1);
    let bundle = w
        .orders
        .download(&me(), order.id(), ServerKind::Nginx, None)
        .await
        .unwrap();
    let names: Vec<&str> = bundle.files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["shop.example.com_bundle.crt", "shop.example.com.key"]
    );
    verify_bundle(&w, &bundle.files, "shop.example.com_bundle.crt");
}

#[tokio::test]
async fn paid_dv_by_file_validates_both_names_over_http() {
    let w = world(true).await;
    for name in ["example.com", "www.example.com"] {
        w.dns.add_ip(name, "127.0.0.1".parse().unwrap()).unwrap();
    }
    let product = Product::paid(
        Brand::GeoTrust,
        ValidationType::Dv,
        DomainType::Single,
        AlgorithmStandard::International,
    );
    let order = w.orders.create_paid(&me(), product).await.unwrap();
    let csr = w
        .csrs
        .create(
            &me(),
            &Profile::baseline(),
            NewCsr {
                form: form("example.com"),
                password: Some(certdesk::Password::new("pfx-pass")),
                generate: true,
                ..NewCsr::default()
            },
        )
        .await
        .unwrap();
    w.orders
        .submit_info(
            &me(),
            order.id(),
            CsrSource::Existing(csr.id),
            vec!["example.com".into()],
            None,
        )
        .await
        .unwrap();
    w.orders
        .choose_validation(&me(), order.id(), ValidationMethod::File)
        .await
        .unwrap();
    let challenges = w.orders.challenges(&me(), order.id()).await.unwrap();
    assert_eq!(challenges.len(), 2, "a primary domain also validates www.");
    // Only the first file is served: the other name fails with Tencent's -4.
    let serve = |c: &Challenge| {
        let Challenge::File {
            domain,
            path,
            content,
            ..
        } = c
        else {
            panic!("not a file challenge")
        };
        w.files.put(domain, path, content.as_str());
    };
    serve(&challenges[0]);
    let (_, checks) = w.orders.check_validation(&me(), order.id()).await.unwrap();
    let outcomes: Vec<i32> = checks
        .iter()
        .map(|c| c.outcome.tencent_local_check())
        .collect();
    assert_eq!(outcomes, [1, -4]);
    serve(&challenges[1]);
    let (validated, _) = w.orders.check_validation(&me(), order.id()).await.unwrap();
    assert_eq!(validated.state(), &OrderState::PendingIssuance);
    w.orders.advance(&me(), order.id()).await.unwrap();
    let issued = w.orders.advance(&me(), order.id()).await.unwrap();
    assert_eq!(issued.state(), &OrderState::Issued);
    let bundle = w
        .orders
        .download(&me(), order.id(), ServerKind::Apache, None)
        .await
        .unwrap();
    let key = &bundle.files[2].1;
    assert!(
        String::from_utf8_lossy(key).contains("ENCRYPTED PRIVATE KEY"),
        "the key stays encrypted"
    );
    // IIS and Tomcat: a PFX under the key's password; a wrong one is refused.
    let wrong = w
        .orders
        .download(
            &me(),
            order.id(),
            ServerKind::Iis,
            Some(&certdesk::Password::new("guess")),
        )
        .await
        .unwrap_err();
    assert_eq!(wrong.code(), "key.wrong_password");
    let missing = w
        .orders
        .download(&me(), order.id(), ServerKind::Tomcat, None)
        .await
        .unwrap_err();
    assert_eq!(missing.violations()[0].code, "download.password_required");
    let pfx = w
        .orders
        .download(
            &me(),
            order.id(),
            ServerKind::Iis,
            Some(&certdesk::Password::new("pfx-pass")),
        )
        .await
        .unwrap();
    assert_eq!(pfx.files[0].0, "example.com.pfx");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.pfx"), pfx.files[0].1.as_slice()).unwrap();
    let text = common::openssl_ok(
        dir.path(),
        &[
            "pkcs12",
            "-in",
            "c.pfx",
            "-passin",
            "pass:pfx-pass",
            "-nodes",
        ],
    );
    assert!(text.contains("BEGIN PRIVATE KEY") && text.matches("BEGIN CERTIFICATE").count() == 2);
}

fn info() -> OrderInfo {
    OrderInfo {
        organization: Organization {
            name: "Example Co".into(),
            department: "IT".into(),
            city: "Shenzhen".into(),
            province: Some("Guangdong".into()),
            address: "1 Keji Road".into(),
            phone: "0755 1234 5678".into(),
        },
        admin: Person {
            name: "Li Lei".into(),
            position: "CTO".into(),
            phone: "13800138000".into(),
            email: "li@example.com".into(),
        },
        contact: Contact::SameAsAdmin,
    }
}

#[tokio::test]
async fn ov_with_a_confirmation_letter_names_the_organization() {
    let w = world(false).await;
    let product = Product::paid(
        Brand::GeoTrust,
        ValidationType::Ov,
        DomainType::Single,
        AlgorithmStandard::International,
    );
    let order = w.orders.create_paid(&me(), product).await.unwrap();
    // The organization comes from the account's saved profile.
    certdesk::service::ProfileBook::new(w.store.clone())
        .save(&me(), "My Profile", &info())
        .await
        .unwrap();
    w.orders
        .submit_info_with_profile(
            &me(),
            order.id(),
            generated("ov.example.com"),
            vec!["ov.example.com".into()],
            "My Profile",
        )
        .await
        .unwrap();
    // Not a letter: refused with the rule's violation; a PDF is taken.
    let e = w
        .orders
        .upload_letter(&me(), order.id(), b"hello")
        .await
        .unwrap_err();
    assert_eq!(e.code(), "service.rules");
    let mut pdf = b"%PDF-1.4\n".to_vec();
    pdf.resize(4096, b' ');
    let uploaded = w
        .orders
        .upload_letter(&me(), order.id(), &pdf)
        .await
        .unwrap();
    assert_eq!(
        uploaded.tencent_status().msg.map(|m| m.as_str()),
        Some("CA-REVIEWING")
    );
    w.orders.advance(&me(), order.id()).await.unwrap();
    let issued = w.orders.advance(&me(), order.id()).await.unwrap();
    assert_eq!(issued.state(), &OrderState::Issued);
    let bundle = w
        .orders
        .download(&me(), order.id(), ServerKind::Apache, None)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.crt"), bundle.files[0].1.as_slice()).unwrap();
    let subject = common::openssl_ok(
        dir.path(),
        &[
            "x509", "-in", "c.crt", "-noout", "-subject", "-nameopt", "RFC2253",
        ],
    );
    assert!(subject.contains("O=Example Co"), "{subject}");
}

#[tokio::test]
async fn wrong_txt_values_and_missing_files_are_reported() {
    let w = world(true).await;
    let product = Product::paid(
        Brand::GeoTrust,
        ValidationType::Dv,
        DomainType::Single,
        AlgorithmStandard::International,
    );
    let order = w.orders.create_paid(&me(), product).await.unwrap();
    w.orders
        .submit_info(
            &me(),
            order.id(),
            generated("txt.example.com"),
            vec!["txt.example.com".into()],
            None,
        )
        .await
        .unwrap();
    w.orders
        .choose_validation(&me(), order.id(), ValidationMethod::Dns)
        .await
        .unwrap();
    let challenges = w.orders.challenges(&me(), order.id()).await.unwrap();
    let Challenge::Dns { host, value, .. } = &challenges[0] else {
        panic!("not DNS")
    };
    w.dns
        .create(
            &me(),
            &DnsRecord::Txt {
                name: host.clone(),
                value: "something-else".into(),
            },
        )
        .await
        .unwrap();
    let (still, checks) = w.orders.check_validation(&me(), order.id()).await.unwrap();
    assert_eq!(checks[0].outcome, CheckOutcome::TxtMismatch);
    assert!(matches!(still.state(), OrderState::InProgress { .. }));
    w.dns
        .create(
            &me(),
            &DnsRecord::Txt {
                name: host.clone(),
                value: value.clone(),
            },
        )
        .await
        .unwrap();
    let (done, checks) = w.orders.check_validation(&me(), order.id()).await.unwrap();
    assert_eq!(
        checks[0].outcome,
        CheckOutcome::Passed,
        "one of the TXT values matches"
    );
    assert_eq!(done.state(), &OrderState::PendingIssuance);
}

#[tokio::test]
async fn the_deadline_fails_an_unvalidated_order() {
    let w = world(false).await;
    let order = w
        .orders
        .apply_free(
            &me(),
            "late.example.com",
            ValidationMethod::Dns,
            generated("late.example.com"),
        )
        .await
        .unwrap();
    w.clock.advance(time::Duration::days(8));
    let (failed, checks) = w.orders.check_validation(&me(), order.id()).await.unwrap();
    assert!(checks.is_empty());
    assert!(
        matches!(failed.state(), OrderState::Failed { .. }),
        "{:?}",
        failed.state()
    );
}

#[tokio::test]
async fn the_free_quota_runs_out_per_primary_domain() {
    let w = world(false).await;
    for i in 0..20 {
        let domain = format!("s{i}.example.com");
        w.orders
            .apply_free(&me(), &domain, ValidationMethod::Dns, generated(&domain))
            .await
            .unwrap();
    }
    let e = w
        .orders
        .apply_free(
            &me(),
            "s20.example.com",
            ValidationMethod::Dns,
            generated("s20.example.com"),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "quota.primary_domain_limit", "{e}");
    // The vendors count per account: another region of the same account grants no fresh
    // quota ("individual accounts can apply for up to 50 free certificates").
    let elsewhere = Scope::new(me().account, "ap-beijing");
    let e = w
        .orders
        .apply_free(
            &elsewhere,
            "s21.example.com",
            ValidationMethod::Dns,
            generated("s21.example.com"),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "quota.primary_domain_limit", "{e}");
    assert_eq!(
        w.orders
            .list(
                &me(),
                certdesk::backend::Page {
                    offset: 0,
                    limit: 100
                }
            )
            .await
            .unwrap()
            .total,
        20,
        "the refused application left no order"
    );
}

#[tokio::test]
async fn a_validation_domain_on_a_private_address_is_never_fetched() {
    let w = world(false).await;
    for (name, ip) in [
        ("example.org", "10.0.0.1"),
        ("www.example.org", "169.254.169.254"),
    ] {
        w.dns.add_ip(name, ip.parse::<IpAddr>().unwrap()).unwrap();
    }
    let product = Product::paid(
        Brand::GeoTrust,
        ValidationType::Dv,
        DomainType::Single,
        AlgorithmStandard::International,
    );
    let order = w.orders.create_paid(&me(), product).await.unwrap();
    w.orders
        .submit_info(
            &me(),
            order.id(),
            generated("example.org"),
            vec!["example.org".into()],
            None,
        )
        .await
        .unwrap();
    w.orders
        .choose_validation(&me(), order.id(), ValidationMethod::File)
        .await
        .unwrap();
    let (_, checks) = w.orders.check_validation(&me(), order.id()).await.unwrap();
    assert_eq!(checks.len(), 2);
    assert!(
        checks
            .iter()
            .all(|c| c.outcome == CheckOutcome::FileNotFound)
    );
}

#[tokio::test]
async fn cancel_gives_the_quota_back_renew_and_revoke() {
    // The vendor's current free product: three months, renewable.
    let w = world_with(false, Product::free_trustasia_dv_current()).await;
    let csr = w
        .csrs
        .create(
            &me(),
            &Profile::tencent_apply_certificate(),
            NewCsr {
                form: form("life.example.com"),
                generate: true,
                ..NewCsr::default()
            },
        )
        .await
        .unwrap();
    let scope = me();
    let apply = |d: &'static str| {
        w.orders.apply_free(
            &scope,
            d,
            ValidationMethod::DnsAuto,
            CsrSource::Existing(csr.id),
        )
    };
    // Cancelled before issuance: the quota comes back (used counts once). Its CSR names it:
    // a CSR's common name must be the bound domain.
    let gone_csr = w
        .csrs
        .create(
            &me(),
            &Profile::tencent_apply_certificate(),
            NewCsr {
                form: form("gone.example.com"),
                generate: true,
                ..NewCsr::default()
            },
        )
        .await
        .unwrap();
    let cancelled = w
        .orders
        .apply_free(
            &scope,
            "gone.example.com",
            ValidationMethod::DnsAuto,
            CsrSource::Existing(gone_csr.id),
        )
        .await
        .unwrap();
    let used = |w: &World| {
        let store = w.store.clone();
        async move {
            use certdesk::backend::OrderStore;
            store
                .get_quota(&me().account_wide())
                .await
                .unwrap()
                .map_or(0, |(l, _)| l.deductions().len())
        }
    };
    assert_eq!(used(&w).await, 1);
    let done = w.orders.cancel(&me(), cancelled.id()).await.unwrap();
    assert_eq!(done.state(), &OrderState::Cancelled);
    assert_eq!(used(&w).await, 0);
    // A cancelled order holds its CSR no longer.
    w.csrs.delete(&me(), gone_csr.id).await.unwrap();
    // The CSR is free to delete once no open order uses it.
    let order = apply("life.example.com").await.unwrap();
    let e = w.csrs.delete(&me(), csr.id).await.unwrap_err();
    assert_eq!(e.code(), "service.in_use");
    w.orders.publish_dns(&me(), order.id()).await.unwrap();
    w.orders.check_validation(&me(), order.id()).await.unwrap();
    w.orders.advance(&me(), order.id()).await.unwrap();
    let issued = w.orders.advance(&me(), order.id()).await.unwrap();
    assert_eq!(issued.state(), &OrderState::Issued);
    // Renewal opens 30 days before expiry (the free certificate runs 3 months).
    let e = w.orders.renew(&me(), order.id()).await.unwrap_err();
    assert_eq!(e.code(), "order.not_renewable");
    w.clock.advance(time::Duration::days(70));
    let renewal = w.orders.renew(&me(), order.id()).await.unwrap();
    assert_eq!(renewal.renewal_of(), Some(order.id()));
    assert_eq!(
        renewal.csr().unwrap().id,
        csr.id.to_string(),
        "the CSR and key are reused"
    );
    assert_eq!(used(&w).await, 2, "a free renewal takes quota");
    // Revocation at the CA.
    let revoked = w.orders.revoke(&me(), order.id()).await.unwrap();
    assert_eq!(revoked.state(), &OrderState::Revoked);
    assert_eq!(revoked.tencent_status().code, 10);
}

#[tokio::test]
async fn wait_for_ca_polls_through_the_clock_under_the_retry_policy() {
    use certdesk::backend::Clock;
    use certdesk::service::RetryPolicy;
    let w = world(false).await;
    let patient = |policy: RetryPolicy| {
        OrderService::builder(w.store.clone(), w.csrs.clone(), w.ca.clone())
            .clock(w.clock.clone())
            .retry(policy)
            .build()
    };
    // The CA reviews for one poll: one wait of the policy's first delay, on the service's
    // clock (a FixedClock moves forward instead of sleeping), then the certificate.
    let order = validated(&w, "wait.example.com").await;
    let before = w.clock.now();
    let issued = patient(RetryPolicy::new().delay(Duration::from_secs(10)))
        .wait_for_ca(&me(), order.id())
        .await
        .unwrap();
    assert_eq!(issued.state(), &OrderState::Issued);
    assert_eq!(w.clock.now() - before, time::Duration::seconds(10));
    // A timeout shorter than the first wait gives up with service.timeout, the order intact.
    let order = validated(&w, "late.example.com").await;
    let e = patient(
        RetryPolicy::new()
            .delay(Duration::from_secs(10))
            .timeout(Duration::from_secs(5)),
    )
    .wait_for_ca(&me(), order.id())
    .await
    .unwrap_err();
    assert_eq!(e.code(), "service.timeout", "{e}");
    let still = w.orders.get(&me(), order.id()).await.unwrap();
    assert_eq!(still.state(), &OrderState::PendingIssuance);
}

#[tokio::test]
async fn a_service_built_without_a_resolver_fails_its_dns_checks_saying_why() {
    use certdesk::backend::{DnsResolver, Unconfigured};
    let e = Unconfigured.txt("example.com").await.unwrap_err();
    assert_eq!(e.code(), "dns.backend");
    assert!(
        e.to_string().contains("no DNS resolver is configured"),
        "{e}"
    );
    let w = world(false).await;
    let bare = OrderService::builder(w.store.clone(), w.csrs.clone(), w.ca.clone())
        .clock(w.clock.clone())
        .build();
    let order = bare
        .apply_free(
            &me(),
            "bare.example.com",
            ValidationMethod::Dns,
            generated("bare.example.com"),
        )
        .await
        .unwrap();
    let (_, checks) = bare.check_validation(&me(), order.id()).await.unwrap();
    assert_eq!(checks[0].outcome, CheckOutcome::NsNotFound);
}

/// The local CA behind a switch that makes revocation fail, as a CA that is down would.
struct FlakyRevocation {
    inner: Arc<LocalCa>,
    down: std::sync::atomic::AtomicBool,
}

#[async_trait::async_trait]
impl certdesk::backend::CertificateAuthority for FlakyRevocation {
    async fn submit(
        &self,
        request: certdesk::backend::IssueRequest,
    ) -> Result<String, certdesk::backend::CaError> {
        self.inner.submit(request).await
    }

    async fn status(
        &self,
        ticket: &str,
    ) -> Result<certdesk::backend::CaStatus, certdesk::backend::CaError> {
        self.inner.status(ticket).await
    }

    async fn revoke(
        &self,
        ticket: &str,
    ) -> Result<certdesk::backend::Revocation, certdesk::backend::CaError> {
        if self.down.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(certdesk::backend::CaError::Backend(
                certdesk::backend::BackendError::msg("the CA is down"),
            ));
        }
        self.inner.revoke(ticket).await
    }
}

#[tokio::test]
async fn a_revocation_the_ca_failed_is_finished_by_calling_again() {
    use certdesk::backend::{CertificateAuthority, OrderStore};
    let w = world(false).await;
    let flaky = Arc::new(FlakyRevocation {
        inner: w.ca.clone(),
        down: std::sync::atomic::AtomicBool::new(true),
    });
    let orders = OrderService::builder(w.store.clone(), w.csrs.clone(), flaky.clone())
        .clock(w.clock.clone())
        .build();
    let order = validated(&w, "revoke.example.com").await;
    w.orders.advance(&me(), order.id()).await.unwrap();
    let issued = w.orders.advance(&me(), order.id()).await.unwrap();
    assert_eq!(issued.state(), &OrderState::Issued);
    // The CA is down: the order is left revoking.
    let e = orders.revoke(&me(), order.id()).await.unwrap_err();
    assert_eq!(e.code(), "ca.backend", "{e}");
    let stuck = orders.get(&me(), order.id()).await.unwrap();
    assert_eq!(stuck.state(), &OrderState::Revoking);
    // Back up: calling again finishes the revocation.
    flaky.down.store(false, std::sync::atomic::Ordering::SeqCst);
    let revoked = orders.revoke(&me(), order.id()).await.unwrap();
    assert_eq!(revoked.state(), &OrderState::Revoked);
    // The CA's revocation is idempotent; the order's is final.
    let ticket = w
        .store
        .get_order_file(&me(), order.id(), "ca_ticket")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        w.ca.revoke(&String::from_utf8(ticket).unwrap())
            .await
            .unwrap(),
        certdesk::backend::Revocation::Revoked
    );
    assert_eq!(
        orders.revoke(&me(), order.id()).await.unwrap_err().code(),
        "order.illegal_transition"
    );
}

#[tokio::test]
async fn automatic_dns_writes_only_into_the_accounts_own_zones() {
    use certdesk::backend::DnsResolver;
    let w = world(false).await;
    let resolver = HickoryResolver::with_servers(&[w.dns.addr()], Duration::from_secs(2)).unwrap();
    // Another customer's zone on the same provider: automatic DNS is refused when chosen.
    let e = w
        .orders
        .apply_free(
            &me(),
            "shop.victim.example.net",
            ValidationMethod::DnsAuto,
            generated("shop.victim.example.net"),
        )
        .await
        .unwrap_err();
    assert_eq!(e.violations()[0].code, "validation.not_on_dns_provider");
    // A zone that was the account's when the method was chosen and is another's now: the
    // provider still writes nothing there.
    w.dns.add_zone("moved.example.net", &me().account).unwrap();
    let order = w
        .orders
        .apply_free(
            &me(),
            "shop.moved.example.net",
            ValidationMethod::DnsAuto,
            generated("shop.moved.example.net"),
        )
        .await
        .unwrap();
    w.dns.add_zone("moved.example.net", "100099999999").unwrap();
    let e = w.orders.publish_dns(&me(), order.id()).await.unwrap_err();
    assert_eq!(e.code(), "dns.zone_not_owned", "{e}");
    let Challenge::Dns { host, .. } = &w.orders.challenges(&me(), order.id()).await.unwrap()[0]
    else {
        panic!("not DNS")
    };
    assert!(
        resolver.cname_chain(host).await.unwrap_err().is_absent(),
        "a record was written into another account's zone"
    );
    let (still, _) = w.orders.check_validation(&me(), order.id()).await.unwrap();
    assert!(matches!(still.state(), OrderState::InProgress { .. }));
}

#[tokio::test]
async fn records_are_published_only_for_automatic_dns_validation() {
    let w = world(false).await;
    let order = w
        .orders
        .apply_free(
            &me(),
            "manual.example.com",
            ValidationMethod::Dns,
            generated("manual.example.com"),
        )
        .await
        .unwrap();
    let e = w.orders.publish_dns(&me(), order.id()).await.unwrap_err();
    assert_eq!(e.code(), "service.rules", "{e}");
    assert_eq!(e.violations()[0].code, "validation.not_dns_auto");
}

#[tokio::test]
async fn paid_orders_get_the_products_domain_rules_and_a_csr_that_names_them() {
    let w = world(false).await;
    let product = Product::paid(
        Brand::GeoTrust,
        ValidationType::Dv,
        DomainType::Single,
        AlgorithmStandard::International,
    );
    let csr = w
        .csrs
        .create(
            &me(),
            &Profile::baseline(),
            NewCsr {
                form: form("shop.example.com"),
                generate: true,
                ..NewCsr::default()
            },
        )
        .await
        .unwrap();
    let order = w.orders.create_paid(&me(), product.clone()).await.unwrap();
    // Internal names, bare public suffixes and wildcards on them never reach the CA.
    for (bad, code) in [
        ("printer.lan", "domain.internal"),
        ("com.cn", "domain.public_suffix"),
        ("1.2.0.192.in-addr.arpa", "domain.reverse_dns"),
    ] {
        let e = w
            .orders
            .submit_info(
                &me(),
                order.id(),
                CsrSource::Existing(csr.id),
                vec![bad.into()],
                None,
            )
            .await
            .unwrap_err();
        assert_eq!(e.code(), "service.rules", "{bad}: {e}");
        assert_eq!(e.violations()[0].code, code, "{bad}");
        assert_eq!(e.violations()[0].field, "domains[0]", "{bad}");
    }
    // The CSR's common name must be the bound domain (Tencent requires it).
    let e = w
        .orders
        .submit_info(
            &me(),
            order.id(),
            CsrSource::Existing(csr.id),
            vec!["other.example.com".into()],
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "order.domains_do_not_fit", "{e}");
    assert!(e.to_string().contains("shop.example.com"), "{e}");
    let fine = w
        .orders
        .submit_info(
            &me(),
            order.id(),
            CsrSource::Existing(csr.id),
            vec!["shop.example.com".into()],
            None,
        )
        .await
        .unwrap();
    assert_eq!(fine.domains(), ["shop.example.com"]);
}

/// The local CA, counting the submissions it is sent.
struct CountingCa {
    inner: Arc<LocalCa>,
    submits: std::sync::atomic::AtomicU32,
}

#[async_trait::async_trait]
impl certdesk::backend::CertificateAuthority for CountingCa {
    async fn submit(
        &self,
        request: certdesk::backend::IssueRequest,
    ) -> Result<String, certdesk::backend::CaError> {
        self.submits
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        // A slow CA: both callers are inside advance at once.
        tokio::time::sleep(Duration::from_millis(50)).await;
        self.inner.submit(request).await
    }

    async fn status(
        &self,
        ticket: &str,
    ) -> Result<certdesk::backend::CaStatus, certdesk::backend::CaError> {
        self.inner.status(ticket).await
    }

    async fn revoke(
        &self,
        ticket: &str,
    ) -> Result<certdesk::backend::Revocation, certdesk::backend::CaError> {
        self.inner.revoke(ticket).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_concurrent_advances_submit_to_the_ca_once() {
    let w = world(false).await;
    let counting = Arc::new(CountingCa {
        inner: w.ca.clone(),
        submits: std::sync::atomic::AtomicU32::new(0),
    });
    let orders = OrderService::builder(w.store.clone(), w.csrs.clone(), counting.clone())
        .clock(w.clock.clone())
        .build();
    let order = validated(&w, "once.example.com").await;
    let scope = me();
    let (a, b) = tokio::join!(
        orders.advance(&scope, order.id()),
        orders.advance(&scope, order.id())
    );
    a.unwrap();
    b.unwrap();
    assert_eq!(
        counting.submits.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "one submission"
    );
    // The next polls follow the one ticket to the certificate.
    let issued = orders.advance(&me(), order.id()).await.unwrap();
    let issued = if issued.state() == &OrderState::Issued {
        issued
    } else {
        orders.advance(&me(), order.id()).await.unwrap()
    };
    assert_eq!(issued.state(), &OrderState::Issued);
    assert_eq!(
        counting.submits.load(std::sync::atomic::Ordering::SeqCst),
        1
    );
}

/// A resolver that answers nothing for two seconds, then "no such name".
struct SlowResolver;

#[async_trait::async_trait]
impl certdesk::backend::DnsResolver for SlowResolver {
    async fn txt(&self, name: &str) -> Result<Vec<String>, certdesk::backend::DnsError> {
        tokio::time::sleep(Duration::from_secs(2)).await;
        Err(certdesk::backend::DnsError::NoSuchName(name.into()))
    }
    async fn cname_chain(&self, name: &str) -> Result<Vec<String>, certdesk::backend::DnsError> {
        tokio::time::sleep(Duration::from_secs(2)).await;
        Err(certdesk::backend::DnsError::NoSuchName(name.into()))
    }
    async fn ips(&self, name: &str) -> Result<Vec<IpAddr>, certdesk::backend::DnsError> {
        tokio::time::sleep(Duration::from_secs(2)).await;
        Err(certdesk::backend::DnsError::NoSuchName(name.into()))
    }
}

#[tokio::test]
async fn domain_checks_run_together_under_one_deadline() {
    use std::time::Instant;
    let w = world(false).await;
    let slow = |deadline| {
        OrderService::builder(w.store.clone(), w.csrs.clone(), w.ca.clone())
            .resolver(Arc::new(SlowResolver))
            .clock(w.clock.clone())
            .check_deadline(deadline)
            .build()
    };
    let product = Product::paid(
        Brand::GeoTrust,
        ValidationType::Dv,
        DomainType::Multiple,
        AlgorithmStandard::International,
    );
    let domains: Vec<String> = (0..6).map(|i| format!("m{i}.example.com")).collect();
    let order = w.orders.create_paid(&me(), product).await.unwrap();
    let mut csr_form = form("m0.example.com");
    csr_form.sans = domains.clone();
    w.orders
        .submit_info(
            &me(),
            order.id(),
            CsrSource::Generate {
                form: csr_form,
                password: None,
            },
            domains.clone(),
            None,
        )
        .await
        .unwrap();
    w.orders
        .choose_validation(&me(), order.id(), ValidationMethod::Dns)
        .await
        .unwrap();
    // Six checks of two seconds each, together: about two seconds, not twelve.
    let started = Instant::now();
    let (_, checks) = slow(Duration::from_secs(30))
        .check_validation(&me(), order.id())
        .await
        .unwrap();
    let took = started.elapsed();
    assert_eq!(checks.len(), 6);
    assert!(
        took < Duration::from_secs(6),
        "checks ran one after another: {took:?}"
    );
    // Under a deadline shorter than one check: every check counts as not found, in time.
    let started = Instant::now();
    let (_, checks) = slow(Duration::from_millis(300))
        .check_validation(&me(), order.id())
        .await
        .unwrap();
    assert!(started.elapsed() < Duration::from_millis(1500));
    assert!(checks.iter().all(|c| c.outcome == CheckOutcome::NsNotFound));
}

#[tokio::test]
async fn order_listings_are_paged_and_calls_rate_limited() {
    let w = world(false).await;
    let page = |limit| certdesk::backend::Page { offset: 0, limit };
    for limit in [0, 1001] {
        let e = w.orders.list(&me(), page(limit)).await.unwrap_err();
        assert_eq!(e.violations()[0].code, "page.limit_out_of_range");
    }
    assert_eq!(w.orders.list(&me(), page(1000)).await.unwrap().total, 0);
    let limited = OrderService::builder(w.store.clone(), w.csrs.clone(), w.ca.clone())
        .clock(w.clock.clone())
        .rate_limit(certdesk::service::RateLimit {
            per_second: 1,
            burst: 2,
        })
        .build();
    limited.list(&me(), page(10)).await.unwrap();
    limited.list(&me(), page(10)).await.unwrap();
    let e = limited.list(&me(), page(10)).await.unwrap_err();
    assert_eq!(e.code(), "service.rate_limited");
    // Another account has its own bucket.
    let other = Scope::new("100099999999", "ap-guangzhou");
    limited.list(&other, page(10)).await.unwrap();
}

/// A CSR deleted while an order picks it: the delete comes between the order's check of the
/// CSR and the order's save. The delete is refused and the order keeps its CSR; once the order
/// has ended, the CSR can go.
#[tokio::test]
async fn a_csr_cannot_be_deleted_while_an_order_picks_it() {
    let store = Arc::new(MemoryStore::new());
    let hooked = Arc::new(common::hooked::Hooked::new(store.clone()));
    let clock = Arc::new(FixedClock::new(time::OffsetDateTime::now_utc()));
    let csrs = Arc::new(
        CsrService::new(store.clone(), Arc::new(AesGcmVault::new("k", [5; 32])))
            .with_orders(hooked.clone())
            .with_clock(clock.clone()),
    );
    let ca = Arc::new(
        LocalCa::with_keys("certdesk Test", certdesk::KeySpec::EcP256, clock.clone()).unwrap(),
    );
    let orders = OrderService::builder(hooked.clone(), csrs.clone(), ca)
        .clock(clock.clone())
        .build();
    let record = csrs
        .create(
            &me(),
            &Product::free_trustasia_dv().profile(),
            NewCsr {
                form: form("shop.example.com"),
                generate: true,
                ..NewCsr::default()
            },
        )
        .await
        .unwrap();
    let product = Product::paid(
        Brand::GeoTrust,
        ValidationType::Dv,
        DomainType::Single,
        AlgorithmStandard::International,
    );
    let order = orders.create_paid(&me(), product).await.unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let deleter = csrs.clone();
    let id = record.id;
    hooked.before_next_save(async move {
        let _ = tx.send(deleter.delete(&me(), id).await);
    });
    let submitted = orders
        .submit_info(
            &me(),
            order.id(),
            CsrSource::Existing(id),
            vec!["shop.example.com".into()],
            None,
        )
        .await
        .unwrap();
    let deleted = rx.await.unwrap();
    assert_eq!(deleted.unwrap_err().code(), "service.in_use");
    assert_eq!(submitted.csr().unwrap().id, id.to_string());
    csrs.details(&me(), id).await.unwrap();
    // Saved, the order itself keeps the CSR; ended, it lets it go (within the hold too).
    assert_eq!(
        csrs.delete(&me(), id).await.unwrap_err().code(),
        "service.in_use"
    );
    orders.cancel(&me(), order.id()).await.unwrap();
    csrs.delete(&me(), id).await.unwrap();
}

/// A pick whose order never got saved (the application failed) holds the CSR for
/// `CSR_PICK_HOLD`, then lets it go.
#[tokio::test]
async fn an_abandoned_pick_lapses() {
    let w = world(false).await;
    let record = w
        .csrs
        .create(
            &me(),
            &Product::free_trustasia_dv().profile(),
            NewCsr {
                form: form("lapse.example.com"),
                generate: true,
                ..NewCsr::default()
            },
        )
        .await
        .unwrap();
    // The free application checks and picks the CSR, then fails: the quota is spent.
    for i in 0..20 {
        let domain = format!("s{i}.example.com");
        w.orders
            .apply_free(&me(), &domain, ValidationMethod::Dns, generated(&domain))
            .await
            .unwrap();
    }
    let e = w
        .orders
        .apply_free(
            &me(),
            "lapse.example.com",
            ValidationMethod::Dns,
            CsrSource::Existing(record.id),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "quota.primary_domain_limit", "{e}");
    assert_eq!(
        w.csrs.delete(&me(), record.id).await.unwrap_err().code(),
        "service.in_use"
    );
    w.clock.advance(certdesk::service::CSR_PICK_HOLD);
    w.csrs.delete(&me(), record.id).await.unwrap();
}

/// The guide's free form: "Validity period 1 year" (the default product); one certificate is
/// cut to what the Baseline Requirements allow on the day it is issued. And "Free SSL
/// certificates do not support renewal ... " unless the service is set to the vendor's
/// current product, which renews within 30 days of expiry.
#[tokio::test]
async fn a_free_certificate_lasts_a_year_cut_to_the_br_and_is_not_renewed_by_default() {
    let w = world(false).await;
    let order = validated(&w, "year.example.com").await;
    w.orders.advance(&me(), order.id()).await.unwrap();
    let issued = w.orders.advance(&me(), order.id()).await.unwrap();
    let cert = issued.certificate().unwrap();
    let now = certdesk::backend::Clock::now(&*w.clock);
    let year = certdesk::order::add_months(now, 12) - now;
    let expected = year.min(certdesk::order::baseline_max_validity(now));
    assert_eq!(
        (cert.not_after - cert.not_before).whole_days(),
        expected.whole_days()
    );
    w.clock
        .advance(cert.not_after - now - time::Duration::days(10));
    let e = w.orders.renew(&me(), order.id()).await.unwrap_err();
    assert_eq!(e.code(), "order.free_not_renewable", "{e}");

    // The vendor's current free product: three months, renewable.
    let store = w.store.clone();
    let current = OrderService::builder(store, w.csrs.clone(), w.ca.clone())
        .clock(w.clock.clone())
        .free_product(Product::free_trustasia_dv_current())
        .build();
    let order = current
        .apply_free(
            &me(),
            "quarter.example.com",
            ValidationMethod::Dns,
            generated("quarter.example.com"),
        )
        .await
        .unwrap();
    assert_eq!(order.product().validity_months, 3);
    assert!(order.product().free_renewal);
}

/// A CSR made with `key` (and `hash`, when given) through the baseline profile, which offers
/// every key.
async fn csr_with(w: &World, cn: Option<&str>, key: &str, hash: Option<&str>) -> u64 {
    csr_named(w, cn, cn.unwrap_or("shop.example.com"), key, hash).await
}

/// A CSR with this common name (or none) and one SAN.
async fn csr_named(w: &World, cn: Option<&str>, san: &str, key: &str, hash: Option<&str>) -> u64 {
    w.csrs
        .create(
            &me(),
            &Profile::baseline(),
            NewCsr {
                form: CsrForm {
                    common_name: cn.map(Into::into),
                    key: Some(key.into()),
                    hash: hash.map(Into::into),
                    sans: vec![san.to_owned()],
                    ..CsrForm::default()
                },
                generate: true,
                ..NewCsr::default()
            },
        )
        .await
        .unwrap()
        .id
}

/// The free form offers "Algorithm RSA algorithm ECC algorithm" (RSA 2048, ECC P-256, as the
/// free certificate's API takes them); the paid forms "Key length 2048 ... Signature algorithm
/// RSA 256 SHA 384". A CSR made elsewhere must use a key and hash the product offers, not only
/// the right family.
#[tokio::test]
async fn an_order_takes_only_the_keys_and_hashes_its_product_offers() {
    let w = world(false).await;
    for key in ["ec-p384", "rsa3072", "ec-p521"] {
        let id = csr_with(&w, Some("keys.example.com"), key, None).await;
        let e = w
            .orders
            .apply_free(
                &me(),
                "keys.example.com",
                ValidationMethod::Dns,
                CsrSource::Existing(id),
            )
            .await
            .unwrap_err();
        assert_eq!(e.violations()[0].code, "key.not_offered", "{key}: {e}");
        assert_eq!(e.violations()[0].field, "csr.key");
    }
    // RSA 2048 signed with SHA-384: the free certificate takes SHA-256 only.
    let id = csr_with(&w, Some("keys.example.com"), "rsa2048", Some("sha384")).await;
    let e = w
        .orders
        .apply_free(
            &me(),
            "keys.example.com",
            ValidationMethod::Dns,
            CsrSource::Existing(id),
        )
        .await
        .unwrap_err();
    assert_eq!(e.violations()[0].code, "hash.not_offered", "{e}");
    // The paid DV product takes P-384, not RSA 3072.
    let paid = Product::paid(
        Brand::GeoTrust,
        ValidationType::Dv,
        DomainType::Single,
        AlgorithmStandard::International,
    );
    let order = w.orders.create_paid(&me(), paid.clone()).await.unwrap();
    let rsa3072 = csr_with(&w, Some("keys.example.com"), "rsa3072", None).await;
    let e = w
        .orders
        .submit_info(
            &me(),
            order.id(),
            CsrSource::Existing(rsa3072),
            vec!["keys.example.com".into()],
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(e.violations()[0].code, "key.not_offered", "{e}");
    let p384 = csr_with(&w, Some("keys.example.com"), "ec-p384", None).await;
    w.orders
        .submit_info(
            &me(),
            order.id(),
            CsrSource::Existing(p384),
            vec!["keys.example.com".into()],
            None,
        )
        .await
        .unwrap();
}

/// "For "tencent.com", the certificate applies only to "www.tencent.com", but not
/// "ssl.tencent.com"": an order bound to an apex domain gets a certificate for the apex and
/// `www.`; one bound to a subdomain, for that name only. A CSR's common name must be the
/// bound domain.
#[tokio::test]
async fn an_apex_order_is_certified_with_www_and_the_csr_names_the_bound_domain() {
    let w = world(false).await;
    let order = validated(&w, "example.com").await;
    assert_eq!(order.certified_names(), ["example.com", "www.example.com"]);
    w.orders.advance(&me(), order.id()).await.unwrap();
    w.orders.advance(&me(), order.id()).await.unwrap();
    let bundle = w
        .orders
        .download(&me(), order.id(), ServerKind::Nginx, None)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.pem"), bundle.files[0].1.as_slice()).unwrap();
    let text = common::openssl_ok(
        dir.path(),
        &["x509", "-in", "c.pem", "-noout", "-ext", "subjectAltName"],
    );
    assert!(
        text.contains("DNS:example.com, DNS:www.example.com"),
        "{text}"
    );
    let sub = validated(&w, "ssl.example.com").await;
    assert_eq!(sub.certified_names(), ["ssl.example.com"]);

    // A CSR for another name than the bound domain, or with no common name, is refused.
    for cn in [Some("www.shop.example.com"), None] {
        let id = csr_with(&w, cn, "ec-p256", None).await;
        let e = w
            .orders
            .apply_free(
                &me(),
                "shop.example.com",
                ValidationMethod::Dns,
                CsrSource::Existing(id),
            )
            .await
            .unwrap_err();
        assert_eq!(e.code(), "order.domains_do_not_fit", "{cn:?}: {e}");
        assert!(
            e.to_string()
                .contains("must be the bound domain shop.example.com"),
            "{e}"
        );
    }
}

/// The console: "do not delete the corresponding CSR" of an issued certificate. Deleting it
/// is refused while the order holds its certificate; forced, the order keeps a copy and its
/// downloads still work.
#[tokio::test]
async fn the_csr_of_an_issued_order_is_kept_unless_forced_and_downloads_survive() {
    let w = world(false).await;
    let order = validated(&w, "kept.example.com").await;
    w.orders.advance(&me(), order.id()).await.unwrap();
    let issued = w.orders.advance(&me(), order.id()).await.unwrap();
    assert_eq!(issued.state(), &OrderState::Issued);
    let csr_id: u64 = issued.csr().unwrap().id.parse().unwrap();
    let e = w.csrs.delete(&me(), csr_id).await.unwrap_err();
    assert_eq!(e.code(), "service.in_use", "{e}");
    // Another account cannot force it either.
    assert_eq!(
        w.csrs
            .force_delete(&Scope::new("100099999999", "ap-guangzhou"), csr_id)
            .await
            .unwrap_err()
            .code(),
        "service.not_found"
    );
    let kept = w.csrs.force_delete(&me(), csr_id).await.unwrap();
    assert_eq!(kept, [order.id().to_owned()]);
    assert_eq!(
        w.csrs.details(&me(), csr_id).await.unwrap_err().code(),
        "service.not_found"
    );
    let bundle = w
        .orders
        .download(&me(), order.id(), ServerKind::Nginx, None)
        .await
        .unwrap();
    verify_bundle(&w, &bundle.files, "kept.example.com_bundle.crt");
    assert!(
        bundle
            .files
            .iter()
            .any(|(n, _)| n == "kept.example.com.key")
    );

    // An open order's CSR is refused even when forced: its issuance needs it.
    let open = w
        .orders
        .apply_free(
            &me(),
            "open.example.com",
            ValidationMethod::Dns,
            generated("open.example.com"),
        )
        .await
        .unwrap();
    let open_csr: u64 = open.csr().unwrap().id.parse().unwrap();
    assert_eq!(
        w.csrs
            .force_delete(&me(), open_csr)
            .await
            .unwrap_err()
            .code(),
        "service.in_use"
    );
}

/// Automatic DNS validation "based on ... whether the domain is on DNSPod for DNS
/// resolution": offered, and accepted when chosen, only for domains in the account's zones on
/// the DNS provider; refused when chosen, not later when the records are published.
#[tokio::test]
async fn automatic_dns_is_offered_only_for_domains_on_the_accounts_dns_provider() {
    use ValidationMethod::*;
    let w = world(false).await;
    let e = w
        .orders
        .apply_free(
            &me(),
            "shop.otherzone.com",
            DnsAuto,
            generated("shop.otherzone.com"),
        )
        .await
        .unwrap_err();
    assert_eq!(
        e.violations()[0].code,
        "validation.not_on_dns_provider",
        "{e}"
    );
    // Another customer's zone on the same provider is not the account's.
    let e = w
        .orders
        .apply_free(
            &me(),
            "www.victim.example.net",
            DnsAuto,
            generated("www.victim.example.net"),
        )
        .await
        .unwrap_err();
    assert_eq!(e.violations()[0].code, "validation.not_on_dns_provider");

    let paid = Product::paid(
        Brand::GeoTrust,
        ValidationType::Dv,
        DomainType::Single,
        AlgorithmStandard::International,
    );
    for (domain, offered) in [
        ("shop.example.com", vec![Dns, DnsAuto, File]),
        ("shop.otherzone.com", vec![Dns, File]),
    ] {
        let order = w.orders.create_paid(&me(), paid.clone()).await.unwrap();
        w.orders
            .submit_info(
                &me(),
                order.id(),
                generated(domain),
                vec![domain.into()],
                None,
            )
            .await
            .unwrap();
        assert_eq!(
            w.orders.offered_methods(&me(), order.id()).await.unwrap(),
            offered
        );
        let chosen = w.orders.choose_validation(&me(), order.id(), DnsAuto).await;
        assert_eq!(
            chosen.is_ok(),
            offered.contains(&DnsAuto),
            "{domain}: {chosen:?}"
        );
        let e = w
            .orders
            .choose_validation(&me(), order.id(), DnsProxy)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "order.method_not_offered");
    }
}

/// The quota "Rules for Free Certificate Quota": "If the domain you are applying for belongs
/// to Tencent Cloud, one Tencent Cloud domain quota will be deducted first"; an application
/// that fails (here: not validated within the window) gives its place back, as a cancelled
/// one does.
#[tokio::test]
async fn registered_domains_use_their_pool_and_failed_applications_give_quota_back() {
    use certdesk::backend::{BackendError, DomainRegistry, OrderStore};
    use certdesk::order::QuotaPool;
    struct Registered;
    #[async_trait::async_trait]
    impl DomainRegistry for Registered {
        async fn registered(&self, scope: &Scope, primary: &str) -> Result<bool, BackendError> {
            Ok(scope.account == me().account && primary == "example.com")
        }
    }
    let w = world(false).await;
    let orders = OrderService::builder(w.store.clone(), w.csrs.clone(), w.ca.clone())
        .clock(w.clock.clone())
        .domain_registry(Arc::new(Registered))
        .build();
    let pools = || async {
        w.store
            .get_quota(&me().account_wide())
            .await
            .unwrap()
            .map(|(l, _)| l.deductions().iter().map(|d| d.pool).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    let ours = orders
        .apply_free(
            &me(),
            "reg.example.com",
            ValidationMethod::Dns,
            generated("reg.example.com"),
        )
        .await
        .unwrap();
    orders
        .apply_free(
            &me(),
            "shop.otherzone.com",
            ValidationMethod::Dns,
            generated("shop.otherzone.com"),
        )
        .await
        .unwrap();
    assert_eq!(
        pools().await,
        [QuotaPool::TencentDomains, QuotaPool::AnyDomain]
    );
    // Not validated in 7 days: failed, and its place is free again.
    w.clock.advance(time::Duration::days(8));
    let (failed, _) = orders.check_validation(&me(), ours.id()).await.unwrap();
    assert!(matches!(failed.state(), OrderState::Failed { .. }));
    assert_eq!(pools().await, [QuotaPool::AnyDomain]);
    // An issued free certificate gives its place back when it expires.
    let w2 = world(false).await;
    let issued = validated(&w2, "exp.example.com").await;
    w2.orders.advance(&me(), issued.id()).await.unwrap();
    let issued = w2.orders.advance(&me(), issued.id()).await.unwrap();
    let held = || async {
        w2.store
            .get_quota(&me().account_wide())
            .await
            .unwrap()
            .map_or(0, |(l, _)| l.deductions().len())
    };
    assert_eq!(held().await, 1);
    let end = issued.certificate().unwrap().not_after;
    let now = certdesk::backend::Clock::now(&*w2.clock);
    w2.clock.advance(end - now + time::Duration::days(1));
    let expired = w2.orders.tick(&me(), issued.id()).await.unwrap();
    assert_eq!(expired.state(), &OrderState::Expired);
    assert_eq!(held().await, 0);
}

/// The public key of a bundle's certificate and of its key file, as OpenSSL prints them.
fn bundle_keys(files: &[(String, zeroize::Zeroizing<Vec<u8>>)]) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes.as_slice()).unwrap();
    }
    let cert = files.iter().find(|(n, _)| n.ends_with(".crt")).unwrap();
    let key = files.iter().find(|(n, _)| n.ends_with(".key")).unwrap();
    (
        common::openssl_ok(dir.path(), &["x509", "-in", &cert.0, "-noout", "-pubkey"]),
        common::openssl_ok(dir.path(), &["pkey", "-in", &key.0, "-pubout"]),
    )
}

/// Reissue ("a reissue within 3 days skips validation"; later the domains are validated
/// again), upgrade of a free certificate keeping its domain, and deletion of orders with no
/// valid certificate, as service calls.
#[tokio::test]
async fn reissue_upgrade_and_delete_are_service_calls() {
    let w = world(false).await;
    let order = validated(&w, "re.example.com").await;
    w.orders.advance(&me(), order.id()).await.unwrap();
    let first = w.orders.advance(&me(), order.id()).await.unwrap();
    let first_serial = first.certificate().unwrap().serial.clone();
    // Within 3 days: no new validation; a new key, a new submission, a new certificate.
    w.clock.advance(time::Duration::days(1));
    let reissuing = w
        .orders
        .reissue(&me(), order.id(), generated("re.example.com"))
        .await
        .unwrap();
    assert_eq!(reissuing.state(), &OrderState::PendingIssuance);
    assert_ne!(reissuing.csr(), first.csr());
    w.orders.advance(&me(), order.id()).await.unwrap();
    let again = w.orders.advance(&me(), order.id()).await.unwrap();
    assert_eq!(again.state(), &OrderState::Issued);
    assert_ne!(again.certificate().unwrap().serial, first_serial);
    let bundle = w
        .orders
        .download(&me(), order.id(), ServerKind::Nginx, None)
        .await
        .unwrap();
    // (The test clock is a day ahead: OpenSSL would call the certificate not yet valid.)
    let (cert_key, file_key) = bundle_keys(&bundle.files);
    assert_eq!(cert_key, file_key, "the certificate is the new key's");
    // A reissue names the same domain: a CSR for another is refused.
    let e = w
        .orders
        .reissue(&me(), first.id(), generated("other.example.com"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "order.domains_do_not_fit", "{e}");
    // Later than 3 days after that issuance: validated again.
    w.clock.advance(time::Duration::days(4));
    let later = w
        .orders
        .reissue(&me(), order.id(), generated("re.example.com"))
        .await
        .unwrap();
    assert_eq!(
        later.state().step(),
        Some(certdesk::order::Step::ValidateDomain)
    );

    // Upgrade: a paid order bound to the free certificate's domain.
    let free = validated(&w, "up.example.com").await;
    w.orders.advance(&me(), free.id()).await.unwrap();
    w.orders.advance(&me(), free.id()).await.unwrap();
    let paid = Product::paid(
        Brand::GeoTrust,
        ValidationType::Dv,
        DomainType::Single,
        AlgorithmStandard::International,
    );
    let up = w.orders.upgrade(&me(), free.id(), paid).await.unwrap();
    assert_eq!(up.upgrade_of(), Some(free.id()));
    let e = w
        .orders
        .submit_info(
            &me(),
            up.id(),
            generated("x.example.com"),
            vec!["x.example.com".into()],
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "order.upgrade_changes_domains");

    // Delete: an issued order is refused; an open free one goes and gives its quota back.
    let e = w.orders.delete(&me(), free.id()).await.unwrap_err();
    assert_eq!(e.violations()[0].code, "order.not_deletable");
    let used = || async {
        use certdesk::backend::OrderStore;
        w.store
            .get_quota(&me().account_wide())
            .await
            .unwrap()
            .map_or(0, |(l, _)| l.deductions().len())
    };
    let open = w
        .orders
        .apply_free(
            &me(),
            "gone.example.com",
            ValidationMethod::Dns,
            generated("gone.example.com"),
        )
        .await
        .unwrap();
    let before = used().await;
    w.orders.delete(&me(), open.id()).await.unwrap();
    assert_eq!(used().await, before - 1);
    assert_eq!(
        w.orders.get(&me(), open.id()).await.unwrap_err().code(),
        "service.order_not_found"
    );
    assert_eq!(
        w.orders
            .delete(&Scope::new("100099999999", "ap-guangzhou"), free.id())
            .await
            .unwrap_err()
            .code(),
        "service.order_not_found"
    );
}

/// A fetcher that serves the files put into it (as the web server at a public address would).
#[derive(Default)]
struct ServedFiles(std::sync::Mutex<std::collections::HashMap<String, String>>);

#[async_trait::async_trait]
impl certdesk::backend::HttpFetcher for ServedFiles {
    async fn get(
        &self,
        url: &str,
    ) -> Result<certdesk::backend::HttpResponse, certdesk::backend::FetchError> {
        let body = self.0.lock().unwrap().get(url).cloned();
        Ok(certdesk::backend::HttpResponse {
            status: if body.is_some() { 200 } else { 404 },
            body: body.unwrap_or_default().into_bytes(),
            final_url: url.to_owned(),
        })
    }
}

/// GM: "single domain or public IP address". A DNSPod GM DV certificate for 1.1.1.1: the CSR
/// names the address, the file is checked at `http://1.1.1.1/.well-known/pki-validation/`,
/// and the certificate carries it as an iPAddress name.
#[tokio::test]
async fn an_ip_certificate_is_validated_by_file_and_carries_an_ip_address_name() {
    let w = world(false).await;
    let files = Arc::new(ServedFiles::default());
    let orders = OrderService::builder(w.store.clone(), w.csrs.clone(), w.ca.clone())
        .clock(w.clock.clone())
        .fetcher(files.clone())
        .build();
    let gm = Product::paid(
        Brand::DnsPod,
        ValidationType::Dv,
        DomainType::Single,
        AlgorithmStandard::Gm,
    );
    let order = orders.create_paid(&me(), gm.clone()).await.unwrap();
    let source = CsrSource::Generate {
        form: CsrForm {
            common_name: Some("1.1.1.1".into()),
            sans: vec!["1.1.1.1".into()],
            key: Some("sm2".into()),
            ..CsrForm::default()
        },
        password: None,
    };
    orders
        .submit_info(&me(), order.id(), source, vec!["1.1.1.1".into()], None)
        .await
        .unwrap();
    assert_eq!(
        orders.offered_methods(&me(), order.id()).await.unwrap(),
        [ValidationMethod::File]
    );
    let e = orders
        .choose_validation(&me(), order.id(), ValidationMethod::Dns)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "order.dns_validation_for_ip");
    orders
        .choose_validation(&me(), order.id(), ValidationMethod::File)
        .await
        .unwrap();
    let challenges = orders.challenges(&me(), order.id()).await.unwrap();
    let Challenge::File { urls, content, .. } = &challenges[0] else {
        panic!("not a file challenge")
    };
    assert!(urls[0].starts_with("http://1.1.1.1/.well-known/pki-validation/"));
    files
        .0
        .lock()
        .unwrap()
        .insert(urls[0].clone(), content.clone());
    let (validated, checks) = orders.check_validation(&me(), order.id()).await.unwrap();
    assert_eq!(checks[0].outcome, CheckOutcome::Passed);
    assert_eq!(validated.state(), &OrderState::PendingIssuance);
    orders.advance(&me(), order.id()).await.unwrap();
    let issued = orders.advance(&me(), order.id()).await.unwrap();
    assert_eq!(issued.state(), &OrderState::Issued);
    let bundle = orders
        .download(&me(), order.id(), ServerKind::Nginx, None)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.pem"), bundle.files[0].1.as_slice()).unwrap();
    let text = common::openssl_ok(dir.path(), &["x509", "-in", "c.pem", "-noout", "-text"]);
    assert!(text.contains("IP Address:1.1.1.1"), "{text}");
    assert!(
        text.contains("CN = 1.1.1.1") || text.contains("CN=1.1.1.1"),
        "{text}"
    );

    // A reserved address is refused before anything is stored.
    let order = orders.create_paid(&me(), gm).await.unwrap();
    let e = orders
        .submit_info(
            &me(),
            order.id(),
            generated("shop.example.com"),
            vec!["192.168.1.1".into()],
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(e.violations()[0].code, "ip.reserved", "{e}");
}

/// The guide: "click Download Confirmation Letter Template and fill in the application
/// information": the template comes filled with the order's product, domains, organization,
/// administrator and contact, with lines for the seal, signature and date; a product without
/// a letter step has none.
#[tokio::test]
async fn the_confirmation_letter_template_is_filled_with_the_order() {
    let w = world(false).await;
    let ov = Product::paid(
        Brand::GeoTrust,
        ValidationType::Ov,
        DomainType::Single,
        AlgorithmStandard::International,
    );
    let order = w.orders.create_paid(&me(), ov).await.unwrap();
    w.orders
        .submit_info(
            &me(),
            order.id(),
            generated("ov.example.com"),
            vec!["ov.example.com".into()],
            Some(info()),
        )
        .await
        .unwrap();
    let (name, text) = w.orders.letter_template(&me(), order.id()).await.unwrap();
    assert_eq!(name, format!("confirmation-letter-{}.txt", order.id()));
    let i = info();
    for expected in [
        order.id(),
        "ov.example.com",
        i.organization.name.as_str(),
        i.organization.address.as_str(),
        i.admin.name.as_str(),
        i.admin.email.as_str(),
        "Official seal:",
        "Date:",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    let dv = validated(&w, "dv.example.com").await;
    let e = w.orders.letter_template(&me(), dv.id()).await.unwrap_err();
    assert_eq!(e.violations()[0].code, "letter.not_needed");
}

/// "Multi-year certificates include multiple one-year certificates. After purchase, the first
/// certificate will be issued first, and the system will automatically apply for the second
/// one before the first certificate is about to expire." A 24-month product gets one
/// certificate of at most a year (cut to the BR), knows how many remain, and `advance` starts
/// the next when it is due; the CA's check (`CaCheck`) is reported beside the local one.
#[tokio::test]
async fn a_multi_year_order_issues_one_certificate_at_a_time() {
    let w = world(false).await;
    let mut two_years = Product::paid(
        Brand::GeoTrust,
        ValidationType::Dv,
        DomainType::Single,
        AlgorithmStandard::International,
    );
    two_years.validity_months = 24;
    let order = w.orders.create_paid(&me(), two_years).await.unwrap();
    w.orders
        .submit_info(
            &me(),
            order.id(),
            generated("multi.example.com"),
            vec!["multi.example.com".into()],
            None,
        )
        .await
        .unwrap();
    w.orders
        .choose_validation(&me(), order.id(), ValidationMethod::DnsAuto)
        .await
        .unwrap();
    let before = w.orders.get(&me(), order.id()).await.unwrap();
    assert_eq!(before.ca_check().tencent_ca_check(), -1);
    w.orders.publish_dns(&me(), order.id()).await.unwrap();
    w.orders.check_validation(&me(), order.id()).await.unwrap();
    let pending = w.orders.get(&me(), order.id()).await.unwrap();
    assert_eq!(pending.ca_check().tencent_ca_check(), 2);
    w.orders.advance(&me(), order.id()).await.unwrap();
    let first = w.orders.advance(&me(), order.id()).await.unwrap();
    let cert = first.certificate().unwrap().clone();
    let days = (cert.not_after - cert.not_before).whole_days();
    assert!(days <= 365, "one certificate, not a 730-day one: {days}");
    let remaining = first.certificates_remaining();
    assert!(remaining >= 1, "{remaining}");
    let due = first.next_certificate_due().unwrap();
    assert_eq!(due, cert.not_after - time::Duration::days(30));
    // Not due yet: nothing happens.
    assert_eq!(
        w.orders.advance(&me(), order.id()).await.unwrap().version(),
        first.version()
    );
    // Due: the next certificate starts; validated again or reused as the BR allow.
    let now = certdesk::backend::Clock::now(&*w.clock);
    w.clock.advance(due - now);
    let next = w.orders.advance(&me(), order.id()).await.unwrap();
    if next.state().step() == Some(certdesk::order::Step::ValidateDomain) {
        w.orders.publish_dns(&me(), order.id()).await.unwrap();
        w.orders.check_validation(&me(), order.id()).await.unwrap();
    }
    let mut second = w.orders.advance(&me(), order.id()).await.unwrap();
    for _ in 0..3 {
        if second.state() == &OrderState::Issued {
            break;
        }
        second = w.orders.advance(&me(), order.id()).await.unwrap();
    }
    assert_eq!(second.state(), &OrderState::Issued);
    let cert2 = second.certificate().unwrap();
    assert_ne!(cert2.serial, cert.serial);
    assert!(cert2.not_after > cert.not_after);
    assert!(second.certificates_remaining() < remaining);
    assert!(cert2.not_after <= second.period_ends_at().unwrap());
}

/// Validation reuse looked up from the account's own orders when a new one is submitted: the
/// Baseline Requirements' reuse period for international certificates (the guide: "Once the
/// domain verification is successful, the verification will be retained for 13 months" for
/// GM under the same organization). A second DV order for a domain validated days ago goes
/// straight to the CA; another account's validation is not reused.
#[tokio::test]
async fn a_new_order_reuses_the_accounts_recent_validation_of_its_domain() {
    let w = world(false).await;
    let dv = Product::paid(
        Brand::GeoTrust,
        ValidationType::Dv,
        DomainType::Single,
        AlgorithmStandard::International,
    );
    let submit_and_choose = |scope: Scope| {
        let w = &w;
        let dv = dv.clone();
        async move {
            let order = w.orders.create_paid(&scope, dv).await.unwrap();
            w.orders
                .submit_info(
                    &scope,
                    order.id(),
                    generated("reuse.example.com"),
                    vec!["reuse.example.com".into()],
                    None,
                )
                .await
                .unwrap();
            w.orders
                .choose_validation(&scope, order.id(), ValidationMethod::Dns)
                .await
                .unwrap()
        }
    };
    let first = w.orders.create_paid(&me(), dv.clone()).await.unwrap();
    w.orders
        .submit_info(
            &me(),
            first.id(),
            generated("reuse.example.com"),
            vec!["reuse.example.com".into()],
            None,
        )
        .await
        .unwrap();
    w.orders
        .choose_validation(&me(), first.id(), ValidationMethod::DnsAuto)
        .await
        .unwrap();
    w.orders.publish_dns(&me(), first.id()).await.unwrap();
    let (validated, _) = w.orders.check_validation(&me(), first.id()).await.unwrap();
    assert_eq!(validated.state(), &OrderState::PendingIssuance);
    w.clock.advance(time::Duration::days(10));
    let second = submit_and_choose(me()).await;
    assert_eq!(
        second.state(),
        &OrderState::PendingIssuance,
        "validated 10 days ago: reused"
    );
    // Another account's order of the same domain validates for itself.
    let other = submit_and_choose(Scope::new("100077777777", "ap-guangzhou")).await;
    assert_eq!(
        other.state().step(),
        Some(certdesk::order::Step::ValidateDomain)
    );
    // Past the BR period the validation is done again.
    w.clock.advance(time::Duration::days(400));
    let late = submit_and_choose(me()).await;
    assert_eq!(
        late.state().step(),
        Some(certdesk::order::Step::ValidateDomain)
    );
}

/// What the forms collect is kept: the free form's "Application email", alias, tags, project,
/// `DeleteDnsAutoRecord` and `ValidityPeriod`; the paid form's company type, postal code and
/// first and last names. On the order, in its events, and checked (every problem at once).
#[tokio::test]
async fn the_application_forms_details_are_kept_on_the_order() {
    use certdesk::order::{ApplicationDetails, Change, CompanyType, OrderTag, PersonName};
    let w = world(false).await;
    let details = ApplicationDetails {
        contact_email: Some("ops@example.com".into()),
        alias: Some("shop front".into()),
        tags: vec![OrderTag {
            key: "team".into(),
            value: "web".into(),
        }],
        project_id: Some(7),
        delete_dns_auto_record: true,
        validity_period: Some(3),
        ..ApplicationDetails::default()
    };
    let order = w
        .orders
        .apply_free_with(
            &me(),
            "kept.example.com",
            ValidationMethod::DnsAuto,
            generated("kept.example.com"),
            details.clone(),
        )
        .await
        .unwrap();
    assert_eq!(order.details(), &details);
    assert_eq!(order.product().validity_months, 3);
    let stored = w.orders.get(&me(), order.id()).await.unwrap();
    assert_eq!(stored.details(), &details);
    assert!(
        stored
            .history()
            .iter()
            .any(|e| matches!(&e.change, Change::DetailsSet { details: d } if **d == details))
    );
    assert_eq!(Order::replay(stored.header(), stored.history()), stored);

    // Every broken rule at once, nothing stored.
    let bad = ApplicationDetails {
        contact_email: Some("not-an-address".into()),
        alias: Some("x".repeat(201)),
        validity_period: Some(6),
        ..ApplicationDetails::default()
    };
    let e = w
        .orders
        .apply_free_with(
            &me(),
            "bad.example.com",
            ValidationMethod::Dns,
            generated("bad.example.com"),
            bad,
        )
        .await
        .unwrap_err();
    let fields: Vec<&str> = e.violations().iter().map(|v| v.field.as_str()).collect();
    assert_eq!(fields, ["contact_email", "alias", "validity_period"], "{e}");
    // Tags as the vendors bound them, and every free-text detail bounded.
    let bounded = ApplicationDetails {
        tags: vec![
            OrderTag {
                key: "team".into(),
                value: "web".into(),
            },
            OrderTag {
                key: "team".into(),
                value: "x".repeat(256),
            },
        ],
        contact_phone: Some("1".repeat(65)),
        ..ApplicationDetails::default()
    };
    let e = w
        .orders
        .apply_free_with(
            &me(),
            "bad.example.com",
            ValidationMethod::Dns,
            generated("bad.example.com"),
            bounded,
        )
        .await
        .unwrap_err();
    let codes: Vec<&str> = e.violations().iter().map(|v| v.code.as_str()).collect();
    assert_eq!(
        codes,
        ["tag.value_too_long", "tag.duplicate_key", "detail.invalid"],
        "{e}"
    );

    // The paid form's.
    let paid = w
        .orders
        .create_paid(
            &me(),
            Product::paid(
                Brand::GeoTrust,
                ValidationType::Ov,
                DomainType::Single,
                AlgorithmStandard::International,
            ),
        )
        .await
        .unwrap();
    let org = ApplicationDetails {
        company_type: Some(CompanyType::Organization),
        postal_code: Some("518000".into()),
        admin_name: Some(PersonName {
            first: "Lei".into(),
            last: "Li".into(),
        }),
        contact_name: Some(PersonName {
            first: "Mei".into(),
            last: String::new(),
        }),
        ..ApplicationDetails::default()
    };
    let e = w
        .orders
        .set_details(&me(), paid.id(), org.clone())
        .await
        .unwrap_err();
    assert_eq!(e.violations()[0].code, "person.name_incomplete");
    let mut org = org;
    org.contact_name = None;
    let kept = w
        .orders
        .set_details(&me(), paid.id(), org.clone())
        .await
        .unwrap();
    assert_eq!(kept.details().company_type, Some(CompanyType::Organization));
    assert_eq!(kept.details().postal_code.as_deref(), Some("518000"));
}

/// "If you use the organization and administrator information in My Profile that has been
/// reviewed, the confirmation letter can be omitted. For GlobalSign certificates, the
/// confirmation letter still needs to be uploaded." And GM orders with the same information
/// as a GM order reviewed within 13 months skip the manual review.
#[tokio::test]
async fn reviewed_information_skips_the_letter_and_gm_skips_the_review() {
    let w = world(false).await;
    certdesk::service::ProfileBook::new(w.store.clone())
        .save(&me(), "My Profile", &info())
        .await
        .unwrap();
    let ov = |brand| {
        Product::paid(
            brand,
            ValidationType::Ov,
            DomainType::Single,
            AlgorithmStandard::International,
        )
    };
    let mut pdf = b"%PDF-1.4\n".to_vec();
    pdf.resize(4096, b' ');
    let submit = |product: Product, domain: &'static str| {
        let w = &w;
        async move {
            let order = w.orders.create_paid(&me(), product).await.unwrap();
            w.orders
                .submit_info_with_profile(
                    &me(),
                    order.id(),
                    generated(domain),
                    vec![domain.into()],
                    "My Profile",
                )
                .await
                .unwrap()
        }
    };
    // Not reviewed yet: the letter is asked for.
    assert!(
        !w.orders
            .profile_reviewed(&me(), "My Profile")
            .await
            .unwrap()
    );
    let first = submit(ov(Brand::GeoTrust), "ov1.example.com").await;
    assert_eq!(
        first.state().step(),
        Some(certdesk::order::Step::UploadLetter)
    );
    w.orders
        .upload_letter(&me(), first.id(), &pdf)
        .await
        .unwrap();
    w.orders.advance(&me(), first.id()).await.unwrap();
    let issued = w.orders.advance(&me(), first.id()).await.unwrap();
    assert_eq!(issued.state(), &OrderState::Issued);
    assert!(issued.review_passed());
    assert!(
        w.orders
            .profile_reviewed(&me(), "My Profile")
            .await
            .unwrap()
    );
    // Reviewed: the next order with the profile goes to the CA's review without a letter.
    let second = submit(ov(Brand::GeoTrust), "ov2.example.com").await;
    assert_eq!(second.state().step(), Some(certdesk::order::Step::CaReview));
    // GlobalSign still wants it.
    let globalsign = submit(ov(Brand::GlobalSign), "ov3.example.com").await;
    assert_eq!(
        globalsign.state().step(),
        Some(certdesk::order::Step::UploadLetter)
    );

    // GM: the first DNSPod GM OV order is reviewed; the second skips the review.
    let gm = Product::paid(
        Brand::DnsPod,
        ValidationType::Ov,
        DomainType::Single,
        AlgorithmStandard::Gm,
    );
    let gm_order = |domain: &'static str| {
        let w = &w;
        let gm = gm.clone();
        let pdf = pdf.clone();
        async move {
            let order = w.orders.create_paid(&me(), gm).await.unwrap();
            let source = CsrSource::Generate {
                form: CsrForm {
                    common_name: Some(domain.into()),
                    key: Some("sm2".into()),
                    ..CsrForm::default()
                },
                password: None,
            };
            w.orders
                .submit_info(&me(), order.id(), source, vec![domain.into()], Some(info()))
                .await
                .unwrap();
            w.orders
                .choose_validation(&me(), order.id(), ValidationMethod::DnsAuto)
                .await
                .unwrap();
            w.orders
                .upload_letter(&me(), order.id(), &pdf)
                .await
                .unwrap();
            w.orders.publish_dns(&me(), order.id()).await.unwrap();
            let (o, _) = w.orders.check_validation(&me(), order.id()).await.unwrap();
            assert_eq!(o.state().step(), Some(certdesk::order::Step::CaReview));
            o
        }
    };
    let g1 = gm_order("gm1.example.com").await;
    let after = w.orders.advance(&me(), g1.id()).await.unwrap();
    assert_eq!(
        after.state().step(),
        Some(certdesk::order::Step::CaReview),
        "reviewed by the CA"
    );
    let g1 = w.orders.advance(&me(), g1.id()).await.unwrap();
    assert!(g1.review_passed());
    let g2 = gm_order("gm2.example.com").await;
    let waived = w.orders.advance(&me(), g2.id()).await.unwrap();
    assert!(
        waived
            .history()
            .iter()
            .any(|e| e.change == certdesk::order::Change::ReviewWaived),
        "{:?}",
        waived.state()
    );
}
