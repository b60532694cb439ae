//! The real hello binary over stdio, for a 2025-06-18 and a 2025-11-25 client.

use mcp_tests::{StdioServer, first_text, pairs, violations};
use serde_json::{Value, json};

fn hello(version: &str) -> StdioServer {
    let mut server = StdioServer::spawn(env!("CARGO_BIN_EXE_hello"), &[]);
    let result = server.initialize(version);
    assert_eq!(result["protocolVersion"], version);
    assert_eq!(result["serverInfo"]["name"], "hello");
    server
}

/// A tool, its arguments, and the (path, keyword) pairs of the violations expected.
type Case = (&'static str, Value, Vec<(String, String)>);

#[test]
fn valid_calls() {
    for version in ["2025-06-18", "2025-11-25"] {
        let mut server = hello(version);
        assert_eq!(
            first_text(&server.call("add", json!({"a": 2, "b": 3}))),
            "5"
        );
        assert_eq!(
            first_text(&server.call("add", json!({"a": -7, "b": 2}))),
            "-5"
        );
        // JSON Schema counts 2.0 as an integer; so does narrowing.
        assert_eq!(
            first_text(&server.call("add", json!({"a": 2.0, "b": 3}))),
            "5"
        );
        assert_eq!(
            first_text(&server.call("echo", json!({"message": "héllo wörld"}))),
            "héllo wörld"
        );
        assert_eq!(
            first_text(&server.call("divide", json!({"a": 1, "b": 4}))),
            "0.25"
        );
        assert!(server.finish().success());
    }
}

#[test]
fn tool_errors_are_results_for_the_model() {
    for version in ["2025-06-18", "2025-11-25"] {
        let mut server = hello(version);
        let response = server.call("divide", json!({"a": 1, "b": 0}));
        assert_eq!(response["result"]["isError"], true);
        assert_eq!(
            first_text(&response),
            "cannot divide by zero; pass a non-zero `b`"
        );
        let response = server.call("add", json!({"a": i64::MAX, "b": 1}));
        assert_eq!(response["result"]["isError"], true);
        assert_eq!(
            first_text(&response),
            "the sum does not fit in a 64-bit integer"
        );
    }
}

#[test]
fn every_violation_kind_and_several_at_once() {
    let long = "x".repeat(1001);
    let cases: Vec<Case> = vec![
        ("add", json!({"a": "2", "b": 3}), pairs(&[("/a", "type")])),
        ("add", json!({"a": 2}), pairs(&[("/b", "required")])),
        (
            "add",
            json!({"a": 2, "b": 3, "c": 4}),
            pairs(&[("/c", "additionalProperties")]),
        ),
        ("add", json!({"a": 2.5, "b": 3}), pairs(&[("/a", "type")])),
        (
            "echo",
            json!({"message": ""}),
            pairs(&[("/message", "minLength")]),
        ),
        (
            "echo",
            json!({"message": long}),
            pairs(&[("/message", "maxLength")]),
        ),
        (
            "divide",
            json!({"a": "one", "b": null}),
            pairs(&[("/a", "type"), ("/b", "type")]),
        ),
        (
            "add",
            json!({}),
            pairs(&[("/a", "required"), ("/b", "required")]),
        ),
        (
            "echo",
            json!({"message": 5, "loud": true}),
            pairs(&[("/loud", "additionalProperties"), ("/message", "type")]),
        ),
    ];
    for version in ["2025-06-18", "2025-11-25"] {
        let mut server = hello(version);
        for (tool, arguments, expected) in &cases {
            let response = server.call(tool, arguments.clone());
            let channel_is_error = response.get("error").is_some();
            assert_eq!(
                channel_is_error,
                version == "2025-06-18",
                "{version}: {response}"
            );
            assert_eq!(
                &violations(&response),
                expected,
                "{version} {tool} {arguments}"
            );
        }
    }
}

#[test]
fn unknown_tools_wrong_shapes_and_malformed_json() {
    for version in ["2025-06-18", "2025-11-25"] {
        let mut server = hello(version);
        assert_eq!(
            server.call("multiply", json!({"a": 1, "b": 2}))["error"]["code"],
            -32602
        );
        assert_eq!(
            server.request("tools/call", json!({"name": "add", "arguments": [1, 2]}))["error"]["code"],
            -32602
        );
        assert_eq!(
            server.request("tools/call", json!("add"))["error"]["code"],
            -32600
        );
        server.send_line(r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add""#);
        let answer = server.recv();
        assert_eq!(answer["error"]["code"], -32700);
        assert_eq!(answer["id"], Value::Null);
        assert_eq!(
            first_text(&server.call("add", json!({"a": 1, "b": 1}))),
            "2"
        );
    }
}

/// Started with no argument, as an MCP client configured with the binary starts it, hello
/// serves stdio (not HTTP, where such a client would hang): it answers `initialize` on stdout
/// and exits cleanly when stdin ends.
#[test]
fn with_no_argument_it_serves_stdio() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Command, Stdio};

    let mut child = Command::new(env!("CARGO_BIN_EXE_hello"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("hello starts");
    let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "no-argument", "version": "0"}}});
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{initialize}").unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let response: Value = serde_json::from_str(&line).expect("a JSON-RPC line on stdout");
    assert_eq!(
        response["result"]["serverInfo"]["name"], "hello",
        "{response}"
    );
    drop(stdin);
    assert!(child.wait().unwrap().success());
}
