//! Resources, resource templates, prompts and completion over real stdio, in both eras, against
//! the `catalog-server` fixture; and resource updates over real HTTP to listeners of both eras.

use std::time::Duration;

use mcp_tests::StdioServer;
use mcp_tests::http::{
    ACCEPT_BOTH, Client, HttpServer, LegacySession, header_refs, modern_request,
};
use reqwest::Method;
use serde_json::{Value, json};

fn spawn() -> StdioServer {
    StdioServer::spawn(env!("CARGO_BIN_EXE_catalog-server"), &[])
}

fn initialized(version: &str) -> (StdioServer, Value) {
    let mut server = spawn();
    let result = server.initialize(version);
    (server, result)
}

fn modern_meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
    })
}

fn read(server: &mut StdioServer, uri: &str) -> Value {
    server.request("resources/read", json!({"uri": uri}))
}

#[test]
fn capabilities_name_resources_prompts_and_completions() {
    let (_server, result) = initialized("2025-11-25");
    let capabilities = &result["capabilities"];
    assert_eq!(capabilities["resources"]["subscribe"], true);
    assert_eq!(capabilities["prompts"], json!({"listChanged": false}));
    assert_eq!(capabilities["completions"], json!({}));
    assert_eq!(capabilities["tools"]["listChanged"], true);
}

#[test]
fn resources_and_templates_are_listed_in_pages() {
    let (mut server, _) = initialized("2025-11-25");
    let first = server.request("resources/list", json!({}));
    let page = first["result"]["resources"].as_array().unwrap();
    assert_eq!(page.len(), 3, "the fixture's page size");
    assert_eq!(
        page[0],
        json!({"uri": "test://static-text", "name": "static_text", "title": "Static text",
               "description": "A fixed text resource.", "mimeType": "text/plain"})
    );
    let cursor = first["result"]["nextCursor"]
        .as_str()
        .expect("a second page");
    let second = server.request("resources/list", json!({"cursor": cursor}));
    let uris: Vec<&str> = second["result"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["uri"].as_str().unwrap())
        .collect();
    assert_eq!(uris, ["test://refused", "test://broken"]);
    assert!(second["result"].get("nextCursor").is_none());
    let bad = server.request("resources/list", json!({"cursor": "nope"}));
    assert_eq!(bad["error"]["code"], -32602);

    let templates = server.request("resources/templates/list", json!({}));
    let templates = templates["result"]["resourceTemplates"].as_array().unwrap();
    assert_eq!(templates[0]["uriTemplate"], "item://{id}");
    assert_eq!(templates[0]["name"], "item");
    assert_eq!(templates[0]["mimeType"], "application/json");
    assert_eq!(templates[1]["uriTemplate"], "file:///{+path}");
}

#[test]
fn titles_only_from_2025_06_18() {
    let (mut server, _) = initialized("2025-03-26");
    let listed = server.request("resources/list", json!({}));
    assert!(listed["result"]["resources"][0].get("title").is_none());
    let prompts = server.request("prompts/list", json!({}));
    assert!(prompts["result"]["prompts"][0].get("title").is_none());
}

#[test]
fn reads_fixed_resources_and_typed_templates() {
    let (mut server, _) = initialized("2025-11-25");
    let text = read(&mut server, "test://static-text");
    assert_eq!(
        text["result"]["contents"],
        json!([{"uri": "test://static-text", "mimeType": "text/plain",
                "text": "This is the content of the static text resource."}])
    );
    let binary = read(&mut server, "test://static-binary");
    assert_eq!(binary["result"]["contents"][0]["blob"], "iVBORw==");
    assert_eq!(binary["result"]["contents"][0]["mimeType"], "image/png");

    let item = read(&mut server, "item://42");
    let contents = &item["result"]["contents"][0];
    assert_eq!(contents["uri"], "item://42");
    assert_eq!(contents["mimeType"], "application/json");
    let parsed: Value = serde_json::from_str(contents["text"].as_str().unwrap()).unwrap();
    assert_eq!(parsed, json!({"id": 42, "name": "item 42"}));

    // `{+path}` spans segments; values are percent-decoded.
    let file = read(&mut server, "file:///docs/a%20b.md");
    assert_eq!(
        file["result"]["contents"][0]["text"],
        "contents of docs/a b.md"
    );
    assert_eq!(file["result"]["contents"][0]["mimeType"], "text/x-path");
}

