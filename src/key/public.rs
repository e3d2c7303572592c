//! Public keys read from SPKI DER, their fingerprints, and signature verification.

use std::fmt;

use der::Decode;
use pkcs8::EncodePublicKey;
use rsa::traits::PublicKeyParts;
use serde::{Serialize, Serializer};
use sha2::{Digest, Sha256};
use signature::Verifier;
use signature::hazmat::PrehashVerifier;
use spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};

use crate::key::{EcCurve, KeyError, KeyKind, KeySpec, SignatureAlgorithm, SignatureHash};
use crate::oid;

/// SHA-256 of a public key's DER `SubjectPublicKeyInfo`: Alibaba's `KeySha2`, and what
/// `openssl pkey -pubin -outform DER | sha256sum` prints.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    /// Lower-case hex, 64 characters.
    pub fn to_hex(&self) -> String {
        crate::hex::encode(&self.0)
    }

    pub(crate) fn of(der: &[u8]) -> Self {
        Fingerprint(Sha256::digest(der).into())
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({})", self.to_hex())
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

/// A public key of a kind certdesk handles, from a CSR or derived from a [`PrivateKey`](crate::PrivateKey).
///
/// Its SPKI is kept in one canonical encoding (uncompressed EC points, NULL RSA parameters), so
/// two encodings of the same key compare equal and have the same [`Fingerprint`].
#[derive(Clone)]
pub struct PublicKey {
    kind: KeyKind,
    spki_der: Vec<u8>,
    inner: Inner,
}

#[derive(Clone)]
enum Inner {
    Rsa(Box<rsa::RsaPublicKey>),
    P256(p256::PublicKey),
    P384(p384::PublicKey),
    P521(p521::PublicKey),
    Sm2(sm2::PublicKey),
}

/// Why an SPKI could not become a [`PublicKey`].
#[derive(Debug)]
pub(crate) enum SpkiProblem {
    Malformed(String),
    Unsupported(String),
}

/// Why a signature could not be checked.
#[derive(Debug)]
pub(crate) enum VerifyProblem {
    UnsupportedAlgorithm(String),
    Mismatch(String),
    Invalid(String),
}

impl PublicKey {
    /// Reads a DER `SubjectPublicKeyInfo` (what `openssl pkey -pubout -outform DER` writes):
    /// for a key held elsewhere that signs through a [`Signer`](crate::Signer).
    pub fn from_der(der: &[u8]) -> Result<Self, KeyError> {
        if der.len() > crate::key::MAX_KEY_INPUT {
            return Err(KeyError::TooLarge {
                len: der.len(),
                max: crate::key::MAX_KEY_INPUT,
            });
        }
        Self::from_spki_der(der).map_err(|p| match p {
            SpkiProblem::Malformed(detail) => KeyError::Malformed { detail },
            SpkiProblem::Unsupported(found) => KeyError::Unsupported { found },
        })
    }

    /// Reads a PEM `PUBLIC KEY` block.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let malformed = |e: crate::pem::PemError| KeyError::Malformed { detail: e.0 };
        let blocks = crate::pem::blocks(pem).map_err(malformed)?;
        let Some(block) = blocks.iter().find(|b| b.label == "PUBLIC KEY") else {
            let found = blocks.first().map_or("no PEM block".to_owned(), |b| {
                format!("a PEM block labelled {}", b.label)
            });
            return Err(KeyError::NotAKey { found });
        };
        let der =
            crate::pem::decode_body(block.body, crate::key::MAX_KEY_INPUT).map_err(malformed)?;
        Self::from_der(&der)
    }

    /// Reads a DER `SubjectPublicKeyInfo`.
    pub(crate) fn from_spki_der(der: &[u8]) -> Result<Self, SpkiProblem> {
        let spki = SubjectPublicKeyInfoRef::from_der(der)
            .map_err(|e| SpkiProblem::Malformed(format!("public key info: {e}")))?;
        Self::from_spki(&spki)
    }

    pub(crate) fn from_spki(spki: &SubjectPublicKeyInfoRef<'_>) -> Result<Self, SpkiProblem> {
        let key_bytes = spki.subject_public_key.as_bytes().ok_or_else(|| {
            SpkiProblem::Malformed("public key bit string has unused bits".into())
        })?;
        let alg = &spki.algorithm;
        if alg.oid == oid::RSA_ENCRYPTION {
            return Self::rsa_from_pkcs1(key_bytes);
        }
        if alg.oid != oid::EC_PUBLIC_KEY {
            return Err(SpkiProblem::Unsupported(oid::unsupported_key_name(
                &alg.oid,
            )));
        }
        let params = alg.parameters.ok_or_else(|| {
            SpkiProblem::Malformed("EC public key without curve parameters".into())
        })?;
        let curve: const_oid::ObjectIdentifier = params.decode_as().map_err(|_| {
            SpkiProblem::Unsupported(
                "ECDSA with explicit curve parameters (only named curves are read)".into(),
            )
        })?;
        let bad_point = |e: elliptic_curve::Error| {
            SpkiProblem::Malformed(format!(
                "EC point is not on the curve or badly encoded ({e})"
            ))
        };
        let inner = match curve {
            c if c == oid::SECP256R1 => {
                Inner::P256(p256::PublicKey::from_sec1_bytes(key_bytes).map_err(bad_point)?)
            }
            c if c == oid::SECP384R1 => {
                Inner::P384(p384::PublicKey::from_sec1_bytes(key_bytes).map_err(bad_point)?)
            }
            c if c == oid::SECP521R1 => {
                Inner::P521(p521::PublicKey::from_sec1_bytes(key_bytes).map_err(bad_point)?)
            }
            c if c == oid::SM2_CURVE => {
                Inner::Sm2(sm2::PublicKey::from_sec1_bytes(key_bytes).map_err(bad_point)?)
            }
            other => return Err(SpkiProblem::Unsupported(oid::unsupported_key_name(&other))),
        };
        Self::from_inner(inner)
    }

    fn rsa_from_pkcs1(key_bytes: &[u8]) -> Result<Self, SpkiProblem> {
        let pkcs1 = pkcs1::RsaPublicKeyRef::from_der(key_bytes)
            .map_err(|e| SpkiProblem::Malformed(format!("RSA public key: {e}")))?;
        let modulus = pkcs1.modulus.as_bytes();
        let bits = bit_length(modulus);
        if !(rsa::RsaPublicKey::MIN_SIZE..=rsa::RsaPublicKey::MAX_SIZE).contains(&bits) {
            return Err(SpkiProblem::Unsupported(format!(
                "RSA-{bits} (RSA keys from {} to {} bits are read)",
                rsa::RsaPublicKey::MIN_SIZE,
                rsa::RsaPublicKey::MAX_SIZE
            )));
        }
        let n = rsa::BoxedUint::from_be_slice_vartime(modulus);
        let e = rsa::BoxedUint::from_be_slice_vartime(pkcs1.public_exponent.as_bytes());
        let key = rsa::RsaPublicKey::new(n, e)
            .map_err(|e| SpkiProblem::Malformed(format!("RSA public key: {e}")))?;
        Self::from_inner(Inner::Rsa(Box::new(key)))
    }

    pub(crate) fn from_rsa(key: rsa::RsaPublicKey) -> Result<Self, SpkiProblem> {
        Self::from_inner(Inner::Rsa(Box::new(key)))
    }
    pub(crate) fn from_p256(key: p256::PublicKey) -> Result<Self, SpkiProblem> {
        Self::from_inner(Inner::P256(key))
    }
    pub(crate) fn from_p384(key: p384::PublicKey) -> Result<Self, SpkiProblem> {
        Self::from_inner(Inner::P384(key))
    }
    pub(crate) fn from_p521(key: p521::PublicKey) -> Result<Self, SpkiProblem> {
        Self::from_inner(Inner::P521(key))
    }
    pub(crate) fn from_sm2(key: sm2::PublicKey) -> Result<Self, SpkiProblem> {
        Self::from_inner(Inner::Sm2(key))
    }

    fn from_inner(inner: Inner) -> Result<Self, SpkiProblem> {
        let encoded = match &inner {
            Inner::Rsa(k) => k.to_public_key_der(),
            Inner::P256(k) => k.to_public_key_der(),
            Inner::P384(k) => k.to_public_key_der(),
            Inner::P521(k) => k.to_public_key_der(),
            Inner::Sm2(k) => k.to_public_key_der(),
        }
        .map_err(|e| SpkiProblem::Malformed(format!("re-encoding the public key: {e}")))?;
        let kind = match &inner {
            Inner::Rsa(k) => KeyKind::Rsa {
                bits: k.n().bits_vartime(),
            },
            Inner::P256(_) => KeyKind::Ec {
                curve: EcCurve::P256,
            },
            Inner::P384(_) => KeyKind::Ec {
                curve: EcCurve::P384,
            },
            Inner::P521(_) => KeyKind::Ec {
                curve: EcCurve::P521,
            },
            Inner::Sm2(_) => KeyKind::Sm2,
        };
        Ok(PublicKey {
            kind,
            spki_der: encoded.into_vec(),
            inner,
        })
    }

    /// The key's algorithm and size or curve.
    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    /// The [`KeySpec`] the key is, if it is one of ours.
    pub fn key_spec(&self) -> Option<KeySpec> {
        self.kind.key_spec()
    }

    /// The DER `SubjectPublicKeyInfo`, canonically encoded.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// SHA-256 of [`spki_der`](Self::spki_der).
    pub fn sha256(&self) -> Fingerprint {
        Fingerprint::of(&self.spki_der)
    }

    /// PEM `PUBLIC KEY`, as `openssl pkey -pubout` writes it.
    pub fn to_pem(&self) -> String {
        crate::pem::encode("PUBLIC KEY", &self.spki_der)
    }

    /// Checks `signature` over `message` under the algorithm a CSR names.
    pub(crate) fn verify(
        &self,
        algorithm: &AlgorithmIdentifierRef<'_>,
        message: &[u8],
        signature: &[u8],
        sm2_distid: &str,
        backend: crate::key::CryptoBackend,
    ) -> Result<SignatureAlgorithm, VerifyProblem> {
        let sig_alg = SignatureAlgorithm::from_identifier(algorithm)?;
        let mismatch = || {
            VerifyProblem::Mismatch(format!(
                "signature algorithm {} does not fit a {} key",
                sig_alg.name(),
                self.kind
            ))
        };
        let invalid = |e: signature::Error| VerifyProblem::Invalid(e.to_string());
        let invalid_rsa = |e: rsa::Error| VerifyProblem::Invalid(e.to_string());
        // aws-lc answers the pairs it has; a signature it does not accept is judged again by
        // RustCrypto, so that what is refused, and why, never depends on the backend.
        #[cfg(feature = "aws-lc")]
        if backend == crate::key::CryptoBackend::AwsLc
            && self.aws_lc_verifies(sig_alg, message, signature)
        {
            return Ok(sig_alg);
        }
        #[cfg(not(feature = "aws-lc"))]
        let _ = backend;
        match (&self.inner, sig_alg) {
            (Inner::Rsa(key), SignatureAlgorithm::RsaPkcs1(hash)) => {
                let scheme = hash.pkcs1v15().ok_or_else(mismatch)?;
                key.verify(scheme, &hash.digest(message), signature)
                    .map_err(invalid_rsa)?;
            }
            (Inner::Rsa(key), SignatureAlgorithm::RsaPss { hash, salt_len }) => {
                let digest = hash.digest(message);
                let scheme_result = match hash {
                    SignatureHash::Sha1 => key.verify(
                        rsa::pss::Pss::<sha1::Sha1>::new_with_salt(salt_len),
                        &digest,
                        signature,
                    ),
                    SignatureHash::Sha256 => key.verify(
                        rsa::pss::Pss::<sha2::Sha256>::new_with_salt(salt_len),
                        &digest,
                        signature,
                    ),
                    SignatureHash::Sha384 => key.verify(
                        rsa::pss::Pss::<sha2::Sha384>::new_with_salt(salt_len),
                        &digest,
                        signature,
                    ),
                    SignatureHash::Sha512 => key.verify(
                        rsa::pss::Pss::<sha2::Sha512>::new_with_salt(salt_len),
                        &digest,
                        signature,
                    ),
                    SignatureHash::Sm3 => return Err(mismatch()),
                };
                scheme_result.map_err(invalid_rsa)?;
            }
            (Inner::P256(key), SignatureAlgorithm::Ecdsa(hash)) => {
                let sig = p256::ecdsa::Signature::from_der(signature).map_err(invalid)?;
                p256::ecdsa::VerifyingKey::from(key)
                    .verify_prehash(&hash.digest(message), &sig)
                    .map_err(invalid)?;
            }
            (Inner::P384(key), SignatureAlgorithm::Ecdsa(hash)) => {
                let sig = p384::ecdsa::Signature::from_der(signature).map_err(invalid)?;
                p384::ecdsa::VerifyingKey::from(key)
                    .verify_prehash(&hash.digest(message), &sig)
                    .map_err(invalid)?;
            }
            (Inner::P521(key), SignatureAlgorithm::Ecdsa(hash)) => {
                let sig = p521::ecdsa::Signature::from_der(signature).map_err(invalid)?;
                p521::ecdsa::VerifyingKey::from(key)
                    .verify_prehash(&hash.digest(message), &sig)
                    .map_err(invalid)?;
            }
            (Inner::Sm2(key), SignatureAlgorithm::Sm2Sm3) => {
                let sig = sm2::dsa::Signature::from_der(signature).map_err(invalid)?;
                let verifies = |distid: &str| {
                    sm2::dsa::VerifyingKey::new(distid, *key)
                        .is_ok_and(|vk| vk.verify(message, &sig).is_ok())
                };
                if !verifies(sm2_distid) {
                    // OpenSSL 3 signs with an empty ID unless told `-sigopt distid:...`: say so
                    // rather than leave the user to guess.
                    let hint = if !sm2_distid.is_empty() && verifies("") {
                        "; it verifies with an empty ID, which OpenSSL 3 uses when signed without `-sigopt distid:...`: read it with that ID or re-sign it"
                    } else {
                        ""
                    };
                    return Err(VerifyProblem::Invalid(format!(
                        "SM2 signature does not verify with distinguishing ID {sm2_distid:?}{hint}"
                    )));
                }
            }
            _ => return Err(mismatch()),
        }
        Ok(sig_alg)
    }
}

