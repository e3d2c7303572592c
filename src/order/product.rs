//! Certificate products and the workflow each one follows (Tencent certificate application
//! guide).

use serde::{Deserialize, Serialize};
use time::Duration;

use crate::key::{KeyKind, KeySpec, SignatureHash};
use crate::order::{OrderError, ValidationMethod};
use crate::policy::{KeyOffer, LetterRules, Profile};

/// The certificate authority brand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Brand {
    /// TrustAsia (the free DV certificate's brand too).
    TrustAsia,
    /// WoTrus.
    WoTrus,
    /// DNSPod (international and GM/SM2).
    DnsPod,
    /// GeoTrust.
    GeoTrust,
    /// GlobalSign.
    GlobalSign,
    /// SecureSite (DigiCert).
    SecureSite,
    /// CFCA.
    Cfca,
}

/// How much the CA validates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValidationType {
    /// Domain validation.
    Dv,
    /// Organization validation.
    Ov,
    /// OV Pro.
    OvPro,
    /// Extended validation.
    Ev,
    /// EV Pro.
    EvPro,
}

impl ValidationType {
    /// OV or OV Pro.
    pub fn is_ov(self) -> bool {
        matches!(self, ValidationType::Ov | ValidationType::OvPro)
    }

    /// EV or EV Pro.
    pub fn is_ev(self) -> bool {
        matches!(self, ValidationType::Ev | ValidationType::EvPro)
    }
}

/// What names a certificate covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DomainType {
    /// One domain (an apex domain also covers `www.`).
    Single,
    /// Several domains.
    Multiple,
    /// One wildcard domain.
    Wildcard,
}

/// International (RSA/ECC) or Chinese national (GM, SM2) cryptography.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlgorithmStandard {
    /// RSA or ECDSA.
    International,
    /// SM2 with SM3.
    Gm,
}

/// One step of an application, in the order a workflow lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Submit the information: the CSR (generated online or pasted), domains, organization.
    SubmitInfo,
    /// The free certificate's one form: domain, validation method, e-mail, algorithm.
    Apply,
    /// Choose how the domains are validated.
    SelectValidationMethod,
    /// Upload the signed confirmation letter.
    UploadLetter,
    /// The CA's pre-review (WoTrus: 10 minutes to 72 hours).
    PreReview,
    /// Prove control of each domain.
    ValidateDomain,
    /// The CA's manual review of the organization (OV 3-5, EV 5-7 business days).
    CaReview,
}

impl Step {
    /// The step's name as the guide's progress bar shows it.
    pub fn title(self) -> &'static str {
        match self {
            Step::SubmitInfo => "Submit information",
            Step::Apply => "Submit certificate application",
            Step::SelectValidationMethod => "Select validation method",
            Step::UploadLetter => "Upload confirmation letter",
            Step::PreReview => "Pre-review",
            Step::ValidateDomain => "Validate domain",
            Step::CaReview => "CA review",
        }
    }
}

/// The steps an order goes through before the CA issues, derived from its product.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workflow {
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// Whether the confirmation letter may be uploaded again during the CA review.
    pub letter_reupload: bool,
}

impl Workflow {
    /// The step after `step`, or `None` after the last (the order then awaits issuance).
    pub fn next(&self, step: Step) -> Option<Step> {
        let at = self.steps.iter().position(|s| *s == step)?;
        self.steps.get(at + 1).copied()
    }

    /// Whether the workflow has this step.
    pub fn has(&self, step: Step) -> bool {
        self.steps.contains(&step)
    }
}

