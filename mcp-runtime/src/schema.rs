//! Input and output schemas of tools, generated once when the server is built.

use schemars::generate::SchemaSettings;
use schemars::{Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

use crate::tool::{Bound, Constraint, InputSpec, ParamSpec};

/// Draft 2020-12, subschemas inlined (models read flat schemas best; recursive types keep `$ref`),
/// and no `$schema`: 2025-11-25 makes 2020-12 the default, and older clients' validators may not
/// know the 2020-12 meta-schema URI.
fn generator() -> SchemaGenerator {
    SchemaSettings::draft2020_12()
        .with(|settings| {
            settings.inline_subschemas = true;
            settings.meta_schema = None;
        })
        .into_generator()
}

/// The `inputSchema` of a tool. With `reject_unknown`, the schema says `additionalProperties: false`,
/// so the rejection of unknown arguments is advertised, not only enforced.
pub(crate) fn input_schema(spec: &InputSpec, reject_unknown: bool) -> Value {
    let mut generator = generator();
    let mut schema = match spec {
        InputSpec::Params(params) => params_schema(&mut generator, params),
        InputSpec::Flatten(schema_fn) => schema_fn(&mut generator).to_value(),
    };
    if let Value::Object(object) = &mut schema {
        if reject_unknown && object.get("type") == Some(&json!("object")) {
            object
                .entry("additionalProperties")
                .or_insert(Value::Bool(false));
        }
        attach_definitions(&mut generator, object);
    }
    drop_nonstandard_formats(&mut schema);
    schema
}

/// The `outputSchema` of a tool, and whether its structured output is wrapped as `{"result": …}`:
/// MCP requires `structuredContent` (and so `outputSchema`) to be an object.
pub(crate) fn output_schema(
    schema_fn: fn(&mut SchemaGenerator) -> Option<Schema>,
) -> Option<(Value, bool)> {
    let mut generator = generator();
    let schema = schema_fn(&mut generator)?.to_value();
    let is_object = schema.get("type") == Some(&json!("object"));
    let mut schema = if is_object {
        schema
    } else {
        json!({"type": "object", "properties": {"result": schema}, "required": ["result"]})
    };
    if let Value::Object(object) = &mut schema {
        attach_definitions(&mut generator, object);
    }
    drop_nonstandard_formats(&mut schema);
    Some((schema, !is_object))
}

fn params_schema(generator: &mut SchemaGenerator, params: &[ParamSpec]) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for param in params {
        let mut schema = (param.schema)(generator).to_value();
        if let Value::Object(object) = &mut schema {
            if let Some(description) = param.description {
                object.insert("description".into(), json!(description));
            }
            if let Some(default) = param.default {
                object.insert("default".into(), default());
            }
            for constraint in &param.constraints {
                apply_constraint(object, constraint);
            }
        }
        if param.default.is_none() && !(param.optional)() {
            required.push(json!(param.name));
        }
        properties.insert(param.name.into(), schema);
    }
    let mut object = Map::new();
    object.insert("type".into(), json!("object"));
    object.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        object.insert("required".into(), Value::Array(required));
    }
    Value::Object(object)
}

fn apply_constraint(object: &mut Map<String, Value>, constraint: &Constraint) {
    let bound = |bound: &Bound| match *bound {
        Bound::Int(n) => json!(n),
        Bound::Float(f) => json!(f),
    };
    match constraint {
        Constraint::Range { min, max } => {
            if let Some(min) = min {
                object.insert("minimum".into(), bound(min));
            }
            if let Some(max) = max {
                object.insert("maximum".into(), bound(max));
            }
        }
        Constraint::Length {
            min,
            max,
            keywords: (min_keyword, max_keyword),
        } => {
            if let Some(min) = min {
                object.insert((*min_keyword).into(), json!(min));
            }
            if let Some(max) = max {
                object.insert((*max_keyword).into(), json!(max));
            }
        }
        Constraint::Pattern(pattern) => {
            object.insert("pattern".into(), json!(pattern));
        }
    }
}

/// The formats JSON Schema 2020-12 defines (§7.3). schemars also writes `int64`, `uint32`,
/// `double`…, which strict validators on the client side (Ajv by default) refuse to compile; they
/// are annotations nobody enforces, and integer ranges are enforced by `minimum`/`maximum` or by
/// narrowing, so they are dropped.
const STANDARD_FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "duration",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uuid",
    "uri-template",
    "json-pointer",
    "relative-json-pointer",
    "regex",
];

fn drop_nonstandard_formats(schema: &mut Value) {
    match schema {
        Value::Object(object) => {
            if object
                .get("format")
                .and_then(Value::as_str)
                .is_some_and(|format| !STANDARD_FORMATS.contains(&format))
            {
                object.remove("format");
            }
            for (key, value) in object.iter_mut() {
                // Inside `const`, `enum`, `default` and `examples` a "format" key is data, not a keyword.
                if !matches!(key.as_str(), "const" | "enum" | "default" | "examples") {
                    drop_nonstandard_formats(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nonstandard_formats),
        _ => {}
    }
}

fn attach_definitions(generator: &mut SchemaGenerator, object: &mut Map<String, Value>) {
    let definitions = generator.take_definitions(true);
    if !definitions.is_empty() {
        object.insert("$defs".into(), Value::Object(definitions));
    }
}
