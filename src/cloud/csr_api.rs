//! The vendors' CSR APIs answered by the CSR service: a request body in, the vendor's response
//! payload (or its error) out.

use serde_json::{Value, json};
use time::UtcOffset;
use time::macros::format_description;

use crate::backend::{CsrFilter, CsrRecord, CsrStatus, Page, Scope, Tag};
use crate::cloud::{
    AlibabaErrorCode, Api, Cx, ErrorCodes, TencentErrorCode, Vendor, VendorError, alibaba, tencent,
};
use crate::csr::Csr;
use crate::key::{KeySpec, Password};
use crate::policy::{PolicyCode, Profile, Report, Violation};
use crate::service::{CsrService, NewCsr, ServiceError, Upload};
use crate::subject::SubjectField;

fn codes(vendor: Vendor) -> &'static ErrorCodes {
    match vendor {
        Vendor::Tencent => &tencent::CSR_CODES,
        Vendor::Alibaba => &alibaba::CODES,
    }
}

/// The error codes of one API: its document's table where it has its own.
fn api_codes(api: Api) -> &'static ErrorCodes {
    match api {
        Api::TencentCreateCsr => &tencent::CREATE_CODES,
        other => codes(other.vendor()),
    }
}

/// A report's error as the API's error.
fn rules_error(api: Api, report: &Report) -> VendorError {
    api_codes(api).error(&report.violations).unwrap_or_else(|| {
        api_codes(api).single(Violation::error(
            "body",
            PolicyCode::PolicyViolations,
            report.to_string(),
        ))
    })
}

/// The neutral field paths the service reports, in each vendor's parameter names.
fn vendor_field(vendor: Vendor, field: &str) -> String {
    let tencent = vendor == Vendor::Tencent;
    if let Some(rest) = field.strip_prefix("tags[") {
        // tags[3].key -> Tags.3.TagKey
        let (i, part) = rest.split_once(']').unwrap_or((rest, ""));
        let part = match part {
            ".key" => ".TagKey",
            ".value" => ".TagValue",
            _ => "",
        };
        return format!("Tags.{i}{part}");
    }
    let to = match (field, tencent) {
        ("remark", _) => "Remark",
        ("tags", _) => "Tags",
        ("name", true) => "Alias",
        ("name", false) => "Name",
        ("key", true) => "KeyPassword",
        ("key", false) => "Key",
        ("csr", _) => "Csr",
        ("limit", true) => "Limit",
        ("limit", false) => "ShowSize",
        ("ids", _) => "CSRIds",
        _ => return field.to_owned(),
    };
    to.to_owned()
}

/// A service error as the vendor's error.
pub(crate) fn vendor_error(api: Api, e: ServiceError) -> VendorError {
    let vendor = api.vendor();
    let tencent = vendor == Vendor::Tencent;
    let (code, http_status) = match &e {
        ServiceError::Rules(report) => {
            let mut report = report.clone();
            report.rename_fields(|f| Some(vendor_field(vendor, f)));
            return rules_error(api, &report);
        }
        ServiceError::NotFound { .. } if tencent => (
            TencentErrorCode::InvalidParameterInvalidCsrId.to_code(),
            200,
        ),
        ServiceError::NotFound { .. } => (AlibabaErrorCode::NotFound.to_code(), 404),
        ServiceError::RateLimited { .. } if tencent => {
            (TencentErrorCode::RequestLimitExceeded.to_code(), 200)
        }
        ServiceError::RateLimited { .. } => (AlibabaErrorCode::ThrottlingUser.to_code(), 400),
        ServiceError::Immutable { .. }
        | ServiceError::InUse { .. }
        | ServiceError::NotGenerated { .. }
        | ServiceError::NoKey { .. }
            if tencent =>
        {
            (TencentErrorCode::FailedOperation.to_code(), 200)
        }
        ServiceError::Immutable { .. }
        | ServiceError::InUse { .. }
        | ServiceError::NotGenerated { .. }
        | ServiceError::NoKey { .. } => (AlibabaErrorCode::OperationDenied.to_code(), 403),
        _ if tencent => (TencentErrorCode::FailedOperationSystemError.to_code(), 200),
        _ => (AlibabaErrorCode::InternalError.to_code(), 500),
    };
    // What went wrong inside (a database's message, a key id, a vault failure) is for the
    // service's logs, not for the client: the client gets the code and a generic sentence.
    let message = match &e {
        ServiceError::Store(_)
        | ServiceError::Ca(_)
        | ServiceError::Dns(_)
        | ServiceError::Key(_)
        | ServiceError::Request(_) => {
            tracing::error!(code = %e.code(), error = %e, "internal error answering a vendor API call");
            "an internal error occurred; try again later, or quote the request id to support"
                .to_owned()
        }
        _ => e.to_string(),
    };
    VendorError {
        vendor,
        code,
        message,
        http_status,
        violations: Vec::new(),
    }
}

