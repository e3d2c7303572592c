//! Reading CSRs made anywhere: PEM or DER, verified, described as `CsrInfo`.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use der::asn1::{
    AnyRef, BmpString, Ia5StringRef, PrintableStringRef, TeletexStringRef, Utf8StringRef,
};
use der::referenced::OwnedToRef;
use der::{Decode, Encode, Reader, SliceReader, Tag, Tagged};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use x509_cert::Certificate;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::name::Name;
use x509_cert::request::CertReq;

use crate::csr::CsrError;
use crate::csr::request::{DEFAULT_SM2_DISTID, MAX_SANS};
use crate::key::public::{SpkiProblem, VerifyProblem};
use crate::key::{
    CryptoBackend, Fingerprint, KeyKind, KeySpec, PrivateKey, PublicKey, SignatureAlgorithm,
};
use crate::{oid, pem};

/// The largest CSR input read by default, in bytes (a CSR with a thousand SANs is under 40 KiB).
pub const MAX_CSR_INPUT: usize = 64 * 1024;

/// How CSRs are read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseOptions {
    /// The distinguishing ID an SM2 signature is checked with (default `1234567812345678`).
    pub sm2_distid: String,
    /// Inputs larger than this are refused with `too_large` before any parsing.
    pub max_input: usize,
    /// What verifies the signature (default: [`CryptoBackend::preferred`]). What is accepted
    /// or refused does not depend on it.
    pub backend: CryptoBackend,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            sm2_distid: DEFAULT_SM2_DISTID.to_owned(),
            max_input: MAX_CSR_INPUT,
            backend: CryptoBackend::preferred(),
        }
    }
}

/// A CSR whose self-signature holds, with what it says.
#[derive(Clone)]
pub struct Csr {
    der: Vec<u8>,
    public_key: PublicKey,
    info: CsrInfo,
}

/// What a CSR says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CsrInfo {
    /// The subject, attributes in CSR order.
    pub subject: DistinguishedName,
    /// The subject alternative names, in CSR order, DNS names exactly as written.
    pub sans: Vec<CsrSan>,
    /// The public key's algorithm and size or curve.
    pub key: KeyKind,
    /// The key as one of our specs, when it is one.
    pub key_spec: Option<KeySpec>,
    /// How the CSR is signed.
    pub signature_algorithm: SignatureAlgorithm,
    /// SHA-256 of the public key's DER `SubjectPublicKeyInfo`.
    pub public_key_sha256: Fingerprint,
}

/// A subject alternative name as a CSR holds it; unlike [`SanEntry`](crate::SanEntry) it is not
/// checked, so that a rule can say what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "lowercase")]
pub enum CsrSan {
    /// `dNSName`, as written.
    Dns(String),
    /// `iPAddress`.
    Ip(IpAddr),
    /// `rfc822Name`, as written.
    Email(String),
    /// `uniformResourceIdentifier`, as written.
    Uri(String),
    /// Another kind of name (`otherName`, `directoryName`, ...), described.
    Other(String),
}

impl fmt::Display for CsrSan {
    /// The name as text: the domain, address, e-mail or URI, or the description.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CsrSan::Dns(s) | CsrSan::Email(s) | CsrSan::Uri(s) | CsrSan::Other(s) => f.write_str(s),
            CsrSan::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

/// A subject as read from a CSR: every attribute in order, with its short name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DistinguishedName(Vec<(String, String)>);

impl DistinguishedName {
    pub(crate) fn from_pairs<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Self {
        DistinguishedName(pairs.map(|(k, v)| (k.to_owned(), v.to_owned())).collect())
    }

    /// The first value of the attribute with this short name (`CN`, `O`, `emailAddress`, ...).
    pub fn get(&self, short_name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == short_name)
            .map(|(_, v)| v.as_str())
    }

    /// Every `(short name, value)` pair in order; unknown attributes are named by dotted OID.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The common name.
    pub fn common_name(&self) -> Option<&str> {
        self.get("CN")
    }

    /// Whether the subject has no attributes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for DistinguishedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
        f.write_str(&parts.join(", "))
    }
}

impl Serialize for DistinguishedName {
    /// A JSON object keyed by short name; a repeated attribute keeps its first value.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seen: Vec<&str> = Vec::new();
        let mut map = s.serialize_map(None)?;
        for (k, v) in &self.0 {
            if !seen.contains(&k.as_str()) {
                seen.push(k);
                map.serialize_entry(k, v)?;
            }
        }
        map.end()
    }
}

