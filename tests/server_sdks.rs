//! The vendors' official Python SDKs, unmodified, against certdesk's HTTP server on loopback:
//! `tests/sdk/tencent_flow.py` (tencentcloud-sdk-python-intl-en) and `tests/sdk/alibaba_flow.py`
//! (alibabacloud-cas20200407) create, describe, list, modify and delete CSRs, take a free
//! certificate from application through DNS validation to download, and check each SDK's
//! exception for a wrong secret, an unknown key, an expired timestamp, a replayed nonce, an
//! unknown action and a rule violation. The SDKs live in virtualenvs made by `scripts/test` and
//! `.ci/run` (`certdesk_need_sdks`, under `target/sdk-venvs`; `CERTDESK_SDK_VENVS` moves them);
//! the proxy variables are unset for the SDK processes.

#![cfg(all(
    feature = "server",
    feature = "dns",
    feature = "http",
    feature = "local-ca"
))]

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use certdesk::SecretText;
use certdesk::backend::{
    AesGcmVault, FetchPolicy, HickoryResolver, LocalCa, LoopbackDnsServer, MemoryStore,
    ValidationFetcher,
};
use certdesk::server::{ApiServer, WireRequest};
use certdesk::service::{AccessKeys, CsrService, OrderService};

const ACCOUNT: &str = "100012345678";
const OTHER: &str = "100087654321";

struct Running {
    addr: String,
    ca: Arc<LocalCa>,
    server: ApiServer,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

async fn start() -> Running {
    let store = Arc::new(MemoryStore::new());
    let vault = Arc::new(AesGcmVault::new("k", [9; 32]));
    let keys = AccessKeys::new(store.clone(), vault.clone());
    keys.import(ACCOUNT, "AKIDsdktest", &SecretText::new("sdk-secret"))
        .await
        .unwrap();
    keys.import(OTHER, "AKIDother", &SecretText::new("other-secret"))
        .await
        .unwrap();
    let csrs = Arc::new(CsrService::new(store.clone(), vault).with_orders(store.clone()));
    let dns = Arc::new(LoopbackDnsServer::start().await.unwrap());
    dns.add_zone("example.com", ACCOUNT).unwrap();
    let resolver =
        Arc::new(HickoryResolver::with_servers(&[dns.addr()], Duration::from_secs(2)).unwrap());
    let fetcher = Arc::new(ValidationFetcher::with_resolver(
        FetchPolicy::default(),
        resolver.clone(),
    ));
    let ca = Arc::new(LocalCa::new("certdesk SDK Test").unwrap());
    let orders = Arc::new(
        OrderService::builder(store, csrs, ca.clone())
            .resolver(resolver)
            .fetcher(fetcher)
            .dns_provider(dns)
            .build(),
    );
    let server = ApiServer::new(orders, keys);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.clone().serve(listener, async {
        let _ = rx.await;
    }));
    Running {
        addr,
        ca,
        server,
        _shutdown: tx,
    }
}

fn venv_python(vendor: &str) -> PathBuf {
    let base = std::env::var_os("CERTDESK_SDK_VENVS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/sdk-venvs"),
        PathBuf::from,
    );
    let python = base.join(vendor).join("bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/test (or `. scripts/setup.sh; certdesk_need_sdks`) to make the SDKs' virtualenvs",
        python.display()
    );
    python
}

/// Runs an SDK script with the proxy variables unset; its output when it succeeded.
async fn run_script(vendor: &str, script: &str, args: &[&str]) -> String {
    let python = venv_python(vendor);
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/sdk")
        .join(script);
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let out = tokio::task::spawn_blocking(move || {
        let mut cmd = Command::new(python);
        cmd.arg(script).args(&args);
        for var in [
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "http_proxy",
            "https_proxy",
            "all_proxy",
        ] {
            cmd.env_remove(var);
        }
        cmd.output().unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.trim_end().ends_with("done"), "{stdout}");
    stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tencent_sdk_csrs_free_certificate_and_errors() {
    let r = start().await;
    let dir = tempfile::tempdir().unwrap();
    let out = run_script(
        "tencent",
        "tencent_flow.py",
        &[
            &r.addr,
            "AKIDsdktest",
            "sdk-secret",
            dir.path().to_str().unwrap(),
            "AKIDother",
            "other-secret",
        ],
    )
    .await;
    for step in [
        "ok CreateCSR",
        "ok DescribeCSRSet GET 1",
        "ok issued 1",
        "ok error AuthFailure.SignatureFailure",
        "ok error AuthFailure.SecretIdNotFound",
        "ok error AuthFailure.SignatureExpire",
        "ok error InvalidAction",
        "ok error FailedOperation.InvalidParam",
        "ok other account: InvalidParameter.InvalidCSRId",
        "ok other account: FailedOperation.CertificateNotFound",
    ] {
        assert!(out.contains(step), "{step} in\n{out}");
    }
    // The downloaded zip, unzipped by Python, holds a certificate that verifies with OpenSSL.
    let unzip = Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])",
            "cert.zip",
            "x",
        ])
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(unzip.success());
    std::fs::write(dir.path().join("root.pem"), r.ca.root_pem()).unwrap();
    let bundle = "x/Nginx/shop.example.com_bundle.crt";
    let verified = common::openssl_ok(
        dir.path(),
        &[
            "verify",
            "-CAfile",
            "root.pem",
            "-untrusted",
            bundle,
            bundle,
        ],
    );
    assert!(verified.contains(": OK"), "{verified}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alibaba_sdk_csrs_orders_both_signatures_and_errors() {
    let r = start().await;
    let dir = tempfile::tempdir().unwrap();
    let out = run_script(
        "alibaba",
        "alibaba_flow.py",
        &[
            &r.addr,
            "AKIDsdktest",
            "sdk-secret",
            dir.path().to_str().unwrap(),
            "AKIDother",
            "other-secret",
        ],
    )
    .await;
    for step in [
        "ok CreateCsr",
        "ok UploadCsr+UpdateCsr",
        "ok ListCsr v2 signature 1",
        "ok CancelOrderRequest -> payed",
        "ok error SignatureDoesNotMatch",
        "ok error InvalidAccessKeyId.NotFound",
        "ok error SignatureNonceUsed",
        "ok error InvalidTimeStamp.Expired",
        "ok error InvalidAction.NotFound",
        "ok error InvalidParameter",
        "ok other account: NotFound",
    ] {
        assert!(out.contains(step), "{step} in\n{out}");
    }
}

