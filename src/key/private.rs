//! Private keys: generation, import from every PEM form OpenSSL writes, PKCS#8 export
//! (plain and password-encrypted), and signing.

use std::fmt;

use der::Decode;
use elliptic_curve::Generate;
use pkcs8::pkcs5::{self, pbes2};
use pkcs8::{DecodePrivateKey, EncodePrivateKey, EncryptedPrivateKeyInfoRef, PrivateKeyInfoRef};
use rand_core::{CryptoRng, UnwrapErr};
use signature::hazmat::PrehashSigner;
use zeroize::Zeroizing;

use crate::key::CryptoBackend;
#[cfg(feature = "aws-lc")]
use crate::key::EcCurve;
#[cfg(feature = "aws-lc")]
use crate::key::aws;
use crate::key::public::{Fingerprint, PublicKey, SpkiProblem};
use crate::key::sm2_sign::Sm2Signer;
use crate::key::{KeyError, KeyKind, KeySpec, SignError, SignatureHash};
use crate::{oid, pem};

/// The largest key input read, in bytes. An RSA-8192 key in encrypted PEM is under 7 KiB.
pub const MAX_KEY_INPUT: usize = 64 * 1024;

/// PBKDF2 iteration counts above this are refused when decrypting untrusted input: OpenSSL
/// writes 2048, OWASP asks for 600 000; a million leaves room above both while a wrong
/// password costs a caller well under a second.
const MAX_PBKDF2_ITERATIONS: u32 = 1_000_000;
/// scrypt `N * r` above this is refused when decrypting: 2^17 (N = 16384, r = 8, 16 MiB) is
/// what `openssl pkcs8 -scrypt` and certdesk write.
const MAX_SCRYPT_N_TIMES_R: u64 = 1 << 17;
/// scrypt `p` above this is refused when decrypting (every writer we know uses 1).
const MAX_SCRYPT_P: u64 = 1;

/// A password for an encrypted private key. Zeroized on drop, never printed.
#[derive(Clone, zeroize::ZeroizeOnDrop)]
pub struct Password(Vec<u8>);

impl Password {
    /// Wraps a password. Its bytes are used as given (UTF-8 for a `String`).
    pub fn new(password: impl Into<Vec<u8>>) -> Self {
        Password(password.into())
    }

    /// Reads a password from a password file's contents, dropping one trailing line break as
    /// `openssl -passin file:` does.
    pub fn from_file_contents(mut contents: Vec<u8>) -> Self {
        if contents.ends_with(b"\n") {
            contents.pop();
        }
        if contents.ends_with(b"\r") {
            contents.pop();
        }
        Password(contents)
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Whether the password is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de> serde::Deserialize<'de> for Password {
    /// Reads a password from a JSON string (a vendor request's `KeyPassword`); the string's
    /// buffer becomes the password's, so no copy is left behind.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| Password(s.into_bytes()))
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// Secret text a request carries (a private key's PEM in a vendor request): zeroized on drop,
/// `<redacted>` in `Debug`, never serialized; [`expose`](SecretText::expose) reads it.
#[derive(Clone, PartialEq, Eq, Default, zeroize::ZeroizeOnDrop)]
pub struct SecretText(String);

impl SecretText {
    /// Takes `text` (its buffer becomes the secret's).
    pub fn new(text: impl Into<String>) -> Self {
        SecretText(text.into())
    }

    /// The text, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Nothing but whitespace.
    pub fn is_blank(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl<'de> serde::Deserialize<'de> for SecretText {
    /// Reads the text from a JSON string; the string's buffer becomes the secret's.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(SecretText)
    }
}

impl fmt::Debug for SecretText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretText(<redacted>)")
    }
}

impl From<&str> for SecretText {
    fn from(text: &str) -> Self {
        SecretText(text.to_owned())
    }
}

/// How [`PrivateKey::to_encrypted_pkcs8_pem`] derives the encryption key from the password.
/// Both use PBES2 with AES-256-CBC, which OpenSSL 1.1+ and 3.x open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum KeyEncryption {
    /// scrypt with N = 2^14, r = 8, p = 1: what RustCrypto recommends and the largest cost
    /// OpenSSL 3 opens within its default memory limit.
    #[default]
    Scrypt,
    /// PBKDF2-HMAC-SHA256 with the given iteration count (600 000 is OWASP's figure), for
    /// readers without scrypt such as Java's keytool.
    Pbkdf2Sha256 {
        /// Iterations (at most 1 000 000, the cap applied when reading).
        iterations: u32,
    },
}

