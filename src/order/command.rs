//! What callers ask of an order ([`Command`]) and what happened to it ([`Change`], [`Event`]).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::code::codes;

use crate::order::{
    ApplicationDetails, CertificateRef, Challenge, CsrRef, DomainCheck, FailureReason, LetterRef,
    PriorValidation, ValidationMethod, ValidationToken,
};
use crate::policy::OrderInfo;

codes! {
    /// The name of a [`Command`], as logs, errors and the history report it.
    pub enum CommandName {
        SubmitInfo = "submit_info",
        ChooseValidation = "choose_validation",
        UploadLetter = "upload_letter",
        PreReviewPassed = "pre_review_passed",
        PreReviewFailed = "pre_review_failed",
        RecordChecks = "record_checks",
        ReviewPassed = "review_passed",
        ReviewFailed = "review_failed",
        Issue = "issue",
        Cancel = "cancel",
        Withdraw = "withdraw",
        Resubmit = "resubmit",
        Tick = "tick",
        RequestRevocation = "request_revocation",
        ConfirmRevocation = "confirm_revocation",
        AskRevocationValidation = "ask_revocation_validation",
        Refund = "refund",
        Reissue = "reissue",
        NextCertificate = "next_certificate",
        SetDetails = "set_details",
        WaiveLetter = "waive_letter",
        WaiveReview = "waive_review",
    }
}

/// Who caused an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Actor {
    /// The applicant.
    User,
    /// The certificate authority.
    Ca,
    /// certdesk itself (deadlines, expiry).
    System,
}

/// What a caller asks of an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Command {
    /// Submit the information (paid products), or apply (the free product, which also names
    /// the validation method and its token).
    SubmitInfo {
        /// The CSR.
        csr: CsrRef,
        /// The domains to bind.
        domains: Vec<String>,
        /// Organization, administrator and contact (required for OV and EV).
        info: Option<Box<OrderInfo>>,
        /// The validation method (the free product's application form has it).
        method: Option<ValidationMethod>,
        /// Random bits for the challenges (with `method`).
        token: Option<ValidationToken>,
        /// Earlier validations that may be reused (13 months for GM under the same
        /// organization; the BR schedule otherwise).
        prior_validations: Vec<PriorValidation>,
    },
    /// Choose the validation method.
    ChooseValidation {
        /// The method.
        method: ValidationMethod,
        /// Random bits for the challenges.
        token: ValidationToken,
    },
    /// Upload the confirmation letter (again during the review, where the product allows).
    UploadLetter {
        /// The letter.
        letter: LetterRef,
    },
    /// The CA's pre-review passed.
    PreReviewPassed,
    /// The CA's pre-review refused the application.
    PreReviewFailed {
        /// The CA's reason.
        reason: String,
    },
    /// Record the results of checking the challenges; when every domain passed, validation is
    /// complete.
    RecordChecks {
        /// One result per checked domain.
        checks: Vec<DomainCheck>,
    },
    /// The CA's review passed.
    ReviewPassed,
    /// The CA's review refused the application.
    ReviewFailed {
        /// The CA's reason.
        reason: String,
    },
    /// The CA issued the certificate.
    Issue {
        /// The certificate.
        certificate: CertificateRef,
    },
    /// Cancel the application (before issuance).
    Cancel,
    /// Withdraw an application from domain validation or review, back to pending application
    /// (Alibaba's `CancelOrderRequest`); applying again starts the workflow over.
    Withdraw,
    /// Take up a failed paid application again, back to pending application (Tencent's
    /// `ModifyCertificateResubmit`).
    Resubmit,
    /// Let time pass: fails an order whose validation window has closed, expires an issued
    /// certificate whose validity has ended. Nothing due is no change.
    Tick,
    /// Ask for the certificate's revocation.
    RequestRevocation,
    /// The CA revoked it.
    ConfirmRevocation,
    /// The CA revokes only once control of the certificate's domains is shown again: these
    /// are the records (or files) it wants. Asking again for the same ones changes nothing.
    AskRevocationValidation {
        /// What the CA asks for, one per domain.
        challenges: Vec<Challenge>,
    },
    /// Refund a cancelled or failed paid order.
    Refund,
    /// Reissue the certificate with a new CSR; within 3 days of issuance domain validation is
    /// skipped.
    Reissue {
        /// The new CSR.
        csr: CsrRef,
        /// Random bits for the new challenges.
        token: ValidationToken,
    },
    /// A multi-year order's next one-year certificate, for the same CSR and domains, when the
    /// current one expires within 30 days: the validation is reused while the Baseline
    /// Requirements allow it, else done again.
    NextCertificate {
        /// Random bits for the challenges, if validation is due.
        token: ValidationToken,
    },
    /// Skip the confirmation letter: the organization and administrator were reviewed in an
    /// earlier order ("If you use the organization and administrator information in My
    /// Profile that has been reviewed, the confirmation letter can be omitted"). Not for
    /// GlobalSign, which always wants it.
    WaiveLetter,
    /// Skip a GM order's manual review: an earlier GM order with the same information passed
    /// it within 13 months.
    WaiveReview,
    /// Record (or replace) what the application form collected beside the CSR, the domains
    /// and the organization: e-mail, alias, tags, project, company type, names, ...
    SetDetails {
        /// The details.
        details: Box<ApplicationDetails>,
    },
}

