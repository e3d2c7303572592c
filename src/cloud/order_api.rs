//! The vendors' certificate and order actions answered by the order service: a request body in,
//! the vendor's response payload (or its error) out.

use base64ct::{Base64, Encoding};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::macros::format_description;
use zeroize::Zeroizing;

use crate::backend::{Page, Scope};
use crate::cloud::csr_api::{vendor_error, vendor_time};
use crate::cloud::{
    AlibabaErrorCode, Api, Checked, Cx, TencentErrorCode, Vendor, VendorError, alibaba, catalog,
    given, tencent, zip,
};
use crate::code::Code;
use crate::csr::Csr;
use crate::key::{KeyKind, KeySpec, Password};
use crate::order::{
    ApplicationDetails, Challenge, Change, CheckOutcome, DomainType, Order, OrderError, OrderState,
    OrderTag, PersonName, Product, QuotaError, Step, ValidationMethod, ValidationType,
};
use crate::policy::{Contact, CsrForm, OrderInfo, Organization, ParamCode, Person, Violation};
use crate::service::{CsrSource, OrderService, ServerKind, ServiceError, Upload};

/// The most orders a filtered listing reads (`DescribeCertificates`,
/// `ListUserCertificateOrder`): the filters run over the account's latest orders, newest
/// first, up to this many.
pub const MAX_LIST_SCAN: u64 = 10_000;

impl OrderService {
    /// Answers a vendor API request for `scope`, CSR and order actions alike: the single entry
    /// point a transport calls with the action it received
    /// ([`Api::find`](crate::cloud::Api::find)) and the request body. The answer is the
    /// vendor's response payload (wrap it with [`success_body`](crate::cloud::success_body))
    /// or the vendor's error ([`VendorError::response_body`]). One call counts once against
    /// the account's rate limit, whatever it does inside.
    #[tracing::instrument(skip_all, fields(account = %scope.account, api = %api))]
    pub async fn handle(&self, scope: &Scope, api: Api, body: &[u8]) -> Result<Value, VendorError> {
        self.admit_call(scope, api.name())
            .map_err(|e| vendor_error(api, e))?;
        let orders = self.unlimited();
        let cx = Cx {
            api,
            csrs: orders.csrs(),
            orders: Some(&orders),
        };
        api.run(&cx, scope, body).await
    }
}

/// The code an action answers when the order is not in a state for it (the vendor's own code
/// for that action where its error table has one).
fn denied(api: Api) -> Code {
    use TencentErrorCode as T;
    let code = match api {
        Api::TencentSubmitCertificateInformation => {
            T::FailedOperationCertificateInfoSubmitStatusInvalid
        }
        Api::TencentCommitCertificateInformation | Api::TencentCompleteCertificate => {
            T::FailedOperationInvalidCertificateStatusCode
        }
        Api::TencentUploadConfirmLetter => T::FailedOperationUploadConfirmCertificateNotSupport,
        Api::TencentCheckCertificateDomainVerification => {
            T::FailedOperationCertificateStatusNotAllowVerify
        }
        Api::TencentCancelCertificateOrder => T::FailedOperationCancelOrderFailed,
        Api::TencentCancelAuditCertificate => T::FailedOperationCancelAuditCertificateFailed,
        Api::TencentModifyCertificateResubmit => {
            T::FailedOperationCertificateStatusNotAllowResubmit
        }
        Api::TencentReplaceCertificate => T::FailedOperationOrderReplaceFailed,
        Api::TencentRevokeCertificate => T::FailedOperationRevokeFailed,
        Api::TencentDeleteCertificate => T::FailedOperationCannotBeDeletedIssued,
        Api::TencentApplyCertificate => T::FailedOperationRenewNotIssued,
        Api::TencentDownloadCertificate | Api::TencentDescribeCertificateDetail => {
            T::FailedOperationCertificateNotAvailable
        }
        _ if api.vendor() == Vendor::Alibaba => return AlibabaErrorCode::OperationDenied.to_code(),
        _ => T::FailedOperation,
    };
    code.to_code()
}

/// A service error as the action's vendor error: the order layer's failures get the vendor's
/// order codes; the rest is the CSR actions' mapping.
fn order_error(api: Api, e: ServiceError) -> VendorError {
    let vendor = api.vendor();
    let tencent = vendor == Vendor::Tencent;
    let status = |tencent_status: u16| if tencent { 200 } else { tencent_status };
    let make = |code: Code, http_status: u16, message: String| VendorError {
        vendor,
        code,
        message,
        http_status,
        violations: Vec::new(),
    };
    match &e {
        ServiceError::OrderNotFound { id } => {
            let code = if tencent {
                TencentErrorCode::FailedOperationCertificateNotFound.to_code()
            } else {
                AlibabaErrorCode::NotFound.to_code()
            };
            make(
                code,
                status(404),
                format!("no certificate order {id} in this account"),
            )
        }
        ServiceError::Quota(q) => {
            let code = if tencent {
                match **q {
                    QuotaError::ExceedsFreeLimit { .. } => {
                        TencentErrorCode::FailedOperationExceedsFreeLimit.to_code()
                    }
                    QuotaError::MainDomainCertificateCountLimit { .. } => {
                        TencentErrorCode::FailedOperationMainDomainCertificateCountLimit.to_code()
                    }
                    _ => TencentErrorCode::FailedOperationInvalidParam.to_code(),
                }
            } else {
                AlibabaErrorCode::QuotaExceeded.to_code()
            };
            make(code, status(403), q.to_string())
        }
        ServiceError::Order(o) => {
            let code = match **o {
                OrderError::IllegalTransition { .. }
                | OrderError::NotRenewable(_)
                | OrderError::FreeNotRenewable
                | OrderError::NotUpgradable
                | OrderError::NotRefundable => denied(api),
                _ if tencent => TencentErrorCode::FailedOperationInvalidParam.to_code(),
                _ => AlibabaErrorCode::InvalidParameter.to_code(),
            };
            let http = if code == denied(api) { 403 } else { 400 };
            make(code, status(http), o.to_string())
        }
        // An order rule (`order.not_issued`, `order.not_deletable`): the action's state code.
        ServiceError::Rules(report)
            if report
                .violations
                .iter()
                .any(|v| v.code.as_str().starts_with("order.")) =>
        {
            make(denied(api), status(403), report.to_string())
        }
        _ => vendor_error(api, e),
    }
}

fn read<R: Checked>(body: &[u8]) -> Result<R, VendorError> {
    R::read(body)
}

/// A violation of one parameter, as the action's error.
fn param_error<R: Checked>(v: Violation) -> VendorError {
    R::codes().single(v)
}

fn certificate_id(id: &Option<String>) -> String {
    given(id).unwrap_or_default().to_owned()
}

fn method(name: &str) -> Option<ValidationMethod> {
    serde_json::from_value(Value::String(name.to_owned())).ok()
}

fn tags_of(tags: &[tencent::Tag]) -> Vec<OrderTag> {
    tags.iter()
        .map(|t| OrderTag {
            key: t.tag_key.clone(),
            value: t.tag_value.clone(),
        })
        .collect()
}

fn alibaba_tags(tags: &[alibaba::OrderTag]) -> Vec<OrderTag> {
    tags.iter()
        .map(|t| OrderTag {
            key: t.key.clone().unwrap_or_default(),
            value: t.value.clone().unwrap_or_default(),
        })
        .collect()
}

/// Every order of the account the listing filters look at, as it stands now
/// ([`Order::as_of`]): the newest first, at most [`MAX_LIST_SCAN`].
async fn scan(orders: &OrderService, scope: &Scope) -> Result<Vec<Order>, ServiceError> {
    let now = orders.now();
    let mut all = Vec::new();
    let mut offset = 0;
    loop {
        let page = orders
            .list(
                scope,
                Page {
                    offset,
                    limit: 1000,
                },
            )
            .await?;
        let got = page.items.len() as u64;
        all.extend(page.items.iter().map(|o| o.as_of(now)));
        offset += got;
        if got == 0 || offset >= page.total || offset >= MAX_LIST_SCAN {
            break;
        }
    }
    all.sort_by_key(|o| std::cmp::Reverse(o.created_at()));
    Ok(all)
}

/// The certificate, its chain and the key of an issued order: `(certificate and chain PEM,
/// key PEM)`.
async fn issued_pem(
    orders: &OrderService,
    scope: &Scope,
    id: &str,
) -> Result<(String, Option<Zeroizing<String>>), ServiceError> {
    let bundle = orders.download(scope, id, ServerKind::Nginx, None).await?;
    let mut cert = String::new();
    let mut key = None;
    for (name, bytes) in &bundle.files {
        let text = String::from_utf8_lossy(bytes).into_owned();
        if name.ends_with(".key") {
            key = Some(Zeroizing::new(text));
        } else {
            cert = text;
        }
    }
    Ok((cert, key))
}

