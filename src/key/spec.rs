//! Key specifications and signature hashes: what a user picks in a console's form.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::key::KeySpecError;

/// A key the vendors let a user generate: algorithm and strength together.
///
/// Our names (`rsa2048`, `ec-p256`, `sm2`, ...) are what [`FromStr`], [`Display`](fmt::Display)
/// and serde use; the vendors' spellings are read by [`KeySpec::from_tencent`],
/// [`KeySpec::from_alibaba`] and [`KeySpec::from_alibaba_console`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum KeySpec {
    /// RSA with a 2048-bit modulus and public exponent 65537.
    Rsa2048,
    /// RSA with a 3072-bit modulus and public exponent 65537.
    Rsa3072,
    /// RSA with a 4096-bit modulus and public exponent 65537.
    Rsa4096,
    /// ECDSA on NIST P-256 (`prime256v1`, `secp256r1`).
    EcP256,
    /// ECDSA on NIST P-384 (`secp384r1`).
    EcP384,
    /// ECDSA on NIST P-521 (`secp521r1`; the Alibaba console calls it `p512`).
    EcP521,
    /// SM2 (GB/T 32918) on the `sm2p256v1` curve, signing SM2-with-SM3.
    Sm2,
}

/// The elliptic curves certdesk reads and writes for ECDSA.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EcCurve {
    /// NIST P-256, OID 1.2.840.10045.3.1.7.
    #[serde(rename = "P-256")]
    P256,
    /// NIST P-384, OID 1.3.132.0.34.
    #[serde(rename = "P-384")]
    P384,
    /// NIST P-521, OID 1.3.132.0.35.
    #[serde(rename = "P-521")]
    P521,
}

impl EcCurve {
    /// The curve's NIST name (`P-256`), as OpenSSL prints it in `NIST CURVE:`.
    pub fn name(self) -> &'static str {
        match self {
            EcCurve::P256 => "P-256",
            EcCurve::P384 => "P-384",
            EcCurve::P521 => "P-521",
        }
    }

    /// The size of the curve's field in bits (256, 384, 521).
    pub fn bits(self) -> u16 {
        match self {
            EcCurve::P256 => 256,
            EcCurve::P384 => 384,
            EcCurve::P521 => 521,
        }
    }

    /// The curve's name in OpenSSL and SEC 2 (`prime256v1`, `secp384r1`, `secp521r1`).
    pub fn openssl_name(self) -> &'static str {
        match self {
            EcCurve::P256 => "prime256v1",
            EcCurve::P384 => "secp384r1",
            EcCurve::P521 => "secp521r1",
        }
    }
}

impl fmt::Display for EcCurve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The kind of a public key, as read from a key or a CSR made anywhere.
///
/// Wider than [`KeySpec`]: an uploaded CSR may hold an RSA-1024 or RSA-8192 key, which is
/// reported faithfully so that a rule can refuse it with a precise message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "algorithm", rename_all = "lowercase")]
pub enum KeyKind {
    /// RSA with a modulus of `bits` bits.
    Rsa {
        /// Length of the modulus in bits.
        bits: u32,
    },
    /// ECDSA on a NIST curve.
    Ec {
        /// The curve.
        curve: EcCurve,
    },
    /// SM2 on `sm2p256v1`.
    Sm2,
}

impl KeyKind {
    /// The [`KeySpec`] this key is, when it is one of ours (RSA of another size is not).
    pub fn key_spec(self) -> Option<KeySpec> {
        KeySpec::ALL.into_iter().find(|spec| spec.kind() == self)
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyKind::Rsa { bits } => write!(f, "RSA-{bits}"),
            KeyKind::Ec { curve } => write!(f, "ECDSA {curve}"),
            KeyKind::Sm2 => f.write_str("SM2"),
        }
    }
}

/// The hash a CSR is signed with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum SignatureHash {
    /// SHA-1: read from CSRs that old tools made, never used to sign (no spec allows it).
    Sha1,
    /// SHA-256 (FIPS 180-4).
    Sha256,
    /// SHA-384 (FIPS 180-4).
    Sha384,
    /// SHA-512 (FIPS 180-4).
    Sha512,
    /// SM3 (GB/T 32905), used only with SM2.
    Sm3,
}

