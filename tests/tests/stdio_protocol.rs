//! The protocol over real stdio: lifecycle, negotiation, framing errors, the catch-all, cancellation,
//! pagination, batches, the line cap and EOF.

use std::time::Duration;

use mcp_tests::{StdioServer, first_text};
use serde_json::{Value, json};

fn spawn(env: &[(&str, &str)]) -> StdioServer {
    StdioServer::spawn(env!("CARGO_BIN_EXE_test-server"), env)
}

fn initialized(version: &str) -> StdioServer {
    let mut server = spawn(&[]);
    server.initialize(version);
    server
}

#[test]
fn negotiation_answers_the_requested_version_or_the_latest() {
    for (requested, answered) in [
        ("2024-11-05", "2024-11-05"),
        ("2025-03-26", "2025-03-26"),
        ("2025-06-18", "2025-06-18"),
        ("2025-11-25", "2025-11-25"),
        ("1999-01-01", "2025-11-25"),
        // 2026-07-28 has no handshake: `initialize` settles on the newest legacy version.
        ("2026-07-28", "2025-11-25"),
    ] {
        let mut server = spawn(&[]);
        let result = server.initialize(requested);
        assert_eq!(result["protocolVersion"], answered);
        // serverInfo is the user's crate (this test crate), never the framework's.
        assert_eq!(
            result["serverInfo"],
            json!({"name": "mcp-tests", "version": "0.1.0"})
        );
        assert_eq!(
            result["capabilities"],
            // `resources`: the fixture has one scoped resource (`things://secret`).
            json!({"tools": {"listChanged": true}, "logging": {}, "resources": {"subscribe": true, "listChanged": false}})
        );
        assert_eq!(result["instructions"], "Test fixtures for mcp-runtime.");
    }
}

#[test]
fn lifecycle_rules() {
    let mut server = spawn(&[]);
    assert_eq!(
        server.request("ping", json!({}))["result"],
        json!({}),
        "ping works before initialize"
    );
    let early = server.request("tools/list", json!({}));
    assert_eq!(early["error"]["code"], -32600, "{early}");
    let missing = server.request("initialize", json!({"capabilities": {}}));
    assert_eq!(missing["error"]["code"], -32602, "{missing}");
    server.initialize("2025-06-18");
    let again = server.request("initialize", json!({"protocolVersion": "2025-06-18"}));
    assert_eq!(again["error"]["code"], -32600, "{again}");
    assert_eq!(
        server.request("prompts/list", json!({}))["error"]["code"],
        -32601,
        "a server without prompts has no prompts/list"
    );
    assert!(server.finish().success(), "EOF ends the server cleanly");
}

#[test]
fn framing_errors_get_their_codes_and_reading_goes_on() {
    let mut server = initialized("2025-06-18");
    let cases: [(&str, i64, Value); 6] = [
        ("{not json", -32700, Value::Null),
        ("[1, 2", -32700, Value::Null),
        ("\"just a string\"", -32600, Value::Null),
        (
            r#"{"jsonrpc":"1.0","id":5,"method":"ping"}"#,
            -32600,
            json!(5),
        ),
        (
            r#"{"jsonrpc":"2.0","id":"x","method":7}"#,
            -32600,
            json!("x"),
        ),
        (
            r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#,
            -32600,
            Value::Null,
        ),
    ];
    for (line, code, id) in cases {
        server.send_line(line);
        let answer = server.recv();
        assert_eq!(answer["error"]["code"], code, "{line} → {answer}");
        assert_eq!(answer["id"], id, "{line} → {answer}");
    }
    assert_eq!(server.request("ping", json!({}))["result"], json!({}));
}

