//! Subject alternative names: domain names (UTS-46, wildcards), IP addresses, e-mail addresses.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};
use serde::{Serialize, Serializer};

mod error;
pub use error::{NameCode, NameError, NameKind};

/// A domain name as a certificate carries it: lower-case A-labels, no trailing dot, labels of
/// at most 63 and a name of at most 253 characters, `*` only as the whole leftmost label.
///
/// Built only through [`DomainName::parse`] (or `FromStr`), so holding one means it is valid.
/// The Unicode form is kept for display: `例子.中国` is stored as `xn--fsqu00a.xn--fiqs8s`
/// and shown as `例子.中国`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DomainName {
    ascii: String,
    unicode: String,
}

/// The longest domain name in A-label form (RFC 1035, less the root dot).
pub const MAX_DOMAIN_LEN: usize = 253;
/// The longest label (RFC 1035).
pub const MAX_LABEL_LEN: usize = 63;

impl DomainName {
    /// Parses what a person typed: Unicode or A-labels, any case, an optional leading `*.`.
    ///
    /// Processing is UTS-46 (nontransitional) with the STD3 rules, which refuse underscores,
    /// spaces and other characters a host name cannot hold. Whether the name may be certified
    /// (internal names, public suffixes) is a rule, checked by the policy layer.
    pub fn parse(input: &str) -> Result<Self, NameError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(NameError::Empty {
                what: NameKind::Domain,
            });
        }
        if trimmed == "*" || trimmed == "*." {
            return Err(NameError::BareWildcard);
        }
        let (wildcard, rest) = match trimmed.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        if rest.contains('*') {
            let base: Vec<&str> = rest
                .rsplit('.')
                .take_while(|l| !l.contains('*'))
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            // Suggest `*.` on what follows the last `*` only when that is a registrable domain:
            // `www.***.com` must not become `*.com`.
            let base = base.join(".");
            let registrable = psl::domain(base.to_ascii_lowercase().as_bytes())
                .is_some_and(|d| d.suffix().is_known());
            return Err(NameError::WildcardNotLeftmost {
                input: input.to_owned(),
                suggestion: if registrable { base } else { String::new() },
            });
        }
        if let Some(without) = rest.strip_suffix('.') {
            let prefix = if wildcard { "*." } else { "" };
            return Err(NameError::TrailingDot {
                input: input.to_owned(),
                suggestion: format!("{prefix}{without}"),
            });
        }
        // Plain LDH names (the common case) map to themselves in lower case under UTS-46;
        // anything else, including `xn--` labels that need validating, takes the full path.
        let plain = is_plain_ldh(rest);
        let ascii = if plain {
            rest.to_ascii_lowercase()
        } else {
            uts46_to_ascii(rest).map_err(|()| NameError::InvalidDomain {
                input: input.to_owned(),
                detail: explain_idna_failure(rest),
            })?
        };
        if ascii.is_empty() || ascii.split('.').any(str::is_empty) {
            return Err(NameError::EmptyLabel {
                input: input.to_owned(),
            });
        }
        if let Some(label) = ascii.split('.').find(|l| l.len() > MAX_LABEL_LEN) {
            return Err(NameError::LabelTooLong {
                input: input.to_owned(),
                label: label.to_owned(),
                len: label.len(),
            });
        }
        let full_len = ascii.len() + if wildcard { 2 } else { 0 };
        if full_len > MAX_DOMAIN_LEN {
            return Err(NameError::DomainTooLong {
                input: input.to_owned(),
                len: full_len,
            });
        }
        if ascii
            .rsplit('.')
            .next()
            .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(NameError::InvalidDomain {
                input: input.to_owned(),
                detail: "the last label is all digits; an IP address belongs in an IP SAN".into(),
            });
        }
        let unicode = if plain {
            ascii.clone()
        } else {
            idna::domain_to_unicode(&ascii).0
        };
        let prefix = if wildcard { "*." } else { "" };
        Ok(DomainName {
            ascii: format!("{prefix}{ascii}"),
            unicode: format!("{prefix}{unicode}"),
        })
    }

    /// The name in lower-case A-labels, with `*.` in front for a wildcard: what a CSR holds.
    pub fn as_str(&self) -> &str {
        &self.ascii
    }

    /// The name in Unicode, for display.
    pub fn unicode(&self) -> &str {
        &self.unicode
    }

    /// Whether the leftmost label is `*`.
    pub fn is_wildcard(&self) -> bool {
        self.ascii.starts_with("*.")
    }

    /// The name without its wildcard label (`example.com` for `*.example.com`).
    pub fn base(&self) -> &str {
        self.ascii.strip_prefix("*.").unwrap_or(&self.ascii)
    }

    /// Whether any label is an IDNA A-label (`xn--`), i.e. the name was typed in Unicode.
    pub fn is_internationalized(&self) -> bool {
        self.ascii.split('.').any(|l| l.starts_with("xn--"))
    }
}