#[test]
fn not_found_is_32002_on_legacy_versions_and_32602_on_2026_07_28() {
    let (mut server, _) = initialized("2025-11-25");
    for uri in ["test://nothing", "item://500", "item:/x"] {
        let missing = read(&mut server, uri);
        assert_eq!(missing["error"]["code"], -32002, "{uri}: {missing}");
        assert_eq!(missing["error"]["data"]["uri"], uri);
    }
    let modern = server.request(
        "resources/read",
        json!({"uri": "item://500", "_meta": modern_meta()}),
    );
    assert_eq!(modern["error"]["code"], -32602);
    assert_eq!(modern["error"]["message"], "Resource not found");
    assert_eq!(modern["error"]["data"]["uri"], "item://500");
}

#[test]
fn bad_variables_errors_and_panics_are_answers_and_the_session_goes_on() {
    let (mut server, _) = initialized("2025-11-25");
    let typed = read(&mut server, "item://abc");
    assert_eq!(typed["error"]["code"], -32602);
    assert_eq!(typed["error"]["data"]["uri"], "item://abc");
    assert_eq!(
        typed["error"]["data"]["violations"][0],
        json!({"path": "/id", "keyword": "format", "message": "`id` cannot be read as `u32`"})
    );

    let refused = read(&mut server, "test://refused");
    assert_eq!(refused["error"]["code"], -32603);
    assert_eq!(
        refused["error"]["message"],
        "this resource is not available to you"
    );

    let broken = read(&mut server, "test://broken");
    let message = broken["error"]["message"].as_str().unwrap();
    assert_eq!(broken["error"]["code"], -32603);
    assert!(message.contains("error id"), "{message}");
    assert!(!message.contains("alice"), "{message}");

    let panicked = read(&mut server, "item://13");
    assert_eq!(panicked["error"]["code"], -32603);
    let panic_message = panicked["error"]["message"].as_str().unwrap();
    assert!(!panic_message.contains("secret"), "{panic_message}");

    // Still serving.
    assert_eq!(
        read(&mut server, "item://7")["result"]["contents"][0]["uri"],
        "item://7"
    );
    let log = server.wait_for_stderr("\"outcome\":\"panic\"");
    assert!(
        !log.contains("holds a secret"),
        "panic payloads stay out of the log"
    );
    assert!(
        !log.contains("/home/alice"),
        "error messages stay out of the log"
    );
}

#[test]
fn prompts_are_listed_and_rendered_with_typed_arguments() {
    let (mut server, _) = initialized("2025-11-25");
    let listed = server.request("prompts/list", json!({}));
    let greet = &listed["result"]["prompts"][0];
    assert_eq!(greet["name"], "greet");
    assert_eq!(greet["title"], "Greeting");
    assert_eq!(greet["description"], "Greets someone.");
    assert_eq!(
        greet["arguments"],
        json!([
            {"name": "name", "description": "Who to greet.", "required": true},
            {"name": "tone", "description": "How to greet.", "required": false},
            {"name": "times", "description": "How many times.", "required": false}
        ])
    );

    let got = server.request(
        "prompts/get",
        json!({"name": "greet", "arguments": {"name": "Ada", "tone": "formal", "times": "2"}}),
    );
    let messages = &got["result"]["messages"];
    assert_eq!(
        messages[0],
        json!({"role": "user", "content": {"type": "text", "text": "Good day, Ada! Good day, Ada!"}})
    );
    assert_eq!(messages[1]["role"], "assistant");
    assert_eq!(messages[1]["content"]["type"], "resource");
    assert_eq!(
        messages[1]["content"]["resource"]["uri"],
        "test://static-text"
    );

    let optional_left_out = server.request(
        "prompts/get",
        json!({"name": "greet", "arguments": {"name": "Bo"}}),
    );
    assert_eq!(
        optional_left_out["result"]["messages"][0]["content"]["text"],
        "Hi, Bo!"
    );
}

