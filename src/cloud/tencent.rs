//! Tencent Cloud SSL Certificate Service (API 2019-12-05): the CSR family (`CreateCSR`,
//! `ModifyCSR`, `DescribeCSR`, `DescribeCSRSet`, `BatchDeleteCSR`) and the free certificate's
//! `ApplyCertificate`, with their JSON parameter names.
//!
//! Error codes follow the API reference: `UnknownParameter`, `MissingParameter`,
//! `InvalidParameter` (a body that is not the API's JSON), `InvalidParameterValue` (a key or
//! paging value the API does not take), `InvalidParameter.InvalidCSRId`, and
//! `InvalidParameter.WithDetailReason` for the rest of the CSR family's rules;
//! `FailedOperation.InvalidParam` for `CreateCSR`'s and `ApplyCertificate`'s (their documents'
//! error tables). Tencent answers errors with HTTP
//! 200 and the error inside `Response`.

use serde::Deserialize;

mod orders;
pub use orders::*;

use crate::cloud::{
    ErrorCodes, TencentErrorCode, Validation, Vendor, VendorError, algorithm_filter, conclude,
    decode, given, missing, rename, split,
};
use crate::csr::CsrRequest;
use crate::key::KeySpecCode;
use crate::key::{KeySpec, Password};
use crate::policy::ParamCode;
use crate::policy::PolicyCode;
use crate::policy::{CsrForm, Profile, Report, Violation, check_phone};
use crate::san::EmailAddress;

/// The most ids `BatchDeleteCSR` takes and the largest `DescribeCSRSet` page.
pub const MAX_IDS: usize = 100;

pub(crate) const CSR_CODES: ErrorCodes = ErrorCodes {
    vendor: Vendor::Tencent,
    rows: &[
        (
            ParamCode::JsonUnknownParameter.as_str(),
            TencentErrorCode::UnknownParameter.to_code(),
        ),
        (
            ParamCode::JsonMissingParameter.as_str(),
            TencentErrorCode::MissingParameter.to_code(),
        ),
        (
            PolicyCode::SubjectRequired.as_str(),
            TencentErrorCode::MissingParameter.to_code(),
        ),
        ("json.", TencentErrorCode::InvalidParameter.to_code()),
        (
            "csr_id.",
            TencentErrorCode::InvalidParameterInvalidCsrId.to_code(),
        ),
        ("key", TencentErrorCode::InvalidParameterValue.to_code()),
        ("page.", TencentErrorCode::InvalidParameterValue.to_code()),
    ],
    fallback: TencentErrorCode::InvalidParameterWithDetailReason.to_code(),
    http_status: 200,
};

/// `CreateCSR`'s codes, as its document's error table gives them: a bad parameter is
/// `FailedOperation.InvalidParam`; the common codes for a body that is not the API's JSON.
pub(crate) const CREATE_CODES: ErrorCodes = ErrorCodes {
    vendor: Vendor::Tencent,
    rows: &[
        (
            ParamCode::JsonUnknownParameter.as_str(),
            TencentErrorCode::UnknownParameter.to_code(),
        ),
        (
            ParamCode::JsonMissingParameter.as_str(),
            TencentErrorCode::MissingParameter.to_code(),
        ),
        (
            PolicyCode::SubjectRequired.as_str(),
            TencentErrorCode::MissingParameter.to_code(),
        ),
        ("json.", TencentErrorCode::InvalidParameter.to_code()),
    ],
    fallback: TencentErrorCode::FailedOperationInvalidParam.to_code(),
    http_status: 200,
};

pub(crate) const APPLY_CODES: ErrorCodes = ErrorCodes {
    vendor: Vendor::Tencent,
    rows: &[
        (
            ParamCode::JsonUnknownParameter.as_str(),
            TencentErrorCode::UnknownParameter.to_code(),
        ),
        (
            ParamCode::JsonMissingParameter.as_str(),
            TencentErrorCode::MissingParameter.to_code(),
        ),
        ("json.", TencentErrorCode::InvalidParameter.to_code()),
    ],
    fallback: TencentErrorCode::FailedOperationInvalidParam.to_code(),
    http_status: 200,
};

