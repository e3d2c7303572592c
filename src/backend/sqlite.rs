//! The SQLite store (feature `sqlite`): the embedded default, one file, WAL journal.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::backend::sql::{self, sql_store};
use crate::backend::{
    AccessKeyRecord, AccessKeyStore, BackendError, CsrFilter, CsrRecord, CsrStore, OrderStore,
    Page, Paged, RecordKind, Scope, StoreError,
};
use crate::order::{Order, QuotaLedger};
use crate::policy::OrderInfo;

/// Both stores in one SQLite file: migrations applied on open, write-ahead log, `synchronous =
/// FULL` (a committed write survives a crash of the process or the machine), foreign keys on,
/// writers wait up to 10 s for each other (busy timeout).
///
/// ```no_run
/// # async fn demo() -> Result<(), certdesk::backend::StoreError> {
/// use certdesk::backend::SqliteStore;
/// let store = SqliteStore::open("certdesk.db").await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("connections", &self.pool.size())
            .finish()
    }
}

impl SqliteStore {
    /// Opens (creating it if needed) the database file at `path` and brings its schema up to
    /// date.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true);
        Self::with_options(options, 4).await
    }

    /// A private database in memory (one connection), for tests and throw-away runs.
    pub async fn in_memory() -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:").map_err(sql::backend)?;
        Self::with_options(options, 1).await
    }

    async fn with_options(
        options: SqliteConnectOptions,
        connections: u32,
    ) -> Result<Self, StoreError> {
        let options = options
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(connections)
            // An in-memory database lives as long as its connection.
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(sql::backend)?;
        let store = SqliteStore { pool };
        store.migrate_schema().await?;
        Ok(store)
    }

    /// The connection pool, for embedders' own queries and for closing.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    async fn lock_schema(
        &self,
        _tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    ) -> Result<(), StoreError> {
        // `BEGIN IMMEDIATE` took the database's write lock already.
        Ok(())
    }
}

// Write transactions start with `BEGIN IMMEDIATE`: a deferred one that reads before it writes
// would fail with "database is locked" instead of waiting when another writer is busy. A
// deferred transaction reads from one WAL snapshot from its first read on.
sql_store!(
    SqliteStore,
    sqlx::Sqlite,
    sql::SQLITE,
    Some("BEGIN IMMEDIATE"),
    "BEGIN DEFERRED"
);