#[test]
fn batches_follow_the_version() {
    let mut old = initialized("2025-03-26");
    old.send_line(r#"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/x"},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"test_context"}}]"#);
    let answer = old.recv();
    let ids: Vec<&Value> = answer
        .as_array()
        .expect("a batch answer is an array")
        .iter()
        .map(|r| &r["id"])
        .collect();
    assert_eq!(ids, [&json!(1), &json!(2)]);
    assert_eq!(
        answer[1]["result"]["content"][0]["text"],
        "version=2025-03-26 request=2"
    );

    let mut new = initialized("2025-06-18");
    new.send_line(r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#);
    let answer = new.recv();
    assert_eq!(answer["error"]["code"], -32600, "{answer}");
    assert_eq!(answer["id"], Value::Null);
}

#[test]
fn tool_errors_panics_and_internal_errors_become_results() {
    let mut server = initialized("2025-11-25");
    let user = server.call("test_tool_error", json!({}));
    assert_eq!(user["result"]["isError"], true);
    assert_eq!(first_text(&user), "this tool always fails");

    let internal = server.call("test_internal_error", json!({}));
    assert_eq!(internal["result"]["isError"], true);
    let text = first_text(&internal).to_owned();
    assert!(
        text.starts_with("The tool failed with an internal error (error id: "),
        "{text}"
    );
    assert!(
        !text.contains("secret"),
        "the error's own message must not reach the client: {text}"
    );

    for _ in 0..3 {
        let panicked = server.call("test_panic", json!({"message": "canary-4f1d"}));
        assert_eq!(panicked["result"]["isError"], true);
        let text = first_text(&panicked);
        let error_id = text
            .trim_end_matches(").")
            .rsplit(' ')
            .next()
            .unwrap()
            .to_owned();
        assert_eq!(error_id.len(), 16, "{text}");
        // The session keeps serving after a panic.
        assert_eq!(
            first_text(&server.call("test_context", json!({})))
                .split(' ')
                .next(),
            Some("version=2025-11-25")
        );
        // The log ties the error id to the call.
        server.wait_for_stderr(&error_id);
    }
    let stderr = server.stderr();
    assert!(
        !stderr.contains("canary-4f1d"),
        "a panic payload reached the log:\n{stderr}"
    );
    assert!(
        !stderr.contains("secret detail"),
        "an internal error's message reached the log:\n{stderr}"
    );
    assert!(server.is_running());
}

#[test]
fn cancelled_calls_stop_and_get_no_response() {
    let mut server = initialized("2025-11-25");
    server.send(&json!({"jsonrpc": "2.0", "id": "slow", "method": "tools/call", "params": {"name": "test_sleep", "arguments": {"ms": 30000}}}));
    server.send(&json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": "slow", "reason": "user"}}));
    // The session answers other requests, and nothing ever answers the cancelled one.
    assert_eq!(server.request("ping", json!({}))["result"], json!({}));
    assert_eq!(server.recv_line(Duration::from_millis(500)), None);
    server.wait_for_stderr(r#""outcome":"cancelled""#);
}

#[test]
fn pagination_walks_every_tool_and_refuses_unknown_cursors() {
    let mut whole = initialized("2025-06-18");
    let all: Vec<Value> = whole.request("tools/list", json!({}))["result"]["tools"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        all.len() > 6,
        "the fixture has enough tools to page through"
    );

    let mut server = spawn(&[("TEST_SERVER_PAGE_SIZE", "3")]);
    server.initialize("2025-06-18");
    let mut paged = Vec::new();
    let mut cursor = Value::Null;
    let mut pages = 0;
    loop {
        let params = if cursor.is_null() {
            json!({})
        } else {
            json!({"cursor": cursor})
        };
        let result = server.request("tools/list", params)["result"].clone();
        let page = result["tools"].as_array().unwrap();
        assert!(page.len() <= 3);
        paged.extend(page.iter().cloned());
        pages += 1;
        match result.get("nextCursor") {
            Some(next) => cursor = next.clone(),
            None => break,
        }
    }
    assert_eq!(pages, all.len().div_ceil(3));
    assert_eq!(
        paged, all,
        "the pages together are the whole list, in order"
    );
    for bad in [json!("nonsense"), json!("c1"), json!(12)] {
        assert_eq!(
            server.request("tools/list", json!({"cursor": bad}))["error"]["code"],
            -32602,
            "{bad}"
        );
    }
}

#[test]
fn structured_output_follows_the_version() {
    let mut june = initialized("2025-06-18");
    let listed = june.request("tools/list", json!({}));
    let tool = listed["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "test_json")
        .unwrap()
        .clone();
    assert_eq!(
        tool["outputSchema"]["properties"]["count"]["type"],
        "integer"
    );
    let result = june.call("test_json", json!({"values": [1.0, 2.0, 6.0]}))["result"].clone();
    assert_eq!(
        result["structuredContent"],
        json!({"count": 3, "mean": 3.0})
    );
    assert_eq!(
        serde_json::from_str::<Value>(result["content"][0]["text"].as_str().unwrap()).unwrap(),
        result["structuredContent"]
    );
    let wrapped = june.call("test_json_list", json!({"n": 2}))["result"].clone();
    assert_eq!(wrapped["structuredContent"], json!({"result": [0, 1]}));

    let mut march = initialized("2025-03-26");
    let listed = march.request("tools/list", json!({}));
    assert!(
        listed["result"]["tools"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t.get("outputSchema").is_none())
    );
    let result = march.call("test_json", json!({"values": [2.0]}))["result"].clone();
    assert!(result.get("structuredContent").is_none());
    assert_eq!(result["content"][0]["text"], r#"{"count":1,"mean":2.0}"#);
}

#[test]
fn overlong_lines_are_refused_and_reading_goes_on() {
    let mut server = spawn(&[("TEST_SERVER_MAX_LINE_BYTES", "1024")]);
    server.initialize("2025-11-25");
    let long = json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": "test_flatten", "arguments": {"query": "x".repeat(4000)}}});
    server.send(&long);
    let answer = server.recv();
    assert_eq!(answer["error"]["code"], -32600, "{answer}");
    assert_eq!(answer["id"], Value::Null);
    assert_eq!(server.request("ping", json!({}))["result"], json!({}));
}

#[test]
fn hundreds_of_bad_inputs_never_crash_the_server() {
    let mut server = initialized("2025-11-25");
    let seeds = [
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"test_constraints","arguments":{"count":5,"name":"abc","slug":"ok"}}}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{"cursor":"c0"}}"#,
        r#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"test_flatten","arguments":{"query":"q","limit":2}}}"#,
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let junk = [
        "",
        "null",
        "[]",
        "{}",
        "\"\u{0}\"",
        "1e400",
        "-0",
        "{\"a\":",
        "]]]",
        "\\u0000",
        "true",
        "[{}]",
    ];
    let mut sent = 0;
    let mut answers = Vec::new();
    for round in 0..400 {
        let seed = seeds[round % seeds.len()].as_bytes();
        let mut line: Vec<u8> = seed.to_vec();
        match next() % 4 {
            0 => line.truncate((next() as usize) % seed.len()),
            1 => {
                let at = (next() as usize) % line.len();
                line[at] = b" {}[]\":,0a-\\"[(next() % 12) as usize];
            }
            2 => {
                let at = (next() as usize) % line.len();
                let piece = junk[(next() as usize) % junk.len()];
                line.splice(at..at, piece.bytes());
            }
            _ => line = junk[(next() as usize) % junk.len()].as_bytes().to_vec(),
        }
        let line = String::from_utf8_lossy(&line).replace('\n', " ");
        server.send_line(&line);
        sent += 1;
        if round % 50 == 0 {
            assert_eq!(
                server.request_collecting("ping", json!({}), &mut answers)["result"],
                json!({}),
                "after {sent} bad lines"
            );
        }
    }
    assert_eq!(
        server.request_collecting("ping", json!({}), &mut answers)["result"],
        json!({})
    );
    for answer in &answers {
        let is_message = |m: &Value| {
            m["jsonrpc"] == "2.0" && (m.get("result").is_some() || m["error"]["code"].is_i64())
        };
        let well_formed = match answer {
            Value::Array(items) => items.iter().all(is_message),
            single => is_message(single),
        };
        assert!(well_formed, "not a JSON-RPC answer: {answer}");
    }
    assert!(
        answers.len() > 300,
        "most bad lines get an answer, got {}",
        answers.len()
    );
    assert!(server.is_running(), "the server died on bad input");
    // Every stdout line was JSON (StdioServer::recv asserts it); drain what is left.
    while let Some(line) = server.recv_line(Duration::from_millis(300)) {
        serde_json::from_str::<Value>(&line)
            .unwrap_or_else(|e| panic!("non-JSON on stdout ({e}): {line}"));
    }
    assert!(server.finish().success());
}
