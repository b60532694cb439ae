//! Real third-party MCP clients call ticketing's tools over Streamable HTTP on 127.0.0.1:
//!
//! - TypeScript: `@modelcontextprotocol/sdk` 1.x (`StreamableHTTPClientTransport`), legacy era,
//!   and `@modelcontextprotocol/client` 2.x pinned to 2026-07-28;
//! - Python: `mcp` 2.3 (`mcp.Client`), once in legacy mode and once in `auto` mode, where it
//!   probes `server/discover` and speaks 2026-07-28.
//!
//! The clients are installed on first use (npm registry, PyPI); missing tooling fails the tests.
//!
//! With auth on: the TypeScript and Python clients send an API key as a bearer token, and the
//! TypeScript client's OAuth support, given no token, follows our 401 challenge and RFC 9728
//! document to the authorization server they name.

use std::process::Command;

use mcp_tests::auth::IdentityProvider;
use mcp_tests::http::HttpServer;
use mcp_tests::interop::{interop_dir, node_with_mcp_sdk, python_with_modern_mcp, run_script};

/// ticketing on a free port with its own database file, removed afterwards.
struct Ticketing {
    server: HttpServer,
    db: std::path::PathBuf,
}

/// An API key with both of ticketing's scopes, for the clients that authenticate.
const INTEROP_KEY: &str = "k_interop_0123456789abcdef";

impl Ticketing {
    fn start(name: &str) -> Self {
        Self::start_with(name, &[])
    }

    fn start_with(name: &str, env: &[(&str, &str)]) -> Self {
        let db = std::env::temp_dir().join(format!(
            "ticketing-interop-{name}-{}.sqlite3",
            std::process::id()
        ));
        let mut all = vec![("TICKETING_DB", db.to_str().expect("a UTF-8 temp path"))];
        all.extend_from_slice(env);
        let server = HttpServer::spawn(env!("CARGO_BIN_EXE_ticketing"), &all);
        Ticketing { server, db }
    }
}

impl Drop for Ticketing {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.db.display()));
        }
    }
}

fn python(mode: &str) -> String {
    let ticketing = Ticketing::start(mode);
    let mut command = Command::new(python_with_modern_mcp());
    command
        .arg(interop_dir().join("python_http_client.py"))
        .arg(ticketing.server.url())
        .arg(mode)
        .env("PYTHONIOENCODING", "utf-8");
    run_script("python mcp client over HTTP", command)
}

#[test]
fn python_sdk_client_legacy_mode() {
    let summary = python("legacy");
    assert!(summary.contains("protocolVersion 2025-11-25"), "{summary}");
}

#[test]
fn python_sdk_client_discovers_and_speaks_2026_07_28() {
    let summary = python("auto");
    assert!(summary.contains("protocolVersion 2026-07-28"), "{summary}");
}

#[test]
fn typescript_client_2_speaks_2026_07_28() {
    let ticketing = Ticketing::start("ts-modern");
    let dir = node_with_mcp_sdk();
    let mut command = Command::new("node");
    command
        .arg(dir.join("ts_http_client.mjs"))
        .arg(ticketing.server.url())
        .arg("--modern")
        .current_dir(&dir);
    let summary = run_script("typescript client 2.x over HTTP", command);
    assert!(summary.contains("protocolVersion 2026-07-28"), "{summary}");
    // Stateless: the server never opened a legacy session for it.
    assert!(!ticketing.server.stderr().contains("\"msg\":\"initialize\""));
}

#[test]
fn typescript_sdk_client_over_http() {
    let ticketing = Ticketing::start("ts");
    let dir = node_with_mcp_sdk();
    let mut command = Command::new("node");
    command
        .arg(dir.join("ts_http_client.mjs"))
        .arg(ticketing.server.url())
        .current_dir(&dir);
    let summary = run_script("typescript sdk client over HTTP", command);
    assert!(summary.contains("session ended"), "{summary}");
    // The session the client ended is gone from the server too.
    assert!(
        ticketing.server.stderr().contains("session ended"),
        "{}",
        ticketing.server.stderr()
    );
}