/// Beijing time, as both consoles show it: `2026-11-23 20:00:00`.
pub(crate) fn vendor_time(t: time::OffsetDateTime) -> String {
    let offset = UtcOffset::from_hms(8, 0, 0).unwrap_or(UtcOffset::UTC);
    t.to_offset(offset)
        .format(format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]"
        ))
        .unwrap_or_default()
}

/// A subject value of a record: as typed (drafts and generated records), else read from the
/// CSR.
fn subject_value(record: &CsrRecord, csr: Option<&Csr>, field: SubjectField) -> Option<String> {
    if let Some(v) = record.form.as_ref().and_then(|f| f.get(field)) {
        return Some(v.to_owned());
    }
    csr.and_then(|c| c.info().subject.get(field.short_name()).map(str::to_owned))
}

pub(crate) fn record_spec(record: &CsrRecord) -> Option<KeySpec> {
    let from_form = record
        .form
        .as_ref()
        .and_then(|f| f.key.as_deref())
        .and_then(|k| k.parse::<KeySpec>().ok());
    from_form.or_else(|| {
        let (algorithm, size) = (record.algorithm.as_deref()?, record.key_size?);
        KeySpec::from_alibaba(algorithm, size).ok()
    })
}

/// The stored CSR, read only for what a record's form cannot say: a record with a form had its
/// CSR made from that form (a field the form lacks, its CSR lacks too), so listings of
/// generated records parse nothing; an uploaded CSR has no form.
fn parse_stored(record: &CsrRecord) -> Option<Csr> {
    if record.form.is_some() {
        return None;
    }
    record
        .csr_pem
        .as_deref()
        .and_then(|p| Csr::parse_stored(p.as_bytes()).ok())
}

/// A record as Tencent's `DescribeCSR` and `DescribeCSRSet` show it.
fn tencent_record(record: &CsrRecord) -> serde_json::Map<String, Value> {
    let csr = parse_stored(record);
    let value = |f| subject_value(record, csr.as_ref(), f);
    let (algo, param) = record_spec(record)
        .map(|s| s.tencent_params())
        .map_or((record.algorithm.clone(), None), |(a, p)| {
            (Some(a.to_owned()), Some(p.to_owned()))
        });
    let mut m = serde_json::Map::new();
    m.insert("Id".into(), record.id.into());
    m.insert("Domain".into(), json!(record.common_name));
    m.insert(
        "Organization".into(),
        json!(value(SubjectField::Organization)),
    );
    m.insert(
        "Department".into(),
        json!(value(SubjectField::OrganizationalUnit)),
    );
    m.insert("Email".into(), json!(value(SubjectField::Email)));
    m.insert("Province".into(), json!(value(SubjectField::State)));
    m.insert("City".into(), json!(value(SubjectField::Locality)));
    m.insert("Country".into(), json!(value(SubjectField::Country)));
    m.insert("EncryptAlgo".into(), json!(algo));
    m.insert("KeyParameter".into(), json!(param));
    m.insert("Remarks".into(), json!(record.remark));
    // 0: a draft, not generated; 1: generated (or uploaded).
    let status = u8::from(record.status != CsrStatus::Draft);
    m.insert("Status".into(), status.into());
    m.insert("CreateTime".into(), vendor_time(record.created_at).into());
    // The account that owns the record (Tencent's main-account UIN). SANs and tags are not in
    // Tencent's DescribeCSR model: the SDK would warn of fields it does not know.
    m.insert("OwnerUin".into(), json!(record.scope.account));
    m
}

