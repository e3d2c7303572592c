//! A certificate order as a pure, typed state machine: from "pending submission" to "issued"
//! (or failed, cancelled, expired, revoked, refunded), following its product's workflow.
//!
//! `order.apply(command, now)` checks the command against the state, returns the events it
//! caused and applies them; an illegal command is a typed error that changes nothing. The
//! history of events replays to the same order ([`Order::replay`]). No I/O and no clock: the
//! caller passes `now`, and the random values of challenges come in the commands.
//!
//! ```
//! use certdesk::order::{Command, CsrRef, Order, Product, ValidationMethod, ValidationToken};
//! use certdesk::KeyKind;
//! use time::macros::datetime;
//!
//! let now = datetime!(2026-11-22 09:00 UTC);
//! let mut order = Order::new("free-1", Product::free_trustasia_dv(), now);
//! order.apply(Command::SubmitInfo {
//!     csr: CsrRef { id: "csr-1".into(), key: KeyKind::Rsa { bits: 2048 } },
//!     domains: vec!["example.com".into()],
//!     info: None,
//!     method: Some(ValidationMethod::Dns),
//!     token: Some(ValidationToken::from_bytes([1; 16])),
//!     prior_validations: vec![],
//! }, now)?;
//! assert_eq!(order.tencent_status().code, 0); // under review: PENDING-DCV
//! assert_eq!(order.challenges()?.len(), 1);
//! # Ok::<(), certdesk::order::OrderError>(())
//! ```

mod challenge;
mod command;
mod details;
mod error;
mod product;
mod quota;
mod reuse;
mod status;

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use challenge::is_primary_domain;
pub use challenge::{
    BoundName, CaCheck, Challenge, CheckOutcome, DNS_AUTH_LABEL, DnsRecordType, DomainCheck,
    PKI_VALIDATION_PATH, ValidationMethod, ValidationToken, challenges,
};
pub use command::{Actor, Change, Command, CommandName, Event};
pub use details::{
    ApplicationDetails, CompanyType, MAX_ALIAS_CHARS, MAX_DETAIL_CHARS, OrderTag, PersonName,
};
pub use error::{OrderCode, OrderError};
pub use product::{
    AlgorithmStandard, Brand, CURRENT_VALIDATION_WINDOW, DEFAULT_CNAME_TARGET, DomainType,
    FREE_VALIDITY_MONTHS_CURRENT, FREE_VALIDITY_MONTHS_GUIDE, GUIDE_VALIDATION_WINDOW, Product,
    Step, ValidationType, Workflow,
};
pub use quota::{
    AccountKind, Deduction, QuotaCode, QuotaError, QuotaLedger, QuotaPool, QuotaPreset,
    primary_domain,
};
pub use reuse::{
    PriorValidation, add_months, baseline_max_validity, baseline_reuse_period, certificate_validity,
};
pub use status::{
    AlibabaOrderStatus, AlibabaStateType, AlibabaStatus, TencentStatus, TencentStatusMsg,
};

use crate::code::codes;
use crate::key::KeyKind;
use crate::policy::{LetterFormat, OrderInfo, Severity, Violation};

/// A reissue this soon after issuance skips domain validation.
pub const REISSUE_SKIPS_VALIDATION_WITHIN: Duration = Duration::days(3);

/// The most domain-check results an order's history keeps (the latest ones); identical
/// consecutive results are recorded once.
pub const MAX_CHECK_EVENTS: usize = 32;

/// A certificate may be renewed when it expires within this.
pub const RENEWAL_WINDOW: Duration = Duration::days(30);

/// The CSR an order uses (stored elsewhere; the key and its password go with it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsrRef {
    /// The CSR record's id.
    pub id: String,
    /// Its key's algorithm and size.
    pub key: KeyKind,
}

/// An uploaded confirmation letter (stored elsewhere), with its format as recognised by
/// content ([`LetterRules::check`](crate::policy::LetterRules::check)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterRef {
    /// The stored file's id.
    pub id: String,
    /// Its format.
    pub format: LetterFormat,
}

/// The certificate the CA issued (stored elsewhere).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateRef {
    /// Serial number, hex.
    pub serial: String,
    /// Start of validity.
    #[serde(with = "time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    /// End of validity.
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
}

/// Why an order failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum FailureReason {
    /// Domain validation was not completed within the window.
    ValidationWindowExpired {
        /// The window, in days.
        days: i64,
    },
    /// The pre-review refused the application.
    PreReviewFailed {
        /// The CA's reason.
        detail: String,
    },
    /// The CA review refused the application.
    ReviewFailed {
        /// The CA's reason.
        detail: String,
    },
}

impl std::fmt::Display for FailureReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FailureReason::ValidationWindowExpired { days } => {
                write!(f, "domain validation was not completed within {days} days")
            }
            FailureReason::PreReviewFailed { detail } => write!(f, "pre-review failed: {detail}"),
            FailureReason::ReviewFailed { detail } => write!(f, "CA review failed: {detail}"),
        }
    }
}

/// Where an order is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum OrderState {
    /// Waiting for this step of the workflow.
    InProgress {
        /// The step.
        step: Step,
    },
    /// Every step done: the CA is to issue.
    PendingIssuance,
    /// Issued (and not expired or revoked).
    Issued,
    /// Failed, with the reason.
    Failed {
        /// Why.
        reason: FailureReason,
    },
    /// Withdrawn from validation or review, back to pending application (Alibaba's
    /// `CancelOrderRequest`): the order keeps its product and its quota place, and takes its
    /// information again ([`Command::SubmitInfo`]), or is cancelled or deleted.
    PendingApplication,
    /// Cancelled before issuance.
    Cancelled,
    /// The certificate's validity ended.
    Expired,
    /// Revocation requested.
    Revoking,
    /// Revoked.
    Revoked,
    /// Cancelled or failed, and refunded.
    Refunded,
}

