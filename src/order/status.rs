//! Order states as the vendors report them: Tencent's certificate `Status` (0-15) and
//! `StatusMsg`, Alibaba's order-list status and `DescribeCertificateState` type.

use serde::Serialize;
use time::OffsetDateTime;

use crate::code::codes;
use crate::order::{Order, OrderState, RENEWAL_WINDOW, Step, ValidationMethod};

codes! {
    /// Tencent's `StatusMsg` beside status 0.
    pub enum TencentStatusMsg {
        /// Pre-review.
        PreReviewing = "PRE-REVIEWING",
        /// The CA's review.
        CaReviewing = "CA-REVIEWING",
        /// Waiting for domain validation.
        PendingDcv = "PENDING-DCV",
        /// Waiting for issuance.
        WaitIssue = "WAIT-ISSUE",
    }
}

codes! {
    /// Alibaba's order-list status.
    pub enum AlibabaOrderStatus {
        /// Paid, application pending.
        Payed = "PAYED",
        /// Under review or validation.
        Checking = "CHECKING",
        /// Review failed.
        CheckedFail = "CHECKED_FAIL",
        /// Issued.
        Issued = "ISSUED",
        /// Issued, within 30 days of its end.
        WillExpired = "WILLEXPIRED",
        /// Expired.
        Expired = "EXPIRED",
        /// Revoked.
        Revoked = "REVOKED",
    }
}

codes! {
    /// Alibaba's `DescribeCertificateState` `Type`.
    pub enum AlibabaStateType {
        /// Paid, application pending.
        Payed = "payed",
        /// Domain validation.
        DomainVerify = "domain_verify",
        /// Under review.
        Process = "process",
        /// Review failed.
        VerifyFail = "verify_fail",
        /// Issued: the certificate is in the answer.
        Certificate = "certificate",
        /// None of the above (Alibaba's spelling).
        Unknow = "unknow",
    }
}

/// Tencent's `Status` and `StatusMsg` of a certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TencentStatus {
    /// 0 under review, 1 issued, 2 review failed, 3 expired, 4 DNS record added, 5 pending
    /// submission, 7 cancelled, 8 confirmation letter pending, 9 revoking, 10 revoked,
    /// 11 reissuing, 13 free certificate pending submission, 14 refunded.
    pub code: u8,
    /// `PRE-REVIEWING`, `CA-REVIEWING`, `PENDING-DCV`, `WAIT-ISSUE`, for status 0.
    pub msg: Option<TencentStatusMsg>,
}

impl TencentStatus {
    /// The vendor's description of the code.
    pub fn describe(code: u8) -> Option<&'static str> {
        Some(match code {
            0 => "under review",
            1 => "approved/issued",
            2 => "review failed",
            3 => "expired",
            4 => "DNS record added",
            5 => "enterprise certificate pending submission",
            6 => "cancelling",
            7 => "cancelled",
            8 => "information submitted, confirmation letter pending",
            9 => "revoking",
            10 => "revoked",
            11 => "reissuing",
            12 => "revocation confirmation letter pending",
            13 => "free certificate pending submission",
            14 => "refunded",
            15 => "migrating",
            _ => return None,
        })
    }
}

/// Alibaba's view of an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct AlibabaStatus {
    /// The order list's status (`PAYED`, `CHECKING`, `CHECKED_FAIL`, `ISSUED`, `WILLEXPIRED`,
    /// `EXPIRED`, `REVOKED`); `None` where Alibaba has none (a refund).
    pub order_status: Option<AlibabaOrderStatus>,
    /// `DescribeCertificateState`'s `Type` (`payed`, `domain_verify`, `process`,
    /// `verify_fail`, `certificate`, `unknow`).
    pub state_type: AlibabaStateType,
}

impl Order {
    /// Tencent's `Status` and `StatusMsg` for this order.
    pub fn tencent_status(&self) -> TencentStatus {
        let status = |code, msg| TencentStatus { code, msg };
        match self.state() {
            OrderState::InProgress { step } => match step {
                Step::Apply => status(13, None),
                Step::SubmitInfo if self.product().free => status(13, None),
                Step::SubmitInfo => status(5, None),
                Step::UploadLetter => status(8, None),
                Step::PreReview => status(0, Some(TencentStatusMsg::PreReviewing)),
                Step::CaReview => status(0, Some(TencentStatusMsg::CaReviewing)),
                Step::SelectValidationMethod => status(0, Some(TencentStatusMsg::PendingDcv)),
                Step::ValidateDomain if self.is_reissuing() => status(11, None),
                Step::ValidateDomain if self.method() == Some(ValidationMethod::DnsAuto) => {
                    status(4, None)
                }
                Step::ValidateDomain => status(0, Some(TencentStatusMsg::PendingDcv)),
            },
            OrderState::PendingIssuance if self.is_reissuing() => status(11, None),
            OrderState::PendingIssuance => status(0, Some(TencentStatusMsg::WaitIssue)),
            OrderState::Issued => status(1, None),
            OrderState::Failed { .. } => status(2, None),
            OrderState::PendingApplication if self.product().free => status(13, None),
            OrderState::PendingApplication => status(5, None),
            OrderState::Expired => status(3, None),
            OrderState::Cancelled => status(7, None),
            OrderState::Revoking => status(9, None),
            OrderState::Revoked => status(10, None),
            OrderState::Refunded => status(14, None),
        }
    }

