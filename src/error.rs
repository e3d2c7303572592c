//! Error types, one per layer, each with a stable machine-readable code.

use std::fmt;

use crate::key::{KeyKind, KeySpec, SignatureHash};
use crate::subject::SubjectField;

/// A key spec or hash name that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeySpecError {
    /// Not one of our spec names.
    #[error("unknown key spec {input:?}{}; supported: rsa2048, rsa3072, rsa4096, ec-p256, ec-p384, ec-p521, sm2", suggest(.suggestion))]
    UnknownSpec {
        /// What was given.
        input: String,
        /// The spec the input most likely meant.
        suggestion: Option<KeySpec>,
    },
    /// The algorithm name is none of RSA, ECC, SM2.
    #[error("unknown key algorithm {input:?}; expected RSA, ECC or SM2")]
    UnknownAlgorithm {
        /// What was given.
        input: String,
    },
    /// The algorithm is known but the strength or curve is not one it has.
    #[error("unknown strength {input:?} for {algorithm}; expected {}", expected_strengths(.algorithm))]
    UnknownStrength {
        /// The algorithm, upper-cased.
        algorithm: String,
        /// The strength that was given.
        input: String,
    },
    /// Not a hash name.
    #[error("unknown signature hash {input:?}; supported: sha256, sha384, sha512, sm3")]
    UnknownHash {
        /// What was given.
        input: String,
    },
}

fn wildcard_hint(suggestion: &str) -> String {
    if suggestion.is_empty() {
        "; a wildcard stands for one whole leftmost label, as in *.example.com".to_owned()
    } else {
        format!("; write it as *.{suggestion}")
    }
}

fn suggest(s: &Option<KeySpec>) -> String {
    s.map(|k| format!(" (did you mean {k}?)"))
        .unwrap_or_default()
}

fn expected_strengths(algorithm: &str) -> &'static str {
    match algorithm {
        "RSA" => "2048, 3072 or 4096",
        "ECC" => "prime256v1/256, secp384r1/384 or secp521r1/521 (p512)",
        _ => "256",
    }
}

impl KeySpecError {
    /// Stable code: `key_spec.unknown`, `key_spec.unknown_algorithm`,
    /// `key_spec.unknown_strength`, `key_spec.unknown_hash`.
    pub fn code(&self) -> &'static str {
        match self {
            KeySpecError::UnknownSpec { .. } => "key_spec.unknown",
            KeySpecError::UnknownAlgorithm { .. } => "key_spec.unknown_algorithm",
            KeySpecError::UnknownStrength { .. } => "key_spec.unknown_strength",
            KeySpecError::UnknownHash { .. } => "key_spec.unknown_hash",
        }
    }
}

/// A private key that could not be generated, read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The input held nothing but whitespace.
    #[error("the private key is empty")]
    Empty,
    /// The input is larger than any key certdesk reads.
    #[error("the private key input is {len} bytes; at most {max} are accepted")]
    TooLarge {
        /// Input length in bytes.
        len: usize,
        /// The cap.
        max: usize,
    },
    /// The input is not a private key (another PEM block, or no PEM at all).
    #[error(
        "not a private key: {found}; expected a PEM block labelled PRIVATE KEY, ENCRYPTED PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY"
    )]
    NotAKey {
        /// What was found instead.
        found: String,
    },
    /// The key's structure is broken.
    #[error("the private key is malformed: {detail}")]
    Malformed {
        /// What was wrong.
        detail: String,
    },
    /// A well-formed key of an algorithm or curve certdesk does not handle.
    #[error("unsupported key: {found}; supported: RSA, ECDSA P-256/P-384/P-521, SM2")]
    Unsupported {
        /// What the key is.
        found: String,
    },
    /// The key is encrypted and no password was given.
    #[error("the private key is encrypted; a password is required")]
    PasswordRequired,
    /// Decryption failed: the password does not open this key.
    #[error("wrong password: the encrypted private key could not be decrypted with it")]
    WrongPassword,
    /// The key is encrypted with a scheme certdesk does not read.
    #[error("unsupported key encryption: {detail}")]
    UnsupportedEncryption {
        /// What the scheme is.
        detail: String,
    },
    /// The encryption parameters ask for more work than certdesk allows for untrusted input.
    #[error("key encryption parameters too costly to try: {detail}")]
    EncryptionTooCostly {
        /// Which parameter is over its cap.
        detail: String,
    },
    /// The operating system's random source or the key generator failed.
    #[error("key generation failed: {detail}")]
    Generation {
        /// The cause.
        detail: String,
    },
    /// Encoding or encrypting the key failed.
    #[error("key export failed: {detail}")]
    Export {
        /// The cause.
        detail: String,
    },
}

