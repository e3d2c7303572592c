//! The validation-file fetcher (feature `http`): HTTP/1.1 GET over TCP or TLS, as the CAs and
//! the vendors fetch `/.well-known/pki-validation/...` (BR 3.2.2.4.18).
//!
//! - ports 80 and 443 only (settable, for tests);
//! - HTTPS with certificate errors ignored, as the vendors do;
//! - the host is resolved first and every address checked: private, loopback, link-local and
//!   the other reserved blocks are refused (loopback can be allowed, for tests), and the
//!   connection goes to the checked address, so a second resolution cannot change it;
//! - redirects off by default, or a small bounded number, each hop checked again;
//! - the body capped (4 KiB by default) and the whole fetch under a timeout.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::backend::http::{FetchError, HttpFetcher, HttpResponse};
use crate::backend::{DnsResolver, HickoryResolver};
use crate::policy::reserved_range;
use crate::san::DomainName;

/// The most a response's status line and headers may take.
const MAX_HEAD: usize = 16 * 1024;

/// How the fetcher behaves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchPolicy {
    /// The port `http://` URLs use (80).
    pub http_port: u16,
    /// The port `https://` URLs use (443).
    pub https_port: u16,
    /// Redirects followed (0: a redirect is an error, as the vendors' file validation has it).
    pub max_redirects: usize,
    /// The largest body read, in bytes.
    pub max_body: usize,
    /// The whole fetch, redirects included.
    pub timeout: Duration,
    /// One connection attempt to one address (a host with several addresses tries each in
    /// turn, all within [`timeout`](FetchPolicy::timeout)).
    pub connect_timeout: Duration,
    /// Connect to loopback addresses (tests only; every other reserved block stays refused).
    pub allow_loopback: bool,
}

impl Default for FetchPolicy {
    fn default() -> Self {
        FetchPolicy {
            http_port: 80,
            https_port: 443,
            max_redirects: 0,
            max_body: 4096,
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(3),
            allow_loopback: false,
        }
    }
}

/// The validation-file fetcher.
pub struct ValidationFetcher {
    policy: FetchPolicy,
    resolver: Arc<dyn DnsResolver>,
    tls: tokio_rustls::TlsConnector,
}

impl fmt::Debug for ValidationFetcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValidationFetcher")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// Accepts any server certificate (the vendors ignore certificate errors when fetching a
/// validation file) but still checks the handshake signatures, so the TLS session is real.
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// A URL the fetcher can fetch.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Target {
    https: bool,
    host: String,
    port: u16,
    path: String,
}

impl Target {
    fn parse(url: &str, policy: &FetchPolicy) -> Result<Target, FetchError> {
        let bad = || FetchError::BadUrl(url.to_owned());
        let (https, rest) = if let Some(r) = url.strip_prefix("https://") {
            (true, r)
        } else if let Some(r) = url.strip_prefix("http://") {
            (false, r)
        } else {
            return Err(bad());
        };
        let (authority, path) = match rest.find(['/', '?', '#']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let path = path.split('#').next().unwrap_or("/");
        let path = if path.starts_with('/') {
            path.to_owned()
        } else {
            format!("/{path}")
        };
        if authority.contains('@') || path.chars().any(|c| c.is_control() || c == ' ') {
            return Err(bad());
        }
        let default_port = if https {
            policy.https_port
        } else {
            policy.http_port
        };
        let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
            // An IPv6 literal: [::1] or [::1]:80.
            let (inside, after) = rest.split_once(']').ok_or_else(bad)?;
            let port = match after.strip_prefix(':') {
                Some(p) => p.parse::<u16>().map_err(|_| bad())?,
                None if after.is_empty() => default_port,
                None => return Err(bad()),
            };
            (inside, port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) if !h.contains(':') => (h, p.parse::<u16>().map_err(|_| bad())?),
                _ => (authority, default_port),
            }
        };
        if port != default_port {
            return Err(FetchError::PortNotAllowed { port });
        }
        let host = host.trim_end_matches('.');
        if host.is_empty() {
            return Err(bad());
        }
        let host = match host.parse::<IpAddr>() {
            Ok(ip) => ip.to_string(),
            Err(_) => DomainName::parse(host)
                .map_err(|_| bad())?
                .as_str()
                .to_owned(),
        };
        Ok(Target {
            https,
            host,
            port: default_port,
            path,
        })
    }

    /// The host as a URL or a `Host` header writes it: an IPv6 literal in brackets.
    fn authority_host(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        }
    }

    /// The `Host` header: the host, and the port when it is not the scheme's own.
    fn host_header(&self) -> String {
        let standard = if self.https { 443 } else { 80 };
        if self.port == standard {
            self.authority_host()
        } else {
            format!("{}:{}", self.authority_host(), self.port)
        }
    }

    fn url(&self) -> String {
        let host = self.authority_host();
        format!(
            "{}://{host}{}",
            if self.https { "https" } else { "http" },
            self.path
        )
    }

    /// A redirect's `Location`, absolute or relative to this URL.
    fn follow(&self, location: &str, policy: &FetchPolicy) -> Result<Target, FetchError> {
        if location.starts_with("http://") || location.starts_with("https://") {
            Target::parse(location, policy)
        } else if location.starts_with("//") {
            Target::parse(
                &format!("{}:{location}", if self.https { "https" } else { "http" }),
                policy,
            )
        } else if location.starts_with('/') {
            let mut t = self.clone();
            t.path = location.to_owned();
            Target::parse(&t.url(), policy)
        } else {
            let base = self.path.rsplit_once('/').map_or("", |(b, _)| b);
            let mut t = self.clone();
            t.path = format!("{base}/{location}");
            Target::parse(&t.url(), policy)
        }
    }
}

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

