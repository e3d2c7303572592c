//! The DNS resolver on hickory (feature `dns`), and a small authoritative DNS server on
//! loopback for tests and demonstrations that is also a [`DnsProvider`].

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use hickory_proto::op::{Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use hickory_resolver::TokioResolver;
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::NetError;
use hickory_resolver::net::runtime::TokioRuntimeProvider;

use crate::backend::dns::{
    DnsError, DnsProvider, DnsRecord, DnsResolver, MAX_CNAME_CHAIN, normalize,
};
use crate::backend::{BackendError, Scope};

/// A resolver on hickory: the system's name servers, or the ones given, with a timeout per
/// query and no cache (validation must see a record as soon as it is published).
#[derive(Clone)]
pub struct HickoryResolver {
    inner: TokioResolver,
}

impl fmt::Debug for HickoryResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HickoryResolver")
    }
}

fn options(timeout: Duration) -> ResolverOpts {
    let mut opts = ResolverOpts::default();
    opts.timeout = timeout;
    opts.attempts = 2;
    opts.cache_size = 0;
    opts.ndots = 0;
    opts
}

impl HickoryResolver {
    /// The name servers of `/etc/resolv.conf`, 5 s a query.
    pub fn system() -> Result<Self, DnsError> {
        let mut builder =
            TokioResolver::builder_tokio().map_err(|e| DnsError::Backend(BackendError::new(e)))?;
        *builder.options_mut() = options(Duration::from_secs(5));
        Ok(HickoryResolver {
            inner: builder
                .build()
                .map_err(|e| DnsError::Backend(BackendError::new(e)))?,
        })
    }

    /// These name servers (UDP, then TCP for a truncated answer), `timeout` a query.
    pub fn with_servers(servers: &[SocketAddr], timeout: Duration) -> Result<Self, DnsError> {
        let mut config = ResolverConfig::from_parts(None, vec![], vec![]);
        for s in servers {
            let mut udp = ConnectionConfig::udp();
            udp.port = s.port();
            let mut tcp = ConnectionConfig::tcp();
            tcp.port = s.port();
            config.add_name_server(NameServerConfig::new(s.ip(), true, vec![udp, tcp]));
        }
        let builder = TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
            .with_options(options(timeout));
        Ok(HickoryResolver {
            inner: builder
                .build()
                .map_err(|e| DnsError::Backend(BackendError::new(e)))?,
        })
    }

    async fn lookup(&self, name: &str, kind: RecordType) -> Result<Vec<Record>, DnsError> {
        let fqdn = format!("{}.", normalize(name));
        let parsed = Name::from_ascii(&fqdn).map_err(|_| DnsError::BadName(name.to_owned()))?;
        match self.inner.lookup(parsed, kind).await {
            Ok(found) => Ok(found.answers().to_vec()),
            Err(e) => Err(net_error(name, kind, &e)),
        }
    }
}

fn kind_name(kind: RecordType) -> &'static str {
    match kind {
        RecordType::TXT => "TXT",
        RecordType::CNAME => "CNAME",
        _ => "A/AAAA",
    }
}

fn net_error(name: &str, kind: RecordType, e: &NetError) -> DnsError {
    if e.is_nx_domain() {
        DnsError::NoSuchName(normalize(name))
    } else if e.is_no_records_found() {
        DnsError::NoRecords {
            name: normalize(name),
            kind: kind_name(kind),
        }
    } else if matches!(e, NetError::Timeout) {
        DnsError::Timeout(normalize(name))
    } else {
        DnsError::Backend(BackendError::new(e.clone()))
    }
}

#[async_trait]
impl DnsResolver for HickoryResolver {
    async fn txt(&self, name: &str) -> Result<Vec<String>, DnsError> {
        let records = self.lookup(name, RecordType::TXT).await?;
        let values: Vec<String> = records
            .iter()
            .filter_map(|r| match &r.data {
                RData::TXT(txt) => Some(
                    txt.txt_data
                        .iter()
                        .map(|part| String::from_utf8_lossy(part).into_owned())
                        .collect::<String>(),
                ),
                _ => None,
            })
            .collect();
        if values.is_empty() {
            return Err(DnsError::NoRecords {
                name: normalize(name),
                kind: "TXT",
            });
        }
        Ok(values)
    }