codes! {
    /// The name of an [`OrderState`] (of its step, when in progress), as logs, errors and the
    /// history report it.
    pub enum StateName {
        SubmitInfo = "submit_info",
        Apply = "apply",
        SelectValidationMethod = "select_validation_method",
        UploadLetter = "upload_letter",
        PreReview = "pre_review",
        ValidateDomain = "validate_domain",
        CaReview = "ca_review",
        PendingIssuance = "pending_issuance",
        Issued = "issued",
        Failed = "failed",
        PendingApplication = "pending_application",
        Cancelled = "cancelled",
        Expired = "expired",
        Revoking = "revoking",
        Revoked = "revoked",
        Refunded = "refunded",
    }
}

impl OrderState {
    /// A short name: the step's or the state's (`validate_domain`, `issued`, ...).
    pub fn name(&self) -> StateName {
        match self {
            OrderState::InProgress { step } => match step {
                Step::SubmitInfo => StateName::SubmitInfo,
                Step::Apply => StateName::Apply,
                Step::SelectValidationMethod => StateName::SelectValidationMethod,
                Step::UploadLetter => StateName::UploadLetter,
                Step::PreReview => StateName::PreReview,
                Step::ValidateDomain => StateName::ValidateDomain,
                Step::CaReview => StateName::CaReview,
            },
            OrderState::PendingIssuance => StateName::PendingIssuance,
            OrderState::Issued => StateName::Issued,
            OrderState::Failed { .. } => StateName::Failed,
            OrderState::PendingApplication => StateName::PendingApplication,
            OrderState::Cancelled => StateName::Cancelled,
            OrderState::Expired => StateName::Expired,
            OrderState::Revoking => StateName::Revoking,
            OrderState::Revoked => StateName::Revoked,
            OrderState::Refunded => StateName::Refunded,
        }
    }

    /// The step waited for, when in progress.
    pub fn step(&self) -> Option<Step> {
        match self {
            OrderState::InProgress { step } => Some(*step),
            _ => None,
        }
    }
}

/// What an order was created with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderHeader {
    /// The order's id.
    pub id: String,
    /// Its product.
    pub product: Product,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The order it renews.
    pub renewal_of: Option<String>,
    /// The free order it upgrades.
    pub upgrade_of: Option<String>,
    /// The domains an upgrade keeps.
    pub bound_domains: Option<Vec<String>>,
}

/// A certificate order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    id: String,
    product: Product,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    renewal_of: Option<String>,
    upgrade_of: Option<String>,
    /// Domains an upgrade must keep.
    bound_domains: Option<Vec<String>>,
    state: OrderState,
    version: u64,
    csr: Option<CsrRef>,
    domains: Vec<String>,
    info: Option<OrderInfo>,
    prior_validations: Vec<PriorValidation>,
    method: Option<ValidationMethod>,
    token: Option<ValidationToken>,
    letter: Option<LetterRef>,
    letters_uploaded: u32,
    #[serde(with = "time::serde::rfc3339::option")]
    validation_started_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    validated_at: Option<OffsetDateTime>,
    last_checks: Vec<DomainCheck>,
    certificate: Option<CertificateRef>,
    #[serde(with = "time::serde::rfc3339::option")]
    issued_at: Option<OffsetDateTime>,
    reissuing: bool,
    #[serde(default)]
    details: ApplicationDetails,
    /// What the CA asked for before it revokes (empty unless it asked).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    revocation_challenges: Vec<Challenge>,
    history: Vec<Event>,
}

impl Order {
    /// A new order for `product`, waiting for its first step.
    pub fn new(id: impl Into<String>, product: Product, now: OffsetDateTime) -> Self {
        let first = product.workflow().steps[0];
        Order {
            id: id.into(),
            product,
            created_at: now,
            renewal_of: None,
            upgrade_of: None,
            bound_domains: None,
            state: OrderState::InProgress { step: first },
            version: 0,
            csr: None,
            domains: Vec::new(),
            info: None,
            prior_validations: Vec::new(),
            method: None,
            token: None,
            letter: None,
            letters_uploaded: 0,
            validation_started_at: None,
            validated_at: None,
            last_checks: Vec::new(),
            certificate: None,
            issued_at: None,
            reissuing: false,
            details: ApplicationDetails::default(),
            revocation_challenges: Vec::new(),
            history: Vec::new(),
        }
    }

    /// Rebuilds an order from its header and history: the same order [`Order::apply`]
    /// produced.
    pub fn replay(header: OrderHeader, history: &[Event]) -> Self {
        let mut order = Order::new(header.id, header.product, header.created_at);
        order.renewal_of = header.renewal_of;
        order.upgrade_of = header.upgrade_of;
        order.bound_domains = header.bound_domains;
        for event in history {
            order.evolve(event);
            order.version = event.version;
            order.history.push(event.clone());
        }
        order
    }

    /// What the order was created with: with the history, all a store needs to rebuild it.
    pub fn header(&self) -> OrderHeader {
        OrderHeader {
            id: self.id.clone(),
            product: self.product.clone(),
            created_at: self.created_at,
            renewal_of: self.renewal_of.clone(),
            upgrade_of: self.upgrade_of.clone(),
            bound_domains: self.bound_domains.clone(),
        }
    }

