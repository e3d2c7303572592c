//! The free-certificate quota: an account's allowance by account kind, the deduction order
//! (the Tencent-registered pool first), and the limit per primary domain.

use std::collections::BTreeMap;

use crate::code::codes;
use serde::{Deserialize, Serialize};

codes! {
    /// The codes of [`QuotaError`].
    pub enum QuotaCode {
        AlreadyCounted = "quota.already_counted",
        Exceeded = "quota.exceeded",
        NoPrimaryDomain = "quota.no_primary_domain",
        PrimaryDomainLimit = "quota.primary_domain_limit",
    }
}

/// The kind of account a quota belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// An individual account, standard or V1 member.
    IndividualStandard,
    /// An individual V2 member.
    IndividualV2,
    /// An enterprise account.
    Enterprise,
    /// An enterprise account that held valid free certificates on 2023-03-20: "Corporate
    /// accounts with valid free certificates will continue to maintain a quota of 20 free
    /// certificates."
    EnterpriseWithFreeCertificates,
}

/// Which allowance a free certificate was counted against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuotaPool {
    /// Certificates for domains registered with (or transferred to) Tencent Cloud.
    TencentDomains,
    /// Certificates for any domain.
    AnyDomain,
}

/// The allowances, as data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaPreset {
    /// What the numbers come from.
    pub name: String,
    /// Per account kind: the Tencent-domain pool and the any-domain pool.
    pub limits: Vec<(AccountKind, u32, u32)>,
    /// Free certificates per primary domain (the CA's limit, across platforms).
    pub per_primary_domain: u32,
}

impl QuotaPreset {
    /// The certificate application guide's table (the default): individual standard/V1 50, of
    /// which 30 for Tencent-registered domains and 20 for any domain; V2 50 for any domain;
    /// enterprise 10 (20 for one that held valid free certificates on 2023-03-20); 20 per
    /// primary domain.
    pub fn guide() -> Self {
        QuotaPreset {
            name: "Tencent certificate application guide".into(),
            limits: vec![
                (AccountKind::IndividualStandard, 30, 20),
                (AccountKind::IndividualV2, 0, 50),
                (AccountKind::Enterprise, 0, 10),
                (AccountKind::EnterpriseWithFreeCertificates, 0, 20),
            ],
            per_primary_domain: 20,
        }
    }

    /// The vendor's current FAQ: 20 per account and 20 per primary domain.
    pub fn current() -> Self {
        QuotaPreset {
            name: "Tencent free-certificate FAQ (current)".into(),
            limits: vec![
                (AccountKind::IndividualStandard, 0, 20),
                (AccountKind::IndividualV2, 0, 20),
                (AccountKind::Enterprise, 0, 20),
                (AccountKind::EnterpriseWithFreeCertificates, 0, 20),
            ],
            per_primary_domain: 20,
        }
    }

    fn limits_for(&self, kind: AccountKind) -> (u32, u32) {
        self.limits
            .iter()
            .find(|(k, _, _)| *k == kind)
            .map_or((0, 0), |(_, t, a)| (*t, *a))
    }
}

/// One certificate counted against the quota.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deduction {
    /// The order.
    pub order_id: String,
    /// The pool it was counted against.
    pub pool: QuotaPool,
    /// The primary domain it counts for.
    pub primary_domain: String,
}

/// Why a free certificate cannot be applied for.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QuotaError {
    /// The account's free certificates are used up.
    #[error("the account's free certificates are used up ({used} of {limit})")]
    ExceedsFreeLimit {
        /// Counted so far.
        used: u32,
        /// The allowance for this domain's pools.
        limit: u32,
    },
    /// The primary domain has its maximum of free certificates.
    #[error(
        "the primary domain {domain} already has {limit} free certificates; they are given back only as they expire"
    )]
    MainDomainCertificateCountLimit {
        /// The primary domain.
        domain: String,
        /// The limit.
        limit: u32,
    },
    /// The domain has no primary (registrable) domain.
    #[error("{0} is not under a registrable domain")]
    NoPrimaryDomain(String),
    /// The order already holds a deduction.
    #[error("order {0} is already counted")]
    AlreadyCounted(String),
}

impl QuotaError {
    /// Stable code: `quota.exceeded`, `quota.primary_domain_limit`, `quota.no_primary_domain`,
    /// `quota.already_counted`.
    pub fn code(&self) -> QuotaCode {
        match self {
            QuotaError::ExceedsFreeLimit { .. } => QuotaCode::Exceeded,
            QuotaError::MainDomainCertificateCountLimit { .. } => QuotaCode::PrimaryDomainLimit,
            QuotaError::NoPrimaryDomain(_) => QuotaCode::NoPrimaryDomain,
            QuotaError::AlreadyCounted(_) => QuotaCode::AlreadyCounted,
        }
    }