/// Letters, digits, hyphens and dots only, no label starting or ending with a hyphen, no
/// `xn--` label: a name UTS-46 maps to its lower case and nothing else.
fn is_plain_ldh(name: &str) -> bool {
    name.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        && name.split('.').all(|label| {
            !label.starts_with('-')
                && !label.ends_with('-')
                && !label
                    .get(..4)
                    .is_some_and(|p| p.eq_ignore_ascii_case("xn--"))
        })
}

/// UTS-46 (nontransitional, STD3, first/last hyphen checks) to A-labels.
fn uts46_to_ascii(name: &str) -> Result<String, ()> {
    Uts46::new()
        .to_ascii(
            name.as_bytes(),
            AsciiDenyList::STD3,
            Hyphens::CheckFirstLast,
            DnsLength::Ignore,
        )
        .map(std::borrow::Cow::into_owned)
        .map_err(|_| ())
}

fn explain_idna_failure(input: &str) -> String {
    if input.contains('_') {
        "underscores are not allowed in a host name".into()
    } else if input.chars().any(char::is_whitespace) {
        "spaces are not allowed in a domain name".into()
    } else if input
        .split('.')
        .any(|l| l.starts_with('-') || l.ends_with('-'))
    {
        "a label may not start or end with a hyphen".into()
    } else if input.contains('@') {
        "'@' is not allowed (an e-mail address belongs in an e-mail SAN)".into()
    } else if input.contains("://") || input.contains('/') || input.contains(':') {
        "give the host name alone, without scheme, port or path".into()
    } else {
        "it holds characters or labels that UTS-46 (IDNA) does not allow".into()
    }
}

impl FromStr for DomainName {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DomainName::parse(s)
    }
}

impl fmt::Display for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.ascii)
    }
}

impl fmt::Debug for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ascii == self.unicode {
            write!(f, "DomainName({})", self.ascii)
        } else {
            write!(f, "DomainName({} / {})", self.ascii, self.unicode)
        }
    }
}

impl Serialize for DomainName {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.ascii)
    }
}

/// An e-mail address as certificates carry it (`rfc822Name`, `emailAddress`): an ASCII
/// dot-atom local part and a domain in A-labels.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EmailAddress {
    address: String,
}

impl EmailAddress {
    /// Parses `local@domain`. The local part is ASCII `atext` in dot-atom form (RFC 5322), at
    /// most 64 characters; the domain follows [`DomainName::parse`] without a wildcard; the
    /// whole address is at most 254 characters.
    pub fn parse(input: &str) -> Result<Self, NameError> {
        let trimmed = input.trim();
        let invalid = |detail: &str| NameError::InvalidEmail {
            input: input.to_owned(),
            detail: detail.to_owned(),
        };
        if trimmed.is_empty() {
            return Err(NameError::Empty {
                what: NameKind::Email,
            });
        }
        let Some((local, domain)) = trimmed.rsplit_once('@') else {
            return Err(invalid("it has no '@'"));
        };
        if local.is_empty() {
            return Err(invalid("nothing before the '@'"));
        }
        if local.len() > 64 {
            return Err(invalid(
                "the part before the '@' is longer than 64 characters",
            ));
        }
        let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
        if local
            .split('.')
            .any(|atom| atom.is_empty() || !atom.chars().all(atext))
        {
            return Err(invalid(
                "the part before the '@' must be ASCII letters, digits and !#$%&'*+-/=?^_`{|}~ in dot-separated runs",
            ));
        }
        let domain = DomainName::parse(domain).map_err(|e| NameError::InvalidEmail {
            input: input.to_owned(),
            detail: format!("its domain: {e}"),
        })?;
        if domain.is_wildcard() {
            return Err(invalid("its domain is a wildcard"));
        }
        let address = format!("{local}@{}", domain.as_str());
        if address.len() > 254 {
            return Err(invalid("it is longer than 254 characters"));
        }
        Ok(EmailAddress { address })
    }

    /// The address, with its domain in lower-case A-labels.
    pub fn as_str(&self) -> &str {
        &self.address
    }
}

impl FromStr for EmailAddress {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EmailAddress::parse(s)
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.address)
    }
}

impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EmailAddress({})", self.address)
    }
}

impl Serialize for EmailAddress {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.address)
    }
}

/// One subject alternative name certdesk writes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "lowercase")]
pub enum SanEntry {
    /// `dNSName`.
    Dns(DomainName),
    /// `iPAddress`, IPv4 or IPv6.
    Ip(IpAddr),
    /// `rfc822Name`.
    Email(EmailAddress),
}

