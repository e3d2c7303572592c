//! The subject of a CSR: typed attributes, RFC 5280 bounds, and the ASN.1 string types OpenSSL
//! and the CAs expect.

use std::fmt;
use std::str::FromStr;

use der::asn1::{Any, Ia5StringRef, PrintableStringRef, Utf8StringRef};

use serde::{Serialize, Serializer};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};

mod error;
pub use error::{FieldError, FieldProblem, SubjectCode, SubjectError};

use crate::oid;
use crate::san::EmailAddress;
use crate::san::{NameError, NameKind};

/// An ISO 3166-1 alpha-2 country code, upper case (`CN`, `US`).
///
/// This type checks the form (two ASCII letters, lower case accepted and normalised); whether
/// the code is assigned is a rule of the policy layer, which also suggests a code for a country
/// name ("China" -> `CN`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// Parses two ASCII letters in any case.
    pub fn parse(input: &str) -> Result<Self, NameError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(NameError::Empty {
                what: NameKind::Country,
            });
        }
        match trimmed.as_bytes() {
            [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => Ok(CountryCode([
                a.to_ascii_uppercase(),
                b.to_ascii_uppercase(),
            ])),
            _ => Err(NameError::InvalidCountry {
                input: input.to_owned(),
            }),
        }
    }

    /// The two upper-case letters.
    pub fn as_str(&self) -> &str {
        // Both bytes are ASCII letters by construction.
        std::str::from_utf8(&self.0).unwrap_or("XX")
    }
}

impl FromStr for CountryCode {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CountryCode::parse(s)
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CountryCode({})", self.as_str())
    }
}

impl Serialize for CountryCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The subject attributes the vendors' forms ask for, in the order they are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SubjectField {
    /// `C`, countryName (2.5.4.6).
    Country,
    /// `ST`, stateOrProvinceName (2.5.4.8), upper bound 128.
    State,
    /// `L`, localityName (2.5.4.7), upper bound 128.
    Locality,
    /// `O`, organizationName (2.5.4.10), upper bound 64.
    Organization,
    /// `OU`, organizationalUnitName (2.5.4.11), upper bound 64.
    OrganizationalUnit,
    /// `CN`, commonName (2.5.4.3), upper bound 64.
    CommonName,
    /// `emailAddress` (PKCS#9, 1.2.840.113549.1.9.1), IA5String, upper bound 255.
    Email,
}

impl SubjectField {
    /// All fields in the order a CSR holds them (OpenSSL's order).
    pub const ALL: [SubjectField; 7] = [
        SubjectField::Country,
        SubjectField::State,
        SubjectField::Locality,
        SubjectField::Organization,
        SubjectField::OrganizationalUnit,
        SubjectField::CommonName,
        SubjectField::Email,
    ];

    /// The short name OpenSSL prints (`C`, `ST`, `L`, `O`, `OU`, `CN`, `emailAddress`).
    pub fn short_name(self) -> &'static str {
        match self {
            SubjectField::Country => "C",
            SubjectField::State => "ST",
            SubjectField::Locality => "L",
            SubjectField::Organization => "O",
            SubjectField::OrganizationalUnit => "OU",
            SubjectField::CommonName => "CN",
            SubjectField::Email => "emailAddress",
        }
    }

    /// The field path rule checks report for it: `subject.country`, `subject.state`,
    /// `subject.locality`, `subject.organization`, `subject.organizational_unit`,
    /// `subject.common_name`, `subject.email`.
    pub fn path(self) -> &'static str {
        match self {
            SubjectField::Country => "subject.country",
            SubjectField::State => "subject.state",
            SubjectField::Locality => "subject.locality",
            SubjectField::Organization => "subject.organization",
            SubjectField::OrganizationalUnit => "subject.organizational_unit",
            SubjectField::CommonName => "subject.common_name",
            SubjectField::Email => "subject.email",
        }
    }

    /// The field whose short name this is (`CN`, `emailAddress`, ...), as a CSR subject
    /// names it.
    pub fn from_short_name(short_name: &str) -> Option<SubjectField> {
        SubjectField::ALL
            .into_iter()
            .find(|f| f.short_name() == short_name)
    }

    /// The RFC 5280 upper bound in characters.
    pub fn max_chars(self) -> usize {
        match self {
            SubjectField::Country => 2,
            SubjectField::State | SubjectField::Locality => 128,
            SubjectField::Organization
            | SubjectField::OrganizationalUnit
            | SubjectField::CommonName => 64,
            SubjectField::Email => 255,
        }
    }

    pub(crate) fn oid(self) -> const_oid::ObjectIdentifier {
        match self {
            SubjectField::Country => oid::COUNTRY,
            SubjectField::State => oid::STATE,
            SubjectField::Locality => oid::LOCALITY,
            SubjectField::Organization => oid::ORGANIZATION,
            SubjectField::OrganizationalUnit => oid::ORGANIZATIONAL_UNIT,
            SubjectField::CommonName => oid::COMMON_NAME,
            SubjectField::Email => oid::EMAIL_ADDRESS,
        }
    }
}

