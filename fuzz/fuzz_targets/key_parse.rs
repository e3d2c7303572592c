//! Any bytes given to the private-key reader (with and without a password): a typed error or
//! a key, never a panic; a key read back from its PKCS#8 export is the same key.
#![no_main]

use certdesk::{Password, PrivateKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let plain = PrivateKey::from_pem_or_der(data);
    let _ = PrivateKey::from_pem_or_der_with_password(data, &Password::new("fuzz"));
    if let Ok(key) = plain {
        let der = key.to_pkcs8_der().expect("a read key exports");
        let again = PrivateKey::from_pem_or_der(&der).expect("its export reads back");
        assert_eq!(again.public_key(), key.public_key());
    }
});
