//! The certificate authority an order goes to: it accepts the order's CSR, reviews it (which
//! may take time, so it is polled), then issues a certificate or refuses.

use crate::backend::BackendError;
use async_trait::async_trait;
use time::OffsetDateTime;

use crate::code::codes;
use crate::order::{Challenge, ValidationType};

codes! {
    /// The codes of [`CaError`].
    pub enum CaCode {
        Backend = "ca.backend",
        Refused = "ca.refused",
        UnknownTicket = "ca.unknown_ticket",
    }
}

/// What is sent to the CA once an order's domains are validated (and its organization, for
/// OV and EV, is to be reviewed).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IssueRequest {
    /// The order.
    pub order_id: String,
    /// The CSR, PEM.
    pub csr_pem: String,
    /// The validated domain names the certificate covers (the first is its subject's CN).
    pub domains: Vec<String>,
    /// DV, OV or EV: what the CA puts in the subject.
    pub validation: ValidationType,
    /// The organization's name, city, province and country code (OV and EV).
    pub organization: Option<IssuedOrganization>,
    /// How long the certificate is valid, in days.
    pub validity_days: u32,
    /// The same for every attempt at the same submission: a CA that receives a key it has
    /// seen answers with the ticket it gave then, and starts no second request (no second
    /// certificate, no second bill). certdesk uses the order id and the order's version at
    /// the submission.
    pub idempotency_key: String,
}

/// The organization an OV or EV certificate names.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IssuedOrganization {
    /// O.
    pub name: String,
    /// L.
    pub locality: String,
    /// ST.
    pub province: Option<String>,
    /// C (ISO 3166-1 alpha-2).
    pub country: String,
}

/// An issued certificate and the chain to the root (not the root itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedCertificate {
    /// The certificate, PEM.
    pub certificate_pem: String,
    /// The intermediate certificates, PEM, leaf-side first.
    pub chain_pem: Vec<String>,
    /// The serial number, hex.
    pub serial: String,
    /// Valid from.
    pub not_before: OffsetDateTime,
    /// Valid until.
    pub not_after: OffsetDateTime,
}

/// Where a submitted request is at the CA.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaStatus {
    /// Under review.
    Reviewing,
    /// Issued.
    Issued(IssuedCertificate),
    /// Refused, with the CA's reason.
    Refused {
        /// Why.
        reason: String,
    },
    /// Issued, then revoked.
    Revoked,
}

/// What a CA answers a revocation request.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
#[must_use]
pub enum Revocation {
    /// The certificate is revoked (now, or it was already).
    Revoked,
    /// Not yet: the CA revokes once control of the certificate's domains is shown again, as
    /// some CAs ask of a subscriber who requests a revocation. Publish each challenge (a DNS
    /// record or a file), then ask again; the CA answers with the same challenges until it
    /// finds them.
    ValidationRequired(Vec<Challenge>),
}

/// Why a CA call failed.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaError {
    /// The CA refuses the request as it is (a CSR that does not verify, a domain it cannot
    /// certify).
    #[error("the CA refuses the request: {0}")]
    Refused(String),
    /// The CA does not know this ticket.
    #[error("the CA has no request {0}")]
    UnknownTicket(String),
    /// The CA could not be reached or failed.
    #[error("CA: {0}")]
    Backend(#[source] BackendError),
}

impl CaError {
    /// Stable code: `ca.refused`, `ca.unknown_ticket`, `ca.backend`.
    pub fn code(&self) -> CaCode {
        match self {
            CaError::Refused(_) => CaCode::Refused,
            CaError::UnknownTicket(_) => CaCode::UnknownTicket,
            CaError::Backend(_) => CaCode::Backend,
        }
    }
}

impl crate::code::Coded for CaError {
    fn code(&self) -> &'static str {
        CaError::code(self).as_str()
    }
}

/// A certificate authority.
#[async_trait]
pub trait CertificateAuthority: Send + Sync {
    /// Submits a request; returns the CA's ticket for it. Idempotent by
    /// [`IssueRequest::idempotency_key`]: a key seen before gets the ticket it got then.
    async fn submit(&self, request: IssueRequest) -> Result<String, CaError>;
    /// Where the request is now.
    async fn status(&self, ticket: &str) -> Result<CaStatus, CaError>;
    /// Revokes what the ticket issued, or answers what the CA wants to see first
    /// ([`Revocation::ValidationRequired`]; asking again once it is published finishes the
    /// revocation). Idempotent: revoking what is already revoked answers
    /// [`Revocation::Revoked`] (a caller whose first call failed on the way back retries).
    async fn revoke(&self, ticket: &str) -> Result<Revocation, CaError>;
    /// The root certificate the CA's chains lead to, PEM, when it is known (what a verifier
    /// trusts; Tencent's `DescribeCertificateDetail` shows it as `RootCert`). `None` by
    /// default.
    fn root_pem(&self) -> Option<String> {
        None
    }
}