impl SanEntry {
    /// Reads what a person typed into a SAN box, deciding its type as cfssl does: an
    /// address with `@` is an e-mail, something that parses as an IP address (IPv6 optionally in
    /// brackets) is an IP, anything else is a domain name.
    pub fn parse(input: &str) -> Result<Self, NameError> {
        let trimmed = input.trim();
        if trimmed.contains('@') {
            return EmailAddress::parse(trimmed).map(SanEntry::Email);
        }
        let unbracketed = trimmed
            .strip_prefix('[')
            .and_then(|s| s.strip_suffix(']'))
            .unwrap_or(trimmed);
        if let Ok(ip) = unbracketed.parse::<IpAddr>() {
            return Ok(SanEntry::Ip(ip));
        }
        DomainName::parse(trimmed).map(SanEntry::Dns)
    }

    /// The value as text: the A-label name, the address, the e-mail.
    pub fn value(&self) -> String {
        match self {
            SanEntry::Dns(d) => d.as_str().to_owned(),
            SanEntry::Ip(ip) => ip.to_string(),
            SanEntry::Email(e) => e.as_str().to_owned(),
        }
    }
}

impl FromStr for SanEntry {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SanEntry::parse(s)
    }
}

impl fmt::Display for SanEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SanEntry::Dns(d) => write!(f, "DNS:{d}"),
            SanEntry::Ip(ip) => write!(f, "IP:{ip}"),
            SanEntry::Email(e) => write!(f, "email:{e}"),
        }
    }
}

impl From<DomainName> for SanEntry {
    fn from(d: DomainName) -> Self {
        SanEntry::Dns(d)
    }
}
impl From<IpAddr> for SanEntry {
    fn from(ip: IpAddr) -> Self {
        SanEntry::Ip(ip)
    }
}
impl From<EmailAddress> for SanEntry {
    fn from(e: EmailAddress) -> Self {
        SanEntry::Email(e)
    }
}

/// SANs in the order given, each once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SanList {
    entries: Vec<SanEntry>,
    /// Positions in `entries`, sorted by entry: finds a duplicate in O(log n), so building a
    /// list of a thousand SANs stays linear-logarithmic.
    sorted: Vec<usize>,
}

impl Serialize for SanList {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.entries.serialize(s)
    }
}

impl SanList {
    /// An empty list.
    pub fn new() -> Self {
        SanList::default()
    }

    fn find(&self, entry: &SanEntry) -> Result<usize, usize> {
        self.sorted
            .binary_search_by(|&i| self.entries[i].cmp(entry))
    }

    /// Adds `entry` unless an equal one is present; says whether it was added.
    pub fn push(&mut self, entry: SanEntry) -> bool {
        match self.find(&entry) {
            Ok(_) => false,
            Err(at) => {
                self.sorted.insert(at, self.entries.len());
                self.entries.push(entry);
                true
            }
        }
    }

    /// Puts `entry` first, moving it there if it is already present.
    pub fn push_front(&mut self, entry: SanEntry) {
        self.entries.retain(|e| *e != entry);
        self.entries.insert(0, entry);
        let entries = &self.entries;
        self.sorted = (0..entries.len()).collect();
        self.sorted.sort_by(|&a, &b| entries[a].cmp(&entries[b]));
    }

    /// Whether `entry` is in the list.
    pub fn contains(&self, entry: &SanEntry) -> bool {
        self.find(entry).is_ok()
    }

    /// The entries in order.
    pub fn iter(&self) -> std::slice::Iter<'_, SanEntry> {
        self.entries.iter()
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The DNS names among the entries.
    pub fn dns_names(&self) -> impl Iterator<Item = &DomainName> {
        self.entries.iter().filter_map(|e| match e {
            SanEntry::Dns(d) => Some(d),
            _ => None,
        })
    }
}

impl<'a> IntoIterator for &'a SanList {
    type Item = &'a SanEntry;
    type IntoIter = std::slice::Iter<'a, SanEntry>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter()
    }
}

impl FromIterator<SanEntry> for SanList {
    fn from_iter<I: IntoIterator<Item = SanEntry>>(iter: I) -> Self {
        let mut list = SanList::new();
        for entry in iter {
            list.push(entry);
        }
        list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(input: &str) -> &'static str {
        DomainName::parse(input).unwrap_err().code().as_str()
    }

    #[test]
    fn unicode_names_become_lowercase_a_labels_and_keep_their_display_form() {
        let d = DomainName::parse("例子.中国").unwrap();
        assert_eq!(d.as_str(), "xn--fsqu00a.xn--fiqs8s");
        assert_eq!(d.unicode(), "例子.中国");
        assert!(d.is_internationalized());
        assert_eq!(
            DomainName::parse("WWW.Example.COM").unwrap().as_str(),
            "www.example.com"
        );
        assert_eq!(
            DomainName::parse("Bücher.de").unwrap().as_str(),
            "xn--bcher-kva.de"
        );
    }

