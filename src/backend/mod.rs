//! The edge: the traits embedders implement (stores, the key vault, the clock) and the
//! implementations certdesk ships.
//!
//! Every record belongs to a [`Scope`] (account and region) and every call names one: a record
//! of another scope is "not found". Records carry a version; an update names the version it
//! read and fails with [`StoreError::Conflict`] when another writer got there first.
//!
//! Stores: [`MemoryStore`] (always), `SqliteStore` (feature `sqlite`, on by default) and
//! `PostgresStore` (feature `postgres`), all three passing one conformance suite. Keys:
//! [`AesGcmVault`]. Time: [`SystemClock`], [`FixedClock`]. Domain validation: the
//! [`DnsResolver`], [`DnsProvider`] and [`HttpFetcher`] traits, with `HickoryResolver` and
//! `LoopbackDnsServer` (feature `dns`) and `ValidationFetcher` (feature `http`). Issuance: the
//! [`CertificateAuthority`] trait and `LocalCa` (feature `local-ca`).

mod ca;
mod dns;
#[cfg(feature = "http")]
mod fetch;
#[cfg(feature = "http")]
mod file_server;
#[cfg(feature = "dns")]
mod hickory;
mod http;
mod keys;
#[cfg(feature = "local-ca")]
mod local_ca;
mod memory;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
#[cfg(feature = "sqlite")]
mod sqlite;
mod timer;
mod unconfigured;
mod vault;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

codes! {
    /// The codes of [`StoreError`].
    pub enum StoreCode {
        Backend = "store.backend",
        Conflict = "store.conflict",
        Duplicate = "store.duplicate",
        LimitReached = "store.limit_reached",
        NotFound = "store.not_found",
        Vault = "store.vault",
    }
}

pub use ca::{
    CaCode, CaError, CaStatus, CertificateAuthority, IssueRequest, IssuedCertificate,
    IssuedOrganization, Revocation,
};
pub use dns::{DnsCode, DnsError, DnsProvider, DnsRecord, DnsResolver, MAX_CNAME_CHAIN};
#[cfg(feature = "http")]
pub use fetch::{FetchPolicy, ValidationFetcher, parse_http_response};
#[cfg(feature = "http")]
pub use file_server::LoopbackFileServer;
#[cfg(feature = "dns")]
pub use hickory::{HickoryResolver, LoopbackDnsServer};
pub use http::{FetchCode, FetchError, HttpFetcher, HttpResponse};
pub use keys::{AccessKeyRecord, AccessKeyStore};
#[cfg(feature = "local-ca")]
pub use local_ca::{LocalCa, ReviewRule};
pub use memory::MemoryStore;
#[cfg(feature = "postgres")]
pub use postgres::PostgresStore;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;
pub use unconfigured::Unconfigured;
pub use vault::{AesGcmVault, KeyVault, SealedKey};

use crate::code::codes;
use crate::order::{Order, QuotaLedger};
use crate::policy::{CsrForm, OrderInfo};

/// The account and region a record belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Scope {
    /// The account (Tencent `OwnerUin`, Alibaba account id).
    pub account: String,
    /// The region.
    pub region: String,
}

/// The region of records that belong to a whole account rather than to one region (the
/// free-certificate quota ledger, which the vendors count per account across regions).
pub const ACCOUNT_WIDE: &str = "*";

impl Scope {
    /// A scope.
    pub fn new(account: impl Into<String>, region: impl Into<String>) -> Self {
        Scope {
            account: account.into(),
            region: region.into(),
        }
    }

    /// The same account in every region: the scope of account-wide records
    /// ([`ACCOUNT_WIDE`]).
    pub fn account_wide(&self) -> Scope {
        Scope::new(self.account.clone(), ACCOUNT_WIDE)
    }
}

