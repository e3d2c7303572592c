//! The vendors' own request types, so an embedder can accept Tencent Cloud and Alibaba Cloud
//! JSON as it is: serde types with the vendors' parameter names, conversion into the neutral
//! [`CsrForm`](crate::policy::CsrForm) checked by the API's [`Profile`](crate::policy::Profile),
//! and violations reported under the vendors' parameter names and error codes.
//!
//! ```
//! use certdesk::cloud::Api;
//!
//! let body = br#"{"Domain": "www.example.com", "Organization": "Tencent", "Department": "It",
//!   "Email": "abc@qq.com", "Province": "Hunan", "City": "Changsha", "Country": "China",
//!   "EncryptAlgo": "ECC", "KeyParameter": "prime256v1", "Generate": false}"#;
//! let result = Api::TencentCreateCsr.validate(body);
//! assert!(!result.valid);
//! let v = &result.violations[0];
//! assert_eq!((v.field.as_str(), v.code.as_str()), ("Country", "country.unknown"));
//! assert_eq!(v.suggestion.as_deref(), Some("CN"));
//! let error = result.error.unwrap();
//! // CreateCSR's document: "FailedOperation.InvalidParam: Incorrect parameters."
//! assert_eq!(error.code.as_str(), "FailedOperation.InvalidParam");
//! ```

pub mod alibaba;
pub mod tencent;

mod actions;
mod catalog;
mod csr_api;
mod order_api;
mod zip;

pub(crate) use actions::Cx;
pub use actions::{Api, UnknownApi};
pub use catalog::ALIBABA_PRODUCT_CODES;
pub use order_api::MAX_LIST_SCAN;

use serde::{Deserialize, Serialize};

use crate::code::{Code, codes};
use crate::csr::CsrRequest;
use crate::key::KeySpecCode;
use crate::policy::ParamCode;
use crate::policy::{Report, Severity, Violation};

/// The largest request body read, in bytes (a body carries at most a CSR and a key, each capped
/// at 64 KiB).
pub const MAX_BODY: usize = 256 * 1024;

codes! {
    /// Tencent Cloud API 3.0's error codes that certdesk answers with.
    pub enum TencentErrorCode {
        /// A parameter is wrong.
        InvalidParameter = "InvalidParameter",
        /// A parameter is wrong; the message says why.
        InvalidParameterWithDetailReason = "InvalidParameter.WithDetailReason",
        /// No such CSR in this account.
        InvalidParameterInvalidCsrId = "InvalidParameter.InvalidCSRId",
        /// A parameter's value is out of its range.
        InvalidParameterValue = "InvalidParameterValue",
        /// A required parameter is missing.
        MissingParameter = "MissingParameter",
        /// A parameter the action does not take.
        UnknownParameter = "UnknownParameter",
        /// The operation cannot be done in the record's state.
        FailedOperation = "FailedOperation",
        /// A parameter is wrong (the code CreateCSR documents).
        FailedOperationInvalidParam = "FailedOperation.InvalidParam",
        /// The service failed.
        FailedOperationSystemError = "FailedOperation.SystemError",
        /// Too many calls.
        RequestLimitExceeded = "RequestLimitExceeded",
        /// An action this endpoint does not answer.
        UnsupportedOperation = "UnsupportedOperation",
        /// No such certificate in this account.
        FailedOperationCertificateNotFound = "FailedOperation.CertificateNotFound",
        /// The certificate's status does not allow a resubmission.
        FailedOperationCertificateStatusNotAllowResubmit = "FailedOperation.CertificateStatusNotAllowResubmit",
        /// The certificate's status does not allow a domain check.
        FailedOperationCertificateStatusNotAllowVerify = "FailedOperation.CertificateStatusNotAllowVerify",
        /// The information cannot be submitted in the order's status.
        FailedOperationCertificateInfoSubmitStatusInvalid = "FailedOperation.CertificateInfoSubmitStatusInvalid",
        /// The order's status does not allow the operation.
        FailedOperationInvalidCertificateStatusCode = "FailedOperation.InvalidCertificateStatusCode",
        /// No confirmation letter can be uploaded for this order now.
        FailedOperationUploadConfirmCertificateNotSupport = "FailedOperation.UploadConfirmCertificateNotSupport",
        /// The order cannot be cancelled.
        FailedOperationCancelOrderFailed = "FailedOperation.CancelOrderFailed",
        /// The review cannot be cancelled.
        FailedOperationCancelAuditCertificateFailed = "FailedOperation.CancelAuditCertificateFailed",
        /// The certificate cannot be reissued.
        FailedOperationOrderReplaceFailed = "FailedOperation.OrderReplaceFailed",
        /// The certificate cannot be revoked.
        FailedOperationRevokeFailed = "FailedOperation.RevokeFailed",
        /// The certificate is issued (or with the CA) and cannot be deleted.
        FailedOperationCannotBeDeletedIssued = "FailedOperation.CannotBeDeletedIssued",
        /// The certificate to renew is not issued (or not renewable yet).
        FailedOperationRenewNotIssued = "FailedOperation.RenewNotIssued",
        /// The certificate is not available (not issued).
        FailedOperationCertificateNotAvailable = "FailedOperation.CertificateNotAvailable",
        /// The account's free certificates are used up.
        FailedOperationExceedsFreeLimit = "FailedOperation.ExceedsFreeLimit",
        /// The primary domain has its maximum of free certificates.
        FailedOperationMainDomainCertificateCountLimit = "FailedOperation.MainDomainCertificateCountLimit",
    }
}

