//! Compiling a JSON Schema document into [`CompiledSchema`], refusing what cannot be enforced.

use std::collections::HashMap;

use regex::Regex;
use serde_json::{Map, Number, Value};

use super::ecma_regex::ecma_to_rust;
use super::{Checks, CompiledSchema, JsonType, Node, Reference, push_pointer_segment};

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
    "dependencies",
    "additionalItems",
    "$dynamicRef",
    "$dynamicAnchor",
    "$recursiveRef",
    "$recursiveAnchor",
];

/// The meta-schema URIs of the dialect this validator implements.
const DIALECT: &[&str] = &[
    "https://json-schema.org/draft/2020-12/schema",
    "https://json-schema.org/draft/2020-12/schema#",
];

/// Compiles `schema` (a 2020-12 document whose `$ref`s point into its own `$defs`/`definitions`).
///
/// Fails with every problem found: an unsupported keyword, a pattern that is not a valid regular
/// expression, a `$ref` that leads nowhere, a keyword whose value has the wrong shape, a `$schema`
/// naming another dialect, `$ref`s that loop without descending into the instance.
pub fn compile(schema: &Value) -> Result<CompiledSchema, Vec<String>> {
    let mut compiler = Compiler {
        problems: Vec::new(),
        def_index: HashMap::new(),
        embedded: false,
    };
    let mut defs_source = Vec::new();
    if let Value::Object(root) = schema {
        for container in ["$defs", "definitions"] {
            if let Some(Value::Object(defs)) = root.get(container) {
                for (name, def) in defs {
                    compiler.def_index.insert(
                        {
                            let mut pointer = format!("#/{container}");
                            push_pointer_segment(&mut pointer, name);
                            pointer
                        },
                        defs_source.len(),
                    );
                    defs_source.push((format!("/{container}/{name}"), def));
                }
            }
        }
    }
    let root = compiler.node(schema, "");
    let mut locations = vec![String::from("/")];
    let defs = defs_source
        .into_iter()
        .map(|(at, def)| {
            let node = compiler.node(def, &at);
            locations.push(at);
            node
        })
        .collect();
    let compiled = CompiledSchema { root, defs };
    if let Some(entry) = endless_reference_cycle(&compiled) {
        compiler.problems.push(format!(
            "{}: its `$ref`s lead back to it without descending into the instance, so \
             validation would never end",
            locations[entry]
        ));
    }
    if compiler.problems.is_empty() {
        Ok(compiled)
    } else {
        Err(compiler.problems)
    }
}

