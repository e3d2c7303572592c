//! The SQL stores: one schema, one set of statements and one code body for SQLite and
//! PostgreSQL (through sqlx), instantiated once per database by `sql_store!`.
//!
//! A record is one row: the columns listing filters on (lower-cased by Rust, so both databases
//! compare the same strings), the record itself as JSON, and its sealed secrets as opaque
//! blobs ([`SealedKey::to_bytes`]). SANs and tags live in side tables written in the same
//! transaction. Every update is `... WHERE version = <read version>`: the database decides
//! which writer wins.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::backend::BackendError;
use crate::backend::{CsrFilter, CsrRecord, Page, RecordKind, Scope, SealedKey, StoreError};
use crate::order::Order;

/// What differs between the two databases' DDL.
pub(crate) struct Dialect {
    /// An auto-incrementing 64-bit primary key.
    pub(crate) serial: &'static str,
    /// A byte string.
    pub(crate) blob: &'static str,
    /// A statement that holds a lock, bound to an `i64` key ([`lock_key`]), until the
    /// transaction ends; `None` where a write transaction locks the whole database already
    /// (SQLite's `BEGIN IMMEDIATE`).
    pub(crate) xact_lock: Option<&'static str>,
}

/// The lock key of one scope's records of one kind: the first 8 bytes of a SHA-256 over the
/// length-prefixed parts, the same in every process.
pub(crate) fn lock_key(kind: RecordKind, scope: &Scope) -> i64 {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for part in [kind.as_str(), scope.account.as_str(), scope.region.as_str()] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    let d = h.finalize();
    i64::from_be_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
}

#[cfg(feature = "sqlite")]
pub(crate) const SQLITE: Dialect = Dialect {
    serial: "INTEGER PRIMARY KEY AUTOINCREMENT",
    blob: "BLOB",
    xact_lock: None,
};

#[cfg(feature = "postgres")]
pub(crate) const POSTGRES: Dialect = Dialect {
    serial: "BIGSERIAL PRIMARY KEY",
    blob: "BYTEA",
    xact_lock: Some("SELECT pg_advisory_xact_lock($1)"),
};

/// The schema, one entry per version; `{serial}` and `{blob}` are the dialect's. Statements are
/// separated by `;` (run one by one: PostgreSQL prepares one statement at a time).
const MIGRATIONS: &[&str] = &[
    r"
CREATE TABLE certdesk_csrs (
    id {serial},
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    version BIGINT NOT NULL,
    status TEXT NOT NULL,
    algorithm_uc TEXT,
    name_lc TEXT,
    remark_lc TEXT,
    cn_lc TEXT,
    has_key BOOLEAN NOT NULL,
    body TEXT NOT NULL,
    sealed_key {blob},
    sealed_password {blob}
);
CREATE INDEX certdesk_csrs_scope ON certdesk_csrs (account, region, id);
CREATE TABLE certdesk_csr_names (
    csr_id BIGINT NOT NULL REFERENCES certdesk_csrs (id) ON DELETE CASCADE,
    name_lc TEXT NOT NULL
);
CREATE INDEX certdesk_csr_names_csr ON certdesk_csr_names (csr_id);
CREATE TABLE certdesk_csr_tags (
    csr_id BIGINT NOT NULL REFERENCES certdesk_csrs (id) ON DELETE CASCADE,
    tag_key TEXT NOT NULL,
    tag_value TEXT NOT NULL
);
CREATE INDEX certdesk_csr_tags_csr ON certdesk_csr_tags (csr_id);
CREATE TABLE certdesk_orders (
    seq {serial},
    id TEXT NOT NULL UNIQUE,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    version BIGINT NOT NULL,
    open_csr_id TEXT,
    body TEXT NOT NULL
);
CREATE INDEX certdesk_orders_scope ON certdesk_orders (account, region, seq);
CREATE INDEX certdesk_orders_csr ON certdesk_orders (account, region, open_csr_id);
CREATE TABLE certdesk_quotas (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    version BIGINT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (account, region)
);
CREATE TABLE certdesk_profiles (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (account, region, name)
);
",
    r"
CREATE TABLE certdesk_order_files (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    order_id TEXT NOT NULL,
    name TEXT NOT NULL,
    body {blob} NOT NULL,
    PRIMARY KEY (account, region, order_id, name)
);
",
    // Version 3 changes no table: `open_csr_id` now names the CSR of issued orders too
    // (`Order::held_csr`), filled in for the rows written before by `backfill_held_csrs`.
    "",
    // Version 4: access keys (their secrets sealed) and the nonces of signed requests.
    r"
CREATE TABLE certdesk_access_keys (
    id TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    sealed_secret {blob} NOT NULL
);
CREATE INDEX certdesk_access_keys_account ON certdesk_access_keys (account, created_at);
CREATE TABLE certdesk_nonces (
    key_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (key_id, nonce)
);
CREATE INDEX certdesk_nonces_expiry ON certdesk_nonces (expires_at);
",
];

/// The schema version whose data step fills `open_csr_id` of issued orders.
pub(crate) const HELD_CSR_VERSION: i64 = 3;

/// The migrations after `applied`, with the dialect filled in.
pub(crate) fn pending_migrations(dialect: &Dialect, applied: i64) -> Vec<(i64, String)> {
    MIGRATIONS
        .iter()
        .enumerate()
        .map(|(i, sql)| (i as i64 + 1, sql))
        .filter(|(v, _)| *v > applied)
        .map(|(v, sql)| {
            (
                v,
                sql.replace("{serial}", dialect.serial)
                    .replace("{blob}", dialect.blob),
            )
        })
        .collect()
}

