//! The certificate order actions' requests, with the parameter names of the SDK's models
//! (`alibabacloud_cas20200407.models`). Numbers may come as text, as Alibaba's RPC sends them.

use serde::Deserialize;

use crate::cloud::alibaba::{CODES, number};
use crate::cloud::{Checked, ErrorCodes, given, missing};
use crate::key::SecretText;
use crate::policy::{ParamCode, Violation};

/// A resource tag, as Alibaba's order actions take it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct OrderTag {
    /// The key.
    pub key: Option<String>,
    /// The value.
    pub value: Option<String>,
}

fn tag_violations(tags: &[OrderTag]) -> Vec<Violation> {
    tags.iter()
        .enumerate()
        .filter(|(_, t)| given(&t.key).is_none())
        .map(|(i, _)| missing(&format!("Tags.{}.Key", i + 1)))
        .collect()
}

fn order_id(found: &mut Vec<Violation>, field: &str, id: Option<u64>) {
    match id {
        None => found.push(missing(field)),
        Some(0) => found.push(Violation::error(
            field,
            ParamCode::OrderIdInvalid,
            "0 is not an order id; ids are positive",
        )),
        Some(_) => {}
    }
}

/// The validation methods Alibaba's order actions take.
pub const VALIDATE_TYPES: &[&str] = &["DNS", "FILE"];

fn validate_type(found: &mut Vec<Violation>, value: &Option<String>) {
    match given(value) {
        None => found.push(missing("ValidateType")),
        Some(v) if !VALIDATE_TYPES.contains(&v) => found.push(Violation::error(
            "ValidateType",
            ParamCode::DvUnknownMethod,
            format!("{v:?} is not a validation method; use DNS or FILE"),
        )),
        Some(_) => {}
    }
}

fn contact(found: &mut Vec<Violation>, email: &Option<String>, phone: &Option<String>) {
    if let Some(email) = given(email)
        && let Err(e) = crate::san::EmailAddress::parse(email)
    {
        found.push(Violation::error("Email", e.code(), e.to_string()));
    }
    if let Some(phone) = given(phone) {
        found.extend(crate::policy::check_phone("Phone", phone));
    }
}

/// `CreateCertificateRequest`: a DV certificate for one domain; the service makes the CSR.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreateCertificateRequest {
    /// The product (`digicert-free-1-free` for the free certificate, the default).
    pub product_code: Option<String>,
    /// The applicant's name. Required.
    pub username: Option<String>,
    /// The applicant's phone. Required.
    pub phone: Option<String>,
    /// The applicant's e-mail address. Required.
    pub email: Option<String>,
    /// The domain. Required.
    pub domain: Option<String>,
    /// `DNS` or `FILE`. Required.
    pub validate_type: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<OrderTag>,
}

fn applicant(
    found: &mut Vec<Violation>,
    username: &Option<String>,
    phone: &Option<String>,
    email: &Option<String>,
) {
    for (field, value) in [("Username", username), ("Phone", phone), ("Email", email)] {
        if given(value).is_none() {
            found.push(missing(field));
        }
    }
    contact(found, email, phone);
}

impl Checked for CreateCertificateRequest {
    fn codes() -> &'static ErrorCodes {
        &CODES
    }

    fn violations(&self) -> Vec<Violation> {
        let mut found = Vec::new();
        applicant(&mut found, &self.username, &self.phone, &self.email);
        if given(&self.domain).is_none() {
            found.push(missing("Domain"));
        }
        validate_type(&mut found, &self.validate_type);
        found.extend(product_code(&self.product_code));
        found.extend(tag_violations(&self.tags));
        found
    }
}

fn product_code(code: &Option<String>) -> Option<Violation> {
    let code = given(code)?;
    crate::cloud::catalog::alibaba_product(code)
        .is_none()
        .then(|| {
            Violation::error(
                "ProductCode",
                ParamCode::ValueNotAllowed,
                format!(
                    "{code:?} is not a product this service sells; known: {}",
                    crate::cloud::catalog::ALIBABA_PRODUCT_CODES.join(", ")
                ),
            )
        })
}

