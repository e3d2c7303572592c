//! The in-memory store: both store traits over one mutex, for tests and for embedders that
//! keep nothing between runs.

use crate::backend::RecordKind;
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;

use crate::backend::{
    AccessKeyRecord, AccessKeyStore, CsrFilter, CsrRecord, CsrStore, OrderStore, Page, Paged,
    Scope, StoreError,
};
use crate::order::{Order, QuotaLedger};
use crate::policy::OrderInfo;

#[derive(Default)]
struct Inner {
    next_csr: u64,
    csrs: BTreeMap<u64, CsrRecord>,
    /// Orders in insertion order, by scope and id.
    orders: Vec<(Scope, Order)>,
    quotas: BTreeMap<Scope, (QuotaLedger, u64)>,
    profiles: BTreeMap<(Scope, String), OrderInfo>,
    order_files: BTreeMap<(Scope, String, String), Vec<u8>>,
    access_keys: Vec<AccessKeyRecord>,
    nonces: BTreeMap<(String, String), time::OffsetDateTime>,
}

impl Inner {
    /// Refuses an order that is not in this scope.
    fn require_order(&self, scope: &Scope, order_id: &str) -> Result<(), StoreError> {
        if self
            .orders
            .iter()
            .any(|(s, o)| s == scope && o.id() == order_id)
        {
            Ok(())
        } else {
            Err(StoreError::not_found(RecordKind::Order, order_id))
        }
    }
}

/// Everything in memory, behind one lock; nothing survives the process.
#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MemoryStore")
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStore::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock leaves every record whole (each change is
        // one assignment), so the data is still good.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn page_of<T: Clone>(all: Vec<&T>, page: Page) -> Paged<T> {
    let total = all.len() as u64;
    let items = all
        .into_iter()
        .skip(usize::try_from(page.offset).unwrap_or(usize::MAX))
        .take(usize::try_from(page.limit).unwrap_or(usize::MAX))
        .cloned()
        .collect();
    Paged { total, items }
}

#[async_trait]
impl CsrStore for MemoryStore {
    async fn insert_csr(&self, mut record: CsrRecord) -> Result<CsrRecord, StoreError> {
        let mut inner = self.lock();
        inner.next_csr += 1;
        record.id = inner.next_csr;
        record.version = 1;
        inner.csrs.insert(record.id, record.clone());
        Ok(record)
    }

    async fn get_csr(&self, scope: &Scope, id: u64) -> Result<CsrRecord, StoreError> {
        self.lock()
            .csrs
            .get(&id)
            .filter(|r| &r.scope == scope)
            .cloned()
            .ok_or_else(|| StoreError::not_found(RecordKind::Csr, id))
    }

    async fn update_csr(&self, mut record: CsrRecord) -> Result<CsrRecord, StoreError> {
        let mut inner = self.lock();
        let stored = inner
            .csrs
            .get_mut(&record.id)
            .filter(|r| r.scope == record.scope)
            .ok_or_else(|| StoreError::not_found(RecordKind::Csr, record.id))?;
        if stored.version != record.version {
            return Err(StoreError::Conflict {
                what: RecordKind::Csr,
                id: record.id.to_string(),
                expected: record.version,
                found: stored.version,
            });
        }
        record.version += 1;
        *stored = record.clone();
        Ok(record)
    }

    async fn delete_csr(
        &self,
        scope: &Scope,
        id: u64,
        version: Option<u64>,
    ) -> Result<(), StoreError> {
        let mut inner = self.lock();
        let stored = inner
            .csrs
            .get(&id)
            .filter(|r| &r.scope == scope)
            .ok_or_else(|| StoreError::not_found(RecordKind::Csr, id))?;
        if let Some(expected) = version.filter(|v| *v != stored.version) {
            return Err(StoreError::Conflict {
                what: RecordKind::Csr,
                id: id.to_string(),
                expected,
                found: stored.version,
            });
        }
        inner.csrs.remove(&id);
        Ok(())
    }

    async fn list_csrs(
        &self,
        scope: &Scope,
        filter: &CsrFilter,
        page: Page,
    ) -> Result<Paged<CsrRecord>, StoreError> {
        let inner = self.lock();
        let all: Vec<&CsrRecord> = inner
            .csrs
            .values()
            .filter(|r| &r.scope == scope && filter.matches(r))
            .collect();
        Ok(page_of(all, page))
    }
}