    /// Tencent's error code: `FailedOperation.ExceedsFreeLimit`,
    /// `FailedOperation.MainDomainCertificateCountLimit`, `FailedOperation.InvalidParam`.
    pub fn tencent_code(&self) -> &'static str {
        match self {
            QuotaError::ExceedsFreeLimit { .. } => "FailedOperation.ExceedsFreeLimit",
            QuotaError::MainDomainCertificateCountLimit { .. } => {
                "FailedOperation.MainDomainCertificateCountLimit"
            }
            _ => "FailedOperation.InvalidParam",
        }
    }
}

impl crate::code::Coded for QuotaError {
    fn code(&self) -> &'static str {
        QuotaError::code(self).as_str()
    }
}

/// The primary (registrable) domain of a name: `docs.dnspod.cn` -> `dnspod.cn`.
pub fn primary_domain(name: &str) -> Option<String> {
    let lower = name.trim_start_matches("*.").to_ascii_lowercase();
    psl::domain(lower.as_bytes())
        .filter(|d| d.suffix().is_known())
        .map(|d| String::from_utf8_lossy(d.as_bytes()).into_owned())
}

/// One account's free-certificate ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaLedger {
    preset: QuotaPreset,
    account: AccountKind,
    deductions: Vec<Deduction>,
    /// Certificates per primary domain, as the CA counts them.
    per_domain: BTreeMap<String, u32>,
}

impl QuotaLedger {
    /// An empty ledger.
    pub fn new(preset: QuotaPreset, account: AccountKind) -> Self {
        QuotaLedger {
            preset,
            account,
            deductions: Vec::new(),
            per_domain: BTreeMap::new(),
        }
    }

    /// Counts a free certificate for `domain`: against the Tencent-domain pool first when the
    /// domain is registered with Tencent Cloud, then against the any-domain pool; refused when
    /// both are used up or the primary domain has its limit. Nothing changes on refusal.
    pub fn reserve(
        &mut self,
        order_id: &str,
        domain: &str,
        tencent_registered: bool,
    ) -> Result<Deduction, QuotaError> {
        if self.deductions.iter().any(|d| d.order_id == order_id) {
            return Err(QuotaError::AlreadyCounted(order_id.to_owned()));
        }
        let primary =
            primary_domain(domain).ok_or_else(|| QuotaError::NoPrimaryDomain(domain.to_owned()))?;
        let limit = self.preset.per_primary_domain;
        if self.per_domain.get(&primary).copied().unwrap_or(0) >= limit {
            return Err(QuotaError::MainDomainCertificateCountLimit {
                domain: primary,
                limit,
            });
        }
        let (tencent_limit, any_limit) = self.preset.limits_for(self.account);
        let pool = if tencent_registered && self.used(QuotaPool::TencentDomains) < tencent_limit {
            QuotaPool::TencentDomains
        } else if self.used(QuotaPool::AnyDomain) < any_limit {
            QuotaPool::AnyDomain
        } else {
            let (used, limit) = if tencent_registered {
                (self.deductions.len() as u32, tencent_limit + any_limit)
            } else {
                (self.used(QuotaPool::AnyDomain), any_limit)
            };
            return Err(QuotaError::ExceedsFreeLimit { used, limit });
        };
        let deduction = Deduction {
            order_id: order_id.to_owned(),
            pool,
            primary_domain: primary.clone(),
        };
        *self.per_domain.entry(primary).or_insert(0) += 1;
        self.deductions.push(deduction.clone());
        Ok(deduction)
    }

