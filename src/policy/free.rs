//! The free-certificate rules on the bound domain (Tencent's free TrustAsia DV certificate).

use crate::policy::PolicyCode;
use crate::policy::Violation;
use crate::policy::profile::FreeRules;
use crate::san::DomainName;

/// Checks the domain a free certificate binds. Returns the violations and the names the
/// certificate will also cover (`www.` of a bound apex domain).
///
/// Wildcards, IP addresses and the one-domain limit are the profile's general rules
/// ([`Profile::wildcards`](crate::policy::Profile::wildcards), ...); this adds the free
/// product's own: `free.domain_too_long`, `free.suffix_refused`, and the warnings
/// `free.screening_word` and `free.review_suffix` for what the CA's security review refuses.
pub fn check_free(
    field: &str,
    name: &DomainName,
    rules: &FreeRules,
) -> (Vec<Violation>, Vec<String>) {
    let mut found = Vec::new();
    let mut covers = Vec::new();
    let base = name.base();
    let len = name.as_str().len();
    if len > rules.max_domain_chars {
        found.push(Violation::error(
            field,
            PolicyCode::FreeDomainTooLong,
            format!(
                "{name} is {len} characters; a free certificate's domain has at most {}",
                rules.max_domain_chars
            ),
        ));
    }
    let has_suffix = |suffix: &str| {
        let suffix = suffix.trim_start_matches('.').to_ascii_lowercase();
        !suffix.is_empty()
            && (base == suffix
                || base
                    .strip_suffix(suffix.as_str())
                    .is_some_and(|rest| rest.ends_with('.')))
    };
    if let Some(suffix) = rules.refused_suffixes.iter().find(|s| has_suffix(s)) {
        found.push(Violation::error(
            field,
            PolicyCode::FreeSuffixRefused,
            format!(
                "domains under .{} cannot have a free certificate; buy a paid certificate for {name}",
                suffix.trim_start_matches('.')
            ),
        ));
    }
    if let Some(suffix) = rules.review_refused_suffixes.iter().find(|s| has_suffix(s)) {
        found.push(Violation::warning(
            field,
            PolicyCode::FreeReviewSuffix,
            format!(
                "the CA's security review refuses free certificates under .{}",
                suffix.trim_start_matches('.')
            ),
        ));
    }
    // The screening words are looked for left of the public suffix: `example.com.cn` is
    // screened on `example`.
    let registrable_part = match psl::suffix(base.as_bytes()) {
        Some(s) if s.as_bytes().len() < base.len() => &base[..base.len() - s.as_bytes().len() - 1],
        _ => base,
    };
    let words: Vec<&str> = rules
        .screening_words
        .iter()
        .map(String::as_str)
        .filter(|w| !w.is_empty() && registrable_part.contains(&w.to_ascii_lowercase()))
        .collect();
    if !words.is_empty() {
        found.push(Violation::warning(
            field,
            PolicyCode::FreeScreeningWord,
            format!(
                "{name} contains {}, which the CA's security review of free certificates may refuse",
                words
                    .iter()
                    .map(|w| format!("{w:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    if rules.apex_covers_www
        && !name.is_wildcard()
        && psl::domain(base.as_bytes()).is_some_and(|d| d.as_bytes() == base.as_bytes())
    {
        covers.push(format!("www.{base}"));
    }
    (found, covers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(name: &str) -> (Vec<(&'static str, crate::policy::Severity)>, Vec<String>) {
        let (found, covers) = check_free(
            "sans[0]",
            &DomainName::parse(name).unwrap(),
            &FreeRules::tencent(),
        );
        (
            found
                .iter()
                .map(|v| (v.code.as_str(), v.severity))
                .collect(),
            covers,
        )
    }

    #[test]
    fn refused_suffixes_match_whole_labels() {
        assert_eq!(check("school.edu").0[0].0, "free.suffix_refused");
        assert_eq!(check("shop.ru").0[0].0, "free.suffix_refused");
        assert!(check("wedu.cn").0.is_empty());
        assert!(check("docs.dnspod.cn").0.is_empty());
    }

    #[test]
    fn the_list_is_data_and_extends() {
        let mut rules = FreeRules::tencent();
        rules.refused_suffixes.push("edu.cn".into());
        let (found, _) = check_free("d", &DomainName::parse("pku.edu.cn").unwrap(), &rules);
        assert_eq!(found[0].code, "free.suffix_refused");
    }

    #[test]
    fn screening_words_and_pw_are_warnings() {
        use crate::policy::Severity::Warning;
        assert_eq!(check("mytest.com").0, [("free.screening_word", Warning)]);
        assert_eq!(check("paystation.cn").0, [("free.screening_word", Warning)]);
        assert_eq!(check("shop.pw").0, [("free.review_suffix", Warning)]);
        // The suffix itself is not screened: .com.cn holds no word, .live is refused instead.
        assert!(check("shop.com.cn").0.is_empty());
    }

    #[test]
    fn at_most_64_characters() {
        let long = format!("{}.com", "a".repeat(61));
        assert_eq!(check(&long).0[0].0, "free.domain_too_long");
        let ok = format!("{}.com", "a".repeat(60));
        assert!(check(&ok).0.is_empty());
    }

    #[test]
    fn an_apex_domain_also_covers_www() {
        assert_eq!(check("tencent.com").1, ["www.tencent.com"]);
        assert_eq!(check("example.com.cn").1, ["www.example.com.cn"]);
        assert!(check("ssl.tencent.com").1.is_empty());
    }
}