impl ValidationFetcher {
    /// A fetcher with `policy`, resolving names with the system's resolver.
    pub fn new(policy: FetchPolicy) -> Result<Self, FetchError> {
        let resolver = HickoryResolver::system().map_err(FetchError::Dns)?;
        Ok(ValidationFetcher::with_resolver(policy, Arc::new(resolver)))
    }

    /// A fetcher with `policy`, resolving names with `resolver`.
    pub fn with_resolver(policy: FetchPolicy, resolver: Arc<dyn DnsResolver>) -> Self {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map(|b| {
                b.dangerous()
                    .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
                    .with_no_client_auth()
            })
            .unwrap_or_else(|_| {
                // The ring provider supports the default versions; this is not reached.
                rustls::ClientConfig::builder()
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(AnyCertificate(Arc::new(
                        rustls::crypto::ring::default_provider(),
                    ))))
                    .with_no_client_auth()
            });
        ValidationFetcher {
            policy,
            resolver,
            tls: tokio_rustls::TlsConnector::from(Arc::new(config)),
        }
    }

    /// The addresses of `host` validation may connect to; any refused one refuses the host
    /// (a name that points anywhere private is not fetched at all).
    async fn addresses(&self, host: &str) -> Result<Vec<IpAddr>, FetchError> {
        let ips = match host.parse::<IpAddr>() {
            Ok(ip) => vec![ip],
            Err(_) => self.resolver.ips(host).await.map_err(FetchError::Dns)?,
        };
        for ip in &ips {
            let loopback_allowed = self.policy.allow_loopback && ip.is_loopback();
            if let Some((block, name)) = reserved_range(*ip).filter(|_| !loopback_allowed) {
                return Err(FetchError::AddressRefused {
                    host: host.to_owned(),
                    ip: *ip,
                    block,
                    name,
                });
            }
        }
        Ok(ips)
    }

    async fn connect(&self, target: &Target) -> Result<Box<dyn Stream>, FetchError> {
        let ips = self.addresses(&target.host).await?;
        let mut last = None;
        for ip in ips {
            let attempt = TcpStream::connect(SocketAddr::new(ip, target.port));
            let attempt = match tokio::time::timeout(self.policy.connect_timeout, attempt).await {
                Ok(result) => result,
                Err(_) => {
                    last = Some(format!(
                        "{ip}:{}: no answer within {} ms",
                        target.port,
                        self.policy.connect_timeout.as_millis()
                    ));
                    continue;
                }
            };
            match attempt {
                Ok(tcp) => {
                    if !target.https {
                        return Ok(Box::new(tcp));
                    }
                    let name = rustls::pki_types::ServerName::try_from(target.host.clone())
                        .map_err(|e| FetchError::Tls(e.to_string()))?;
                    let tls = self
                        .tls
                        .connect(name, tcp)
                        .await
                        .map_err(|e| FetchError::Tls(e.to_string()))?;
                    return Ok(Box::new(tls));
                }
                Err(e) => last = Some(format!("{ip}:{}: {e}", target.port)),
            }
        }
        Err(FetchError::Connect(last.unwrap_or_else(|| {
            format!("{} has no address", target.host)
        })))
    }

    async fn get_once(
        &self,
        target: &Target,
    ) -> Result<(u16, Option<String>, Vec<u8>), FetchError> {
        let mut stream = self.connect(target).await?;
        let request = format!(
            "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: certdesk-validation\r\nAccept: */*\r\nConnection: close\r\n\r\n",
            target.path,
            target.host_header()
        );
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(|e| FetchError::Connect(e.to_string()))?;
        read_response(&mut stream, self.policy.max_body).await
    }

    async fn fetch(&self, url: &str) -> Result<HttpResponse, FetchError> {
        let mut target = Target::parse(url, &self.policy)?;
        let mut seen = vec![target.url()];
        loop {
            let (status, location, body) = self.get_once(&target).await?;
            match (status, location) {
                (300..=399, Some(location)) => {
                    if self.policy.max_redirects == 0 {
                        return Err(FetchError::Redirect { location });
                    }
                    let next = target.follow(&location, &self.policy)?;
                    if seen.len() > self.policy.max_redirects || seen.contains(&next.url()) {
                        return Err(FetchError::TooManyRedirects {
                            limit: self.policy.max_redirects,
                        });
                    }
                    seen.push(next.url());
                    target = next;
                }
                _ => {
                    return Ok(HttpResponse {
                        status,
                        body,
                        final_url: target.url(),
                    });
                }
            }
        }
    }
}