/// `CreateCertificateWithCsrRequest`: a DV certificate for a CSR made elsewhere.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreateCertificateWithCsrRequest {
    /// The product.
    pub product_code: Option<String>,
    /// The CSR (PEM); its common name is the domain. Required.
    pub csr: Option<String>,
    /// The applicant's name. Required.
    pub username: Option<String>,
    /// The applicant's phone. Required.
    pub phone: Option<String>,
    /// The applicant's e-mail address. Required.
    pub email: Option<String>,
    /// `DNS` or `FILE`. Required.
    pub validate_type: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<OrderTag>,
}

impl Checked for CreateCertificateWithCsrRequest {
    fn codes() -> &'static ErrorCodes {
        &CODES
    }

    fn violations(&self) -> Vec<Violation> {
        let mut found = Vec::new();
        applicant(&mut found, &self.username, &self.phone, &self.email);
        if given(&self.csr).is_none() {
            found.push(missing("Csr"));
        }
        validate_type(&mut found, &self.validate_type);
        found.extend(product_code(&self.product_code));
        found.extend(tag_violations(&self.tags));
        found
    }
}

/// `CreateCertificateForPackageRequest`: a certificate from the account's package, for a
/// domain (the service makes the CSR) or a CSR.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreateCertificateForPackageRequest {
    /// The product.
    pub product_code: Option<String>,
    /// The CSR (PEM), instead of `Domain`.
    pub csr: Option<String>,
    /// The domains, comma separated (with `Csr`, the CSR's names must be these).
    pub domain: Option<String>,
    /// The applicant's name.
    pub username: Option<String>,
    /// The applicant's phone.
    pub phone: Option<String>,
    /// The applicant's e-mail address.
    pub email: Option<String>,
    /// The company (OV products).
    pub company_name: Option<String>,
    /// `DNS` or `FILE`.
    pub validate_type: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<OrderTag>,
}

impl Checked for CreateCertificateForPackageRequest {
    fn codes() -> &'static ErrorCodes {
        &CODES
    }

    fn violations(&self) -> Vec<Violation> {
        let mut found = Vec::new();
        if given(&self.csr).is_none() && given(&self.domain).is_none() {
            found.push(missing("Domain"));
        }
        if given(&self.validate_type).is_some() {
            validate_type(&mut found, &self.validate_type);
        }
        contact(&mut found, &self.email, &self.phone);
        found.extend(product_code(&self.product_code));
        found.extend(tag_violations(&self.tags));
        found
    }
}

/// The request of every action that names only the order: `DescribeCertificateState`,
/// `CancelOrderRequest`, `CancelCertificateForPackageRequest`, `DeleteCertificateRequest`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct OrderIdRequest {
    /// The order. Required.
    #[serde(default, deserialize_with = "number")]
    pub order_id: Option<u64>,
}

impl Checked for OrderIdRequest {
    fn codes() -> &'static ErrorCodes {
        &CODES
    }

    fn violations(&self) -> Vec<Violation> {
        let mut found = Vec::new();
        order_id(&mut found, "OrderId", self.order_id);
        found
    }
}

/// The order-list statuses `ListUserCertificateOrder` filters by.
pub const ORDER_STATUSES: &[&str] = &[
    "PAYED",
    "CHECKING",
    "CHECKED_FAIL",
    "ISSUED",
    "WILLEXPIRED",
    "EXPIRED",
    "NOTACTIVATED",
    "REVOKED",
];

/// `ListUserCertificateOrder`: a page of the account's orders.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ListUserCertificateOrderRequest {
    /// A substring of the domain or the order id.
    pub keyword: Option<String>,
    /// Only orders in this status.
    pub status: Option<String>,
    /// `CPACK` (package orders), `BUY` (bought), `CERT` (certificates; the default), `UPLOAD`.
    pub order_type: Option<String>,
    /// The resource group (accepted; certdesk has one per account).
    pub resource_group_id: Option<String>,
    /// The page, from 1.
    #[serde(default, deserialize_with = "number")]
    pub current_page: Option<u64>,
    /// Orders per page: 50 by default.
    #[serde(default, deserialize_with = "number")]
    pub show_size: Option<u64>,
}

impl ListUserCertificateOrderRequest {
    /// The page asked for, from 1.
    pub fn current_page(&self) -> u64 {
        self.current_page.unwrap_or(1).max(1)
    }

    /// The page size asked for, or the default 50.
    pub fn show_size(&self) -> u64 {
        self.show_size.unwrap_or(50)
    }
}

