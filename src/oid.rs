//! Object identifiers certdesk reads and writes, with the names OpenSSL gives them.

use const_oid::ObjectIdentifier as Oid;

pub(crate) const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
pub(crate) const RSASSA_PSS: Oid = Oid::new_unwrap("1.2.840.113549.1.1.10");
pub(crate) const MGF1: Oid = Oid::new_unwrap("1.2.840.113549.1.1.8");
pub(crate) const SHA1_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.5");
pub(crate) const SHA256_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
pub(crate) const SHA384_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
pub(crate) const SHA512_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");

pub(crate) const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
pub(crate) const SECP256R1: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
pub(crate) const SECP384R1: Oid = Oid::new_unwrap("1.3.132.0.34");
pub(crate) const SECP521R1: Oid = Oid::new_unwrap("1.3.132.0.35");
pub(crate) const SM2_CURVE: Oid = Oid::new_unwrap("1.2.156.10197.1.301");
pub(crate) const ECDSA_WITH_SHA1: Oid = Oid::new_unwrap("1.2.840.10045.4.1");
pub(crate) const ECDSA_WITH_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
pub(crate) const ECDSA_WITH_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
pub(crate) const ECDSA_WITH_SHA512: Oid = Oid::new_unwrap("1.2.840.10045.4.3.4");
pub(crate) const SM2_WITH_SM3: Oid = Oid::new_unwrap("1.2.156.10197.1.501");

pub(crate) const SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
pub(crate) const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
pub(crate) const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
pub(crate) const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");

pub(crate) const EXTENSION_REQUEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.14");
pub(crate) const SUBJECT_ALT_NAME: Oid = Oid::new_unwrap("2.5.29.17");

pub(crate) const COUNTRY: Oid = Oid::new_unwrap("2.5.4.6");
pub(crate) const STATE: Oid = Oid::new_unwrap("2.5.4.8");
pub(crate) const LOCALITY: Oid = Oid::new_unwrap("2.5.4.7");
pub(crate) const ORGANIZATION: Oid = Oid::new_unwrap("2.5.4.10");
pub(crate) const ORGANIZATIONAL_UNIT: Oid = Oid::new_unwrap("2.5.4.11");
pub(crate) const COMMON_NAME: Oid = Oid::new_unwrap("2.5.4.3");
pub(crate) const EMAIL_ADDRESS: Oid = Oid::new_unwrap("1.2.840.113549.1.9.1");
pub(crate) const SERIAL_NUMBER: Oid = Oid::new_unwrap("2.5.4.5");
pub(crate) const STREET: Oid = Oid::new_unwrap("2.5.4.9");
pub(crate) const DOMAIN_COMPONENT: Oid = Oid::new_unwrap("0.9.2342.19200300.100.1.25");

/// A name for a key algorithm or curve OID certdesk does not support, for error messages.
pub(crate) fn unsupported_key_name(oid: &Oid) -> String {
    let known = match oid.to_string().as_str() {
        "1.3.101.112" => "Ed25519",
        "1.3.101.113" => "Ed448",
        "1.3.101.110" => "X25519",
        "1.3.101.111" => "X448",
        "1.2.840.10040.4.1" => "DSA",
        "1.2.840.10046.2.1" => "Diffie-Hellman (X9.42)",
        "1.2.840.113549.1.3.1" => "Diffie-Hellman (PKCS#3)",
        "1.2.840.113549.1.1.10" => "RSASSA-PSS-restricted RSA",
        "1.3.132.0.10" => "ECDSA secp256k1",
        "1.3.132.0.33" => "ECDSA secp224r1 (P-224)",
        "1.2.840.10045.3.1.1" => "ECDSA prime192v1 (P-192)",
        "1.3.36.3.3.2.8.1.1.7" => "ECDSA brainpoolP256r1",
        "1.3.36.3.3.2.8.1.1.11" => "ECDSA brainpoolP384r1",
        "1.3.36.3.3.2.8.1.1.13" => "ECDSA brainpoolP512r1",
        "1.2.643.7.1.1.1.1" | "1.2.643.7.1.1.1.2" => "GOST R 34.10-2012",
        _ => "",
    };
    if known.is_empty() {
        format!("algorithm or curve OID {oid}")
    } else {
        format!("{known} (OID {oid})")
    }
}
