//! Access keys: the key pairs that sign vendor API requests (Tencent's SecretId/SecretKey,
//! Alibaba's AccessKeyId/AccessKeySecret; one pair serves both), each belonging to one account.
//! Secrets are sealed by the `KeyVault` at rest and opened only to check a signature.

use std::fmt;
use std::sync::Arc;

use time::OffsetDateTime;
use zeroize::Zeroizing;

use crate::backend::{
    AccessKeyRecord, AccessKeyStore, BackendError, Clock, KeyVault, StoreError, SystemClock,
};
use crate::key::SecretText;
use crate::service::ServiceError;
use crate::service::csr::context;

/// The prefix of the key ids certdesk makes (Tencent's SecretIds start so).
pub const ACCESS_KEY_PREFIX: &str = "AKID";

/// The longest key id or secret [`AccessKeys::import`] takes.
pub const MAX_ACCESS_KEY_CHARS: usize = 128;

/// A key pair just made: the secret is shown once, here, and never again.
pub struct NewAccessKey {
    /// The key's id.
    pub id: String,
    /// Its secret.
    pub secret: SecretText,
}

impl fmt::Debug for NewAccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewAccessKey")
            .field("id", &self.id)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// What can be said of a key without its secret.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AccessKeyInfo {
    /// The key's id.
    pub id: String,
    /// Its account.
    pub account: String,
    /// Whether requests it signs are taken.
    pub enabled: bool,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A key that signed a request, found and enabled: its account and its secret (wiped on drop).
pub struct ResolvedKey {
    /// The account it acts for.
    pub account: String,
    secret: Zeroizing<Vec<u8>>,
}

impl ResolvedKey {
    /// The secret, to compute the signature with.
    pub fn secret(&self) -> &[u8] {
        &self.secret
    }
}

impl fmt::Debug for ResolvedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResolvedKey")
            .field("account", &self.account)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// Makes, lists, disables and deletes access keys, and resolves the key of a signed request.
#[derive(Clone)]
pub struct AccessKeys {
    store: Arc<dyn AccessKeyStore>,
    vault: Arc<dyn KeyVault>,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for AccessKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessKeys")
    }
}

fn secret_context(id: &str, account: &str) -> Vec<u8> {
    context(&["access-key", id, account])
}

/// `n` random characters of `A-Za-z0-9`.
fn random_text(n: usize) -> Result<String, ServiceError> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(n);
    let mut buf = [0u8; 64];
    while out.len() < n {
        getrandom::fill(&mut buf)
            .map_err(|e| ServiceError::Internal(BackendError::msg(e.to_string())))?;
        // 248 = 4 * 62: bytes above it are dropped so every character is equally likely.
        for b in buf.iter().filter(|b| **b < 248) {
            if out.len() == n {
                break;
            }
            out.push(char::from(ALPHABET[usize::from(*b % 62)]));
        }
    }
    Ok(out)
}

fn info(k: &AccessKeyRecord) -> AccessKeyInfo {
    AccessKeyInfo {
        id: k.id.clone(),
        account: k.account.clone(),
        enabled: k.enabled,
        created_at: k.created_at,
    }
}

fn not_found(e: StoreError) -> ServiceError {
    match e {
        StoreError::NotFound { .. } => ServiceError::rule(
            "access_key",
            crate::policy::ParamCode::AccessKeyNotFound,
            "no such access key in this account",
        ),
        other => other.into(),
    }
}

impl AccessKeys {
    /// Keys in `store`, their secrets sealed by `vault`.
    pub fn new(store: Arc<dyn AccessKeyStore>, vault: Arc<dyn KeyVault>) -> Self {
        AccessKeys {
            store,
            vault,
            clock: Arc::new(SystemClock),
        }
    }

    /// The clock that dates new keys.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The store, for the nonces of signed requests.
    pub fn store(&self) -> &Arc<dyn AccessKeyStore> {
        &self.store
    }

