//! Tencent Cloud's certificate API answered by certdesk, as JSON in and JSON out: a free DV
//! certificate applied for with automatic DNS validation, checked, issued, described and
//! downloaded (the zip written to disk), then a paid OV order with its information, letter
//! and review, and finally the listing. Every request and response is printed as the vendor's
//! SDK would send and receive it (`{"Response": {..., "RequestId"}}`).
//!
//! ```sh
//! cargo run --example vendor_api --all-features                 # writes ./vendor-api/
//! cargo run --example vendor_api --all-features -- --out /tmp/v
//! ```

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use base64ct::{Base64, Encoding};
use certdesk::backend::{
    AesGcmVault, FetchPolicy, HickoryResolver, LocalCa, LoopbackDnsServer, LoopbackFileServer,
    MemoryStore, Scope, ValidationFetcher,
};
use certdesk::cloud::{Api, Vendor, success_body};
use certdesk::service::{CsrService, OrderService};
use clap::Parser;
use serde_json::{Value, json};

#[derive(Parser)]
#[command(about = "Tencent Cloud's certificate API answered by certdesk, JSON in and out")]
struct Args {
    /// Where the downloaded zip and the CA's root go.
    #[arg(long, default_value = "vendor-api")]
    out: PathBuf,
}

struct Client {
    orders: OrderService,
    scope: Scope,
    requests: u32,
}

impl Client {
    /// One call, printed as it goes over the wire; long values (PEMs, the zip) shortened.
    async fn call(&mut self, action: &str, body: Value) -> Result<Value, String> {
        self.requests += 1;
        let request_id = format!("req-{:04}", self.requests);
        println!("\n>>> {action} {}", shorten(&body));
        let api = Api::find(Vendor::Tencent, action).ok_or(format!("no action {action}"))?;
        match self
            .orders
            .handle(&self.scope, api, body.to_string().as_bytes())
            .await
        {
            Ok(payload) => {
                let wire: Value = serde_json::from_str(&success_body(
                    Vendor::Tencent,
                    payload.clone(),
                    &request_id,
                ))
                .map_err(|e| e.to_string())?;
                println!("<<< {}", shorten(&wire));
                Ok(payload)
            }
            Err(e) => {
                println!("<<< {}", e.response_body(&request_id));
                Err(format!("{action}: {}: {}", e.code, e.message))
            }
        }
    }
}

