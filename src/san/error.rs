//! Names that cannot be read: domain names, e-mail addresses, IP addresses, country codes.

use std::fmt;

use crate::code::{Coded, codes};

codes! {
    /// The codes of [`NameError`].
    pub enum NameCode {
        /// An empty domain name.
        DomainEmpty = "domain.empty",
        /// Over 253 octets.
        DomainTooLong = "domain.too_long",
        /// A label over 63 octets.
        LabelTooLong = "domain.label_too_long",
        /// Two dots in a row or a leading dot.
        EmptyLabel = "domain.empty_label",
        /// A trailing dot.
        TrailingDot = "domain.trailing_dot",
        /// `*` not as the whole leftmost label.
        WildcardNotLeftmost = "domain.wildcard_not_leftmost",
        /// `*` alone.
        BareWildcard = "domain.bare_wildcard",
        /// Not a host name.
        DomainInvalid = "domain.invalid",
        /// An empty e-mail address.
        EmailEmpty = "email.empty",
        /// Not an e-mail address.
        EmailInvalid = "email.invalid",
        /// An empty country.
        CountryEmpty = "country.empty",
        /// Not two letters.
        CountryInvalid = "country.invalid",
        /// An empty IP address.
        IpEmpty = "ip.empty",
    }
}

/// The kind of name a [`NameError::Empty`] concerns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NameKind {
    /// A domain name.
    Domain,
    /// An e-mail address.
    Email,
    /// A country code.
    Country,
    /// An IP address.
    Ip,
}

impl fmt::Display for NameKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameKind::Domain => "domain name",
            NameKind::Email => "e-mail address",
            NameKind::Country => "country",
            NameKind::Ip => "IP address",
        })
    }
}

fn wildcard_hint(suggestion: &str) -> String {
    if suggestion.is_empty() {
        "; a wildcard stands for one whole leftmost label, as in *.example.com".to_owned()
    } else {
        format!("; write it as *.{suggestion}")
    }
}

/// A value a person typed that cannot be a domain name, IP address, e-mail address or country code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// Nothing but whitespace.
    #[error("the {what} is empty")]
    Empty {
        /// What kind of value.
        what: NameKind,
    },
    /// A domain name longer than 253 octets in A-label form.
    #[error("domain name {input:?} is {len} characters as A-labels; at most 253 are allowed")]
    DomainTooLong {
        /// What was given.
        input: String,
        /// Its length in A-label form.
        len: usize,
    },
    /// A label longer than 63 octets in A-label form.
    #[error(
        "label {label:?} of {input:?} is {len} characters as an A-label; at most 63 are allowed"
    )]
    LabelTooLong {
        /// What was given.
        input: String,
        /// The long label.
        label: String,
        /// Its length.
        len: usize,
    },
    /// Two dots in a row, or a leading dot.
    #[error("domain name {input:?} has an empty label")]
    EmptyLabel {
        /// What was given.
        input: String,
    },
    /// A trailing dot (the DNS root) is not written in certificates.
    #[error("domain name {input:?} ends with a dot; write it as {suggestion:?}")]
    TrailingDot {
        /// What was given.
        input: String,
        /// The name without the dot.
        suggestion: String,
    },
    /// `*` anywhere but as the whole leftmost label.
    #[error("wildcard in {input:?} is not the whole leftmost label{}", wildcard_hint(.suggestion))]
    WildcardNotLeftmost {
        /// What was given.
        input: String,
        /// The base a wildcard could sit on.
        suggestion: String,
    },
    /// `*` with nothing under it.
    #[error("a wildcard needs a domain under it, as in *.example.com")]
    BareWildcard,
    /// A character a host name cannot hold (underscore, space, ...), or a label UTS-46 refuses.
    #[error("{input:?} is not a valid domain name: {detail}")]
    InvalidDomain {
        /// What was given.
        input: String,
        /// What is wrong.
        detail: String,
    },
    /// Not an e-mail address of the form `local@domain`.
    #[error("{input:?} is not a valid e-mail address: {detail}")]
    InvalidEmail {
        /// What was given.
        input: String,
        /// What is wrong.
        detail: String,
    },
    /// Not two ASCII letters.
    #[error("country {input:?} is not a two-letter ISO 3166-1 code such as CN or US")]
    InvalidCountry {
        /// What was given.
        input: String,
    },
}

impl NameError {
    /// The stable code.
    pub fn code(&self) -> NameCode {
        match self {
            NameError::Empty { what } => match what {
                NameKind::Email => NameCode::EmailEmpty,
                NameKind::Country => NameCode::CountryEmpty,
                NameKind::Ip => NameCode::IpEmpty,
                NameKind::Domain => NameCode::DomainEmpty,
            },
            NameError::DomainTooLong { .. } => NameCode::DomainTooLong,
            NameError::LabelTooLong { .. } => NameCode::LabelTooLong,
            NameError::EmptyLabel { .. } => NameCode::EmptyLabel,
            NameError::TrailingDot { .. } => NameCode::TrailingDot,
            NameError::WildcardNotLeftmost { .. } => NameCode::WildcardNotLeftmost,
            NameError::BareWildcard => NameCode::BareWildcard,
            NameError::InvalidDomain { .. } => NameCode::DomainInvalid,
            NameError::InvalidEmail { .. } => NameCode::EmailInvalid,
            NameError::InvalidCountry { .. } => NameCode::CountryInvalid,
        }
    }
}

impl Coded for NameError {
    fn code(&self) -> &'static str {
        NameError::code(self).as_str()
    }
}
