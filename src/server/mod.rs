//! The vendors' APIs over HTTP (feature `server`): Tencent Cloud API 3.0 for service `ssl`
//! (2019-12-05) and Alibaba Cloud RPC for CAS (2020-04-07), on one port, told apart by
//! `X-TC-Action` versus `x-acs-action` / `Action=`. Each request's signature is checked with the
//! access key it names ([`AccessKeys`]), whose account becomes the call's [`Scope`]; the body
//! (or the query) becomes the action's JSON, answered by [`OrderService::handle`]; the answer
//! goes back in the vendor's envelope. The layer decides nothing about certificates.
//!
//! ```no_run
//! # async fn demo(orders: std::sync::Arc<certdesk::service::OrderService>,
//! #               keys: certdesk::service::AccessKeys) -> std::io::Result<()> {
//! use certdesk::server::ApiServer;
//!
//! let server = ApiServer::new(orders, keys);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:9000").await?;
//! // Mount `server.router()` in an axum app of yours, or run it:
//! server.serve(listener, async { let _ = tokio::signal::ctrl_c().await; }).await
//! # }
//! ```

pub mod sign;
mod tls;

pub use tls::{HANDSHAKE_TIMEOUT, TlsConfigError, TlsListener, server_config};

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::Semaphore;
use tracing::Instrument;

use crate::backend::{Clock, Scope, SystemClock};
use crate::cloud::{Api, Vendor, VendorError, success_body};
use crate::service::{AccessKeys, OrderService, ResolvedKey};
use sign::{SignError, SignedRequest};

/// The Tencent API version served.
pub const TENCENT_VERSION: &str = "2019-12-05";

/// The Alibaba API version served.
pub const ALIBABA_VERSION: &str = "2020-04-07";

/// The Tencent request parameters the SDK models type as text: in a `GET` request's query they
/// stay strings even when they look like numbers (`CertificateId=1808029295114732`); the other
/// parameters are read as numbers or booleans (`True`/`False`) when they look like them.
pub const TENCENT_TEXT_PARAMS: &[&str] = &[
    "AdminEmail",
    "AdminFirstName",
    "AdminLastName",
    "AdminPhoneNum",
    "AdminPosition",
    "Alias",
    "CertCSREncryptAlgo",
    "CertCSRKeyParameter",
    "CertIds",
    "CertificateDomain",
    "CertificateId",
    "CertificateIdList",
    "CertificateType",
    "City",
    "ConfirmLetter",
    "ContactEmail",
    "ContactFirstName",
    "ContactLastName",
    "ContactNumber",
    "ContactPhone",
    "ContactPosition",
    "Country",
    "CsrContent",
    "CsrEncryptAlgo",
    "CsrKeyParameter",
    "CsrKeyPassword",
    "CsrType",
    "CsrkeyPassword",
    "Department",
    "DnsNames",
    "Domain",
    "DomainList",
    "DomainName",
    "DvAuthMethod",
    "Email",
    "EncryptAlgo",
    "ExpirationSort",
    "FilterSource",
    "KeyParameter",
    "KeyPassword",
    "OldCertificateId",
    "Organization",
    "OrganizationAddress",
    "OrganizationCity",
    "OrganizationCountry",
    "OrganizationDivision",
    "OrganizationName",
    "OrganizationRegion",
    "PackageId",
    "PackageType",
    "PhoneAreaCode",
    "PhoneNumber",
    "PostalCode",
    "Province",
    "Reason",
    "Remark",
    "SearchKey",
    "TagKey",
    "TagValue",
    "ValidType",
    "ValidityPeriod",
    "VerifyType",
];

/// The parameters of Alibaba's older RPC signature and envelope, which are not the action's.
const ALIBABA_COMMON_PARAMS: &[&str] = &[
    "Action",
    "Version",
    "Format",
    "Timestamp",
    "SignatureNonce",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureType",
    "AccessKeyId",
    "Signature",
    "SecurityToken",
    "RegionId",
];