impl Csr {
    /// Reads a CSR in PEM or DER (detected), and verifies its signature.
    ///
    /// PEM may have text before it (as `openssl req -text` writes), CRLF line ends and stray
    /// whitespace; a bare Base64 body without BEGIN/END lines is read too.
    pub fn parse(input: &[u8]) -> Result<Csr, CsrError> {
        Csr::parse_with(input, &ParseOptions::default())
    }

    /// [`parse`](Csr::parse) with options (SM2 distinguishing ID, size cap).
    pub fn parse_with(input: &[u8], options: &ParseOptions) -> Result<Csr, CsrError> {
        let der = extract_der(input, options.max_input)?;
        let (request, tbs) = decode(&der)?;
        let public_key = public_key_of(&request)?;
        let signature = request
            .signature
            .as_bytes()
            .ok_or_else(|| CsrError::malformed("signature bit string has unused bits"))?;
        let signature_algorithm = public_key
            .verify(
                &request.algorithm.owned_to_ref(),
                tbs,
                signature,
                &options.sm2_distid,
                options.backend,
            )
            .map_err(|p| match p {
                VerifyProblem::UnsupportedAlgorithm(found) => {
                    CsrError::UnsupportedSignature { found }
                }
                VerifyProblem::Mismatch(detail) | VerifyProblem::Invalid(detail) => {
                    CsrError::BadSignature { detail }
                }
            })?;
        let info = describe(&request, &public_key, signature_algorithm)?;
        Ok(Csr {
            der,
            public_key,
            info,
        })
    }

    /// Reads a CSR this crate stored after verifying it on the way in, without verifying its
    /// signature again (listings read every record's subject: a verification each would cost
    /// more than the rest of the answer).
    pub(crate) fn parse_stored(input: &[u8]) -> Result<Csr, CsrError> {
        let der = extract_der(input, ParseOptions::default().max_input)?;
        Csr::described(der, None)
    }

    /// Decodes `der` once and describes it, with its public key read from it when not given.
    fn described(der: Vec<u8>, public_key: Option<PublicKey>) -> Result<Csr, CsrError> {
        let (request, _) = decode(&der)?;
        let public_key = match public_key {
            Some(k) => k,
            None => public_key_of(&request)?,
        };
        let signature_algorithm = SignatureAlgorithm::from_identifier(
            &request.algorithm.owned_to_ref(),
        )
        .map_err(|_| CsrError::UnsupportedSignature {
            found: request.algorithm.oid.to_string(),
        })?;
        let info = describe(&request, &public_key, signature_algorithm)?;
        drop(request);
        Ok(Csr {
            der,
            public_key,
            info,
        })
    }

    /// A CSR this crate just built: `der`, signed by `public_key`'s key, says `info`.
    pub(crate) fn from_built(der: Vec<u8>, public_key: PublicKey, info: CsrInfo) -> Csr {
        Csr {
            der,
            public_key,
            info,
        }
    }

    /// What the CSR says.
    pub fn info(&self) -> &CsrInfo {
        &self.info
    }

    /// The CSR's public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// PEM, `-----BEGIN CERTIFICATE REQUEST-----`, as OpenSSL writes it.
    pub fn to_pem(&self) -> String {
        pem::encode("CERTIFICATE REQUEST", &self.der)
    }

    /// Whether `key` is the private half of this CSR's public key (compared as canonical
    /// SPKI, so a compressed and an uncompressed EC point of the same key match).
    pub fn matches_key(&self, key: &PrivateKey) -> bool {
        self.public_key == *key.public_key()
    }

    /// Whether the CSR carries this public key (for keys held elsewhere, see
    /// [`Signer`](crate::Signer)).
    pub fn matches_public_key(&self, key: &PublicKey) -> bool {
        self.public_key == *key
    }
}

impl fmt::Debug for Csr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Csr")
            .field("subject", &self.info.subject.to_string())
            .field("sans", &self.info.sans.len())
            .field("key", &self.info.key)
            .field("signature_algorithm", &self.info.signature_algorithm)
            .finish()
    }
}

