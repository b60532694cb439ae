//! Narrowing validated JSON arguments into the handler's Rust types.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::{ToolFuture, ToolOutcome};
use crate::validate::{Violations, push_pointer_segment};

/// The arguments of one call, already checked against the tool's schema, being narrowed.
///
/// Every failed narrowing is recorded as a violation, so the client hears about all of them at once.
#[derive(Debug, Default)]
pub struct ToolArgs {
    values: Map<String, Value>,
    violations: Violations,
}

impl ToolArgs {
    pub(crate) fn new(values: Map<String, Value>) -> Self {
        ToolArgs {
            values,
            violations: Violations::new(),
        }
    }

    /// Takes the argument `name` as a `T`; an absent argument is read as `null`, which an
    /// `Option<T>` accepts as `None`.
    pub(crate) fn take<T: DeserializeOwned>(&mut self, name: &'static str) -> Option<T> {
        let value = self.values.remove(name).unwrap_or(Value::Null);
        self.narrow(value, &pointer_segment(name))
    }

    /// Takes the argument `name`, or `default()` when the client left it out.
    pub(crate) fn take_or<T: DeserializeOwned>(
        &mut self,
        name: &'static str,
        default: impl FnOnce() -> T,
    ) -> Option<T> {
        match self.values.remove(name) {
            Some(value) => self.narrow(value, &pointer_segment(name)),
            None => Some(default()),
        }
    }

    /// Takes the whole arguments object as one `T` (`#[arg(flatten)]`).
    pub(crate) fn take_all<T: DeserializeOwned>(&mut self) -> Option<T> {
        let values = std::mem::take(&mut self.values);
        self.narrow(Value::Object(values), "")
    }

    /// The outcome for arguments that failed narrowing. Call only after a `take*` returned `None`.
    #[doc(hidden)]
    pub fn into_invalid<'a>(self) -> ToolFuture<'a> {
        Box::pin(std::future::ready(ToolOutcome::InvalidArguments(
            self.violations,
        )))
    }

    fn narrow<T: DeserializeOwned>(&mut self, mut value: Value, base: &str) -> Option<T> {
        integral_floats_as_integers(&mut value);
        match serde_path_to_error::deserialize::<_, T>(value) {
            Ok(narrowed) => Some(narrowed),
            Err(error) => {
                let path = format!("{base}{}", pointer_of(error.path()));
                // serde's own message repeats the value received; name the type instead.
                self.violations.record(&path, "format", || {
                    format!(
                        "cannot be represented as `{}`",
                        short_type_name(std::any::type_name::<T>())
                    )
                });
                None
            }
        }
    }
}

/// JSON Schema counts `2.0` as an integer, and the schema let it through, so narrowing must
/// accept it too; serde would refuse it for an `i64`. (Clients in languages without a separate
/// integer type send such numbers.)
fn integral_floats_as_integers(value: &mut Value) {
    match value {
        Value::Number(number) if number.is_f64() => {
            let float = number.as_f64().unwrap_or(f64::NAN);
            // Exactly representable range only: beyond 2^53 a float no longer names one integer.
            if float.fract() == 0.0 && float.abs() <= 9_007_199_254_740_992.0 {
                *value = Value::from(float as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_floats_as_integers),
        Value::Object(map) => map.values_mut().for_each(integral_floats_as_integers),
        _ => {}
    }
}

fn pointer_segment(name: &str) -> String {
    let mut pointer = String::new();
    push_pointer_segment(&mut pointer, name);
    pointer
}

fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
            Segment::Map { key } => push_pointer_segment(&mut pointer, key),
            Segment::Enum { variant } => push_pointer_segment(&mut pointer, variant),
            Segment::Unknown => {}
        }
    }
    pointer
}

/// `core::option::Option<my_crate::Status>` → `Option<Status>`.
pub(crate) fn short_type_name(full: &str) -> String {
    let mut out = String::with_capacity(full.len());
    let mut word = String::new();
    for c in full.chars() {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            word.push(c);
        } else {
            out.push_str(word.rsplit("::").next().unwrap_or(&word));
            word.clear();
            out.push(c);
        }
    }
    out.push_str(word.rsplit("::").next().unwrap_or(&word));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(value: Value) -> ToolArgs {
        ToolArgs::new(value.as_object().unwrap().clone())
    }

    #[test]
    fn integers_beyond_i64_are_violations() {
        let mut a = args(json!({"a": 9223372036854775808u64, "b": 2}));
        assert_eq!(a.take::<i64>("a"), None);
        assert_eq!(a.take::<i64>("b"), Some(2));
        assert_eq!(a.violations.len(), 1);
        assert_eq!(a.violations[0].path, "/a");
        assert_eq!(a.violations[0].keyword, "format");
        assert_eq!(a.violations[0].message, "cannot be represented as `i64`");
    }

    #[test]
    fn integral_floats_narrow_into_integers() {
        let mut a = args(json!({"a": 2.0, "b": [3.0, 1.5], "c": 1e300}));
        assert_eq!(a.take::<i64>("a"), Some(2));
        assert_eq!(a.take::<Vec<f64>>("b"), Some(vec![3.0, 1.5]));
        assert_eq!(a.take::<i64>("c"), None);
        assert_eq!(a.violations.len(), 1);
    }

    #[test]
    fn absent_values_are_none_or_the_default() {
        let mut a = args(json!({}));
        assert_eq!(a.take::<Option<String>>("s"), Some(None));
        assert_eq!(a.take_or::<u32>("limit", || 10), Some(10));
        assert!(a.violations.is_empty());
    }

    #[test]
    fn nested_paths_are_pointers() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Filter {
            tags: Vec<u8>,
        }
        let mut a = args(json!({"filter": {"tags": [1, 300]}}));
        assert!(a.take::<Filter>("filter").is_none());
        assert_eq!(a.violations[0].path, "/filter/tags/1");
    }

    #[test]
    fn paths_through_client_keys_are_clipped() {
        let key = "k".repeat(100_000);
        let mut a = args(json!({"counts": { key: "not a number" }}));
        assert!(
            a.take::<std::collections::HashMap<String, u8>>("counts")
                .is_none()
        );
        let path = &a.violations[0].path;
        assert!(path.starts_with("/counts/kkk"), "{path}");
        assert!(path.ends_with('…'), "{path}");
        assert!(path.len() <= crate::validate::MAX_QUOTED_BYTES + '…'.len_utf8());
    }

    #[test]
    fn type_names_are_shortened() {
        assert_eq!(
            short_type_name("core::option::Option<my_crate::Status>"),
            "Option<Status>"
        );
        assert_eq!(short_type_name("u32"), "u32");
    }
}
