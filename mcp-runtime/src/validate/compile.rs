//! Compiling a JSON Schema document into [`CompiledSchema`], refusing what cannot be enforced.

use std::collections::HashMap;

use regex::Regex;
use serde_json::{Map, Number, Value};

use super::{Checks, CompiledSchema, JsonType, Node, Reference};

/// Keywords that only annotate: they assert nothing, so they are accepted and ignored.
/// (`format` is an annotation in 2020-12 unless a vocabulary says otherwise.)
const ANNOTATIONS: &[&str] = &[
    "$schema",
    "$id",
    "$anchor",
    "$comment",
    "$defs",
    "definitions",
    "title",
    "description",
    "default",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
    "format",
    "contentEncoding",
    "contentMediaType",
    "contentSchema",
    "then",
    "else",
];

/// Standard assertion keywords this validator does not implement. A schema using one is refused,
/// because advertising it would promise a check that never runs.
const UNSUPPORTED: &[&str] = &[
    "unevaluatedProperties",
    "unevaluatedItems",
    "dependentSchemas",
    "dependencies",
    "additionalItems",
    "$dynamicRef",
    "$dynamicAnchor",
    "$recursiveRef",
    "$recursiveAnchor",
];

/// Compiles `schema` (a 2020-12 document whose `$ref`s point into its own `$defs`/`definitions`).
///
/// Fails with every problem found: an unsupported keyword, a pattern that is not a valid regular
/// expression, a `$ref` that leads nowhere, a keyword whose value has the wrong shape.
pub fn compile(schema: &Value) -> Result<CompiledSchema, Vec<String>> {
    let mut compiler = Compiler {
        problems: Vec::new(),
        def_index: HashMap::new(),
    };
    let mut defs_source = Vec::new();
    if let Value::Object(root) = schema {
        for container in ["$defs", "definitions"] {
            if let Some(Value::Object(defs)) = root.get(container) {
                for (name, def) in defs {
                    compiler.def_index.insert(
                        format!("#/{container}/{}", escape_pointer(name)),
                        defs_source.len(),
                    );
                    defs_source.push((format!("/{container}/{name}"), def));
                }
            }
        }
    }
    let root = compiler.node(schema, "");
    let defs = defs_source
        .into_iter()
        .map(|(at, def)| compiler.node(def, &at))
        .collect();
    if compiler.problems.is_empty() {
        Ok(CompiledSchema { root, defs })
    } else {
        Err(compiler.problems)
    }
}

struct Compiler {
    problems: Vec<String>,
    def_index: HashMap<String, usize>,
}

impl Compiler {
    fn node(&mut self, schema: &Value, at: &str) -> Node {
        match schema {
            Value::Bool(true) => Node::Always,
            Value::Bool(false) => Node::Never,
            Value::Object(object) => Node::Checks(Box::new(self.checks(object, at))),
            _ => {
                self.problem(at, "a schema must be an object or a boolean");
                Node::Always
            }
        }
    }

    fn checks(&mut self, object: &Map<String, Value>, at: &str) -> Checks {
        let mut checks = Checks::default();
        for (keyword, value) in object {
            let here = format!("{at}/{keyword}");
            match keyword.as_str() {
                "type" => checks.types = self.types(value, &here),
                "enum" => match value {
                    Value::Array(values) => checks.allowed = Some(values.clone()),
                    _ => self.problem(&here, "must be an array"),
                },
                "const" => checks.constant = Some(value.clone()),
                "minimum" => checks.minimum = self.number(value, &here),
                "maximum" => checks.maximum = self.number(value, &here),
                "exclusiveMinimum" => checks.exclusive_minimum = self.number(value, &here),
                "exclusiveMaximum" => checks.exclusive_maximum = self.number(value, &here),
                "multipleOf" => checks.multiple_of = self.number(value, &here),
                "minLength" => checks.min_length = self.count(value, &here),
                "maxLength" => checks.max_length = self.count(value, &here),
                "pattern" => checks.pattern = self.pattern(value, &here),
                "items" => checks.items = Some(self.node(value, &here)),
                "prefixItems" => checks.prefix_items = self.nodes(value, &here),
                "contains" => checks.contains = Some(self.node(value, &here)),
                "minContains" => checks.min_contains = self.count(value, &here),
                "maxContains" => checks.max_contains = self.count(value, &here),
                "minItems" => checks.min_items = self.count(value, &here),
                "maxItems" => checks.max_items = self.count(value, &here),
                "uniqueItems" => checks.unique_items = value.as_bool().unwrap_or(false),
                "properties" => checks.properties = self.named_nodes(value, &here),
                "patternProperties" => {
                    for (pattern, schema) in self.named_nodes(value, &here) {
                        if let Some(regex) = self.pattern(&Value::String(pattern), &here) {
                            checks.pattern_properties.push((regex, schema));
                        }
                    }
                }
                "additionalProperties" => {
                    checks.additional_properties = Some(self.node(value, &here))
                }
                "propertyNames" => checks.property_names = Some(self.node(value, &here)),
                "required" => checks.required = self.strings(value, &here),
                "dependentRequired" => {
                    if let Value::Object(map) = value {
                        checks.dependent_required = map
                            .iter()
                            .map(|(k, v)| (k.clone(), self.strings(v, &here)))
                            .collect();
                    }
                }
                "minProperties" => checks.min_properties = self.count(value, &here),
                "maxProperties" => checks.max_properties = self.count(value, &here),
                "allOf" => checks.all_of = self.nodes(value, &here),
                "anyOf" => checks.any_of = self.nodes(value, &here),
                "oneOf" => checks.one_of = self.nodes(value, &here),
                "not" => checks.not = Some(self.node(value, &here)),
                "if" => {
                    let then = object
                        .get("then")
                        .map(|then| self.node(then, &format!("{at}/then")));
                    let otherwise = object
                        .get("else")
                        .map(|otherwise| self.node(otherwise, &format!("{at}/else")));
                    checks.if_then_else = Some((self.node(value, &here), then, otherwise));
                }
                "$ref" => checks.reference = self.reference(value, &here),
                known if ANNOTATIONS.contains(&known) => {}
                unsupported if UNSUPPORTED.contains(&unsupported) => self.problem(
                    &here,
                    "this keyword is not enforced by mcp-runtime, so a schema may not use it",
                ),
                // Unknown keywords are annotations in 2020-12 (§6.5): they assert nothing.
                _ => {}
            }
        }
        checks
    }