/// A CSR subject whose every attribute is valid: trimmed, non-empty, without control
/// characters, within RFC 5280's bounds. Built with [`Subject::builder`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Subject {
    #[serde(rename = "C", skip_serializing_if = "Option::is_none")]
    country: Option<CountryCode>,
    #[serde(rename = "ST", skip_serializing_if = "Option::is_none")]
    state: Option<String>,
    #[serde(rename = "L", skip_serializing_if = "Option::is_none")]
    locality: Option<String>,
    #[serde(rename = "O", skip_serializing_if = "Option::is_none")]
    organization: Option<String>,
    #[serde(rename = "OU", skip_serializing_if = "Option::is_none")]
    organizational_unit: Option<String>,
    #[serde(rename = "CN", skip_serializing_if = "Option::is_none")]
    common_name: Option<String>,
    #[serde(rename = "emailAddress", skip_serializing_if = "Option::is_none")]
    email: Option<EmailAddress>,
}

impl Subject {
    /// Starts an empty subject.
    pub fn builder() -> SubjectBuilder {
        SubjectBuilder::default()
    }

    /// `C`.
    pub fn country(&self) -> Option<CountryCode> {
        self.country
    }
    /// `ST`.
    pub fn state(&self) -> Option<&str> {
        self.state.as_deref()
    }
    /// `L`.
    pub fn locality(&self) -> Option<&str> {
        self.locality.as_deref()
    }
    /// `O`.
    pub fn organization(&self) -> Option<&str> {
        self.organization.as_deref()
    }
    /// `OU`.
    pub fn organizational_unit(&self) -> Option<&str> {
        self.organizational_unit.as_deref()
    }
    /// `CN`.
    pub fn common_name(&self) -> Option<&str> {
        self.common_name.as_deref()
    }
    /// `emailAddress`.
    pub fn email(&self) -> Option<&EmailAddress> {
        self.email.as_ref()
    }

    /// The value of one field, as text.
    pub fn get(&self, field: SubjectField) -> Option<&str> {
        match field {
            SubjectField::Country => self.country.as_ref().map(CountryCode::as_str),
            SubjectField::State => self.state(),
            SubjectField::Locality => self.locality(),
            SubjectField::Organization => self.organization(),
            SubjectField::OrganizationalUnit => self.organizational_unit(),
            SubjectField::CommonName => self.common_name(),
            SubjectField::Email => self.email.as_ref().map(EmailAddress::as_str),
        }
    }

    /// Whether no attribute is set.
    pub fn is_empty(&self) -> bool {
        SubjectField::ALL.iter().all(|f| self.get(*f).is_none())
    }

    pub(crate) fn set_common_name(&mut self, cn: String) {
        self.common_name = Some(cn);
    }

    /// The X.509 `Name`: one attribute per RDN in [`SubjectField::ALL`] order; C as
    /// PrintableString, emailAddress as IA5String, the rest PrintableString when every
    /// character fits it and UTF8String otherwise.
    pub(crate) fn to_name(&self) -> der::Result<Name> {
        let mut rdns = RdnSequence::default();
        for field in SubjectField::ALL {
            let Some(value) = self.get(field) else {
                continue;
            };
            let encoded = match field {
                SubjectField::Email => Any::encode_from(&Ia5StringRef::new(value)?)?,
                _ if is_printable(value) => Any::encode_from(&PrintableStringRef::new(value)?)?,
                _ => Any::encode_from(&Utf8StringRef::new(value)?)?,
            };
            let atv = AttributeTypeAndValue {
                oid: field.oid(),
                value: encoded,
            };
            rdns.push(RelativeDistinguishedName::try_from(vec![atv])?);
        }
        // Every value above is a PrintableString, UTF8String or IA5String of a checked
        // field, as RFC 5280 asks: the sequence is the name, without encoding and decoding it
        // again to have the `der` crate check so.
        Ok(Name::hazmat_from_rdn_sequence(rdns))
    }
}

/// PrintableString's alphabet (X.680): `A-Z a-z 0-9 ' ( ) + , - . / : = ?` and space.
pub(crate) fn is_printable(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || " '()+,-./:=?".contains(c))
}

/// Collects subject attributes as typed; [`build`](SubjectBuilder::build) checks them all and
/// reports every problem at once.
#[derive(Clone, Debug, Default)]
pub struct SubjectBuilder {
    values: Vec<(SubjectField, String)>,
}

impl SubjectBuilder {
    /// Sets any attribute: the same as the named setters.
    pub fn field(self, field: SubjectField, value: impl Into<String>) -> Self {
        self.set(field, value)
    }

