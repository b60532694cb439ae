//! ticketing's settings fail fast, all at once, before anything binds; its readiness runs the
//! SQLite check; SIGTERM drains it and closes the pool (exit 0).

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::Duration;

use mcp_tests::http::{HttpServer, WAIT};
use serde_json::Value;

fn temp_db(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "ticketing-ops-{name}-{}.sqlite3",
        std::process::id()
    ))
}

#[test]
fn three_bad_variables_are_listed_in_one_message_and_nothing_binds() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let db = temp_db("config");
    let output = Command::new(env!("CARGO_BIN_EXE_ticketing"))
        .args(["--http", &format!("127.0.0.1:{port}")])
        .env("TICKETING_DB", &db)
        .env("TICKETING_POOL_SIZE", "500")
        .env("MCP_DRAIN_TIMEOUT", "soon")
        .env("MCP_MAX_CONNECTIONS", "lots")
        .env("MCP_LOG_FORMAT", "json")
        .stdin(Stdio::null())
        .output()
        .expect("ticketing runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert_eq!(
        stderr.matches("invalid configuration").count(),
        1,
        "{stderr}"
    );
    for variable in [
        "TICKETING_POOL_SIZE=\"500\": expected an integer from 1 to 64",
        "MCP_DRAIN_TIMEOUT=\"soon\"",
        "MCP_MAX_CONNECTIONS=\"lots\"",
    ] {
        assert!(stderr.contains(variable), "{variable} not in {stderr}");
    }
    assert!(!stderr.contains("listening"), "{stderr}");
    // No port was bound and no database created.
    assert!(TcpListener::bind(("127.0.0.1", port)).is_ok());
    assert!(!db.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_runs_the_sqlite_check_and_sigterm_closes_the_pool() {
    let db = temp_db("ready");
    let env = [
        ("TICKETING_DB", db.to_str().unwrap()),
        ("TICKETING_POOL_SIZE", "2"),
    ];
    let mut server = HttpServer::spawn(env!("CARGO_BIN_EXE_ticketing"), &env);
    let response = reqwest::get(server.at("/readyz")).await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let report: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(report["checks"][0]["name"], "sqlite", "{report}");
    assert_eq!(report["checks"][0]["status"], "ok", "{report}");
    let health = reqwest::get(server.at("/healthz")).await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    let exit = tokio::task::block_in_place(|| server.terminate(WAIT));
    assert_eq!(exit, Some(0), "{}", server.stderr());
    assert!(
        server.stderr().contains("\"hooks\":1"),
        "{}",
        server.stderr()
    );
    std::thread::sleep(Duration::from_millis(10));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}