fn keys() -> String {
    format!("interop {INTEROP_KEY} tickets:read tickets:write")
}

#[test]
fn typescript_sdk_client_with_a_bearer_token() {
    let keys = keys();
    let ticketing = Ticketing::start_with("ts-bearer", &[("MCP_API_KEYS", &keys)]);
    let dir = node_with_mcp_sdk();
    let mut command = Command::new("node");
    command
        .arg(dir.join("ts_http_client.mjs"))
        .arg(ticketing.server.url())
        .env("MCP_BEARER", INTEROP_KEY)
        .current_dir(&dir);
    let summary = run_script("typescript sdk client with a bearer token", command);
    assert!(
        summary.contains("with a bearer token") && summary.contains("session ended"),
        "{summary}"
    );
    assert!(
        !ticketing.server.stderr().contains(INTEROP_KEY),
        "the key reached the log"
    );
}

#[test]
fn python_sdk_client_with_a_bearer_token() {
    let keys = keys();
    let ticketing = Ticketing::start_with("py-bearer", &[("MCP_API_KEYS", &keys)]);
    let mut command = Command::new(python_with_modern_mcp());
    command
        .arg(interop_dir().join("python_http_client.py"))
        .arg(ticketing.server.url())
        .arg("auto")
        .env("MCP_BEARER", INTEROP_KEY)
        .env("PYTHONIOENCODING", "utf-8");
    let summary = run_script("python mcp client with a bearer token", command);
    assert!(
        summary.contains("with a bearer token") && summary.contains("2026-07-28"),
        "{summary}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn typescript_oauth_discovery_follows_the_challenge_to_the_authorization_server() {
    let provider = IdentityProvider::start(&[], &[]).await;
    let (keys, issuer) = (keys(), provider.issuer_b());
    let ticketing = Ticketing::start_with(
        "ts-oauth",
        &[("MCP_API_KEYS", &keys), ("MCP_AUTH_ISSUERS", &issuer)],
    );
    let url = ticketing.server.url();
    let dir = node_with_mcp_sdk();
    let mut command = Command::new("node");
    command
        .arg(dir.join("ts_oauth_discovery.mjs"))
        .arg(&url)
        .current_dir(&dir);
    let line =
        tokio::task::spawn_blocking(move || run_script("typescript oauth discovery", command))
            .await
            .expect("the script ran");
    let found: serde_json::Value = serde_json::from_str(line.trim()).expect("one JSON line");
    assert_eq!(
        found["resourceMetadata"]["resource"],
        url.as_str(),
        "{found}"
    );
    assert_eq!(
        found["resourceMetadata"]["authorization_servers"][0],
        issuer.as_str()
    );
    assert_eq!(found["authorizationServer"], issuer.as_str(), "{found}");
    let authorize = found["authorizationUrl"]
        .as_str()
        .expect("an authorization URL");
    assert!(
        authorize.starts_with(&format!("{issuer}/authorize?")),
        "{authorize}"
    );
    let query: Vec<(String, String)> = authorize
        .split_once('?')
        .unwrap()
        .1
        .split('&')
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (key.to_owned(), decode(value))
        })
        .collect();
    let param = |name: &str| {
        query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    assert_eq!(param("response_type"), Some("code"));
    assert_eq!(param("client_id"), Some("interop-client"));
    assert_eq!(param("code_challenge_method"), Some("S256"));
    assert!(
        param("code_challenge").is_some_and(|c| c.len() >= 43),
        "{authorize}"
    );
    // RFC 8707: the token is requested for this server; the scopes are the challenge's.
    assert_eq!(param("resource"), Some(url.as_str()), "{authorize}");
    assert_eq!(
        param("scope"),
        Some("tickets:read tickets:write"),
        "{authorize}"
    );
}

/// `application/x-www-form-urlencoded` decoding of one value.
fn decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                i += 2;
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
