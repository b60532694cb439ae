//! Comparing two snapshots: every change, classified as breaking or compatible for the clients
//! that cached the baseline.
//!
//! Inputs and outputs are judged in opposite directions: a client *sends* arguments, so an input
//! schema may only accept more; a client *reads* structured output, so an output schema may only
//! promise more.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::SchemaSnapshot;
use super::report::{Change, Report, Severity};

/// Classifies every change from `baseline` to `current`.
pub fn compare(baseline: &SchemaSnapshot, current: &SchemaSnapshot) -> Report {
    let old = by_name(baseline.tools());
    let new = by_name(current.tools());
    let mut out = Changes::default();
    for (name, old_tool) in &old {
        match new.get(name) {
            None => out.push(
                Severity::Breaking,
                name,
                "",
                "tool_removed",
                "the tool was removed (or renamed)".into(),
            ),
            Some(new_tool) => compare_tool(name, old_tool, new_tool, &mut out),
        }
    }
    for name in new.keys().filter(|name| !old.contains_key(*name)) {
        out.push(
            Severity::Compatible,
            name,
            "",
            "tool_added",
            "a new tool".into(),
        );
    }
    Report { changes: out.0 }
}

#[derive(Default)]
struct Changes(Vec<Change>);

impl Changes {
    fn push(
        &mut self,
        severity: Severity,
        tool: &str,
        path: &str,
        kind: &'static str,
        detail: String,
    ) {
        self.0.push(Change {
            severity,
            tool: tool.to_owned(),
            path: path.to_owned(),
            kind,
            detail,
        });
    }
}

fn by_name(tools: Vec<Value>) -> std::collections::BTreeMap<String, Value> {
    tools
        .into_iter()
        .filter_map(|tool| Some((tool.get("name")?.as_str()?.to_owned(), tool)))
        .collect()
}

fn compare_tool(name: &str, old: &Value, new: &Value, out: &mut Changes) {
    for key in ["title", "description"] {
        if old.get(key) != new.get(key) {
            out.push(
                Severity::Compatible,
                name,
                "",
                if key == "title" {
                    "title_changed"
                } else {
                    "description_changed"
                },
                format!("the {key} changed"),
            );
        }
    }
    if old.get("annotations") != new.get("annotations") {
        out.push(
            Severity::Compatible,
            name,
            "",
            "annotations_changed",
            "the behaviour hints changed".into(),
        );
    }
    compare_schema(
        &Side::Input,
        name,
        "",
        &old["inputSchema"],
        &new["inputSchema"],
        out,
    );
    match (old.get("outputSchema"), new.get("outputSchema")) {
        (Some(_), None) => out.push(
            Severity::Breaking,
            name,
            "output",
            "output_schema_narrowed",
            "the output schema was removed".into(),
        ),
        (None, Some(_)) => out.push(
            Severity::Compatible,
            name,
            "output",
            "output_schema_widened",
            "an output schema was added".into(),
        ),
        (Some(old), Some(new)) => compare_schema(&Side::Output, name, "output", old, new, out),
        (None, None) => {}
    }
}

/// Which way a schema is read: arguments flow to the server, output flows to the client.
enum Side {
    Input,
    Output,
}

impl Side {
    /// The severity of accepting less (tightening).
    fn of_tightening(&self) -> (Severity, &'static str) {
        match self {
            Side::Input => (Severity::Breaking, "constraint_tightened"),
            Side::Output => (Severity::Compatible, "output_constraint_tightened"),
        }
    }

    /// The severity of accepting more (loosening).
    fn of_loosening(&self) -> (Severity, &'static str) {
        match self {
            Side::Input => (Severity::Compatible, "constraint_loosened"),
            Side::Output => (Severity::Breaking, "output_constraint_loosened"),
        }
    }
}

fn compare_schema(
    side: &Side,
    tool: &str,
    path: &str,
    old: &Value,
    new: &Value,
    out: &mut Changes,
) {
    if old == new {
        return;
    }
    let (Some(old), Some(new)) = (old.as_object(), new.as_object()) else {
        out.push(
            Severity::Breaking,
            tool,
            path,
            "type_changed",
            "the schema changed shape".into(),
        );
        return;
    };
    if old.get("description") != new.get("description") && !path.is_empty() {
        out.push(
            Severity::Compatible,
            tool,
            path,
            "description_changed",
            "the description changed".into(),
        );
    }
    compare_types(side, tool, path, old, new, out);
    compare_allowed_values(side, tool, path, old, new, out);
    compare_bounds(side, tool, path, old, new, out);
    compare_properties(side, tool, path, old, new, out);
    for key in ["items", "additionalProperties"] {
        if let (Some(old_items), Some(new_items)) = (old.get(key), new.get(key))
            && old_items.is_object()
            && new_items.is_object()
        {
            compare_schema(
                side,
                tool,
                &format!("{path}/{key}"),
                old_items,
                new_items,
                out,
            );
        }
    }
}

