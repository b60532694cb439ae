//! Every fixture tool of `everything`, called over real Streamable HTTP on 127.0.0.1: the
//! payloads the conformance suite checks, log and progress notifications, the hand-written
//! JSON Schema 2020-12 document (advertised and enforced), a panic, cancellation and constraint
//! violations in both argument-error channels.

use std::time::{Duration, Instant};

use everything::{TEST_AUDIO_BASE64, TEST_IMAGE_BASE64};
use mcp_tests::http::{ACCEPT_BOTH, Client, HttpServer, LegacySession, modern};
use reqwest::Method;
use serde_json::{Value, json};

fn server() -> HttpServer {
    HttpServer::spawn(env!("CARGO_BIN_EXE_everything"), &[])
}

/// Calls `name` in `session` and returns the JSON-RPC response.
async fn call(session: &mut LegacySession, name: &str, arguments: Value) -> Value {
    let reply = session
        .request("tools/call", json!({"name": name, "arguments": arguments}))
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    reply.response()
}

#[tokio::test]
async fn content_tools_return_the_reference_payloads() {
    let server = server();
    let mut session = LegacySession::open(&Client::new(server.url()), "2025-11-25").await;
    let expected = [
        (
            "test_simple_text",
            json!([{"type": "text", "text": "This is a simple text response for testing."}]),
        ),
        (
            "test_image_content",
            json!([{"type": "image", "data": TEST_IMAGE_BASE64, "mimeType": "image/png"}]),
        ),
        (
            "test_audio_content",
            json!([{"type": "audio", "data": TEST_AUDIO_BASE64, "mimeType": "audio/wav"}]),
        ),
        (
            "test_embedded_resource",
            json!([{"type": "resource", "resource": {
                "uri": "test://embedded-resource",
                "mimeType": "text/plain",
                "text": "This is an embedded resource content."}}]),
        ),
        (
            "test_multiple_content_types",
            json!([
                {"type": "text", "text": "Multiple content types test:"},
                {"type": "image", "data": TEST_IMAGE_BASE64, "mimeType": "image/png"},
                {"type": "resource", "resource": {
                    "uri": "test://mixed-content-resource",
                    "mimeType": "application/json",
                    "text": "{\"test\":\"data\",\"value\":123}"}}
            ]),
        ),
    ];
    for (name, content) in expected {
        let response = call(&mut session, name, json!({})).await;
        assert_eq!(response["result"]["content"], content, "{name}");
        assert!(response["result"].get("isError").is_none(), "{name}");
    }
}

#[tokio::test]
async fn the_error_tool_is_a_tool_error_with_its_message() {
    let server = server();
    let mut session = LegacySession::open(&Client::new(server.url()), "2025-11-25").await;
    let response = call(&mut session, "test_error_handling", json!({})).await;
    assert_eq!(response["result"]["isError"], true);
    assert_eq!(
        response["result"]["content"],
        json!([{"type": "text", "text": "This tool intentionally returns an error for testing"}])
    );
}

#[tokio::test]
async fn logging_sends_three_info_messages_about_50ms_apart() {
    let server = server();
    let client = Client::new(server.url());
    let mut session = LegacySession::open(&client, "2025-11-25").await;
    let set = session
        .request("logging/setLevel", json!({"level": "debug"}))
        .await;
    assert_eq!(set.json()["result"], json!({}));
    let id = session.next_id();
    let message = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": "test_tool_with_logging", "arguments": {}}});
    let mut headers = session.headers();
    headers.push(ACCEPT_BOTH);
    let mut stream = client
        .open_sse(Method::POST, &headers, Some(&message))
        .await;
    assert_eq!(stream.status, 200);
    let mut logs = Vec::new();
    let response = loop {
        let message = stream
            .next_message(Duration::from_secs(10))
            .await
            .expect("the stream goes on until the response");
        if message["method"] == "notifications/message" {
            logs.push((Instant::now(), message["params"].clone()));
        } else {
            break message;
        }
    };
    let params: Vec<&Value> = logs.iter().map(|(_, params)| params).collect();
    assert_eq!(
        params,
        [
            &json!({"level": "info", "data": "Tool execution started"}),
            &json!({"level": "info", "data": "Tool processing data"}),
            &json!({"level": "info", "data": "Tool execution completed"}),
        ]
    );
    // Two pauses of ~50 ms between the first and the last message.
    assert!(logs[2].0 - logs[0].0 >= Duration::from_millis(90));
    assert_eq!(
        response["result"]["content"][0]["text"],
        "Tool with logging executed successfully"
    );
}

#[tokio::test]
async fn progress_goes_0_50_100_of_100() {
    let server = server();
    let client = Client::new(server.url());
    let mut session = LegacySession::open(&client, "2025-11-25").await;
    let id = session.next_id();
    let message = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {
        "name": "test_tool_with_progress", "arguments": {}, "_meta": {"progressToken": "p1"}}});
    let reply = client.post(&message, &session.headers()).await;
    let progress: Vec<Value> = reply
        .notifications()
        .into_iter()
        .map(|n| n["params"].clone())
        .collect();
    let step = |done: u32| {
        json!({"progressToken": "p1", "progress": f64::from(done), "total": 100.0,
            "message": format!("Completed step {done} of 100")})
    };
    assert_eq!(progress, [step(0), step(50), step(100)]);
    assert_eq!(reply.response()["result"]["isError"], Value::Null);
}

