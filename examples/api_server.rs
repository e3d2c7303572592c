//! Both vendors' certificate APIs on one port, for the official SDKs to use unmodified: the
//! Tencent Cloud API 3.0 (`X-TC-Action`, TC3-HMAC-SHA256) and Alibaba Cloud RPC (`x-acs-action`
//! or `Action=`, ACS3-HMAC-SHA256 or HMAC-SHA1), on SQLite (or PostgreSQL), with the local CA,
//! a DNS server on loopback (automatic DNS validation publishes there) and the validation
//! fetcher.
//!
//! ```sh
//! cargo run --example api_server --all-features -- --listen 127.0.0.1:9000 --db certdesk.db \
//!     --key 100012345678:AKIDexample:secretexample --dns-zone example.com
//! ```
//!
//! It prints the DNS server's address, the CA root's file, the key pair it made when none was
//! given, and `listening on ADDR` once it accepts connections; on SIGTERM or Ctrl-C it finishes
//! the requests in flight and exits with status 0.
//!
//! Several instances on one PostgreSQL database are one service: give them the same
//! `--postgres`, `--kek-file` and `--ca-dir` (the CA's keys and requests), point their
//! `--resolver` at one instance's DNS server (automatic DNS validation then goes through that
//! one), and give each `--rate-limit` its share of the account's rate.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use certdesk::SecretText;
use certdesk::backend::{
    AccessKeyStore, AesGcmVault, CsrStore, FetchPolicy, HickoryResolver, KeyVault, LocalCa,
    LoopbackDnsServer, OrderStore, PostgresStore, SqliteStore, ValidationFetcher,
};
use certdesk::server::ApiServer;
use certdesk::service::{AccessKeys, CsrService, OrderService, RateLimit};
use clap::Parser;

#[derive(Parser)]
#[command(about = "Serve the Tencent Cloud and Alibaba Cloud certificate APIs")]
struct Args {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:9000")]
    listen: SocketAddr,
    /// The SQLite database (made when missing).
    #[arg(long, default_value = "certdesk.db")]
    db: PathBuf,
    /// A PostgreSQL URL instead of SQLite.
    #[arg(long)]
    postgres: Option<String>,
    /// The key-encryption key's file (32 random bytes, made when missing; default: the
    /// database's path with `.kek`).
    #[arg(long)]
    kek_file: Option<PathBuf>,
    /// ACCOUNT:ID:SECRET: make sure this key pair exists for the account (repeatable). One
    /// pair signs for both vendors.
    #[arg(long = "key")]
    keys: Vec<String>,
    /// A DNS zone the first key's account owns on the loopback DNS server, so that automatic
    /// DNS validation works for names under it (repeatable).
    #[arg(long = "dns-zone")]
    dns_zones: Vec<String>,
    /// Let the validation fetcher reach loopback addresses (a demonstration's own files).
    #[arg(long)]
    allow_loopback: bool,
    /// Serve TLS with this PEM certificate chain (leaf first); needs `--tls-key`.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The TLS certificate's private key (PEM).
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// The local CA's directory (made when missing; default: the database's path with
    /// `.ca`). Instances that share it are one CA.
    #[arg(long)]
    ca_dir: Option<PathBuf>,
    /// Look validation records up on this DNS server instead of this instance's own.
    #[arg(long)]
    resolver: Option<SocketAddr>,
    /// Calls per second each account may make to each action on this instance (bursts as
    /// large); with N instances, give each 1/N of the account's rate. Default: no limit.
    #[arg(long)]
    rate_limit: Option<u32>,
}

type Stores = (
    Arc<dyn CsrStore>,
    Arc<dyn OrderStore>,
    Arc<dyn AccessKeyStore>,
);

async fn stores(args: &Args) -> Result<Stores, Box<dyn std::error::Error>> {
    Ok(match &args.postgres {
        Some(url) => {
            let s = Arc::new(PostgresStore::connect(url).await?);
            (s.clone(), s.clone(), s)
        }
        None => {
            let s = Arc::new(SqliteStore::open(&args.db).await?);
            (s.clone(), s.clone(), s)
        }
    })
}