/// The neutral paths of a CSR form and CreateCSR's parameters.
pub(crate) const CREATE_NAMES: &[(&str, &str)] = &[
    ("subject.common_name", "Domain"),
    ("subject.organization", "Organization"),
    ("subject.organizational_unit", "Department"),
    ("subject.email", "Email"),
    ("subject.state", "Province"),
    ("subject.locality", "City"),
    ("subject.country", "Country"),
    ("sans", "SubjectAltName"),
    ("key", "KeyParameter"),
    ("key.algorithm", "EncryptAlgo"),
    ("key_password", "KeyPassword"),
];

const APPLY_NAMES: &[(&str, &str)] = &[
    ("subject.common_name", "DomainName"),
    ("sans", "DnsNames"),
    ("key", "CsrKeyParameter"),
    ("key.algorithm", "CsrEncryptAlgo"),
    ("key_password", "CsrKeyPassword"),
    ("name", "Alias"),
];

/// A resource tag.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Tag {
    /// The key.
    pub tag_key: String,
    /// The value.
    pub tag_value: String,
}

/// `CreateCSR`: create a CSR record, generated now (`Generate=true`) or kept as an editable
/// draft.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreateCsrRequest {
    /// The domain (CN). Required.
    pub domain: Option<String>,
    /// The organization (O). Required.
    pub organization: Option<String>,
    /// The department (OU). Required.
    pub department: Option<String>,
    /// The e-mail address (emailAddress). Required.
    pub email: Option<String>,
    /// The province (ST). Required.
    pub province: Option<String>,
    /// The city (L). Required.
    pub city: Option<String>,
    /// The ISO 3166-1 country code (C). Required.
    pub country: Option<String>,
    /// `RSA` or `ECC`. Required.
    pub encrypt_algo: Option<String>,
    /// RSA `2048`/`4096`, ECC `prime256v1`. Required.
    pub key_parameter: Option<String>,
    /// Generate the CSR now; a generated record can no longer be modified. Required.
    pub generate: Option<bool>,
    /// The private key's password.
    pub key_password: Option<Password>,
    /// Remarks.
    pub remark: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<Tag>,
}

impl CreateCsrRequest {
    /// Reads a request body: unknown parameters and wrong types are refused.
    pub fn from_json(body: &[u8]) -> Result<Self, VendorError> {
        decode(body).map_err(|v| CREATE_CODES.single(v))
    }

    /// The neutral form, and the violations of parameters the form does not carry (the key
    /// pair, `Generate`).
    pub fn to_form(&self) -> (CsrForm, Vec<Violation>) {
        let mut found = Vec::new();
        let key = tencent_key(
            ("EncryptAlgo", given(&self.encrypt_algo)),
            ("KeyParameter", given(&self.key_parameter)),
            None,
            &mut found,
        );
        if self.generate.is_none() {
            found.push(missing("Generate"));
        }
        found.extend(tag_violations(&self.tags));
        let form = CsrForm {
            common_name: self.domain.clone(),
            organization: self.organization.clone(),
            organizational_unit: self.department.clone(),
            email: self.email.clone(),
            state: self.province.clone(),
            locality: self.city.clone(),
            country: self.country.clone(),
            key: key.map(|k| k.name().to_owned()),
            has_key_password: self.key_password.as_ref().is_some_and(|p| !p.is_empty()),
            ..CsrForm::default()
        };
        (form, found)
    }

    /// Checks the request against [`Profile::tencent_create_csr`].
    pub fn check(&self) -> Result<(CsrRequest, Report), VendorError> {
        self.check_with(&Profile::tencent_create_csr())
    }

    /// Checks the request against a profile (a changed copy of the preset, say): the typed
    /// request and its warnings, or the vendor error with every violation.
    pub fn check_with(&self, profile: &Profile) -> Result<(CsrRequest, Report), VendorError> {
        let (form, found) = self.to_form();
        let (request, report) = split(profile.check_form(&form));
        conclude(
            request,
            merge(report, found, CREATE_NAMES, "SubjectAltName"),
            &CREATE_CODES,
        )
    }

    /// Validates a request body.
    pub fn validate_body(body: &[u8]) -> Validation {
        match decode::<CreateCsrRequest>(body) {
            Ok(req) => {
                let (form, found) = req.to_form();
                let (_, report) = split(Profile::tencent_create_csr().check_form(&form));
                let report = merge(report, found, CREATE_NAMES, "SubjectAltName");
                Validation::new(report, &CREATE_CODES)
            }
            Err(v) => Validation::from_violation(v, &CREATE_CODES),
        }
    }
}