    /// Applies a command at `now`: the events it caused, now part of the history, or why it
    /// was refused (the order unchanged). A command that changes nothing (a `Tick` with nothing
    /// due) returns no events and keeps the version.
    pub fn apply(
        &mut self,
        command: Command,
        now: OffsetDateTime,
    ) -> Result<Vec<Event>, OrderError> {
        let changes = self.decide(&command, now)?;
        if changes.is_empty() {
            return Ok(Vec::new());
        }
        let version = self.version + 1;
        let events: Vec<Event> = changes
            .into_iter()
            .map(|change| Event {
                version,
                at: now,
                actor: command.actor(),
                change,
            })
            .collect();
        for event in &events {
            self.evolve(event);
        }
        self.version = version;
        self.history.extend(events.iter().cloned());
        self.prune_checks();
        Ok(events)
    }

    /// Keeps the history bounded: past [`MAX_CHECK_EVENTS`] check results, the oldest goes
    /// (each only replaced the one before it, so replaying the rest rebuilds the same order).
    fn prune_checks(&mut self) {
        let is_check = |e: &Event| matches!(e.change, Change::DomainsChecked { .. });
        if self.history.iter().filter(|e| is_check(e)).count() <= MAX_CHECK_EVENTS {
            return;
        }
        let last = self.history.len() - 1;
        if let Some(oldest) = self.history.iter().position(is_check)
            && oldest != last
        {
            self.history.remove(oldest);
        }
    }

    fn illegal(&self, command: &Command) -> OrderError {
        OrderError::IllegalTransition {
            state: self.state.name(),
            command: command.name(),
        }
    }

    fn in_step(&self, step: Step) -> bool {
        self.state == OrderState::InProgress { step }
    }

