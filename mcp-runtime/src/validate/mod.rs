//! Argument validation: the advertised input schema, compiled once, enforced before any handler runs.
//!
//! The validator implements the JSON Schema 2020-12 assertions that schema generators emit
//! (see [`compile`] for the list). Compiling a schema that uses an assertion keyword this module
//! does not implement fails: a tool never advertises a constraint it would not enforce.

mod compile;
mod ecma_regex;
mod messages;
mod numbers;
mod report;

use std::cmp::Ordering;

use regex::Regex;
use serde_json::{Number, Value};

use numbers::{has_duplicates, is_integer, is_multiple_of, json_equal};
use report::{Findings, with_segment};

pub use compile::compile;
pub use messages::MAX_QUOTED_BYTES;
pub(crate) use messages::clipped;
pub(crate) use numbers::compare_numbers;
pub use report::MAX_LISTED_VIOLATIONS;
pub(crate) use report::Violations;
pub(crate) use report::push_pointer_segment;

/// A schema compiled for validation.
#[derive(Debug)]
pub struct CompiledSchema {
    root: Node,
    defs: Vec<Node>,
}

#[derive(Debug)]
enum Node {
    Always,
    Never,
    Checks(Box<Checks>),
}

#[derive(Debug, Default)]
struct Checks {
    types: Option<Vec<JsonType>>,
    allowed: Option<Vec<Value>>,
    constant: Option<Value>,
    minimum: Option<Number>,
    maximum: Option<Number>,
    exclusive_minimum: Option<Number>,
    exclusive_maximum: Option<Number>,
    multiple_of: Option<Number>,
    min_length: Option<u64>,
    max_length: Option<u64>,
    /// The compiled translation, and the pattern as the schema wrote it (for messages).
    pattern: Option<(Regex, String)>,
    items: Option<Node>,
    prefix_items: Vec<Node>,
    contains: Option<Node>,
    min_contains: Option<u64>,
    max_contains: Option<u64>,
    min_items: Option<u64>,
    max_items: Option<u64>,
    unique_items: bool,
    properties: Vec<(String, Node)>,
    pattern_properties: Vec<(Regex, Node)>,
    additional_properties: Option<Node>,
    property_names: Option<Node>,
    required: Vec<String>,
    dependent_required: Vec<(String, Vec<String>)>,
    dependent_schemas: Vec<(String, Node)>,
    min_properties: Option<u64>,
    max_properties: Option<u64>,
    all_of: Vec<Node>,
    any_of: Vec<Node>,
    one_of: Vec<Node>,
    not: Option<Node>,
    if_then_else: Option<(Node, Option<Node>, Option<Node>)>,
    reference: Option<Reference>,
}

#[derive(Clone, Copy, Debug)]
enum Reference {
    Root,
    Def(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum JsonType {
    Null,
    Boolean,
    Object,
    Array,
    Number,
    Integer,
    String,
}

impl JsonType {
    fn name(self) -> &'static str {
        match self {
            JsonType::Null => "null",
            JsonType::Boolean => "boolean",
            JsonType::Object => "object",
            JsonType::Array => "array",
            JsonType::Number => "number",
            JsonType::Integer => "integer",
            JsonType::String => "string",
        }
    }

    fn of(value: &Value) -> JsonType {
        match value {
            Value::Null => JsonType::Null,
            Value::Bool(_) => JsonType::Boolean,
            Value::Object(_) => JsonType::Object,
            Value::Array(_) => JsonType::Array,
            Value::String(_) => JsonType::String,
            Value::Number(n) if is_integer(n) => JsonType::Integer,
            Value::Number(_) => JsonType::Number,
        }
    }

    fn admits(self, value: &Value) -> bool {
        let actual = JsonType::of(value);
        actual == self || (self == JsonType::Number && actual == JsonType::Integer)
    }
}

impl CompiledSchema {
    /// The violations of the schema by `instance`: the first [`MAX_LISTED_VIOLATIONS`] found,
    /// ordered by path, and the exact count of the others.
    ///
    /// The whole instance is walked, but past the cap nothing is built, so the work stays
    /// proportional to the instance.
    pub fn violations(&self, instance: &Value) -> Violations {
        let mut out = Findings::report();
        let mut path = String::new();
        self.check(&self.root, instance, &mut path, &mut out);
        let mut violations = out.into_violations();
        violations.sort_by_path();
        violations
    }

    /// Whether `instance` satisfies the schema (the walk stops at the first violation).
    pub fn is_valid(&self, instance: &Value) -> bool {
        let mut path = String::new();
        self.matches(&self.root, instance, &mut path)
    }