#[async_trait]
impl OrderStore for MemoryStore {
    async fn insert_order(&self, scope: &Scope, order: &Order) -> Result<(), StoreError> {
        let mut inner = self.lock();
        if inner.orders.iter().any(|(_, o)| o.id() == order.id()) {
            return Err(StoreError::Duplicate {
                what: RecordKind::Order,
                id: order.id().to_owned(),
            });
        }
        inner.orders.push((scope.clone(), order.clone()));
        Ok(())
    }

    async fn delete_order(
        &self,
        scope: &Scope,
        id: &str,
        expected_version: u64,
    ) -> Result<(), StoreError> {
        let mut inner = self.lock();
        let Some(at) = inner
            .orders
            .iter()
            .position(|(s, o)| s == scope && o.id() == id)
        else {
            return Err(StoreError::not_found(RecordKind::Order, id));
        };
        let found = inner.orders[at].1.version();
        if found != expected_version {
            return Err(StoreError::Conflict {
                what: RecordKind::Order,
                id: id.to_owned(),
                expected: expected_version,
                found,
            });
        }
        inner.orders.remove(at);
        inner
            .order_files
            .retain(|(s, order, _), _| !(s == scope && order == id));
        Ok(())
    }

    async fn get_order(&self, scope: &Scope, id: &str) -> Result<Order, StoreError> {
        self.lock()
            .orders
            .iter()
            .find(|(s, o)| s == scope && o.id() == id)
            .map(|(_, o)| o.clone())
            .ok_or_else(|| StoreError::not_found(RecordKind::Order, id))
    }

    async fn update_order(
        &self,
        scope: &Scope,
        order: &Order,
        expected_version: u64,
    ) -> Result<(), StoreError> {
        let mut inner = self.lock();
        let (_, stored) = inner
            .orders
            .iter_mut()
            .find(|(s, o)| s == scope && o.id() == order.id())
            .ok_or_else(|| StoreError::not_found(RecordKind::Order, order.id()))?;
        if stored.version() != expected_version {
            return Err(StoreError::Conflict {
                what: RecordKind::Order,
                id: order.id().to_owned(),
                expected: expected_version,
                found: stored.version(),
            });
        }
        *stored = order.clone();
        Ok(())
    }

    async fn list_orders(&self, scope: &Scope, page: Page) -> Result<Paged<Order>, StoreError> {
        let inner = self.lock();
        let all: Vec<&Order> = inner
            .orders
            .iter()
            .filter(|(s, _)| s == scope)
            .map(|(_, o)| o)
            .collect();
        Ok(page_of(all, page))
    }

    async fn orders_using_csr(
        &self,
        scope: &Scope,
        csr_id: &str,
    ) -> Result<Vec<String>, StoreError> {
        Ok(self
            .lock()
            .orders
            .iter()
            .filter(|(s, o)| s == scope && o.held_csr().is_some_and(|c| c.id == csr_id))
            .map(|(_, o)| o.id().to_owned())
            .collect())
    }

    async fn get_quota(&self, scope: &Scope) -> Result<Option<(QuotaLedger, u64)>, StoreError> {
        Ok(self.lock().quotas.get(scope).cloned())
    }

    async fn put_quota(
        &self,
        scope: &Scope,
        ledger: &QuotaLedger,
        expected_version: Option<u64>,
    ) -> Result<u64, StoreError> {
        let mut inner = self.lock();
        let found = inner.quotas.get(scope).map(|(_, v)| *v);
        if found != expected_version {
            return Err(StoreError::Conflict {
                what: RecordKind::Quota,
                id: scope.account.clone(),
                expected: expected_version.unwrap_or(0),
                found: found.unwrap_or(0),
            });
        }
        let version = found.unwrap_or(0) + 1;
        inner
            .quotas
            .insert(scope.clone(), (ledger.clone(), version));
        Ok(version)
    }

    async fn save_profile(
        &self,
        scope: &Scope,
        name: &str,
        info: &OrderInfo,
        limit: u64,
    ) -> Result<(), StoreError> {
        let mut inner = self.lock();
        let key = (scope.clone(), name.to_owned());
        if !inner.profiles.contains_key(&key) {
            let held = inner.profiles.keys().filter(|(s, _)| s == scope).count();
            if held as u64 >= limit {
                return Err(StoreError::LimitReached {
                    what: RecordKind::Profile,
                    limit,
                });
            }
        }
        inner.profiles.insert(key, info.clone());
        Ok(())
    }

