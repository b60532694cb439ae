//! Bad tool arguments over real stdio, for a 2025-06-18 client (JSON-RPC error channel) and a
//! 2025-11-25 client (`isError` result channel): every violation kind, several at once, narrowing.

use mcp_tests::{StdioServer, first_text, pairs, violations};
use serde_json::{Value, json};

const OLD: &str = "2025-06-18";
const NEW: &str = "2025-11-25";

fn server(version: &str) -> StdioServer {
    let mut server = StdioServer::spawn(env!("CARGO_BIN_EXE_test-server"), &[]);
    let result = server.initialize(version);
    assert_eq!(result["protocolVersion"], version);
    server
}

fn valid_constraints() -> Value {
    json!({"count": 5, "name": "abc", "slug": "ok"})
}

/// One argument changed (or removed, with `null`) from a valid call.
fn with(key: &str, value: Value) -> Value {
    let mut arguments = valid_constraints();
    if value.is_null() {
        arguments.as_object_mut().unwrap().remove(key);
    } else {
        arguments[key] = value;
    }
    arguments
}

#[test]
fn each_violation_kind_on_both_channels() {
    let cases: Vec<(Value, (&str, &str))> = vec![
        (with("count", json!("five")), ("/count", "type")),
        (with("count", json!(0)), ("/count", "minimum")),
        (with("count", json!(51)), ("/count", "maximum")),
        (with("name", json!("")), ("/name", "minLength")),
        (with("name", json!("toolong")), ("/name", "maxLength")),
        (with("slug", json!("Not-Lower")), ("/slug", "pattern")),
        (with("status", json!("pending")), ("/status", "enum")),
        (
            with("tags", json!(["a", "b", "c", "d"])),
            ("/tags", "maxItems"),
        ),
        (with("name", Value::Null), ("/name", "required")),
        (
            with("surprise", json!(1)),
            ("/surprise", "additionalProperties"),
        ),
        (
            with("count", json!(9223372036854775808u64)),
            ("/count", "maximum"),
        ),
    ];
    for version in [OLD, NEW] {
        let mut server = server(version);
        for (arguments, expected) in &cases {
            let response = server.call("test_constraints", arguments.clone());
            if version == OLD {
                assert!(
                    response.get("error").is_some(),
                    "{version}: a JSON-RPC error expected: {response}"
                );
            } else {
                assert!(
                    response.get("result").is_some(),
                    "{version}: a tool result expected: {response}"
                );
            }
            assert_eq!(
                violations(&response),
                pairs(&[*expected]),
                "{version} {arguments}"
            );
        }
        // The call that passes is really called.
        let ok = server.call("test_constraints", valid_constraints());
        assert_eq!(
            first_text(&ok),
            "count=5 name=abc slug=ok status=none ratio=1 tags=0"
        );
    }
}

#[test]
fn all_violations_are_listed_at_once() {
    let arguments =
        json!({"count": 0, "name": "", "slug": "A", "status": 3, "ratio": 9, "extra": true});
    let expected = pairs(&[
        ("/count", "minimum"),
        ("/extra", "additionalProperties"),
        ("/name", "minLength"),
        ("/ratio", "maximum"),
        ("/slug", "pattern"),
        ("/status", "type"),
    ]);
    for version in [OLD, NEW] {
        let mut server = server(version);
        assert_eq!(
            violations(&server.call("test_constraints", arguments.clone())),
            expected,
            "{version}"
        );
    }
}

#[test]
fn the_new_channel_speaks_to_the_model_too() {
    let mut server = server(NEW);
    let response = server.call("test_constraints", with("count", json!(0)));
    let result = &response["result"];
    assert_eq!(result["isError"], true);
    assert_eq!(
        result["structuredContent"]["error"]["message"],
        "Invalid arguments for tool `test_constraints`"
    );
    assert_eq!(
        first_text(&response),
        "Invalid arguments for tool `test_constraints`:\n- /count: must be at least 1"
    );
}

#[test]
fn the_old_channel_is_a_json_rpc_error_with_data() {
    let mut server = server(OLD);
    let response = server.call("test_constraints", with("slug", json!("UP")));
    assert_eq!(response["error"]["code"], -32602);
    assert_eq!(
        response["error"]["message"],
        "Invalid params: Invalid arguments for tool `test_constraints`"
    );
    assert_eq!(
        response["error"]["data"]["violations"][0]["message"],
        "must match the pattern `^[a-z]+$`"
    );
}

#[test]
fn a_server_option_forces_either_channel() {
    let mut forced = StdioServer::spawn(
        env!("CARGO_BIN_EXE_test-server"),
        &[("TEST_SERVER_ARGUMENT_ERRORS", "json-rpc")],
    );
    forced.initialize(NEW);
    assert_eq!(
        forced.call("test_constraints", with("count", json!(0)))["error"]["code"],
        -32602
    );

    let mut forced = StdioServer::spawn(
        env!("CARGO_BIN_EXE_test-server"),
        &[("TEST_SERVER_ARGUMENT_ERRORS", "tool-result")],
    );
    forced.initialize(OLD);
    let response = forced.call("test_constraints", with("count", json!(0)));
    assert_eq!(response["result"]["isError"], true);
    assert_eq!(violations(&response), pairs(&[("/count", "minimum")]));
}

