//! `OrderService`: certificate orders from application to issuance, over the stores, the CSR
//! service, DNS, HTTP and the CA. The order state machine decides; this service reads, checks
//! the world, applies commands and writes, retrying when another writer got there first.

use std::fmt;
use std::sync::Arc;

use tracing::instrument;
use zeroize::Zeroizing;

use crate::backend::BackendError;
use crate::backend::DomainRegistry;
use crate::backend::{
    CaStatus, CertificateAuthority, Clock, CsrRecord, CsrStatus, DnsProvider, DnsRecord,
    DnsResolver, HttpFetcher, IssueRequest, IssuedCertificate, IssuedOrganization, OrderStore,
    Page, Paged, Revocation, Scope, StoreError, SystemClock, Unconfigured,
};
use crate::csr::Csr;
use crate::key::{Password, PrivateKey};
use crate::order::{
    AccountKind, AlgorithmStandard, ApplicationDetails, BoundName, CertificateRef, Challenge,
    CheckOutcome, Command, CsrRef, DnsRecordType, DomainCheck, LetterRef, Order, OrderError,
    OrderState, PriorValidation, Product, QuotaLedger, QuotaPreset, Step, ValidationMethod,
    ValidationToken, certificate_validity,
};
use crate::policy::ParamCode;
use crate::policy::PolicyCode;
use crate::policy::{CsrForm, OrderInfo, Report, Violation, check_domain, check_free};
use crate::san::DomainName;
use crate::service::csr::check_page;
use crate::service::rate::{RateLimiter, admit};
use crate::service::{CsrService, NewCsr, RateLimit, RetryPolicy, ServiceError, Upload};

/// How many domain checks of one order run at once.
pub const MAX_CONCURRENT_CHECKS: usize = 16;

/// A CA submission claimed this long ago without a ticket is taken as abandoned (its caller
/// died between the claim and the ticket) and submitted again under the same key.
const CLAIM_STALE_SECS: i64 = 120;

/// Order files.
const CA_TICKET: &str = "ca_ticket";

/// The most recent orders of an account searched for validations to reuse.
pub const MAX_REUSE_SCAN: u64 = 1000;

/// The file holding the CA's ticket of the order's current issuance: the first, or the Nth
/// reissue's (a reissue is a new submission, never the old ticket).
fn ticket_file(order: &Order) -> String {
    let reissues = order
        .history()
        .iter()
        .filter(|e| matches!(e.change, crate::order::Change::ReissueStarted { .. }))
        .count();
    if reissues == 0 {
        CA_TICKET.to_owned()
    } else {
        format!("{CA_TICKET}#{reissues}")
    }
}
const CERTIFICATE: &str = "certificate";
const CHAIN: &str = "chain";

/// Where an order's CSR comes from.
#[derive(Clone, Debug)]
pub enum CsrSource {
    /// A CSR record of the account (generated or uploaded with `CsrService`).
    Existing(u64),
    /// Generated online now from this form (with the key's password, if any).
    Generate {
        /// What was typed.
        form: CsrForm,
        /// The key's password.
        password: Option<Password>,
    },
    /// Pasted: a CSR made elsewhere, with its key if the user has it.
    Pasted(Upload),
}

/// The server a certificate bundle is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerKind {
    /// Nginx: `<domain>_bundle.crt` (certificate then chain) and the key.
    Nginx,
    /// Apache: the certificate, the chain and the key as three PEM files.
    Apache,
    /// IIS: `<domain>.pfx`, PKCS#12 protected by the key's password.
    Iis,
    /// Tomcat: `<domain>.pfx`, a PKCS#12 keystore protected by the key's password.
    Tomcat,
}

/// A certificate ready to install: PEM files by name (the key encrypted when the CSR has a
/// password).
#[derive(Clone)]
pub struct Bundle {
    /// `(file name, contents)`.
    pub files: Vec<(String, Zeroizing<Vec<u8>>)>,
}

impl fmt::Debug for Bundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.files.iter().map(|(n, _)| n.as_str()).collect();
        write!(f, "Bundle {{ files: {names:?} }}")
    }
}

/// Certificate orders over any store, CA, DNS and HTTP.
pub struct OrderService {
    orders: Arc<dyn OrderStore>,
    csrs: Arc<CsrService>,
    ca: Arc<dyn CertificateAuthority>,
    resolver: Arc<dyn DnsResolver>,
    fetcher: Arc<dyn HttpFetcher>,
    dns_provider: Option<Arc<dyn DnsProvider>>,
    registry: Option<Arc<dyn DomainRegistry>>,
    clock: Arc<dyn Clock>,
    quota: (QuotaPreset, AccountKind),
    free_product: Product,
    retry: RetryPolicy,
    check_deadline: std::time::Duration,
    limiter: Option<Arc<RateLimiter>>,
}

/// Builds an [`OrderService`]: the stores and the CA are required, the rest has defaults.
///
/// ```
/// # use std::sync::Arc;
/// # use certdesk::backend::{AesGcmVault, CertificateAuthority, MemoryStore, SystemClock};
/// # use certdesk::service::{CsrService, OrderService, RetryPolicy};
/// # fn demo(ca: Arc<dyn CertificateAuthority>) {
/// let store = Arc::new(MemoryStore::new());
/// let csrs = Arc::new(CsrService::new(store.clone(), Arc::new(AesGcmVault::new("kek-1", [7; 32]))));
/// let orders = OrderService::builder(store, csrs, ca)
///     .clock(Arc::new(SystemClock))
///     .retry(RetryPolicy::new().conflict_attempts(16))
///     .build();
/// # }
/// ```
pub struct OrderServiceBuilder {
    /// The service with its settings so far (its rate limiter is made at `build`, on the
    /// clock chosen by then).
    service: OrderService,
    rate_limit: Option<RateLimit>,
}

impl fmt::Debug for OrderServiceBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrderServiceBuilder")
            .field("quota", &self.service.quota)
            .field("retry", &self.service.retry)
            .field("rate_limit", &self.rate_limit)
            .finish_non_exhaustive()
    }
}

impl OrderServiceBuilder {
    /// The resolver domain checks ask (default: none, and DNS checks fail saying so).
    pub fn resolver(mut self, resolver: Arc<dyn DnsResolver>) -> Self {
        self.service.resolver = resolver;
        self
    }

    /// The fetcher file checks use (default: none, and file checks fail saying so).
    pub fn fetcher(mut self, fetcher: Arc<dyn HttpFetcher>) -> Self {
        self.service.fetcher = fetcher;
        self
    }

    /// The clock (default: [`SystemClock`]).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.service.clock = clock;
        self
    }

    /// Creates the records of automatic DNS validation (`DNS_AUTO`) through `provider`
    /// (default: none; automatic DNS validation is refused).
    pub fn dns_provider(mut self, provider: Arc<dyn DnsProvider>) -> Self {
        self.service.dns_provider = Some(provider);
        self
    }

    /// Says which domains are registered with the platform, so that their free certificates
    /// count against the Tencent-domain pool first (default: none is).
    pub fn domain_registry(mut self, registry: Arc<dyn DomainRegistry>) -> Self {
        self.service.registry = Some(registry);
        self
    }

    /// Counts free certificates with this preset for this kind of account (default: the
    /// guide's quotas for an individual account).
    pub fn quota(mut self, preset: QuotaPreset, account: AccountKind) -> Self {
        self.service.quota = (preset, account);
        self
    }

    /// The product free applications get (default: [`Product::free_trustasia_dv`], the
    /// application guide's: one year, not renewable; the vendor's current product is
    /// [`Product::free_trustasia_dv_current`]: three months, renewable).
    pub fn free_product(mut self, product: Product) -> Self {
        self.service.free_product = Product {
            free: true,
            ..product
        };
        self
    }

    /// How conflicts are retried and the CA is polled (default: [`RetryPolicy::new`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.service.retry = policy;
        self
    }

    /// How long one `check_validation` may take for all of an order's domains together
    /// (default: 30 s); checks still unanswered then count as not found.
    pub fn check_deadline(mut self, deadline: std::time::Duration) -> Self {
        self.service.check_deadline = deadline;
        self
    }

    /// Limits every call per account, each method counted on its own, as
    /// [`CsrService::with_rate_limit`] does (default: none).
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// The service.
    pub fn build(mut self) -> OrderService {
        self.service.limiter = self
            .rate_limit
            .map(|limit| Arc::new(RateLimiter::new(limit, self.service.clock.clone())));
        self.service
    }
}

