//! DNS: the lookups domain validation makes, and the records automatic DNS validation creates.

use crate::backend::{BackendError, Scope};
use std::net::IpAddr;

use crate::code::codes;
use async_trait::async_trait;

codes! {
    /// The codes of [`DnsError`].
    pub enum DnsCode {
        Backend = "dns.backend",
        BadName = "dns.bad_name",
        ChainTooLong = "dns.chain_too_long",
        NoRecords = "dns.no_records",
        NoSuchName = "dns.no_such_name",
        Timeout = "dns.timeout",
        ZoneNotOwned = "dns.zone_not_owned",
    }
}

/// How far a CNAME chain is followed.
pub const MAX_CNAME_CHAIN: usize = 8;

/// Why a lookup failed.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DnsError {
    /// The name does not exist (NXDOMAIN).
    #[error("{0} does not exist")]
    NoSuchName(String),
    /// The name exists but has no record of the type asked for.
    #[error("{name} has no {kind} record")]
    NoRecords {
        /// The name.
        name: String,
        /// `TXT`, `CNAME`, `A/AAAA`.
        kind: &'static str,
    },
    /// No name server answered in time.
    #[error("no answer for {0} in time")]
    Timeout(String),
    /// A CNAME chain longer than [`MAX_CNAME_CHAIN`], or a loop.
    #[error("the CNAME chain from {0} is longer than {MAX_CNAME_CHAIN} or loops")]
    ChainTooLong(String),
    /// Not a name that can be looked up.
    #[error("{0:?} is not a domain name")]
    BadName(String),
    /// The provider serves no zone of this account that holds the name: the record is not
    /// created (another customer's zone, or none at all).
    #[error("{name} is in no DNS zone of this account")]
    ZoneNotOwned {
        /// The record's name.
        name: String,
    },
    /// The resolver or provider failed otherwise.
    #[error("DNS: {0}")]
    Backend(#[source] BackendError),
}

impl DnsError {
    /// Stable code: `dns.no_such_name`, `dns.no_records`, `dns.timeout`, `dns.chain_too_long`,
    /// `dns.bad_name`, `dns.backend`.
    pub fn code(&self) -> DnsCode {
        match self {
            DnsError::NoSuchName(_) => DnsCode::NoSuchName,
            DnsError::NoRecords { .. } => DnsCode::NoRecords,
            DnsError::Timeout(_) => DnsCode::Timeout,
            DnsError::ChainTooLong(_) => DnsCode::ChainTooLong,
            DnsError::BadName(_) => DnsCode::BadName,
            DnsError::ZoneNotOwned { .. } => DnsCode::ZoneNotOwned,
            DnsError::Backend(_) => DnsCode::Backend,
        }
    }

    /// The name has no such record (or does not exist at all).
    pub fn is_absent(&self) -> bool {
        matches!(self, DnsError::NoSuchName(_) | DnsError::NoRecords { .. })
    }
}

impl crate::code::Coded for DnsError {
    fn code(&self) -> &'static str {
        DnsError::code(self).as_str()
    }
}

/// The lookups validation makes.
#[async_trait]
pub trait DnsResolver: Send + Sync {
    /// The TXT records at `name`, each one's character-strings joined as RFC 1035 defines (no
    /// separator).
    async fn txt(&self, name: &str) -> Result<Vec<String>, DnsError>;
    /// The CNAME chain from `name`: the first target, its target, and so on (at most
    /// [`MAX_CNAME_CHAIN`]), lower case without the trailing dot.
    async fn cname_chain(&self, name: &str) -> Result<Vec<String>, DnsError>;
    /// The addresses of `name` (A and AAAA).
    async fn ips(&self, name: &str) -> Result<Vec<IpAddr>, DnsError>;
}

/// A DNS record to create or delete.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum DnsRecord {
    /// A TXT record.
    Txt {
        /// Its full name.
        name: String,
        /// Its value.
        value: String,
    },
    /// A CNAME record.
    Cname {
        /// Its full name.
        name: String,
        /// Where it points.
        target: String,
    },
}

impl DnsRecord {
    /// The record's full name.
    pub fn name(&self) -> &str {
        match self {
            DnsRecord::Txt { name, .. } | DnsRecord::Cname { name, .. } => name,
        }
    }
}

/// Creates and deletes records in the zones it serves (automatic DNS validation: Tencent
/// `DNS_AUTO`), for the account that owns the zone.
///
/// A provider may serve many customers' zones (as the vendors' own DNS services do): every
/// call names the [`Scope`] it acts for, and a record whose name lies in no zone of that
/// account is refused with [`DnsError::ZoneNotOwned`], never written.
#[async_trait]
pub trait DnsProvider: Send + Sync {
    /// Creates the record in the account's zone (a second identical create is no change).
    async fn create(&self, scope: &Scope, record: &DnsRecord) -> Result<(), DnsError>;
    /// Deletes the record from the account's zone (deleting one that is not there is no
    /// change).
    async fn delete(&self, scope: &Scope, record: &DnsRecord) -> Result<(), DnsError>;
    /// Whether `name` lies in a zone of the scope's account here: automatic DNS validation is
    /// offered only then ("whether the domain is on DNSPod for DNS resolution").
    async fn serves(&self, scope: &Scope, name: &str) -> Result<bool, DnsError>;
}

/// A name as DNS names are compared: lower case, no trailing dot.
#[cfg(feature = "dns")]
pub(crate) fn normalize(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}