/// SEP-1613 and SEP-2106: the document the conformance suite expects, byte for byte.
fn json_schema_2020_12_document() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "$defs": {"address": {
            "$anchor": "addressDef",
            "type": "object",
            "properties": {"street": {"type": "string"}, "city": {"type": "string"}}
        }},
        "properties": {
            "name": {"type": "string"},
            "address": {"$ref": "#/$defs/address"},
            "contactMethod": {"type": "string", "enum": ["phone", "email"]},
            "phone": {"type": "string"},
            "email": {"type": "string"}
        },
        "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
        "if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
        "then": {"required": ["phone"]},
        "else": {"required": ["email"]},
        "additionalProperties": false
    })
}

#[tokio::test]
async fn the_2020_12_schema_is_advertised_exactly_in_both_eras_and_enforced() {
    let server = server();
    let client = Client::new(server.url());
    let mut session = LegacySession::open(&client, "2025-11-25").await;
    let listed = session.request("tools/list", json!({})).await;
    let modern_listed = modern(&client, 1, "tools/list", json!({})).await;
    for tools in [
        &listed.json()["result"]["tools"],
        &modern_listed.json()["result"]["tools"],
    ] {
        let tool = tools
            .as_array()
            .unwrap()
            .iter()
            .find(|tool| tool["name"] == "json_schema_2020_12_tool")
            .expect("listed");
        assert_eq!(tool["inputSchema"], json_schema_2020_12_document());
    }

    let accepted = call(
        &mut session,
        "json_schema_2020_12_tool",
        json!({"name": "Ada", "address": {"city": "London"}, "contactMethod": "phone", "phone": "1"}),
    )
    .await;
    assert_eq!(
        accepted["result"]["content"][0]["text"],
        r#"JSON Schema 2020-12 tool called with: {"name":"Ada","address":{"city":"London"},"contactMethod":"phone","phone":"1"}"#
    );
    // `if`/`then` (a phone when contacted by phone), `$ref` into `$defs`, and
    // `additionalProperties: false`, each enforced.
    let refused = call(
        &mut session,
        "json_schema_2020_12_tool",
        json!({"contactMethod": "phone", "email": "a@example.com", "address": {"city": 7}, "nickname": "x"}),
    )
    .await;
    assert_eq!(refused["result"]["isError"], true, "{refused}");
    let violations = &refused["result"]["structuredContent"]["error"]["violations"];
    let found: Vec<(&str, &str)> = violations
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["path"].as_str().unwrap(), v["keyword"].as_str().unwrap()))
        .collect();
    for wanted in [
        ("/phone", "required"),
        ("/address/city", "type"),
        ("/nickname", "additionalProperties"),
    ] {
        assert!(found.contains(&wanted), "{wanted:?} not in {violations}");
    }
}

