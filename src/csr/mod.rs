//! CSRs: building and signing one from a [`CsrRequest`], reading and verifying one made anywhere.

mod error;
mod parse;
mod request;

pub use error::{CsrCode, CsrError, CsrQualifiedCode, RequestCode, RequestError};
pub use parse::{Csr, CsrInfo, CsrSan, DistinguishedName, MAX_CSR_INPUT, ParseOptions};
pub use request::{CsrRequest, CsrRequestBuilder, DEFAULT_SM2_DISTID, MAX_SANS};