/// What a backend (a database, a resolver, a CA, the network) reported: a message, and the
/// underlying error kept as the [`source`](std::error::Error::source) when there is one.
///
/// The store, DNS, CA and fetch errors carry it so that the cause (an `sqlx` or `hickory`
/// error, say) survives for logs and for embedders that downcast, without certdesk's public API
/// naming those crates' error types.
#[derive(Clone, Debug)]
pub struct BackendError {
    message: String,
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl BackendError {
    /// A failure with no underlying error.
    pub fn msg(message: impl Into<String>) -> Self {
        BackendError {
            message: message.into(),
            source: None,
        }
    }

    /// A failure caused by `source`, described by its own message.
    pub fn new(source: impl std::error::Error + Send + Sync + 'static) -> Self {
        BackendError {
            message: source.to_string(),
            source: Some(Arc::new(source)),
        }
    }

    /// A failure caused by `source`, described by `context` and the source's message.
    pub fn context(
        context: impl std::fmt::Display,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        BackendError {
            message: format!("{context}: {source}"),
            source: Some(Arc::new(source)),
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl std::fmt::Display for BackendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for BackendError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// The kind of record a [`StoreError`] concerns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RecordKind {
    /// A CSR record.
    Csr,
    /// An order.
    Order,
    /// A saved organization/administrator/contact profile.
    Profile,
    /// A quota ledger.
    Quota,
    /// An order file (CA ticket, certificate bundle, letter).
    File,
    /// An access key.
    AccessKey,
}

impl RecordKind {
    /// The record kind's name: `csr`, `order`, `profile`, `quota`, `file`, `access_key`.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Csr => "csr",
            RecordKind::Order => "order",
            RecordKind::Profile => "profile",
            RecordKind::Quota => "quota",
            RecordKind::File => "file",
            RecordKind::AccessKey => "access_key",
        }
    }
}

impl std::fmt::Display for RecordKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a store call failed.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// No such record in this scope.
    #[error("{what} {id} not found")]
    NotFound {
        /// `csr`, `order`, `profile`, `quota`.
        what: RecordKind,
        /// Its id.
        id: String,
    },
    /// Another writer changed the record since it was read.
    #[error("{what} {id} was changed by another writer: read version {expected}, now {found}")]
    Conflict {
        /// `csr`, `order`, `quota`.
        what: RecordKind,
        /// Its id.
        id: String,
        /// The version the update was based on.
        expected: u64,
        /// The version stored now.
        found: u64,
    },
    /// A record with this id exists already.
    #[error("{what} {id} exists already")]
    Duplicate {
        /// `order`.
        what: RecordKind,
        /// Its id.
        id: String,
    },
    /// The scope holds as many records of this kind as it may: a new one was not stored.
    #[error("at most {limit} {what} records per account and region")]
    LimitReached {
        /// `profile`.
        what: RecordKind,
        /// The limit the write was given.
        limit: u64,
    },
    /// Sealing or opening a key failed.
    #[error("key vault: {0}")]
    Vault(String),
    /// The storage itself failed.
    #[error("storage: {0}")]
    Backend(#[source] BackendError),
}

impl StoreError {
    /// `what` `id` is not in this scope (for store implementations: another scope's record is
    /// not found either).
    pub fn not_found(what: RecordKind, id: impl ToString) -> Self {
        StoreError::NotFound {
            what,
            id: id.to_string(),
        }
    }

    /// Stable code: `store.not_found`, `store.conflict`, `store.duplicate`,
    /// `store.limit_reached`, `store.vault`, `store.backend`.
    pub fn code(&self) -> StoreCode {
        match self {
            StoreError::NotFound { .. } => StoreCode::NotFound,
            StoreError::Conflict { .. } => StoreCode::Conflict,
            StoreError::Duplicate { .. } => StoreCode::Duplicate,
            StoreError::LimitReached { .. } => StoreCode::LimitReached,
            StoreError::Vault(_) => StoreCode::Vault,
            StoreError::Backend(_) => StoreCode::Backend,
        }
    }
}

impl crate::code::Coded for StoreError {
    fn code(&self) -> &'static str {
        StoreError::code(self).as_str()
    }
}

/// Where a CSR record is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CsrStatus {
    /// Saved without generating (Tencent `Generate=false`): editable.
    Draft,
    /// Generated here: immutable but for its name, remark and tags.
    Generated,
    /// Made elsewhere and uploaded.
    Uploaded,
}

impl CsrStatus {
    /// How a sentence names the status: `a draft`, `generated`, `uploaded`.
    pub fn describe(self) -> &'static str {
        match self {
            CsrStatus::Draft => "a draft",
            CsrStatus::Generated => "generated",
            CsrStatus::Uploaded => "uploaded",
        }
    }
}

/// A resource tag.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Tag {
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
}

/// A stored CSR: the draft's form, or the CSR with what listing filters on, and its key sealed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsrRecord {
    /// Assigned by the store on insert.
    pub id: u64,
    /// The owner.
    pub scope: Scope,
    /// One more per update; 1 after insert.
    pub version: u64,
    /// Draft, generated or uploaded.
    pub status: CsrStatus,
    /// The record's name (Alibaba `Name`).
    pub name: Option<String>,
    /// Remarks (Tencent `Remark`).
    pub remark: Option<String>,
    /// Tags.
    pub tags: Vec<Tag>,
    /// The form of a draft.
    pub form: Option<CsrForm>,
    /// The CSR, PEM (generated or uploaded records).
    pub csr_pem: Option<String>,
    /// The common name (or the draft's).
    pub common_name: Option<String>,
    /// The SANs as text.
    pub sans: Vec<String>,
    /// `RSA`, `ECC` or `SM2`.
    pub algorithm: Option<String>,
    /// Key size in bits (256 for SM2).
    pub key_size: Option<u32>,
    /// SHA-256 of the public key, hex (Alibaba `KeySha2`).
    pub public_key_sha256: Option<String>,
    /// The private key, sealed (encrypted PKCS#8 PEM inside when a password was set).
    pub sealed_key: Option<SealedKey>,
    /// A draft's private-key password, sealed until the draft is generated.
    pub sealed_password: Option<SealedKey>,
    /// A password protects the key.
    pub key_password_set: bool,
    /// Created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// The last order that picked this CSR, and when. Picking writes the record (a new
    /// version) before the order is saved, so a delete that read the record earlier fails
    /// with a conflict, and a delete that reads it later waits out the hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picked: Option<CsrPick>,
}