struct Compiler {
    problems: Vec<String>,
    def_index: HashMap<String, usize>,
    /// Inside a subschema with its own `$id` (an embedded resource), where `$ref`s resolve
    /// against another base URI, so that neither `#` nor `#/$defs/…` means the document's.
    embedded: bool,
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
        let outer = self.embedded;
        if !at.is_empty() && object.contains_key("$id") {
            self.embedded = true;
        }
        let checks = self.keywords(object, at);
        self.embedded = outer;
        checks
    }

    fn keywords(&mut self, object: &Map<String, Value>, at: &str) -> Checks {
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
                // A `$schema` naming this dialect is an annotation (listed in ANNOTATIONS).
                "$schema" if !value.as_str().is_some_and(|uri| DIALECT.contains(&uri)) => self
                    .problem(
                        &here,
                        "only the 2020-12 dialect (`https://json-schema.org/draft/2020-12/schema`) \
                         is supported: another dialect or vocabulary set would be judged by rules \
                         it does not follow",
                    ),
                "minimum" => checks.minimum = self.number(value, &here),
                "maximum" => checks.maximum = self.number(value, &here),
                "exclusiveMinimum" => checks.exclusive_minimum = self.number(value, &here),
                "exclusiveMaximum" => checks.exclusive_maximum = self.number(value, &here),
                "multipleOf" => {
                    checks.multiple_of = self.number(value, &here);
                    if checks
                        .multiple_of
                        .as_ref()
                        .and_then(Number::as_f64)
                        .is_some_and(|divisor| divisor <= 0.0)
                    {
                        checks.multiple_of = None;
                        self.problem(&here, "must be greater than 0");
                    }
                }
                "minLength" => checks.min_length = self.count(value, &here),
                "maxLength" => checks.max_length = self.count(value, &here),
                "pattern" => {
                    checks.pattern = self
                        .pattern(value, &here)
                        .zip(value.as_str().map(str::to_owned));
                }
                "items" => checks.items = Some(self.node(value, &here)),
                "prefixItems" => checks.prefix_items = self.nodes(value, &here),
                "contains" => checks.contains = Some(self.node(value, &here)),
                "minContains" => checks.min_contains = self.count(value, &here),
                "maxContains" => checks.max_contains = self.count(value, &here),
                "minItems" => checks.min_items = self.count(value, &here),
                "maxItems" => checks.max_items = self.count(value, &here),
                "uniqueItems" => match value {
                    Value::Bool(unique) => checks.unique_items = *unique,
                    _ => self.problem(&here, "must be a boolean"),
                },
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
                "dependentRequired" => match value {
                    Value::Object(map) => {
                        checks.dependent_required = map
                            .iter()
                            .map(|(k, v)| (k.clone(), self.strings(v, &here)))
                            .collect();
                    }
                    _ => self.problem(&here, "must be an object of arrays of strings"),
                },
                "dependentSchemas" => checks.dependent_schemas = self.named_nodes(value, &here),
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
        // A number with a zero fractional part is an integer in JSON Schema: `2.0` counts as `2`.
        let whole_float = value
            .as_f64()
            .filter(|f| value.is_f64() && *f >= 0.0 && f.fract() == 0.0)
            // Saturates beyond u64::MAX, where no instance reaches the count anyway.
            .map(|f| f as u64);
        match value.as_u64().or(whole_float) {
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
        match ecma_to_rust(source)
            .and_then(|translated| Regex::new(&translated).map_err(|error| error.to_string()))
        {
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
        if self.embedded {
            self.problem(
                at,
                "a `$ref` inside a subschema with its own `$id` is not supported: it resolves \
                 against that `$id`, not against this document",
            );
            return None;
        }
        match value.as_str() {
            Some("#") => Some(Reference::Root),
            Some(target) => match target
                .strip_prefix('#')
                .and_then(percent_decode)
                .and_then(|pointer| self.def_index.get(&format!("#{pointer}")))
            {
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

/// Decodes the `%XX` escapes of a URI fragment; `None` if one is malformed or not UTF-8.
fn percent_decode(fragment: &str) -> Option<String> {
    let bytes = fragment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = fragment.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The entry (0 for the root, `1 + i` for definition `i`) on a cycle of `$ref`s that never
/// descends into the instance, such as `{"$ref": "#"}`: evaluating it would recurse forever.
fn endless_reference_cycle(compiled: &CompiledSchema) -> Option<usize> {
    fn same_instance_refs(node: &Node, out: &mut Vec<usize>) {
        let Node::Checks(checks) = node else { return };
        match checks.reference {
            Some(Reference::Root) => out.push(0),
            Some(Reference::Def(index)) => out.push(index + 1),
            None => {}
        }
        let conditional = checks
            .if_then_else
            .iter()
            .flat_map(|(condition, then, otherwise)| {
                std::iter::once(condition).chain(then).chain(otherwise)
            });
        for schema in checks
            .all_of
            .iter()
            .chain(&checks.any_of)
            .chain(&checks.one_of)
            .chain(&checks.not)
            .chain(checks.dependent_schemas.iter().map(|(_, schema)| schema))
            .chain(conditional)
        {
            same_instance_refs(schema, out);
        }
    }
    let edges: Vec<Vec<usize>> = std::iter::once(&compiled.root)
        .chain(&compiled.defs)
        .map(|node| {
            let mut out = Vec::new();
            same_instance_refs(node, &mut out);
            out
        })
        .collect();
    // Depth-first search; 1 = on the current path, 2 = finished.
    fn visit(entry: usize, edges: &[Vec<usize>], state: &mut [u8]) -> Option<usize> {
        state[entry] = 1;
        for &next in &edges[entry] {
            match state[next] {
                1 => return Some(next),
                0 => {
                    if let Some(found) = visit(next, edges, state) {
                        return Some(found);
                    }
                }
                _ => {}
            }
        }
        state[entry] = 2;
        None
    }
    let mut state = vec![0; edges.len()];
    (0..edges.len()).find_map(|entry| {
        if state[entry] == 0 {
            visit(entry, &edges, &mut state)
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_escapes_in_references_are_decoded() {
        assert_eq!(
            percent_decode("/$defs/a%25b%22").as_deref(),
            Some("/$defs/a%b\"")
        );
        assert_eq!(percent_decode("/a%2"), None);
    }
}