codes! {
    /// Alibaba Cloud RPC's error codes that certdesk answers with.
    pub enum AlibabaErrorCode {
        /// A parameter is wrong.
        InvalidParameter = "InvalidParameter",
        /// A required parameter is missing.
        MissingParameter = "MissingParameter",
        /// No such record in this account.
        NotFound = "NotFound",
        /// The operation cannot be done in the record's state.
        OperationDenied = "OperationDenied",
        /// Too many calls.
        ThrottlingUser = "Throttling.User",
        /// The account's certificate quota is used up.
        QuotaExceeded = "QuotaExceeded",
        /// The service failed.
        InternalError = "InternalError",
    }
}

/// Which vendor an API belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Vendor {
    /// Tencent Cloud SSL Certificate Service (API 2019-12-05).
    Tencent,
    /// Alibaba Cloud Certificate Management Service (CAS API 2020-04-07).
    Alibaba,
}

/// An error as the vendor's API would return it: its code, a message, and every violation
/// behind it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct VendorError {
    /// The vendor.
    pub vendor: Vendor,
    /// The vendor's error code (a [`TencentErrorCode`] or an [`AlibabaErrorCode`]:
    /// `InvalidParameter.WithDetailReason`, `MissingParameter`, ...).
    pub code: Code,
    /// What is wrong, every error violation in one sentence.
    pub message: String,
    /// The HTTP status the vendor answers with (Tencent answers every API error with 200).
    pub http_status: u16,
    /// The violations, under the vendor's parameter names.
    pub violations: Vec<Violation>,
}

/// The success response body a vendor sends: Tencent's `{"Response": {...payload,
/// "RequestId"}}` or Alibaba's `{...payload, "RequestId"}`.
pub fn success_body(vendor: Vendor, payload: serde_json::Value, request_id: &str) -> String {
    let mut object = match payload {
        serde_json::Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    object.insert("RequestId".into(), request_id.into());
    match vendor {
        Vendor::Tencent => serde_json::json!({ "Response": object }).to_string(),
        Vendor::Alibaba => serde_json::Value::Object(object).to_string(),
    }
}

impl VendorError {
    /// The response body the vendor sends for this error: Tencent's
    /// `{"Response": {"Error": {"Code", "Message"}, "RequestId"}}` or Alibaba's
    /// `{"RequestId", "Code", "Message"}`.
    pub fn response_body(&self, request_id: &str) -> String {
        let body = match self.vendor {
            Vendor::Tencent => serde_json::json!({
                "Response": {
                    "Error": { "Code": self.code, "Message": self.message },
                    "RequestId": request_id,
                }
            }),
            Vendor::Alibaba => serde_json::json!({
                "RequestId": request_id,
                "Code": self.code,
                "Message": self.message,
            }),
        };
        body.to_string()
    }
}

/// Maps violation codes to a vendor's error codes: the first row whose prefix starts the code
/// wins; `fallback` when none does.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ErrorCodes {
    pub(crate) vendor: Vendor,
    pub(crate) rows: &'static [(&'static str, Code)],
    pub(crate) fallback: Code,
    pub(crate) http_status: u16,
}