    /// Works out what a command changes, without changing anything.
    fn decide(&self, command: &Command, now: OffsetDateTime) -> Result<Vec<Change>, OrderError> {
        let mut changes = match command {
            Command::SubmitInfo {
                csr,
                domains,
                info,
                method,
                token,
                prior_validations,
            } => {
                let first = self.product.workflow().steps[0];
                let pending = self.state == OrderState::PendingApplication;
                let free_form = self.in_step(Step::Apply) || (pending && first == Step::Apply);
                if !free_form && !self.in_step(Step::SubmitInfo) && !pending {
                    return Err(self.illegal(command));
                }
                let names = self.check_domains(domains)?;
                let texts: Vec<String> = names.iter().map(BoundName::text).collect();
                if pending && self.product.free && texts != self.domains {
                    // The quota place was taken for the domain applied for.
                    return Err(OrderError::DomainsDoNotFit {
                        detail: format!(
                            "a free application is made again for its domain {}",
                            self.domains.join(", ")
                        ),
                    });
                }
                if !self.product.accepts_key(csr.key) {
                    return Err(OrderError::KeyDoesNotFit {
                        key: csr.key,
                        standard: self.product.standard,
                    });
                }
                if self.product.validation != ValidationType::Dv {
                    let info = info.as_ref().ok_or(OrderError::MissingInformation)?;
                    let errors: Vec<Violation> = info
                        .check()
                        .into_iter()
                        .filter(|v| v.severity == Severity::Error)
                        .collect();
                    if !errors.is_empty() {
                        return Err(OrderError::InvalidInformation(errors));
                    }
                }
                let mut changes = vec![Change::InfoSubmitted {
                    csr: csr.clone(),
                    domains: names.iter().map(BoundName::text).collect(),
                    info: info.clone(),
                    prior_validations: prior_validations.clone(),
                }];
                if free_form {
                    let (Some(method), Some(token)) = (method, token) else {
                        return Err(OrderError::MissingMethod);
                    };
                    challenges(&self.product, &names, *method, token)?;
                    self.product.check_method(*method)?;
                    changes.push(Change::ValidationChosen {
                        method: *method,
                        token: *token,
                    });
                }
                changes
            }
            Command::ChooseValidation { method, token } => {
                if !self.in_step(Step::SelectValidationMethod) {
                    return Err(self.illegal(command));
                }
                challenges(&self.product, &self.domain_names(), *method, token)?;
                self.product.check_method(*method)?;
                vec![Change::ValidationChosen {
                    method: *method,
                    token: *token,
                }]
            }
            Command::UploadLetter { letter } => {
                let reupload = self.in_step(Step::CaReview)
                    && self.product.workflow().letter_reupload
                    && self.letters_uploaded > 0;
                if !self.in_step(Step::UploadLetter) && !reupload {
                    return Err(self.illegal(command));
                }
                let accepted = self.product.letter_rules().formats;
                if !accepted.contains(&letter.format) {
                    return Err(OrderError::LetterFormat {
                        found: letter.format,
                        accepted,
                    });
                }
                vec![Change::LetterUploaded {
                    letter: letter.clone(),
                }]
            }
            Command::PreReviewPassed | Command::PreReviewFailed { .. } => {
                if !self.in_step(Step::PreReview) {
                    return Err(self.illegal(command));
                }
                match command {
                    Command::PreReviewFailed { reason } => vec![Change::Failed {
                        reason: FailureReason::PreReviewFailed {
                            detail: reason.clone(),
                        },
                    }],
                    _ => vec![Change::PreReviewPassed],
                }
            }
            Command::RecordChecks { checks } => {
                if !self.in_step(Step::ValidateDomain) {
                    return Err(self.illegal(command));
                }
                if let Some(reason) = self.window_closed(now) {
                    return Ok(vec![Change::Failed { reason }]);
                }
                let wanted = self.challenges()?;
                if let Some(stranger) = checks.iter().find(|c| {
                    !wanted
                        .iter()
                        .any(|w| w.domain().eq_ignore_ascii_case(&c.domain))
                }) {
                    return Err(OrderError::UnknownDomain {
                        domain: stranger.domain.clone(),
                    });
                }
                let all_passed = wanted.iter().all(|w| {
                    checks.iter().any(|c| {
                        c.domain.eq_ignore_ascii_case(w.domain())
                            && c.outcome == CheckOutcome::Passed
                    })
                });
                // The same results again change nothing: no event (a client polling every
                // minute for days adds nothing to the history).
                if !all_passed && *checks == self.last_checks {
                    return Ok(Vec::new());
                }
                let mut changes = vec![Change::DomainsChecked {
                    checks: checks.clone(),
                }];
                if all_passed {
                    changes.push(Change::DomainsValidated { reused: false });
                }
                changes
            }
            Command::ReviewPassed | Command::ReviewFailed { .. } => {
                if !self.in_step(Step::CaReview) {
                    return Err(self.illegal(command));
                }
                match command {
                    Command::ReviewFailed { reason } => vec![Change::Failed {
                        reason: FailureReason::ReviewFailed {
                            detail: reason.clone(),
                        },
                    }],
                    _ => vec![Change::ReviewPassed],
                }
            }
            Command::Issue { certificate } => {
                if self.state != OrderState::PendingIssuance {
                    return Err(self.illegal(command));
                }
                if certificate.not_after <= certificate.not_before {
                    return Err(OrderError::InvalidCertificate);
                }
                vec![Change::Issued {
                    certificate: certificate.clone(),
                }]
            }
            Command::Cancel => match self.state {
                OrderState::InProgress { .. }
                | OrderState::PendingIssuance
                | OrderState::PendingApplication => {
                    vec![Change::Cancelled]
                }
                _ => return Err(self.illegal(command)),
            },
            // Tencent's ModifyCertificateResubmit: a failed paid application is taken up again.
            Command::Resubmit => match self.state {
                OrderState::Failed { .. } if !self.product.free => vec![Change::Withdrawn],
                _ => return Err(self.illegal(command)),
            },
            // "Cancel only while validating or under review (back to pending application)".
            Command::Withdraw => match self.state {
                OrderState::InProgress { step }
                    if !matches!(step, Step::SubmitInfo | Step::Apply) && !self.reissuing =>
                {
                    vec![Change::Withdrawn]
                }
                _ => return Err(self.illegal(command)),
            },
            Command::Tick => match (&self.state, &self.certificate) {
                (
                    OrderState::InProgress {
                        step: Step::ValidateDomain,
                    },
                    _,
                ) => self
                    .window_closed(now)
                    .map(|reason| vec![Change::Failed { reason }])
                    .unwrap_or_default(),
                (OrderState::Issued, Some(cert)) if now >= cert.not_after => {
                    vec![Change::CertificateExpired]
                }
                _ => Vec::new(),
            },
            Command::RequestRevocation => match self.state {
                OrderState::Issued => vec![Change::RevocationRequested],
                _ => return Err(self.illegal(command)),
            },
            Command::ConfirmRevocation => match self.state {
                OrderState::Revoking => vec![Change::Revoked],
                _ => return Err(self.illegal(command)),
            },
            Command::AskRevocationValidation { challenges } => match self.state {
                OrderState::Revoking if *challenges == self.revocation_challenges => Vec::new(),
                OrderState::Revoking => vec![Change::RevocationValidationAsked {
                    challenges: challenges.clone(),
                }],
                _ => return Err(self.illegal(command)),
            },
            Command::Refund => match self.state {
                OrderState::Cancelled | OrderState::Failed { .. } if self.product.free => {
                    return Err(OrderError::NotRefundable);
                }
                OrderState::Cancelled | OrderState::Failed { .. } => vec![Change::Refunded],
                _ => return Err(self.illegal(command)),
            },
            Command::Reissue { csr, token } => {
                if self.state != OrderState::Issued {
                    return Err(self.illegal(command));
                }
                if !self.product.accepts_key(csr.key) {
                    return Err(OrderError::KeyDoesNotFit {
                        key: csr.key,
                        standard: self.product.standard,
                    });
                }
                let recent = self
                    .issued_at
                    .is_some_and(|at| now - at <= REISSUE_SKIPS_VALIDATION_WITHIN);
                vec![Change::ReissueStarted {
                    csr: csr.clone(),
                    token: *token,
                    validation_skipped: recent
                        || !self.product.workflow().has(Step::ValidateDomain),
                }]
            }
            Command::WaiveLetter => {
                if !self.in_step(Step::UploadLetter) || self.product.brand == Brand::GlobalSign {
                    return Err(self.illegal(command));
                }
                vec![Change::LetterWaived]
            }
            Command::WaiveReview => {
                if !self.in_step(Step::CaReview) || self.product.standard != AlgorithmStandard::Gm {
                    return Err(self.illegal(command));
                }
                vec![Change::ReviewWaived]
            }
            Command::SetDetails { details } => {
                let found = details.check();
                if !found.is_empty() {
                    return Err(OrderError::InvalidInformation(found));
                }
                vec![Change::DetailsSet {
                    details: details.clone(),
                }]
            }
            Command::NextCertificate { token } => {
                let Some(due) = self.next_certificate_due() else {
                    return Err(self.illegal(command));
                };
                if now < due {
                    return Err(OrderError::NotRenewable(format!(
                        "the next certificate of the period is due on {}",
                        due.date()
                    )));
                }
                let csr = self
                    .csr
                    .clone()
                    .ok_or_else(|| OrderError::NotRenewable("the order has no CSR".into()))?;
                let organization = self.info.as_ref().map(|i| i.organization.name.as_str());
                let reusable = self
                    .validations()
                    .iter()
                    .all(|p| p.covers(&p.domain, self.product.standard, organization, now));
                vec![Change::ReissueStarted {
                    csr,
                    token: *token,
                    validation_skipped: reusable
                        || !self.product.workflow().has(Step::ValidateDomain),
                }]
            }
        };
        // Arriving at domain validation with every domain covered by a reusable validation
        // completes it at once.
        let mut probe = self.clone();
        for change in &changes {
            probe.evolve(&Event {
                version: self.version + 1,
                at: now,
                actor: command.actor(),
                change: change.clone(),
            });
        }
        let arrived = probe.in_step(Step::ValidateDomain) && !self.in_step(Step::ValidateDomain);
        if arrived && !probe.domains.is_empty() && probe.reuse_covers_all(now) {
            changes.push(Change::DomainsValidated { reused: true });
        }
        Ok(changes)
    }

