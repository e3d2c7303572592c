//! HTTP: fetching a domain-validation file.

use crate::backend::BackendError;
use std::net::IpAddr;

use async_trait::async_trait;

use crate::backend::DnsError;
use crate::code::codes;

codes! {
    /// The codes of [`FetchError`].
    pub enum FetchCode {
        AddressRefused = "fetch.address_refused",
        BadUrl = "fetch.bad_url",
        BodyTooLarge = "fetch.body_too_large",
        Connect = "fetch.connect",
        Dns = "fetch.dns",
        PortNotAllowed = "fetch.port_not_allowed",
        Protocol = "fetch.protocol",
        Redirect = "fetch.redirect",
        Timeout = "fetch.timeout",
        Tls = "fetch.tls",
        TooManyRedirects = "fetch.too_many_redirects",
        Backend = "fetch.backend",
    }
}

/// What a fetch got: the status and the body (never more than the fetcher's cap).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    /// The HTTP status.
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
    /// The URL the body came from (after redirects, when they are followed).
    pub final_url: String,
}

/// Why a fetch failed.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// Not an `http://` or `https://` URL with a host.
    #[error("{0:?} is not an http or https URL")]
    BadUrl(String),
    /// A port other than the ones validation uses (80 and 443).
    #[error("port {port} is not one validation fetches from")]
    PortNotAllowed {
        /// The port.
        port: u16,
    },
    /// The host resolves to an address validation never connects to.
    #[error("{host} resolves to {ip}, in {block} ({name}): not fetched")]
    AddressRefused {
        /// The host.
        host: String,
        /// The address.
        ip: IpAddr,
        /// The reserved block.
        block: String,
        /// The block's name.
        name: &'static str,
    },
    /// The host could not be resolved.
    #[error("resolving the host: {0}")]
    Dns(DnsError),
    /// No connection could be made.
    #[error("connecting to {0}")]
    Connect(String),
    /// The TLS handshake failed (certificate errors are ignored; this is a failure to talk
    /// TLS at all).
    #[error("TLS: {0}")]
    Tls(String),
    /// No complete answer in time.
    #[error("no complete answer within {0} ms")]
    Timeout(u64),
    /// The body is larger than the cap.
    #[error("the body is larger than {limit} bytes")]
    BodyTooLarge {
        /// The cap.
        limit: usize,
    },
    /// The server redirects and redirects are not followed.
    #[error("the server redirects to {location:?}; validation does not follow redirects")]
    Redirect {
        /// Where to.
        location: String,
    },
    /// More redirects than allowed, or a loop.
    #[error("more than {limit} redirects (or a loop)")]
    TooManyRedirects {
        /// The limit.
        limit: usize,
    },
    /// Not an HTTP/1.x answer the fetcher can read.
    #[error("the answer is not valid HTTP: {0}")]
    Protocol(String),
    /// The fetcher failed otherwise, or none is configured.
    #[error("HTTP: {0}")]
    Backend(#[source] BackendError),
}

impl FetchError {
    /// Stable code: `fetch.bad_url`, `fetch.port_not_allowed`, `fetch.address_refused`,
    /// `fetch.dns`, `fetch.connect`, `fetch.tls`, `fetch.timeout`, `fetch.body_too_large`,
    /// `fetch.redirect`, `fetch.too_many_redirects`, `fetch.protocol`.
    pub fn code(&self) -> FetchCode {
        match self {
            FetchError::BadUrl(_) => FetchCode::BadUrl,
            FetchError::PortNotAllowed { .. } => FetchCode::PortNotAllowed,
            FetchError::AddressRefused { .. } => FetchCode::AddressRefused,
            FetchError::Dns(_) => FetchCode::Dns,
            FetchError::Connect(_) => FetchCode::Connect,
            FetchError::Tls(_) => FetchCode::Tls,
            FetchError::Timeout(_) => FetchCode::Timeout,
            FetchError::BodyTooLarge { .. } => FetchCode::BodyTooLarge,
            FetchError::Redirect { .. } => FetchCode::Redirect,
            FetchError::TooManyRedirects { .. } => FetchCode::TooManyRedirects,
            FetchError::Protocol(_) => FetchCode::Protocol,
            FetchError::Backend(_) => FetchCode::Backend,
        }
    }
}

impl crate::code::Coded for FetchError {
    fn code(&self) -> &'static str {
        FetchError::code(self).as_str()
    }
}

/// Fetches validation files.
#[async_trait]
pub trait HttpFetcher: Send + Sync {
    /// GETs `url`.
    async fn get(&self, url: &str) -> Result<HttpResponse, FetchError>;
}
