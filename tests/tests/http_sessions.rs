//! Legacy sessions over HTTP: ids, DELETE, idle expiry, the session cap, stateless mode, and the
//! two eras side by side.

use std::time::Duration;

use mcp_tests::http::{Client, HttpServer, LegacySession, modern};
use reqwest::Method;
use serde_json::json;

fn server(env: &[(&str, &str)]) -> HttpServer {
    HttpServer::spawn(env!("CARGO_BIN_EXE_test-server"), env)
}

#[tokio::test]
async fn a_session_lives_from_initialize_to_delete() {
    let server = server(&[]);
    let client = Client::new(server.url());
    let mut session = LegacySession::open(&client, "2025-11-25").await;
    let id = session.id.clone().expect("a session id");
    // Transports, "Session Management": visible ASCII, and unguessable (128 random bits).
    assert_eq!(id.len(), 32);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    let other = LegacySession::open(&client, "2025-06-18").await;
    assert_ne!(other.id, session.id);

    let listed = session.request("tools/list", json!({})).await;
    assert!(listed.json()["result"]["tools"].as_array().unwrap().len() > 5);
    // Another supported version in the header is served at the negotiated one (only invalid
    // or unsupported versions get 400).
    let reply = client
        .post(
            &json!({"jsonrpc": "2.0", "id": 9, "method": "tools/list"}),
            &[
                ("mcp-session-id", &id),
                ("mcp-protocol-version", "2025-03-26"),
            ],
        )
        .await;
    assert_eq!(reply.status, 200);
    assert!(
        reply.json()["result"]["tools"][0].get("title").is_some()
            || reply.json()["result"]["tools"]
                .as_array()
                .unwrap()
                .iter()
                .any(|tool| tool.get("outputSchema").is_some()),
        "answered at 2025-11-25, which has titles and output schemas"
    );
    let unsupported = client
        .post(
            &json!({"jsonrpc": "2.0", "id": 10, "method": "ping"}),
            &[
                ("mcp-session-id", &id),
                ("mcp-protocol-version", "2024-01-01"),
            ],
        )
        .await;
    assert_eq!(unsupported.status, 400);
    // Transports, "Protocol Version Header": an unsupported version gets 400 on GET and DELETE
    // too (-32022, as on POST), and the refused DELETE ends nothing.
    for method in [Method::GET, Method::DELETE] {
        let headers = [
            ("accept", "text/event-stream"),
            ("mcp-session-id", id.as_str()),
            ("mcp-protocol-version", "1999-01-01"),
        ];
        // An accepted GET would be an endless stream: bound the wait.
        let refused = tokio::time::timeout(
            Duration::from_secs(10),
            client.send(method.clone(), &headers, None),
        )
        .await
        .unwrap_or_else(|_| panic!("{method} with an unsupported version was accepted"));
        assert_eq!(refused.status, 400, "{method}");
        assert_eq!(refused.json()["error"]["code"], -32022, "{method}");
    }

    let ended = client.send(Method::DELETE, &session.headers(), None).await;
    assert_eq!(ended.status, 204);
    let after = session.request("tools/list", json!({})).await;
    assert_eq!(after.status, 404, "an ended session is unknown");
    let again = client.send(Method::DELETE, &session.headers(), None).await;
    assert_eq!(again.status, 404);
    // The other session is untouched.
    let mut other = other;
    assert_eq!(other.request("ping", json!({})).await.status, 200);
    // GET and DELETE without a session: 400.
    assert_eq!(client.send(Method::DELETE, &[], None).await.status, 400);
    let get = client
        .send(Method::GET, &[("accept", "text/event-stream")], None)
        .await;
    assert_eq!(get.status, 400);
}