fn extract_der(input: &[u8], max: usize) -> Result<Vec<u8>, CsrError> {
    if input.len() > max {
        return Err(CsrError::TooLarge {
            detail: format!("{} bytes; at most {max} are read", input.len()),
        });
    }
    let Some(start) = input.iter().position(|b| !b.is_ascii_whitespace()) else {
        return Err(CsrError::Empty);
    };
    if input[start] == 0x30 {
        return Ok(input[start..].to_vec());
    }
    let text = std::str::from_utf8(input).map_err(|_| CsrError::NotACsr {
        found: "binary data that is neither PEM nor DER".into(),
    })?;
    let blocks = pem::blocks(text).map_err(|e| CsrError::malformed(e.0))?;
    let labels = ["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"];
    if let Some(block) = blocks.iter().find(|b| labels.contains(&b.label)) {
        // A CSR is public: the bytes leave the wiping wrapper without a copy.
        return pem::decode_body(block.body, max)
            .map(|mut der| std::mem::take(&mut *der))
            .map_err(|e| CsrError::malformed(format!("PEM body: {}", e.0)));
    }
    if let Some(other) = blocks.first() {
        return Err(CsrError::NotACsr {
            found: format!("a PEM block labelled {:?}", other.label),
        });
    }
    match pem::decode_bare_base64(text, max) {
        Some(mut der) if der.first() == Some(&0x30) => Ok(std::mem::take(&mut *der)),
        _ => Err(CsrError::NotACsr {
            found: "text without a PEM block".into(),
        }),
    }
}

/// Decodes the request and returns it with the exact bytes its signature covers.
fn decode(der: &[u8]) -> Result<(CertReq, &[u8]), CsrError> {
    let request = CertReq::from_der(der).map_err(|e| {
        if Certificate::from_der(der).is_ok() {
            CsrError::NotACsr {
                found: "an X.509 certificate".into(),
            }
        } else if pkcs8::PrivateKeyInfoRef::from_der(der).is_ok() {
            CsrError::NotACsr {
                found: "a private key".into(),
            }
        } else {
            CsrError::malformed(format!("PKCS#10 structure: {e}"))
        }
    })?;
    // The signature covers certificationRequestInfo exactly as encoded: take its bytes from
    // the input rather than re-encoding.
    let outer = AnyRef::from_der(der).map_err(CsrError::malformed)?;
    let mut reader = SliceReader::new(outer.value()).map_err(CsrError::malformed)?;
    let before = reader.remaining_len();
    let _: AnyRef<'_> = reader.decode().map_err(CsrError::malformed)?;
    let tbs_len = usize::try_from(before.saturating_sub(reader.remaining_len()))
        .map_err(CsrError::malformed)?;
    let tbs = &outer.value()[..tbs_len];
    Ok((request, tbs))
}

fn public_key_of(request: &CertReq) -> Result<PublicKey, CsrError> {
    let spki_der = request
        .info
        .public_key
        .to_der()
        .map_err(CsrError::malformed)?;
    PublicKey::from_spki_der(&spki_der).map_err(|p| match p {
        SpkiProblem::Unsupported(found) => CsrError::UnsupportedKey { found },
        SpkiProblem::Malformed(detail) => CsrError::Malformed { detail },
    })
}

fn describe(
    request: &CertReq,
    public_key: &PublicKey,
    signature_algorithm: SignatureAlgorithm,
) -> Result<CsrInfo, CsrError> {
    Ok(CsrInfo {
        subject: read_name(&request.info.subject),
        sans: read_sans(request)?,
        key: public_key.kind(),
        key_spec: public_key.key_spec(),
        signature_algorithm,
        public_key_sha256: public_key.sha256(),
    })
}

fn read_name(name: &Name) -> DistinguishedName {
    let entries = name
        .iter()
        .map(|atv| (short_name(&atv.oid), directory_string(&atv.value)))
        .collect();
    DistinguishedName(entries)
}

fn short_name(o: &const_oid::ObjectIdentifier) -> String {
    let known = [
        (oid::COUNTRY, "C"),
        (oid::STATE, "ST"),
        (oid::LOCALITY, "L"),
        (oid::ORGANIZATION, "O"),
        (oid::ORGANIZATIONAL_UNIT, "OU"),
        (oid::COMMON_NAME, "CN"),
        (oid::EMAIL_ADDRESS, "emailAddress"),
        (oid::SERIAL_NUMBER, "serialNumber"),
        (oid::STREET, "street"),
        (oid::DOMAIN_COMPONENT, "DC"),
    ];
    known
        .iter()
        .find(|(k, _)| k == o)
        .map(|(_, n)| (*n).to_owned())
        .unwrap_or_else(|| o.to_string())
}

