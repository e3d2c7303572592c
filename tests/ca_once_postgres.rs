//! A CA submission is made once across processes: two `OrderService`s, each on its own
//! connection pool to one PostgreSQL database (as two instances of a service would be), advance
//! the same order at once, and the CA is asked once.

#![cfg(all(feature = "postgres", feature = "local-ca"))]

mod pg_server;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use certdesk::backend::{
    AesGcmVault, CaError, CaStatus, CertificateAuthority, IssueRequest, LocalCa, OrderStore,
    PostgresStore, Revocation, Scope,
};
use certdesk::order::{
    CheckOutcome, Command, CsrRef, DomainCheck, Order, OrderState, Product, ValidationMethod,
    ValidationToken,
};
use certdesk::policy::{CsrForm, Profile};
use certdesk::service::{CsrService, NewCsr, OrderService};

struct CountingCa {
    inner: LocalCa,
    submits: AtomicU32,
}

#[async_trait::async_trait]
impl CertificateAuthority for CountingCa {
    async fn submit(&self, request: IssueRequest) -> Result<String, CaError> {
        self.submits.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(50)).await;
        self.inner.submit(request).await
    }

    async fn status(&self, ticket: &str) -> Result<CaStatus, CaError> {
        self.inner.status(ticket).await
    }

    async fn revoke(&self, ticket: &str) -> Result<Revocation, CaError> {
        self.inner.revoke(ticket).await
    }
}

fn me() -> Scope {
    Scope::new("100012345678", "ap-guangzhou")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_services_on_one_database_submit_an_order_once() {
    let server = pg_server::PgServer::start();
    let db = server.fresh_database().await;
    let one = Arc::new(PostgresStore::connect(&server.url(&db)).await.unwrap());
    let two = Arc::new(PostgresStore::connect(&server.url(&db)).await.unwrap());
    let vault = Arc::new(AesGcmVault::new("kek-1", [9; 32]));
    let csrs_one = Arc::new(CsrService::new(one.clone(), vault.clone()).with_orders(one.clone()));
    let csrs_two = Arc::new(CsrService::new(two.clone(), vault).with_orders(two.clone()));
    let ca = Arc::new(CountingCa {
        inner: LocalCa::new("certdesk Test").unwrap(),
        submits: AtomicU32::new(0),
    });
    let service_one = OrderService::builder(one.clone(), csrs_one.clone(), ca.clone()).build();
    let service_two = OrderService::builder(two.clone(), csrs_two, ca.clone()).build();

    // An order whose domain is validated, waiting for issuance.
    let csr = csrs_one
        .create(
            &me(),
            &Profile::tencent_apply_certificate(),
            NewCsr {
                form: CsrForm {
                    common_name: Some("once.example.com".into()),
                    key: Some("ec-p256".into()),
                    ..CsrForm::default()
                },
                generate: true,
                ..NewCsr::default()
            },
        )
        .await
        .unwrap();
    let now = time::OffsetDateTime::now_utc();
    let mut order = Order::new("o-once", Product::free_trustasia_dv(), now);
    order
        .apply(
            Command::SubmitInfo {
                csr: CsrRef {
                    id: csr.id.to_string(),
                    key: certdesk::KeyKind::Ec {
                        curve: certdesk::EcCurve::P256,
                    },
                },
                domains: vec!["once.example.com".into()],
                info: None,
                method: Some(ValidationMethod::Dns),
                token: Some(ValidationToken::from_bytes([5; 16])),
                prior_validations: vec![],
            },
            now,
        )
        .unwrap();
    let checks = order
        .challenges()
        .unwrap()
        .iter()
        .map(|c| DomainCheck {
            domain: c.domain().to_owned(),
            outcome: CheckOutcome::Passed,
        })
        .collect();
    order.apply(Command::RecordChecks { checks }, now).unwrap();
    assert_eq!(order.state(), &OrderState::PendingIssuance);
    one.insert_order(&me(), &order).await.unwrap();

    let scope = me();
    let (a, b) = tokio::join!(
        service_one.advance(&scope, "o-once"),
        service_two.advance(&scope, "o-once")
    );
    a.unwrap();
    b.unwrap();
    assert_eq!(ca.submits.load(Ordering::SeqCst), 1, "one submission");
    // Either instance then follows the one ticket to the certificate.
    let mut state = service_two.advance(&scope, "o-once").await.unwrap();
    for _ in 0..3 {
        if state.state() == &OrderState::Issued {
            break;
        }
        state = service_one.advance(&scope, "o-once").await.unwrap();
    }
    assert_eq!(state.state(), &OrderState::Issued);
    assert_eq!(ca.submits.load(Ordering::SeqCst), 1);
    one.pool().close().await;
    two.pool().close().await;
}
