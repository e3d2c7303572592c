//! A local CA (feature `local-ca`): a root and an intermediate made at start, issuing real
//! certificates for verified CSRs of every key spec, SM2 and P-521 included (the CSR's
//! SubjectPublicKeyInfo is certified as it is). Built on x509-cert's certificate builder and
//! signed by certdesk's own keys. OpenSSL verifies what it issues against the root.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use base64ct::Encoding as _;
use der::DecodePem;
use der::asn1::{BitString, GeneralizedTime, Ia5String, OctetString, UtcTime};
use der::{Decode, Encode};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use spki::{
    AlgorithmIdentifierOwned, DynSignatureAlgorithmIdentifier, EncodePublicKey,
    SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef,
};
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::ext::{Extension, ToExtension};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use crate::backend::BackendError;
use crate::backend::ca::{
    CaError, CaStatus, CertificateAuthority, IssueRequest, IssuedCertificate, Revocation,
};
use crate::backend::{Clock, DnsResolver, KeyVault, SealedKey, SystemClock};
use crate::csr::Csr;
use crate::key::{KeyKind, KeySpec, PrivateKey, SignatureAlgorithm};
use crate::order::{Challenge, DnsRecordType, ValidationType};
use crate::san::DomainName;
use crate::subject::Subject;

fn backend(e: impl std::error::Error + Send + Sync + 'static) -> CaError {
    CaError::Backend(BackendError::new(e))
}

/// A CA key as x509-cert's builder wants a signer to look (its public key and signature
/// algorithm); the signing itself is certdesk's.
struct CaSigner<'a> {
    key: &'a PrivateKey,
}

/// A public key the builder can encode: the SubjectPublicKeyInfo as it is.
#[derive(Clone)]
struct SpkiDer(Vec<u8>);

impl EncodePublicKey for SpkiDer {
    fn to_public_key_der(&self) -> spki::Result<der::Document> {
        Ok(der::Document::try_from(self.0.as_slice())?)
    }
}

impl signature::Keypair for CaSigner<'_> {
    type VerifyingKey = SpkiDer;
    fn verifying_key(&self) -> SpkiDer {
        SpkiDer(self.key.public_key().spki_der().to_vec())
    }
}

fn algorithm_of(key: &PrivateKey) -> SignatureAlgorithm {
    let hash = key
        .key_spec()
        .map_or(crate::key::SignatureHash::Sha256, KeySpec::default_hash);
    match key.kind() {
        KeyKind::Rsa { .. } => SignatureAlgorithm::RsaPkcs1(hash),
        KeyKind::Ec { .. } => SignatureAlgorithm::Ecdsa(hash),
        KeyKind::Sm2 => SignatureAlgorithm::Sm2Sm3,
    }
}

impl DynSignatureAlgorithmIdentifier for CaSigner<'_> {
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
        algorithm_of(self.key)
            .identifier()
            .ok_or(spki::Error::KeyMalformed)
    }
}

/// Which certificate a profile makes.
#[derive(Clone)]
enum Kind {
    Root,
    Intermediate,
    Leaf { names: Vec<String>, rsa: bool },
}

/// The issuer, subject and extensions of one certificate.
struct Profile {
    issuer: Option<Name>,
    subject: Name,
    kind: Kind,
}

/// RFC 7093 method 1: the leftmost 160 bits of the SHA-256 of the subjectPublicKey bits.
fn key_id(spk: &SubjectPublicKeyInfoRef<'_>) -> der::Result<OctetString> {
    let digest = sha2::Sha256::digest(spk.subject_public_key.raw_bytes());
    OctetString::new(&digest[..20])
}

