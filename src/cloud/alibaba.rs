//! Alibaba Cloud Certificate Management Service (CAS API 2020-04-07): `CreateCsr`, `UploadCsr`,
//! `ListCsr`, `GetCsrDetail`, `UpdateCsr` and `DeleteCsr`, with their parameter names.
//!
//! Alibaba's RPC-style API passes every value as text, so numbers (`KeySize`, `CsrId`, paging)
//! are read from a JSON number or a string of digits. Errors use Alibaba's common codes:
//! `MissingParameter` for a required parameter not given, `InvalidParameter` for the rest, with
//! HTTP status 400.

use serde::{Deserialize, Deserializer};

mod orders;
pub use orders::*;

use crate::cloud::{
    AlibabaErrorCode, ErrorCodes, Validation, Vendor, VendorError, algorithm_filter, conclude,
    decode, given, missing, rename, split,
};
use crate::csr::{Csr, CsrRequest};
use crate::key::KeySpecCode;
use crate::key::{KeySpec, PrivateKey, SecretText};
use crate::policy::ParamCode;
use crate::policy::PolicyCode;
use crate::policy::{CsrForm, Profile, Report, Violation};

/// The largest `ShowSize` certdesk reads (Alibaba documents a default of 50 and no maximum;
/// certdesk bounds the work a request can ask for).
pub const MAX_SHOW_SIZE: u64 = 1000;

pub(crate) const CODES: ErrorCodes = ErrorCodes {
    vendor: Vendor::Alibaba,
    rows: &[
        (
            ParamCode::JsonMissingParameter.as_str(),
            AlibabaErrorCode::MissingParameter.to_code(),
        ),
        (
            PolicyCode::SubjectRequired.as_str(),
            AlibabaErrorCode::MissingParameter.to_code(),
        ),
    ],
    fallback: AlibabaErrorCode::InvalidParameter.to_code(),
    http_status: 400,
};

const CREATE_NAMES: &[(&str, &str)] = &[
    ("subject.common_name", "CommonName"),
    ("subject.country", "CountryCode"),
    ("subject.state", "Province"),
    ("subject.locality", "Locality"),
    ("subject.organization", "CorpName"),
    ("subject.organizational_unit", "Department"),
    ("sans", "Sans"),
    ("key", "KeySize"),
    ("key.algorithm", "Algorithm"),
    ("name", "Name"),
];

/// A number Alibaba's RPC API may send as text.
pub(crate) fn number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Number(u64),
        Text(String),
    }
    match Option::<Raw>::deserialize(d)? {
        None => Ok(None),
        Some(Raw::Number(n)) => Ok(Some(n)),
        Some(Raw::Text(t)) if t.trim().is_empty() => Ok(None),
        Some(Raw::Text(t)) => t.trim().parse().map(Some).map_err(|_| {
            serde::de::Error::custom(format!("invalid type: {t:?} is not a whole number"))
        }),
    }
}

/// `CreateCsr`: generate a CSR and its key.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreateCsrRequest {
    /// `RSA`, `ECC` or `SM2`. Required.
    pub algorithm: Option<String>,
    /// RSA 2048/3072/4096; ECC and SM2 256. Required.
    #[serde(default, deserialize_with = "number")]
    pub key_size: Option<u64>,
    /// The main domain (CN). Required.
    pub common_name: Option<String>,
    /// Further domains, separated by commas.
    pub sans: Option<String>,
    /// ISO 3166-1 alpha-2 code (C). Required.
    pub country_code: Option<String>,
    /// Province (ST). Required.
    pub province: Option<String>,
    /// City (L). Required.
    pub locality: Option<String>,
    /// Company (O).
    pub corp_name: Option<String>,
    /// Department (OU).
    pub department: Option<String>,
    /// The CSR's name: at most 50 of `A-Za-z0-9_.-`.
    pub name: Option<String>,
}