/// Plain requests the SDKs never send: the health check, an unsigned Tencent call, a body over
/// the cap, a method other than GET and POST.
#[tokio::test]
async fn the_server_refuses_what_is_not_a_signed_vendor_call() {
    let r = start().await;
    let call = |method: &str, headers: &[(&str, &str)], body: &[u8]| WireRequest {
        method: method.into(),
        path: "/".into(),
        query: String::new(),
        headers: headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        body: body.to_vec(),
    };
    let health = r
        .server
        .answer(WireRequest {
            path: "/healthz".into(),
            ..call("GET", &[], b"")
        })
        .await;
    assert_eq!((health.status, health.body.as_slice()), (200, &b"ok\n"[..]));
    let tencent = [
        ("X-TC-Action", "DescribeCSRSet"),
        ("X-TC-Version", "2019-12-05"),
        ("Content-Type", "application/json"),
    ];
    let unsigned = r.server.answer(call("POST", &tencent, b"{}")).await;
    assert_eq!(unsigned.status, 200);
    assert_eq!(unsigned.content_type, "application/json");
    let body: serde_json::Value = serde_json::from_slice(&unsigned.body).unwrap();
    assert_eq!(
        body["Response"]["Error"]["Code"],
        "AuthFailure.InvalidAuthorization"
    );
    assert_eq!(body["Response"]["RequestId"], unsigned.request_id.as_str());
    let big = vec![b' '; r.server.settings().max_body + 1];
    let body: serde_json::Value =
        serde_json::from_slice(&r.server.answer(call("POST", &tencent, &big)).await.body).unwrap();
    assert_eq!(
        body["Response"]["Error"]["Code"],
        "RequestSizeLimitExceeded"
    );
    let body: serde_json::Value =
        serde_json::from_slice(&r.server.answer(call("PUT", &tencent, b"")).await.body).unwrap();
    assert_eq!(body["Response"]["Error"]["Code"], "UnsupportedProtocol");
    let alibaba = r
        .server
        .answer(WireRequest {
            query: "Action=ListCsr&Version=2020-04-07".into(),
            ..call("POST", &[], b"")
        })
        .await;
    assert_eq!(alibaba.status, 400);
    let body: serde_json::Value = serde_json::from_slice(&alibaba.body).unwrap();
    assert_eq!(body["Code"], "IncompleteSignature");
}

/// Over TLS: a certificate from the local CA for `localhost`; Python's `ssl` verifies it against
/// the CA's root and gets the health check; against another root it refuses the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_speaks_tls_verified_by_the_clients_root() {
    let r = start().await;
    let (chain, key) = common::server_cert(&r.ca, "localhost").await;
    let config = certdesk::server::server_config(&chain, &key).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(r.server.clone().serve_tls(listener, config, async {
        let _ = rx.await;
    }));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("root.pem"), r.ca.root_pem()).unwrap();
    let stranger = LocalCa::new("certdesk Stranger").unwrap();
    std::fs::write(dir.path().join("stranger.pem"), stranger.root_pem()).unwrap();
    let fetch = |root: &'static str| {
        let dir = dir.path().to_owned();
        tokio::task::spawn_blocking(move || {
            Command::new("python3")
                .args([
                    "-c",
                    "import ssl, sys, urllib.request\n\
                     ctx = ssl.create_default_context(cafile=sys.argv[2])\n\
                     print(urllib.request.urlopen('https://localhost:%s/healthz' % sys.argv[1], context=ctx).read().decode())",
                    &port.to_string(),
                    root,
                ])
                .current_dir(dir)
                .env_remove("HTTPS_PROXY")
                .env_remove("https_proxy")
                .env_remove("ALL_PROXY")
                .env_remove("all_proxy")
                .output()
                .unwrap()
        })
    };
    let ok = fetch("root.pem").await.unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&ok.stdout).trim(), "ok");
    let refused = fetch("stranger.pem").await.unwrap();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("CERTIFICATE_VERIFY_FAILED"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    tx.send(()).unwrap();
    serving.await.unwrap().unwrap();
}
