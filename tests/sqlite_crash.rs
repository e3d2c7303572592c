//! The SQLite store survives its process being killed in the middle of writing: the database
//! reopens consistent, every record whole (its row and its side tables from the same write).

#![cfg(feature = "sqlite")]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use certdesk::backend::{
    CsrFilter, CsrRecord, CsrStatus, CsrStore, Page, Scope, SqliteStore, StoreError, Tag,
};
use time::macros::datetime;

const RECORDS: u64 = 8;

fn scope() -> Scope {
    Scope::new("crash", "ap-beijing")
}

fn record(i: u64) -> CsrRecord {
    CsrRecord {
        id: 0,
        scope: scope(),
        version: 0,
        status: CsrStatus::Draft,
        name: Some(format!("r{i}")),
        remark: Some("0".into()),
        tags: vec![],
        form: None,
        csr_pem: None,
        common_name: Some(format!("r{i}.example.com")),
        sans: vec![],
        algorithm: Some("RSA".into()),
        key_size: Some(2048),
        public_key_sha256: None,
        sealed_key: None,
        sealed_password: None,
        key_password_set: false,
        created_at: datetime!(2026-11-23 00:00 UTC),
        updated_at: datetime!(2026-11-23 00:00 UTC),
        picked: None,
    }
}

/// One write of round `n`: remark, SANs and tags all say `n`.
fn round(mut r: CsrRecord, n: u64) -> CsrRecord {
    r.remark = Some(n.to_string());
    r.sans = (0..n % 40)
        .map(|k| format!("s{k}.r{n}.example.com"))
        .collect();
    r.tags = (0..n % 25)
        .map(|k| Tag {
            key: format!("k{k}"),
            value: n.to_string(),
        })
        .collect();
    r
}

/// The writer the test kills: not a test of its own, run only as the child process.
#[tokio::test]
#[ignore = "the child process of sqlite_store_survives_being_killed_mid_write"]
async fn crash_child_writer() {
    let Ok(path) = std::env::var("CERTDESK_CRASH_DB") else {
        return;
    };
    let store = SqliteStore::open(&path).await.unwrap();
    let mut records = store
        .list_csrs(
            &scope(),
            &CsrFilter::default(),
            Page {
                offset: 0,
                limit: 100,
            },
        )
        .await
        .unwrap()
        .items;
    if records.is_empty() {
        for i in 0..RECORDS {
            records.push(store.insert_csr(record(i)).await.unwrap());
        }
    }
    println!("ready");
    let mut n: u64 = 0;
    loop {
        for r in records.iter_mut() {
            n += 1;
            let next = round(r.clone(), r.version + n);
            match store.update_csr(next).await {
                Ok(done) => *r = done,
                Err(StoreError::Conflict { .. }) => {
                    *r = store.get_csr(&scope(), r.id).await.unwrap();
                }
                Err(e) => panic!("{e}"),
            }
        }
    }
}

async fn check_consistent(path: &std::path::Path) -> u64 {
    let store = SqliteStore::open(path).await.unwrap();
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(integrity, "ok");
    let page = store
        .list_csrs(
            &scope(),
            &CsrFilter::default(),
            Page {
                offset: 0,
                limit: 100,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.total, RECORDS, "no record lost or half-inserted");
    let mut versions = 0;
    for r in &page.items {
        let n: u64 = r.remark.as_deref().unwrap().parse().unwrap();
        assert_eq!(r, &round(r.clone(), n), "the record's body is whole");
        // The side tables hold what the same write put there.
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT name_lc FROM certdesk_csr_names WHERE csr_id = $1 ORDER BY rowid",
        )
        .bind(r.id as i64)
        .fetch_all(store.pool())
        .await
        .unwrap();
        assert_eq!(names, r.sans, "record {} names", r.id);
        let tags: Vec<(String, String)> = sqlx::query_as(
            "SELECT tag_key, tag_value FROM certdesk_csr_tags WHERE csr_id = $1 ORDER BY rowid",
        )
        .bind(r.id as i64)
        .fetch_all(store.pool())
        .await
        .unwrap();
        let expected: Vec<(String, String)> = r
            .tags
            .iter()
            .map(|t| (t.key.clone(), t.value.clone()))
            .collect();
        assert_eq!(tags, expected, "record {} tags", r.id);
        versions += r.version;
    }
    // And it takes writes again.
    let mut first = page.items[0].clone();
    first.remark = Some("after".into());
    store.update_csr(first).await.unwrap();
    store.pool().close().await;
    versions
}

#[tokio::test]
async fn sqlite_store_survives_being_killed_mid_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.db");
    let mut progress = Vec::new();
    for (kill, wait_ms) in [150u64, 400, 900].into_iter().enumerate() {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "crash_child_writer", "--ignored", "--nocapture"])
            .env("CERTDESK_CRASH_DB", &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        loop {
            let line = lines.next().expect("the writer exited early").unwrap();
            if line.trim() == "ready" {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(wait_ms));
        child.kill().unwrap(); // SIGKILL: no destructor, no rollback, no checkpoint
        child.wait().unwrap();
        let versions = check_consistent(&path).await;
        eprintln!("kill {kill}: {versions} versions written in all");
        progress.push(versions);
    }
    // The writer was writing when killed: versions grew between kills by more than the one
    // write each check makes itself.
    assert!(progress.windows(2).all(|w| w[1] > w[0] + 1), "{progress:?}");
}
