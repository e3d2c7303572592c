//! Domain-validation challenges: what the user must publish for each domain, and what a check
//! of it found (with Tencent's `LocalCheck` meanings).

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::order::{OrderError, Product};
use crate::san::DomainName;

/// A name an order binds: a domain name, or (for products that take them) a public IP address.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum BoundName {
    /// A domain name (a wildcard among them).
    Domain(DomainName),
    /// An IP address.
    Ip(std::net::IpAddr),
}

impl BoundName {
    /// Reads an IP address literal (`1.1.1.1`, `2001:db8::1`) or a domain name.
    pub fn parse(text: &str) -> Result<BoundName, crate::san::NameError> {
        match text.trim().parse::<std::net::IpAddr>() {
            Ok(ip) => Ok(BoundName::Ip(ip)),
            Err(_) => DomainName::parse(text).map(BoundName::Domain),
        }
    }

    /// The name as text (an IP address in its canonical form).
    pub fn text(&self) -> String {
        match self {
            BoundName::Domain(d) => d.as_str().to_owned(),
            BoundName::Ip(ip) => ip.to_string(),
        }
    }

    /// What is validated: a wildcard's base name, a domain, an address.
    pub fn base(&self) -> String {
        match self {
            BoundName::Domain(d) => d.base().to_owned(),
            BoundName::Ip(ip) => ip.to_string(),
        }
    }

    /// A wildcard domain.
    pub fn is_wildcard(&self) -> bool {
        matches!(self, BoundName::Domain(d) if d.is_wildcard())
    }

    /// The domain name, when it is one.
    pub fn domain(&self) -> Option<&DomainName> {
        match self {
            BoundName::Domain(d) => Some(d),
            BoundName::Ip(_) => None,
        }
    }
}

/// How domain control is proven (Tencent's `VerifyType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ValidationMethod {
    /// A DNS record the user adds (`DNS`).
    #[serde(rename = "DNS")]
    Dns,
    /// A DNS record created through the DNS provider (`DNS_AUTO`).
    #[serde(rename = "DNS_AUTO")]
    DnsAuto,
    /// A DNS record the vendor's proxy serves (`DNS_PROXY`).
    #[serde(rename = "DNS_PROXY")]
    DnsProxy,
    /// A file under `/.well-known/pki-validation/` (`FILE`).
    #[serde(rename = "FILE")]
    File,
    /// The file served by the vendor's proxy (`FILE_PROXY`).
    #[serde(rename = "FILE_PROXY")]
    FileProxy,
}

impl ValidationMethod {
    /// Tencent's name (`DNS_AUTO`, ...).
    pub fn tencent_name(self) -> &'static str {
        match self {
            ValidationMethod::Dns => "DNS",
            ValidationMethod::DnsAuto => "DNS_AUTO",
            ValidationMethod::DnsProxy => "DNS_PROXY",
            ValidationMethod::File => "FILE",
            ValidationMethod::FileProxy => "FILE_PROXY",
        }
    }

    /// A DNS method.
    pub fn is_dns(self) -> bool {
        matches!(
            self,
            ValidationMethod::Dns | ValidationMethod::DnsAuto | ValidationMethod::DnsProxy
        )
    }
}

/// The DNS record a challenge asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum DnsRecordType {
    /// TXT.
    Txt,
    /// CNAME.
    Cname,
}

impl fmt::Display for DnsRecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DnsRecordType::Txt => "TXT",
            DnsRecordType::Cname => "CNAME",
        })
    }
}

/// 128 random bits an order's challenge values are derived from (each domain's value is
/// SHA-256 of the token and the domain, so every value is unpredictable and the order's history
/// replays to the same challenges).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ValidationToken(#[serde(with = "hex16")] [u8; 16]);

mod hex16 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(bytes: &[u8; 16], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::hex::encode(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 16], D::Error> {
        let text = String::deserialize(d)?;
        crate::hex::decode(&text)
            .ok_or_else(|| serde::de::Error::custom("a validation token is 32 hex digits"))
    }
}

impl ValidationToken {
    /// A token from the operating system's random generator.
    pub fn random() -> Result<Self, OrderError> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(|e| OrderError::Random(e.to_string()))?;
        Ok(ValidationToken(bytes))
    }

    /// A token from bytes the caller drew (tests, replays).
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        ValidationToken(bytes)
    }

    /// 128 bits derived for one domain and purpose.
    fn derive(&self, purpose: &str, domain: &str) -> String {
        let mut h = Sha256::new();
        h.update(self.0);
        h.update(purpose.as_bytes());
        h.update([0]);
        h.update(domain.as_bytes());
        crate::hex::encode(&h.finalize()[..16])
    }
}