impl SignatureHash {
    /// Every hash, in the order a form would list them.
    pub const ALL: [SignatureHash; 5] = [
        SignatureHash::Sha1,
        SignatureHash::Sha256,
        SignatureHash::Sha384,
        SignatureHash::Sha512,
        SignatureHash::Sm3,
    ];

    /// Our name for the hash: `sha1`, `sha256`, `sha384`, `sha512`, `sm3`.
    pub fn name(self) -> &'static str {
        match self {
            SignatureHash::Sha1 => "sha1",
            SignatureHash::Sha256 => "sha256",
            SignatureHash::Sha384 => "sha384",
            SignatureHash::Sha512 => "sha512",
            SignatureHash::Sm3 => "sm3",
        }
    }
}

impl SignatureHash {
    /// The digest of `message` under this hash.
    pub(crate) fn digest(self, message: &[u8]) -> Vec<u8> {
        use sha2::Digest;
        match self {
            SignatureHash::Sha1 => sha1::Sha1::digest(message).to_vec(),
            SignatureHash::Sha256 => sha2::Sha256::digest(message).to_vec(),
            SignatureHash::Sha384 => sha2::Sha384::digest(message).to_vec(),
            SignatureHash::Sha512 => sha2::Sha512::digest(message).to_vec(),
            SignatureHash::Sm3 => sm3::Sm3::digest(message).to_vec(),
        }
    }

    /// RSA PKCS#1 v1.5 padding for this hash (`None` for SM3, which never signs with RSA).
    pub(crate) fn pkcs1v15(self) -> Option<rsa::pkcs1v15::Pkcs1v15Sign> {
        use rsa::pkcs1v15::Pkcs1v15Sign;
        Some(match self {
            SignatureHash::Sha1 => Pkcs1v15Sign::new::<sha1::Sha1>(),
            SignatureHash::Sha256 => Pkcs1v15Sign::new::<sha2::Sha256>(),
            SignatureHash::Sha384 => Pkcs1v15Sign::new::<sha2::Sha384>(),
            SignatureHash::Sha512 => Pkcs1v15Sign::new::<sha2::Sha512>(),
            SignatureHash::Sm3 => return None,
        })
    }
}

impl fmt::Display for SignatureHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl From<SignatureHash> for &'static str {
    fn from(hash: SignatureHash) -> Self {
        hash.name()
    }
}

impl FromStr for SignatureHash {
    type Err = KeySpecError;

    /// Reads `sha256`, `SHA-256`, `SHA256` and the like, in any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let folded: String = s
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .collect::<String>()
            .to_ascii_lowercase();
        SignatureHash::ALL
            .into_iter()
            .find(|h| h.name() == folded)
            .ok_or_else(|| KeySpecError::UnknownHash {
                input: s.to_owned(),
            })
    }
}

impl TryFrom<String> for SignatureHash {
    type Error = KeySpecError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

const SHA2: &[SignatureHash] = &[
    SignatureHash::Sha256,
    SignatureHash::Sha384,
    SignatureHash::Sha512,
];
const SM3_ONLY: &[SignatureHash] = &[SignatureHash::Sm3];

impl KeySpec {
    /// Every spec, in the order a form would list them.
    pub const ALL: [KeySpec; 7] = [
        KeySpec::Rsa2048,
        KeySpec::Rsa3072,
        KeySpec::Rsa4096,
        KeySpec::EcP256,
        KeySpec::EcP384,
        KeySpec::EcP521,
        KeySpec::Sm2,
    ];

    /// Our name for the spec: `rsa2048`, `rsa3072`, `rsa4096`, `ec-p256`, `ec-p384`, `ec-p521`, `sm2`.
    pub fn name(self) -> &'static str {
        match self {
            KeySpec::Rsa2048 => "rsa2048",
            KeySpec::Rsa3072 => "rsa3072",
            KeySpec::Rsa4096 => "rsa4096",
            KeySpec::EcP256 => "ec-p256",
            KeySpec::EcP384 => "ec-p384",
            KeySpec::EcP521 => "ec-p521",
            KeySpec::Sm2 => "sm2",
        }
    }