fn type_set(schema: &Map<String, Value>) -> Option<BTreeSet<String>> {
    match schema.get("type")? {
        Value::String(name) => Some(BTreeSet::from([name.clone()])),
        Value::Array(names) => Some(
            names
                .iter()
                .filter_map(|n| n.as_str().map(str::to_owned))
                .collect(),
        ),
        _ => None,
    }
}

/// Whether every type in `narrow` is accepted by `wide` (`number` accepts `integer`).
fn accepts_all(wide: &BTreeSet<String>, narrow: &BTreeSet<String>) -> bool {
    narrow
        .iter()
        .all(|t| wide.contains(t) || (t == "integer" && wide.contains("number")))
}

fn compare_types(
    side: &Side,
    tool: &str,
    path: &str,
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    out: &mut Changes,
) {
    let (Some(old_types), Some(new_types)) = (type_set(old), type_set(new)) else {
        return;
    };
    if old_types == new_types {
        return;
    }
    let show = |set: &BTreeSet<String>| set.iter().cloned().collect::<Vec<_>>().join("|");
    let detail = format!("type {} → {}", show(&old_types), show(&new_types));
    let widened = accepts_all(&new_types, &old_types);
    let narrowed = accepts_all(&old_types, &new_types);
    match (side, widened, narrowed) {
        (Side::Input, true, _) => {
            out.push(Severity::Compatible, tool, path, "type_widened", detail)
        }
        (Side::Output, _, true) => {
            out.push(Severity::Compatible, tool, path, "type_narrowed", detail)
        }
        _ => out.push(Severity::Breaking, tool, path, "type_changed", detail),
    }
}

/// The values an `enum`, a `const`, or a `oneOf`/`anyOf` of constants allows.
fn allowed_values(schema: &Map<String, Value>) -> Option<Vec<Value>> {
    if let Some(Value::Array(values)) = schema.get("enum") {
        return Some(values.clone());
    }
    if let Some(value) = schema.get("const") {
        return Some(vec![value.clone()]);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(Value::Array(branches)) = schema.get(key) {
            let values: Option<Vec<Vec<Value>>> = branches
                .iter()
                .map(|b| b.as_object().and_then(allowed_values))
                .collect();
            return values.map(|v| v.into_iter().flatten().collect());
        }
    }
    None
}

fn compare_allowed_values(
    side: &Side,
    tool: &str,
    path: &str,
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    out: &mut Changes,
) {
    match (allowed_values(old), allowed_values(new)) {
        (Some(old_values), Some(new_values)) => {
            let removed: Vec<String> = old_values
                .iter()
                .filter(|v| !new_values.contains(v))
                .map(Value::to_string)
                .collect();
            let added: Vec<String> = new_values
                .iter()
                .filter(|v| !old_values.contains(v))
                .map(Value::to_string)
                .collect();
            if !removed.is_empty() {
                let (severity, _) = side.of_tightening();
                out.push(
                    severity,
                    tool,
                    path,
                    "enum_value_removed",
                    format!("no longer allowed: {}", removed.join(", ")),
                );
            }
            if !added.is_empty() {
                let (severity, _) = side.of_loosening();
                out.push(
                    severity,
                    tool,
                    path,
                    "enum_widened",
                    format!("newly allowed: {}", added.join(", ")),
                );
            }
        }
        (None, Some(_)) => {
            let (severity, kind) = side.of_tightening();
            out.push(
                severity,
                tool,
                path,
                kind,
                "now restricted to a list of values".into(),
            );
        }
        (Some(_), None) => {
            let (severity, kind) = side.of_loosening();
            out.push(
                severity,
                tool,
                path,
                kind,
                "no longer restricted to a list of values".into(),
            );
        }
        (None, None) => {}
    }
}

/// Lower bounds tighten when they rise, upper bounds when they fall.
const LOWER: [&str; 5] = [
    "minimum",
    "exclusiveMinimum",
    "minLength",
    "minItems",
    "minProperties",
];
const UPPER: [&str; 5] = [
    "maximum",
    "exclusiveMaximum",
    "maxLength",
    "maxItems",
    "maxProperties",
];

