//! PRODUCT.md's bad-input table, row by row, over real HTTP: every refusal has its status and a
//! JSON-RPC error body, and the server keeps serving.

use mcp_tests::http::{ACCEPT_BOTH, Body, Client, HttpServer, LegacySession, header_refs, modern};
use reqwest::Method;
use serde_json::{Value, json};

fn server(env: &[(&str, &str)]) -> HttpServer {
    HttpServer::spawn(env!("CARGO_BIN_EXE_test-server"), env)
}

fn error_code(body: &Value) -> i64 {
    body["error"]["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("no error code in {body}"))
}

#[tokio::test]
async fn transport_refusals_have_their_status_and_a_json_rpc_body() {
    let server = server(&[("MCP_MAX_BODY_BYTES", "4096")]);
    let client = Client::new(server.url());
    let post = |body: &'static [u8], headers: Vec<(&'static str, &'static str)>| {
        let client = client.clone();
        async move {
            client
                .send(Method::POST, &headers, Some(body.to_vec()))
                .await
        }
    };

    // Body that is not JSON: 400 with -32700.
    let reply = post(b"{not json", vec![ACCEPT_BOTH]).await;
    assert_eq!(reply.status, 400);
    assert_eq!(error_code(reply.json()), -32700);
    assert_eq!(reply.json()["id"], Value::Null);

    // Wrong Accept: 406.
    let initialize = br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;
    let reply = post(initialize, vec![("accept", "text/html")]).await;
    assert_eq!(reply.status, 406);
    assert_eq!(error_code(reply.json()), -32600);
    let reply = post(initialize, vec![("accept", "application/json")]).await;
    assert_eq!(reply.status, 406, "both media types are required");

    // Body over the limit: 413 with a JSON error, whether or not the length was announced.
    let big = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"ping","params":{{"pad":"{}"}}}}"#,
        "x".repeat(8000)
    );
    let reply = client
        .send(Method::POST, &[ACCEPT_BOTH], Some(big.clone().into_bytes()))
        .await;
    assert_eq!(reply.status, 413);
    assert_eq!(error_code(reply.json()), -32600);

    // Foreign Origin or Host: 403.
    let reply = post(
        initialize,
        vec![ACCEPT_BOTH, ("origin", "http://evil.example")],
    )
    .await;
    assert_eq!(reply.status, 403);
    assert_eq!(error_code(reply.json()), -32600);
    let reply = post(
        initialize,
        vec![ACCEPT_BOTH, ("host", "rebound.evil.example:8080")],
    )
    .await;
    assert_eq!(reply.status, 403);
    let reply = post(
        initialize,
        vec![ACCEPT_BOTH, ("origin", "http://localhost:5173")],
    )
    .await;
    assert_eq!(reply.status, 200, "loopback origins are allowed");

    // Unknown session: 404; missing session: 400.
    let list = br#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#;
    let reply = post(list, vec![ACCEPT_BOTH, ("mcp-session-id", "not-a-session")]).await;
    assert_eq!(reply.status, 404);
    assert_eq!(error_code(reply.json()), -32600);
    let reply = post(list, vec![ACCEPT_BOTH]).await;
    assert_eq!(reply.status, 400);

    // Bad MCP-Protocol-Version: 400 (-32022 with the versions served).
    let reply = post(
        list,
        vec![ACCEPT_BOTH, ("mcp-protocol-version", "1999-01-01")],
    )
    .await;
    assert_eq!(reply.status, 400);
    assert_eq!(error_code(reply.json()), -32022);
    assert_eq!(reply.json()["error"]["data"]["supported"][0], "2026-07-28");

    // The server is still there.
    let session = LegacySession::open(&client, "2025-11-25").await;
    assert!(session.id.is_some());
}