    async fn cname_chain(&self, name: &str) -> Result<Vec<String>, DnsError> {
        let mut chain: Vec<String> = Vec::new();
        let mut current = normalize(name);
        loop {
            let records = match self.lookup(&current, RecordType::CNAME).await {
                Ok(r) => r,
                Err(e) if e.is_absent() && !chain.is_empty() => return Ok(chain),
                Err(e) => return Err(e),
            };
            let next = records.iter().find_map(|r| match &r.data {
                RData::CNAME(target) if normalize(&r.name.to_ascii()) == current => {
                    Some(normalize(&target.0.to_ascii()))
                }
                _ => None,
            });
            let Some(next) = next else {
                if chain.is_empty() {
                    return Err(DnsError::NoRecords {
                        name: normalize(name),
                        kind: "CNAME",
                    });
                }
                return Ok(chain);
            };
            if chain.contains(&next) || chain.len() >= MAX_CNAME_CHAIN {
                return Err(DnsError::ChainTooLong(normalize(name)));
            }
            chain.push(next.clone());
            current = next;
        }
    }

    async fn ips(&self, name: &str) -> Result<Vec<IpAddr>, DnsError> {
        let fqdn = format!("{}.", normalize(name));
        let parsed = Name::from_ascii(&fqdn).map_err(|_| DnsError::BadName(name.to_owned()))?;
        match self.inner.lookup_ip(parsed).await {
            Ok(found) => Ok(found.iter().collect()),
            Err(e) => Err(net_error(name, RecordType::A, &e)),
        }
    }
}

type Zone = BTreeMap<(String, RecordType), Vec<RData>>;

/// A small authoritative DNS server on a loopback UDP port, for tests and demonstrations: it
/// answers A, AAAA, TXT and CNAME queries from records you add, NXDOMAIN for names it has no
/// record for, and is a [`DnsProvider`] (automatic DNS validation writes into it) for the
/// zones given to accounts with [`add_zone`](LoopbackDnsServer::add_zone). It stops when
/// dropped.
pub struct LoopbackDnsServer {
    addr: SocketAddr,
    zone: Arc<Mutex<Zone>>,
    /// Zone apex -> the account that owns it.
    owners: Mutex<BTreeMap<String, String>>,
    task: tokio::task::JoinHandle<()>,
}

impl fmt::Debug for LoopbackDnsServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoopbackDnsServer")
            .field("addr", &self.addr)
            .finish()
    }
}

impl Drop for LoopbackDnsServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn lock(zone: &Mutex<Zone>) -> std::sync::MutexGuard<'_, Zone> {
    zone.lock().unwrap_or_else(|p| p.into_inner())
}

fn fqdn(name: &str) -> Result<Name, DnsError> {
    Name::from_ascii(format!("{}.", normalize(name)))
        .map_err(|_| DnsError::BadName(name.to_owned()))
}

fn answer(zone: &Zone, query: &Message) -> Message {
    let id = query.metadata.id;
    let mut response = Message::response(id, OpCode::Query);
    response.metadata.authoritative = true;
    response.metadata.recursion_desired = query.metadata.recursion_desired;
    let Some(q) = query.queries.first() else {
        response.metadata.response_code = ResponseCode::FormErr;
        return response;
    };
    response.queries.push(q.clone());
    let name = normalize(&q.name().to_ascii());
    let mut current = name.clone();
    let mut found_any = zone.keys().any(|(n, _)| *n == name);
    // Follow CNAMEs inside the zone, as an authoritative server does.
    for _ in 0..=MAX_CNAME_CHAIN {
        if let Some(rdatas) = zone.get(&(current.clone(), q.query_type())) {
            for r in rdatas {
                if let Ok(owner) = fqdn(&current) {
                    response
                        .answers
                        .push(Record::from_rdata(owner, 60, r.clone()));
                }
            }
            break;
        }
        match zone
            .get(&(current.clone(), RecordType::CNAME))
            .and_then(|v| v.first())
        {
            Some(RData::CNAME(target)) if q.query_type() != RecordType::CNAME => {
                if let Ok(owner) = fqdn(&current) {
                    response.answers.push(Record::from_rdata(
                        owner,
                        60,
                        RData::CNAME(target.clone()),
                    ));
                }
                current = normalize(&target.0.to_ascii());
                found_any = true;
            }
            _ => break,
        }
    }
    if response.answers.is_empty() && !found_any {
        response.metadata.response_code = ResponseCode::NXDomain;
    }
    response
}

