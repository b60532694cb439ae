//! Over stdio: 2026-07-28 requests without `initialize`, progress and log notifications, and
//! tool-set changes (legacy `list_changed` and modern `subscriptions/listen`).

use std::time::Duration;

use mcp_tests::StdioServer;
use serde_json::{Value, json};

fn spawn() -> StdioServer {
    StdioServer::spawn(env!("CARGO_BIN_EXE_test-server"), &[])
}

fn modern_meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "stdio-test", "version": "1"}
    })
}

#[test]
fn modern_requests_need_no_initialize() {
    let mut server = spawn();
    let discovered = server.request("server/discover", json!({"_meta": modern_meta()}));
    let result = &discovered["result"];
    assert_eq!(result["resultType"], "complete");
    assert_eq!(result["supportedVersions"][0], "2026-07-28");
    assert_eq!(
        result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"],
        "mcp-tests"
    );
    assert_eq!(result["cacheScope"], "public");
    assert!(result["ttlMs"].is_u64());

    let listed = server.request("tools/list", json!({"_meta": modern_meta()}));
    assert_eq!(listed["result"]["resultType"], "complete");
    assert!(listed["result"]["ttlMs"].is_u64());

    let called = server.request(
        "tools/call",
        json!({"name": "test_add", "arguments": {"a": 2, "b": 3}, "_meta": modern_meta()}),
    );
    assert_eq!(called["result"]["content"][0]["text"], "5");
    assert_eq!(called["result"]["resultType"], "complete");

    // Bad arguments on 2026-07-28 are tool execution errors, as from 2025-11-25 on.
    let bad = server.request(
        "tools/call",
        json!({"name": "test_add", "arguments": {"a": "two", "b": 3}, "_meta": modern_meta()}),
    );
    assert_eq!(bad["result"]["isError"], true);
    assert_eq!(bad["result"]["structuredContent"]["error"]["code"], -32602);

    // Removed in 2026-07-28: ping and logging/setLevel are unknown methods there.
    let ping = server.request("ping", json!({"_meta": modern_meta()}));
    assert_eq!(ping["error"]["code"], -32601);

    // Legacy requests still need `initialize`: the modern ones did not open a session.
    let legacy = server.request("tools/list", json!({}));
    assert_eq!(legacy["error"]["code"], -32600);
    assert!(server.finish().success());
}

#[test]
fn modern_requests_are_checked() {
    let mut server = spawn();
    let mut meta = modern_meta();
    meta["io.modelcontextprotocol/protocolVersion"] = json!("1999-01-01");
    let unsupported = server.request("tools/list", json!({"_meta": meta}));
    assert_eq!(unsupported["error"]["code"], -32022);
    assert_eq!(unsupported["error"]["data"]["requested"], "1999-01-01");
    assert_eq!(unsupported["error"]["data"]["supported"][0], "2026-07-28");

    let mut meta = modern_meta();
    meta.as_object_mut()
        .unwrap()
        .remove("io.modelcontextprotocol/clientCapabilities");
    let missing = server.request("tools/list", json!({"_meta": meta}));
    assert_eq!(missing["error"]["code"], -32602);
    assert!(
        missing["error"]["message"]
            .as_str()
            .unwrap()
            .contains("clientCapabilities")
    );
    assert!(server.finish().success());
}

#[test]
fn progress_is_sent_only_when_asked_and_always_increases() {
    let mut server = spawn();
    server.initialize("2025-11-25");
    let mut others = Vec::new();
    let answer = server.request_collecting(
        "tools/call",
        json!({"name": "test_progress", "arguments": {"steps": 4}, "_meta": {"progressToken": "tok"}}),
        &mut others,
    );
    assert_eq!(
        answer["result"]["content"][0]["text"],
        "sent 4 progress notifications"
    );
    let progress: Vec<f64> = others
        .iter()
        .filter(|m| m["method"] == "notifications/progress")
        .map(|m| {
            assert_eq!(m["params"]["progressToken"], "tok");
            assert_eq!(m["params"]["total"], 4.0);
            m["params"]["progress"].as_f64().unwrap()
        })
        .collect();
    assert_eq!(progress, [1.0, 2.0, 3.0, 4.0]);
    // No log messages: the client never asked for them.
    assert!(
        others
            .iter()
            .all(|m| m["method"] != "notifications/message")
    );

    let mut others = Vec::new();
    let unasked = server.request_collecting(
        "tools/call",
        json!({"name": "test_progress", "arguments": {"steps": 3}}),
        &mut others,
    );
    assert_eq!(
        unasked["result"]["content"][0]["text"],
        "sent 0 progress notifications"
    );
    assert!(others.is_empty(), "{others:?}");
    assert!(server.finish().success());
}