/// The JSON with every string over 100 characters cut, for reading.
fn shorten(v: &Value) -> String {
    fn cut(v: &Value) -> Value {
        match v {
            Value::String(s) if s.len() > 100 => {
                Value::String(format!("{}... ({} chars)", &s[..60], s.len()))
            }
            Value::Array(a) => Value::Array(a.iter().map(cut).collect()),
            Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), cut(v))).collect()),
            other => other.clone(),
        }
    }
    cut(v).to_string()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    std::fs::create_dir_all(&args.out)?;
    let scope = Scope::new("100012345678", "ap-guangzhou");

    // An in-memory store, a DNS server on loopback holding the account's zone, the local CA.
    let store = Arc::new(MemoryStore::new());
    let mut kek = [0u8; 32];
    getrandom::fill(&mut kek).map_err(|e| e.to_string())?;
    let csrs = Arc::new(
        CsrService::new(store.clone(), Arc::new(AesGcmVault::new("kek-demo", kek)))
            .with_orders(store.clone()),
    );
    let dns = Arc::new(LoopbackDnsServer::start().await?);
    dns.add_zone("example.com", &scope.account)?;
    let resolver = Arc::new(HickoryResolver::with_servers(
        &[dns.addr()],
        Duration::from_secs(2),
    )?);
    let files = LoopbackFileServer::start().await?;
    let fetcher = Arc::new(ValidationFetcher::with_resolver(
        FetchPolicy {
            http_port: files.port(),
            https_port: files.port(),
            allow_loopback: true,
            ..FetchPolicy::default()
        },
        resolver.clone(),
    ));
    let ca = Arc::new(LocalCa::new("certdesk Demo")?.with_review_polls(1));
    std::fs::write(args.out.join("root.pem"), ca.root_pem())?;
    let orders = OrderService::builder(store, csrs, ca)
        .resolver(resolver)
        .fetcher(fetcher)
        .dns_provider(dns.clone())
        .build();
    let mut client = Client {
        orders,
        scope,
        requests: 0,
    };

    // A free certificate, validated by a DNS record certdesk publishes itself.
    let applied = client
        .call(
            "ApplyCertificate",
            json!({ "DomainName": "shop.example.com", "DvAuthMethod": "DNS_AUTO",
                    "ContactEmail": "ops@example.com", "Alias": "shop" }),
        )
        .await?;
    let id = applied["CertificateId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    client
        .call("DescribeCertificate", json!({ "CertificateId": id }))
        .await?;
    client
        .call(
            "CheckCertificateDomainVerification",
            json!({ "CertificateId": id }),
        )
        .await?;
    // The CA reviews, then issues.
    for _ in 0..2 {
        client
            .call("CompleteCertificate", json!({ "CertificateId": id }))
            .await?;
    }
    client
        .call("DescribeCertificateDetail", json!({ "CertificateId": id }))
        .await?;
    let download = client
        .call("DownloadCertificate", json!({ "CertificateId": id }))
        .await?;
    let zip = Base64::decode_vec(download["Content"].as_str().unwrap_or_default())
        .map_err(|e| e.to_string())?;
    let zip_path = args.out.join("shop.example.com.zip");
    std::fs::write(&zip_path, zip)?;

    // A paid OV certificate: bought, information submitted, letter uploaded, reviewed.
    let created = client
        .call(
            "CreateCertificate",
            json!({ "ProductId": 14, "DomainNum": 1, "TimeSpan": 1 }),
        )
        .await?;
    let ov = created["CertificateIds"][0]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    client
        .call(
            "SubmitCertificateInformation",
            json!({
                "CertificateId": ov, "CsrType": "online", "CertificateDomain": "ov.example.com",
                "OrganizationName": "Example Co", "OrganizationDivision": "IT",
                "OrganizationAddress": "1 Example Road", "OrganizationCountry": "CN",
                "OrganizationCity": "Shenzhen", "OrganizationRegion": "Guangdong",
                "PhoneAreaCode": "0755", "PhoneNumber": "86013388", "PostalCode": "518000",
                "AdminFirstName": "San", "AdminLastName": "Zhang", "AdminPhoneNum": "13800138000",
                "AdminEmail": "admin@example.com", "AdminPosition": "CTO",
            }),
        )
        .await?;
    let mut letter = b"%PDF-1.4\n".to_vec();
    letter.resize(4096, b' ');
    client
        .call(
            "UploadConfirmLetter",
            json!({ "CertificateId": ov, "ConfirmLetter": Base64::encode_string(&letter) }),
        )
        .await?;
    for _ in 0..2 {
        client
            .call("CompleteCertificate", json!({ "CertificateId": ov }))
            .await?;
    }
    client
        .call(
            "DescribeCertificates",
            json!({ "CertificateStatus": [1], "Limit": 10 }),
        )
        .await?;
    // A refusal, as the SDK would see it.
    let refused = client
        .call("DeleteCertificate", json!({ "CertificateId": ov }))
        .await;
    println!("\n(expected) {}", refused.err().unwrap_or_default());

    println!(
        "\nwrote {} (Nginx, Apache, IIS, Tomcat) and {}; check it with:\n  \
         unzip -o {} -d {} && openssl verify -CAfile {} -untrusted {}/Nginx/shop.example.com_bundle.crt {}/Nginx/shop.example.com_bundle.crt",
        zip_path.display(),
        args.out.join("root.pem").display(),
        zip_path.display(),
        args.out.display(),
        args.out.join("root.pem").display(),
        args.out.display(),
        args.out.display(),
    );
    Ok(())
}