/// A private key of a kind certdesk handles.
///
/// Zeroized on drop; `Debug` shows only the kind; there is no `Serialize`:
///
/// ```compile_fail
/// fn needs_serialize<T: serde::Serialize>() {}
/// needs_serialize::<certdesk::PrivateKey>();
/// ```
///
/// (while the public types are, so the failure above is the key's own):
///
/// ```
/// fn needs_serialize<T: serde::Serialize>() {}
/// needs_serialize::<certdesk::KeySpec>();
/// needs_serialize::<certdesk::CsrInfo>();
/// ```
/// Key material leaves
/// only through the methods named for what comes out: [`to_pkcs8_pem`](Self::to_pkcs8_pem),
/// [`to_pkcs8_der`](Self::to_pkcs8_der), [`to_encrypted_pkcs8_pem`](Self::to_encrypted_pkcs8_pem).
pub struct PrivateKey {
    secret: Secret,
    public: PublicKey,
}

// Every variant's type zeroizes itself on drop; the assertion below keeps it so (aws-lc's
// keys are cleansed by aws-lc as they are freed).
enum Secret {
    Rsa(Box<rsa::RsaPrivateKey>),
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    P521(p521::ecdsa::SigningKey),
    Sm2(Box<Sm2Signer>),
    /// An ECDSA key on aws-lc.
    #[cfg(feature = "aws-lc")]
    AwsEc(Box<aws::EcKey>),
    /// An RSA key on the `rsa` crate (its encodings) that signs on aws-lc.
    #[cfg(feature = "aws-lc")]
    AwsRsa(Box<rsa::RsaPrivateKey>, Box<aws::RsaKey>),
}

/// The two DER forms an EC or SM2 private key comes in.
#[derive(Clone, Copy)]
enum EcForm {
    /// PKCS#8 `PrivateKeyInfo` (PEM `PRIVATE KEY`).
    Pkcs8,
    /// SEC1 `ECPrivateKey` (PEM `EC PRIVATE KEY`).
    Sec1,
}

impl Secret {
    /// Reads an EC or SM2 key on `curve` from `der` in the given form.
    fn ec(curve: const_oid::ObjectIdentifier, der: &[u8], form: EcForm) -> Result<Self, KeyError> {
        macro_rules! read {
            ($curve:ident) => {
                match form {
                    EcForm::Pkcs8 => $curve::SecretKey::from_pkcs8_der(der).map_err(malformed)?,
                    EcForm::Sec1 => $curve::SecretKey::from_sec1_der(der).map_err(malformed)?,
                }
            };
        }
        Ok(match curve {
            c if c == oid::SECP256R1 => Secret::P256(read!(p256).into()),
            c if c == oid::SECP384R1 => Secret::P384(read!(p384).into()),
            c if c == oid::SECP521R1 => Secret::P521(read!(p521).into()),
            c if c == oid::SM2_CURVE => Secret::sm2(read!(sm2))?,
            other => {
                return Err(KeyError::Unsupported {
                    found: oid::unsupported_key_name(&other),
                });
            }
        })
    }

    /// The same key on `backend` (SM2 stays on RustCrypto, which alone has it).
    fn on(self, backend: CryptoBackend) -> Result<Self, KeyError> {
        match backend {
            CryptoBackend::RustCrypto => self.on_rustcrypto(),
            #[cfg(feature = "aws-lc")]
            CryptoBackend::AwsLc => self.on_aws_lc(),
        }
    }

    #[cfg(feature = "aws-lc")]
    fn on_rustcrypto(self) -> Result<Self, KeyError> {
        match self {
            Secret::AwsRsa(key, _) => Ok(Secret::Rsa(key)),
            Secret::AwsEc(key) => Secret::ec_from_aws(&key),
            other => Ok(other),
        }
    }

    /// An aws-lc ECDSA key as RustCrypto holds it, read from its PKCS#8.
    #[cfg(feature = "aws-lc")]
    fn ec_from_aws(key: &aws::EcKey) -> Result<Self, KeyError> {
        let der = key.to_pkcs8_der()?;
        Secret::ec(curve_oid(key.curve()), &der, EcForm::Pkcs8)
    }

