//! Each vendor's whole certificate flow driven through `OrderService::handle` only, JSON in and
//! JSON out: free DV by DNS, paid OV with the confirmation letter and the CA's review, the
//! download unzipped and verified by OpenSSL against the local CA, cancel, revoke, renew,
//! reissue, delete, pending application, the quota and the listing filters.

#![cfg(all(feature = "dns", feature = "http", feature = "local-ca"))]

mod common;

use std::sync::Arc;
use std::time::Duration;

use base64ct::{Base64, Encoding};
use certdesk::backend::{
    AesGcmVault, DnsProvider, DnsRecord, FetchPolicy, FixedClock, HickoryResolver, LocalCa,
    LoopbackDnsServer, LoopbackFileServer, MemoryStore, Scope, ValidationFetcher,
};
use certdesk::cloud::{Api, Vendor};
use certdesk::order::Product;
use certdesk::service::{CsrService, OrderService};
use common::sdk::{Models, assert_complete, assert_shape};
use serde_json::{Value, json};

struct World {
    orders: OrderService,
    /// The DNS provider refuses revocation records while set.
    refuse_revocation_records: Arc<std::sync::atomic::AtomicBool>,
    dns: Arc<LoopbackDnsServer>,
    clock: Arc<FixedClock>,
    ca: Arc<LocalCa>,
    _files: LoopbackFileServer,
}

/// The world's DNS provider: the loopback server, which can be made to refuse revocation
/// records (as a provider refuses a zone it does not serve).
struct Provider {
    dns: Arc<LoopbackDnsServer>,
    refuse_revocation_records: Arc<std::sync::atomic::AtomicBool>,
}

#[async_trait::async_trait]
impl DnsProvider for Provider {
    async fn create(
        &self,
        scope: &Scope,
        record: &DnsRecord,
    ) -> Result<(), certdesk::backend::DnsError> {
        if record.name().starts_with("_revoke.")
            && self
                .refuse_revocation_records
                .load(std::sync::atomic::Ordering::SeqCst)
        {
            return Err(certdesk::backend::DnsError::ZoneNotOwned {
                name: record.name().to_owned(),
            });
        }
        self.dns.create(scope, record).await
    }
    async fn delete(
        &self,
        scope: &Scope,
        record: &DnsRecord,
    ) -> Result<(), certdesk::backend::DnsError> {
        self.dns.delete(scope, record).await
    }
    async fn serves(&self, scope: &Scope, name: &str) -> Result<bool, certdesk::backend::DnsError> {
        self.dns.serves(scope, name).await
    }
}

async fn world(free_product: Product) -> World {
    world_with(free_product, false).await
}

/// A world whose CA asks for the domains to be validated again before it revokes
/// (`revocation_validation`), looking the records up on the world's DNS server.
async fn world_with(free_product: Product, revocation_validation: bool) -> World {
    let store = Arc::new(MemoryStore::new());
    let clock = Arc::new(FixedClock::new(time::OffsetDateTime::now_utc()));
    let csrs = Arc::new(
        CsrService::new(store.clone(), Arc::new(AesGcmVault::new("k", [5; 32])))
            .with_orders(store.clone())
            .with_clock(clock.clone()),
    );
    let dns = Arc::new(LoopbackDnsServer::start().await.unwrap());
    dns.add_zone("example.com", &me().account).unwrap();
    dns.add_zone("example.org", &other().account).unwrap();
    let resolver =
        Arc::new(HickoryResolver::with_servers(&[dns.addr()], Duration::from_secs(2)).unwrap());
    let files = LoopbackFileServer::start().await.unwrap();
    let fetcher = Arc::new(ValidationFetcher::with_resolver(
        FetchPolicy {
            http_port: files.port(),
            https_port: files.port(),
            allow_loopback: true,
            timeout: Duration::from_secs(2),
            ..FetchPolicy::default()
        },
        resolver.clone(),
    ));
    let mut ca = LocalCa::with_keys("certdesk Test", certdesk::KeySpec::EcP256, clock.clone())
        .unwrap()
        .with_review_polls(1);
    if revocation_validation {
        ca = ca.with_revocation_validation(resolver.clone());
    }
    let ca = Arc::new(ca);
    let refuse_revocation_records = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let orders = OrderService::builder(store, csrs, ca.clone())
        .resolver(resolver)
        .fetcher(fetcher)
        .clock(clock.clone())
        .dns_provider(Arc::new(Provider {
            dns: dns.clone(),
            refuse_revocation_records: refuse_revocation_records.clone(),
        }))
        .free_product(free_product)
        .build();
    World {
        orders,
        refuse_revocation_records,
        dns,
        clock,
        ca,
        _files: files,
    }
}

fn me() -> Scope {
    Scope::new("100012345678", "ap-guangzhou")
}

fn other() -> Scope {
    Scope::new("100087654321", "ap-guangzhou")
}

/// Calls an action; prints the exchange on failure.
async fn call(w: &World, scope: &Scope, vendor: Vendor, action: &str, body: Value) -> Value {
    try_call(w, scope, vendor, action, body)
        .await
        .unwrap_or_else(|e| panic!("{action}: {} {}", e.code, e.message))
}

async fn try_call(
    w: &World,
    scope: &Scope,
    vendor: Vendor,
    action: &str,
    body: Value,
) -> Result<Value, certdesk::cloud::VendorError> {
    let api = Api::find(vendor, action).unwrap_or_else(|| panic!("no action {action}"));
    let answer = w
        .orders
        .handle(scope, api, body.to_string().as_bytes())
        .await;
    // Every answer has the shape of the SDK's response model.
    if let Ok(payload) = &answer {
        let models = Models::for_action(vendor == Vendor::Tencent, action);
        assert_shape(&models, action, payload);
        // Tencent answers every field of the model, `null` where there is no value.
        if vendor == Vendor::Tencent {
            assert_complete(&models, action, payload);
        }
    }
    answer
}

async fn tencent(w: &World, action: &str, body: Value) -> Value {
    call(w, &me(), Vendor::Tencent, action, body).await
}

async fn alibaba(w: &World, action: &str, body: Value) -> Value {
    call(w, &me(), Vendor::Alibaba, action, body).await
}