    fn check_domains(&self, domains: &[String]) -> Result<Vec<BoundName>, OrderError> {
        let mut names: Vec<BoundName> = Vec::new();
        for raw in domains {
            let name = BoundName::parse(raw).map_err(|e| OrderError::InvalidDomain {
                domain: raw.clone(),
                reason: e.to_string(),
            })?;
            if let BoundName::Ip(ip) = &name {
                if !self.product.ip_addresses {
                    return Err(OrderError::DomainsDoNotFit {
                        detail: format!(
                            "{ip} is an IP address; this product binds domain names only"
                        ),
                    });
                }
                // Only a public address can be certified.
                if let Some(v) = crate::policy::check_ip(raw, *ip) {
                    return Err(OrderError::InvalidDomain {
                        domain: raw.clone(),
                        reason: v.message,
                    });
                }
            }
            if !names.contains(&name) {
                names.push(name);
            }
        }
        let wildcards = names.iter().filter(|n| n.is_wildcard()).count();
        let fit = match self.product.domain_type {
            DomainType::Single => (names.len() == 1 && wildcards == 0)
                .then_some(())
                .ok_or("a single-domain certificate binds exactly one domain, not a wildcard"),
            DomainType::Wildcard => (names.len() == 1 && wildcards == 1).then_some(()).ok_or(
                "a wildcard certificate binds exactly one wildcard domain, as *.example.com",
            ),
            DomainType::Multiple => (!names.is_empty()
                && names.len() <= self.product.max_domains
                && wildcards == 0)
                .then_some(())
                .ok_or(
                    "a multi-domain certificate binds 1 to its maximum of domains, none a wildcard",
                ),
        };
        fit.map_err(|detail| OrderError::DomainsDoNotFit {
            detail: format!("{detail} (given {})", names.len()),
        })?;
        if let Some(bound) = &self.bound_domains {
            let given: Vec<String> = names.iter().map(BoundName::text).collect();
            if &given != bound {
                return Err(OrderError::UpgradeChangesDomains {
                    expected: bound.clone(),
                });
            }
        }
        Ok(names)
    }

    fn domain_names(&self) -> Vec<BoundName> {
        self.domains
            .iter()
            .filter_map(|d| BoundName::parse(d).ok())
            .collect()
    }

    fn window_closed(&self, now: OffsetDateTime) -> Option<FailureReason> {
        let started = self.validation_started_at?;
        (now >= started + self.product.validation_window).then(|| {
            FailureReason::ValidationWindowExpired {
                days: self.product.validation_window.whole_days(),
            }
        })
    }

    fn reuse_covers_all(&self, now: OffsetDateTime) -> bool {
        let organization = self.info.as_ref().map(|i| i.organization.name.as_str());
        self.domain_names().iter().all(|d| {
            self.prior_validations
                .iter()
                .any(|p| p.covers(&d.base(), self.product.standard, organization, now))
        })
    }

    fn advance(&mut self, at: OffsetDateTime) {
        let next = self
            .state
            .step()
            .and_then(|step| self.product.workflow().next(step));
        self.state = match next {
            Some(step) => OrderState::InProgress { step },
            None => OrderState::PendingIssuance,
        };
        if next == Some(Step::ValidateDomain) {
            self.validation_started_at = Some(at);
        }
    }