    #[cfg(not(feature = "aws-lc"))]
    fn on_rustcrypto(self) -> Result<Self, KeyError> {
        Ok(self)
    }

    #[cfg(feature = "aws-lc")]
    fn on_aws_lc(self) -> Result<Self, KeyError> {
        fn parts<C>(curve: EcCurve, key: &ecdsa::SigningKey<C>) -> Result<Box<aws::EcKey>, KeyError>
        where
            C: ecdsa::EcdsaCurve + elliptic_curve::CurveArithmetic,
            elliptic_curve::AffinePoint<C>:
                elliptic_curve::sec1::FromSec1Point<C> + elliptic_curve::sec1::ToSec1Point<C>,
            elliptic_curve::FieldBytesSize<C>: elliptic_curve::sec1::ModulusSize,
            ecdsa::SignatureSize<C>: elliptic_curve::array::ArraySize,
        {
            // The scalar is copied only into storage that is zeroized when dropped.
            let scalar = Zeroizing::new(key.to_bytes());
            let point = key.verifying_key().to_sec1_point(false);
            Ok(Box::new(aws::EcKey::from_parts(
                curve,
                &scalar,
                point.as_bytes(),
            )?))
        }
        Ok(match self {
            Secret::Rsa(key) => {
                let der = key.to_pkcs8_der().map_err(|e| KeyError::Export {
                    detail: e.to_string(),
                })?;
                let fast = aws::RsaKey::from_pkcs8(der.as_bytes())?;
                Secret::AwsRsa(key, Box::new(fast))
            }
            Secret::P256(k) => Secret::AwsEc(parts(EcCurve::P256, &k)?),
            Secret::P384(k) => Secret::AwsEc(parts(EcCurve::P384, &k)?),
            Secret::P521(k) => Secret::AwsEc(parts(EcCurve::P521, &k)?),
            other => other,
        })
    }

    fn backend(&self) -> CryptoBackend {
        match self {
            #[cfg(feature = "aws-lc")]
            Secret::AwsEc(_) | Secret::AwsRsa(..) => CryptoBackend::AwsLc,
            _ => CryptoBackend::RustCrypto,
        }
    }

    fn sm2(secret: sm2::SecretKey) -> Result<Self, KeyError> {
        let signer = Sm2Signer::new(secret).map_err(|_| KeyError::Malformed {
            detail: "the SM2 private key is n - 1, which GB/T 32918 does not allow".into(),
        })?;
        Ok(Secret::Sm2(Box::new(signer)))
    }
}

const _: () = {
    fn zeroized_on_drop<T: zeroize::ZeroizeOnDrop>() {}
    fn secrets_are_zeroized_on_drop() {
        zeroized_on_drop::<rsa::RsaPrivateKey>();
        zeroized_on_drop::<p256::ecdsa::SigningKey>();
        zeroized_on_drop::<p384::ecdsa::SigningKey>();
        zeroized_on_drop::<p521::ecdsa::SigningKey>();
        // Sm2Signer declares ZeroizeOnDrop because its secret fields are these two:
        zeroized_on_drop::<sm2::SecretKey>();
        zeroized_on_drop::<Zeroizing<sm2::Scalar>>();
        zeroized_on_drop::<Sm2Signer>();
        zeroized_on_drop::<Password>();
    }
    let _ = secrets_are_zeroized_on_drop;
};

impl PrivateKey {
    /// Generates a fresh key on the [preferred backend](CryptoBackend::preferred).
    pub fn generate(spec: KeySpec) -> Result<Self, KeyError> {
        Self::generate_on(spec, CryptoBackend::preferred())
    }

    /// Generates a fresh key on `backend`: ECDSA keys with aws-lc's own random source on
    /// aws-lc, every other key with the operating system's random source on RustCrypto
    /// (RSA keys are then moved to `backend`).
    pub fn generate_on(spec: KeySpec, backend: CryptoBackend) -> Result<Self, KeyError> {
        #[cfg(feature = "aws-lc")]
        if let (CryptoBackend::AwsLc, KeyKind::Ec { curve }) = (backend, spec.kind()) {
            return Self::from_secret_on(
                Secret::AwsEc(Box::new(aws::EcKey::generate(curve)?)),
                backend,
            );
        }
        let secret = Self::generate_secret(spec, &mut UnwrapErr(getrandom::SysRng))?;
        Self::from_secret_on(secret, backend)
    }