impl ErrorCodes {
    fn code_for(&self, violation_code: &str) -> Code {
        self.rows
            .iter()
            .find(|(prefix, _)| violation_code.starts_with(prefix))
            .map_or(self.fallback, |(_, code)| *code)
    }

    /// The vendor error for one violation (a body that could not be read).
    pub(crate) fn single(&self, v: Violation) -> VendorError {
        VendorError {
            vendor: self.vendor,
            code: self.code_for(v.code.as_str()),
            message: v.to_string(),
            http_status: self.http_status,
            violations: vec![v],
        }
    }

    /// The vendor error for a report with errors: the code of the highest-priority row any
    /// error matches (rows are in priority order), every error in the message.
    pub(crate) fn error(&self, violations: &[Violation]) -> Option<VendorError> {
        let errors: Vec<&Violation> = violations
            .iter()
            .filter(|v| v.severity == Severity::Error)
            .collect();
        if errors.is_empty() {
            return None;
        }
        let code = self
            .rows
            .iter()
            .find(|(prefix, _)| errors.iter().any(|v| v.code.as_str().starts_with(prefix)))
            .map_or_else(|| self.code_for(errors[0].code.as_str()), |(_, code)| *code);
        let message = errors
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join("; ");
        Some(VendorError {
            vendor: self.vendor,
            code,
            message,
            http_status: self.http_status,
            violations: violations.to_vec(),
        })
    }
}

/// Reads a vendor request body: size-capped, unknown parameters and wrong types refused with a
/// violation naming the parameter.
pub(crate) fn decode<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, Violation> {
    if body.len() > MAX_BODY {
        return Err(Violation::error(
            "body",
            ParamCode::JsonTooLarge,
            format!(
                "the request body is {} bytes; at most {MAX_BODY} are read",
                body.len()
            ),
        ));
    }
    serde_json::from_slice(body).map_err(|e| json_violation(&e))
}

fn json_violation(e: &serde_json::Error) -> Violation {
    let text = e.to_string();
    // serde's messages: "unknown field `Foo`, expected one of ...", "invalid type: string
    // \"x\", expected u64", "missing field `Bar`".
    let quoted = text
        .split('`')
        .nth(1)
        .filter(|q| !q.is_empty() && text.contains('`'))
        .map(str::to_owned);
    if text.starts_with("unknown field") {
        let (field, name) = match quoted {
            Some(q) => (q.clone(), q),
            None => ("body".to_owned(), "an empty name".to_owned()),
        };
        return Violation::error(
            field,
            ParamCode::JsonUnknownParameter,
            format!("{name} is not a parameter of this API ({text})"),
        );
    }
    if text.starts_with("missing field") {
        let field = quoted.unwrap_or_else(|| "body".to_owned());
        return Violation::error(
            field.clone(),
            ParamCode::JsonMissingParameter,
            format!("the required parameter {field} is missing"),
        );
    }
    let code = match e.classify() {
        serde_json::error::Category::Data => ParamCode::JsonInvalidType,
        _ => ParamCode::JsonMalformed,
    };
    Violation::error(
        "body",
        code,
        format!("the request body is not valid JSON for this API: {text}"),
    )
}

/// A request type whose body is read by [`decode`] and then checked for what the types do
/// not say (required parameters, allowed values), under the action's error codes.
pub(crate) trait Checked: for<'de> Deserialize<'de> {
    /// The action's error codes.
    fn codes() -> &'static ErrorCodes;

    /// Every violation of the parameters, under their vendor names.
    fn violations(&self) -> Vec<Violation>;

    /// Validates a body without acting on it.
    fn validate(body: &[u8]) -> Validation {
        match decode::<Self>(body) {
            Ok(req) => Validation::new(
                Report {
                    violations: req.violations(),
                    also_covers: Vec::new(),
                },
                Self::codes(),
            ),
            Err(v) => Validation::from_violation(v, Self::codes()),
        }
    }

