//! The CSR management flow of the vendors' consoles, on SQLite by default: create a draft,
//! modify it, generate it, list, details, upload a CSR made elsewhere, delete. Half the calls
//! go through the vendors' own JSON APIs, half through the neutral service.
//!
//! ```sh
//! cargo run --example csr_console                      # a fresh SQLite file in a temp dir
//! cargo run --example csr_console -- --db console.db   # keep the database
//! cargo run --example csr_console -- --memory          # the in-memory store
//! ```
//!
//! The key-encryption key comes from `CERTDESK_KEK` (64 hex digits) when set; otherwise a random
//! one is made for this run (keys sealed under it cannot be opened by a later run).

use std::path::PathBuf;
use std::sync::Arc;

use certdesk::backend::{AesGcmVault, CsrFilter, CsrStore, MemoryStore, OrderStore, Page, Scope};
use certdesk::cloud::{Api, Vendor, success_body};
use certdesk::policy::Profile;
use certdesk::service::{CsrService, RateLimit, Upload};
use clap::Parser;

#[derive(Parser)]
#[command(about = "Run the CSR console flow on a store")]
struct Args {
    /// The SQLite database file (default: a new one in a temporary directory).
    #[arg(long)]
    db: Option<PathBuf>,
    /// Use the in-memory store instead of SQLite.
    #[arg(long)]
    memory: bool,
}

fn kek() -> Result<[u8; 32], Box<dyn std::error::Error>> {
    let mut kek = [0u8; 32];
    match std::env::var("CERTDESK_KEK") {
        Ok(hex) if hex.len() == 64 => {
            for (i, byte) in kek.iter_mut().enumerate() {
                *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)?;
            }
        }
        Ok(_) => return Err("CERTDESK_KEK must be 64 hex digits".into()),
        Err(_) => getrandom::fill(&mut kek).map_err(|e| e.to_string())?,
    }
    Ok(kek)
}

async fn stores(
    args: &Args,
) -> Result<
    (
        Arc<dyn CsrStore>,
        Arc<dyn OrderStore>,
        Option<tempfile::TempDir>,
    ),
    Box<dyn std::error::Error>,
> {
    if args.memory {
        let m = Arc::new(MemoryStore::new());
        println!("store: in memory");
        return Ok((m.clone(), m, None));
    }
    let (path, dir) = match &args.db {
        Some(p) => (p.clone(), None),
        None => {
            let dir = tempfile::tempdir()?;
            (dir.path().join("certdesk.db"), Some(dir))
        }
    };
    let s = Arc::new(certdesk::backend::SqliteStore::open(&path).await?);
    println!("store: SQLite at {}", path.display());
    Ok((s.clone(), s, dir))
}