/// The key algorithm's vendor name: `RSA`, `ECC`, `SM2`.
fn algorithm(kind: Option<KeyKind>) -> &'static str {
    match kind {
        Some(KeyKind::Rsa { .. }) | None => "RSA",
        Some(KeyKind::Ec { .. }) => "ECC",
        Some(KeyKind::Sm2) => "SM2",
    }
}

/// A key spec for an online CSR of `product`: the one named, else RSA-2048 (SM2 for GM).
fn online_key(product: &Product, named: Option<KeySpec>) -> KeySpec {
    named.unwrap_or(match product.standard {
        crate::order::AlgorithmStandard::Gm => KeySpec::Sm2,
        crate::order::AlgorithmStandard::International => KeySpec::Rsa2048,
    })
}

/// The form of a CSR made here for an order: its domain, key, the organization (OV and EV)
/// and the organization's country.
fn online_form(
    common_name: &str,
    key: KeySpec,
    info: Option<&OrderInfo>,
    country: Option<&str>,
) -> CsrForm {
    CsrForm {
        common_name: Some(common_name.to_owned()),
        country: info.and(country).map(str::to_owned),
        key: Some(key.name().to_owned()),
        organization: info.map(|i| i.organization.name.clone()),
        organizational_unit: info.map(|i| i.organization.department.clone()),
        locality: info.map(|i| i.organization.city.clone()),
        state: info.and_then(|i| i.organization.province.clone()),
        ..CsrForm::default()
    }
}

fn pasted(pem: &str) -> CsrSource {
    CsrSource::Pasted(Upload {
        csr: pem.as_bytes().to_vec(),
        key: None,
        password: None,
        name: None,
    })
}

// ---------------------------------------------------------------------------------------
// Tencent
// ---------------------------------------------------------------------------------------

/// `ApplyCertificate`: a free certificate, or with `OldCertificateId` its renewal.
pub(crate) async fn tencent_apply_certificate(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let api = cx.api;
    let orders = cx.orders()?;
    let err = |e| order_error(api, e);
    let req = tencent::ApplyCertificateRequest::from_json(body)?;
    req.check()?;
    if let Some(old) = given(&req.old_certificate_id) {
        let renewal = orders.renew(scope, old).await.map_err(err)?;
        return Ok(json!({ "CertificateId": renewal.id() }));
    }
    let (form, _) = req.to_form();
    let domain = given(&req.domain_name).unwrap_or_default().to_owned();
    let method = given(&req.dv_auth_method)
        .and_then(method)
        .unwrap_or(ValidationMethod::Dns);
    let details = ApplicationDetails {
        contact_email: given(&req.contact_email).map(str::to_owned),
        contact_phone: given(&req.contact_phone).map(str::to_owned),
        alias: given(&req.alias).map(str::to_owned),
        project_id: req.project_id,
        delete_dns_auto_record: req.delete_dns_auto_record.unwrap_or(false),
        validity_period: given(&req.validity_period).and_then(|p| p.parse().ok()),
        ..ApplicationDetails::default()
    };
    let source = CsrSource::Generate {
        form,
        password: req.csr_key_password.clone().filter(|p| !p.is_empty()),
    };
    let order = orders
        .apply_free_with(scope, &domain, method, source, details)
        .await
        .map_err(err)?;
    // DNS_AUTO: "the DNS record is added automatically".
    if method == ValidationMethod::DnsAuto {
        orders.publish_dns(scope, order.id()).await.map_err(err)?;
    }
    Ok(json!({ "CertificateId": order.id() }))
}

/// `CreateCertificate`: one paid order for the product, its years and domain count.
pub(crate) async fn tencent_create_certificate(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let api = cx.api;
    let orders = cx.orders()?;
    let err = |e| order_error(api, e);
    let req: tencent::CreateCertificateRequest = read(body)?;
    let id = req.product_id.unwrap_or_default();
    let mut product = catalog::tencent_product(id).ok_or_else(|| {
        param_error::<tencent::CreateCertificateRequest>(Violation::error(
            "ProductId",
            ParamCode::ValueNotAllowed,
            format!("{id} is not a product this service sells"),
        ))
    })?;
    let domains = usize::try_from(req.domain_num.unwrap_or(1)).unwrap_or(1);
    if product.domain_type == DomainType::Multiple {
        product.max_domains = domains;
    } else if domains != 1 {
        return Err(param_error::<tencent::CreateCertificateRequest>(
            Violation::error(
                "DomainNum",
                ParamCode::ValueNotAllowed,
                format!("product {id} binds one domain, not {domains}"),
            ),
        ));
    }
    let years = u32::try_from(req.time_span.unwrap_or(1)).unwrap_or(1);
    product.validity_months = years.saturating_mul(12);
    let order = orders.create_paid(scope, product).await.map_err(err)?;
    if !req.tags.is_empty() {
        orders
            .set_details(
                scope,
                order.id(),
                ApplicationDetails {
                    tags: tags_of(&req.tags),
                    ..ApplicationDetails::default()
                },
            )
            .await
            .map_err(err)?;
    }
    Ok(json!({ "CertificateIds": [order.id()], "DealIds": [order.id()] }))
}

fn name_of(first: &Option<String>, last: &Option<String>) -> Option<PersonName> {
    let (first, last) = (given(first), given(last));
    (first.is_some() || last.is_some()).then(|| PersonName {
        first: first.unwrap_or_default().to_owned(),
        last: last.unwrap_or_default().to_owned(),
    })
}

fn full_name(name: &Option<PersonName>) -> String {
    name.as_ref()
        .map(|n| format!("{} {}", n.first, n.last).trim().to_owned())
        .unwrap_or_default()
}

/// The organization, administrator and contact of a `SubmitCertificateInformation`, when it
/// names an organization.
fn tencent_info(req: &tencent::SubmitCertificateInformationRequest) -> Option<OrderInfo> {
    given(&req.organization_name)?;
    let text = |v: &Option<String>| given(v).unwrap_or_default().to_owned();
    let phone = match (given(&req.phone_area_code), given(&req.phone_number)) {
        (Some(area), Some(number)) => format!("{area}-{number}"),
        (None, Some(number)) => number.to_owned(),
        _ => String::new(),
    };
    let admin = Person {
        name: full_name(&name_of(&req.admin_first_name, &req.admin_last_name)),
        position: text(&req.admin_position),
        phone: text(&req.admin_phone_num),
        email: text(&req.admin_email),
    };
    let contact = Person {
        name: full_name(&name_of(&req.contact_first_name, &req.contact_last_name)),
        position: text(&req.contact_position),
        phone: text(&req.contact_number),
        email: text(&req.contact_email),
    };
    let contact = if contact.name.is_empty() && contact.email.is_empty() {
        Contact::SameAsAdmin
    } else {
        Contact::Person(contact)
    };
    Some(OrderInfo {
        organization: Organization {
            name: text(&req.organization_name),
            department: text(&req.organization_division),
            city: text(&req.organization_city),
            province: given(&req.organization_region).map(str::to_owned),
            address: text(&req.organization_address),
            phone,
        },
        admin,
        contact,
    })
}