/// An order's pick of a CSR ([`CsrRecord::picked`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsrPick {
    /// The order's id.
    pub order_id: String,
    /// When it picked the CSR.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// What a CSR listing keeps.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CsrFilter {
    /// Common name or a SAN contains this (case-insensitive).
    pub domain: Option<String>,
    /// Name contains this.
    pub name: Option<String>,
    /// Common name or name contains this (Alibaba `KeyWord`).
    pub keyword: Option<String>,
    /// `RSA`, `ECC`, `SM2`.
    pub algorithm: Option<String>,
    /// Remark contains this.
    pub remark: Option<String>,
    /// Has this tag.
    pub tag: Option<Tag>,
    /// Has (or has not) a private key (Alibaba `HasPrivateKey`).
    pub has_private_key: Option<bool>,
}

impl CsrFilter {
    /// Whether a record passes the filter.
    pub fn matches(&self, r: &CsrRecord) -> bool {
        let contains = |hay: Option<&str>, needle: &Option<String>| match needle {
            None => true,
            Some(n) => hay.is_some_and(|h| h.to_lowercase().contains(&n.to_lowercase())),
        };
        let domain_ok = match &self.domain {
            None => true,
            Some(_) => {
                contains(r.common_name.as_deref(), &self.domain)
                    || r.sans.iter().any(|s| contains(Some(s), &self.domain))
            }
        };
        let keyword_ok = self.keyword.is_none()
            || contains(r.common_name.as_deref(), &self.keyword)
            || contains(r.name.as_deref(), &self.keyword);
        domain_ok
            && keyword_ok
            && contains(r.name.as_deref(), &self.name)
            && contains(r.remark.as_deref(), &self.remark)
            && self.algorithm.as_ref().is_none_or(|a| {
                r.algorithm
                    .as_deref()
                    .is_some_and(|b| b.eq_ignore_ascii_case(a))
            })
            && self.tag.as_ref().is_none_or(|t| r.tags.contains(t))
            && self
                .has_private_key
                .is_none_or(|want| r.sealed_key.is_some() == want)
    }
}

/// A page to list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    /// Records to skip.
    pub offset: u64,
    /// Records to return at most.
    pub limit: u64,
}

/// One page of records and how many there are in all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paged<T> {
    /// Records matching, in all.
    pub total: u64,
    /// This page's, oldest first.
    pub items: Vec<T>,
}

/// Where CSR records live.
#[async_trait]
pub trait CsrStore: Send + Sync {
    /// Stores a new record; the store assigns its id and version 1.
    async fn insert_csr(&self, record: CsrRecord) -> Result<CsrRecord, StoreError>;
    /// A record of this scope.
    async fn get_csr(&self, scope: &Scope, id: u64) -> Result<CsrRecord, StoreError>;
    /// Replaces a record; `record.version` is the version read. Returns it with the new
    /// version.
    async fn update_csr(&self, record: CsrRecord) -> Result<CsrRecord, StoreError>;
    /// Deletes a record, if it is still at `version` when one is given.
    async fn delete_csr(
        &self,
        scope: &Scope,
        id: u64,
        version: Option<u64>,
    ) -> Result<(), StoreError>;
    /// A page of the scope's records that pass the filter, oldest first.
    async fn list_csrs(
        &self,
        scope: &Scope,
        filter: &CsrFilter,
        page: Page,
    ) -> Result<Paged<CsrRecord>, StoreError>;
}

