//! The post-deploy probe (`mcp_runtime::snapshot::probe`, what `cargo xtask probe` runs)
//! against the hello binary serving Streamable HTTP on 127.0.0.1.

use std::path::Path;
use std::time::{Duration, Instant};

use mcp_runtime::snapshot::probe::{ProbeOptions, ProbeOutcome, probe};
use mcp_tests::http::HttpServer;

fn hello() -> HttpServer {
    HttpServer::spawn(env!("CARGO_BIN_EXE_hello"), &[])
}

fn baseline(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

fn options(url: String, baseline: Option<std::path::PathBuf>) -> ProbeOptions {
    ProbeOptions {
        baseline,
        deadline: Duration::from_secs(10),
        interval: Duration::from_millis(200),
        ..ProbeOptions::new(url)
    }
}

#[tokio::test]
async fn a_live_server_matching_its_baseline_passes() {
    let server = hello();
    for file in ["mcp-schema.sha256", "mcp-schema.json"] {
        let outcome = probe(&options(server.url(), Some(baseline(file)))).await;
        assert_eq!(outcome.exit_code(), 0, "{file}: {}", outcome.summary());
        let summary = outcome.summary();
        assert!(
            summary.starts_with("probe PASS http://127.0.0.1:"),
            "{summary}"
        );
        assert!(
            summary.contains("server=hello/0.1.0 protocol=2025-11-25 tools=3"),
            "{summary}"
        );
        assert_eq!(summary.lines().count(), 1);
    }
    // The probe went through both eras.
    assert!(server.stderr().contains("\"msg\":\"initialize\""));
}

#[tokio::test]
async fn a_wrong_baseline_is_schema_drift() {
    let server = hello();
    let other = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ticketing/mcp-schema.json");
    let outcome = probe(&options(server.url(), Some(other))).await;
    assert_eq!(outcome.exit_code(), 1, "{}", outcome.summary());
    let report = outcome.report().expect("a classified report");
    assert!(
        report.contains("BREAKING   search_tickets: the tool was removed"),
        "{report}"
    );

    let wrong_hash = std::env::temp_dir().join(format!("probe-{}.sha256", std::process::id()));
    std::fs::write(&wrong_hash, format!("{}\n", "0".repeat(64))).unwrap();
    let outcome = probe(&options(server.url(), Some(wrong_hash.clone()))).await;
    std::fs::remove_file(&wrong_hash).unwrap();
    assert!(
        matches!(outcome, ProbeOutcome::Drift(..)),
        "{}",
        outcome.summary()
    );
}

#[tokio::test]
async fn a_dead_port_fails_after_the_deadline() {
    // A port that was free a moment ago, now closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut dead = options(format!("http://127.0.0.1:{port}/mcp"), None);
    dead.deadline = Duration::from_millis(1500);
    let started = Instant::now();
    let outcome = probe(&dead).await;
    assert_eq!(outcome.exit_code(), 3, "{}", outcome.summary());
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
    assert!(
        outcome.summary().contains("Connection refused"),
        "{}",
        outcome.summary()
    );
}

#[tokio::test]
async fn a_server_that_starts_late_passes_within_the_deadline() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/mcp");
    let late = options(url, Some(baseline("mcp-schema.sha256")));
    let probing = tokio::spawn(async move { probe(&late).await });
    tokio::time::sleep(Duration::from_millis(800)).await;
    let _server = HttpServer::spawn_at(
        env!("CARGO_BIN_EXE_hello"),
        &format!("127.0.0.1:{port}"),
        &[],
    );
    let outcome = probing.await.unwrap();
    assert_eq!(outcome.exit_code(), 0, "{}", outcome.summary());
    assert!(
        !outcome.summary().contains("(1 attempts"),
        "it had to retry: {}",
        outcome.summary()
    );
}

#[test]
fn https_and_missing_baselines_are_usage_errors() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let outcome = runtime.block_on(probe(&ProbeOptions::new("https://example.com/mcp")));
    assert_eq!(outcome.exit_code(), 64);
    let missing = options(
        "http://127.0.0.1:1/mcp".into(),
        Some("/nonexistent/mcp-schema.json".into()),
    );
    assert_eq!(runtime.block_on(probe(&missing)).exit_code(), 64);
}
