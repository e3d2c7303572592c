//! The certificate and order actions' requests, with the parameter names of the SDK's models
//! (`tencentcloud.ssl.v20191205.models`).

use serde::Deserialize;

use crate::cloud::tencent::{APPLY_CODES, Tag, tag_violations};
use crate::cloud::{Checked, ErrorCodes, given, missing};
use crate::key::Password;
use crate::policy::{ParamCode, Violation};

/// The most ids one `ModifyCertificateProject` or `DescribeCertificates` names.
pub const MAX_CERTIFICATE_IDS: usize = 100;

/// The largest `DescribeCertificates` page.
pub const MAX_CERTIFICATES_PAGE: u64 = 1000;

fn certificate_id(found: &mut Vec<Violation>, id: &Option<String>) {
    if given(id).is_none() {
        found.push(missing("CertificateId"));
    }
}

fn one_of(found: &mut Vec<Violation>, field: &str, value: Option<&str>, allowed: &[&str]) {
    if let Some(v) = value
        && !allowed.contains(&v)
    {
        found.push(Violation::error(
            field,
            ParamCode::ValueNotAllowed,
            format!(
                "{v:?} is not a value of {field}; use one of {}",
                allowed.join(", ")
            ),
        ));
    }
}

/// The validation methods the order actions take.
pub const VERIFY_TYPES: &[&str] = &["DNS_AUTO", "DNS", "FILE", "DNS_PROXY", "FILE_PROXY"];

/// `CreateCertificate`: buy paid certificates of a product.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreateCertificateRequest {
    /// The product (Tencent's ids: 3 SecureSite EV Pro ... 45 DNSPod OV multi-domain). Required.
    pub product_id: Option<i64>,
    /// How many domains a multi-domain certificate binds. Required.
    pub domain_num: Option<i64>,
    /// The years bought (each year one certificate). Required.
    pub time_span: Option<i64>,
    /// Pay with vouchers (accepted; certdesk charges nothing).
    pub auto_voucher: Option<i64>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<Tag>,
}

/// The most years one order buys.
pub const MAX_TIME_SPAN: i64 = 5;

impl Checked for CreateCertificateRequest {
    fn codes() -> &'static ErrorCodes {
        &APPLY_CODES
    }

    fn violations(&self) -> Vec<Violation> {
        let mut found = Vec::new();
        match self.product_id {
            None => found.push(missing("ProductId")),
            Some(id) if crate::cloud::catalog::tencent_product(id).is_none() => {
                found.push(Violation::error(
                    "ProductId",
                    ParamCode::ValueNotAllowed,
                    format!("{id} is not a product this service sells"),
                ))
            }
            Some(_) => {}
        }
        match self.domain_num {
            None => found.push(missing("DomainNum")),
            Some(n) if !(1..=100).contains(&n) => found.push(Violation::error(
                "DomainNum",
                ParamCode::ValueNotAllowed,
                format!("an order binds 1 to 100 domains, not {n}"),
            )),
            Some(_) => {}
        }
        match self.time_span {
            None => found.push(missing("TimeSpan")),
            Some(n) if !(1..=MAX_TIME_SPAN).contains(&n) => found.push(Violation::error(
                "TimeSpan",
                ParamCode::ValueNotAllowed,
                format!("an order lasts 1 to {MAX_TIME_SPAN} years, not {n}"),
            )),
            Some(_) => {}
        }
        found.extend(tag_violations(&self.tags));
        found
    }
}

