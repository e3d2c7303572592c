//! Services: orchestration over the stores, the key vault and the rule engine. They decide
//! nothing the core does not; they read, check, write, and keep secrets sealed.
//!
//! [`CsrService`] manages CSR records as the Tencent and Alibaba CSR consoles and APIs do:
//! drafts, generation, uploads, listing, details, key retrieval, remarks, tags, names,
//! deletion; [`CsrService::handle`] answers the vendors' own JSON requests. [`ProfileBook`]
//! keeps each account's saved organization, administrator and contact profiles.

mod cpu;
mod csr;
mod keys;
mod order;
mod profiles;
mod rate;
mod retry;

pub use csr::{
    BatchDeleted, CSR_PICK_HOLD, CsrService, ExportedKey, MAX_BATCH, MAX_PAGE, NewCsr, Upload,
};
pub use keys::{
    ACCESS_KEY_PREFIX, AccessKeyInfo, AccessKeys, MAX_ACCESS_KEY_CHARS, NewAccessKey, ResolvedKey,
};
pub use order::{
    Bundle, CsrSource, MAX_CONCURRENT_CHECKS, MAX_REUSE_SCAN, OrderService, OrderServiceBuilder,
    ServerKind, check_challenge,
};
pub use profiles::{MAX_PROFILE_NAME_CHARS, MAX_PROFILES, ProfileBook};
pub use rate::RateLimit;
pub use retry::RetryPolicy;

use crate::backend::StoreError;
use crate::code::{Code, Coded, codes};
use crate::policy::{Report, Violation};

codes! {
    /// The codes of [`ServiceError`] (besides the wrapped errors' own).
    pub enum ServiceCode {
        Immutable = "service.immutable",
        InUse = "service.in_use",
        NoKey = "service.no_key",
        NotFound = "service.not_found",
        NotGenerated = "service.not_generated",
        OrderNotFound = "service.order_not_found",
        RateLimited = "service.rate_limited",
        Rules = "service.rules",
        Internal = "service.internal",
        Timeout = "service.timeout",
    }
}

/// Why a service call failed.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceError {
    /// The input breaks the rules; the report holds every violation, with its field.
    #[error("the request breaks the rules: {0}")]
    Rules(Report),
    /// No such record in this account and region.
    #[error("CSR {id} not found")]
    NotFound {
        /// The id asked for.
        id: u64,
    },
    /// A generated or uploaded CSR cannot be changed but for its name, remarks and tags (and an
    /// uploaded CSR's key).
    #[error("CSR {id} is {} and can no longer be modified", .status.describe())]
    Immutable {
        /// The record.
        id: u64,
        /// Generated or uploaded.
        status: crate::backend::CsrStatus,
    },
    /// The record is a draft: it has no CSR and no key yet.
    #[error("CSR {id} is a draft: generate it first")]
    NotGenerated {
        /// The record.
        id: u64,
    },
    /// The record has no private key (an upload without one).
    #[error("CSR {id} has no private key")]
    NoKey {
        /// The record.
        id: u64,
    },
    /// Orders hold the CSR: open ones (their issuance needs it) or issued ones (their
    /// downloads and renewal need its key). [`CsrService::force_delete`] deletes it from under
    /// issued orders, which keep a copy.
    #[error("CSR {id} is held by order(s) {}: it cannot be deleted while an order is open or its certificate is issued", orders.join(", "))]
    InUse {
        /// The record.
        id: u64,
        /// The orders.
        orders: Vec<String>,
    },
    /// Too many calls from this account to this call: retry after the given time.
    #[error("too many {call} calls from this account; retry in {retry_after_ms} ms")]
    RateLimited {
        /// The call.
        call: &'static str,
        /// Milliseconds until a call is allowed again.
        retry_after_ms: u64,
    },
    /// The store or the key vault failed (a version conflict after retries included).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The key could not be generated, read or exported.
    #[error(transparent)]
    Key(#[from] crate::KeyError),
    /// The CSR could not be built.
    #[error(transparent)]
    Request(#[from] crate::RequestError),
    /// No such order in this account and region.
    #[error("order {id} not found")]
    OrderNotFound {
        /// The id asked for.
        id: String,
    },
    /// The order refused the command.
    #[error(transparent)]
    Order(Box<crate::order::OrderError>),
    /// The free-certificate quota refused the application.
    #[error(transparent)]
    Quota(Box<crate::order::QuotaError>),
    /// The CA refused or failed.
    #[error(transparent)]
    Ca(Box<crate::backend::CaError>),
    /// The DNS provider refused (a zone the account does not own) or failed.
    #[error(transparent)]
    Dns(Box<crate::backend::DnsError>),
    /// The service failed inside (a CPU job that panicked, say); the detail is for the logs.
    #[error("internal error: {0}")]
    Internal(#[source] crate::backend::BackendError),
    /// The CA was still reviewing the order when the retry policy's timeout ran out.
    #[error("order {id} still waits for the CA after {waited_ms} ms")]
    Timeout {
        /// The order.
        id: String,
        /// How long it was polled.
        waited_ms: u64,
    },
}

impl ServiceError {
    /// Stable code: `service.rules`, `service.not_found`, `service.immutable`,
    /// `service.not_generated`, `service.no_key`, `service.in_use`, `service.rate_limited`,
    /// `service.order_not_found`, or the wrapped error's code (`store.*`, `key.*`,
    /// `request.*`, `order.*`, `quota.*`, `ca.*`).
    pub fn code(&self) -> Code {
        match self {
            ServiceError::Rules(_) => ServiceCode::Rules.into(),
            ServiceError::NotFound { .. } => ServiceCode::NotFound.into(),
            ServiceError::Immutable { .. } => ServiceCode::Immutable.into(),
            ServiceError::NotGenerated { .. } => ServiceCode::NotGenerated.into(),
            ServiceError::NoKey { .. } => ServiceCode::NoKey.into(),
            ServiceError::InUse { .. } => ServiceCode::InUse.into(),
            ServiceError::RateLimited { .. } => ServiceCode::RateLimited.into(),
            ServiceError::Store(e) => e.code().into(),
            ServiceError::Key(e) => e.code().into(),
            ServiceError::Request(e) => e.code(),
            ServiceError::OrderNotFound { .. } => ServiceCode::OrderNotFound.into(),
            ServiceError::Order(e) => e.code().into(),
            ServiceError::Quota(e) => e.code().into(),
            ServiceError::Ca(e) => e.code().into(),
            ServiceError::Dns(e) => e.code().into(),
            ServiceError::Timeout { .. } => ServiceCode::Timeout.into(),
            ServiceError::Internal(_) => ServiceCode::Internal.into(),
        }
    }

    /// The violations behind a `Rules` error, else none.
    pub fn violations(&self) -> &[Violation] {
        match self {
            ServiceError::Rules(r) => &r.violations,
            _ => &[],
        }
    }

    pub(crate) fn rule(field: &str, code: impl Into<Code>, message: impl Into<String>) -> Self {
        ServiceError::Rules(Report {
            violations: vec![Violation::error(field, code, message)],
            also_covers: Vec::new(),
        })
    }
}

impl Coded for ServiceError {
    fn code(&self) -> &'static str {
        ServiceError::code(self).as_str()
    }
}
