//! Violation messages. They quote the schema, never the value received: a message may be shown
//! to a model or a person, and the value may be anything a user typed. Names the client chose
//! (keys in paths, tool and prompt names, URIs) are quoted clipped, so that no error grows with
//! them.

use std::borrow::Cow;

use serde_json::{Number, Value};

use super::{JsonType, Node};

pub(super) fn wrong_type(expected: &[JsonType], actual: JsonType) -> String {
    let article = |t: JsonType| {
        if matches!(t, JsonType::Integer | JsonType::Object | JsonType::Array) {
            "an"
        } else {
            "a"
        }
    };
    let actual = format!("{} {}", article(actual), actual.name());
    match expected {
        [only] => format!("must be {} {}, not {actual}", article(*only), only.name()),
        many => {
            let names: Vec<&str> = many.iter().map(|t| t.name()).collect();
            format!(
                "must be one of the types {}, not {actual}",
                names.join(", ")
            )
        }
    }
}

pub(super) fn bound(keyword: &str, bound: &Number) -> String {
    match keyword {
        "minimum" => format!("must be at least {bound}"),
        "maximum" => format!("must be at most {bound}"),
        "exclusiveMinimum" => format!("must be greater than {bound}"),
        _ => format!("must be less than {bound}"),
    }
}

pub(super) fn one_of_values(allowed: &[Value]) -> String {
    let shown: Vec<String> = allowed.iter().take(20).map(short_json).collect();
    let more = if allowed.len() > shown.len() {
        ", …"
    } else {
        ""
    };
    format!("must be one of: {}{more}", shown.join(", "))
}

pub(super) fn unknown_property(known: &[(String, Node)]) -> String {
    match known.len() {
        0 => "is not an accepted property".into(),
        1..=20 => {
            let names: Vec<&str> = known.iter().map(|(name, _)| name.as_str()).collect();
            format!(
                "is not an accepted property; accepted: {}",
                names.join(", ")
            )
        }
        _ => "is not an accepted property".into(),
    }
}

/// For `anyOf`/`oneOf` whose branches are all constants (how enums with documented variants are
/// generated), the list of allowed values.
pub(super) fn alternatives(branches: &[Node]) -> Option<String> {
    let mut values = Vec::new();
    for branch in branches {
        let Node::Checks(checks) = branch else {
            return None;
        };
        match (&checks.constant, &checks.allowed) {
            (Some(constant), None) => values.push(constant.clone()),
            (None, Some(allowed)) => values.extend(allowed.iter().cloned()),
            _ => return None,
        }
    }
    Some(one_of_values(&values))
}

/// A schema value as compact JSON, cut to a readable length.
pub(super) fn short_json(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= 60 {
        text
    } else {
        format!("{}…", text.chars().take(60).collect::<String>())
    }
}

/// The most bytes of a client-chosen string (a path, a name, a URI) that an error quotes.
pub const MAX_QUOTED_BYTES: usize = 256;

/// `text` as an error may quote it: whole up to [`MAX_QUOTED_BYTES`], otherwise its first
/// bytes up to that length (cut on a character boundary) followed by `…`.
pub(crate) fn clipped(text: &str) -> Cow<'_, str> {
    if text.len() <= MAX_QUOTED_BYTES {
        return Cow::Borrowed(text);
    }
    let mut end = MAX_QUOTED_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}…", &text[..end]))
}
