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
    let mut changes = Vec::new();
    for (name, old_tool) in &old {
        let mut tool = Comparison {
            tool: name,
            side: Side::Input,
            changes: &mut changes,
        };
        match new.get(name) {
            None => tool.push(
                "",
                Severity::Breaking,
                "tool_removed",
                "the tool was removed (or renamed)",
            ),
            Some(new_tool) => tool.whole_tool(old_tool, new_tool),
        }
    }
    for name in new.keys().filter(|name| !old.contains_key(*name)) {
        let mut tool = Comparison {
            tool: name,
            side: Side::Input,
            changes: &mut changes,
        };
        tool.push("", Severity::Compatible, "tool_added", "a new tool");
    }
    Report { changes }
}

fn by_name(tools: Vec<Value>) -> std::collections::BTreeMap<String, Value> {
    tools
        .into_iter()
        .filter_map(|tool| Some((tool.get("name")?.as_str()?.to_owned(), tool)))
        .collect()
}

/// Which way a schema is read: arguments flow to the server, output flows to the client.
#[derive(Clone, Copy)]
enum Side {
    Input,
    Output,
}

/// One tool's comparison: which way the schema at hand is read, and the changes found.
struct Comparison<'a> {
    tool: &'a str,
    side: Side,
    changes: &'a mut Vec<Change>,
}

