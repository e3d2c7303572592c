//! Every response certdesk gives a vendor action has the shape of the vendor's official SDK
//! model: only fields the model has, each of the model's type (a string where the SDK says
//! `str`, an integer for `int`, an array of the element model for `list of X`, ...; `null` where
//! the vendor returns null), and for Tencent every field of the model (`null` where there is no
//! value, as Tencent's API answers). The models' fields are committed under `tests/data/sdk/`, made by
//! `scripts/sdk_fields.py` from the installed SDKs (its docstring has the commands).

use std::sync::Arc;

use certdesk::backend::{AesGcmVault, MemoryStore, Scope};
use certdesk::cloud::Api;
use certdesk::service::CsrService;
use serde_json::{Map, Value};

mod common;

use common::sdk::{Models, assert_complete, assert_shape};

fn service() -> CsrService {
    let store = Arc::new(MemoryStore::new());
    CsrService::new(store.clone(), Arc::new(AesGcmVault::new("k", [3; 32]))).with_orders(store)
}

fn alice() -> Scope {
    Scope::new("alice", "ap-guangzhou")
}

#[tokio::test]
async fn tencent_csr_responses_have_the_sdk_models_shape() {
    let models = Models::load("tencent-ssl-2019-12-05.json");
    let svc = service();
    let call = |api: Api, body: String| {
        let svc = &svc;
        async move { svc.handle(&alice(), api, body.as_bytes()).await.unwrap() }
    };
    let created = call(
        Api::TencentCreateCsr,
        r#"{"Domain": "www.example.com", "Organization": "Example", "Department": "IT",
            "Email": "admin@example.com", "Province": "Guangdong", "City": "Shenzhen",
            "Country": "CN", "EncryptAlgo": "RSA", "KeyParameter": "2048", "Generate": false,
            "Remark": "draft", "Tags": [{"TagKey": "env", "TagValue": "test"}]}"#
            .into(),
    )
    .await;
    assert_shape(&models, "CreateCSR", &created);
    assert_complete(&models, "CreateCSR", &created);
    let id = created["Id"].as_u64().unwrap();
    let draft = call(Api::TencentDescribeCsr, format!(r#"{{"CSRId": {id}}}"#)).await;
    assert_shape(&models, "DescribeCSR", &draft);
    assert_complete(&models, "DescribeCSR", &draft);
    let modified = call(
        Api::TencentModifyCsr,
        format!(r#"{{"CSRId": {id}, "Generate": true}}"#),
    )
    .await;
    assert_shape(&models, "ModifyCSR", &modified);
    assert_complete(&models, "ModifyCSR", &modified);
    let made = call(Api::TencentDescribeCsr, format!(r#"{{"CSRId": {id}}}"#)).await;
    assert_shape(&models, "DescribeCSR", &made);
    assert_complete(&models, "DescribeCSR", &made);
    let set = call(Api::TencentDescribeCsrSet, "{}".into()).await;
    assert_shape(&models, "DescribeCSRSet", &set);
    assert_complete(&models, "DescribeCSRSet", &set);
    let deleted = call(
        Api::TencentBatchDeleteCsr,
        format!(r#"{{"CSRIds": [{id}, 999]}}"#),
    )
    .await;
    assert_shape(&models, "BatchDeleteCSR", &deleted);
    assert_complete(&models, "BatchDeleteCSR", &deleted);

    // The checker can fail: a field the SDK does not have, and a wrong type, are found.
    let mut found = Vec::new();
    let bad = serde_json::json!({"Id": "7", "Extra": 1});
    models.check("CreateCSR", &bad, models.response("CreateCSR"), &mut found);
    assert_eq!(found.len(), 2, "{found:?}");
    // And a field the answer lacks.
    let mut found = Vec::new();
    models.complete("CreateCSR", &bad, models.response("CreateCSR"), &mut found);
    assert!(
        found.contains(&"CreateCSR.RequestId: missing".to_owned()),
        "{found:?}"
    );
}

#[tokio::test]
async fn alibaba_csr_responses_have_the_sdk_models_shape() {
    let models = Models::load("alibaba-cas-2020-04-07.json");
    let svc = service();
    let call = |api: Api, body: String| {
        let svc = &svc;
        async move { svc.handle(&alice(), api, body.as_bytes()).await.unwrap() }
    };
    let created = call(
        Api::AlibabaCreateCsr,
        r#"{"Algorithm": "ECC", "KeySize": 256, "CommonName": "www.example.com",
            "CountryCode": "CN", "Province": "Zhejiang", "Locality": "Hangzhou",
            "Name": "web-1"}"#
            .into(),
    )
    .await;
    assert_shape(&models, "CreateCsr", &created);
    let id = created["CsrId"].as_u64().unwrap();
    let detail = call(Api::AlibabaGetCsrDetail, format!(r#"{{"CsrId": {id}}}"#)).await;
    assert_shape(&models, "GetCsrDetail", &detail);
    let list = call(Api::AlibabaListCsr, "{}".into()).await;
    assert_shape(&models, "ListCsr", &list);
    let deleted = call(Api::AlibabaDeleteCsr, format!(r#"{{"CsrId": {id}}}"#)).await;
    assert_shape(&models, "DeleteCsr", &deleted);
    // A CSR uploaded without its key, then given it.
    let request = certdesk::CsrRequest::builder()
        .subject(
            certdesk::Subject::builder()
                .common_name("up.example.com")
                .build()
                .unwrap(),
        )
        .key_spec(certdesk::KeySpec::EcP256)
        .build()
        .unwrap();
    let (csr, key) = request.generate().unwrap();
    let body = serde_json::json!({"Csr": csr.to_pem(), "Name": "up-1"}).to_string();
    let uploaded = call(Api::AlibabaUploadCsr, body).await;
    assert_shape(&models, "UploadCsr", &uploaded);
    let up = uploaded["CsrId"].as_u64().unwrap();
    let body =
        serde_json::json!({"CsrId": up, "Key": key.to_pkcs8_pem().unwrap().as_str()}).to_string();
    let updated = call(Api::AlibabaUpdateCsr, body).await;
    assert_shape(&models, "UpdateCsr", &updated);
}

/// A sample value of an SDK type: nested models get every field of theirs.
fn sample(models: &Models, typ: &str) -> Value {
    let list = typ
        .strip_prefix("list of ")
        .or_else(|| typ.strip_prefix("List[").and_then(|t| t.strip_suffix(']')));
    if let Some(inner) = list {
        return Value::Array(vec![sample(models, inner)]);
    }
    match typ.split_whitespace().next().unwrap_or("") {
        "str" => Value::from("x"),
        "int" => Value::from(1),
        "float" => Value::from(1.5),
        "bool" => Value::from(true),
        model => {
            let fields = models.sdk["models"][model]
                .as_object()
                .unwrap_or_else(|| panic!("no sample for {typ}"));
            Value::Object(
                fields
                    .iter()
                    .map(|(k, t)| (k.clone(), sample(models, t.as_str().unwrap())))
                    .collect(),
            )
        }
    }
}

/// A body with every request field the SDK model has, each a value of its type.
fn full_request(models: &Models, action: &str) -> Value {
    let fields = models.sdk["actions"][action]["request"]
        .as_object()
        .unwrap();
    let body: Map<String, Value> = fields
        .iter()
        .map(|(name, typ)| (name.clone(), sample(models, typ.as_str().unwrap())))
        .collect();
    Value::Object(body)
}

/// Every parameter the SDKs send, for every action certdesk answers, is one certdesk reads, of
/// the SDK's type: none is answered `UnknownParameter` or a type error (the values are samples;
/// the rules may refuse them). And every action certdesk answers is one the SDKs have.
#[test]
fn every_sdk_request_field_of_every_action_is_read() {
    for api in Api::ALL {
        let models = Models::for_action(
            api.vendor() == certdesk::cloud::Vendor::Tencent,
            api.action(),
        );
        assert!(models.has(api.action()), "{api}: no SDK has this action");
        let body = full_request(&models, api.action()).to_string();
        let v = api.validate(body.as_bytes());
        let unknown: Vec<&str> = v
            .violations
            .iter()
            .filter(|v| v.code.as_str().starts_with("json."))
            .map(|v| v.field.as_str())
            .collect();
        assert!(unknown.is_empty(), "{api}: {unknown:?} in {body}");
    }
    // The check can fail: a parameter no SDK sends is unknown.
    let v = Api::TencentDescribeCsr.validate(br#"{"CSRId": 1, "Bogus": 1}"#);
    assert!(
        v.violations
            .iter()
            .any(|v| v.code == "json.unknown_parameter")
    );
}

/// Tencent Cloud API 3.0's common error codes (the gateway's, in no service's SDK table) that
/// certdesk answers with.
const TENCENT_COMMON_CODES: &[&str] = &["RequestLimitExceeded", "UnsupportedOperation"];

#[test]
fn every_tencent_error_code_is_in_the_sdks_table_or_a_common_code() {
    let mut table = std::collections::BTreeSet::new();
    for file in [
        "tencent-ssl-2019-12-05.json",
        "tencent-ssl-cn-2019-12-05.json",
    ] {
        let models = Models::load(file);
        let errors = models.sdk["errors"]
            .as_array()
            .expect("the dump lists errors");
        assert!(errors.len() > 80, "{file}: {} codes", errors.len());
        table.extend(errors.iter().map(|e| e.as_str().unwrap().to_owned()));
    }
    for code in certdesk::cloud::TencentErrorCode::ALL {
        let code = code.as_str();
        assert!(
            table.contains(code) || TENCENT_COMMON_CODES.contains(&code),
            "{code} is neither the SSL service's (its SDK's errorcodes.py) nor a common code"
        );
    }
}