/// The key-encryption key: read from its file, or made and written (readable by the owner
/// only) on the first run.
fn kek(path: &PathBuf) -> Result<[u8; 32], Box<dyn std::error::Error>> {
    if let Ok(bytes) = std::fs::read(path) {
        return Ok(<[u8; 32]>::try_from(bytes.as_slice())
            .map_err(|_| format!("{} does not hold 32 bytes", path.display()))?);
    }
    let mut kek = [0u8; 32];
    getrandom::fill(&mut kek).map_err(|e| e.to_string())?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(path)?, &kek)?;
    Ok(kek)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let (csr_store, order_store, key_store) = stores(&args).await?;
    let kek_path = args
        .kek_file
        .clone()
        .unwrap_or_else(|| args.db.with_extension("kek"));
    let vault: Arc<dyn KeyVault> = Arc::new(AesGcmVault::new("kek-1", kek(&kek_path)?));
    let keys = AccessKeys::new(key_store, vault.clone());

    // The accounts' keys: the ones named, or a new one for a new account.
    let mut first_account = None;
    for spec in &args.keys {
        let mut parts = spec.splitn(3, ':');
        let (Some(account), Some(id), Some(secret)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(format!("--key {spec:?} is not ACCOUNT:ID:SECRET").into());
        };
        keys.import(account, id, &SecretText::new(secret)).await?;
        first_account.get_or_insert_with(|| account.to_owned());
    }
    let first_account = match first_account {
        Some(a) => a,
        None => {
            let account = "100000000001".to_owned();
            if keys.list(&account).await?.is_empty() {
                let made = keys.create(&account).await?;
                println!(
                    "account {account}: new key pair {} / {}",
                    made.id,
                    made.secret.expose()
                );
            }
            account
        }
    };

    let dns = Arc::new(LoopbackDnsServer::start().await?);
    for zone in &args.dns_zones {
        dns.add_zone(zone, &first_account)?;
    }
    println!("DNS server: {}", dns.addr());
    let resolver = Arc::new(HickoryResolver::with_servers(
        &[args.resolver.unwrap_or(dns.addr())],
        Duration::from_secs(2),
    )?);
    let fetcher = Arc::new(ValidationFetcher::with_resolver(
        FetchPolicy {
            allow_loopback: args.allow_loopback,
            ..FetchPolicy::default()
        },
        resolver.clone(),
    ));
    let ca_dir = args
        .ca_dir
        .clone()
        .unwrap_or_else(|| args.db.with_extension("ca"));
    let ca = Arc::new(LocalCa::open_dir(&ca_dir, "certdesk Local CA", vault.clone()).await?);
    let root = ca_dir.join("root.pem");
    std::fs::write(&root, ca.root_pem())?;
    println!("CA root: {}", root.display());

    let csrs = Arc::new(CsrService::new(csr_store, vault).with_orders(order_store.clone()));
    let mut orders = OrderService::builder(order_store, csrs, ca)
        .resolver(resolver)
        .fetcher(fetcher)
        .dns_provider(dns.clone());
    if let Some(rate) = args.rate_limit {
        orders = orders.rate_limit(RateLimit {
            per_second: rate,
            burst: rate,
        });
    }
    let orders = Arc::new(orders.build());
    let server = ApiServer::new(orders, keys);
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let stop = async move {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    };
    match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            let config = certdesk::server::server_config(
                &std::fs::read_to_string(cert)?,
                &std::fs::read_to_string(key)?,
            )?;
            println!("listening on {} (TLS)", listener.local_addr()?);
            server.serve_tls(listener, config, stop).await?;
        }
        _ => {
            println!("listening on {}", listener.local_addr()?);
            server.serve(listener, stop).await?;
        }
    }
    println!("stopped");
    Ok(())
}
