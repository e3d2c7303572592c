//! `CsrRequest`: what a CSR should say, and the one path that turns it into a signed CSR.

use der::asn1::{BitString, Ia5String, OctetString};
use der::{Decode, Encode};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::attr::{Attribute, Attributes};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::request::{CertReq, CertReqInfo, ExtensionReq, Version};

use crate::csr::{Csr, CsrInfo, CsrSan, DistinguishedName, RequestError};
use crate::key::{KeySpec, PrivateKey, SignatureAlgorithm, SignatureHash, Signer};
use crate::oid;
use crate::san::{DomainName, SanEntry, SanList};
use crate::subject::{Subject, SubjectField};

/// The SM2 distinguishing ID used when none is set (GB/T 35276, GM/T 0009): `1234567812345678`.
pub const DEFAULT_SM2_DISTID: &str = "1234567812345678";

/// The most SANs a CSR certdesk writes or reads may hold.
pub const MAX_SANS: usize = 1000;

/// Everything a CSR says, checked: subject, SANs, key spec, hash.
///
/// Built with [`CsrRequest::builder`]; then [`generate`](CsrRequest::generate) makes a new key
/// and the CSR, or [`sign`](CsrRequest::sign) uses a key the caller has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsrRequest {
    subject: Subject,
    sans: SanList,
    key_spec: KeySpec,
    hash: SignatureHash,
    sm2_distid: String,
}

/// Collects a [`CsrRequest`].
#[derive(Clone, Debug, Default)]
pub struct CsrRequestBuilder {
    subject: Subject,
    sans: Vec<SanInput>,
    key_spec: Option<KeySpec>,
    hash: Option<SignatureHash>,
    sm2_distid: Option<String>,
}

#[derive(Clone, Debug)]
enum SanInput {
    Typed(SanEntry),
    Text(String),
}

impl CsrRequest {
    /// Starts a request: empty subject, no SANs, RSA-2048 (both vendors' default), the spec's
    /// default hash.
    pub fn builder() -> CsrRequestBuilder {
        CsrRequestBuilder::default()
    }

    /// The subject, with a domain-name CN in A-label form.
    pub fn subject(&self) -> &Subject {
        &self.subject
    }

    /// The SANs, the CN's name first when the CN is a domain name or IP address.
    pub fn sans(&self) -> &SanList {
        &self.sans
    }

    /// The key spec.
    pub fn key_spec(&self) -> KeySpec {
        self.key_spec
    }

    /// The signature hash.
    pub fn hash(&self) -> SignatureHash {
        self.hash
    }

    /// The SM2 distinguishing ID (used only for SM2 keys).
    pub fn sm2_distid(&self) -> &str {
        &self.sm2_distid
    }

    /// Generates a key of the request's spec and signs the CSR with it.
    pub fn generate(&self) -> Result<(Csr, PrivateKey), RequestError> {
        let key = PrivateKey::generate(self.key_spec)?;
        let csr = self.sign(&key)?;
        Ok((csr, key))
    }

