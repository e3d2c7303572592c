//! CPU-heavy work (key generation, password-based key derivation, PKCS#12) off the async
//! runtime: on Tokio's blocking threads, at most a set number at once, so that a burst of
//! RSA-4096 generations cannot starve the requests that only read.

use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::backend::BackendError;
use crate::service::ServiceError;

/// Runs CPU-heavy closures on the blocking pool behind a semaphore.
#[derive(Clone, Debug)]
pub(crate) struct CpuPool {
    permits: Arc<Semaphore>,
    limit: usize,
}

impl CpuPool {
    /// At most `limit` jobs at once (at least one).
    pub(crate) fn new(limit: usize) -> Self {
        let limit = limit.max(1);
        CpuPool {
            permits: Arc::new(Semaphore::new(limit)),
            limit,
        }
    }

    /// One job per core: the default.
    pub(crate) fn per_core() -> Self {
        CpuPool::new(std::thread::available_parallelism().map_or(2, usize::from))
    }

    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    /// Runs `job` on a blocking thread once a permit is free (inline when no Tokio runtime
    /// runs the caller).
    pub(crate) async fn run<T, F>(&self, job: F) -> Result<T, ServiceError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return Ok(job());
        };
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| ServiceError::Internal(BackendError::new(e)))?;
        handle
            .spawn_blocking(move || {
                let _permit = permit;
                job()
            })
            .await
            .map_err(|e| ServiceError::Internal(BackendError::context("a CPU job failed", e)))
    }
}