    /// The kind of key this spec generates.
    pub fn kind(self) -> KeyKind {
        match self {
            KeySpec::Rsa2048 => KeyKind::Rsa { bits: 2048 },
            KeySpec::Rsa3072 => KeyKind::Rsa { bits: 3072 },
            KeySpec::Rsa4096 => KeyKind::Rsa { bits: 4096 },
            KeySpec::EcP256 => KeyKind::Ec {
                curve: EcCurve::P256,
            },
            KeySpec::EcP384 => KeyKind::Ec {
                curve: EcCurve::P384,
            },
            KeySpec::EcP521 => KeyKind::Ec {
                curve: EcCurve::P521,
            },
            KeySpec::Sm2 => KeyKind::Sm2,
        }
    }

    /// The hash used when the caller names none: SHA-256 for RSA and P-256, the curve's
    /// matching hash for P-384 (SHA-384) and P-521 (SHA-512), SM3 for SM2 (what OpenSSL and
    /// the CA/B Forum pair with each curve).
    pub fn default_hash(self) -> SignatureHash {
        match self {
            KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096 | KeySpec::EcP256 => {
                SignatureHash::Sha256
            }
            KeySpec::EcP384 => SignatureHash::Sha384,
            KeySpec::EcP521 => SignatureHash::Sha512,
            KeySpec::Sm2 => SignatureHash::Sm3,
        }
    }

