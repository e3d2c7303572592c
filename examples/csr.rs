//! A small CSR tool: generate a key and CSR, inspect a CSR as JSON, check a key against a CSR.
//!
//! ```text
//! cargo run --example csr -- generate --key ec-p256 --cn www.example.com --c CN --out out/
//! cargo run --example csr -- inspect out/csr.pem
//! cargo run --example csr -- match out/csr.pem out/key.pem
//! cargo run --example csr -- validate --api tencent:CreateCSR request.json
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use certdesk::cloud::Api;
use certdesk::{
    Csr, CsrRequest, KeyEncryption, KeySpec, Password, PrivateKey, SignatureHash, Subject,
};
use clap::{Parser, Subcommand};
use serde_json::{Map, Value, json};

#[derive(Parser)]
#[command(
    name = "csr",
    about = "Generate, inspect, match and validate certificate signing requests"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a private key and a CSR; writes DIR/csr.pem and DIR/key.pem.
    Generate(Box<GenerateArgs>),
    /// Print what a CSR says, as one JSON object.
    Inspect {
        /// CSR file, PEM or DER.
        file: PathBuf,
    },
    /// Say whether a private key belongs to a CSR.
    Match {
        /// CSR file, PEM or DER.
        csr_file: PathBuf,
        /// Private key file, PEM or DER.
        key_file: PathBuf,
        /// File holding the key's password.
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
    /// Check a vendor API request body against that API's rules; exit 0 when valid.
    Validate {
        /// The API: tencent:CreateCSR, tencent:ApplyCertificate, alibaba:CreateCsr,
        /// alibaba:UploadCsr (and tencent:ModifyCSR, tencent:DescribeCSRSet,
        /// tencent:BatchDeleteCSR, alibaba:ListCsr, alibaba:UpdateCsr, alibaba:DeleteCsr).
        #[arg(long)]
        api: String,
        /// The JSON request body.
        file: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Generate(args) => generate(*args),
        Command::Inspect { file } => inspect(&file),
        Command::Match {
            csr_file,
            key_file,
            password_file,
        } => matches(&csr_file, &key_file, password_file.as_deref()),
        Command::Validate { api, file } => validate(&api, &file),
    };
    match result {
        Ok(code) => code,
        Err(failure) => {
            println!(
                "{}",
                json!({"error": {"code": failure.code, "message": failure.message}})
            );
            ExitCode::FAILURE
        }
    }
}

struct Failure {
    code: String,
    message: String,
}

impl From<certdesk::Error> for Failure {
    fn from(e: certdesk::Error) -> Self {
        Failure {
            code: e.code().to_string(),
            message: e.to_string(),
        }
    }
}

fn io_failure(path: &Path, e: std::io::Error) -> Failure {
    Failure {
        code: "io".into(),
        message: format!("{}: {e}", path.display()),
    }
}

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| io_failure(path, e))
}

fn read_password(path: Option<&Path>) -> Result<Option<Password>, Failure> {
    path.map(|p| read(p).map(Password::from_file_contents))
        .transpose()
}

#[derive(clap::Args)]
struct GenerateArgs {
    /// Key spec: rsa2048, rsa3072, rsa4096, ec-p256, ec-p384, ec-p521, sm2.
    #[arg(long)]
    key: String,
    /// Common name (usually the primary domain).
    #[arg(long)]
    cn: String,
    /// Organization.
    #[arg(long)]
    o: Option<String>,
    /// Organizational unit (department).
    #[arg(long)]
    ou: Option<String>,
    /// City or locality.
    #[arg(long)]
    l: Option<String>,
    /// State or province.
    #[arg(long)]
    st: Option<String>,
    /// Two-letter country code.
    #[arg(long)]
    c: Option<String>,
    /// E-mail address.
    #[arg(long)]
    email: Option<String>,
    /// Subject alternative name: a domain, an IP address or an e-mail (repeatable).
    #[arg(long)]
    san: Vec<String>,
    /// Signature hash: sha256, sha384, sha512, sm3 (default: the key's).
    #[arg(long)]
    hash: Option<String>,
    /// File holding the password that encrypts key.pem (PKCS#8, PBES2).
    #[arg(long)]
    password_file: Option<PathBuf>,
    /// Output directory.
    #[arg(long)]
    out: PathBuf,
}

