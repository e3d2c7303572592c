//! Signature algorithms as they appear in a CSR's `signatureAlgorithm`.

use std::fmt;

use der::asn1::AnyRef;
use serde::{Serialize, Serializer};
use spki::{AlgorithmIdentifierOwned, AlgorithmIdentifierRef};

use crate::key::SignatureHash;
use crate::key::public::VerifyProblem;
use crate::oid;

/// How a CSR is signed: the key algorithm, its padding and its hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignatureAlgorithm {
    /// RSA PKCS#1 v1.5 (`sha256WithRSAEncryption`, ...).
    RsaPkcs1(SignatureHash),
    /// RSASSA-PSS with MGF1 over the same hash.
    RsaPss {
        /// The message and MGF1 hash.
        hash: SignatureHash,
        /// Salt length in bytes.
        salt_len: usize,
    },
    /// ECDSA (`ecdsa-with-SHA256`, ...), signature DER `SEQUENCE {r, s}`.
    Ecdsa(SignatureHash),
    /// SM2-with-SM3 (GB/T 32918.2), signature DER `SEQUENCE {r, s}`.
    Sm2Sm3,
}

impl SignatureAlgorithm {
    /// OpenSSL's name for the algorithm (`sha256WithRSAEncryption`, `ecdsa-with-SHA384`,
    /// `rsassaPss`, `SM2-with-SM3`), as `openssl req -text` prints it.
    pub fn name(self) -> &'static str {
        use SignatureHash::*;
        match self {
            SignatureAlgorithm::RsaPkcs1(Sha1) => "sha1WithRSAEncryption",
            SignatureAlgorithm::RsaPkcs1(Sha256) => "sha256WithRSAEncryption",
            SignatureAlgorithm::RsaPkcs1(Sha384) => "sha384WithRSAEncryption",
            SignatureAlgorithm::RsaPkcs1(Sha512) => "sha512WithRSAEncryption",
            SignatureAlgorithm::RsaPkcs1(Sm3) => "sm3WithRSAEncryption",
            SignatureAlgorithm::RsaPss { .. } => "rsassaPss",
            SignatureAlgorithm::Ecdsa(Sha1) => "ecdsa-with-SHA1",
            SignatureAlgorithm::Ecdsa(Sha256) => "ecdsa-with-SHA256",
            SignatureAlgorithm::Ecdsa(Sha384) => "ecdsa-with-SHA384",
            SignatureAlgorithm::Ecdsa(Sha512) => "ecdsa-with-SHA512",
            SignatureAlgorithm::Ecdsa(Sm3) => "ecdsa-with-SM3",
            SignatureAlgorithm::Sm2Sm3 => "SM2-with-SM3",
        }
    }

    /// The hash the signature is made over.
    pub fn hash(self) -> SignatureHash {
        match self {
            SignatureAlgorithm::RsaPkcs1(h) | SignatureAlgorithm::Ecdsa(h) => h,
            SignatureAlgorithm::RsaPss { hash, .. } => hash,
            SignatureAlgorithm::Sm2Sm3 => SignatureHash::Sm3,
        }
    }

    /// Reads an `AlgorithmIdentifier` from a CSR.
    pub(crate) fn from_identifier(alg: &AlgorithmIdentifierRef<'_>) -> Result<Self, VerifyProblem> {
        use SignatureHash::*;
        let o = alg.oid;
        let found = || VerifyProblem::UnsupportedAlgorithm(signature_oid_name(&o));
        let algorithm = match o {
            _ if o == oid::SHA1_WITH_RSA => SignatureAlgorithm::RsaPkcs1(Sha1),
            _ if o == oid::SHA256_WITH_RSA => SignatureAlgorithm::RsaPkcs1(Sha256),
            _ if o == oid::SHA384_WITH_RSA => SignatureAlgorithm::RsaPkcs1(Sha384),
            _ if o == oid::SHA512_WITH_RSA => SignatureAlgorithm::RsaPkcs1(Sha512),
            _ if o == oid::ECDSA_WITH_SHA1 => SignatureAlgorithm::Ecdsa(Sha1),
            _ if o == oid::ECDSA_WITH_SHA256 => SignatureAlgorithm::Ecdsa(Sha256),
            _ if o == oid::ECDSA_WITH_SHA384 => SignatureAlgorithm::Ecdsa(Sha384),
            _ if o == oid::ECDSA_WITH_SHA512 => SignatureAlgorithm::Ecdsa(Sha512),
            _ if o == oid::SM2_WITH_SM3 => SignatureAlgorithm::Sm2Sm3,
            _ if o == oid::RSASSA_PSS => return pss_from_params(alg.parameters),
            _ => return Err(found()),
        };
        Ok(algorithm)
    }

    /// The `AlgorithmIdentifier` certdesk writes: RSA PKCS#1 v1.5 with NULL parameters,
    /// ECDSA and SM2 with none (RFC 5758, GM/T 0015). `None` for what certdesk reads but
    /// never writes (PSS, and hashes that do not pair with the algorithm).
    pub(crate) fn identifier(self) -> Option<AlgorithmIdentifierOwned> {
        use SignatureHash::*;
        let (oid, null) = match self {
            SignatureAlgorithm::RsaPkcs1(Sha1) => (oid::SHA1_WITH_RSA, true),
            SignatureAlgorithm::RsaPkcs1(Sha256) => (oid::SHA256_WITH_RSA, true),
            SignatureAlgorithm::RsaPkcs1(Sha384) => (oid::SHA384_WITH_RSA, true),
            SignatureAlgorithm::RsaPkcs1(Sha512) => (oid::SHA512_WITH_RSA, true),
            SignatureAlgorithm::Ecdsa(Sha1) => (oid::ECDSA_WITH_SHA1, false),
            SignatureAlgorithm::Ecdsa(Sha256) => (oid::ECDSA_WITH_SHA256, false),
            SignatureAlgorithm::Ecdsa(Sha384) => (oid::ECDSA_WITH_SHA384, false),
            SignatureAlgorithm::Ecdsa(Sha512) => (oid::ECDSA_WITH_SHA512, false),
            SignatureAlgorithm::Sm2Sm3 => (oid::SM2_WITH_SM3, false),
            SignatureAlgorithm::RsaPkcs1(Sm3)
            | SignatureAlgorithm::Ecdsa(Sm3)
            | SignatureAlgorithm::RsaPss { .. } => return None,
        };
        Some(AlgorithmIdentifierOwned {
            oid,
            parameters: null.then(|| der::asn1::Any::from(der::asn1::Null)),
        })
    }
}