impl KeyError {
    /// Stable code: `key.empty`, `key.too_large`, `key.not_a_key`, `key.malformed`,
    /// `key.unsupported`, `key.password_required`, `key.wrong_password`,
    /// `key.unsupported_encryption`, `key.encryption_too_costly`, `key.generation_failed`,
    /// `key.export_failed`.
    pub fn code(&self) -> &'static str {
        match self {
            KeyError::Empty => "key.empty",
            KeyError::TooLarge { .. } => "key.too_large",
            KeyError::NotAKey { .. } => "key.not_a_key",
            KeyError::Malformed { .. } => "key.malformed",
            KeyError::Unsupported { .. } => "key.unsupported",
            KeyError::PasswordRequired => "key.password_required",
            KeyError::WrongPassword => "key.wrong_password",
            KeyError::UnsupportedEncryption { .. } => "key.unsupported_encryption",
            KeyError::EncryptionTooCostly { .. } => "key.encryption_too_costly",
            KeyError::Generation { .. } => "key.generation_failed",
            KeyError::Export { .. } => "key.export_failed",
        }
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
    /// Stable code: `empty`, `too_large`, `not_a_csr`, `malformed`, `unsupported_key`,
    /// `unsupported_signature`, `bad_signature`.
    pub fn code(&self) -> &'static str {
        let qualified = self.qualified_code();
        qualified.strip_prefix("csr.").unwrap_or(qualified)
    }

    /// The code with a `csr.` prefix (`csr.not_a_csr`), as rule violations report it beside
    /// `domain.*` and `key.*` codes.
    pub fn qualified_code(&self) -> &'static str {
        match self {
            CsrError::Empty => "csr.empty",
            CsrError::TooLarge { .. } => "csr.too_large",
            CsrError::NotACsr { .. } => "csr.not_a_csr",
            CsrError::Malformed { .. } => "csr.malformed",
            CsrError::UnsupportedKey { .. } => "csr.unsupported_key",
            CsrError::UnsupportedSignature { .. } => "csr.unsupported_signature",
            CsrError::BadSignature { .. } => "csr.bad_signature",
        }
    }

    pub(crate) fn malformed(detail: impl fmt::Display) -> Self {
        CsrError::Malformed {
            detail: detail.to_string(),
        }
    }
}

/// A value a person typed that cannot be a domain name, IP address, e-mail address or country code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// Nothing but whitespace.
    #[error("the {what} is empty")]
    Empty {
        /// What kind of value (`domain name`, `e-mail address`, ...).
        what: &'static str,
    },
    /// A domain name longer than 253 octets in A-label form.
    #[error("domain name {input:?} is {len} characters as A-labels; at most 253 are allowed")]
    DomainTooLong {
        /// What was given.
        input: String,
        /// Its length in A-label form.
        len: usize,
    },
    /// A label longer than 63 octets in A-label form.
    #[error(
        "label {label:?} of {input:?} is {len} characters as an A-label; at most 63 are allowed"
    )]
    LabelTooLong {
        /// What was given.
        input: String,
        /// The long label.
        label: String,
        /// Its length.
        len: usize,
    },
    /// Two dots in a row, or a leading dot.
    #[error("domain name {input:?} has an empty label")]
    EmptyLabel {
        /// What was given.
        input: String,
    },
    /// A trailing dot (the DNS root) is not written in certificates.
    #[error("domain name {input:?} ends with a dot; write it as {suggestion:?}")]
    TrailingDot {
        /// What was given.
        input: String,
        /// The name without the dot.
        suggestion: String,
    },
    /// `*` anywhere but as the whole leftmost label.
    #[error("wildcard in {input:?} is not the whole leftmost label{}", wildcard_hint(.suggestion))]
    WildcardNotLeftmost {
        /// What was given.
        input: String,
        /// The base a wildcard could sit on.
        suggestion: String,
    },
    /// `*` with nothing under it.
    #[error("a wildcard needs a domain under it, as in *.example.com")]
    BareWildcard,
    /// A character a host name cannot hold (underscore, space, ...), or a label UTS-46 refuses.
    #[error("{input:?} is not a valid domain name: {detail}")]
    InvalidDomain {
        /// What was given.
        input: String,
        /// What is wrong.
        detail: String,
    },
    /// Not an e-mail address of the form `local@domain`.
    #[error("{input:?} is not a valid e-mail address: {detail}")]
    InvalidEmail {
        /// What was given.
        input: String,
        /// What is wrong.
        detail: String,
    },
    /// Not two ASCII letters.
    #[error("country {input:?} is not a two-letter ISO 3166-1 code such as CN or US")]
    InvalidCountry {
        /// What was given.
        input: String,
    },
}