#[tokio::test]
async fn json_rpc_refusals_in_a_session() {
    let server = server(&[]);
    let client = Client::new(server.url());
    let mut session = LegacySession::open(&client, "2025-06-18").await;

    // JSON that is not JSON-RPC: -32600, id null where unreadable.
    let reply = client
        .post(&json!({"hello": "world"}), &session.headers())
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(error_code(reply.json()), -32600);
    assert_eq!(reply.json()["id"], Value::Null);

    // A batch on a version that removed batching: -32600.
    let batch = json!([{"jsonrpc": "2.0", "id": 5, "method": "ping"}]);
    let reply = client.post(&batch, &session.headers()).await;
    assert_eq!(error_code(reply.json()), -32600);

    // Unknown method: -32601. Unknown tool and wrong params shape: -32602.
    assert_eq!(
        error_code(session.request("tools/nope", json!({})).await.json()),
        -32601
    );
    let reply = session
        .request("tools/call", json!({"name": "nope", "arguments": {}}))
        .await;
    assert_eq!(error_code(reply.json()), -32602);
    let reply = session.request("tools/call", json!({"name": 7})).await;
    assert_eq!(error_code(reply.json()), -32602);

    // Bad arguments: -32602 with every violation (a JSON-RPC error on 2025-06-18).
    let reply = session
        .request("tools/call", json!({"name": "test_constraints", "arguments": {"count": 0, "name": "", "slug": "NO"}}))
        .await;
    let body = reply.json();
    assert_eq!(error_code(body), -32602);
    assert_eq!(
        body["error"]["data"]["violations"]
            .as_array()
            .unwrap()
            .len(),
        3,
        "{body}"
    );

    // A handler's error, panic and timeout: isError results; the session keeps working.
    for (tool, arguments) in [
        ("test_tool_error", json!({})),
        ("test_panic", json!({"message": "boom"})),
        ("test_internal_error", json!({})),
        ("test_timeout", json!({})),
    ] {
        let reply = session
            .request("tools/call", json!({"name": tool, "arguments": arguments}))
            .await;
        assert_eq!(reply.status, 200);
        assert_eq!(
            reply.json()["result"]["isError"],
            true,
            "{tool}: {:?}",
            reply.body
        );
    }
    let reply = session
        .request(
            "tools/call",
            json!({"name": "test_add", "arguments": {"a": 1, "b": 2}}),
        )
        .await;
    assert_eq!(reply.json()["result"]["content"][0]["text"], "3");
}

#[tokio::test]
async fn bad_arguments_on_2025_11_25_are_tool_results() {
    let server = server(&[]);
    let client = Client::new(server.url());
    let mut session = LegacySession::open(&client, "2025-11-25").await;
    let reply = session
        .request("tools/call", json!({"name": "test_constraints", "arguments": {"count": 51, "name": "abc", "slug": "ok"}}))
        .await;
    let result = &reply.json()["result"];
    assert_eq!(result["isError"], true);
    assert_eq!(result["structuredContent"]["error"]["code"], -32602);
    assert_eq!(
        result["structuredContent"]["error"]["violations"][0]["keyword"],
        "maximum"
    );
}