impl fmt::Debug for OrderService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrderService").finish_non_exhaustive()
    }
}

/// The CSR record an order names.
fn csr_record_id(order_id: &str, csr: &CsrRef) -> Result<u64, ServiceError> {
    csr.id.parse().map_err(|_| {
        StoreError::Backend(BackendError::msg(format!(
            "order {order_id} names CSR {:?}",
            csr.id
        )))
        .into()
    })
}

/// Refuses a CSR whose common name is a domain the order does not bind (the vendors require
/// the CSR's CN to be a bound domain; the CA would certify a name nobody validated).
fn csr_fits_domains(csr: &Csr, domains: &[String]) -> Result<(), ServiceError> {
    let Some(bound) = domains.first() else {
        return Ok(());
    };
    let cn = csr.info().subject.get("CN");
    let same = match (cn, BoundName::parse(bound)) {
        (Some(cn), Ok(bound)) => BoundName::parse(cn).is_ok_and(|cn| cn == bound),
        (Some(cn), Err(_)) => cn.eq_ignore_ascii_case(bound),
        (None, _) => false,
    };
    if !same {
        return Err(order_error(OrderError::DomainsDoNotFit {
            detail: format!(
                "the CSR's common name is {}; it must be the bound domain {bound}",
                cn.map_or("missing".to_owned(), |cn| format!("{cn:?}")),
            ),
        }));
    }
    Ok(())
}

/// The DNS record a DNS challenge asks for (none for a file).
fn dns_record(challenge: &Challenge) -> Option<DnsRecord> {
    let Challenge::Dns {
        host,
        value,
        record_type,
        ..
    } = challenge
    else {
        return None;
    };
    let (name, value) = (host.clone(), value.clone());
    Some(match record_type {
        DnsRecordType::Txt => DnsRecord::Txt { name, value },
        DnsRecordType::Cname => DnsRecord::Cname {
            name,
            target: value,
        },
    })
}

/// The result of a check that did not answer in time: nothing was found.
fn unanswered(challenge: &Challenge) -> DomainCheck {
    let outcome = match challenge {
        Challenge::Dns { .. } => CheckOutcome::NsNotFound,
        Challenge::File { .. } => CheckOutcome::FileNotFound,
    };
    DomainCheck {
        domain: challenge.domain().to_owned(),
        outcome,
    }
}

/// Whether the CA, not the applicant, holds the order's next step.
fn waiting_for_ca(order: &Order) -> bool {
    match order.state() {
        OrderState::PendingIssuance => true,
        OrderState::InProgress { step } => matches!(step, Step::PreReview | Step::CaReview),
        _ => false,
    }
}

fn order_error(e: OrderError) -> ServiceError {
    ServiceError::Order(Box::new(e))
}

fn not_found(id: &str) -> ServiceError {
    ServiceError::OrderNotFound { id: id.to_owned() }
}

/// Checks one challenge against the world: DNS records through the resolver, files through the
/// fetcher (either URL passing is enough).
pub async fn check_challenge(
    challenge: &Challenge,
    resolver: &dyn DnsResolver,
    fetcher: &dyn HttpFetcher,
) -> DomainCheck {
    let outcome = match challenge {
        Challenge::Dns {
            host,
            value,
            record_type: DnsRecordType::Txt,
            ..
        } => match resolver.txt(host).await {
            Ok(values) if values.iter().any(|v| v.trim() == value) => CheckOutcome::Passed,
            Ok(_) => CheckOutcome::TxtMismatch,
            Err(e) if e.is_absent() => CheckOutcome::TxtNotFound,
            Err(_) => CheckOutcome::NsNotFound,
        },
        Challenge::Dns {
            host,
            value,
            record_type: DnsRecordType::Cname,
            ..
        } => match resolver.cname_chain(host).await {
            Ok(chain) if chain.first().is_some_and(|t| t.eq_ignore_ascii_case(value)) => {
                CheckOutcome::Passed
            }
            Ok(_) => CheckOutcome::CnameMismatch,
            Err(e) if e.is_absent() => CheckOutcome::CnameNotFound,
            Err(_) => CheckOutcome::NsNotFound,
        },
        Challenge::File { urls, content, .. } => {
            let mut outcome = CheckOutcome::FileNotFound;
            for url in urls {
                match fetcher.get(url).await {
                    Ok(r) if r.status == 200 => {
                        if String::from_utf8_lossy(&r.body).trim() == content.trim() {
                            outcome = CheckOutcome::Passed;
                            break;
                        }
                        outcome = CheckOutcome::FileMismatch;
                    }
                    _ => {}
                }
            }
            outcome
        }
    };
    DomainCheck {
        domain: challenge.domain().to_owned(),
        outcome,
    }
}

/// A new order's id: 16 decimal digits, random. Alibaba's API names orders by a JSON number
/// (`OrderId`), Tencent's by a string (`CertificateId`): digits below 2^53 serve both, and
/// survive a JavaScript client's numbers.
fn new_order_id() -> Result<String, ServiceError> {
    const LOW: u64 = 1_000_000_000_000_000;
    const SPAN: u64 = (1 << 53) - LOW;
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|e| order_error(OrderError::Random(e.to_string())))?;
    Ok((LOW + u64::from_le_bytes(bytes) % SPAN).to_string())
}

/// What an order keeps of its CSR, once the record is checked: generated or uploaded, its key
/// of the product's standard, its names the order's domains.
fn csr_ref_of(
    record: &CsrRecord,
    product: &Product,
    domains: &[String],
) -> Result<CsrRef, ServiceError> {
    if record.status == CsrStatus::Draft {
        return Err(ServiceError::NotGenerated { id: record.id });
    }
    let pem = record.csr_pem.as_deref().unwrap_or_default();
    let csr = Csr::parse(pem.as_bytes()).map_err(|e| {
        StoreError::Backend(BackendError::context(
            format!("stored CSR {} does not parse", record.id),
            e,
        ))
    })?;
    if !product.accepts_key(csr.info().key) {
        return Err(order_error(OrderError::KeyDoesNotFit {
            key: csr.info().key,
            standard: product.standard,
        }));
    }
    // The key and hash must be ones the product offers (the free certificate: RSA 2048 or
    // ECC P-256 with SHA-256), whoever made the CSR.
    let mut keys = product.profile().check_csr_key(csr.info());
    if !keys.is_valid() {
        keys.rename_fields(|f| Some(format!("csr.{f}")));
        return Err(ServiceError::Rules(keys));
    }
    csr_fits_domains(&csr, domains)?;
    Ok(CsrRef {
        id: record.id.to_string(),
        key: csr.info().key,
    })
}

impl OrderService {
    /// A builder over the order store, the CSR service and the CA; everything else has a
    /// default ([`OrderServiceBuilder`]).
    pub fn builder(
        orders: Arc<dyn OrderStore>,
        csrs: Arc<CsrService>,
        ca: Arc<dyn CertificateAuthority>,
    ) -> OrderServiceBuilder {
        OrderServiceBuilder {
            service: OrderService {
                orders,
                csrs,
                ca,
                resolver: Arc::new(Unconfigured),
                fetcher: Arc::new(Unconfigured),
                dns_provider: None,
                registry: None,
                clock: Arc::new(SystemClock),
                quota: (QuotaPreset::guide(), AccountKind::IndividualStandard),
                free_product: Product::free_trustasia_dv(),
                retry: RetryPolicy::default(),
                check_deadline: std::time::Duration::from_secs(30),
                limiter: None,
            },
            rate_limit: None,
        }
    }

    /// An order of this scope.
    #[instrument(skip(self), fields(account = %scope.account))]
    pub async fn get(&self, scope: &Scope, id: &str) -> Result<Order, ServiceError> {
        self.orders.get_order(scope, id).await.map_err(|e| match e {
            StoreError::NotFound { .. } => not_found(id),
            other => other.into(),
        })
    }