/// A certificate product: brand, validation type, domain type, algorithm standard, validity,
/// price class, and the settings its workflow depends on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    /// The brand.
    pub brand: Brand,
    /// DV, OV, OV Pro, EV, EV Pro.
    pub validation: ValidationType,
    /// Single, multiple or wildcard.
    pub domain_type: DomainType,
    /// RSA/ECC or SM2.
    pub standard: AlgorithmStandard,
    /// Validity in months.
    pub validity_months: u32,
    /// A free certificate.
    pub free: bool,
    /// The most domains an order may bind.
    pub max_domains: usize,
    /// How long the user has to complete domain validation: 7 days in the application guide
    /// (the default), 3 days in the vendor's current text.
    #[serde(with = "seconds")]
    pub validation_window: Duration,
    /// The domain a DNS CNAME challenge points into (the CA's validation zone).
    pub cname_target: String,
    /// A free certificate may be renewed. The application guide: "Free SSL certificates do not
    /// support renewal" (the default, `false`); the vendor's newer `ApplyCertificate` renews
    /// one with `OldCertificateId` when it expires within 30 days (`true`). Paid products
    /// renew either way.
    #[serde(default)]
    pub free_renewal: bool,
    /// A wildcard's base name may be validated by file. The Baseline Requirements (3.2.2.4.18)
    /// forbid it, so the default is `false`; the application guide offers "Automatic File
    /// Verification" for TrustAsia multi-year wildcards, which a product can allow with `true`.
    #[serde(default)]
    pub wildcard_file_validation: bool,
    /// The product binds public IP addresses too ("Some certificate brands support binding IP
    /// addresses"; GM: "single domain or public IP address"): OV and GM products do, DV, EV
    /// and free ones do not. An address is validated by file only.
    #[serde(default)]
    pub ip_addresses: bool,
}

/// The free certificate's validity in the application guide's form ("Validity period 1 year").
pub const FREE_VALIDITY_MONTHS_GUIDE: u32 = 12;

/// The free certificate's validity in the vendor's current text (3 months).
pub const FREE_VALIDITY_MONTHS_CURRENT: u32 = 3;

/// The validation window of the application guide.
pub const GUIDE_VALIDATION_WINDOW: Duration = Duration::days(7);

/// The validation window of the vendor's current text.
pub const CURRENT_VALIDATION_WINDOW: Duration = Duration::days(3);

/// Where CNAME challenges point unless a product says otherwise.
pub const DEFAULT_CNAME_TARGET: &str = "dcv.certdesk.invalid";

mod seconds {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Duration;

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(d.whole_seconds())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        i64::deserialize(d).map(Duration::seconds)
    }
}

impl Product {
    /// A paid product with a 12-month validity, the guide's 7-day validation window and room for
    /// 100 domains when `domain_type` is multiple.
    pub fn paid(
        brand: Brand,
        validation: ValidationType,
        domain_type: DomainType,
        standard: AlgorithmStandard,
    ) -> Self {
        Product {
            brand,
            validation,
            domain_type,
            standard,
            validity_months: 12,
            free: false,
            max_domains: if domain_type == DomainType::Multiple {
                100
            } else {
                1
            },
            validation_window: GUIDE_VALIDATION_WINDOW,
            cname_target: DEFAULT_CNAME_TARGET.to_owned(),
            free_renewal: false,
            wildcard_file_validation: false,
            ip_addresses: domain_type != DomainType::Wildcard
                && !validation.is_ev()
                && (validation.is_ov() || standard == AlgorithmStandard::Gm),
        }
    }

    /// Tencent's free TrustAsia DV certificate as the application guide describes it: one
    /// domain, "Validity period 1 year", no renewal, 7 days to validate.
    pub fn free_trustasia_dv() -> Self {
        Product {
            validity_months: FREE_VALIDITY_MONTHS_GUIDE,
            free: true,
            ip_addresses: false,
            ..Product::paid(
                Brand::TrustAsia,
                ValidationType::Dv,
                DomainType::Single,
                AlgorithmStandard::International,
            )
        }
    }

    /// The free TrustAsia DV certificate as the vendor offers it now: 3 months, renewable
    /// within 30 days of expiry (`ApplyCertificate` with `OldCertificateId`), 3 days to
    /// validate.
    pub fn free_trustasia_dv_current() -> Self {
        Product {
            validity_months: FREE_VALIDITY_MONTHS_CURRENT,
            validation_window: CURRENT_VALIDATION_WINDOW,
            free_renewal: true,
            ..Product::free_trustasia_dv()
        }
    }

