//! Requests from tools to the client over real HTTP: on a legacy session the call's answer turns
//! into an SSE stream that carries the request, and the client POSTs its response; SEP-1699
//! reconnection; Multi Round-Trip Requests on 2026-07-28.

use std::time::Duration;

use mcp_tests::http::{ACCEPT_BOTH, Client, HttpServer, LegacySession, SseItem, SseStream, modern};
use reqwest::Method;
use serde_json::{Value, json};

fn server(env: &[(&str, &str)]) -> HttpServer {
    HttpServer::spawn(env!("CARGO_BIN_EXE_test-server"), env)
}

fn caps() -> Value {
    json!({"sampling": {}, "elicitation": {}})
}

fn call(id: i64, name: &str, arguments: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": name, "arguments": arguments}})
}

/// POSTs `message` in `session` and reads the answer as a stream.
async fn open(session: &LegacySession, message: &Value) -> SseStream {
    let mut headers = session.headers();
    headers.push(ACCEPT_BOTH);
    session
        .client
        .open_sse(Method::POST, &headers, Some(message))
        .await
}

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn a_call_that_asks_turns_into_a_stream_and_the_answer_comes_by_post() {
    let server = server(&[]);
    let client = Client::new(server.url());
    let session = LegacySession::open_with(&client, "2025-11-25", caps()).await;
    // No progressToken, no log level: the answer is SSE only because the tool asks.
    let mut stream = open(
        &session,
        &call(1, "test_elicitation", json!({"message": "Who?"})),
    )
    .await;
    assert_eq!(stream.status, 200);
    assert_eq!(
        stream.headers.get("content-type").unwrap(),
        "text/event-stream"
    );
    // 2025-11-25: the priming event (an id and `retry`, no data) comes first.
    let Some(SseItem::Event(priming)) = stream.next(WAIT).await else {
        panic!("no priming event")
    };
    assert!(priming.id.is_some() && priming.retry.is_some() && priming.data.is_empty());
    let request = stream.next_message(WAIT).await.expect("the request");
    assert_eq!(request["method"], "elicitation/create");
    assert_eq!(request["params"]["message"], "Who?");
    let accepted = session
        .respond(
            &request["id"],
            Ok(json!({"action": "accept", "content": {"username": "ada", "email": "a@b.c"}})),
        )
        .await;
    // Transports, "Sending Messages to the Server": a response gets 202 and no body.
    assert_eq!(accepted.status, 202, "{accepted:?}");
    let answer = stream.next_message(WAIT).await.expect("the call's answer");
    assert_eq!(answer["id"], 1);
    assert_eq!(
        answer["result"]["content"][0]["text"],
        r#"action=accept, content={"email":"a@b.c","username":"ada"}"#
    );
    assert!(
        stream.next(WAIT).await.is_none(),
        "the stream ends with the answer"
    );

    // A client error reaches the tool the same way.
    let mut stream = open(&session, &call(2, "test_sampling", json!({"prompt": "p"}))).await;
    let request = stream.next_message(WAIT).await.expect("the request");
    assert_eq!(request["method"], "sampling/createMessage");
    let refused = session
        .respond(
            &request["id"],
            Err(json!({"code": -32600, "message": "no model"})),
        )
        .await;
    assert_eq!(refused.status, 202);
    let answer = stream.next_message(WAIT).await.expect("the call's answer");
    assert_eq!(
        answer["result"]["content"][0]["text"],
        "the client answered with error -32600: no model"
    );
}