impl CreateCsrRequest {
    /// Reads a request body.
    pub fn from_json(body: &[u8]) -> Result<Self, VendorError> {
        decode(body).map_err(|v| CODES.single(v))
    }

    /// The neutral form, and the violations of the key pair.
    pub fn to_form(&self) -> (CsrForm, Vec<Violation>) {
        let mut found = Vec::new();
        let key = match (given(&self.algorithm), self.key_size) {
            (None, size) => {
                found.push(missing("Algorithm"));
                if size.is_none() {
                    found.push(missing("KeySize"));
                }
                None
            }
            (Some(_), None) => {
                found.push(missing("KeySize"));
                None
            }
            (Some(algo), Some(size)) => match u32::try_from(size) {
                Err(_) => {
                    found.push(Violation::error(
                        "KeySize",
                        KeySpecCode::UnknownStrength,
                        format!("{size} is not a key size"),
                    ));
                    None
                }
                Ok(bits) => match KeySpec::from_alibaba(algo, bits) {
                    Ok(spec) => Some(spec),
                    Err(e) => {
                        found.push(key_violation(&e));
                        None
                    }
                },
            },
        };
        let form = CsrForm {
            common_name: self.common_name.clone(),
            country: self.country_code.clone(),
            state: self.province.clone(),
            locality: self.locality.clone(),
            organization: self.corp_name.clone(),
            organizational_unit: self.department.clone(),
            sans: split_sans(self.sans.as_deref()),
            key: key.map(|k| k.name().to_owned()),
            name: self.name.clone(),
            ..CsrForm::default()
        };
        (form, found)
    }

    /// Checks the request against [`Profile::alibaba_create_csr`].
    pub fn check(&self) -> Result<(CsrRequest, Report), VendorError> {
        self.check_with(&Profile::alibaba_create_csr())
    }

    /// Checks the request against a profile ([`Profile::alibaba_console`] for the console's
    /// wider key choice).
    pub fn check_with(&self, profile: &Profile) -> Result<(CsrRequest, Report), VendorError> {
        let (form, found) = self.to_form();
        let (request, report) = split(profile.check_form(&form));
        conclude(request, merge(report, found), &CODES)
    }

    /// Validates a request body.
    pub fn validate_body(body: &[u8]) -> Validation {
        match decode::<CreateCsrRequest>(body) {
            Ok(req) => {
                let (form, found) = req.to_form();
                let (_, report) = split(Profile::alibaba_create_csr().check_form(&form));
                let report = merge(report, found);
                Validation::new(report, &CODES)
            }
            Err(v) => Validation::from_violation(v, &CODES),
        }
    }
}