impl BuilderProfile for Profile {
    fn get_issuer(&self, subject: &Name) -> Name {
        self.issuer.clone().unwrap_or_else(|| subject.clone())
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        issuer_spk: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> Result<Vec<Extension>, x509_cert::builder::Error> {
        let subject = tbs.subject();
        let mut extensions = Vec::new();
        let (ca, path_len, usages) = match &self.kind {
            Kind::Root => (true, None, KeyUsages::KeyCertSign | KeyUsages::CRLSign),
            Kind::Intermediate => (true, Some(0), KeyUsages::KeyCertSign | KeyUsages::CRLSign),
            Kind::Leaf { rsa: true, .. } => (
                false,
                None,
                KeyUsages::DigitalSignature | KeyUsages::KeyEncipherment,
            ),
            Kind::Leaf { rsa: false, .. } => (false, None, KeyUsages::DigitalSignature.into()),
        };
        let basic = BasicConstraints {
            ca,
            path_len_constraint: path_len,
        };
        extensions.push((&basic).to_extension(subject, &extensions)?);
        extensions.push((&KeyUsage(usages)).to_extension(subject, &extensions)?);
        let ski = SubjectKeyIdentifier(key_id(&spk)?);
        extensions.push((&ski).to_extension(subject, &extensions)?);
        if !matches!(self.kind, Kind::Root) {
            let aki = AuthorityKeyIdentifier {
                key_identifier: Some(key_id(&issuer_spk)?),
                authority_cert_issuer: None,
                authority_cert_serial_number: None,
            };
            extensions.push((&aki).to_extension(subject, &extensions)?);
        }
        if let Kind::Leaf { names, .. } = &self.kind {
            let eku = ExtendedKeyUsage(vec![const_oid::db::rfc5280::ID_KP_SERVER_AUTH]);
            extensions.push((&eku).to_extension(subject, &extensions)?);
            // An address is an iPAddress name (4 or 16 octets), anything else a dNSName.
            let names = names
                .iter()
                .map(|n| match n.parse::<std::net::IpAddr>() {
                    Ok(std::net::IpAddr::V4(v4)) => {
                        OctetString::new(v4.octets().to_vec()).map(GeneralName::IpAddress)
                    }
                    Ok(std::net::IpAddr::V6(v6)) => {
                        OctetString::new(v6.octets().to_vec()).map(GeneralName::IpAddress)
                    }
                    Err(_) => Ia5String::new(n).map(GeneralName::DnsName),
                })
                .collect::<der::Result<Vec<_>>>()?;
            extensions.push((&SubjectAltName(names)).to_extension(subject, &extensions)?);
        }
        Ok(extensions)
    }
}

/// A certificate time as RFC 5280 4.1.2.5 wants it: UTCTime through 2049, GeneralizedTime
/// from 2050.
fn time(t: time::OffsetDateTime) -> Result<Time, CaError> {
    let secs = u64::try_from(t.unix_timestamp())
        .map_err(|_| CaError::Backend(BackendError::msg("a time before 1970")))?;
    let since_epoch = Duration::from_secs(secs);
    if t.year() < 2050 {
        return Ok(Time::UtcTime(
            UtcTime::from_unix_duration(since_epoch).map_err(backend)?,
        ));
    }
    let g = GeneralizedTime::from_unix_duration(since_epoch).map_err(backend)?;
    Ok(Time::GeneralTime(g))
}

fn random_serial() -> Result<SerialNumber, CaError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(backend)?;
    bytes[0] &= 0x7f; // positive
    bytes[0] |= 0x01; // and 16 bytes long
    SerialNumber::new(&bytes).map_err(backend)
}

/// Makes one certificate: `subject_spki` certified by `signer` under `profile`.
fn make_certificate(
    profile: Profile,
    subject_spki: &[u8],
    signer: &PrivateKey,
    not_before: time::OffsetDateTime,
    not_after: time::OffsetDateTime,
) -> Result<(x509_cert::Certificate, SerialNumber), CaError> {
    let serial = random_serial()?;
    let validity = Validity::new(time(not_before)?, time(not_after)?);
    let spki = SubjectPublicKeyInfoOwned::from_der(subject_spki).map_err(backend)?;
    let ca_signer = CaSigner { key: signer };
    let mut builder =
        CertificateBuilder::new(profile, serial.clone(), validity, spki).map_err(backend)?;
    let tbs = builder.finalize(&ca_signer).map_err(backend)?;
    let algorithm = algorithm_of(signer);
    let signature = signer
        .sign(
            algorithm.hash(),
            &tbs,
            crate::csr::DEFAULT_SM2_DISTID.as_bytes(),
        )
        .map_err(backend)?;
    let signature = BitString::from_bytes(&signature).map_err(backend)?;
    let cert = builder.assemble(signature, &ca_signer).map_err(backend)?;
    Ok((cert, serial))
}

fn pem_of(cert: &x509_cert::Certificate) -> Result<String, CaError> {
    Ok(crate::pem::encode(
        "CERTIFICATE",
        &cert.to_der().map_err(backend)?,
    ))
}

fn ca_name(cn: &str, organization: &str) -> Result<Name, CaError> {
    Subject::builder()
        .organization(organization)
        .common_name(cn)
        .build()
        .map_err(backend)?
        .to_name()
        .map_err(backend)
}