/// The limits and settings of the HTTP layer.
#[derive(Clone, Debug)]
pub struct ServerSettings {
    /// The largest body read (bytes); a larger one is refused before it is read in full.
    pub max_body: usize,
    /// The longest request target (path and query, bytes): Alibaba sends PEMs in the query,
    /// an `UploadCsr` with a 4096-bit key and its CSR about 8 KB.
    pub max_query: usize,
    /// The most header bytes (names and values) taken.
    pub max_headers: usize,
    /// How long one request may take before it is answered with an internal error.
    pub timeout: Duration,
    /// How many requests are answered at once; the rest wait their turn.
    pub concurrency: usize,
    /// How far `X-TC-Timestamp` may be from the server's clock.
    pub tencent_skew: Duration,
    /// How far `x-acs-date` / `Timestamp` may be from the server's clock; a nonce is
    /// remembered this long.
    pub alibaba_skew: Duration,
    /// The region of a Tencent request without `X-TC-Region`.
    pub tencent_default_region: String,
    /// The region of every Alibaba request (CAS is served from one region).
    pub alibaba_region: String,
    /// How long a key read from the store is used without reading it again: a disabled or
    /// deleted key is refused at most this long after the change. Zero reads the store on
    /// every request.
    pub key_cache: Duration,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            max_body: crate::cloud::MAX_BODY,
            max_query: 64 * 1024,
            max_headers: 32 * 1024,
            timeout: Duration::from_secs(30),
            concurrency: 256,
            tencent_skew: Duration::from_secs(300),
            alibaba_skew: Duration::from_secs(15 * 60),
            tencent_default_region: "ap-guangzhou".into(),
            alibaba_region: "cn-hangzhou".into(),
            key_cache: Duration::from_secs(2),
        }
    }
}

/// A request as the wire brought it, whatever the transport.
#[derive(Clone, Debug, Default)]
pub struct WireRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path (`/`).
    pub path: String,
    /// The raw query string, without `?`.
    pub query: String,
    /// The headers in the order received.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// An answer to put on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireResponse {
    /// The HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// The request's id (also in the body), for the `x-request-id` header and the logs.
    pub request_id: String,
    /// The body.
    pub body: Vec<u8>,
}

/// The most keys the cache holds.
const MAX_CACHED_KEYS: usize = 10_000;

type KeyCache = std::collections::HashMap<String, (std::time::Instant, Arc<ResolvedKey>)>;

struct Inner {
    orders: Arc<OrderService>,
    keys: AccessKeys,
    clock: Arc<dyn Clock>,
    settings: ServerSettings,
    permits: Arc<Semaphore>,
    key_cache: std::sync::Mutex<KeyCache>,
}

/// The vendors' APIs over HTTP: [`answer`](Self::answer) takes a request off any transport;
/// [`router`](Self::router) is an axum `Router` to mount; [`serve`](Self::serve) runs it.
#[derive(Clone)]
pub struct ApiServer {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for ApiServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiServer")
            .field("settings", &self.inner.settings)
            .finish()
    }
}

/// An error of the HTTP layer itself, before an action answers: the vendor's common codes.
struct WireError {
    vendor: Vendor,
    code: &'static str,
    message: String,
    http_status: u16,
}

impl WireError {
    fn tencent(code: &'static str, message: impl Into<String>) -> Self {
        WireError {
            vendor: Vendor::Tencent,
            code,
            message: message.into(),
            http_status: 200,
        }
    }

    fn alibaba(code: &'static str, http_status: u16, message: impl Into<String>) -> Self {
        WireError {
            vendor: Vendor::Alibaba,
            code,
            message: message.into(),
            http_status,
        }
    }
}

