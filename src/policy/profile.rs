//! Profiles: what one vendor API, console form or certificate product accepts, as data.
//!
//! Every rule a profile applies is a field of [`Profile`]; the presets below fill them from the
//! vendors' documents (`Profile::tencent_create_csr`, ...) and the CA/Browser Forum Baseline
//! Requirements (`Profile::baseline`). A profile is a plain value: clone a preset and change a
//! field to follow a vendor change before certdesk does.

use std::borrow::Cow;
use std::fmt;

use crate::key::{KeyKind, KeySpec, SignatureHash};
use crate::subject::SubjectField;

/// Whether a profile asks for, allows or refuses a subject attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Presence {
    /// Must be given and not blank.
    Required,
    /// May be given.
    Optional,
    /// May be given, but the CA will leave it out of the certificate: a warning says so.
    Dropped,
    /// Must not be given.
    Refused,
}

/// One key spec a profile offers, with the signature hashes it accepts for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyOffer {
    /// The key.
    pub spec: KeySpec,
    /// The hashes a CSR with this key may be signed with; the first is the default.
    pub hashes: Vec<SignatureHash>,
}

impl KeyOffer {
    /// An offer of `spec` with these hashes.
    pub fn new(spec: KeySpec, hashes: &[SignatureHash]) -> Self {
        KeyOffer {
            spec,
            hashes: hashes.to_vec(),
        }
    }
}

/// RSA keys of any size in a range, for CSRs made elsewhere (the Baseline Requirements take any
/// modulus of at least 2048 bits that is a multiple of 8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RsaSizes {
    /// Smallest modulus in bits.
    pub min_bits: u32,
    /// Largest modulus in bits.
    pub max_bits: u32,
    /// The modulus length must be a multiple of this.
    pub multiple_of: u32,
    /// Hashes an RSA CSR may be signed with.
    pub hashes: &'static [SignatureHash],
}

impl RsaSizes {
    fn allows(&self, bits: u32) -> bool {
        bits >= self.min_bits
            && bits <= self.max_bits
            && bits.is_multiple_of(self.multiple_of.max(1))
    }
}

/// Which kinds of subject alternative name a profile takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SanKinds {
    /// Domain names (`dNSName`).
    pub dns: bool,
    /// IP addresses (`iPAddress`).
    pub ip: bool,
    /// E-mail addresses (`rfc822Name`).
    pub email: bool,
}

/// The characters a record name (Alibaba's CSR `Name`, Tencent's certificate `Alias`) may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NameCharset {
    /// ASCII letters and digits, plus these punctuation characters.
    AsciiAlnumAnd(&'static str),
    /// Any character but control characters.
    Any,
}

impl NameCharset {
    pub(crate) fn allows(self, c: char) -> bool {
        match self {
            NameCharset::AsciiAlnumAnd(extra) => c.is_ascii_alphanumeric() || extra.contains(c),
            NameCharset::Any => !c.is_control(),
        }
    }
}

impl fmt::Display for NameCharset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameCharset::AsciiAlnumAnd(extra) => {
                f.write_str("letters A-Z and a-z, digits 0-9")?;
                let names: Vec<&str> = extra
                    .chars()
                    .map(|c| match c {
                        '_' => "underscores (_)",
                        '-' => "hyphens (-)",
                        '.' => "periods (.)",
                        ' ' => "spaces",
                        _ => "other punctuation",
                    })
                    .collect();
                for name in names {
                    write!(f, ", {name}")?;
                }
                Ok(())
            }
            NameCharset::Any => f.write_str("any characters but control characters"),
        }
    }
}

/// The rule on a record's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NameRule {
    /// The vendor's parameter name (`Name`, `Alias`).
    pub parameter: &'static str,
    /// At most this many characters.
    pub max_chars: usize,
    /// The characters allowed.
    pub charset: NameCharset,
}

/// What a profile says of a private-key password.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PasswordRule {
    /// A password is fine.
    Allowed,
    /// A password is allowed, with this warning (a key with a password cannot be deployed to
    /// the vendor's load balancers and CDN).
    Warned(&'static str),
}

/// The rules of a free certificate (Tencent's free TrustAsia DV, from the certificate
/// application guide).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FreeRules {
    /// The most characters the bound domain may have.
    pub max_domain_chars: usize,
    /// Domain suffixes (whole labels, without the leading dot) that cannot have a free
    /// certificate. The guide says "including but not limited to": extend the list as needed.
    pub refused_suffixes: Vec<String>,
    /// Words the CA's security review refuses in a name; reported as warnings, since only the
    /// review decides.
    pub screening_words: Vec<String>,
    /// Root suffixes the CA's review refuses (`pw`); warnings, like the screening words.
    pub review_refused_suffixes: Vec<String>,
    /// A bound apex domain (`example.com`) also covers `www.` (`www.example.com`).
    pub apex_covers_www: bool,
}

