//! 200 concurrent clients, both eras, calling tools for a few seconds: every request gets its
//! own right answer.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use mcp_tests::http::{Client, HttpServer, LegacySession, modern};
use serde_json::json;

const CLIENTS: u64 = 200;
const RUN_FOR: Duration = Duration::from_secs(3);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_clients_get_every_answer() {
    let server = HttpServer::spawn(
        env!("CARGO_BIN_EXE_test-server"),
        &[
            ("MCP_LOG", "warn,mcp_runtime::transport::http=info"),
            // Every client here has the address 127.0.0.1, and 100 of them hold a session.
            ("MCP_MAX_SESSIONS_PER_CLIENT", "1000"),
        ],
    );
    let sent = Arc::new(AtomicU64::new(0));
    let right = Arc::new(AtomicU64::new(0));
    let mut clients = Vec::new();
    let deadline = Instant::now() + RUN_FOR;
    for n in 0..CLIENTS {
        let (url, sent, right) = (server.url(), Arc::clone(&sent), Arc::clone(&right));
        clients.push(tokio::spawn(async move {
            let client = Client::new(url);
            // Even clients keep a legacy session; odd ones speak 2026-07-28.
            let mut session = match n % 2 {
                0 => Some(LegacySession::open(&client, "2025-11-25").await),
                _ => None,
            };
            let mut i = 0i64;
            let mut wrong = Vec::new();
            while Instant::now() < deadline {
                i += 1;
                let (a, b) = (n as i64 * 1000, i);
                let arguments = json!({"name": "test_add", "arguments": {"a": a, "b": b}});
                sent.fetch_add(1, Ordering::Relaxed);
                let reply = match &mut session {
                    Some(session) => session.request("tools/call", arguments).await,
                    None => modern(&client, i, "tools/call", arguments).await,
                };
                let answer = reply.response();
                if reply.status == 200
                    && answer["result"]["content"][0]["text"].as_str()
                        == Some((a + b).to_string().as_str())
                {
                    right.fetch_add(1, Ordering::Relaxed);
                } else {
                    wrong.push(answer);
                }
            }
            wrong
        }));
    }
    let mut wrong = Vec::new();
    for client in clients {
        wrong.extend(client.await.expect("no client task panics"));
    }
    let (sent, right) = (sent.load(Ordering::Relaxed), right.load(Ordering::Relaxed));
    assert!(
        wrong.is_empty(),
        "{} wrong answers, first: {:?}",
        wrong.len(),
        wrong.first()
    );
    assert_eq!(sent, right, "every request answered rightly");
    assert!(sent >= CLIENTS * 2, "only {sent} requests in {RUN_FOR:?}");
    eprintln!("{sent} tools/call answered by {CLIENTS} clients in {RUN_FOR:?}");
}