fn request_id() -> String {
    let mut b = [0u8; 16];
    if getrandom::fill(&mut b).is_err() {
        // The id only correlates logs; the time keeps it unique enough.
        let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos();
        b = nanos.to_be_bytes();
    }
    let h = crate::hex::encode(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

fn tencent_error_body(code: &str, message: &str, request_id: &str) -> Vec<u8> {
    serde_json::json!({
        "Response": { "Error": { "Code": code, "Message": message }, "RequestId": request_id }
    })
    .to_string()
    .into_bytes()
}

fn alibaba_error_body(code: &str, message: &str, request_id: &str) -> Vec<u8> {
    serde_json::json!({ "RequestId": request_id, "Code": code, "Message": message })
        .to_string()
        .into_bytes()
}

fn skewed(now: OffsetDateTime, at: OffsetDateTime, allowed: Duration) -> bool {
    let allowed = time::Duration::try_from(allowed).unwrap_or(time::Duration::MAX);
    (now - at).abs() > allowed
}

/// Flattened parameters (`Tags.1.Key=k`, `CertIds.0=x`) as nested JSON: `base` is the first
/// list index (0 for Tencent, 1 for Alibaba); `typed` decides a scalar's JSON type from its
/// name and text. A parameter that does not fit (an index out of order, a name used both as a
/// value and a list) is a [`VendorError`]-ready message.
fn nest(
    params: &[(String, String)],
    base: usize,
    typed: &dyn Fn(&str, &str) -> Value,
) -> Result<Value, String> {
    // Every list index is bounded by the number of parameters: no huge allocation.
    let limit = params.len() + base;
    let mut root = Value::Object(Map::new());
    for (name, text) in params {
        let parts: Vec<&str> = name.split('.').collect();
        if parts.iter().any(|p| p.is_empty()) {
            return Err(format!("{name:?} is not a parameter name"));
        }
        let mut at = &mut root;
        for (i, part) in parts.iter().enumerate() {
            let last = i == parts.len() - 1;
            let leaf = || {
                typed(
                    parts
                        .iter()
                        .rev()
                        .find(|p| p.parse::<usize>().is_err())
                        .unwrap_or(part),
                    text,
                )
            };
            if let Ok(index) = part.parse::<usize>() {
                let Some(index) = index.checked_sub(base).filter(|i| *i < limit) else {
                    return Err(format!("{name}: list indexes start at {base}"));
                };
                if at.is_null() {
                    *at = Value::Array(Vec::new());
                }
                let Value::Array(list) = at else {
                    return Err(format!(
                        "{name}: {part} indexes a parameter that is not a list"
                    ));
                };
                if list.len() <= index {
                    list.resize(index + 1, Value::Null);
                }
                at = &mut list[index];
                if last {
                    *at = leaf();
                }
            } else {
                if at.is_null() {
                    *at = Value::Object(Map::new());
                }
                let Value::Object(map) = at else {
                    return Err(format!(
                        "{name}: {part} names a field of a parameter that is not one"
                    ));
                };
                at = map.entry((*part).to_owned()).or_insert(Value::Null);
                if last {
                    *at = leaf();
                }
            }
        }
    }
    Ok(root)
}

/// A Tencent `GET` parameter's JSON value: text for the parameters the SDK types as text,
/// `True`/`False` as booleans, whole numbers as numbers, the rest text.
fn tencent_typed(name: &str, text: &str) -> Value {
    if TENCENT_TEXT_PARAMS.contains(&name) {
        return Value::from(text);
    }
    match text {
        "True" | "true" => return Value::Bool(true),
        "False" | "false" => return Value::Bool(false),
        _ => {}
    }
    if let Ok(n) = text.parse::<i64>() {
        return Value::from(n);
    }
    if let Ok(n) = text.parse::<u64>() {
        return Value::from(n);
    }
    Value::from(text)
}

/// An Alibaba parameter's JSON value: always text, as the RPC protocol sends it (the request
/// types read numbers from text).
fn alibaba_typed(_: &str, text: &str) -> Value {
    Value::from(text)
}

impl ApiServer {
    /// A server answering with `orders` (every action of both vendors), checking signatures
    /// with `keys`.
    pub fn new(orders: Arc<OrderService>, keys: AccessKeys) -> Self {
        ApiServer::with_settings(orders, keys, ServerSettings::default())
    }

    /// A server with these limits and settings.
    pub fn with_settings(
        orders: Arc<OrderService>,
        keys: AccessKeys,
        settings: ServerSettings,
    ) -> Self {
        let permits = Arc::new(Semaphore::new(settings.concurrency.max(1)));
        ApiServer {
            inner: Arc::new(Inner {
                orders,
                keys,
                clock: Arc::new(SystemClock),
                settings,
                permits,
                key_cache: std::sync::Mutex::new(KeyCache::new()),
            }),
        }
    }

    /// The clock timestamps are checked against (tests move it).
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Self {
        let inner = Arc::try_unwrap(self.inner).unwrap_or_else(|arc| Inner {
            orders: arc.orders.clone(),
            keys: arc.keys.clone(),
            clock: arc.clock.clone(),
            settings: arc.settings.clone(),
            permits: arc.permits.clone(),
            key_cache: std::sync::Mutex::new(KeyCache::new()),
        });
        ApiServer {
            inner: Arc::new(Inner { clock, ..inner }),
        }
    }

    /// The settings.
    pub fn settings(&self) -> &ServerSettings {
        &self.inner.settings
    }

    /// Answers one request: which vendor, its signature and key, its action and parameters,
    /// the action's answer in the vendor's envelope. Never fails: every problem is an answer
    /// in the vendor's error form, internals logged and answered generically.
    pub async fn answer(&self, req: WireRequest) -> WireResponse {
        let request_id = request_id();
        let span = tracing::info_span!("request", request_id = %request_id, vendor = tracing::field::Empty, action = tracing::field::Empty, account = tracing::field::Empty);
        let this = self.clone();
        let id = request_id.clone();
        async move {
            let Ok(_permit) = this.inner.permits.clone().acquire_owned().await else {
                return this.internal(&req, &id);
            };
            match tokio::time::timeout(this.inner.settings.timeout, this.dispatch(&req, &id)).await
            {
                Ok(response) => response,
                Err(_) => {
                    tracing::error!("request timed out");
                    this.internal(&req, &id)
                }
            }
        }
        .instrument(span)
        .await
    }

    fn internal(&self, req: &WireRequest, request_id: &str) -> WireResponse {
        let message = "an internal error occurred; try again later, or quote the request id";
        if is_tencent(req) {
            self.error(WireError::tencent("InternalError", message), request_id)
        } else {
            self.error(
                WireError::alibaba("InternalError", 500, message),
                request_id,
            )
        }
    }

    fn error(&self, e: WireError, request_id: &str) -> WireResponse {
        match e.vendor {
            Vendor::Tencent => WireResponse {
                status: 200,
                content_type: "application/json",
                request_id: request_id.to_owned(),
                body: tencent_error_body(e.code, &e.message, request_id),
            },
            Vendor::Alibaba => WireResponse {
                status: e.http_status,
                content_type: "application/json;charset=utf-8",
                request_id: request_id.to_owned(),
                body: alibaba_error_body(e.code, &e.message, request_id),
            },
        }
    }

    fn vendor_answer(
        &self,
        vendor: Vendor,
        answer: Result<Value, VendorError>,
        request_id: &str,
    ) -> WireResponse {
        let (status, body) = match answer {
            Ok(payload) => (200, success_body(vendor, payload, request_id)),
            Err(e) => (e.http_status, e.response_body(request_id)),
        };
        WireResponse {
            status,
            content_type: match vendor {
                Vendor::Tencent => "application/json",
                Vendor::Alibaba => "application/json;charset=utf-8",
            },
            request_id: request_id.to_owned(),
            body: body.into_bytes(),
        }
    }

    async fn dispatch(&self, req: &WireRequest, request_id: &str) -> WireResponse {
        if req.method == "GET" && req.path == "/healthz" {
            return WireResponse {
                status: 200,
                content_type: "text/plain",
                request_id: request_id.to_owned(),
                body: b"ok\n".to_vec(),
            };
        }
        let result = if is_tencent(req) {
            self.tencent(req, request_id).await
        } else {
            self.alibaba(req, request_id).await
        };
        result.unwrap_or_else(|e| {
            tracing::info!(code = e.code, "refused: {}", e.message);
            self.error(e, request_id)
        })
    }

    /// The key a request names: from the cache while it is fresh, else from the store (and
    /// then cached). Unknown keys are not cached, so a flood of them fills nothing.
    async fn resolve(&self, id: &str) -> Result<Option<Arc<ResolvedKey>>, ()> {
        let ttl = self.inner.settings.key_cache;
        if !ttl.is_zero() {
            let cache = self
                .inner
                .key_cache
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if let Some((at, key)) = cache.get(id)
                && at.elapsed() < ttl
            {
                return Ok(Some(key.clone()));
            }
        }
        let found = self.inner.keys.resolve(id).await.map_err(|e| {
            tracing::error!(error = %e, "the access key store failed");
        })?;
        let Some(key) = found.map(Arc::new) else {
            return Ok(None);
        };
        if !ttl.is_zero() {
            let mut cache = self
                .inner
                .key_cache
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if cache.len() >= MAX_CACHED_KEYS {
                cache.retain(|_, (at, _)| at.elapsed() < ttl);
                if cache.len() >= MAX_CACHED_KEYS {
                    cache.clear();
                }
            }
            cache.insert(id.to_owned(), (std::time::Instant::now(), key.clone()));
        }
        Ok(Some(key))
    }

    /// The key an Alibaba request names, or Alibaba's refusal.
    async fn alibaba_key(&self, id: &str) -> Result<Arc<ResolvedKey>, WireError> {
        self.resolve(id)
            .await
            .map_err(|()| {
                WireError::alibaba(
                    "InternalError",
                    500,
                    "an internal error occurred; try again later",
                )
            })?
            .ok_or_else(|| {
                WireError::alibaba(
                    "InvalidAccessKeyId.NotFound",
                    404,
                    "the AccessKeyId does not exist or is disabled",
                )
            })
    }

    async fn tencent(
        &self,
        req: &WireRequest,
        request_id: &str,
    ) -> Result<WireResponse, WireError> {
        let settings = &self.inner.settings;
        let signed = SignedRequest {
            method: &req.method,
            path: &req.path,
            query: &req.query,
            headers: &req.headers,
            body: &req.body,
        };
        let action = signed.header("X-TC-Action").unwrap_or_default();
        let span = tracing::Span::current();
        span.record("vendor", "tencent");
        span.record("action", action.as_str());
        if req.method != "POST" && req.method != "GET" {
            return Err(WireError::tencent(
                "UnsupportedProtocol",
                format!("{} is not supported; use POST or GET", req.method),
            ));
        }
        if req.body.len() > settings.max_body {
            return Err(WireError::tencent(
                "RequestSizeLimitExceeded",
                format!("the request body is over {} bytes", settings.max_body),
            ));
        }
        let version = signed.header("X-TC-Version").unwrap_or_default();
        let api = Api::find(Vendor::Tencent, &action)
            .filter(|_| version == TENCENT_VERSION)
            .ok_or_else(|| {
                WireError::tencent(
                    "InvalidAction",
                    format!(
                        "the action {action:?} of version {version:?} does not exist (this service answers ssl {TENCENT_VERSION})"
                    ),
                )
            })?;
        let authorization = signed.header("Authorization").ok_or_else(|| {
            WireError::tencent(
                "AuthFailure.InvalidAuthorization",
                "the Authorization header is missing",
            )
        })?;
        let auth = sign::parse_tc3(&authorization)
            .map_err(|e| WireError::tencent("AuthFailure.InvalidAuthorization", e.to_string()))?;
        let timestamp = signed.header("X-TC-Timestamp").unwrap_or_default();
        let at = timestamp
            .parse::<i64>()
            .ok()
            .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
            .ok_or_else(|| {
                WireError::tencent(
                    "MissingParameter",
                    "X-TC-Timestamp is missing or not a Unix time",
                )
            })?;
        if skewed(self.inner.clock.now(), at, settings.tencent_skew) {
            return Err(WireError::tencent(
                "AuthFailure.SignatureExpire",
                format!(
                    "X-TC-Timestamp {timestamp} is more than {} s from the server's time",
                    settings.tencent_skew.as_secs()
                ),
            ));
        }
        let date = at.date().to_string();
        if auth.date != date || auth.service != "ssl" {
            return Err(WireError::tencent(
                "AuthFailure.SignatureFailure",
                format!(
                    "the credential scope {}/{} is not {date}/ssl",
                    auth.date, auth.service
                ),
            ));
        }
        for needed in ["content-type", "host"] {
            if !auth.signed_headers.iter().any(|h| h == needed) {
                return Err(WireError::tencent(
                    "AuthFailure.SignatureFailure",
                    format!("{needed} is not among the signed headers"),
                ));
            }
        }
        let key = self
            .resolve(&auth.secret_id)
            .await
            .map_err(|()| {
                WireError::tencent(
                    "InternalError",
                    "an internal error occurred; try again later",
                )
            })?
            .ok_or_else(|| {
                WireError::tencent(
                    "AuthFailure.SecretIdNotFound",
                    "the SecretId does not exist or is disabled",
                )
            })?;
        sign::verify_tc3(&signed, &auth, &timestamp, key.secret()).map_err(|e| match e {
            SignError::Mismatch => WireError::tencent(
                "AuthFailure.SignatureFailure",
                "the signature does not match the request",
            ),
            other => WireError::tencent("AuthFailure.SignatureFailure", other.to_string()),
        })?;
        span.record("account", key.account.as_str());
        let body = if req.method == "GET" {
            let params = sign::form_decode(&req.query);
            let json = nest(&params, 0, &tencent_typed)
                .map_err(|m| WireError::tencent("InvalidParameter", m))?;
            json.to_string().into_bytes()
        } else if req.body.iter().all(u8::is_ascii_whitespace) {
            b"{}".to_vec()
        } else {
            req.body.clone()
        };
        let region = signed
            .header("X-TC-Region")
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| settings.tencent_default_region.clone());
        let scope = Scope::new(key.account.clone(), region);
        let answer = self.inner.orders.handle(&scope, api, &body).await;
        Ok(self.vendor_answer(Vendor::Tencent, answer, request_id))
    }

    async fn alibaba(
        &self,
        req: &WireRequest,
        request_id: &str,
    ) -> Result<WireResponse, WireError> {
        let settings = &self.inner.settings;
        let span = tracing::Span::current();
        span.record("vendor", "alibaba");
        if req.body.len() > settings.max_body {
            return Err(WireError::alibaba(
                "InvalidParameter",
                413,
                format!("the request body is over {} bytes", settings.max_body),
            ));
        }
        let signed = SignedRequest {
            method: &req.method,
            path: &req.path,
            query: &req.query,
            headers: &req.headers,
            body: &req.body,
        };
        let mut params = sign::form_decode(&req.query);
        let form = signed
            .header("Content-Type")
            .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
        if form {
            params.extend(sign::form_decode(&String::from_utf8_lossy(&req.body)));
        }
        let param = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        let authorization = signed.header("Authorization").unwrap_or_default();
        let v3 = authorization.starts_with("ACS3-");
        let (action, version) = if v3 {
            (
                signed.header("x-acs-action").unwrap_or_default(),
                signed.header("x-acs-version").unwrap_or_default(),
            )
        } else {
            (
                param("Action").unwrap_or_default(),
                param("Version").unwrap_or_default(),
            )
        };
        span.record("action", action.as_str());
        if action.is_empty() {
            return Err(WireError::alibaba(
                "MissingParameter",
                400,
                "the request names no action (x-acs-action, X-TC-Action or Action=)",
            ));
        }
        if version != ALIBABA_VERSION {
            return Err(WireError::alibaba(
                "InvalidVersion",
                400,
                format!(
                    "version {version:?} is not served; this service answers CAS {ALIBABA_VERSION}"
                ),
            ));
        }
        let api = Api::find(Vendor::Alibaba, &action).ok_or_else(|| {
            WireError::alibaba(
                "InvalidAction.NotFound",
                404,
                format!("the action {action:?} does not exist"),
            )
        })?;
        let now = self.inner.clock.now();
        let (key, nonce, at) = if v3 {
            let auth = sign::parse_acs3(&authorization)
                .map_err(|e| WireError::alibaba("IncompleteSignature", 400, e.to_string()))?;
            for needed in [
                "host",
                "x-acs-date",
                "x-acs-signature-nonce",
                "x-acs-content-sha256",
            ] {
                if !auth.signed_headers.iter().any(|h| h == needed) {
                    return Err(WireError::alibaba(
                        "IncompleteSignature",
                        400,
                        format!("{needed} is not among the signed headers"),
                    ));
                }
            }
            let date = signed.header("x-acs-date").unwrap_or_default();
            let at = alibaba_time("x-acs-date", &date, now, settings.alibaba_skew)?;
            let key = self.alibaba_key(&auth.access_key_id).await?;
            sign::verify_acs3(&signed, &auth, key.secret()).map_err(alibaba_sign_error)?;
            let nonce = signed.header("x-acs-signature-nonce").unwrap_or_default();
            (key, (auth.access_key_id, nonce), at)
        } else {
            if param("Signature").is_none() {
                return Err(WireError::alibaba(
                    "IncompleteSignature",
                    400,
                    "the request is not signed (Authorization: ACS3-HMAC-SHA256, or Signature=)",
                ));
            }
            if param("SignatureMethod").as_deref() != Some("HMAC-SHA1") {
                return Err(WireError::alibaba(
                    "IncompleteSignature",
                    400,
                    "SignatureMethod is not HMAC-SHA1",
                ));
            }
            let at = alibaba_time(
                "Timestamp",
                &param("Timestamp").unwrap_or_default(),
                now,
                settings.alibaba_skew,
            )?;
            let id = param("AccessKeyId").unwrap_or_default();
            let key = self.alibaba_key(&id).await?;
            sign::verify_rpc(&req.method, &params, key.secret()).map_err(alibaba_sign_error)?;
            (key, (id, param("SignatureNonce").unwrap_or_default()), at)
        };
        let (key_id, nonce) = nonce;
        if nonce.is_empty() {
            return Err(WireError::alibaba(
                "MissingParameter",
                400,
                "the signature nonce is missing",
            ));
        }
        let window = time::Duration::try_from(settings.alibaba_skew).unwrap_or(time::Duration::MAX);
        let first = self
            .inner
            .keys
            .store()
            .remember_nonce(&key_id, &nonce, now, at.max(now) + window)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "the nonce store failed");
                WireError::alibaba(
                    "InternalError",
                    500,
                    "an internal error occurred; try again later",
                )
            })?;
        if !first {
            return Err(WireError::alibaba(
                "SignatureNonceUsed",
                400,
                "the signature nonce was used already",
            ));
        }
        span.record("account", key.account.as_str());
        let action_params: Vec<(String, String)> = params
            .into_iter()
            .filter(|(k, _)| v3 || !ALIBABA_COMMON_PARAMS.contains(&k.as_str()))
            .collect();
        let json = nest(&action_params, 1, &alibaba_typed)
            .map_err(|m| WireError::alibaba("InvalidParameter", 400, m))?;
        let scope = Scope::new(key.account.clone(), settings.alibaba_region.clone());
        let answer = self
            .inner
            .orders
            .handle(&scope, api, json.to_string().as_bytes())
            .await;
        Ok(self.vendor_answer(Vendor::Alibaba, answer, request_id))
    }

    /// The API as an axum `Router` (`/` for both vendors, `/healthz`), with the body and
    /// request-target limits of the settings.
    pub fn router(&self) -> axum::Router {
        let this = self.clone();
        axum::Router::new().fallback(move |req: axum::extract::Request| {
            let this = this.clone();
            async move { this.axum_answer(req).await }
        })
    }

    async fn axum_answer(&self, req: axum::extract::Request) -> axum::response::Response {
        use axum::body::Body;
        use axum::http::StatusCode;
        let settings = &self.inner.settings;
        let (parts, body) = req.into_parts();
        let header_bytes: usize = parts
            .headers
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len())
            .sum();
        let query = parts.uri.query().unwrap_or("").to_owned();
        let refuse = |status: StatusCode, text: &str| {
            let mut r = axum::response::Response::new(Body::from(text.to_owned()));
            *r.status_mut() = status;
            r
        };
        if query.len() > settings.max_query {
            return refuse(StatusCode::URI_TOO_LONG, "the request target is too long\n");
        }
        if header_bytes > settings.max_headers {
            return refuse(
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "the request headers are too large\n",
            );
        }
        let headers: Vec<(String, String)> = parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        // A body over the limit is not read in full: the answer is the vendor's size error.
        let body = match axum::body::to_bytes(body, settings.max_body).await {
            Ok(b) => b.to_vec(),
            Err(_) => {
                let request_id = request_id();
                let e = if headers
                    .iter()
                    .any(|(k, _)| k.eq_ignore_ascii_case("X-TC-Action"))
                {
                    WireError::tencent(
                        "RequestSizeLimitExceeded",
                        format!("the request body is over {} bytes", settings.max_body),
                    )
                } else {
                    WireError::alibaba(
                        "InvalidParameter",
                        413,
                        format!("the request body is over {} bytes", settings.max_body),
                    )
                };
                return into_axum(self.error(e, &request_id));
            }
        };
        let answer = self
            .answer(WireRequest {
                method: parts.method.as_str().to_owned(),
                path: parts.uri.path().to_owned(),
                query,
                headers,
                body,
            })
            .await;
        into_axum(answer)
    }

    /// Serves on `listener` until `shutdown` completes, then finishes the requests in flight.
    pub async fn serve<F>(
        self,
        listener: tokio::net::TcpListener,
        shutdown: F,
    ) -> std::io::Result<()>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        axum::serve(listener, self.router())
            .with_graceful_shutdown(shutdown)
            .await
    }
}