    /// Gives an order's place back, to its pool and to its primary domain's count. Call it when
    /// the certificate expires, or when the application ended without a certificate (cancelled
    /// or failed: the CA counts certificates, not applications). A revoked or deleted
    /// certificate is given back only when it would have expired. Returns the deduction
    /// released, if the order had one.
    pub fn release(&mut self, order_id: &str) -> Option<Deduction> {
        let at = self
            .deductions
            .iter()
            .position(|d| d.order_id == order_id)?;
        let deduction = self.deductions.remove(at);
        if let Some(count) = self.per_domain.get_mut(&deduction.primary_domain) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                self.per_domain.remove(&deduction.primary_domain);
            }
        }
        Some(deduction)
    }

    /// Every free certificate the account is given, all pools together.
    pub fn total(&self) -> u32 {
        let (t, a) = self.preset.limits_for(self.account);
        t.saturating_add(a)
    }

    /// Certificates counted against a pool.
    pub fn used(&self, pool: QuotaPool) -> u32 {
        self.deductions.iter().filter(|d| d.pool == pool).count() as u32
    }

    /// What is left in each pool: (Tencent domains, any domain).
    pub fn remaining(&self) -> (u32, u32) {
        let (t, a) = self.preset.limits_for(self.account);
        (
            t.saturating_sub(self.used(QuotaPool::TencentDomains)),
            a.saturating_sub(self.used(QuotaPool::AnyDomain)),
        )
    }

    /// Free certificates counted for a primary domain.
    pub fn for_primary_domain(&self, primary: &str) -> u32 {
        self.per_domain.get(primary).copied().unwrap_or(0)
    }

    /// Every deduction.
    pub fn deductions(&self) -> &[Deduction] {
        &self.deductions
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "Corporate accounts without any free certificates are only entitled to a quota of 10
    /// free certificates. Corporate accounts with valid free certificates will continue to
    /// maintain a quota of 20 free certificates."
    #[test]
    fn enterprises_that_held_free_certificates_keep_twenty() {
        let fill = |kind| {
            let mut l = QuotaLedger::new(QuotaPreset::guide(), kind);
            (0..30)
                .take_while(|i| {
                    l.reserve(&format!("o{i}"), &format!("d{i}.com"), false)
                        .is_ok()
                })
                .count()
        };
        assert_eq!(fill(AccountKind::Enterprise), 10);
        assert_eq!(fill(AccountKind::EnterpriseWithFreeCertificates), 20);
    }

    #[test]
    fn tencent_domains_are_counted_against_their_pool_first() {
        let mut l = QuotaLedger::new(QuotaPreset::guide(), AccountKind::IndividualStandard);
        for i in 0..30 {
            let d = l
                .reserve(&format!("o{i}"), &format!("s{i}.t{}.com", i % 3), true)
                .unwrap();
            assert_eq!(d.pool, QuotaPool::TencentDomains);
        }
        // The Tencent pool is used up: the next Tencent domain falls to the any-domain pool.
        assert_eq!(
            l.reserve("o30", "a.x1.com", true).unwrap().pool,
            QuotaPool::AnyDomain
        );
        for i in 31..50 {
            l.reserve(&format!("o{i}"), &format!("s{i}.y{}.com", i % 5), false)
                .unwrap();
        }
        assert_eq!(l.remaining(), (0, 0));
        let e = l.reserve("o50", "z.example.net", true).unwrap_err();
        assert_eq!(e.tencent_code(), "FailedOperation.ExceedsFreeLimit");
        assert_eq!(
            e,
            QuotaError::ExceedsFreeLimit {
                used: 50,
                limit: 50
            }
        );
    }

    #[test]
    fn v2_and_enterprise_accounts() {
        let mut l = QuotaLedger::new(QuotaPreset::guide(), AccountKind::IndividualV2);
        assert_eq!(l.remaining(), (0, 50));
        assert_eq!(
            l.reserve("o", "a.example.com", true).unwrap().pool,
            QuotaPool::AnyDomain
        );
        let mut l = QuotaLedger::new(QuotaPreset::guide(), AccountKind::Enterprise);
        for i in 0..10 {
            l.reserve(&format!("o{i}"), &format!("e{i}.com"), false)
                .unwrap();
        }
        assert_eq!(
            l.reserve("o10", "e10.com", false).unwrap_err().code(),
            "quota.exceeded"
        );
    }

    #[test]
    fn twenty_per_primary_domain_given_back_on_expiry() {
        let mut l = QuotaLedger::new(QuotaPreset::guide(), AccountKind::IndividualV2);
        for i in 0..20 {
            l.reserve(&format!("o{i}"), &format!("h{i}.dnspod.cn"), false)
                .unwrap();
        }
        let e = l.reserve("o20", "dnspod.cn", false).unwrap_err();
        assert_eq!(
            e.tencent_code(),
            "FailedOperation.MainDomainCertificateCountLimit"
        );
        assert_eq!(l.for_primary_domain("dnspod.cn"), 20);
        // Another primary domain is fine; an expiry gives one back.
        assert!(l.reserve("o21", "other.cn", false).is_ok());
        assert!(l.release("o3").is_some());
        assert!(l.reserve("o22", "www.dnspod.cn", false).is_ok());
        assert!(l.release("nope").is_none());
    }

    #[test]
    fn the_current_preset_and_refusals_change_nothing() {
        let mut l = QuotaLedger::new(QuotaPreset::current(), AccountKind::IndividualStandard);
        assert_eq!(l.remaining(), (0, 20));
        l.reserve("o1", "a.example.com", true).unwrap();
        assert_eq!(
            l.reserve("o1", "b.example.com", true).unwrap_err().code(),
            "quota.already_counted"
        );
        assert_eq!(
            l.reserve("o2", "com", true).unwrap_err().code(),
            "quota.no_primary_domain"
        );
        assert_eq!(l.deductions().len(), 1);
        assert_eq!(
            primary_domain("docs.dnspod.cn").as_deref(),
            Some("dnspod.cn")
        );
        assert_eq!(
            primary_domain("*.example.com.cn").as_deref(),
            Some("example.com.cn")
        );
    }
}