#[derive(Serialize, Deserialize)]
struct Ticket {
    request: IssueRequest,
    polls_left: u32,
    status: StoredStatus,
    /// What the CA asked for before it revokes (made on the first revocation request when
    /// revocations are validated).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    revocation: Vec<Challenge>,
}

/// [`CaStatus`] as a ticket keeps it (times as Unix seconds).
#[derive(Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
enum StoredStatus {
    Reviewing,
    Issued {
        certificate_pem: String,
        chain_pem: Vec<String>,
        serial: String,
        not_before: i64,
        not_after: i64,
    },
    Refused {
        reason: String,
    },
    Revoked,
}

impl StoredStatus {
    fn of(status: CaStatus) -> StoredStatus {
        match status {
            CaStatus::Reviewing => StoredStatus::Reviewing,
            CaStatus::Issued(c) => StoredStatus::Issued {
                certificate_pem: c.certificate_pem,
                chain_pem: c.chain_pem,
                serial: c.serial,
                not_before: c.not_before.unix_timestamp(),
                not_after: c.not_after.unix_timestamp(),
            },
            CaStatus::Refused { reason } => StoredStatus::Refused { reason },
            CaStatus::Revoked => StoredStatus::Revoked,
        }
    }

    fn status(&self) -> Result<CaStatus, CaError> {
        let at = |t: i64| {
            time::OffsetDateTime::from_unix_timestamp(t)
                .map_err(|_| backend(LedgerError(format!("a stored time {t} is out of range"))))
        };
        Ok(match self {
            StoredStatus::Reviewing => CaStatus::Reviewing,
            StoredStatus::Issued {
                certificate_pem,
                chain_pem,
                serial,
                not_before,
                not_after,
            } => CaStatus::Issued(IssuedCertificate {
                certificate_pem: certificate_pem.clone(),
                chain_pem: chain_pem.clone(),
                serial: serial.clone(),
                not_before: at(*not_before)?,
                not_after: at(*not_after)?,
            }),
            StoredStatus::Refused { reason } => CaStatus::Refused {
                reason: reason.clone(),
            },
            StoredStatus::Revoked => CaStatus::Revoked,
        })
    }
}

/// Decides whether the CA's review refuses a request: the reason, or `None` to issue.
pub type ReviewRule = Box<dyn Fn(&IssueRequest) -> Option<String> + Send + Sync>;

/// What signs: the intermediate and the clock it dates certificates by.
struct Issuer {
    intermediate_name: Name,
    intermediate_key: PrivateKey,
    intermediate_pem: String,
    clock: Arc<dyn Clock>,
}

/// How requests are decided: `polls` status polls under review, then the rule.
#[derive(Clone)]
struct Review {
    polls: u32,
    rule: Option<Arc<ReviewRule>>,
}

/// Where the CA keeps its requests.
enum Ledger {
    /// In this process.
    Memory(Mutex<MemoryLedger>),
    /// In a directory that several processes share (see [`LocalCa::open_dir`]).
    Dir(Arc<PathBuf>),
}

#[derive(Default)]
struct MemoryLedger {
    tickets: HashMap<String, Ticket>,
    /// Idempotency key -> the ticket it was given.
    submitted: HashMap<String, String>,
}

/// A certificate authority: a root and an intermediate, both generated when it is first made.
/// Requests are reviewed for `review_polls` polls (none by default), then issued or refused by
/// the review rule.
///
/// [`LocalCa::new`] keeps its keys and requests in the process. [`LocalCa::open_dir`] keeps
/// them in a directory (the intermediate key sealed by a [`KeyVault`]), so that several
/// processes (instances of one service on one database) are one CA: a request submitted
/// through one is followed, issued and revoked through any other.
pub struct LocalCa {
    name: String,
    root_pem: String,
    issuer: Arc<Issuer>,
    review: Review,
    ledger: Ledger,
    /// Revocations wait for these DNS checks (see [`LocalCa::with_revocation_validation`]).
    revocation_dns: Option<Arc<dyn DnsResolver>>,
}

impl fmt::Debug for LocalCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("LocalCa");
        d.field("name", &self.name)
            .field("review_polls", &self.review.polls)
            .field("revocation_validation", &self.revocation_dns.is_some());
        if let Ledger::Dir(dir) = &self.ledger {
            d.field("dir", dir);
        }
        d.finish_non_exhaustive()
    }
}

/// The context a directory CA's intermediate key is sealed under.
const SEAL_CONTEXT: &[u8] = b"certdesk local CA: intermediate key";