impl ApiServer {
    /// Serves over TLS (rustls) on `listener` with `config` ([`server_config`] makes one from
    /// PEM files) until `shutdown` completes, then finishes the requests in flight.
    pub async fn serve_tls<F>(
        self,
        listener: tokio::net::TcpListener,
        config: Arc<rustls::ServerConfig>,
        shutdown: F,
    ) -> std::io::Result<()>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        axum::serve(TlsListener::new(listener, config)?, self.router())
            .with_graceful_shutdown(shutdown)
            .await
    }
}

fn into_axum(answer: WireResponse) -> axum::response::Response {
    use axum::body::Body;
    use axum::http::{HeaderValue, StatusCode, header};
    {
        let mut response = axum::response::Response::new(Body::from(answer.body));
        *response.status_mut() =
            StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(answer.content_type),
        );
        if let Ok(v) = HeaderValue::from_str(&answer.request_id) {
            response.headers_mut().insert("x-request-id", v);
        }
        response
    }
}

/// A signature Alibaba's way refused.
fn alibaba_sign_error(e: SignError) -> WireError {
    match e {
        SignError::Mismatch => WireError::alibaba(
            "SignatureDoesNotMatch",
            400,
            "the signature does not match the request",
        ),
        other => WireError::alibaba("IncompleteSignature", 400, other.to_string()),
    }
}