impl NameError {
    /// Stable code: `domain.empty`, `domain.too_long`, `domain.label_too_long`,
    /// `domain.empty_label`, `domain.trailing_dot`, `domain.wildcard_not_leftmost`,
    /// `domain.bare_wildcard`, `domain.invalid`, `email.invalid`, `country.invalid`
    /// (an empty e-mail or country gives `email.empty` / `country.empty`).
    pub fn code(&self) -> &'static str {
        match self {
            NameError::Empty { what } => match *what {
                "e-mail address" => "email.empty",
                "country" => "country.empty",
                "IP address" => "ip.empty",
                _ => "domain.empty",
            },
            NameError::DomainTooLong { .. } => "domain.too_long",
            NameError::LabelTooLong { .. } => "domain.label_too_long",
            NameError::EmptyLabel { .. } => "domain.empty_label",
            NameError::TrailingDot { .. } => "domain.trailing_dot",
            NameError::WildcardNotLeftmost { .. } => "domain.wildcard_not_leftmost",
            NameError::BareWildcard => "domain.bare_wildcard",
            NameError::InvalidDomain { .. } => "domain.invalid",
            NameError::InvalidEmail { .. } => "email.invalid",
            NameError::InvalidCountry { .. } => "country.invalid",
        }
    }
}

/// One subject attribute that cannot be written, with the attribute it concerns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} ({}): {problem}", .field.path(), .field.short_name())]
pub struct FieldError {
    /// The attribute.
    pub field: SubjectField,
    /// What is wrong with it.
    pub problem: FieldProblem,
}

impl FieldError {
    /// The field path, as `subject.common_name`.
    pub fn path(&self) -> &'static str {
        self.field.path()
    }

    /// Stable code of the problem (`subject.empty`, `subject.too_long`, ...).
    pub fn code(&self) -> &'static str {
        self.problem.code()
    }
}

/// What is wrong with one subject attribute.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FieldProblem {
    /// Empty or whitespace only.
    #[error("empty or only whitespace")]
    Empty,
    /// Longer than RFC 5280's upper bound for the attribute.
    #[error("{len} characters; RFC 5280 allows at most {max}")]
    TooLong {
        /// Length in characters.
        len: usize,
        /// The bound.
        max: usize,
    },
    /// Holds a control character (a tab, a line break, NUL, ...).
    #[error("holds the control character U+{0:04X}")]
    ControlCharacter(u32),
    /// The value is not a valid name of its kind (country code, e-mail address).
    #[error("{0}")]
    Invalid(NameError),
}

impl FieldProblem {
    /// Stable code: `subject.empty`, `subject.too_long`, `subject.control_character`, or the
    /// inner [`NameError`]'s code.
    pub fn code(&self) -> &'static str {
        match self {
            FieldProblem::Empty => "subject.empty",
            FieldProblem::TooLong { .. } => "subject.too_long",
            FieldProblem::ControlCharacter(_) => "subject.control_character",
            FieldProblem::Invalid(e) => e.code(),
        }
    }
}

/// Every problem found in a subject, all at once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid subject: {}", join(.0))]
pub struct SubjectError(pub Vec<FieldError>);

fn join(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl SubjectError {
    /// Stable code: `subject.invalid` (each field's own code is on [`FieldError::code`]).
    pub fn code(&self) -> &'static str {
        "subject.invalid"
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
    /// Stable code: `request.empty`, `request.hash_not_allowed`, `request.key_mismatch`,
    /// `request.too_many_sans`, the SAN's own code, `request.distid_too_long`,
    /// `request.signing_failed`.
    pub fn code(&self) -> &'static str {
        match self {
            RequestError::Empty => "request.empty",
            RequestError::HashNotAllowed { .. } => "request.hash_not_allowed",
            RequestError::KeyMismatch { .. } => "request.key_mismatch",
            RequestError::TooManySans { .. } => "request.too_many_sans",
            RequestError::San { error, .. } => error.code(),
            RequestError::DistIdTooLong { .. } => "request.distid_too_long",
            RequestError::Signing { .. } => "request.signing_failed",
        }
    }
}

/// Any certdesk error: one variant per layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A key spec or hash name could not be read.
    #[error(transparent)]
    KeySpec(#[from] KeySpecError),
    /// A private key could not be generated, read or written.
    #[error(transparent)]
    Key(#[from] KeyError),
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
    /// A store, the key vault or the clock failed.
    #[error(transparent)]
    Store(#[from] crate::backend::StoreError),
    /// An order command was refused.
    #[error(transparent)]
    Order(crate::order::OrderError),
    /// Input breaks a profile's rules; the report holds every violation.
    #[error("the input breaks the profile's rules: {0}")]
    Rules(#[from] crate::policy::Report),
    /// A service call was refused (not found, in use, rate limited, ...).
    #[error(transparent)]
    Service(Box<crate::service::ServiceError>),
}

impl Error {
    /// The stable code of the wrapped error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::KeySpec(e) => e.code(),
            Error::Key(e) => e.code(),
            Error::Csr(e) => e.code(),
            Error::Name(e) => e.code(),
            Error::Subject(e) => e.code(),
            Error::Request(e) => e.code(),
            Error::Rules(_) => "policy.violations",
            Error::Order(e) => e.code(),
            Error::Store(e) => e.code(),
            Error::Service(e) => e.code(),
        }
    }
}