/// A directory CA's `ca.json`.
#[derive(Serialize, Deserialize)]
struct StoredCa {
    name: String,
    root_pem: String,
    intermediate_pem: String,
    kek_id: String,
    nonce: String,
    sealed_key: String,
}

/// A directory ledger's file that is not what the CA wrote.
#[derive(Debug, thiserror::Error)]
#[error("local CA directory: {0}")]
struct LedgerError(String);

impl LocalCa {
    /// A CA called `name` with ec-p256 keys on the system clock.
    pub fn new(name: &str) -> Result<LocalCa, CaError> {
        LocalCa::with_keys(name, KeySpec::EcP256, Arc::new(SystemClock))
    }

    /// A CA called `name` whose root and intermediate keys are `spec` (any key spec: an SM2
    /// CA signs SM2-with-SM3 with the default distinguishing ID), on `clock`.
    pub fn with_keys(name: &str, spec: KeySpec, clock: Arc<dyn Clock>) -> Result<LocalCa, CaError> {
        let now = clock.now();
        let root_key = PrivateKey::generate(spec).map_err(backend)?;
        let root_name = ca_name(&format!("{name} Root CA"), name)?;
        let (root, _) = make_certificate(
            Profile {
                issuer: None,
                subject: root_name.clone(),
                kind: Kind::Root,
            },
            root_key.public_key().spki_der(),
            &root_key,
            now - time::Duration::hours(1),
            now + time::Duration::days(3650),
        )?;
        let intermediate_key = PrivateKey::generate(spec).map_err(backend)?;
        let intermediate_name = ca_name(&format!("{name} Issuing CA"), name)?;
        let (intermediate, _) = make_certificate(
            Profile {
                issuer: Some(root_name),
                subject: intermediate_name.clone(),
                kind: Kind::Intermediate,
            },
            intermediate_key.public_key().spki_der(),
            &root_key,
            now - time::Duration::hours(1),
            now + time::Duration::days(1825),
        )?;
        Ok(LocalCa {
            name: name.to_owned(),
            root_pem: pem_of(&root)?,
            issuer: Arc::new(Issuer {
                intermediate_name,
                intermediate_pem: pem_of(&intermediate)?,
                intermediate_key,
                clock,
            }),
            review: Review {
                polls: 0,
                rule: None,
            },
            ledger: Ledger::Memory(Mutex::new(MemoryLedger::default())),
            revocation_dns: None,
        })
    }

    /// The CA kept in `dir` (made, with the directory, on first use): `ca.json` holds the
    /// certificates and the intermediate key sealed by `vault` (the root key is not kept),
    /// `tickets/` the requests, `submitted/` the idempotency keys, and `submissions.log` one
    /// line per submission received (order id, ticket, `new`, or `again` for an idempotency
    /// key seen before). Every process that opens the same directory
    /// with a vault holding the same key-encryption key is the same CA; an advisory file lock
    /// (`lock`) makes each submission, poll and revocation whole across processes. A CA
    /// already in `dir` keeps its own name. ec-p256 keys, the system clock.
    pub async fn open_dir(
        dir: impl AsRef<Path>,
        name: &str,
        vault: Arc<dyn KeyVault>,
    ) -> Result<LocalCa, CaError> {
        let dir = Arc::new(dir.as_ref().to_path_buf());
        let d = dir.clone();
        let (lock, stored) = blocking(move || {
            for sub in ["tickets", "submitted"] {
                std::fs::create_dir_all(d.join(sub)).map_err(backend)?;
            }
            let lock = lock_dir(&d)?;
            let stored = match std::fs::read(d.join("ca.json")) {
                Ok(bytes) => Some(
                    serde_json::from_slice::<StoredCa>(&bytes)
                        .map_err(|e| backend(LedgerError(format!("ca.json does not read: {e}"))))?,
                ),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => return Err(backend(e)),
            };
            Ok((lock, stored))
        })
        .await?;
        let ca = match stored {
            Some(stored) => {
                let b64 = |text: &str| {
                    base64ct::Base64::decode_vec(text)
                        .map_err(|_| backend(LedgerError("ca.json: bad base64".into())))
                };
                let sealed = SealedKey {
                    kek_id: stored.kek_id,
                    nonce: b64(&stored.nonce)?,
                    ciphertext: b64(&stored.sealed_key)?,
                };
                let der = vault.open(&sealed, SEAL_CONTEXT).await.map_err(backend)?;
                let intermediate_key = PrivateKey::from_pkcs8_der(&der).map_err(backend)?;
                let intermediate_name = x509_cert::Certificate::from_pem(&stored.intermediate_pem)
                    .map_err(backend)?
                    .tbs_certificate()
                    .subject()
                    .clone();
                LocalCa {
                    name: stored.name,
                    root_pem: stored.root_pem,
                    issuer: Arc::new(Issuer {
                        intermediate_name,
                        intermediate_key,
                        intermediate_pem: stored.intermediate_pem,
                        clock: Arc::new(SystemClock),
                    }),
                    review: Review {
                        polls: 0,
                        rule: None,
                    },
                    ledger: Ledger::Dir(dir),
                    revocation_dns: None,
                }
            }
            None => {
                let mut ca = blocking({
                    let name = name.to_owned();
                    move || LocalCa::new(&name)
                })
                .await?;
                let der = ca.issuer.intermediate_key.to_pkcs8_der().map_err(backend)?;
                let sealed = vault.seal(&der, SEAL_CONTEXT).await.map_err(backend)?;
                let stored = StoredCa {
                    name: ca.name.clone(),
                    root_pem: ca.root_pem.clone(),
                    intermediate_pem: ca.issuer.intermediate_pem.clone(),
                    kek_id: sealed.kek_id.clone(),
                    nonce: base64ct::Base64::encode_string(&sealed.nonce),
                    sealed_key: base64ct::Base64::encode_string(&sealed.ciphertext),
                };
                let json = serde_json::to_vec_pretty(&stored).map_err(backend)?;
                let d = dir.clone();
                blocking(move || write_atomically(&d, "ca.json", &json)).await?;
                ca.ledger = Ledger::Dir(dir);
                ca
            }
        };
        drop(lock);
        Ok(ca)
    }