    /// Alibaba's order status and state type for this order at `now` (an issued certificate
    /// within 30 days of its end is `WILLEXPIRED`).
    pub fn alibaba_status(&self, now: OffsetDateTime) -> AlibabaStatus {
        let (order_status, state_type) = match self.state() {
            OrderState::InProgress {
                step: Step::SubmitInfo | Step::Apply,
            } => (Some(AlibabaOrderStatus::Payed), AlibabaStateType::Payed),
            OrderState::InProgress {
                step: Step::SelectValidationMethod | Step::ValidateDomain,
            } => (
                Some(AlibabaOrderStatus::Checking),
                AlibabaStateType::DomainVerify,
            ),
            OrderState::InProgress { .. } | OrderState::PendingIssuance => (
                Some(AlibabaOrderStatus::Checking),
                AlibabaStateType::Process,
            ),
            OrderState::Failed { .. } => (
                Some(AlibabaOrderStatus::CheckedFail),
                AlibabaStateType::VerifyFail,
            ),
            OrderState::Issued | OrderState::Revoking => {
                let expiring = self
                    .certificate()
                    .is_some_and(|c| c.not_after - now <= RENEWAL_WINDOW);
                (
                    Some(if expiring {
                        AlibabaOrderStatus::WillExpired
                    } else {
                        AlibabaOrderStatus::Issued
                    }),
                    AlibabaStateType::Certificate,
                )
            }
            OrderState::Expired => (Some(AlibabaOrderStatus::Expired), AlibabaStateType::Unknow),
            OrderState::Revoked => (Some(AlibabaOrderStatus::Revoked), AlibabaStateType::Unknow),
            // Alibaba's cancel returns an order to pending application.
            OrderState::PendingApplication => {
                (Some(AlibabaOrderStatus::Payed), AlibabaStateType::Payed)
            }
            // A cancel for good (Tencent's) and a refund have no Alibaba status.
            OrderState::Cancelled | OrderState::Refunded => (None, AlibabaStateType::Unknow),
        };
        AlibabaStatus {
            order_status,
            state_type,
        }
    }
}

impl OrderState {
    /// The state a Tencent status stands for, where it stands for exactly one (status 0 needs
    /// its `StatusMsg`; `PENDING-DCV` and status 2, whose reason is unknown, stand for none).
    pub fn from_tencent(code: u8, msg: Option<&str>) -> Option<OrderState> {
        let step = |step| Some(OrderState::InProgress { step });
        let msg = msg.and_then(|m| m.parse::<TencentStatusMsg>().ok());
        match (code, msg) {
            (0, Some(TencentStatusMsg::PreReviewing)) => step(Step::PreReview),
            (0, Some(TencentStatusMsg::CaReviewing)) => step(Step::CaReview),
            (0, Some(TencentStatusMsg::WaitIssue)) => Some(OrderState::PendingIssuance),
            (1, _) => Some(OrderState::Issued),
            (3, _) => Some(OrderState::Expired),
            (4, _) => step(Step::ValidateDomain),
            (7, _) => Some(OrderState::Cancelled),
            (8, _) => step(Step::UploadLetter),
            (9, _) => Some(OrderState::Revoking),
            (10, _) => Some(OrderState::Revoked),
            (13, _) => step(Step::Apply),
            (14, _) => Some(OrderState::Refunded),
            _ => None,
        }
    }

    /// The state an Alibaba order-list status stands for, where it stands for exactly one.
    pub fn from_alibaba(order_status: &str) -> Option<OrderState> {
        match order_status {
            "ISSUED" | "WILLEXPIRED" => Some(OrderState::Issued),
            "EXPIRED" => Some(OrderState::Expired),
            "REVOKED" => Some(OrderState::Revoked),
            _ => None,
        }
    }
}
