//! Narrowing string-valued arguments — prompt arguments and URI template variables — into the
//! handler's typed parameters.
//!
//! The protocol sends these as strings. A parameter of type `String` takes the string as it is;
//! any other type is read from the string's JSON meaning (`"42"` → `42u64`, `"true"` → `true`,
//! `"open"` → an enum variant named `open`). As for tools, types are never recognised by name:
//! a parameter is optional when its type deserialises from an absent value (`Option<T>` does).

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::validate::{Violations, push_pointer_segment};

/// The string arguments of one request, being narrowed. Every failure is recorded, so the
/// client hears about all of them at once.
#[derive(Debug, Default)]
pub struct TextArgs {
    values: HashMap<String, String>,
    violations: Violations,
}

impl TextArgs {
    pub(crate) fn new(values: HashMap<String, String>) -> Self {
        TextArgs {
            values,
            violations: Violations::new(),
        }
    }

    /// Takes the argument `name` as a `T`. Absent: `T` built from `null` (`None` for an
    /// `Option`), or a `required` violation.
    pub fn take<T: DeserializeOwned>(&mut self, name: &'static str) -> Option<T> {
        let Some(text) = self.values.remove(name) else {
            return match serde_json::from_value::<T>(Value::Null) {
                Ok(absent) => Some(absent),
                Err(_) => {
                    self.violations.record(&pointer(name), "required", || {
                        format!("the required argument `{name}` is missing")
                    });
                    None
                }
            };
        };
        if let Ok(value) = serde_json::from_value::<T>(Value::String(text.clone())) {
            return Some(value);
        }
        if let Some(value) = serde_json::from_str::<Value>(&text)
            .ok()
            .filter(|value| !value.is_string())
            .and_then(|value| serde_json::from_value::<T>(value).ok())
        {
            return Some(value);
        }
        // serde's own message repeats the value received; name the expected type instead.
        self.violations.record(&pointer(name), "format", || {
            format!(
                "`{name}` cannot be read as `{}`",
                crate::tool::short_type_name(std::any::type_name::<T>())
            )
        });
        None
    }

    /// The violations recorded so far, capped as validation's are. Call only after a `take`
    /// returned `None`.
    pub fn into_violations(self) -> Violations {
        self.violations
    }
}

fn pointer(name: &str) -> String {
    let mut pointer = String::new();
    push_pointer_segment(&mut pointer, name);
    pointer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(pairs: &[(&str, &str)]) -> TextArgs {
        TextArgs::new(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn strings_stay_strings_and_other_types_read_the_json_meaning() {
        let mut a = args(&[("s", "42"), ("n", "42"), ("b", "true"), ("o", "x")]);
        assert_eq!(a.take::<String>("s").as_deref(), Some("42"));
        assert_eq!(a.take::<u64>("n"), Some(42));
        assert_eq!(a.take::<bool>("b"), Some(true));
        assert_eq!(a.take::<Option<String>>("o"), Some(Some("x".into())));
        assert_eq!(a.take::<Option<u8>>("absent"), Some(None));
        assert!(a.violations.is_empty());
    }

    #[test]
    fn every_failure_is_a_violation_without_the_value() {
        let mut a = args(&[("id", "secret-text"), ("big", "300")]);
        assert_eq!(a.take::<u64>("id"), None);
        assert_eq!(a.take::<u8>("big"), None);
        assert_eq!(a.take::<String>("missing"), None);
        let violations = a.into_violations();
        assert_eq!(violations.len(), 3);
        assert_eq!(violations[0].path, "/id");
        assert_eq!(violations[0].message, "`id` cannot be read as `u64`");
        assert!(!violations[0].message.contains("secret"));
        assert_eq!(violations[2].keyword, "required");
    }

    #[test]
    fn violations_are_capped_as_validation_caps_them() {
        let mut a = args(&[]);
        for n in 0..60 {
            let name: &'static str = Box::leak(format!("arg{n}").into_boxed_str());
            assert_eq!(a.take::<u8>(name), None);
        }
        let violations = a.into_violations();
        assert_eq!(violations.len(), crate::validate::MAX_LISTED_VIOLATIONS);
        assert_eq!(violations.omitted(), 10);
    }
}