    /// Keeps each request under review for `polls` status polls before deciding.
    pub fn with_review_polls(mut self, polls: u32) -> Self {
        self.review.polls = polls;
        self
    }

    /// Refuses the requests `rule` gives a reason for (an OV review that fails, say).
    pub fn with_review(mut self, rule: ReviewRule) -> Self {
        self.review.rule = Some(Arc::new(rule));
        self
    }

    /// Revokes a certificate only once control of its domains is shown again, as some CAs ask
    /// of a subscriber: the first revocation request answers
    /// [`Revocation::ValidationRequired`] with one TXT record per domain
    /// (`_revoke.<domain>`, a wildcard's on its base name, 128 random bits in hex; IP
    /// addresses are not asked for), and a later request looks each record up through
    /// `resolver` and revokes when every one is there. The challenges are kept with the
    /// request, so every process of a directory CA asks for the same ones.
    pub fn with_revocation_validation(mut self, resolver: Arc<dyn DnsResolver>) -> Self {
        self.revocation_dns = Some(resolver);
        self
    }

    /// The root certificate, PEM: what a verifier trusts.
    pub fn root_pem(&self) -> &str {
        &self.root_pem
    }

    /// The intermediate certificate, PEM: what every issued chain holds.
    pub fn intermediate_pem(&self) -> &str {
        &self.issuer.intermediate_pem
    }

    fn memory(ledger: &Mutex<MemoryLedger>) -> std::sync::MutexGuard<'_, MemoryLedger> {
        ledger.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `op` on the ticket under the ledger's lock; `op` says whether it changed the
    /// ticket (a directory ledger then writes it back).
    async fn on_ticket<T: Send + 'static>(
        &self,
        ticket: &str,
        op: impl FnOnce(&Issuer, &Review, &str, &mut Ticket) -> Result<(T, bool), CaError>
        + Send
        + 'static,
    ) -> Result<T, CaError> {
        match &self.ledger {
            Ledger::Memory(ledger) => {
                let mut ledger = LocalCa::memory(ledger);
                let t = ledger
                    .tickets
                    .get_mut(ticket)
                    .ok_or_else(|| CaError::UnknownTicket(ticket.to_owned()))?;
                Ok(op(&self.issuer, &self.review, ticket, t)?.0)
            }
            Ledger::Dir(dir) => {
                let (dir, issuer, review) = (dir.clone(), self.issuer.clone(), self.review.clone());
                let ticket = ticket.to_owned();
                blocking(move || {
                    let _lock = lock_dir(&dir)?;
                    let mut t = read_ticket(&dir, &ticket)?;
                    let (answer, changed) = op(&issuer, &review, &ticket, &mut t)?;
                    if changed {
                        write_ticket(&dir, &ticket, &t)?;
                    }
                    Ok(answer)
                })
                .await
            }
        }
    }
}