#[test]
fn bad_prompt_requests_list_every_problem() {
    let (mut server, _) = initialized("2025-11-25");
    let bad = server.request(
        "prompts/get",
        json!({"name": "greet", "arguments": {"tone": "loud", "times": "300"}}),
    );
    assert_eq!(bad["error"]["code"], -32602);
    let violations: Vec<(&str, &str)> = bad["error"]["data"]["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["path"].as_str().unwrap(), v["keyword"].as_str().unwrap()))
        .collect();
    assert_eq!(
        violations,
        [
            ("/name", "required"),
            ("/tone", "format"),
            ("/times", "format")
        ]
    );
    let unknown = server.request("prompts/get", json!({"name": "nope"}));
    assert_eq!(unknown["error"]["code"], -32602);
    let extra = server.request(
        "prompts/get",
        json!({"name": "greet", "arguments": {"name": "a", "colour": "red"}}),
    );
    assert_eq!(extra["error"]["code"], -32602);
    assert!(
        extra["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`colour`")
    );
    let not_strings = server.request(
        "prompts/get",
        json!({"name": "greet", "arguments": {"name": 5}}),
    );
    assert_eq!(not_strings["error"]["code"], -32602);
    let panicked = server.request("prompts/get", json!({"name": "panicking_prompt"}));
    assert_eq!(panicked["error"]["code"], -32603);
    assert!(
        !panicked["error"]["message"]
            .as_str()
            .unwrap()
            .contains("secret")
    );
}

#[test]
fn completion_calls_the_hook_of_the_argument() {
    let (mut server, _) = initialized("2025-11-25");
    let names = server.request(
        "completion/complete",
        json!({"ref": {"type": "ref/prompt", "name": "greet"}, "argument": {"name": "name", "value": "al"}}),
    );
    assert_eq!(
        names["result"],
        json!({"completion": {"values": ["alice", "alfred"], "hasMore": false}})
    );
    // The context of resolved arguments reaches the hook (this one leaves out bob when formal).
    let everyone = server.request(
        "completion/complete",
        json!({"ref": {"type": "ref/prompt", "name": "greet"}, "argument": {"name": "name", "value": ""}}),
    );
    assert_eq!(
        everyone["result"]["completion"]["values"],
        json!(["alice", "alfred", "bob"])
    );
    let formal = server.request(
        "completion/complete",
        json!({"ref": {"type": "ref/prompt", "name": "greet"}, "argument": {"name": "name", "value": ""},
               "context": {"arguments": {"tone": "formal"}}}),
    );
    assert_eq!(
        formal["result"]["completion"]["values"],
        json!(["alice", "alfred"])
    );
    // Template variables complete too; more than 100 values are cut, counted and flagged.
    let ids = server.request(
        "completion/complete",
        json!({"ref": {"type": "ref/resource", "uri": "item://{id}"}, "argument": {"name": "id", "value": ""}}),
    );
    let completion = &ids["result"]["completion"];
    assert_eq!(completion["values"].as_array().unwrap().len(), 100);
    assert_eq!(completion["total"], 150);
    assert_eq!(completion["hasMore"], true);
    // An argument without a hook has no suggestions; unknown references are -32602.
    let no_hook = server.request(
        "completion/complete",
        json!({"ref": {"type": "ref/prompt", "name": "greet"}, "argument": {"name": "tone", "value": "f"}}),
    );
    assert_eq!(no_hook["result"]["completion"]["values"], json!([]));
    for params in [
        json!({"ref": {"type": "ref/prompt", "name": "nope"}, "argument": {"name": "x", "value": ""}}),
        json!({"ref": {"type": "ref/resource", "uri": "item://7"}, "argument": {"name": "id", "value": ""}}),
        json!({"ref": {"type": "ref/prompt", "name": "greet"}, "argument": {"name": "nope", "value": ""}}),
        json!({"ref": {"type": "ref/tool", "name": "touch"}, "argument": {"name": "uri", "value": ""}}),
        json!({"argument": {"name": "x", "value": ""}}),
    ] {
        let refused = server.request("completion/complete", params.clone());
        assert_eq!(refused["error"]["code"], -32602, "{params}");
    }
}

#[test]
fn modern_lists_and_reads_are_cacheable_and_subscribe_is_gone() {
    let mut server = spawn();
    let listed = server.request("resources/list", json!({"_meta": modern_meta()}));
    assert_eq!(listed["result"]["resultType"], "complete");
    assert!(listed["result"]["ttlMs"].as_u64().unwrap() > 0);
    assert_eq!(listed["result"]["cacheScope"], "public");
    for method in ["resources/templates/list", "prompts/list"] {
        let result = &server.request(method, json!({"_meta": modern_meta()}))["result"];
        assert!(result["ttlMs"].is_u64(), "{method}");
        assert_eq!(result["cacheScope"], "public", "{method}");
    }
    let read = server.request(
        "resources/read",
        json!({"uri": "test://static-text", "_meta": modern_meta()}),
    );
    assert_eq!(
        read["result"]["ttlMs"], 0,
        "contents may change at any time"
    );
    assert_eq!(read["result"]["cacheScope"], "public");
    let got = server.request(
        "prompts/get",
        json!({"name": "greet", "arguments": {"name": "Ada"}, "_meta": modern_meta()}),
    );
    assert_eq!(got["result"]["resultType"], "complete");
    // 2026-07-28 replaced resources/subscribe with subscriptions/listen.
    let subscribe = server.request(
        "resources/subscribe",
        json!({"uri": "test://watched", "_meta": modern_meta()}),
    );
    assert_eq!(subscribe["error"]["code"], -32601);
    let discovered = server.request("server/discover", json!({"_meta": modern_meta()}));
    assert_eq!(
        discovered["result"]["capabilities"]["resources"]["subscribe"],
        true
    );
}

#[test]
fn subscribed_stdio_sessions_hear_of_updates_and_only_of_theirs() {
    let (mut server, _) = initialized("2025-11-25");
    let missing = server.request("resources/subscribe", json!({"uri": "test://nothing"}));
    assert_eq!(missing["error"]["code"], -32002);
    let subscribed = server.request("resources/subscribe", json!({"uri": "item://5"}));
    assert_eq!(subscribed["result"], json!({}));

    let mut others = Vec::new();
    server.request_collecting(
        "tools/call",
        json!({"name": "touch", "arguments": {"uri": "item://6"}}),
        &mut others,
    );
    server.request_collecting(
        "tools/call",
        json!({"name": "touch", "arguments": {"uri": "item://5"}}),
        &mut others,
    );
    let ping = server.request_collecting("ping", json!({}), &mut others);
    assert_eq!(ping["result"], json!({}));
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    while others.is_empty() && std::time::Instant::now() < deadline {
        if let Some(line) = server.recv_line(Duration::from_millis(100)) {
            others.push(serde_json::from_str(&line).unwrap());
        }
    }
    assert_eq!(
        others,
        [
            json!({"jsonrpc": "2.0", "method": "notifications/resources/updated", "params": {"uri": "item://5"}})
        ]
    );

    let unsubscribed = server.request("resources/unsubscribe", json!({"uri": "item://5"}));
    assert_eq!(unsubscribed["result"], json!({}));
    server.call("touch", json!({"uri": "item://5"}));
    assert!(
        server.recv_line(Duration::from_millis(300)).is_none(),
        "no update after unsubscribing"
    );
}

#[tokio::test]
async fn updates_reach_http_listeners_of_both_eras() {
    let server = HttpServer::spawn(env!("CARGO_BIN_EXE_catalog-server"), &[]);
    let client = Client::new(server.url());
    let mut session = LegacySession::open(&client, "2025-11-25").await;
    let subscribed = session
        .request("resources/subscribe", json!({"uri": "test://watched"}))
        .await;
    assert_eq!(subscribed.json()["result"], json!({}));
    let mut get_headers = session.headers();
    get_headers.push(("accept", "text/event-stream"));
    let mut legacy_stream = client.open_sse(Method::GET, &get_headers, None).await;

    let (listen, headers) = modern_request(
        9,
        "subscriptions/listen",
        json!({"notifications": {"resourceSubscriptions": ["test://watched", "test://nothing"]}}),
    );
    let mut all = header_refs(&headers);
    all.push(ACCEPT_BOTH);
    let mut modern_stream = client.open_sse(Method::POST, &all, Some(&listen)).await;
    let ack = modern_stream
        .next_message(Duration::from_secs(5))
        .await
        .expect("an acknowledgment");
    assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");
    assert_eq!(
        ack["params"]["notifications"],
        json!({"resourceSubscriptions": ["test://watched"]}),
        "only resources the server has are honoured"
    );

    let touched = session
        .request(
            "tools/call",
            json!({"name": "touch", "arguments": {"uri": "test://watched"}}),
        )
        .await;
    assert_eq!(touched.json()["result"]["content"][0]["text"], "touched");
    let legacy = legacy_stream
        .next_message(Duration::from_secs(5))
        .await
        .expect("an update");
    assert_eq!(
        legacy,
        json!({"jsonrpc": "2.0", "method": "notifications/resources/updated", "params": {"uri": "test://watched"}})
    );
    let modern = modern_stream
        .next_message(Duration::from_secs(5))
        .await
        .expect("an update");
    assert_eq!(modern["method"], "notifications/resources/updated");
    assert_eq!(modern["params"]["uri"], "test://watched");
    assert_eq!(
        modern["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        9
    );
}
