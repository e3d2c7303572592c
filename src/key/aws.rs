//! The aws-lc backend (feature `aws-lc`): ECDSA P-256/P-384/P-521 key generation, signing and
//! verification, RSA PKCS#1 v1.5 signing and verification, through `aws-lc-rs`.
//!
//! aws-lc frees every allocation through `OPENSSL_free`, which cleanses it first: a key's
//! scalar and RSA primes are zeroized when the key is dropped, as RustCrypto's are.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self as lc, EcdsaKeyPair, KeyPair as _, RsaKeyPair};
use zeroize::Zeroizing;

use crate::key::{EcCurve, KeyError, SignError, SignatureHash};

fn rejected(what: &str, e: impl std::fmt::Display) -> KeyError {
    KeyError::Malformed {
        detail: format!("{what}: {e}"),
    }
}

/// An ECDSA key on aws-lc, signing with its curve's own hash (SHA-256, SHA-384, SHA-512).
pub(crate) struct EcKey {
    curve: EcCurve,
    pair: EcdsaKeyPair,
}

impl EcKey {
    fn algorithm(curve: EcCurve) -> &'static lc::EcdsaSigningAlgorithm {
        match curve {
            EcCurve::P256 => &lc::ECDSA_P256_SHA256_ASN1_SIGNING,
            EcCurve::P384 => &lc::ECDSA_P384_SHA384_ASN1_SIGNING,
            EcCurve::P521 => &lc::ECDSA_P521_SHA512_ASN1_SIGNING,
        }
    }

    fn own_hash(curve: EcCurve) -> SignatureHash {
        match curve {
            EcCurve::P256 => SignatureHash::Sha256,
            EcCurve::P384 => SignatureHash::Sha384,
            EcCurve::P521 => SignatureHash::Sha512,
        }
    }

    /// A fresh key from aws-lc's random source.
    pub(crate) fn generate(curve: EcCurve) -> Result<EcKey, KeyError> {
        let pair =
            EcdsaKeyPair::generate(Self::algorithm(curve)).map_err(|e| KeyError::Generation {
                detail: format!("aws-lc: {e}"),
            })?;
        Ok(EcKey { curve, pair })
    }

    /// The key whose scalar is `scalar` (big-endian) and public point `point` (SEC1); aws-lc
    /// checks that they belong together.
    pub(crate) fn from_parts(
        curve: EcCurve,
        scalar: &[u8],
        point: &[u8],
    ) -> Result<EcKey, KeyError> {
        let pair =
            EcdsaKeyPair::from_private_key_and_public_key(Self::algorithm(curve), scalar, point)
                .map_err(|e| rejected("aws-lc refuses the EC key", e))?;
        Ok(EcKey { curve, pair })
    }

    pub(crate) fn curve(&self) -> EcCurve {
        self.curve
    }

    /// The public point, SEC1 uncompressed.
    pub(crate) fn public_point(&self) -> &[u8] {
        self.pair.public_key().as_ref()
    }

    /// Unencrypted PKCS#8 v1, byte for byte what RustCrypto writes for the same key (a test
    /// holds it so).
    pub(crate) fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        let doc = self.pair.to_pkcs8v1().map_err(|e| KeyError::Export {
            detail: format!("aws-lc: {e}"),
        })?;
        Ok(Zeroizing::new(doc.as_ref().to_vec()))
    }

    /// A DER ECDSA signature, or `None` for a hash other than the curve's own (the caller
    /// signs those on RustCrypto).
    pub(crate) fn sign(
        &self,
        hash: SignatureHash,
        message: &[u8],
    ) -> Option<Result<Vec<u8>, SignError>> {
        if hash != Self::own_hash(self.curve) {
            return None;
        }
        Some(
            self.pair
                .sign(&SystemRandom::new(), message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|e| SignError::new(format!("aws-lc: {e}"))),
        )
    }
}

/// An RSA key on aws-lc, for signing.
pub(crate) struct RsaKey(RsaKeyPair);

