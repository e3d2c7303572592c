//! An order store that lets a test put another call between a service's steps: a hook run just
//! before an order is saved, and a pause after profiles are listed.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use certdesk::backend::{MemoryStore, OrderStore, Page, Paged, Scope, StoreError};
use certdesk::order::{Order, QuotaLedger};
use certdesk::policy::OrderInfo;

type Hook = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A [`MemoryStore`]'s orders, with hooks.
pub struct Hooked {
    pub inner: Arc<MemoryStore>,
    before_save: Mutex<Option<Hook>>,
    list_pause: Duration,
}

impl Hooked {
    pub fn new(inner: Arc<MemoryStore>) -> Self {
        Hooked {
            inner,
            before_save: Mutex::new(None),
            list_pause: Duration::ZERO,
        }
    }

    /// Pauses this long after listing profiles, before answering.
    pub fn pausing_after_listing(mut self, pause: Duration) -> Self {
        self.list_pause = pause;
        self
    }

    /// Runs `hook` (once) before the next order is inserted or updated.
    pub fn before_next_save(&self, hook: impl Future<Output = ()> + Send + 'static) {
        *self.before_save.lock().unwrap() = Some(Box::pin(hook));
    }

    async fn run_hook(&self) {
        let hook = self.before_save.lock().unwrap().take();
        if let Some(hook) = hook {
            hook.await;
        }
    }
}

#[async_trait]
impl OrderStore for Hooked {
    async fn insert_order(&self, scope: &Scope, order: &Order) -> Result<(), StoreError> {
        self.run_hook().await;
        self.inner.insert_order(scope, order).await
    }
    async fn get_order(&self, scope: &Scope, id: &str) -> Result<Order, StoreError> {
        self.inner.get_order(scope, id).await
    }
    async fn update_order(&self, scope: &Scope, order: &Order, v: u64) -> Result<(), StoreError> {
        self.run_hook().await;
        self.inner.update_order(scope, order, v).await
    }
    async fn delete_order(&self, scope: &Scope, id: &str, v: u64) -> Result<(), StoreError> {
        self.inner.delete_order(scope, id, v).await
    }
    async fn list_orders(&self, scope: &Scope, page: Page) -> Result<Paged<Order>, StoreError> {
        self.inner.list_orders(scope, page).await
    }
    async fn orders_using_csr(&self, scope: &Scope, csr: &str) -> Result<Vec<String>, StoreError> {
        self.inner.orders_using_csr(scope, csr).await
    }
    async fn get_quota(&self, scope: &Scope) -> Result<Option<(QuotaLedger, u64)>, StoreError> {
        self.inner.get_quota(scope).await
    }
    async fn put_quota(
        &self,
        scope: &Scope,
        ledger: &QuotaLedger,
        v: Option<u64>,
    ) -> Result<u64, StoreError> {
        self.inner.put_quota(scope, ledger, v).await
    }
    async fn save_profile(
        &self,
        scope: &Scope,
        name: &str,
        info: &OrderInfo,
        limit: u64,
    ) -> Result<(), StoreError> {
        self.inner.save_profile(scope, name, info, limit).await
    }
    async fn get_profile(&self, scope: &Scope, name: &str) -> Result<OrderInfo, StoreError> {
        self.inner.get_profile(scope, name).await
    }
    async fn list_profiles(&self, scope: &Scope) -> Result<Vec<String>, StoreError> {
        let names = self.inner.list_profiles(scope).await;
        tokio::time::sleep(self.list_pause).await;
        names
    }
    async fn delete_profile(&self, scope: &Scope, name: &str) -> Result<(), StoreError> {
        self.inner.delete_profile(scope, name).await
    }
    async fn put_order_file(
        &self,
        scope: &Scope,
        order: &str,
        name: &str,
        bytes: &[u8],
    ) -> Result<(), StoreError> {
        self.inner.put_order_file(scope, order, name, bytes).await
    }
    async fn claim_order_file(
        &self,
        scope: &Scope,
        order: &str,
        name: &str,
        bytes: &[u8],
    ) -> Result<bool, StoreError> {
        self.inner.claim_order_file(scope, order, name, bytes).await
    }
    async fn get_order_file(
        &self,
        scope: &Scope,
        order: &str,
        name: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.get_order_file(scope, order, name).await
    }
}
