//! The vendors' request bodies: their own examples, every decoding error, the profile rules
//! under the vendors' parameter names, and the vendors' error codes and response bodies.

mod common;

use certdesk::KeySpec;
use certdesk::cloud::{Api, Validation, alibaba, tencent};
use common::data;

fn fields(v: &Validation) -> Vec<(&str, &str)> {
    v.violations
        .iter()
        .map(|v| (v.field.as_str(), v.code.as_str()))
        .collect()
}

/// The body of Tencent's CreateCSR example, as the API reference prints it.
const TENCENT_EXAMPLE: &str = include_str!("data/vendor/tencent-createcsr-example.json");

#[test]
fn tencents_own_example_is_read_and_its_two_problems_named() {
    let v = Api::TencentCreateCsr.validate(TENCENT_EXAMPLE.as_bytes());
    assert!(!v.valid);
    assert_eq!(
        fields(&v),
        [
            ("Country", "country.unknown"),
            ("Domain", "domain.wildcard_not_leftmost")
        ]
    );
    assert_eq!(v.violations[0].suggestion.as_deref(), Some("CN"));
    // CreateCSR's error table: "FailedOperation.InvalidParam | Incorrect parameters."
    let e = v.error.unwrap();
    assert_eq!(e.code, "FailedOperation.InvalidParam");
    assert_eq!(e.http_status, 200);

    let fixed = TENCENT_EXAMPLE
        .replace("www.***.com", "www.example.com")
        .replace("\"China\"", "\"CN\"");
    assert!(Api::TencentCreateCsr.validate(fixed.as_bytes()).valid);
    let req = tencent::CreateCsrRequest::from_json(fixed.as_bytes()).unwrap();
    let (request, report) = req.check().unwrap();
    assert!(report.violations.is_empty());
    assert_eq!(request.key_spec(), KeySpec::EcP256);
    assert_eq!(request.subject().organizational_unit(), Some("It"));
}

#[test]
fn alibabas_own_example_is_valid() {
    let body = &data("vendor/alibaba-createcsr-example.json")[..];
    let v = Api::AlibabaCreateCsr.validate(body);
    assert!(v.valid, "{:?}", v.violations);
    let (request, _) = alibaba::CreateCsrRequest::from_json(body)
        .unwrap()
        .check()
        .unwrap();
    assert_eq!(request.key_spec(), KeySpec::Rsa2048);
    assert_eq!(request.sans().len(), 3);
}

