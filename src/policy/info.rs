//! What an OV or EV application adds to a CSR: the organization, its administrator and contact,
//! and the signed confirmation letter (Tencent certificate application guide, "Submit
//! information" and "Upload the confirmation letter").

use serde::{Deserialize, Serialize};

use crate::policy::PolicyCode;
use crate::policy::Violation;
use crate::san::EmailAddress;

/// The organization applying (OV/EV): its full legal name, department, city, address and
/// landline number.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Organization {
    /// Full name as on the business license, in English or Chinese.
    pub name: String,
    /// Department.
    pub department: String,
    /// City.
    pub city: String,
    /// Province or state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    /// Street address.
    pub address: String,
    /// Landline number; the CA calls it during review.
    pub phone: String,
}

/// A person the CA can reach: the administrator, or the contact.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Person {
    /// Full name.
    pub name: String,
    /// Position in the organization.
    pub position: String,
    /// Phone number.
    pub phone: String,
    /// E-mail address.
    pub email: String,
}

/// The contact: another person, or the administrator again ("Same as the admin").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Contact {
    /// The administrator is also the contact.
    SameAsAdmin,
    /// Someone else.
    Person(Person),
}

/// The information an OV or EV application submits beside its CSR.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderInfo {
    /// The organization.
    pub organization: Organization,
    /// Its administrator.
    pub admin: Person,
    /// The contact.
    pub contact: Contact,
}

impl OrderInfo {
    /// The contact person, resolving "same as admin".
    pub fn contact_person(&self) -> &Person {
        match &self.contact {
            Contact::SameAsAdmin => &self.admin,
            Contact::Person(p) => p,
        }
    }

    /// Checks every field at once: required values, lengths, phone numbers, e-mail addresses.
    /// Paths are `organization.name`, `admin.email`, `contact.phone`, ...
    pub fn check(&self) -> Vec<Violation> {
        let mut found = Vec::new();
        let o = &self.organization;
        text(&mut found, "organization.name", &o.name, 128, true);
        text(
            &mut found,
            "organization.department",
            &o.department,
            64,
            true,
        );
        text(&mut found, "organization.city", &o.city, 128, true);
        if let Some(p) = &o.province {
            text(&mut found, "organization.province", p, 128, false);
        }
        text(&mut found, "organization.address", &o.address, 256, true);
        if phone(&mut found, "organization.phone", &o.phone) && looks_mobile(&o.phone) {
            found.push(Violation::warning(
                "organization.phone",
                PolicyCode::PhoneNotLandline,
                format!(
                    "{:?} looks like a mobile number; the CA calls the organization's landline during review",
                    o.phone.trim()
                ),
            ));
        }
        person(&mut found, "admin", &self.admin);
        if let Contact::Person(p) = &self.contact {
            person(&mut found, "contact", p);
        }
        found
    }
}

fn person(found: &mut Vec<Violation>, prefix: &str, p: &Person) {
    text(found, &format!("{prefix}.name"), &p.name, 64, true);
    text(found, &format!("{prefix}.position"), &p.position, 64, true);
    phone(found, &format!("{prefix}.phone"), &p.phone);
    let field = format!("{prefix}.email");
    if p.email.trim().is_empty() {
        found.push(required(&field));
    } else if let Err(e) = EmailAddress::parse(&p.email) {
        found.push(Violation::error(field, e.code(), e.to_string()));
    }
}

fn required(field: &str) -> Violation {
    Violation::error(
        field,
        PolicyCode::InfoRequired,
        format!("{field} is required"),
    )
}

fn text(found: &mut Vec<Violation>, field: &str, value: &str, max: usize, needed: bool) {
    let value = value.trim();
    if value.is_empty() {
        if needed {
            found.push(required(field));
        }
        return;
    }
    let len = value.chars().count();
    if len > max {
        found.push(Violation::error(
            field,
            PolicyCode::InfoTooLong,
            format!("{field} is {len} characters; at most {max} are allowed"),
        ));
    }
    if let Some(c) = value.chars().find(|c| c.is_control()) {
        found.push(Violation::error(
            field,
            PolicyCode::InfoControlCharacter,
            format!("{field} holds the control character U+{:04X}", u32::from(c)),
        ));
    }
}

/// Checks a phone number: digits, optionally a leading `+`, with spaces, hyphens, dots or
/// parentheses between; 5 to 20 digits. Returns whether it is valid.
fn phone(found: &mut Vec<Violation>, field: &str, value: &str) -> bool {
    if value.trim().is_empty() {
        found.push(required(field));
        return false;
    }
    match check_phone(field, value) {
        Some(v) => {
            found.push(v);
            false
        }
        None => true,
    }
}

