//! Property: a signed request verifies, and any change to a signed header, the body or the
//! query makes it fail (TC3-HMAC-SHA256 and ACS3-HMAC-SHA256).

#![cfg(feature = "server")]

use certdesk::server::sign::{self, SignError, SignedRequest};
use proptest::prelude::*;
use sha2::{Digest, Sha256};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn headers(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// An ACS3 request over `query` and `body`, signed with `secret`: its headers.
fn acs3_signed(query: &str, body: &[u8], secret: &[u8]) -> Vec<(String, String)> {
    let mut hs = headers(&[
        ("host", "127.0.0.1:9000"),
        ("x-acs-content-sha256", &hex(&Sha256::digest(body))),
        ("x-acs-date", "2026-12-02T06:48:10Z"),
        ("x-acs-signature-nonce", "n-1"),
    ]);
    let names = [
        "host",
        "x-acs-content-sha256",
        "x-acs-date",
        "x-acs-signature-nonce",
    ];
    let req = SignedRequest {
        method: "POST",
        path: "/",
        query,
        headers: &hs,
        body,
    };
    let auth = sign::acs3_authorization(&req, "K", &names, secret).unwrap();
    hs.push(("Authorization".into(), auth));
    hs
}

fn acs3_verify(query: &str, hs: &[(String, String)], body: &[u8]) -> Result<(), SignError> {
    let auth = hs.iter().find(|(k, _)| k == "Authorization").unwrap();
    let parsed = sign::parse_acs3(&auth.1).unwrap();
    let req = SignedRequest {
        method: "POST",
        path: "/",
        query,
        headers: hs,
        body,
    };
    sign::verify_acs3(&req, &parsed, b"secret")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn tc3_any_change_fails(
        body in proptest::collection::vec(any::<u8>(), 1..300),
        at in any::<usize>(),
        bit in 0u8..8,
        host_suffix in "[a-z0-9]{1,4}",
    ) {
        let host = "127.0.0.1:9000";
        let auth = sign::tc3_authorization(host, "application/json", &body, 1796194087, "AKIDx", b"secret");
        let parsed = sign::parse_tc3(&auth).unwrap();
        let hs = headers(&[("Content-Type", "application/json"), ("Host", host)]);
        let req = SignedRequest { method: "POST", path: "/", query: "", headers: &hs, body: &body };
        prop_assert!(sign::verify_tc3(&req, &parsed, "1796194087", b"secret").is_ok());
        let mut changed = body.clone();
        let i = at % changed.len();
        changed[i] ^= 1 << bit;
        let r = SignedRequest { body: &changed, ..req };
        prop_assert_eq!(sign::verify_tc3(&r, &parsed, "1796194087", b"secret"), Err(SignError::Mismatch));
        let other = headers(&[("Content-Type", "application/json"), ("Host", &format!("{host}{host_suffix}"))]);
        let r = SignedRequest { headers: &other, ..req };
        prop_assert_eq!(sign::verify_tc3(&r, &parsed, "1796194087", b"secret"), Err(SignError::Mismatch));
        let other = headers(&[("Content-Type", &format!("application/json{host_suffix}")), ("Host", host)]);
        let r = SignedRequest { headers: &other, ..req };
        prop_assert_eq!(sign::verify_tc3(&r, &parsed, "1796194087", b"secret"), Err(SignError::Mismatch));
    }

    #[test]
    fn acs3_any_change_fails(
        value in "[ -~]{1,40}",
        other_value in "[ -~]{1,40}",
        body in proptest::collection::vec(any::<u8>(), 0..100),
        header in 0usize..4,
    ) {
        prop_assume!(value != other_value);
        let query = format!("Name={}&Tags.1.Key=k", sign::percent_encode(&value));
        let hs = acs3_signed(&query, &body, b"secret");
        prop_assert!(acs3_verify(&query, &hs, &body).is_ok());
        let changed = format!("Name={}&Tags.1.Key=k", sign::percent_encode(&other_value));
        prop_assert_eq!(acs3_verify(&changed, &hs, &body), Err(SignError::Mismatch));
        let mut more = body.clone();
        more.push(0);
        prop_assert_eq!(acs3_verify(&query, &hs, &more), Err(SignError::Mismatch));
        let mut altered = hs.clone();
        altered[header].1.push('x');
        prop_assert!(acs3_verify(&query, &altered, &body).is_err());
    }
}