    /// The workflow this product follows (Tencent certificate application guide):
    ///
    /// - free TrustAsia DV: apply -> validate domain;
    /// - DV: submit information -> select validation method -> validate domain;
    /// - WoTrus OV/EV: submit -> select validation method -> pre-review -> validate domain ->
    ///   CA review;
    /// - DNSPod GM (SM2) OV/EV: submit -> select validation method -> upload confirmation letter
    ///   (once) -> validate domain -> CA review;
    /// - other OV/EV (GeoTrust, GlobalSign, SecureSite, ...): submit -> upload confirmation
    ///   letter (may be re-uploaded during review) -> CA review.
    ///
    /// After the last step the order awaits issuance by the CA.
    pub fn workflow(&self) -> Workflow {
        use Step::*;
        let (steps, letter_reupload) = if self.free {
            (vec![Apply, ValidateDomain], false)
        } else if self.validation == ValidationType::Dv {
            (
                vec![SubmitInfo, SelectValidationMethod, ValidateDomain],
                false,
            )
        } else if self.brand == Brand::WoTrus {
            (
                vec![
                    SubmitInfo,
                    SelectValidationMethod,
                    PreReview,
                    ValidateDomain,
                    CaReview,
                ],
                false,
            )
        } else if self.brand == Brand::DnsPod && self.standard == AlgorithmStandard::Gm {
            (
                vec![
                    SubmitInfo,
                    SelectValidationMethod,
                    UploadLetter,
                    ValidateDomain,
                    CaReview,
                ],
                false,
            )
        } else {
            (vec![SubmitInfo, UploadLetter, CaReview], true)
        };
        Workflow {
            steps,
            letter_reupload,
        }
    }

    /// The rule profile a CSR for this product is checked against: the free certificate's, or
    /// the Baseline Requirements' names with Tencent's paid keys (RSA 2048/4096, ECC P-256 and
    /// P-384) or SM2 for GM products.
    pub fn profile(&self) -> Profile {
        if self.free {
            return Profile::tencent_apply_certificate();
        }
        let mut profile = Profile::baseline();
        profile.fields.clear();
        profile.rsa_sizes = None;
        profile.cn_listed_in_sans = false;
        profile.keys = match self.standard {
            AlgorithmStandard::International => [
                KeySpec::Rsa2048,
                KeySpec::Rsa4096,
                KeySpec::EcP256,
                KeySpec::EcP384,
            ]
            .into_iter()
            .map(|spec| KeyOffer::new(spec, &[SignatureHash::Sha256, SignatureHash::Sha384]))
            .collect(),
            AlgorithmStandard::Gm => vec![KeyOffer::new(KeySpec::Sm2, &[SignatureHash::Sm3])],
        };
        profile.wildcards = self.domain_type == DomainType::Wildcard;
        profile.san_kinds.ip = self.ip_addresses;
        profile.max_names = self.max_domains.max(1);
        profile
    }

    /// Whether a key of this kind fits the product's algorithm standard (an SM2 CSR for a GM
    /// product, RSA or ECDSA for an international one).
    pub fn accepts_key(&self, key: KeyKind) -> bool {
        match self.standard {
            AlgorithmStandard::Gm => key == KeyKind::Sm2,
            AlgorithmStandard::International => key != KeyKind::Sm2,
        }
    }

    /// The validation methods the "Select Verification Method" page offers for this product
    /// ("based on the type of certificate you purchased, its validity period, and whether the
    /// domain is on DNSPod for DNS resolution"):
    ///
    /// - TrustAsia DV wildcards of 2 or 3 years: automatic DNS (`DNS_PROXY`) and, where the
    ///   product allows file validation of wildcards, automatic file (`FILE_PROXY`);
    /// - every other product: DNS and file (not for a wildcard unless allowed), and automatic
    ///   DNS (`DNS_AUTO`) when the domain is on the account's DNS provider.
    pub fn offered_methods(&self, on_dns_provider: bool) -> Vec<ValidationMethod> {
        let wildcard = self.domain_type == DomainType::Wildcard;
        if self.brand == Brand::TrustAsia
            && self.validation == ValidationType::Dv
            && wildcard
            && self.validity_months > 12
        {
            let mut offered = vec![ValidationMethod::DnsProxy];
            if self.wildcard_file_validation {
                offered.push(ValidationMethod::FileProxy);
            }
            return offered;
        }
        let mut offered = vec![ValidationMethod::Dns];
        if on_dns_provider {
            offered.push(ValidationMethod::DnsAuto);
        }
        if !wildcard || self.wildcard_file_validation {
            offered.push(ValidationMethod::File);
        }
        offered
    }

