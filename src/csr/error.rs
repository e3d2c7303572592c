//! The CSR module's errors: CSRs that cannot be read or verified, requests that cannot be built
//! or signed.

use std::fmt;

use crate::code::{Code, Coded, codes};
use crate::key::{KeyError, KeyKind, KeySpec, SignatureHash};
use crate::san::NameError;

codes! {
    /// The codes of [`CsrError`], as an API answers with them. A rule violation carries the
    /// qualified form ([`CsrError::qualified_code`]).
    pub enum CsrCode {
        /// Nothing but whitespace.
        Empty = "empty",
        /// Over a size cap.
        TooLarge = "too_large",
        /// Something else than a CSR.
        NotACsr = "not_a_csr",
        /// Broken encoding.
        Malformed = "malformed",
        /// A key not handled.
        UnsupportedKey = "unsupported_key",
        /// A signature algorithm not verified.
        UnsupportedSignature = "unsupported_signature",
        /// The self-signature does not verify.
        BadSignature = "bad_signature",
    }
}

codes! {
    /// [`CsrCode`] with its `csr.` prefix, as rule violations report it beside `domain.*` and
    /// `key.*` codes.
    pub enum CsrQualifiedCode {
        /// Nothing but whitespace.
        Empty = "csr.empty",
        /// Over a size cap.
        TooLarge = "csr.too_large",
        /// Something else than a CSR.
        NotACsr = "csr.not_a_csr",
        /// Broken encoding.
        Malformed = "csr.malformed",
        /// A key not handled.
        UnsupportedKey = "csr.unsupported_key",
        /// A signature algorithm not verified.
        UnsupportedSignature = "csr.unsupported_signature",
        /// The self-signature does not verify.
        BadSignature = "csr.bad_signature",
    }
}

codes! {
    /// The codes of [`RequestError`] (a SAN that cannot be read reports its own
    /// [`NameCode`](crate::NameCode), a key that cannot be made its [`KeyCode`](crate::KeyCode)).
    pub enum RequestCode {
        /// Nothing to certify.
        Empty = "request.empty",
        /// The hash does not pair with the key.
        HashNotAllowed = "request.hash_not_allowed",
        /// The key is not of the request's spec.
        KeyMismatch = "request.key_mismatch",
        /// Too many SANs.
        TooManySans = "request.too_many_sans",
        /// The SM2 distinguishing ID is too long.
        DistIdTooLong = "request.distid_too_long",
        /// Encoding or signing failed.
        SigningFailed = "request.signing_failed",
    }
}

/// A CSR that could not be read or whose signature does not hold.
///
/// The codes are the ones an API answers with: `empty`, `too_large`, `not_a_csr`, `malformed`,
/// `unsupported_key`, `unsupported_signature`, `bad_signature`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CsrError {
    /// The input held nothing but whitespace.
    #[error("the CSR is empty")]
    Empty,
    /// The input is over the size cap, or holds more names than certdesk reads.
    #[error("the CSR is too large: {detail}")]
    TooLarge {
        /// Which limit was passed.
        detail: String,
    },
    /// The input is something else: another PEM block, a certificate, text.
    #[error("not a CSR: {found}; expected a PEM block labelled CERTIFICATE REQUEST or PKCS#10 DER")]
    NotACsr {
        /// What was found instead.
        found: String,
    },
    /// The input looks like a CSR but its encoding is broken.
    #[error("the CSR is malformed: {detail}")]
    Malformed {
        /// What was wrong.
        detail: String,
    },
    /// The CSR's public key is of an algorithm or curve certdesk does not handle.
    #[error("unsupported key in the CSR: {found}; supported: RSA, ECDSA P-256/P-384/P-521, SM2")]
    UnsupportedKey {
        /// What the key is.
        found: String,
    },
    /// The CSR is signed with an algorithm certdesk does not verify.
    #[error(
        "unsupported signature algorithm {found}; supported: RSA PKCS#1 v1.5 and PSS with SHA-1/SHA-2, ECDSA with SHA-1/SHA-2, SM2-with-SM3"
    )]
    UnsupportedSignature {
        /// The algorithm's name or OID.
        found: String,
    },
    /// The self-signature does not verify: the CSR was altered, or signed by another key.
    #[error("the CSR's signature does not verify: {detail}")]
    BadSignature {
        /// What failed.
        detail: String,
    },
}