    /// Generates a fresh key with the caller's random source (for reproducible tests and
    /// benches), on RustCrypto, then moved to the preferred backend.
    pub fn generate_with_rng<R: CryptoRng + ?Sized>(
        spec: KeySpec,
        rng: &mut R,
    ) -> Result<Self, KeyError> {
        let secret = Self::generate_secret(spec, rng)?;
        Self::from_secret(secret)
    }

    fn generate_secret<R: CryptoRng + ?Sized>(
        spec: KeySpec,
        rng: &mut R,
    ) -> Result<Secret, KeyError> {
        let secret = match spec.kind() {
            KeyKind::Rsa { bits } => {
                let key = rsa::RsaPrivateKey::new(rng, bits as usize).map_err(|e| {
                    KeyError::Generation {
                        detail: e.to_string(),
                    }
                })?;
                Secret::Rsa(Box::new(key))
            }
            KeyKind::Ec { curve } => match curve {
                crate::key::EcCurve::P256 => {
                    Secret::P256(p256::SecretKey::generate_from_rng(rng).into())
                }
                crate::key::EcCurve::P384 => {
                    Secret::P384(p384::SecretKey::generate_from_rng(rng).into())
                }
                crate::key::EcCurve::P521 => {
                    Secret::P521(p521::SecretKey::generate_from_rng(rng).into())
                }
            },
            KeyKind::Sm2 => Secret::sm2(sm2::SecretKey::generate_from_rng(rng))?,
        };
        Ok(secret)
    }

    /// The key on the preferred backend.
    fn from_secret(secret: Secret) -> Result<Self, KeyError> {
        Self::from_secret_on(secret, CryptoBackend::preferred())
    }

    fn from_secret_on(secret: Secret, backend: CryptoBackend) -> Result<Self, KeyError> {
        let secret = secret.on(backend)?;
        let public = match &secret {
            #[cfg(feature = "aws-lc")]
            Secret::AwsRsa(k, _) => PublicKey::from_rsa(k.to_public_key()),
            #[cfg(feature = "aws-lc")]
            Secret::AwsEc(k) => {
                let point = k.public_point();
                let bad = |e: elliptic_curve::Error| KeyError::Malformed {
                    detail: format!("aws-lc's public point: {e}"),
                };
                match k.curve() {
                    EcCurve::P256 => {
                        PublicKey::from_p256(p256::PublicKey::from_sec1_bytes(point).map_err(bad)?)
                    }
                    EcCurve::P384 => {
                        PublicKey::from_p384(p384::PublicKey::from_sec1_bytes(point).map_err(bad)?)
                    }
                    EcCurve::P521 => {
                        PublicKey::from_p521(p521::PublicKey::from_sec1_bytes(point).map_err(bad)?)
                    }
                }
            }
            Secret::Rsa(k) => PublicKey::from_rsa(k.to_public_key()),
            Secret::P256(k) => PublicKey::from_p256(k.verifying_key().into()),
            Secret::P384(k) => PublicKey::from_p384(k.verifying_key().into()),
            Secret::P521(k) => PublicKey::from_p521(k.verifying_key().into()),
            Secret::Sm2(signer) => PublicKey::from_sm2(*signer.public()),
        }
        .map_err(spki_to_key_error)?;
        Ok(PrivateKey { secret, public })
    }

    /// Reads an unencrypted key: PEM `PRIVATE KEY` (PKCS#8), `RSA PRIVATE KEY` (PKCS#1) or
    /// `EC PRIVATE KEY` (SEC1, with or without the `EC PARAMETERS` block OpenSSL puts first),
    /// or DER of any of them. An encrypted key gives [`KeyError::PasswordRequired`].
    pub fn from_pem_or_der(input: &[u8]) -> Result<Self, KeyError> {
        Self::read(input, None)
    }

    /// Reads a key that may be encrypted (`ENCRYPTED PRIVATE KEY`, PBES2); an unencrypted key
    /// is read as well and the password ignored. A wrong password gives
    /// [`KeyError::WrongPassword`].
    pub fn from_pem_or_der_with_password(
        input: &[u8],
        password: &Password,
    ) -> Result<Self, KeyError> {
        Self::read(input, Some(password))
    }

