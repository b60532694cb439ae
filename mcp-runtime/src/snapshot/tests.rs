use serde_json::{Value, json};

use super::baseline::check_or_update;
use super::*;

fn tool(name: &str, input: Value) -> Value {
    json!({"name": name, "description": "d", "inputSchema": input})
}

fn search(properties: Value, required: Value) -> Value {
    tool(
        "search",
        json!({"type": "object", "properties": properties, "required": required, "additionalProperties": false}),
    )
}

fn base() -> Value {
    search(
        json!({
            "query": {"type": "string", "minLength": 1, "maxLength": 500},
            "status": {"type": "string", "enum": ["open", "closed"]},
            "limit": {"type": "integer", "minimum": 1, "maximum": 50}
        }),
        json!(["query"]),
    )
}

fn changed(edit: impl FnOnce(&mut Value)) -> Value {
    let mut tool = base();
    edit(&mut tool);
    tool
}

/// What a case changes, the tools after the change, and the changes expected.
type Case = (&'static str, Vec<Value>, Vec<(Severity, &'static str)>);

fn kinds(old: Vec<Value>, new: Vec<Value>) -> Vec<(Severity, &'static str)> {
    compare(
        &SchemaSnapshot::from_tools(old),
        &SchemaSnapshot::from_tools(new),
    )
    .changes
    .into_iter()
    .map(|c| (c.severity, c.kind))
    .collect()
}

#[test]
fn canonical_form_ignores_tool_and_key_order() {
    let a = SchemaSnapshot::from_tools(vec![
        tool("b", json!({"type": "object", "required": ["y", "x"]})),
        tool("a", json!({"properties": {}, "type": "object"})),
    ]);
    let b = SchemaSnapshot::from_tools(vec![
        json!({"inputSchema": {"type": "object", "properties": {}}, "description": "d", "name": "a"}),
        json!({"inputSchema": {"required": ["x", "y"], "type": "object"}, "name": "b", "description": "d"}),
    ]);
    assert_eq!(a.json(), b.json());
    assert_eq!(a.sha256(), b.sha256());
    assert_eq!(a.sha256().len(), 64);
    assert!(a.json().ends_with("}\n"));
    assert_eq!(
        SchemaSnapshot::parse(a.json()).unwrap(),
        a,
        "a snapshot reads back to itself"
    );
    let names: Vec<Value> = a.tools().iter().map(|t| t["name"].clone()).collect();
    assert_eq!(names, [json!("a"), json!("b")]);
}

#[test]
fn every_class_of_change_is_detected() {
    use Severity::{Breaking, Compatible};
    let cases: Vec<Case> = vec![
        ("tool removed", vec![], vec![(Breaking, "tool_removed")]),
        (
            "tool added",
            vec![base(), tool("other", json!({"type": "object"}))],
            vec![(Compatible, "tool_added")],
        ),
        (
            "required parameter added",
            vec![changed(|t| {
                t["inputSchema"]["properties"]["owner"] = json!({"type": "string"});
                t["inputSchema"]["required"] = json!(["query", "owner"]);
            })],
            vec![(Breaking, "required_parameter_added")],
        ),
        (
            "optional parameter added",
            vec![changed(|t| {
                t["inputSchema"]["properties"]["owner"] = json!({"type": "string"})
            })],
            vec![(Compatible, "optional_parameter_added")],
        ),
        (
            "parameter removed",
            vec![changed(|t| {
                t["inputSchema"]["properties"]
                    .as_object_mut()
                    .unwrap()
                    .remove("status");
            })],
            vec![(Breaking, "parameter_removed")],
        ),
        (
            "type changed",
            vec![changed(|t| {
                t["inputSchema"]["properties"]["limit"]["type"] = json!("string")
            })],
            vec![(Breaking, "type_changed")],
        ),
        (
            "type widened",
            vec![changed(|t| {
                t["inputSchema"]["properties"]["limit"]["type"] = json!("number")
            })],
            vec![(Compatible, "type_widened")],
        ),
        (
            "enum value removed",
            vec![changed(|t| {
                t["inputSchema"]["properties"]["status"]["enum"] = json!(["open"])
            })],
            vec![(Breaking, "enum_value_removed")],
        ),
        (
            "enum widened",
            vec![changed(|t| {
                t["inputSchema"]["properties"]["status"]["enum"] =
                    json!(["open", "closed", "pending"])
            })],
            vec![(Compatible, "enum_widened")],
        ),
        (
            "constraint tightened",
            vec![changed(|t| {
                t["inputSchema"]["properties"]["limit"]["maximum"] = json!(20)
            })],
            vec![(Breaking, "constraint_tightened")],
        ),
        (
            "constraint added",
            vec![changed(|t| {
                t["inputSchema"]["properties"]["query"]["pattern"] = json!("^[a-z]+$")
            })],
            vec![(Breaking, "constraint_tightened")],
        ),
        (
            "constraint loosened",
            vec![changed(|t| {
                t["inputSchema"]["properties"]["query"]["maxLength"] = json!(1000)
            })],
            vec![(Compatible, "constraint_loosened")],
        ),
        (
            "optional made required",
            vec![changed(|t| {
                t["inputSchema"]["required"] = json!(["query", "limit"])
            })],
            vec![(Breaking, "optional_made_required")],
        ),
        (
            "required made optional",
            vec![changed(|t| t["inputSchema"]["required"] = json!([]))],
            vec![(Compatible, "required_made_optional")],
        ),
        (
            "unknown arguments now accepted",
            vec![changed(|t| {
                t["inputSchema"]
                    .as_object_mut()
                    .unwrap()
                    .remove("additionalProperties");
            })],
            vec![(Compatible, "unknown_properties_accepted")],
        ),
        (
            "description changed",
            vec![changed(|t| t["description"] = json!("new words"))],
            vec![(Compatible, "description_changed")],
        ),
        (
            "title changed",
            vec![changed(|t| t["title"] = json!("Search"))],
            vec![(Compatible, "title_changed")],
        ),
    ];
    for (what, new, expected) in cases {
        assert_eq!(kinds(vec![base()], new), expected, "{what}");
    }
}