    /// Applies one event (no checks: events are facts).
    fn evolve(&mut self, event: &Event) {
        let at = event.at;
        match &event.change {
            Change::InfoSubmitted {
                csr,
                domains,
                info,
                prior_validations,
            } => {
                if self.state == OrderState::PendingApplication {
                    // Applying again starts the workflow over.
                    let first = self.product.workflow().steps[0];
                    self.state = OrderState::InProgress { step: first };
                }
                self.csr = Some(csr.clone());
                self.domains = domains.clone();
                self.info = info.as_deref().cloned();
                self.prior_validations = prior_validations.clone();
                self.advance(at);
            }
            Change::ValidationChosen { method, token } => {
                self.method = Some(*method);
                self.token = Some(*token);
                if self.in_step(Step::SelectValidationMethod) {
                    self.advance(at);
                }
            }
            Change::LetterUploaded { letter } => {
                self.letter = Some(letter.clone());
                self.letters_uploaded += 1;
                if self.in_step(Step::UploadLetter) {
                    self.advance(at);
                }
            }
            Change::PreReviewPassed
            | Change::ReviewPassed
            | Change::LetterWaived
            | Change::ReviewWaived => self.advance(at),
            Change::DomainsChecked { checks } => self.last_checks = checks.clone(),
            Change::DomainsValidated { .. } => {
                self.validated_at = Some(at);
                if self.reissuing {
                    self.state = OrderState::PendingIssuance;
                } else {
                    self.advance(at);
                }
            }
            Change::Failed { reason } => {
                self.state = OrderState::Failed {
                    reason: reason.clone(),
                }
            }
            Change::Issued { certificate } => {
                self.certificate = Some(certificate.clone());
                self.issued_at = Some(at);
                self.reissuing = false;
                self.state = OrderState::Issued;
            }
            Change::Cancelled => self.state = OrderState::Cancelled,
            Change::Withdrawn => {
                // The method stays: a free application is made again with it.
                self.state = OrderState::PendingApplication;
                self.token = None;
                self.letter = None;
                self.last_checks.clear();
                self.validation_started_at = None;
                self.validated_at = None;
            }
            Change::CertificateExpired => self.state = OrderState::Expired,
            Change::RevocationRequested => self.state = OrderState::Revoking,
            Change::RevocationValidationAsked { challenges } => {
                self.revocation_challenges = challenges.clone();
            }
            Change::Revoked => {
                self.state = OrderState::Revoked;
                self.revocation_challenges.clear();
            }
            Change::Refunded => self.state = OrderState::Refunded,
            Change::DetailsSet { details } => self.details = (**details).clone(),
            Change::ReissueStarted {
                csr,
                token,
                validation_skipped,
            } => {
                self.csr = Some(csr.clone());
                self.token = Some(*token);
                self.reissuing = true;
                self.last_checks.clear();
                if *validation_skipped {
                    self.state = OrderState::PendingIssuance;
                } else {
                    self.state = OrderState::InProgress {
                        step: Step::ValidateDomain,
                    };
                    self.validation_started_at = Some(at);
                }
            }
        }
    }

    /// The order as it stands at `now`: what a [`Command::Tick`] would change (a validation
    /// window that closed, a certificate that ended) applied to a copy, without recording it.
    /// What a read shows when nothing has ticked the stored order since.
    pub fn as_of(&self, now: OffsetDateTime) -> Order {
        let mut view = self.clone();
        // A tick is never refused; were it, the order as stored is the answer.
        if view.apply(Command::Tick, now).is_err() {
            return self.clone();
        }
        view
    }

    /// What the CA asked for before it revokes the certificate: the records (or files) that
    /// show control of its domains again. Empty unless the order is revoking and its CA asked
    /// (its answer to the revocation was that validation is required).
    pub fn revocation_challenges(&self) -> &[Challenge] {
        if self.state == OrderState::Revoking {
            &self.revocation_challenges
        } else {
            &[]
        }
    }

    /// The challenges the user must complete now (empty before a method is chosen).
    pub fn challenges(&self) -> Result<Vec<Challenge>, OrderError> {
        match (self.method, &self.token) {
            (Some(method), Some(token)) => {
                challenges(&self.product, &self.domain_names(), method, token)
            }
            _ => Ok(Vec::new()),
        }
    }

    /// When domain validation must be complete, while it is under way.
    pub fn validation_deadline(&self) -> Option<OffsetDateTime> {
        self.in_step(Step::ValidateDomain)
            .then(|| {
                self.validation_started_at
                    .map(|s| s + self.product.validation_window)
            })
            .flatten()
    }

    /// The validations this order completed, for later orders to reuse.
    pub fn validations(&self) -> Vec<PriorValidation> {
        let Some(at) = self.validated_at else {
            return Vec::new();
        };
        let organization = self.info.as_ref().map(|i| i.organization.name.clone());
        self.domain_names()
            .iter()
            .map(|d| PriorValidation {
                domain: d.base(),
                organization: organization.clone(),
                validated_at: at,
                standard: self.product.standard,
            })
            .collect()
    }

    /// A renewal: a new order for the same product that reuses this one's CSR (with its key
    /// and password), domains and information, allowed when the certificate expires within 30
    /// days. The new order starts past its submission step.
    pub fn renew(
        &self,
        new_id: impl Into<String>,
        token: ValidationToken,
        now: OffsetDateTime,
    ) -> Result<Order, OrderError> {
        self.renew_with(new_id, token, now, None)
    }

    /// [`renew`](Self::renew) with a new CSR instead of this order's (its key must fit the
    /// product; it names the same domains).
    pub fn renew_with(
        &self,
        new_id: impl Into<String>,
        token: ValidationToken,
        now: OffsetDateTime,
        csr: Option<CsrRef>,
    ) -> Result<Order, OrderError> {
        let (OrderState::Issued, Some(cert)) = (&self.state, &self.certificate) else {
            return Err(OrderError::NotRenewable(format!(
                "the order is {}, not issued",
                self.state.name()
            )));
        };
        if self.product.free && !self.product.free_renewal {
            return Err(OrderError::FreeNotRenewable);
        }
        if cert.not_after - now > RENEWAL_WINDOW {
            return Err(OrderError::NotRenewable(format!(
                "the certificate expires on {}; renewal opens 30 days before",
                cert.not_after.date()
            )));
        }
        let csr = csr
            .or_else(|| self.csr.clone())
            .ok_or_else(|| OrderError::NotRenewable("the order has no CSR".into()))?;
        let mut renewal = Order::new(new_id, self.product.clone(), now);
        renewal.renewal_of = Some(self.id.clone());
        let free = self.product.free;
        renewal.apply(
            Command::SubmitInfo {
                csr,
                domains: self.domains.clone(),
                info: self.info.clone().map(Box::new),
                method: if free { self.method } else { None },
                token: free.then_some(token),
                prior_validations: self.validations(),
            },
            now,
        )?;
        if let Some(method) = self.method.filter(|_| !free)
            && renewal.in_step(Step::SelectValidationMethod)
        {
            renewal.apply(Command::ChooseValidation { method, token }, now)?;
        }
        Ok(renewal)
    }