/// `SubmitCertificateInformation`: the CSR (online or pasted), the domains and the
/// organization of a paid order; with `VerifyType` the validation method is chosen too.
pub(crate) async fn tencent_submit_certificate_information(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let api = cx.api;
    let orders = cx.orders()?;
    let err = |e| order_error(api, e);
    let req: tencent::SubmitCertificateInformationRequest = read(body)?;
    let id = certificate_id(&req.certificate_id);
    let order = orders.get(scope, &id).await.map_err(err)?;
    let info = tencent_info(&req);
    let main = given(&req.certificate_domain)
        .unwrap_or_default()
        .to_owned();
    let mut domains = vec![main.clone()];
    for d in &req.domain_list {
        let d = d.trim();
        if !d.is_empty() && !domains.iter().any(|x| x == d) {
            domains.push(d.to_owned());
        }
    }
    let source = match given(&req.csr_type).unwrap_or("online") {
        "parse" => pasted(given(&req.csr_content).unwrap_or_default()),
        _ => CsrSource::Generate {
            form: online_form(
                &main,
                online_key(order.product(), None),
                info.as_ref(),
                given(&req.organization_country),
            ),
            password: req.key_password.clone().filter(|p| !p.is_empty()),
        },
    };
    let info = info.filter(|_| order.product().validation != ValidationType::Dv);
    orders
        .submit_info(scope, &id, source, domains, info)
        .await
        .map_err(err)?;
    let details = ApplicationDetails {
        admin_name: name_of(&req.admin_first_name, &req.admin_last_name),
        contact_name: name_of(&req.contact_first_name, &req.contact_last_name),
        postal_code: given(&req.postal_code).map(str::to_owned),
        phone_area_code: given(&req.phone_area_code).map(str::to_owned),
        contact_email: given(&req.contact_email).map(str::to_owned),
        contact_phone: given(&req.contact_number).map(str::to_owned),
        organization_country: given(&req.organization_country).map(str::to_owned),
        ..order.details().clone()
    };
    orders.set_details(scope, &id, details).await.map_err(err)?;
    if let Some(m) = given(&req.verify_type).and_then(method) {
        choose_if_waiting(orders, scope, &id, m)
            .await
            .map_err(err)?;
    }
    Ok(json!({ "CertificateId": id }))
}

/// Chooses the validation method when the order waits for one; publishes the records of
/// automatic DNS validation.
async fn choose_if_waiting(
    orders: &OrderService,
    scope: &Scope,
    id: &str,
    method: ValidationMethod,
) -> Result<Order, ServiceError> {
    let order = orders.get(scope, id).await?;
    if order.state().step() != Some(Step::SelectValidationMethod) {
        return Ok(order);
    }
    let order = orders.choose_validation(scope, id, method).await?;
    if method == ValidationMethod::DnsAuto {
        orders.publish_dns(scope, id).await?;
    }
    Ok(order)
}

/// `CommitCertificateInformation`: the submitted order goes to the CA (the validation method
/// chosen now when it was not).
pub(crate) async fn tencent_commit_certificate_information(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let api = cx.api;
    let orders = cx.orders()?;
    let err = |e| order_error(api, e);
    let req: tencent::CommitCertificateInformationRequest = read(body)?;
    let id = certificate_id(&req.certificate_id);
    let order = orders.get(scope, &id).await.map_err(err)?;
    let order = match order.state().step() {
        Some(Step::SubmitInfo | Step::Apply) => {
            return Err(order_error(
                api,
                ServiceError::Order(Box::new(OrderError::IllegalTransition {
                    state: order.state().name(),
                    command: crate::order::CommandName::ChooseValidation,
                })),
            ));
        }
        Some(Step::SelectValidationMethod) => {
            let m = given(&req.verify_type)
                .and_then(method)
                .or(order.method())
                .ok_or_else(|| {
                    param_error::<tencent::CommitCertificateInformationRequest>(
                        crate::cloud::missing("VerifyType"),
                    )
                })?;
            choose_if_waiting(orders, scope, &id, m)
                .await
                .map_err(err)?
        }
        _ => order,
    };
    Ok(json!({ "OrderId": order.id(), "Status": order.tencent_status().code }))
}

/// `UploadConfirmLetter`: the letter, base64.
pub(crate) async fn tencent_upload_confirm_letter(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let api = cx.api;
    let orders = cx.orders()?;
    let req: tencent::UploadConfirmLetterRequest = read(body)?;
    let id = certificate_id(&req.certificate_id);
    let text = given(&req.confirm_letter).unwrap_or_default();
    // A data URL's prefix (`data:image/png;base64,`) is tolerated, as the console sends it.
    let text = text.split_once("base64,").map_or(text, |(_, b)| b);
    let bytes = Base64::decode_vec(text.trim()).map_err(|_| {
        param_error::<tencent::UploadConfirmLetterRequest>(Violation::error(
            "ConfirmLetter",
            ParamCode::LetterNotBase64,
            "ConfirmLetter is not base64 text",
        ))
    })?;
    orders
        .upload_letter(scope, &id, &bytes)
        .await
        .map_err(|e| order_error(api, e))?;
    Ok(json!({ "CertificateId": id, "IsSuccess": true }))
}

/// `CheckCertificateDomainVerification`: each domain's check, as Tencent reports it.
pub(crate) async fn tencent_check_certificate_domain_verification(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let api = cx.api;
    let orders = cx.orders()?;
    let req: tencent::CertificateIdRequest = read(body)?;
    let id = certificate_id(&req.certificate_id);
    let (order, checks) = orders
        .check_validation(scope, &id)
        .await
        .map_err(|e| order_error(api, e))?;
    let verify_type = order.method().map(|m| m.tencent_name()).unwrap_or("");
    let ca_check = order.ca_check().tencent_ca_check();
    let expected = order.challenges().unwrap_or_default();
    let results: Vec<Value> = checks
        .iter()
        .map(|c| {
            let passed = c.outcome == CheckOutcome::Passed;
            let value: Vec<&str> = expected
                .iter()
                .filter(|ch| ch.domain() == c.domain)
                .map(|ch| match ch {
                    Challenge::Dns { value, .. } => value.as_str(),
                    Challenge::File { content, .. } => content.as_str(),
                })
                .collect();
            json!({
                "Domain": c.domain,
                "VerifyType": verify_type,
                "LocalCheck": c.outcome.tencent_local_check(),
                "CaCheck": ca_check,
                "LocalCheckFailReason": if passed { "" } else { c.outcome.message() },
                "CheckValue": value,
                "Frequently": false,
                "Issued": order.state() == &OrderState::Issued,
            })
        })
        .collect();
    Ok(json!({ "VerificationResults": results }))
}

/// What the actions that name only the certificate do to it.
#[derive(Clone, Copy)]
enum Act {
    Advance,
    Cancel,
    Withdraw,
    Resubmit,
}

/// An action that names only the certificate: read its id, do the act, answer.
async fn on_certificate(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
    act: Act,
    answer: fn(&str) -> Value,
) -> Result<Value, VendorError> {
    let orders = cx.orders()?;
    let req: tencent::CertificateIdRequest = read(body)?;
    let id = certificate_id(&req.certificate_id);
    let done = match act {
        Act::Advance => orders.advance(scope, &id).await,
        Act::Cancel => orders.cancel(scope, &id).await,
        Act::Withdraw => orders.withdraw(scope, &id).await,
        Act::Resubmit => orders.resubmit(scope, &id).await,
    };
    done.map_err(|e| order_error(cx.api, e))?;
    Ok(answer(&id))
}

fn certificate_id_answer(id: &str) -> Value {
    json!({ "CertificateId": id })
}

/// `CompleteCertificate`: the CA goes on with the order now (a review that passed, an
/// issuance due).
pub(crate) async fn tencent_complete_certificate(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    on_certificate(cx, scope, body, Act::Advance, certificate_id_answer).await
}

/// `CancelCertificateOrder`: cancel before issuance (a free certificate's quota comes back).
pub(crate) async fn tencent_cancel_certificate_order(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    on_certificate(cx, scope, body, Act::Cancel, certificate_id_answer).await
}

/// `CancelAuditCertificate`: withdraw from validation or review, back to pending submission.
pub(crate) async fn tencent_cancel_audit_certificate(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    on_certificate(
        cx,
        scope,
        body,
        Act::Withdraw,
        |_| json!({ "Result": true }),
    )
    .await
}

/// `ModifyCertificateResubmit`: a failed paid order back to pending submission.
pub(crate) async fn tencent_modify_certificate_resubmit(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    on_certificate(cx, scope, body, Act::Resubmit, certificate_id_answer).await
}

/// Tencent's `DvAuths` entry for a challenge.
fn dv_auth(challenge: &Challenge) -> Value {
    match challenge {
        Challenge::Dns {
            domain,
            record_type,
            host,
            value,
            ..
        } => {
            let primary = crate::order::primary_domain(domain).unwrap_or_else(|| domain.clone());
            let sub = host
                .strip_suffix(&format!(".{primary}"))
                .unwrap_or(host)
                .to_owned();
            json!({
                "DvAuthKey": sub,
                "DvAuthValue": value,
                "DvAuthDomain": primary,
                "DvAuthPath": "",
                "DvAuthSubDomain": sub,
                "DvAuthVerifyType": record_type.to_string(),
            })
        }
        Challenge::File {
            domain,
            path,
            content,
            ..
        } => {
            let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
            json!({
                "DvAuthKey": file,
                "DvAuthValue": content,
                "DvAuthDomain": domain,
                "DvAuthPath": format!("{dir}/"),
                "DvAuthSubDomain": "",
                "DvAuthVerifyType": "FILE",
            })
        }
    }
}