impl CsrError {
    /// The stable code: `empty`, `too_large`, `not_a_csr`, `malformed`, `unsupported_key`,
    /// `unsupported_signature`, `bad_signature`.
    pub fn code(&self) -> CsrCode {
        match self {
            CsrError::Empty => CsrCode::Empty,
            CsrError::TooLarge { .. } => CsrCode::TooLarge,
            CsrError::NotACsr { .. } => CsrCode::NotACsr,
            CsrError::Malformed { .. } => CsrCode::Malformed,
            CsrError::UnsupportedKey { .. } => CsrCode::UnsupportedKey,
            CsrError::UnsupportedSignature { .. } => CsrCode::UnsupportedSignature,
            CsrError::BadSignature { .. } => CsrCode::BadSignature,
        }
    }

    /// The code with a `csr.` prefix (`csr.not_a_csr`), as rule violations report it beside
    /// `domain.*` and `key.*` codes.
    pub fn qualified_code(&self) -> CsrQualifiedCode {
        match self {
            CsrError::Empty => CsrQualifiedCode::Empty,
            CsrError::TooLarge { .. } => CsrQualifiedCode::TooLarge,
            CsrError::NotACsr { .. } => CsrQualifiedCode::NotACsr,
            CsrError::Malformed { .. } => CsrQualifiedCode::Malformed,
            CsrError::UnsupportedKey { .. } => CsrQualifiedCode::UnsupportedKey,
            CsrError::UnsupportedSignature { .. } => CsrQualifiedCode::UnsupportedSignature,
            CsrError::BadSignature { .. } => CsrQualifiedCode::BadSignature,
        }
    }

    pub(crate) fn malformed(detail: impl fmt::Display) -> Self {
        CsrError::Malformed {
            detail: detail.to_string(),
        }
    }
}

/// A CSR request that cannot be built or signed as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// Neither a subject attribute nor a SAN: there is nothing to certify.
    #[error("the request names nothing: give a common name or at least one SAN")]
    Empty,
    /// The hash does not pair with the key.
    #[error("{hash} cannot sign with {key}; allowed: {}", allowed_list(.allowed))]
    HashNotAllowed {
        /// The key.
        key: KeyKind,
        /// The hash asked for.
        hash: SignatureHash,
        /// What the key allows.
        allowed: Vec<SignatureHash>,
    },
    /// The key given to sign is not of the spec the request names.
    #[error("the key is {found} but the request asks for {expected}")]
    KeyMismatch {
        /// The request's spec.
        expected: KeySpec,
        /// The key's kind.
        found: KeyKind,
    },
    /// More SANs than a CSR certdesk writes may hold.
    #[error("{count} SANs; at most {max} are allowed")]
    TooManySans {
        /// How many.
        count: usize,
        /// The cap.
        max: usize,
    },
    /// A SAN entry could not be read.
    #[error("sans[{index}]: {error}")]
    San {
        /// Position of the entry as given.
        index: usize,
        /// What is wrong with it.
        error: NameError,
    },
    /// The SM2 distinguishing ID is longer than the 8191 bytes its length field can express.
    #[error("the SM2 distinguishing ID is {len} bytes; at most 8191 are allowed")]
    DistIdTooLong {
        /// Its length.
        len: usize,
    },
    /// The key for [`CsrRequest::generate`](crate::CsrRequest::generate) could not be made.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// Encoding or signing failed (the message says which).
    #[error("signing the CSR failed: {detail}")]
    Signing {
        /// The cause.
        detail: String,
    },
}

fn allowed_list(hashes: &[SignatureHash]) -> String {
    hashes
        .iter()
        .map(|h| h.name())
        .collect::<Vec<_>>()
        .join(", ")
}

impl RequestError {
    /// The stable code: a [`RequestCode`], the SAN's own code for [`RequestError::San`], the
    /// key's for [`RequestError::Key`].
    pub fn code(&self) -> Code {
        match self {
            RequestError::Empty => RequestCode::Empty.into(),
            RequestError::HashNotAllowed { .. } => RequestCode::HashNotAllowed.into(),
            RequestError::KeyMismatch { .. } => RequestCode::KeyMismatch.into(),
            RequestError::TooManySans { .. } => RequestCode::TooManySans.into(),
            RequestError::San { error, .. } => error.code().into(),
            RequestError::DistIdTooLong { .. } => RequestCode::DistIdTooLong.into(),
            RequestError::Key(e) => e.code().into(),
            RequestError::Signing { .. } => RequestCode::SigningFailed.into(),
        }
    }
}

impl Coded for CsrError {
    fn code(&self) -> &'static str {
        CsrError::code(self).as_str()
    }
}

impl Coded for RequestError {
    fn code(&self) -> &'static str {
        RequestError::code(self).as_str()
    }
}
