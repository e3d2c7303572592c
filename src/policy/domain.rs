//! Rules on domain names beyond their syntax: internal names, public suffixes, reverse-DNS
//! names and reserved hyphen positions (CA/B Forum Baseline Requirements 7.1.4.2.1 and 3.2.2.6),
//! with the public suffix list compiled in by the `psl` crate.

use psl::Type;

use crate::policy::PolicyCode;
use crate::policy::Violation;
use crate::san::DomainName;
use crate::san::NameError;

impl Violation {
    /// The violation for a value that is not a domain name at all (the syntax errors of
    /// [`DomainName::parse`]), with a suggestion where the error has one.
    pub fn from_name_error(field: impl Into<String>, error: &NameError) -> Self {
        let violation = Violation::error(field, error.code(), error.to_string());
        match error {
            NameError::TrailingDot { suggestion, .. } => violation.suggest(suggestion.clone()),
            NameError::WildcardNotLeftmost { suggestion, .. } if !suggestion.is_empty() => {
                violation.suggest(format!("*.{suggestion}"))
            }
            _ => violation,
        }
    }
}

/// Checks a domain name that already parsed: every violation at once.
///
/// - `domain.internal`: its top-level domain is not in the ICANN section of the public suffix
///   list (`localhost`, `.local`, `.internal`, `.lan`, ...), so no CA can validate it;
/// - `domain.public_suffix`: the name is itself a public suffix (`com`, `co.uk`);
/// - `san.wildcard_on_public_suffix`: `*.` directly on a public suffix (`*.com`, `*.com.cn`);
/// - `domain.reverse_dns`: a name under `in-addr.arpa` or `ip6.arpa`;
/// - `domain.reserved_hyphens`: a label with `--` in its third and fourth characters that is
///   not an IDNA A-label (`xn--`).
pub fn check_domain(field: &str, name: &DomainName) -> Vec<Violation> {
    let mut found = Vec::new();
    let base = name.base();
    let suffix = psl::suffix(base.as_bytes());
    let icann = suffix.is_some_and(|s| s.typ() == Some(Type::Icann) && s.is_known());
    if !icann {
        let tld = base.rsplit('.').next().unwrap_or(base);
        found.push(Violation::error(
            field,
            PolicyCode::DomainInternal,
            format!(
                "{} is an internal name: .{tld} is not a top-level domain in the public DNS, so no public CA can validate it",
                name.unicode()
            ),
        ));
    } else if let Some(suffix) = suffix.filter(|s| s.as_bytes() == base.as_bytes()) {
        let suffix = String::from_utf8_lossy(suffix.as_bytes()).into_owned();
        if name.is_wildcard() {
            found.push(Violation::error(
                field,
                PolicyCode::SanWildcardOnPublicSuffix,
                format!("{name} puts a wildcard directly on the public suffix {suffix}; use a domain registered under it, as in *.example.{suffix}"),
            ));
        } else {
            found.push(Violation::error(
                field,
                PolicyCode::DomainPublicSuffix,
                format!("{name} is a public suffix, not a domain someone registers; name a domain under it"),
            ));
        }
    }
    if base.ends_with(".in-addr.arpa") || base.ends_with(".ip6.arpa") {
        found.push(Violation::error(
            field,
            PolicyCode::DomainReverseDns,
            format!("{name} is a reverse-DNS name; certify the IP address as an IP SAN instead"),
        ));
    }
    if let Some(label) = base
        .split('.')
        .find(|l| l.get(2..4) == Some("--") && !l.starts_with("xn--"))
    {
        found.push(Violation::error(
            field,
            PolicyCode::DomainReservedHyphens,
            format!("label {label:?} of {name} has \"--\" in its third and fourth characters, which only IDNA A-labels (xn--) may"),
        ));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(input: &str) -> Vec<&'static str> {
        check_domain("sans[0]", &DomainName::parse(input).unwrap())
            .iter()
            .map(|v| v.code.as_str())
            .collect()
    }

    #[test]
    fn registered_names_and_wildcards_under_them_pass() {
        for ok in [
            "example.com",
            "www.example.com.cn",
            "*.example.co.uk",
            "例子.中国",
            "xn--bcher-kva.de",
            "a.b.c.example.org",
        ] {
            assert!(codes(ok).is_empty(), "{ok}: {:?}", codes(ok));
        }
    }

    #[test]
    fn internal_names_are_refused() {
        for internal in [
            "localhost",
            "printer.local",
            "db.internal",
            "router.lan",
            "example.invalidtld",
        ] {
            assert_eq!(codes(internal), ["domain.internal"], "{internal}");
        }
    }

    #[test]
    fn wildcard_directly_on_public_suffix_is_refused() {
        assert_eq!(codes("*.com"), ["san.wildcard_on_public_suffix"]);
        assert_eq!(codes("*.com.cn"), ["san.wildcard_on_public_suffix"]);
        assert_eq!(codes("*.co.uk"), ["san.wildcard_on_public_suffix"]);
        let v = &check_domain("sans[1]", &DomainName::parse("*.com").unwrap())[0];
        assert_eq!(v.field, "sans[1]");
    }

    #[test]
    fn bare_public_suffix_is_refused() {
        assert_eq!(codes("co.uk"), ["domain.public_suffix"]);
        assert_eq!(codes("com"), ["domain.public_suffix"]);
    }

    #[test]
    fn reverse_dns_and_reserved_hyphens_are_refused() {
        assert_eq!(codes("1.2.0.192.in-addr.arpa"), ["domain.reverse_dns"]);
        assert_eq!(codes("ab--cd.example.com"), ["domain.reserved_hyphens"]);
    }

    #[test]
    fn syntax_errors_become_violations_with_suggestions() {
        let err = DomainName::parse("example.com.").unwrap_err();
        let v = Violation::from_name_error("Domain", &err);
        assert_eq!(
            (v.code.as_str(), v.suggestion.as_deref()),
            ("domain.trailing_dot", Some("example.com"))
        );
        let err = DomainName::parse("www.*.example.com").unwrap_err();
        let v = Violation::from_name_error("sans[2]", &err);
        assert_eq!(v.code.as_str(), "domain.wildcard_not_leftmost");
        assert_eq!(v.suggestion.as_deref(), Some("*.example.com"));
    }
}
