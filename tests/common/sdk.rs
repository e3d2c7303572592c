//! The vendors' SDK models (committed under `tests/data/sdk/`, made by `scripts/sdk_fields.py`)
//! and a checker of responses against them.

#![allow(dead_code)]

use serde_json::{Map, Value};

/// One SDK's actions and models.
pub struct Models {
    /// The dump.
    pub sdk: Value,
}

impl Models {
    /// Loads a dump from `tests/data/sdk/`.
    pub fn load(file: &str) -> Models {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/sdk")
            .join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        Models {
            sdk: serde_json::from_str(&text).unwrap(),
        }
    }

    /// The SDK has the action.
    pub fn has(&self, action: &str) -> bool {
        self.sdk["actions"][action].is_object()
    }

    /// The model of a vendor's action: Tencent's international SDK, else its China-site SDK
    /// (for the actions the first lacks), or Alibaba's.
    pub fn for_action(tencent: bool, action: &str) -> Models {
        if !tencent {
            return Models::load("alibaba-cas-2020-04-07.json");
        }
        let intl = Models::load("tencent-ssl-2019-12-05.json");
        if intl.has(action) {
            intl
        } else {
            Models::load("tencent-ssl-cn-2019-12-05.json")
        }
    }

    /// An action's response fields.
    pub fn response(&self, action: &str) -> &Map<String, Value> {
        self.sdk["actions"][action]["response"]
            .as_object()
            .unwrap_or_else(|| panic!("the SDK has no action {action}"))
    }

    fn model(&self, name: &str) -> Option<&Map<String, Value>> {
        self.sdk["models"][name].as_object()
    }

    /// Checks `value` against the fields of a model; adds every mismatch to `found` as
    /// `path: problem`.
    pub fn check(
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

    /// Lists every field of `fields` that `value` lacks, in nested models too.
    pub fn complete(
        &self,
        path: &str,
        value: &Value,
        fields: &Map<String, Value>,
        found: &mut Vec<String>,
    ) {
        let Some(object) = value.as_object() else {
            return;
        };
        for (key, typ) in fields {
            let here = format!("{path}.{key}");
            let Some(v) = object.get(key) else {
                found.push(format!("{here}: missing"));
                continue;
            };
            let typ = typ.as_str().unwrap_or("");
            let inner = typ.strip_prefix("list of ").unwrap_or(typ);
            if let Some(model) = self.model(inner) {
                match v {
                    Value::Array(items) => {
                        for (i, item) in items.iter().enumerate() {
                            self.complete(&format!("{here}[{i}]"), item, model, found);
                        }
                    }
                    other => self.complete(&here, other, model, found),
                }
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

/// Asserts a response has every field of the action's response model (`null` where it has
/// no value, as Tencent's API answers), nested models too; `RequestId` is the envelope's.
pub fn assert_complete(models: &Models, action: &str, response: &Value) {
    let mut found = Vec::new();
    models.complete(action, response, models.response(action), &mut found);
    found.retain(|f| f != &format!("{action}.RequestId: missing"));
    assert!(found.is_empty(), "{action}:\n{}", found.join("\n"));
}

/// Asserts a response has the action's response model's shape.
pub fn assert_shape(models: &Models, action: &str, response: &Value) {
    let mut found = Vec::new();
    models.check(action, response, models.response(action), &mut found);
    assert!(found.is_empty(), "{action}:\n{}", found.join("\n"));
}