/// A write that changed no row: the record is gone (`found` is `None`, or no version was
/// expected) or another writer moved it from `expected` to version `found`.
pub(crate) fn missing_or_conflict(
    what: RecordKind,
    id: impl ToString,
    expected: Option<u64>,
    found: Option<i64>,
) -> StoreError {
    match (found.map(to_u64), expected) {
        (Some(Err(e)), _) => e,
        (Some(Ok(found)), Some(expected)) => StoreError::Conflict {
            what,
            id: id.to_string(),
            expected,
            found,
        },
        _ => StoreError::not_found(what, id),
    }
}

/// A quota ledger write that lost: based on `expected` (`None`: a first write), now at
/// `found`.
pub(crate) fn quota_conflict(
    scope: &Scope,
    expected: Option<u64>,
    found: Option<u64>,
) -> StoreError {
    StoreError::Conflict {
        what: RecordKind::Quota,
        id: scope.account.clone(),
        expected: expected.unwrap_or(0),
        found: found.unwrap_or(0),
    }
}

/// Refuses a database whose schema is newer than this build knows.
pub(crate) fn check_schema_version(applied: i64) -> Result<(), StoreError> {
    if applied > schema_version() {
        return Err(StoreError::Backend(BackendError::msg(format!(
            "the database's schema is version {applied}; this build of certdesk knows up to {}",
            schema_version()
        ))));
    }
    Ok(())
}

/// The newest schema version this build knows.
pub(crate) fn schema_version() -> i64 {
    MIGRATIONS.len() as i64
}

pub(crate) fn backend(e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::Backend(BackendError::new(e))
}

pub(crate) fn to_i64(n: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(n)
        .map_err(|_| StoreError::Backend(BackendError::msg(format!("{what} {n} is out of range"))))
}

pub(crate) fn to_u64(n: i64) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| {
        StoreError::Backend(BackendError::msg(format!(
            "a stored number is negative: {n}"
        )))
    })
}

/// A page's offset and limit as SQL integers (a huge limit means "all").
pub(crate) fn page_bounds(page: Page) -> (i64, i64) {
    let clamp = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    (clamp(page.offset), clamp(page.limit))
}

pub(crate) fn to_json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(backend)
}

pub(crate) fn from_json<T: DeserializeOwned>(body: &str, what: &str) -> Result<T, StoreError> {
    serde_json::from_str(body).map_err(|e| {
        StoreError::Backend(BackendError::context(
            format!("a stored {what} does not read back"),
            e,
        ))
    })
}

/// A `LIKE` pattern matching values that contain `needle` (lower-cased), `!` escaping.
pub(crate) fn contains_pattern(needle: &str) -> String {
    let mut p = String::with_capacity(needle.len() + 2);
    p.push('%');
    for c in needle.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '!') {
            p.push('!');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// A CSR record as its row's columns.
pub(crate) struct CsrColumns {
    pub(crate) status: String,
    pub(crate) algorithm_uc: Option<String>,
    pub(crate) name_lc: Option<String>,
    pub(crate) remark_lc: Option<String>,
    pub(crate) cn_lc: Option<String>,
    pub(crate) has_key: bool,
    pub(crate) body: String,
    pub(crate) sealed_key: Option<Vec<u8>>,
    pub(crate) sealed_password: Option<Vec<u8>>,
    pub(crate) names: Vec<String>,
    pub(crate) tags: Vec<(String, String)>,
}

fn sealed_bytes(sealed: Option<&SealedKey>) -> Result<Option<Vec<u8>>, StoreError> {
    sealed
        .map(|s| {
            s.to_bytes().ok_or_else(|| {
                StoreError::Vault(
                    "a sealed key's id is over 65,535 bytes or its nonce is not 12 bytes".into(),
                )
            })
        })
        .transpose()
}

pub(crate) fn csr_columns(record: &CsrRecord) -> Result<CsrColumns, StoreError> {
    let lower = |s: &Option<String>| s.as_deref().map(str::to_lowercase);
    let mut body = record.clone();
    body.id = 0;
    body.version = 0;
    body.sealed_key = None;
    body.sealed_password = None;
    let status = to_json(&record.status)?.trim_matches('"').to_owned();
    Ok(CsrColumns {
        status,
        algorithm_uc: record.algorithm.as_deref().map(str::to_ascii_uppercase),
        name_lc: lower(&record.name),
        remark_lc: lower(&record.remark),
        cn_lc: lower(&record.common_name),
        has_key: record.sealed_key.is_some(),
        body: to_json(&body)?,
        sealed_key: sealed_bytes(record.sealed_key.as_ref())?,
        sealed_password: sealed_bytes(record.sealed_password.as_ref())?,
        names: record.sans.iter().map(|s| s.to_lowercase()).collect(),
        tags: record
            .tags
            .iter()
            .map(|t| (t.key.clone(), t.value.clone()))
            .collect(),
    })
}

/// A record from its row.
pub(crate) fn csr_from_row(
    scope: Scope,
    id: i64,
    version: i64,
    body: &str,
    sealed_key: Option<&[u8]>,
    sealed_password: Option<&[u8]>,
) -> Result<CsrRecord, StoreError> {
    let mut record: CsrRecord = from_json(body, "csr")?;
    record.id = to_u64(id)?;
    record.version = to_u64(version)?;
    record.scope = scope;
    record.sealed_key = sealed_key.map(SealedKey::from_bytes).transpose()?;
    record.sealed_password = sealed_password.map(SealedKey::from_bytes).transpose()?;
    Ok(record)
}

/// The CSR an order uses while it is open (not yet issued, nor ended): what
/// `orders_using_csr` finds.
pub(crate) fn open_csr_id(order: &Order) -> Option<String> {
    order.held_csr().map(|c| c.id.clone())
}

/// The `WHERE` conditions of a CSR listing after the scope, pushed onto a query builder of
/// either database.
pub(crate) fn push_csr_filter<'a, DB>(qb: &mut sqlx::QueryBuilder<'a, DB>, filter: &CsrFilter)
where
    DB: sqlx::Database,
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    bool: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    if let Some(d) = &filter.domain {
        let p = contains_pattern(d);
        qb.push(" AND (c.cn_lc LIKE ");
        qb.push_bind(p.clone());
        qb.push(
            " ESCAPE '!' OR EXISTS (SELECT 1 FROM certdesk_csr_names n \
             WHERE n.csr_id = c.id AND n.name_lc LIKE ",
        );
        qb.push_bind(p);
        qb.push(" ESCAPE '!'))");
    }
    if let Some(k) = &filter.keyword {
        let p = contains_pattern(k);
        qb.push(" AND (c.cn_lc LIKE ");
        qb.push_bind(p.clone());
        qb.push(" ESCAPE '!' OR c.name_lc LIKE ");
        qb.push_bind(p);
        qb.push(" ESCAPE '!')");
    }
    if let Some(n) = &filter.name {
        qb.push(" AND c.name_lc LIKE ");
        qb.push_bind(contains_pattern(n));
        qb.push(" ESCAPE '!'");
    }
    if let Some(r) = &filter.remark {
        qb.push(" AND c.remark_lc LIKE ");
        qb.push_bind(contains_pattern(r));
        qb.push(" ESCAPE '!'");
    }
    if let Some(a) = &filter.algorithm {
        qb.push(" AND c.algorithm_uc = ");
        qb.push_bind(a.to_ascii_uppercase());
    }
    if let Some(t) = &filter.tag {
        qb.push(
            " AND EXISTS (SELECT 1 FROM certdesk_csr_tags t WHERE t.csr_id = c.id AND t.tag_key = ",
        );
        qb.push_bind(t.key.clone());
        qb.push(" AND t.tag_value = ");
        qb.push_bind(t.value.clone());
        qb.push(")");
    }
    if let Some(h) = filter.has_private_key {
        qb.push(" AND c.has_key = ");
        qb.push_bind(h);
    }
}