#[tokio::test]
async fn a_panicking_tool_is_an_error_result_and_the_server_keeps_serving() {
    let server = server();
    let mut session = LegacySession::open(&Client::new(server.url()), "2025-11-25").await;
    let panicked = call(&mut session, "test_panic", json!({})).await;
    assert_eq!(panicked["result"]["isError"], true);
    let text = panicked["result"]["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("error id"), "{text}");
    assert!(
        !text.contains("on purpose"),
        "the payload stays inside: {text}"
    );
    let after = call(&mut session, "test_simple_text", json!({})).await;
    assert_eq!(
        after["result"]["content"][0]["text"],
        "This is a simple text response for testing."
    );
    assert!(!server.stderr().contains("on purpose"));
}

#[tokio::test]
async fn sleep_finishes_or_stops_when_cancelled() {
    let server = server();
    let client = Client::new(server.url());
    let mut session = LegacySession::open(&client, "2025-11-25").await;
    let slept = call(&mut session, "test_sleep", json!({"ms": 10})).await;
    assert_eq!(slept["result"]["content"][0]["text"], "slept 10 ms");

    let headers: Vec<(String, String)> = session
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let long_call = {
        let client = client.clone();
        tokio::spawn(async move {
            let headers: Vec<(&str, &str)> = headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let message = json!({"jsonrpc": "2.0", "id": "long", "method": "tools/call",
                "params": {"name": "test_sleep", "arguments": {"ms": 60000}}});
            client.post(&message, &headers).await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let cancelled = session
        .notify("notifications/cancelled", json!({"requestId": "long"}))
        .await;
    assert_eq!(cancelled.status, 202);
    let answer = long_call.await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        answer.status, 202,
        "a cancelled call has no answer: {answer:?}"
    );
    assert!(
        server
            .stderr_contains("\"outcome\":\"cancelled\"", Duration::from_secs(5))
            .await
    );
}

/// The violations of a bad `test_constraints` call, as `(path, keyword)`.
fn violation_keys(violations: &Value) -> Vec<(String, String)> {
    let mut keys: Vec<(String, String)> = violations
        .as_array()
        .expect("violations is an array")
        .iter()
        .map(|v| {
            assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()));
            (
                v["path"].as_str().unwrap().to_owned(),
                v["keyword"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    keys.sort();
    keys
}

#[tokio::test]
async fn constraint_violations_are_all_listed_on_the_channel_of_the_version() {
    let server = server();
    let client = Client::new(server.url());
    let bad = json!({"count": 51, "name": "toolong", "slug": "Not-A-Slug"});
    let all_three = [
        ("/count".to_owned(), "maximum".to_owned()),
        ("/name".to_owned(), "maxLength".to_owned()),
        ("/slug".to_owned(), "pattern".to_owned()),
    ];

    // 2025-06-18: a JSON-RPC error.
    let mut june = LegacySession::open(&client, "2025-06-18").await;
    let refused = call(&mut june, "test_constraints", bad.clone()).await;
    assert_eq!(refused["error"]["code"], -32602, "{refused}");
    assert_eq!(
        violation_keys(&refused["error"]["data"]["violations"]),
        all_three
    );

    // 2025-11-25 (SEP-1303): an `isError` result the model can read.
    let mut november = LegacySession::open(&client, "2025-11-25").await;
    let refused = call(&mut november, "test_constraints", bad.clone()).await;
    let result = &refused["result"];
    assert_eq!(result["isError"], true, "{refused}");
    assert_eq!(result["structuredContent"]["error"]["code"], -32602);
    assert_eq!(
        violation_keys(&result["structuredContent"]["error"]["violations"]),
        all_three
    );
    let text = result["content"][0]["text"].as_str().unwrap();
    assert!(
        ["/count", "/name", "/slug"]
            .iter()
            .all(|path| text.contains(path)),
        "{text}"
    );
    assert!(
        !text.contains("toolong"),
        "values are never repeated: {text}"
    );

    // The lower bounds and a missing argument, and a call that passes.
    let refused = call(
        &mut november,
        "test_constraints",
        json!({"count": 0, "name": ""}),
    )
    .await;
    assert_eq!(
        violation_keys(&refused["result"]["structuredContent"]["error"]["violations"]),
        [
            ("/count".to_owned(), "minimum".to_owned()),
            ("/name".to_owned(), "minLength".to_owned()),
            ("/slug".to_owned(), "required".to_owned()),
        ]
    );
    let accepted = call(
        &mut november,
        "test_constraints",
        json!({"count": 50, "name": "abcde", "slug": "ok"}),
    )
    .await;
    assert_eq!(
        accepted["result"]["content"][0]["text"],
        "count=50 name=abcde slug=ok"
    );
}

#[tokio::test]
async fn a_modern_logging_call_logs_only_when_the_request_asks() {
    let server = server();
    let client = Client::new(server.url());
    let quiet = modern(
        &client,
        1,
        "tools/call",
        json!({"name": "test_logging_tool", "arguments": {}}),
    )
    .await;
    assert!(quiet.notifications().is_empty(), "{quiet:?}");
    assert_eq!(
        quiet.response()["result"]["content"][0]["text"],
        "Logging evaluated"
    );
    let loud = modern(
        &client,
        2,
        "tools/call",
        json!({"name": "test_logging_tool", "arguments": {},
            "_meta": {"io.modelcontextprotocol/logLevel": "info"}}),
    )
    .await;
    let notifications = loud.notifications();
    assert_eq!(notifications.len(), 1, "{loud:?}");
    assert_eq!(
        notifications[0]["params"],
        json!({"level": "info", "data": "Diagnostic trace logging activated"})
    );
}

#[tokio::test]
async fn the_tool_change_trigger_adds_and_removes_a_tool_and_listeners_hear_it() {
    let server = server();
    let client = Client::new(server.url());
    let mut session = LegacySession::open(&client, "2025-11-25").await;
    let mut get_headers = session.headers();
    get_headers.push(("accept", "text/event-stream"));
    let mut stream = client.open_sse(Method::GET, &get_headers, None).await;
    let names = |listed: &Value| -> Vec<String> {
        listed["result"]["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|tool| tool["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let added = call(&mut session, "test_trigger_tool_change", json!({})).await;
    assert_eq!(
        added["result"]["content"][0]["text"],
        "Added test_dynamic_tool"
    );
    let changed = stream
        .next_message(Duration::from_secs(5))
        .await
        .expect("a change");
    assert_eq!(changed["method"], "notifications/tools/list_changed");
    let listed = session.request("tools/list", json!({})).await.response();
    assert!(names(&listed).contains(&"test_dynamic_tool".to_owned()));
    let removed = call(&mut session, "test_trigger_tool_change", json!({})).await;
    assert_eq!(
        removed["result"]["content"][0]["text"],
        "Removed test_dynamic_tool"
    );
    let listed = session.request("tools/list", json!({})).await.response();
    assert!(!names(&listed).contains(&"test_dynamic_tool".to_owned()));
}