/// The violation for a given phone number that is not one (see [`OrderInfo::check`]).
pub(crate) fn check_phone(field: &str, value: &str) -> Option<Violation> {
    let value = value.trim();
    let body = value.strip_prefix('+').unwrap_or(value);
    let digits = body.chars().filter(char::is_ascii_digit).count();
    let well_formed = body
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')'));
    (!well_formed || !(5..=20).contains(&digits)).then(|| {
        Violation::error(
            field,
            PolicyCode::PhoneInvalid,
            format!(
                "{value:?} is not a phone number: use digits (5 to 20), optionally a leading + and an area code, as in +86 755 8601 3388"
            ),
        )
    })
}

/// A mainland China mobile number: 11 digits starting with 1, after an optional +86.
fn looks_mobile(value: &str) -> bool {
    let digits: String = value.chars().filter(char::is_ascii_digit).collect();
    let national = if value.trim().starts_with('+') {
        digits.strip_prefix("86").unwrap_or("")
    } else {
        digits.as_str()
    };
    national.len() == 11 && national.starts_with('1')
}

/// A confirmation letter's file format, recognised by its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LetterFormat {
    /// JPEG image.
    Jpeg,
    /// PNG image.
    Png,
    /// GIF image.
    Gif,
    /// PDF document.
    Pdf,
}

impl LetterFormat {
    /// Recognises a format from the file's first bytes (its signature), whatever its name.
    pub fn sniff(bytes: &[u8]) -> Option<LetterFormat> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(LetterFormat::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(LetterFormat::Png)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(LetterFormat::Gif)
        } else if bytes.starts_with(b"%PDF-") {
            Some(LetterFormat::Pdf)
        } else {
            None
        }
    }

    /// The format's usual name (`JPG`, `PNG`, `GIF`, `PDF`).
    pub fn name(self) -> &'static str {
        match self {
            LetterFormat::Jpeg => "JPG",
            LetterFormat::Png => "PNG",
            LetterFormat::Gif => "GIF",
            LetterFormat::Pdf => "PDF",
        }
    }
}

/// What a product accepts as a confirmation letter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LetterRules {
    /// The formats accepted.
    pub formats: Vec<LetterFormat>,
    /// The largest file, in bytes.
    pub max_bytes: usize,
    /// The smallest file, in bytes (a smaller scan is unreadable).
    pub min_bytes: usize,
}

/// 1.4 MB, counted as 1,400,000 bytes: the stricter reading, so that a letter certdesk accepts
/// is never refused for its size.
pub const LETTER_MAX_BYTES: usize = 1_400_000;

impl LetterRules {
    /// Most brands: JPG, PNG or PDF, at most 1.4 MB, at least 1 KB.
    pub fn standard() -> Self {
        LetterRules {
            formats: vec![LetterFormat::Jpeg, LetterFormat::Png, LetterFormat::Pdf],
            max_bytes: LETTER_MAX_BYTES,
            min_bytes: 1024,
        }
    }

    /// DNSPod GM (SM2) certificates: JPG, GIF or PDF, at most 1.4 MB.
    pub fn dnspod_gm() -> Self {
        LetterRules {
            formats: vec![LetterFormat::Jpeg, LetterFormat::Gif, LetterFormat::Pdf],
            ..LetterRules::standard()
        }
    }

