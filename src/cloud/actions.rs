//! The action table: every action of both vendors, once, with its request validator and the
//! handler that answers it. The [`Api`] enum, its names and the dispatch are generated from
//! the table, so an action is added in one line.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;

use serde_json::Value;

use crate::backend::Scope;
use crate::cloud::{
    AlibabaErrorCode, TencentErrorCode, Validation, Vendor, VendorError, alibaba, csr_api,
    order_api, tencent,
};
use crate::service::{CsrService, OrderService};

/// What a handler works with: the action, the CSR service and (for order actions) the order
/// service, both without a rate limit (the call was counted once at the door).
pub(crate) struct Cx<'a> {
    pub(crate) api: Api,
    pub(crate) csrs: &'a CsrService,
    pub(crate) orders: Option<&'a OrderService>,
}

impl Cx<'_> {
    /// The order service, or the vendor's "not supported" error where there is none (a CSR
    /// service answering alone).
    pub(crate) fn orders(&self) -> Result<&OrderService, VendorError> {
        self.orders.ok_or_else(|| {
            let (code, http_status) = match self.api.vendor() {
                Vendor::Tencent => (TencentErrorCode::UnsupportedOperation.to_code(), 200),
                Vendor::Alibaba => (AlibabaErrorCode::OperationDenied.to_code(), 403),
            };
            VendorError {
                vendor: self.api.vendor(),
                code,
                message: format!(
                    "{} is an order action: it is answered by the order service, not the CSR service",
                    self.api.action()
                ),
                http_status,
                violations: Vec::new(),
            }
        })
    }
}

/// A handler's future.
pub(crate) type Answer<'a> = Pin<Box<dyn Future<Output = Result<Value, VendorError>> + Send + 'a>>;

