//! The crate-level error: one variant for each error of the core (keys, names, subjects, CSRs,
//! rules), so that `?` gathers them in a caller's function. Nothing in the crate imports this
//! module: each module owns its error type, and the layers above the core (backend, service,
//! cloud) have their own.

use crate::code::{Code, Coded};
use crate::csr::{CsrError, RequestError};
use crate::key::{KeyError, KeySpecError, SignError};
use crate::policy::{PolicyCode, Report};
use crate::san::NameError;
use crate::subject::SubjectError;

/// Any error of certdesk's core: one variant per module.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A key spec or hash name could not be read.
    #[error(transparent)]
    KeySpec(#[from] KeySpecError),
    /// A private key could not be generated, read or written.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// A signer could not sign.
    #[error(transparent)]
    Sign(#[from] SignError),
    /// A CSR could not be read or verified.
    #[error(transparent)]
    Csr(#[from] CsrError),
    /// A name (domain, e-mail, IP, country) is invalid.
    #[error(transparent)]
    Name(#[from] NameError),
    /// A subject is invalid.
    #[error(transparent)]
    Subject(#[from] SubjectError),
    /// A CSR request cannot be built or signed.
    #[error(transparent)]
    Request(#[from] RequestError),
    /// Input breaks a profile's rules; the report holds every violation.
    #[error("the input breaks the profile's rules: {0}")]
    Rules(#[from] Report),
}

impl Error {
    /// The stable code of the wrapped error (`policy.violations` for a rules report).
    pub fn code(&self) -> Code {
        match self {
            Error::KeySpec(e) => e.code().into(),
            Error::Key(e) => e.code().into(),
            Error::Sign(e) => e.code().into(),
            Error::Csr(e) => e.code().into(),
            Error::Name(e) => e.code().into(),
            Error::Subject(e) => e.code().into(),
            Error::Request(e) => e.code(),
            Error::Rules(_) => PolicyCode::PolicyViolations.into(),
        }
    }
}

impl Coded for Error {
    fn code(&self) -> &'static str {
        Error::code(self).as_str()
    }
}
