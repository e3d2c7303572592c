//! Any bytes given to the CSR reader: a typed error or a CSR, never a panic; a CSR read
//! back from its own DER and PEM is the same CSR.
#![no_main]

use certdesk::Csr;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(csr) = Csr::parse(data) {
        let again = Csr::parse(csr.der()).expect("a verified CSR re-reads from its DER");
        assert_eq!(again.info(), csr.info());
        let from_pem = Csr::parse(csr.to_pem().as_bytes()).expect("and from its PEM");
        assert_eq!(from_pem.der(), csr.der());
    }
});