#[test]
fn output_schemas_are_judged_the_other_way() {
    use Severity::{Breaking, Compatible};
    let with_output = |output: Value| {
        let mut tool = base();
        tool["outputSchema"] = output;
        tool
    };
    let stats = json!({"type": "object", "properties": {"count": {"type": "integer"}, "mean": {"type": "number"}}, "required": ["count", "mean"]});
    let narrowed = json!({"type": "object", "properties": {"count": {"type": "integer"}}, "required": ["count"]});
    assert_eq!(
        kinds(
            vec![with_output(stats.clone())],
            vec![with_output(narrowed)]
        ),
        vec![(Breaking, "output_schema_narrowed")]
    );
    let widened = json!({"type": "object", "properties": {"count": {"type": "integer"}, "mean": {"type": "number"}, "max": {"type": "number"}}, "required": ["count", "mean"]});
    assert_eq!(
        kinds(vec![with_output(stats.clone())], vec![with_output(widened)]),
        vec![(Compatible, "output_schema_widened")]
    );
    assert_eq!(
        kinds(vec![with_output(stats)], vec![base()]),
        vec![(Breaking, "output_schema_narrowed")]
    );
}

#[test]
fn reports_read_for_people_and_machines() {
    let report = compare(
        &SchemaSnapshot::from_tools(vec![base()]),
        &SchemaSnapshot::from_tools(vec![changed(|t| {
            t["inputSchema"]["properties"]["limit"]["maximum"] = json!(20)
        })]),
    );
    assert_eq!(
        report.to_string(),
        "1 breaking and 0 compatible change(s) to tools/list:\n  BREAKING   search /limit: maximum 50 → 20 (constraint_tightened)\n"
    );
    assert_eq!(report.to_json()["breaking"], 1);
    assert_eq!(report.to_json()["changes"][0]["path"], "/limit");
}

#[test]
fn the_gate_fails_on_a_change_and_passes_after_an_update() {
    let dir = std::env::temp_dir().join(format!("mcp-snapshot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("mcp-schema.json");
    let before = SchemaSnapshot::from_tools(vec![base()]);
    let after = SchemaSnapshot::from_tools(vec![changed(|t| {
        t["inputSchema"]["required"] = json!(["query", "limit"])
    })]);

    assert!(matches!(
        check_or_update(&before, &path, false),
        Err(BaselineError::Missing(_))
    ));
    check_or_update(&before, &path, true).unwrap();
    check_or_update(&before, &path, false).unwrap();
    assert_eq!(
        std::fs::read_to_string(path.with_extension("sha256")).unwrap(),
        format!("{}\n", before.sha256())
    );

    let error = check_or_update(&after, &path, false).unwrap_err();
    assert!(
        matches!(&error, BaselineError::Changed(_, report) if report.breaking() == 1),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("BREAKING   search /limit: the parameter is now required"),
        "{error}"
    );
    check_or_update(&after, &path, true).unwrap();
    check_or_update(&after, &path, false).unwrap();

    std::fs::write(path.with_extension("sha256"), "0000\n").unwrap();
    assert!(matches!(
        check_or_update(&after, &path, false),
        Err(BaselineError::HashMismatch(_))
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_live_endpoint_that_is_not_a_server_is_an_error() {
    let silent =
        from_stdio(std::process::Command::new("sh").args(["-c", "read request"])).unwrap_err();
    assert!(
        silent
            .to_string()
            .contains("closed stdout before answering `initialize`"),
        "{silent}"
    );
    let missing =
        from_stdio(&mut std::process::Command::new("/nonexistent/mcp-server")).unwrap_err();
    assert!(
        missing.to_string().starts_with("cannot start the server"),
        "{missing}"
    );
    let noisy =
        from_stdio(std::process::Command::new("sh").args(["-c", "read request; echo hello"]))
            .unwrap_err();
    assert!(
        noisy
            .to_string()
            .starts_with("the server wrote a line that is not JSON"),
        "{noisy}"
    );
}