/// A CSR record from a row of `SELECT id, version, body, sealed_key, sealed_password`, of
/// either database.
pub(crate) fn csr_row<R>(scope: &Scope, row: &R) -> Result<CsrRecord, StoreError>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Vec<u8>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let id: i64 = row.try_get(0).map_err(backend)?;
    let version: i64 = row.try_get(1).map_err(backend)?;
    let body: String = row.try_get(2).map_err(backend)?;
    let sealed_key: Option<Vec<u8>> = row.try_get(3).map_err(backend)?;
    let sealed_password: Option<Vec<u8>> = row.try_get(4).map_err(backend)?;
    csr_from_row(
        scope.clone(),
        id,
        version,
        &body,
        sealed_key.as_deref(),
        sealed_password.as_deref(),
    )
}

/// Both store traits over one sqlx pool of one database.
macro_rules! sql_store {
    ($store:ident, $db:ty, $dialect:expr, $begin:expr, $read:expr) => {
        impl $store {
            /// A read-only transaction with one snapshot for all its statements (a listing's
            /// total and page agree).
            async fn begin_read(&self) -> Result<sqlx::Transaction<'static, $db>, StoreError> {
                self.pool.begin_with($read).await.map_err(sql::backend)
            }

            async fn begin(&self) -> Result<sqlx::Transaction<'static, $db>, StoreError> {
                let begin: Option<&'static str> = $begin;
                match begin {
                    Some(statement) => self.pool.begin_with(statement).await,
                    None => self.pool.begin().await,
                }
                .map_err(sql::backend)
            }

            /// Applies the migrations this build knows and the database has not seen.
            async fn migrate_schema(&self) -> Result<(), StoreError> {
                let mut tx = self.begin().await?;
                self.lock_schema(&mut tx).await?;
                sqlx::query(
                    "CREATE TABLE IF NOT EXISTS certdesk_schema (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)",
                )
                .execute(&mut *tx)
                .await
                .map_err(sql::backend)?;
                let applied: Option<i64> =
                    sqlx::query_scalar("SELECT MAX(version) FROM certdesk_schema")
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(sql::backend)?;
                let applied = applied.unwrap_or(0);
                sql::check_schema_version(applied)?;
                for (version, ddl) in sql::pending_migrations(&$dialect, applied) {
                    for statement in ddl.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                        sqlx::query(statement)
                            .execute(&mut *tx)
                            .await
                            .map_err(sql::backend)?;
                    }
                    if version == sql::HELD_CSR_VERSION {
                        Self::backfill_held_csrs(&mut tx).await?;
                    }
                    sqlx::query("INSERT INTO certdesk_schema (version, applied_at) VALUES ($1, $2)")
                        .bind(version)
                        .bind(
                            time::OffsetDateTime::now_utc()
                                .format(&time::format_description::well_known::Rfc3339)
                                .map_err(sql::backend)?,
                        )
                        .execute(&mut *tx)
                        .await
                        .map_err(sql::backend)?;
                }
                tx.commit().await.map_err(sql::backend)
            }

            /// Names the CSR of every issued (or revoking) order written before schema
            /// version 3, which named only open orders' CSRs.
            async fn backfill_held_csrs(
                tx: &mut sqlx::Transaction<'static, $db>,
            ) -> Result<(), StoreError> {
                let rows: Vec<(String, String)> = sqlx::query_as(
                    "SELECT id, body FROM certdesk_orders WHERE open_csr_id IS NULL",
                )
                .fetch_all(&mut **tx)
                .await
                .map_err(sql::backend)?;
                for (id, body) in rows {
                    let order: Order = sql::from_json(&body, "order")?;
                    if let Some(csr) = sql::open_csr_id(&order) {
                        sqlx::query("UPDATE certdesk_orders SET open_csr_id = $1 WHERE id = $2")
                            .bind(csr)
                            .bind(&id)
                            .execute(&mut **tx)
                            .await
                            .map_err(sql::backend)?;
                    }
                }
                Ok(())
            }

            async fn write_csr_side_tables(
                tx: &mut sqlx::Transaction<'static, $db>,
                id: i64,
                cols: &sql::CsrColumns,
                replace: bool,
            ) -> Result<(), StoreError> {
                if replace {
                    sqlx::query("DELETE FROM certdesk_csr_names WHERE csr_id = $1")
                        .bind(id)
                        .execute(&mut **tx)
                        .await
                        .map_err(sql::backend)?;
                    sqlx::query("DELETE FROM certdesk_csr_tags WHERE csr_id = $1")
                        .bind(id)
                        .execute(&mut **tx)
                        .await
                        .map_err(sql::backend)?;
                }
                for name in &cols.names {
                    sqlx::query("INSERT INTO certdesk_csr_names (csr_id, name_lc) VALUES ($1, $2)")
                        .bind(id)
                        .bind(name)
                        .execute(&mut **tx)
                        .await
                        .map_err(sql::backend)?;
                }
                for (key, value) in &cols.tags {
                    sqlx::query(
                        "INSERT INTO certdesk_csr_tags (csr_id, tag_key, tag_value) VALUES ($1, $2, $3)",
                    )
                    .bind(id)
                    .bind(key)
                    .bind(value)
                    .execute(&mut **tx)
                    .await
                    .map_err(sql::backend)?;
                }
                Ok(())
            }

            /// The stored version of a scope's CSR, if there is one.
            async fn csr_version(
                tx: &mut sqlx::Transaction<'static, $db>,
                scope: &Scope,
                id: i64,
            ) -> Result<Option<i64>, StoreError> {
                sqlx::query_scalar(
                    "SELECT version FROM certdesk_csrs WHERE id = $1 AND account = $2 AND region = $3",
                )
                .bind(id)
                .bind(&scope.account)
                .bind(&scope.region)
                .fetch_optional(&mut **tx)
                .await
                .map_err(sql::backend)
            }

            async fn order_version(
                tx: &mut sqlx::Transaction<'static, $db>,
                scope: &Scope,
                id: &str,
            ) -> Result<Option<i64>, StoreError> {
                sqlx::query_scalar(
                    "SELECT version FROM certdesk_orders WHERE id = $1 AND account = $2 AND region = $3",
                )
                .bind(id)
                .bind(&scope.account)
                .bind(&scope.region)
                .fetch_optional(&mut **tx)
                .await
                .map_err(sql::backend)
            }
        }

        #[async_trait]
        impl CsrStore for $store {
            async fn insert_csr(&self, mut record: CsrRecord) -> Result<CsrRecord, StoreError> {
                let cols = sql::csr_columns(&record)?;
                let mut tx = self.begin().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO certdesk_csrs (account, region, version, status, algorithm_uc, \
                     name_lc, remark_lc, cn_lc, has_key, body, sealed_key, sealed_password) \
                     VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                )
                .bind(&record.scope.account)
                .bind(&record.scope.region)
                .bind(&cols.status)
                .bind(&cols.algorithm_uc)
                .bind(&cols.name_lc)
                .bind(&cols.remark_lc)
                .bind(&cols.cn_lc)
                .bind(cols.has_key)
                .bind(&cols.body)
                .bind(&cols.sealed_key)
                .bind(&cols.sealed_password)
                .fetch_one(&mut *tx)
                .await
                .map_err(sql::backend)?;
                Self::write_csr_side_tables(&mut tx, id, &cols, false).await?;
                tx.commit().await.map_err(sql::backend)?;
                record.id = sql::to_u64(id)?;
                record.version = 1;
                Ok(record)
            }

            async fn get_csr(&self, scope: &Scope, id: u64) -> Result<CsrRecord, StoreError> {
                let Ok(key) = i64::try_from(id) else {
                    return Err(StoreError::not_found(RecordKind::Csr, id));
                };
                let row = sqlx::query(
                    "SELECT id, version, body, sealed_key, sealed_password FROM certdesk_csrs \
                     WHERE id = $1 AND account = $2 AND region = $3",
                )
                .bind(key)
                .bind(&scope.account)
                .bind(&scope.region)
                .fetch_optional(&self.pool)
                .await
                .map_err(sql::backend)?
                .ok_or_else(|| StoreError::not_found(RecordKind::Csr, id))?;
                sql::csr_row(scope, &row)
            }

            async fn update_csr(&self, mut record: CsrRecord) -> Result<CsrRecord, StoreError> {
                let Ok(id) = i64::try_from(record.id) else {
                    return Err(StoreError::not_found(RecordKind::Csr, record.id));
                };
                let read = sql::to_i64(record.version, "version")?;
                let cols = sql::csr_columns(&record)?;
                let mut tx = self.begin().await?;
                let done = sqlx::query(
                    "UPDATE certdesk_csrs SET version = version + 1, status = $1, algorithm_uc = $2, \
                     name_lc = $3, remark_lc = $4, cn_lc = $5, has_key = $6, body = $7, \
                     sealed_key = $8, sealed_password = $9 \
                     WHERE id = $10 AND account = $11 AND region = $12 AND version = $13",
                )
                .bind(&cols.status)
                .bind(&cols.algorithm_uc)
                .bind(&cols.name_lc)
                .bind(&cols.remark_lc)
                .bind(&cols.cn_lc)
                .bind(cols.has_key)
                .bind(&cols.body)
                .bind(&cols.sealed_key)
                .bind(&cols.sealed_password)
                .bind(id)
                .bind(&record.scope.account)
                .bind(&record.scope.region)
                .bind(read)
                .execute(&mut *tx)
                .await
                .map_err(sql::backend)?;
                if done.rows_affected() == 0 {
                    let found = Self::csr_version(&mut tx, &record.scope, id).await?;
                    return Err(sql::missing_or_conflict(RecordKind::Csr, record.id, Some(record.version), found));
                }
                Self::write_csr_side_tables(&mut tx, id, &cols, true).await?;
                tx.commit().await.map_err(sql::backend)?;
                record.version += 1;
                Ok(record)
            }

            async fn delete_csr(
                &self,
                scope: &Scope,
                id: u64,
                version: Option<u64>,
            ) -> Result<(), StoreError> {
                let Ok(key) = i64::try_from(id) else {
                    return Err(StoreError::not_found(RecordKind::Csr, id));
                };
                let mut tx = self.begin().await?;
                // The side rows go too, explicitly: the cascade needs SQLite's foreign keys on.
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "DELETE FROM certdesk_csrs WHERE id = ",
                );
                qb.push_bind(key);
                qb.push(" AND account = ");
                qb.push_bind(&scope.account);
                qb.push(" AND region = ");
                qb.push_bind(&scope.region);
                if let Some(v) = version {
                    qb.push(" AND version = ");
                    qb.push_bind(sql::to_i64(v, "version")?);
                }
                let done = qb
                    .build()
                    .execute(&mut *tx)
                    .await
                    .map_err(sql::backend)?;
                if done.rows_affected() == 0 {
                    let found = Self::csr_version(&mut tx, scope, key).await?;
                    return Err(sql::missing_or_conflict(RecordKind::Csr, id, version, found));
                }
                for table in ["certdesk_csr_names", "certdesk_csr_tags"] {
                    sqlx::query(&format!("DELETE FROM {table} WHERE csr_id = $1"))
                        .bind(key)
                        .execute(&mut *tx)
                        .await
                        .map_err(sql::backend)?;
                }
                tx.commit().await.map_err(sql::backend)
            }

            async fn list_csrs(
                &self,
                scope: &Scope,
                filter: &CsrFilter,
                page: Page,
            ) -> Result<Paged<CsrRecord>, StoreError> {
                let (offset, limit) = sql::page_bounds(page);
                let mut count = sqlx::QueryBuilder::<$db>::new(
                    "SELECT COUNT(*) FROM certdesk_csrs c WHERE c.account = ",
                );
                count.push_bind(&scope.account);
                count.push(" AND c.region = ");
                count.push_bind(&scope.region);
                sql::push_csr_filter(&mut count, filter);
                let mut select = sqlx::QueryBuilder::<$db>::new(
                    "SELECT c.id, c.version, c.body, c.sealed_key, c.sealed_password \
                     FROM certdesk_csrs c WHERE c.account = ",
                );
                select.push_bind(&scope.account);
                select.push(" AND c.region = ");
                select.push_bind(&scope.region);
                sql::push_csr_filter(&mut select, filter);
                select.push(" ORDER BY c.id LIMIT ");
                select.push_bind(limit);
                select.push(" OFFSET ");
                select.push_bind(offset);
                // One read transaction, so the total and the page agree.
                let mut tx = self.begin_read().await?;
                let total: i64 = count
                    .build_query_scalar()
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(sql::backend)?;
                let rows = select
                    .build()
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(sql::backend)?;
                tx.commit().await.map_err(sql::backend)?;
                let items = rows
                    .iter()
                    .map(|row| sql::csr_row(scope, row))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Paged {
                    total: sql::to_u64(total)?,
                    items,
                })
            }
        }

        #[async_trait]
        impl OrderStore for $store {
            async fn insert_order(&self, scope: &Scope, order: &Order) -> Result<(), StoreError> {
                let done = sqlx::query(
                    "INSERT INTO certdesk_orders (id, account, region, version, open_csr_id, body) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
                )
                .bind(order.id())
                .bind(&scope.account)
                .bind(&scope.region)
                .bind(sql::to_i64(order.version(), "version")?)
                .bind(sql::open_csr_id(order))
                .bind(sql::to_json(order)?)
                .execute(&self.pool)
                .await
                .map_err(sql::backend)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::Duplicate {
                        what: RecordKind::Order,
                        id: order.id().to_owned(),
                    });
                }
                Ok(())
            }

            async fn get_order(&self, scope: &Scope, id: &str) -> Result<Order, StoreError> {
                let body: String = sqlx::query_scalar(
                    "SELECT body FROM certdesk_orders WHERE id = $1 AND account = $2 AND region = $3",
                )
                .bind(id)
                .bind(&scope.account)
                .bind(&scope.region)
                .fetch_optional(&self.pool)
                .await
                .map_err(sql::backend)?
                .ok_or_else(|| StoreError::not_found(RecordKind::Order, id))?;
                sql::from_json(&body, "order")
            }

            async fn update_order(
                &self,
                scope: &Scope,
                order: &Order,
                expected_version: u64,
            ) -> Result<(), StoreError> {
                let mut tx = self.begin().await?;
                let done = sqlx::query(
                    "UPDATE certdesk_orders SET version = $1, open_csr_id = $2, body = $3 \
                     WHERE id = $4 AND account = $5 AND region = $6 AND version = $7",
                )
                .bind(sql::to_i64(order.version(), "version")?)
                .bind(sql::open_csr_id(order))
                .bind(sql::to_json(order)?)
                .bind(order.id())
                .bind(&scope.account)
                .bind(&scope.region)
                .bind(sql::to_i64(expected_version, "version")?)
                .execute(&mut *tx)
                .await
                .map_err(sql::backend)?;
                if done.rows_affected() == 0 {
                    let found = Self::order_version(&mut tx, scope, order.id()).await?;
                    return Err(sql::missing_or_conflict(RecordKind::Order, order.id(), Some(expected_version), found));
                }
                tx.commit().await.map_err(sql::backend)
            }

            async fn delete_order(
                &self,
                scope: &Scope,
                id: &str,
                expected_version: u64,
            ) -> Result<(), StoreError> {
                let mut tx = self.begin().await?;
                let done = sqlx::query(
                    "DELETE FROM certdesk_orders WHERE id = $1 AND account = $2 AND region = $3 AND version = $4",
                )
                .bind(id)
                .bind(&scope.account)
                .bind(&scope.region)
                .bind(sql::to_i64(expected_version, "version")?)
                .execute(&mut *tx)
                .await
                .map_err(sql::backend)?;
                if done.rows_affected() == 0 {
                    let found = Self::order_version(&mut tx, scope, id).await?;
                    return Err(sql::missing_or_conflict(RecordKind::Order, id, Some(expected_version), found));
                }
                sqlx::query(
                    "DELETE FROM certdesk_order_files WHERE account = $1 AND region = $2 AND order_id = $3",
                )
                .bind(&scope.account)
                .bind(&scope.region)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(sql::backend)?;
                tx.commit().await.map_err(sql::backend)
            }

            async fn list_orders(
                &self,
                scope: &Scope,
                page: Page,
            ) -> Result<Paged<Order>, StoreError> {
                let (offset, limit) = sql::page_bounds(page);
                let mut tx = self.begin_read().await?;
                let total: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM certdesk_orders WHERE account = $1 AND region = $2",
                )
                .bind(&scope.account)
                .bind(&scope.region)
                .fetch_one(&mut *tx)
                .await
                .map_err(sql::backend)?;
                let bodies: Vec<String> = sqlx::query_scalar(
                    "SELECT body FROM certdesk_orders WHERE account = $1 AND region = $2 \
                     ORDER BY seq LIMIT $3 OFFSET $4",
                )
                .bind(&scope.account)
                .bind(&scope.region)
                .bind(limit)
                .bind(offset)
                .fetch_all(&mut *tx)
                .await
                .map_err(sql::backend)?;
                tx.commit().await.map_err(sql::backend)?;
                Ok(Paged {
                    total: sql::to_u64(total)?,
                    items: bodies
                        .iter()
                        .map(|b| sql::from_json(b, "order"))
                        .collect::<Result<_, _>>()?,
                })
            }

            async fn orders_using_csr(
                &self,
                scope: &Scope,
                csr_id: &str,
            ) -> Result<Vec<String>, StoreError> {
                sqlx::query_scalar(
                    "SELECT id FROM certdesk_orders WHERE account = $1 AND region = $2 \
                     AND open_csr_id = $3 ORDER BY seq",
                )
                .bind(&scope.account)
                .bind(&scope.region)
                .bind(csr_id)
                .fetch_all(&self.pool)
                .await
                .map_err(sql::backend)
            }

            async fn get_quota(
                &self,
                scope: &Scope,
            ) -> Result<Option<(QuotaLedger, u64)>, StoreError> {
                let row: Option<(String, i64)> = sqlx::query_as(
                    "SELECT body, version FROM certdesk_quotas WHERE account = $1 AND region = $2",
                )
                .bind(&scope.account)
                .bind(&scope.region)
                .fetch_optional(&self.pool)
                .await
                .map_err(sql::backend)?;
                row.map(|(body, version)| Ok((sql::from_json(&body, "quota")?, sql::to_u64(version)?)))
                    .transpose()
            }

            async fn put_quota(
                &self,
                scope: &Scope,
                ledger: &QuotaLedger,
                expected_version: Option<u64>,
            ) -> Result<u64, StoreError> {
                let body = sql::to_json(ledger)?;
                let mut tx = self.begin().await?;
                let done = match expected_version {
                    None => sqlx::query(
                        "INSERT INTO certdesk_quotas (account, region, version, body) \
                         VALUES ($1, $2, 1, $3) ON CONFLICT (account, region) DO NOTHING",
                    )
                    .bind(&scope.account)
                    .bind(&scope.region)
                    .bind(&body)
                    .execute(&mut *tx)
                    .await,
                    Some(v) => sqlx::query(
                        "UPDATE certdesk_quotas SET version = version + 1, body = $1 \
                         WHERE account = $2 AND region = $3 AND version = $4",
                    )
                    .bind(&body)
                    .bind(&scope.account)
                    .bind(&scope.region)
                    .bind(sql::to_i64(v, "version")?)
                    .execute(&mut *tx)
                    .await,
                }
                .map_err(sql::backend)?;
                let found: Option<i64> = sqlx::query_scalar(
                    "SELECT version FROM certdesk_quotas WHERE account = $1 AND region = $2",
                )
                .bind(&scope.account)
                .bind(&scope.region)
                .fetch_optional(&mut *tx)
                .await
                .map_err(sql::backend)?;
                let found = found.map(sql::to_u64).transpose()?;
                if done.rows_affected() == 0 {
                    return Err(sql::quota_conflict(scope, expected_version, found));
                }
                tx.commit().await.map_err(sql::backend)?;
                found.ok_or_else(|| StoreError::Backend(BackendError::msg("the quota ledger just written is gone")))
            }

            async fn save_profile(
                &self,
                scope: &Scope,
                name: &str,
                info: &OrderInfo,
                limit: u64,
            ) -> Result<(), StoreError> {
                let body = sql::to_json(info)?;
                let mut tx = self.begin().await?;
                // Writers of one scope's profiles take turns, so the count below stays true
                // until this transaction commits.
                if let Some(lock) = $dialect.xact_lock {
                    sqlx::query(lock)
                        .bind(sql::lock_key(RecordKind::Profile, scope))
                        .execute(&mut *tx)
                        .await
                        .map_err(sql::backend)?;
                }
                let exists: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM certdesk_profiles WHERE account = $1 AND region = $2 AND name = $3",
                )
                .bind(&scope.account)
                .bind(&scope.region)
                .bind(name)
                .fetch_one(&mut *tx)
                .await
                .map_err(sql::backend)?;
                if exists == 0 {
                    let held: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM certdesk_profiles WHERE account = $1 AND region = $2",
                    )
                    .bind(&scope.account)
                    .bind(&scope.region)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(sql::backend)?;
                    if sql::to_u64(held)? >= limit {
                        return Err(StoreError::LimitReached { what: RecordKind::Profile, limit });
                    }
                }
                sqlx::query(
                    "INSERT INTO certdesk_profiles (account, region, name, body) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (account, region, name) DO UPDATE SET body = excluded.body",
                )
                .bind(&scope.account)
                .bind(&scope.region)
                .bind(name)
                .bind(&body)
                .execute(&mut *tx)
                .await
                .map_err(sql::backend)?;
                tx.commit().await.map_err(sql::backend)
            }

            async fn get_profile(&self, scope: &Scope, name: &str) -> Result<OrderInfo, StoreError> {
                let body: String = sqlx::query_scalar(
                    "SELECT body FROM certdesk_profiles WHERE account = $1 AND region = $2 AND name = $3",
                )
                .bind(&scope.account)
                .bind(&scope.region)
                .bind(name)
                .fetch_optional(&self.pool)
                .await
                .map_err(sql::backend)?
                .ok_or_else(|| StoreError::not_found(RecordKind::Profile, name))?;
                sql::from_json(&body, "profile")
            }

            async fn list_profiles(&self, scope: &Scope) -> Result<Vec<String>, StoreError> {
                sqlx::query_scalar(
                    "SELECT name FROM certdesk_profiles WHERE account = $1 AND region = $2 ORDER BY name",
                )
                .bind(&scope.account)
                .bind(&scope.region)
                .fetch_all(&self.pool)
                .await
                .map_err(sql::backend)
            }

            async fn delete_profile(&self, scope: &Scope, name: &str) -> Result<(), StoreError> {
                let done = sqlx::query(
                    "DELETE FROM certdesk_profiles WHERE account = $1 AND region = $2 AND name = $3",
                )
                .bind(&scope.account)
                .bind(&scope.region)
                .bind(name)
                .execute(&self.pool)
                .await
                .map_err(sql::backend)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::not_found(RecordKind::Profile, name));
                }
                Ok(())
            }

            async fn put_order_file(
                &self,
                scope: &Scope,
                order_id: &str,
                name: &str,
                bytes: &[u8],
            ) -> Result<(), StoreError> {
                let done = sqlx::query(
                    "INSERT INTO certdesk_order_files (account, region, order_id, name, body) \
                     SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM certdesk_orders \
                     WHERE id = $3 AND account = $1 AND region = $2) \
                     ON CONFLICT (account, region, order_id, name) DO UPDATE SET body = excluded.body",
                )
                .bind(&scope.account)
                .bind(&scope.region)
                .bind(order_id)
                .bind(name)
                .bind(bytes)
                .execute(&self.pool)
                .await
                .map_err(sql::backend)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::not_found(RecordKind::Order, order_id));
                }
                Ok(())
            }

            async fn claim_order_file(
                &self,
                scope: &Scope,
                order_id: &str,
                name: &str,
                bytes: &[u8],
            ) -> Result<bool, StoreError> {
                let mut tx = self.begin().await?;
                if Self::order_version(&mut tx, scope, order_id).await?.is_none() {
                    return Err(StoreError::not_found(RecordKind::Order, order_id));
                }
                // The primary key decides: of two writers, one inserts, the other inserts nothing.
                let done = sqlx::query(
                    "INSERT INTO certdesk_order_files (account, region, order_id, name, body) \
                     VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (account, region, order_id, name) DO NOTHING",
                )
                .bind(&scope.account)
                .bind(&scope.region)
                .bind(order_id)
                .bind(name)
                .bind(bytes)
                .execute(&mut *tx)
                .await
                .map_err(sql::backend)?;
                tx.commit().await.map_err(sql::backend)?;
                Ok(done.rows_affected() == 1)
            }

            async fn get_order_file(
                &self,
                scope: &Scope,
                order_id: &str,
                name: &str,
            ) -> Result<Option<Vec<u8>>, StoreError> {
                sqlx::query_scalar(
                    "SELECT body FROM certdesk_order_files WHERE account = $1 AND region = $2 \
                     AND order_id = $3 AND name = $4",
                )
                .bind(&scope.account)
                .bind(&scope.region)
                .bind(order_id)
                .bind(name)
                .fetch_optional(&self.pool)
                .await
                .map_err(sql::backend)
            }
        }

        #[async_trait]
        impl AccessKeyStore for $store {
            async fn insert_access_key(&self, key: &AccessKeyRecord) -> Result<(), StoreError> {
                let sealed = key.sealed_secret.to_bytes().ok_or_else(|| {
                    StoreError::Vault("a sealed secret's id is over 65,535 bytes".into())
                })?;
                let done = sqlx::query(
                    "INSERT INTO certdesk_access_keys (id, account, enabled, created_at, sealed_secret) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
                )
                .bind(&key.id)
                .bind(&key.account)
                .bind(key.enabled)
                .bind(key.created_at.unix_timestamp())
                .bind(sealed)
                .execute(&self.pool)
                .await
                .map_err(sql::backend)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::Conflict {
                        what: RecordKind::AccessKey,
                        id: key.id.clone(),
                        expected: 0,
                        found: 1,
                    });
                }
                Ok(())
            }

            async fn get_access_key(&self, id: &str) -> Result<Option<AccessKeyRecord>, StoreError> {
                let row: Option<(String, String, bool, i64, Vec<u8>)> = sqlx::query_as(
                    "SELECT id, account, enabled, created_at, sealed_secret \
                     FROM certdesk_access_keys WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(sql::backend)?;
                row.map(sql::access_key_from_row).transpose()
            }

            async fn list_access_keys(&self, account: &str) -> Result<Vec<AccessKeyRecord>, StoreError> {
                let rows: Vec<(String, String, bool, i64, Vec<u8>)> = sqlx::query_as(
                    "SELECT id, account, enabled, created_at, sealed_secret \
                     FROM certdesk_access_keys WHERE account = $1 ORDER BY created_at, id",
                )
                .bind(account)
                .fetch_all(&self.pool)
                .await
                .map_err(sql::backend)?;
                rows.into_iter().map(sql::access_key_from_row).collect()
            }

            async fn set_access_key_enabled(
                &self,
                account: &str,
                id: &str,
                enabled: bool,
            ) -> Result<(), StoreError> {
                let done = sqlx::query(
                    "UPDATE certdesk_access_keys SET enabled = $1 WHERE id = $2 AND account = $3",
                )
                .bind(enabled)
                .bind(id)
                .bind(account)
                .execute(&self.pool)
                .await
                .map_err(sql::backend)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::not_found(RecordKind::AccessKey, id));
                }
                Ok(())
            }

            async fn delete_access_key(&self, account: &str, id: &str) -> Result<(), StoreError> {
                let done = sqlx::query("DELETE FROM certdesk_access_keys WHERE id = $1 AND account = $2")
                    .bind(id)
                    .bind(account)
                    .execute(&self.pool)
                    .await
                    .map_err(sql::backend)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::not_found(RecordKind::AccessKey, id));
                }
                Ok(())
            }

            async fn remember_nonce(
                &self,
                key_id: &str,
                nonce: &str,
                now: time::OffsetDateTime,
                expires_at: time::OffsetDateTime,
            ) -> Result<bool, StoreError> {
                let mut tx = self.begin().await?;
                sqlx::query("DELETE FROM certdesk_nonces WHERE expires_at <= $1")
                    .bind(now.unix_timestamp())
                    .execute(&mut *tx)
                    .await
                    .map_err(sql::backend)?;
                // The primary key decides: of two instances inserting one nonce, one wins.
                let done = sqlx::query(
                    "INSERT INTO certdesk_nonces (key_id, nonce, expires_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (key_id, nonce) DO NOTHING",
                )
                .bind(key_id)
                .bind(nonce)
                .bind(expires_at.unix_timestamp())
                .execute(&mut *tx)
                .await
                .map_err(sql::backend)?;
                tx.commit().await.map_err(sql::backend)?;
                Ok(done.rows_affected() == 1)
            }
        }
    };
}