impl LocalCa {
    /// Revokes the ticket's certificate (no validation asked).
    async fn revoke_now(&self, ticket: &str) -> Result<Revocation, CaError> {
        self.on_ticket(ticket, |_, _, ticket, t| {
            let changed = !matches!(t.status, StoredStatus::Revoked);
            Ok((revoke_ticket(ticket, t)?, changed))
        })
        .await
    }
}

impl Issuer {
    fn issue(&self, request: &IssueRequest) -> Result<IssuedCertificate, CaError> {
        let csr = Csr::parse(request.csr_pem.as_bytes())
            .map_err(|e| CaError::Refused(format!("the CSR: {e}")))?;
        let mut names = Vec::with_capacity(request.domains.len());
        for d in &request.domains {
            if let Ok(ip) = d.trim().parse::<std::net::IpAddr>() {
                if let Some(v) = crate::policy::check_ip(d, ip) {
                    return Err(CaError::Refused(v.message));
                }
                names.push(ip.to_string());
                continue;
            }
            let name = DomainName::parse(d)
                .map_err(|e| CaError::Refused(format!("{d:?} cannot be certified: {e}")))?;
            names.push(name.as_str().to_owned());
        }
        let Some(first) = names.first().cloned() else {
            return Err(CaError::Refused("no domain to certify".into()));
        };
        let mut subject = Subject::builder();
        if request.validation != ValidationType::Dv
            && let Some(org) = &request.organization
        {
            subject = subject
                .country(org.country.as_str())
                .locality(org.locality.as_str())
                .organization(org.name.as_str());
            if let Some(p) = &org.province {
                subject = subject.state(p.as_str());
            }
        }
        // RFC 5280 bounds a CN at 64 characters: a longer name is certified by its SAN alone,
        // as the Baseline Requirements allow (the CN is optional).
        if first.chars().count() <= 64 {
            subject = subject.common_name(first.as_str());
        }
        let subject = subject
            .build()
            .map_err(|e| CaError::Refused(format!("the subject: {e}")))?
            .to_name()
            .map_err(backend)?;
        let rsa = matches!(csr.info().key, KeyKind::Rsa { .. });
        let now = self.clock.now();
        let not_before = now - time::Duration::minutes(5);
        let not_after = now
            .checked_add(time::Duration::days(i64::from(
                request.validity_days.max(1),
            )))
            .filter(|t| t.year() <= 9999)
            .ok_or_else(|| {
                CaError::Refused(format!(
                    "a validity of {} days ends after the year 9999",
                    request.validity_days
                ))
            })?;
        let (cert, serial) = make_certificate(
            Profile {
                issuer: Some(self.intermediate_name.clone()),
                subject,
                kind: Kind::Leaf { names, rsa },
            },
            csr.public_key().spki_der(),
            &self.intermediate_key,
            not_before,
            not_after,
        )?;
        Ok(IssuedCertificate {
            certificate_pem: pem_of(&cert)?,
            chain_pem: vec![self.intermediate_pem.clone()],
            serial: crate::hex::encode(serial.as_bytes()),
            not_before,
            not_after,
        })
    }

    /// A poll: one review poll spent, or the decision made, and the ticket's status.
    fn poll(&self, review: &Review, t: &mut Ticket) -> Result<CaStatus, CaError> {
        if matches!(t.status, StoredStatus::Reviewing) {
            if t.polls_left > 0 {
                t.polls_left -= 1;
                return Ok(CaStatus::Reviewing);
            }
            let decided = match review.rule.as_ref().and_then(|rule| rule(&t.request)) {
                Some(reason) => CaStatus::Refused { reason },
                None => match self.issue(&t.request) {
                    Ok(cert) => CaStatus::Issued(cert),
                    Err(CaError::Refused(reason)) => CaStatus::Refused { reason },
                    Err(e) => return Err(e),
                },
            };
            t.status = StoredStatus::of(decided);
        }
        t.status.status()
    }
}

/// A revocation of the ticket's certificate (again: nothing to do).
fn revoke_ticket(ticket: &str, t: &mut Ticket) -> Result<Revocation, CaError> {
    match t.status {
        StoredStatus::Issued { .. } => {
            t.status = StoredStatus::Revoked;
            t.revocation.clear();
            Ok(Revocation::Revoked)
        }
        StoredStatus::Revoked => Ok(Revocation::Revoked),
        _ => Err(CaError::Refused(format!(
            "request {ticket} has no certificate to revoke"
        ))),
    }
}