impl fmt::Debug for ValidationToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ValidationToken({})", crate::hex::encode(&self.0))
    }
}

/// The file-validation path prefix (BR 3.2.2.4.18).
pub const PKI_VALIDATION_PATH: &str = "/.well-known/pki-validation/";

/// The DNS label challenges sit under.
pub const DNS_AUTH_LABEL: &str = "_dnsauth";

/// What the user must do for one domain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Challenge {
    /// Publish a DNS record.
    Dns {
        /// The domain being validated (a wildcard's base).
        domain: String,
        /// TXT or CNAME.
        record_type: DnsRecordType,
        /// The record's full name (`_dnsauth.example.com`).
        host: String,
        /// The record's value.
        value: String,
        /// The record is created through the DNS provider (or the vendor's proxy).
        automatic: bool,
    },
    /// Serve a file.
    File {
        /// The domain being validated.
        domain: String,
        /// The path (`/.well-known/pki-validation/<name>.txt`).
        path: String,
        /// The file's content.
        content: String,
        /// Where the CA fetches it: `http://` and `https://` on the domain.
        urls: Vec<String>,
        /// The vendor's proxy serves the file.
        automatic: bool,
    },
}

impl Challenge {
    /// The domain this challenge validates.
    pub fn domain(&self) -> &str {
        match self {
            Challenge::Dns { domain, .. } | Challenge::File { domain, .. } => domain,
        }
    }
}

/// Whether `name` is a primary (registrable) domain itself: `example.com`, not
/// `www.example.com`. File validation of one also needs `www.`, and a single-domain
/// certificate for one also covers `www.`.
pub(crate) fn is_primary_domain(name: &str) -> bool {
    psl::domain(name.as_bytes()).is_some_and(|p| p.as_bytes() == name.as_bytes())
}

/// The challenges of an order's domains for a method. A wildcard is validated on its base
/// name, by DNS only unless the product allows file validation for it
/// ([`Product::wildcard_file_validation`]); file validation of a primary (registrable) domain also needs `www.`,
/// and of a `www.` name also the bare name. An IP address is validated by file only (BR
/// 3.2.2.5: no DNS method for an address), at `http://<ip>/.well-known/pki-validation/...`.
pub fn challenges(
    product: &Product,
    names: &[BoundName],
    method: ValidationMethod,
    token: &ValidationToken,
) -> Result<Vec<Challenge>, OrderError> {
    let mut targets: Vec<String> = Vec::new();
    let mut push = |name: String| {
        if !targets.contains(&name) {
            targets.push(name);
        }
    };
    for name in names {
        let d = match name {
            BoundName::Ip(ip) => {
                if method.is_dns() {
                    return Err(OrderError::DnsValidationForIp { ip: *ip });
                }
                push(ip.to_string());
                continue;
            }
            BoundName::Domain(d) => d,
        };
        if d.is_wildcard() && !method.is_dns() && !product.wildcard_file_validation {
            return Err(OrderError::FileValidationForWildcard {
                domain: d.as_str().to_owned(),
            });
        }
        let base = d.base().to_owned();
        if method.is_dns() {
            push(base);
            continue;
        }
        if is_primary_domain(&base) {
            push(base.clone());
            push(format!("www.{base}"));
        } else if let Some(bare) = base.strip_prefix("www.") {
            push(bare.to_owned());
            push(base.clone());
        } else {
            push(base);
        }
    }
    let automatic = matches!(
        method,
        ValidationMethod::DnsAuto | ValidationMethod::DnsProxy | ValidationMethod::FileProxy
    );
    Ok(targets
        .into_iter()
        .map(|domain| {
            if method.is_dns() {
                let record_type = product.dns_record_type();
                let value = match record_type {
                    DnsRecordType::Txt => token.derive("dns", &domain),
                    DnsRecordType::Cname => {
                        format!("{}.{}", token.derive("dns", &domain), product.cname_target)
                    }
                };
                Challenge::Dns {
                    host: format!("{DNS_AUTH_LABEL}.{domain}"),
                    domain,
                    record_type,
                    value,
                    automatic,
                }
            } else {
                // One file for the order's domains (as the vendors do), content per domain.
                let path = format!("{PKI_VALIDATION_PATH}{}.txt", token.derive("file", ""));
                let host = match domain.parse::<std::net::Ipv6Addr>() {
                    Ok(v6) => format!("[{v6}]"),
                    Err(_) => domain.clone(),
                };
                Challenge::File {
                    urls: vec![
                        format!("http://{host}{path}"),
                        format!("https://{host}{path}"),
                    ],
                    content: token.derive("content", &domain),
                    path,
                    domain,
                    automatic,
                }
            }
        })
        .collect())
}