/// A record as Alibaba's `ListCsr` shows it.
fn alibaba_record(record: &CsrRecord) -> Value {
    let csr = parse_stored(record);
    let value = |f| subject_value(record, csr.as_ref(), f);
    json!({
        "CsrId": record.id,
        "Name": record.name,
        "Algorithm": record.algorithm,
        "KeySize": record.key_size,
        "KeySha2": record.public_key_sha256,
        "CommonName": record.common_name,
        "Sans": record.sans.join(","),
        "CountryCode": value(SubjectField::Country),
        "Province": value(SubjectField::State),
        "Locality": value(SubjectField::Locality),
        "CorpName": value(SubjectField::Organization),
        "Department": value(SubjectField::OrganizationalUnit),
        "HasPrivateKey": record.sealed_key.is_some(),
    })
}

/// A stored form back in `CreateCSR` terms, for `ModifyCSR` to merge into.
fn tencent_draft(record: &CsrRecord) -> tencent::CreateCsrRequest {
    let form = record.form.clone().unwrap_or_default();
    let (algo, param) = record_spec(record)
        .map(|s| s.tencent_params())
        .map_or((None, None), |(a, p)| {
            (Some(a.to_owned()), Some(p.to_owned()))
        });
    tencent::CreateCsrRequest {
        domain: form.common_name,
        organization: form.organization,
        department: form.organizational_unit,
        email: form.email,
        province: form.state,
        city: form.locality,
        country: form.country,
        encrypt_algo: algo,
        key_parameter: param,
        generate: Some(false),
        key_password: None,
        remark: record.remark.clone(),
        tags: record
            .tags
            .iter()
            .map(|t| tencent::Tag {
                tag_key: t.key.clone(),
                tag_value: t.value.clone(),
            })
            .collect(),
    }
}

fn tags_of(tags: &[tencent::Tag]) -> Vec<Tag> {
    tags.iter()
        .map(|t| Tag {
            key: t.tag_key.clone(),
            value: t.tag_value.clone(),
        })
        .collect()
}

fn given_password(p: &Option<Password>) -> Option<Password> {
    p.clone().filter(|p| !p.is_empty())
}

/// A positive id from the request's checked value.
fn id(value: Option<i64>) -> u64 {
    value.and_then(|v| u64::try_from(v).ok()).unwrap_or(0)
}

