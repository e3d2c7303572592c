//! The whole flow on the embedded defaults: a SQLite store, a DNS server and an HTTP server
//! started in this process on loopback, and the local CA. It creates a CSR, applies for a free
//! DV certificate, publishes the DNS record, validates, gets the certificate issued, writes the
//! bundle, and ends with `openssl verify` of the certificate against the local CA.
//!
//! ```sh
//! cargo run --example issue_certificate --all-features            # writes to ./issued/
//! cargo run --example issue_certificate --all-features -- --out /tmp/cert --method file
//! ```

use std::path::PathBuf;
use std::process::Command as Process;
use std::sync::Arc;
use std::time::Duration;

use certdesk::backend::{
    AesGcmVault, CsrFilter, FetchPolicy, HickoryResolver, LocalCa, LoopbackDnsServer,
    LoopbackFileServer, Page, Scope, SqliteStore, SystemClock, ValidationFetcher,
};
use certdesk::order::{Challenge, Order, ValidationMethod};
use certdesk::policy::{CsrForm, Profile};
use certdesk::service::{CsrService, CsrSource, NewCsr, OrderService, ServerKind};
use clap::{Parser, ValueEnum};

#[derive(Clone, Copy, ValueEnum)]
enum Method {
    /// Automatic DNS: the record is published through the DNS provider.
    Dns,
    /// A file served over HTTP.
    File,
}

#[derive(Parser)]
#[command(about = "Issue a certificate from application to download, all on loopback")]
struct Args {
    /// The domain to certify.
    #[arg(long, default_value = "shop.example.com")]
    domain: String,
    /// How the domain is validated.
    #[arg(long, value_enum, default_value = "dns")]
    method: Method,
    /// Where the bundle, the CA's root and the database go.
    #[arg(long, default_value = "issued")]
    out: PathBuf,
}