    /// Signs the CSR with a key the caller has, which must be of the request's spec: certdesk's
    /// own [`PrivateKey`] or any other [`Signer`] (a key in a KMS or an HSM).
    pub fn sign<S: Signer + ?Sized>(&self, key: &S) -> Result<Csr, RequestError> {
        let kind = key.public_key().kind();
        if kind != self.key_spec.kind() {
            return Err(RequestError::KeyMismatch {
                expected: self.key_spec,
                found: kind,
            });
        }
        let encode = |e: der::Error| RequestError::Signing {
            detail: format!("encoding: {e}"),
        };
        let subject = self.subject.to_name().map_err(encode)?;
        let public_key =
            SubjectPublicKeyInfoOwned::from_der(key.public_key().spki_der()).map_err(encode)?;
        let mut attributes = Attributes::new();
        if !self.sans.is_empty() {
            // RFC 2986 allows no attributes at all, but an extensionRequest must hold at least
            // one extension: it is written only when there are SANs.
            let san = self.san_extension().map_err(encode)?;
            let attribute = Attribute::try_from(ExtensionReq(vec![san])).map_err(encode)?;
            attributes.insert(attribute).map_err(encode)?;
        }
        let info = CertReqInfo {
            version: Version::V1,
            subject,
            public_key,
            attributes,
        };
        let tbs = info.to_der().map_err(encode)?;
        let algorithm = SignatureAlgorithm::for_key(kind, self.hash);
        let signature = key
            .sign(self.hash, &tbs, self.sm2_distid.as_bytes())
            .map_err(|e| RequestError::Signing {
                detail: e.detail().to_owned(),
            })?;
        let algorithm = algorithm
            .identifier()
            .ok_or_else(|| RequestError::Signing {
                detail: format!("{} cannot be written", algorithm.name()),
            })?;
        let request = CertReq {
            info,
            algorithm,
            signature: BitString::from_bytes(&signature).map_err(encode)?,
        };
        // SEQUENCE { the to-be-signed bytes as they were signed, algorithm, signature }: the
        // info is not encoded a second time, and the CSR is described from what is in hand
        // rather than decoded again.
        let algorithm_der = request.algorithm.to_der().map_err(encode)?;
        let signature_der = request.signature.to_der().map_err(encode)?;
        let body = der::Length::try_from(tbs.len() + algorithm_der.len() + signature_der.len())
            .map_err(encode)?;
        let mut der = Vec::with_capacity(tbs.len() + algorithm_der.len() + signature_der.len() + 6);
        der::Header::new(der::Tag::Sequence, body)
            .encode_to_vec(&mut der)
            .map_err(encode)?;
        der.extend_from_slice(&tbs);
        der.extend_from_slice(&algorithm_der);
        der.extend_from_slice(&signature_der);
        // What the CSR says is what was asked for: described from the request itself (a test
        // holds it equal to what reading the CSR back gives).
        let public_key = key.public_key().clone();
        let info = CsrInfo {
            subject: DistinguishedName::from_pairs(
                SubjectField::ALL
                    .iter()
                    .filter_map(|f| Some((f.short_name(), self.subject.get(*f)?))),
            ),
            sans: self
                .sans
                .iter()
                .map(|entry| match entry {
                    SanEntry::Dns(d) => CsrSan::Dns(d.as_str().to_owned()),
                    SanEntry::Ip(ip) => CsrSan::Ip(*ip),
                    SanEntry::Email(e) => CsrSan::Email(e.as_str().to_owned()),
                })
                .collect(),
            key: public_key.kind(),
            key_spec: public_key.key_spec(),
            signature_algorithm: SignatureAlgorithm::for_key(kind, self.hash),
            public_key_sha256: public_key.sha256(),
        };
        drop(request);
        Ok(Csr::from_built(der, public_key, info))
    }

    fn san_extension(&self) -> der::Result<Extension> {
        let names = self
            .sans
            .iter()
            .map(|entry| {
                Ok(match entry {
                    SanEntry::Dns(d) => GeneralName::DnsName(Ia5String::new(d.as_str())?),
                    SanEntry::Ip(ip) => GeneralName::from(*ip),
                    SanEntry::Email(e) => GeneralName::Rfc822Name(Ia5String::new(e.as_str())?),
                })
            })
            .collect::<der::Result<Vec<_>>>()?;
        Ok(Extension {
            extn_id: oid::SUBJECT_ALT_NAME,
            // RFC 5280 4.2.1.6: critical when the subject is empty.
            critical: self.subject.is_empty(),
            extn_value: OctetString::new(SubjectAltName(names).to_der()?)?,
        })
    }
}

impl CsrRequestBuilder {
    /// Sets the subject.
    pub fn subject(mut self, subject: Subject) -> Self {
        self.subject = subject;
        self
    }

    /// Adds a SAN.
    pub fn san(mut self, entry: impl Into<SanEntry>) -> Self {
        self.sans.push(SanInput::Typed(entry.into()));
        self
    }

    /// Adds a SAN from text, typed by its content ([`SanEntry::parse`]); a bad one is reported
    /// by [`build`](Self::build) with its position.
    pub fn san_text(mut self, text: impl Into<String>) -> Self {
        self.sans.push(SanInput::Text(text.into()));
        self
    }

    /// Sets the key spec (default RSA-2048).
    pub fn key_spec(mut self, spec: KeySpec) -> Self {
        self.key_spec = Some(spec);
        self
    }

    /// Sets the signature hash (default: the spec's [`default_hash`](KeySpec::default_hash)).
    pub fn hash(mut self, hash: SignatureHash) -> Self {
        self.hash = Some(hash);
        self
    }

    /// Sets the SM2 distinguishing ID (default [`DEFAULT_SM2_DISTID`]).
    pub fn sm2_distid(mut self, distid: impl Into<String>) -> Self {
        self.sm2_distid = Some(distid.into());
        self
    }

