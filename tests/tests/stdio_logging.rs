//! Logs over real stdio: what every line carries, and that nothing a client sent reaches them.
//!
//! Canary strings (an email address, a JWT, a card number, a unique marker) go through every path
//! of a call with logging at its most verbose; none may appear on stderr.

use mcp_tests::{StdioServer, first_text};
use serde_json::{Value, json};

const EMAIL: &str = "canary.user@example.org";
const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJjYW5hcnkiOiJ5ZXMifQ.Zm9vYmFyYmF6";
const CARD: &str = "4242424242424242";
const MARKER: &str = "zq-canary-8d1f6a";
const CANARIES: [&str; 4] = [EMAIL, JWT, CARD, MARKER];

fn server() -> StdioServer {
    let mut server = StdioServer::spawn(
        env!("CARGO_BIN_EXE_test-server"),
        &[("MCP_LOG", "trace"), ("MCP_LOG_FORMAT", "json")],
    );
    server.initialize("2025-11-25");
    server
}

/// Ends the server and parses every line it logged.
fn log_lines(server: StdioServer) -> (Vec<Value>, String) {
    let (status, stderr) = server.finish_with_stderr();
    assert!(status.success());
    let lines = stderr
        .lines()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("a log line is not JSON ({e}): {line}"))
        })
        .collect();
    (lines, stderr)
}