    fn read(input: &[u8], password: Option<&Password>) -> Result<Self, KeyError> {
        if input.len() > MAX_KEY_INPUT {
            return Err(KeyError::TooLarge {
                len: input.len(),
                max: MAX_KEY_INPUT,
            });
        }
        let Some(start) = input.iter().position(|b| !b.is_ascii_whitespace()) else {
            return Err(KeyError::Empty);
        };
        if input[start] == 0x30 {
            return Self::from_der_any(&input[start..], password);
        }
        let text = std::str::from_utf8(input).map_err(|_| KeyError::NotAKey {
            found: "binary data that is neither PEM nor DER".into(),
        })?;
        let blocks = pem::blocks(text).map_err(|e| KeyError::Malformed { detail: e.0 })?;
        let key_labels = [
            "PRIVATE KEY",
            "ENCRYPTED PRIVATE KEY",
            "RSA PRIVATE KEY",
            "EC PRIVATE KEY",
        ];
        let Some(block) = blocks.iter().find(|b| key_labels.contains(&b.label)) else {
            let found = match blocks.first() {
                Some(b) => format!("a PEM block labelled {:?}", b.label),
                None => "text without a PEM block".to_owned(),
            };
            return Err(KeyError::NotAKey { found });
        };
        if block.has_headers {
            return Err(KeyError::UnsupportedEncryption {
                detail: "legacy OpenSSL PEM encryption (Proc-Type: 4,ENCRYPTED); convert it with `openssl pkcs8 -topk8 -v2 aes-256-cbc`".into(),
            });
        }
        let der = Zeroizing::new(
            pem::decode_body(block.body, MAX_KEY_INPUT)
                .map_err(|e| KeyError::Malformed { detail: e.0 })?,
        );
        match block.label {
            "PRIVATE KEY" => Self::from_pkcs8_der(&der),
            "ENCRYPTED PRIVATE KEY" => match password {
                Some(p) => Self::from_encrypted_pkcs8_der(&der, p),
                None => Err(KeyError::PasswordRequired),
            },
            "RSA PRIVATE KEY" => Self::from_pkcs1_der(&der),
            _ => Self::from_sec1_der(&der),
        }
    }

    fn from_der_any(der: &[u8], password: Option<&Password>) -> Result<Self, KeyError> {
        if let Ok(info) = PrivateKeyInfoRef::from_der(der) {
            return Self::from_pkcs8_info(&info, der);
        }
        if EncryptedPrivateKeyInfoRef::from_der(der).is_ok() {
            return match password {
                Some(p) => Self::from_encrypted_pkcs8_der(der, p),
                None => Err(KeyError::PasswordRequired),
            };
        }
        if pkcs1::RsaPrivateKeyRef::from_der(der).is_ok() {
            return Self::from_pkcs1_der(der);
        }
        if sec1::EcPrivateKey::from_der(der).is_ok() {
            return Self::from_sec1_der(der);
        }
        Err(KeyError::NotAKey {
            found: "DER that is not PKCS#8, encrypted PKCS#8, PKCS#1 or SEC1".into(),
        })
    }