/// Tencent's `DvAuthDetail`: the first challenge flat, every challenge in `DvAuths`.
fn dv_auth_detail(order: &Order) -> Value {
    let challenges = order.challenges().unwrap_or_default();
    let Some(first) = challenges.first().map(dv_auth) else {
        return Value::Null;
    };
    let auths: Vec<Value> = challenges.iter().map(dv_auth).collect();
    json!({
        "DvAuthKey": first["DvAuthKey"],
        "DvAuthValue": first["DvAuthValue"],
        "DvAuthDomain": first["DvAuthDomain"],
        "DvAuthPath": first["DvAuthPath"],
        "DvAuthKeySubDomain": first["DvAuthSubDomain"],
        "DvAuths": auths,
    })
}

fn tencent_tags(order: &Order) -> Vec<Value> {
    order
        .details()
        .tags
        .iter()
        .map(|t| json!({ "TagKey": t.key, "TagValue": t.value }))
        .collect()
}

/// The fields `DescribeCertificate`, `DescribeCertificateDetail` and `DescribeCertificates`
/// share.
fn tencent_certificate(scope: &Scope, order: &Order, now: OffsetDateTime) -> Map<String, Value> {
    let status = order.tencent_status();
    let product = order.product();
    let details = order.details();
    let package = catalog::tencent_product_id(product).map(|p| p.to_string());
    let cert = order.certificate();
    let time = |t: Option<OffsetDateTime>| t.map(vendor_time);
    let mut m = Map::new();
    m.insert("CertificateId".into(), order.id().into());
    m.insert("OwnerUin".into(), scope.account.as_str().into());
    m.insert(
        "ProjectId".into(),
        details.project_id.unwrap_or(0).to_string().into(),
    );
    m.insert("From".into(), "".into());
    m.insert("PackageType".into(), json!(package));
    m.insert("ProductZhName".into(), product.name().into());
    m.insert(
        "Domain".into(),
        json!(order.domains().first().cloned().unwrap_or_default()),
    );
    m.insert(
        "Alias".into(),
        json!(details.alias.clone().unwrap_or_default()),
    );
    m.insert("Status".into(), status.code.into());
    m.insert("StatusMsg".into(), json!(status.msg.map(|s| s.as_str())));
    m.insert(
        "StatusName".into(),
        json!(crate::order::TencentStatus::describe(status.code)),
    );
    m.insert(
        "VerifyType".into(),
        json!(order.method().map(|m| m.tencent_name())),
    );
    m.insert(
        "CertBeginTime".into(),
        json!(time(cert.map(|c| c.not_before))),
    );
    m.insert("CertEndTime".into(), json!(time(cert.map(|c| c.not_after))));
    m.insert(
        "ValidityPeriod".into(),
        product.validity_months.to_string().into(),
    );
    m.insert("InsertTime".into(), vendor_time(order.created_at()).into());
    m.insert("CertificateType".into(), "SVR".into());
    m.insert(
        "IsDv".into(),
        (product.validation == ValidationType::Dv).into(),
    );
    m.insert(
        "IsWildcard".into(),
        (product.domain_type == DomainType::Wildcard).into(),
    );
    m.insert("IsVip".into(), false.into());
    m.insert(
        "RenewAble".into(),
        order
            .renew(
                "probe",
                crate::order::ValidationToken::from_bytes([0; 16]),
                now,
            )
            .is_ok()
            .into(),
    );
    m.insert("SubjectAltName".into(), json!(order.certified_names()));
    m.insert(
        "Deployable".into(),
        (order.state() == &OrderState::Issued).into(),
    );
    m.insert("Tags".into(), json!(tencent_tags(order)));
    m
}

fn submitted_data(order: &Order) -> Value {
    let Some(csr) = order.csr() else {
        return Value::Null;
    };
    let info = order.info();
    let details = order.details();
    let org = info.map(|i| &i.organization);
    let contact = info.map(|i| i.contact_person());
    json!({
        "CsrType": "online",
        "CsrContent": "",
        "CertificateDomain": order.domains().first(),
        "DomainList": order.domains().iter().skip(1).collect::<Vec<_>>(),
        "KeyPassword": "",
        "OrganizationName": org.map(|o| o.name.as_str()),
        "OrganizationDivision": org.map(|o| o.department.as_str()),
        "OrganizationAddress": org.map(|o| o.address.as_str()),
        "OrganizationCity": org.map(|o| o.city.as_str()),
        "OrganizationRegion": org.and_then(|o| o.province.as_deref()),
        "OrganizationCountry": org.and(details.organization_country.as_deref()),
        "PostalCode": details.postal_code,
        "PhoneAreaCode": details.phone_area_code,
        "PhoneNumber": org.map(|o| o.phone.as_str()),
        "AdminFirstName": details.admin_name.as_ref().map(|n| n.first.as_str()),
        "AdminLastName": details.admin_name.as_ref().map(|n| n.last.as_str()),
        "AdminPhoneNum": info.map(|i| i.admin.phone.as_str()),
        "AdminEmail": info.map(|i| i.admin.email.as_str()),
        "AdminPosition": info.map(|i| i.admin.position.as_str()),
        "ContactFirstName": details.contact_name.as_ref().map(|n| n.first.as_str()),
        "ContactLastName": details.contact_name.as_ref().map(|n| n.last.as_str()),
        "ContactNumber": contact.map(|c| c.phone.as_str()),
        "ContactEmail": contact.map(|c| c.email.as_str()),
        "ContactPosition": contact.map(|c| c.position.as_str()),
        "VerifyType": order.method().map(|m| m.tencent_name()),
        "CsrId": csr.id,
    })
    .as_object()
    .map(|m| {
        // `CsrId` is not in the model: the record id is for certdesk's own bookkeeping.
        let mut m = m.clone();
        m.remove("CsrId");
        Value::Object(m)
    })
    .unwrap_or(Value::Null)
}

fn certificate_extra(order: &Order) -> Value {
    json!({
        "DomainNumber": order.domains().len().to_string(),
        "OriginCertificateId": order.renewal_of().or(order.upgrade_of()),
        "SMCert": u8::from(order.product().standard == crate::order::AlgorithmStandard::Gm),
        "CompanyType": order.details().company_type.map(|c| c as i64),
        // What renewed or replaced it is not tracked on the order.
        "RenewOrder": null,
        "ReplacedBy": null,
        "ReplacedFor": null,
    })
}

/// What `DescribeCertificate` and `DescribeCertificateDetail` both show beyond the listing's
/// fields: the order, the validation details, the submitted information, the extras.
fn tencent_described(scope: &Scope, order: &Order, now: OffsetDateTime) -> Map<String, Value> {
    let mut m = tencent_certificate(scope, order, now);
    m.insert("OrderId".into(), order.id().into());
    m.insert("DvAuthDetail".into(), dv_auth_detail(order));
    m.insert("SubmittedData".into(), submitted_data(order));
    m.insert("CertificateExtra".into(), certificate_extra(order));
    let revoke_auths: Vec<Value> = order.revocation_challenges().iter().map(dv_auth).collect();
    m.insert(
        "DvRevokeAuthDetail".into(),
        if revoke_auths.is_empty() {
            Value::Null
        } else {
            revoke_auths.into()
        },
    );
    // The vulnerability scan is not offered.
    for field in ["VulnerabilityStatus", "VulnerabilityReport"] {
        m.insert(field.into(), Value::Null);
    }
    m.insert("IsVulnerability".into(), false.into());
    m
}

/// Tencent's `CertChainInfo`: each certificate of a PEM chain (leaf first) with its issuer,
/// subject, SHA-1 fingerprint (lowercase hex, as Tencent shows it) and validity.
fn cert_chain_info(pem: &str) -> Vec<Value> {
    use der::Decode;
    use sha1::Digest;
    let Ok(blocks) = crate::pem::blocks(pem) else {
        return Vec::new();
    };
    blocks
        .iter()
        .filter_map(|block| {
            let der = crate::pem::decode_body(block.body, 64 * 1024).ok()?;
            let cert = x509_cert::Certificate::from_der(&der).ok()?;
            let tbs = cert.tbs_certificate();
            let validity = tbs.validity();
            let time = |t: &x509_cert::time::Time| {
                OffsetDateTime::from_unix_timestamp(
                    i64::try_from(t.to_unix_duration().as_secs()).ok()?,
                )
                .ok()
                .map(vendor_time)
            };
            Some(json!({
                "Issuer": tbs.issuer().to_string(),
                "Subject": tbs.subject().to_string(),
                "Fingerprint": crate::hex::encode(&sha1::Sha1::digest(&*der)),
                "ValidFrom": time(&validity.not_before),
                "ValidTo": time(&validity.not_after),
            }))
        })
        .collect()
}