/// Splits `Sans` on commas (the ASCII one and the full-width `，` people type in Chinese
/// input methods), dropping blanks.
fn split_sans(sans: Option<&str>) -> Vec<String> {
    sans.map(|s| {
        s.split([',', '，'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    })
    .unwrap_or_default()
}

fn key_violation(e: &crate::key::KeySpecError) -> Violation {
    let field = if e.code() == KeySpecCode::UnknownAlgorithm {
        "Algorithm"
    } else {
        "KeySize"
    };
    Violation::error(field, e.code(), e.to_string())
}

fn merge(mut report: Report, found: Vec<Violation>) -> Report {
    rename(&mut report, CREATE_NAMES, |_| "Sans".to_owned());
    let mut violations = found;
    for mut v in report.violations {
        if v.code == PolicyCode::KeyNotOffered
            && let Some(spec) = v
                .suggestion
                .as_deref()
                .and_then(|s| s.parse::<KeySpec>().ok())
        {
            let (algo, size) = spec.alibaba_params();
            v.suggestion = Some(format!("{algo} {size}"));
        }
        violations.push(v);
    }
    report.violations = violations;
    report
}

/// `UploadCsr`: keep a CSR made elsewhere, with or without its key.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct UploadCsrRequest {
    /// The CSR, PEM. Required.
    pub csr: Option<String>,
    /// Its private key, PEM.
    pub key: Option<SecretText>,
    /// The CSR's name: at most 50 of `A-Za-z0-9_-` (no period).
    pub name: Option<String>,
}

impl UploadCsrRequest {
    /// Reads a request body.
    pub fn from_json(body: &[u8]) -> Result<Self, VendorError> {
        decode(body).map_err(|v| CODES.single(v))
    }

    /// Parses and verifies the CSR, checks it against [`Profile::alibaba_upload_csr`], reads
    /// the key and checks that it is the CSR's, and checks the name. Returns the CSR, the key
    /// when one was given, and the report.
    pub fn check(&self) -> Result<(Csr, Option<PrivateKey>, Report), VendorError> {
        let (parsed, report) = self.inspect();
        match (CODES.error(&report.violations), parsed) {
            (None, Some((csr, key))) => Ok((csr, key, report)),
            (Some(e), _) => Err(e),
            (None, None) => Err(CODES.single(missing("Csr"))),
        }
    }

    fn inspect(&self) -> (Option<(Csr, Option<PrivateKey>)>, Report) {
        let profile = Profile::alibaba_upload_csr();
        let mut report = Report::default();
        if let Some(name) = &self.name {
            report.violations.extend(profile.check_name(name));
        }
        report.rename_fields(|f| (f == "name").then(|| "Name".to_owned()));
        let Some(text) = given(&self.csr) else {
            report.violations.insert(0, missing("Csr"));
            return (None, report);
        };
        let csr = match Csr::parse(text.as_bytes()) {
            Ok(csr) => csr,
            Err(e) => {
                report.violations.insert(
                    0,
                    Violation::error("Csr", e.qualified_code(), e.to_string()),
                );
                return (None, report);
            }
        };
        let mut content = profile.check_csr(csr.info());
        // The CSR is one parameter: name the part of it each violation is about.
        for v in &mut content.violations {
            v.message = format!("{}: {}", v.field, v.message);
            v.field = "Csr".to_owned();
        }
        let mut violations = content.violations;
        let key = match self.key.as_ref().filter(|k| !k.is_blank()) {
            None => None,
            Some(pem) => match PrivateKey::from_pem_or_der(pem.expose().as_bytes()) {
                Ok(key) if csr.matches_key(&key) => Some(key),
                Ok(_) => {
                    violations.push(Violation::error(
                        "Key",
                        PolicyCode::KeyMismatch,
                        "the private key is not the key of this CSR",
                    ));
                    None
                }
                Err(e) => {
                    violations.push(Violation::error("Key", e.code(), e.to_string()));
                    None
                }
            },
        };
        violations.append(&mut report.violations);
        report.violations = violations;
        (Some((csr, key)), report)
    }

    /// Validates a request body.
    pub fn validate_body(body: &[u8]) -> Validation {
        match decode::<UploadCsrRequest>(body) {
            Ok(req) => Validation::new(req.inspect().1, &CODES),
            Err(v) => Validation::from_violation(v, &CODES),
        }
    }
}

/// `ListCsr`: a page of CSRs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ListCsrRequest {
    /// Only CSRs whose common name or name holds this.
    pub key_word: Option<String>,
    /// Only CSRs with this algorithm (`RSA`, `ECC`, `SM2`).
    pub algorithm: Option<String>,
    /// The page, from 1.
    #[serde(default, deserialize_with = "number")]
    pub current_page: Option<u64>,
    /// Records per page, 50 by default.
    #[serde(default, deserialize_with = "number")]
    pub show_size: Option<u64>,
}

impl ListCsrRequest {
    /// The page asked for, 1 when not given.
    pub fn current_page(&self) -> u64 {
        self.current_page.unwrap_or(1)
    }

    /// The page size asked for, 50 when not given.
    pub fn show_size(&self) -> u64 {
        self.show_size.unwrap_or(50)
    }