impl FreeRules {
    /// The rules of the Tencent certificate application guide.
    pub fn tencent() -> Self {
        let strings = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect();
        FreeRules {
            max_domain_chars: 64,
            refused_suffixes: strings(&[
                "edu", "gov", "org", "ru", "jp", "pay", "bank", "live", "nuclear",
            ]),
            screening_words: strings(&[
                "bank", "banc", "pay", "test", "example", "credit", "apple", "ebay", "trust",
                "root", "amazon", "android", "live", "alpha",
            ]),
            review_refused_suffixes: strings(&["pw"]),
            apex_covers_www: true,
        }
    }
}

/// What one vendor API, console form or certificate product accepts.
///
/// Fields are public so a preset can be adjusted:
///
/// ```
/// use certdesk::policy::Profile;
/// use certdesk::KeySpec;
///
/// let mut profile = Profile::tencent_create_csr();
/// profile.keys.retain(|offer| offer.spec != KeySpec::Rsa4096);
/// assert!(!profile.offers(KeySpec::Rsa4096));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Profile {
    /// Stable identifier (`baseline`, `tencent:CreateCSR`, `alibaba:UploadCsr`, ...).
    pub id: Cow<'static, str>,
    /// What the profile is, for people.
    pub title: Cow<'static, str>,
    /// Where its rules come from.
    pub source: Cow<'static, str>,
    /// Each subject attribute's presence; an attribute not listed is optional.
    pub fields: Vec<(SubjectField, Presence)>,
    /// The keys offered, in the vendor's order; the first is the default.
    pub keys: Vec<KeyOffer>,
    /// RSA sizes accepted beyond the offered specs, for CSRs made elsewhere.
    pub rsa_sizes: Option<RsaSizes>,
    /// The SAN kinds accepted.
    pub san_kinds: SanKinds,
    /// Whether wildcard names (`*.example.com`) are accepted.
    pub wildcards: bool,
    /// The fewest names (SANs, the CN's name included) a request may have.
    pub min_names: usize,
    /// The most names a request may have.
    pub max_names: usize,
    /// A common name must be a domain name or IP address (the certificate's main name).
    pub cn_must_be_name: bool,
    /// A CSR made elsewhere must list its CN among its SANs, character for character (BR
    /// 7.1.4.3). When false, a CN missing from the SANs is certified as one more name, as the
    /// vendors' CAs do.
    pub cn_listed_in_sans: bool,
    /// Values made only of `.`, `-` and spaces are refused (BR 7.1.4.3).
    pub refuse_placeholders: bool,
    /// Internal names (a TLD outside the ICANN list) and bare public suffixes are refused.
    pub public_names_only: bool,
    /// Reserved IP addresses (IANA special-purpose registries) are refused.
    pub refuse_reserved_ips: bool,
    /// A country name the ISO table knows ("China", "中国") is taken as its code, with a
    /// warning, instead of being refused. Off in every preset: the vendors' documents ask for
    /// the ISO code, though Tencent's CreateCSR example passes "China".
    pub country_names: bool,
    /// The record-name rule, when the API takes a name.
    pub name: Option<NameRule>,
    /// What a private-key password means here.
    pub key_password: PasswordRule,
    /// The free-certificate rules, for a free product.
    pub free: Option<FreeRules>,
}

const SHA2: &[SignatureHash] = &[
    SignatureHash::Sha256,
    SignatureHash::Sha384,
    SignatureHash::Sha512,
];

/// The console's two hashes (vendor facts: "Signature hash offered in the console: SHA-256 or
/// SHA-384").
const TENCENT_HASHES: &[SignatureHash] = &[SignatureHash::Sha256, SignatureHash::Sha384];

const TENCENT_PASSWORD: &str = "a private key with a password cannot be deployed to Tencent Cloud services such as CLB (Cloud Load Balancer) and CDN; leave the password empty to deploy there";

const PUBLIC_SANS: SanKinds = SanKinds {
    dns: true,
    ip: true,
    email: false,
};

fn offers(list: &[(KeySpec, &[SignatureHash])]) -> Vec<KeyOffer> {
    list.iter()
        .map(|(spec, hashes)| KeyOffer::new(*spec, hashes))
        .collect()
}

