//! API keys, scopes, sessions bound to their principal, the protected-resource metadata, and
//! the refusal to serve a public address without auth: against `test-server` over real HTTP
//! on 127.0.0.1, as an attacker would try them.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mcp_tests::http::{Client, HttpServer, Reply, header_refs, modern_request};
use serde_json::{Value, json};

const PROBE_KEY: &str = "k_probe_0123456789abcdef";
const WRITER_KEY: &str = "k_writer_0123456789abcdef";
const OTHER_KEY: &str = "k_other_0123456789abcdefg";

fn keys() -> String {
    format!(
        "uptime-probe {PROBE_KEY} probe:read; writer {WRITER_KEY} probe:read things; \
         other {OTHER_KEY} probe:read"
    )
}

fn spawn(extra: &[(&str, &str)]) -> HttpServer {
    let keys = keys();
    let mut env = vec![("MCP_LOG", "trace"), ("MCP_API_KEYS", keys.as_str())];
    env.extend_from_slice(extra);
    HttpServer::spawn(env!("CARGO_BIN_EXE_test-server"), &env)
}

async fn call(client: &Client, key: Option<&str>, method: &str, params: Value) -> Reply {
    let (message, headers) = modern_request(1, method, params);
    let mut headers = header_refs(&headers);
    let bearer = key.map(|key| format!("Bearer {key}"));
    if let Some(bearer) = &bearer {
        headers.push(("authorization", bearer));
    }
    client.post(&message, &headers).await
}