    /// Checks the paging and filter values.
    pub fn check(&self) -> Report {
        let mut found = Vec::new();
        if self.current_page == Some(0) {
            found.push(Violation::error(
                "CurrentPage",
                ParamCode::PageOutOfRange,
                "CurrentPage counts from 1",
            ));
        }
        if let Some(size) = self.show_size.filter(|s| *s == 0 || *s > MAX_SHOW_SIZE) {
            found.push(Violation::error(
                "ShowSize",
                ParamCode::PageLimitOutOfRange,
                format!("ShowSize is {size}; a page holds 1 to {MAX_SHOW_SIZE} records"),
            ));
        }
        found.extend(algorithm_filter("Algorithm", given(&self.algorithm)));
        Report {
            violations: found,
            also_covers: Vec::new(),
        }
    }

    /// Validates a request body.
    pub fn validate_body(body: &[u8]) -> Validation {
        match decode::<ListCsrRequest>(body) {
            Ok(req) => Validation::new(req.check(), &CODES),
            Err(v) => Validation::from_violation(v, &CODES),
        }
    }
}

/// `UpdateCsr`: add or replace the key of an uploaded CSR.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct UpdateCsrRequest {
    /// The CSR's id. Required.
    #[serde(default, deserialize_with = "number")]
    pub csr_id: Option<u64>,
    /// The private key, PEM. Required.
    pub key: Option<SecretText>,
}

impl UpdateCsrRequest {
    /// Checks the id and reads the key (whether it matches the stored CSR is the service's
    /// check).
    pub fn check(&self) -> Report {
        let mut found = id_violations(self.csr_id);
        match self.key.as_ref().filter(|k| !k.is_blank()) {
            None => found.push(missing("Key")),
            Some(pem) => {
                if let Err(e) = PrivateKey::from_pem_or_der(pem.expose().as_bytes()) {
                    found.push(Violation::error("Key", e.code(), e.to_string()));
                }
            }
        }
        Report {
            violations: found,
            also_covers: Vec::new(),
        }
    }

    /// Validates a request body.
    pub fn validate_body(body: &[u8]) -> Validation {
        match decode::<UpdateCsrRequest>(body) {
            Ok(req) => Validation::new(req.check(), &CODES),
            Err(v) => Validation::from_violation(v, &CODES),
        }
    }
}

/// `GetCsrDetail`: a CSR and its key.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct GetCsrDetailRequest {
    /// The CSR's id. Required.
    #[serde(default, deserialize_with = "number")]
    pub csr_id: Option<u64>,
}

impl GetCsrDetailRequest {
    /// Checks the id.
    pub fn check(&self) -> Report {
        Report {
            violations: id_violations(self.csr_id),
            also_covers: Vec::new(),
        }
    }

    /// Validates a request body.
    pub fn validate_body(body: &[u8]) -> Validation {
        match decode::<GetCsrDetailRequest>(body) {
            Ok(req) => Validation::new(req.check(), &CODES),
            Err(v) => Validation::from_violation(v, &CODES),
        }
    }
}

/// `DeleteCsr`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DeleteCsrRequest {
    /// The CSR's id. Required.
    #[serde(default, deserialize_with = "number")]
    pub csr_id: Option<u64>,
}

impl DeleteCsrRequest {
    /// Checks the id.
    pub fn check(&self) -> Report {
        Report {
            violations: id_violations(self.csr_id),
            also_covers: Vec::new(),
        }
    }

    /// Validates a request body.
    pub fn validate_body(body: &[u8]) -> Validation {
        match decode::<DeleteCsrRequest>(body) {
            Ok(req) => Validation::new(req.check(), &CODES),
            Err(v) => Validation::from_violation(v, &CODES),
        }
    }
}

fn id_violations(id: Option<u64>) -> Vec<Violation> {
    match id {
        None => vec![missing("CsrId")],
        Some(0) => vec![Violation::error(
            "CsrId",
            ParamCode::CsrIdInvalid,
            "0 is not a CSR id; ids are positive",
        )],
        Some(_) => Vec::new(),
    }
}
