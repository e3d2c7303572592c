//! Keys at rest: private keys are stored only sealed, by a [`KeyVault`].

use std::collections::HashMap;
use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::backend::StoreError;

/// A sealed secret: ciphertext (with its tag), the nonce, and the id of the key-encryption key
/// that sealed it, so keys can be rotated.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedKey {
    /// The key-encryption key's id.
    pub kek_id: String,
    /// The 96-bit nonce.
    pub nonce: Vec<u8>,
    /// AES-256-GCM ciphertext and tag.
    pub ciphertext: Vec<u8>,
}

impl fmt::Debug for SealedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SealedKey {{ kek_id: {:?}, {} bytes sealed }}",
            self.kek_id,
            self.ciphertext.len()
        )
    }
}

impl SealedKey {
    /// A compact encoding for storage: the id's length (two bytes, big-endian), the id, the
    /// nonce, then the ciphertext. `None` when the id is longer than 65,535 bytes or the nonce
    /// is not 12 bytes.
    pub fn to_bytes(&self) -> Option<Vec<u8>> {
        let id = self.kek_id.as_bytes();
        let id_len = u16::try_from(id.len()).ok()?;
        if self.nonce.len() != 12 {
            return None;
        }
        let mut out = Vec::with_capacity(2 + id.len() + 12 + self.ciphertext.len());
        out.extend_from_slice(&id_len.to_be_bytes());
        out.extend_from_slice(id);
        out.extend_from_slice(&self.nonce);
        out.extend_from_slice(&self.ciphertext);
        Some(out)
    }

    /// Reads [`SealedKey::to_bytes`]'s encoding.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, StoreError> {
        let bad = || StoreError::Vault("a stored sealed key is truncated or malformed".into());
        let (id_len, rest) = bytes.split_first_chunk::<2>().ok_or_else(bad)?;
        let id_len = usize::from(u16::from_be_bytes(*id_len));
        if rest.len() < id_len + 12 + 16 {
            return Err(bad());
        }
        let (id, rest) = rest.split_at(id_len);
        let (nonce, ciphertext) = rest.split_at(12);
        Ok(SealedKey {
            kek_id: String::from_utf8(id.to_vec()).map_err(|_| bad())?,
            nonce: nonce.to_vec(),
            ciphertext: ciphertext.to_vec(),
        })
    }
}

/// Seals and opens private keys. `context` is bound to the ciphertext (authenticated, not
/// encrypted): a sealed key moved to another record or account does not open.
#[async_trait]
pub trait KeyVault: Send + Sync {
    /// Seals `secret` under the current key-encryption key.
    async fn seal(&self, secret: &[u8], context: &[u8]) -> Result<SealedKey, StoreError>;
    /// Opens a sealed secret with the key-encryption key it names.
    async fn open(
        &self,
        sealed: &SealedKey,
        context: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, StoreError>;
}

/// AES-256-GCM under key-encryption keys the embedder provides: one current key that seals,
/// any number of older ones that still open (rotation).
pub struct AesGcmVault {
    current: String,
    keys: HashMap<String, Zeroizing<[u8; 32]>>,
}

impl fmt::Debug for AesGcmVault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut ids: Vec<&String> = self.keys.keys().collect();
        ids.sort();
        write!(
            f,
            "AesGcmVault {{ current: {:?}, keys: {ids:?} (redacted) }}",
            self.current
        )
    }
}

impl AesGcmVault {
    /// A vault sealing under `kek` (32 bytes), known as `kek_id`. Pass the key in a
    /// [`Zeroizing`] (`Zeroizing::new(bytes)`) so that the vault's copy is the only one: a plain
    /// array is accepted too, but arrays are `Copy`, and the caller's copy is the caller's to
    /// wipe. The vault wipes its keys when it is dropped.
    pub fn new(kek_id: impl Into<String>, kek: impl Into<Zeroizing<[u8; 32]>>) -> Self {
        let id = kek_id.into();
        let mut keys = HashMap::new();
        keys.insert(id.clone(), kek.into());
        AesGcmVault { current: id, keys }
    }

    /// Makes `kek` the sealing key; the previous keys still open what they sealed.
    pub fn rotate(&mut self, kek_id: impl Into<String>, kek: impl Into<Zeroizing<[u8; 32]>>) {
        let id = kek_id.into();
        self.keys.insert(id.clone(), kek.into());
        self.current = id;
    }

    /// The id of the key that seals.
    pub fn current_kek_id(&self) -> &str {
        &self.current
    }

    fn cipher(&self, kek_id: &str) -> Result<Aes256Gcm, StoreError> {
        let key = self
            .keys
            .get(kek_id)
            .ok_or_else(|| StoreError::Vault(format!("no key-encryption key {kek_id:?}")))?;
        Aes256Gcm::new_from_slice(key.as_slice())
            .map_err(|_| StoreError::Vault("a key-encryption key is 32 bytes".into()))
    }
}

#[async_trait]
impl KeyVault for AesGcmVault {
    async fn seal(&self, secret: &[u8], context: &[u8]) -> Result<SealedKey, StoreError> {
        let cipher = self.cipher(&self.current)?;
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|e| StoreError::Vault(e.to_string()))?;
        let ciphertext = cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: secret,
                    aad: context,
                },
            )
            .map_err(|_| StoreError::Vault("sealing failed".into()))?;
        Ok(SealedKey {
            kek_id: self.current.clone(),
            nonce: nonce.to_vec(),
            ciphertext,
        })
    }

    async fn open(
        &self,
        sealed: &SealedKey,
        context: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, StoreError> {
        let cipher = self.cipher(&sealed.kek_id)?;
        let nonce: [u8; 12] = sealed
            .nonce
            .as_slice()
            .try_into()
            .map_err(|_| StoreError::Vault("a sealed key's nonce is 12 bytes".into()))?;
        cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: &sealed.ciphertext,
                    aad: context,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| {
                StoreError::Vault(
                    "the sealed key does not open: altered, or sealed for another record".into(),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn seals_opens_rotates_and_binds_the_context() {
        block_on(async {
            let mut vault = AesGcmVault::new("kek-1", [7; 32]);
            let sealed = vault.seal(b"private key", b"acct/1").await.unwrap();
            assert_eq!(sealed.kek_id, "kek-1");
            assert!(!sealed.ciphertext.windows(11).any(|w| w == b"private key"));
            assert_eq!(
                &*vault.open(&sealed, b"acct/1").await.unwrap(),
                b"private key"
            );
            assert!(vault.open(&sealed, b"acct/2").await.is_err());
            let mut altered = sealed.clone();
            altered.ciphertext[0] ^= 1;
            assert!(vault.open(&altered, b"acct/1").await.is_err());
            vault.rotate("kek-2", [9; 32]);
            let newer = vault.seal(b"other", b"c").await.unwrap();
            assert_eq!(newer.kek_id, "kek-2");
            assert_eq!(
                &*vault.open(&sealed, b"acct/1").await.unwrap(),
                b"private key"
            );
            assert!(!format!("{vault:?}").contains('7'));
            assert_eq!(
                SealedKey::from_bytes(&sealed.to_bytes().unwrap()).unwrap(),
                sealed
            );
            assert!(SealedKey::from_bytes(&sealed.to_bytes().unwrap()[..20]).is_err());
            assert!(SealedKey::from_bytes(&[]).is_err());
            assert!(
                AesGcmVault::new("x", [1; 32])
                    .open(&sealed, b"acct/1")
                    .await
                    .is_err()
            );
        });
    }
}