fn generate(args: GenerateArgs) -> Result<ExitCode, Failure> {
    let spec: KeySpec = args.key.parse().map_err(certdesk::Error::from)?;
    let mut subject = Subject::builder().common_name(args.cn);
    if let Some(v) = args.o {
        subject = subject.organization(v);
    }
    if let Some(v) = args.ou {
        subject = subject.organizational_unit(v);
    }
    if let Some(v) = args.l {
        subject = subject.locality(v);
    }
    if let Some(v) = args.st {
        subject = subject.state(v);
    }
    if let Some(v) = args.c {
        subject = subject.country(v);
    }
    if let Some(v) = args.email {
        subject = subject.email(v);
    }
    let subject = subject.build().map_err(certdesk::Error::from)?;
    let mut request = CsrRequest::builder().subject(subject).key_spec(spec);
    for san in args.san {
        request = request.san_text(san);
    }
    if let Some(hash) = args.hash {
        let hash: SignatureHash = hash.parse().map_err(certdesk::Error::from)?;
        request = request.hash(hash);
    }
    let request = request.build().map_err(certdesk::Error::from)?;
    let (csr, key) = request.generate().map_err(certdesk::Error::from)?;
    let password = read_password(args.password_file.as_deref())?;
    let key_pem = match &password {
        Some(p) => key
            .to_encrypted_pkcs8_pem(p, KeyEncryption::default())
            .map_err(certdesk::Error::from)?,
        None => key
            .to_pkcs8_pem()
            .map_err(certdesk::Error::from)?
            .to_string(),
    };
    std::fs::create_dir_all(&args.out).map_err(|e| io_failure(&args.out, e))?;
    let csr_path = args.out.join("csr.pem");
    let key_path = args.out.join("key.pem");
    std::fs::write(&csr_path, csr.to_pem()).map_err(|e| io_failure(&csr_path, e))?;
    write_private(&key_path, key_pem.as_bytes()).map_err(|e| io_failure(&key_path, e))?;
    println!(
        "{}",
        json!({
            "csr": csr_path.display().to_string(),
            "key": key_path.display().to_string(),
            "key_encrypted": password.is_some(),
            "public_key_sha256": csr.info().public_key_sha256.to_hex(),
        })
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes a key file readable by its owner only (on Unix).
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(contents)
}

fn inspect(file: &Path) -> Result<ExitCode, Failure> {
    let csr = Csr::parse(&read(file)?).map_err(certdesk::Error::from)?;
    let info = csr.info();
    let mut subject = Map::new();
    for (name, value) in info.subject.entries() {
        subject
            .entry(name.to_owned())
            .or_insert_with(|| Value::String(value.to_owned()));
    }
    let out = json!({
        "subject": subject,
        "sans": info.sans,
        "key": info.key,
        "key_spec": info.key_spec,
        "signature_algorithm": info.signature_algorithm,
        "public_key_sha256": info.public_key_sha256,
    });
    println!("{out}");
    Ok(ExitCode::SUCCESS)
}

fn matches(
    csr_file: &Path,
    key_file: &Path,
    password_file: Option<&Path>,
) -> Result<ExitCode, Failure> {
    let csr = Csr::parse(&read(csr_file)?).map_err(certdesk::Error::from)?;
    let key_bytes = read(key_file)?;
    let key = match read_password(password_file)? {
        Some(p) => PrivateKey::from_pem_or_der_with_password(&key_bytes, &p),
        None => PrivateKey::from_pem_or_der(&key_bytes),
    }
    .map_err(certdesk::Error::from)?;
    let matched = csr.matches_key(&key);
    println!(
        "{}",
        json!({
            "match": matched,
            "csr_public_key_sha256": csr.info().public_key_sha256,
            "key_public_key_sha256": key.public_key_sha256(),
        })
    );
    Ok(if matched {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn validate(api: &str, file: &Path) -> Result<ExitCode, Failure> {
    let api: Api = api
        .parse()
        .map_err(|e: certdesk::cloud::UnknownApi| Failure {
            code: "usage".into(),
            message: e.to_string(),
        })?;
    let validation = api.validate(&read(file)?);
    let mut out = serde_json::to_value(&validation).map_err(|e| Failure {
        code: "internal".into(),
        message: e.to_string(),
    })?;
    if let Some(e) = &validation.error {
        out["vendor_error"] = json!({"code": e.code, "message": e.message});
    }
    println!("{out}");
    Ok(if validation.valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