#[test]
fn unknown_parameters_and_wrong_types_are_named() {
    let v = Api::TencentCreateCsr.validate(br#"{"Domain": "a.example.com", "Colour": "red"}"#);
    assert_eq!(fields(&v), [("Colour", "json.unknown_parameter")]);
    assert_eq!(v.error.unwrap().code, "UnknownParameter");

    // An empty parameter name is still reported with a field.
    let v = Api::TencentCreateCsr.validate(br#"{"": 1}"#);
    assert_eq!(fields(&v), [("body", "json.unknown_parameter")]);

    let v = Api::TencentCreateCsr.validate(br#"{"Generate": "yes"}"#);
    assert_eq!(fields(&v), [("body", "json.invalid_type")]);
    assert!(v.violations[0].message.contains("expected a boolean"));
    assert_eq!(v.error.unwrap().code, "InvalidParameter");

    let v = Api::AlibabaCreateCsr.validate(b"{not json");
    assert_eq!(fields(&v), [("body", "json.malformed")]);
    assert_eq!(v.error.unwrap().http_status, 400);

    let v = Api::AlibabaCreateCsr.validate(br#"{"KeySize": "big"}"#);
    assert_eq!(fields(&v), [("body", "json.invalid_type")]);
}

#[test]
fn every_missing_parameter_is_listed() {
    let v = Api::TencentCreateCsr.validate(br#"{"Domain": "www.example.com", "Email": " "}"#);
    let missing: Vec<&str> = v
        .violations
        .iter()
        .filter(|v| {
            matches!(
                v.code.as_str(),
                "json.missing_parameter" | "subject.required"
            )
        })
        .map(|v| v.field.as_str())
        .collect();
    for name in [
        "EncryptAlgo",
        "KeyParameter",
        "Generate",
        "Organization",
        "Department",
        "Email",
        "Province",
        "City",
        "Country",
    ] {
        assert!(missing.contains(&name), "{name} not in {missing:?}");
    }
    assert_eq!(v.error.unwrap().code, "MissingParameter");
}

#[test]
fn tencent_keys_use_tencents_spelling() {
    let body = |param: &str| {
        TENCENT_EXAMPLE
            .replace("www.***.com", "www.example.com")
            .replace("\"China\"", "\"CN\"")
            .replace("prime256v1", param)
    };
    let v = Api::TencentCreateCsr.validate(body("secp384r1").as_bytes());
    assert_eq!(fields(&v), [("KeyParameter", "key.not_offered")]);
    assert_eq!(v.violations[0].suggestion.as_deref(), Some("prime256v1"));
    assert_eq!(v.error.unwrap().code, "FailedOperation.InvalidParam");

    let v = Api::TencentCreateCsr.validate(body("p512").as_bytes());
    assert_eq!(fields(&v), [("KeyParameter", "key_spec.unknown_strength")]);
    assert_eq!(v.violations[0].suggestion.as_deref(), Some("secp521r1"));

    let v = Api::TencentCreateCsr.validate(body("2048").replace("\"ECC\"", "\"DSA\"").as_bytes());
    assert_eq!(fields(&v), [("EncryptAlgo", "key_spec.unknown_algorithm")]);

    // SM2 is an algorithm CreateCSR does not offer: the parameter at fault is EncryptAlgo,
    // not KeyParameter. The same in ApplyCertificate's and Alibaba's names.
    let v = Api::TencentCreateCsr.validate(body("2048").replace("\"ECC\"", "\"SM2\"").as_bytes());
    assert_eq!(fields(&v), [("EncryptAlgo", "key.not_offered")], "{v:?}");
    assert_eq!(v.error.unwrap().code, "FailedOperation.InvalidParam");
    let apply = br#"{"DvAuthMethod": "DNS", "DomainName": "shop.example.com",
        "CsrEncryptAlgo": "SM2", "CsrKeyParameter": "2048"}"#;
    let v = Api::TencentApplyCertificate.validate(apply);
    assert!(
        fields(&v).contains(&("CsrEncryptAlgo", "key.not_offered")),
        "{:?}",
        fields(&v)
    );
}

#[test]
fn tencent_key_password_warns_and_stays_redacted() {
    let body = TENCENT_EXAMPLE
        .replace("www.***.com", "www.example.com")
        .replace("\"China\"", "\"CN\"")
        .replace(
            "\"Generate\": false",
            "\"Generate\": true, \"KeyPassword\": \"s3cret!\"",
        );
    let v = Api::TencentCreateCsr.validate(body.as_bytes());
    assert!(v.valid);
    assert_eq!(fields(&v), [("KeyPassword", "key.password_not_deployable")]);
    let req = tencent::CreateCsrRequest::from_json(body.as_bytes()).unwrap();
    let debug = format!("{req:?}");
    assert!(!debug.contains("s3cret"), "{debug}");
    assert!(debug.contains("<redacted>"));
}

#[test]
fn tencent_csr_actions_take_no_parameter_the_sdk_lacks() {
    // The SDK's CreateCSR and ModifyCSR models have no SubjectAltName; ModifyCSR has no Tags.
    let body = TENCENT_EXAMPLE
        .replace("www.***.com", "www.example.com")
        .replace("\"China\"", "\"CN\"")
        .replace(
            "\"Generate\": false",
            "\"Generate\": false, \"SubjectAltName\": [\"ok.example.com\"]",
        );
    let v = Api::TencentCreateCsr.validate(body.as_bytes());
    assert_eq!(fields(&v), [("SubjectAltName", "json.unknown_parameter")]);
    let v = Api::TencentModifyCsr.validate(br#"{"CSRId": 7, "Generate": false, "Tags": []}"#);
    assert_eq!(fields(&v), [("Tags", "json.unknown_parameter")]);
}

#[test]
fn modify_csr_checks_what_it_carries_and_merges_into_a_draft() {
    let v =
        Api::TencentModifyCsr.validate(br#"{"CSRId": 0, "Generate": true, "Country": "Japan"}"#);
    assert_eq!(
        fields(&v),
        [("CSRId", "csr_id.invalid"), ("Country", "country.unknown")]
    );
    assert_eq!(v.violations[1].suggestion.as_deref(), Some("JP"));
    assert_eq!(v.error.unwrap().code, "InvalidParameter.InvalidCSRId");
    // Every value given is checked by CreateCSR's rules, under Tencent's names.
    let v = Api::TencentModifyCsr.validate(
        br#"{"CSRId": 7, "Generate": true, "Domain": "a_b.example.com", "Email": "x",
             "EncryptAlgo": "ECC", "KeyParameter": "secp384r1"}"#,
    );
    assert_eq!(
        fields(&v),
        [
            ("Email", "email.invalid"),
            ("Domain", "cn.not_a_name"),
            ("KeyParameter", "key.not_offered"),
        ]
    );
    assert_eq!(v.violations[2].suggestion.as_deref(), Some("prime256v1"));
    // One half of the key pair alone completes the draft's: not judged here.
    assert!(
        Api::TencentModifyCsr
            .validate(br#"{"CSRId": 7, "Generate": false, "KeyParameter": "secp384r1"}"#)
            .valid
    );
    assert!(
        Api::TencentModifyCsr
            .validate(br#"{"CSRId": 7, "Generate": false, "City": "Wuhan"}"#)
            .valid
    );

    let draft = tencent::CreateCsrRequest::from_json(
        TENCENT_EXAMPLE
            .replace("www.***.com", "www.example.com")
            .replace("\"China\"", "\"CN\"")
            .as_bytes(),
    )
    .unwrap();
    let change: tencent::ModifyCsrRequest =
        serde_json::from_str(r#"{"CSRId": 7, "Generate": true, "City": "Wuhan"}"#).unwrap();
    let merged = change.merge_into(&draft);
    assert_eq!(merged.city.as_deref(), Some("Wuhan"));
    assert_eq!(merged.generate, Some(true));
    assert!(merged.check().is_ok());
}

#[test]
fn describe_and_batch_delete_bounds() {
    assert!(
        Api::TencentDescribeCsrSet
            .validate(br#"{"Limit": 100, "Offset": 0}"#)
            .valid
    );
    let v = Api::TencentDescribeCsrSet.validate(br#"{"Limit": 101}"#);
    assert_eq!(fields(&v), [("Limit", "page.limit_out_of_range")]);
    assert_eq!(v.error.unwrap().code, "InvalidParameterValue");

    let ids: Vec<u32> = (1..=100).collect();
    let body = serde_json::json!({ "CSRIds": ids }).to_string();
    assert!(Api::TencentBatchDeleteCsr.validate(body.as_bytes()).valid);
    let ids: Vec<u32> = (1..=101).collect();
    let body = serde_json::json!({ "CSRIds": ids }).to_string();
    let v = Api::TencentBatchDeleteCsr.validate(body.as_bytes());
    assert_eq!(fields(&v), [("CSRIds", "csr_id.too_many")]);
    let v = Api::TencentBatchDeleteCsr.validate(br#"{"CSRIds": []}"#);
    assert_eq!(fields(&v), [("CSRIds", "csr_id.none")]);
    let v = Api::TencentBatchDeleteCsr.validate(b"{}");
    assert_eq!(v.error.unwrap().code, "MissingParameter");
}

#[test]
fn apply_certificate_is_the_free_profile() {
    let v = Api::TencentApplyCertificate
        .validate(br#"{"DvAuthMethod": "DNS_AUTO", "DomainName": "dnspod.cn"}"#);
    assert!(v.valid, "{:?}", v.violations);
    assert_eq!(v.also_covers, ["www.dnspod.cn"]);
    let req = tencent::ApplyCertificateRequest::from_json(
        br#"{"DvAuthMethod": "FILE", "DomainName": "docs.dnspod.cn", "CsrEncryptAlgo": "ECC",
             "CsrKeyParameter": "prime256v1", "Alias": "docs"}"#,
    )
    .unwrap();
    let (request, report) = req.check().unwrap();
    assert_eq!(request.key_spec(), KeySpec::EcP256);
    assert!(report.also_covers.is_empty());

    let v = Api::TencentApplyCertificate.validate(
        br#"{"DvAuthMethod": "dns", "DomainName": "*.example.org", "CsrEncryptAlgo": "ECC"}"#,
    );
    let got = fields(&v);
    for expected in [
        ("DvAuthMethod", "dv.unknown_method"),
        ("CsrKeyParameter", "json.missing_parameter"),
        ("DomainName", "san.wildcard_not_allowed"),
        ("DomainName", "free.suffix_refused"),
    ] {
        assert!(got.contains(&expected), "{expected:?} not in {got:?}");
    }
    assert_eq!(v.violations[0].suggestion.as_deref(), Some("DNS"));
    assert_eq!(v.error.unwrap().code, "MissingParameter");

    let v = Api::TencentApplyCertificate
        .validate(br#"{"DvAuthMethod": "DNS", "DomainName": "1.1.1.1"}"#);
    assert_eq!(fields(&v), [("DomainName", "san.type_not_allowed")]);
    assert_eq!(v.error.unwrap().code, "FailedOperation.InvalidParam");
}

#[test]
fn alibaba_key_sizes_read_as_numbers_or_text() {
    let body = |size: &str, algo: &str| {
        format!(
            r#"{{"KeySize": {size}, "Algorithm": "{algo}", "CommonName": "www.example.com",
                "CountryCode": "CN", "Province": "Zhejiang", "Locality": "Hangzhou"}}"#
        )
    };
    assert!(
        Api::AlibabaCreateCsr
            .validate(body("\"3072\"", "RSA").as_bytes())
            .valid
    );
    assert!(
        Api::AlibabaCreateCsr
            .validate(body("256", "SM2").as_bytes())
            .valid
    );
    let v = Api::AlibabaCreateCsr.validate(body("384", "ECC").as_bytes());
    assert_eq!(fields(&v), [("KeySize", "key.not_offered")]);
    assert_eq!(v.violations[0].suggestion.as_deref(), Some("ECC 256"));
    assert_eq!(v.error.unwrap().code, "InvalidParameter");
    // The console offers P-384.
    let req = alibaba::CreateCsrRequest::from_json(body("384", "ECC").as_bytes()).unwrap();
    let (request, _) = req
        .check_with(&certdesk::policy::Profile::alibaba_console())
        .unwrap();
    assert_eq!(request.key_spec(), KeySpec::EcP384);
    let v = Api::AlibabaCreateCsr.validate(body("1024", "RSA").as_bytes());
    assert_eq!(fields(&v), [("KeySize", "key_spec.unknown_strength")]);
}

#[test]
fn alibaba_missing_and_name_rules() {
    let v =
        Api::AlibabaCreateCsr.validate(br#"{"Algorithm": "RSA", "KeySize": 2048, "Name": "a b"}"#);
    let got = fields(&v);
    for expected in [
        ("CommonName", "subject.required"),
        ("CountryCode", "subject.required"),
        ("Province", "subject.required"),
        ("Locality", "subject.required"),
        ("Name", "name.invalid_characters"),
    ] {
        assert!(got.contains(&expected), "{expected:?} not in {got:?}");
    }
    assert_eq!(v.error.unwrap().code, "MissingParameter");
}

fn upload_body(csr: &[u8], key: Option<&[u8]>, name: &str) -> Vec<u8> {
    let mut body = serde_json::json!({
        "Csr": String::from_utf8_lossy(csr),
        "Name": name,
    });
    if let Some(key) = key {
        body["Key"] = String::from_utf8_lossy(key).into();
    }
    body.to_string().into_bytes()
}

#[test]
fn upload_csr_checks_the_csr_its_key_and_its_name() {
    let csr = data("sm2.csr.pem");
    let key = data("sm2.key.pem");
    let v = Api::AlibabaUploadCsr.validate(&upload_body(&csr, Some(&key), "sm2_upload-1"));
    assert!(v.valid, "{:?}", v.violations);
    let req = alibaba::UploadCsrRequest::from_json(&upload_body(&csr, Some(&key), "n")).unwrap();
    let (parsed, parsed_key, _) = req.check().unwrap();
    assert!(parsed.matches_key(&parsed_key.unwrap()));

    let v = Api::AlibabaUploadCsr.validate(&upload_body(
        &csr,
        Some(&data("rsa2048.key.pem")),
        "sm2.v1",
    ));
    assert_eq!(
        fields(&v),
        [("Key", "key.mismatch"), ("Name", "name.invalid_characters")]
    );

    // The RSA vector lists 192.0.2.1, a documentation address.
    let v = Api::AlibabaUploadCsr.validate(&upload_body(&data("rsa2048.csr.pem"), None, "rsa"));
    assert_eq!(fields(&v), [("Csr", "ip.reserved")]);
    assert!(v.violations[0].message.starts_with("sans[2]: "));

    let v = Api::AlibabaUploadCsr.validate(&upload_body(b"hello", None, "x"));
    assert_eq!(fields(&v), [("Csr", "csr.not_a_csr")]);
    let v = Api::AlibabaUploadCsr.validate(&upload_body(&data("ed25519.csr.pem"), None, "x"));
    assert_eq!(fields(&v), [("Csr", "csr.unsupported_key")]);
    let v = Api::AlibabaUploadCsr.validate(br#"{"Name": "x"}"#);
    assert_eq!(v.error.unwrap().code, "MissingParameter");
}

#[test]
fn the_stored_free_and_upload_bodies_are_valid() {
    let v = Api::TencentApplyCertificate.validate(&data("vendor/tencent-applycertificate.json"));
    assert!(v.valid, "{:?}", v.violations);
    assert_eq!(v.also_covers, ["www.dnspod.cn"]);
    let v = Api::AlibabaUploadCsr.validate(&data("vendor/alibaba-uploadcsr.json"));
    assert!(v.valid, "{:?}", v.violations);
}

#[test]
fn list_update_delete() {
    assert!(
        Api::AlibabaListCsr
            .validate(br#"{"KeyWord": "example", "ShowSize": "20"}"#)
            .valid
    );
    let v = Api::AlibabaListCsr.validate(br#"{"CurrentPage": 0, "Algorithm": "DSA"}"#);
    assert_eq!(
        fields(&v),
        [
            ("CurrentPage", "page.out_of_range"),
            ("Algorithm", "key_spec.unknown_algorithm")
        ]
    );
    let v = Api::AlibabaUpdateCsr.validate(br#"{"CsrId": "12"}"#);
    assert_eq!(fields(&v), [("Key", "json.missing_parameter")]);
    let body =
        serde_json::json!({"CsrId": 12, "Key": String::from_utf8_lossy(&data("ec-p256.key.pem"))});
    assert!(
        Api::AlibabaUpdateCsr
            .validate(body.to_string().as_bytes())
            .valid
    );
    assert!(Api::AlibabaDeleteCsr.validate(br#"{"CsrId": 3365}"#).valid);
    let v = Api::AlibabaDeleteCsr.validate(b"{}");
    assert_eq!(fields(&v), [("CsrId", "json.missing_parameter")]);
}

#[test]
fn error_response_bodies_are_the_vendors() {
    let e = Api::TencentCreateCsr.validate(b"{\"X\": 1}").error.unwrap();
    let body: serde_json::Value = serde_json::from_str(&e.response_body("req-1")).unwrap();
    assert_eq!(body["Response"]["Error"]["Code"], "UnknownParameter");
    assert_eq!(body["Response"]["RequestId"], "req-1");
    let e = Api::AlibabaDeleteCsr.validate(b"{}").error.unwrap();
    let body: serde_json::Value = serde_json::from_str(&e.response_body("req-2")).unwrap();
    assert_eq!(body["Code"], "MissingParameter");
    assert_eq!(body["RequestId"], "req-2");
}

#[test]
fn api_names_round_trip_and_bodies_are_capped() {
    for api in Api::ALL {
        assert_eq!(api.name().parse::<Api>().unwrap(), *api);
    }
    assert!("tencent:createcsr".parse::<Api>().is_ok());
    assert!("aws:CreateCsr".parse::<Api>().is_err());
    let huge = vec![b' '; certdesk::cloud::MAX_BODY + 1];
    let v = Api::TencentCreateCsr.validate(&huge);
    assert_eq!(fields(&v), [("body", "json.too_large")]);
}

#[test]
fn alibaba_private_keys_stay_out_of_debug_output() {
    let key_pem = String::from_utf8(data("ec-p256.key.pem")).unwrap();
    // A line of the key's Base64, long enough to be unmistakable.
    let line = key_pem
        .lines()
        .find(|l| l.len() > 40 && !l.starts_with("-----"))
        .unwrap();
    let upload = serde_json::json!({"Csr": "-----BEGIN CERTIFICATE REQUEST-----", "Key": key_pem});
    let req: alibaba::UploadCsrRequest = serde_json::from_value(upload).unwrap();
    assert_eq!(req.key.as_ref().unwrap().expose(), key_pem);
    let update = serde_json::json!({"CsrId": 1, "Key": key_pem});
    let update: alibaba::UpdateCsrRequest = serde_json::from_value(update).unwrap();
    for debug in [format!("{req:?}"), format!("{update:?}")] {
        assert!(!debug.contains("PRIVATE KEY"), "{debug}");
        assert!(!debug.contains(line), "{debug}");
        assert!(debug.contains("<redacted>"), "{debug}");
    }
}