/// Every field optional, the public-CA name rules on: the common base of the presets.
fn public(id: &'static str, title: &'static str, source: &'static str) -> Profile {
    Profile {
        id: Cow::Borrowed(id),
        title: Cow::Borrowed(title),
        source: Cow::Borrowed(source),
        fields: Vec::new(),
        keys: Vec::new(),
        rsa_sizes: None,
        san_kinds: PUBLIC_SANS,
        wildcards: true,
        min_names: 1,
        max_names: crate::csr::MAX_SANS,
        cn_must_be_name: true,
        cn_listed_in_sans: false,
        refuse_placeholders: true,
        public_names_only: true,
        refuse_reserved_ips: true,
        country_names: false,
        name: None,
        key_password: PasswordRule::Allowed,
        free: None,
    }
}

impl Profile {
    /// The CA/Browser Forum Baseline Requirements (v2.2.6) for a publicly trusted TLS
    /// certificate: RSA of at least 2048 bits (a multiple of 8) with SHA-256/384/512; ECDSA
    /// P-256/SHA-256, P-384/SHA-384, P-521/SHA-512; no SM2, no Ed25519; OU refused (since
    /// 2022-09-01); the CN, when present, one of the SANs; only DNS and IP SANs, at least one;
    /// no internal names, no reserved IP addresses.
    pub fn baseline() -> Self {
        use SignatureHash::*;
        Profile {
            fields: vec![
                (SubjectField::OrganizationalUnit, Presence::Refused),
                (SubjectField::Email, Presence::Dropped),
            ],
            keys: offers(&[
                (KeySpec::Rsa2048, SHA2),
                (KeySpec::Rsa3072, SHA2),
                (KeySpec::Rsa4096, SHA2),
                (KeySpec::EcP256, &[Sha256]),
                (KeySpec::EcP384, &[Sha384]),
                (KeySpec::EcP521, &[Sha512]),
            ]),
            cn_listed_in_sans: true,
            rsa_sizes: Some(RsaSizes {
                min_bits: 2048,
                max_bits: 16384,
                multiple_of: 8,
                hashes: SHA2,
            }),
            ..public(
                "baseline",
                "CA/Browser Forum Baseline Requirements",
                "CA/B Forum Baseline Requirements v2.2.6, 6.1.5, 7.1.3, 7.1.4",
            )
        }
    }

    /// Tencent Cloud `CreateCSR` (SSL API 2019-12-05): Domain, Organization, Department, Email,
    /// Province, City and Country required; RSA 2048/4096 or ECC prime256v1; SHA-256 or SHA-384.
    pub fn tencent_create_csr() -> Self {
        use SubjectField::*;
        Profile {
            fields: vec![
                (CommonName, Presence::Required),
                (Organization, Presence::Required),
                (OrganizationalUnit, Presence::Required),
                (Email, Presence::Required),
                (State, Presence::Required),
                (Locality, Presence::Required),
                (Country, Presence::Required),
            ],
            keys: offers(&[
                (KeySpec::Rsa2048, TENCENT_HASHES),
                (KeySpec::Rsa4096, TENCENT_HASHES),
                (KeySpec::EcP256, TENCENT_HASHES),
            ]),
            key_password: PasswordRule::Warned(TENCENT_PASSWORD),
            ..public(
                "tencent:CreateCSR",
                "Tencent Cloud CreateCSR",
                "Tencent Cloud SSL API 2019-12-05 CreateCSR; SSL console CSR generator",
            )
        }
    }

    /// The Tencent Cloud SSL console's CSR form: the fields of `CreateCSR`, but "Email (E):
    /// Your email address, which is optional"; RSA 2048/4096 or ECDSA (prime256v1).
    pub fn tencent_console() -> Self {
        let mut profile = Profile::tencent_create_csr();
        for (field, presence) in &mut profile.fields {
            if *field == SubjectField::Email {
                *presence = Presence::Optional;
            }
        }
        profile.id = "tencent:console".into();
        profile.title = "Tencent Cloud SSL console CSR form".into();
        profile.source = "Tencent Cloud SSL console, CSR Management: Create CSR".into();
        profile
    }

    /// Tencent Cloud `ApplyCertificate`, the free TrustAsia DV certificate: one domain of at
    /// most 64 characters, no wildcard, no IP, refused suffixes, RSA 2048 or ECC prime256v1,
    /// the CA review's screening words as warnings, `Alias` of at most 200 characters.
    pub fn tencent_apply_certificate() -> Self {
        Profile {
            keys: offers(&[
                (KeySpec::Rsa2048, &[SignatureHash::Sha256]),
                (KeySpec::EcP256, &[SignatureHash::Sha256]),
            ]),
            san_kinds: SanKinds {
                dns: true,
                ip: false,
                email: false,
            },
            wildcards: false,
            max_names: 1,
            name: Some(NameRule {
                parameter: "Alias",
                max_chars: 200,
                charset: NameCharset::Any,
            }),
            key_password: PasswordRule::Warned(TENCENT_PASSWORD),
            free: Some(FreeRules::tencent()),
            ..public(
                "tencent:ApplyCertificate",
                "Tencent Cloud free certificate (ApplyCertificate)",
                "Tencent Cloud certificate application guide, free SSL certificates; SSL API ApplyCertificate",
            )
        }
    }