/// `DescribeCertificate`.
pub(crate) async fn tencent_describe_certificate(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let api = cx.api;
    let orders = cx.orders()?;
    let req: tencent::CertificateIdRequest = read(body)?;
    let id = certificate_id(&req.certificate_id);
    let now = orders.now();
    let order = orders
        .get(scope, &id)
        .await
        .map_err(|e| order_error(api, e))?
        .as_of(now);
    let mut m = tencent_described(scope, &order, now);
    m.insert("PackageTypeName".into(), order.product().name().into());
    // Only CA certificates (`CertificateType` CA) have these; certdesk's are server ones.
    for field in ["CACommonNames", "CAEncryptAlgorithms", "CAEndTimes"] {
        m.insert(field.into(), Value::Null);
    }
    Ok(Value::Object(m))
}

/// `DescribeCertificateDetail`: the description, and once issued the certificate (with its
/// chain) and the key.
pub(crate) async fn tencent_describe_certificate_detail(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let api = cx.api;
    let orders = cx.orders()?;
    let err = |e| order_error(api, e);
    let req: tencent::CertificateIdRequest = read(body)?;
    let id = certificate_id(&req.certificate_id);
    let order = orders.get(scope, &id).await.map_err(err)?;
    let now = orders.now();
    let mut m = tencent_described(scope, &order.as_of(now), now);
    m.insert(
        "EncryptAlgorithm".into(),
        algorithm(order.csr().map(|c| c.key)).into(),
    );
    m.insert("TypeName".into(), order.product().name().into());
    // SM dual certificates (a separate encryption certificate) are not issued; the root is
    // shown when the CA tells it.
    for field in [
        "CertFingerprint",
        "CertificatePublicKey",
        "CertificatePrivateKey",
        "CertChainInfo",
        "RootCert",
        "EncryptCert",
        "EncryptCertFingerprint",
        "EncryptPrivateKey",
    ] {
        m.insert(field.into(), Value::Null);
    }
    if order.state() == &OrderState::Issued {
        let (pem, key) = issued_pem(orders, scope, &id).await.map_err(err)?;
        let chain = cert_chain_info(&pem);
        m.insert(
            "CertFingerprint".into(),
            chain
                .first()
                .map_or(Value::Null, |c| c["Fingerprint"].clone()),
        );
        m.insert("CertChainInfo".into(), chain.into());
        // The root, under the kind of certificate it is: SM2 roots sign SM certificates.
        if let Some(root) = orders.ca_root_pem() {
            let slot = if is_sm(&order) { "Sign" } else { "Standard" };
            let mut roots = json!({ "Sign": null, "Encrypt": null, "Standard": null });
            roots[slot] = root.into();
            m.insert("RootCert".into(), roots);
        }
        m.insert("CertificatePublicKey".into(), pem.into());
        m.insert(
            "CertificatePrivateKey".into(),
            json!(key.as_ref().map(|k| k.as_str())),
        );
    }
    Ok(Value::Object(m))
}

/// `DescribeCertificates`: a filtered page of the account's certificates.
pub(crate) async fn tencent_describe_certificates(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let api = cx.api;
    let orders = cx.orders()?;
    let req: tencent::DescribeCertificatesRequest = read(body)?;
    let now = orders.now();
    let mut found: Vec<Order> = scan(orders, scope)
        .await
        .map_err(|e| order_error(api, e))?
        .into_iter()
        .filter(|o| tencent_matches(&req, o, now))
        .collect();
    match given(&req.expiration_sort) {
        Some("ASC") => found.sort_by_key(|o| o.certificate().map(|c| c.not_after)),
        Some("DESC") => {
            found.sort_by_key(|o| std::cmp::Reverse(o.certificate().map(|c| c.not_after)))
        }
        _ => {}
    }
    let total = found.len();
    let offset = usize::try_from(req.offset.unwrap_or(0)).unwrap_or(usize::MAX);
    let limit = usize::try_from(req.limit()).unwrap_or(usize::MAX);
    let shown: Vec<&Order> = found.iter().skip(offset).take(limit).collect();
    // Whether each issued certificate's key is under the user's own password (its download
    // then has no IIS and Tomcat files): from its CSR record, unknown when that is gone.
    let mut custom_password = Vec::with_capacity(shown.len());
    for o in &shown {
        let record = match (o.state(), o.csr().and_then(|c| c.id.parse::<u64>().ok())) {
            (OrderState::Issued, Some(csr)) => orders.csrs().details(scope, csr).await.ok(),
            _ => None,
        };
        custom_password.push(record.map(|r| r.key_password_set));
    }
    let page: Vec<Value> = shown
        .iter()
        .zip(custom_password)
        .map(|(o, custom_password)| {
            let mut m = tencent_certificate(scope, o, now);
            m.insert("PackageTypeName".into(), o.product().name().into());
            m.insert("IsSM".into(), is_sm(o).into());
            m.insert("IsExpiring".into(), expiring(o, now).into());
            m.insert(
                "EncryptAlgorithm".into(),
                algorithm(o.csr().map(|c| c.key)).into(),
            );
            m.insert("CertSANs".into(), json!(o.certified_names()));
            m.insert(
                "AllowDownload".into(),
                (o.state() == &OrderState::Issued).into(),
            );
            m.insert(
                "DVAuthDeadline".into(),
                json!(o.validation_deadline().map(vendor_time)),
            );
            listing_extras(&mut m, o, custom_password);
            Value::Object(m)
        })
        .collect();
    Ok(json!({ "TotalCount": total, "Certificates": page }))
}

/// When an event of the order's history happened last.
fn last_at(order: &Order, matches: impl Fn(&Change) -> bool) -> Option<OffsetDateTime> {
    order
        .history()
        .iter()
        .rev()
        .find(|e| matches(&e.change))
        .map(|e| e.at)
}

/// The rest of a `DescribeCertificates` entry: what certdesk tracks, and `null`, `false` or
/// empty for the console features it does not have (hosting, auto-renewal, bound cloud
/// resources, the vulnerability scan, CA certificates, pre-audit, projects' own records).
fn listing_extras(m: &mut Map<String, Value>, o: &Order, custom_password: Option<bool>) {
    m.insert("CertificateExtra".into(), certificate_extra(o));
    m.insert(
        "ValidationPassedTime".into(),
        json!(last_at(o, |c| matches!(c, Change::DomainsValidated { .. })).map(vendor_time)),
    );
    m.insert(
        "CertRevokedTime".into(),
        json!(last_at(o, |c| matches!(c, Change::Revoked)).map(vendor_time)),
    );
    let pfx = custom_password.map(|custom| !custom);
    m.insert(
        "SupportDownloadType".into(),
        if o.state() == &OrderState::Issued {
            json!({ "NGINX": true, "APACHE": true, "IIS": pfx, "TOMCAT": pfx,
                    "JKS": false, "OTHER": false, "ROOT": false })
        } else {
            Value::Null
        },
    );
    m.insert("KeyPasswordCustomFlag".into(), json!(custom_password));
    m.insert("AutoRenewFlag".into(), 0.into());
    m.insert("BoundResource".into(), json!([]));
    for flag in [
        "IsDNSPODResolve",
        "IsIgnore",
        "IsPackage",
        "IsVulnerability",
        "ReplaceOriCertIsDelete",
    ] {
        m.insert(flag.into(), false.into());
    }
    for field in [
        "AwaitingValidationMsg",
        "CACommonNames",
        "CAEncryptAlgorithms",
        "CAEndTimes",
        "HasRenewOrder",
        "HostingCompleteTime",
        "HostingConfig",
        "HostingRenewCertId",
        "HostingResourceTypes",
        "HostingStatus",
        "PreAuditInfo",
        "ProjectInfo",
        "VulnerabilityStatus",
    ] {
        m.insert(field.into(), Value::Null);
    }
}

fn is_sm(order: &Order) -> bool {
    order.product().standard == crate::order::AlgorithmStandard::Gm
}

fn expiring(order: &Order, now: OffsetDateTime) -> bool {
    order.state() == &OrderState::Issued
        && order
            .certificate()
            .is_some_and(|c| c.not_after - now <= crate::order::RENEWAL_WINDOW)
}