#[tokio::test]
async fn calls_that_send_nothing_stay_plain_json() {
    let server = server(&[]);
    let client = Client::new(server.url());
    let mut session = LegacySession::open(&client, "2025-11-25").await;
    let added = session
        .request(
            "tools/call",
            json!({"name": "test_add", "arguments": {"a": 1, "b": 2}}),
        )
        .await;
    assert_eq!(added.header("content-type"), Some("application/json"));
    // Without the capability the tool fails at once, nothing is sent: still JSON.
    let refused = session
        .request(
            "tools/call",
            json!({"name": "test_sampling", "arguments": {"prompt": "p"}}),
        )
        .await;
    assert_eq!(refused.header("content-type"), Some("application/json"));
    assert!(
        refused.json()["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("did not declare the `sampling` capability")
    );
}

#[tokio::test]
async fn timeouts_and_cancellation_drop_the_pending_request() {
    let server = server(&[("TEST_SERVER_CLIENT_TIMEOUT_MS", "300")]);
    let client = Client::new(server.url());
    let session = LegacySession::open_with(&client, "2025-06-18", caps()).await;
    let mut stream = open(&session, &call(1, "test_sampling", json!({"prompt": "p"}))).await;
    let request = stream.next_message(WAIT).await.expect("the request");
    let cancelled = stream.next_message(WAIT).await.expect("a cancellation");
    assert_eq!(cancelled["method"], "notifications/cancelled");
    assert_eq!(cancelled["params"]["requestId"], request["id"]);
    let answer = stream.next_message(WAIT).await.expect("the call's answer");
    assert_eq!(
        answer["result"]["content"][0]["text"],
        "the client did not answer `sampling/createMessage` within 300ms"
    );
    // Answered too late: accepted (202), completes nothing.
    let late = session
        .respond(
            &request["id"],
            Ok(json!({"role": "assistant", "model": "m",
            "content": {"type": "text", "text": "late"}})),
        )
        .await;
    assert_eq!(late.status, 202);

    let mut stream = open(
        &session,
        &call(
            2,
            "test_elicitation",
            json!({"message": "m", "timeout_ms": 20000}),
        ),
    )
    .await;
    let request = stream.next_message(WAIT).await.expect("the request");
    let cancel = session
        .notify(
            "notifications/cancelled",
            json!({"requestId": 2, "reason": "gave up"}),
        )
        .await;
    assert_eq!(cancel.status, 202);
    let dropped = stream.next_message(WAIT).await.expect("a cancellation");
    assert_eq!(dropped["method"], "notifications/cancelled");
    assert_eq!(dropped["params"]["requestId"], request["id"]);
    assert!(
        stream.next_message(WAIT).await.is_none(),
        "no answer to a cancelled call"
    );
    assert!(
        server
            .stderr_contains("\"outcome\":\"cancelled\"", WAIT)
            .await
    );
}

#[tokio::test]
async fn without_a_stream_slot_a_request_fails_instead_of_waiting() {
    let server = server(&[("MCP_MAX_STREAMS_PER_SESSION", "1")]);
    let client = Client::new(server.url());
    let session = LegacySession::open_with(&client, "2025-11-25", caps()).await;
    let mut headers = session.headers();
    headers.push(("accept", "text/event-stream"));
    let standalone = client.open_sse(Method::GET, &headers, None).await;
    assert_eq!(standalone.status, 200);
    let reply = client
        .post(
            &call(1, "test_elicitation", json!({"message": "m"})),
            &session.headers(),
        )
        .await;
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(
        reply.json()["result"]["content"][0]["text"],
        "the request to the client could not be sent: the connection is closed or too far behind"
    );
}

#[tokio::test]
async fn a_closed_stream_resumes_with_last_event_id_and_gets_the_answer() {
    let server = server(&[]);
    let client = Client::new(server.url());
    let session = LegacySession::open(&client, "2025-11-25").await;
    let mut stream = open(&session, &call(1, "test_reconnection", json!({"ms": 500}))).await;
    assert_eq!(stream.status, 200);
    let mut last_id = None;
    while let Some(item) = stream.next(WAIT).await {
        match item {
            SseItem::Event(event) => {
                assert!(event.data.is_empty(), "only the priming event: {event:?}");
                last_id = event.id;
            }
            SseItem::Comment => {}
        }
    }
    let last_id = last_id.expect("the priming event has an id");
    let mut headers = session.headers();
    headers.push(("accept", "text/event-stream"));
    headers.push(("last-event-id", &last_id));
    let mut resumed = client.open_sse(Method::GET, &headers, None).await;
    assert_eq!(resumed.status, 200);
    let answer = resumed.next_message(WAIT).await.expect("the answer");
    assert_eq!(answer["id"], 1);
    assert_eq!(
        answer["result"]["content"][0]["text"],
        "Reconnection test completed (stream closed: true)"
    );

    // A request to the client survives a broken connection: it is replayed on resumption.
    let both = LegacySession::open_with(&client, "2025-11-25", caps()).await;
    let mut stream = open(&both, &call(2, "test_elicitation", json!({"message": "m"}))).await;
    let Some(SseItem::Event(priming)) = stream.next(WAIT).await else {
        panic!("no priming event")
    };
    let request = stream.next_message(WAIT).await.expect("the request");
    drop(stream);
    let mut headers = both.headers();
    headers.push(("accept", "text/event-stream"));
    let priming_id = priming.id.expect("an id");
    headers.push(("last-event-id", &priming_id));
    let mut resumed = client.open_sse(Method::GET, &headers, None).await;
    let replayed = resumed.next_message(WAIT).await.expect("the request again");
    assert_eq!(replayed, request);
    let answered = both
        .respond(&request["id"], Ok(json!({"action": "cancel"})))
        .await;
    assert_eq!(answered.status, 202);
    let answer = resumed.next_message(WAIT).await.expect("the answer");
    assert_eq!(
        answer["result"]["content"][0]["text"],
        "action=cancel, content={}"
    );

    // Before 2025-11-25 streams are not resumable: nothing is closed, the answer is JSON.
    let old = LegacySession::open(&client, "2025-06-18").await;
    let reply = client
        .post(
            &call(3, "test_reconnection", json!({"ms": 0})),
            &old.headers(),
        )
        .await;
    assert_eq!(
        reply.json()["result"]["content"][0]["text"],
        "Reconnection test completed (stream closed: false)"
    );
}

#[tokio::test]
async fn modern_calls_answer_input_required_and_complete_on_retry() {
    let server = server(&[]);
    let client = Client::new(server.url());
    let with_caps = |extra: Value| {
        let mut params = json!({"name": "test_input_required_result_elicitation", "arguments": {},
            "_meta": {"io.modelcontextprotocol/clientCapabilities": {"elicitation": {}}}});
        for (key, value) in extra.as_object().unwrap() {
            params[key] = value.clone();
        }
        params
    };
    let first = modern(&client, 1, "tools/call", with_caps(json!({}))).await;
    assert_eq!(first.header("content-type"), Some("application/json"));
    let result = &first.json()["result"];
    assert_eq!(result["resultType"], "input_required", "{result}");
    assert_eq!(
        result["inputRequests"]["user_name"]["method"],
        "elicitation/create"
    );
    assert!(result["_meta"]["io.modelcontextprotocol/serverInfo"].is_object());
    let retry = with_caps(json!({
        "inputResponses": {"user_name": {"action": "accept", "content": {"name": "Alice"}}},
        "requestState": result["requestState"],
    }));
    let done = modern(&client, 2, "tools/call", retry).await;
    assert_eq!(done.json()["result"]["resultType"], "complete");
    assert_eq!(done.json()["result"]["content"][0]["text"], "Hello, Alice!");

    let garbled = with_caps(json!({
        "inputResponses": {"user_name": {"action": "accept", "content": "Alice"}},
        "requestState": result["requestState"],
    }));
    let refused = modern(&client, 3, "tools/call", garbled).await;
    assert_eq!(refused.status, 200);
    assert_eq!(refused.json()["error"]["code"], -32602);
}