    /// Tencent Cloud reissue and renewal of a paid certificate: RSA 2048/4096, ECC prime256v1
    /// and secp384r1, and SM2.
    pub fn tencent_reissue() -> Self {
        Profile {
            keys: offers(&[
                (KeySpec::Rsa2048, TENCENT_HASHES),
                (KeySpec::Rsa4096, TENCENT_HASHES),
                (KeySpec::EcP256, TENCENT_HASHES),
                (KeySpec::EcP384, TENCENT_HASHES),
                (KeySpec::Sm2, &[SignatureHash::Sm3]),
            ]),
            key_password: PasswordRule::Warned(TENCENT_PASSWORD),
            ..public(
                "tencent:reissue",
                "Tencent Cloud certificate reissue and renewal",
                "Tencent Cloud SSL API 2019-12-05 (reissue/renew algorithms)",
            )
        }
    }

    /// Alibaba Cloud `CreateCsr` (CAS API 2020-04-07): CommonName, CountryCode, Province and
    /// Locality required; RSA 2048/3072/4096, ECC 256, SM2 256; `Name` of at most 50 of
    /// `A-Za-z0-9_.-`.
    pub fn alibaba_create_csr() -> Self {
        Profile {
            keys: Self::alibaba_keys(false),
            name: Some(NameRule {
                parameter: "Name",
                max_chars: 50,
                charset: NameCharset::AsciiAlnumAnd("_-."),
            }),
            ..Self::alibaba_base(
                "alibaba:CreateCsr",
                "Alibaba Cloud CreateCsr",
                "Alibaba Cloud CAS API 2020-04-07 CreateCsr",
            )
        }
    }

    /// The Alibaba Cloud console's CSR generator: as `CreateCsr`, plus ECC p384 and p512 (which
    /// is the P-521 curve).
    pub fn alibaba_console() -> Self {
        Profile {
            keys: Self::alibaba_keys(true),
            id: Cow::Borrowed("alibaba:console"),
            title: Cow::Borrowed("Alibaba Cloud console CSR generator"),
            source: Cow::Borrowed(
                "Alibaba Cloud Certificate Management Service console, Create CSR",
            ),
            ..Self::alibaba_create_csr()
        }
    }

    /// Alibaba Cloud `UploadCsr`: the uploaded CSR's key must be one the console offers; `Name`
    /// of at most 50 of `A-Za-z0-9_-` (no period). Subject fields are what the CSR holds.
    pub fn alibaba_upload_csr() -> Self {
        Profile {
            keys: Self::alibaba_keys(true),
            name: Some(NameRule {
                parameter: "Name",
                max_chars: 50,
                charset: NameCharset::AsciiAlnumAnd("_-"),
            }),
            ..public(
                "alibaba:UploadCsr",
                "Alibaba Cloud UploadCsr",
                "Alibaba Cloud CAS API 2020-04-07 UploadCsr; console, Upload CSR",
            )
        }
    }

    fn alibaba_base(id: &'static str, title: &'static str, source: &'static str) -> Self {
        use SubjectField::*;
        Profile {
            fields: vec![
                (CommonName, Presence::Required),
                (Country, Presence::Required),
                (State, Presence::Required),
                (Locality, Presence::Required),
            ],
            ..public(id, title, source)
        }
    }

    fn alibaba_keys(console: bool) -> Vec<KeyOffer> {
        let mut keys = offers(&[
            (KeySpec::Rsa2048, SHA2),
            (KeySpec::Rsa3072, SHA2),
            (KeySpec::Rsa4096, SHA2),
            (KeySpec::EcP256, SHA2),
        ]);
        if console {
            keys.push(KeyOffer::new(KeySpec::EcP384, SHA2));
            keys.push(KeyOffer::new(KeySpec::EcP521, SHA2));
        }
        keys.push(KeyOffer::new(KeySpec::Sm2, &[SignatureHash::Sm3]));
        keys
    }

