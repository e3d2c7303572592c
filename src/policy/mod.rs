//! Rule checks on what a person typed: each check reports every violation at once, each with
//! the field it concerns, a stable code, a severity and a message (with a suggestion where one
//! exists).
//!
//! This module holds the rules that do not depend on a vendor (countries, domain names, IP
//! addresses); the vendor profiles build on them.

mod check;
mod country;
mod domain;
mod free;
mod info;
pub(crate) use info::check_phone;
mod ip;
mod profile;

use std::fmt;

use serde::Serialize;

pub use check::{CsrForm, Report};
pub use country::{check_country, country_name};
pub use domain::check_domain;
pub use free::check_free;
pub use info::{
    Contact, LETTER_MAX_BYTES, LetterFormat, LetterRules, OrderInfo, Organization, Person,
};
pub use ip::{check_ip, reserved_range};
pub use profile::{
    FreeRules, KeyOffer, NameCharset, NameRule, PasswordRule, Presence, Profile, RsaSizes, SanKinds,
};

/// How serious a violation is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The vendor or CA would refuse the request.
    Error,
    /// The request may pass, but a CA review might refuse it or a feature will not work.
    Warning,
}

/// One broken rule, with where and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// Field path (`subject.C`, `sans[2]`) or the vendor's parameter name (`KeyParameter`).
    pub field: String,
    /// Stable machine-readable code (`country.unknown`, `san.wildcard_on_public_suffix`).
    pub code: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// A sentence a person understands, naming what was found and what is expected.
    pub message: String,
    /// The value the input most likely meant, when there is one (`CN` for "China").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
}

impl Violation {
    /// An error-severity violation.
    pub fn error(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Violation {
            field: field.into(),
            code,
            severity: Severity::Error,
            message: message.into(),
            suggestion: None,
        }
    }

    /// A warning-severity violation.
    pub fn warning(
        field: impl Into<String>,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Violation {
            severity: Severity::Warning,
            ..Violation::error(field, code, message)
        }
    }

    /// Adds a suggestion.
    pub fn suggest(mut self, suggestion: impl Into<String>) -> Self {
        self.suggestion = Some(suggestion.into());
        self
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)?;
        if let Some(s) = &self.suggestion {
            write!(f, " (did you mean {s}?)")?;
        }
        Ok(())
    }
}