    async fn put(&self, account: &str, id: &str, secret: &[u8]) -> Result<(), ServiceError> {
        let sealed = self
            .vault
            .seal(secret, &secret_context(id, account))
            .await?;
        let now = self.clock.now();
        // Stores keep seconds.
        let created_at = now.replace_nanosecond(0).unwrap_or(now);
        self.store
            .insert_access_key(&AccessKeyRecord {
                id: id.to_owned(),
                account: account.to_owned(),
                enabled: true,
                created_at,
                sealed_secret: sealed,
            })
            .await?;
        Ok(())
    }

    /// Makes a key pair for `account`: `AKID` and 32 random characters, a 32-character secret.
    #[tracing::instrument(skip(self), fields(account = %account))]
    pub async fn create(&self, account: &str) -> Result<NewAccessKey, ServiceError> {
        let id = format!("{ACCESS_KEY_PREFIX}{}", random_text(32)?);
        let secret = SecretText::new(random_text(32)?);
        self.put(account, &id, secret.expose().as_bytes()).await?;
        tracing::info!(key = %id, "access key created");
        Ok(NewAccessKey { id, secret })
    }

    /// Makes sure the pair `id`/`secret` exists for `account` (scripts that name their keys):
    /// made when missing, nothing done when it is there with this secret; refused when the id
    /// belongs to another account or has another secret.
    #[tracing::instrument(skip(self, secret), fields(account = %account))]
    pub async fn import(
        &self,
        account: &str,
        id: &str,
        secret: &SecretText,
    ) -> Result<(), ServiceError> {
        let bad = |what: &str| {
            ServiceError::rule(
                "access_key",
                crate::policy::ParamCode::AccessKeyInvalid,
                format!("the access key {what}"),
            )
        };
        let printable = |s: &str| s.chars().all(|c| c.is_ascii_graphic());
        if id.is_empty()
            || id.len() > MAX_ACCESS_KEY_CHARS
            || !printable(id)
            || id.contains('/')
            || id.contains(',')
        {
            return Err(bad(
                "id is 1 to 128 printable ASCII characters, without / or ,",
            ));
        }
        let s = secret.expose();
        if s.is_empty() || s.len() > MAX_ACCESS_KEY_CHARS || !printable(s) {
            return Err(bad("secret is 1 to 128 printable ASCII characters"));
        }
        match self.store.get_access_key(id).await? {
            None => self.put(account, id, s.as_bytes()).await,
            Some(k) if k.account != account => Err(bad("id belongs to another account")),
            Some(k) => {
                let stored = self
                    .vault
                    .open(&k.sealed_secret, &secret_context(id, account))
                    .await?;
                if stored.as_slice() == s.as_bytes() {
                    Ok(())
                } else {
                    Err(bad("id exists with another secret"))
                }
            }
        }
    }

    /// The account's keys (no secrets).
    pub async fn list(&self, account: &str) -> Result<Vec<AccessKeyInfo>, ServiceError> {
        Ok(self
            .store
            .list_access_keys(account)
            .await?
            .iter()
            .map(info)
            .collect())
    }

    /// Enables or disables one of the account's keys.
    #[tracing::instrument(skip(self), fields(account = %account))]
    pub async fn set_enabled(
        &self,
        account: &str,
        id: &str,
        enabled: bool,
    ) -> Result<(), ServiceError> {
        self.store
            .set_access_key_enabled(account, id, enabled)
            .await
            .map_err(not_found)
    }

    /// Deletes one of the account's keys.
    #[tracing::instrument(skip(self), fields(account = %account))]
    pub async fn delete(&self, account: &str, id: &str) -> Result<(), ServiceError> {
        self.store
            .delete_access_key(account, id)
            .await
            .map_err(not_found)
    }

    /// The key that signed a request: its account and secret, or `None` when there is no such
    /// key or it is disabled.
    pub async fn resolve(&self, id: &str) -> Result<Option<ResolvedKey>, ServiceError> {
        let Some(k) = self.store.get_access_key(id).await? else {
            return Ok(None);
        };
        if !k.enabled {
            return Ok(None);
        }
        let secret = self
            .vault
            .open(&k.sealed_secret, &secret_context(&k.id, &k.account))
            .await?;
        Ok(Some(ResolvedKey {
            account: k.account,
            secret,
        }))
    }
}