    async fn get_profile(&self, scope: &Scope, name: &str) -> Result<OrderInfo, StoreError> {
        self.lock()
            .profiles
            .get(&(scope.clone(), name.to_owned()))
            .cloned()
            .ok_or_else(|| StoreError::not_found(RecordKind::Profile, name))
    }

    async fn list_profiles(&self, scope: &Scope) -> Result<Vec<String>, StoreError> {
        Ok(self
            .lock()
            .profiles
            .keys()
            .filter(|(s, _)| s == scope)
            .map(|(_, n)| n.clone())
            .collect())
    }

    async fn delete_profile(&self, scope: &Scope, name: &str) -> Result<(), StoreError> {
        self.lock()
            .profiles
            .remove(&(scope.clone(), name.to_owned()))
            .map(|_| ())
            .ok_or_else(|| StoreError::not_found(RecordKind::Profile, name))
    }

    async fn put_order_file(
        &self,
        scope: &Scope,
        order_id: &str,
        name: &str,
        bytes: &[u8],
    ) -> Result<(), StoreError> {
        let mut inner = self.lock();
        inner.require_order(scope, order_id)?;
        inner.order_files.insert(
            (scope.clone(), order_id.to_owned(), name.to_owned()),
            bytes.to_vec(),
        );
        Ok(())
    }

    async fn claim_order_file(
        &self,
        scope: &Scope,
        order_id: &str,
        name: &str,
        bytes: &[u8],
    ) -> Result<bool, StoreError> {
        let mut inner = self.lock();
        inner.require_order(scope, order_id)?;
        let key = (scope.clone(), order_id.to_owned(), name.to_owned());
        if inner.order_files.contains_key(&key) {
            return Ok(false);
        }
        inner.order_files.insert(key, bytes.to_vec());
        Ok(true)
    }

    async fn get_order_file(
        &self,
        scope: &Scope,
        order_id: &str,
        name: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .lock()
            .order_files
            .get(&(scope.clone(), order_id.to_owned(), name.to_owned()))
            .cloned())
    }
}

#[async_trait]
impl AccessKeyStore for MemoryStore {
    async fn insert_access_key(&self, key: &AccessKeyRecord) -> Result<(), StoreError> {
        let mut inner = self.lock();
        if inner.access_keys.iter().any(|k| k.id == key.id) {
            return Err(StoreError::Conflict {
                what: RecordKind::AccessKey,
                id: key.id.clone(),
                expected: 0,
                found: 1,
            });
        }
        inner.access_keys.push(key.clone());
        Ok(())
    }

    async fn get_access_key(&self, id: &str) -> Result<Option<AccessKeyRecord>, StoreError> {
        Ok(self.lock().access_keys.iter().find(|k| k.id == id).cloned())
    }

    async fn list_access_keys(&self, account: &str) -> Result<Vec<AccessKeyRecord>, StoreError> {
        Ok(self
            .lock()
            .access_keys
            .iter()
            .filter(|k| k.account == account)
            .cloned()
            .collect())
    }

    async fn set_access_key_enabled(
        &self,
        account: &str,
        id: &str,
        enabled: bool,
    ) -> Result<(), StoreError> {
        let mut inner = self.lock();
        let key = inner
            .access_keys
            .iter_mut()
            .find(|k| k.id == id && k.account == account)
            .ok_or_else(|| StoreError::not_found(RecordKind::AccessKey, id))?;
        key.enabled = enabled;
        Ok(())
    }

    async fn delete_access_key(&self, account: &str, id: &str) -> Result<(), StoreError> {
        let mut inner = self.lock();
        let at = inner
            .access_keys
            .iter()
            .position(|k| k.id == id && k.account == account)
            .ok_or_else(|| StoreError::not_found(RecordKind::AccessKey, id))?;
        inner.access_keys.remove(at);
        Ok(())
    }

    async fn remember_nonce(
        &self,
        key_id: &str,
        nonce: &str,
        now: time::OffsetDateTime,
        expires_at: time::OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut inner = self.lock();
        inner.nonces.retain(|_, until| *until > now);
        let entry = (key_id.to_owned(), nonce.to_owned());
        if inner.nonces.contains_key(&entry) {
            return Ok(false);
        }
        inner.nonces.insert(entry, expires_at);
        Ok(true)
    }
}