fn step(what: &str, order: &Order) {
    let status = order.tencent_status();
    println!(
        "{what:<34} {:<20} Tencent Status {:>2}{}",
        order.state().name(),
        status.code,
        status.msg.map(|m| format!(" ({m})")).unwrap_or_default()
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    std::fs::create_dir_all(&args.out)?;
    let me = Scope::new("100012345678", "ap-guangzhou");

    // The embedded defaults: SQLite, keys sealed under a key-encryption key of this run.
    let db = args.out.join("certdesk.db");
    let _ = std::fs::remove_file(&db);
    let store = Arc::new(SqliteStore::open(&db).await?);
    let mut kek = [0u8; 32];
    getrandom::fill(&mut kek).map_err(|e| e.to_string())?;
    let clock = Arc::new(SystemClock);
    let csrs = Arc::new(
        CsrService::new(store.clone(), Arc::new(AesGcmVault::new("kek-demo", kek)))
            .with_orders(store.clone()),
    );

    // DNS and HTTP servers on loopback; the domain points at the HTTP server.
    let dns = Arc::new(LoopbackDnsServer::start().await?);
    // The account's zone on the DNS provider (automatic DNS validation writes there).
    dns.add_zone(&args.domain, &me.account)?;
    dns.add_ip(&args.domain, "127.0.0.1".parse()?)?;
    dns.add_ip(&format!("www.{}", args.domain), "127.0.0.1".parse()?)?;
    let resolver = Arc::new(HickoryResolver::with_servers(
        &[dns.addr()],
        Duration::from_secs(2),
    )?);
    let files = LoopbackFileServer::start().await?;
    let port = files.port();
    let fetcher = Arc::new(ValidationFetcher::with_resolver(
        FetchPolicy {
            http_port: port,
            https_port: port,
            // Loopback is refused unless asked for: this demonstration serves its own files.
            allow_loopback: true,
            ..FetchPolicy::default()
        },
        resolver.clone(),
    ));
    let ca = Arc::new(LocalCa::new("certdesk Demo")?);
    println!("store: SQLite {}", db.display());
    println!(
        "DNS server: {}   HTTP server: 127.0.0.1:{port}   CA: certdesk Demo",
        dns.addr()
    );

    let orders = OrderService::builder(store.clone(), csrs.clone(), ca.clone())
        .resolver(resolver)
        .fetcher(fetcher)
        .clock(clock)
        .dns_provider(dns.clone())
        .build();

    // 1. The CSR, generated online by the free certificate's rules.
    let csr = csrs
        .create(
            &me,
            &Profile::tencent_apply_certificate(),
            NewCsr {
                form: CsrForm {
                    common_name: Some(args.domain.clone()),
                    key: Some("ec-p256".into()),
                    ..CsrForm::default()
                },
                generate: true,
                ..NewCsr::default()
            },
        )
        .await?;
    println!(
        "CSR #{} for {}: {} {}",
        csr.id,
        args.domain,
        csr.algorithm.as_deref().unwrap_or("?"),
        csr.key_size.unwrap_or(0)
    );

    // 2. Apply for the free DV certificate.
    let method = match args.method {
        Method::Dns => ValidationMethod::DnsAuto,
        Method::File => ValidationMethod::File,
    };
    let order = orders
        .apply_free(&me, &args.domain, method, CsrSource::Existing(csr.id))
        .await?;
    step("apply (free TrustAsia DV)", &order);
    let id = order.id().to_owned();

    // 3. Publish what the challenges ask for.
    match args.method {
        Method::Dns => {
            for record in orders.publish_dns(&me, &id).await? {
                println!("  published {record:?}");
            }
        }
        Method::File => {
            for c in orders.challenges(&me, &id).await? {
                if let Challenge::File {
                    domain,
                    path,
                    content,
                    ..
                } = c
                {
                    println!("  serving http://{domain}{path}");
                    files.put(&domain, &path, content);
                }
            }
        }
    }

    // 4. Validate.
    let (mut order, checks) = orders.check_validation(&me, &id).await?;
    for c in &checks {
        println!(
            "  {:<24} LocalCheck {:>2}: {}",
            c.domain,
            c.outcome.tencent_local_check(),
            c.outcome.message()
        );
    }
    step("check validation", &order);

    // 5. The CA issues (polled until it has).
    for _ in 0..10 {
        order = orders.advance(&me, &id).await?;
        step("advance (CA)", &order);
        if order.certificate().is_some() {
            break;
        }
    }

    // 6. The bundle, and OpenSSL's verdict.
    let bundle = orders.download(&me, &id, ServerKind::Nginx, None).await?;
    for (name, bytes) in &bundle.files {
        std::fs::write(args.out.join(name), bytes.as_slice())?;
        println!("wrote {}", args.out.join(name).display());
    }
    let root = args.out.join("certdesk-demo-root.pem");
    std::fs::write(&root, ca.root_pem())?;
    println!("wrote {}", root.display());
    let listed = csrs
        .list(
            &me,
            &CsrFilter::default(),
            Page {
                offset: 0,
                limit: 10,
            },
        )
        .await?;
    println!("CSR records: {}", listed.total);

    let cert = args.out.join(format!("{}_bundle.crt", args.domain));
    let verdict = Process::new("openssl")
        .arg("verify")
        .arg("-CAfile")
        .arg(&root)
        .arg("-untrusted")
        .arg(&cert)
        .arg(&cert)
        .output();
    match verdict {
        Ok(out) => {
            let text = String::from_utf8_lossy(&out.stdout);
            print!("openssl verify: {text}");
            if !out.status.success() || !text.contains(": OK") {
                eprint!("{}", String::from_utf8_lossy(&out.stderr));
                return Err("openssl did not verify the certificate".into());
            }
        }
        Err(_) => println!(
            "(openssl is not installed; check with: openssl verify -CAfile {} -untrusted {} {})",
            root.display(),
            cert.display(),
            cert.display()
        ),
    }
    Ok(())
}