    fn matches(&self, node: &Node, instance: &Value, path: &mut String) -> bool {
        let mut probe = Findings::probe();
        self.check(node, instance, path, &mut probe);
        probe.is_empty()
    }

    fn check(&self, node: &Node, instance: &Value, path: &mut String, out: &mut Findings) {
        if out.settled() {
            return;
        }
        let checks = match node {
            Node::Always => return,
            Node::Never => return out.record(path, "false", || "is not allowed here".into()),
            Node::Checks(checks) => checks,
        };
        if let Some(reference) = checks.reference {
            let target = match reference {
                Reference::Root => &self.root,
                Reference::Def(index) => &self.defs[index],
            };
            self.check(target, instance, path, out);
        }
        if let Some(types) = &checks.types
            && !types.iter().any(|t| t.admits(instance))
        {
            // A wrong type makes every other keyword's message noise: report it alone.
            return out.record(path, "type", || {
                messages::wrong_type(types, JsonType::of(instance))
            });
        }
        if let Some(allowed) = &checks.allowed
            && !allowed
                .iter()
                .any(|candidate| json_equal(candidate, instance))
        {
            out.record(path, "enum", || messages::one_of_values(allowed));
        }
        if let Some(constant) = &checks.constant
            && !json_equal(constant, instance)
        {
            out.record(path, "const", || {
                format!("must be exactly {}", messages::short_json(constant))
            });
        }
        match instance {
            Value::Number(number) => self.check_number(checks, number, path, out),
            Value::String(string) => check_string(checks, string, path, out),
            Value::Array(items) => self.check_array(checks, items, path, out),
            Value::Object(object) => {
                self.check_object(checks, object, path, out);
                for (name, schema) in &checks.dependent_schemas {
                    if object.contains_key(name) {
                        self.check(schema, instance, path, out);
                    }
                }
            }
            Value::Null | Value::Bool(_) => {}
        }
        self.check_combinators(checks, instance, path, out);
    }

    fn check_number(&self, checks: &Checks, number: &Number, path: &str, out: &mut Findings) {
        let bounds = [
            (&checks.minimum, "minimum", Ordering::Less, false),
            (&checks.maximum, "maximum", Ordering::Greater, false),
            (
                &checks.exclusive_minimum,
                "exclusiveMinimum",
                Ordering::Less,
                true,
            ),
            (
                &checks.exclusive_maximum,
                "exclusiveMaximum",
                Ordering::Greater,
                true,
            ),
        ];
        for (bound, keyword, outside, exclusive) in bounds {
            if let Some(bound) = bound {
                let order = compare_numbers(number, bound);
                if order == outside || (exclusive && order == Ordering::Equal) {
                    out.record(path, keyword, || messages::bound(keyword, bound));
                }
            }
        }
        if let Some(divisor) = &checks.multiple_of
            && !is_multiple_of(number, divisor)
        {
            out.record(path, "multipleOf", || {
                format!("must be a multiple of {divisor}")
            });
        }
    }

    fn check_array(&self, checks: &Checks, items: &[Value], path: &mut String, out: &mut Findings) {
        let count = items.len() as u64;
        if let Some(min) = checks.min_items.filter(|&min| count < min) {
            out.record(path, "minItems", || {
                format!("must have at least {min} item{}", plural(min))
            });
        }
        if let Some(max) = checks.max_items.filter(|&max| count > max) {
            out.record(path, "maxItems", || {
                format!("must have at most {max} item{}", plural(max))
            });
        }
        if checks.unique_items && has_duplicates(items) {
            out.record(path, "uniqueItems", || {
                "must not contain duplicate items".into()
            });
        }
        for (index, item) in items.iter().enumerate() {
            if out.settled() {
                break;
            }
            let schema = checks.prefix_items.get(index).or(checks.items.as_ref());
            if let Some(schema) = schema {
                with_segment(path, &index.to_string(), |path| {
                    self.check(schema, item, path, out)
                });
            }
        }
        if let Some(contains) = &checks.contains {
            let matching = items
                .iter()
                .enumerate()
                .filter(|(index, item)| {
                    with_segment(path, &index.to_string(), |path| {
                        self.matches(contains, item, path)
                    })
                })
                .count() as u64;
            let min = checks.min_contains.unwrap_or(1);
            if matching < min {
                out.record(path, "contains", || {
                    format!("must contain at least {min} matching item{}", plural(min))
                });
            }
            if let Some(max) = checks.max_contains.filter(|&max| matching > max) {
                out.record(path, "maxContains", || {
                    format!("must contain at most {max} matching item{}", plural(max))
                });
            }
        }
    }

