//! A local CA (feature `local-ca`): a root and an intermediate made at start, issuing real
//! certificates for verified CSRs of every key spec, SM2 and P-521 included (the CSR's
//! SubjectPublicKeyInfo is certified as it is). Built on x509-cert's certificate builder and
//! signed by certdesk's own keys. OpenSSL verifies what it issues against the root.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use der::asn1::{BitString, GeneralizedTime, Ia5String, OctetString, UtcTime};
use der::{Decode, Encode};
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
    CaError, CaStatus, CertificateAuthority, IssueRequest, IssuedCertificate,
};
use crate::backend::{Clock, SystemClock};
use crate::csr::Csr;
use crate::key::{KeyKind, KeySpec, PrivateKey, SignatureAlgorithm};
use crate::order::ValidationType;
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

struct Ticket {
    request: IssueRequest,
    polls_left: u32,
    status: CaStatus,
}

/// Decides whether the CA's review refuses a request: the reason, or `None` to issue.
pub type ReviewRule = Box<dyn Fn(&IssueRequest) -> Option<String> + Send + Sync>;

/// A certificate authority in this process: a root and an intermediate, both generated when it
/// is made. Requests are reviewed for `review_polls` polls (none by default), then issued or
/// refused by the review rule.
pub struct LocalCa {
    name: String,
    root_pem: String,
    intermediate_name: Name,
    intermediate_key: PrivateKey,
    intermediate_pem: String,
    clock: Arc<dyn Clock>,
    review_polls: u32,
    review: Option<ReviewRule>,
    tickets: Mutex<HashMap<String, Ticket>>,
    /// Idempotency key -> the ticket it was given.
    submitted: Mutex<HashMap<String, String>>,
}

impl fmt::Debug for LocalCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalCa")
            .field("name", &self.name)
            .field("review_polls", &self.review_polls)
            .finish_non_exhaustive()
    }
}

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
            intermediate_name,
            intermediate_pem: pem_of(&intermediate)?,
            intermediate_key,
            clock,
            review_polls: 0,
            review: None,
            tickets: Mutex::new(HashMap::new()),
            submitted: Mutex::new(HashMap::new()),
        })
    }

    /// Keeps each request under review for `polls` status polls before deciding.
    pub fn with_review_polls(mut self, polls: u32) -> Self {
        self.review_polls = polls;
        self
    }

    /// Refuses the requests `rule` gives a reason for (an OV review that fails, say).
    pub fn with_review(mut self, rule: ReviewRule) -> Self {
        self.review = Some(rule);
        self
    }

    /// The root certificate, PEM: what a verifier trusts.
    pub fn root_pem(&self) -> &str {
        &self.root_pem
    }

    /// The intermediate certificate, PEM: what every issued chain holds.
    pub fn intermediate_pem(&self) -> &str {
        &self.intermediate_pem
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Ticket>> {
        self.tickets.lock().unwrap_or_else(|p| p.into_inner())
    }

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
}

#[async_trait]
impl CertificateAuthority for LocalCa {
    async fn submit(&self, request: IssueRequest) -> Result<String, CaError> {
        // A CSR that does not verify is refused at once, as a CA's API does.
        Csr::parse(request.csr_pem.as_bytes())
            .map_err(|e| CaError::Refused(format!("the CSR: {e}")))?;
        if request.domains.is_empty() {
            return Err(CaError::Refused("no domain to certify".into()));
        }
        // The key is looked up and the ticket recorded under one lock: two submissions with
        // one key make one request.
        let mut submitted = self.submitted.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(ticket) = submitted.get(&request.idempotency_key) {
            return Ok(ticket.clone());
        }
        let ticket = format!(
            "{}-{}",
            request.order_id,
            crate::hex::encode(&random_serial()?.as_bytes()[..6])
        );
        submitted.insert(request.idempotency_key.clone(), ticket.clone());
        self.lock().insert(
            ticket.clone(),
            Ticket {
                request,
                polls_left: self.review_polls,
                status: CaStatus::Reviewing,
            },
        );
        Ok(ticket)
    }

    async fn status(&self, ticket: &str) -> Result<CaStatus, CaError> {
        let mut tickets = self.lock();
        let t = tickets
            .get_mut(ticket)
            .ok_or_else(|| CaError::UnknownTicket(ticket.to_owned()))?;
        if t.status == CaStatus::Reviewing {
            if t.polls_left > 0 {
                t.polls_left -= 1;
                return Ok(CaStatus::Reviewing);
            }
            t.status = match self.review.as_ref().and_then(|rule| rule(&t.request)) {
                Some(reason) => CaStatus::Refused { reason },
                None => match self.issue(&t.request) {
                    Ok(cert) => CaStatus::Issued(cert),
                    Err(CaError::Refused(reason)) => CaStatus::Refused { reason },
                    Err(e) => return Err(e),
                },
            };
        }
        Ok(t.status.clone())
    }

    async fn revoke(&self, ticket: &str) -> Result<(), CaError> {
        let mut tickets = self.lock();
        let t = tickets
            .get_mut(ticket)
            .ok_or_else(|| CaError::UnknownTicket(ticket.to_owned()))?;
        match t.status {
            CaStatus::Issued(_) => {
                t.status = CaStatus::Revoked;
                Ok(())
            }
            CaStatus::Revoked => Ok(()),
            _ => Err(CaError::Refused(format!(
                "request {ticket} has no certificate to revoke"
            ))),
        }
    }
}