    /// Checks the request: SANs readable and at most [`MAX_SANS`], the hash allowed for the
    /// spec, something to certify. A CN that is a domain name (two labels or more, or a
    /// wildcard) is rewritten in A-labels and put first among the SANs; a CN that is an IP
    /// address is put first as an IP SAN.
    pub fn build(self) -> Result<CsrRequest, RequestError> {
        let key_spec = self.key_spec.unwrap_or(KeySpec::Rsa2048);
        let hash = self.hash.unwrap_or_else(|| key_spec.default_hash());
        if !key_spec.allows(hash) {
            return Err(RequestError::HashNotAllowed {
                key: key_spec.kind(),
                hash,
                allowed: key_spec.allowed_hashes().to_vec(),
            });
        }
        let sm2_distid = self
            .sm2_distid
            .unwrap_or_else(|| DEFAULT_SM2_DISTID.to_owned());
        if sm2_distid.len() > 8191 {
            return Err(RequestError::DistIdTooLong {
                len: sm2_distid.len(),
            });
        }
        if self.sans.len() > MAX_SANS {
            return Err(RequestError::TooManySans {
                count: self.sans.len(),
                max: MAX_SANS,
            });
        }
        let mut sans = SanList::new();
        for (index, input) in self.sans.into_iter().enumerate() {
            let entry = match input {
                SanInput::Typed(entry) => entry,
                SanInput::Text(text) => {
                    SanEntry::parse(&text).map_err(|error| RequestError::San { index, error })?
                }
            };
            sans.push(entry);
        }
        let mut subject = self.subject;
        if let Some(entry) = subject.common_name().and_then(cn_as_san) {
            if let SanEntry::Dns(domain) = &entry {
                subject.set_common_name(domain.as_str().to_owned());
            }
            if !sans.contains(&entry) {
                sans.push_front(entry);
            }
        }
        if sans.len() > MAX_SANS {
            return Err(RequestError::TooManySans {
                count: sans.len(),
                max: MAX_SANS,
            });
        }
        if subject.is_empty() && sans.is_empty() {
            return Err(RequestError::Empty);
        }
        Ok(CsrRequest {
            subject,
            sans,
            key_spec,
            hash,
            sm2_distid,
        })
    }
}

/// The SAN a CN stands for, when it is a domain name (at least two labels, or a wildcard) or
/// an IP address. A one-word CN such as a company name is not taken for a host name.
fn cn_as_san(cn: &str) -> Option<SanEntry> {
    if let Ok(ip) = cn.parse::<std::net::IpAddr>() {
        return Some(SanEntry::Ip(ip));
    }
    let domain = DomainName::parse(cn).ok()?;
    (domain.is_wildcard() || domain.as_str().contains('.')).then_some(SanEntry::Dns(domain))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(cn: &str) -> Subject {
        Subject::builder().common_name(cn).build().unwrap()
    }

    #[test]
    fn domain_cn_is_first_san_in_a_labels() {
        let req = CsrRequest::builder()
            .subject(subject("例子.中国"))
            .san_text("www.example.com")
            .build()
            .unwrap();
        assert_eq!(req.subject().common_name(), Some("xn--fsqu00a.xn--fiqs8s"));
        let values: Vec<String> = req.sans().iter().map(SanEntry::value).collect();
        assert_eq!(values, ["xn--fsqu00a.xn--fiqs8s", "www.example.com"]);
    }

    #[test]
    fn cn_already_among_sans_is_not_repeated() {
        let req = CsrRequest::builder()
            .subject(subject("a.example.com"))
            .san_text("b.example.com")
            .san_text("A.example.com")
            .build()
            .unwrap();
        assert_eq!(req.sans().len(), 2);
    }

    #[test]
    fn company_name_cn_is_not_a_san() {
        let req = CsrRequest::builder()
            .subject(subject("Tencent"))
            .build()
            .unwrap();
        assert!(req.sans().is_empty());
        let req = CsrRequest::builder()
            .subject(subject("Example Co., Ltd."))
            .build()
            .unwrap();
        assert!(req.sans().is_empty());
    }

    #[test]
    fn ip_cn_becomes_ip_san() {
        let req = CsrRequest::builder()
            .subject(subject("192.0.2.7"))
            .build()
            .unwrap();
        assert_eq!(
            req.sans().iter().next().unwrap().to_string(),
            "IP:192.0.2.7"
        );
    }

    #[test]
    fn hash_must_pair_with_spec() {
        let err = CsrRequest::builder()
            .subject(subject("example.com"))
            .key_spec(KeySpec::Sm2)
            .hash(SignatureHash::Sha256)
            .build()
            .unwrap_err();
        assert_eq!(err.code(), "request.hash_not_allowed");
        let req = CsrRequest::builder()
            .subject(subject("example.com"))
            .key_spec(KeySpec::EcP384)
            .build()
            .unwrap();
        assert_eq!(req.hash(), SignatureHash::Sha384);
    }

    #[test]
    fn bad_san_is_reported_with_its_position() {
        let err = CsrRequest::builder()
            .san_text("ok.example.com")
            .san_text("bad_name.example.com")
            .build()
            .unwrap_err();
        assert!(matches!(err, RequestError::San { index: 1, .. }), "{err:?}");
        assert_eq!(err.code(), "domain.invalid");
    }

    #[test]
    fn empty_request_is_refused() {
        assert_eq!(
            CsrRequest::builder().build().unwrap_err().code(),
            "request.empty"
        );
    }
}