/// `ModifyCSR`: change a draft (`Generate=false`) or generate it (`Generate=true`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ModifyCsrRequest {
    /// The CSR's id. Required.
    #[serde(rename = "CSRId")]
    pub csr_id: Option<i64>,
    /// Generate the CSR now. Required.
    pub generate: Option<bool>,
    /// A new domain.
    pub domain: Option<String>,
    /// A new organization.
    pub organization: Option<String>,
    /// A new department.
    pub department: Option<String>,
    /// A new e-mail address.
    pub email: Option<String>,
    /// A new province.
    pub province: Option<String>,
    /// A new city.
    pub city: Option<String>,
    /// A new country code.
    pub country: Option<String>,
    /// A new algorithm.
    pub encrypt_algo: Option<String>,
    /// A new key parameter.
    pub key_parameter: Option<String>,
    /// A new key password.
    pub key_password: Option<Password>,
    /// New remarks.
    pub remark: Option<String>,
}

impl ModifyCsrRequest {
    /// The draft with this request's values applied (`Generate` taken from this request).
    /// Check the result with [`CreateCsrRequest::check`] before generating.
    pub fn merge_into(&self, draft: &CreateCsrRequest) -> CreateCsrRequest {
        let pick = |new: &Option<String>, old: &Option<String>| new.clone().or_else(|| old.clone());
        CreateCsrRequest {
            domain: pick(&self.domain, &draft.domain),
            organization: pick(&self.organization, &draft.organization),
            department: pick(&self.department, &draft.department),
            email: pick(&self.email, &draft.email),
            province: pick(&self.province, &draft.province),
            city: pick(&self.city, &draft.city),
            country: pick(&self.country, &draft.country),
            encrypt_algo: pick(&self.encrypt_algo, &draft.encrypt_algo),
            key_parameter: pick(&self.key_parameter, &draft.key_parameter),
            generate: self.generate,
            key_password: self
                .key_password
                .clone()
                .or_else(|| draft.key_password.clone()),
            remark: pick(&self.remark, &draft.remark),
            tags: draft.tags.clone(),
        }
    }

    /// Checks what the request itself carries (the stored draft is not known here): the id,
    /// `Generate`, and every value given, by the CreateCSR rules.
    pub fn check(&self) -> Report {
        let mut found = Vec::new();
        found.extend(csr_id_violations(self.csr_id));
        if self.generate.is_none() {
            found.push(missing("Generate"));
        }
        // Only both halves of the key pair say which key is meant; one alone completes the
        // draft's, which is not known here.
        let key = match (given(&self.encrypt_algo), given(&self.key_parameter)) {
            (Some(algo), Some(param)) => tencent_key(
                ("EncryptAlgo", Some(algo)),
                ("KeyParameter", Some(param)),
                None,
                &mut found,
            ),
            _ => None,
        };
        // The values given are checked by CreateCSR's rules; what is required is the draft's
        // business (check the merged request with `CreateCsrRequest::check` to generate).
        let mut profile = Profile::tencent_create_csr();
        profile.fields.clear();
        profile.min_names = 0;
        let form = CsrForm {
            common_name: self.domain.clone(),
            organization: self.organization.clone(),
            organizational_unit: self.department.clone(),
            email: self.email.clone(),
            state: self.province.clone(),
            locality: self.city.clone(),
            country: self.country.clone(),
            key: key.map(|k| k.name().to_owned()),
            has_key_password: self.key_password.as_ref().is_some_and(|p| !p.is_empty()),
            ..CsrForm::default()
        };
        let (report, _) = profile.inspect_form(&form);
        merge(report, found, CREATE_NAMES, "SubjectAltName")
    }

    /// Validates a request body.
    pub fn validate_body(body: &[u8]) -> Validation {
        match decode::<ModifyCsrRequest>(body) {
            Ok(req) => Validation::new(req.check(), &CSR_CODES),
            Err(v) => Validation::from_violation(v, &CSR_CODES),
        }
    }
}

/// `DescribeCSR`: one record, with its CSR and key.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DescribeCsrRequest {
    /// The CSR's id. Required.
    #[serde(rename = "CSRId")]
    pub csr_id: Option<i64>,
}

impl DescribeCsrRequest {
    /// Checks the id.
    pub fn check(&self) -> Report {
        Report {
            violations: csr_id_violations(self.csr_id),
            also_covers: Vec::new(),
        }
    }