fn check(vendor: Vendor, report: Report) -> Result<(), VendorError> {
    match codes(vendor).error(&report.violations) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn decode<T: for<'de> serde::Deserialize<'de>>(
    vendor: Vendor,
    body: &[u8],
) -> Result<T, VendorError> {
    crate::cloud::decode(body).map_err(|v| codes(vendor).single(v))
}

impl CsrService {
    /// Answers a vendor API request for `scope`: the request body as the vendor's API takes it,
    /// checked by the API's profile; the answer is the vendor's response payload (wrap it with
    /// [`success_body`](crate::cloud::success_body)) or the vendor's error
    /// ([`VendorError::response_body`]).
    ///
    /// Covers every CSR action of both vendors: Tencent `CreateCSR`, `ModifyCSR`,
    /// `DescribeCSR`, `DescribeCSRSet`, `BatchDeleteCSR`; Alibaba `CreateCsr`, `UploadCsr`,
    /// `ListCsr`, `GetCsrDetail`, `UpdateCsr`, `DeleteCsr`. Order actions need the order
    /// service: [`OrderService::handle`](crate::service::OrderService::handle) answers every
    /// action, and answers them here with `UnsupportedOperation`.
    #[tracing::instrument(skip_all, fields(account = %scope.account, api = %api))]
    pub async fn handle(&self, scope: &Scope, api: Api, body: &[u8]) -> Result<Value, VendorError> {
        // One vendor call is one call against the limit, whatever it does inside.
        self.admit(scope, api.name())
            .map_err(|e| vendor_error(api, e))?;
        let unlimited = self.unlimited();
        let cx = Cx {
            api,
            csrs: &unlimited,
            orders: None,
        };
        api.run(&cx, scope, body).await
    }
}

/// `CreateCSR`.
pub(crate) async fn tencent_create_csr(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let (api, svc) = (cx.api, cx.csrs);
    let vendor = api.vendor();
    let service = |e| vendor_error(api, e);
    let req: tencent::CreateCsrRequest = decode(vendor, body)?;
    let profile = Profile::tencent_create_csr();
    req.check_with(&profile)?;
    let (form, _) = req.to_form();
    let record = svc
        .create(
            scope,
            &profile,
            NewCsr {
                form,
                password: given_password(&req.key_password),
                remark: req.remark.clone(),
                tags: tags_of(&req.tags),
                generate: req.generate.unwrap_or(false),
            },
        )
        .await
        .map_err(service)?;
    Ok(json!({ "Id": record.id }))
}

/// `ModifyCSR`.
pub(crate) async fn tencent_modify_csr(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let (api, svc) = (cx.api, cx.csrs);
    let vendor = api.vendor();
    let service = |e| vendor_error(api, e);
    let req: tencent::ModifyCsrRequest = decode(vendor, body)?;
    check(vendor, req.check())?;
    let csr_id = id(req.csr_id);
    let profile = Profile::tencent_create_csr();
    let stored = svc.details(scope, csr_id).await.map_err(service)?;
    if stored.status != CsrStatus::Draft {
        return Err(service(ServiceError::Immutable {
            id: csr_id,
            status: stored.status,
        }));
    }
    let merged = req.merge_into(&tencent_draft(&stored));
    merged.check_with(&profile)?;
    let (mut form, _) = merged.to_form();
    form.name = stored.form.as_ref().and_then(|f| f.name.clone());
    // Tencent's CSR actions carry no further names; a draft made elsewhere keeps its own.
    form.sans = stored
        .form
        .as_ref()
        .map(|f| f.sans.clone())
        .unwrap_or_default();
    let record = svc
        .modify(
            scope,
            csr_id,
            &profile,
            form,
            given_password(&req.key_password),
            req.generate.unwrap_or(false),
        )
        .await
        .map_err(service)?;
    if req.remark.is_some() {
        svc.set_remark(scope, record.id, req.remark.clone())
            .await
            .map_err(service)?;
    }
    Ok(json!({ "Id": record.id }))
}

/// `DescribeCSR`.
pub(crate) async fn tencent_describe_csr(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let (api, svc) = (cx.api, cx.csrs);
    let vendor = api.vendor();
    let service = |e| vendor_error(api, e);
    let req: tencent::DescribeCsrRequest = decode(vendor, body)?;
    check(vendor, req.check())?;
    let csr_id = id(req.csr_id);
    let record = svc.details(scope, csr_id).await.map_err(service)?;
    let mut m = tencent_record(&record);
    m.insert("CSR".into(), json!(record.csr_pem));
    let key = svc.open_key(&record).await.map_err(service)?;
    m.insert(
        "PrivateKey".into(),
        json!(key.as_ref().map(|k| k.pem.as_str())),
    );
    // A key's password is never kept: the key comes as it was stored (encrypted under it).
    m.insert("KeyPassword".into(), Value::Null);
    Ok(Value::Object(m))
}

/// `DescribeCSRSet`.
pub(crate) async fn tencent_describe_csr_set(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let (api, svc) = (cx.api, cx.csrs);
    let vendor = api.vendor();
    let service = |e| vendor_error(api, e);
    let req: tencent::DescribeCsrSetRequest = decode(vendor, body)?;
    check(vendor, req.check())?;
    let filter = CsrFilter {
        domain: req.domain.clone().filter(|d| !d.trim().is_empty()),
        algorithm: req.encrypt_algo.clone().filter(|a| !a.trim().is_empty()),
        ..CsrFilter::default()
    };
    let page = Page {
        offset: req.offset.unwrap_or(0),
        limit: req.limit(),
    };
    let found = svc.list(scope, &filter, page).await.map_err(service)?;
    let set: Vec<Value> = found
        .items
        .iter()
        .map(|r| Value::Object(tencent_record(r)))
        .collect();
    Ok(json!({ "Total": found.total, "Set": set }))
}

/// `BatchDeleteCSR`.
pub(crate) async fn tencent_batch_delete_csr(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let (api, svc) = (cx.api, cx.csrs);
    let vendor = api.vendor();
    let service = |e| vendor_error(api, e);
    let req: tencent::BatchDeleteCsrRequest = decode(vendor, body)?;
    check(vendor, req.check())?;
    let ids: Vec<u64> = req
        .csr_ids
        .unwrap_or_default()
        .into_iter()
        .map(|i| id(Some(i)))
        .collect();
    let done = svc.batch_delete(scope, &ids).await.map_err(service)?;
    Ok(json!({ "Success": done.deleted }))
}

/// `CreateCsr`.
pub(crate) async fn alibaba_create_csr(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let (api, svc) = (cx.api, cx.csrs);
    let vendor = api.vendor();
    let service = |e| vendor_error(api, e);
    let req: alibaba::CreateCsrRequest = decode(vendor, body)?;
    let profile = Profile::alibaba_create_csr();
    req.check_with(&profile)?;
    let (form, _) = req.to_form();
    let record = svc
        .create(
            scope,
            &profile,
            NewCsr {
                form,
                generate: true,
                ..NewCsr::default()
            },
        )
        .await
        .map_err(service)?;
    Ok(json!({ "CsrId": record.id, "Csr": record.csr_pem }))
}

/// `UploadCsr`.
pub(crate) async fn alibaba_upload_csr(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let (api, svc) = (cx.api, cx.csrs);
    let vendor = api.vendor();
    let service = |e| vendor_error(api, e);
    let req: alibaba::UploadCsrRequest = decode(vendor, body)?;
    req.check()?;
    let record = svc
        .upload(
            scope,
            &Profile::alibaba_upload_csr(),
            Upload {
                csr: req.csr.clone().unwrap_or_default().into_bytes(),
                key: req
                    .key
                    .as_ref()
                    .filter(|k| !k.is_blank())
                    .map(|k| zeroize::Zeroizing::new(k.expose().as_bytes().to_vec())),
                password: None,
                name: req.name.clone(),
            },
        )
        .await
        .map_err(service)?;
    Ok(json!({ "CsrId": record.id }))
}

/// `ListCsr`.
pub(crate) async fn alibaba_list_csr(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let (api, svc) = (cx.api, cx.csrs);
    let vendor = api.vendor();
    let service = |e| vendor_error(api, e);
    let req: alibaba::ListCsrRequest = decode(vendor, body)?;
    check(vendor, req.check())?;
    let size = req.show_size();
    let filter = CsrFilter {
        keyword: req.key_word.clone().filter(|k| !k.trim().is_empty()),
        algorithm: req.algorithm.clone().filter(|a| !a.trim().is_empty()),
        ..CsrFilter::default()
    };
    let page = Page {
        offset: (req.current_page() - 1).saturating_mul(size),
        limit: size,
    };
    let found = svc.list(scope, &filter, page).await.map_err(service)?;
    let list: Vec<Value> = found.items.iter().map(alibaba_record).collect();
    Ok(json!({
        "TotalCount": found.total,
        "CurrentPage": req.current_page(),
        "ShowSize": size,
        "CsrList": list,
    }))
}

/// `GetCsrDetail`.
pub(crate) async fn alibaba_get_csr_detail(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let (api, svc) = (cx.api, cx.csrs);
    let vendor = api.vendor();
    let service = |e| vendor_error(api, e);
    let req: alibaba::GetCsrDetailRequest = decode(vendor, body)?;
    check(vendor, req.check())?;
    let csr_id = req.csr_id.unwrap_or(0);
    let record = svc.details(scope, csr_id).await.map_err(service)?;
    let key = svc.open_key(&record).await.map_err(service)?;
    Ok(json!({
        "Csr": record.csr_pem,
        "PrivateKey": key.as_ref().map(|k| k.pem.as_str()),
    }))
}

/// `UpdateCsr`.
pub(crate) async fn alibaba_update_csr(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let (api, svc) = (cx.api, cx.csrs);
    let vendor = api.vendor();
    let service = |e| vendor_error(api, e);
    let req: alibaba::UpdateCsrRequest = decode(vendor, body)?;
    check(vendor, req.check())?;
    let key = req.key.as_ref().map_or("", |k| k.expose());
    svc.set_key(scope, req.csr_id.unwrap_or(0), key.as_bytes(), None)
        .await
        .map_err(service)?;
    Ok(json!({}))
}

/// `DeleteCsr`.
pub(crate) async fn alibaba_delete_csr(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let (api, svc) = (cx.api, cx.csrs);
    let vendor = api.vendor();
    let service = |e| vendor_error(api, e);
    let req: alibaba::DeleteCsrRequest = decode(vendor, body)?;
    check(vendor, req.check())?;
    svc.delete(scope, req.csr_id.unwrap_or(0))
        .await
        .map_err(service)?;
    Ok(json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::CsrForm;

    #[test]
    fn service_fields_get_vendor_names() {
        assert_eq!(
            vendor_field(Vendor::Tencent, "tags[3].key"),
            "Tags.3.TagKey"
        );
        assert_eq!(vendor_field(Vendor::Tencent, "remark"), "Remark");
        assert_eq!(vendor_field(Vendor::Alibaba, "key"), "Key");
        assert_eq!(vendor_field(Vendor::Alibaba, "name"), "Name");
        assert_eq!(vendor_field(Vendor::Alibaba, "other"), "other");
    }

    #[test]
    fn times_are_beijing_time() {
        let t = time::macros::datetime!(2026-11-23 12:00 UTC);
        assert_eq!(vendor_time(t), "2026-11-23 20:00:00");
    }

    #[test]
    fn form_round_trips_through_tencent_terms() {
        let form = CsrForm {
            common_name: Some("example.com".into()),
            key: Some("ec-p256".into()),
            sans: vec!["www.example.com".into()],
            ..CsrForm::default()
        };
        let now = time::OffsetDateTime::UNIX_EPOCH;
        let record = CsrRecord {
            id: 1,
            scope: Scope::new("a", "r"),
            version: 1,
            status: CsrStatus::Draft,
            name: None,
            remark: Some("r".into()),
            tags: vec![],
            form: Some(form),
            csr_pem: None,
            common_name: Some("example.com".into()),
            sans: vec!["www.example.com".into()],
            algorithm: Some("ECC".into()),
            key_size: Some(256),
            public_key_sha256: None,
            sealed_key: None,
            sealed_password: None,
            key_password_set: false,
            created_at: now,
            updated_at: now,
            picked: None,
        };
        let draft = tencent_draft(&record);
        assert_eq!(draft.encrypt_algo.as_deref(), Some("ECC"));
        assert_eq!(draft.key_parameter.as_deref(), Some("prime256v1"));
        assert_eq!(draft.remark.as_deref(), Some("r"));
    }
}