impl RsaKey {
    pub(crate) fn from_pkcs8(der: &[u8]) -> Result<RsaKey, KeyError> {
        RsaKeyPair::from_pkcs8(der)
            .map(RsaKey)
            .map_err(|e| rejected("aws-lc refuses the RSA key", e))
    }

    /// A PKCS#1 v1.5 signature, or `None` for a hash aws-lc has no padding for.
    pub(crate) fn sign(
        &self,
        hash: SignatureHash,
        message: &[u8],
    ) -> Option<Result<Vec<u8>, SignError>> {
        let padding: &'static dyn lc::RsaEncoding = match hash {
            SignatureHash::Sha256 => &lc::RSA_PKCS1_SHA256,
            SignatureHash::Sha384 => &lc::RSA_PKCS1_SHA384,
            SignatureHash::Sha512 => &lc::RSA_PKCS1_SHA512,
            _ => return None,
        };
        let mut signature = vec![0; self.0.public_modulus_len()];
        Some(
            self.0
                .sign(padding, &SystemRandom::new(), message, &mut signature)
                .map(|()| signature)
                .map_err(|e| SignError::new(format!("aws-lc: {e}"))),
        )
    }
}

/// What aws-lc verifies: the key's algorithm, as [`verify`] needs it.
pub(crate) enum VerifyKey {
    /// ECDSA on a curve.
    Ec(EcCurve),
    /// RSA PKCS#1 v1.5 with a modulus of this many bits.
    RsaPkcs1(usize),
}

/// Checks `signature` over `message` with the SubjectPublicKeyInfo's key bits `key` (an EC
/// point, or a PKCS#1 `RSAPublicKey`): `None` when aws-lc has no algorithm for the pair (the
/// caller verifies on RustCrypto), else whether it verifies.
pub(crate) fn verify(
    key_kind: VerifyKey,
    hash: SignatureHash,
    key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Option<bool> {
    use SignatureHash::{Sha256, Sha384, Sha512};
    let algorithm: &'static dyn lc::VerificationAlgorithm = match (key_kind, hash) {
        (VerifyKey::Ec(EcCurve::P256), Sha256) => &lc::ECDSA_P256_SHA256_ASN1,
        (VerifyKey::Ec(EcCurve::P256), Sha384) => &lc::ECDSA_P256_SHA384_ASN1,
        (VerifyKey::Ec(EcCurve::P256), Sha512) => &lc::ECDSA_P256_SHA512_ASN1,
        (VerifyKey::Ec(EcCurve::P384), Sha256) => &lc::ECDSA_P384_SHA256_ASN1,
        (VerifyKey::Ec(EcCurve::P384), Sha384) => &lc::ECDSA_P384_SHA384_ASN1,
        (VerifyKey::Ec(EcCurve::P384), Sha512) => &lc::ECDSA_P384_SHA512_ASN1,
        (VerifyKey::Ec(EcCurve::P521), Sha256) => &lc::ECDSA_P521_SHA256_ASN1,
        (VerifyKey::Ec(EcCurve::P521), Sha384) => &lc::ECDSA_P521_SHA384_ASN1,
        (VerifyKey::Ec(EcCurve::P521), Sha512) => &lc::ECDSA_P521_SHA512_ASN1,
        // aws-lc's RSA verifiers take moduli of 2048 to 8192 bits.
        (VerifyKey::RsaPkcs1(bits), hash) if (2048..=8192).contains(&bits) => match hash {
            Sha256 => &lc::RSA_PKCS1_2048_8192_SHA256,
            Sha384 => &lc::RSA_PKCS1_2048_8192_SHA384,
            Sha512 => &lc::RSA_PKCS1_2048_8192_SHA512,
            _ => return None,
        },
        _ => return None,
    };
    Some(
        lc::UnparsedPublicKey::new(algorithm, key)
            .verify(message, signature)
            .is_ok(),
    )
}
