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

/// The ICANN-section public suffix `name` falls under (`io` for `foo.github.io`, whose longest
/// suffix, `github.io`, is in the private section), when its top-level domain is a known one.
fn icann_suffix(name: &str) -> Option<String> {
    let mut rest = name;
    loop {
        let suffix = psl::suffix(rest.as_bytes())?;
        if !suffix.is_known() {
            return None;
        }
        if suffix.typ() == Some(Type::Icann) {
            return Some(String::from_utf8_lossy(suffix.as_bytes()).into_owned());
        }
        // A private suffix is registered under an ICANN one: look again without its first
        // label.
        let text = std::str::from_utf8(suffix.as_bytes()).ok()?;
        rest = text.split_once('.')?.1;
    }
}

/// Checks a domain name that already parsed: every violation at once.
///
/// - `domain.internal`: its top-level domain is not in the ICANN section of the public suffix
///   list (`localhost`, `.local`, `.internal`, `.lan`, ...), so no CA can validate it;
/// - `domain.public_suffix`: the name is itself an ICANN public suffix (`com`, `co.uk`); a
///   private-section suffix (`github.io`) is a name registered under one, and certifiable, as
///   are the names under it (`foo.github.io`);
/// - `san.wildcard_on_public_suffix`: `*.` directly on a public suffix of either section
///   (`*.com`, `*.com.cn`, `*.github.io`);
/// - `domain.reverse_dns`: a name under `in-addr.arpa` or `ip6.arpa`;
/// - `domain.reserved_hyphens`: a label with `--` in its third and fourth characters that is
///   not an IDNA A-label (`xn--`).
pub fn check_domain(field: &str, name: &DomainName) -> Vec<Violation> {
    let mut found = Vec::new();
    let base = name.base();
    let suffix = psl::suffix(base.as_bytes());
    let icann = icann_suffix(base);
    if icann.is_none() {
        let tld = base.rsplit('.').next().unwrap_or(base);
        found.push(Violation::error(
            field,
            PolicyCode::DomainInternal,
            format!(
                "{} is an internal name: .{tld} is not a top-level domain in the public DNS, so no public CA can validate it",
                name.unicode()
            ),
        ));
    } else if name.is_wildcard()
        && let Some(suffix) = suffix.filter(|s| s.as_bytes() == base.as_bytes())
    {
        // A private-section suffix (github.io) counts here: under it, each name belongs to
        // someone else (BR 3.2.2.6).
        let suffix = String::from_utf8_lossy(suffix.as_bytes()).into_owned();
        found.push(Violation::error(
            field,
            PolicyCode::SanWildcardOnPublicSuffix,
            format!("{name} puts a wildcard directly on the public suffix {suffix}; use a domain registered under it, as in *.example.{suffix}"),
        ));
    } else if icann.as_deref() == Some(base) {
        found.push(Violation::error(
            field,
            PolicyCode::DomainPublicSuffix,
            format!(
                "{name} is a public suffix, not a domain someone registers; name a domain under it"
            ),
        ));
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
    fn names_under_private_section_suffixes_are_public_and_certifiable() {
        for ok in [
            "foo.github.io",
            "github.io",
            "x.cloudfront.net",
            "www.foo.github.io",
            "*.foo.github.io",
        ] {
            assert!(codes(ok).is_empty(), "{ok}: {:?}", codes(ok));
        }
        // A wildcard directly on a private-section suffix covers other people's names.
        assert_eq!(codes("*.github.io"), ["san.wildcard_on_public_suffix"]);
        assert_eq!(icann_suffix("foo.github.io").as_deref(), Some("io"));
        assert_eq!(icann_suffix("printer.lan"), None);
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
