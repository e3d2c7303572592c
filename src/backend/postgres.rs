//! The PostgreSQL store (feature `postgres`): several certdesk instances sharing one database.

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgSslMode};

use crate::backend::sql::{self, sql_store};
use crate::backend::{
    AccessKeyRecord, AccessKeyStore, BackendError, CsrFilter, CsrRecord, CsrStore, OrderStore,
    Page, Paged, RecordKind, Scope, StoreError,
};
use crate::order::{Order, QuotaLedger};
use crate::policy::OrderInfo;

/// Both stores in a PostgreSQL database. Migrations run on connect under an advisory lock, so
/// instances starting together apply each one once.
///
/// Connections may use TLS (rustls): managed PostgreSQL services require it. Verify the server
/// as a browser would, against its CA and its name, with `sslmode=verify-full`:
/// [`connect_verified`](Self::connect_verified) takes the CA certificate (PEM) and insists on
/// it; [`connect`](Self::connect) honours `sslmode` and `sslrootcert` in the URL (and, as
/// libpq does, defaults to `prefer`: TLS when the server offers it, unverified, else plain);
/// [`connect_with`](Self::connect_with) takes options built in full.
///
/// ```no_run
/// # async fn demo(ca_pem: &[u8]) -> Result<(), certdesk::backend::StoreError> {
/// use certdesk::backend::PostgresStore;
/// // A database on the same host, over a trusted network.
/// let local = PostgresStore::connect("postgres://certdesk@localhost/certdesk").await?;
/// // A managed database: TLS, the server's certificate checked against its CA and name.
/// let managed =
///     PostgresStore::connect_verified("postgres://certdesk@db.example.com/certdesk", ca_pem)
///         .await?;
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
    /// Connects to `url` (`postgres://user:password@host:port/database`, with
    /// `?sslmode=verify-full&sslrootcert=/path/to/ca.pem` for TLS that checks the server) with
    /// up to 8 connections and brings the schema up to date.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options: PgConnectOptions = url.parse().map_err(sql::backend)?;
        Self::connect_with(options).await
    }

    /// Connects to `url` over TLS only, checking the server's certificate against `ca_pem`
    /// (the CA certificate, PEM, as managed services publish it) and the URL's host name
    /// (`sslmode=verify-full`, whatever the URL says).
    pub async fn connect_verified(url: &str, ca_pem: &[u8]) -> Result<Self, StoreError> {
        let options: PgConnectOptions = url.parse().map_err(sql::backend)?;
        Self::connect_with(
            options
                .ssl_mode(PgSslMode::VerifyFull)
                .ssl_root_cert_from_pem(ca_pem.to_vec()),
        )
        .await
    }

    /// Connects with connection options built in full (TLS mode, root certificate, client
    /// certificate, ...), with up to 8 connections, and brings the schema up to date.
    pub async fn connect_with(options: PgConnectOptions) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .connect_with(options)
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
