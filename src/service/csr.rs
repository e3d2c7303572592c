//! `CsrService`: CSR records as the vendors' CSR consoles and APIs manage them.

use std::fmt;
use std::sync::Arc;

use zeroize::Zeroizing;

use crate::backend::BackendError;
use crate::backend::{
    Clock, CsrFilter, CsrPick, CsrRecord, CsrStatus, CsrStore, KeyVault, OrderStore, Page, Paged,
    Scope, SealedKey, StoreError, SystemClock, Tag,
};
use crate::csr::Csr;
use crate::csr::CsrQualifiedCode;
use crate::key::{KeyEncryption, KeyKind, Password, PrivateKey};
use crate::order::OrderState;
use crate::policy::ParamCode;
use crate::policy::PolicyCode;
use crate::policy::{CsrForm, Profile, Report, Violation};
use crate::service::cpu::CpuPool;
use crate::service::rate::{RateLimit, RateLimiter, admit};
use crate::service::{RetryPolicy, ServiceError};

/// At most this many records a listing page (bounded work; Tencent's `DescribeCSRSet` takes
/// at most 100, which its request type checks).
pub const MAX_PAGE: u64 = 1000;
/// At most this many ids in one batch delete (Tencent's `BatchDeleteCSR` limit).
pub const MAX_BATCH: usize = 100;
/// Remarks: at most this many characters.
const MAX_REMARK_CHARS: usize = 255;

/// A CSR to create: the form as typed, and what goes with the record.
#[derive(Clone, Debug, Default)]
pub struct NewCsr {
    /// What was typed.
    pub form: CsrForm,
    /// The private key's password: the key is kept and handed out encrypted under it.
    pub password: Option<Password>,
    /// Remarks.
    pub remark: Option<String>,
    /// Tags.
    pub tags: Vec<Tag>,
    /// Generate the CSR and key now; `false` keeps an editable draft (Tencent
    /// `Generate=false`).
    pub generate: bool,
}

/// A CSR made elsewhere, with or without its key.
#[derive(Clone, Debug, Default)]
pub struct Upload {
    /// The CSR, PEM or DER.
    pub csr: Vec<u8>,
    /// Its private key, PEM or DER, encrypted or not.
    pub key: Option<Zeroizing<Vec<u8>>>,
    /// The key's password, when the key is encrypted; the key is then kept and handed out
    /// encrypted under it.
    pub password: Option<Password>,
    /// The record's name.
    pub name: Option<String>,
}

/// A private key handed out: PKCS#8 PEM, encrypted when the record has a password.
#[derive(Clone)]
pub struct ExportedKey {
    /// The PEM text (`ENCRYPTED PRIVATE KEY` when `encrypted`).
    pub pem: Zeroizing<String>,
    /// Whether the PEM is password-encrypted.
    pub encrypted: bool,
}

impl fmt::Debug for ExportedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ExportedKey {{ encrypted: {}, pem: (redacted) }}",
            self.encrypted
        )
    }
}

/// What a batch delete did: the ids deleted, and why each other one was not.
#[derive(Clone, Debug, Default)]
pub struct BatchDeleted {
    /// Deleted, in the order given.
    pub deleted: Vec<u64>,
    /// Not deleted, with the reason.
    pub failed: Vec<(u64, ServiceError)>,
}

/// CSR management over any store: create (generate now or keep a draft), modify a draft,
/// generate it, upload, list, details, CSR and key retrieval, names, remarks, tags, delete.
///
/// Every call names the [`Scope`] (account and region) it acts for: another scope's record is
/// "not found". Keys are sealed by the [`KeyVault`] before they reach the store; a key with a
/// password is sealed as encrypted PKCS#8, so even the vault's holder needs the password.
pub struct CsrService {
    csrs: Arc<dyn CsrStore>,
    orders: Option<Arc<dyn OrderStore>>,
    vault: Arc<dyn KeyVault>,
    clock: Arc<dyn Clock>,
    limiter: Option<Arc<RateLimiter>>,
    encryption: KeyEncryption,
    retry: RetryPolicy,
    cpu: CpuPool,
}

impl fmt::Debug for CsrService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CsrService")
            .field("orders", &self.orders.is_some())
            .field("cpu_limit", &self.cpu.limit())
            .field("rate_limited", &self.limiter.is_some())
            .finish_non_exhaustive()
    }
}

fn algorithm_and_size(kind: KeyKind) -> (&'static str, u32) {
    match kind {
        KeyKind::Rsa { bits } => ("RSA", bits),
        KeyKind::Ec { curve } => ("ECC", u32::from(curve.bits())),
        KeyKind::Sm2 => ("SM2", 256),
    }
}

