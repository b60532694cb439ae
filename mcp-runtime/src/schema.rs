//! Input and output schemas of tools, generated once when the server is built.

use std::cmp::Ordering;

use schemars::generate::SchemaSettings;
use schemars::{Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

use crate::tool::{Bound, Constraint, InputSpec, ParamSpec};
use crate::validate::compare_numbers;

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
    bound_integer_formats(&mut schema);
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

/// Writes a constraint into an argument's schema, intersected with the bounds the type's own
/// schema has (schemars writes `minimum: 1` for `NonZeroU8`): the narrower of the two is what is
/// enforced, so it is what is advertised.
fn apply_constraint(object: &mut Map<String, Value>, constraint: &Constraint) {
    let bound = |bound: &Bound| match *bound {
        Bound::Int(n) => json!(n),
        Bound::Float(f) => json!(f),
    };
    match constraint {
        Constraint::Range { min, max } => {
            if let Some(min) = min {
                tighten(object, "minimum", bound(min), Ordering::Greater);
            }
            if let Some(max) = max {
                tighten(object, "maximum", bound(max), Ordering::Less);
            }
        }
        Constraint::Length {
            min,
            max,
            keywords: (min_keyword, max_keyword),
        } => {
            if let Some(min) = min {
                tighten(object, min_keyword, json!(min), Ordering::Greater);
            }
            if let Some(max) = max {
                tighten(object, max_keyword, json!(max), Ordering::Less);
            }
        }
        Constraint::Pattern(pattern) => {
            object.insert("pattern".into(), json!(pattern));
        }
    }
}

/// Sets `keyword` to `bound` unless the schema already has a tighter one: a value that compares
/// to `bound` as `keep` (`Greater` for a lower bound, `Less` for an upper one) stays.
fn tighten(object: &mut Map<String, Value>, keyword: &str, bound: Value, keep: Ordering) {
    if let (Some(Value::Number(existing)), Value::Number(new)) = (object.get(keyword), &bound)
        && compare_numbers(existing, new) == keep
    {
        return;
    }
    object.insert(keyword.into(), bound);
}

/// The values each integer `format` of schemars stands for: those its Rust type holds.
/// Narrowing refuses anything else, so the schema must say so.
fn integer_format_bounds(format: &str) -> Option<(i128, i128)> {
    Some(match format {
        "int8" => (i8::MIN.into(), i8::MAX.into()),
        "int16" => (i16::MIN.into(), i16::MAX.into()),
        "int32" => (i32::MIN.into(), i32::MAX.into()),
        "int64" => (i64::MIN.into(), i64::MAX.into()),
        "int" => (isize::MIN as i128, isize::MAX as i128),
        "uint8" => (0, u8::MAX.into()),
        "uint16" => (0, u16::MAX.into()),
        "uint32" => (0, u32::MAX.into()),
        "uint64" => (0, u64::MAX.into()),
        "uint" => (0, usize::MAX as i128),
        _ => return None,
    })
}

/// Gives every integer subschema with a fixed-width `format` (schemars writes one for each of
/// `u8`…`u64`, `i8`…`i64`, `usize`, `isize`, and `Option`s of them) the `minimum` and `maximum` of
/// its type, intersected with any the schema has: schemars writes both only for the 8- and 16-bit
/// types, and an `#[arg(range)]` or `#[schemars(range)]` bound replaces its own. Without this,
/// `tools/list` would advertise `u32` as unbounded above while 2^32 is refused by narrowing.
/// Runs before the formats are dropped.
fn bound_integer_formats(schema: &mut Value) {
    match schema {
        Value::Object(object) => {
            let integer = match object.get("type") {
                Some(Value::String(name)) => name == "integer",
                Some(Value::Array(names)) => names.iter().any(|name| name == "integer"),
                _ => false,
            };
            let bounds = object
                .get("format")
                .and_then(Value::as_str)
                .and_then(integer_format_bounds);
            if let (true, Some((min, max))) = (integer, bounds) {
                // Every bound fits in an i64 or a u64, so each is an exact JSON integer.
                let number = |n: i128| match i64::try_from(n) {
                    Ok(n) => json!(n),
                    Err(_) => json!(n as u64),
                };
                tighten(object, "minimum", number(min), Ordering::Greater);
                tighten(object, "maximum", number(max), Ordering::Less);
            }
            for (key, value) in object.iter_mut() {
                if !matches!(key.as_str(), "const" | "enum" | "default" | "examples") {
                    bound_integer_formats(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(bound_integer_formats),
        _ => {}
    }
}

/// The formats JSON Schema 2020-12 defines (§7.3). schemars also writes `int64`, `uint32`,
/// `double`…, which strict validators on the client side (Ajv by default) refuse to compile; they
/// are annotations nobody enforces, and the integer ranges they stand for are advertised and
/// enforced as `minimum`/`maximum` (`bound_integer_formats`), so they are dropped.
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

#[cfg(test)]
mod tests {
    use schemars::JsonSchema;
    use serde_json::{Value, json};

    use super::*;

    fn param<T: JsonSchema>(name: &'static str, constraints: Vec<Constraint>) -> ParamSpec {
        ParamSpec {
            name,
            description: None,
            schema: |generator| generator.subschema_for::<T>(),
            optional: || false,
            default: None,
            constraints,
            sensitive: false,
        }
    }

    fn property(schema: &Value, name: &str) -> Value {
        schema["properties"][name].clone()
    }

    #[test]
    fn integer_types_advertise_their_own_bounds() {
        let spec = InputSpec::Params(vec![
            param::<u8>("a", vec![]),
            param::<u32>("b", vec![]),
            param::<i32>("c", vec![]),
            param::<u64>("d", vec![]),
            param::<i64>("e", vec![]),
            param::<Option<u16>>("f", vec![]),
        ]);
        let schema = input_schema(&spec, true);
        let bounds = |name| {
            let property = property(&schema, name);
            assert!(property.get("format").is_none(), "{property}");
            (property["minimum"].clone(), property["maximum"].clone())
        };
        assert_eq!(bounds("a"), (json!(0), json!(255)));
        assert_eq!(bounds("b"), (json!(0), json!(4_294_967_295u32)));
        assert_eq!(bounds("c"), (json!(i32::MIN), json!(i32::MAX)));
        assert_eq!(bounds("d"), (json!(0), json!(u64::MAX)));
        assert_eq!(bounds("e"), (json!(i64::MIN), json!(i64::MAX)));
        assert_eq!(bounds("f"), (json!(0), json!(65_535)));
        assert_eq!(property(&schema, "f")["type"], json!(["integer", "null"]));
    }

    #[test]
    fn a_range_is_intersected_with_the_type() {
        let range = |min, max| Constraint::Range {
            min: Some(min),
            max: Some(max),
        };
        let spec = InputSpec::Params(vec![
            param::<u8>("wide", vec![range(Bound::Int(-5), Bound::Int(300))]),
            param::<u8>("narrow", vec![range(Bound::Int(1), Bound::Int(50))]),
            param::<std::num::NonZeroU8>("nonzero", vec![range(Bound::Int(0), Bound::Int(9))]),
            param::<f64>("float", vec![range(Bound::Float(0.5), Bound::Float(2.5))]),
        ]);
        let schema = input_schema(&spec, true);
        let bounds = |name| {
            let property = property(&schema, name);
            (property["minimum"].clone(), property["maximum"].clone())
        };
        assert_eq!(bounds("wide"), (json!(0), json!(255)));
        assert_eq!(bounds("narrow"), (json!(1), json!(50)));
        assert_eq!(bounds("nonzero"), (json!(1), json!(9)));
        assert_eq!(bounds("float"), (json!(0.5), json!(2.5)));
    }

    #[test]
    fn fields_of_a_flattened_struct_are_bounded_too() {
        #[derive(JsonSchema)]
        #[allow(dead_code)]
        struct Query {
            limit: u32,
            #[schemars(range(max = 1000))]
            offset: u16,
            nested: Vec<i8>,
        }
        let spec = InputSpec::Flatten(|generator| generator.subschema_for::<Query>());
        let schema = input_schema(&spec, true);
        assert_eq!(
            property(&schema, "limit")["maximum"],
            json!(4_294_967_295u32)
        );
        assert_eq!(property(&schema, "offset")["maximum"], json!(1000));
        assert_eq!(property(&schema, "offset")["minimum"], json!(0));
        let items = &property(&schema, "nested")["items"];
        assert_eq!(
            (&items["minimum"], &items["maximum"]),
            (&json!(-128), &json!(127))
        );
    }
}