    /// Reads an unencrypted PKCS#8 `PrivateKeyInfo` in DER.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let info = PrivateKeyInfoRef::from_der(der).map_err(malformed)?;
        Self::from_pkcs8_info(&info, der)
    }

    fn from_pkcs8_info(info: &PrivateKeyInfoRef<'_>, der: &[u8]) -> Result<Self, KeyError> {
        Self::from_pkcs8_info_on(info, der, CryptoBackend::preferred())
    }

    fn from_pkcs8_info_on(
        info: &PrivateKeyInfoRef<'_>,
        der: &[u8],
        backend: CryptoBackend,
    ) -> Result<Self, KeyError> {
        let alg = &info.algorithm;
        let secret = if alg.oid == oid::RSA_ENCRYPTION {
            Secret::Rsa(Box::new(
                rsa::RsaPrivateKey::from_pkcs8_der(der).map_err(malformed)?,
            ))
        } else if alg.oid == oid::EC_PUBLIC_KEY {
            let curve: const_oid::ObjectIdentifier = alg
                .parameters
                .ok_or_else(|| KeyError::Malformed {
                    detail: "EC key without curve parameters".into(),
                })?
                .decode_as()
                .map_err(|_| KeyError::Unsupported {
                    found: "ECDSA with explicit curve parameters".into(),
                })?;
            Secret::ec(curve, der, EcForm::Pkcs8)?
        } else {
            return Err(KeyError::Unsupported {
                found: oid::unsupported_key_name(&alg.oid),
            });
        };
        Self::from_secret_on(secret, backend)
    }

    /// Reads a PKCS#1 `RSAPrivateKey` in DER (PEM label `RSA PRIVATE KEY`).
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self, KeyError> {
        use pkcs1::DecodeRsaPrivateKey;
        let key = rsa::RsaPrivateKey::from_pkcs1_der(der).map_err(malformed)?;
        Self::from_secret(Secret::Rsa(Box::new(key)))
    }

    /// Reads a SEC1 `ECPrivateKey` in DER (PEM label `EC PRIVATE KEY`); the curve comes from
    /// the key's own parameters.
    pub fn from_sec1_der(der: &[u8]) -> Result<Self, KeyError> {
        let parsed = sec1::EcPrivateKey::from_der(der).map_err(malformed)?;
        let curve = parsed
            .parameters
            .and_then(|p| p.named_curve())
            .ok_or_else(|| KeyError::Malformed {
                detail: "EC PRIVATE KEY without a named curve".into(),
            })?;
        let secret = Secret::ec(curve, der, EcForm::Sec1)?;
        Self::from_secret(secret)
    }

    /// Reads an `EncryptedPrivateKeyInfo` (PBES2 with PBKDF2 or scrypt) in DER.
    ///
    /// The key-derivation cost comes from the input, so it is capped first: PBKDF2 at
    /// 1 000 000 iterations, scrypt at N * r <= 2^17 (16 MiB) and p = 1.
    pub fn from_encrypted_pkcs8_der(der: &[u8], password: &Password) -> Result<Self, KeyError> {
        let encrypted = EncryptedPrivateKeyInfoRef::from_der(der).map_err(malformed)?;
        check_encryption_cost(&encrypted.encryption_algorithm)?;
        let plain = encrypted
            .decrypt(password.as_bytes())
            .map_err(|_| KeyError::WrongPassword)?;
        Self::from_pkcs8_der(plain.as_bytes()).map_err(|e| match e {
            // CBC padding can pass by chance with a wrong password; the garbage then fails here.
            KeyError::Malformed { .. } => KeyError::WrongPassword,
            other => other,
        })
    }

    /// The backend that signs with this key.
    pub fn backend(&self) -> CryptoBackend {
        self.secret.backend()
    }

    /// The same key on `backend`, moved through its PKCS#8 encoding (an SM2 key stays on
    /// RustCrypto).
    pub fn to_backend(&self, backend: CryptoBackend) -> Result<PrivateKey, KeyError> {
        let der = self.to_pkcs8_der()?;
        let info = PrivateKeyInfoRef::from_der(&der).map_err(malformed)?;
        Self::from_pkcs8_info_on(&info, &der, backend)
    }

    /// The key's algorithm and size or curve.
    pub fn kind(&self) -> KeyKind {
        self.public.kind()
    }

    /// The [`KeySpec`] this key is, when it is one of ours.
    pub fn key_spec(&self) -> Option<KeySpec> {
        self.public.key_spec()
    }

    /// The public half.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// SHA-256 of the public key's DER `SubjectPublicKeyInfo`.
    pub fn public_key_sha256(&self) -> Fingerprint {
        self.public.sha256()
    }

    /// Unencrypted PKCS#8 DER.
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        let doc = match &self.secret {
            Secret::Rsa(k) => k.to_pkcs8_der(),
            Secret::P256(k) => k.to_pkcs8_der(),
            Secret::P384(k) => k.to_pkcs8_der(),
            Secret::P521(k) => k.to_pkcs8_der(),
            Secret::Sm2(signer) => signer.secret().to_pkcs8_der(),
            #[cfg(feature = "aws-lc")]
            Secret::AwsRsa(k, _) => k.to_pkcs8_der(),
            #[cfg(feature = "aws-lc")]
            Secret::AwsEc(k) => return k.to_pkcs8_der(),
        }
        .map_err(|e| KeyError::Export {
            detail: e.to_string(),
        })?;
        Ok(Zeroizing::new(doc.as_bytes().to_vec()))
    }

    /// Unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), as `openssl genpkey` writes it.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, KeyError> {
        let der = self.to_pkcs8_der()?;
        Ok(Zeroizing::new(pem::encode("PRIVATE KEY", &der)))
    }

    /// Password-encrypted PKCS#8 PEM (`-----BEGIN ENCRYPTED PRIVATE KEY-----`), PBES2 with
    /// AES-256-CBC and the given key derivation; `openssl pkey -passin` opens it.
    pub fn to_encrypted_pkcs8_pem(
        &self,
        password: &Password,
        encryption: KeyEncryption,
    ) -> Result<String, KeyError> {
        let der = self.to_encrypted_pkcs8_der(password, encryption)?;
        Ok(pem::encode("ENCRYPTED PRIVATE KEY", &der))
    }

    /// Password-encrypted PKCS#8 DER (`EncryptedPrivateKeyInfo`), as
    /// [`PrivateKey::to_encrypted_pkcs8_pem`] without the PEM armour.
    pub fn to_encrypted_pkcs8_der(
        &self,
        password: &Password,
        encryption: KeyEncryption,
    ) -> Result<Vec<u8>, KeyError> {
        let export = |e: &dyn fmt::Display| KeyError::Export {
            detail: e.to_string(),
        };
        let mut rng = UnwrapErr(getrandom::SysRng);
        let params = match encryption {
            KeyEncryption::Scrypt => {
                pbes2::Parameters::generate_scrypt(&mut rng).map_err(|e| export(&e))?
            }
            KeyEncryption::Pbkdf2Sha256 { iterations } => {
                if iterations == 0 || iterations > MAX_PBKDF2_ITERATIONS {
                    return Err(KeyError::Export {
                        detail: format!(
                            "PBKDF2 iterations must be 1 to {MAX_PBKDF2_ITERATIONS}, not {iterations}"
                        ),
                    });
                }
                let mut salt = [0u8; 16];
                let mut iv = [0u8; 16];
                rand_core::Rng::fill_bytes(&mut rng, &mut salt);
                rand_core::Rng::fill_bytes(&mut rng, &mut iv);
                pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(iterations, &salt, iv)
                    .map_err(|e| export(&e))?
            }
        };
        let der = self.to_pkcs8_der()?;
        let info = PrivateKeyInfoRef::from_der(&der).map_err(|e| export(&e))?;
        let encrypted = info
            .encrypt_with_params(params, password.as_bytes())
            .map_err(|e| export(&e))?;
        Ok(encrypted.as_bytes().to_vec())
    }

    /// Signs `message`: RSA PKCS#1 v1.5 (blinded), ECDSA (deterministic, RFC 6979, on
    /// RustCrypto; with a random nonce on aws-lc, for the curve's own hash), or SM2-with-SM3
    /// with the distinguishing ID `sm2_distid`. Signatures are DER
    /// `SEQUENCE {r, s}` for ECDSA and SM2. A hash that does not pair with the key
    /// ([`KeySpec::allowed_hashes`]) is refused. This is the key's [`Signer`](crate::Signer)
    /// implementation.
    pub fn sign(
        &self,
        hash: SignatureHash,
        message: &[u8],
        sm2_distid: &[u8],
    ) -> Result<Vec<u8>, SignError> {
        if !allowed_for(self.kind()).contains(&hash) {
            return Err(SignError::new(format!(
                "{} cannot sign with {}",
                hash.name(),
                self.kind()
            )));
        }
        self.secret.sign(hash, message, sm2_distid)
    }
}