impl Checked for ListUserCertificateOrderRequest {
    fn codes() -> &'static ErrorCodes {
        &CODES
    }

    fn violations(&self) -> Vec<Violation> {
        let mut found = Vec::new();
        if !(1..=crate::cloud::alibaba::MAX_SHOW_SIZE).contains(&self.show_size()) {
            found.push(Violation::error(
                "ShowSize",
                ParamCode::PageLimitOutOfRange,
                format!(
                    "a page holds 1 to {} orders, not {}",
                    crate::cloud::alibaba::MAX_SHOW_SIZE,
                    self.show_size()
                ),
            ));
        }
        if let Some(status) = given(&self.status)
            && !ORDER_STATUSES.contains(&status)
        {
            found.push(Violation::error(
                "Status",
                ParamCode::ValueNotAllowed,
                format!(
                    "{status:?} is not an order status; use one of {}",
                    ORDER_STATUSES.join(", ")
                ),
            ));
        }
        if let Some(t) = given(&self.order_type)
            && !["CPACK", "BUY", "CERT", "UPLOAD"].contains(&t)
        {
            found.push(Violation::error(
                "OrderType",
                ParamCode::ValueNotAllowed,
                format!("{t:?} is not an order type; use CPACK, BUY, CERT or UPLOAD"),
            ));
        }
        found
    }
}

/// `RenewCertificateOrderForPackageRequest`: renew an expiring certificate, optionally with a
/// new CSR.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RenewCertificateOrderForPackageRequest {
    /// The order to renew. Required.
    #[serde(default, deserialize_with = "number")]
    pub order_id: Option<u64>,
    /// A new CSR (PEM); the old one is reused otherwise.
    pub csr: Option<SecretText>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<OrderTag>,
}

impl Checked for RenewCertificateOrderForPackageRequest {
    fn codes() -> &'static ErrorCodes {
        &CODES
    }

    fn violations(&self) -> Vec<Violation> {
        let mut found = Vec::new();
        order_id(&mut found, "OrderId", self.order_id);
        found.extend(tag_violations(&self.tags));
        found
    }
}

/// `RevokeCertificate`: revoke an issued certificate.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RevokeCertificateRequest {
    /// The certificate (its order's id here). Required unless `InstanceId` is given.
    #[serde(default, deserialize_with = "number")]
    pub certificate_id: Option<u64>,
    /// The certificate's instance (`cas-...`, or the order's id).
    pub instance_id: Option<String>,
}

impl RevokeCertificateRequest {
    /// The order the request names: `CertificateId`, else the digits of `InstanceId`.
    pub fn order_id(&self) -> Option<u64> {
        self.certificate_id.or_else(|| {
            given(&self.instance_id).and_then(|i| {
                i.trim_start_matches("cas-")
                    .trim_start_matches("cas_")
                    .parse()
                    .ok()
            })
        })
    }
}

impl Checked for RevokeCertificateRequest {
    fn codes() -> &'static ErrorCodes {
        &CODES
    }

    fn violations(&self) -> Vec<Violation> {
        let mut found = Vec::new();
        if self.certificate_id.is_none() && given(&self.instance_id).is_some() {
            if self.order_id().is_none() {
                found.push(Violation::error(
                    "InstanceId",
                    ParamCode::OrderIdInvalid,
                    "InstanceId names no certificate of this service",
                ));
            }
        } else {
            order_id(&mut found, "CertificateId", self.certificate_id);
        }
        found
    }
}

/// `DescribePackageState`: the account's certificate quota for a product.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribePackageStateRequest {
    /// The product (`digicert-free-1-free` by default).
    pub product_code: Option<String>,
}

impl Checked for DescribePackageStateRequest {
    fn codes() -> &'static ErrorCodes {
        &CODES
    }

    fn violations(&self) -> Vec<Violation> {
        product_code(&self.product_code).into_iter().collect()
    }
}

crate::cloud::validate_bodies!(
    CreateCertificateRequest,
    CreateCertificateWithCsrRequest,
    CreateCertificateForPackageRequest,
    OrderIdRequest,
    ListUserCertificateOrderRequest,
    RenewCertificateOrderForPackageRequest,
    RevokeCertificateRequest,
    DescribePackageStateRequest,
);
