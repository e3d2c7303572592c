//! PKCS#12 (PFX) export: a private key and its certificate chain in one password-protected
//! file, as IIS and Tomcat take them.
//!
//! The layout is OpenSSL 3's: the key in a PKCS#8 shrouded key bag encrypted with PBES2
//! (PBKDF2-HMAC-SHA256, AES-256-CBC), the certificates in plain certificate bags, `localKeyId`
//! pairing the key with its certificate, and an HMAC-SHA256 integrity MAC keyed by the PKCS#12
//! key derivation. Windows 10 (1709) and later, Java 8u301 and later, and OpenSSL 1.1.1 and
//! later read it.

use der::Encode;
use der::asn1::{Any, BmpString, OctetString, SetOfVec};
use hmac::{Hmac, KeyInit, Mac};
use pkcs12::cms::content_info::ContentInfo;
use pkcs12::kdf::{Pkcs12KeyType, derive_key};
use pkcs12::pfx::Version;
use pkcs12::{CertBag, DigestInfo, MacData, Pfx, SafeBag};
use sha1::Digest as _;
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::{Attribute, AttributeValue, Attributes};

use crate::key::KeyError;
use crate::key::{KeyEncryption, Password, PrivateKey};

/// PBKDF2 iterations for the key and PKCS#12 KDF iterations for the MAC.
const ITERATIONS: u32 = 100_000;

const ID_DATA: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const LOCAL_KEY_ID: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.21");
const FRIENDLY_NAME: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.20");
const SHA256: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");

fn export(e: impl std::fmt::Display) -> KeyError {
    KeyError::Export {
        detail: format!("PKCS#12: {e}"),
    }
}

fn data(content: &[u8]) -> Result<ContentInfo, KeyError> {
    Ok(ContentInfo {
        content_type: ID_DATA,
        content: Any::encode_from(&OctetString::new(content).map_err(export)?).map_err(export)?,
    })
}

fn attributes(local_key_id: &[u8], friendly_name: Option<&str>) -> Result<Attributes, KeyError> {
    let mut attrs = Attributes::new();
    let mut values = SetOfVec::<AttributeValue>::new();
    values
        .insert(Any::encode_from(&OctetString::new(local_key_id).map_err(export)?).map_err(export)?)
        .map_err(export)?;
    attrs
        .insert(Attribute {
            oid: LOCAL_KEY_ID,
            values,
        })
        .map_err(export)?;
    if let Some(name) = friendly_name {
        let mut values = SetOfVec::<AttributeValue>::new();
        values
            .insert(Any::encode_from(&BmpString::from_utf8(name).map_err(export)?).map_err(export)?)
            .map_err(export)?;
        attrs
            .insert(Attribute {
                oid: FRIENDLY_NAME,
                values,
            })
            .map_err(export)?;
    }
    Ok(attrs)
}

/// A bag holding `value_der` (the `[0] EXPLICIT` wrapper is written by the encoder).
fn bag(
    bag_id: const_oid::ObjectIdentifier,
    value_der: &[u8],
    attrs: Option<Attributes>,
) -> SafeBag {
    SafeBag {
        bag_id,
        bag_value: value_der.to_vec(),
        bag_attributes: attrs,
    }
}

impl PrivateKey {
    /// A PKCS#12 file holding this key and `chain` (DER certificates, the key's own first),
    /// protected by `password`. `friendly_name` labels the entry (the alias Java's keytool
    /// shows).
    pub fn to_pkcs12(
        &self,
        chain: &[Vec<u8>],
        password: &Password,
        friendly_name: Option<&str>,
    ) -> Result<Vec<u8>, KeyError> {
        let Some(leaf) = chain.first() else {
            return Err(export(
                "the chain is empty: the key's certificate comes first",
            ));
        };
        let text = std::str::from_utf8(password.as_bytes())
            .map_err(|_| export("the password is not UTF-8"))?;
        let local_key_id = sha1::Sha1::digest(leaf).to_vec();

        // The key, encrypted as OpenSSL 3 does (PBES2, PBKDF2-SHA256, AES-256-CBC).
        let encrypted = self.to_encrypted_pkcs8_der(
            password,
            KeyEncryption::Pbkdf2Sha256 {
                iterations: ITERATIONS,
            },
        )?;
        let key_bag = bag(
            pkcs12::PKCS_12_PKCS8_KEY_BAG_OID,
            &encrypted,
            Some(attributes(&local_key_id, friendly_name)?),
        );
        let mut cert_bags = Vec::with_capacity(chain.len());
        for (i, cert) in chain.iter().enumerate() {
            let cert_bag = CertBag {
                cert_id: pkcs12::PKCS_12_X509_CERT_OID,
                cert_value: OctetString::new(cert.as_slice()).map_err(export)?,
            };
            let attrs = if i == 0 {
                Some(attributes(&local_key_id, friendly_name)?)
            } else {
                None
            };
            cert_bags.push(bag(
                pkcs12::PKCS_12_CERT_BAG_OID,
                &cert_bag.to_der().map_err(export)?,
                attrs,
            ));
        }
        let keys = vec![key_bag].to_der().map_err(export)?;
        let certs = cert_bags.to_der().map_err(export)?;
        let auth_safe = vec![data(&keys)?, data(&certs)?].to_der().map_err(export)?;

        // The integrity MAC over the authenticated safe's content.
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(export)?;
        let iterations = i32::try_from(ITERATIONS).map_err(export)?;
        let mac_key = zeroize::Zeroizing::new(derive_key::<sha2::Sha256>(
            &bmp_password(text),
            &salt,
            Pkcs12KeyType::Mac,
            iterations,
            32,
        ));
        let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(&mac_key).map_err(export)?;
        mac.update(&auth_safe);
        let digest = mac.finalize().into_bytes();
        let pfx = Pfx {
            version: Version::V3,
            auth_safe: data(&auth_safe)?,
            mac_data: Some(MacData {
                mac: DigestInfo {
                    algorithm: AlgorithmIdentifierOwned {
                        oid: SHA256,
                        parameters: Some(Any::from(der::asn1::Null)),
                    },
                    digest: OctetString::new(digest.as_slice()).map_err(export)?,
                },
                mac_salt: OctetString::new(salt.as_slice()).map_err(export)?,
                iterations,
            }),
        };
        pfx.to_der().map_err(export)
    }
}

/// The password as PKCS#12's key derivation takes it (RFC 7292 B.1): UTF-16 big-endian with
/// two terminating zero bytes, in one buffer of its final size that is wiped when dropped
/// (BmpString's copies would not be).
fn bmp_password(text: &str) -> zeroize::Zeroizing<Vec<u8>> {
    let units = text.encode_utf16().count();
    let mut out = zeroize::Zeroizing::new(Vec::with_capacity(units * 2 + 2));
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_be_bytes());
    }
    out.extend_from_slice(&[0, 0]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_utf16_big_endian_with_two_zero_bytes() {
        assert_eq!(*bmp_password("aé"), [0, b'a', 0, 0xe9, 0, 0]);
        assert_eq!(*bmp_password(""), [0, 0]);
    }
}