impl LoopbackDnsServer {
    /// Starts a server on `127.0.0.1` on a free port (inside a Tokio runtime).
    pub async fn start() -> Result<Self, DnsError> {
        let socket = tokio::net::UdpSocket::bind("127.0.0.1:0")
            .await
            .map_err(|e| DnsError::Backend(BackendError::new(e)))?;
        let addr = socket
            .local_addr()
            .map_err(|e| DnsError::Backend(BackendError::new(e)))?;
        let zone: Arc<Mutex<Zone>> = Arc::default();
        let serving = zone.clone();
        let task = tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            loop {
                let Ok((len, peer)) = socket.recv_from(&mut buf).await else {
                    continue;
                };
                let Ok(query) = Message::from_vec(&buf[..len]) else {
                    continue;
                };
                if query.metadata.message_type != MessageType::Query {
                    continue;
                }
                let response = answer(&lock(&serving), &query);
                if let Ok(bytes) = response.to_vec() {
                    let _ = socket.send_to(&bytes, peer).await;
                }
            }
        });
        Ok(LoopbackDnsServer {
            addr,
            zone,
            owners: Mutex::default(),
            task,
        })
    }

    /// The address to send queries to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Gives the zone `apex` (and every name under it) to `account`: automatic DNS validation
    /// writes there only for that account.
    pub fn add_zone(&self, apex: &str, account: &str) -> Result<(), DnsError> {
        fqdn(apex)?;
        self.owners
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(normalize(apex), account.to_owned());
        Ok(())
    }

    /// Refuses a name that lies in no zone of the scope's account (the closest enclosing zone
    /// decides).
    fn check_owner(&self, scope: &Scope, name: &str) -> Result<(), DnsError> {
        let name = normalize(name);
        let owners = self.owners.lock().unwrap_or_else(|p| p.into_inner());
        let mut candidate = name.as_str();
        loop {
            if let Some(owner) = owners.get(candidate) {
                return if *owner == scope.account {
                    Ok(())
                } else {
                    Err(DnsError::ZoneNotOwned { name: name.clone() })
                };
            }
            match candidate.split_once('.') {
                Some((_, parent)) => candidate = parent,
                None => return Err(DnsError::ZoneNotOwned { name: name.clone() }),
            }
        }
    }

    /// Adds an A or AAAA record.
    pub fn add_ip(&self, name: &str, ip: IpAddr) -> Result<(), DnsError> {
        fqdn(name)?;
        let (kind, data) = match ip {
            IpAddr::V4(v4) => (RecordType::A, RData::A(v4.into())),
            IpAddr::V6(v6) => (RecordType::AAAA, RData::AAAA(v6.into())),
        };
        lock(&self.zone)
            .entry((normalize(name), kind))
            .or_default()
            .push(data);
        Ok(())
    }

    /// Adds a TXT record whose value is split into character-strings of `chunk` bytes (to
    /// check that readers join them).
    pub fn add_txt_chunked(&self, name: &str, value: &str, chunk: usize) -> Result<(), DnsError> {
        fqdn(name)?;
        let parts: Vec<String> = value
            .as_bytes()
            .chunks(chunk.max(1))
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        lock(&self.zone)
            .entry((normalize(name), RecordType::TXT))
            .or_default()
            .push(RData::TXT(hickory_proto::rr::rdata::TXT::new(parts)));
        Ok(())
    }
}

#[async_trait]
impl DnsProvider for LoopbackDnsServer {
    async fn create(&self, scope: &Scope, record: &DnsRecord) -> Result<(), DnsError> {
        self.check_owner(scope, record.name())?;
        let (key, data) = match record {
            DnsRecord::Txt { name, value } => (
                (normalize(name), RecordType::TXT),
                RData::TXT(hickory_proto::rr::rdata::TXT::new(vec![value.clone()])),
            ),
            DnsRecord::Cname { name, target } => (
                (normalize(name), RecordType::CNAME),
                RData::CNAME(hickory_proto::rr::rdata::CNAME(fqdn(target)?)),
            ),
        };
        fqdn(&key.0)?;
        let mut zone = lock(&self.zone);
        let set = zone.entry(key).or_default();
        if matches!(record, DnsRecord::Cname { .. }) {
            // One CNAME per name.
            set.clear();
        }
        if !set.contains(&data) {
            set.push(data);
        }
        Ok(())
    }

    async fn serves(&self, scope: &Scope, name: &str) -> Result<bool, DnsError> {
        match self.check_owner(scope, name) {
            Ok(()) => Ok(true),
            Err(DnsError::ZoneNotOwned { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn delete(&self, scope: &Scope, record: &DnsRecord) -> Result<(), DnsError> {
        self.check_owner(scope, record.name())?;
        let mut zone = lock(&self.zone);
        match record {
            DnsRecord::Txt { name, value } => {
                let key = (normalize(name), RecordType::TXT);
                if let Some(set) = zone.get_mut(&key) {
                    set.retain(
                        |d| !matches!(d, RData::TXT(t) if t.txt_data.concat() == value.as_bytes()),
                    );
                    if set.is_empty() {
                        zone.remove(&key);
                    }
                }
            }
            DnsRecord::Cname { name, .. } => {
                zone.remove(&(normalize(name), RecordType::CNAME));
            }
        }
        Ok(())
    }
}