/// The DNS label of revocation challenges (apart from `_dnsauth`, which may hold the
/// issuance's CNAME, beside which no TXT record may stand).
const REVOKE_LABEL: &str = "_revoke";

/// Where a validated revocation stands.
enum Asked {
    /// Revoked (already, or now: nothing a DNS record can show).
    Done,
    /// The challenges, made by this request: nothing can have been published yet.
    New(Vec<Challenge>),
    /// The challenges made by an earlier request.
    Pending(Vec<Challenge>),
}

/// What a validated revocation waits for; the challenges are made on the first request.
fn revocation_challenges(ticket: &str, t: &mut Ticket) -> Result<Asked, CaError> {
    match t.status {
        StoredStatus::Revoked => return Ok(Asked::Done),
        StoredStatus::Issued { .. } => {}
        _ => {
            return Err(CaError::Refused(format!(
                "request {ticket} has no certificate to revoke"
            )));
        }
    }
    if !t.revocation.is_empty() {
        return Ok(Asked::Pending(t.revocation.clone()));
    }
    let mut challenges: Vec<Challenge> = Vec::new();
    for domain in &t.request.domains {
        if domain.parse::<std::net::IpAddr>().is_ok() {
            continue;
        }
        let base = domain.strip_prefix("*.").unwrap_or(domain);
        if challenges.iter().any(|c| c.domain() == base) {
            continue;
        }
        let mut value = [0u8; 16];
        getrandom::fill(&mut value).map_err(backend)?;
        challenges.push(Challenge::Dns {
            domain: base.to_owned(),
            record_type: DnsRecordType::Txt,
            host: format!("{REVOKE_LABEL}.{base}"),
            value: crate::hex::encode(&value),
            automatic: false,
        });
    }
    if challenges.is_empty() {
        // Nothing a DNS record can show (addresses only): revoked as asked.
        return revoke_ticket(ticket, t).map(|_| Asked::Done);
    }
    t.revocation = challenges.clone();
    Ok(Asked::New(challenges))
}

/// Every DNS challenge's TXT record is published (a lookup that fails is not yet published).
async fn published(resolver: &dyn DnsResolver, challenges: &[Challenge]) -> bool {
    for c in challenges {
        if let Challenge::Dns { host, value, .. } = c {
            match resolver.txt(host).await {
                Ok(values) if values.iter().any(|v| v == value) => {}
                _ => return false,
            }
        }
    }
    true
}

/// A CSR the CA refuses at once, as a CA's API does (or none).
fn refuse_at_once(request: &IssueRequest) -> Result<(), CaError> {
    Csr::parse(request.csr_pem.as_bytes())
        .map_err(|e| CaError::Refused(format!("the CSR: {e}")))?;
    if request.domains.is_empty() {
        return Err(CaError::Refused("no domain to certify".into()));
    }
    Ok(())
}

fn new_ticket_id(request: &IssueRequest) -> Result<String, CaError> {
    Ok(format!(
        "{}-{}",
        request.order_id,
        crate::hex::encode(&random_serial()?.as_bytes()[..6])
    ))
}

/// Runs blocking file work (and lock waits) off the async runtime.
async fn blocking<T: Send + 'static>(
    job: impl FnOnce() -> Result<T, CaError> + Send + 'static,
) -> Result<T, CaError> {
    tokio::task::spawn_blocking(job)
        .await
        .map_err(|e| backend(LedgerError(format!("the CA's task failed: {e}"))))?
}

/// Takes the directory's lock (released when the file is dropped).
fn lock_dir(dir: &Path) -> Result<std::fs::File, CaError> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join("lock"))
        .map_err(backend)?;
    file.lock().map_err(backend)?;
    Ok(file)
}

/// Writes `name` whole or not at all: a temporary file renamed over it.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), CaError> {
    let tmp = dir.join(format!(
        ".{name}.{}.tmp",
        crate::hex::encode(&random_serial()?.as_bytes()[..8])
    ));
    std::fs::write(&tmp, bytes).map_err(backend)?;
    std::fs::rename(&tmp, dir.join(name)).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        backend(e)
    })
}

/// A ticket's file, for a ticket this CA could have made (an order id and hex): anything
/// else (a path, say) is a ticket it does not have.
fn ticket_file(dir: &Path, ticket: &str) -> Result<PathBuf, CaError> {
    let well_formed = (1..=96).contains(&ticket.len())
        && ticket
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !well_formed {
        return Err(CaError::UnknownTicket(ticket.to_owned()));
    }
    Ok(dir.join("tickets").join(format!("{ticket}.json")))
}