    fn types(&mut self, value: &Value, at: &str) -> Option<Vec<JsonType>> {
        let names: Vec<&Value> = match value {
            Value::Array(names) => names.iter().collect(),
            single => vec![single],
        };
        let mut types = Vec::new();
        for name in names {
            match name.as_str() {
                Some("null") => types.push(JsonType::Null),
                Some("boolean") => types.push(JsonType::Boolean),
                Some("object") => types.push(JsonType::Object),
                Some("array") => types.push(JsonType::Array),
                Some("number") => types.push(JsonType::Number),
                Some("integer") => types.push(JsonType::Integer),
                Some("string") => types.push(JsonType::String),
                _ => self.problem(at, "must name JSON types"),
            }
        }
        Some(types)
    }

    fn number(&mut self, value: &Value, at: &str) -> Option<Number> {
        match value {
            Value::Number(number) => Some(number.clone()),
            _ => {
                self.problem(at, "must be a number");
                None
            }
        }
    }

    fn count(&mut self, value: &Value, at: &str) -> Option<u64> {
        match value.as_u64() {
            Some(count) => Some(count),
            None => {
                self.problem(at, "must be a non-negative integer");
                None
            }
        }
    }

    fn strings(&mut self, value: &Value, at: &str) -> Vec<String> {
        match value.as_array().and_then(|items| {
            items
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect()
        }) {
            Some(strings) => strings,
            None => {
                self.problem(at, "must be an array of strings");
                Vec::new()
            }
        }
    }

    fn nodes(&mut self, value: &Value, at: &str) -> Vec<Node> {
        match value {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| self.node(item, &format!("{at}/{i}")))
                .collect(),
            _ => {
                self.problem(at, "must be an array of schemas");
                Vec::new()
            }
        }
    }

    fn named_nodes(&mut self, value: &Value, at: &str) -> Vec<(String, Node)> {
        match value {
            Value::Object(map) => map
                .iter()
                .map(|(name, schema)| (name.clone(), self.node(schema, &format!("{at}/{name}"))))
                .collect(),
            _ => {
                self.problem(at, "must be an object of schemas");
                Vec::new()
            }
        }
    }

    fn pattern(&mut self, value: &Value, at: &str) -> Option<Regex> {
        let Some(source) = value.as_str() else {
            self.problem(at, "must be a string");
            return None;
        };
        match Regex::new(&ecma_classes(source)) {
            Ok(regex) => Some(regex),
            Err(error) => {
                self.problem(
                    at,
                    &format!("`{source}` is not a supported regular expression: {error}"),
                );
                None
            }
        }
    }

    fn reference(&mut self, value: &Value, at: &str) -> Option<Reference> {
        match value.as_str() {
            Some("#") => Some(Reference::Root),
            Some(target) => match self.def_index.get(target) {
                Some(&index) => Some(Reference::Def(index)),
                None => {
                    self.problem(
                        at,
                        &format!("`{target}` does not point into this schema's `$defs`"),
                    );
                    None
                }
            },
            None => {
                self.problem(at, "must be a string");
                None
            }
        }
    }

    fn problem(&mut self, at: &str, message: &str) {
        let at = if at.is_empty() { "/" } else { at };
        self.problems.push(format!("{at}: {message}"));
    }
}

fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Rewrites the ECMA-262 shorthand classes whose meaning differs in the `regex` crate:
/// in ECMA-262 (the dialect JSON Schema names) `\d` and `\w` are ASCII-only.
fn ecma_classes(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut chars = source.chars();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('d') => out.push_str(if in_class { "0-9" } else { "[0-9]" }),
                Some('D') if !in_class => out.push_str("[^0-9]"),
                Some('w') => out.push_str(if in_class {
                    "0-9A-Za-z_"
                } else {
                    "[0-9A-Za-z_]"
                }),
                Some('W') if !in_class => out.push_str("[^0-9A-Za-z_]"),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            },
            '[' if !in_class => {
                in_class = true;
                out.push(c);
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecma_digit_classes_are_ascii() {
        assert_eq!(ecma_classes(r"^T-\d+$"), "^T-[0-9]+$");
        assert_eq!(ecma_classes(r"[\d_]"), "[0-9_]");
        assert_eq!(ecma_classes(r"\."), r"\.");
    }
}