/// What checking one challenge found, with Tencent's `LocalCheck` code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckOutcome {
    /// The record or file is there and right (1).
    Passed,
    /// No TXT record (or the check was rate limited) (-1).
    TxtNotFound,
    /// The TXT record holds another value (-2).
    TxtMismatch,
    /// The domain's name servers were not found (-3).
    NsNotFound,
    /// The file is not there (-4).
    FileNotFound,
    /// The file holds other content (-5).
    FileMismatch,
    /// No CNAME record (-6).
    CnameNotFound,
    /// The CNAME points elsewhere (-7).
    CnameMismatch,
}

impl CheckOutcome {
    /// Tencent's `LocalCheck` value.
    pub fn tencent_local_check(self) -> i32 {
        match self {
            CheckOutcome::Passed => 1,
            CheckOutcome::TxtNotFound => -1,
            CheckOutcome::TxtMismatch => -2,
            CheckOutcome::NsNotFound => -3,
            CheckOutcome::FileNotFound => -4,
            CheckOutcome::FileMismatch => -5,
            CheckOutcome::CnameNotFound => -6,
            CheckOutcome::CnameMismatch => -7,
        }
    }

    /// The outcome of a Tencent `LocalCheck` value.
    pub fn from_tencent_local_check(code: i32) -> Option<Self> {
        Some(match code {
            1 => CheckOutcome::Passed,
            -1 => CheckOutcome::TxtNotFound,
            -2 => CheckOutcome::TxtMismatch,
            -3 => CheckOutcome::NsNotFound,
            -4 => CheckOutcome::FileNotFound,
            -5 => CheckOutcome::FileMismatch,
            -6 => CheckOutcome::CnameNotFound,
            -7 => CheckOutcome::CnameMismatch,
            _ => return None,
        })
    }

    /// What the user should do, in a sentence.
    pub fn message(self) -> &'static str {
        match self {
            CheckOutcome::Passed => "the record or file is in place",
            CheckOutcome::TxtNotFound => {
                "no TXT record was found: add it, or wait for DNS to propagate"
            }
            CheckOutcome::TxtMismatch => "the TXT record holds another value: correct it",
            CheckOutcome::NsNotFound => {
                "the domain's name servers were not found: check its delegation"
            }
            CheckOutcome::FileNotFound => "the validation file was not found at its URL",
            CheckOutcome::FileMismatch => "the validation file holds other content",
            CheckOutcome::CnameNotFound => "no CNAME record was found: add it",
            CheckOutcome::CnameMismatch => "the CNAME record points elsewhere: correct it",
        }
    }
}

/// The CA's own view of the order's domain validation (Tencent's `CaCheck`, reported beside
/// each domain's `LocalCheck`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaCheck {
    /// The CA has not accepted the validation (yet) (-1).
    NotPassed,
    /// The CA accepted it (2).
    Passed,
}

impl CaCheck {
    /// Tencent's `CaCheck` value.
    pub fn tencent_ca_check(self) -> i32 {
        match self {
            CaCheck::NotPassed => -1,
            CaCheck::Passed => 2,
        }
    }
}