impl Secret {
    /// Signs with a hash already checked against the key.
    fn sign(
        &self,
        hash: SignatureHash,
        message: &[u8],
        sm2_distid: &[u8],
    ) -> Result<Vec<u8>, SignError> {
        let failed = |e: &dyn fmt::Display| SignError::new(e.to_string());
        let signed = match self {
            Secret::Rsa(key) => sign_rsa(key, hash, message)?,
            #[cfg(feature = "aws-lc")]
            Secret::AwsRsa(key, fast) => match fast.sign(hash, message) {
                Some(signed) => signed?,
                None => sign_rsa(key, hash, message)?,
            },
            #[cfg(feature = "aws-lc")]
            Secret::AwsEc(key) => match key.sign(hash, message) {
                Some(signed) => signed?,
                // A hash other than the curve's own: RustCrypto signs with the same key.
                None => Secret::ec_from_aws(key)
                    .map_err(|e| failed(&e))?
                    .sign(hash, message, sm2_distid)?,
            },
            Secret::P256(key) => {
                let sig: p256::ecdsa::Signature = key
                    .sign_prehash(&hash.digest(message))
                    .map_err(|e| failed(&e))?;
                sig.to_der().as_bytes().to_vec()
            }
            Secret::P384(key) => {
                let sig: p384::ecdsa::Signature = key
                    .sign_prehash(&hash.digest(message))
                    .map_err(|e| failed(&e))?;
                sig.to_der().as_bytes().to_vec()
            }
            Secret::P521(key) => {
                let sig: p521::ecdsa::Signature = key
                    .sign_prehash(&hash.digest(message))
                    .map_err(|e| failed(&e))?;
                sig.to_der().as_bytes().to_vec()
            }
            Secret::Sm2(signer) => {
                let mut rng = UnwrapErr(getrandom::SysRng);
                let sig = signer
                    .sign(sm2_distid, message, &mut rng)
                    .map_err(|e| failed(&e))?;
                sig.to_der().as_bytes().to_vec()
            }
        };
        Ok(signed)
    }
}