fn challenge(reply: &Reply) -> &str {
    reply
        .header("www-authenticate")
        .unwrap_or_else(|| panic!("no challenge: {reply:?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn api_keys_are_matched_exactly_and_scopes_are_enforced_before_the_handler() {
    let server = spawn(&[]);
    let client = Client::new(server.url());
    let whoami = json!({"name": "test_whoami"});
    let reply = call(&client, Some(PROBE_KEY), "tools/call", whoami.clone()).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let who = &reply.json()["result"]["structuredContent"]["result"];
    assert_eq!(who["subject"], "uptime-probe");
    assert!(who["method"].as_str().unwrap().contains("ApiKey"), "{who}");

    let wrong_length = &PROBE_KEY[..PROBE_KEY.len() - 1];
    let near_miss = PROBE_KEY.replace('f', "e");
    for (key, why) in [
        (near_miss.as_str(), "the key is not valid"),
        (wrong_length, "the key is not valid"),
        ("", "the bearer token is empty"),
    ] {
        let reply = call(&client, Some(key), "tools/call", whoami.clone()).await;
        assert_eq!(reply.status, 401, "{key:?}: {reply:?}");
        assert!(
            challenge(&reply).contains(&format!("error_description=\"{why}\"")),
            "{reply:?}"
        );
    }

    // A read-only key calling a write tool: 403 with every required scope, so the client can
    // step up; the handler never ran (and its arguments were not even validated).
    let write = json!({"name": "test_write", "arguments": {"note": 42}});
    let refused = call(&client, Some(PROBE_KEY), "tools/call", write).await;
    assert_eq!(refused.status, 403, "{refused:?}");
    let challenge_403 = challenge(&refused);
    assert!(
        challenge_403.starts_with("Bearer error=\"insufficient_scope\", scope=\"things:write\""),
        "{challenge_403}"
    );
    let metadata_url = format!(
        "resource_metadata=\"http://{}/.well-known/oauth-protected-resource/mcp\"",
        server.address()
    );
    assert!(challenge_403.contains(&metadata_url), "{challenge_403}");
    assert_eq!(refused.json()["error"]["code"], -32003);
    assert_eq!(
        refused.json()["error"]["data"]["requiredScopes"],
        json!(["things:write"])
    );
    let secret = json!({"uri": "things://secret"});
    let resource = call(&client, Some(PROBE_KEY), "resources/read", secret.clone()).await;
    assert_eq!(resource.status, 403, "{resource:?}");

    // `things` covers `things:write` and `things:read` (scope hierarchy).
    let write = json!({"name": "test_write", "arguments": {"note": "hi"}});
    let written = call(&client, Some(WRITER_KEY), "tools/call", write).await;
    assert_eq!(written.status, 200, "{written:?}");
    assert_eq!(
        written.json()["result"]["content"][0]["text"],
        "written: hi"
    );
    let read = call(&client, Some(WRITER_KEY), "resources/read", secret).await;
    assert_eq!(read.status, 200, "{read:?}");

    let log = server.stderr();
    assert!(
        log.contains("\"outcome\":\"refused\"") && log.contains("InsufficientScope"),
        "{log}"
    );
    for key in [PROBE_KEY, WRITER_KEY, near_miss.as_str(), wrong_length] {
        assert!(!log.contains(key), "an API key reached the log");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn scopes_can_be_refused_as_a_tool_result_instead() {
    let server = spawn(&[("TEST_SERVER_SCOPE_REFUSAL", "tool-result")]);
    let client = Client::new(server.url());
    let write = json!({"name": "test_write", "arguments": {"note": "hi"}});
    let reply = call(&client, Some(PROBE_KEY), "tools/call", write).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let result = &reply.json()["result"];
    assert_eq!(result["isError"], true);
    assert!(
        result["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("things:write"),
        "{result}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_belong_to_the_principal_that_opened_them() {
    let server = spawn(&[]);
    let client = Client::new(server.url());
    // Legacy `initialize` without credentials never reaches the server.
    let initialize = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"}}});
    let anonymous = client.post(&initialize, &[]).await;
    assert_eq!(anonymous.status, 401, "{anonymous:?}");
    assert!(anonymous.header("mcp-session-id").is_none());

    let bearer_a = format!("Bearer {PROBE_KEY}");
    let bearer_b = format!("Bearer {OTHER_KEY}");
    let opened = client
        .post(&initialize, &[("authorization", bearer_a.as_str())])
        .await;
    assert_eq!(opened.status, 200, "{opened:?}");
    let id = opened
        .header("mcp-session-id")
        .expect("a session")
        .to_owned();
    let in_session = |bearer: &str| -> Vec<(String, String)> {
        [
            ("authorization", bearer),
            ("mcp-session-id", id.as_str()),
            ("mcp-protocol-version", "2025-11-25"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .to_vec()
    };
    let list = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"});
    let (owned_a, owned_b) = (in_session(&bearer_a), in_session(&bearer_b));
    let (a, b) = (header_refs(&owned_a), header_refs(&owned_b));
    assert_eq!(client.post(&list, &a).await.status, 200);
    // The same session id with another principal's credentials: no such session.
    assert_eq!(client.post(&list, &b).await.status, 404);
    let mut get_b = b.clone();
    get_b.push(("accept", "text/event-stream"));
    let stream = client.send(reqwest::Method::GET, &get_b, None).await;
    assert_eq!(stream.status, 404, "{stream:?}");
    assert_eq!(
        client.send(reqwest::Method::DELETE, &b, None).await.status,
        404
    );
    // Without credentials at all: 401 before any session lookup.
    let no_auth: Vec<(&str, &str)> = a
        .iter()
        .filter(|(k, _)| *k != "authorization")
        .copied()
        .collect();
    assert_eq!(client.post(&list, &no_auth).await.status, 401);
    // The owner still has it.
    assert_eq!(client.post(&list, &a).await.status, 200);
    assert_eq!(
        client.send(reqwest::Method::DELETE, &a, None).await.status,
        204
    );

    // 2026-07-28: each request is authenticated on its own.
    let whoami = json!({"name": "test_whoami"});
    assert_eq!(
        call(&client, Some(PROBE_KEY), "tools/call", whoami.clone())
            .await
            .status,
        200
    );
    assert_eq!(call(&client, None, "tools/call", whoami).await.status, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_protected_resource_metadata_is_open_and_names_the_resource() {
    let server = spawn(&[("MCP_AUTH_SERVERS", "https://auth.example.com")]);
    let base = format!("http://{}", server.address());
    for path in [
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/mcp",
    ] {
        let response = reqwest::get(format!("{base}{path}"))
            .await
            .expect("answered");
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["access-control-allow-origin"], "*");
        let document: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
        assert_eq!(
            document,
            json!({
                "resource": format!("{base}/mcp"),
                "authorization_servers": ["https://auth.example.com"],
                "scopes_supported": ["probe:read", "things:read", "things:write"],
                "bearer_methods_supported": ["header"],
            })
        );
    }
    let other = reqwest::get(format!("{base}/elsewhere")).await.unwrap();
    assert_eq!(other.status(), 404, "nothing else is open");
}

/// Runs `test-server --http ADDR` with `env`; its exit code and stderr once it exits, or
/// `None` if it is still serving after two seconds (then it is killed).
fn run_briefly(address: &str, env: &[(&str, &str)]) -> Option<(i32, String)> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_test-server"));
    command
        .args(["--http", address])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .env("MCP_LOG", "info");
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("starts");
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().expect("waits") {
            let mut stderr = String::new();
            use std::io::Read;
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut stderr)
                .unwrap();
            return Some((status.code().unwrap_or(-1), stderr));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

#[test]
fn a_public_address_without_auth_refuses_to_start_unless_told_explicitly() {
    let (code, stderr) = run_briefly("0.0.0.0:0", &[]).expect("it exits");
    assert_ne!(code, 0);
    assert!(
        stderr.contains("MCP_AUTH=none") && stderr.contains("MCP_API_KEYS"),
        "{stderr}"
    );
    assert!(!stderr.contains("listening"), "nothing was bound: {stderr}");
    // With keys but no public URL: said as well, with every other problem at once.
    let (code, stderr) = run_briefly(
        "0.0.0.0:0",
        &[("MCP_API_KEYS", "probe short"), ("MCP_JWT_SECRET", "tiny")],
    )
    .expect("it exits");
    assert_ne!(code, 0);
    assert!(
        stderr.contains("entry 1 (`probe`)") && stderr.contains("MCP_JWT_ISSUER"),
        "{stderr}"
    );
    assert!(!stderr.contains("tiny"), "a secret was echoed: {stderr}");
    // Told explicitly: it serves.
    assert!(
        run_briefly("0.0.0.0:0", &[("MCP_AUTH", "none")]).is_none(),
        "MCP_AUTH=none serves"
    );
    assert!(
        run_briefly("127.0.0.1:0", &[]).is_none(),
        "loopback needs nothing"
    );
}
