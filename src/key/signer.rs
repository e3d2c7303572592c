//! The signing seam: what certdesk needs of a key to sign a CSR, so that keys it does not hold
//! (in a KMS, an HSM, another library) sign as well as its own [`PrivateKey`].

use std::sync::Arc;

use crate::code::Coded;
use crate::key::{KeyCode, KeyKind, PrivateKey, PublicKey, SignatureAlgorithm, SignatureHash};

/// A key that signs: certdesk's own [`PrivateKey`], or one held elsewhere.
///
/// [`CsrRequest::sign`](crate::CsrRequest::sign) takes any `Signer`. certdesk encodes the
/// request, checks that `hash` pairs with the key's kind ([`KeySpec::allowed_hashes`]), and asks
/// the signer for the signature over the encoded bytes; the signature algorithm written in the
/// CSR follows from the key's kind and the hash ([`SignatureAlgorithm::for_key`]).
///
/// ```
/// use certdesk::{
///     CsrRequest, KeySpec, PrivateKey, PublicKey, SignError, SignatureHash, Signer, Subject,
/// };
///
/// /// A key in some other store, reached through a callback.
/// struct Remote {
///     public: PublicKey,
///     key: PrivateKey, // stands in for the remote service
/// }
///
/// impl Signer for Remote {
///     fn public_key(&self) -> &PublicKey {
///         &self.public
///     }
///     fn sign(&self, hash: SignatureHash, message: &[u8], sm2_distid: &[u8])
///         -> Result<Vec<u8>, SignError> {
///         self.key.sign(hash, message, sm2_distid)
///     }
/// }
///
/// let key = PrivateKey::generate(KeySpec::EcP256).unwrap();
/// let remote = Remote { public: key.public_key().clone(), key };
/// let subject = Subject::builder().common_name("www.example.com").build().unwrap();
/// let request = CsrRequest::builder().subject(subject).key_spec(KeySpec::EcP256).build().unwrap();
/// let csr = request.sign(&remote).unwrap();
/// assert!(csr.matches_public_key(remote.public_key()));
/// ```
///
/// [`KeySpec::allowed_hashes`]: crate::KeySpec::allowed_hashes
pub trait Signer {
    /// The key's public half, written into the CSR.
    fn public_key(&self) -> &PublicKey;

    /// Signs `message` with `hash` and returns the signature as it goes into the CSR's
    /// signature BIT STRING: the PKCS#1 v1.5 signature for RSA, DER `SEQUENCE {r, s}` for
    /// ECDSA and SM2. For SM2 keys, `sm2_distid` is the distinguishing ID that goes into the
    /// `Z` value (GB/T 32918.2); other keys ignore it.
    fn sign(
        &self,
        hash: SignatureHash,
        message: &[u8],
        sm2_distid: &[u8],
    ) -> Result<Vec<u8>, SignError>;
}

impl<S: Signer + ?Sized> Signer for &S {
    fn public_key(&self) -> &PublicKey {
        (**self).public_key()
    }

    fn sign(
        &self,
        hash: SignatureHash,
        message: &[u8],
        sm2_distid: &[u8],
    ) -> Result<Vec<u8>, SignError> {
        (**self).sign(hash, message, sm2_distid)
    }
}

/// A signature a [`Signer`] could not make, with its cause when there is one.
#[derive(Clone, Debug, thiserror::Error)]
#[error("signing failed: {detail}")]
pub struct SignError {
    detail: String,
    #[source]
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl SignError {
    /// A failure described by `detail` (no secret may be in it: it reaches logs and callers).
    pub fn new(detail: impl Into<String>) -> Self {
        SignError {
            detail: detail.into(),
            source: None,
        }
    }

    /// A failure caused by `source` (a KMS client's error, say), kept as the error's source.
    pub fn with_source(
        detail: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        SignError {
            detail: detail.into(),
            source: Some(Arc::new(source)),
        }
    }

    /// What failed.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The stable code: `key.signing_failed`.
    pub fn code(&self) -> KeyCode {
        KeyCode::SigningFailed
    }
}

impl Coded for SignError {
    fn code(&self) -> &'static str {
        KeyCode::SigningFailed.as_str()
    }
}

impl SignatureAlgorithm {
    /// The algorithm a key of `kind` signs with under `hash`: RSA PKCS#1 v1.5, ECDSA, or
    /// SM2-with-SM3 (whatever the hash, which is SM3 for SM2).
    pub fn for_key(kind: KeyKind, hash: SignatureHash) -> SignatureAlgorithm {
        match kind {
            KeyKind::Rsa { .. } => SignatureAlgorithm::RsaPkcs1(hash),
            KeyKind::Ec { .. } => SignatureAlgorithm::Ecdsa(hash),
            KeyKind::Sm2 => SignatureAlgorithm::Sm2Sm3,
        }
    }
}

impl Signer for PrivateKey {
    fn public_key(&self) -> &PublicKey {
        PrivateKey::public_key(self)
    }

    fn sign(
        &self,
        hash: SignatureHash,
        message: &[u8],
        sm2_distid: &[u8],
    ) -> Result<Vec<u8>, SignError> {
        PrivateKey::sign(self, hash, message, sm2_distid)
    }
}