#[tokio::test]
async fn idle_sessions_are_closed_and_busy_ones_are_not() {
    let server = server(&[
        ("MCP_SESSION_IDLE", "600ms"),
        ("MCP_SESSION_SWEEP", "100ms"),
    ]);
    let client = Client::new(server.url());
    let mut idle = LegacySession::open(&client, "2025-11-25").await;
    let mut busy = LegacySession::open(&client, "2025-11-25").await;
    // A call running longer than the idle limit keeps its session.
    let long_call = {
        let (client, headers) = (
            client.clone(),
            busy.headers()
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>(),
        );
        tokio::spawn(async move {
            let headers: Vec<(&str, &str)> = headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            client
                .post(&json!({"jsonrpc": "2.0", "id": 77, "method": "tools/call", "params": {"name": "test_sleep", "arguments": {"ms": 1500}}}), &headers)
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(
        idle.request("ping", json!({})).await.status,
        404,
        "idle session closed"
    );
    let answered = long_call.await.unwrap();
    assert_eq!(
        answered.json()["result"]["content"][0]["text"],
        "slept 1500 ms"
    );
    assert_eq!(
        busy.request("ping", json!({})).await.status,
        200,
        "busy session kept"
    );
    assert!(
        server
            .stderr_contains("idle sessions closed", Duration::from_secs(5))
            .await
    );
}

#[tokio::test]
async fn the_session_cap_refuses_politely() {
    let server = server(&[("MCP_MAX_SESSIONS", "2")]);
    let client = Client::new(server.url());
    let first = LegacySession::open(&client, "2025-11-25").await;
    let _second = LegacySession::open(&client, "2025-11-25").await;
    let refused = client
        .post(&json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}), &[])
        .await;
    assert_eq!(refused.status, 503);
    assert!(refused.header("retry-after").is_some());
    assert!(
        refused.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("retry later")
    );
    // Ending a session frees a place.
    assert_eq!(
        client
            .send(Method::DELETE, &first.headers(), None)
            .await
            .status,
        204
    );
    LegacySession::open(&client, "2025-11-25").await;
    // 2026-07-28 requests hold no session: the cap does not apply to them.
    let discovered = modern(&client, 1, "server/discover", json!({})).await;
    assert_eq!(discovered.status, 200);
}

#[tokio::test]
async fn stateless_mode_has_no_sessions() {
    let server = server(&[("MCP_STATELESS", "true")]);
    let client = Client::new(server.url());
    let session = LegacySession::open(&client, "2025-06-18").await;
    assert_eq!(session.id, None, "no Mcp-Session-Id in stateless mode");
    // Any request works on its own, at the version its header names.
    let reply = client
        .post(
            &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "test_context", "arguments": {}}}),
            &[("mcp-protocol-version", "2025-06-18")],
        )
        .await;
    let text = reply.json()["result"]["content"][0]["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(text.starts_with("version=2025-06-18"), "{text}");
    let get = client
        .send(Method::GET, &[("accept", "text/event-stream")], None)
        .await;
    assert_eq!(get.status, 405);
}

#[tokio::test]
async fn both_eras_side_by_side() {
    let server = server(&[]);
    let client = Client::new(server.url());
    let mut legacy = LegacySession::open(&client, "2025-03-26").await;
    let discovered = modern(&client, 1, "server/discover", json!({})).await;
    let result = &discovered.json()["result"];
    assert_eq!(result["resultType"], "complete");
    assert!(
        result["supportedVersions"]
            .as_array()
            .unwrap()
            .contains(&json!("2025-03-26"))
    );
    assert_eq!(
        result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"],
        "mcp-tests"
    );
    assert!(
        discovered.header("mcp-session-id").is_none(),
        "no session for 2026-07-28"
    );

    let modern_list = modern(&client, 2, "tools/list", json!({})).await;
    assert_eq!(modern_list.json()["result"]["cacheScope"], "public");
    let legacy_list = legacy.request("tools/list", json!({})).await;
    assert!(
        legacy_list.json()["result"].get("resultType").is_none(),
        "legacy results have no resultType"
    );
    // 2025-03-26 keeps batches; the modern request in between did not disturb the session.
    let batch = json!([
        {"jsonrpc": "2.0", "id": 10, "method": "ping"},
        {"jsonrpc": "2.0", "id": 11, "method": "tools/call", "params": {"name": "test_add", "arguments": {"a": 1, "b": 1}}}
    ]);
    let answers = client.post(&batch, &legacy.headers()).await;
    assert_eq!(
        answers.json().as_array().unwrap().len(),
        2,
        "{:?}",
        answers.body
    );
}
