//! Keys: the specs a user picks, private keys, public keys and signature algorithms.

#[cfg(feature = "aws-lc")]
mod aws;
mod crypto_backend;
mod error;
mod pfx;
mod private;
pub(crate) mod public;
mod sigalg;
mod signer;
mod sm2_sign;
mod spec;

pub use crypto_backend::CryptoBackend;
pub use error::{KeyCode, KeyError, KeySpecCode, KeySpecError};
pub use private::{KeyEncryption, MAX_KEY_INPUT, Password, PrivateKey, SecretText};
pub use public::{Fingerprint, PublicKey};
pub use sigalg::SignatureAlgorithm;
pub use signer::{SignError, Signer};
pub use spec::{EcCurve, KeyKind, KeySpec, SignatureHash};