fn tencent_matches(
    req: &tencent::DescribeCertificatesRequest,
    o: &Order,
    now: OffsetDateTime,
) -> bool {
    if let Some(key) = given(&req.search_key) {
        let key = key.to_ascii_lowercase();
        let alias = o.details().alias.clone().unwrap_or_default().to_lowercase();
        if !o.id().contains(&key)
            && !alias.contains(&key)
            && !o.domains().iter().any(|d| d.contains(&key))
        {
            return false;
        }
    }
    if !req.certificate_status.is_empty()
        && !req
            .certificate_status
            .contains(&u64::from(o.tencent_status().code))
    {
        return false;
    }
    if let Some(sm) = req.is_sm
        && is_sm(o) != (sm == 1)
    {
        return false;
    }
    if req.filter_expiring == Some(1) && !expiring(o, now) {
        return false;
    }
    if req.renew == Some(1)
        && o.renew(
            "probe",
            crate::order::ValidationToken::from_bytes([0; 16]),
            now,
        )
        .is_err()
    {
        return false;
    }
    if req.is_pending_issue == Some(1) && o.state() != &OrderState::PendingIssuance {
        return false;
    }
    if let Some(project) = req.project_id
        && o.details().project_id.unwrap_or(0) != project
    {
        return false;
    }
    if given(&req.certificate_type).is_some_and(|t| t != "SVR") || req.upload == Some(1) {
        return false;
    }
    if given(&req.filter_source) == Some("upload") {
        return false;
    }
    if !req.cert_ids.is_empty() && !req.cert_ids.iter().any(|i| i == o.id()) {
        return false;
    }
    req.tags.iter().all(|t| {
        o.details()
            .tags
            .iter()
            .any(|x| x.key == t.tag_key && x.value == t.tag_value)
    })
}