    /// A page of the scope's orders.
    #[instrument(skip(self), fields(account = %scope.account))]
    pub async fn list(&self, scope: &Scope, page: Page) -> Result<Paged<Order>, ServiceError> {
        self.admit(scope, "list_orders")?;
        check_page(page, "orders")?;
        Ok(self.orders.list_orders(scope, page).await?)
    }

    /// Takes a token of the account's rate limit for `call`, when there is a limit.
    fn admit(&self, scope: &Scope, call: &'static str) -> Result<(), ServiceError> {
        admit(self.limiter.as_deref(), scope, call)
    }

    /// Applies `command` to the stored order, retrying on a conflict with the command
    /// `make` gives for the order as it is then.
    async fn update<F>(&self, scope: &Scope, id: &str, mut make: F) -> Result<Order, ServiceError>
    where
        F: FnMut(&Order) -> Result<Option<Command>, ServiceError>,
    {
        let mut last = None;
        for _ in 0..self.retry.attempts() {
            let mut order = self.get(scope, id).await?;
            let read = order.version();
            let Some(command) = make(&order)? else {
                return Ok(order);
            };
            order
                .apply(command, self.clock.now())
                .map_err(order_error)?;
            match self.orders.update_order(scope, &order, read).await {
                Ok(()) => {
                    // "The CA counts certificates, not applications": an application that
                    // ended without one, or a certificate that expired, gives its place back.
                    if order.product().free
                        && matches!(
                            order.state(),
                            OrderState::Failed { .. } | OrderState::Cancelled | OrderState::Expired
                        )
                    {
                        self.release_quota(scope, id).await?;
                    }
                    return Ok(order);
                }
                Err(e @ StoreError::Conflict { .. }) => last = Some(e),
                Err(e) => return Err(e.into()),
            }
        }
        Err(last.map_or_else(|| not_found(id), ServiceError::Store))
    }

    /// The CSR order `order_id` will use, resolved to a record of the account, checked
    /// against the product and the domains, and marked as picked by the order (so that it
    /// cannot be deleted while the order is saved).
    async fn csr_ref(
        &self,
        scope: &Scope,
        order_id: &str,
        product: &Product,
        source: CsrSource,
        domains: &[String],
    ) -> Result<CsrRef, ServiceError> {
        let id = match source {
            CsrSource::Existing(id) => id,
            CsrSource::Generate { form, password } => {
                self.csrs
                    .create(
                        scope,
                        &product.profile(),
                        NewCsr {
                            form,
                            password,
                            generate: true,
                            ..NewCsr::default()
                        },
                    )
                    .await?
                    .id
            }
            CsrSource::Pasted(upload) => {
                self.csrs
                    .upload(scope, &product.profile(), upload)
                    .await?
                    .id
            }
        };
        self.csrs
            .pick(scope, id, order_id, |record| {
                csr_ref_of(record, product, domains)
            })
            .await
    }

    /// Applies for a free certificate (Tencent `ApplyCertificate`): the domain checked by the
    /// free certificate's rules, the account's quota reserved atomically, the CSR resolved,
    /// and the order created with its validation method.
    #[instrument(skip(self, source), fields(account = %scope.account))]
    pub async fn apply_free(
        &self,
        scope: &Scope,
        domain: &str,
        method: ValidationMethod,
        source: CsrSource,
    ) -> Result<Order, ServiceError> {
        self.apply_free_with(scope, domain, method, source, ApplicationDetails::default())
            .await
    }

    /// [`apply_free`](Self::apply_free) with the rest of the free form kept on the order: the
    /// application e-mail, alias, tags, project, `DeleteDnsAutoRecord`, and `ValidityPeriod`
    /// (3 or 12 months: the certificate's validity when given).
    #[instrument(skip(self, source, details), fields(account = %scope.account))]
    pub async fn apply_free_with(
        &self,
        scope: &Scope,
        domain: &str,
        method: ValidationMethod,
        source: CsrSource,
        details: ApplicationDetails,
    ) -> Result<Order, ServiceError> {
        self.admit(scope, "apply_free")?;
        let mut product = self.free_product.clone();
        let mut found = details.check();
        match details.validity_period {
            Some(m @ (3 | 12)) => product.validity_months = m,
            Some(m) => found.push(Violation::error(
                "validity_period",
                PolicyCode::FreeValidity,
                format!("a free certificate is valid 3 or 12 months, not {m}"),
            )),
            None => {}
        }
        if !found.is_empty() {
            return Err(ServiceError::Rules(Report {
                violations: found,
                also_covers: Vec::new(),
            }));
        }
        let report = free_domain_report(domain);
        if !report.is_valid() {
            return Err(ServiceError::Rules(report));
        }
        // Refused before a CSR is generated and quota reserved for an order that cannot be.
        product.check_method(method).map_err(order_error)?;
        self.check_dns_auto(scope, method, &[domain.to_owned()])
            .await?;
        let id = new_order_id()?;
        let csr = self
            .csr_ref(scope, &id, &product, source, &[domain.to_owned()])
            .await?;
        self.reserve_quota(scope, &id, domain).await?;
        let now = self.clock.now();
        let created = (|| {
            let mut order = Order::new(id.clone(), product, now);
            order.apply(
                Command::SubmitInfo {
                    csr,
                    domains: vec![domain.to_owned()],
                    info: None,
                    method: Some(method),
                    token: Some(ValidationToken::random()?),
                    prior_validations: vec![],
                },
                now,
            )?;
            if details != ApplicationDetails::default() {
                order.apply(
                    Command::SetDetails {
                        details: Box::new(details.clone()),
                    },
                    now,
                )?;
            }
            Ok::<_, OrderError>(order)
        })();
        let order = match created {
            Ok(o) => o,
            Err(e) => {
                self.release_quota(scope, &id).await?;
                return Err(order_error(e));
            }
        };
        if let Err(e) = self.orders.insert_order(scope, &order).await {
            self.release_quota(scope, &id).await?;
            return Err(e.into());
        }
        Ok(order)
    }

