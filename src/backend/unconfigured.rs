//! The resolver and fetcher an order service uses until it is given real ones: every lookup
//! and fetch fails with an error that says so.

use std::net::IpAddr;

use async_trait::async_trait;

use crate::backend::{BackendError, DnsError, DnsResolver, FetchError, HttpFetcher, HttpResponse};

/// No DNS resolver and no HTTP fetcher: domain checks fail with `dns.backend` /
/// `fetch.backend`, naming the builder method that sets a real one.
#[derive(Clone, Copy, Debug, Default)]
pub struct Unconfigured;

fn no_resolver() -> DnsError {
    DnsError::Backend(BackendError::msg(
        "no DNS resolver is configured (OrderServiceBuilder::resolver)",
    ))
}

#[async_trait]
impl DnsResolver for Unconfigured {
    async fn txt(&self, _name: &str) -> Result<Vec<String>, DnsError> {
        Err(no_resolver())
    }

    async fn cname_chain(&self, _name: &str) -> Result<Vec<String>, DnsError> {
        Err(no_resolver())
    }

    async fn ips(&self, _name: &str) -> Result<Vec<IpAddr>, DnsError> {
        Err(no_resolver())
    }
}

#[async_trait]
impl HttpFetcher for Unconfigured {
    async fn get(&self, _url: &str) -> Result<HttpResponse, FetchError> {
        Err(FetchError::Backend(BackendError::msg(
            "no HTTP fetcher is configured (OrderServiceBuilder::fetcher)",
        )))
    }
}
