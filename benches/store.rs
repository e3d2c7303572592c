//! What the SQLite store costs over the database itself: CSR and order writes through
//! `SqliteStore`, in the same run as plain inserts of the same rows through the same driver and
//! the same connection pool (so the same pragmas: WAL, `synchronous = FULL`) into tables with
//! the same columns and indexes (but no foreign keys).
//!
//! - `store/sqlite/insert_csr`: `CsrStore::insert_csr` of a record with two SANs, a tag and a
//!   sealed key (one transaction: the row, two name rows, one tag row);
//! - `store/sqlite/plain_insert_csr_rows`: the same four rows, inserted by hand in one
//!   transaction;
//! - `store/sqlite/update_csr`: `CsrStore::update_csr` of one record (version checked, side
//!   rows replaced);
//! - `store/sqlite/insert_order` and `store/sqlite/plain_insert_order_row`: an order through the
//!   store, and the same row by hand.
//!
//! Run with `cargo bench --bench store`. Each iteration is one committed write, so the numbers
//! read as writes per second (1 / time).

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

use certdesk::KeyKind;
use certdesk::backend::{
    AesGcmVault, CsrRecord, CsrStatus, CsrStore, KeyVault, OrderStore, Scope, SqliteStore, Tag,
};
use certdesk::order::{Command, CsrRef, Order, Product, ValidationMethod, ValidationToken};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use time::macros::datetime;

fn record(sealed: certdesk::backend::SealedKey) -> CsrRecord {
    let t = datetime!(2026-11-23 00:00 UTC);
    CsrRecord {
        id: 0,
        scope: Scope::new("100012345678", "ap-guangzhou"),
        version: 0,
        status: CsrStatus::Generated,
        name: Some("shop".into()),
        remark: Some("payments".into()),
        tags: vec![Tag {
            key: "env".into(),
            value: "prod".into(),
        }],
        form: None,
        csr_pem: Some("-----BEGIN CERTIFICATE REQUEST-----\n".repeat(12)),
        common_name: Some("www.example.com".into()),
        sans: vec!["www.example.com".into(), "example.com".into()],
        algorithm: Some("ECC".into()),
        key_size: Some(256),
        public_key_sha256: Some("ab".repeat(32)),
        sealed_key: Some(sealed),
        sealed_password: None,
        key_password_set: false,
        created_at: t,
        updated_at: t,
        picked: None,
    }
}

fn order(id: &str) -> Order {
    let t = datetime!(2026-11-23 00:00 UTC);
    let mut o = Order::new(id, Product::free_trustasia_dv(), t);
    o.apply(
        Command::SubmitInfo {
            csr: CsrRef {
                id: "1".into(),
                key: KeyKind::Rsa { bits: 2048 },
            },
            domains: vec!["example.com".into()],
            info: None,
            method: Some(ValidationMethod::Dns),
            token: Some(ValidationToken::from_bytes([1; 16])),
            prior_validations: vec![],
        },
        t,
    )
    .unwrap();
    o
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = rt
        .block_on(SqliteStore::open(dir.path().join("bench.db")))
        .unwrap();
    let vault = AesGcmVault::new("kek", [3; 32]);
    let sealed = rt.block_on(vault.seal(&[7u8; 138], b"ctx")).unwrap();
    let rec = record(sealed.clone());
    let pool = store.pool().clone();
    rt.block_on(async {
        for ddl in [
            "CREATE TABLE plain_csrs (id INTEGER PRIMARY KEY AUTOINCREMENT, account TEXT, region TEXT, \
             version BIGINT, status TEXT, algorithm_uc TEXT, name_lc TEXT, remark_lc TEXT, cn_lc TEXT, \
             has_key BOOLEAN, body TEXT, sealed_key BLOB, sealed_password BLOB)",
            "CREATE INDEX plain_csrs_scope ON plain_csrs (account, region, id)",
            "CREATE TABLE plain_names (csr_id BIGINT, name_lc TEXT)",
            "CREATE INDEX plain_names_csr ON plain_names (csr_id)",
            "CREATE TABLE plain_tags (csr_id BIGINT, tag_key TEXT, tag_value TEXT)",
            "CREATE INDEX plain_tags_csr ON plain_tags (csr_id)",
            "CREATE TABLE plain_orders (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE, \
             account TEXT, region TEXT, version BIGINT, open_csr_id TEXT, body TEXT)",
            "CREATE INDEX plain_orders_scope ON plain_orders (account, region, seq)",
            "CREATE INDEX plain_orders_csr ON plain_orders (account, region, open_csr_id)",
        ] {
            sqlx::query(ddl).execute(&pool).await.unwrap();
        }
    });
    // The plain rows carry the same bytes the store writes.
    let body = serde_json::to_string(&CsrRecord {
        sealed_key: None,
        ..rec.clone()
    })
    .unwrap();
    let sealed_bytes = sealed.to_bytes().unwrap();

    let mut group = c.benchmark_group("store/sqlite");
    group.sample_size(30);
    group.bench_function("insert_csr", |b| {
        b.iter(|| black_box(rt.block_on(store.insert_csr(rec.clone())).unwrap().id))
    });
    group.bench_function("plain_insert_csr_rows", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.unwrap();
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO plain_csrs (account, region, version, status, algorithm_uc, name_lc, \
                     remark_lc, cn_lc, has_key, body, sealed_key, sealed_password) \
                     VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8, $9, $10, NULL) RETURNING id",
                )
                .bind("100012345678")
                .bind("ap-guangzhou")
                .bind("generated")
                .bind("ECC")
                .bind("shop")
                .bind("payments")
                .bind("www.example.com")
                .bind(true)
                .bind(&body)
                .bind(&sealed_bytes)
                .fetch_one(&mut *tx)
                .await
                .unwrap();
                for name in ["www.example.com", "example.com"] {
                    sqlx::query("INSERT INTO plain_names (csr_id, name_lc) VALUES ($1, $2)")
                        .bind(id)
                        .bind(name)
                        .execute(&mut *tx)
                        .await
                        .unwrap();
                }
                sqlx::query("INSERT INTO plain_tags (csr_id, tag_key, tag_value) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind("env")
                    .bind("prod")
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
                black_box(id)
            })
        })
    });
    let mut current = rt.block_on(store.insert_csr(rec.clone())).unwrap();
    group.bench_function("update_csr", |b| {
        b.iter(|| {
            current = rt.block_on(store.update_csr(current.clone())).unwrap();
            black_box(current.version)
        })
    });
    let n = AtomicU64::new(0);
    let template = order("o");
    let order_body = serde_json::to_string(&template).unwrap();
    let scope = Scope::new("100012345678", "ap-guangzhou");
    group.bench_function("insert_order", |b| {
        // The order is built outside the measurement: only the write is timed.
        b.iter_batched(
            || order(&format!("o-{}", n.fetch_add(1, Ordering::Relaxed))),
            |o| rt.block_on(store.insert_order(&scope, &o)).unwrap(),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("plain_insert_order_row", |b| {
        b.iter(|| {
            let id = format!("p-{}", n.fetch_add(1, Ordering::Relaxed));
            rt.block_on(
                sqlx::query(
                    "INSERT INTO plain_orders (id, account, region, version, open_csr_id, body) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&id)
                .bind("100012345678")
                .bind("ap-guangzhou")
                .bind(1i64)
                .bind("1")
                .bind(&order_body)
                .execute(&pool),
            )
            .unwrap();
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
