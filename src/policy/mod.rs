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
mod tags;

use std::fmt;

use serde::Serialize;

use crate::code::{Code, codes};

codes! {
    /// The codes of rule [`Violation`]s on what a certificate names and carries (beside the
    /// [`NameCode`](crate::NameCode)s, [`KeySpecCode`](crate::KeySpecCode)s and
    /// [`CsrQualifiedCode`](crate::CsrQualifiedCode)s a rule check also reports).
    pub enum PolicyCode {
        CnNotAName = "cn.not_a_name",
        CnNotInSans = "cn.not_in_sans",
        CountryNameConverted = "country.name_converted",
        CountryUnknown = "country.unknown",
        DomainInternal = "domain.internal",
        DomainPublicSuffix = "domain.public_suffix",
        DomainReservedHyphens = "domain.reserved_hyphens",
        DomainReverseDns = "domain.reverse_dns",
        FreeDomainTooLong = "free.domain_too_long",
        FreeReviewSuffix = "free.review_suffix",
        FreeScreeningWord = "free.screening_word",
        FreeSuffixRefused = "free.suffix_refused",
        FreeValidity = "free.validity",
        HashNotOffered = "hash.not_offered",
        InfoControlCharacter = "info.control_character",
        InfoRequired = "info.required",
        InfoTooLong = "info.too_long",
        IpReserved = "ip.reserved",
        KeyMismatch = "key.mismatch",
        KeyNotOffered = "key.not_offered",
        KeyPasswordNotDeployable = "key.password_not_deployable",
        LetterFormat = "letter.format",
        LetterTooLarge = "letter.too_large",
        LetterTooSmall = "letter.too_small",
        NameInvalidCharacters = "name.invalid_characters",
        NameTooLong = "name.too_long",
        PhoneInvalid = "phone.invalid",
        PhoneNotLandline = "phone.not_landline",
        SanMissing = "san.missing",
        SanTooMany = "san.too_many",
        SanTypeNotAllowed = "san.type_not_allowed",
        SanWildcardNotAllowed = "san.wildcard_not_allowed",
        SanWildcardOnPublicSuffix = "san.wildcard_on_public_suffix",
        SubjectDropped = "subject.dropped",
        SubjectNotAllowed = "subject.not_allowed",
        SubjectPlaceholder = "subject.placeholder",
        SubjectRequired = "subject.required",
        PolicyViolations = "policy.violations",
    }
}

codes! {
    /// The codes of [`Violation`]s on an API call's parameters rather than on a certificate: the
    /// request body, ids, paging, tags, remarks, saved profiles, validation and download
    /// options.
    pub enum ParamCode {
        JsonInvalidType = "json.invalid_type",
        JsonMalformed = "json.malformed",
        JsonMissingParameter = "json.missing_parameter",
        JsonTooLarge = "json.too_large",
        JsonUnknownParameter = "json.unknown_parameter",
        CsrIdInvalid = "csr_id.invalid",
        CsrIdNone = "csr_id.none",
        CsrIdTooMany = "csr_id.too_many",
        PageLimitOutOfRange = "page.limit_out_of_range",
        PageOutOfRange = "page.out_of_range",
        TagDuplicateKey = "tag.duplicate_key",
        TagKeyMissing = "tag.key_missing",
        AliasTooLong = "alias.too_long",
        AliasControlCharacter = "alias.control_character",
        PostalCodeInvalid = "postal_code.invalid",
        PersonNameIncomplete = "person.name_incomplete",
        DetailInvalid = "detail.invalid",
        TagKeyTooLong = "tag.key_too_long",
        TagTooMany = "tag.too_many",
        TagValueTooLong = "tag.value_too_long",
        RemarkControlCharacter = "remark.control_character",
        RemarkTooLong = "remark.too_long",
        ProfileNameControlCharacter = "profile.name_control_character",
        ProfileNameMissing = "profile.name_missing",
        ProfileNameTooLong = "profile.name_too_long",
        ProfileNotFound = "profile.not_found",
        ProfileTooMany = "profile.too_many",
        DvDeleteRecordNeedsDnsAuto = "dv.delete_record_needs_dns_auto",
        DvUnknownMethod = "dv.unknown_method",
        ValidationNoDnsProvider = "validation.no_dns_provider",
        ValidationNotDnsAuto = "validation.not_dns_auto",
        OrderNotDeletable = "order.not_deletable",
        LetterNotNeeded = "letter.not_needed",
        ValidationNotOnDnsProvider = "validation.not_on_dns_provider",
        OrderNotIssued = "order.not_issued",
        DownloadPasswordRequired = "download.password_required",
        ValueNotAllowed = "param.value_not_allowed",
        OrderIdInvalid = "order_id.invalid",
        LetterNotBase64 = "letter.not_base64",
        AccessKeyNotFound = "access_key.not_found",
        AccessKeyInvalid = "access_key.invalid",
    }
}

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
pub use tags::{MAX_TAG_KEY_CHARS, MAX_TAG_VALUE_CHARS, MAX_TAGS, check_tags};

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
    pub code: Code,
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
    pub fn error(
        field: impl Into<String>,
        code: impl Into<Code>,
        message: impl Into<String>,
    ) -> Self {
        Violation {
            field: field.into(),
            code: code.into(),
            severity: Severity::Error,
            message: message.into(),
            suggestion: None,
        }
    }

    /// A warning-severity violation.
    pub fn warning(
        field: impl Into<String>,
        code: impl Into<Code>,
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