    /// The hashes a CSR with this key may be signed with: any SHA-2 for RSA and ECDSA, SM3
    /// only for SM2.
    ///
    /// This is what the signature formats allow and OpenSSL verifies; a vendor profile narrows
    /// it further (the Tencent console offers SHA-256 and SHA-384, the CA/B baseline ties each
    /// curve to its hash).
    pub fn allowed_hashes(self) -> &'static [SignatureHash] {
        match self {
            KeySpec::Sm2 => SM3_ONLY,
            _ => SHA2,
        }
    }

    /// Whether a CSR with this key may be signed with `hash`.
    pub fn allows(self, hash: SignatureHash) -> bool {
        self.allowed_hashes().contains(&hash)
    }

    /// Reads Tencent's `EncryptAlgo` + `KeyParameter` pair (CreateCSR, ApplyCertificate,
    /// CertificateInfoSubmit): `RSA` + `2048`|`3072`|`4096`, `ECC` + `prime256v1`|`secp384r1`|`secp521r1`,
    /// `SM2` + anything naming the SM2 curve.
    ///
    /// This reads every spelling; which pairs a given Tencent call accepts is a vendor rule.
    pub fn from_tencent(encrypt_algo: &str, key_parameter: &str) -> Result<KeySpec, KeySpecError> {
        let algo = encrypt_algo.trim().to_ascii_uppercase();
        let param = key_parameter.trim().to_ascii_lowercase();
        let spec = match algo.as_str() {
            "RSA" => rsa_bits(&param),
            "ECC" | "ECDSA" | "EC" => match param.as_str() {
                "prime256v1" | "secp256r1" | "p256" | "p-256" | "256" => Some(KeySpec::EcP256),
                "secp384r1" | "p384" | "p-384" | "384" => Some(KeySpec::EcP384),
                "secp521r1" | "p521" | "p-521" | "521" => Some(KeySpec::EcP521),
                _ => None,
            },
            "SM2" => match param.as_str() {
                "" | "sm2" | "256" | "sm2p256v1" => Some(KeySpec::Sm2),
                _ => None,
            },
            _ => {
                return Err(KeySpecError::UnknownAlgorithm {
                    input: encrypt_algo.to_owned(),
                });
            }
        };
        spec.ok_or_else(|| KeySpecError::UnknownStrength {
            algorithm: algo,
            input: key_parameter.to_owned(),
        })
    }

    /// Reads Alibaba CreateCsr's `Algorithm` + `KeySize`: `RSA` + 2048|3072|4096, `ECC` + 256
    /// (the console's 384 and 521 too), `SM2` + 256.
    pub fn from_alibaba(algorithm: &str, key_size: u32) -> Result<KeySpec, KeySpecError> {
        let algo = algorithm.trim().to_ascii_uppercase();
        let spec = match (algo.as_str(), key_size) {
            ("RSA", 2048) => Some(KeySpec::Rsa2048),
            ("RSA", 3072) => Some(KeySpec::Rsa3072),
            ("RSA", 4096) => Some(KeySpec::Rsa4096),
            ("ECC", 256) => Some(KeySpec::EcP256),
            ("ECC", 384) => Some(KeySpec::EcP384),
            ("ECC", 521) | ("ECC", 512) => Some(KeySpec::EcP521),
            ("SM2", 256) => Some(KeySpec::Sm2),
            ("RSA" | "ECC" | "SM2", _) => None,
            _ => {
                return Err(KeySpecError::UnknownAlgorithm {
                    input: algorithm.to_owned(),
                });
            }
        };
        spec.ok_or_else(|| KeySpecError::UnknownStrength {
            algorithm: algo,
            input: key_size.to_string(),
        })
    }

    /// Reads the Alibaba console's "Encryption Algorithm" + "Encryption Strength": `RSA` +
    /// `2048`, `ECC` + `p256`|`p384`|`p512` (where `p512` means the P-521 curve), `SM2` + `256`.
    pub fn from_alibaba_console(algorithm: &str, strength: &str) -> Result<KeySpec, KeySpecError> {
        let trimmed = strength.trim().to_ascii_lowercase();
        let digits = trimmed.strip_prefix('p').unwrap_or(&trimmed);
        let size: u32 = digits.parse().map_err(|_| KeySpecError::UnknownStrength {
            algorithm: algorithm.trim().to_ascii_uppercase(),
            input: strength.to_owned(),
        })?;
        KeySpec::from_alibaba(algorithm, size)
    }

    /// Tencent's `EncryptAlgo` and `KeyParameter` for this spec.
    pub fn tencent_params(self) -> (&'static str, &'static str) {
        match self {
            KeySpec::Rsa2048 => ("RSA", "2048"),
            KeySpec::Rsa3072 => ("RSA", "3072"),
            KeySpec::Rsa4096 => ("RSA", "4096"),
            KeySpec::EcP256 => ("ECC", "prime256v1"),
            KeySpec::EcP384 => ("ECC", "secp384r1"),
            KeySpec::EcP521 => ("ECC", "secp521r1"),
            KeySpec::Sm2 => ("SM2", "SM2"),
        }
    }

    /// Alibaba's `Algorithm` and `KeySize` for this spec (P-521 is 521 here; the console shows `p512`).
    pub fn alibaba_params(self) -> (&'static str, u32) {
        match self {
            KeySpec::Rsa2048 => ("RSA", 2048),
            KeySpec::Rsa3072 => ("RSA", 3072),
            KeySpec::Rsa4096 => ("RSA", 4096),
            KeySpec::EcP256 => ("ECC", 256),
            KeySpec::EcP384 => ("ECC", 384),
            KeySpec::EcP521 => ("ECC", 521),
            KeySpec::Sm2 => ("SM2", 256),
        }
    }
}

fn rsa_bits(param: &str) -> Option<KeySpec> {
    match param {
        "2048" => Some(KeySpec::Rsa2048),
        "3072" => Some(KeySpec::Rsa3072),
        "4096" => Some(KeySpec::Rsa4096),
        _ => None,
    }
}

impl fmt::Display for KeySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl From<KeySpec> for &'static str {
    fn from(spec: KeySpec) -> Self {
        spec.name()
    }
}

impl FromStr for KeySpec {
    type Err = KeySpecError;

