//! `/healthz`, `/readyz` and `/metrics` over real HTTP: readiness follows a registered check
//! and back, liveness stays 200, and a real Prometheus scrapes the exposition (which
//! `promtool check metrics` accepts) and answers queries for the series the calls made.
//!
//! Needs Debian's `prometheus` (`.ci/run` installs it); missing, the Prometheus test fails
//! under `CI=true` and is skipped elsewhere with a note.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mcp_tests::http::{Client, HttpServer, LegacySession, modern};
use serde_json::{Value, json};

async fn get(url: &str) -> (u16, String) {
    let response = reqwest::get(url).await.expect("the server answers");
    let status = response.status().as_u16();
    let body = response.bytes().await.expect("the body is read");
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_follows_its_check_and_liveness_stays_up_without_credentials() {
    let dir = std::env::temp_dir().join(format!("mcp-ready-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ready_file = dir.join("ready");
    std::fs::write(&ready_file, "").unwrap();
    let env = [
        ("TEST_SERVER_READY_FILE", ready_file.to_str().unwrap()),
        ("MCP_LOG", "info"),
    ];
    let server = HttpServer::spawn(env!("CARGO_BIN_EXE_test-server"), &env);
    let (status, body) = get(&server.at("/readyz")).await;
    assert_eq!(status, 200, "{body}");
    let report: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(report["status"], "ready");
    assert_eq!(report["checks"][0]["name"], "file");
    assert_eq!(report["checks"][0]["status"], "ok");
    assert!(report["checks"][0]["duration_ms"].is_number());
    std::fs::remove_file(&ready_file).unwrap();
    let (status, body) = get(&server.at("/readyz")).await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("\"status\":\"failed\""), "{body}");
    assert_eq!(get(&server.at("/healthz")).await.0, 200);
    std::fs::write(&ready_file, "").unwrap();
    assert_eq!(
        get(&server.at("/readyz")).await.0,
        200,
        "back once the check passes"
    );
    // Probes write no line at info: only the failing and recovering check did.
    for _ in 0..20 {
        assert_eq!(get(&server.at("/healthz")).await.0, 200);
    }
    let log = server.stderr();
    let after_listening = &log[log.find("\"msg\":\"listening\"").unwrap()..];
    let lines: Vec<&str> = after_listening
        .lines()
        .skip(1)
        .filter(|line| !line.contains("connection cap lowered"))
        .collect();
    assert_eq!(lines.len(), 2, "{after_listening}");
    assert!(
        lines.iter().all(|line| line.contains("readiness check")),
        "{lines:?}"
    );
    // A foreign Host is refused on these routes as on the endpoint.
    let refused = reqwest::Client::new()
        .get(server.at("/healthz"))
        .header("host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 403);
    let _ = std::fs::remove_dir_all(&dir);
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Prometheus, killed when dropped.
struct Prometheus(Child);

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn installed(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

async fn query(base: &str, promql: &str) -> Vec<Value> {
    let response = reqwest::Client::new()
        .get(format!("{base}/api/v1/query"))
        .query(&[("query", promql)])
        .send()
        .await;
    let Ok(response) = response else {
        return Vec::new();
    };
    let body = response.bytes().await.unwrap_or_default();
    let answer: Value = serde_json::from_slice(&body).unwrap_or_default();
    answer["data"]["result"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_scrapes_the_series_the_calls_made() {
    if !(installed("prometheus") && installed("promtool")) {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "prometheus and promtool are required under CI (.ci/run installs them)"
        );
        eprintln!("skipped: prometheus is not installed (apt-get install prometheus)");
        return;
    }
    let server = HttpServer::spawn(env!("CARGO_BIN_EXE_test-server"), &[]);
    let client = Client::new(server.url());
    let mut session = LegacySession::open(&client, "2025-11-25").await;
    for _ in 0..3 {
        let call = json!({"name": "test_sleep", "arguments": {"ms": 1}});
        assert_eq!(session.request("tools/call", call).await.status, 200);
    }
    let bad = json!({"name": "test_constraints", "arguments": {"count": 0}});
    session.request("tools/call", bad).await;
    let unknown = json!({"name": "no_such_tool_x1", "arguments": {}});
    modern(&client, 9, "tools/call", unknown).await;

    let (status, exposition) = get(&server.at("/metrics")).await;
    assert_eq!(status, 200);
    assert!(
        !exposition.contains("no_such_tool_x1"),
        "a client made a series"
    );
    let dir = std::env::temp_dir().join(format!("mcp-prometheus-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("exposition.txt"), &exposition).unwrap();
    let check = Command::new("sh")
        .arg("-c")
        .arg("promtool check metrics < \"$1\"")
        .arg("sh")
        .arg(dir.join("exposition.txt"))
        .output();
    let check = check.expect("promtool runs");
    assert!(
        check.status.success(),
        "promtool check metrics: {}{}\n{exposition}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );

    let port = free_port();
    let config = format!(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: mcp\n    scrape_interval: 1s\n    static_configs:\n      - targets: ['{}']\n",
        server.address()
    );
    std::fs::write(dir.join("prometheus.yml"), config).unwrap();
    let _prometheus = Prometheus(
        Command::new("prometheus")
            .arg(format!(
                "--config.file={}",
                dir.join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus starts"),
    );
    let base = format!("http://127.0.0.1:{port}");
    let calls = "mcp_server_tool_calls_total{gen_ai_tool_name=\"test_sleep\",outcome=\"ok\"}";
    let deadline = Instant::now() + Duration::from_secs(60);
    let value = loop {
        let found = query(&base, calls).await;
        if let Some(series) = found.first() {
            break series["value"][1].as_str().unwrap_or_default().to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "Prometheus never scraped {calls}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(value, "3");
    for (promql, expected) in [
        (
            "mcp_server_operation_duration_seconds_count{mcp_method_name=\"tools/call\",gen_ai_tool_name=\"test_sleep\"}",
            "3",
        ),
        (
            "mcp_server_schema_validation_failures_total{gen_ai_tool_name=\"test_constraints\"}",
            "1",
        ),
        (
            "mcp_server_tool_calls_total{gen_ai_tool_name=\"<unknown>\",outcome=\"invalid_params\"}",
            "1",
        ),
        (
            "mcp_server_requests_total{mcp_method_name=\"initialize\",era=\"legacy\"}",
            "1",
        ),
        ("mcp_server_active_sessions", "1"),
        ("mcp_server_calls_in_flight", "0"),
        ("up{job=\"mcp\"}", "1"),
    ] {
        let found = query(&base, promql).await;
        let value = found.first().map(|series| series["value"][1].clone());
        assert_eq!(value, Some(json!(expected)), "{promql}: {found:?}");
    }
    let build = query(&base, "mcp_server_build_info").await;
    assert_eq!(build.len(), 1, "{build:?}");
    assert_eq!(build[0]["metric"]["server_name"], "mcp-tests");
    let _ = std::fs::remove_dir_all(&dir);
}