    /// Checks an uploaded letter by its content: format and size, every problem at once.
    pub fn check(&self, bytes: &[u8]) -> Result<LetterFormat, Vec<Violation>> {
        const FIELD: &str = "confirmation_letter";
        let mut found = Vec::new();
        if bytes.len() > self.max_bytes {
            found.push(Violation::error(
                FIELD,
                PolicyCode::LetterTooLarge,
                format!(
                    "the confirmation letter is {} bytes; at most {} are accepted (scan at a lower resolution or save as a smaller PDF)",
                    bytes.len(),
                    self.max_bytes
                ),
            ));
        } else if bytes.len() < self.min_bytes {
            found.push(Violation::error(
                FIELD,
                PolicyCode::LetterTooSmall,
                format!(
                    "the confirmation letter is {} bytes; a legible scan is at least {}",
                    bytes.len(),
                    self.min_bytes
                ),
            ));
        }
        let accepted: Vec<&str> = self.formats.iter().map(|f| f.name()).collect();
        let format = LetterFormat::sniff(bytes);
        match format {
            Some(f) if self.formats.contains(&f) => {}
            Some(f) => found.push(Violation::error(
                FIELD,
                PolicyCode::LetterFormat,
                format!(
                    "the confirmation letter is a {} file; this product takes {}",
                    f.name(),
                    accepted.join(", ")
                ),
            )),
            None => found.push(Violation::error(
                FIELD,
                PolicyCode::LetterFormat,
                format!(
                    "the confirmation letter is not a {} file (its content was checked, not its name)",
                    accepted.join(", ")
                ),
            )),
        }
        match format {
            Some(f) if found.is_empty() => Ok(f),
            _ => Err(found),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> OrderInfo {
        OrderInfo {
            organization: Organization {
                name: "Example Technology Co., Ltd.".into(),
                department: "IT".into(),
                city: "Shenzhen".into(),
                province: Some("Guangdong".into()),
                address: "1 Example Road, Nanshan".into(),
                phone: "+86 755 8601 3388".into(),
            },
            admin: Person {
                name: "Li Lei".into(),
                position: "CTO".into(),
                phone: "13800138000".into(),
                email: "lilei@example.com".into(),
            },
            contact: Contact::SameAsAdmin,
        }
    }

    #[test]
    fn complete_information_passes_and_same_as_admin_resolves() {
        let i = info();
        assert!(i.check().is_empty(), "{:?}", i.check());
        assert_eq!(i.contact_person(), &i.admin);
    }

    #[test]
    fn every_problem_is_reported_with_its_path() {
        let mut i = info();
        i.organization.name = " ".into();
        i.organization.phone = "13800138000".into();
        i.admin.email = "lilei".into();
        i.contact = Contact::Person(Person {
            phone: "call me".into(),
            ..Person::default()
        });
        let got: Vec<_> = i
            .check()
            .iter()
            .map(|v| (v.field.clone(), v.code.as_str()))
            .collect();
        let expect = [
            ("organization.name", "info.required"),
            ("organization.phone", "phone.not_landline"),
            ("admin.email", "email.invalid"),
            ("contact.name", "info.required"),
            ("contact.position", "info.required"),
            ("contact.phone", "phone.invalid"),
            ("contact.email", "info.required"),
        ];
        let got: Vec<(&str, &str)> = got.iter().map(|(f, c)| (f.as_str(), *c)).collect();
        assert_eq!(got, expect);
    }

    #[test]
    fn letters_are_recognised_by_content() {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.resize(4096, 0);
        let mut gif = b"GIF89a".to_vec();
        gif.resize(4096, 0);
        let mut pdf = b"%PDF-1.7\n".to_vec();
        pdf.resize(4096, b' ');
        let mut jpg = vec![0xFF, 0xD8, 0xFF, 0xE0];
        jpg.resize(4096, 0);
        let std = LetterRules::standard();
        let gm = LetterRules::dnspod_gm();
        assert_eq!(std.check(&png), Ok(LetterFormat::Png));
        assert_eq!(std.check(&jpg), Ok(LetterFormat::Jpeg));
        assert_eq!(std.check(&pdf), Ok(LetterFormat::Pdf));
        assert_eq!(std.check(&gif).unwrap_err()[0].code, "letter.format");
        assert_eq!(gm.check(&gif), Ok(LetterFormat::Gif));
        assert_eq!(gm.check(&png).unwrap_err()[0].code, "letter.format");
        let mut zip = b"PK\x03\x04".to_vec();
        zip.resize(4096, 0);
        assert_eq!(std.check(&zip).unwrap_err()[0].code, "letter.format");
    }

    #[test]
    fn letters_are_between_1_kb_and_1_4_mb() {
        let std = LetterRules::standard();
        let mut big = b"%PDF-1.7\n".to_vec();
        big.resize(LETTER_MAX_BYTES, b' ');
        assert!(std.check(&big).is_ok());
        big.push(b' ');
        assert_eq!(std.check(&big).unwrap_err()[0].code, "letter.too_large");
        let tiny = b"%PDF-1.7\n".to_vec();
        assert_eq!(std.check(&tiny).unwrap_err()[0].code, "letter.too_small");
        let codes: Vec<_> = std
            .check(b"")
            .unwrap_err()
            .iter()
            .map(|v| v.code.as_str())
            .collect();
        assert_eq!(codes, ["letter.too_small", "letter.format"]);
    }
}