    /// Reads our names, in any case; `ecp256`/`p256`-style near misses get a suggestion.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        if let Some(spec) = KeySpec::ALL.into_iter().find(|k| k.name() == lower) {
            return Ok(spec);
        }
        let folded: String = lower.chars().filter(char::is_ascii_alphanumeric).collect();
        let suggestion = match folded.as_str() {
            "rsa" | "rsa2048" | "2048" => Some(KeySpec::Rsa2048),
            "rsa3072" | "3072" => Some(KeySpec::Rsa3072),
            "rsa4096" | "4096" => Some(KeySpec::Rsa4096),
            "ec" | "ecc" | "ecdsa" | "ecp256" | "p256" | "prime256v1" | "secp256r1" => {
                Some(KeySpec::EcP256)
            }
            "ecp384" | "p384" | "secp384r1" => Some(KeySpec::EcP384),
            "ecp521" | "p521" | "p512" | "ecp512" | "secp521r1" => Some(KeySpec::EcP521),
            "sm2p256v1" => Some(KeySpec::Sm2),
            _ => None,
        };
        Err(KeySpecError::UnknownSpec {
            input: s.to_owned(),
            suggestion,
        })
    }
}

impl TryFrom<String> for KeySpec {
    type Error = KeySpecError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_names_round_trip() {
        for spec in KeySpec::ALL {
            assert_eq!(spec.name().parse::<KeySpec>().unwrap(), spec);
            assert_eq!(spec.kind().key_spec(), Some(spec));
        }
    }

    #[test]
    fn vendor_spellings_map_to_specs() {
        assert_eq!(
            KeySpec::from_tencent("RSA", "2048").unwrap(),
            KeySpec::Rsa2048
        );
        assert_eq!(
            KeySpec::from_tencent("ECC", "prime256v1").unwrap(),
            KeySpec::EcP256
        );
        assert_eq!(
            KeySpec::from_tencent("ecc", "secp384r1").unwrap(),
            KeySpec::EcP384
        );
        assert_eq!(
            KeySpec::from_alibaba("RSA", 3072).unwrap(),
            KeySpec::Rsa3072
        );
        assert_eq!(KeySpec::from_alibaba("ECC", 256).unwrap(), KeySpec::EcP256);
        assert_eq!(KeySpec::from_alibaba("SM2", 256).unwrap(), KeySpec::Sm2);
        assert_eq!(
            KeySpec::from_alibaba_console("ECC", "p512").unwrap(),
            KeySpec::EcP521
        );
        assert_eq!(
            KeySpec::from_alibaba_console("ECC", "p384").unwrap(),
            KeySpec::EcP384
        );
        for spec in KeySpec::ALL {
            let (a, p) = spec.tencent_params();
            assert_eq!(KeySpec::from_tencent(a, p).unwrap(), spec);
            let (a, s) = spec.alibaba_params();
            assert_eq!(KeySpec::from_alibaba(a, s).unwrap(), spec);
        }
    }

    #[test]
    fn unknown_strength_and_algorithm_are_told_apart() {
        let err = KeySpec::from_tencent("RSA", "1024").unwrap_err();
        assert_eq!(err.code(), "key_spec.unknown_strength");
        let err = KeySpec::from_alibaba("DSA", 2048).unwrap_err();
        assert_eq!(err.code(), "key_spec.unknown_algorithm");
    }

    #[test]
    fn near_miss_gets_a_suggestion() {
        let err = "p512".parse::<KeySpec>().unwrap_err();
        assert!(err.to_string().contains("ec-p521"), "{err}");
    }

    #[test]
    fn sm3_pairs_only_with_sm2() {
        assert!(KeySpec::Sm2.allows(SignatureHash::Sm3));
        assert!(!KeySpec::Sm2.allows(SignatureHash::Sha256));
        assert!(!KeySpec::Rsa2048.allows(SignatureHash::Sm3));
        for spec in KeySpec::ALL {
            assert!(spec.allows(spec.default_hash()));
        }
    }

    #[test]
    fn hash_names_parse_loosely() {
        assert_eq!(
            "SHA-384".parse::<SignatureHash>().unwrap(),
            SignatureHash::Sha384
        );
        assert_eq!("sm3".parse::<SignatureHash>().unwrap(), SignatureHash::Sm3);
        assert!("md5".parse::<SignatureHash>().is_err());
        for spec in KeySpec::ALL {
            assert!(
                !spec.allows(SignatureHash::Sha1),
                "{spec} must not sign with SHA-1"
            );
        }
    }
}
