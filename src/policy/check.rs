//! Checking input against a [`Profile`]: a form as a person typed it, a typed request, or a CSR
//! made elsewhere. Every check returns every violation at once.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::csr::{CsrInfo, CsrRequest, CsrSan};
use crate::key::{KeyKind, KeySpec, KeySpecError, SignatureHash};
use crate::policy::PolicyCode;
use crate::policy::free::check_free;
use crate::policy::profile::{PasswordRule, Presence, Profile};
use crate::policy::{Severity, Violation, check_country, check_domain, check_ip};
use crate::san::NameCode;
use crate::san::{DomainName, NameError, SanEntry, SanList};
use crate::subject::{Subject, SubjectField};

/// A CSR form as a person filled it in: every value as typed, nothing checked yet.
///
/// Field names are the neutral ones violations report (`common_name` is reported as
/// `subject.common_name`, the third SAN as `sans[2]`). Blank values count as not given.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CsrForm {
    /// CN: the main domain name.
    pub common_name: Option<String>,
    /// O.
    pub organization: Option<String>,
    /// OU.
    pub organizational_unit: Option<String>,
    /// L: city.
    pub locality: Option<String>,
    /// ST: state or province.
    pub state: Option<String>,
    /// C: the country, as typed ("cn", "China", ...).
    pub country: Option<String>,
    /// emailAddress.
    pub email: Option<String>,
    /// Further names: domain names, IP addresses.
    pub sans: Vec<String>,
    /// The key spec, in our names (`rsa2048`, `ec-p256`, ...); the profile's default when not
    /// given.
    pub key: Option<String>,
    /// The signature hash (`sha256`, ...); the key's default when not given.
    pub hash: Option<String>,
    /// The record's name (Alibaba's CSR `Name`, Tencent's certificate `Alias`).
    pub name: Option<String>,
    /// Whether a private-key password was given (the password itself is not needed to check).
    pub has_key_password: bool,
}

impl CsrForm {
    /// The value typed for a subject attribute, trimmed; `None` when blank.
    pub fn get(&self, field: SubjectField) -> Option<&str> {
        let value = match field {
            SubjectField::Country => &self.country,
            SubjectField::State => &self.state,
            SubjectField::Locality => &self.locality,
            SubjectField::Organization => &self.organization,
            SubjectField::OrganizationalUnit => &self.organizational_unit,
            SubjectField::CommonName => &self.common_name,
            SubjectField::Email => &self.email,
        };
        value.as_deref().map(str::trim).filter(|v| !v.is_empty())
    }
}

/// What a check found: every violation, and what the result will cover beyond what was asked.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Every violation, errors and warnings, in field order.
    pub violations: Vec<Violation>,
    /// Names the certificate will also cover (a free certificate for `example.com` also covers
    /// `www.example.com`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also_covers: Vec<String>,
}

impl Report {
    /// No error-severity violation (warnings allowed).
    pub fn is_valid(&self) -> bool {
        !self
            .violations
            .iter()
            .any(|v| v.severity == Severity::Error)
    }

    /// The error-severity violations.
    pub fn errors(&self) -> impl Iterator<Item = &Violation> {
        self.violations
            .iter()
            .filter(|v| v.severity == Severity::Error)
    }

    /// The warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &Violation> {
        self.violations
            .iter()
            .filter(|v| v.severity == Severity::Warning)
    }

    /// Renames fields: each violation whose field is a key of `map` (or starts with a key
    /// followed by `[`) gets the mapped name. Used to report vendor parameter names.
    pub fn rename_fields(&mut self, map: impl Fn(&str) -> Option<String>) {
        for v in &mut self.violations {
            if let Some(renamed) = map(&v.field) {
                v.field = renamed;
            }
        }
    }

    fn push(&mut self, v: Violation) {
        self.violations.push(v);
    }

    fn extend(&mut self, vs: impl IntoIterator<Item = Violation>) {
        self.violations.extend(vs);
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let errors: Vec<String> = self.errors().map(ToString::to_string).collect();
        if errors.is_empty() {
            f.write_str("no rule is broken")
        } else {
            write!(f, "{}", errors.join("; "))
        }
    }
}

impl std::error::Error for Report {}

/// A name the request will certify, with where it came from.
enum Name {
    Dns(DomainName),
    Ip(IpAddr),
    Email(String),
    Other(String),
}

