//! What a real server's log holds: a session's lines correlate by a digest, never by its
//! `Mcp-Session-Id` (which grants access), and client-chosen strings are clipped, so a 3 MB
//! JSON-RPC id or `clientInfo.name` costs a log line its usual size.

use mcp_tests::http::{Client, HttpServer, LegacySession};
use serde_json::{Value, json};

fn server() -> HttpServer {
    HttpServer::spawn(env!("CARGO_BIN_EXE_test-server"), &[])
}

/// The JSON lines of `stderr` whose `msg` is `msg`.
fn lines(stderr: &str, msg: &str) -> Vec<Value> {
    stderr
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["msg"] == msg)
        .collect()
}

fn is_digest(value: &Value) -> bool {
    value
        .as_str()
        .is_some_and(|text| text.len() == 16 && text.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[tokio::test]
async fn a_sessions_lines_share_a_digest_and_never_show_its_id() {
    let server = server();
    let client = Client::new(server.url());
    let mut sessions = Vec::new();
    for _ in 0..2 {
        let mut session = LegacySession::open(&client, "2025-11-25").await;
        let call = json!({"name": "test_json_list", "arguments": {"n": 1}});
        assert_eq!(session.request("tools/call", call).await.status, 200);
        let ended = client
            .send(reqwest::Method::DELETE, &session.headers(), None)
            .await;
        assert_eq!(ended.status, 204);
        sessions.push(session.id.expect("a session id"));
    }
    assert!(
        server
            .stderr_contains("session ended", mcp_tests::http::WAIT)
            .await
    );
    // The second session's end is logged after its own calls.
    let stderr = loop {
        let stderr = server.stderr();
        if lines(&stderr, "session ended").len() >= 2 {
            break stderr;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    for id in &sessions {
        assert!(
            !stderr.contains(id.as_str()),
            "the raw Mcp-Session-Id {id} was logged"
        );
        assert!(
            !stderr.contains(&id[..16]) && !stderr.contains(&id[16..]),
            "half of {id} was logged"
        );
    }
    // In order: each session's initialize, its tool call and its end carry one digest.
    let (initialize, calls, ends) = (
        lines(&stderr, "initialize"),
        lines(&stderr, "tool call"),
        lines(&stderr, "session ended"),
    );
    assert_eq!(
        (initialize.len(), calls.len(), ends.len()),
        (2, 2, 2),
        "{stderr}"
    );
    for n in 0..2 {
        let digest = &initialize[n]["session_id"];
        assert!(is_digest(digest), "{digest}");
        assert_eq!(&calls[n]["session_id"], digest);
        assert_eq!(&ends[n]["session_id"], digest);
    }
    assert_ne!(initialize[0]["session_id"], initialize[1]["session_id"]);
}

#[tokio::test]
async fn a_3_mb_id_and_client_name_give_lines_of_the_usual_size() {
    let server = server();
    let client = Client::new(server.url());
    let huge = |marker: &str| format!("{marker}{}", "x".repeat(3 * 1024 * 1024));
    let reply = client
        .post(
            &json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
                "protocolVersion": "2025-11-25", "capabilities": {},
                "clientInfo": {"name": huge("name-"), "version": "1"}}}),
            &[],
        )
        .await;
    assert_eq!(reply.status, 200);
    let session_id = reply
        .header("mcp-session-id")
        .expect("a session id")
        .to_owned();
    let headers = [
        ("mcp-session-id", session_id.as_str()),
        ("mcp-protocol-version", "2025-11-25"),
    ];
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    assert_eq!(client.post(&initialized, &headers).await.status, 202);
    let before = server.stderr().len();
    let id = huge("id-");
    let call = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": "test_json_list", "arguments": {"n": 1}}});
    let answered = client.post(&call, &headers).await;
    assert_eq!(answered.status, 200);
    assert_eq!(
        answered.json()["id"],
        id.as_str(),
        "the answer keeps the whole id"
    );
    assert!(
        server
            .stderr_contains("\"msg\":\"tool call\"", mcp_tests::http::WAIT)
            .await
    );
    let stderr = server.stderr();
    assert!(
        stderr.len() - before < 4 * 1024,
        "one call with a 3 MB id wrote {} bytes of log",
        stderr.len() - before
    );
    assert!(
        stderr.len() < 64 * 1024,
        "{} bytes of log in all",
        stderr.len()
    );
    let call_line = &lines(&stderr, "tool call")[0];
    let logged = call_line["request_id"].as_str().expect("a string id");
    let cut = id.len() - 128;
    assert_eq!(logged, format!("{}…[+{cut} bytes]", &id[..128]));
    let initialize = &lines(&stderr, "initialize")[0];
    let name = initialize["client_name"].as_str().expect("a name");
    assert!(name.starts_with("name-xxx") && name.len() < 160, "{name}");
    assert!(
        !stderr.contains(&session_id),
        "the raw Mcp-Session-Id was logged"
    );
}