pub(crate) use sql_store;

/// An access key from its row.
pub(crate) fn access_key_from_row(
    (id, account, enabled, created_at, sealed): (String, String, bool, i64, Vec<u8>),
) -> Result<crate::backend::AccessKeyRecord, StoreError> {
    Ok(crate::backend::AccessKeyRecord {
        id,
        account,
        enabled,
        created_at: time::OffsetDateTime::from_unix_timestamp(created_at).map_err(backend)?,
        sealed_secret: SealedKey::from_bytes(&sealed)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_that_changed_nothing_is_a_conflict_only_against_a_newer_version() {
        let e = missing_or_conflict(RecordKind::Csr, 7, Some(1), Some(2));
        assert!(matches!(
            e,
            StoreError::Conflict {
                what: RecordKind::Csr,
                expected: 1,
                found: 2,
                ..
            }
        ));
        for (expected, found) in [(Some(1), None), (None, Some(2)), (None, None)] {
            let e = missing_or_conflict(RecordKind::Order, "o-1", expected, found);
            assert!(
                matches!(&e, StoreError::NotFound { what: RecordKind::Order, id } if id == "o-1"),
                "{expected:?} {found:?}: {e:?}"
            );
        }
        assert_eq!(
            missing_or_conflict(RecordKind::Csr, 7, Some(1), Some(-1)).code(),
            "store.backend"
        );
    }

    #[test]
    fn a_newer_schema_is_refused() {
        assert!(check_schema_version(schema_version()).is_ok());
        assert!(check_schema_version(0).is_ok());
        let e = check_schema_version(schema_version() + 1).unwrap_err();
        assert!(e.to_string().contains("knows up to"), "{e}");
    }

    #[test]
    fn lock_keys_tell_scopes_and_kinds_apart() {
        let a = lock_key(RecordKind::Profile, &Scope::new("team/a", "r"));
        assert_eq!(a, lock_key(RecordKind::Profile, &Scope::new("team/a", "r")));
        assert_ne!(a, lock_key(RecordKind::Profile, &Scope::new("team", "a/r")));
        assert_ne!(a, lock_key(RecordKind::Order, &Scope::new("team/a", "r")));
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(contains_pattern("Ab"), "%ab%");
        assert_eq!(contains_pattern("50%_off!"), "%50!%!_off!!%");
    }

    #[test]
    fn migrations_fill_in_the_dialect() {
        let d = Dialect {
            serial: "SERIAL-X",
            blob: "BLOB-X",
            xact_lock: None,
        };
        let all = pending_migrations(&d, 0);
        assert_eq!(all.len() as i64, schema_version());
        assert!(all[0].1.contains("id SERIAL-X"));
        assert!(all[0].1.contains("sealed_key BLOB-X"));
        assert!(!all[0].1.contains('{'));
        assert!(pending_migrations(&d, schema_version()).is_empty());
    }
}