/// The files of Tencent's download: a folder per server, each with the files it installs.
async fn tencent_bundle(
    orders: &OrderService,
    scope: &Scope,
    id: &str,
) -> Result<Vec<(String, Zeroizing<Vec<u8>>)>, ServiceError> {
    let mut files = Vec::new();
    for (folder, server) in [("Nginx", ServerKind::Nginx), ("Apache", ServerKind::Apache)] {
        for (name, bytes) in orders.download(scope, id, server, None).await?.files {
            files.push((format!("{folder}/{name}"), bytes));
        }
    }
    // IIS and Tomcat take a PKCS#12 file under a password: one made for this download when
    // the key has none, written beside it as Tencent does (`keystorePass.txt`). A key kept
    // under the user's own password cannot be re-wrapped without it: those folders are left
    // out.
    let mut random = [0u8; 12];
    getrandom::fill(&mut random)
        .map_err(|e| ServiceError::Internal(crate::backend::BackendError::msg(e.to_string())))?;
    let password = crate::hex::encode(&random);
    for (folder, server) in [("IIS", ServerKind::Iis), ("Tomcat", ServerKind::Tomcat)] {
        match orders
            .download(scope, id, server, Some(&Password::new(password.clone())))
            .await
        {
            Ok(bundle) => {
                for (name, bytes) in bundle.files {
                    files.push((format!("{folder}/{name}"), bytes));
                }
                files.push((
                    format!("{folder}/keystorePass.txt"),
                    Zeroizing::new(password.clone().into_bytes()),
                ));
            }
            // The key is encrypted under another password, or there is no key.
            Err(ServiceError::Key(_) | ServiceError::NoKey { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(files)
}

/// `DownloadCertificate`: a base64 zip with the Nginx, Apache, IIS and Tomcat folders.
pub(crate) async fn tencent_download_certificate(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let api = cx.api;
    let orders = cx.orders()?;
    let req: tencent::CertificateIdRequest = read(body)?;
    let id = certificate_id(&req.certificate_id);
    let files = tencent_bundle(orders, scope, &id)
        .await
        .map_err(|e| order_error(api, e))?;
    let archive = zip::stored(&files).ok_or_else(|| {
        order_error(
            api,
            ServiceError::Internal(crate::backend::BackendError::msg(
                "the bundle outgrew the zip format",
            )),
        )
    })?;
    Ok(json!({
        "Content": Base64::encode_string(&archive),
        "ContentType": "application/zip",
    }))
}

/// `ReplaceCertificate`: reissue with a new CSR (pasted, or a new key generated now).
pub(crate) async fn tencent_replace_certificate(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let api = cx.api;
    let orders = cx.orders()?;
    let err = |e| order_error(api, e);
    let req: tencent::ReplaceCertificateRequest = read(body)?;
    let id = certificate_id(&req.certificate_id);
    let order = orders.get(scope, &id).await.map_err(err)?;
    let source = match given(&req.csr_type).unwrap_or("online") {
        "parse" => pasted(given(&req.csr_content).unwrap_or_default()),
        _ => {
            let named = match (
                given(&req.cert_csr_encrypt_algo),
                given(&req.cert_csr_key_parameter),
            ) {
                (Some(a), Some(p)) => Some(KeySpec::from_tencent(a, p).map_err(|e| {
                    param_error::<tencent::ReplaceCertificateRequest>(Violation::error(
                        "CertCSRKeyParameter",
                        e.code(),
                        e.to_string(),
                    ))
                })?),
                (Some("SM2"), None) => Some(KeySpec::Sm2),
                (Some("RSA"), None) => Some(KeySpec::Rsa2048),
                _ => None,
            };
            let domain = order.domains().first().cloned().unwrap_or_default();
            CsrSource::Generate {
                form: online_form(
                    &domain,
                    online_key(order.product(), named),
                    order.info(),
                    order.details().organization_country.as_deref(),
                ),
                password: req.csrkey_password.clone().filter(|p| !p.is_empty()),
            }
        }
    };
    orders.reissue(scope, &id, source).await.map_err(err)?;
    Ok(json!({ "CertificateId": id }))
}

/// Tencent's `RevokeDomainValidateAuths`: what the CA asks for before it revokes, each as
/// its `DvAuths` entry says it (the record's name under the primary domain, or the file).
fn revoke_domain_validate_auths(order: &Order) -> Vec<Value> {
    order
        .revocation_challenges()
        .iter()
        .map(|c| {
            let auth = dv_auth(c);
            json!({
                "DomainValidateAuthDomain": auth["DvAuthDomain"],
                "DomainValidateAuthKey": auth["DvAuthKey"],
                "DomainValidateAuthValue": auth["DvAuthValue"],
                "DomainValidateAuthPath": auth["DvAuthPath"],
            })
        })
        .collect()
}

/// `RevokeCertificate`: revoked, or (the CA asking for the domains to be validated again
/// first) revoking with what to publish in `RevokeDomainValidateAuths`; calling it again once
/// they are published finishes the revocation.
pub(crate) async fn tencent_revoke_certificate(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let api = cx.api;
    let orders = cx.orders()?;
    let req: tencent::RevokeCertificateRequest = read(body)?;
    let id = certificate_id(&req.certificate_id);
    let order = orders
        .revoke(scope, &id)
        .await
        .map_err(|e| order_error(api, e))?;
    Ok(json!({ "RevokeDomainValidateAuths": revoke_domain_validate_auths(&order) }))
}

/// `DeleteCertificate`: an order without a valid certificate, not with the CA.
pub(crate) async fn tencent_delete_certificate(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let api = cx.api;
    let orders = cx.orders()?;
    let req: tencent::DeleteCertificateRequest = read(body)?;
    let id = certificate_id(&req.certificate_id);
    orders
        .delete(scope, &id)
        .await
        .map_err(|e| order_error(api, e))?;
    // Deleted at once: no asynchronous task to follow.
    Ok(json!({ "DeleteResult": true, "TaskId": null }))
}

/// `ModifyCertificateAlias`.
pub(crate) async fn tencent_modify_certificate_alias(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let api = cx.api;
    let orders = cx.orders()?;
    let err = |e| order_error(api, e);
    let req: tencent::ModifyCertificateAliasRequest = read(body)?;
    let id = certificate_id(&req.certificate_id);
    let order = orders.get(scope, &id).await.map_err(err)?;
    let details = ApplicationDetails {
        alias: given(&req.alias).map(str::to_owned),
        ..order.details().clone()
    };
    orders.set_details(scope, &id, details).await.map_err(err)?;
    Ok(json!({ "CertificateId": id }))
}

/// `ModifyCertificateProject`: each certificate moved, or listed as failed.
pub(crate) async fn tencent_modify_certificate_project(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let orders = cx.orders()?;
    let req: tencent::ModifyCertificateProjectRequest = read(body)?;
    let (mut done, mut failed) = (Vec::new(), Vec::new());
    for id in &req.certificate_id_list {
        let moved = async {
            let order = orders.get(scope, id).await?;
            let details = ApplicationDetails {
                project_id: req.project_id,
                ..order.details().clone()
            };
            orders.set_details(scope, id, details).await
        }
        .await;
        match moved {
            Ok(_) => done.push(id.clone()),
            Err(_) => failed.push(id.clone()),
        }
    }
    Ok(json!({ "SuccessCertificates": done, "FailCertificates": failed }))
}

// ---------------------------------------------------------------------------------------
// Alibaba
// ---------------------------------------------------------------------------------------

/// An Alibaba `OrderId`: the order's id as the number it is.
fn alibaba_id(order: &Order) -> Value {
    order
        .id()
        .parse::<u64>()
        .map_or_else(|_| Value::from(order.id()), Value::from)
}

fn validate_method(name: Option<&str>) -> ValidationMethod {
    match name {
        Some("FILE") => ValidationMethod::File,
        _ => ValidationMethod::Dns,
    }
}

/// An Alibaba application: the free product or a paid DV one, for `domains`, by `method`.
async fn alibaba_apply(
    orders: &OrderService,
    scope: &Scope,
    code: Option<&str>,
    domains: Vec<String>,
    method: ValidationMethod,
    source: CsrSource,
    details: ApplicationDetails,
) -> Result<Order, ServiceError> {
    let code = code.unwrap_or(catalog::ALIBABA_FREE_CODE);
    match catalog::alibaba_product(code).flatten() {
        None => {
            let domain = domains.first().cloned().unwrap_or_default();
            orders
                .apply_free_with(scope, &domain, method, source, details)
                .await
        }
        Some(product) => {
            let order = orders.create_paid(scope, product).await?;
            let id = order.id().to_owned();
            let applied = async {
                orders
                    .submit_info(scope, &id, source, domains, None)
                    .await?;
                if details != ApplicationDetails::default() {
                    orders.set_details(scope, &id, details).await?;
                }
                orders.choose_validation(scope, &id, method).await
            }
            .await;
            if applied.is_err() {
                // Nothing of the application stays behind.
                let _ = orders.delete(scope, &id).await;
            }
            applied
        }
    }
}

fn applicant_details(
    username: &Option<String>,
    email: &Option<String>,
    phone: &Option<String>,
    tags: &[alibaba::OrderTag],
) -> ApplicationDetails {
    ApplicationDetails {
        contact_email: given(email).map(str::to_owned),
        contact_phone: given(phone).map(str::to_owned),
        // Alibaba's `Username` is one string; its first word is taken as the first name (a
        // name of one word has no last name to record, and is kept out).
        contact_name: given(username)
            .and_then(|n| n.split_once(char::is_whitespace))
            .map(|(first, last)| PersonName {
                first: first.trim().to_owned(),
                last: last.trim().to_owned(),
            }),
        tags: alibaba_tags(tags),
        ..ApplicationDetails::default()
    }
}

/// The common name of a pasted CSR, the domain its certificate is for.
fn csr_domain<R: Checked>(pem: &str) -> Result<String, VendorError> {
    let csr = Csr::parse(pem.as_bytes())
        .map_err(|e| param_error::<R>(Violation::error("Csr", e.code(), e.to_string())))?;
    let cn = csr.info().subject.get("CN").map(str::to_owned);
    cn.ok_or_else(|| {
        param_error::<R>(Violation::error(
            "Csr",
            ParamCode::ValueNotAllowed,
            "the CSR has no common name: it names the domain",
        ))
    })
}

/// `CreateCertificateRequest`: a DV certificate for `Domain`, its key and CSR made here.
pub(crate) async fn alibaba_create_certificate_request(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let api = cx.api;
    let orders = cx.orders()?;
    let req: alibaba::CreateCertificateRequest = read(body)?;
    let domain = given(&req.domain).unwrap_or_default().to_owned();
    let source = CsrSource::Generate {
        form: online_form(&domain, KeySpec::Rsa2048, None, None),
        password: None,
    };
    let details = applicant_details(&req.username, &req.email, &req.phone, &req.tags);
    let order = alibaba_apply(
        orders,
        scope,
        given(&req.product_code),
        vec![domain],
        validate_method(given(&req.validate_type)),
        source,
        details,
    )
    .await
    .map_err(|e| order_error(api, e))?;
    Ok(json!({ "OrderId": alibaba_id(&order) }))
}

/// `CreateCertificateWithCsrRequest`: a DV certificate for the CSR's common name.
pub(crate) async fn alibaba_create_certificate_with_csr_request(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let api = cx.api;
    let orders = cx.orders()?;
    let req: alibaba::CreateCertificateWithCsrRequest = read(body)?;
    let pem = given(&req.csr).unwrap_or_default();
    let domain = csr_domain::<alibaba::CreateCertificateWithCsrRequest>(pem)?;
    let details = applicant_details(&req.username, &req.email, &req.phone, &req.tags);
    let order = alibaba_apply(
        orders,
        scope,
        given(&req.product_code),
        vec![domain],
        validate_method(given(&req.validate_type)),
        pasted(pem),
        details,
    )
    .await
    .map_err(|e| order_error(api, e))?;
    Ok(json!({ "OrderId": alibaba_id(&order) }))
}

/// `CreateCertificateForPackageRequest`: a certificate of the account's package, for the
/// domains (comma separated) or a CSR.
pub(crate) async fn alibaba_create_certificate_for_package_request(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let api = cx.api;
    let orders = cx.orders()?;
    let req: alibaba::CreateCertificateForPackageRequest = read(body)?;
    let (domains, source) = match given(&req.csr) {
        Some(pem) => {
            let cn = csr_domain::<alibaba::CreateCertificateForPackageRequest>(pem)?;
            let mut domains = vec![cn];
            for d in given(&req.domain).unwrap_or_default().split(',') {
                let d = d.trim();
                if !d.is_empty() && !domains.iter().any(|x| x == d) {
                    domains.push(d.to_owned());
                }
            }
            (domains, pasted(pem))
        }
        None => {
            let domains: Vec<String> = given(&req.domain)
                .unwrap_or_default()
                .split(',')
                .map(|d| d.trim().to_owned())
                .filter(|d| !d.is_empty())
                .collect();
            let main = domains.first().cloned().unwrap_or_default();
            let source = CsrSource::Generate {
                form: online_form(&main, KeySpec::Rsa2048, None, None),
                password: None,
            };
            (domains, source)
        }
    };
    let details = applicant_details(&req.username, &req.email, &req.phone, &req.tags);
    let order = alibaba_apply(
        orders,
        scope,
        given(&req.product_code),
        domains,
        validate_method(given(&req.validate_type)),
        source,
        details,
    )
    .await
    .map_err(|e| order_error(api, e))?;
    Ok(json!({ "OrderId": alibaba_id(&order) }))
}

fn order_key(req: &alibaba::OrderIdRequest) -> String {
    req.order_id.unwrap_or(0).to_string()
}

/// `DescribeCertificateState`: where the order is; during validation what to publish, once
/// issued the certificate and key.
pub(crate) async fn alibaba_describe_certificate_state(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let api = cx.api;
    let orders = cx.orders()?;
    let err = |e| order_error(api, e);
    let req: alibaba::OrderIdRequest = read(body)?;
    let id = order_key(&req);
    let order = orders.get(scope, &id).await.map_err(err)?;
    // Alibaba's clients poll this action until the certificate is there: each poll moves the
    // order on as the CA would (its domains checked, its review and issuance advanced).
    let order = match order.state() {
        OrderState::InProgress {
            step: Step::ValidateDomain,
        } => orders.check_validation(scope, &id).await.map_err(err)?.0,
        OrderState::InProgress {
            step: Step::PreReview | Step::CaReview,
        }
        | OrderState::PendingIssuance => orders.advance(scope, &id).await.map_err(err)?,
        _ => order,
    };
    let status = order.alibaba_status(orders.now());
    let mut m = Map::new();
    m.insert("Type".into(), status.state_type.as_str().into());
    m.insert(
        "Domain".into(),
        json!(order.domains().first().cloned().unwrap_or_default()),
    );
    if let Some(method) = order.method() {
        m.insert(
            "ValidateType".into(),
            (if method.is_dns() { "DNS" } else { "FILE" }).into(),
        );
    }
    if status.state_type == crate::order::AlibabaStateType::DomainVerify
        && let Some(challenge) = order.challenges().unwrap_or_default().into_iter().next()
    {
        match challenge {
            Challenge::Dns {
                record_type,
                host,
                value,
                ..
            } => {
                m.insert("RecordType".into(), record_type.to_string().into());
                m.insert("RecordDomain".into(), host.into());
                m.insert("RecordValue".into(), value.into());
            }
            Challenge::File { path, content, .. } => {
                m.insert("Uri".into(), path.into());
                m.insert("Content".into(), content.into());
            }
        }
    }
    if status.state_type == crate::order::AlibabaStateType::Certificate
        && order.state() == &OrderState::Issued
    {
        let (pem, key) = issued_pem(orders, scope, &id).await.map_err(err)?;
        m.insert("Certificate".into(), pem.into());
        m.insert("PrivateKey".into(), json!(key.as_ref().map(|k| k.as_str())));
        m.insert("CertId".into(), order.id().into());
    }
    Ok(Value::Object(m))
}

fn millis(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn date(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC))
        .format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

/// An order as `ListUserCertificateOrder` lists it.
fn alibaba_order(order: &Order, now: OffsetDateTime) -> Value {
    let status = order.alibaba_status(now);
    let product = order.product();
    let cert = order.certificate();
    let names = order.certified_names();
    let wildcards = names.iter().filter(|n| n.starts_with("*.")).count();
    let mut m = Map::new();
    m.insert("OrderId".into(), alibaba_id(order));
    m.insert("InstanceId".into(), format!("cas-{}", order.id()).into());
    m.insert(
        "Status".into(),
        json!(status.order_status.map(|s| s.as_str())),
    );
    m.insert(
        "ProductCode".into(),
        catalog::alibaba_product_code(product).into(),
    );
    m.insert("ProductName".into(), product.name().into());
    m.insert(
        "Domain".into(),
        json!(order.domains().first().cloned().unwrap_or_default()),
    );
    m.insert("CommonName".into(), json!(order.domains().first()));
    m.insert("Sans".into(), names.join(",").into());
    m.insert("DomainCount".into(), names.len().into());
    m.insert("WildDomainCount".into(), wildcards.into());
    m.insert(
        "DomainType".into(),
        match product.domain_type {
            DomainType::Single => "ONE",
            DomainType::Multiple => "MULTIPLE",
            DomainType::Wildcard => "WILDCARD",
        }
        .into(),
    );
    m.insert(
        "CertType".into(),
        match product.validation {
            ValidationType::Dv => "DV",
            ValidationType::Ov | ValidationType::OvPro => "OV",
            ValidationType::Ev | ValidationType::EvPro => "EV",
        }
        .into(),
    );
    m.insert(
        "Algorithm".into(),
        algorithm(order.csr().map(|c| c.key)).into(),
    );
    m.insert("BuyDate".into(), millis(order.created_at()).into());
    m.insert(
        "SourceType".into(),
        (if product.free { "free" } else { "buy" }).into(),
    );
    m.insert("Upload".into(), false.into());
    m.insert(
        "Name".into(),
        json!(order.details().alias.clone().unwrap_or_default()),
    );
    if let Some(cert) = cert {
        m.insert("CertificateId".into(), alibaba_id(order));
        m.insert("CertStartTime".into(), millis(cert.not_before).into());
        m.insert("CertEndTime".into(), millis(cert.not_after).into());
        m.insert("StartDate".into(), date(cert.not_before).into());
        m.insert("EndDate".into(), date(cert.not_after).into());
        m.insert("Expired".into(), (cert.not_after <= now).into());
        m.insert("SerialNo".into(), cert.serial.clone().into());
    }
    Value::Object(m)
}

/// `ListUserCertificateOrder`: a page of the account's orders, by status and keyword.
pub(crate) async fn alibaba_list_user_certificate_order(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let api = cx.api;
    let orders = cx.orders()?;
    let req: alibaba::ListUserCertificateOrderRequest = read(body)?;
    let now = orders.now();
    let status = given(&req.status);
    let keyword = given(&req.keyword).map(str::to_ascii_lowercase);
    let found: Vec<Order> = scan(orders, scope)
        .await
        .map_err(|e| order_error(api, e))?
        .into_iter()
        .filter(|o| {
            let s = o.alibaba_status(now).order_status.map(|s| s.as_str());
            status.is_none_or(|want| s == Some(want))
        })
        .filter(|o| {
            keyword
                .as_deref()
                .is_none_or(|k| o.id().contains(k) || o.domains().iter().any(|d| d.contains(k)))
        })
        .collect();
    let size = req.show_size();
    let page = req.current_page();
    let skip = usize::try_from((page - 1).saturating_mul(size)).unwrap_or(usize::MAX);
    let list: Vec<Value> = found
        .iter()
        .skip(skip)
        .take(usize::try_from(size).unwrap_or(usize::MAX))
        .map(|o| alibaba_order(o, now))
        .collect();
    Ok(json!({
        "TotalCount": found.len(),
        "CurrentPage": page,
        "ShowSize": size,
        "CertificateOrderList": list,
    }))
}

/// `CancelOrderRequest`, `CancelCertificateForPackageRequest`: back to pending application.
pub(crate) async fn alibaba_cancel_order_request(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let api = cx.api;
    let orders = cx.orders()?;
    let req: alibaba::OrderIdRequest = read(body)?;
    orders
        .withdraw(scope, &order_key(&req))
        .await
        .map_err(|e| order_error(api, e))?;
    Ok(json!({}))
}

/// `DeleteCertificateRequest`: only a failed order or one pending application (its quota
/// comes back).
pub(crate) async fn alibaba_delete_certificate_request(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let api = cx.api;
    let orders = cx.orders()?;
    let err = |e| order_error(api, e);
    let req: alibaba::OrderIdRequest = read(body)?;
    let id = order_key(&req);
    let order = orders.get(scope, &id).await.map_err(err)?;
    if !matches!(
        order.state(),
        OrderState::Failed { .. } | OrderState::PendingApplication
    ) {
        return Err(VendorError {
            vendor: Vendor::Alibaba,
            code: AlibabaErrorCode::OperationDenied.to_code(),
            message: format!(
                "order {id} is {}: only a failed order or one pending application can be deleted",
                order.state().name()
            ),
            http_status: 403,
            violations: Vec::new(),
        });
    }
    orders.delete(scope, &id).await.map_err(err)?;
    Ok(json!({}))
}

/// `RenewCertificateOrderForPackageRequest`: a renewal, with a new CSR when one is given.
pub(crate) async fn alibaba_renew_certificate_order_for_package_request(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let api = cx.api;
    let orders = cx.orders()?;
    let req: alibaba::RenewCertificateOrderForPackageRequest = read(body)?;
    let id = req.order_id.unwrap_or(0).to_string();
    let source = req
        .csr
        .as_ref()
        .filter(|c| !c.is_blank())
        .map(|c| pasted(c.expose()));
    let renewal = orders
        .renew_with(scope, &id, source)
        .await
        .map_err(|e| order_error(api, e))?;
    Ok(json!({ "OrderId": alibaba_id(&renewal) }))
}

/// `RevokeCertificate`.
pub(crate) async fn alibaba_revoke_certificate(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let api = cx.api;
    let orders = cx.orders()?;
    let req: alibaba::RevokeCertificateRequest = read(body)?;
    let id = req.order_id().unwrap_or(0).to_string();
    orders
        .revoke(scope, &id)
        .await
        .map_err(|e| order_error(api, e))?;
    Ok(json!({}))
}

/// `DescribePackageState`: the account's free certificates: given, used, issued.
pub(crate) async fn alibaba_describe_package_state(
    cx: &Cx<'_>,
    scope: &Scope,
    body: &[u8],
) -> Result<Value, VendorError> {
    let api = cx.api;
    let orders = cx.orders()?;
    let err = |e| order_error(api, e);
    let req: alibaba::DescribePackageStateRequest = read(body)?;
    let code = given(&req.product_code).unwrap_or(catalog::ALIBABA_FREE_CODE);
    let ledger = orders.quota(scope).await.map_err(err)?;
    let now = orders.now();
    let mut issued = 0u32;
    for d in ledger.deductions() {
        // An order of another region counts in the ledger; it is read in its own scope.
        if let Ok(o) = orders.get(scope, &d.order_id).await
            && matches!(
                o.as_of(now).state(),
                OrderState::Issued | OrderState::Revoking
            )
        {
            issued += 1;
        }
    }
    Ok(json!({
        "ProductCode": code,
        "TotalCount": ledger.total(),
        "UsedCount": ledger.deductions().len(),
        "IssuedCount": issued,
    }))
}