/// The result of checking one domain's challenge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainCheck {
    /// The domain.
    pub domain: String,
    /// What was found.
    pub outcome: CheckOutcome,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::{AlgorithmStandard, Brand, DomainType, ValidationType};

    fn names(list: &[&str]) -> Vec<BoundName> {
        list.iter().map(|n| BoundName::parse(n).unwrap()).collect()
    }

    #[test]
    fn an_address_is_validated_by_file_at_its_bracketed_url() {
        let p = Product::free_trustasia_dv();
        let c = challenges(
            &p,
            &names(&["2606:4700::1"]),
            ValidationMethod::File,
            &token(),
        );
        let Ok(c) = c else { panic!("{c:?}") };
        let Challenge::File { urls, .. } = &c[0] else {
            panic!("not a file challenge")
        };
        assert!(urls[0].starts_with("http://[2606:4700::1]/.well-known/pki-validation/"));
        assert!(matches!(
            challenges(
                &p,
                &names(&["1.1.1.1"]),
                ValidationMethod::DnsAuto,
                &token()
            ),
            Err(OrderError::DnsValidationForIp { .. })
        ));
    }

    fn token() -> ValidationToken {
        ValidationToken::from_bytes([7; 16])
    }

    #[test]
    fn dns_record_type_follows_the_brand() {
        let free = Product::free_trustasia_dv();
        let c = challenges(
            &free,
            &names(&["example.com"]),
            ValidationMethod::Dns,
            &token(),
        )
        .unwrap();
        let Challenge::Dns {
            record_type,
            host,
            value,
            ..
        } = &c[0]
        else {
            panic!()
        };
        assert_eq!(*record_type, DnsRecordType::Cname);
        assert_eq!(host, "_dnsauth.example.com");
        assert!(value.ends_with(".dcv.certdesk.invalid"));
        let geo = Product::paid(
            Brand::GeoTrust,
            ValidationType::Dv,
            DomainType::Wildcard,
            AlgorithmStandard::International,
        );
        let c = challenges(
            &geo,
            &names(&["*.example.com"]),
            ValidationMethod::Dns,
            &token(),
        )
        .unwrap();
        let Challenge::Dns {
            record_type,
            host,
            value,
            ..
        } = &c[0]
        else {
            panic!()
        };
        assert_eq!(*record_type, DnsRecordType::Txt);
        assert_eq!(host, "_dnsauth.example.com");
        assert_eq!(value.len(), 32, "128 bits in hex");
    }

    #[test]
    fn file_validation_adds_www_and_the_bare_name_and_refuses_wildcards() {
        let p = Product::free_trustasia_dv();
        let c = challenges(
            &p,
            &names(&["example.com"]),
            ValidationMethod::File,
            &token(),
        )
        .unwrap();
        let domains: Vec<_> = c.iter().map(Challenge::domain).collect();
        assert_eq!(domains, ["example.com", "www.example.com"]);
        let c = challenges(
            &p,
            &names(&["www.example.com"]),
            ValidationMethod::File,
            &token(),
        )
        .unwrap();
        let domains: Vec<_> = c.iter().map(Challenge::domain).collect();
        assert_eq!(domains, ["example.com", "www.example.com"]);
        let c = challenges(
            &p,
            &names(&["shop.example.com"]),
            ValidationMethod::File,
            &token(),
        )
        .unwrap();
        assert_eq!(c.len(), 1);
        let Challenge::File { path, urls, .. } = &c[0] else {
            panic!()
        };
        assert!(path.starts_with("/.well-known/pki-validation/") && path.ends_with(".txt"));
        assert_eq!(urls[0], format!("http://shop.example.com{path}"));
        assert_eq!(urls[1], format!("https://shop.example.com{path}"));
        let err = challenges(
            &p,
            &names(&["*.example.com"]),
            ValidationMethod::File,
            &token(),
        );
        assert!(matches!(
            err,
            Err(OrderError::FileValidationForWildcard { .. })
        ));
    }

    #[test]
    fn values_differ_per_domain_and_token_and_replay_identically() {
        let p = Product::free_trustasia_dv();
        let d = names(&["a.example.com", "b.example.com"]);
        let one = challenges(&p, &d, ValidationMethod::Dns, &token()).unwrap();
        assert_eq!(
            one,
            challenges(&p, &d, ValidationMethod::Dns, &token()).unwrap()
        );
        assert_ne!(one[0], one[1]);
        let other = ValidationToken::random().unwrap();
        assert_ne!(
            one,
            challenges(&p, &d, ValidationMethod::Dns, &other).unwrap()
        );
        let json = serde_json::to_string(&token()).unwrap();
        assert_eq!(
            serde_json::from_str::<ValidationToken>(&json).unwrap(),
            token()
        );
        // Not hex, or multi-byte characters of the right byte length: an error, not a panic.
        let multibyte = format!("中{}", "0".repeat(29));
        assert_eq!(multibyte.len(), 32);
        for bad in [format!("zz{}", "07".repeat(15)), multibyte] {
            let json = serde_json::to_string(&bad).unwrap();
            assert!(
                serde_json::from_str::<ValidationToken>(&json).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn local_check_codes_round_trip() {
        for code in [1, -1, -2, -3, -4, -5, -6, -7] {
            let o = CheckOutcome::from_tencent_local_check(code).unwrap();
            assert_eq!(o.tencent_local_check(), code);
        }
        assert_eq!(CheckOutcome::from_tencent_local_check(0), None);
    }
}