fn compare_bounds(
    side: &Side,
    tool: &str,
    path: &str,
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    out: &mut Changes,
) {
    let number = |schema: &Map<String, Value>, key: &str| schema.get(key).and_then(Value::as_f64);
    for (keys, tighter_when_higher) in [(LOWER, true), (UPPER, false)] {
        for key in keys {
            let (before, after) = (number(old, key), number(new, key));
            let tightened = match (before, after) {
                (Some(b), Some(a)) if a == b => continue,
                (Some(b), Some(a)) => (a > b) == tighter_when_higher,
                (None, Some(_)) => true,
                (Some(_), None) => false,
                (None, None) => continue,
            };
            let show = |v: Option<f64>| v.map_or("none".to_owned(), |v| v.to_string());
            let detail = format!("{key} {} → {}", show(before), show(after));
            let (severity, kind) = if tightened {
                side.of_tightening()
            } else {
                side.of_loosening()
            };
            out.push(severity, tool, path, kind, detail);
        }
    }
    if old.get("pattern") != new.get("pattern") {
        let detail = format!(
            "pattern {} → {}",
            old.get("pattern").unwrap_or(&Value::Null),
            new.get("pattern").unwrap_or(&Value::Null)
        );
        // A changed pattern cannot be compared: it may reject what the old one accepted.
        let (severity, kind) = if new.get("pattern").is_none() {
            side.of_loosening()
        } else {
            side.of_tightening()
        };
        out.push(severity, tool, path, kind, detail);
    }
    let closed = |schema: &Map<String, Value>| {
        schema.get("additionalProperties") == Some(&Value::Bool(false))
    };
    match (closed(old), closed(new)) {
        (false, true) => {
            let (severity, _) = side.of_tightening();
            out.push(
                severity,
                tool,
                path,
                "unknown_properties_rejected",
                "properties not listed are now rejected".into(),
            );
        }
        (true, false) => {
            let (severity, _) = side.of_loosening();
            out.push(
                severity,
                tool,
                path,
                "unknown_properties_accepted",
                "properties not listed are now accepted".into(),
            );
        }
        _ => {}
    }
}

fn required(schema: &Map<String, Value>) -> BTreeSet<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|names| {
            names
                .iter()
                .filter_map(|n| n.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn compare_properties(
    side: &Side,
    tool: &str,
    path: &str,
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    out: &mut Changes,
) {
    let empty = Map::new();
    let old_properties = old
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let new_properties = new
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let (old_required, new_required) = (required(old), required(new));
    let (parameter, field) = match side {
        Side::Input => ("parameter", false),
        Side::Output => ("field", true),
    };
    for (name, old_schema) in old_properties {
        let here = format!("{path}/{name}");
        match new_properties.get(name) {
            None => {
                let kind = if field {
                    "output_schema_narrowed"
                } else {
                    "parameter_removed"
                };
                out.push(
                    Severity::Breaking,
                    tool,
                    &here,
                    kind,
                    format!("the {parameter} was removed"),
                );
            }
            Some(new_schema) => {
                match (old_required.contains(name), new_required.contains(name)) {
                    (false, true) if !field => out.push(
                        Severity::Breaking,
                        tool,
                        &here,
                        "optional_made_required",
                        "the parameter is now required".into(),
                    ),
                    (true, false) if !field => out.push(
                        Severity::Compatible,
                        tool,
                        &here,
                        "required_made_optional",
                        "the parameter is now optional".into(),
                    ),
                    (true, false) => out.push(
                        Severity::Breaking,
                        tool,
                        &here,
                        "output_schema_narrowed",
                        "the field may now be absent".into(),
                    ),
                    (false, true) => out.push(
                        Severity::Compatible,
                        tool,
                        &here,
                        "output_schema_widened",
                        "the field is now always present".into(),
                    ),
                    _ => {}
                }
                compare_schema(side, tool, &here, old_schema, new_schema, out);
            }
        }
    }
    for name in new_properties
        .keys()
        .filter(|name| !old_properties.contains_key(*name))
    {
        let here = format!("{path}/{name}");
        match (field, new_required.contains(name)) {
            (false, true) => out.push(
                Severity::Breaking,
                tool,
                &here,
                "required_parameter_added",
                "a new required parameter".into(),
            ),
            (false, false) => out.push(
                Severity::Compatible,
                tool,
                &here,
                "optional_parameter_added",
                "a new optional parameter".into(),
            ),
            (true, _) => out.push(
                Severity::Compatible,
                tool,
                &here,
                "output_schema_widened",
                "a new field".into(),
            ),
        }
    }
}