/// Where orders, free-certificate quota ledgers and saved organization profiles live.
#[async_trait]
pub trait OrderStore: Send + Sync {
    /// Stores a new order.
    async fn insert_order(&self, scope: &Scope, order: &Order) -> Result<(), StoreError>;
    /// An order of this scope.
    async fn get_order(&self, scope: &Scope, id: &str) -> Result<Order, StoreError>;
    /// Replaces an order read at `expected_version` (its [`Order::version`] then).
    async fn update_order(
        &self,
        scope: &Scope,
        order: &Order,
        expected_version: u64,
    ) -> Result<(), StoreError>;
    /// Deletes an order read at `expected_version`, with its files.
    async fn delete_order(
        &self,
        scope: &Scope,
        id: &str,
        expected_version: u64,
    ) -> Result<(), StoreError>;
    /// A page of the scope's orders, oldest first.
    async fn list_orders(&self, scope: &Scope, page: Page) -> Result<Paged<Order>, StoreError>;
    /// The ids of the scope's orders that hold this CSR ([`Order::held_csr`]): not yet issued,
    /// or issued (or being revoked) with its certificate.
    async fn orders_using_csr(
        &self,
        scope: &Scope,
        csr_id: &str,
    ) -> Result<Vec<String>, StoreError>;
    /// The scope's quota ledger and its version, if one was stored.
    async fn get_quota(&self, scope: &Scope) -> Result<Option<(QuotaLedger, u64)>, StoreError>;
    /// Stores the ledger: `expected_version` is the version read (`None` for the first).
    /// Returns the new version.
    async fn put_quota(
        &self,
        scope: &Scope,
        ledger: &QuotaLedger,
        expected_version: Option<u64>,
    ) -> Result<u64, StoreError>;
    /// Saves an organization, administrator and contact profile under a name ("My Profile"),
    /// replacing the one of that name. A new name is stored only while the scope has fewer than
    /// `limit` profiles, decided atomically (two writers cannot both take the last place):
    /// [`StoreError::LimitReached`] otherwise.
    async fn save_profile(
        &self,
        scope: &Scope,
        name: &str,
        info: &OrderInfo,
        limit: u64,
    ) -> Result<(), StoreError>;
    /// A saved profile.
    async fn get_profile(&self, scope: &Scope, name: &str) -> Result<OrderInfo, StoreError>;
    /// The names of the scope's saved profiles, sorted.
    async fn list_profiles(&self, scope: &Scope) -> Result<Vec<String>, StoreError>;
    /// Deletes a saved profile.
    async fn delete_profile(&self, scope: &Scope, name: &str) -> Result<(), StoreError>;
    /// Stores (or replaces) a file that belongs to an order: the CA's ticket, the issued
    /// certificate bundle, a confirmation letter. `name` says which.
    async fn put_order_file(
        &self,
        scope: &Scope,
        order_id: &str,
        name: &str,
        bytes: &[u8],
    ) -> Result<(), StoreError>;
    /// Stores a file of an order only if there is none of that name yet, atomically: true when
    /// this call stored it, false when one was there (another writer claimed it first). How a
    /// write that must happen once (a CA submission) is claimed before it is made.
    async fn claim_order_file(
        &self,
        scope: &Scope,
        order_id: &str,
        name: &str,
        bytes: &[u8],
    ) -> Result<bool, StoreError>;
    /// A file of an order, if it was stored.
    async fn get_order_file(
        &self,
        scope: &Scope,
        order_id: &str,
        name: &str,
    ) -> Result<Option<Vec<u8>>, StoreError>;
}

/// Which domains are registered with (or transferred to) the platform: a free certificate for
/// one is counted against the Tencent-domain pool first ("If the domain you are applying for
/// belongs to Tencent Cloud, one Tencent Cloud domain quota will be deducted first").
#[async_trait]
pub trait DomainRegistry: Send + Sync {
    /// Whether the primary domain (`example.com`) is registered here by the scope's account.
    async fn registered(&self, scope: &Scope, primary_domain: &str) -> Result<bool, BackendError>;
}

/// The time, for everything that needs `now`, and waiting (polling a CA).
#[async_trait]
pub trait Clock: Send + Sync {
    /// Now, in UTC.
    fn now(&self) -> OffsetDateTime;

    /// Waits for `duration`. The default waits for real on a timer thread, whatever async
    /// runtime the caller uses; [`FixedClock`] moves itself forward at once instead.
    async fn sleep(&self, duration: std::time::Duration) {
        timer::sleep(duration).await;
    }
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that says what it is told, for tests and replays.
#[derive(Debug)]
pub struct FixedClock(Mutex<OffsetDateTime>);

impl FixedClock {
    /// A clock at `at`.
    pub fn new(at: OffsetDateTime) -> Self {
        FixedClock(Mutex::new(at))
    }

    /// Moves the clock by `by`.
    pub fn advance(&self, by: time::Duration) {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *t += by;
    }
}

#[async_trait]
impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Moves the clock forward by `duration`, without waiting.
    async fn sleep(&self, duration: std::time::Duration) {
        self.advance(time::Duration::try_from(duration).unwrap_or(time::Duration::MAX));
    }
}