    #[test]
    fn wildcard_only_as_whole_leftmost_label() {
        let w = DomainName::parse("*.Example.com").unwrap();
        assert!(w.is_wildcard());
        assert_eq!(w.as_str(), "*.example.com");
        assert_eq!(w.base(), "example.com");
        assert_eq!(code("www.*.example.com"), "domain.wildcard_not_leftmost");
        assert_eq!(code("w*.example.com"), "domain.wildcard_not_leftmost");
        assert_eq!(code("*.*.example.com"), "domain.wildcard_not_leftmost");
        assert_eq!(code("*"), "domain.bare_wildcard");
        let err = DomainName::parse("foo.*.example.com").unwrap_err();
        assert!(err.to_string().contains("*.example.com"), "{err}");
    }

    #[test]
    fn bad_names_get_precise_codes() {
        assert_eq!(code(""), "domain.empty");
        assert_eq!(code("   "), "domain.empty");
        assert_eq!(code("example.com."), "domain.trailing_dot");
        assert_eq!(code("a..example.com"), "domain.empty_label");
        assert_eq!(code(".example.com"), "domain.empty_label");
        assert_eq!(code("_dmarc.example.com"), "domain.invalid");
        assert_eq!(code("-bad.example.com"), "domain.invalid");
        assert_eq!(code("has space.com"), "domain.invalid");
        assert_eq!(code("https://example.com"), "domain.invalid");
        assert_eq!(
            code(&format!("{}.com", "a".repeat(64))),
            "domain.label_too_long"
        );
        let long = vec!["abcdefghi"; 26].join(".");
        assert_eq!(code(&long), "domain.too_long");
        assert_eq!(code("1.2.3.4"), "domain.invalid");
        let e = DomainName::parse("a_b.example.com").unwrap_err();
        assert!(e.to_string().contains("underscore"), "{e}");
    }

    #[test]
    fn longest_names_are_accepted() {
        let label63 = "a".repeat(63);
        assert!(DomainName::parse(&format!("{label63}.com")).is_ok());
        // 4 labels of 61 + 3 dots = 247, plus ".com" = 251 characters.
        let name = format!("{0}.{0}.{0}.{0}.com", "b".repeat(61));
        assert_eq!(name.len(), 251);
        assert!(DomainName::parse(&name).is_ok());
    }

    #[test]
    fn san_entries_are_typed_by_content() {
        assert!(matches!(
            SanEntry::parse("10.0.0.1").unwrap(),
            SanEntry::Ip(_)
        ));
        assert!(matches!(
            SanEntry::parse("[2001:db8::1]").unwrap(),
            SanEntry::Ip(_)
        ));
        assert!(matches!(
            SanEntry::parse("a@example.com").unwrap(),
            SanEntry::Email(_)
        ));
        assert!(matches!(
            SanEntry::parse("example.com").unwrap(),
            SanEntry::Dns(_)
        ));
    }

    #[test]
    fn emails_are_checked() {
        assert_eq!(
            EmailAddress::parse("Admin@Bücher.de").unwrap().as_str(),
            "Admin@xn--bcher-kva.de"
        );
        for bad in [
            "no-at.example.com",
            "@example.com",
            "a..b@example.com",
            "a b@example.com",
            "a@*.example.com",
        ] {
            assert_eq!(
                EmailAddress::parse(bad).unwrap_err().code(),
                "email.invalid",
                "{bad}"
            );
        }
        assert_eq!(EmailAddress::parse(" ").unwrap_err().code(), "email.empty");
    }

    #[test]
    fn san_list_removes_duplicates_keeping_order() {
        let list: SanList = [
            "b.example.com",
            "A.example.com",
            "B.EXAMPLE.COM",
            "10.0.0.1",
            "10.0.0.1",
        ]
        .iter()
        .map(|s| SanEntry::parse(s).unwrap())
        .collect();
        let values: Vec<String> = list.iter().map(SanEntry::value).collect();
        assert_eq!(values, ["b.example.com", "a.example.com", "10.0.0.1"]);
    }

    proptest::proptest! {
        #[test]
        fn plain_names_map_as_uts46_maps_them(name in "[a-zA-Z0-9.-]{1,40}") {
            if is_plain_ldh(&name) {
                proptest::prop_assert_eq!(Ok(name.to_ascii_lowercase()), uts46_to_ascii(&name));
                let (unicode, _) = idna::domain_to_unicode(&name.to_ascii_lowercase());
                proptest::prop_assert_eq!(unicode, name.to_ascii_lowercase());
            }
        }
    }
}