impl Comparison<'_> {
    fn push(
        &mut self,
        path: &str,
        severity: Severity,
        kind: &'static str,
        detail: impl Into<String>,
    ) {
        self.changes.push(Change {
            severity,
            tool: self.tool.to_owned(),
            path: path.to_owned(),
            kind,
            detail: detail.into(),
        });
    }

    /// The schema now accepts less: breaking for inputs, harmless for outputs. `kind` defaults
    /// to the side's "constraint tightened".
    fn tightened(&mut self, path: &str, kind: Option<&'static str>, detail: impl Into<String>) {
        let (severity, default_kind) = match self.side {
            Side::Input => (Severity::Breaking, "constraint_tightened"),
            Side::Output => (Severity::Compatible, "output_constraint_tightened"),
        };
        self.push(path, severity, kind.unwrap_or(default_kind), detail);
    }

    /// The schema now accepts more: harmless for inputs, breaking for outputs.
    fn loosened(&mut self, path: &str, kind: Option<&'static str>, detail: impl Into<String>) {
        let (severity, default_kind) = match self.side {
            Side::Input => (Severity::Compatible, "constraint_loosened"),
            Side::Output => (Severity::Breaking, "output_constraint_loosened"),
        };
        self.push(path, severity, kind.unwrap_or(default_kind), detail);
    }

    fn whole_tool(&mut self, old: &Value, new: &Value) {
        for (key, kind) in [
            ("title", "title_changed"),
            ("description", "description_changed"),
        ] {
            if old.get(key) != new.get(key) {
                self.push("", Severity::Compatible, kind, format!("the {key} changed"));
            }
        }
        if old.get("annotations") != new.get("annotations") {
            self.push(
                "",
                Severity::Compatible,
                "annotations_changed",
                "the behaviour hints changed",
            );
        }
        self.schema("", &old["inputSchema"], &new["inputSchema"]);
        match (old.get("outputSchema"), new.get("outputSchema")) {
            (Some(_), None) => self.push(
                "output",
                Severity::Breaking,
                "output_schema_narrowed",
                "the output schema was removed",
            ),
            (None, Some(_)) => self.push(
                "output",
                Severity::Compatible,
                "output_schema_widened",
                "an output schema was added",
            ),
            (Some(old), Some(new)) => {
                self.side = Side::Output;
                self.schema("output", old, new);
                self.side = Side::Input;
            }
            (None, None) => {}
        }
    }

    fn schema(&mut self, path: &str, old: &Value, new: &Value) {
        if old == new {
            return;
        }
        let (Some(old), Some(new)) = (old.as_object(), new.as_object()) else {
            self.push(
                path,
                Severity::Breaking,
                "type_changed",
                "the schema changed shape",
            );
            return;
        };
        if old.get("description") != new.get("description") && !path.is_empty() {
            self.push(
                path,
                Severity::Compatible,
                "description_changed",
                "the description changed",
            );
        }
        self.types(path, old, new);
        self.allowed_values(path, old, new);
        self.bounds(path, old, new);
        self.properties(path, old, new);
        for key in ["items", "additionalProperties"] {
            if let (Some(old_items), Some(new_items)) = (old.get(key), new.get(key))
                && old_items.is_object()
                && new_items.is_object()
            {
                self.schema(&format!("{path}/{key}"), old_items, new_items);
            }
        }
    }

    fn types(&mut self, path: &str, old: &Map<String, Value>, new: &Map<String, Value>) {
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
        match (self.side, widened, narrowed) {
            (Side::Input, true, _) => self.push(path, Severity::Compatible, "type_widened", detail),
            (Side::Output, _, true) => {
                self.push(path, Severity::Compatible, "type_narrowed", detail)
            }
            _ => self.push(path, Severity::Breaking, "type_changed", detail),
        }
    }

    fn allowed_values(&mut self, path: &str, old: &Map<String, Value>, new: &Map<String, Value>) {
        match (allowed_values(old), allowed_values(new)) {
            (Some(old_values), Some(new_values)) => {
                let missing_from = |values: &[Value], others: &[Value]| -> Vec<String> {
                    values
                        .iter()
                        .filter(|v| !others.contains(v))
                        .map(Value::to_string)
                        .collect()
                };
                let removed = missing_from(&old_values, &new_values);
                if !removed.is_empty() {
                    self.tightened(
                        path,
                        Some("enum_value_removed"),
                        format!("no longer allowed: {}", removed.join(", ")),
                    );
                }
                let added = missing_from(&new_values, &old_values);
                if !added.is_empty() {
                    self.loosened(
                        path,
                        Some("enum_widened"),
                        format!("newly allowed: {}", added.join(", ")),
                    );
                }
            }
            (None, Some(_)) => self.tightened(path, None, "now restricted to a list of values"),
            (Some(_), None) => {
                self.loosened(path, None, "no longer restricted to a list of values")
            }
            (None, None) => {}
        }
    }

    fn bounds(&mut self, path: &str, old: &Map<String, Value>, new: &Map<String, Value>) {
        let number =
            |schema: &Map<String, Value>, key: &str| schema.get(key).and_then(Value::as_f64);
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
                if tightened {
                    self.tightened(path, None, detail)
                } else {
                    self.loosened(path, None, detail)
                }
            }
        }
        if old.get("pattern") != new.get("pattern") {
            let detail = format!(
                "pattern {} → {}",
                old.get("pattern").unwrap_or(&Value::Null),
                new.get("pattern").unwrap_or(&Value::Null)
            );
            // A changed pattern cannot be compared: it may reject what the old one accepted.
            if new.get("pattern").is_none() {
                self.loosened(path, None, detail)
            } else {
                self.tightened(path, None, detail)
            }
        }
        let closed = |schema: &Map<String, Value>| {
            schema.get("additionalProperties") == Some(&Value::Bool(false))
        };
        match (closed(old), closed(new)) {
            (false, true) => self.tightened(
                path,
                Some("unknown_properties_rejected"),
                "properties not listed are now rejected",
            ),
            (true, false) => self.loosened(
                path,
                Some("unknown_properties_accepted"),
                "properties not listed are now accepted",
            ),
            _ => {}
        }
    }

    fn properties(&mut self, path: &str, old: &Map<String, Value>, new: &Map<String, Value>) {
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
        let output = matches!(self.side, Side::Output);
        for (name, old_schema) in old_properties {
            let here = format!("{path}/{name}");
            let Some(new_schema) = new_properties.get(name) else {
                match output {
                    false => self.push(
                        &here,
                        Severity::Breaking,
                        "parameter_removed",
                        "the parameter was removed",
                    ),
                    true => self.push(
                        &here,
                        Severity::Breaking,
                        "output_schema_narrowed",
                        "the field was removed",
                    ),
                }
                continue;
            };
            match (
                output,
                old_required.contains(name),
                new_required.contains(name),
            ) {
                (false, false, true) => self.push(
                    &here,
                    Severity::Breaking,
                    "optional_made_required",
                    "the parameter is now required",
                ),
                (false, true, false) => self.push(
                    &here,
                    Severity::Compatible,
                    "required_made_optional",
                    "the parameter is now optional",
                ),
                (true, true, false) => self.push(
                    &here,
                    Severity::Breaking,
                    "output_schema_narrowed",
                    "the field may now be absent",
                ),
                (true, false, true) => self.push(
                    &here,
                    Severity::Compatible,
                    "output_schema_widened",
                    "the field is now always present",
                ),
                _ => {}
            }
            self.schema(&here, old_schema, new_schema);
        }
        for name in new_properties
            .keys()
            .filter(|name| !old_properties.contains_key(*name))
        {
            let here = format!("{path}/{name}");
            match (output, new_required.contains(name)) {
                (false, true) => self.push(
                    &here,
                    Severity::Breaking,
                    "required_parameter_added",
                    "a new required parameter",
                ),
                (false, false) => self.push(
                    &here,
                    Severity::Compatible,
                    "optional_parameter_added",
                    "a new optional parameter",
                ),
                (true, _) => self.push(
                    &here,
                    Severity::Compatible,
                    "output_schema_widened",
                    "a new field",
                ),
            }
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
