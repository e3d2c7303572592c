//! What the application forms collect beside the CSR, the domains and the organization: the
//! free form's application e-mail, alias, tags, project, `DeleteDnsAutoRecord` and
//! `ValidityPeriod`; the paid form's company type, postal code, phone area code and the
//! administrator's and contact's first and last names. Kept on the order and in its events.

use serde::{Deserialize, Serialize};

use crate::policy::{ParamCode, Violation};
use crate::san::EmailAddress;

/// An alias (Tencent `Alias`): at most this many characters.
pub const MAX_ALIAS_CHARS: usize = 200;

/// A free-text detail (a phone, a name, an area code): at most this many characters.
pub const MAX_DETAIL_CHARS: usize = 64;

/// Whether the applicant is an organization or a person (the paid form's company type).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompanyType {
    /// An organization.
    Organization,
    /// An individual.
    Individual,
}

/// A person's name as the paid form takes it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PersonName {
    /// First (given) name (`AdminFirstName`, `ContactFirstName`).
    pub first: String,
    /// Last (family) name (`AdminLastName`, `ContactLastName`).
    pub last: String,
}

/// A tag on an order.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OrderTag {
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
}

/// The details an application carries beside its CSR, domains and organization.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApplicationDetails {
    /// The application e-mail (Tencent `ContactEmail`: "Application email").
    pub contact_email: Option<String>,
    /// The applicant's phone (`ContactPhone`).
    pub contact_phone: Option<String>,
    /// The certificate's alias (`Alias`, at most [`MAX_ALIAS_CHARS`] characters).
    pub alias: Option<String>,
    /// Tags (`Tags`).
    pub tags: Vec<OrderTag>,
    /// The project (`ProjectId`).
    pub project_id: Option<u64>,
    /// Delete the automatic DNS record once the certificate is issued
    /// (`DeleteDnsAutoRecord`).
    pub delete_dns_auto_record: bool,
    /// The validity asked for, in months (`ValidityPeriod`).
    pub validity_period: Option<u32>,
    /// Organization or individual.
    pub company_type: Option<CompanyType>,
    /// The organization's postal code (`PostalCode`).
    pub postal_code: Option<String>,
    /// The phone's area code (`PhoneAreaCode`).
    pub phone_area_code: Option<String>,
    /// The administrator's first and last names.
    pub admin_name: Option<PersonName>,
    /// The contact's first and last names.
    pub contact_name: Option<PersonName>,
    /// The organization's country, as submitted (`OrganizationCountry`; a CSR made here
    /// names it in C).
    pub organization_country: Option<String>,
}

impl ApplicationDetails {
    /// Every rule the details break, with the field it concerns.
    pub fn check(&self) -> Vec<Violation> {
        let mut found = Vec::new();
        if let Some(email) = self
            .contact_email
            .as_deref()
            .filter(|e| !e.trim().is_empty())
            && let Err(e) = EmailAddress::parse(email)
        {
            found.push(Violation::error("contact_email", e.code(), e.to_string()));
        }
        if let Some(alias) = &self.alias {
            let n = alias.chars().count();
            if n > MAX_ALIAS_CHARS {
                found.push(Violation::error(
                    "alias",
                    ParamCode::AliasTooLong,
                    format!("the alias is {n} characters; at most {MAX_ALIAS_CHARS}"),
                ));
            }
            if alias.chars().any(char::is_control) {
                found.push(Violation::error(
                    "alias",
                    ParamCode::AliasControlCharacter,
                    "the alias holds a control character",
                ));
            }
        }
        found.extend(crate::policy::check_tags(
            self.tags.iter().map(|t| (t.key.as_str(), t.value.as_str())),
        ));
        let texts = [
            ("contact_phone", self.contact_phone.as_deref()),
            ("phone_area_code", self.phone_area_code.as_deref()),
            (
                "admin_name.first",
                self.admin_name.as_ref().map(|n| n.first.as_str()),
            ),
            (
                "admin_name.last",
                self.admin_name.as_ref().map(|n| n.last.as_str()),
            ),
            (
                "contact_name.first",
                self.contact_name.as_ref().map(|n| n.first.as_str()),
            ),
            (
                "contact_name.last",
                self.contact_name.as_ref().map(|n| n.last.as_str()),
            ),
        ];
        for (field, text) in texts {
            let Some(text) = text else { continue };
            let n = text.chars().count();
            if n > MAX_DETAIL_CHARS || text.chars().any(char::is_control) {
                found.push(Violation::error(
                    field,
                    ParamCode::DetailInvalid,
                    format!(
                        "at most {MAX_DETAIL_CHARS} characters and no control character ({n} given)"
                    ),
                ));
            }
        }
        if let Some(code) = &self.postal_code
            && (code.chars().count() > 20
                || !code
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-'))
        {
            found.push(Violation::error(
                "postal_code",
                ParamCode::PostalCodeInvalid,
                format!(
                    "{code:?} is not a postal code: up to 20 letters, digits, spaces or hyphens"
                ),
            ));
        }
        if let Some(country) = self.organization_country.as_deref()
            && let Err(v) = crate::policy::check_country("organization_country", country)
        {
            found.push(v);
        }
        for (field, name) in [
            ("admin_name", &self.admin_name),
            ("contact_name", &self.contact_name),
        ] {
            if let Some(name) = name
                && (name.first.trim().is_empty() || name.last.trim().is_empty())
            {
                found.push(Violation::error(
                    field,
                    ParamCode::PersonNameIncomplete,
                    "both the first and the last name are needed",
                ));
            }
        }
        found
    }
}
