//! Real third-party MCP clients call ticketing's tools over Streamable HTTP on 127.0.0.1:
//!
//! - TypeScript: `@modelcontextprotocol/sdk` 1.x (`StreamableHTTPClientTransport`), legacy era,
//!   and `@modelcontextprotocol/client` 2.x pinned to 2026-07-28;
//! - Python: `mcp` 2.3 (`mcp.Client`), once in legacy mode and once in `auto` mode, where it
//!   probes `server/discover` and speaks 2026-07-28.
//!
//! The clients are installed on first use (npm registry, PyPI); missing tooling fails the tests.

use std::process::Command;

use mcp_tests::http::HttpServer;
use mcp_tests::interop::{interop_dir, node_with_mcp_sdk, python_with_modern_mcp, run_script};

/// ticketing on a free port with its own database file, removed afterwards.
struct Ticketing {
    server: HttpServer,
    db: std::path::PathBuf,
}

impl Ticketing {
    fn start(name: &str) -> Self {
        let db = std::env::temp_dir().join(format!(
            "ticketing-interop-{name}-{}.sqlite3",
            std::process::id()
        ));
        let server = HttpServer::spawn(
            env!("CARGO_BIN_EXE_ticketing"),
            &[("TICKETING_DB", db.to_str().expect("a UTF-8 temp path"))],
        );
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