#[tokio::test]
async fn modern_requests_are_checked_against_their_headers() {
    let server = server(&[]);
    let client = Client::new(server.url());
    let ok = modern(
        &client,
        1,
        "tools/call",
        json!({"name": "test_add", "arguments": {"a": 2, "b": 2}}),
    )
    .await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.json()["result"]["resultType"], "complete");

    let (message, _) = mcp_tests::http::modern_request(
        2,
        "tools/call",
        json!({"name": "test_add", "arguments": {"a": 1, "b": 1}}),
    );
    let cases: [(&[(&str, &str)], &str); 4] = [
        (
            &[
                ("mcp-protocol-version", "2026-07-28"),
                ("mcp-method", "tools/call"),
            ],
            "missing Mcp-Name",
        ),
        (
            &[
                ("mcp-protocol-version", "2026-07-28"),
                ("mcp-method", "tools/call"),
                ("mcp-name", "test_panic"),
            ],
            "Mcp-Name differs",
        ),
        (
            &[
                ("mcp-protocol-version", "2026-07-28"),
                ("mcp-name", "test_add"),
            ],
            "missing Mcp-Method",
        ),
        (
            &[
                ("mcp-protocol-version", "2026-07-28"),
                ("mcp-method", "tools/list"),
                ("mcp-name", "test_add"),
            ],
            "Mcp-Method differs",
        ),
    ];
    for (headers, case) in cases {
        let reply = client.post(&message, headers).await;
        assert_eq!(reply.status, 400, "{case}");
        assert_eq!(error_code(reply.json()), -32020, "{case}");
        assert_eq!(reply.json()["id"], 2, "{case}");
    }
    // The Base64 sentinel form of Mcp-Name is decoded before comparing.
    let reply = client
        .post(
            &message,
            &[
                ("mcp-protocol-version", "2026-07-28"),
                ("mcp-method", "tools/call"),
                ("mcp-name", "=?base64?dGVzdF9hZGQ=?="),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");

    // A body version that disagrees with the header, or no header at all: -32020.
    let mut other = message.clone();
    other["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = json!("2025-11-25");
    let reply = client
        .post(
            &other,
            &[
                ("mcp-protocol-version", "2026-07-28"),
                ("mcp-method", "tools/call"),
                ("mcp-name", "test_add"),
            ],
        )
        .await;
    assert_eq!(error_code(reply.json()), -32020);
    let reply = client.post(&message, &[]).await;
    assert_eq!((reply.status, error_code(reply.json())), (400, -32020));

    // Unknown method: 404 with -32601; batches: 400; GET and DELETE: 405.
    let reply = modern(&client, 3, "tools/nope", json!({})).await;
    assert_eq!((reply.status, error_code(reply.json())), (404, -32601));
    let reply = client
        .post(&json!([message]), &[("mcp-protocol-version", "2026-07-28")])
        .await;
    assert_eq!(reply.status, 400);
    for method in [Method::GET, Method::DELETE] {
        let reply = client
            .send(
                method,
                &[
                    ("accept", "text/event-stream"),
                    ("mcp-protocol-version", "2026-07-28"),
                ],
                None,
            )
            .await;
        assert_eq!(reply.status, 405);
    }
    // Missing client capabilities: -32602.
    let mut bare = message.clone();
    bare["params"]["_meta"]
        .as_object_mut()
        .unwrap()
        .remove("io.modelcontextprotocol/clientCapabilities");
    let reply = client
        .post(
            &bare,
            &[
                ("mcp-protocol-version", "2026-07-28"),
                ("mcp-method", "tools/call"),
                ("mcp-name", "test_add"),
            ],
        )
        .await;
    assert_eq!(error_code(reply.json()), -32602);
    assert!(matches!(reply.body, Body::Json(_)));
}

#[tokio::test]
async fn malformed_modern_requests_are_400_with_32602_and_initialize_is_404() {
    let server = server(&[]);
    let client = Client::new(server.url());
    let headers = [
        ACCEPT_BOTH,
        ("mcp-protocol-version", "2026-07-28"),
        ("mcp-method", "tools/list"),
    ];
    let capabilities_only = json!({"io.modelcontextprotocol/clientCapabilities": {}});
    let version_only = json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28"});
    for (meta, missing) in [
        (None, "protocolVersion"),
        (Some(capabilities_only), "protocolVersion"),
        (Some(version_only), "clientCapabilities"),
    ] {
        let mut message = json!({"jsonrpc": "2.0", "id": 3, "method": "tools/list", "params": {}});
        if let Some(meta) = meta {
            message["params"]["_meta"] = meta;
        }
        let body = Some(message.to_string().into_bytes());
        let reply = client.send(Method::POST, &headers, body).await;
        assert_eq!(reply.status, 400, "{missing}");
        assert_eq!(reply.json()["error"]["code"], -32602, "{missing}");
        assert_eq!(reply.json()["id"], 3);
        assert!(
            reply.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains(missing)
        );
    }
    let (initialize, headers) = mcp_tests::http::modern_request(
        4,
        "initialize",
        json!({"protocolVersion": "2026-07-28", "capabilities": {}, "clientInfo": {"name": "x", "version": "1"}}),
    );
    let mut all = header_refs(&headers);
    all.push(ACCEPT_BOTH);
    let reply = client
        .send(
            Method::POST,
            &all,
            Some(initialize.to_string().into_bytes()),
        )
        .await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.json()["error"]["code"], -32601);
    assert!(reply.header("mcp-session-id").is_none());
    // A version present but other than the header's is still a mismatch (-32020).
    let message = json!({"jsonrpc": "2.0", "id": 4, "method": "server/discover", "params":
        {"_meta": {"io.modelcontextprotocol/protocolVersion": "v9",
            "io.modelcontextprotocol/clientCapabilities": {}}}});
    let reply = client
        .post(
            &message,
            &[
                ("mcp-protocol-version", "2026-07-28"),
                ("mcp-method", "server/discover"),
            ],
        )
        .await;
    assert_eq!(reply.status, 400, "{reply:?}");
    assert_eq!(error_code(reply.json()), -32020, "{reply:?}");
}
