//! Why an order refused a command.

use crate::code::codes;

use crate::key::KeyKind;
use crate::order::{AlgorithmStandard, CommandName, StateName, ValidationMethod};
use crate::policy::{LetterFormat, Violation};

codes! {
    /// The codes of [`OrderError`].
    pub enum OrderCode {
        DnsValidationForIp = "order.dns_validation_for_ip",
        DomainsDoNotFit = "order.domains_do_not_fit",
        FileValidationForWildcard = "order.file_validation_for_wildcard",
        FreeNotRenewable = "order.free_not_renewable",
        IllegalTransition = "order.illegal_transition",
        InvalidCertificate = "order.invalid_certificate",
        InvalidDomain = "order.invalid_domain",
        InvalidInformation = "order.invalid_information",
        KeyDoesNotFit = "order.key_does_not_fit",
        LetterFormat = "order.letter_format",
        MissingInformation = "order.missing_information",
        MethodNotOffered = "order.method_not_offered",
        MissingMethod = "order.missing_method",
        NotRefundable = "order.not_refundable",
        NotRenewable = "order.not_renewable",
        NotUpgradable = "order.not_upgradable",
        UnknownDomain = "order.unknown_domain",
        UpgradeChangesDomains = "order.upgrade_changes_domains",
        Random = "order.random",
    }
}

/// Why a command was refused. The order is unchanged.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OrderError {
    /// The command is not allowed in the order's state.
    #[error("{command} is not allowed while the order is {state}")]
    IllegalTransition {
        /// The state's name.
        state: StateName,
        /// The command's name.
        command: CommandName,
    },
    /// A domain is not a domain name.
    #[error("{domain:?} cannot be bound: {reason}")]
    InvalidDomain {
        /// What was given.
        domain: String,
        /// Why.
        reason: String,
    },
    /// The domains do not fit the product's domain type.
    #[error("{detail}")]
    DomainsDoNotFit {
        /// What is wrong.
        detail: String,
    },
    /// The CSR's key is not of the product's algorithm standard.
    #[error("the CSR's key is {key} but the product is {standard:?}: {}", if *.standard == AlgorithmStandard::Gm { "an SM2 key is needed" } else { "an RSA or ECDSA key is needed" })]
    KeyDoesNotFit {
        /// The CSR's key.
        key: KeyKind,
        /// The product's standard.
        standard: AlgorithmStandard,
    },
    /// OV and EV orders need organization, administrator and contact information.
    #[error("an OV or EV order needs the organization, administrator and contact information")]
    MissingInformation,
    /// The information breaks rules.
    #[error("the information is incomplete: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    InvalidInformation(Vec<Violation>),
    /// The free application needs its validation method and token.
    #[error("the application needs a validation method and a validation token")]
    MissingMethod,
    /// The product does not offer this validation method.
    #[error("{} validation is not offered for this product; choose {}", .method.tencent_name(), .offered.iter().map(|m| m.tencent_name()).collect::<Vec<_>>().join(", "))]
    MethodNotOffered {
        /// The method chosen.
        method: ValidationMethod,
        /// What the product offers.
        offered: Vec<ValidationMethod>,
    },
    /// An IP address is validated by file only.
    #[error(
        "{ip} is an IP address: it can only be validated by file (there is no DNS method for an address)"
    )]
    DnsValidationForIp {
        /// The address.
        ip: std::net::IpAddr,
    },
    /// Wildcards are validated by DNS only.
    #[error("{domain} is a wildcard: it can only be validated by DNS")]
    FileValidationForWildcard {
        /// The wildcard.
        domain: String,
    },
    /// The letter's format is not one the product takes.
    #[error("the confirmation letter is {found:?}; this product takes {accepted:?}")]
    LetterFormat {
        /// Its format.
        found: LetterFormat,
        /// What the product takes.
        accepted: Vec<LetterFormat>,
    },
    /// A check names a domain the order does not validate.
    #[error("{domain} is not one of the domains this order validates")]
    UnknownDomain {
        /// The domain.
        domain: String,
    },
    /// A certificate whose validity ends before it starts.
    #[error("the certificate's validity ends before it starts")]
    InvalidCertificate,
    /// The product's free certificates are not renewed: apply for a new one.
    #[error(
        "a free certificate cannot be renewed: apply for a new free certificate for the domain, or upgrade to a paid one"
    )]
    FreeNotRenewable,
    /// Renewal is not possible now.
    #[error("the order cannot be renewed: {0}")]
    NotRenewable(String),
    /// An upgrade must keep the bound domains.
    #[error("an upgrade keeps the bound domains {expected:?}")]
    UpgradeChangesDomains {
        /// The bound domains.
        expected: Vec<String>,
    },
    /// Only an issued free certificate can be upgraded.
    #[error("only an issued free certificate can be upgraded to a paid one")]
    NotUpgradable,
    /// A free order has nothing to refund.
    #[error("a free certificate has nothing to refund")]
    NotRefundable,
    /// The operating system's random generator failed.
    #[error("no random bytes: {0}")]
    Random(String),
}

impl OrderError {
    /// Stable code: `order.illegal_transition`, `order.invalid_domain`, ...
    pub fn code(&self) -> OrderCode {
        match self {
            OrderError::IllegalTransition { .. } => OrderCode::IllegalTransition,
            OrderError::InvalidDomain { .. } => OrderCode::InvalidDomain,
            OrderError::DomainsDoNotFit { .. } => OrderCode::DomainsDoNotFit,
            OrderError::KeyDoesNotFit { .. } => OrderCode::KeyDoesNotFit,
            OrderError::MissingInformation => OrderCode::MissingInformation,
            OrderError::InvalidInformation(_) => OrderCode::InvalidInformation,
            OrderError::MissingMethod => OrderCode::MissingMethod,
            OrderError::DnsValidationForIp { .. } => OrderCode::DnsValidationForIp,
            OrderError::MethodNotOffered { .. } => OrderCode::MethodNotOffered,
            OrderError::FileValidationForWildcard { .. } => OrderCode::FileValidationForWildcard,
            OrderError::LetterFormat { .. } => OrderCode::LetterFormat,
            OrderError::UnknownDomain { .. } => OrderCode::UnknownDomain,
            OrderError::InvalidCertificate => OrderCode::InvalidCertificate,
            OrderError::NotRenewable(_) => OrderCode::NotRenewable,
            OrderError::FreeNotRenewable => OrderCode::FreeNotRenewable,
            OrderError::UpgradeChangesDomains { .. } => OrderCode::UpgradeChangesDomains,
            OrderError::NotUpgradable => OrderCode::NotUpgradable,
            OrderError::NotRefundable => OrderCode::NotRefundable,
            OrderError::Random(_) => OrderCode::Random,
        }
    }
}

impl crate::code::Coded for OrderError {
    fn code(&self) -> &'static str {
        OrderError::code(self).as_str()
    }
}
