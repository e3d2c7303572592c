//! The key module's errors: key specs and hash names that cannot be read, keys that cannot be
//! generated, read or written.

use crate::code::{Coded, codes};
use crate::key::KeySpec;

codes! {
    /// The codes of [`KeySpecError`].
    pub enum KeySpecCode {
        /// Not one of the spec names.
        Unknown = "key_spec.unknown",
        /// Not RSA, ECC or SM2.
        UnknownAlgorithm = "key_spec.unknown_algorithm",
        /// A strength or curve the algorithm does not have.
        UnknownStrength = "key_spec.unknown_strength",
        /// Not a hash name.
        UnknownHash = "key_spec.unknown_hash",
    }
}

codes! {
    /// The codes of [`KeyError`].
    pub enum KeyCode {
        /// Nothing but whitespace.
        Empty = "key.empty",
        /// Over the input cap.
        TooLarge = "key.too_large",
        /// Not a private key.
        NotAKey = "key.not_a_key",
        /// Broken structure.
        Malformed = "key.malformed",
        /// An algorithm or curve not handled.
        Unsupported = "key.unsupported",
        /// Encrypted, no password given.
        PasswordRequired = "key.password_required",
        /// The password does not open the key.
        WrongPassword = "key.wrong_password",
        /// An encryption scheme not read.
        UnsupportedEncryption = "key.unsupported_encryption",
        /// Encryption parameters over their caps.
        EncryptionTooCostly = "key.encryption_too_costly",
        /// Generation failed.
        GenerationFailed = "key.generation_failed",
        /// Export failed.
        ExportFailed = "key.export_failed",
        /// A signer could not sign ([`SignError`](crate::SignError)).
        SigningFailed = "key.signing_failed",
    }
}

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
    /// The stable code.
    pub fn code(&self) -> KeySpecCode {
        match self {
            KeySpecError::UnknownSpec { .. } => KeySpecCode::Unknown,
            KeySpecError::UnknownAlgorithm { .. } => KeySpecCode::UnknownAlgorithm,
            KeySpecError::UnknownStrength { .. } => KeySpecCode::UnknownStrength,
            KeySpecError::UnknownHash { .. } => KeySpecCode::UnknownHash,
        }
    }
}

impl Coded for KeySpecError {
    fn code(&self) -> &'static str {
        KeySpecError::code(self).as_str()
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
    /// The stable code.
    pub fn code(&self) -> KeyCode {
        match self {
            KeyError::Empty => KeyCode::Empty,
            KeyError::TooLarge { .. } => KeyCode::TooLarge,
            KeyError::NotAKey { .. } => KeyCode::NotAKey,
            KeyError::Malformed { .. } => KeyCode::Malformed,
            KeyError::Unsupported { .. } => KeyCode::Unsupported,
            KeyError::PasswordRequired => KeyCode::PasswordRequired,
            KeyError::WrongPassword => KeyCode::WrongPassword,
            KeyError::UnsupportedEncryption { .. } => KeyCode::UnsupportedEncryption,
            KeyError::EncryptionTooCostly { .. } => KeyCode::EncryptionTooCostly,
            KeyError::Generation { .. } => KeyCode::GenerationFailed,
            KeyError::Export { .. } => KeyCode::ExportFailed,
        }
    }
}

impl Coded for KeyError {
    fn code(&self) -> &'static str {
        KeyError::code(self).as_str()
    }
}
