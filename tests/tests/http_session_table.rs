//! The session table against strangers: `initialize` without `notifications/initialized` fills
//! it for `MCP_SESSION_INIT_TIMEOUT` only, and one client holds at most
//! `MCP_MAX_SESSIONS_PER_CLIENT`; each attack is done bounded, and a well-behaved client is
//! still served.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use mcp_tests::http::{Client, HttpServer, LegacySession, Reply};
use reqwest::Method;
use serde_json::{Value, json};

fn server(env: &[(&str, &str)]) -> HttpServer {
    HttpServer::spawn(env!("CARGO_BIN_EXE_test-server"), env)
}

/// `initialize` with JSON-RPC id `id` and no `notifications/initialized` after it.
async fn initialize(client: &Client, id: i64) -> Reply {
    let message = json!({"jsonrpc": "2.0", "id": id, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "stranger", "version": "1"}}});
    client.post(&message, &[]).await
}

async fn ping(client: &Client, session_id: &str) -> u16 {
    let message = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"});
    let headers = [
        ("mcp-session-id", session_id),
        ("mcp-protocol-version", "2025-11-25"),
    ];
    client.post(&message, &headers).await.status
}

/// A refusal at a cap: the status, a `Retry-After` in whole seconds, and a JSON-RPC error that
/// answers the request's id and names the cap (not -32603 "Internal error").
fn assert_over_cap(reply: &Reply, status: u16, id: i64, cap: &str) {
    assert_eq!(reply.status, status, "{reply:?}");
    let retry = reply.header("retry-after").expect("Retry-After");
    assert!(retry.parse::<u64>().is_ok_and(|s| s >= 1), "{retry}");
    let body = reply.json();
    assert_eq!(body["jsonrpc"], "2.0");
    assert_eq!(body["id"], id, "{body}");
    assert_eq!(body["error"]["code"], -32600, "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains(cap), "{message}");
    assert!(!message.contains("Internal error"), "{message}");
}

#[tokio::test]
async fn uninitialized_sessions_fill_the_table_for_seconds_not_an_hour() {
    let server = server(&[
        ("MCP_MAX_SESSIONS", "8"),
        ("MCP_MAX_SESSIONS_PER_CLIENT", "100"),
        ("MCP_SESSION_INIT_TIMEOUT", "1s"),
    ]);
    let client = Client::new(server.url());
    let mut veteran = LegacySession::open(&client, "2025-11-25").await;
    let veteran_id = veteran.id.clone().expect("a session id");
    // The attack, bounded: every free slot taken by an `initialize` that is never followed up.
    let mut strangers = Vec::new();
    for n in 0..7 {
        let reply = initialize(&client, n).await;
        assert_eq!(reply.status, 200, "{reply:?}");
        strangers.push(reply.header("mcp-session-id").expect("an id").to_owned());
    }
    let filled = Instant::now();
    let refused = initialize(&client, 100).await;
    assert_over_cap(&refused, 503, 100, "MCP_MAX_SESSIONS");
    assert_eq!(
        veteran.request("tools/list", json!({})).await.status,
        200,
        "an initialized session is served while the table is full"
    );
    // A well-behaved client gets in once the strangers' sessions expire: after the timeout,
    // and well before the hour they used to live.
    let (admitted, newcomer) = loop {
        let reply = initialize(&client, 101).await;
        if reply.status == 200 {
            let id = reply.header("mcp-session-id").expect("an id").to_owned();
            break (filled.elapsed(), id);
        }
        assert_over_cap(&reply, 503, 101, "MCP_MAX_SESSIONS");
        assert!(
            filled.elapsed() < Duration::from_secs(5),
            "still full 5 s after the last stranger's initialize"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(admitted >= Duration::from_millis(900), "{admitted:?}");
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let headers = [
        ("mcp-session-id", newcomer.as_str()),
        ("mcp-protocol-version", "2025-11-25"),
    ];
    assert_eq!(client.post(&initialized, &headers).await.status, 202);
    for id in &strangers {
        assert_eq!(ping(&client, id).await, 404, "expired: {id}");
    }
    assert_eq!(ping(&client, &veteran_id).await, 200, "initialized: kept");
    assert!(
        server
            .stderr_contains("uninitialized sessions closed", Duration::from_secs(5))
            .await
    );
    // Every expired slot is free again, and no more: the table holds the veteran and the
    // newcomer, so exactly six more fit.
    for _ in 0..6 {
        LegacySession::open(&client, "2025-11-25").await;
    }
    assert_over_cap(
        &initialize(&client, 102).await,
        503,
        102,
        "MCP_MAX_SESSIONS",
    );
}

#[tokio::test]
async fn one_client_past_its_cap_gets_429_and_others_are_served() {
    let server = server(&[
        ("MCP_MAX_SESSIONS_PER_CLIENT", "3"),
        ("MCP_SESSION_INIT_TIMEOUT", "1m"),
    ]);
    let client = Client::new(server.url());
    let mut own = LegacySession::open(&client, "2025-11-25").await;
    let mut extra = Vec::new();
    for n in 0..2 {
        let reply = initialize(&client, n).await;
        assert_eq!(reply.status, 200, "{reply:?}");
        extra.push(reply.header("mcp-session-id").expect("an id").to_owned());
    }
    let refused = initialize(&client, 7).await;
    assert_over_cap(&refused, 429, 7, "MCP_MAX_SESSIONS_PER_CLIENT");
    assert!(
        refused.header("mcp-session-id").is_none(),
        "a refused initialize opens nothing"
    );
    let listed = own.request("tools/list", json!({})).await;
    assert_eq!(
        listed.status, 200,
        "the client's initialized session keeps working"
    );
    assert!(listed.json()["result"]["tools"].is_array());
    // Another address is another client: its sessions are its own.
    let neighbour = Client::from_address(server.url(), IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)));
    let theirs = LegacySession::open(&neighbour, "2025-11-25").await;
    assert!(theirs.id.is_some());
    // DELETE gives the slot back, exactly one.
    let headers = [
        ("mcp-session-id", extra[0].as_str()),
        ("mcp-protocol-version", "2025-11-25"),
    ];
    let ended = client.send(Method::DELETE, &headers, None).await;
    assert_eq!(ended.status, 204);
    assert_eq!(initialize(&client, 8).await.status, 200);
    assert_over_cap(
        &initialize(&client, 9).await,
        429,
        9,
        "MCP_MAX_SESSIONS_PER_CLIENT",
    );
}

#[tokio::test]
async fn an_expired_uninitialized_session_frees_its_clients_slot() {
    let server = server(&[
        ("MCP_MAX_SESSIONS_PER_CLIENT", "2"),
        ("MCP_SESSION_INIT_TIMEOUT", "1s"),
    ]);
    let client = Client::new(server.url());
    let mut kept = LegacySession::open(&client, "2025-11-25").await;
    assert_eq!(initialize(&client, 1).await.status, 200);
    let started = Instant::now();
    assert_over_cap(
        &initialize(&client, 2).await,
        429,
        2,
        "MCP_MAX_SESSIONS_PER_CLIENT",
    );
    let admitted = loop {
        let reply = initialize(&client, 3).await;
        if reply.status == 200 {
            break started.elapsed();
        }
        assert_eq!(reply.status, 429, "{reply:?}");
        assert!(started.elapsed() < Duration::from_secs(5), "no slot freed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(admitted >= Duration::from_millis(800), "{admitted:?}");
    let reply = kept.request("tools/list", json!({})).await;
    assert_eq!(reply.status, 200);
    assert!(matches!(reply.json()["result"]["tools"], Value::Array(_)));
}

/// The endpoint nested in a user's own app, with `max_sessions_per_client` 1, served by
/// `axum::serve`, with or without the peer address in the extensions.
async fn nested(with_peer_address: bool) -> Client {
    use mcp_runtime::prelude::*;
    use mcp_runtime::transport::http::{HttpOptions, router};
    let server = Server::builder(mcp_runtime::server_info!())
        .build()
        .expect("an empty server builds");
    let options = HttpOptions {
        max_sessions_per_client: 1,
        ..HttpOptions::default()
    };
    let app = axum::Router::new().merge(router(server, options));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        match with_peer_address {
            true => {
                let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
                axum::serve(listener, app).await
            }
            false => axum::serve(listener, app).await,
        }
    });
    Client::new(format!("http://{address}/mcp"))
}

#[tokio::test]
async fn a_nested_router_counts_per_client_only_when_it_knows_the_peer() {
    // Without `ConnectInfo` there is no client key: only the total cap applies.
    let anonymous = nested(false).await;
    for n in 0..3 {
        assert_eq!(initialize(&anonymous, n).await.status, 200);
    }
    // With it (axum's own way of providing it), the per-client cap holds.
    let known = nested(true).await;
    assert_eq!(initialize(&known, 0).await.status, 200);
    assert_over_cap(
        &initialize(&known, 1).await,
        429,
        1,
        "MCP_MAX_SESSIONS_PER_CLIENT",
    );
}