    fn set(mut self, field: SubjectField, value: impl Into<String>) -> Self {
        self.values.retain(|(f, _)| *f != field);
        self.values.push((field, value.into()));
        self
    }

    /// `C`: two letters, any case.
    pub fn country(self, value: impl Into<String>) -> Self {
        self.set(SubjectField::Country, value)
    }
    /// `ST`: state or province.
    pub fn state(self, value: impl Into<String>) -> Self {
        self.set(SubjectField::State, value)
    }
    /// `L`: city or locality.
    pub fn locality(self, value: impl Into<String>) -> Self {
        self.set(SubjectField::Locality, value)
    }
    /// `O`: organization.
    pub fn organization(self, value: impl Into<String>) -> Self {
        self.set(SubjectField::Organization, value)
    }
    /// `OU`: department.
    pub fn organizational_unit(self, value: impl Into<String>) -> Self {
        self.set(SubjectField::OrganizationalUnit, value)
    }
    /// `CN`: usually the primary domain name.
    pub fn common_name(self, value: impl Into<String>) -> Self {
        self.set(SubjectField::CommonName, value)
    }
    /// `emailAddress`.
    pub fn email(self, value: impl Into<String>) -> Self {
        self.set(SubjectField::Email, value)
    }

    /// Checks every attribute and returns the subject, or every problem found.
    pub fn build(self) -> Result<Subject, SubjectError> {
        let mut subject = Subject::default();
        let mut errors = Vec::new();
        for (field, raw) in self.values {
            let stored = check_value(field, &raw).and_then(|value| {
                match field {
                    SubjectField::Country => {
                        subject.country =
                            Some(CountryCode::parse(&value).map_err(FieldProblem::Invalid)?);
                    }
                    SubjectField::Email => {
                        subject.email =
                            Some(EmailAddress::parse(&value).map_err(FieldProblem::Invalid)?);
                    }
                    SubjectField::State => subject.state = Some(value),
                    SubjectField::Locality => subject.locality = Some(value),
                    SubjectField::Organization => subject.organization = Some(value),
                    SubjectField::OrganizationalUnit => subject.organizational_unit = Some(value),
                    SubjectField::CommonName => subject.common_name = Some(value),
                }
                Ok(())
            });
            if let Err(problem) = stored {
                errors.push(FieldError { field, problem });
            }
        }
        if errors.is_empty() {
            Ok(subject)
        } else {
            errors.sort_by_key(|e| SubjectField::ALL.iter().position(|f| *f == e.field));
            Err(SubjectError(errors))
        }
    }
}

fn check_value(field: SubjectField, raw: &str) -> Result<String, FieldProblem> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(FieldProblem::Empty);
    }
    if let Some(c) = value.chars().find(|c| c.is_control()) {
        return Err(FieldProblem::ControlCharacter(u32::from(c)));
    }
    let len = value.chars().count();
    if field != SubjectField::Country && len > field.max_chars() {
        return Err(FieldProblem::TooLong {
            len,
            max: field.max_chars(),
        });
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_is_normalised_to_upper_case() {
        assert_eq!(CountryCode::parse("cn").unwrap().as_str(), "CN");
        assert_eq!(
            CountryCode::parse("China").unwrap_err().code(),
            "country.invalid"
        );
        assert_eq!(
            CountryCode::parse("C1").unwrap_err().code(),
            "country.invalid"
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let err = Subject::builder()
            .common_name("   ")
            .organization("x".repeat(65))
            .locality("Bei\njing")
            .country("China")
            .email("not-an-email")
            .build()
            .unwrap_err();
        let got: Vec<(&str, &str)> = err
            .0
            .iter()
            .map(|e| (e.path(), e.code().as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("subject.country", "country.invalid"),
                ("subject.locality", "subject.control_character"),
                ("subject.organization", "subject.too_long"),
                ("subject.common_name", "subject.empty"),
                ("subject.email", "email.invalid"),
            ]
        );
    }

    #[test]
    fn bounds_are_counted_in_characters() {
        // 64 Chinese characters are 192 bytes of UTF-8 but within the bound of 64.
        let name = "腾".repeat(64);
        assert!(
            Subject::builder()
                .organization(name.clone())
                .build()
                .is_ok()
        );
        let err = Subject::builder()
            .organization(name + "讯")
            .build()
            .unwrap_err();
        assert_eq!(err.0[0].problem, FieldProblem::TooLong { len: 65, max: 64 });
    }

    #[test]
    fn printable_alphabet() {
        assert!(is_printable("Example Co., Ltd. (HQ)"));
        assert!(!is_printable("*.example.com"));
        assert!(!is_printable("a@b"));
        assert!(!is_printable("深圳"));
    }
}