/// `SubmitCertificateInformation`: a paid order's CSR, domains, organization, administrator
/// and contact.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SubmitCertificateInformationRequest {
    /// The order. Required.
    pub certificate_id: Option<String>,
    /// `online` (generated now from the information) or `parse` (pasted, `CsrContent`).
    pub csr_type: Option<String>,
    /// The pasted CSR (PEM), with `CsrType=parse`.
    pub csr_content: Option<String>,
    /// The certificate's domain.
    pub certificate_domain: Option<String>,
    /// The further domains (multi-domain products).
    #[serde(default)]
    pub domain_list: Vec<String>,
    /// The generated key's password (`online`).
    pub key_password: Option<Password>,
    /// The organization.
    pub organization_name: Option<String>,
    /// Its department.
    pub organization_division: Option<String>,
    /// Its address.
    pub organization_address: Option<String>,
    /// Its country.
    pub organization_country: Option<String>,
    /// Its city.
    pub organization_city: Option<String>,
    /// Its province.
    pub organization_region: Option<String>,
    /// Its postal code.
    pub postal_code: Option<String>,
    /// Its phone's area code.
    pub phone_area_code: Option<String>,
    /// Its phone number.
    pub phone_number: Option<String>,
    /// The validation method.
    pub verify_type: Option<String>,
    /// The administrator's first name.
    pub admin_first_name: Option<String>,
    /// The administrator's last name.
    pub admin_last_name: Option<String>,
    /// The administrator's phone.
    pub admin_phone_num: Option<String>,
    /// The administrator's e-mail address.
    pub admin_email: Option<String>,
    /// The administrator's position.
    pub admin_position: Option<String>,
    /// The contact's first name.
    pub contact_first_name: Option<String>,
    /// The contact's last name.
    pub contact_last_name: Option<String>,
    /// The contact's e-mail address.
    pub contact_email: Option<String>,
    /// The contact's phone.
    pub contact_number: Option<String>,
    /// The contact's position.
    pub contact_position: Option<String>,
    /// A DV product (informational; the order's product decides).
    #[serde(rename = "IsDV")]
    pub is_dv: Option<bool>,
}

/// The CSR types `SubmitCertificateInformation` and `ReplaceCertificate` take.
pub const CSR_TYPES: &[&str] = &["online", "parse"];

impl Checked for SubmitCertificateInformationRequest {
    fn codes() -> &'static ErrorCodes {
        &APPLY_CODES
    }

    fn violations(&self) -> Vec<Violation> {
        let mut found = Vec::new();
        certificate_id(&mut found, &self.certificate_id);
        if given(&self.certificate_domain).is_none() {
            found.push(missing("CertificateDomain"));
        }
        let csr_type = given(&self.csr_type).unwrap_or("online");
        one_of(&mut found, "CsrType", Some(csr_type), CSR_TYPES);
        if csr_type == "parse" && given(&self.csr_content).is_none() {
            found.push(missing("CsrContent"));
        }
        one_of(
            &mut found,
            "VerifyType",
            given(&self.verify_type),
            VERIFY_TYPES,
        );
        found
    }
}

/// `CommitCertificateInformation`: send the submitted information to the CA.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CommitCertificateInformationRequest {
    /// The order. Required.
    pub certificate_id: Option<String>,
    /// The validation method, where not chosen yet.
    pub verify_type: Option<String>,
}

impl Checked for CommitCertificateInformationRequest {
    fn codes() -> &'static ErrorCodes {
        &APPLY_CODES
    }

    fn violations(&self) -> Vec<Violation> {
        let mut found = Vec::new();
        certificate_id(&mut found, &self.certificate_id);
        one_of(
            &mut found,
            "VerifyType",
            given(&self.verify_type),
            VERIFY_TYPES,
        );
        found
    }
}

/// `UploadConfirmLetter`: the signed confirmation letter, base64.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct UploadConfirmLetterRequest {
    /// The order. Required.
    pub certificate_id: Option<String>,
    /// The letter's bytes, base64 (JPG, JPEG, PNG or PDF, 1 KB to 1.4 MB). Required.
    pub confirm_letter: Option<String>,
}

impl Checked for UploadConfirmLetterRequest {
    fn codes() -> &'static ErrorCodes {
        &APPLY_CODES
    }

    fn violations(&self) -> Vec<Violation> {
        let mut found = Vec::new();
        certificate_id(&mut found, &self.certificate_id);
        if given(&self.confirm_letter).is_none() {
            found.push(missing("ConfirmLetter"));
        }
        found
    }
}

/// The request of every action that names only the certificate: `DescribeCertificate`,
/// `DescribeCertificateDetail`, `DownloadCertificate`, `CheckCertificateDomainVerification`,
/// `CompleteCertificate`, `CancelCertificateOrder`, `CancelAuditCertificate`,
/// `ModifyCertificateResubmit`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CertificateIdRequest {
    /// The certificate (the order). Required.
    pub certificate_id: Option<String>,
}