    /// Reads a body: the request, or the vendor's error with every violation.
    fn read(body: &[u8]) -> Result<Self, VendorError> {
        let req = decode::<Self>(body).map_err(|v| Self::codes().single(v))?;
        match Self::codes().error(&req.violations()) {
            Some(e) => Err(e),
            None => Ok(req),
        }
    }
}

/// `validate_body` for request types that are [`Checked`].
macro_rules! validate_bodies {
    ($($ty:ty),* $(,)?) => {
        $(
            impl $ty {
                /// Validates a request body: decoding and the parameters' rules, every
                /// violation at once.
                pub fn validate_body(body: &[u8]) -> $crate::cloud::Validation {
                    <$ty as $crate::cloud::Checked>::validate(body)
                }
            }
        )*
    };
}
pub(crate) use validate_bodies;

/// A required parameter that was not given, or given blank.
pub(crate) fn missing(field: &str) -> Violation {
    Violation::error(
        field,
        ParamCode::JsonMissingParameter,
        format!("the required parameter {field} is missing"),
    )
}

/// The result of validating a vendor request body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Validation {
    /// No error (warnings allowed).
    pub valid: bool,
    /// Every violation, under the vendor's parameter names.
    pub violations: Vec<Violation>,
    /// Names the certificate will also cover (`www.` of a free certificate's apex domain).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also_covers: Vec<String>,
    /// The error the vendor would answer with, when not valid.
    #[serde(skip)]
    pub error: Option<VendorError>,
}

impl Validation {
    pub(crate) fn new(report: Report, codes: &ErrorCodes) -> Self {
        let error = codes.error(&report.violations);
        Validation {
            valid: report.is_valid(),
            violations: report.violations,
            also_covers: report.also_covers,
            error,
        }
    }

    pub(crate) fn from_violation(v: Violation, codes: &ErrorCodes) -> Self {
        Validation::new(
            Report {
                violations: vec![v],
                also_covers: Vec::new(),
            },
            codes,
        )
    }
}

/// Renames a neutral field path for a vendor: the table maps exact paths; `sans[i]` goes
/// through `san`.
pub(crate) fn rename(report: &mut Report, table: &[(&str, &str)], san: impl Fn(usize) -> String) {
    report.rename_fields(|field| {
        if let Some((_, to)) = table.iter().find(|(from, _)| *from == field) {
            return Some((*to).to_owned());
        }
        field
            .strip_prefix("sans[")
            .and_then(|rest| rest.strip_suffix(']'))
            .and_then(|i| i.parse().ok())
            .map(&san)
    });
}

/// A profile check's typed request (when it passed) and its report.
pub(crate) fn split(checked: Result<(CsrRequest, Report), Report>) -> (Option<CsrRequest>, Report) {
    match checked {
        Ok((request, report)) => (Some(request), report),
        Err(report) => (None, report),
    }
}

/// The typed request when no error remains in the (renamed, merged) report, or the vendor's
/// error with every violation.
pub(crate) fn conclude(
    request: Option<CsrRequest>,
    report: Report,
    codes: &ErrorCodes,
) -> Result<(CsrRequest, Report), VendorError> {
    match (codes.error(&report.violations), request) {
        (None, Some(request)) => Ok((request, report)),
        (Some(e), _) => Err(e),
        // A refused profile check always leaves an error; this keeps the function total.
        (None, None) => Err(VendorError {
            vendor: codes.vendor,
            code: codes.fallback,
            message: report.to_string(),
            http_status: codes.http_status,
            violations: report.violations,
        }),
    }
}

/// The violation for an algorithm filter that is none of RSA, ECC, SM2.
pub(crate) fn algorithm_filter(field: &str, algo: Option<&str>) -> Option<Violation> {
    algo.filter(|a| !["RSA", "ECC", "SM2"].contains(&a.to_ascii_uppercase().as_str()))
        .map(|a| {
            Violation::error(
                field,
                KeySpecCode::UnknownAlgorithm,
                format!("unknown key algorithm {a:?}; expected RSA, ECC or SM2"),
            )
        })
}

/// A value that is blank after trimming counts as not given.
pub(crate) fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}