#[test]
fn log_messages_follow_set_level() {
    let mut server = spawn();
    server.initialize("2025-06-18");
    let set = server.request("logging/setLevel", json!({"level": "warning"}));
    assert_eq!(set["result"], json!({}));
    let mut others = Vec::new();
    server.request_collecting(
        "tools/call",
        json!({"name": "test_progress", "arguments": {"steps": 2}}),
        &mut others,
    );
    assert!(others.is_empty(), "info is below warning: {others:?}");

    server.request("logging/setLevel", json!({"level": "info"}));
    let mut others = Vec::new();
    server.request_collecting(
        "tools/call",
        json!({"name": "test_progress", "arguments": {"steps": 2}}),
        &mut others,
    );
    let logged: Vec<&Value> = others
        .iter()
        .filter(|m| m["method"] == "notifications/message")
        .collect();
    assert_eq!(logged.len(), 2, "{others:?}");
    assert_eq!(
        logged[0]["params"],
        json!({"level": "info", "data": {"step": 1}})
    );

    let bad = server.request("logging/setLevel", json!({"level": "loud"}));
    assert_eq!(bad["error"]["code"], -32602);
    assert!(server.finish().success());
}

#[test]
fn tool_set_changes_are_announced() {
    let mut server = spawn();
    server.initialize("2025-11-25");
    let mut others = Vec::new();
    let toggled = server.request_collecting(
        "tools/call",
        json!({"name": "test_toggle_extra", "arguments": {}}),
        &mut others,
    );
    assert_eq!(toggled["result"]["content"][0]["text"], "added");
    let changed = |others: &[Value]| {
        others
            .iter()
            .any(|m| m["method"] == "notifications/tools/list_changed")
    };
    // The notification may follow the answer: give it a moment.
    if !changed(&others)
        && let Some(line) = server.recv_line(Duration::from_secs(5))
    {
        others.push(serde_json::from_str(&line).unwrap());
    }
    assert!(changed(&others), "{others:?}");
    let listed = server.request("tools/list", json!({}));
    let names: Vec<&str> = listed["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"test_extra"), "{names:?}");
    assert_eq!(
        server.call("test_extra", json!({}))["result"]["content"][0]["text"],
        "extra"
    );
    assert!(server.finish().success());
}

#[test]
fn a_modern_subscription_acknowledges_then_streams_changes() {
    let mut server = spawn();
    server.send(&json!({"jsonrpc": "2.0", "id": "sub-1", "method": "subscriptions/listen",
        "params": {"_meta": modern_meta(), "notifications": {"toolsListChanged": true, "promptsListChanged": true}}}));
    let ack = server.recv();
    assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");
    assert_eq!(
        ack["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        "sub-1"
    );
    // Only what the server can honour is acknowledged.
    assert_eq!(
        ack["params"]["notifications"],
        json!({"toolsListChanged": true})
    );

    let mut others = Vec::new();
    server.request_collecting(
        "tools/call",
        json!({"name": "test_toggle_extra", "arguments": {}, "_meta": modern_meta()}),
        &mut others,
    );
    if others.is_empty() {
        others.push(server.recv());
    }
    assert_eq!(others[0]["method"], "notifications/tools/list_changed");
    assert_eq!(
        others[0]["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        "sub-1"
    );
    // Cancelling the subscription ends it without a response (stdio: notifications/cancelled).
    server.send(&json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": "sub-1"}}));
    let toggled = server.request(
        "tools/call",
        json!({"name": "test_toggle_extra", "arguments": {}, "_meta": modern_meta()}),
    );
    assert!(toggled.get("result").is_some(), "{toggled}");
    assert_eq!(server.recv_line(Duration::from_millis(500)), None);
    assert!(server.finish().success());
}