impl From<&SanEntry> for Name {
    fn from(entry: &SanEntry) -> Self {
        match entry {
            SanEntry::Dns(d) => Name::Dns(d.clone()),
            SanEntry::Ip(ip) => Name::Ip(*ip),
            SanEntry::Email(e) => Name::Email(e.as_str().to_owned()),
        }
    }
}

/// The checked parts a request is built from.
pub(crate) struct Parts {
    subject: Subject,
    spec: KeySpec,
    hash: SignatureHash,
    entries: SanList,
}

struct Item {
    field: String,
    name: Name,
}

impl Profile {
    /// Checks a form as typed and, when no rule is broken, returns the typed request ready to
    /// generate, with the report of its warnings. Otherwise the report holds every violation.
    ///
    /// ```
    /// use certdesk::policy::{CsrForm, Profile};
    ///
    /// let form = CsrForm {
    ///     common_name: Some("www.example.com".into()),
    ///     country: Some("China".into()),
    ///     key: Some("ec-p384".into()),
    ///     ..CsrForm::default()
    /// };
    /// let report = Profile::tencent_create_csr().check_form(&form).unwrap_err();
    /// let codes: Vec<_> = report.errors().map(|v| (v.field.as_str(), v.code.as_str())).collect();
    /// assert!(codes.contains(&("subject.country", "country.unknown")));
    /// assert!(codes.contains(&("subject.organization", "subject.required")));
    /// assert!(codes.contains(&("key", "key.not_offered")));
    /// ```
    pub fn check_form(&self, form: &CsrForm) -> Result<(CsrRequest, Report), Report> {
        let (mut report, parts) = self.inspect_form(form);
        let Some(Parts {
            subject,
            spec,
            hash,
            entries,
        }) = parts
        else {
            return Err(report);
        };
        let mut builder = CsrRequest::builder()
            .subject(subject)
            .key_spec(spec)
            .hash(hash);
        for entry in entries.iter() {
            builder = builder.san(entry.clone());
        }
        match builder.build() {
            Ok(request) => Ok((request, report)),
            Err(e) => {
                report.push(Violation::error("sans", e.code(), e.to_string()));
                Err(report)
            }
        }
    }

    /// Every violation of a form, and the checked parts of its request when there is no
    /// error. [`Profile::check_form`] builds the request from them; a partial form (a
    /// modification) needs only the report.
    pub(crate) fn inspect_form(&self, form: &CsrForm) -> (Report, Option<Parts>) {
        let mut report = Report::default();

        // Subject: every attribute through the builder, the country through the ISO check.
        let mut builder = Subject::builder();
        for field in SubjectField::ALL {
            let Some(value) = form.get(field) else {
                continue;
            };
            if field == SubjectField::Country {
                match check_country(field.path(), value) {
                    Ok(code) => builder = builder.country(code.as_str()),
                    Err(v) => match v.suggestion.as_deref().filter(|_| self.country_names) {
                        Some(code) => {
                            builder = builder.country(code);
                            report.push(Violation::warning(
                                field.path(),
                                PolicyCode::CountryNameConverted,
                                format!("{value:?} was taken as the ISO 3166-1 code {code}"),
                            ));
                        }
                        None => report.push(v),
                    },
                }
                continue;
            }
            builder = builder.field(field, value);
        }
        let subject =
            match builder.build() {
                Ok(subject) => Some(subject),
                Err(e) => {
                    report.extend(e.0.iter().map(|fe| {
                        Violation::error(fe.path(), fe.code(), format!("{}", fe.problem))
                    }));
                    None
                }
            };
        let values: Vec<(SubjectField, &str)> = SubjectField::ALL
            .into_iter()
            .filter_map(|f| form.get(f).map(|v| (f, v)))
            .collect();
        self.check_presence(&values, &mut report);

        // Names: the CN first (when it is a name), then the SANs; duplicates dropped.
        let mut items: Vec<Item> = Vec::new();
        let mut entries = SanList::new();
        let mut add = |field: String, entry: SanEntry, items: &mut Vec<Item>| {
            if !entries.contains(&entry) {
                items.push(Item {
                    field,
                    name: Name::from(&entry),
                });
                entries.push(entry);
            }
        };
        let mut san_errors = false;
        if let Some(cn) = form.get(SubjectField::CommonName) {
            match cn_entry(cn) {
                Ok(entry) => add(
                    SubjectField::CommonName.path().to_owned(),
                    entry,
                    &mut items,
                ),
                Err(e) => {
                    san_errors = true;
                    if self.cn_must_be_name {
                        report.push(cn_violation(&e, self));
                    }
                }
            }
        }
        for (i, raw) in form.sans.iter().enumerate() {
            let field = format!("sans[{i}]");
            if raw.trim().is_empty() {
                continue;
            }
            match SanEntry::parse(raw) {
                Ok(entry) => add(field, entry, &mut items),
                Err(e) => {
                    san_errors = true;
                    report.push(Violation::from_name_error(field, &e));
                }
            }
        }
        self.check_names(&items, !san_errors, &mut report);

        // Key and hash.
        let spec = match form.key.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
            None => self.default_key(),
            Some(text) => match KeySpec::from_str(text) {
                Ok(spec) => Some(spec),
                Err(e) => {
                    report.push(key_spec_violation("key", &e));
                    None
                }
            },
        };
        let hash = match form
            .hash
            .as_deref()
            .map(str::trim)
            .filter(|h| !h.is_empty())
        {
            None => None,
            Some(text) => match SignatureHash::from_str(text) {
                Ok(hash) => Some(hash),
                Err(e) => {
                    report.push(key_spec_violation("hash", &e));
                    None
                }
            },
        };
        let hash =
            spec.and_then(|spec| self.check_key("key", "hash", spec.kind(), hash, &mut report));

