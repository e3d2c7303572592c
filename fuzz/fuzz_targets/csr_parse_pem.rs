//! The CSR reader on text shaped like PEM: the fuzzer's bytes become the Base64 body (and
//! some prose around it), so the DER parser behind the PEM layer is reached.
#![no_main]

use base64ct::Encoding;
use certdesk::Csr;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (prose, der) = data.split_at(data.len().min(usize::from(data.first().copied().unwrap_or(0) % 16)));
    let body = base64ct::Base64::encode_string(der);
    let text = format!(
        "{}\r\n-----BEGIN CERTIFICATE REQUEST-----\r\n{}\r\n-----END CERTIFICATE REQUEST-----\r\n",
        String::from_utf8_lossy(prose),
        body
    );
    if let Ok(csr) = Csr::parse(text.as_bytes()) {
        assert_eq!(csr.der(), der);
    }
});