fn show(step: &str, vendor: Vendor, payload: &serde_json::Value) {
    let body = success_body(vendor, payload.clone(), "demo");
    let shown = match body.char_indices().nth(400) {
        Some((cut, _)) => format!("{}... ({} bytes)", &body[..cut], body.len()),
        None => body,
    };
    println!("{step:<28} {shown}");
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let (csrs, orders, _dir) = stores(&args).await?;
    let vault = Arc::new(AesGcmVault::new("kek-demo", kek()?));
    let service = CsrService::new(csrs, vault)
        .with_orders(orders)
        .with_rate_limit(RateLimit::TENCENT);
    let me = Scope::new("100012345678", "ap-guangzhou");

    // Tencent: CreateCSR with Generate=false keeps an editable draft.
    let created = service
        .handle(
            &me,
            Api::TencentCreateCsr,
            br#"{"Domain": "www.example.com", "Organization": "Example Co", "Department": "IT",
                 "Email": "admin@example.com", "Province": "Guangdong", "City": "Shenzhen",
                 "Country": "CN", "EncryptAlgo": "RSA", "KeyParameter": "2048",
                 "Generate": false, "KeyPassword": "demo-password", "Remark": "shop"}"#,
        )
        .await?;
    show("CreateCSR (draft)", Vendor::Tencent, &created);
    let id = created["Id"].as_u64().unwrap_or_default();

    // A request with mistakes: every violation at once, under Tencent's names and codes.
    let refused = service
        .handle(
            &me,
            Api::TencentModifyCsr,
            format!(r#"{{"CSRId": {id}, "Generate": false, "Country": "China", "KeyParameter": "1024", "EncryptAlgo": "RSA"}}"#)
                .as_bytes(),
        )
        .await
        .expect_err("China is not a country code");
    println!(
        "{:<28} {}",
        "ModifyCSR (refused)",
        refused.response_body("demo")
    );

    let modified = service
        .handle(
            &me,
            Api::TencentModifyCsr,
            format!(r#"{{"CSRId": {id}, "Generate": false, "EncryptAlgo": "ECC", "KeyParameter": "prime256v1", "City": "Guangzhou"}}"#)
                .as_bytes(),
        )
        .await?;
    show("ModifyCSR (still a draft)", Vendor::Tencent, &modified);
    let generated = service
        .handle(
            &me,
            Api::TencentModifyCsr,
            format!(r#"{{"CSRId": {id}, "Generate": true}}"#).as_bytes(),
        )
        .await?;
    show("ModifyCSR (Generate=true)", Vendor::Tencent, &generated);
    let described = service
        .handle(
            &me,
            Api::TencentDescribeCsr,
            format!(r#"{{"CSRId": {id}}}"#).as_bytes(),
        )
        .await?;
    println!(
        "{:<28} Status {} {} {} key {}",
        "DescribeCSR",
        described["Status"],
        described["EncryptAlgo"],
        described["KeyParameter"],
        if described["PrivateKey"]
            .as_str()
            .is_some_and(|k| k.contains("ENCRYPTED"))
        {
            "encrypted under the password"
        } else {
            "in the clear"
        }
    );
    let again = service
        .handle(
            &me,
            Api::TencentModifyCsr,
            format!(r#"{{"CSRId": {id}, "Generate": false, "City": "Beijing"}}"#).as_bytes(),
        )
        .await
        .expect_err("a generated CSR is immutable");
    println!(
        "{:<28} {}",
        "ModifyCSR (generated)",
        again.response_body("demo")
    );

    // Alibaba: CreateCsr generates at once (SM2 here), UploadCsr keeps one made elsewhere.
    let sm2 = service
        .handle(
            &me,
            Api::AlibabaCreateCsr,
            br#"{"Algorithm": "SM2", "KeySize": 256, "CommonName": "gm.example.com",
                 "CountryCode": "CN", "Province": "Zhejiang", "Locality": "Hangzhou",
                 "Name": "gm-cert"}"#,
        )
        .await?;
    show("CreateCsr (SM2)", Vendor::Alibaba, &sm2);
    let elsewhere = certdesk::CsrRequest::builder()
        .subject(
            certdesk::Subject::builder()
                .common_name("upload.example.com")
                .country("CN")
                .build()?,
        )
        .key_spec(certdesk::KeySpec::EcP384)
        .build()?;
    let (csr, _key) = elsewhere.generate()?;
    let uploaded = service
        .upload(
            &me,
            &Profile::alibaba_upload_csr(),
            Upload {
                csr: csr.to_pem().into_bytes(),
                name: Some("made-elsewhere".into()),
                ..Upload::default()
            },
        )
        .await?;
    println!(
        "{:<28} id {} {} {} bits, key kept: {}",
        "upload (no key)",
        uploaded.id,
        uploaded.algorithm.as_deref().unwrap_or("?"),
        uploaded.key_size.unwrap_or(0),
        uploaded.sealed_key.is_some()
    );

    let page = service
        .list(
            &me,
            &CsrFilter::default(),
            Page {
                offset: 0,
                limit: 100,
            },
        )
        .await?;
    println!("list: {} records", page.total);
    for r in &page.items {
        println!(
            "  #{:<3} {:<10} {:<20} {:<4} {:>4}  key: {:<5} name: {}",
            r.id,
            format!("{:?}", r.status),
            r.common_name.as_deref().unwrap_or("-"),
            r.algorithm.as_deref().unwrap_or("-"),
            r.key_size.unwrap_or(0),
            r.sealed_key.is_some(),
            r.name.as_deref().unwrap_or("-")
        );
    }
    let listed = service
        .handle(
            &me,
            Api::AlibabaListCsr,
            br#"{"KeyWord": "gm", "ShowSize": 10}"#,
        )
        .await?;
    println!(
        "{:<28} TotalCount {} HasPrivateKey {} KeySha2 {}",
        "ListCsr (KeyWord gm)",
        listed["TotalCount"],
        listed["CsrList"][0]["HasPrivateKey"],
        listed["CsrList"][0]["KeySha2"]
    );

    let deleted = service
        .handle(
            &me,
            Api::TencentBatchDeleteCsr,
            format!(r#"{{"CSRIds": [{id}, {}, 999999]}}"#, uploaded.id).as_bytes(),
        )
        .await?;
    show("BatchDeleteCSR", Vendor::Tencent, &deleted);
    let left = service
        .list(
            &me,
            &CsrFilter::default(),
            Page {
                offset: 0,
                limit: 100,
            },
        )
        .await?;
    println!("left: {} record(s)", left.total);
    Ok(())
}