    /// An upgrade of an issued free certificate to a paid product, keeping the bound domain.
    pub fn upgrade(
        &self,
        product: Product,
        new_id: impl Into<String>,
        now: OffsetDateTime,
    ) -> Result<Order, OrderError> {
        if !self.product.free || self.state != OrderState::Issued || product.free {
            return Err(OrderError::NotUpgradable);
        }
        let mut paid = Order::new(new_id, product, now);
        paid.upgrade_of = Some(self.id.clone());
        paid.bound_domains = Some(self.domains.clone());
        Ok(paid)
    }

    /// The order's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The product.
    pub fn product(&self) -> &Product {
        &self.product
    }

    /// When it was created.
    pub fn created_at(&self) -> OffsetDateTime {
        self.created_at
    }

    /// The order this one renews.
    pub fn renewal_of(&self) -> Option<&str> {
        self.renewal_of.as_deref()
    }

    /// The free order this one upgrades.
    pub fn upgrade_of(&self) -> Option<&str> {
        self.upgrade_of.as_deref()
    }

    /// The state.
    pub fn state(&self) -> &OrderState {
        &self.state
    }

    /// The version: one more per command that changed the order.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The CSR, once submitted.
    pub fn csr(&self) -> Option<&CsrRef> {
        self.csr.as_ref()
    }

    /// The bound domains (A-labels).
    pub fn domains(&self) -> &[String] {
        &self.domains
    }

    /// Whether the CA has reviewed this order's organization and administrator: its manual
    /// review passed (or was waived), or it was issued after one.
    pub fn review_passed(&self) -> bool {
        self.info.is_some()
            && self
                .history
                .iter()
                .any(|e| matches!(e.change, Change::ReviewPassed | Change::ReviewWaived))
    }

    /// The validation methods offered for this order: its product's
    /// ([`Product::offered_methods`]), file methods only when it binds an IP address (there is
    /// no DNS method for an address).
    pub fn offered_methods(&self, on_dns_provider: bool) -> Vec<ValidationMethod> {
        let mut offered = self.product.offered_methods(on_dns_provider);
        if self
            .domain_names()
            .iter()
            .any(|n| matches!(n, BoundName::Ip(_)))
        {
            offered.retain(|m| !m.is_dns());
        }
        offered
    }

    /// What the application form collected beside the CSR, domains and organization.
    pub fn details(&self) -> &ApplicationDetails {
        &self.details
    }

    /// The CA's view of the domain validation (Tencent `CaCheck`): passed once the domains are
    /// validated and the order is with the CA for issuance or past it.
    pub fn ca_check(&self) -> CaCheck {
        let with_ca = match &self.state {
            OrderState::PendingIssuance
            | OrderState::Issued
            | OrderState::Revoking
            | OrderState::Revoked
            | OrderState::Expired => true,
            OrderState::InProgress { step } => *step == Step::CaReview,
            _ => false,
        };
        // Products without a domain-validation step are validated by the CA itself: issuance
        // says it passed.
        let issued = self.certificate.is_some() && with_ca;
        if (with_ca && self.validated_at.is_some()) || issued {
            CaCheck::Passed
        } else {
            CaCheck::NotPassed
        }
    }

    /// When the product's period ends: its validity months after the first certificate was
    /// issued ("Multi-year certificates include multiple one-year certificates").
    pub fn period_ends_at(&self) -> Option<OffsetDateTime> {
        let first = self
            .history
            .iter()
            .find(|e| matches!(e.change, Change::Issued { .. }))?
            .at;
        Some(add_months(first, self.product.validity_months))
    }

    /// How many more certificates the paid product's period needs after the current one (each
    /// one year at most, cut to the Baseline Requirements of its day). A free certificate is
    /// one certificate.
    pub fn certificates_remaining(&self) -> u32 {
        let (Some(end), Some(cert)) = (self.period_ends_at(), &self.certificate) else {
            return 0;
        };
        if self.product.free {
            return 0;
        }
        let mut at = cert.not_after;
        let mut n = 0;
        while at < end && n < 1000 {
            let step = certificate_validity(at, 12);
            if step <= Duration::ZERO {
                break;
            }
            at += step;
            n += 1;
        }
        n
    }

    /// When the next certificate of the period is due (30 days before the current one
    /// expires: "the system will automatically apply for the second one before the first
    /// certificate is about to expire"), while the order is issued and one remains.
    pub fn next_certificate_due(&self) -> Option<OffsetDateTime> {
        let cert = self.certificate.as_ref()?;
        (self.state == OrderState::Issued && self.certificates_remaining() > 0)
            .then(|| cert.not_after - RENEWAL_WINDOW)
    }