    fn check_object(
        &self,
        checks: &Checks,
        object: &serde_json::Map<String, Value>,
        path: &mut String,
        out: &mut Findings,
    ) {
        for name in &checks.required {
            if !object.contains_key(name) {
                with_segment(path, name, |path| {
                    out.record(path, "required", || "is required".into())
                });
            }
        }
        for (name, needed) in &checks.dependent_required {
            if object.contains_key(name) {
                for missing in needed.iter().filter(|n| !object.contains_key(*n)) {
                    with_segment(path, missing, |path| {
                        out.record(path, "dependentRequired", || {
                            format!("is required when `{name}` is present")
                        })
                    });
                }
            }
        }
        let count = object.len() as u64;
        if let Some(min) = checks.min_properties.filter(|&min| count < min) {
            out.record(path, "minProperties", || {
                format!(
                    "must have at least {min} propert{}",
                    if min == 1 { "y" } else { "ies" }
                )
            });
        }
        if let Some(max) = checks.max_properties.filter(|&max| count > max) {
            out.record(path, "maxProperties", || {
                format!(
                    "must have at most {max} propert{}",
                    if max == 1 { "y" } else { "ies" }
                )
            });
        }
        for (name, value) in object {
            if out.settled() {
                break;
            }
            with_segment(path, name, |path| {
                let mut matched = false;
                if let Some((_, schema)) = checks.properties.iter().find(|(known, _)| known == name)
                {
                    matched = true;
                    self.check(schema, value, path, out);
                }
                for (pattern, schema) in &checks.pattern_properties {
                    if pattern.is_match(name) {
                        matched = true;
                        self.check(schema, value, path, out);
                    }
                }
                if let Some(property_names) = &checks.property_names
                    && !self.matches(property_names, &Value::String(name.clone()), path)
                {
                    out.record(path, "propertyNames", || {
                        "is not an allowed property name".into()
                    });
                }
                match (&checks.additional_properties, matched) {
                    (Some(Node::Never), false) => out.record(path, "additionalProperties", || {
                        messages::unknown_property(&checks.properties)
                    }),
                    (Some(schema), false) => self.check(schema, value, path, out),
                    _ => {}
                }
            });
        }
    }

    fn check_combinators(
        &self,
        checks: &Checks,
        instance: &Value,
        path: &mut String,
        out: &mut Findings,
    ) {
        for schema in &checks.all_of {
            self.check(schema, instance, path, out);
        }
        if !checks.any_of.is_empty()
            && !checks
                .any_of
                .iter()
                .any(|schema| self.matches(schema, instance, path))
        {
            out.record(path, "anyOf", || {
                messages::alternatives(&checks.any_of)
                    .unwrap_or_else(|| "must match at least one of the allowed forms".into())
            });
        }
        if !checks.one_of.is_empty() {
            let matching = checks
                .one_of
                .iter()
                .filter(|schema| self.matches(schema, instance, path))
                .count();
            if matching == 0 {
                out.record(path, "oneOf", || {
                    messages::alternatives(&checks.one_of)
                        .unwrap_or_else(|| "must match one of the allowed forms".into())
                });
            } else if matching > 1 {
                out.record(path, "oneOf", || {
                    "matches more than one of the allowed forms; it must match exactly one".into()
                });
            }
        }
        if let Some(not) = &checks.not
            && self.matches(not, instance, path)
        {
            out.record(path, "not", || "matches a form that is not allowed".into());
        }
        if let Some((condition, then, otherwise)) = &checks.if_then_else {
            let branch = if self.matches(condition, instance, path) {
                then
            } else {
                otherwise
            };
            if let Some(branch) = branch {
                self.check(branch, instance, path, out);
            }
        }
    }
}

fn check_string(checks: &Checks, string: &str, path: &str, out: &mut Findings) {
    if checks.min_length.is_some() || checks.max_length.is_some() {
        // JSON Schema counts characters as Unicode code points.
        let length = string.chars().count() as u64;
        if let Some(min) = checks.min_length.filter(|&min| length < min) {
            out.record(path, "minLength", || {
                format!("must be at least {min} character{} long", plural(min))
            });
        }
        if let Some(max) = checks.max_length.filter(|&max| length > max) {
            out.record(path, "maxLength", || {
                format!("must be at most {max} character{} long", plural(max))
            });
        }
    }
    if let Some((pattern, source)) = &checks.pattern
        && !pattern.is_match(string)
    {
        out.record(path, "pattern", || {
            format!("must match the pattern `{source}`")
        });
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests;