    /// Validates a request body.
    pub fn validate_body(body: &[u8]) -> Validation {
        match decode::<DescribeCsrRequest>(body) {
            Ok(req) => Validation::new(req.check(), &CSR_CODES),
            Err(v) => Validation::from_violation(v, &CSR_CODES),
        }
    }
}

pub(crate) fn csr_id_violations(id: Option<i64>) -> Vec<Violation> {
    match id {
        None => vec![missing("CSRId")],
        Some(id) if id <= 0 => vec![Violation::error(
            "CSRId",
            ParamCode::CsrIdInvalid,
            format!("{id} is not a CSR id; ids are positive"),
        )],
        Some(_) => Vec::new(),
    }
}

/// `DescribeCSRSet`: a page of CSR records.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeCsrSetRequest {
    /// Records per page: 10 by default, at most 100.
    pub limit: Option<u64>,
    /// Records to skip.
    pub offset: Option<u64>,
    /// Only records for this domain.
    pub domain: Option<String>,
    /// Only records with this algorithm (`RSA`, `ECC`, `SM2`).
    pub encrypt_algo: Option<String>,
}

impl DescribeCsrSetRequest {
    /// The page size asked for, 10 when not given.
    pub fn limit(&self) -> u64 {
        self.limit.unwrap_or(10)
    }

    /// Checks the paging and filter values.
    pub fn check(&self) -> Report {
        let mut found = Vec::new();
        if let Some(limit) = self.limit
            && (limit == 0 || limit > MAX_IDS as u64)
        {
            found.push(Violation::error(
                "Limit",
                ParamCode::PageLimitOutOfRange,
                format!("Limit is {limit}; a page holds 1 to {MAX_IDS} records"),
            ));
        }
        found.extend(algorithm_filter("EncryptAlgo", given(&self.encrypt_algo)));
        Report {
            violations: found,
            also_covers: Vec::new(),
        }
    }

    /// Validates a request body.
    pub fn validate_body(body: &[u8]) -> Validation {
        match decode::<DescribeCsrSetRequest>(body) {
            Ok(req) => Validation::new(req.check(), &CSR_CODES),
            Err(v) => Validation::from_violation(v, &CSR_CODES),
        }
    }
}

/// `BatchDeleteCSR`: delete up to 100 records; the answer lists those actually deleted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchDeleteCsrRequest {
    /// The ids, 1 to 100 of them. Required.
    #[serde(rename = "CSRIds")]
    pub csr_ids: Option<Vec<i64>>,
}