impl Command {
    /// The command's name (`submit_info`, `tick`, ...).
    pub fn name(&self) -> CommandName {
        match self {
            Command::SubmitInfo { .. } => CommandName::SubmitInfo,
            Command::ChooseValidation { .. } => CommandName::ChooseValidation,
            Command::UploadLetter { .. } => CommandName::UploadLetter,
            Command::PreReviewPassed => CommandName::PreReviewPassed,
            Command::PreReviewFailed { .. } => CommandName::PreReviewFailed,
            Command::RecordChecks { .. } => CommandName::RecordChecks,
            Command::ReviewPassed => CommandName::ReviewPassed,
            Command::ReviewFailed { .. } => CommandName::ReviewFailed,
            Command::Issue { .. } => CommandName::Issue,
            Command::Cancel => CommandName::Cancel,
            Command::Withdraw => CommandName::Withdraw,
            Command::Resubmit => CommandName::Resubmit,
            Command::Tick => CommandName::Tick,
            Command::RequestRevocation => CommandName::RequestRevocation,
            Command::ConfirmRevocation => CommandName::ConfirmRevocation,
            Command::AskRevocationValidation { .. } => CommandName::AskRevocationValidation,
            Command::Refund => CommandName::Refund,
            Command::Reissue { .. } => CommandName::Reissue,
            Command::NextCertificate { .. } => CommandName::NextCertificate,
            Command::SetDetails { .. } => CommandName::SetDetails,
            Command::WaiveLetter => CommandName::WaiveLetter,
            Command::WaiveReview => CommandName::WaiveReview,
        }
    }

    /// Who issues the command.
    pub fn actor(&self) -> Actor {
        match self {
            Command::PreReviewPassed
            | Command::PreReviewFailed { .. }
            | Command::ReviewPassed
            | Command::ReviewFailed { .. }
            | Command::Issue { .. }
            | Command::ConfirmRevocation
            | Command::AskRevocationValidation { .. } => Actor::Ca,
            Command::Tick
            | Command::RecordChecks { .. }
            | Command::NextCertificate { .. }
            | Command::WaiveLetter
            | Command::WaiveReview => Actor::System,
            _ => Actor::User,
        }
    }
}

/// What happened to an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Change {
    /// The information was submitted.
    InfoSubmitted {
        /// The CSR.
        csr: CsrRef,
        /// The domains, as A-labels.
        domains: Vec<String>,
        /// Organization details.
        info: Option<Box<OrderInfo>>,
        /// Validations that may be reused.
        prior_validations: Vec<PriorValidation>,
    },
    /// A validation method was chosen.
    ValidationChosen {
        /// The method.
        method: ValidationMethod,
        /// The token the challenges derive from.
        token: ValidationToken,
    },
    /// A confirmation letter was uploaded.
    LetterUploaded {
        /// The letter.
        letter: LetterRef,
    },
    /// The pre-review passed.
    PreReviewPassed,
    /// Challenges were checked.
    DomainsChecked {
        /// The results.
        checks: Vec<DomainCheck>,
    },
    /// Every domain is validated.
    DomainsValidated {
        /// By reusing earlier validations (or a recent issuance) rather than new checks.
        reused: bool,
    },
    /// The CA review passed.
    ReviewPassed,
    /// The order failed.
    Failed {
        /// Why.
        reason: FailureReason,
    },
    /// The certificate was issued.
    Issued {
        /// The certificate.
        certificate: CertificateRef,
    },
    /// The application was cancelled.
    Cancelled,
    /// The application was withdrawn, back to pending application.
    Withdrawn,
    /// The certificate expired.
    CertificateExpired,
    /// Revocation was requested.
    RevocationRequested,
    /// The CA asked for the domains to be validated again before it revokes.
    RevocationValidationAsked {
        /// What it asks for.
        challenges: Vec<Challenge>,
    },
    /// The certificate was revoked.
    Revoked,
    /// The order was refunded.
    Refunded,
    /// The confirmation letter was waived (reviewed information).
    LetterWaived,
    /// The manual review was waived (a GM order with the same information passed it).
    ReviewWaived,
    /// The application's details were recorded.
    DetailsSet {
        /// The details.
        details: Box<ApplicationDetails>,
    },
    /// A reissue began.
    ReissueStarted {
        /// The new CSR.
        csr: CsrRef,
        /// The new challenges' token.
        token: ValidationToken,
        /// Validation is skipped (within 3 days of issuance).
        validation_skipped: bool,
    },
}

/// One entry of an order's history: who did what, when, at which version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The order's version after the command that caused it.
    pub version: u64,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Who.
    pub actor: Actor,
    /// What.
    pub change: Change,
}