    async fn reserve_quota(
        &self,
        scope: &Scope,
        order_id: &str,
        domain: &str,
    ) -> Result<(), ServiceError> {
        let registered = match (&self.registry, crate::order::primary_domain(domain)) {
            (Some(registry), Some(primary)) => registry
                .registered(scope, &primary)
                .await
                .map_err(|e| ServiceError::Store(StoreError::Backend(e)))?,
            _ => false,
        };
        // The vendors count free certificates per account, whatever the region.
        let scope = &scope.account_wide();
        for _ in 0..self.retry.attempts() {
            let (mut ledger, version) = match self.orders.get_quota(scope).await? {
                Some((l, v)) => (l, Some(v)),
                None => (QuotaLedger::new(self.quota.0.clone(), self.quota.1), None),
            };
            ledger
                .reserve(order_id, domain, registered)
                .map_err(|e| ServiceError::Quota(Box::new(e)))?;
            match self.orders.put_quota(scope, &ledger, version).await {
                Ok(_) => return Ok(()),
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Backend(BackendError::msg(
            "the quota ledger kept changing; try again",
        ))
        .into())
    }

    async fn release_quota(&self, scope: &Scope, order_id: &str) -> Result<(), ServiceError> {
        let scope = &scope.account_wide();
        for _ in 0..self.retry.attempts() {
            let Some((mut ledger, version)) = self.orders.get_quota(scope).await? else {
                return Ok(());
            };
            if ledger.release(order_id).is_none() {
                return Ok(());
            }
            match self.orders.put_quota(scope, &ledger, Some(version)).await {
                Ok(_) => return Ok(()),
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Backend(BackendError::msg(
            "the quota ledger kept changing; try again",
        ))
        .into())
    }

    /// Creates a paid order for `product`, waiting for its information.
    #[instrument(skip(self, product), fields(account = %scope.account))]
    pub async fn create_paid(
        &self,
        scope: &Scope,
        product: Product,
    ) -> Result<Order, ServiceError> {
        self.admit(scope, "create_paid")?;
        let order = Order::new(new_order_id()?, product, self.clock.now());
        self.orders.insert_order(scope, &order).await?;
        Ok(order)
    }

    /// Submits a paid order's information: the CSR (its key must be of the product's
    /// standard), the domains, and for OV and EV the organization (or a saved profile's).
    #[instrument(skip(self, source, info), fields(account = %scope.account))]
    pub async fn submit_info(
        &self,
        scope: &Scope,
        id: &str,
        source: CsrSource,
        domains: Vec<String>,
        info: Option<OrderInfo>,
    ) -> Result<Order, ServiceError> {
        self.admit(scope, "submit_info")?;
        let order = self.get(scope, id).await?;
        // The product's rules on the names, as a free application has them checked.
        let report = order.product().profile().check_domains(&domains);
        if !report.is_valid() {
            return Err(ServiceError::Rules(report));
        }
        let csr = self
            .csr_ref(scope, id, order.product(), source, &domains)
            .await?;
        let prior = self.prior_validations(scope, id, &domains).await?;
        // A free application withdrawn to pending application is made again with its method.
        let again = (order.state() == &OrderState::PendingApplication && order.product().free)
            .then(|| order.method())
            .flatten();
        let token = match again {
            Some(_) => Some(ValidationToken::random().map_err(order_error)?),
            None => None,
        };
        self.update(scope, id, |_| {
            Ok(Some(Command::SubmitInfo {
                csr: csr.clone(),
                domains: domains.clone(),
                info: info.clone().map(Box::new),
                method: again,
                token,
                prior_validations: prior.clone(),
            }))
        })
        .await
    }

    /// The validations the account's other orders completed for these domains (their bases),
    /// newest orders first, for a new order to reuse where the rules allow it: 13 months for
    /// GM orders of the same organization, the Baseline Requirements' schedule otherwise
    /// (the order decides, with [`PriorValidation::covers`]). Reads at most the
    /// [`MAX_REUSE_SCAN`] latest orders.
    async fn prior_validations(
        &self,
        scope: &Scope,
        except: &str,
        domains: &[String],
    ) -> Result<Vec<PriorValidation>, ServiceError> {
        let wanted: Vec<String> = domains
            .iter()
            .filter_map(|d| BoundName::parse(d).ok())
            .map(|n| n.base())
            .collect();
        let mut found = Vec::new();
        for o in self.recent_orders(scope).await? {
            if o.id() != except {
                found.extend(
                    o.validations()
                        .into_iter()
                        .filter(|v| wanted.contains(&v.domain)),
                );
            }
        }
        Ok(found)
    }

    /// The account's latest [`MAX_REUSE_SCAN`] orders, oldest first.
    async fn recent_orders(&self, scope: &Scope) -> Result<Vec<Order>, ServiceError> {
        let total = self
            .orders
            .list_orders(
                scope,
                Page {
                    offset: 0,
                    limit: 1,
                },
            )
            .await?
            .total;
        let mut offset = total.saturating_sub(MAX_REUSE_SCAN);
        let mut orders = Vec::new();
        while offset < total {
            let page = self
                .orders
                .list_orders(scope, Page { offset, limit: 100 })
                .await?;
            if page.items.is_empty() {
                break;
            }
            offset += page.items.len() as u64;
            orders.extend(page.items);
        }
        Ok(orders)
    }

    /// Whether another order of the account with this organization and administrator passed
    /// the CA's review: any, or (for `gm`) a GM order within the last 13 months.
    async fn reviewed_before(
        &self,
        scope: &Scope,
        except: &str,
        info: &OrderInfo,
        gm: bool,
    ) -> Result<bool, ServiceError> {
        let now = self.clock.now();
        Ok(self.recent_orders(scope).await?.iter().any(|o| {
            o.id() != except
                && o.review_passed()
                && o.info()
                    .is_some_and(|i| i.organization == info.organization && i.admin == info.admin)
                && (!gm
                    || (o.product().standard == AlgorithmStandard::Gm
                        && o.history().iter().rev().any(|e| {
                            matches!(
                                e.change,
                                crate::order::Change::ReviewPassed
                                    | crate::order::Change::ReviewWaived
                            ) && crate::order::add_months(e.at, 13) > now
                        })))
        }))
    }

    /// Whether a saved profile has been reviewed: an order of the account with its organization
    /// and administrator passed the CA's review (an application that uses it then skips the
    /// confirmation letter, except for GlobalSign).
    #[instrument(skip(self), fields(account = %scope.account))]
    pub async fn profile_reviewed(&self, scope: &Scope, name: &str) -> Result<bool, ServiceError> {
        self.admit(scope, "profile_reviewed")?;
        let info = crate::service::ProfileBook::new(self.orders.clone())
            .get(scope, name)
            .await?;
        self.reviewed_before(scope, "", &info, false).await
    }

    /// Records what the application form collected beside the CSR, domains and organization
    /// (the paid form's company type, postal code, names; an alias, tags, project), replacing
    /// what was recorded; every rule it breaks is reported at once.
    #[instrument(skip(self, details), fields(account = %scope.account))]
    pub async fn set_details(
        &self,
        scope: &Scope,
        id: &str,
        details: ApplicationDetails,
    ) -> Result<Order, ServiceError> {
        self.admit(scope, "set_details")?;
        let found = details.check();
        if !found.is_empty() {
            return Err(ServiceError::Rules(Report {
                violations: found,
                also_covers: Vec::new(),
            }));
        }
        self.update(scope, id, |_| {
            Ok(Some(Command::SetDetails {
                details: Box::new(details.clone()),
            }))
        })
        .await
    }

    /// Submits a paid order's information with a saved organization profile ("My Profile").
    #[instrument(skip(self, source), fields(account = %scope.account))]
    pub async fn submit_info_with_profile(
        &self,
        scope: &Scope,
        id: &str,
        source: CsrSource,
        domains: Vec<String>,
        profile_name: &str,
    ) -> Result<Order, ServiceError> {
        let info = crate::service::ProfileBook::new(self.orders.clone())
            .get(scope, profile_name)
            .await?;
        let order = self
            .submit_info(scope, id, source, domains, Some(info.clone()))
            .await?;
        // "If you use the organization and administrator information in My Profile that has
        // been reviewed, the confirmation letter can be omitted" (not for GlobalSign).
        if order.state().step() == Some(Step::UploadLetter)
            && order.product().brand != crate::order::Brand::GlobalSign
            && self.reviewed_before(scope, id, &info, false).await?
        {
            return self
                .update(scope, id, |o| {
                    Ok((o.state().step() == Some(Step::UploadLetter))
                        .then_some(Command::WaiveLetter))
                })
                .await;
        }
        Ok(order)
    }

    /// Whether every domain lies in a zone of the account on the DNS provider (automatic DNS
    /// validation is offered only then).
    async fn on_dns_provider(
        &self,
        scope: &Scope,
        domains: &[String],
    ) -> Result<bool, ServiceError> {
        let Some(provider) = &self.dns_provider else {
            return Ok(false);
        };
        for d in domains {
            let base = d.strip_prefix("*.").unwrap_or(d);
            if !provider
                .serves(scope, base)
                .await
                .map_err(|e| ServiceError::Dns(Box::new(e)))?
            {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Refuses automatic DNS validation for domains that are not on the account's DNS
    /// provider, when the method is chosen rather than when the records are published.
    async fn check_dns_auto(
        &self,
        scope: &Scope,
        method: ValidationMethod,
        domains: &[String],
    ) -> Result<(), ServiceError> {
        if method != ValidationMethod::DnsAuto {
            return Ok(());
        }
        if self.dns_provider.is_none() {
            return Err(ServiceError::rule(
                "method",
                ParamCode::ValidationNoDnsProvider,
                "automatic DNS validation needs a DNS provider; add the records yourself (DNS)",
            ));
        }
        if !self.on_dns_provider(scope, domains).await? {
            return Err(ServiceError::rule(
                "method",
                ParamCode::ValidationNotOnDnsProvider,
                format!(
                    "automatic DNS validation is offered only for domains on the account's DNS provider; {} is not: choose DNS or file validation",
                    domains.join(", ")
                ),
            ));
        }
        Ok(())
    }

    /// The validation methods offered for an order ("based on the type of certificate you
    /// purchased, its validity period, and whether the domain is on DNSPod for DNS
    /// resolution"): [`Product::offered_methods`], with automatic DNS only when its domains
    /// are on the account's DNS provider.
    #[instrument(skip(self), fields(account = %scope.account))]
    pub async fn offered_methods(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<Vec<ValidationMethod>, ServiceError> {
        self.admit(scope, "offered_methods")?;
        let order = self.get(scope, id).await?;
        let on_provider = self.on_dns_provider(scope, order.domains()).await?;
        Ok(order.offered_methods(on_provider))
    }

    /// Chooses the validation method of a paid order.
    #[instrument(skip(self), fields(account = %scope.account))]
    pub async fn choose_validation(
        &self,
        scope: &Scope,
        id: &str,
        method: ValidationMethod,
    ) -> Result<Order, ServiceError> {
        self.admit(scope, "choose_validation")?;
        let order = self.get(scope, id).await?;
        order.product().check_method(method).map_err(order_error)?;
        self.check_dns_auto(scope, method, order.domains()).await?;
        let token = ValidationToken::random().map_err(order_error)?;
        self.update(scope, id, |_| {
            Ok(Some(Command::ChooseValidation { method, token }))
        })
        .await
    }

    /// What the user must publish for each domain.
    #[instrument(skip(self), fields(account = %scope.account))]
    pub async fn challenges(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<Vec<Challenge>, ServiceError> {
        self.get(scope, id).await?.challenges().map_err(order_error)
    }

    /// Publishes the DNS records of automatic DNS validation through the DNS provider.
    #[instrument(skip(self), fields(account = %scope.account))]
    pub async fn publish_dns(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<Vec<DnsRecord>, ServiceError> {
        self.admit(scope, "publish_dns")?;
        let provider = self.dns_provider.as_ref().ok_or_else(|| {
            ServiceError::rule(
                "method",
                ParamCode::ValidationNoDnsProvider,
                "automatic DNS validation needs a DNS provider; add the records yourself",
            )
        })?;
        let order = self.get(scope, id).await?;
        if order.method() != Some(ValidationMethod::DnsAuto) {
            return Err(ServiceError::rule(
                "method",
                ParamCode::ValidationNotDnsAuto,
                format!(
                    "order {id} validates by {}; certdesk publishes records only for automatic DNS validation (DNS_AUTO)",
                    order
                        .method()
                        .map_or("no method yet".to_owned(), |m| format!("{m:?}"))
                ),
            ));
        }
        let mut published = Vec::new();
        for record in order
            .challenges()
            .map_err(order_error)?
            .iter()
            .filter_map(dns_record)
        {
            // The provider refuses a zone the account does not own.
            provider
                .create(scope, &record)
                .await
                .map_err(|e| ServiceError::Dns(Box::new(e)))?;
            published.push(record);
        }
        Ok(published)
    }

    /// Checks every domain's challenge against DNS and HTTP and records the results; when all
    /// passed the order moves on. Returns the order and each domain's result (Tencent's
    /// `LocalCheck` meanings).
    #[instrument(skip(self), fields(account = %scope.account))]
    pub async fn check_validation(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<(Order, Vec<DomainCheck>), ServiceError> {
        self.admit(scope, "check_validation")?;
        // A closed validation window fails the order first; an order that has ended has
        // nothing to check.
        let order = self.tick(scope, id).await?;
        if !matches!(order.state(), OrderState::InProgress { .. }) {
            return Ok((order, Vec::new()));
        }
        let challenges = self.challenges(scope, id).await?;
        let checks = self.check_all(challenges).await;
        let order = self
            .update(scope, id, |_| {
                Ok(Some(Command::RecordChecks {
                    checks: checks.clone(),
                }))
            })
            .await?;
        Ok((order, checks))
    }

    /// Checks every challenge at once (at most [`MAX_CONCURRENT_CHECKS`] at a time), all under
    /// one deadline: a check still unanswered then counts as not found.
    async fn check_all(&self, challenges: Vec<Challenge>) -> Vec<DomainCheck> {
        let until = tokio::time::Instant::now() + self.check_deadline;
        let permits = Arc::new(tokio::sync::Semaphore::new(MAX_CONCURRENT_CHECKS));
        let mut results: Vec<Option<DomainCheck>> = vec![None; challenges.len()];
        let mut set = tokio::task::JoinSet::new();
        for (i, challenge) in challenges.iter().cloned().enumerate() {
            let (resolver, fetcher) = (self.resolver.clone(), self.fetcher.clone());
            let permits = permits.clone();
            set.spawn(async move {
                let _permit = permits.acquire_owned().await;
                (
                    i,
                    check_challenge(&challenge, resolver.as_ref(), fetcher.as_ref()).await,
                )
            });
        }
        loop {
            match tokio::time::timeout_at(until, set.join_next()).await {
                Ok(Some(Ok((i, check)))) => results[i] = Some(check),
                Ok(Some(Err(e))) => tracing::error!(error = %e, "a domain check failed"),
                Ok(None) => break,
                Err(_) => {
                    tracing::warn!(
                        deadline_ms = self.check_deadline.as_millis() as u64,
                        "domain checks ran out of time"
                    );
                    set.abort_all();
                    break;
                }
            }
        }
        challenges
            .iter()
            .zip(results)
            .map(|(challenge, result)| result.unwrap_or_else(|| unanswered(challenge)))
            .collect()
    }

    /// Uploads the confirmation letter (checked by the product's letter rules).
    #[instrument(skip(self, bytes), fields(account = %scope.account, len = bytes.len()))]
    pub async fn upload_letter(
        &self,
        scope: &Scope,
        id: &str,
        bytes: &[u8],
    ) -> Result<Order, ServiceError> {
        self.admit(scope, "upload_letter")?;
        let order = self.get(scope, id).await?;
        let format = order
            .product()
            .letter_rules()
            .check(bytes)
            .map_err(|violations| {
                ServiceError::Rules(Report {
                    violations,
                    also_covers: Vec::new(),
                })
            })?;
        let letter_id = format!("letter-{}", order.version() + 1);
        self.orders
            .put_order_file(scope, id, &letter_id, bytes)
            .await?;
        self.update(scope, id, |_| {
            Ok(Some(Command::UploadLetter {
                letter: LetterRef {
                    id: letter_id.clone(),
                    format,
                },
            }))
        })
        .await
    }

    /// Takes the order as far as the CA lets it: submits it when it reaches the CA's review
    /// or issuance, then applies what the CA reports (review passed or refused, issued).
    #[instrument(skip(self), fields(account = %scope.account))]
    pub async fn advance(&self, scope: &Scope, id: &str) -> Result<Order, ServiceError> {
        self.admit(scope, "advance")?;
        let mut order = self.get(scope, id).await?;
        // A multi-year order whose next certificate is due starts it: by the CA at once when
        // the validation may be reused, else after the domains are validated again.
        if order
            .next_certificate_due()
            .is_some_and(|due| self.clock.now() >= due)
        {
            let token = ValidationToken::random().map_err(order_error)?;
            order = self
                .update(scope, id, |o| {
                    Ok(o.next_certificate_due()
                        .is_some_and(|due| self.clock.now() >= due)
                        .then_some(Command::NextCertificate { token }))
                })
                .await?;
        }
        // A GM order whose information passed a GM review within 13 months skips the manual
        // review.
        if order.state().step() == Some(Step::CaReview)
            && order.product().standard == AlgorithmStandard::Gm
            && let Some(info) = order.info().cloned()
            && self.reviewed_before(scope, id, &info, true).await?
        {
            order = self
                .update(scope, id, |o| {
                    Ok((o.state().step() == Some(Step::CaReview)).then_some(Command::WaiveReview))
                })
                .await?;
        }
        if !waiting_for_ca(&order) {
            return Ok(order);
        }
        let ticket = match self
            .orders
            .get_order_file(scope, id, &ticket_file(&order))
            .await?
        {
            Some(t) => String::from_utf8_lossy(&t).into_owned(),
            None => match self.submit_once(scope, &order).await? {
                Some(ticket) => ticket,
                // Another caller is submitting this order right now.
                None => return Ok(order),
            },
        };
        let status = self
            .ca
            .status(&ticket)
            .await
            .map_err(|e| ServiceError::Ca(Box::new(e)))?;
        match status {
            CaStatus::Reviewing => Ok(order),
            CaStatus::Refused { reason } => {
                self.update(scope, id, |o| {
                    Ok(match o.state() {
                        OrderState::InProgress {
                            step: Step::PreReview,
                        } => Some(Command::PreReviewFailed {
                            reason: reason.clone(),
                        }),
                        OrderState::InProgress { .. } | OrderState::PendingIssuance => {
                            Some(Command::ReviewFailed {
                                reason: reason.clone(),
                            })
                        }
                        _ => None,
                    })
                })
                .await
            }
            CaStatus::Issued(cert) => self.record_issued(scope, id, &cert).await,
            CaStatus::Revoked => Ok(order),
        }
    }

    /// Submits the order to the CA once, whoever else tries at the same time, in this process
    /// or another on the same database: the submission is claimed in the store first (one
    /// claim per order version), and the CA gets an idempotency key, so a caller that finds a
    /// claim another one left long ago (it crashed between claim and ticket) submits again
    /// without a second request at the CA. `None`: another caller holds a fresh claim.
    async fn submit_once(
        &self,
        scope: &Scope,
        order: &Order,
    ) -> Result<Option<String>, ServiceError> {
        let id = order.id();
        let claim = format!("ca_claim@v{}", order.version());
        let now = self.clock.now();
        let stamp = now.unix_timestamp().to_string();
        if !self
            .orders
            .claim_order_file(scope, id, &claim, stamp.as_bytes())
            .await?
        {
            let claimed_at = self
                .orders
                .get_order_file(scope, id, &claim)
                .await?
                .and_then(|b| String::from_utf8_lossy(&b).parse::<i64>().ok())
                .unwrap_or(i64::MIN);
            if now.unix_timestamp().saturating_sub(claimed_at) < CLAIM_STALE_SECS {
                return Ok(None);
            }
            tracing::warn!(
                order = id,
                "a CA submission claim went stale; submitting again under its key"
            );
        }
        // The request's idempotency key names the order and this version, as the claim does.
        let request = self.issue_request(scope, order).await?;
        let ticket = self
            .ca
            .submit(request)
            .await
            .map_err(|e| ServiceError::Ca(Box::new(e)))?;
        self.orders
            .put_order_file(scope, id, &ticket_file(order), ticket.as_bytes())
            .await?;
        Ok(Some(ticket))
    }

    /// Polls the CA through [`advance`](OrderService::advance) until the order no longer waits
    /// for it (issued, refused, or a step that is the applicant's), waiting between polls as
    /// the [`RetryPolicy`] says, through the [`Clock`]. Gives up with `service.timeout` after the
    /// policy's timeout.
    #[instrument(skip(self), fields(account = %scope.account))]
    pub async fn wait_for_ca(&self, scope: &Scope, id: &str) -> Result<Order, ServiceError> {
        let started = self.clock.now();
        let timeout = self.retry.total_timeout();
        let mut delays = self.retry.delays();
        loop {
            let order = self.advance(scope, id).await?;
            if !waiting_for_ca(&order) {
                return Ok(order);
            }
            let waited = (self.clock.now() - started)
                .try_into()
                .unwrap_or(std::time::Duration::ZERO);
            let delay = delays.next().unwrap_or(timeout);
            if waited + delay > timeout {
                return Err(ServiceError::Timeout {
                    id: id.to_owned(),
                    waited_ms: u64::try_from(waited.as_millis()).unwrap_or(u64::MAX),
                });
            }
            self.clock.sleep(delay).await;
        }
    }

    async fn record_issued(
        &self,
        scope: &Scope,
        id: &str,
        cert: &IssuedCertificate,
    ) -> Result<Order, ServiceError> {
        self.orders
            .put_order_file(scope, id, CERTIFICATE, cert.certificate_pem.as_bytes())
            .await?;
        self.orders
            .put_order_file(scope, id, CHAIN, cert.chain_pem.concat().as_bytes())
            .await?;
        let certificate = CertificateRef {
            serial: cert.serial.clone(),
            not_before: cert.not_before,
            not_after: cert.not_after,
        };
        // Reviews the CA passed on its way to issuing are recorded first (a workflow has at
        // most a pre-review and a review before issuance).
        let mut order = self.get(scope, id).await?;
        for _ in 0..4 {
            order = self
                .update(scope, id, |o| {
                    Ok(match o.state() {
                        OrderState::InProgress {
                            step: Step::PreReview,
                        } => Some(Command::PreReviewPassed),
                        OrderState::InProgress {
                            step: Step::CaReview,
                        } => Some(Command::ReviewPassed),
                        OrderState::PendingIssuance => Some(Command::Issue {
                            certificate: certificate.clone(),
                        }),
                        _ => None,
                    })
                })
                .await?;
            match order.state() {
                OrderState::InProgress {
                    step: Step::PreReview | Step::CaReview,
                }
                | OrderState::PendingIssuance => continue,
                _ => return Ok(order),
            }
        }
        Ok(order)
    }

    async fn issue_request(
        &self,
        scope: &Scope,
        order: &Order,
    ) -> Result<IssueRequest, ServiceError> {
        let csr = order
            .csr()
            .ok_or_else(|| order_error(OrderError::MissingInformation))?;
        let csr_pem = self
            .csrs
            .csr_pem(scope, csr_record_id(order.id(), csr)?)
            .await?;
        let parsed = Csr::parse(csr_pem.as_bytes()).ok();
        // The CA is asked for exactly what the CSR and the order agree on.
        if let Some(parsed) = &parsed {
            csr_fits_domains(parsed, order.domains())?;
        }
        // The organization's country is the one its CSR names (China when it names none).
        let country = parsed
            .as_ref()
            .and_then(|c| c.info().subject.get("C").map(str::to_owned))
            .unwrap_or_else(|| "CN".to_owned());
        let organization = order.info().map(|info| IssuedOrganization {
            name: info.organization.name.clone(),
            locality: info.organization.city.clone(),
            province: info.organization.province.clone(),
            country,
        });
        let product = order.product();
        Ok(IssueRequest {
            order_id: order.id().to_owned(),
            csr_pem,
            domains: order.certified_names(),
            validation: product.validation,
            organization,
            validity_days: {
                let now = self.clock.now();
                let mut validity = certificate_validity(now, product.validity_months);
                // The last certificate of a period ends with it.
                if let Some(end) = order.period_ends_at().filter(|end| *end > now) {
                    validity = validity.min(end - now);
                }
                u32::try_from(validity.whole_days()).unwrap_or(1).max(1)
            },
            idempotency_key: format!("{}@v{}", order.id(), order.version()),
        })
    }

    /// The issued certificate's files for a server: PEM certificate, chain and key for Nginx
    /// and Apache (the key encrypted PKCS#8 when the CSR has a password); a PKCS#12 file for
    /// IIS and Tomcat, protected by `password` (the key's password when it has one: a wrong
    /// one is refused).
    #[instrument(skip(self, password), fields(account = %scope.account))]
    pub async fn download(
        &self,
        scope: &Scope,
        id: &str,
        server: ServerKind,
        password: Option<&Password>,
    ) -> Result<Bundle, ServiceError> {
        self.admit(scope, "download")?;
        let order = self.get(scope, id).await?;
        if order.state() != &OrderState::Issued {
            return Err(ServiceError::rule(
                "order",
                ParamCode::OrderNotIssued,
                format!("order {id} is {}, not issued", order.state().name()),
            ));
        }
        let file = |name: &'static str| async move {
            self.orders
                .get_order_file(scope, id, name)
                .await?
                .ok_or_else(|| {
                    StoreError::Backend(BackendError::msg(format!("order {id} has no {name}")))
                })
        };
        let cert = file(CERTIFICATE).await?;
        let chain = file(CHAIN).await?;
        let csr_id: u64 = order
            .csr()
            .and_then(|c| c.id.parse().ok())
            .unwrap_or_default();
        let key = match self.csrs.private_key(scope, csr_id).await {
            Ok(k) => Some(k),
            Err(ServiceError::NoKey { .. }) => None,
            // Force-deleted: the order kept a copy.
            Err(ServiceError::NotFound { .. }) => {
                match self.csrs.kept_key(&*self.orders, scope, id).await? {
                    Some(k) => Some(k),
                    None => return Err(ServiceError::NotFound { id: csr_id }),
                }
            }
            Err(e) => return Err(e),
        };
        let domain = order.domains().first().cloned().unwrap_or_default();
        let mut files: Vec<(String, Zeroizing<Vec<u8>>)> = Vec::new();
        match server {
            ServerKind::Nginx | ServerKind::Apache => {
                if server == ServerKind::Nginx {
                    let mut full = cert.clone();
                    full.extend_from_slice(&chain);
                    files.push((format!("{domain}_bundle.crt"), Zeroizing::new(full)));
                } else {
                    files.push((format!("{domain}.crt"), Zeroizing::new(cert)));
                    files.push((format!("{domain}_chain.crt"), Zeroizing::new(chain)));
                }
                if let Some(key) = key {
                    files.push((
                        format!("{domain}.key"),
                        Zeroizing::new(key.pem.as_bytes().to_vec()),
                    ));
                }
            }
            ServerKind::Iis | ServerKind::Tomcat => {
                let key = key.ok_or(ServiceError::NoKey { id: csr_id })?;
                let password = password.filter(|p| !p.is_empty()).ok_or_else(|| {
                    ServiceError::rule(
                        "password",
                        ParamCode::DownloadPasswordRequired,
                        "a PFX file is protected by a password: give the key's password",
                    )
                })?;
                let mut ders = Vec::new();
                for pem in [&cert, &chain] {
                    let text = String::from_utf8_lossy(pem);
                    let blocks = crate::pem::blocks(&text).map_err(|e| {
                        StoreError::Backend(BackendError::msg(format!(
                            "a stored certificate: {}",
                            e.0
                        )))
                    })?;
                    for b in blocks {
                        ders.push(std::mem::take(
                            &mut *crate::pem::decode_body(b.body, 64 * 1024).map_err(|e| {
                                StoreError::Backend(BackendError::msg(format!(
                                    "a stored certificate: {}",
                                    e.0
                                )))
                            })?,
                        ));
                    }
                }
                // Decrypting the key and deriving the PKCS#12 keys are CPU work: off the runtime.
                let (password, name) = (password.clone(), domain.clone());
                let pfx = self
                    .csrs
                    .cpu()
                    .run(move || -> Result<_, ServiceError> {
                        let private = if key.encrypted {
                            PrivateKey::from_pem_or_der_with_password(
                                key.pem.as_bytes(),
                                &password,
                            )?
                        } else {
                            PrivateKey::from_pem_or_der(key.pem.as_bytes())?
                        };
                        Ok(private.to_pkcs12(&ders, &password, Some(&name))?)
                    })
                    .await??;
                files.push((format!("{domain}.pfx"), Zeroizing::new(pfx)));
            }
        }
        Ok(Bundle { files })
    }

    /// Lets time pass for the order (a closed validation window fails it; an ended validity
    /// expires it).
    #[instrument(skip(self), fields(account = %scope.account))]
    pub async fn tick(&self, scope: &Scope, id: &str) -> Result<Order, ServiceError> {
        self.update(scope, id, |o| {
            let mut probe = o.clone();
            Ok(probe
                .apply(Command::Tick, self.clock.now())
                .ok()
                .filter(|events| !events.is_empty())
                .map(|_| Command::Tick))
        })
        .await
    }

    /// Cancels an order before issuance; a free certificate's quota is given back.
    #[instrument(skip(self), fields(account = %scope.account))]
    pub async fn cancel(&self, scope: &Scope, id: &str) -> Result<Order, ServiceError> {
        self.admit(scope, "cancel")?;
        // `update` gives a free certificate's quota back.
        self.update(scope, id, |_| Ok(Some(Command::Cancel))).await
    }

    /// Withdraws an application from domain validation or review, back to pending application
    /// (Alibaba's `CancelOrderRequest`): the order keeps its place in the quota; it takes its
    /// information again with [`submit_info`](Self::submit_info) (a free one keeps its
    /// validation method), or is cancelled or deleted (which gives the place back).
    #[instrument(skip(self), fields(account = %scope.account))]
    pub async fn withdraw(&self, scope: &Scope, id: &str) -> Result<Order, ServiceError> {
        self.admit(scope, "withdraw")?;
        self.update(scope, id, |_| Ok(Some(Command::Withdraw)))
            .await
    }

    /// Takes up a failed paid application again (Tencent `ModifyCertificateResubmit`): back to
    /// pending application, to submit its information anew.
    #[instrument(skip(self), fields(account = %scope.account))]
    pub async fn resubmit(&self, scope: &Scope, id: &str) -> Result<Order, ServiceError> {
        self.admit(scope, "resubmit")?;
        self.update(scope, id, |_| Ok(Some(Command::Resubmit)))
            .await
    }

    /// The account's free-certificate quota: what it was given and what it has used (a new
    /// account's ledger when nothing was counted yet).
    #[instrument(skip(self), fields(account = %scope.account))]
    pub async fn quota(&self, scope: &Scope) -> Result<QuotaLedger, ServiceError> {
        self.admit(scope, "quota")?;
        Ok(match self.orders.get_quota(&scope.account_wide()).await? {
            Some((ledger, _)) => ledger,
            None => QuotaLedger::new(self.quota.0.clone(), self.quota.1),
        })
    }

    /// The same service without its rate limit, for a caller that counted the call already
    /// (a vendor action is one call, whatever it does inside).
    pub(crate) fn unlimited(&self) -> OrderService {
        OrderService {
            orders: self.orders.clone(),
            csrs: Arc::new(self.csrs.unlimited()),
            ca: self.ca.clone(),
            resolver: self.resolver.clone(),
            fetcher: self.fetcher.clone(),
            dns_provider: self.dns_provider.clone(),
            registry: self.registry.clone(),
            clock: self.clock.clone(),
            quota: self.quota.clone(),
            free_product: self.free_product.clone(),
            retry: self.retry.clone(),
            check_deadline: self.check_deadline,
            limiter: None,
        }
    }

    /// The CSR service the orders use.
    pub fn csrs(&self) -> &CsrService {
        &self.csrs
    }

    /// The product free applications get.
    pub fn free_product(&self) -> &Product {
        &self.free_product
    }

    /// The CA's root certificate, PEM, when the CA tells it
    /// ([`CertificateAuthority::root_pem`]).
    pub fn ca_root_pem(&self) -> Option<String> {
        self.ca.root_pem()
    }

    /// The service's clock.
    pub fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    /// Takes a token of the account's rate limit for a vendor action.
    pub(crate) fn admit_call(&self, scope: &Scope, call: &'static str) -> Result<(), ServiceError> {
        self.admit(scope, call)
    }

    /// Revokes an issued certificate at the CA. When the CA call fails, the order stays
    /// revoking, and calling `revoke` again finishes it.
    ///
    /// A CA may revoke only once control of the domains is shown again
    /// ([`Revocation::ValidationRequired`]): the order stays revoking with what the CA asked
    /// for ([`Order::revocation_challenges`]); publish it and call `revoke` again. An order
    /// validated by automatic DNS (`DNS_AUTO`) has the records published through the DNS
    /// provider and the CA asked again at once, and they are removed once it is revoked (a
    /// record the provider refuses leaves the challenges to the user, as without `DNS_AUTO`).
    #[instrument(skip(self), fields(account = %scope.account))]
    pub async fn revoke(&self, scope: &Scope, id: &str) -> Result<Order, ServiceError> {
        self.admit(scope, "revoke")?;
        // An order left revoking by a CA call that failed is taken up where it stopped: the
        // CA's revocation is idempotent.
        let revoking = self
            .update(scope, id, |o| {
                Ok((o.state() != &OrderState::Revoking).then_some(Command::RequestRevocation))
            })
            .await?;
        let ticket = self
            .orders
            .get_order_file(scope, id, &ticket_file(&revoking))
            .await?
            .ok_or_else(|| {
                StoreError::Backend(BackendError::msg(format!("order {id} has no CA ticket")))
            })?;
        let ticket = String::from_utf8_lossy(&ticket).into_owned();
        let ca_revoke = || async {
            self.ca
                .revoke(&ticket)
                .await
                .map_err(|e| ServiceError::Ca(Box::new(e)))
        };
        let mut published = Vec::new();
        let mut answer = ca_revoke().await?;
        if let (Revocation::ValidationRequired(challenges), Some(provider)) =
            (&answer, &self.dns_provider)
            && revoking.method() == Some(ValidationMethod::DnsAuto)
        {
            let mut all_published = true;
            for record in challenges.iter().filter_map(dns_record) {
                // The provider refuses a zone the account does not own: the challenges are
                // then the user's to publish, as without DNS_AUTO.
                if let Err(e) = provider.create(scope, &record).await {
                    tracing::warn!(error = %e, "a revocation record could not be published");
                    all_published = false;
                    break;
                }
                published.push(record);
            }
            if all_published {
                answer = ca_revoke().await?;
            }
        }
        match answer {
            Revocation::ValidationRequired(challenges) => {
                self.update(scope, id, |_| {
                    Ok(Some(Command::AskRevocationValidation {
                        challenges: challenges.clone(),
                    }))
                })
                .await
            }
            _ => {
                let order = self
                    .update(scope, id, |_| Ok(Some(Command::ConfirmRevocation)))
                    .await?;
                if let Some(provider) = &self.dns_provider {
                    for record in &published {
                        if let Err(e) = provider.delete(scope, record).await {
                            tracing::warn!(error = %e, "a revocation record stays published");
                        }
                    }
                }
                Ok(order)
            }
        }
    }

    /// The confirmation letter template of an order, filled with its details
    /// ([`Order::letter_template`]): `(file name, text)`.
    #[instrument(skip(self), fields(account = %scope.account))]
    pub async fn letter_template(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<(String, String), ServiceError> {
        self.admit(scope, "letter_template")?;
        let order = self.get(scope, id).await?;
        let text = order.letter_template().ok_or_else(|| {
            ServiceError::rule(
                "order",
                ParamCode::LetterNotNeeded,
                format!("order {id}'s product takes no confirmation letter"),
            )
        })?;
        Ok((format!("confirmation-letter-{id}.txt"), text))
    }

    /// Reissues an issued certificate with a new CSR (or a new key: generate or paste one), for
    /// the same domains: within 3 days of the last validation no new validation is needed,
    /// otherwise the domains are validated again by the order's method. The CA gets a new
    /// submission, and the order its new certificate.
    #[instrument(skip(self, source), fields(account = %scope.account))]
    pub async fn reissue(
        &self,
        scope: &Scope,
        id: &str,
        source: CsrSource,
    ) -> Result<Order, ServiceError> {
        self.admit(scope, "reissue")?;
        let order = self.get(scope, id).await?;
        if order.state() != &OrderState::Issued {
            return Err(order_error(OrderError::IllegalTransition {
                state: order.state().name(),
                command: crate::order::CommandName::Reissue,
            }));
        }
        let csr = self
            .csr_ref(scope, id, order.product(), source, order.domains())
            .await?;
        let token = ValidationToken::random().map_err(order_error)?;
        self.update(scope, id, |_| {
            Ok(Some(Command::Reissue {
                csr: csr.clone(),
                token,
            }))
        })
        .await
    }

    /// Upgrades an issued free certificate to a paid product, keeping its bound domain: a new
    /// paid order, waiting for its information (which must name the same domain).
    #[instrument(skip(self, product), fields(account = %scope.account))]
    pub async fn upgrade(
        &self,
        scope: &Scope,
        id: &str,
        product: Product,
    ) -> Result<Order, ServiceError> {
        self.admit(scope, "upgrade")?;
        let free = self.get(scope, id).await?;
        let paid = free
            .upgrade(product, new_order_id()?, self.clock.now())
            .map_err(order_error)?;
        self.orders.insert_order(scope, &paid).await?;
        Ok(paid)
    }

    /// Deletes an order that holds no valid certificate: ended (failed, cancelled, expired,
    /// revoked, refunded) or still at one of the applicant's steps (not with the CA). A free
    /// application's quota is given back.
    #[instrument(skip(self), fields(account = %scope.account))]
    pub async fn delete(&self, scope: &Scope, id: &str) -> Result<(), ServiceError> {
        self.admit(scope, "delete")?;
        let mut last = None;
        for _ in 0..self.retry.attempts() {
            let order = self.get(scope, id).await?;
            let deletable = match order.state() {
                OrderState::Failed { .. }
                | OrderState::Cancelled
                | OrderState::PendingApplication
                | OrderState::Expired
                | OrderState::Revoked
                | OrderState::Refunded => true,
                OrderState::InProgress { step } => {
                    !matches!(step, Step::PreReview | Step::CaReview)
                }
                OrderState::PendingIssuance | OrderState::Issued | OrderState::Revoking => false,
            };
            if !deletable {
                return Err(ServiceError::rule(
                    "order",
                    ParamCode::OrderNotDeletable,
                    format!(
                        "order {id} is {}: only an order without a valid certificate, not with the CA, can be deleted",
                        order.state().name()
                    ),
                ));
            }
            match self.orders.delete_order(scope, id, order.version()).await {
                Ok(()) => {
                    if order.product().free {
                        self.release_quota(scope, id).await?;
                    }
                    return Ok(());
                }
                Err(e @ StoreError::Conflict { .. }) => last = Some(e),
                Err(StoreError::NotFound { .. }) => return Err(not_found(id)),
                Err(e) => return Err(e.into()),
            }
        }
        Err(last.map_or_else(|| not_found(id), ServiceError::Store))
    }

    /// Renews an issued certificate expiring within 30 days: a new order reusing the CSR,
    /// key, domains and information (a free renewal takes quota again).
    #[instrument(skip(self), fields(account = %scope.account))]
    pub async fn renew(&self, scope: &Scope, id: &str) -> Result<Order, ServiceError> {
        self.renew_with(scope, id, None).await
    }

    /// [`renew`](Self::renew) with a new CSR (generated, pasted or a record of the account)
    /// instead of the old one's; it must be for the same domains.
    #[instrument(skip(self, source), fields(account = %scope.account))]
    pub async fn renew_with(
        &self,
        scope: &Scope,
        id: &str,
        source: Option<CsrSource>,
    ) -> Result<Order, ServiceError> {
        self.admit(scope, "renew")?;
        let old = self.get(scope, id).await?;
        let new_id = new_order_id()?;
        let token = ValidationToken::random().map_err(order_error)?;
        // Checked before a new CSR is made for a renewal that cannot be.
        old.renew(new_id.clone(), token, self.clock.now())
            .map_err(order_error)?;
        let csr = match source {
            Some(source) => Some(
                self.csr_ref(scope, &new_id, old.product(), source, old.domains())
                    .await?,
            ),
            None => None,
        };
        let renewal = old
            .renew_with(new_id.clone(), token, self.clock.now(), csr)
            .map_err(order_error)?;
        if old.product().free {
            let domain = old.domains().first().cloned().unwrap_or_default();
            self.reserve_quota(scope, &new_id, &domain).await?;
        }
        if let Err(e) = self.orders.insert_order(scope, &renewal).await {
            self.release_quota(scope, &new_id).await?;
            return Err(e.into());
        }
        Ok(renewal)
    }
}

/// A free certificate's domain checked by the free certificate's rules.
fn free_domain_report(domain: &str) -> Report {
    let profile = crate::policy::Profile::tencent_apply_certificate();
    let mut report = Report::default();
    match DomainName::parse(domain) {
        Err(e) => report
            .violations
            .push(Violation::error("domain", e.code(), e.to_string())),
        Ok(name) => {
            report.violations.extend(check_domain("domain", &name));
            if let Some(rules) = &profile.free {
                let (found, covers) = check_free("domain", &name, rules);
                report.violations.extend(found);
                report.also_covers = covers;
            }
        }
    }
    report
}