impl BatchDeleteCsrRequest {
    /// Checks the ids.
    pub fn check(&self) -> Report {
        let mut found = Vec::new();
        match &self.csr_ids {
            None => found.push(missing("CSRIds")),
            Some(ids) if ids.is_empty() => found.push(Violation::error(
                "CSRIds",
                ParamCode::CsrIdNone,
                "CSRIds is empty; give 1 to 100 ids",
            )),
            Some(ids) if ids.len() > MAX_IDS => found.push(Violation::error(
                "CSRIds",
                ParamCode::CsrIdTooMany,
                format!(
                    "{} ids given; at most {MAX_IDS} are deleted at once",
                    ids.len()
                ),
            )),
            Some(ids) => {
                for (i, id) in ids.iter().enumerate().filter(|(_, id)| **id <= 0) {
                    found.push(Violation::error(
                        format!("CSRIds.{i}"),
                        ParamCode::CsrIdInvalid,
                        format!("{id} is not a CSR id; ids are positive"),
                    ));
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
        match decode::<BatchDeleteCsrRequest>(body) {
            Ok(req) => Validation::new(req.check(), &CSR_CODES),
            Err(v) => Validation::from_violation(v, &CSR_CODES),
        }
    }
}

/// `ApplyCertificate`: apply for a free TrustAsia DV certificate.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ApplyCertificateRequest {
    /// `DNS_AUTO`, `DNS` or `FILE`. Required.
    pub dv_auth_method: Option<String>,
    /// The one domain. Required.
    pub domain_name: Option<String>,
    /// The project.
    pub project_id: Option<u64>,
    /// The package (`2`, TrustAsia).
    pub package_type: Option<String>,
    /// The contact e-mail address.
    pub contact_email: Option<String>,
    /// The contact phone number.
    pub contact_phone: Option<String>,
    /// Validity in months: `3` now, `12` in the application guide.
    pub validity_period: Option<String>,
    /// `RSA` (default) or `ECC`.
    pub csr_encrypt_algo: Option<String>,
    /// RSA `2048`; ECC `prime256v1` (required with ECC).
    pub csr_key_parameter: Option<String>,
    /// The private key's password.
    pub csr_key_password: Option<Password>,
    /// A name for the certificate, at most 200 characters.
    pub alias: Option<String>,
    /// The certificate this one renews.
    pub old_certificate_id: Option<String>,
    /// A benefit package.
    pub package_id: Option<String>,
    /// Delete the automatic DNS record after issuance (`DNS_AUTO` only).
    pub delete_dns_auto_record: Option<bool>,
    /// Further names (the free certificate takes none beyond `DomainName`).
    #[serde(default)]
    pub dns_names: Vec<String>,
}

/// The domain-validation methods `ApplyCertificate` takes.
pub const DV_AUTH_METHODS: &[&str] = &["DNS_AUTO", "DNS", "FILE"];

/// The validity periods `ApplyCertificate` takes, in months: 3 (the vendor's current value) and
/// 12 (the application guide's).
pub const VALIDITY_PERIODS: &[&str] = &["3", "12"];

impl ApplyCertificateRequest {
    /// Reads a request body: unknown parameters and wrong types are refused.
    pub fn from_json(body: &[u8]) -> Result<Self, VendorError> {
        decode(body).map_err(|v| APPLY_CODES.single(v))
    }

    /// The neutral form, and the violations of the parameters it does not carry.
    pub fn to_form(&self) -> (CsrForm, Vec<Violation>) {
        let mut found = Vec::new();
        if given(&self.domain_name).is_none() {
            found.push(missing("DomainName"));
        }
        match given(&self.dv_auth_method) {
            None => found.push(missing("DvAuthMethod")),
            Some(m) if !DV_AUTH_METHODS.contains(&m) => found.push(
                Violation::error(
                    "DvAuthMethod",
                    ParamCode::DvUnknownMethod,
                    format!("{m:?} is not a validation method; use DNS_AUTO, DNS or FILE"),
                )
                .suggest(
                    DV_AUTH_METHODS
                        .iter()
                        .find(|k| k.eq_ignore_ascii_case(m))
                        .copied()
                        .unwrap_or("DNS"),
                ),
            ),
            Some(m) => {
                if self.delete_dns_auto_record == Some(true) && m != "DNS_AUTO" {
                    found.push(Violation::error(
                        "DeleteDnsAutoRecord",
                        ParamCode::DvDeleteRecordNeedsDnsAuto,
                        "DeleteDnsAutoRecord applies to DNS_AUTO validation only",
                    ));
                }
            }
        }
        if let Some(period) = given(&self.validity_period)
            && !VALIDITY_PERIODS.contains(&period)
        {
            found.push(Violation::error(
                    "ValidityPeriod",
                    PolicyCode::FreeValidity,
                    format!("a free certificate is valid 3 months (12 in the application guide), not {period:?}"),
                ));
        }
        if let Some(email) = given(&self.contact_email)
            && let Err(e) = EmailAddress::parse(email)
        {
            found.push(Violation::error("ContactEmail", e.code(), e.to_string()));
        }
        if let Some(phone) = given(&self.contact_phone) {
            found.extend(check_phone("ContactPhone", phone));
        }
        let key = tencent_key(
            ("CsrEncryptAlgo", given(&self.csr_encrypt_algo)),
            ("CsrKeyParameter", given(&self.csr_key_parameter)),
            Some("RSA"),
            &mut found,
        );
        let form = CsrForm {
            common_name: self.domain_name.clone(),
            sans: self.dns_names.clone(),
            key: key.map(|k| k.name().to_owned()),
            name: self.alias.clone(),
            has_key_password: self
                .csr_key_password
                .as_ref()
                .is_some_and(|p| !p.is_empty()),
            ..CsrForm::default()
        };
        (form, found)
    }

    /// Checks the request against [`Profile::tencent_apply_certificate`]: the typed request
    /// (its CSR is what the vendor would generate) with warnings and what it also covers.
    pub fn check(&self) -> Result<(CsrRequest, Report), VendorError> {
        let (form, found) = self.to_form();
        let (request, report) = split(Profile::tencent_apply_certificate().check_form(&form));
        conclude(
            request,
            merge(report, found, APPLY_NAMES, "DnsNames"),
            &APPLY_CODES,
        )
    }

    /// Validates a request body.
    pub fn validate_body(body: &[u8]) -> Validation {
        match decode::<ApplyCertificateRequest>(body) {
            Ok(req) => {
                let (form, found) = req.to_form();
                let (_, report) = split(Profile::tencent_apply_certificate().check_form(&form));
                let report = merge(report, found, APPLY_NAMES, "DnsNames");
                Validation::new(report, &APPLY_CODES)
            }
            Err(v) => Validation::from_violation(v, &APPLY_CODES),
        }
    }
}

/// Reads Tencent's algorithm + parameter pair. Missing values are violations unless a default
/// algorithm is given (then RSA defaults to 2048, and ECC needs its parameter).
/// The `EncryptAlgo` values Tencent's CSR and free-certificate APIs take (`RSA`, `ECC`; the
/// console says `ECDSA`).
const TENCENT_ALGORITHMS: &[&str] = &["RSA", "ECC", "ECDSA", "EC"];

fn tencent_key(
    (algo_field, algo): (&str, Option<&str>),
    (param_field, param): (&str, Option<&str>),
    default_algo: Option<&str>,
    found: &mut Vec<Violation>,
) -> Option<KeySpec> {
    let algo = match algo.or(default_algo) {
        Some(a) => a,
        None => {
            found.push(missing(algo_field));
            if param.is_none() {
                found.push(missing(param_field));
            }
            return None;
        }
    };
    // An algorithm certdesk knows but the API does not offer (SM2): the algorithm is at
    // fault, whatever the strength says.
    if !TENCENT_ALGORITHMS
        .iter()
        .any(|a| a.eq_ignore_ascii_case(algo))
        && KeySpec::from_tencent(algo, "").map_err(|e| e.code())
            != Err(KeySpecCode::UnknownAlgorithm)
    {
        found.push(Violation::error(
            algo_field,
            PolicyCode::KeyNotOffered,
            format!("{algo_field} {algo:?} is not offered: RSA or ECC"),
        ));
        return None;
    }
    let param = match param {
        Some(p) => p,
        None if default_algo.is_some() && algo.eq_ignore_ascii_case("RSA") => "2048",
        None => {
            found.push(missing(param_field));
            return None;
        }
    };
    match KeySpec::from_tencent(algo, param) {
        Ok(spec) => Some(spec),
        Err(e) => {
            let field = if e.code() == KeySpecCode::UnknownAlgorithm {
                algo_field
            } else {
                param_field
            };
            let mut v = Violation::error(field, e.code(), e.to_string());
            // `p512` and the like: say how Tencent spells the curve that was meant.
            if let Err(crate::key::KeySpecError::UnknownSpec {
                suggestion: Some(spec),
                ..
            }) = param.parse::<KeySpec>()
            {
                let (a, p) = spec.tencent_params();
                if a.eq_ignore_ascii_case(algo) {
                    v = v.suggest(p);
                }
            }
            found.push(v);
            None
        }
    }
}

pub(crate) fn tag_violations(tags: &[Tag]) -> Vec<Violation> {
    tags.iter()
        .enumerate()
        .filter(|(_, t)| t.tag_key.trim().is_empty())
        .map(|(i, _)| missing(&format!("Tags.{i}.TagKey")))
        .collect()
}

/// Puts the decode-level violations before the profile's, renames neutral paths to the API's
/// parameters, and renders Tencent's key messages in Tencent's spelling.
fn merge(
    mut report: Report,
    found: Vec<Violation>,
    names: &[(&str, &str)],
    san_param: &str,
) -> Report {
    rename(&mut report, names, |i| format!("{san_param}.{i}"));
    let mut violations = found;
    for v in report.violations {
        // A key the pair already refused is not reported twice.
        let duplicate = v.code == PolicyCode::KeyNotOffered
            && violations
                .iter()
                .any(|f| f.code.as_str().starts_with("key_spec."));
        if !duplicate {
            violations.push(tencent_key_wording(v));
        }
    }
    report.violations = violations;
    report
}

/// `key.not_offered` messages and suggestions in Tencent's `EncryptAlgo`/`KeyParameter` terms.
fn tencent_key_wording(mut v: Violation) -> Violation {
    if v.code == PolicyCode::KeyNotOffered
        && let Some(spec) = v
            .suggestion
            .as_deref()
            .and_then(|s| s.parse::<KeySpec>().ok())
    {
        v.suggestion = Some(spec.tencent_params().1.to_owned());
    }
    v
}
