//! Hostile `Host`, `Origin` and request targets over raw TCP (no HTTP client would send them),
//! and the JSON-RPC body on 404 and 405: every refusal has its status and a JSON-RPC error.

use std::time::Duration;

use mcp_tests::http::HttpServer;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Accepted without a session, so any refusal comes from the peer checks.
const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;

fn server() -> HttpServer {
    server_with(&[])
}

fn server_with(env: &[(&str, &str)]) -> HttpServer {
    HttpServer::spawn(env!("CARGO_BIN_EXE_test-server"), env)
}

/// One answer read off the socket: status, raw head, body.
struct Answer {
    status: u16,
    head: String,
    body: String,
}

impl Answer {
    /// The body as a JSON-RPC error response without id, and its code.
    fn json_rpc_error_code(&self) -> i64 {
        let body: Value = serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {:?}\n{}", self.body, self.head));
        assert_eq!(body["jsonrpc"], "2.0", "{body}");
        assert_eq!(body["id"], Value::Null, "{body}");
        assert!(body["error"]["message"].is_string(), "{body}");
        body["error"]["code"]
            .as_i64()
            .unwrap_or_else(|| panic!("no error code in {body}"))
    }
}

/// Sends `head` (the request line and header lines, without the blank line) with `body` and
/// `Connection: close`, and reads the answer until the server closes.
async fn send(server: &HttpServer, head: &str, body: &str) -> Answer {
    let mut tcp = TcpStream::connect(server.address()).await.expect("connect");
    let request = format!(
        "{head}\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    tcp.write_all(request.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut raw))
        .await
        .expect("the server answered within 10 s")
        .expect("read");
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {raw:?}"));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    Answer {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    }
}

/// POST /mcp with these extra header lines.
async fn post(server: &HttpServer, headers: &[&str]) -> Answer {
    let mut head = String::from("POST /mcp HTTP/1.1");
    for line in headers {
        head.push_str("\r\n");
        head.push_str(line);
    }
    send(server, &head, INITIALIZE).await
}

#[tokio::test]
async fn a_well_formed_loopback_request_is_answered() {
    let server = server();
    let port = server.address().rsplit(':').next().unwrap().to_owned();
    for headers in [
        vec!["Host: 127.0.0.1".to_owned()],
        vec![format!("Host: 127.0.0.1:{port}")],
        vec![
            format!("Host: localhost:{port}"),
            "Origin: http://localhost:5173".to_owned(),
        ],
        vec![
            "Host: [::1]:1".to_owned(),
            "Origin: https://[::1]".to_owned(),
        ],
    ] {
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        let answer = post(&server, &headers).await;
        assert_eq!(answer.status, 200, "{headers:?}: {}", answer.body);
        let body: Value = serde_json::from_str(&answer.body).expect("JSON");
        assert_eq!(body["id"], 1, "{body}");
        assert!(body["result"].is_object(), "{body}");
    }
}

#[tokio::test]
async fn the_allow_lists_still_admit_their_names() {
    let server = server_with(&[
        ("MCP_ALLOWED_HOSTS", "mcp.example.com,proxy:8443"),
        ("MCP_ALLOWED_ORIGINS", "https://app.example.com"),
    ]);
    for (headers, expected) in [
        (&["Host: mcp.example.com:443"][..], 200),
        (
            &["Host: proxy:8443", "Origin: https://app.example.com"][..],
            200,
        ),
        (&["Host: proxy:8444"][..], 403),
        (
            &["Host: mcp.example.com", "Origin: http://app.example.com"][..],
            403,
        ),
        (&["Host: mcp.example.com@evil.example"][..], 400),
    ] {
        let answer = post(&server, headers).await;
        assert_eq!(answer.status, expected, "{headers:?}: {}", answer.body);
    }
}

#[tokio::test]
async fn duplicate_or_missing_host_is_400() {
    let server = server();
    for (case, headers) in [
        (
            "local then foreign",
            &["Host: 127.0.0.1", "Host: evil.example"][..],
        ),
        (
            "twice the same",
            &["Host: 127.0.0.1", "Host: 127.0.0.1"][..],
        ),
        ("none", &[][..]),
    ] {
        let answer = post(&server, headers).await;
        assert_eq!(answer.status, 400, "{case}: {}", answer.head);
        assert_eq!(answer.json_rpc_error_code(), -32600, "{case}");
    }
}

#[tokio::test]
async fn duplicate_origin_is_400() {
    let server = server();
    let answer = post(
        &server,
        &[
            "Host: 127.0.0.1",
            "Origin: http://localhost",
            "Origin: http://evil.example",
        ],
    )
    .await;
    assert_eq!(answer.status, 400, "{}", answer.head);
    assert_eq!(answer.json_rpc_error_code(), -32600);
}

#[tokio::test]
async fn malformed_host_and_origin_are_400() {
    let server = server();
    for headers in [
        &["Host: 127.0.0.1:80@evil.example"][..],
        &["Host: 127.0.0.1:8o"][..],
        &["Host: [::1]evil.example"][..],
        &["Host: 127.0.0.1", "Origin: http://localhost:1@evil.example"][..],
        &["Host: 127.0.0.1", "Origin: http://[::1]evil.example"][..],
        &["Host: 127.0.0.1", "Origin: localhost"][..],
    ] {
        let answer = post(&server, headers).await;
        assert_eq!(answer.status, 400, "{headers:?}: {}", answer.head);
        assert_eq!(answer.json_rpc_error_code(), -32600, "{headers:?}");
    }
}

#[tokio::test]
async fn foreign_peers_and_null_origin_are_403() {
    let server = server();
    for headers in [
        &["Host: evil.example"][..],
        &["Host: 127.0.0.1.evil.example:80"][..],
        &["Host: 127.0.0.1", "Origin: null"][..],
        &["Host: 127.0.0.1", "Origin: http://localhost.evil.example"][..],
    ] {
        let answer = post(&server, headers).await;
        assert_eq!(answer.status, 403, "{headers:?}: {}", answer.head);
        assert_eq!(answer.json_rpc_error_code(), -32600, "{headers:?}");
    }
}

#[tokio::test]
async fn an_absolute_form_target_must_name_this_server() {
    let server = server();
    let foreign = send(
        &server,
        "POST http://evil.example/mcp HTTP/1.1\r\nHost: 127.0.0.1",
        INITIALIZE,
    )
    .await;
    assert_eq!(foreign.status, 403, "{}", foreign.head);
    assert_eq!(foreign.json_rpc_error_code(), -32600);

    let local = send(
        &server,
        "POST http://127.0.0.1/mcp HTTP/1.1\r\nHost: 127.0.0.1",
        INITIALIZE,
    )
    .await;
    assert_eq!(local.status, 200, "{}: {}", local.head, local.body);
}

#[tokio::test]
async fn unknown_path_is_404_and_unknown_method_405_with_json_rpc_bodies() {
    let server = server();
    let missing = send(
        &server,
        "POST /elsewhere HTTP/1.1\r\nHost: 127.0.0.1",
        INITIALIZE,
    )
    .await;
    assert_eq!(missing.status, 404, "{}", missing.head);
    assert_eq!(missing.json_rpc_error_code(), -32600);

    let wrong = send(&server, "PUT /mcp HTTP/1.1\r\nHost: 127.0.0.1", INITIALIZE).await;
    assert_eq!(wrong.status, 405, "{}", wrong.head);
    assert_eq!(wrong.json_rpc_error_code(), -32600);
    // RFC 9110 §15.5.6: a 405 MUST carry `Allow`.
    let allow = wrong
        .head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("allow").then(|| value.to_owned())
        })
        .unwrap_or_else(|| panic!("no Allow in {}", wrong.head));
    for method in ["GET", "POST", "DELETE"] {
        assert!(allow.contains(method), "{allow}");
    }
}