/// An Alibaba request's time (`x-acs-date` or `Timestamp`), within `skew` of `now`.
fn alibaba_time(
    field: &str,
    text: &str,
    now: OffsetDateTime,
    skew: Duration,
) -> Result<OffsetDateTime, WireError> {
    let at = OffsetDateTime::parse(text, &Rfc3339).map_err(|_| {
        WireError::alibaba(
            "MissingParameter",
            400,
            format!("{field} is missing or not a UTC time"),
        )
    })?;
    if skewed(now, at, skew) {
        return Err(WireError::alibaba(
            "InvalidTimeStamp.Expired",
            400,
            format!(
                "{field} {text} is more than {} minutes from the server's time",
                skew.as_secs() / 60
            ),
        ));
    }
    Ok(at)
}

fn is_tencent(req: &WireRequest) -> bool {
    req.headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("X-TC-Action"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn tencent_query_parameters_nest_from_index_0_with_their_types() {
        let json = nest(
            &params(&[
                ("Offset", "0"),
                ("Limit", "20"),
                ("CertificateStatus.0", "0"),
                ("CertificateStatus.1", "1"),
                ("Tags.0.TagKey", "env"),
                ("Tags.0.TagValue", "1"),
                ("CertIds.0", "1808029295114732"),
                ("Generate", "True"),
            ]),
            0,
            &tencent_typed,
        )
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "Offset": 0, "Limit": 20, "CertificateStatus": [0, 1],
                "Tags": [{"TagKey": "env", "TagValue": "1"}],
                "CertIds": ["1808029295114732"], "Generate": true,
            })
        );
    }

    #[test]
    fn alibaba_parameters_nest_from_index_1_as_text() {
        let json = nest(
            &params(&[("Tags.1.Key", "k"), ("Tags.1.Value", "v"), ("OrderId", "7")]),
            1,
            &alibaba_typed,
        )
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"Tags": [{"Key": "k", "Value": "v"}], "OrderId": "7"})
        );
    }

    #[test]
    fn flattened_names_that_do_not_fit_are_refused() {
        for bad in [
            vec![("Tags.0.Key", "k")],
            vec![("A", "1"), ("A.1", "2")],
            vec![("A.1", "1"), ("A.x", "2")],
            vec![("A..B", "1")],
            vec![("A.99999999999", "1")],
        ] {
            assert!(nest(&params(&bad), 1, &alibaba_typed).is_err(), "{bad:?}");
        }
    }
}