async fn tencent_error(w: &World, action: &str, body: Value) -> String {
    try_call(w, &me(), Vendor::Tencent, action, body)
        .await
        .map(|v| panic!("{action} should fail: {v}"))
        .unwrap_err()
        .code
        .to_string()
}

async fn status(w: &World, id: &str) -> i64 {
    tencent(w, "DescribeCertificate", json!({ "CertificateId": id })).await["Status"]
        .as_i64()
        .unwrap()
}

/// The ids of the account's orders Alibaba's listing gives for `status`.
async fn alibaba_listed(w: &World, status: &str) -> Vec<u64> {
    let listed = alibaba(w, "ListUserCertificateOrder", json!({ "Status": status })).await;
    let ids: Vec<u64> = listed["CertificateOrderList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["OrderId"].as_u64().unwrap())
        .collect();
    assert_eq!(listed["TotalCount"], ids.len(), "{listed}");
    ids
}

/// The account's free certificates counted (Alibaba's `DescribePackageState` `UsedCount`).
async fn used(w: &World) -> u64 {
    alibaba(w, "DescribePackageState", json!({})).await["UsedCount"]
        .as_u64()
        .unwrap()
}

/// Unzips a `DownloadCertificate` answer with Python's zipfile and checks the Nginx bundle
/// with OpenSSL against the local CA's root.
fn unzip_and_verify(w: &World, answer: &Value, domain: &str) -> Vec<String> {
    assert_eq!(answer["ContentType"], "application/zip");
    let zip = Base64::decode_vec(answer["Content"].as_str().unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.zip"), zip).unwrap();
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; z.extractall(sys.argv[2]); print('\\n'.join(z.namelist()))",
            "c.zip",
            "x",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    std::fs::write(dir.path().join("root.pem"), w.ca.root_pem()).unwrap();
    let bundle = format!("x/Nginx/{domain}_bundle.crt");
    let verified = common::openssl_ok(
        dir.path(),
        &[
            "verify",
            "-CAfile",
            "root.pem",
            "-untrusted",
            &bundle,
            &bundle,
        ],
    );
    assert!(verified.contains(": OK"), "{verified}");
    // The Nginx key is the key of the certificate.
    let key = format!("x/Nginx/{domain}.key");
    let a = common::openssl_ok(dir.path(), &["pkey", "-in", &key, "-pubout"]);
    let b = common::openssl_ok(dir.path(), &["x509", "-in", &bundle, "-noout", "-pubkey"]);
    assert_eq!(a, b);
    if names.iter().any(|n| n == "IIS/keystorePass.txt") {
        let pass = std::fs::read_to_string(dir.path().join("x/IIS/keystorePass.txt")).unwrap();
        let pfx = format!("x/IIS/{domain}.pfx");
        let pass_arg = format!("pass:{pass}");
        common::openssl_ok(
            dir.path(),
            &[
                "pkcs12", "-in", &pfx, "-passin", &pass_arg, "-nokeys", "-noout",
            ],
        );
    }
    names
}

#[tokio::test]
async fn tencent_free_dv_by_dns_to_a_verified_download_then_revoke_and_delete() {
    let w = world(Product::free_trustasia_dv()).await;
    let applied = tencent(
        &w,
        "ApplyCertificate",
        json!({
            "DomainName": "shop.example.com",
            "DvAuthMethod": "DNS_AUTO",
            "ContactEmail": "ops@example.com",
            "Alias": "shop",
        }),
    )
    .await;
    let id = applied["CertificateId"].as_str().unwrap().to_owned();
    let described = tencent(&w, "DescribeCertificate", json!({ "CertificateId": id })).await;
    assert_eq!(described["Status"], 4, "DNS record added: {described}");
    assert_eq!(described["Alias"], "shop");
    assert_eq!(described["VerifyType"], "DNS_AUTO");
    assert_eq!(
        described["DvAuthDetail"]["DvAuths"][0]["DvAuthVerifyType"],
        "CNAME"
    );
    assert_eq!(described["OwnerUin"], me().account);
    // Another account does not see it.
    let e = try_call(
        &w,
        &other(),
        Vendor::Tencent,
        "DescribeCertificate",
        json!({ "CertificateId": id }),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code.as_str(), "FailedOperation.CertificateNotFound");

    let checked = tencent(
        &w,
        "CheckCertificateDomainVerification",
        json!({ "CertificateId": id }),
    )
    .await;
    let result = &checked["VerificationResults"][0];
    assert_eq!(result["Domain"], "shop.example.com");
    assert_eq!(result["LocalCheck"], 1, "{checked}");
    // The CA reviews for one poll, then issues.
    tencent(&w, "CompleteCertificate", json!({ "CertificateId": id })).await;
    tencent(&w, "CompleteCertificate", json!({ "CertificateId": id })).await;
    assert_eq!(status(&w, &id).await, 1);

    let detail = tencent(
        &w,
        "DescribeCertificateDetail",
        json!({ "CertificateId": id }),
    )
    .await;
    assert!(
        detail["CertificatePublicKey"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    assert!(
        detail["CertificatePrivateKey"]
            .as_str()
            .unwrap()
            .contains("PRIVATE KEY")
    );
    assert_eq!(detail["CertFingerprint"].as_str().unwrap().len(), 40);
    // The chain: the certificate, then the local CA's intermediate.
    let chain = detail["CertChainInfo"].as_array().unwrap();
    assert_eq!(chain.len(), 2, "{chain:?}");
    assert_eq!(chain[0]["Fingerprint"], detail["CertFingerprint"]);
    assert!(
        chain[0]["Subject"]
            .as_str()
            .unwrap()
            .contains("CN=shop.example.com")
    );
    assert_eq!(chain[0]["Issuer"], chain[1]["Subject"]);
    assert_eq!(chain[0]["ValidTo"], detail["CertEndTime"]);
    assert_eq!(detail["RootCert"]["Standard"], w.ca.root_pem());
    assert!(detail["RootCert"]["Sign"].is_null());
    let download = tencent(&w, "DownloadCertificate", json!({ "CertificateId": id })).await;
    let names = unzip_and_verify(&w, &download, "shop.example.com");
    for expected in [
        "Nginx/shop.example.com_bundle.crt",
        "Nginx/shop.example.com.key",
        "Apache/shop.example.com.crt",
        "Apache/shop.example.com_chain.crt",
        "Apache/shop.example.com.key",
        "IIS/shop.example.com.pfx",
        "IIS/keystorePass.txt",
        "Tomcat/shop.example.com.pfx",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} in {names:?}"
        );
    }

    // Issued: not deletable; revoked, it is.
    assert_eq!(
        tencent_error(&w, "DeleteCertificate", json!({ "CertificateId": id })).await,
        "FailedOperation.CannotBeDeletedIssued"
    );
    let listed = tencent(&w, "DescribeCertificates", json!({ "CertIds": [id] })).await;
    let entry = &listed["Certificates"][0];
    assert_eq!(entry["SupportDownloadType"]["IIS"], true);
    assert_eq!(entry["KeyPasswordCustomFlag"], false);
    assert!(entry["ValidationPassedTime"].is_string());
    assert!(entry["CertRevokedTime"].is_null());
    let revoked = tencent(&w, "RevokeCertificate", json!({ "CertificateId": id })).await;
    assert_eq!(revoked["RevokeDomainValidateAuths"], json!([]));
    assert_eq!(status(&w, &id).await, 10);
    let listed = tencent(&w, "DescribeCertificates", json!({ "CertIds": [id] })).await;
    assert!(listed["Certificates"][0]["CertRevokedTime"].is_string());
    let deleted = tencent(&w, "DeleteCertificate", json!({ "CertificateId": id })).await;
    assert_eq!(deleted["DeleteResult"], true);
    assert_eq!(
        tencent_error(&w, "DescribeCertificate", json!({ "CertificateId": id })).await,
        "FailedOperation.CertificateNotFound"
    );
}

fn ov_information(id: &str) -> Value {
    json!({
        "CertificateId": id,
        "CsrType": "online",
        "CertificateDomain": "ov.example.com",
        "OrganizationName": "Example Co",
        "OrganizationDivision": "IT",
        "OrganizationAddress": "1 Example Road",
        "OrganizationCountry": "SG",
        "OrganizationCity": "Shenzhen",
        "OrganizationRegion": "Guangdong",
        "PostalCode": "518000",
        "PhoneAreaCode": "0755",
        "PhoneNumber": "86013388",
        "AdminFirstName": "San",
        "AdminLastName": "Zhang",
        "AdminPhoneNum": "13800138000",
        "AdminEmail": "admin@example.com",
        "AdminPosition": "CTO",
        "ContactFirstName": "Si",
        "ContactLastName": "Li",
        "ContactNumber": "13900139000",
        "ContactEmail": "contact@example.com",
        "ContactPosition": "Engineer",
    })
}

#[tokio::test]
async fn tencent_paid_ov_with_letter_and_review_then_reissue_and_listing() {
    let w = world(Product::free_trustasia_dv()).await;
    // 14: TrustAsia OV (D3).
    let created = tencent(
        &w,
        "CreateCertificate",
        json!({ "ProductId": 14, "DomainNum": 1, "TimeSpan": 1,
                "Tags": [{ "TagKey": "team", "TagValue": "web" }] }),
    )
    .await;
    let id = created["CertificateIds"][0].as_str().unwrap().to_owned();
    assert_eq!(status(&w, &id).await, 5, "pending submission");
    // A product that is not sold, and a missing parameter.
    assert_eq!(
        tencent_error(
            &w,
            "CreateCertificate",
            json!({ "ProductId": 99, "DomainNum": 1, "TimeSpan": 1 })
        )
        .await,
        "FailedOperation.InvalidParam"
    );
    assert_eq!(
        tencent_error(
            &w,
            "CreateCertificate",
            json!({ "DomainNum": 1, "TimeSpan": 1 })
        )
        .await,
        "MissingParameter"
    );

    tencent(&w, "SubmitCertificateInformation", ov_information(&id)).await;
    let described = tencent(&w, "DescribeCertificate", json!({ "CertificateId": id })).await;
    assert_eq!(described["Status"], 8, "letter pending: {described}");
    assert_eq!(described["SubmittedData"]["OrganizationName"], "Example Co");
    assert_eq!(described["SubmittedData"]["AdminFirstName"], "San");
    assert_eq!(described["SubmittedData"]["OrganizationCountry"], "SG");
    assert_eq!(
        described["Tags"],
        json!([{ "TagKey": "team", "TagValue": "web" }])
    );
    // Submitting twice is refused with the vendor's code.
    assert_eq!(
        tencent_error(&w, "SubmitCertificateInformation", ov_information(&id)).await,
        "FailedOperation.CertificateInfoSubmitStatusInvalid"
    );
    let mut pdf = b"%PDF-1.4\n".to_vec();
    pdf.resize(4096, b' ');
    let uploaded = tencent(
        &w,
        "UploadConfirmLetter",
        json!({ "CertificateId": id, "ConfirmLetter": Base64::encode_string(&pdf) }),
    )
    .await;
    assert_eq!(uploaded["IsSuccess"], true);
    let described = tencent(&w, "DescribeCertificate", json!({ "CertificateId": id })).await;
    assert_eq!(
        (
            described["Status"].as_i64(),
            described["StatusMsg"].as_str()
        ),
        (Some(0), Some("CA-REVIEWING"))
    );
    tencent(&w, "CompleteCertificate", json!({ "CertificateId": id })).await;
    tencent(&w, "CompleteCertificate", json!({ "CertificateId": id })).await;
    assert_eq!(status(&w, &id).await, 1);
    let download = tencent(&w, "DownloadCertificate", json!({ "CertificateId": id })).await;
    unzip_and_verify(&w, &download, "ov.example.com");
    // The CSR made for it names the organization and its country, and so does the
    // certificate.
    let detail = tencent(
        &w,
        "DescribeCertificateDetail",
        json!({ "CertificateId": id }),
    )
    .await;
    let subject = detail["CertChainInfo"][0]["Subject"].as_str().unwrap();
    assert!(
        subject.contains("O=Example Co") && subject.contains("C=SG"),
        "{subject}"
    );

    // Reissue with a new ECC key: within 3 days of issuance no validation; the CA issues anew.
    let before = tencent(
        &w,
        "DescribeCertificateDetail",
        json!({ "CertificateId": id }),
    )
    .await;
    tencent(
        &w,
        "ReplaceCertificate",
        json!({ "CertificateId": id, "ValidType": "DNS", "CsrType": "online",
                "CertCSREncryptAlgo": "ECC", "CertCSRKeyParameter": "prime256v1" }),
    )
    .await;
    assert_eq!(status(&w, &id).await, 11, "reissuing");
    tencent(&w, "CompleteCertificate", json!({ "CertificateId": id })).await;
    tencent(&w, "CompleteCertificate", json!({ "CertificateId": id })).await;
    assert_eq!(status(&w, &id).await, 1);
    let after = tencent(
        &w,
        "DescribeCertificateDetail",
        json!({ "CertificateId": id }),
    )
    .await;
    assert_ne!(
        before["CertificatePublicKey"],
        after["CertificatePublicKey"]
    );
    assert_eq!(after["EncryptAlgorithm"], "ECC");

    // A second order, cancelled, and a free one, to filter.
    let other_order = tencent(
        &w,
        "CreateCertificate",
        json!({ "ProductId": 25, "DomainNum": 1, "TimeSpan": 1 }),
    )
    .await;
    let cancelled = other_order["CertificateIds"][0]
        .as_str()
        .unwrap()
        .to_owned();
    tencent(
        &w,
        "CancelCertificateOrder",
        json!({ "CertificateId": cancelled }),
    )
    .await;
    assert_eq!(status(&w, &cancelled).await, 7);
    tencent(
        &w,
        "ModifyCertificateAlias",
        json!({ "CertificateId": cancelled, "Alias": "old-shop" }),
    )
    .await;
    let moved = tencent(
        &w,
        "ModifyCertificateProject",
        json!({ "CertificateIdList": [id, "404"], "ProjectId": 7 }),
    )
    .await;
    assert_eq!(moved["SuccessCertificates"], json!([id]));
    assert_eq!(moved["FailCertificates"], json!(["404"]));

    let list = |body: Value| async { tencent(&w, "DescribeCertificates", body).await };
    let all = list(json!({})).await;
    assert_eq!(all["TotalCount"], 2);
    let issued = list(json!({ "CertificateStatus": [1] })).await;
    assert_eq!(issued["TotalCount"], 1);
    assert_eq!(issued["Certificates"][0]["CertificateId"], id.as_str());
    assert_eq!(issued["Certificates"][0]["ProjectId"], "7");
    assert_eq!(
        list(json!({ "SearchKey": "old-shop" })).await["Certificates"][0]["CertificateId"],
        cancelled.as_str()
    );
    assert_eq!(list(json!({ "ProjectId": 7 })).await["TotalCount"], 1);
    assert_eq!(list(json!({ "IsSM": 1 })).await["TotalCount"], 0);
    assert_eq!(
        list(json!({ "Tags": [{ "TagKey": "team", "TagValue": "web" }] })).await["TotalCount"],
        1
    );
    assert_eq!(list(json!({ "FilterExpiring": 1 })).await["TotalCount"], 0);
    assert_eq!(list(json!({ "Renew": 1 })).await["TotalCount"], 0);
    let by_id = list(json!({ "CertIds": [cancelled] })).await;
    assert_eq!(by_id["TotalCount"], 1);
    assert_eq!(by_id["Certificates"][0]["Status"], 7);
    let page = list(json!({ "Limit": 1, "Offset": 1 })).await;
    assert_eq!(
        (
            page["TotalCount"].as_u64(),
            page["Certificates"].as_array().unwrap().len()
        ),
        (Some(2), 1)
    );
    assert_eq!(
        tencent_error(&w, "DescribeCertificates", json!({ "Limit": 5000 })).await,
        "FailedOperation.InvalidParam"
    );
    // Deleting the cancelled order.
    tencent(
        &w,
        "DeleteCertificate",
        json!({ "CertificateId": cancelled }),
    )
    .await;
    assert_eq!(list(json!({})).await["TotalCount"], 1);
}

#[tokio::test]
async fn tencent_cancel_resubmit_and_renewal() {
    let w = world(Product::free_trustasia_dv_current()).await;
    // Cancel a free application: its quota comes back.
    let a = tencent(
        &w,
        "ApplyCertificate",
        json!({ "DomainName": "a.example.com", "DvAuthMethod": "DNS" }),
    )
    .await;
    let a = a["CertificateId"].as_str().unwrap().to_owned();
    tencent(&w, "CancelCertificateOrder", json!({ "CertificateId": a })).await;
    assert_eq!(status(&w, &a).await, 7);
    assert_eq!(
        tencent_error(&w, "CancelCertificateOrder", json!({ "CertificateId": a })).await,
        "FailedOperation.CancelOrderFailed"
    );

    // Withdraw a paid DV order from validation (CancelAuditCertificate): pending submission
    // again, its information submitted anew.
    let created = tencent(
        &w,
        "CreateCertificate",
        json!({ "ProductId": 25, "DomainNum": 1, "TimeSpan": 1 }),
    )
    .await;
    let id = created["CertificateIds"][0].as_str().unwrap().to_owned();
    let submit =
        json!({ "CertificateId": id, "CsrType": "online", "CertificateDomain": "dv.example.com" });
    tencent(&w, "SubmitCertificateInformation", submit.clone()).await;
    let committed = tencent(
        &w,
        "CommitCertificateInformation",
        json!({ "CertificateId": id, "VerifyType": "DNS_AUTO" }),
    )
    .await;
    assert_eq!(committed["Status"], 4);
    assert_eq!(committed["OrderId"], id.as_str());
    let withdrawn = tencent(&w, "CancelAuditCertificate", json!({ "CertificateId": id })).await;
    assert_eq!(withdrawn["Result"], true);
    assert_eq!(status(&w, &id).await, 5);
    assert_eq!(
        tencent_error(
            &w,
            "ModifyCertificateResubmit",
            json!({ "CertificateId": id })
        )
        .await,
        "FailedOperation.CertificateStatusNotAllowResubmit"
    );
    // This time with a CSR made by Tencent's own CSR action, pasted (`CsrType=parse`).
    let csr = tencent(
        &w,
        "CreateCSR",
        json!({ "Domain": "dv.example.com", "Organization": "Example", "Department": "IT",
                "Email": "admin@example.com", "Province": "Guangdong", "City": "Shenzhen",
                "Country": "CN", "EncryptAlgo": "ECC", "KeyParameter": "prime256v1",
                "Generate": true }),
    )
    .await;
    let pem = tencent(&w, "DescribeCSR", json!({ "CSRId": csr["Id"] })).await["CSR"].clone();
    let mut submit = submit;
    submit["CsrType"] = json!("parse");
    submit["CsrContent"] = pem;
    tencent(&w, "SubmitCertificateInformation", submit).await;
    let detail = tencent(
        &w,
        "DescribeCertificateDetail",
        json!({ "CertificateId": id }),
    )
    .await;
    assert_eq!(detail["EncryptAlgorithm"], "ECC");
    tencent(
        &w,
        "CommitCertificateInformation",
        json!({ "CertificateId": id, "VerifyType": "DNS_AUTO" }),
    )
    .await;
    let checked = tencent(
        &w,
        "CheckCertificateDomainVerification",
        json!({ "CertificateId": id }),
    )
    .await;
    assert_eq!(checked["VerificationResults"][0]["LocalCheck"], 1);
    tencent(&w, "CompleteCertificate", json!({ "CertificateId": id })).await;
    tencent(&w, "CompleteCertificate", json!({ "CertificateId": id })).await;
    assert_eq!(status(&w, &id).await, 1);

    // Renewal of a free certificate: refused while far from expiry, taken within 30 days.
    let free = tencent(
        &w,
        "ApplyCertificate",
        json!({ "DomainName": "r.example.com", "DvAuthMethod": "DNS_AUTO" }),
    )
    .await;
    let free = free["CertificateId"].as_str().unwrap().to_owned();
    tencent(
        &w,
        "CheckCertificateDomainVerification",
        json!({ "CertificateId": free }),
    )
    .await;
    tencent(&w, "CompleteCertificate", json!({ "CertificateId": free })).await;
    tencent(&w, "CompleteCertificate", json!({ "CertificateId": free })).await;
    assert_eq!(status(&w, &free).await, 1);
    let renew = json!({ "DomainName": "r.example.com", "DvAuthMethod": "DNS_AUTO", "OldCertificateId": free });
    assert_eq!(
        tencent_error(&w, "ApplyCertificate", renew.clone()).await,
        "FailedOperation.RenewNotIssued"
    );
    w.clock.advance(time::Duration::days(70));
    // Within 30 days of its end it is expiring and renewable; the paid one is neither.
    let list = |body: Value| async { tencent(&w, "DescribeCertificates", body).await };
    for filter in [json!({ "FilterExpiring": 1 }), json!({ "Renew": 1 })] {
        let found = list(filter.clone()).await;
        assert_eq!(found["TotalCount"], 1, "{filter}: {found}");
        assert_eq!(found["Certificates"][0]["CertificateId"], free.as_str());
    }
    assert!(list(json!({})).await["TotalCount"].as_u64().unwrap() > 1);
    let renewal = tencent(&w, "ApplyCertificate", renew).await;
    let renewal = renewal["CertificateId"].as_str().unwrap();
    assert_ne!(renewal, free);
    let described = tencent(
        &w,
        "DescribeCertificate",
        json!({ "CertificateId": renewal }),
    )
    .await;
    assert_eq!(
        described["CertificateExtra"]["OriginCertificateId"],
        free.as_str()
    );
    assert_eq!(described["Domain"], "r.example.com");

    // A paid order whose validation window closed fails; resubmitted, it is pending
    // submission again.
    let created = tencent(
        &w,
        "CreateCertificate",
        json!({ "ProductId": 25, "DomainNum": 1, "TimeSpan": 1 }),
    )
    .await;
    let late = created["CertificateIds"][0].as_str().unwrap().to_owned();
    tencent(
        &w,
        "SubmitCertificateInformation",
        json!({ "CertificateId": late, "CertificateDomain": "late.example.com", "VerifyType": "DNS" }),
    )
    .await;
    w.clock.advance(time::Duration::days(8));
    let checked = tencent(
        &w,
        "CheckCertificateDomainVerification",
        json!({ "CertificateId": late }),
    )
    .await;
    assert_eq!(checked["VerificationResults"], json!([]));
    assert_eq!(status(&w, &late).await, 2, "review failed");
    let resubmitted = tencent(
        &w,
        "ModifyCertificateResubmit",
        json!({ "CertificateId": late }),
    )
    .await;
    assert_eq!(resubmitted["CertificateId"], late.as_str());
    assert_eq!(status(&w, &late).await, 5);

    // Past its end the free certificate reads as expired (3), whether or not anything has
    // ticked the stored order, and is listed so.
    w.clock.advance(time::Duration::days(30));
    assert_eq!(status(&w, &free).await, 3);
    let expired = tencent(
        &w,
        "DescribeCertificates",
        json!({ "CertificateStatus": [3] }),
    )
    .await;
    assert_eq!(expired["TotalCount"], 1, "{expired}");
    assert_eq!(expired["Certificates"][0]["CertificateId"], free.as_str());
}

#[tokio::test]
async fn alibaba_free_dv_by_dns_polled_to_the_certificate_and_the_package_state() {
    let w = world(Product::free_trustasia_dv()).await;
    let quota = alibaba(&w, "DescribePackageState", json!({})).await;
    let total = quota["TotalCount"].as_u64().unwrap();
    assert_eq!(
        (quota["UsedCount"].as_u64(), quota["IssuedCount"].as_u64()),
        (Some(0), Some(0))
    );

    let created = alibaba(
        &w,
        "CreateCertificateRequest",
        json!({ "Domain": "ali.example.com", "ValidateType": "DNS", "Username": "Zhang San",
                "Phone": "13800138000", "Email": "ops@example.com" }),
    )
    .await;
    let id = created["OrderId"].as_u64().expect("OrderId is a number");
    let state = alibaba(&w, "DescribeCertificateState", json!({ "OrderId": id })).await;
    assert_eq!(state["Type"], "domain_verify", "{state}");
    assert_eq!(state["ValidateType"], "DNS");
    let (record_type, host, value) = (
        state["RecordType"].as_str().unwrap(),
        state["RecordDomain"].as_str().unwrap().to_owned(),
        state["RecordValue"].as_str().unwrap().to_owned(),
    );
    // The user publishes the record in their own zone.
    let record = match record_type {
        "CNAME" => DnsRecord::Cname {
            name: host,
            target: value,
        },
        _ => DnsRecord::Txt { name: host, value },
    };
    w.dns.create(&me(), &record).await.unwrap();
    assert_eq!(alibaba_listed(&w, "CHECKING").await, [id]);
    // Polling moves it on: validated, reviewed, issued.
    let mut state = Value::Null;
    for _ in 0..4 {
        state = alibaba(&w, "DescribeCertificateState", json!({ "OrderId": id })).await;
        if state["Type"] == "certificate" {
            break;
        }
    }
    assert_eq!(state["Type"], "certificate", "{state}");
    // The certificate and its chain verify against the local CA's root.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("root.pem"), w.ca.root_pem()).unwrap();
    std::fs::write(
        dir.path().join("cert.pem"),
        state["Certificate"].as_str().unwrap(),
    )
    .unwrap();
    let verified = common::openssl_ok(
        dir.path(),
        &[
            "verify",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "cert.pem",
            "cert.pem",
        ],
    );
    assert!(verified.contains(": OK"), "{verified}");
    assert!(
        state["Certificate"]
            .as_str()
            .unwrap()
            .contains("BEGIN CERTIFICATE")
    );
    assert!(
        state["PrivateKey"]
            .as_str()
            .unwrap()
            .contains("PRIVATE KEY")
    );
    let issued = alibaba(
        &w,
        "ListUserCertificateOrder",
        json!({ "Status": "ISSUED", "Keyword": "ali." }),
    )
    .await;
    let item = &issued["CertificateOrderList"][0];
    assert_eq!(item["OrderId"].as_u64(), Some(id));
    assert!(item["CertEndTime"].as_i64().unwrap() > item["CertStartTime"].as_i64().unwrap());
    assert_eq!(item["ProductCode"], "digicert-free-1-free");
    let quota = alibaba(&w, "DescribePackageState", json!({})).await;
    assert_eq!(
        (
            quota["TotalCount"].as_u64(),
            quota["UsedCount"].as_u64(),
            quota["IssuedCount"].as_u64()
        ),
        (Some(total), Some(1), Some(1))
    );
    // Not deletable once issued; revoked it is listed as such.
    let e = try_call(
        &w,
        &me(),
        Vendor::Alibaba,
        "DeleteCertificateRequest",
        json!({ "OrderId": id }),
    )
    .await
    .unwrap_err();
    assert_eq!((e.code.as_str(), e.http_status), ("OperationDenied", 403));
    alibaba(&w, "RevokeCertificate", json!({ "CertificateId": id })).await;
    assert_eq!(alibaba_listed(&w, "REVOKED").await, [id]);
    // Another account reaches none of it.
    let e = try_call(
        &w,
        &other(),
        Vendor::Alibaba,
        "DescribeCertificateState",
        json!({ "OrderId": id }),
    )
    .await
    .unwrap_err();
    assert_eq!((e.code.as_str(), e.http_status), ("NotFound", 404));
}

#[tokio::test]
async fn alibaba_cancel_is_pending_application_then_delete_gives_the_quota_back() {
    let w = world(Product::free_trustasia_dv()).await;
    // A CSR made through Alibaba's own CSR action, then an order for it.
    let csr = alibaba(
        &w,
        "CreateCsr",
        json!({ "Algorithm": "RSA", "KeySize": 2048, "CommonName": "csr.example.com",
                "CountryCode": "CN", "Province": "Guangdong", "Locality": "Shenzhen" }),
    )
    .await;
    let created = alibaba(
        &w,
        "CreateCertificateWithCsrRequest",
        json!({ "Csr": csr["Csr"], "ValidateType": "FILE", "Username": "Zhang San",
                "Phone": "13800138000", "Email": "ops@example.com" }),
    )
    .await;
    let id = created["OrderId"].as_u64().unwrap();
    let state = alibaba(&w, "DescribeCertificateState", json!({ "OrderId": id })).await;
    assert_eq!(state["Type"], "domain_verify");
    assert!(
        state["Uri"]
            .as_str()
            .unwrap()
            .starts_with("/.well-known/pki-validation/")
    );
    assert!(!state["Content"].as_str().unwrap().is_empty());
    assert_eq!(used(&w).await, 1);

    // Cancel: back to pending application, the quota kept.
    alibaba(&w, "CancelOrderRequest", json!({ "OrderId": id })).await;
    let state = alibaba(&w, "DescribeCertificateState", json!({ "OrderId": id })).await;
    assert_eq!(state["Type"], "payed");
    assert_eq!(alibaba_listed(&w, "PAYED").await, [id]);
    assert_eq!(used(&w).await, 1);
    // Cancelling again is refused: it is no longer validating.
    let e = try_call(
        &w,
        &me(),
        Vendor::Alibaba,
        "CancelOrderRequest",
        json!({ "OrderId": id }),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code.as_str(), "OperationDenied");
    // Delete: the quota comes back.
    alibaba(&w, "DeleteCertificateRequest", json!({ "OrderId": id })).await;
    assert_eq!(used(&w).await, 0);
    let e = try_call(
        &w,
        &me(),
        Vendor::Alibaba,
        "DescribeCertificateState",
        json!({ "OrderId": id }),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code.as_str(), "NotFound");
    // Parameters: numbers as text are read, unknown products and methods refused at once.
    let e = try_call(
        &w,
        &me(),
        Vendor::Alibaba,
        "CreateCertificateRequest",
        json!({ "Domain": "x.example.com", "ValidateType": "EMAIL", "ProductCode": "nope" }),
    )
    .await
    .unwrap_err();
    assert_eq!((e.code.as_str(), e.http_status), ("MissingParameter", 400));
    let fields: Vec<&str> = e.violations.iter().map(|v| v.field.as_str()).collect();
    for f in ["Username", "Phone", "Email", "ValidateType", "ProductCode"] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    let listed = alibaba(
        &w,
        "ListUserCertificateOrder",
        json!({ "CurrentPage": "1", "ShowSize": "10" }),
    )
    .await;
    assert_eq!(listed["ShowSize"], 10);

    // An order whose validation window closed fails (verify_fail, CHECKED_FAIL); deleting it
    // gives the quota back.
    let created = alibaba(
        &w,
        "CreateCertificateRequest",
        json!({ "Domain": "late.example.com", "ValidateType": "DNS", "Username": "Zhang San",
                "Phone": "13800138000", "Email": "ops@example.com" }),
    )
    .await;
    let late = created["OrderId"].as_u64().unwrap();
    assert_eq!(used(&w).await, 1);
    w.clock.advance(time::Duration::days(8));
    let state = alibaba(&w, "DescribeCertificateState", json!({ "OrderId": late })).await;
    assert_eq!(state["Type"], "verify_fail", "{state}");
    assert_eq!(alibaba_listed(&w, "CHECKED_FAIL").await, [late]);
    alibaba(&w, "DeleteCertificateRequest", json!({ "OrderId": late })).await;
    assert_eq!(used(&w).await, 0);
}

#[tokio::test]
async fn alibaba_paid_package_order_and_renewal_with_a_new_csr() {
    let w = world(Product::free_trustasia_dv()).await;
    let created = alibaba(
        &w,
        "CreateCertificateForPackageRequest",
        json!({ "ProductCode": "geotrust-dv-1-starter", "Domain": "pkg.example.com",
                "ValidateType": "DNS", "Email": "ops@example.com" }),
    )
    .await;
    let id = created["OrderId"].as_u64().unwrap();
    let state = alibaba(&w, "DescribeCertificateState", json!({ "OrderId": id })).await;
    let record = DnsRecord::Txt {
        name: state["RecordDomain"].as_str().unwrap().to_owned(),
        value: state["RecordValue"].as_str().unwrap().to_owned(),
    };
    assert_eq!(state["RecordType"], "TXT", "GeoTrust validates by TXT");
    w.dns.create(&me(), &record).await.unwrap();
    let mut state = Value::Null;
    for _ in 0..4 {
        state = alibaba(&w, "DescribeCertificateState", json!({ "OrderId": id })).await;
    }
    assert_eq!(state["Type"], "certificate", "{state}");
    let listed = alibaba(&w, "ListUserCertificateOrder", json!({})).await;
    assert_eq!(
        listed["CertificateOrderList"][0]["ProductCode"],
        "geotrust-dv-1-starter"
    );
    // A second package order, withdrawn by the package action.
    let second = alibaba(
        &w,
        "CreateCertificateForPackageRequest",
        json!({ "ProductCode": "globalsign-dv-1-personal", "Domain": "two.example.com" }),
    )
    .await;
    let second = second["OrderId"].as_u64().unwrap();
    alibaba(
        &w,
        "CancelCertificateForPackageRequest",
        json!({ "OrderId": second.to_string() }),
    )
    .await;
    let state = alibaba(&w, "DescribeCertificateState", json!({ "OrderId": second })).await;
    assert_eq!(state["Type"], "payed");
    // Too early to renew; within 30 days of the end a renewal with a new CSR is taken.
    let e = try_call(
        &w,
        &me(),
        Vendor::Alibaba,
        "RenewCertificateOrderForPackageRequest",
        json!({ "OrderId": id }),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code.as_str(), "OperationDenied");
    w.clock.advance(time::Duration::days(190));
    assert_eq!(alibaba_listed(&w, "WILLEXPIRED").await, [id]);
    let csr = alibaba(
        &w,
        "CreateCsr",
        json!({ "Algorithm": "ECC", "KeySize": 256, "CommonName": "pkg.example.com",
                "CountryCode": "CN", "Province": "Guangdong", "Locality": "Shenzhen" }),
    )
    .await;
    let renewed = alibaba(
        &w,
        "RenewCertificateOrderForPackageRequest",
        json!({ "OrderId": id, "Csr": csr["Csr"] }),
    )
    .await;
    let renewal = renewed["OrderId"].as_u64().unwrap();
    assert_ne!(renewal, id);
    let listed = alibaba(
        &w,
        "ListUserCertificateOrder",
        json!({ "Keyword": renewal.to_string() }),
    )
    .await;
    assert_eq!(listed["CertificateOrderList"][0]["Algorithm"], "ECC");
    // Past its end the first certificate is expired, not expiring.
    w.clock.advance(time::Duration::days(60));
    assert!(alibaba_listed(&w, "EXPIRED").await.contains(&id));
    assert!(!alibaba_listed(&w, "WILLEXPIRED").await.contains(&id));
}

/// Issues a free certificate through Tencent's actions, validated by DNS (`DNS_AUTO`, or the
/// record published here for `DNS`).
async fn tencent_issued(w: &World, domain: &str, method: &str) -> String {
    let applied = tencent(
        w,
        "ApplyCertificate",
        json!({ "DomainName": domain, "DvAuthMethod": method }),
    )
    .await;
    let id = applied["CertificateId"].as_str().unwrap().to_owned();
    if method == "DNS" {
        let described = tencent(w, "DescribeCertificate", json!({ "CertificateId": id })).await;
        let auth = &described["DvAuthDetail"]["DvAuths"][0];
        let name = format!(
            "{}.{}",
            auth["DvAuthKey"].as_str().unwrap(),
            auth["DvAuthDomain"].as_str().unwrap()
        );
        let value = auth["DvAuthValue"].as_str().unwrap().to_owned();
        let record = match auth["DvAuthVerifyType"].as_str().unwrap() {
            "CNAME" => DnsRecord::Cname {
                name,
                target: value,
            },
            _ => DnsRecord::Txt { name, value },
        };
        w.dns.create(&me(), &record).await.unwrap();
    }
    let checked = tencent(
        w,
        "CheckCertificateDomainVerification",
        json!({ "CertificateId": id }),
    )
    .await;
    assert_eq!(
        checked["VerificationResults"][0]["LocalCheck"], 1,
        "{checked}"
    );
    tencent(w, "CompleteCertificate", json!({ "CertificateId": id })).await;
    tencent(w, "CompleteCertificate", json!({ "CertificateId": id })).await;
    assert_eq!(status(w, &id).await, 1);
    id
}

#[tokio::test]
async fn tencent_revocation_the_ca_validates_first_answers_revoke_domain_validate_auths() {
    let w = world_with(Product::free_trustasia_dv(), true).await;
    let id = tencent_issued(&w, "rv.example.com", "DNS").await;

    // The CA asks for a record before it revokes: revoking (9) until it is published.
    let revoking = tencent(&w, "RevokeCertificate", json!({ "CertificateId": id })).await;
    let auths = revoking["RevokeDomainValidateAuths"].as_array().unwrap();
    assert_eq!(auths.len(), 1, "{revoking}");
    let auth = &auths[0];
    assert_eq!(auth["DomainValidateAuthDomain"], "example.com");
    assert_eq!(auth["DomainValidateAuthKey"], "_revoke.rv");
    assert_eq!(auth["DomainValidateAuthPath"], "");
    let value = auth["DomainValidateAuthValue"].as_str().unwrap().to_owned();
    assert_eq!(value.len(), 32);
    assert_eq!(status(&w, &id).await, 9);
    // DescribeCertificate shows the same in `DvRevokeAuthDetail`.
    let described = tencent(&w, "DescribeCertificate", json!({ "CertificateId": id })).await;
    let shown = &described["DvRevokeAuthDetail"][0];
    assert_eq!(
        (
            &shown["DvAuthDomain"],
            &shown["DvAuthKey"],
            &shown["DvAuthValue"],
            &shown["DvAuthVerifyType"]
        ),
        (
            &auth["DomainValidateAuthDomain"],
            &auth["DomainValidateAuthKey"],
            &auth["DomainValidateAuthValue"],
            &json!("TXT")
        )
    );
    // Asked again before it is published: the same record, still revoking.
    let again = tencent(&w, "RevokeCertificate", json!({ "CertificateId": id })).await;
    assert_eq!(again, revoking);
    assert_eq!(status(&w, &id).await, 9);
    // Not deletable while revoking.
    assert_eq!(
        tencent_error(&w, "DeleteCertificate", json!({ "CertificateId": id })).await,
        "FailedOperation.CannotBeDeletedIssued"
    );
    w.dns
        .create(
            &me(),
            &DnsRecord::Txt {
                name: "_revoke.rv.example.com".into(),
                value,
            },
        )
        .await
        .unwrap();
    let revoked = tencent(&w, "RevokeCertificate", json!({ "CertificateId": id })).await;
    assert_eq!(revoked["RevokeDomainValidateAuths"], json!([]));
    assert_eq!(status(&w, &id).await, 10);
    let described = tencent(&w, "DescribeCertificate", json!({ "CertificateId": id })).await;
    assert!(described["DvRevokeAuthDetail"].is_null());

    // Validated by DNS_AUTO: the records are published for the user, the CA asked again at
    // once, and the records removed once it revoked.
    let auto = tencent_issued(&w, "auto.example.com", "DNS_AUTO").await;
    let revoked = tencent(&w, "RevokeCertificate", json!({ "CertificateId": auto })).await;
    assert_eq!(revoked["RevokeDomainValidateAuths"], json!([]));
    assert_eq!(status(&w, &auto).await, 10);
    let resolver = HickoryResolver::with_servers(&[w.dns.addr()], Duration::from_secs(2)).unwrap();
    let left = certdesk::backend::DnsResolver::txt(&resolver, "_revoke.auto.example.com").await;
    assert!(left.is_err_and(|e| e.is_absent()), "the record was removed");
    // A record the provider refuses: the challenges are the user's, as without DNS_AUTO.
    let refused = tencent_issued(&w, "refused.example.com", "DNS_AUTO").await;
    w.refuse_revocation_records
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let revoking = tencent(&w, "RevokeCertificate", json!({ "CertificateId": refused })).await;
    assert_eq!(
        revoking["RevokeDomainValidateAuths"][0]["DomainValidateAuthKey"],
        "_revoke.refused"
    );
    assert_eq!(status(&w, &refused).await, 9);

    // Alibaba's revocation of the same kind: accepted, the order revoking until the record is
    // there.
    let ali = tencent_issued(&w, "ali.example.com", "DNS").await;
    let ali_id: u64 = ali.parse().unwrap();
    let answer = alibaba(&w, "RevokeCertificate", json!({ "CertificateId": ali_id })).await;
    assert_eq!(answer, json!({}));
    assert_eq!(status(&w, &ali).await, 9);
}

#[tokio::test]
async fn free_quota_refusals_carry_each_vendors_code() {
    let w = world(Product::free_trustasia_dv()).await;
    // Tencent: 20 free certificates per primary domain; the 21st for it is refused with the
    // primary-domain code, and past the account's own limit with its code.
    let apply = |domain: String| {
        let w = &w;
        async move {
            try_call(
                w,
                &me(),
                Vendor::Tencent,
                "ApplyCertificate",
                json!({ "DomainName": domain, "DvAuthMethod": "DNS" }),
            )
            .await
        }
    };
    for i in 0..20 {
        apply(format!("h{i}.example.com")).await.unwrap();
    }
    let e = apply("h20.example.com".into()).await.unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.http_status),
        ("FailedOperation.MainDomainCertificateCountLimit", 200)
    );
    // Those 20 used the account's 20 for domains not registered with Tencent Cloud (the
    // guide's individual allowance): another primary domain is refused for the account.
    let e = apply("d.example.net".into()).await.unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.http_status),
        ("FailedOperation.ExceedsFreeLimit", 200)
    );

    // Alibaba: the package's count; past it, QuotaExceeded (403).
    let other_account = other();
    let package = || {
        call(
            &w,
            &other_account,
            Vendor::Alibaba,
            "DescribePackageState",
            json!({}),
        )
    };
    let total = package().await["TotalCount"].as_u64().unwrap();
    assert!(total > 0);
    let create = |i: u64| {
        let w = &w;
        let scope = other_account.clone();
        async move {
            try_call(
                w,
                &scope,
                Vendor::Alibaba,
                "CreateCertificateRequest",
                json!({ "Domain": format!("a{i}.example{i}.cn"), "ValidateType": "DNS",
                        "Username": "Li Si", "Phone": "13900139000",
                        "Email": "ops@example.org" }),
            )
            .await
        }
    };
    // The package counts the Tencent-registered pool too; domains registered elsewhere have
    // the any-domain part of it (20 of 50 here): applications go through until then.
    let mut created = 0;
    let e = loop {
        match create(created).await {
            Ok(_) => created += 1,
            Err(e) => break e,
        }
        assert!(created <= total, "more than the package's {total}");
    };
    assert_eq!(created, 20);
    assert_eq!((e.code.as_str(), e.http_status), ("QuotaExceeded", 403));
    let package = package().await;
    assert_eq!(package["UsedCount"].as_u64(), Some(created));
    assert_eq!(package["TotalCount"].as_u64(), Some(total));
}