    /// The confirmation letter template the applicant downloads, fills in, seals and uploads
    /// ("Click Download Confirmation Letter Template and fill in the application
    /// information"), filled with what the order knows: the product, the domains, the
    /// organization, the administrator and the contact, with lines left for the seal, the
    /// signature and the date. Plain UTF-8 text (an organization's name is often Chinese,
    /// which a PDF would need an embedded font for). `None` for a product without a letter
    /// step.
    pub fn letter_template(&self) -> Option<String> {
        use std::fmt::Write;
        if !self.product.workflow().has(Step::UploadLetter) {
            return None;
        }
        let mut t = String::new();
        let blank = "____________________";
        let or_blank = |v: &str| {
            if v.trim().is_empty() {
                blank.to_owned()
            } else {
                v.to_owned()
            }
        };
        let _ = writeln!(t, "CERTIFICATE APPLICATION CONFIRMATION LETTER");
        let _ = writeln!(t);
        let _ = writeln!(t, "Order:        {}", self.id);
        let _ = writeln!(t, "Product:      {}", self.product.name());
        let _ = writeln!(t, "Validity:     {} months", self.product.validity_months);
        let _ = writeln!(
            t,
            "Domains:      {}",
            if self.domains.is_empty() {
                blank.to_owned()
            } else {
                self.domains.join(", ")
            }
        );
        let _ = writeln!(t);
        let _ = writeln!(t, "Organization");
        let info = self.info.as_ref();
        let org = info.map(|i| &i.organization);
        let field = |v: Option<&str>| or_blank(v.unwrap_or(""));
        let _ = writeln!(t, "  Name:         {}", field(org.map(|o| o.name.as_str())));
        let _ = writeln!(
            t,
            "  Department:   {}",
            field(org.map(|o| o.department.as_str()))
        );
        let _ = writeln!(
            t,
            "  Address:      {}",
            field(org.map(|o| o.address.as_str()))
        );
        let _ = writeln!(t, "  City:         {}", field(org.map(|o| o.city.as_str())));
        let _ = writeln!(
            t,
            "  Province:     {}",
            field(org.and_then(|o| o.province.as_deref()))
        );
        let _ = writeln!(
            t,
            "  Phone:        {}",
            field(org.map(|o| o.phone.as_str()))
        );
        let person = |t: &mut String, title: &str, p: Option<&crate::policy::Person>| {
            let _ = writeln!(t);
            let _ = writeln!(t, "{title}");
            let _ = writeln!(t, "  Name:         {}", field(p.map(|p| p.name.as_str())));
            let _ = writeln!(
                t,
                "  Position:     {}",
                field(p.map(|p| p.position.as_str()))
            );
            let _ = writeln!(t, "  Phone:        {}", field(p.map(|p| p.phone.as_str())));
            let _ = writeln!(t, "  E-mail:       {}", field(p.map(|p| p.email.as_str())));
        };
        let admin = info.map(|i| &i.admin);
        person(&mut t, "Administrator", admin);
        let contact = match info.map(|i| &i.contact) {
            Some(crate::policy::Contact::Person(p)) => Some(p),
            _ => admin,
        };
        person(&mut t, "Technical contact", contact);
        let _ = writeln!(t);
        let _ = writeln!(
            t,
            "We confirm that the organization above applies for this certificate for the domains"
        );
        let _ = writeln!(
            t,
            "listed, that the information is true, and that the administrator may act for us."
        );
        let _ = writeln!(t);
        let _ = writeln!(t, "Official seal:                {blank}");
        let _ = writeln!(t, "Signature of the administrator: {blank}");
        let _ = writeln!(t, "Date:                         {blank}");
        Some(t)
    }

    /// The CSR the order holds on to: while it is open (the CA will need it) and while its
    /// certificate is issued or being revoked (downloads and renewal need its key). A CSR held
    /// by an order is not deleted.
    pub fn held_csr(&self) -> Option<&CsrRef> {
        match self.state {
            OrderState::InProgress { .. }
            | OrderState::PendingIssuance
            | OrderState::Issued
            | OrderState::Revoking => self.csr.as_ref(),
            _ => None,
        }
    }

    /// The names the certificate carries: the bound domains and, for a single-domain product
    /// bound to a primary (registrable) domain, its `www.` name too ("For "tencent.com", the
    /// certificate applies only to "www.tencent.com", but not "ssl.tencent.com"": the apex and
    /// `www.`). Validating the apex covers `www.`: by DNS at the apex, and by file at both.
    pub fn certified_names(&self) -> Vec<String> {
        let mut names = self.domains.clone();
        if self.product.domain_type == DomainType::Single
            && let [BoundName::Domain(only)] = self.domain_names().as_slice()
            && !only.is_wildcard()
            && is_primary_domain(only.as_str())
        {
            let www = format!("www.{}", only.as_str());
            if !names.contains(&www) {
                names.push(www);
            }
        }
        names
    }

    /// Organization information.
    pub fn info(&self) -> Option<&OrderInfo> {
        self.info.as_ref()
    }

    /// The validation method.
    pub fn method(&self) -> Option<ValidationMethod> {
        self.method
    }

    /// The latest confirmation letter.
    pub fn letter(&self) -> Option<&LetterRef> {
        self.letter.as_ref()
    }

    /// The latest check results.
    pub fn last_checks(&self) -> &[DomainCheck] {
        &self.last_checks
    }

    /// The issued certificate.
    pub fn certificate(&self) -> Option<&CertificateRef> {
        self.certificate.as_ref()
    }

    /// Whether a reissue is under way.
    pub fn is_reissuing(&self) -> bool {
        self.reissuing
    }

    /// Every event, oldest first.
    pub fn history(&self) -> &[Event] {
        &self.history
    }
}