/// A sealing context from its fields, each length-prefixed so that no two different field
/// lists give the same bytes (`a/b` + `c` and `a` + `b/c` differ).
pub(crate) fn context(fields: &[&str]) -> Vec<u8> {
    let mut out = b"certdesk-context-v2".to_vec();
    for field in fields {
        let len = u32::try_from(field.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(field.as_bytes());
    }
    out
}

fn key_context(scope: &Scope, public_key_sha256: &str) -> Vec<u8> {
    context(&["csr-key", &scope.account, &scope.region, public_key_sha256])
}

fn password_context(scope: &Scope) -> Vec<u8> {
    context(&["csr-password", &scope.account, &scope.region])
}

/// The contexts of certdesk 0.1's first stores, read so that keys sealed then still open.
fn legacy_key_context(scope: &Scope, public_key_sha256: &str) -> Vec<u8> {
    format!(
        "certdesk/csr-key/{}/{}/{public_key_sha256}",
        scope.account, scope.region
    )
    .into_bytes()
}

fn legacy_password_context(scope: &Scope) -> Vec<u8> {
    format!("certdesk/csr-password/{}/{}", scope.account, scope.region).into_bytes()
}

/// The order file in which an issued order keeps its force-deleted CSR.
pub(crate) const KEPT_CSR_FILE: &str = "kept_csr";

/// How long an order's pick of a CSR ([`CsrRecord::picked`]) keeps the CSR from being deleted
/// while the order is being saved; once saved, the order itself keeps it until it is issued or
/// ended. A pick whose order was never saved (the application failed) lapses after this.
pub const CSR_PICK_HOLD: time::Duration = time::Duration::seconds(60);

/// A record with nothing in it yet but its owner, status and times.
fn blank_record(scope: &Scope, status: CsrStatus, now: time::OffsetDateTime) -> CsrRecord {
    CsrRecord {
        id: 0,
        scope: scope.clone(),
        version: 0,
        status,
        name: None,
        remark: None,
        tags: Vec::new(),
        form: None,
        csr_pem: None,
        common_name: None,
        sans: Vec::new(),
        algorithm: None,
        key_size: None,
        public_key_sha256: None,
        sealed_key: None,
        sealed_password: None,
        key_password_set: false,
        created_at: now,
        updated_at: now,
        picked: None,
    }
}

fn given(p: &Option<Password>) -> Option<&Password> {
    p.as_ref().filter(|p| !p.is_empty())
}

impl CsrService {
    /// A service over `csrs`, sealing keys with `vault`, on the system clock, without a rate
    /// limit and without an order store (so deletion does not look for orders using a CSR).
    pub fn new(csrs: Arc<dyn CsrStore>, vault: Arc<dyn KeyVault>) -> Self {
        CsrService {
            csrs,
            orders: None,
            vault,
            clock: Arc::new(SystemClock),
            limiter: None,
            encryption: KeyEncryption::default(),
            retry: RetryPolicy::default(),
            cpu: CpuPool::per_core(),
        }
    }

    /// Refuses to delete a CSR that an order of this store, not yet issued, uses.
    pub fn with_orders(mut self, orders: Arc<dyn OrderStore>) -> Self {
        self.orders = Some(orders);
        self
    }

    /// Uses this clock for timestamps and the rate limit.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        if let Some(l) = &self.limiter {
            self.limiter = Some(Arc::new(RateLimiter::new(l.limit(), self.clock.clone())));
        }
        self
    }

    /// Limits every call per account ([`RateLimit::TENCENT`]: 10 a second per API), each
    /// method and each vendor API counted on its own; a call over the limit is refused at once
    /// with [`ServiceError::RateLimited`] (never queued).
    pub fn with_rate_limit(mut self, limit: RateLimit) -> Self {
        self.limiter = Some(Arc::new(RateLimiter::new(limit, self.clock.clone())));
        self
    }

    /// How many times a write that meets a version conflict is tried ([`RetryPolicy::new`]
    /// by default).
    pub fn with_retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// How many CPU-heavy jobs (key generation, password-based key derivation, PKCS#12) run at
    /// once, each on Tokio's blocking threads so that the async runtime keeps answering
    /// (default: one per core; at least one).
    pub fn with_cpu_limit(mut self, jobs: usize) -> Self {
        self.cpu = CpuPool::new(jobs);
        self
    }

    pub(crate) fn cpu(&self) -> &CpuPool {
        &self.cpu
    }

    /// [`read_key`] on the CPU pool: decrypting a key costs what its encryption parameters
    /// say (capped, but up to a second).
    async fn read_key(
        &self,
        bytes: &[u8],
        password: Option<&Password>,
        csr: &Csr,
    ) -> Result<Result<PrivateKey, Violation>, ServiceError> {
        let (bytes, password, csr) = (
            Zeroizing::new(bytes.to_vec()),
            password.cloned(),
            csr.clone(),
        );
        self.cpu
            .run(move || read_key(&bytes, password.as_ref(), &csr))
            .await
    }

    /// How keys with a password are encrypted (scrypt by default).
    pub fn with_key_encryption(mut self, encryption: KeyEncryption) -> Self {
        self.encryption = encryption;
        self
    }

    /// The same service without the rate limit: for the calls one vendor API call makes,
    /// which [`CsrService::handle`] counts once, under the API's name.
    pub(crate) fn unlimited(&self) -> CsrService {
        CsrService {
            csrs: self.csrs.clone(),
            orders: self.orders.clone(),
            vault: self.vault.clone(),
            clock: self.clock.clone(),
            limiter: None,
            encryption: self.encryption,
            retry: self.retry.clone(),
            cpu: self.cpu.clone(),
        }
    }

    pub(crate) fn admit(&self, scope: &Scope, call: &'static str) -> Result<(), ServiceError> {
        admit(self.limiter.as_deref(), scope, call)
    }

    async fn get(&self, scope: &Scope, id: u64) -> Result<CsrRecord, ServiceError> {
        self.csrs.get_csr(scope, id).await.map_err(|e| match e {
            StoreError::NotFound { .. } => ServiceError::NotFound { id },
            other => ServiceError::Store(other),
        })
    }

    /// Reads, changes and writes a record, retrying when another writer got there first.
    async fn update_with<F>(
        &self,
        scope: &Scope,
        id: u64,
        mut change: F,
    ) -> Result<CsrRecord, ServiceError>
    where
        F: FnMut(&mut CsrRecord) -> Result<(), ServiceError>,
    {
        let mut last = None;
        for _ in 0..self.retry.attempts() {
            let mut record = self.get(scope, id).await?;
            change(&mut record)?;
            record.updated_at = self.clock.now();
            match self.csrs.update_csr(record).await {
                Ok(r) => return Ok(r),
                Err(e @ StoreError::Conflict { .. }) => last = Some(e),
                Err(StoreError::NotFound { .. }) => return Err(ServiceError::NotFound { id }),
                Err(e) => return Err(e.into()),
            }
        }
        Err(last.map_or(ServiceError::NotFound { id }, ServiceError::Store))
    }

    /// Creates a record: checks the form with `profile` (every violation at once), then
    /// generates the key and CSR now, or keeps the form as a draft.
    #[tracing::instrument(skip_all, fields(account = %scope.account))]
    pub async fn create(
        &self,
        scope: &Scope,
        profile: &Profile,
        new: NewCsr,
    ) -> Result<CsrRecord, ServiceError> {
        self.admit(scope, "create")?;
        let mut form = new.form;
        form.has_key_password = given(&new.password).is_some();
        let mut report = Report::default();
        report
            .violations
            .extend(remark_violations(new.remark.as_deref()));
        report.violations.extend(tag_violations(&new.tags));
        let checked = profile.check_form(&form);
        let request = match checked {
            Ok((request, _warnings)) if report.is_valid() => request,
            Ok(_) => return Err(ServiceError::Rules(report)),
            Err(mut r) => {
                r.violations.extend(report.violations);
                return Err(ServiceError::Rules(r));
            }
        };
        let now = self.clock.now();
        let mut record = CsrRecord {
            name: form.name.clone().filter(|n| !n.trim().is_empty()),
            remark: new.remark.filter(|r| !r.trim().is_empty()),
            tags: new.tags,
            common_name: form.common_name.as_deref().map(|c| c.trim().to_owned()),
            sans: form.sans.iter().map(|s| s.trim().to_owned()).collect(),
            key_password_set: form.has_key_password,
            ..blank_record(scope, CsrStatus::Draft, now)
        };
        if new.generate {
            let password = given(&new.password);
            self.fill_generated(&mut record, &request, password).await?;
        } else {
            if let Some(p) = given(&new.password) {
                record.sealed_password = Some(
                    self.vault
                        .seal(p.as_bytes(), &password_context(scope))
                        .await?,
                );
            }
            let spec = request.key_spec();
            let (algorithm, size) = algorithm_and_size(spec.kind());
            record.algorithm = Some(algorithm.to_owned());
            record.key_size = Some(size);
        }
        record.form = Some(form);
        Ok(self.csrs.insert_csr(record).await?)
    }

    /// Generates the key and CSR of a checked request into a record, sealing the key.
    async fn fill_generated(
        &self,
        record: &mut CsrRecord,
        request: &crate::CsrRequest,
        password: Option<&Password>,
    ) -> Result<(), ServiceError> {
        let request = request.clone();
        let (key, csr) = self
            .cpu
            .run(move || -> Result<_, ServiceError> {
                let key = PrivateKey::generate(request.key_spec())?;
                let csr = request.sign(&key)?;
                Ok((key, csr))
            })
            .await??;
        self.fill_from_csr(record, &csr, Some((&key, password)))
            .await?;
        record.status = CsrStatus::Generated;
        Ok(())
    }

    /// Sets what a record shows of a CSR, and seals its key when there is one.
    async fn fill_from_csr(
        &self,
        record: &mut CsrRecord,
        csr: &Csr,
        key: Option<(&PrivateKey, Option<&Password>)>,
    ) -> Result<(), ServiceError> {
        let info = csr.info();
        let (algorithm, size) = algorithm_and_size(info.key);
        let fingerprint = info.public_key_sha256.to_string();
        record.csr_pem = Some(csr.to_pem());
        record.common_name = info.subject.common_name().map(str::to_owned);
        record.sans = info.sans.iter().map(|s| s.to_string()).collect();
        record.algorithm = Some(algorithm.to_owned());
        record.key_size = Some(size);
        record.public_key_sha256 = Some(fingerprint.clone());
        record.sealed_password = None;
        if let Some((key, password)) = key {
            self.seal_key(record, key, password, &fingerprint).await?;
        }
        Ok(())
    }

    async fn seal_key(
        &self,
        record: &mut CsrRecord,
        key: &PrivateKey,
        password: Option<&Password>,
        fingerprint: &str,
    ) -> Result<(), ServiceError> {
        let context = key_context(&record.scope, fingerprint);
        let sealed = match password {
            Some(p) => {
                // The key moves to the blocking thread as PKCS#8 (zeroized on both sides).
                let (der, p, encryption) = (key.to_pkcs8_der()?, p.clone(), self.encryption);
                let pem = self
                    .cpu
                    .run(move || -> Result<_, ServiceError> {
                        let key = PrivateKey::from_pkcs8_der(&der)?;
                        Ok(Zeroizing::new(key.to_encrypted_pkcs8_pem(&p, encryption)?))
                    })
                    .await??;
                self.vault.seal(pem.as_bytes(), &context).await?
            }
            None => self.vault.seal(&key.to_pkcs8_der()?, &context).await?,
        };
        record.sealed_key = Some(sealed);
        record.key_password_set = password.is_some();
        Ok(())
    }

    /// Replaces a draft's form (and its password, when `password` is `Some`), then generates
    /// it when `generate` is set. Generated and uploaded records cannot be modified.
    #[tracing::instrument(skip_all, fields(account = %scope.account))]
    pub async fn modify(
        &self,
        scope: &Scope,
        id: u64,
        profile: &Profile,
        form: CsrForm,
        password: Option<Password>,
        generate: bool,
    ) -> Result<CsrRecord, ServiceError> {
        self.admit(scope, "modify")?;
        let draft = self.get(scope, id).await?;
        if draft.status != CsrStatus::Draft {
            return Err(ServiceError::Immutable {
                id,
                status: draft.status,
            });
        }
        // The password: the new one, else the draft's.
        let password = match given(&password) {
            Some(p) => Some(p.clone()),
            None => match &draft.sealed_password {
                Some(sealed) => Some(self.open_password(scope, sealed).await?),
                None => None,
            },
        };
        let mut form = form;
        form.has_key_password = password.is_some();
        let request = profile.check_form(&form).map_err(ServiceError::Rules)?.0;
        let mut record = draft;
        record.name = form.name.clone().filter(|n| !n.trim().is_empty());
        record.common_name = form.common_name.as_deref().map(|c| c.trim().to_owned());
        record.sans = form.sans.iter().map(|s| s.trim().to_owned()).collect();
        record.key_password_set = password.is_some();
        record.updated_at = self.clock.now();
        if generate {
            self.fill_generated(&mut record, &request, password.as_ref())
                .await?;
        } else {
            record.sealed_password = match &password {
                Some(p) => Some(
                    self.vault
                        .seal(p.as_bytes(), &password_context(scope))
                        .await?,
                ),
                None => None,
            };
            let (algorithm, size) = algorithm_and_size(request.key_spec().kind());
            record.algorithm = Some(algorithm.to_owned());
            record.key_size = Some(size);
        }
        record.form = Some(form);
        self.csrs.update_csr(record).await.map_err(|e| match e {
            StoreError::NotFound { .. } => ServiceError::NotFound { id },
            other => ServiceError::Store(other),
        })
    }

    /// Generates a draft as it stands (Tencent `ModifyCSR` with only `Generate=true`).
    #[tracing::instrument(skip_all, fields(account = %scope.account))]
    pub async fn generate(
        &self,
        scope: &Scope,
        id: u64,
        profile: &Profile,
    ) -> Result<CsrRecord, ServiceError> {
        let draft = self.get(scope, id).await?;
        let form = draft.form.clone().unwrap_or_default();
        self.modify(scope, id, profile, form, None, true).await
    }

    async fn open_password(
        &self,
        scope: &Scope,
        sealed: &SealedKey,
    ) -> Result<Password, ServiceError> {
        let bytes = match self.vault.open(sealed, &password_context(scope)).await {
            Ok(bytes) => bytes,
            Err(StoreError::Vault(_)) => {
                self.vault
                    .open(sealed, &legacy_password_context(scope))
                    .await?
            }
            Err(e) => return Err(e.into()),
        };
        Ok(Password::new(bytes.to_vec()))
    }

    /// Keeps a CSR made elsewhere (Alibaba `UploadCsr`): parsed and verified, checked by
    /// `profile`, its key (when given) read and matched against the CSR.
    #[tracing::instrument(skip_all, fields(account = %scope.account))]
    pub async fn upload(
        &self,
        scope: &Scope,
        profile: &Profile,
        upload: Upload,
    ) -> Result<CsrRecord, ServiceError> {
        self.admit(scope, "upload")?;
        let mut report = Report::default();
        if let Some(name) = &upload.name {
            report.violations.extend(profile.check_name(name));
        }
        let csr = match Csr::parse(&upload.csr) {
            Ok(csr) => Some(csr),
            Err(e) => {
                report
                    .violations
                    .push(Violation::error("csr", e.qualified_code(), e.to_string()));
                None
            }
        };
        if let Some(csr) = &csr {
            report
                .violations
                .extend(profile.check_csr(csr.info()).violations);
        }
        let key = match (&upload.key, &csr) {
            (Some(bytes), Some(csr)) => {
                match self.read_key(bytes, upload.password.as_ref(), csr).await? {
                    Ok(key) => Some(key),
                    Err(v) => {
                        report.violations.push(v);
                        None
                    }
                }
            }
            _ => None,
        };
        if !report.is_valid() {
            return Err(ServiceError::Rules(report));
        }
        let Some(csr) = csr else {
            return Err(ServiceError::rule(
                "csr",
                CsrQualifiedCode::Empty,
                "no CSR was given",
            ));
        };
        let now = self.clock.now();
        let mut record = CsrRecord {
            name: upload.name.filter(|n| !n.trim().is_empty()),
            ..blank_record(scope, CsrStatus::Uploaded, now)
        };
        let password = given(&upload.password);
        self.fill_from_csr(&mut record, &csr, key.as_ref().map(|k| (k, password)))
            .await?;
        Ok(self.csrs.insert_csr(record).await?)
    }

    /// Adds or replaces the key of an uploaded CSR (Alibaba `UpdateCsr`); the key must be the
    /// CSR's.
    #[tracing::instrument(skip_all, fields(account = %scope.account))]
    pub async fn set_key(
        &self,
        scope: &Scope,
        id: u64,
        key: &[u8],
        password: Option<&Password>,
    ) -> Result<CsrRecord, ServiceError> {
        self.admit(scope, "set_key")?;
        let record = self.get(scope, id).await?;
        if record.status != CsrStatus::Uploaded {
            return Err(ServiceError::Immutable {
                id,
                status: record.status,
            });
        }
        let csr =
            Csr::parse(record.csr_pem.as_deref().unwrap_or_default().as_bytes()).map_err(|e| {
                StoreError::Backend(BackendError::context(
                    format!("stored CSR {id} does not parse"),
                    e,
                ))
            })?;
        let key = self.read_key(key, password, &csr).await?.map_err(|v| {
            ServiceError::Rules(Report {
                violations: vec![v],
                also_covers: Vec::new(),
            })
        })?;
        let fingerprint = csr.info().public_key_sha256.to_string();
        let password = password.filter(|p| !p.is_empty());
        let mut sealed = record.clone();
        self.seal_key(&mut sealed, &key, password, &fingerprint)
            .await?;
        self.update_with(scope, id, |r| {
            if r.status != CsrStatus::Uploaded {
                return Err(ServiceError::Immutable {
                    id,
                    status: r.status,
                });
            }
            r.sealed_key = sealed.sealed_key.clone();
            r.key_password_set = sealed.key_password_set;
            Ok(())
        })
        .await
    }

    /// A page of the scope's records (at most 100), oldest first.
    #[tracing::instrument(skip_all, fields(account = %scope.account))]
    pub async fn list(
        &self,
        scope: &Scope,
        filter: &CsrFilter,
        page: Page,
    ) -> Result<Paged<CsrRecord>, ServiceError> {
        self.admit(scope, "list")?;
        check_page(page, "records")?;
        Ok(self.csrs.list_csrs(scope, filter, page).await?)
    }

    /// A record (its key stays sealed).
    #[tracing::instrument(skip_all, fields(account = %scope.account))]
    pub async fn details(&self, scope: &Scope, id: u64) -> Result<CsrRecord, ServiceError> {
        self.admit(scope, "details")?;
        self.get(scope, id).await
    }

    /// The CSR, PEM.
    #[tracing::instrument(skip_all, fields(account = %scope.account))]
    pub async fn csr_pem(&self, scope: &Scope, id: u64) -> Result<String, ServiceError> {
        self.admit(scope, "csr_pem")?;
        let record = self.get(scope, id).await?;
        record.csr_pem.ok_or(ServiceError::NotGenerated { id })
    }

    /// The private key, an explicit call: PKCS#8 PEM, encrypted under the record's password
    /// when it has one (the password itself is never handed out).
    #[tracing::instrument(skip_all, fields(account = %scope.account))]
    pub async fn private_key(&self, scope: &Scope, id: u64) -> Result<ExportedKey, ServiceError> {
        self.admit(scope, "private_key")?;
        let record = self.get(scope, id).await?;
        if record.status == CsrStatus::Draft {
            return Err(ServiceError::NotGenerated { id });
        }
        self.open_key(&record)
            .await?
            .ok_or(ServiceError::NoKey { id })
    }

    /// The key of a record already read (no second read of the store): `None` when it has
    /// none (a draft or an upload without its key).
    pub(crate) async fn open_key(
        &self,
        record: &CsrRecord,
    ) -> Result<Option<ExportedKey>, ServiceError> {
        let id = record.id;
        let Some(sealed) = record.sealed_key.as_ref() else {
            return Ok(None);
        };
        let fingerprint = record.public_key_sha256.clone().unwrap_or_default();
        let opened = match self
            .vault
            .open(sealed, &key_context(&record.scope, &fingerprint))
            .await
        {
            Ok(opened) => opened,
            Err(StoreError::Vault(_)) => {
                self.vault
                    .open(sealed, &legacy_key_context(&record.scope, &fingerprint))
                    .await?
            }
            Err(e) => return Err(e.into()),
        };
        if record.key_password_set {
            let pem = String::from_utf8(opened.to_vec())
                .map_err(|_| StoreError::Vault(format!("the sealed key of CSR {id} is not PEM")))?;
            Ok(Some(ExportedKey {
                pem: Zeroizing::new(pem),
                encrypted: true,
            }))
        } else {
            let key = PrivateKey::from_pkcs8_der(&opened)?;
            Ok(Some(ExportedKey {
                pem: key.to_pkcs8_pem()?,
                encrypted: false,
            }))
        }
    }

    /// Sets or clears the remarks.
    #[tracing::instrument(skip_all, fields(account = %scope.account))]
    pub async fn set_remark(
        &self,
        scope: &Scope,
        id: u64,
        remark: Option<String>,
    ) -> Result<CsrRecord, ServiceError> {
        self.admit(scope, "set_remark")?;
        let found = remark_violations(remark.as_deref());
        if !found.is_empty() {
            return Err(ServiceError::Rules(Report {
                violations: found,
                also_covers: Vec::new(),
            }));
        }
        let remark = remark.filter(|r| !r.trim().is_empty());
        self.update_with(scope, id, |r| {
            r.remark = remark.clone();
            Ok(())
        })
        .await
    }

    /// Sets or clears the name, checked by the profile's name rule.
    #[tracing::instrument(skip_all, fields(account = %scope.account))]
    pub async fn set_name(
        &self,
        scope: &Scope,
        id: u64,
        profile: &Profile,
        name: Option<String>,
    ) -> Result<CsrRecord, ServiceError> {
        self.admit(scope, "set_name")?;
        if let Some(n) = &name {
            let found = profile.check_name(n);
            if !found.is_empty() {
                return Err(ServiceError::Rules(Report {
                    violations: found,
                    also_covers: Vec::new(),
                }));
            }
        }
        let name = name.filter(|n| !n.trim().is_empty());
        self.update_with(scope, id, |r| {
            r.name = name.clone();
            if let Some(form) = &mut r.form {
                form.name = name.clone();
            }
            Ok(())
        })
        .await
    }

    /// Replaces the tags.
    #[tracing::instrument(skip_all, fields(account = %scope.account))]
    pub async fn set_tags(
        &self,
        scope: &Scope,
        id: u64,
        tags: Vec<Tag>,
    ) -> Result<CsrRecord, ServiceError> {
        self.admit(scope, "set_tags")?;
        let found = tag_violations(&tags);
        if !found.is_empty() {
            return Err(ServiceError::Rules(Report {
                violations: found,
                also_covers: Vec::new(),
            }));
        }
        self.update_with(scope, id, |r| {
            r.tags = tags.clone();
            Ok(())
        })
        .await
    }

    /// Deletes a record, unless an order not yet issued uses it.
    #[tracing::instrument(skip_all, fields(account = %scope.account))]
    pub async fn delete(&self, scope: &Scope, id: u64) -> Result<(), ServiceError> {
        self.admit(scope, "delete")?;
        self.delete_one(scope, id).await
    }

    async fn delete_one(&self, scope: &Scope, id: u64) -> Result<(), ServiceError> {
        let record = self.get(scope, id).await?;
        if let Some(orders) = &self.orders {
            let holders = self.holders(orders.as_ref(), &record).await?;
            if !holders.is_empty() {
                return Err(ServiceError::InUse {
                    id,
                    orders: holders,
                });
            }
        }
        self.delete_at_version(&record).await
    }

    /// The orders that hold a record: those that name it ([`OrderStore::orders_using_csr`]),
    /// and one that picked it a moment ago and may not be saved yet (until it names the CSR,
    /// or [`CSR_PICK_HOLD`] lapses).
    async fn holders(
        &self,
        orders: &dyn OrderStore,
        record: &CsrRecord,
    ) -> Result<Vec<String>, ServiceError> {
        let id = record.id.to_string();
        let mut using = orders.orders_using_csr(&record.scope, &id).await?;
        if let Some(pick) = &record.picked
            && self.clock.now() - pick.at < CSR_PICK_HOLD
            && !using.contains(&pick.order_id)
        {
            let saved = match orders.get_order(&record.scope, &pick.order_id).await {
                Ok(order) => order.csr().is_some_and(|c| c.id == id),
                Err(StoreError::NotFound { .. }) => false,
                Err(e) => return Err(e.into()),
            };
            if !saved {
                using.push(pick.order_id.clone());
            }
        }
        Ok(using)
    }

    /// Deletes a record at the version read: a pick or change since then is a conflict.
    async fn delete_at_version(&self, record: &CsrRecord) -> Result<(), ServiceError> {
        let id = record.id;
        self.csrs
            .delete_csr(&record.scope, id, Some(record.version))
            .await
            .map_err(|e| match e {
                StoreError::NotFound { .. } => ServiceError::NotFound { id },
                other => ServiceError::Store(other),
            })
    }

    /// Deletes a record that issued orders still hold (the console warns "do not delete the
    /// corresponding CSR"): each such order keeps a copy of the CSR and its sealed key, so its
    /// downloads still work; renewal then needs a new CSR. Open orders (not yet issued) still
    /// refuse it: their issuance needs the record. Returns the orders that kept a copy.
    #[tracing::instrument(skip_all, fields(account = %scope.account))]
    pub async fn force_delete(&self, scope: &Scope, id: u64) -> Result<Vec<String>, ServiceError> {
        self.admit(scope, "force_delete")?;
        let record = self.get(scope, id).await?;
        let Some(orders) = &self.orders else {
            self.delete_at_version(&record).await?;
            return Ok(Vec::new());
        };
        let mut open = Vec::new();
        let mut issued = Vec::new();
        for order_id in self.holders(orders.as_ref(), &record).await? {
            let holds_certificate = match orders.get_order(scope, &order_id).await {
                Ok(order) => matches!(order.state(), OrderState::Issued | OrderState::Revoking),
                // A pick whose order is not saved yet.
                Err(StoreError::NotFound { .. }) => false,
                Err(e) => return Err(e.into()),
            };
            if holds_certificate {
                issued.push(order_id);
            } else {
                open.push(order_id);
            }
        }
        if !open.is_empty() {
            return Err(ServiceError::InUse { id, orders: open });
        }
        let copy = serde_json::to_vec(&record)
            .map_err(|e| StoreError::Backend(BackendError::context("CSR copy", e)))?;
        for order_id in &issued {
            orders
                .put_order_file(scope, order_id, KEPT_CSR_FILE, &copy)
                .await?;
        }
        self.delete_at_version(&record).await?;
        Ok(issued)
    }

    /// The key of a record an order kept when its CSR was force-deleted.
    pub(crate) async fn kept_key(
        &self,
        orders: &dyn OrderStore,
        scope: &Scope,
        order_id: &str,
    ) -> Result<Option<ExportedKey>, ServiceError> {
        let Some(bytes) = orders
            .get_order_file(scope, order_id, KEPT_CSR_FILE)
            .await?
        else {
            return Ok(None);
        };
        let record: CsrRecord = serde_json::from_slice(&bytes)
            .map_err(|e| StoreError::Backend(BackendError::context("kept CSR copy", e)))?;
        if record.scope != *scope {
            return Ok(None);
        }
        self.open_key(&record).await
    }

    /// Marks the record as picked by order `order_id` (see [`CsrRecord::picked`]), after
    /// `check` accepts the record as read; returns what `check` made of it. The record `check`
    /// saw is the one marked: another writer in between means reading and checking again.
    pub(crate) async fn pick<T>(
        &self,
        scope: &Scope,
        id: u64,
        order_id: &str,
        check: impl Fn(&CsrRecord) -> Result<T, ServiceError>,
    ) -> Result<T, ServiceError> {
        let mut last = None;
        for _ in 0..self.retry.attempts() {
            let mut record = self.get(scope, id).await?;
            let made = check(&record)?;
            record.picked = Some(CsrPick {
                order_id: order_id.to_owned(),
                at: self.clock.now(),
            });
            match self.csrs.update_csr(record).await {
                Ok(_) => return Ok(made),
                Err(e @ StoreError::Conflict { .. }) => last = Some(e),
                Err(StoreError::NotFound { .. }) => return Err(ServiceError::NotFound { id }),
                Err(e) => return Err(e.into()),
            }
        }
        Err(last.map_or(ServiceError::NotFound { id }, ServiceError::Store))
    }

    /// Deletes up to 100 records; reports which were deleted and why the others were not.
    #[tracing::instrument(skip_all, fields(account = %scope.account))]
    pub async fn batch_delete(
        &self,
        scope: &Scope,
        ids: &[u64],
    ) -> Result<BatchDeleted, ServiceError> {
        self.admit(scope, "batch_delete")?;
        if ids.is_empty() || ids.len() > MAX_BATCH {
            return Err(ServiceError::rule(
                "ids",
                ParamCode::CsrIdTooMany,
                format!("give 1 to {MAX_BATCH} ids, not {}", ids.len()),
            ));
        }
        let mut done = BatchDeleted::default();
        for &id in ids {
            if done.deleted.contains(&id) {
                continue;
            }
            match self.delete_one(scope, id).await {
                Ok(()) => done.deleted.push(id),
                Err(e) => done.failed.push((id, e)),
            }
        }
        Ok(done)
    }
}