/// Decodes the DirectoryString forms and IA5String; anything else is shown as `#` + hex of its
/// DER, as OpenSSL does. (UniversalString cannot reach here: the `der` crate has no tag for it,
/// so a name holding one fails to decode and the CSR is reported malformed.)
fn directory_string(value: &der::asn1::Any) -> String {
    let any = AnyRef::from(value);
    let decoded = match any.tag() {
        Tag::Utf8String => text::<Utf8StringRef<'_>>(any),
        Tag::PrintableString => text::<PrintableStringRef<'_>>(any),
        Tag::Ia5String => text::<Ia5StringRef<'_>>(any),
        Tag::TeletexString => text::<TeletexStringRef<'_>>(any),
        Tag::BmpString => text::<BmpString>(any),
        _ => None,
    };
    decoded.unwrap_or_else(|| {
        format!(
            "#{}",
            crate::hex::encode(&value.to_der().unwrap_or_default())
        )
    })
}

fn text<'a, T>(any: AnyRef<'a>) -> Option<String>
where
    T: der::Choice<'a> + der::DecodeValue<'a> + fmt::Display,
{
    any.decode_as::<T>().ok().map(|s| s.to_string())
}

fn read_sans(request: &CertReq) -> Result<Vec<CsrSan>, CsrError> {
    let mut sans = Vec::new();
    for attribute in request.info.attributes.iter() {
        if attribute.oid != oid::EXTENSION_REQUEST {
            continue;
        }
        for value in attribute.values.iter() {
            let extensions: Vec<Extension> = value
                .decode_as()
                .map_err(|e| CsrError::malformed(format!("extensionRequest: {e}")))?;
            for extension in extensions
                .iter()
                .filter(|e| e.extn_id == oid::SUBJECT_ALT_NAME)
            {
                let names = SubjectAltName::from_der(extension.extn_value.as_bytes())
                    .map_err(|e| CsrError::malformed(format!("subjectAltName: {e}")))?;
                if sans.len() + names.0.len() > MAX_SANS {
                    return Err(CsrError::TooLarge {
                        detail: format!("more than {MAX_SANS} subject alternative names"),
                    });
                }
                for name in names.0 {
                    sans.push(read_general_name(name)?);
                }
            }
        }
    }
    Ok(sans)
}

fn read_general_name(name: GeneralName) -> Result<CsrSan, CsrError> {
    Ok(match name {
        GeneralName::DnsName(s) => CsrSan::Dns(s.as_str().to_owned()),
        GeneralName::Rfc822Name(s) => CsrSan::Email(s.as_str().to_owned()),
        GeneralName::UniformResourceIdentifier(s) => CsrSan::Uri(s.as_str().to_owned()),
        GeneralName::IpAddress(bytes) => {
            let b = bytes.as_bytes();
            match b.len() {
                4 => CsrSan::Ip(IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]))),
                16 => {
                    let mut octets = [0u8; 16];
                    octets.copy_from_slice(b);
                    CsrSan::Ip(IpAddr::V6(Ipv6Addr::from(octets)))
                }
                n => {
                    return Err(CsrError::malformed(format!(
                        "an iPAddress SAN of {n} bytes (4 or 16 expected)"
                    )));
                }
            }
        }
        GeneralName::DirectoryName(n) => CsrSan::Other(format!("directoryName {}", read_name(&n))),
        GeneralName::OtherName(o) => CsrSan::Other(format!("otherName {}", o.type_id)),
        GeneralName::RegisteredId(o) => CsrSan::Other(format!("registeredID {o}")),
        GeneralName::EdiPartyName(_) => CsrSan::Other("ediPartyName".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_directory_string_form_is_read_and_others_shown_as_hex() {
        let any = |der: &[u8]| der::asn1::Any::from_der(der).unwrap();
        let bmp = BmpString::from_utf8("深圳").unwrap().to_der().unwrap();
        assert_eq!(directory_string(&any(&bmp)), "深圳");
        let teletex = TeletexStringRef::new("Shenzhen").unwrap().to_der().unwrap();
        assert_eq!(directory_string(&any(&teletex)), "Shenzhen");
        // An INTEGER is no string: shown as OpenSSL would, # and hex of the DER.
        assert_eq!(directory_string(&any(&[0x02, 0x01, 0x05])), "#020105");
    }
}