/// RSA PKCS#1 v1.5 on the `rsa` crate (blinded).
fn sign_rsa(
    key: &rsa::RsaPrivateKey,
    hash: SignatureHash,
    message: &[u8],
) -> Result<Vec<u8>, SignError> {
    let scheme = hash
        .pkcs1v15()
        .ok_or_else(|| SignError::new(format!("{} has no PKCS#1 v1.5 form", hash.name())))?;
    let digest = hash.digest(message);
    let mut rng = UnwrapErr(getrandom::SysRng);
    key.sign_with_rng(&mut rng, scheme, &digest)
        .map_err(|e| SignError::new(e.to_string()))
}

/// The named curve's OID.
#[cfg(feature = "aws-lc")]
fn curve_oid(curve: EcCurve) -> const_oid::ObjectIdentifier {
    match curve {
        EcCurve::P256 => oid::SECP256R1,
        EcCurve::P384 => oid::SECP384R1,
        EcCurve::P521 => oid::SECP521R1,
    }
}

/// Hashes a key of this kind may sign with: the same table as [`KeySpec::allowed_hashes`],
/// extended to RSA keys of sizes that are not a spec.
pub(crate) fn allowed_for(kind: KeyKind) -> &'static [SignatureHash] {
    match kind {
        KeyKind::Sm2 => KeySpec::Sm2.allowed_hashes(),
        _ => KeySpec::Rsa2048.allowed_hashes(),
    }
}

fn check_encryption_cost(scheme: &pkcs5::EncryptionScheme) -> Result<(), KeyError> {
    let Some(params) = scheme.pbes2() else {
        return Err(KeyError::UnsupportedEncryption {
            detail: format!(
                "PBES1 ({}); re-encrypt with `openssl pkcs8 -topk8 -v2 aes-256-cbc`",
                scheme.oid()
            ),
        });
    };
    if let Some(pbkdf2) = params.kdf.pbkdf2() {
        if pbkdf2.iteration_count > MAX_PBKDF2_ITERATIONS {
            return Err(KeyError::EncryptionTooCostly {
                detail: format!(
                    "PBKDF2 with {} iterations; at most {MAX_PBKDF2_ITERATIONS} are tried",
                    pbkdf2.iteration_count
                ),
            });
        }
    } else if let Some(scrypt) = params.kdf.scrypt() {
        let n = scrypt.cost_parameter;
        let r = u64::from(scrypt.block_size);
        let p = u64::from(scrypt.parallelization);
        if n.saturating_mul(r) > MAX_SCRYPT_N_TIMES_R || p > MAX_SCRYPT_P {
            return Err(KeyError::EncryptionTooCostly {
                detail: format!(
                    "scrypt with N={n}, r={r}, p={p}; at most N*r={MAX_SCRYPT_N_TIMES_R} and p={MAX_SCRYPT_P} are tried"
                ),
            });
        }
    }
    Ok(())
}

fn malformed(e: impl fmt::Display) -> KeyError {
    KeyError::Malformed {
        detail: e.to_string(),
    }
}

fn spki_to_key_error(p: SpkiProblem) -> KeyError {
    match p {
        SpkiProblem::Malformed(detail) => KeyError::Malformed { detail },
        SpkiProblem::Unsupported(found) => KeyError::Unsupported { found },
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey({}, <redacted>)", self.kind())
    }
}
