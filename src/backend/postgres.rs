//! The PostgreSQL store (feature `postgres`): several certdesk instances sharing one database.

use async_trait::async_trait;
use sqlx::postgres::{PgPool, PgPoolOptions};

use crate::backend::sql::{self, sql_store};
use crate::backend::{
    BackendError, CsrFilter, CsrRecord, CsrStore, OrderStore, Page, Paged, RecordKind, Scope,
    StoreError,
};
use crate::order::{Order, QuotaLedger};
use crate::policy::OrderInfo;

/// Both stores in a PostgreSQL database. Migrations run on connect under an advisory lock, so
/// instances starting together apply each one once. Plain connections only (no TLS in this
/// build): keep the database on a trusted network or a Unix socket.
///
/// ```no_run
/// # async fn demo() -> Result<(), certdesk::backend::StoreError> {
/// use certdesk::backend::PostgresStore;
/// let store = PostgresStore::connect("postgres://certdesk@localhost/certdesk").await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("connections", &self.pool.size())
            .finish()
    }
}

/// The advisory lock key migrations take ("certdesk" in ASCII, as a number).
const MIGRATION_LOCK: i64 = 0x6365_7274_6465_736b;

impl PostgresStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`) with up to 8
    /// connections and brings the schema up to date.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .connect(url)
            .await
            .map_err(sql::backend)?;
        Self::from_pool(pool).await
    }

    /// Uses a pool the embedder configured, bringing the schema up to date.
    pub async fn from_pool(pool: PgPool) -> Result<Self, StoreError> {
        let store = PostgresStore { pool };
        store.migrate_schema().await?;
        Ok(store)
    }

    /// The connection pool, for embedders' own queries and for closing.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    async fn lock_schema(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    ) -> Result<(), StoreError> {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut **tx)
            .await
            .map_err(sql::backend)?;
        Ok(())
    }
}

// PostgreSQL's default READ COMMITTED takes a new snapshot per statement: a listing reads in
// REPEATABLE READ so that its COUNT and its page see the same rows.
sql_store!(
    PostgresStore,
    sqlx::Postgres,
    sql::POSTGRES,
    None,
    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
);