        if let Some(name) = &form.name {
            report.extend(self.check_name(name));
        }
        self.check_password(form.has_key_password, &mut report);

        match (subject, spec, hash) {
            (Some(subject), Some(spec), Some(hash)) if report.is_valid() => {
                let parts = Parts {
                    subject,
                    spec,
                    hash,
                    entries,
                };
                (report, Some(parts))
            }
            // Every way to get here without an error left one above.
            _ => (report, None),
        }
    }

    /// Checks a typed request (its values are already well formed): key and hash offered,
    /// required and refused attributes, the names' rules. Every violation at once.
    pub fn check_request(&self, request: &CsrRequest) -> Report {
        let mut report = Report::default();
        let subject = request.subject();
        let values: Vec<(SubjectField, &str)> = SubjectField::ALL
            .into_iter()
            .filter_map(|f| subject.get(f).map(|v| (f, v)))
            .collect();
        self.check_presence(&values, &mut report);
        if let Some(Err(v)) = subject
            .country()
            .map(|c| check_country(SubjectField::Country.path(), c.as_str()))
        {
            report.push(v);
        }
        let items: Vec<Item> = request
            .sans()
            .iter()
            .enumerate()
            .map(|(i, entry)| Item {
                field: format!("sans[{i}]"),
                name: Name::from(entry),
            })
            .collect();
        self.check_names(&items, true, &mut report);
        self.check_key(
            "key",
            "hash",
            request.key_spec().kind(),
            Some(request.hash()),
            &mut report,
        );
        report
    }

    /// Checks a CSR made elsewhere (an upload): its key and signature hash, its subject's
    /// attributes, its SANs, and that its CN is one of its SANs, character for character.
    pub fn check_csr(&self, info: &CsrInfo) -> Report {
        let mut report = Report::default();
        let mut builder = Subject::builder();
        let mut values: Vec<(SubjectField, &str)> = Vec::new();
        for (short, value) in info.subject.entries() {
            let Some(field) = SubjectField::from_short_name(short) else {
                continue;
            };
            if values.iter().any(|(f, _)| *f == field) {
                continue;
            }
            values.push((field, value));
            if field == SubjectField::Country {
                if let Err(v) = check_country(field.path(), value) {
                    report.push(v);
                }
            } else {
                builder = builder.field(field, value);
            }
        }
        if let Err(e) = builder.build() {
            report.extend(
                e.0.iter()
                    .map(|fe| Violation::error(fe.path(), fe.code(), fe.problem.to_string())),
            );
        }
        self.check_presence(&values, &mut report);

        let mut items = Vec::new();
        for (i, san) in info.sans.iter().enumerate() {
            let field = format!("sans[{i}]");
            let name = match san {
                CsrSan::Dns(text) => match DomainName::parse(text) {
                    Ok(d) => Name::Dns(d),
                    Err(e) => {
                        report.push(Violation::from_name_error(field, &e));
                        continue;
                    }
                },
                CsrSan::Ip(ip) => Name::Ip(*ip),
                CsrSan::Email(e) => Name::Email(e.clone()),
                CsrSan::Uri(u) => Name::Other(format!("URI {u}")),
                CsrSan::Other(o) => Name::Other(o.clone()),
            };
            items.push(Item { field, name });
        }
        if let Some(cn) = info.subject.common_name() {
            let listed = info.sans.iter().any(|san| match san {
                CsrSan::Dns(d) => d == cn,
                CsrSan::Ip(ip) => ip.to_string() == cn,
                _ => false,
            });
            if !listed && self.cn_listed_in_sans {
                report.push(Violation::error(
                    SubjectField::CommonName.path(),
                    PolicyCode::CnNotInSans,
                    format!("the common name {cn:?} is not one of the CSR's subject alternative names; a CA copies the CN from a SAN, character for character"),
                ));
            } else if !listed {
                let field = SubjectField::CommonName.path().to_owned();
                match cn_entry(cn) {
                    // `cn_entry` gives a domain name or an IP address, never an e-mail.
                    Ok(entry) => items.insert(
                        0,
                        Item {
                            field,
                            name: Name::from(&entry),
                        },
                    ),
                    Err(e) if self.cn_must_be_name => {
                        report.push(cn_violation(&e, self));
                    }
                    Err(_) => {}
                }
            }
        }
        self.check_names(&items, true, &mut report);
        self.check_key(
            "key",
            "signature_algorithm",
            info.key,
            Some(info.signature_algorithm.hash()),
            &mut report,
        );
        report
    }

    /// Checks only a CSR's key and signature hash against the keys the profile offers (fields
    /// `key` and `signature_algorithm`): what an order asks of a CSR made elsewhere.
    pub fn check_csr_key(&self, info: &CsrInfo) -> Report {
        let mut report = Report::default();
        self.check_key(
            "key",
            "signature_algorithm",
            info.key,
            Some(info.signature_algorithm.hash()),
            &mut report,
        );
        report
    }

    fn check_presence(&self, values: &[(SubjectField, &str)], report: &mut Report) {
        for field in SubjectField::ALL {
            let value = values.iter().find(|(f, _)| *f == field).map(|(_, v)| *v);
            match (self.presence(field), value) {
                (Presence::Required, None) => report.push(Violation::error(
                    field.path(),
                    PolicyCode::SubjectRequired,
                    format!("the {} is required by {}", describe(field), self.title),
                )),
                (Presence::Refused, Some(_)) => report.push(Violation::error(
                    field.path(),
                    PolicyCode::SubjectNotAllowed,
                    refused_message(field, self),
                )),
                (Presence::Dropped, Some(_)) => report.push(Violation::warning(
                    field.path(),
                    PolicyCode::SubjectDropped,
                    format!(
                        "the {} is not part of a publicly trusted TLS certificate's subject; the CA will leave it out",
                        describe(field)
                    ),
                )),
                _ => {}
            }
            if let Some(v) = value.filter(|v| {
                self.refuse_placeholders
                    && !v.is_empty()
                    && v.chars().all(|c| matches!(c, '.' | '-' | ' '))
            }) {
                report.push(Violation::error(
                    field.path(),
                    PolicyCode::SubjectPlaceholder,
                    format!(
                        "{v:?} only says that there is no value; leave the {} out instead",
                        describe(field)
                    ),
                ));
            }
        }
    }

    fn check_names(&self, items: &[Item], count_is_final: bool, report: &mut Report) {
        let count = items
            .iter()
            .filter(|i| !matches!(i.name, Name::Other(_)))
            .count();
        if count < self.min_names && count_is_final {
            report.push(Violation::error(
                "sans",
                PolicyCode::SanMissing,
                format!(
                    "{} needs at least {} domain name or IP address (as the common name or a SAN)",
                    self.title, self.min_names
                ),
            ));
        }
        if count > self.max_names {
            report.push(Violation::error(
                "sans",
                PolicyCode::SanTooMany,
                format!(
                    "{count} names given; {} takes at most {}",
                    self.title, self.max_names
                ),
            ));
        }
        for item in items {
            let field = item.field.as_str();
            match &item.name {
                Name::Dns(d) => {
                    if !self.san_kinds.dns {
                        report.push(kind_refused(field, "domain name", d.as_str(), self));
                        continue;
                    }
                    if d.is_wildcard() && !self.wildcards {
                        report.push(
                            Violation::error(
                                field,
                                PolicyCode::SanWildcardNotAllowed,
                                format!("{} does not take wildcard names such as {d}", self.title),
                            )
                            .suggest(d.base()),
                        );
                    }
                    if self.public_names_only {
                        report.extend(check_domain(field, d));
                    }
                    if let Some(free) = &self.free {
                        let (found, covers) = check_free(field, d, free);
                        report.extend(found);
                        report.also_covers.extend(covers);
                    }
                }
                Name::Ip(ip) => {
                    if !self.san_kinds.ip {
                        report.push(kind_refused(field, "IP address", &ip.to_string(), self));
                        continue;
                    }
                    if self.refuse_reserved_ips {
                        report.extend(check_ip(field, *ip));
                    }
                }
                Name::Email(e) => {
                    if !self.san_kinds.email {
                        report.push(kind_refused(field, "e-mail address", e, self));
                    }
                }
                Name::Other(what) => report.push(Violation::error(
                    field,
                    PolicyCode::SanTypeNotAllowed,
                    format!(
                        "{what} is not a name {} certifies; only {}",
                        self.title,
                        kinds(self)
                    ),
                )),
            }
        }
    }

    /// Checks the names an order binds (`domains[0]`, `domains[1]`, ...) by the profile's
    /// name rules: their syntax, the kinds the profile certifies (IP addresses only where it
    /// takes them, reserved ones refused), wildcards, counts, internal names and public
    /// suffixes, and the free-certificate rules when the profile has them.
    ///
    /// ```
    /// use certdesk::policy::Profile;
    ///
    /// let report = Profile::baseline().check_domains(&["printer.lan".into(), "*.com".into()]);
    /// let codes: Vec<_> = report.errors().map(|v| (v.field.as_str(), v.code.as_str())).collect();
    /// assert_eq!(codes, [("domains[0]", "domain.internal"),
    ///                    ("domains[1]", "san.wildcard_on_public_suffix")]);
    /// ```
    pub fn check_domains(&self, domains: &[String]) -> Report {
        let mut report = Report::default();
        let mut items = Vec::new();
        for (i, raw) in domains.iter().enumerate() {
            let field = format!("domains[{i}]");
            match SanEntry::parse(raw) {
                Ok(entry) => items.push(Item {
                    field,
                    name: Name::from(&entry),
                }),
                Err(e) => report.push(Violation::from_name_error(field, &e)),
            }
        }
        self.check_names(&items, true, &mut report);
        report
    }

    /// Checks a key and its hash; returns the hash to sign with (the given one, or the
    /// default) when both are offered.
    fn check_key(
        &self,
        key_field: &str,
        hash_field: &str,
        key: KeyKind,
        hash: Option<SignatureHash>,
        report: &mut Report,
    ) -> Option<SignatureHash> {
        let Some(hashes) = self.hashes_for(key) else {
            // No key of the algorithm at all: the algorithm is what is wrong, not the size.
            let near = self.nearest_offer(key);
            let field = match near {
                Some(_) => key_field.to_owned(),
                None => format!("{key_field}.algorithm"),
            };
            let mut v = Violation::error(
                field,
                PolicyCode::KeyNotOffered,
                format!(
                    "{} does not offer {key} keys; it offers {}",
                    self.title,
                    self.offered_keys()
                ),
            );
            if let Some(near) = near {
                v = v.suggest(near.to_string());
            }
            report.push(v);
            return None;
        };
        match hash {
            Some(h) if hashes.contains(&h) => Some(h),
            Some(h) => {
                let names: Vec<&str> = hashes.iter().map(|h| h.name()).collect();
                report.push(
                    Violation::error(
                        hash_field,
                        PolicyCode::HashNotOffered,
                        format!(
                            "{} does not sign {key} CSRs with {}; it takes {}",
                            self.title,
                            h.name(),
                            names.join(", ")
                        ),
                    )
                    .suggest(hashes[0].name()),
                );
                None
            }
            None => {
                let default = key.key_spec().map(KeySpec::default_hash);
                Some(default.filter(|d| hashes.contains(d)).unwrap_or(hashes[0]))
            }
        }
    }

    /// The offered spec closest to a key that is not offered: same algorithm, nearest size.
    fn nearest_offer(&self, key: KeyKind) -> Option<KeySpec> {
        let size = |k: KeyKind| match k {
            KeyKind::Rsa { bits } => i64::from(bits),
            KeyKind::Ec { curve } => i64::from(curve.bits()),
            KeyKind::Sm2 => 256,
        };
        let same_family =
            |s: &KeySpec| std::mem::discriminant(&s.kind()) == std::mem::discriminant(&key);
        self.keys
            .iter()
            .map(|o| o.spec)
            .filter(same_family)
            .min_by_key(|s| (size(s.kind()) - size(key)).abs())
    }

    /// Checks a record's name (Alibaba's CSR `Name`, Tencent's `Alias`) against the profile's
    /// name rule: `name.too_long`, `name.invalid_characters` (with the name cleaned as a
    /// suggestion). Nothing when the profile has no name rule.
    pub fn check_name(&self, name: &str) -> Vec<Violation> {
        let mut found = Vec::new();
        let Some(rule) = &self.name else {
            return found;
        };
        let len = name.chars().count();
        if len > rule.max_chars {
            found.push(Violation::error(
                "name",
                PolicyCode::NameTooLong,
                format!(
                    "the name is {len} characters; {} takes at most {}",
                    self.title, rule.max_chars
                ),
            ));
        }
        let mut bad: Vec<char> = name.chars().filter(|c| !rule.charset.allows(*c)).collect();
        bad.dedup();
        if !bad.is_empty() {
            let shown: String = bad.iter().take(10).collect();
            let cleaned: String = name.chars().filter(|c| rule.charset.allows(*c)).collect();
            let mut v = Violation::error(
                "name",
                PolicyCode::NameInvalidCharacters,
                format!(
                    "the name holds {shown:?}; {} allows only {}",
                    self.title, rule.charset
                ),
            );
            if !cleaned.is_empty() {
                v = v.suggest(cleaned.chars().take(rule.max_chars).collect::<String>());
            }
            found.push(v);
        }
        found
    }

    fn check_password(&self, has_password: bool, report: &mut Report) {
        if let (true, PasswordRule::Warned(message)) = (has_password, self.key_password) {
            report.push(Violation::warning(
                "key_password",
                PolicyCode::KeyPasswordNotDeployable,
                message,
            ));
        }
    }
}

