//! Every response certdesk gives a vendor action has the shape of the vendor's official SDK
//! model: only fields the model has, each of the model's type (a string where the SDK says
//! `str`, an integer for `int`, an array of the element model for `list of X`, ...; `null` where
//! the vendor returns null). The models' fields are committed under `tests/data/sdk/`, made by
//! `scripts/sdk_fields.py` from the installed SDKs (its docstring has the commands).

use std::sync::Arc;

use certdesk::backend::{AesGcmVault, MemoryStore, Scope};
use certdesk::cloud::Api;
use certdesk::service::CsrService;
use serde_json::{Map, Value};

struct Models {
    sdk: Value,
}

impl Models {
    fn load(file: &str) -> Models {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/sdk")
            .join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        Models {
            sdk: serde_json::from_str(&text).unwrap(),
        }
    }

    fn response(&self, action: &str) -> &Map<String, Value> {
        self.sdk["actions"][action]["response"]
            .as_object()
            .unwrap_or_else(|| panic!("the SDK has no action {action}"))
    }

    fn model(&self, name: &str) -> Option<&Map<String, Value>> {
        self.sdk["models"][name].as_object()
    }

    /// Checks `value` against the fields of a model; returns every mismatch as `path: problem`.
    fn check(
        &self,
        path: &str,
        value: &Value,
        fields: &Map<String, Value>,
        found: &mut Vec<String>,
    ) {
        let Some(object) = value.as_object() else {
            found.push(format!("{path}: not an object"));
            return;
        };
        for (key, v) in object {
            let here = format!("{path}.{key}");
            match fields.get(key).and_then(Value::as_str) {
                None => found.push(format!("{here}: not a field of the SDK model")),
                Some(typ) => self.check_type(&here, v, typ, found),
            }
        }
    }

    fn check_type(&self, path: &str, v: &Value, typ: &str, found: &mut Vec<String>) {
        if v.is_null() {
            return;
        }
        let list = typ
            .strip_prefix("list of ")
            .or_else(|| typ.strip_prefix("List[").and_then(|t| t.strip_suffix(']')));
        if let Some(inner) = list {
            match v.as_array() {
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        self.check_type(&format!("{path}[{i}]"), item, inner, found);
                    }
                }
                None => found.push(format!("{path}: {v} is not a list ({typ})")),
            }
            return;
        }
        let ok = match typ.split_whitespace().next().unwrap_or("") {
            "str" => v.is_string(),
            "int" => v.is_i64() || v.is_u64(),
            "float" => v.is_number(),
            "bool" => v.is_boolean(),
            "unknown" => true,
            model => match self.model(model) {
                Some(fields) => {
                    self.check(path, v, fields, found);
                    true
                }
                None => {
                    found.push(format!("{path}: unknown SDK type {typ}"));
                    true
                }
            },
        };
        if !ok {
            found.push(format!("{path}: {v} is not {typ}"));
        }
    }
}

fn assert_shape(models: &Models, action: &str, response: &Value) {
    let mut found = Vec::new();
    models.check(action, response, models.response(action), &mut found);
    assert!(found.is_empty(), "{action}:\n{}", found.join("\n"));
}

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
    let id = created["Id"].as_u64().unwrap();
    let draft = call(Api::TencentDescribeCsr, format!(r#"{{"CSRId": {id}}}"#)).await;
    assert_shape(&models, "DescribeCSR", &draft);
    let modified = call(
        Api::TencentModifyCsr,
        format!(r#"{{"CSRId": {id}, "Generate": true}}"#),
    )
    .await;
    assert_shape(&models, "ModifyCSR", &modified);
    let made = call(Api::TencentDescribeCsr, format!(r#"{{"CSRId": {id}}}"#)).await;
    assert_shape(&models, "DescribeCSR", &made);
    let set = call(Api::TencentDescribeCsrSet, "{}".into()).await;
    assert_shape(&models, "DescribeCSRSet", &set);
    let deleted = call(
        Api::TencentBatchDeleteCsr,
        format!(r#"{{"CSRIds": [{id}, 999]}}"#),
    )
    .await;
    assert_shape(&models, "BatchDeleteCSR", &deleted);

    // The checker can fail: a field the SDK does not have, and a wrong type, are found.
    let mut found = Vec::new();
    let bad = serde_json::json!({"Id": "7", "Extra": 1});
    models.check("CreateCSR", &bad, models.response("CreateCSR"), &mut found);
    assert_eq!(found.len(), 2, "{found:?}");
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

/// A body with every request field the SDK model has, each a value of its type.
fn full_request(models: &Models, action: &str) -> Value {
    let fields = models.sdk["actions"][action]["request"]
        .as_object()
        .unwrap();
    let mut body = Map::new();
    for (name, typ) in fields {
        let typ = typ.as_str().unwrap();
        let v = match typ {
            "str" => Value::from("x"),
            "int" => Value::from(1),
            "bool" => Value::from(true),
            t if t.starts_with("list of str") => serde_json::json!(["x"]),
            t if t.starts_with("list of int") => serde_json::json!([1]),
            "list of Tags" => serde_json::json!([{"TagKey": "k", "TagValue": "v"}]),
            other => panic!("{action}.{name}: no sample for {other}"),
        };
        body.insert(name.clone(), v);
    }
    Value::Object(body)
}

/// Every parameter the SDKs send for the CSR actions is one certdesk reads, of the SDK's type:
/// none is answered `UnknownParameter` or a type error (the values are samples; the rules may
/// refuse them).
#[test]
fn every_sdk_request_field_of_the_csr_actions_is_read() {
    let tencent = Models::load("tencent-ssl-2019-12-05.json");
    let alibaba = Models::load("alibaba-cas-2020-04-07.json");
    for (models, action, api) in [
        (&tencent, "CreateCSR", Api::TencentCreateCsr),
        (&tencent, "ModifyCSR", Api::TencentModifyCsr),
        (&tencent, "DescribeCSR", Api::TencentDescribeCsr),
        (&tencent, "DescribeCSRSet", Api::TencentDescribeCsrSet),
        (&tencent, "BatchDeleteCSR", Api::TencentBatchDeleteCsr),
        (&tencent, "ApplyCertificate", Api::TencentApplyCertificate),
        (&alibaba, "CreateCsr", Api::AlibabaCreateCsr),
        (&alibaba, "UploadCsr", Api::AlibabaUploadCsr),
        (&alibaba, "ListCsr", Api::AlibabaListCsr),
        (&alibaba, "GetCsrDetail", Api::AlibabaGetCsrDetail),
        (&alibaba, "UpdateCsr", Api::AlibabaUpdateCsr),
        (&alibaba, "DeleteCsr", Api::AlibabaDeleteCsr),
    ] {
        let body = full_request(models, action).to_string();
        let v = api.validate(body.as_bytes());
        let unknown: Vec<&str> = v
            .violations
            .iter()
            .filter(|v| v.code.as_str().starts_with("json."))
            .map(|v| v.field.as_str())
            .collect();
        assert!(unknown.is_empty(), "{action}: {unknown:?} in {body}");
    }
    // The check can fail: a parameter no SDK sends is unknown.
    let v = Api::TencentDescribeCsr.validate(br#"{"CSRId": 1, "Bogus": 1}"#);
    assert!(
        v.violations
            .iter()
            .any(|v| v.code == "json.unknown_parameter")
    );
}