#[cfg(feature = "aws-lc")]
impl PublicKey {
    /// Whether aws-lc verifies the signature (false also when it has no algorithm for it).
    fn aws_lc_verifies(
        &self,
        sig_alg: SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> bool {
        use crate::key::aws::{VerifyKey, verify};
        let (kind, hash) = match (&self.inner, sig_alg) {
            (Inner::Rsa(key), SignatureAlgorithm::RsaPkcs1(hash)) => {
                (VerifyKey::RsaPkcs1(key.n().bits() as usize), hash)
            }
            (Inner::P256(_), SignatureAlgorithm::Ecdsa(hash)) => {
                (VerifyKey::Ec(EcCurve::P256), hash)
            }
            (Inner::P384(_), SignatureAlgorithm::Ecdsa(hash)) => {
                (VerifyKey::Ec(EcCurve::P384), hash)
            }
            (Inner::P521(_), SignatureAlgorithm::Ecdsa(hash)) => {
                (VerifyKey::Ec(EcCurve::P521), hash)
            }
            _ => return false,
        };
        let Ok(spki) = spki::SubjectPublicKeyInfoRef::from_der(&self.spki_der) else {
            return false;
        };
        let Some(bits) = spki.subject_public_key.as_bytes() else {
            return false;
        };
        verify(kind, hash, bits, message, signature) == Some(true)
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.spki_der == other.spki_der
    }
}
impl Eq for PublicKey {}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("kind", &self.kind)
            .field("sha256", &self.sha256().to_hex())
            .finish()
    }
}

/// Number of significant bits in a big-endian unsigned integer.
fn bit_length(be: &[u8]) -> usize {
    let trimmed: &[u8] = match be.iter().position(|b| *b != 0) {
        Some(i) => &be[i..],
        None => return 0,
    };
    trimmed.len() * 8 - trimmed[0].leading_zeros() as usize
}