    /// Refuses a method the product does not offer (whatever the DNS provider serves).
    pub(crate) fn check_method(&self, method: ValidationMethod) -> Result<(), OrderError> {
        let offered = self.offered_methods(true);
        if offered.contains(&method) {
            Ok(())
        } else {
            Err(OrderError::MethodNotOffered { method, offered })
        }
    }

    /// The DNS record type of this brand's DNS challenge: CNAME for TrustAsia and WoTrus, TXT
    /// for the others.
    pub fn dns_record_type(&self) -> crate::order::DnsRecordType {
        match self.brand {
            Brand::TrustAsia | Brand::WoTrus => crate::order::DnsRecordType::Cname,
            _ => crate::order::DnsRecordType::Txt,
        }
    }

    /// The confirmation-letter rules: JPG, GIF or PDF for DNSPod GM, JPG, PNG or PDF otherwise.
    pub fn letter_rules(&self) -> LetterRules {
        if self.brand == Brand::DnsPod && self.standard == AlgorithmStandard::Gm {
            LetterRules::dnspod_gm()
        } else {
            LetterRules::standard()
        }
    }

    /// The CA review's length in business days, as the guide gives it: OV 3-5, EV 5-7; `None`
    /// for DV.
    pub fn review_business_days(&self) -> Option<(u32, u32)> {
        if self.validation.is_ev() {
            Some((5, 7))
        } else if self.validation.is_ov() {
            Some((3, 5))
        } else {
            None
        }
    }

    /// A short name: `TrustAsia DV single (free)`.
    pub fn name(&self) -> String {
        format!(
            "{:?} {:?} {:?}{}{}",
            self.brand,
            self.validation,
            self.domain_type,
            if self.standard == AlgorithmStandard::Gm {
                " GM"
            } else {
                ""
            },
            if self.free { " (free)" } else { "" }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Step::*;

    #[test]
    fn workflows_follow_the_guide() {
        let wf = |p: Product| p.workflow().steps;
        let intl = AlgorithmStandard::International;
        assert_eq!(wf(Product::free_trustasia_dv()), [Apply, ValidateDomain]);
        assert_eq!(
            wf(Product::paid(
                Brand::GeoTrust,
                ValidationType::Dv,
                DomainType::Single,
                intl
            )),
            [SubmitInfo, SelectValidationMethod, ValidateDomain]
        );
        assert_eq!(
            wf(Product::paid(
                Brand::GeoTrust,
                ValidationType::Ov,
                DomainType::Single,
                intl
            )),
            [SubmitInfo, UploadLetter, CaReview]
        );
        assert_eq!(
            wf(Product::paid(
                Brand::WoTrus,
                ValidationType::Ev,
                DomainType::Single,
                intl
            )),
            [
                SubmitInfo,
                SelectValidationMethod,
                PreReview,
                ValidateDomain,
                CaReview
            ]
        );
        assert_eq!(
            wf(Product::paid(
                Brand::DnsPod,
                ValidationType::Ov,
                DomainType::Single,
                AlgorithmStandard::Gm
            )),
            [
                SubmitInfo,
                SelectValidationMethod,
                UploadLetter,
                ValidateDomain,
                CaReview
            ]
        );
        assert!(
            Product::paid(
                Brand::GlobalSign,
                ValidationType::Ov,
                DomainType::Single,
                intl
            )
            .workflow()
            .letter_reupload
        );
    }

    #[test]
    fn products_pick_their_profile_and_record_type() {
        let gm = Product::paid(
            Brand::DnsPod,
            ValidationType::Dv,
            DomainType::Wildcard,
            AlgorithmStandard::Gm,
        );
        assert!(gm.profile().offers(KeySpec::Sm2));
        assert!(!gm.profile().offers(KeySpec::Rsa2048));
        assert!(gm.accepts_key(KeyKind::Sm2));
        assert_eq!(gm.dns_record_type(), crate::order::DnsRecordType::Txt);
        let free = Product::free_trustasia_dv();
        assert_eq!(free.profile().id, "tencent:ApplyCertificate");
        assert_eq!(free.dns_record_type(), crate::order::DnsRecordType::Cname);
        assert!(!free.accepts_key(KeyKind::Sm2));
    }
}
