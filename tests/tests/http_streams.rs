//! SSE over HTTP: progress and log messages, heartbeats, caps, cancellation in both eras,
//! `Last-Event-ID` resumption, and tool-set changes.

use std::time::{Duration, Instant};

use mcp_tests::http::{
    ACCEPT_BOTH, Client, HttpServer, LegacySession, SseItem, header_refs, modern_request,
};
use reqwest::Method;
use serde_json::{Value, json};

fn server(env: &[(&str, &str)]) -> HttpServer {
    HttpServer::spawn(env!("CARGO_BIN_EXE_test-server"), env)
}

fn owned(headers: &[(&str, &str)]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn progress_call(id: i64, steps: u32, delay_ms: u64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {
        "name": "test_progress", "arguments": {"steps": steps, "delay_ms": delay_ms},
        "_meta": {"progressToken": format!("p{id}")}}})
}

#[tokio::test]
async fn progress_streams_then_the_response_ends_the_stream() {
    let server = server(&[]);
    let client = Client::new(server.url());
    let session = LegacySession::open(&client, "2025-11-25").await;
    let reply = client
        .post(&progress_call(1, 5, 0), &session.headers())
        .await;
    assert_eq!(reply.header("content-type"), Some("text/event-stream"));
    assert_eq!(reply.header("x-accel-buffering"), Some("no"));
    let mcp_tests::http::Body::Sse(events, _) = &reply.body else {
        panic!("{reply:?}")
    };
    // Priming event first: an id, a retry and no data (2025-11-25).
    assert!(events[0].id.is_some() && events[0].retry.is_some() && events[0].data.is_empty());
    let progress: Vec<f64> = reply
        .notifications()
        .iter()
        .map(|n| n["params"]["progress"].as_f64().unwrap())
        .collect();
    assert_eq!(progress, [1.0, 2.0, 3.0, 4.0, 5.0]);
    assert_eq!(
        reply.response()["result"]["content"][0]["text"],
        "sent 5 progress notifications"
    );
    // Without a token, the same call is plain JSON.
    let mut session = session;
    let plain = session
        .request(
            "tools/call",
            json!({"name": "test_progress", "arguments": {"steps": 2}}),
        )
        .await;
    assert_eq!(plain.header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn log_messages_follow_the_level_the_client_chose() {
    let server = server(&[]);
    let client = Client::new(server.url());
    let mut session = LegacySession::open(&client, "2025-06-18").await;
    assert_eq!(
        session
            .request("logging/setLevel", json!({"level": "info"}))
            .await
            .status,
        200
    );
    let reply = session
        .request(
            "tools/call",
            json!({"name": "test_progress", "arguments": {"steps": 3}}),
        )
        .await;
    let logged: Vec<Value> = reply
        .notifications()
        .into_iter()
        .filter(|n| n["method"] == "notifications/message")
        .collect();
    assert_eq!(logged.len(), 3, "{:?}", reply.body);
    // 2026-07-28: the level travels in each request's _meta.
    let (mut message, headers) = modern_request(
        5,
        "tools/call",
        json!({"name": "test_progress", "arguments": {"steps": 2}}),
    );
    message["params"]["_meta"]["io.modelcontextprotocol/logLevel"] = json!("info");
    let reply = client.post(&message, &header_refs(&headers)).await;
    assert_eq!(reply.notifications().len(), 2, "{:?}", reply.body);
    assert_eq!(reply.response()["result"]["resultType"], "complete");
}

#[tokio::test]
async fn quiet_streams_get_heartbeats_and_end_at_their_lifetime() {
    let server = server(&[
        ("MCP_SSE_HEARTBEAT", "150ms"),
        ("MCP_STREAM_MAX_LIFETIME", "1s"),
    ]);
    let client = Client::new(server.url());
    let session = LegacySession::open(&client, "2025-11-25").await;
    let mut headers = session.headers();
    headers.push(("accept", "text/event-stream"));
    let started = Instant::now();
    let mut stream = client.open_sse(Method::GET, &headers, None).await;
    assert_eq!(stream.status, 200);
    let mut comments = 0;
    while let Some(item) = stream.next(Duration::from_secs(5)).await {
        if item == SseItem::Comment {
            comments += 1;
        }
    }
    let lasted = started.elapsed();
    assert!(comments >= 3, "{comments} heartbeats in {lasted:?}");
    assert!(
        lasted >= Duration::from_millis(900) && lasted < Duration::from_secs(4),
        "{lasted:?}"
    );
}

#[tokio::test]
async fn stream_caps_answer_429_and_cap_events() {
    let server = server(&[
        ("MCP_MAX_STREAMS_PER_SESSION", "1"),
        ("MCP_STREAM_MAX_EVENTS", "3"),
    ]);
    let client = Client::new(server.url());
    let session = LegacySession::open(&client, "2025-11-25").await;
    let mut headers = session.headers();
    headers.push(("accept", "text/event-stream"));
    let first = client.open_sse(Method::GET, &headers, None).await;
    assert_eq!(first.status, 200);
    let second = client.send(Method::GET, &headers, None).await;
    assert_eq!(second.status, 429);
    assert_eq!(second.header("retry-after"), Some("1"));
    assert_eq!(second.json()["error"]["code"], -32600);
    // A call opens its stream at its first notification; with no slot free the notifications
    // are dropped (the tool sees `progress` return false) and the answer is plain JSON.
    let unstreamed = client
        .post(&progress_call(1, 2, 0), &session.headers())
        .await;
    assert_eq!(unstreamed.status, 200);
    assert_eq!(unstreamed.header("content-type"), Some("application/json"));
    assert_eq!(
        unstreamed.json()["result"]["content"][0]["text"],
        "sent 0 progress notifications"
    );
    drop(first);
    tokio::time::sleep(Duration::from_millis(200)).await;
    // At most 3 events per stream: later notifications are refused (the tool sees `progress`
    // return false), the response is not.
    let capped = client
        .post(&progress_call(2, 10, 0), &session.headers())
        .await;
    assert_eq!(capped.status, 200);
    assert_eq!(capped.notifications().len(), 3, "{:?}", capped.body);
    assert_eq!(
        capped.response()["result"]["content"][0]["text"],
        "sent 3 progress notifications"
    );

    // The byte cap works the same way: a progress notification here is about 130 bytes.
    let server = HttpServer::spawn(
        env!("CARGO_BIN_EXE_test-server"),
        &[("MCP_STREAM_MAX_BYTES", "300")],
    );
    let client = Client::new(server.url());
    let session = LegacySession::open(&client, "2025-11-25").await;
    let capped = client
        .post(&progress_call(3, 10, 0), &session.headers())
        .await;
    assert_eq!(capped.notifications().len(), 2, "{:?}", capped.body);
    assert_eq!(capped.response()["id"], 3, "the response is never capped");

    // The global cap.
    let server = HttpServer::spawn(
        env!("CARGO_BIN_EXE_test-server"),
        &[("MCP_MAX_STREAMS", "1")],
    );
    let client = Client::new(server.url());
    let one = LegacySession::open(&client, "2025-11-25").await;
    let two = LegacySession::open(&client, "2025-11-25").await;
    let mut first_headers = one.headers();
    first_headers.push(("accept", "text/event-stream"));
    let _open = client.open_sse(Method::GET, &first_headers, None).await;
    let mut second_headers = two.headers();
    second_headers.push(("accept", "text/event-stream"));
    assert_eq!(
        client.send(Method::GET, &second_headers, None).await.status,
        429
    );
}

#[tokio::test]
async fn legacy_cancellation_is_a_notification() {
    let server = server(&[]);
    let client = Client::new(server.url());
    let session = LegacySession::open(&client, "2025-11-25").await;
    let headers = owned(&session.headers());
    let call = {
        let client = client.clone();
        let headers = headers.clone();
        tokio::spawn(async move {
            let message = json!({"jsonrpc": "2.0", "id": "slow", "method": "tools/call", "params": {"name": "test_sleep", "arguments": {"ms": 20000}}});
            client.post(&message, &header_refs(&headers)).await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let cancelled = session
        .notify(
            "notifications/cancelled",
            json!({"requestId": "slow", "reason": "test"}),
        )
        .await;
    assert_eq!(cancelled.status, 202);
    let answer = call.await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        answer.status, 202,
        "a cancelled request has no answer: {answer:?}"
    );
    assert!(
        server
            .stderr_contains("\"outcome\":\"cancelled\"", Duration::from_secs(5))
            .await
    );
}

#[tokio::test]
async fn closing_a_modern_stream_cancels_the_request() {
    let server = server(&[]);
    let client = Client::new(server.url());
    let (mut message, headers) = modern_request(
        7,
        "tools/call",
        json!({"name": "test_progress", "arguments": {"steps": 100, "delay_ms": 100}}),
    );
    message["params"]["_meta"]["progressToken"] = json!("t7");
    let mut all = header_refs(&headers);
    all.push(ACCEPT_BOTH);
    let mut stream = client.open_sse(Method::POST, &all, Some(&message)).await;
    assert_eq!(stream.status, 200);
    let first = stream
        .next_message(Duration::from_secs(5))
        .await
        .expect("a notification");
    assert_eq!(first["method"], "notifications/progress");
    assert!(stream.next_message(Duration::from_secs(5)).await.is_some());
    drop(stream);
    // Streamable HTTP (2026-07-28), "Cancellation": the server stops the call.
    assert!(
        server
            .stderr_contains("\"outcome\":\"cancelled\"", Duration::from_secs(5))
            .await,
        "{}",
        server.stderr()
    );
}

#[tokio::test]
async fn a_broken_legacy_stream_resumes_with_last_event_id() {
    let server = server(&[]);
    let client = Client::new(server.url());
    let session = LegacySession::open(&client, "2025-11-25").await;
    let mut headers = session.headers();
    headers.push(ACCEPT_BOTH);
    let mut stream = client
        .open_sse(Method::POST, &headers, Some(&progress_call(3, 6, 150)))
        .await;
    let mut last_id = None;
    let mut seen = Vec::new();
    while seen.len() < 2 {
        match stream.next(Duration::from_secs(5)).await.expect("events") {
            SseItem::Event(event) if !event.data.is_empty() => {
                last_id = event.id.clone();
                seen.push(serde_json::from_str::<Value>(&event.data).unwrap());
            }
            _ => {}
        }
    }
    drop(stream); // The connection breaks; on legacy versions the call goes on.
    let last_id = last_id.expect("events carry ids");
    let mut resume_headers = session.headers();
    resume_headers.push(("accept", "text/event-stream"));
    resume_headers.push(("last-event-id", &last_id));
    let mut resumed = client.open_sse(Method::GET, &resume_headers, None).await;
    assert_eq!(resumed.status, 200);
    while let Some(message) = resumed.next_message(Duration::from_secs(10)).await {
        seen.push(message);
    }
    let progress: Vec<f64> = seen
        .iter()
        .filter(|m| m["method"] == "notifications/progress")
        .map(|m| m["params"]["progress"].as_f64().unwrap())
        .collect();
    assert_eq!(
        progress,
        [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        "nothing lost, nothing twice"
    );
    let response = seen.last().unwrap();
    assert_eq!(response["id"], 3);
    assert_eq!(
        response["result"]["content"][0]["text"],
        "sent 6 progress notifications"
    );
    // An id the server never gave: 400.
    let mut unknown = session.headers();
    unknown.push(("accept", "text/event-stream"));
    unknown.push(("last-event-id", "0123456789abcdef-4"));
    assert_eq!(client.send(Method::GET, &unknown, None).await.status, 400);
}

#[tokio::test]
async fn tool_set_changes_reach_listeners_of_both_eras() {
    let server = server(&[]);
    let client = Client::new(server.url());
    let mut session = LegacySession::open(&client, "2025-11-25").await;
    let mut get_headers = session.headers();
    get_headers.push(("accept", "text/event-stream"));
    let mut legacy_stream = client.open_sse(Method::GET, &get_headers, None).await;

    let (listen, headers) = modern_request(
        40,
        "subscriptions/listen",
        json!({"notifications": {"toolsListChanged": true}}),
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
        ack["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        40
    );

    let toggled = session
        .request(
            "tools/call",
            json!({"name": "test_toggle_extra", "arguments": {}}),
        )
        .await;
    assert_eq!(toggled.json()["result"]["content"][0]["text"], "added");
    let legacy_change = legacy_stream
        .next_message(Duration::from_secs(5))
        .await
        .expect("a change");
    assert_eq!(legacy_change["method"], "notifications/tools/list_changed");
    let modern_change = modern_stream
        .next_message(Duration::from_secs(5))
        .await
        .expect("a change");
    assert_eq!(modern_change["method"], "notifications/tools/list_changed");
    assert_eq!(
        modern_change["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        40
    );
    let listed = session.request("tools/list", json!({})).await;
    assert!(
        listed.json()["result"]["tools"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "test_extra")
    );
}