fn read_ticket(dir: &Path, ticket: &str) -> Result<Ticket, CaError> {
    match std::fs::read(ticket_file(dir, ticket)?) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| backend(LedgerError(format!("ticket {ticket} does not read: {e}")))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(CaError::UnknownTicket(ticket.to_owned()))
        }
        Err(e) => Err(backend(e)),
    }
}

fn write_ticket(dir: &Path, ticket: &str, t: &Ticket) -> Result<(), CaError> {
    let json = serde_json::to_vec(t).map_err(backend)?;
    write_atomically(&dir.join("tickets"), &format!("{ticket}.json"), &json)
}

fn dir_submit(dir: &Path, request: IssueRequest, polls: u32) -> Result<String, CaError> {
    let _lock = lock_dir(dir)?;
    let key = crate::hex::encode(&sha2::Sha256::digest(request.idempotency_key.as_bytes()));
    let seen = dir.join("submitted").join(&key);
    let order = request.order_id.clone();
    let (ticket, made) = match std::fs::read_to_string(&seen) {
        Ok(ticket) => (ticket, "again"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let ticket = new_ticket_id(&request)?;
            write_ticket(
                dir,
                &ticket,
                &Ticket {
                    request,
                    polls_left: polls,
                    status: StoredStatus::Reviewing,
                    revocation: Vec::new(),
                },
            )?;
            write_atomically(&dir.join("submitted"), &key, ticket.as_bytes())?;
            (ticket, "new")
        }
        Err(e) => return Err(backend(e)),
    };
    let mut log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("submissions.log"))
        .map_err(backend)?;
    std::io::Write::write_all(&mut log, format!("{order}\t{ticket}\t{made}\n").as_bytes())
        .map_err(backend)?;
    Ok(ticket)
}

#[async_trait]
impl CertificateAuthority for LocalCa {
    async fn submit(&self, request: IssueRequest) -> Result<String, CaError> {
        refuse_at_once(&request)?;
        match &self.ledger {
            Ledger::Memory(ledger) => {
                // The key is looked up and the ticket recorded under one lock: two
                // submissions with one key make one request.
                let mut ledger = LocalCa::memory(ledger);
                if let Some(ticket) = ledger.submitted.get(&request.idempotency_key) {
                    return Ok(ticket.clone());
                }
                let ticket = new_ticket_id(&request)?;
                ledger
                    .submitted
                    .insert(request.idempotency_key.clone(), ticket.clone());
                ledger.tickets.insert(
                    ticket.clone(),
                    Ticket {
                        request,
                        polls_left: self.review.polls,
                        status: StoredStatus::Reviewing,
                        revocation: Vec::new(),
                    },
                );
                Ok(ticket)
            }
            Ledger::Dir(dir) => {
                let (dir, polls) = (dir.clone(), self.review.polls);
                blocking(move || dir_submit(&dir, request, polls)).await
            }
        }
    }

    async fn status(&self, ticket: &str) -> Result<CaStatus, CaError> {
        self.on_ticket(ticket, |issuer, review, _, t| {
            let reviewing = matches!(t.status, StoredStatus::Reviewing);
            Ok((issuer.poll(review, t)?, reviewing))
        })
        .await
    }

    async fn revoke(&self, ticket: &str) -> Result<Revocation, CaError> {
        let Some(resolver) = &self.revocation_dns else {
            return self.revoke_now(ticket).await;
        };
        let asked = self
            .on_ticket(ticket, |_, _, ticket, t| {
                let was_revoked = matches!(t.status, StoredStatus::Revoked);
                let asked = revocation_challenges(ticket, t)?;
                // Written back when challenges were made or the certificate revoked now.
                let changed = matches!(asked, Asked::New(_))
                    || (!was_revoked && matches!(t.status, StoredStatus::Revoked));
                Ok((asked, changed))
            })
            .await?;
        let challenges = match asked {
            Asked::Done => return Ok(Revocation::Revoked),
            Asked::New(challenges) => return Ok(Revocation::ValidationRequired(challenges)),
            Asked::Pending(challenges) => challenges,
        };
        // The lookups run outside the ledger's lock.
        if !published(resolver.as_ref(), &challenges).await {
            return Ok(Revocation::ValidationRequired(challenges));
        }
        self.revoke_now(ticket).await
    }

    fn root_pem(&self) -> Option<String> {
        Some(self.root_pem.clone())
    }
}