impl Checked for CertificateIdRequest {
    fn codes() -> &'static ErrorCodes {
        &APPLY_CODES
    }

    fn violations(&self) -> Vec<Violation> {
        let mut found = Vec::new();
        certificate_id(&mut found, &self.certificate_id);
        found
    }
}

/// `DescribeCertificates`: a page of the account's certificates, filtered.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeCertificatesRequest {
    /// Certificates to skip.
    pub offset: Option<u64>,
    /// Certificates per page: 20 by default, at most 1000.
    pub limit: Option<u64>,
    /// A substring of the id, alias or domain.
    pub search_key: Option<String>,
    /// `CA` or `SVR` (certdesk's certificates are all `SVR`).
    pub certificate_type: Option<String>,
    /// Only this project.
    pub project_id: Option<u64>,
    /// Sort by expiry: `ASC` or `DESC`.
    pub expiration_sort: Option<String>,
    /// Only these statuses.
    #[serde(default)]
    pub certificate_status: Vec<u64>,
    /// Deployable only (accepted, not filtered: every issued certificate is).
    pub deployable: Option<i64>,
    /// Uploaded only (certdesk holds none uploaded).
    pub upload: Option<i64>,
    /// 1: only certificates that can be renewed now.
    pub renew: Option<i64>,
    /// `upload`, `buy`, `all`.
    pub filter_source: Option<String>,
    /// 1: only SM2 certificates; 0: only the others.
    #[serde(rename = "IsSM")]
    pub is_sm: Option<i64>,
    /// 1: only certificates expiring within 30 days.
    pub filter_expiring: Option<i64>,
    /// Hostable only (accepted, not filtered).
    pub hostable: Option<i64>,
    /// Only certificates with all these tags.
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// 1: only orders waiting for issuance.
    pub is_pending_issue: Option<i64>,
    /// Only these certificates.
    #[serde(default)]
    pub cert_ids: Vec<String>,
}

impl DescribeCertificatesRequest {
    /// The page size asked for, or the default 20.
    pub fn limit(&self) -> u64 {
        self.limit.unwrap_or(20)
    }
}

impl Checked for DescribeCertificatesRequest {
    fn codes() -> &'static ErrorCodes {
        &APPLY_CODES
    }

    fn violations(&self) -> Vec<Violation> {
        let mut found = Vec::new();
        if !(1..=MAX_CERTIFICATES_PAGE).contains(&self.limit()) {
            found.push(Violation::error(
                "Limit",
                ParamCode::PageLimitOutOfRange,
                format!(
                    "a page holds 1 to {MAX_CERTIFICATES_PAGE} certificates, not {}",
                    self.limit()
                ),
            ));
        }
        if self.cert_ids.len() > MAX_CERTIFICATE_IDS {
            found.push(Violation::error(
                "CertIds",
                ParamCode::ValueNotAllowed,
                format!(
                    "at most {MAX_CERTIFICATE_IDS} ids, not {}",
                    self.cert_ids.len()
                ),
            ));
        }
        one_of(
            &mut found,
            "ExpirationSort",
            given(&self.expiration_sort),
            &["ASC", "DESC"],
        );
        found.extend(tag_violations(&self.tags));
        found
    }
}

/// `ReplaceCertificate`: reissue with a new CSR.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ReplaceCertificateRequest {
    /// The certificate. Required.
    pub certificate_id: Option<String>,
    /// The validation method, should validation be due. Required.
    pub valid_type: Option<String>,
    /// `online` (a new key generated now) or `parse` (`CsrContent`).
    pub csr_type: Option<String>,
    /// The pasted CSR (PEM).
    pub csr_content: Option<String>,
    /// The new key's password (`online`).
    #[serde(rename = "CsrkeyPassword")]
    pub csrkey_password: Option<Password>,
    /// Why.
    pub reason: Option<String>,
    /// `RSA`, `ECC` or `SM2` for an `online` key.
    #[serde(rename = "CertCSREncryptAlgo")]
    pub cert_csr_encrypt_algo: Option<String>,
    /// `2048`, `prime256v1`, `secp384r1`, `SM2` for an `online` key.
    #[serde(rename = "CertCSRKeyParameter")]
    pub cert_csr_key_parameter: Option<String>,
}

