//! Resource tags, as the vendors bound them: at most 50, keys of 1 to 127 characters, values
//! of at most 255, no key twice.

use crate::policy::{ParamCode, Violation};

/// Tags on one resource: at most this many.
pub const MAX_TAGS: usize = 50;
/// A tag key: at most this many characters.
pub const MAX_TAG_KEY_CHARS: usize = 127;
/// A tag value: at most this many characters.
pub const MAX_TAG_VALUE_CHARS: usize = 255;

/// Every rule a list of `(key, value)` tags breaks, with the field (`tags[3].key`) it concerns.
pub fn check_tags<'a>(tags: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<Violation> {
    let tags: Vec<(&str, &str)> = tags.into_iter().collect();
    let mut found = Vec::new();
    if tags.len() > MAX_TAGS {
        found.push(Violation::error(
            "tags",
            ParamCode::TagTooMany,
            format!("{} tags given; at most {MAX_TAGS}", tags.len()),
        ));
    }
    for (i, (key, value)) in tags.iter().enumerate() {
        let key_len = key.chars().count();
        if key.trim().is_empty() {
            found.push(Violation::error(
                format!("tags[{i}].key"),
                ParamCode::TagKeyMissing,
                "a tag needs a key",
            ));
        } else if key_len > MAX_TAG_KEY_CHARS {
            found.push(Violation::error(
                format!("tags[{i}].key"),
                ParamCode::TagKeyTooLong,
                format!("the tag key is {key_len} characters; at most {MAX_TAG_KEY_CHARS}"),
            ));
        }
        let value_len = value.chars().count();
        if value_len > MAX_TAG_VALUE_CHARS {
            found.push(Violation::error(
                format!("tags[{i}].value"),
                ParamCode::TagValueTooLong,
                format!("the tag value is {value_len} characters; at most {MAX_TAG_VALUE_CHARS}"),
            ));
        }
        if tags[..i].iter().any(|(k, _)| k == key) {
            found.push(Violation::error(
                format!("tags[{i}].key"),
                ParamCode::TagDuplicateKey,
                format!("the tag key {key:?} is given twice"),
            ));
        }
    }
    found
}