#[test]
fn integers_beyond_i64_are_violations() {
    // Beyond i64::MAX: 2^63 parses exactly (as a u64), and the schema advertises i64's own
    // `maximum`, so the validator refuses it. Below i64::MIN, -2^63 - 1 parses as a float that
    // rounds to -2^63, within the bound: narrowing refuses it (not an i64), and must say -32602
    // with a path too, not -32603.
    for version in [OLD, NEW] {
        let mut server = server(version);
        for (arguments, expected) in [
            (r#"{"a":9223372036854775808,"b":0}"#, ("/a", "maximum")),
            (r#"{"a":0,"b":-9223372036854775809}"#, ("/b", "format")),
        ] {
            server.send_line(&format!(
                r#"{{"jsonrpc":"2.0","id":"big","method":"tools/call","params":{{"name":"test_add","arguments":{arguments}}}}}"#
            ));
            let response = server.recv();
            assert_eq!(
                violations(&response),
                pairs(&[expected]),
                "{version}: {response}"
            );
        }
        assert_eq!(
            first_text(&server.call("test_add", json!({"a": 2, "b": 3}))),
            "5"
        );
    }
}

#[test]
fn flattened_struct_arguments_are_validated_and_narrowed() {
    let mut server = server(NEW);
    assert_eq!(
        first_text(&server.call("test_flatten", json!({"query": "rust", "limit": 3}))),
        "rust:3"
    );
    let response = server.call("test_flatten", json!({"query": "", "limit": 6, "other": 1}));
    assert_eq!(
        violations(&response),
        pairs(&[
            ("/limit", "maximum"),
            ("/other", "additionalProperties"),
            ("/query", "minLength")
        ])
    );
}

#[test]
fn unknown_arguments_can_be_ignored_by_option() {
    let mut server = StdioServer::spawn(
        env!("CARGO_BIN_EXE_test-server"),
        &[("TEST_SERVER_UNKNOWN_ARGUMENTS", "ignore")],
    );
    server.initialize(NEW);
    let listed = server.request("tools/list", json!({}));
    let schema = &listed["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "test_constraints")
        .unwrap()["inputSchema"];
    assert!(
        schema.get("additionalProperties").is_none(),
        "an ignoring server must not advertise the rejection: {schema}"
    );
    let response = server.call("test_constraints", with("surprise", json!(1)));
    assert_eq!(
        first_text(&response),
        "count=5 name=abc slug=ok status=none ratio=1 tags=0"
    );
}

#[test]
fn wrong_call_shapes_are_json_rpc_errors_in_every_version() {
    for version in [OLD, NEW] {
        let mut server = server(version);
        for params in [
            json!([1, 2]),
            json!({"arguments": {}}),
            json!({"name": 7}),
            json!({"name": "test_json", "arguments": "x"}),
        ] {
            let response = server.request("tools/call", params.clone());
            assert_eq!(
                response["error"]["code"], -32602,
                "{version} {params}: {response}"
            );
        }
        let response = server.call("no_such_tool", json!({}));
        assert_eq!(response["error"]["code"], -32602, "{response}");
        assert_eq!(
            response["error"]["message"],
            "Invalid params: unknown tool `no_such_tool`"
        );
    }
}

/// `u8`, `u32` and `Option<i16>` arguments advertise their types' bounds (intersected with an
/// `#[arg(range)]`), and a value just outside them is a -32602 violation of that bound, not a
/// narrowing error.
#[test]
fn integer_types_advertise_and_enforce_their_bounds() {
    let mut server = server(OLD);
    let tools = server.request("tools/list", json!({}))["result"]["tools"].clone();
    let tool = tools
        .as_array()
        .unwrap()
        .iter()
        .find(|tool| tool["name"] == "test_integer_bounds")
        .expect("test_integer_bounds is listed");
    let properties = &tool["inputSchema"]["properties"];
    assert_eq!(
        properties["small"],
        json!({"type": "integer", "minimum": 1, "maximum": 255})
    );
    assert_eq!(
        properties["wide"],
        json!({"type": "integer", "minimum": 0, "maximum": 4_294_967_295u32})
    );
    assert_eq!(
        properties["signed"],
        json!({"type": ["integer", "null"], "minimum": -32768, "maximum": 32767})
    );
    let valid = json!({"small": 255, "wide": 4_294_967_295u32, "signed": -32768});
    assert_eq!(
        first_text(&server.call("test_integer_bounds", valid)),
        "small=255 wide=4294967295 signed=Some(-32768)"
    );
    for (arguments, path, keyword, message) in [
        (
            json!({"small": 256, "wide": 0}),
            "/small",
            "maximum",
            "must be at most 255",
        ),
        (
            json!({"small": 0, "wide": 0}),
            "/small",
            "minimum",
            "must be at least 1",
        ),
        (
            json!({"small": 1, "wide": 4_294_967_296u64}),
            "/wide",
            "maximum",
            "must be at most 4294967295",
        ),
        (
            json!({"small": 1, "wide": 0, "signed": 32768}),
            "/signed",
            "maximum",
            "must be at most 32767",
        ),
    ] {
        let response = server.call("test_integer_bounds", arguments.clone());
        assert_eq!(
            violations(&response),
            pairs(&[(path, keyword)]),
            "{arguments}"
        );
        assert_eq!(
            response["error"]["data"]["violations"][0]["message"], message,
            "{response}"
        );
    }
}