fn pss_from_params(params: Option<AnyRef<'_>>) -> Result<SignatureAlgorithm, VerifyProblem> {
    let unsupported = |why: &str| VerifyProblem::UnsupportedAlgorithm(format!("rsassaPss ({why})"));
    let params = params.ok_or_else(|| unsupported("parameters missing"))?;
    let pss: pkcs1::RsaPssParams<der::asn1::Any> = params
        .decode_as()
        .map_err(|e| VerifyProblem::Invalid(format!("RSASSA-PSS parameters: {e}")))?;
    let hash = hash_from_oid(&pss.hash.oid).ok_or_else(|| unsupported("unknown hash"))?;
    if pss.mask_gen.oid != oid::MGF1 {
        return Err(unsupported("mask generation is not MGF1"));
    }
    let mgf_hash = pss
        .mask_gen
        .parameters
        .as_ref()
        .and_then(|p| hash_from_oid(&p.oid))
        .ok_or_else(|| unsupported("unknown MGF1 hash"))?;
    if mgf_hash != hash {
        return Err(unsupported("MGF1 hash differs from the message hash"));
    }
    Ok(SignatureAlgorithm::RsaPss {
        hash,
        salt_len: usize::from(pss.salt_len),
    })
}

fn hash_from_oid(o: &const_oid::ObjectIdentifier) -> Option<SignatureHash> {
    match *o {
        _ if *o == oid::SHA1 => Some(SignatureHash::Sha1),
        _ if *o == oid::SHA256 => Some(SignatureHash::Sha256),
        _ if *o == oid::SHA384 => Some(SignatureHash::Sha384),
        _ if *o == oid::SHA512 => Some(SignatureHash::Sha512),
        _ => None,
    }
}

fn signature_oid_name(o: &const_oid::ObjectIdentifier) -> String {
    let known = match o.to_string().as_str() {
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.2" => "md2WithRSAEncryption",
        "1.2.840.113549.1.1.14" => "sha224WithRSAEncryption",
        "1.2.840.10045.4.3.1" => "ecdsa-with-SHA224",
        "1.3.101.112" => "Ed25519",
        "1.3.101.113" => "Ed448",
        "1.2.840.10040.4.3" => "dsaWithSHA1",
        "2.16.840.1.101.3.4.3.2" => "dsa_with_SHA256",
        _ => "",
    };
    if known.is_empty() {
        format!("OID {o}")
    } else {
        format!("{known} (OID {o})")
    }
}

impl fmt::Display for SignatureAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for SignatureAlgorithm {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}