#[test]
fn no_canary_reaches_the_log_on_any_path() {
    let mut server = server();
    let canaries = format!("{EMAIL} {JWT} {CARD} {MARKER}");
    let mut others = Vec::new();
    // Success, with the canaries in the arguments and in the result.
    assert_eq!(
        first_text(&server.call("test_flatten", json!({"query": MARKER}))),
        format!("{MARKER}:0")
    );
    // Each validation error kind, the canaries in the values (and as an unknown argument's name).
    for arguments in [
        json!({"count": canaries, "name": "a", "slug": "a"}),
        json!({"count": 1, "name": canaries, "slug": "a"}),
        json!({"count": 1, "name": "", "slug": canaries}),
        json!({"count": 1, "name": "a", "slug": "a", "status": canaries}),
        json!({"count": 1, "name": "a", "slug": "a", "tags": [EMAIL, JWT, CARD, MARKER]}),
        json!({"name": "a", "slug": "a", MARKER: EMAIL}),
    ] {
        assert_eq!(
            server.call("test_constraints", arguments)["result"]["isError"],
            true
        );
    }
    // A ToolError quoting its input, an internal error, a panic, a timeout.
    let response = server.call(
        "test_echo_error",
        json!({"message": format!("no ticket for {canaries}")}),
    );
    assert!(
        first_text(&response).contains(MARKER),
        "the client does see its ToolError: {response}"
    );
    server.call("test_internal_error", json!({}));
    server.call("test_panic", json!({"message": canaries}));
    let response = server.call("test_timeout", json!({}));
    assert_eq!(response["result"]["isError"], true);
    assert!(
        first_text(&response).starts_with("The tool did not finish within 100ms (error id: "),
        "{response}"
    );
    // Unknown tool, unknown method, wrong shapes, malformed and invalid JSON-RPC.
    assert_eq!(
        server.call(MARKER, json!({"q": EMAIL}))["error"]["code"],
        -32602
    );
    assert_eq!(
        server.request(MARKER, json!({"q": JWT}))["error"]["code"],
        -32601
    );
    assert_eq!(
        server.request(
            "tools/call",
            json!({"name": "test_add", "arguments": canaries})
        )["error"]["code"],
        -32602
    );
    server.send_line(&format!(r#"{{"jsonrpc":"2.0","id":77,"method":"tools/call","params":{{"name":"test_add","arguments":{{"a":"{canaries}""#));
    assert_eq!(server.recv()["error"]["code"], -32700);
    server.send_line(&format!(
        r#"{{"jsonrpc":"1.0","id":78,"method":"{MARKER}","params":{{"q":"{EMAIL}"}}}}"#
    ));
    assert_eq!(server.recv()["error"]["code"], -32600);
    server.send(&json!({"jsonrpc": "2.0", "method": format!("notifications/{MARKER}"), "params": {"q": CARD}}));
    // A handler that logs its arguments itself.
    let response = server.request_collecting("tools/call", json!({"name": "test_log_user_fields", "arguments": {"email": EMAIL, "note": MARKER, "ssn": CARD}}), &mut others);
    assert_eq!(first_text(&response), "logged");

    let (lines, stderr) = log_lines(server);
    for canary in CANARIES {
        assert!(
            !stderr.contains(canary),
            "{canary} reached the log:\n{stderr}"
        );
    }
    assert!(
        !stderr.contains("secret detail"),
        "an internal error's message reached the log:\n{stderr}"
    );
    assert!(
        lines
            .iter()
            .any(|line| line["level"] == "TRACE" || line["level"] == "DEBUG"),
        "logging ran at its most verbose:\n{stderr}"
    );

    let unknown_tool = lines
        .iter()
        .find(|l| l["msg"] == "tool call" && l["error_class"] == "UnknownTool")
        .expect("a line for the unknown tool");
    assert_eq!(unknown_tool["tool_name"], "<unknown>");
    let unknown_method = lines
        .iter()
        .find(|l| l["msg"] == "request refused" && l["error_code"] == -32601)
        .expect("a line for the unknown method");
    assert_eq!(unknown_method["method"], "<unknown>");

    let user = lines
        .iter()
        .find(|l| l["msg"] == "handler saw its arguments")
        .expect("the handler's own line");
    assert_eq!(user["email"], "[redacted]");
    assert_eq!(user["args"], "[redacted]");
    assert_eq!(
        user["ssn"], "[redacted]",
        "#[arg(sensitive)] names are redacted wherever they are logged"
    );
    assert!(
        user["session_id"].is_string() && user["request_id"].is_string(),
        "the user's event carries the ids: {user}"
    );
    let free_text = lines
        .iter()
        .find(|l| l["level"] == "WARN" && l["msg"].as_str().unwrap_or("").starts_with("free text"))
        .unwrap();
    assert_eq!(free_text["msg"], "free text mentioning [redacted]");
}

#[test]
fn tool_call_and_initialize_lines_carry_the_documented_fields() {
    let mut server = server();
    server.call("test_add", json!({"a": 1, "b": 2}));
    server.call("test_tool_error", json!({}));
    server.call("test_internal_error", json!({}));
    server.call("test_constraints", json!({}));
    server.call("test_panic", json!({"message": "x"}));
    let (lines, _) = log_lines(server);
    for line in &lines {
        for key in ["level", "ts", "msg", "session_id", "request_id"] {
            assert!(line.get(key).is_some(), "{key} missing from {line}");
        }
        let ts = line["ts"].as_str().unwrap();
        assert!(
            ts.len() == 27 && ts.ends_with('Z') && &ts[10..11] == "T",
            "not RFC 3339 UTC: {ts}"
        );
    }
    let session = &lines[0]["session_id"];
    assert!(session.is_string());
    assert!(
        lines.iter().all(|line| &line["session_id"] == session),
        "one session, one id"
    );

    let initialize = lines
        .iter()
        .find(|l| l["msg"] == "initialize")
        .expect("an initialize line");
    assert_eq!(initialize["client_name"], "mcp-tests");
    assert_eq!(initialize["client_version"], "0");
    assert_eq!(initialize["protocol_version"], "2025-11-25");
    assert!(initialize["duration_ms"].is_u64());

    let calls: Vec<&Value> = lines.iter().filter(|l| l["msg"] == "tool call").collect();
    let outcomes: Vec<(&str, &Value, &Value)> = calls
        .iter()
        .map(|l| {
            (
                l["outcome"].as_str().unwrap(),
                &l["error_code"],
                &l["error_class"],
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        vec![
            ("ok", &Value::Null, &Value::Null),
            ("tool_error", &Value::Null, &json!("ToolError")),
            (
                "tool_error",
                &json!(-32603),
                &json!("std::io::error::Error")
            ),
            ("invalid_params", &json!(-32602), &json!("InvalidArguments")),
            ("panic", &json!(-32603), &json!("panic")),
        ]
    );
    for call in &calls {
        for key in [
            "tool_name",
            "duration_ms",
            "outcome",
            "error_code",
            "error_class",
            "request_id",
        ] {
            assert!(call.get(key).is_some(), "{key} missing from {call}");
        }
        assert!(call["request_id"].is_string());
    }
    let panic = calls.last().unwrap();
    assert!(
        panic["error_id"].as_str().is_some_and(|id| id.len() == 16),
        "{panic}"
    );
    assert!(
        panic["panic_location"]
            .as_str()
            .is_some_and(|at| at.contains("test_server.rs")),
        "{panic}"
    );
}

/// `?` on an `io::Error` in a tool: the call's line names the `file:line` of the `?` and the
/// length of the error's `source()` chain; the message only with `MCP_LOG_ERROR_MESSAGES=true`,
/// and then through the redactor (the email in it is redacted).
#[test]
fn internal_errors_are_located_and_their_messages_logged_only_on_request() {
    let source = include_str!("../src/bin/test_server.rs");
    let line = source
        .lines()
        .position(|l| l.contains("// error_location points here."))
        .expect("the marked `?` in test_server.rs")
        + 1;
    let location = format!("tests/src/bin/test_server.rs:{line}");
    for opt_in in [None, Some("false"), Some("true")] {
        let mut env = vec![("MCP_LOG", "info"), ("MCP_LOG_FORMAT", "json")];
        if let Some(value) = opt_in {
            env.push(("MCP_LOG_ERROR_MESSAGES", value));
        }
        let mut server = StdioServer::spawn(env!("CARGO_BIN_EXE_test-server"), &env);
        server.initialize("2025-11-25");
        let response = server.call("test_internal_error", json!({}));
        assert!(
            first_text(&response).starts_with("The tool failed with an internal error (error id: "),
            "{response}"
        );
        let (lines, stderr) = log_lines(server);
        let call = lines
            .iter()
            .find(|l| l["msg"] == "tool call" && l["tool_name"] == "test_internal_error")
            .expect("the call's line");
        assert_eq!(call["level"], "ERROR", "{call}");
        assert_eq!(call["error_class"], "std::io::error::Error", "{call}");
        assert_eq!(
            call["error_location"],
            location.as_str(),
            "{opt_in:?}: {call}"
        );
        assert_eq!(call["error_sources"], 0, "{call}");
        assert!(!stderr.contains(EMAIL), "{opt_in:?}: {stderr}");
        if opt_in == Some("true") {
            assert_eq!(
                call["error_message"], "secret detail /home/alice/.ssh of [redacted]",
                "{call}"
            );
        } else {
            assert!(call["error_message"].is_null(), "{opt_in:?}: {call}");
            assert!(!stderr.contains("secret detail"), "{opt_in:?}: {stderr}");
        }
    }
}