fn cn_entry(cn: &str) -> Result<SanEntry, NameError> {
    match SanEntry::parse(cn)? {
        SanEntry::Email(_) => Err(NameError::InvalidDomain {
            input: cn.to_owned(),
            detail: "an e-mail address is not a common name for a TLS certificate".to_owned(),
        }),
        entry => Ok(entry),
    }
}

/// The violation for a common name that is not a domain name or IP address.
fn cn_violation(e: &NameError, profile: &Profile) -> Violation {
    let mut v = Violation::from_name_error(SubjectField::CommonName.path(), e);
    if v.code == NameCode::DomainInvalid {
        v.code = PolicyCode::CnNotAName.into();
        v.message = format!(
            "{}; {} needs the common name to be the certificate's main domain name or IP address",
            v.message, profile.title
        );
    }
    v
}

fn key_spec_violation(field: &str, e: &KeySpecError) -> Violation {
    let v = Violation::error(field, e.code(), e.to_string());
    match e {
        KeySpecError::UnknownSpec {
            suggestion: Some(s),
            ..
        } => v.suggest(s.to_string()),
        _ => v,
    }
}

fn kind_refused(field: &str, kind: &str, value: &str, profile: &Profile) -> Violation {
    Violation::error(
        field,
        PolicyCode::SanTypeNotAllowed,
        format!(
            "{} does not take the {kind} {value}; it takes {}",
            profile.title,
            kinds(profile)
        ),
    )
}

fn kinds(profile: &Profile) -> String {
    let k = profile.san_kinds;
    let mut list = Vec::new();
    if k.dns {
        list.push("domain names");
    }
    if k.ip {
        list.push("IP addresses");
    }
    if k.email {
        list.push("e-mail addresses");
    }
    list.join(" and ")
}

fn describe(field: SubjectField) -> &'static str {
    match field {
        SubjectField::Country => "country (C)",
        SubjectField::State => "state or province (ST)",
        SubjectField::Locality => "city (L)",
        SubjectField::Organization => "organization (O)",
        SubjectField::OrganizationalUnit => "organizational unit (OU)",
        SubjectField::CommonName => "common name (CN)",
        SubjectField::Email => "e-mail address (emailAddress)",
    }
}

fn refused_message(field: SubjectField, profile: &Profile) -> String {
    match field {
        SubjectField::OrganizationalUnit => format!(
            "{} refuses the organizational unit (OU): the Baseline Requirements prohibit it since 2022-09-01",
            profile.title
        ),
        _ => format!("{} refuses the {}", profile.title, describe(field)),
    }
}