macro_rules! actions {
    ($( $(#[$doc:meta])* $variant:ident = ($vendor:ident, $name:literal, $validate:path, $run:path), )*) => {
        /// The vendor actions certdesk answers: every CSR and order action of Tencent SSL
        /// (2019-12-05) and Alibaba CAS (2020-04-07).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Api {
            $( $(#[$doc])* $variant, )*
        }

        impl Api {
            /// Every action, in a stable order (the vendor's, then its CSR actions before its
            /// order actions).
            pub const ALL: &'static [Api] = &[ $( Api::$variant, )* ];

            /// The action's name as `vendor:Action` (`tencent:CreateCSR`, `alibaba:UploadCsr`).
            pub fn name(self) -> &'static str {
                match self { $( Api::$variant => $name, )* }
            }

            /// The vendor the action belongs to.
            pub fn vendor(self) -> Vendor {
                match self { $( Api::$variant => Vendor::$vendor, )* }
            }

            /// Validates a request body of this action: decoding (unknown parameters, wrong
            /// types, missing required parameters) and the action's rules, every violation at
            /// once, without touching any record.
            pub fn validate(self, body: &[u8]) -> Validation {
                match self { $( Api::$variant => $validate(body), )* }
            }

            pub(crate) fn run<'a>(self, cx: &'a Cx<'a>, scope: &'a Scope, body: &'a [u8]) -> Answer<'a> {
                match self { $( Api::$variant => Box::pin($run(cx, scope, body)), )* }
            }
        }
    };
}

actions! {
    /// Tencent `CreateCSR`.
    TencentCreateCsr = (Tencent, "tencent:CreateCSR", tencent::CreateCsrRequest::validate_body, csr_api::tencent_create_csr),
    /// Tencent `ModifyCSR`.
    TencentModifyCsr = (Tencent, "tencent:ModifyCSR", tencent::ModifyCsrRequest::validate_body, csr_api::tencent_modify_csr),
    /// Tencent `DescribeCSR`.
    TencentDescribeCsr = (Tencent, "tencent:DescribeCSR", tencent::DescribeCsrRequest::validate_body, csr_api::tencent_describe_csr),
    /// Tencent `DescribeCSRSet`.
    TencentDescribeCsrSet = (Tencent, "tencent:DescribeCSRSet", tencent::DescribeCsrSetRequest::validate_body, csr_api::tencent_describe_csr_set),
    /// Tencent `BatchDeleteCSR`.
    TencentBatchDeleteCsr = (Tencent, "tencent:BatchDeleteCSR", tencent::BatchDeleteCsrRequest::validate_body, csr_api::tencent_batch_delete_csr),
    /// Tencent `ApplyCertificate`: a free certificate (or its renewal with `OldCertificateId`).
    TencentApplyCertificate = (Tencent, "tencent:ApplyCertificate", tencent::ApplyCertificateRequest::validate_body, order_api::tencent_apply_certificate),
    /// Tencent `CreateCertificate`: buy paid certificates.
    TencentCreateCertificate = (Tencent, "tencent:CreateCertificate", tencent::CreateCertificateRequest::validate_body, order_api::tencent_create_certificate),
    /// Tencent `SubmitCertificateInformation`: a paid order's CSR, domains and organization.
    TencentSubmitCertificateInformation = (Tencent, "tencent:SubmitCertificateInformation", tencent::SubmitCertificateInformationRequest::validate_body, order_api::tencent_submit_certificate_information),
    /// Tencent `CommitCertificateInformation`: send the submitted order to the CA.
    TencentCommitCertificateInformation = (Tencent, "tencent:CommitCertificateInformation", tencent::CommitCertificateInformationRequest::validate_body, order_api::tencent_commit_certificate_information),
    /// Tencent `UploadConfirmLetter`.
    TencentUploadConfirmLetter = (Tencent, "tencent:UploadConfirmLetter", tencent::UploadConfirmLetterRequest::validate_body, order_api::tencent_upload_confirm_letter),
    /// Tencent `CheckCertificateDomainVerification`.
    TencentCheckCertificateDomainVerification = (Tencent, "tencent:CheckCertificateDomainVerification", tencent::CertificateIdRequest::validate_body, order_api::tencent_check_certificate_domain_verification),
    /// Tencent `CompleteCertificate`: ask the CA to go on with the order now.
    TencentCompleteCertificate = (Tencent, "tencent:CompleteCertificate", tencent::CertificateIdRequest::validate_body, order_api::tencent_complete_certificate),
    /// Tencent `DescribeCertificate`.
    TencentDescribeCertificate = (Tencent, "tencent:DescribeCertificate", tencent::CertificateIdRequest::validate_body, order_api::tencent_describe_certificate),
    /// Tencent `DescribeCertificateDetail`.
    TencentDescribeCertificateDetail = (Tencent, "tencent:DescribeCertificateDetail", tencent::CertificateIdRequest::validate_body, order_api::tencent_describe_certificate_detail),
    /// Tencent `DescribeCertificates`.
    TencentDescribeCertificates = (Tencent, "tencent:DescribeCertificates", tencent::DescribeCertificatesRequest::validate_body, order_api::tencent_describe_certificates),
    /// Tencent `DownloadCertificate`: the base64 zip.
    TencentDownloadCertificate = (Tencent, "tencent:DownloadCertificate", tencent::CertificateIdRequest::validate_body, order_api::tencent_download_certificate),
    /// Tencent `CancelCertificateOrder`.
    TencentCancelCertificateOrder = (Tencent, "tencent:CancelCertificateOrder", tencent::CertificateIdRequest::validate_body, order_api::tencent_cancel_certificate_order),
    /// Tencent `CancelAuditCertificate`: withdraw from the review.
    TencentCancelAuditCertificate = (Tencent, "tencent:CancelAuditCertificate", tencent::CertificateIdRequest::validate_body, order_api::tencent_cancel_audit_certificate),
    /// Tencent `ModifyCertificateResubmit`: a failed order's information, again.
    TencentModifyCertificateResubmit = (Tencent, "tencent:ModifyCertificateResubmit", tencent::CertificateIdRequest::validate_body, order_api::tencent_modify_certificate_resubmit),
    /// Tencent `ReplaceCertificate`: reissue.
    TencentReplaceCertificate = (Tencent, "tencent:ReplaceCertificate", tencent::ReplaceCertificateRequest::validate_body, order_api::tencent_replace_certificate),
    /// Tencent `RevokeCertificate`.
    TencentRevokeCertificate = (Tencent, "tencent:RevokeCertificate", tencent::RevokeCertificateRequest::validate_body, order_api::tencent_revoke_certificate),
    /// Tencent `DeleteCertificate`.
    TencentDeleteCertificate = (Tencent, "tencent:DeleteCertificate", tencent::DeleteCertificateRequest::validate_body, order_api::tencent_delete_certificate),
    /// Tencent `ModifyCertificateAlias`.
    TencentModifyCertificateAlias = (Tencent, "tencent:ModifyCertificateAlias", tencent::ModifyCertificateAliasRequest::validate_body, order_api::tencent_modify_certificate_alias),
    /// Tencent `ModifyCertificateProject`.
    TencentModifyCertificateProject = (Tencent, "tencent:ModifyCertificateProject", tencent::ModifyCertificateProjectRequest::validate_body, order_api::tencent_modify_certificate_project),
    /// Alibaba `CreateCsr`.
    AlibabaCreateCsr = (Alibaba, "alibaba:CreateCsr", alibaba::CreateCsrRequest::validate_body, csr_api::alibaba_create_csr),
    /// Alibaba `UploadCsr`.
    AlibabaUploadCsr = (Alibaba, "alibaba:UploadCsr", alibaba::UploadCsrRequest::validate_body, csr_api::alibaba_upload_csr),
    /// Alibaba `ListCsr`.
    AlibabaListCsr = (Alibaba, "alibaba:ListCsr", alibaba::ListCsrRequest::validate_body, csr_api::alibaba_list_csr),
    /// Alibaba `GetCsrDetail`.
    AlibabaGetCsrDetail = (Alibaba, "alibaba:GetCsrDetail", alibaba::GetCsrDetailRequest::validate_body, csr_api::alibaba_get_csr_detail),
    /// Alibaba `UpdateCsr`.
    AlibabaUpdateCsr = (Alibaba, "alibaba:UpdateCsr", alibaba::UpdateCsrRequest::validate_body, csr_api::alibaba_update_csr),
    /// Alibaba `DeleteCsr`.
    AlibabaDeleteCsr = (Alibaba, "alibaba:DeleteCsr", alibaba::DeleteCsrRequest::validate_body, csr_api::alibaba_delete_csr),
    /// Alibaba `CreateCertificateRequest`: a DV certificate, its CSR made by the service.
    AlibabaCreateCertificateRequest = (Alibaba, "alibaba:CreateCertificateRequest", alibaba::CreateCertificateRequest::validate_body, order_api::alibaba_create_certificate_request),
    /// Alibaba `CreateCertificateWithCsrRequest`: a DV certificate for a CSR made elsewhere.
    AlibabaCreateCertificateWithCsrRequest = (Alibaba, "alibaba:CreateCertificateWithCsrRequest", alibaba::CreateCertificateWithCsrRequest::validate_body, order_api::alibaba_create_certificate_with_csr_request),
    /// Alibaba `CreateCertificateForPackageRequest`: a certificate from the account's package.
    AlibabaCreateCertificateForPackageRequest = (Alibaba, "alibaba:CreateCertificateForPackageRequest", alibaba::CreateCertificateForPackageRequest::validate_body, order_api::alibaba_create_certificate_for_package_request),
    /// Alibaba `DescribeCertificateState`.
    AlibabaDescribeCertificateState = (Alibaba, "alibaba:DescribeCertificateState", alibaba::OrderIdRequest::validate_body, order_api::alibaba_describe_certificate_state),
    /// Alibaba `ListUserCertificateOrder`.
    AlibabaListUserCertificateOrder = (Alibaba, "alibaba:ListUserCertificateOrder", alibaba::ListUserCertificateOrderRequest::validate_body, order_api::alibaba_list_user_certificate_order),
    /// Alibaba `CancelOrderRequest`: back to pending application.
    AlibabaCancelOrderRequest = (Alibaba, "alibaba:CancelOrderRequest", alibaba::OrderIdRequest::validate_body, order_api::alibaba_cancel_order_request),
    /// Alibaba `CancelCertificateForPackageRequest`: back to pending application.
    AlibabaCancelCertificateForPackageRequest = (Alibaba, "alibaba:CancelCertificateForPackageRequest", alibaba::OrderIdRequest::validate_body, order_api::alibaba_cancel_order_request),
    /// Alibaba `DeleteCertificateRequest`: a failed or pending order, its quota given back.
    AlibabaDeleteCertificateRequest = (Alibaba, "alibaba:DeleteCertificateRequest", alibaba::OrderIdRequest::validate_body, order_api::alibaba_delete_certificate_request),
    /// Alibaba `RenewCertificateOrderForPackageRequest`.
    AlibabaRenewCertificateOrderForPackageRequest = (Alibaba, "alibaba:RenewCertificateOrderForPackageRequest", alibaba::RenewCertificateOrderForPackageRequest::validate_body, order_api::alibaba_renew_certificate_order_for_package_request),
    /// Alibaba `RevokeCertificate`.
    AlibabaRevokeCertificate = (Alibaba, "alibaba:RevokeCertificate", alibaba::RevokeCertificateRequest::validate_body, order_api::alibaba_revoke_certificate),
    /// Alibaba `DescribePackageState`: the account's certificate quota.
    AlibabaDescribePackageState = (Alibaba, "alibaba:DescribePackageState", alibaba::DescribePackageStateRequest::validate_body, order_api::alibaba_describe_package_state),
}

impl Api {
    /// The vendor's action name (`CreateCSR`, `DescribeCertificateState`).
    pub fn action(self) -> &'static str {
        let name = self.name();
        name.split_once(':').map_or(name, |(_, action)| action)
    }

    /// The action a transport received: the vendor and its action name, exactly as the vendor
    /// spells it (`X-TC-Action: DescribeCertificates`, `Action=ListUserCertificateOrder`).
    pub fn find(vendor: Vendor, action: &str) -> Option<Api> {
        Api::ALL
            .iter()
            .copied()
            .find(|a| a.vendor() == vendor && a.action() == action)
    }

    /// An order action (it needs the order service), not a CSR action.
    pub fn is_order_action(self) -> bool {
        !matches!(
            self,
            Api::TencentCreateCsr
                | Api::TencentModifyCsr
                | Api::TencentDescribeCsr
                | Api::TencentDescribeCsrSet
                | Api::TencentBatchDeleteCsr
                | Api::AlibabaCreateCsr
                | Api::AlibabaUploadCsr
                | Api::AlibabaListCsr
                | Api::AlibabaGetCsrDetail
                | Api::AlibabaUpdateCsr
                | Api::AlibabaDeleteCsr
        )
    }
}

impl fmt::Display for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An API name that is not one of [`Api::ALL`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown API {0:?}; known: {known}", known = known_apis())]
pub struct UnknownApi(pub String);

fn known_apis() -> String {
    Api::ALL
        .iter()
        .map(|a| a.name())
        .collect::<Vec<_>>()
        .join(", ")
}

impl FromStr for Api {
    type Err = UnknownApi;

    /// Reads `tencent:CreateCSR` and the like, in any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Api::ALL
            .iter()
            .copied()
            .find(|a| a.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownApi(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_is_found_by_its_vendor_name() {
        for api in Api::ALL {
            assert_eq!(Api::find(api.vendor(), api.action()), Some(*api));
            assert_eq!(api.name().parse::<Api>(), Ok(*api));
        }
        assert_eq!(Api::find(Vendor::Tencent, "createcsr"), None);
        assert_eq!(Api::find(Vendor::Alibaba, "CreateCSR"), None);
    }
}