/// Reads one HTTP/1.x response: the head (bounded), then the body by `Content-Length`,
/// chunked encoding or to the end, never more than `max_body` bytes.
async fn read_response(
    stream: &mut (impl AsyncRead + Unpin + ?Sized),
    max_body: usize,
) -> Result<(u16, Option<String>, Vec<u8>), FetchError> {
    let io = |e: std::io::Error| FetchError::Protocol(e.to_string());
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    let (status, location, length, chunked, head_len) = loop {
        let n = stream.read(&mut chunk).await.map_err(io)?;
        if n == 0 {
            return Err(FetchError::Protocol(
                "the connection closed before the headers ended".into(),
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut response = httparse::Response::new(&mut headers);
        match response.parse(&buf) {
            Ok(httparse::Status::Complete(head_len)) => {
                let status = response.code.unwrap_or(0);
                let header = |name: &str| {
                    response
                        .headers
                        .iter()
                        .find(|h| h.name.eq_ignore_ascii_case(name))
                        .map(|h| String::from_utf8_lossy(h.value).trim().to_owned())
                };
                let length = match header("content-length") {
                    Some(v) => Some(
                        v.parse::<usize>()
                            .map_err(|_| FetchError::Protocol(format!("Content-Length {v:?}")))?,
                    ),
                    None => None,
                };
                let chunked = header("transfer-encoding")
                    .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
                break (status, header("location"), length, chunked, head_len);
            }
            Ok(httparse::Status::Partial) if buf.len() < MAX_HEAD => continue,
            Ok(httparse::Status::Partial) => {
                return Err(FetchError::Protocol(format!(
                    "the headers are longer than {MAX_HEAD} bytes"
                )));
            }
            Err(e) => return Err(FetchError::Protocol(e.to_string())),
        }
    };
    let too_large = || FetchError::BodyTooLarge { limit: max_body };
    if chunked {
        // Decoded as it arrives: the decoder holds the body (at most max_body bytes) and one
        // framing line, however the server cuts its chunks.
        let mut decoder = ChunkedDecoder::new(max_body);
        let mut done = decoder.feed(&buf[head_len..])?;
        while !done {
            let n = stream.read(&mut chunk).await.map_err(io)?;
            if n == 0 {
                return Err(FetchError::Protocol(
                    "the connection closed before the chunked body ended".into(),
                ));
            }
            done = decoder.feed(&chunk[..n])?;
        }
        return Ok((status, location, decoder.body));
    }
    if length.is_some_and(|l| l > max_body) {
        return Err(too_large());
    }
    let mut body = buf.split_off(head_len);
    loop {
        if let Some(l) = length
            && body.len() >= l
        {
            body.truncate(l);
            break;
        }
        if body.len() > max_body {
            return Err(too_large());
        }
        let n = stream.read(&mut chunk).await.map_err(io)?;
        if n == 0 {
            if let Some(l) = length {
                return Err(FetchError::Protocol(format!(
                    "the body ended after {} of its {l} bytes (Content-Length)",
                    body.len()
                )));
            }
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    if body.len() > max_body {
        return Err(too_large());
    }
    Ok((status, location, body))
}

/// Reads an HTTP/1.x response from bytes exactly as the fetcher reads one off the wire: the
/// head (at most 16 KiB), then the body by `Content-Length`, chunked encoding or to the end,
/// never more than `max_body` bytes. Returns the status and the body; for tests and fuzzing.
pub fn parse_http_response(raw: &[u8], max_body: usize) -> Result<(u16, Vec<u8>), FetchError> {
    use std::future::Future;
    use std::task::{Context, Poll, Waker};
    let mut reader = raw;
    let mut future = std::pin::pin!(read_response(&mut reader, max_body));
    let mut cx = Context::from_waker(Waker::noop());
    // A byte slice never makes a read wait, so the future completes without pending; the
    // bound only guards against a future that would.
    for _ in 0..1_000_000 {
        if let Poll::Ready(result) = future.as_mut().poll(&mut cx) {
            return result.map(|(status, _, body)| (status, body));
        }
    }
    Err(FetchError::Protocol(
        "the response could not be read".into(),
    ))
}

/// The longest chunk-size line (with extensions) or trailer line read.
const MAX_CHUNK_LINE: usize = 1024;
/// The most trailer bytes read after the last chunk.
const MAX_TRAILER: usize = 8 * 1024;

/// A chunked body (RFC 9112 7.1) decoded as its bytes arrive, its end found by parsing the
/// framing. The decoded body never exceeds the cap: a chunk larger than what is left of it is
/// refused from its size line, before any of its data is read.
struct ChunkedDecoder {
    state: ChunkState,
    line: Vec<u8>,
    trailer: usize,
    body: Vec<u8>,
    max_body: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ChunkState {
    /// Reading a chunk-size line.
    Size,
    /// Reading chunk data: this many bytes left.
    Data(usize),
    /// Reading the CRLF after chunk data: this many of its bytes seen.
    DataEnd(u8),
    /// Reading trailer lines after the last chunk, up to the empty line.
    Trailer,
    /// The body is complete.
    Done,
}

impl ChunkedDecoder {
    fn new(max_body: usize) -> Self {
        ChunkedDecoder {
            state: ChunkState::Size,
            line: Vec::new(),
            trailer: 0,
            body: Vec::new(),
            max_body,
        }
    }

    /// Takes the next bytes; true once the body is complete (bytes after its end are ignored:
    /// the fetcher asks for `Connection: close`).
    fn feed(&mut self, mut bytes: &[u8]) -> Result<bool, FetchError> {
        let bad = |what: &str| FetchError::Protocol(format!("malformed chunked body: {what}"));
        while !bytes.is_empty() && self.state != ChunkState::Done {
            match self.state {
                ChunkState::Size | ChunkState::Trailer => {
                    let Some(line) = self.take_line(&mut bytes)? else {
                        break;
                    };
                    if self.state == ChunkState::Trailer {
                        self.trailer = self.trailer.saturating_add(line.len() + 2);
                        if line.is_empty() {
                            self.state = ChunkState::Done;
                        } else if self.trailer > MAX_TRAILER {
                            return Err(bad("the trailer is too long"));
                        }
                        continue;
                    }
                    let text = std::str::from_utf8(&line).map_err(|_| bad("a size line"))?;
                    let digits = text.split(';').next().unwrap_or("").trim();
                    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return Err(bad("a chunk size that is not hexadecimal"));
                    }
                    // A size too large for usize is over any cap too.
                    let size = usize::from_str_radix(digits, 16).unwrap_or(usize::MAX);
                    let left = self.max_body - self.body.len();
                    if size > left {
                        return Err(FetchError::BodyTooLarge {
                            limit: self.max_body,
                        });
                    }
                    self.state = if size == 0 {
                        ChunkState::Trailer
                    } else {
                        ChunkState::Data(size)
                    };
                }
                ChunkState::Data(left) => {
                    let n = left.min(bytes.len());
                    self.body.extend_from_slice(&bytes[..n]);
                    bytes = &bytes[n..];
                    self.state = if n == left {
                        ChunkState::DataEnd(0)
                    } else {
                        ChunkState::Data(left - n)
                    };
                }
                ChunkState::DataEnd(seen) => {
                    let expected = if seen == 0 { b'\r' } else { b'\n' };
                    if bytes[0] != expected {
                        return Err(bad("chunk data longer than its size"));
                    }
                    bytes = &bytes[1..];
                    self.state = if seen == 0 {
                        ChunkState::DataEnd(1)
                    } else {
                        ChunkState::Size
                    };
                }
                ChunkState::Done => {}
            }
        }
        Ok(self.state == ChunkState::Done)
    }

    /// The next CRLF-terminated line (without the CRLF) once it is complete, consuming it.
    fn take_line(&mut self, bytes: &mut &[u8]) -> Result<Option<Vec<u8>>, FetchError> {
        match bytes.iter().position(|&b| b == b'\n') {
            Some(i) => {
                self.line.extend_from_slice(&bytes[..i]);
                *bytes = &bytes[i + 1..];
                if self.line.len() > MAX_CHUNK_LINE + 1 {
                    return Err(FetchError::Protocol(format!(
                        "malformed chunked body: a framing line longer than {MAX_CHUNK_LINE} bytes"
                    )));
                }
                if self.line.pop() != Some(b'\r') {
                    return Err(FetchError::Protocol(
                        "malformed chunked body: a line not ended by CRLF".into(),
                    ));
                }
                Ok(Some(std::mem::take(&mut self.line)))
            }
            None => {
                self.line.extend_from_slice(bytes);
                *bytes = &[];
                if self.line.len() > MAX_CHUNK_LINE {
                    return Err(FetchError::Protocol(format!(
                        "malformed chunked body: a framing line longer than {MAX_CHUNK_LINE} bytes"
                    )));
                }
                Ok(None)
            }
        }
    }
}

#[async_trait]
impl HttpFetcher for ValidationFetcher {
    async fn get(&self, url: &str) -> Result<HttpResponse, FetchError> {
        let ms = u64::try_from(self.policy.timeout.as_millis()).unwrap_or(u64::MAX);
        tokio::time::timeout(self.policy.timeout, self.fetch(url))
            .await
            .map_err(|_| FetchError::Timeout(ms))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_ports_and_redirect_targets() {
        let p = FetchPolicy::default();
        let t = Target::parse("http://例子.中国/.well-known/pki-validation/a.txt", &p).unwrap();
        assert_eq!(t.host, "xn--fsqu00a.xn--fiqs8s");
        assert_eq!((t.https, t.port), (false, 80));
        assert!(matches!(
            Target::parse("https://example.com:8443/x", &p).unwrap_err(),
            FetchError::PortNotAllowed { port: 8443 }
        ));
        assert!(Target::parse("ftp://example.com/", &p).is_err());
        assert!(Target::parse("http://user@example.com/", &p).is_err());
        assert!(Target::parse("http:///path", &p).is_err());
        let next = t.follow("/other.txt", &p).unwrap();
        assert_eq!(next.url(), "http://xn--fsqu00a.xn--fiqs8s/other.txt");
        let next = t.follow("b.txt", &p).unwrap();
        assert_eq!(
            next.url(),
            "http://xn--fsqu00a.xn--fiqs8s/.well-known/pki-validation/b.txt"
        );
        // A test port stands in for 80.
        let test = FetchPolicy {
            http_port: 8080,
            ..FetchPolicy::default()
        };
        assert_eq!(
            Target::parse("http://a.example/", &test).unwrap().port,
            8080
        );
        assert_eq!(
            Target::parse("http://a.example:8080/", &test).unwrap().port,
            8080
        );
    }

    #[test]
    fn chunked_bodies_decode_and_are_capped() {
        let raw = b"4\r\nabcd\r\n3;ext=1\r\nefg\r\n0\r\n\r\n";
        assert_eq!(decode_chunked(raw, 100).unwrap(), b"abcdefg");
        assert_eq!(
            decode_chunked(raw, 5).unwrap_err().code(),
            "fetch.body_too_large"
        );
        assert_eq!(
            decode_chunked(b"zz\r\n", 10).unwrap_err().code(),
            "fetch.protocol"
        );
        assert_eq!(
            decode_chunked(b"9\r\nab", 10).unwrap_err().code(),
            "fetch.protocol"
        );
    }

    /// Feeds `raw` whole, then byte by byte; both must agree. An unfinished body is an error,
    /// as the end of the connection makes it.
    fn decode_chunked(raw: &[u8], max_body: usize) -> Result<Vec<u8>, FetchError> {
        let whole = feed_all(raw, max_body, raw.len().max(1));
        let bytewise = feed_all(raw, max_body, 1);
        assert_eq!(
            whole.as_ref().map_err(|e| e.code()),
            bytewise.as_ref().map_err(|e| e.code()),
            "fed whole and byte by byte"
        );
        whole
    }

    fn feed_all(raw: &[u8], max_body: usize, step: usize) -> Result<Vec<u8>, FetchError> {
        let mut d = ChunkedDecoder::new(max_body);
        for piece in raw.chunks(step) {
            if d.feed(piece)? {
                return Ok(d.body);
            }
        }
        Err(FetchError::Protocol("the chunked body ended early".into()))
    }

    #[test]
    fn a_huge_chunk_size_is_refused_without_overflow() {
        for size in [
            "ffffffffffffffff",
            "fffffffffffffffffffffffffff",
            "7fffffffffffffff",
        ] {
            let raw = format!("{size}\r\nabc\r\n0\r\n\r\n");
            assert_eq!(
                decode_chunked(raw.as_bytes(), 64).unwrap_err().code(),
                "fetch.body_too_large",
                "{size}"
            );
        }
        // After some data, a size over what is left of the cap is refused too.
        let raw = b"3\r\nabc\r\nffffffffffffffff\r\n";
        assert_eq!(
            decode_chunked(raw, 64).unwrap_err().code(),
            "fetch.body_too_large"
        );
        let raw = b"3\r\nabc\r\n3e\r\n";
        assert_eq!(
            decode_chunked(raw, 64).unwrap_err().code(),
            "fetch.body_too_large"
        );
    }

    #[test]
    fn one_byte_chunks_up_to_the_cap_are_accepted() {
        let body: Vec<u8> = (0..4096u32).map(|i| b'a' + (i % 26) as u8).collect();
        let mut raw = Vec::new();
        for b in &body {
            raw.extend_from_slice(b"1\r\n");
            raw.push(*b);
            raw.extend_from_slice(b"\r\n");
        }
        raw.extend_from_slice(b"0\r\n\r\n");
        assert_eq!(decode_chunked(&raw, 4096).unwrap(), body);
        assert_eq!(
            decode_chunked(&raw, 4095).unwrap_err().code(),
            "fetch.body_too_large"
        );
    }

    #[test]
    fn the_end_is_found_by_parsing_not_by_its_last_bytes() {
        // Data that looks like the last chunk does not end the body.
        let raw = b"5\r\n0\r\n\r\n\r\n2\r\nok\r\n0\r\nExpires: never\r\n\r\n";
        assert_eq!(decode_chunked(raw, 64).unwrap(), b"0\r\n\r\nok");
        // Data longer than its size, a size line without CRLF, an endless size line.
        for raw in [
            &b"2\r\nabc\r\n0\r\n\r\n"[..],
            b"2\nab\r\n0\r\n\r\n",
            &[b'1'; 2000][..],
        ] {
            assert_eq!(
                decode_chunked(raw, 4096).unwrap_err().code(),
                "fetch.protocol",
                "{:?}",
                String::from_utf8_lossy(&raw[..raw.len().min(40)])
            );
        }
    }

    #[test]
    fn a_body_shorter_than_its_content_length_is_an_error() {
        let raw = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
        assert_eq!(
            parse_http_response(raw, 64).unwrap_err().code(),
            "fetch.protocol"
        );
        let raw = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef";
        assert_eq!(parse_http_response(raw, 64).unwrap().1, b"abc");
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n";
        assert_eq!(
            parse_http_response(raw, 64).unwrap_err().code(),
            "fetch.protocol"
        );
    }

    #[test]
    fn the_host_header_brackets_an_ipv6_literal_and_names_a_test_port() {
        let p = FetchPolicy::default();
        let t = Target::parse("http://[2001:db8::1]/.well-known/x", &p).unwrap();
        assert_eq!(t.host_header(), "[2001:db8::1]");
        let t = Target::parse("http://example.com/x", &p).unwrap();
        assert_eq!(t.host_header(), "example.com");
        let test = FetchPolicy {
            http_port: 8080,
            ..FetchPolicy::default()
        };
        let t = Target::parse("http://[::1]:8080/x", &test).unwrap();
        assert_eq!(t.host_header(), "[::1]:8080");
    }
}