impl Checked for ReplaceCertificateRequest {
    fn codes() -> &'static ErrorCodes {
        &APPLY_CODES
    }

    fn violations(&self) -> Vec<Violation> {
        let mut found = Vec::new();
        certificate_id(&mut found, &self.certificate_id);
        match given(&self.valid_type) {
            None => found.push(missing("ValidType")),
            v => one_of(&mut found, "ValidType", v, VERIFY_TYPES),
        }
        let csr_type = given(&self.csr_type).unwrap_or("online");
        one_of(&mut found, "CsrType", Some(csr_type), CSR_TYPES);
        if csr_type == "parse" && given(&self.csr_content).is_none() {
            found.push(missing("CsrContent"));
        }
        found
    }
}

/// `RevokeCertificate`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RevokeCertificateRequest {
    /// The certificate. Required.
    pub certificate_id: Option<String>,
    /// Why.
    pub reason: Option<String>,
}

impl Checked for RevokeCertificateRequest {
    fn codes() -> &'static ErrorCodes {
        &APPLY_CODES
    }

    fn violations(&self) -> Vec<Violation> {
        let mut found = Vec::new();
        certificate_id(&mut found, &self.certificate_id);
        found
    }
}

/// `DeleteCertificate`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DeleteCertificateRequest {
    /// The certificate. Required.
    pub certificate_id: Option<String>,
    /// Refuse when cloud resources use the certificate (none do here).
    pub is_check_resource: Option<bool>,
}

impl Checked for DeleteCertificateRequest {
    fn codes() -> &'static ErrorCodes {
        &APPLY_CODES
    }

    fn violations(&self) -> Vec<Violation> {
        let mut found = Vec::new();
        certificate_id(&mut found, &self.certificate_id);
        found
    }
}

/// `ModifyCertificateAlias`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ModifyCertificateAliasRequest {
    /// The certificate. Required.
    pub certificate_id: Option<String>,
    /// The new alias (empty clears it).
    pub alias: Option<String>,
}

impl Checked for ModifyCertificateAliasRequest {
    fn codes() -> &'static ErrorCodes {
        &APPLY_CODES
    }

    fn violations(&self) -> Vec<Violation> {
        let mut found = Vec::new();
        certificate_id(&mut found, &self.certificate_id);
        found
    }
}

/// `ModifyCertificateProject`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ModifyCertificateProjectRequest {
    /// The certificates. Required.
    #[serde(default)]
    pub certificate_id_list: Vec<String>,
    /// The project. Required.
    pub project_id: Option<u64>,
}

impl Checked for ModifyCertificateProjectRequest {
    fn codes() -> &'static ErrorCodes {
        &APPLY_CODES
    }

    fn violations(&self) -> Vec<Violation> {
        let mut found = Vec::new();
        if self.certificate_id_list.is_empty() {
            found.push(missing("CertificateIdList"));
        }
        if self.certificate_id_list.len() > MAX_CERTIFICATE_IDS {
            found.push(Violation::error(
                "CertificateIdList",
                ParamCode::ValueNotAllowed,
                format!(
                    "at most {MAX_CERTIFICATE_IDS} ids, not {}",
                    self.certificate_id_list.len()
                ),
            ));
        }
        if self.project_id.is_none() {
            found.push(missing("ProjectId"));
        }
        found
    }
}

crate::cloud::validate_bodies!(
    CreateCertificateRequest,
    SubmitCertificateInformationRequest,
    CommitCertificateInformationRequest,
    UploadConfirmLetterRequest,
    CertificateIdRequest,
    DescribeCertificatesRequest,
    ReplaceCertificateRequest,
    RevokeCertificateRequest,
    DeleteCertificateRequest,
    ModifyCertificateAliasRequest,
    ModifyCertificateProjectRequest,
);