    /// Every preset, in a stable order.
    pub fn presets() -> Vec<Profile> {
        vec![
            Profile::baseline(),
            Profile::tencent_create_csr(),
            Profile::tencent_console(),
            Profile::tencent_apply_certificate(),
            Profile::tencent_reissue(),
            Profile::alibaba_create_csr(),
            Profile::alibaba_console(),
            Profile::alibaba_upload_csr(),
        ]
    }

    /// The preset with this id (`baseline`, `tencent:CreateCSR`, `tencent:console`,
    /// `tencent:ApplyCertificate`,
    /// `tencent:reissue`, `alibaba:CreateCsr`, `alibaba:console`, `alibaba:UploadCsr`), in any
    /// case.
    pub fn preset(id: &str) -> Option<Profile> {
        Profile::presets()
            .into_iter()
            .find(|p| p.id.eq_ignore_ascii_case(id.trim()))
    }

    /// What the profile says of a subject attribute.
    pub fn presence(&self, field: SubjectField) -> Presence {
        self.fields
            .iter()
            .find(|(f, _)| *f == field)
            .map_or(Presence::Optional, |(_, p)| *p)
    }

    /// Whether the profile offers this key spec.
    pub fn offers(&self, spec: KeySpec) -> bool {
        self.keys.iter().any(|o| o.spec == spec)
    }

    /// The offer for a key, if the profile takes it: an offered spec, or an RSA size within
    /// [`Profile::rsa_sizes`].
    pub fn hashes_for(&self, key: KeyKind) -> Option<&[SignatureHash]> {
        if let Some(offer) = key
            .key_spec()
            .and_then(|spec| self.keys.iter().find(|o| o.spec == spec))
        {
            return Some(&offer.hashes);
        }
        match (key, &self.rsa_sizes) {
            (KeyKind::Rsa { bits }, Some(sizes)) if sizes.allows(bits) => Some(sizes.hashes),
            _ => None,
        }
    }

    /// The default key: the first offered.
    pub fn default_key(&self) -> Option<KeySpec> {
        self.keys.first().map(|o| o.spec)
    }

    /// The offered keys as text (`rsa2048, rsa4096, ec-p256`), for messages.
    pub fn offered_keys(&self) -> String {
        let mut names: Vec<String> = self.keys.iter().map(|o| o.spec.to_string()).collect();
        if let Some(sizes) = &self.rsa_sizes {
            names.push(format!(
                "RSA of {} to {} bits in multiples of {}",
                sizes.min_bits, sizes.max_bits, sizes.multiple_of
            ));
        }
        names.join(", ")
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_have_unique_ids_and_are_found_by_id() {
        let presets = Profile::presets();
        for p in &presets {
            assert_eq!(Profile::preset(&p.id).as_ref(), Some(p));
            assert!(!p.keys.is_empty(), "{}", p.id);
        }
        let mut ids: Vec<_> = presets.iter().map(|p| p.id.clone()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 8);
        assert!(Profile::preset("TENCENT:createcsr").is_some());
        assert!(Profile::preset("nope").is_none());
    }

    #[test]
    fn key_tables_match_the_vendor_documents() {
        let specs = |p: Profile| p.keys.iter().map(|o| o.spec).collect::<Vec<_>>();
        use KeySpec::*;
        assert_eq!(
            specs(Profile::tencent_create_csr()),
            [Rsa2048, Rsa4096, EcP256]
        );
        assert_eq!(
            specs(Profile::tencent_apply_certificate()),
            [Rsa2048, EcP256]
        );
        assert_eq!(
            specs(Profile::tencent_reissue()),
            [Rsa2048, Rsa4096, EcP256, EcP384, Sm2]
        );
        assert_eq!(
            specs(Profile::alibaba_create_csr()),
            [Rsa2048, Rsa3072, Rsa4096, EcP256, Sm2]
        );
        assert_eq!(
            specs(Profile::alibaba_console()),
            [Rsa2048, Rsa3072, Rsa4096, EcP256, EcP384, EcP521, Sm2]
        );
        assert!(!Profile::baseline().offers(Sm2));
    }

    #[test]
    fn baseline_takes_any_rsa_size_that_is_a_multiple_of_8() {
        let p = Profile::baseline();
        assert!(p.hashes_for(KeyKind::Rsa { bits: 2056 }).is_some());
        assert!(p.hashes_for(KeyKind::Rsa { bits: 8192 }).is_some());
        assert!(p.hashes_for(KeyKind::Rsa { bits: 2047 }).is_none());
        assert!(p.hashes_for(KeyKind::Rsa { bits: 1024 }).is_none());
        assert!(p.hashes_for(KeyKind::Sm2).is_none());
        assert!(
            Profile::tencent_create_csr()
                .hashes_for(KeyKind::Rsa { bits: 2056 })
                .is_none()
        );
    }
}
