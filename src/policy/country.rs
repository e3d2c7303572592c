//! ISO 3166-1 alpha-2 country codes, from the `celes` crate's table of the ISO list.

use celes::LookupTable;

use crate::policy::PolicyCode;
use crate::policy::Violation;
use crate::san::NameCode;
use crate::subject::CountryCode;

/// `XX`: the code the CA/B Forum Baseline Requirements (7.1.4.2.2) use when a subject has no
/// country.
const NO_COUNTRY: &str = "XX";

/// Codes in `celes`' table that ISO 3166-1 has not assigned (user-assigned `XK`, Kosovo).
const NOT_ISO_ASSIGNED: &[&str] = &["XK"];

/// Names people type that the ISO table does not hold, to suggest a code for. Chinese names are
/// here because the vendors' own example passes "China" and their users type 中国.
const EXTRA_NAMES: &[(&str, &str)] = &[
    ("uk", "GB"),
    ("england", "GB"),
    ("britain", "GB"),
    ("korea", "KR"),
    ("southkorea", "KR"),
    ("northkorea", "KP"),
    ("russia", "RU"),
    ("vietnam", "VN"),
    ("中国", "CN"),
    ("中华人民共和国", "CN"),
    ("中国大陆", "CN"),
    ("香港", "HK"),
    ("中国香港", "HK"),
    ("澳门", "MO"),
    ("中国澳门", "MO"),
    ("台湾", "TW"),
    ("中国台湾", "TW"),
    ("美国", "US"),
    ("英国", "GB"),
    ("日本", "JP"),
    ("韩国", "KR"),
    ("新加坡", "SG"),
    ("德国", "DE"),
    ("法国", "FR"),
    ("加拿大", "CA"),
    ("澳大利亚", "AU"),
];

/// The English short name of an assigned ISO 3166-1 alpha-2 code (`CN` -> "China"), or
/// "no country" for `XX`; `None` for a code ISO has not assigned.
pub fn country_name(code: &str) -> Option<&'static str> {
    let upper = code.to_ascii_uppercase();
    if upper == NO_COUNTRY {
        return Some("no country");
    }
    if NOT_ISO_ASSIGNED.contains(&upper.as_str()) {
        return None;
    }
    celes::Country::get_countries()
        .iter()
        .find(|c| c.alpha2 == upper)
        .map(|c| c.long_name)
}

fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The code a country name, alias or alpha-3 code stands for.
fn suggest(input: &str) -> Option<&'static str> {
    let key = fold(input);
    if key.is_empty() {
        return None;
    }
    if let Some((_, code)) = EXTRA_NAMES.iter().find(|(name, _)| fold(name) == key) {
        return Some(code);
    }
    celes::Country::get_countries()
        .iter()
        .filter(|c| !NOT_ISO_ASSIGNED.contains(&c.alpha2))
        .find(|c| {
            fold(c.alpha3) == key
                || fold(c.long_name) == key
                || fold(c.long_name).strip_prefix("the") == Some(key.as_str())
                || c.aliases.iter().any(|a| fold(a) == key)
        })
        .map(|c| c.alpha2)
}

/// Checks a country as a person typed it: one of the 249 assigned ISO 3166-1 alpha-2 codes or
/// `XX`, in any case. A country name, alias or alpha-3 code gets a suggestion ("China" -> `CN`,
/// "CHN" -> `CN`, "中国" -> `CN`).
pub fn check_country(field: &str, input: &str) -> Result<CountryCode, Violation> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(Violation::error(
            field,
            NameCode::CountryEmpty,
            "the country is empty",
        ));
    }
    if let Ok(code) = CountryCode::parse(trimmed) {
        if country_name(code.as_str()).is_some() {
            return Ok(code);
        }
        let violation = Violation::error(
            field,
            PolicyCode::CountryUnknown,
            format!(
                "{trimmed:?} is not an ISO 3166-1 alpha-2 code that ISO has assigned; use XX when there is none"
            ),
        );
        let suggestion = if NOT_ISO_ASSIGNED.contains(&code.as_str()) {
            Some(NO_COUNTRY)
        } else {
            suggest(trimmed)
        };
        return Err(match suggestion {
            Some(s) => violation.suggest(s),
            None => violation,
        });
    }
    let violation = Violation::error(
        field,
        PolicyCode::CountryUnknown,
        format!("{trimmed:?} is not a two-letter ISO 3166-1 country code such as CN or US"),
    );
    Err(match suggest(trimmed) {
        Some(code) => violation.suggest(code),
        None => violation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_249_assigned_codes_and_xx_are_accepted() {
        let accepted = celes::Country::get_countries()
            .iter()
            .filter(|c| check_country("C", c.alpha2).is_ok())
            .count();
        assert_eq!(accepted, 249);
        assert_eq!(check_country("C", "xx").unwrap().as_str(), "XX");
        assert_eq!(check_country("C", " cn ").unwrap().as_str(), "CN");
    }

    #[test]
    fn names_and_alpha3_codes_get_a_suggestion() {
        for (input, code) in [
            ("China", "CN"),
            ("CHN", "CN"),
            ("中国", "CN"),
            ("United States", "US"),
            ("Hong Kong", "HK"),
            ("UK", "GB"),
            ("germany", "DE"),
        ] {
            let v = check_country("subject.C", input).unwrap_err();
            assert_eq!(v.code.as_str(), "country.unknown", "{input}");
            assert_eq!(v.suggestion.as_deref(), Some(code), "{input}");
            assert_eq!(v.field, "subject.C");
        }
    }

    #[test]
    fn unassigned_codes_are_refused() {
        let v = check_country("C", "ZZ").unwrap_err();
        assert_eq!(v.code.as_str(), "country.unknown");
        assert_eq!(v.suggestion, None);
        let v = check_country("C", "XK").unwrap_err();
        assert_eq!(v.suggestion.as_deref(), Some("XX"));
        assert_eq!(check_country("C", "").unwrap_err().code, "country.empty");
    }
}
