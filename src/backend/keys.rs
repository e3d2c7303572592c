//! Access keys (the SecretId/SecretKey and AccessKeyId/AccessKeySecret pairs that sign vendor API
//! requests) and the request nonces seen, as stores keep them.

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::backend::{SealedKey, StoreError};

/// An access key as stored: its id, the account it belongs to, and its secret sealed by the
/// `KeyVault` (never in plain text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessKeyRecord {
    /// The key's id (`SecretId`, `AccessKeyId`): unique across accounts.
    pub id: String,
    /// The account it acts for.
    pub account: String,
    /// A disabled key is refused, and can be enabled again.
    pub enabled: bool,
    /// When it was made.
    pub created_at: OffsetDateTime,
    /// The secret, sealed.
    pub sealed_secret: SealedKey,
}

/// Where access keys and the nonces of signed requests live. Every store implements it, so
/// several server instances on one database share keys and replay protection.
#[async_trait]
pub trait AccessKeyStore: Send + Sync {
    /// Stores a new key; [`StoreError::Conflict`] when its id exists.
    async fn insert_access_key(&self, key: &AccessKeyRecord) -> Result<(), StoreError>;
    /// A key by its id, of whichever account.
    async fn get_access_key(&self, id: &str) -> Result<Option<AccessKeyRecord>, StoreError>;
    /// The account's keys, oldest first.
    async fn list_access_keys(&self, account: &str) -> Result<Vec<AccessKeyRecord>, StoreError>;
    /// Enables or disables one of the account's keys ([`StoreError::NotFound`] for another
    /// account's).
    async fn set_access_key_enabled(
        &self,
        account: &str,
        id: &str,
        enabled: bool,
    ) -> Result<(), StoreError>;
    /// Deletes one of the account's keys ([`StoreError::NotFound`] for another account's).
    async fn delete_access_key(&self, account: &str, id: &str) -> Result<(), StoreError>;
    /// Records that `nonce` was used with key `key_id`, valid until `expires_at`: `true` the
    /// first time, `false` when it was seen and has not expired (a replay). Entries expired at
    /// `now` are forgotten.
    async fn remember_nonce(
        &self,
        key_id: &str,
        nonce: &str,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<bool, StoreError>;
}