/// Refuses a page size outside 1 to [`MAX_PAGE`]; `what` names the items in the message.
pub(crate) fn check_page(page: Page, what: &str) -> Result<(), ServiceError> {
    if page.limit == 0 || page.limit > MAX_PAGE {
        return Err(ServiceError::rule(
            "limit",
            ParamCode::PageLimitOutOfRange,
            format!("a page holds 1 to {MAX_PAGE} {what}, not {}", page.limit),
        ));
    }
    Ok(())
}

/// Reads a key (decrypting it with the password when it is encrypted) and checks that it is
/// the CSR's.
fn read_key(bytes: &[u8], password: Option<&Password>, csr: &Csr) -> Result<PrivateKey, Violation> {
    let key = match password.filter(|p| !p.is_empty()) {
        Some(p) => PrivateKey::from_pem_or_der_with_password(bytes, p),
        None => PrivateKey::from_pem_or_der(bytes),
    }
    .map_err(|e| Violation::error("key", e.code(), e.to_string()))?;
    if csr.matches_key(&key) {
        Ok(key)
    } else {
        Err(Violation::error(
            "key",
            PolicyCode::KeyMismatch,
            "the private key is not the key of this CSR",
        ))
    }
}

fn remark_violations(remark: Option<&str>) -> Vec<Violation> {
    let Some(remark) = remark else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let len = remark.chars().count();
    if len > MAX_REMARK_CHARS {
        found.push(Violation::error(
            "remark",
            ParamCode::RemarkTooLong,
            format!("the remarks are {len} characters; at most {MAX_REMARK_CHARS} are kept"),
        ));
    }
    if remark.chars().any(|c| c.is_control() && c != '\n') {
        found.push(Violation::error(
            "remark",
            ParamCode::RemarkControlCharacter,
            "the remarks hold a control character",
        ));
    }
    found
}

fn tag_violations(tags: &[Tag]) -> Vec<Violation> {
    crate::policy::check_tags(tags.iter().map(|t| (t.key.as_str(), t.value.as_str())))
}
