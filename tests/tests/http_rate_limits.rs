//! Rate limits at every layer, against `test-server` over real HTTP on 127.0.0.1, in process and
//! on a real Redis (Debian's `redis-server`): each layer refuses past its threshold with the
//! right status or result and a correct `Retry-After`, and admits again after its window; two
//! instances on one Redis share a limit; a killed or a silent Redis never makes a request fail
//! or hang, and limits keep holding per instance until Redis is back.

use std::time::{Duration, Instant};

use mcp_tests::http::{Client, HttpServer, LegacySession, Reply, modern};
use mcp_tests::redis::RedisServer;
use serde_json::json;

fn spawn(env: &[(&str, &str)]) -> HttpServer {
    HttpServer::spawn(env!("CARGO_BIN_EXE_test-server"), env)
}

async fn call(client: &Client, tool: &str) -> Reply {
    modern(client, 1, "tools/call", json!({"name": tool})).await
}

/// Whether a tool call answered a rate-limit refusal, and its retry-after seconds.
fn limited(reply: &Reply) -> Option<u64> {
    assert_eq!(
        reply.status, 200,
        "per-tool limits answer a result: {reply:?}"
    );
    let result = &reply.json()["result"];
    if result["isError"] != true {
        return None;
    }
    let text = result["content"][0]["text"].as_str().unwrap_or_default();
    assert!(text.starts_with("Rate limited:"), "{result}");
    result["_meta"]["rs.mcp-runtime/retryAfterSeconds"].as_u64()
}

#[tokio::test(flavor = "multi_thread")]
async fn per_tool_rates_and_budgets_refuse_as_results_and_admit_again() {
    let server = spawn(&[]);
    let client = Client::new(server.url());
    for n in 0..3 {
        assert_eq!(
            limited(&call(&client, "test_limited").await),
            None,
            "call {n}"
        );
    }
    let retry = limited(&call(&client, "test_limited").await).expect("the 4th is limited");
    assert_eq!(retry, 1, "one interval of 3/2s, rounded up to a second");
    // Other tools keep working.
    let add = modern(
        &client,
        2,
        "tools/call",
        json!({"name": "test_add", "arguments": {"a": 1, "b": 2}}),
    )
    .await;
    assert_eq!(add.json()["result"]["content"][0]["text"], "3", "{add:?}");
    // A budget of 10 per 2 s at cost 4: two calls, then refused.
    assert_eq!(limited(&call(&client, "test_costly").await), None);
    assert_eq!(limited(&call(&client, "test_costly").await), None);
    let retry = limited(&call(&client, "test_costly").await).expect("12 > 10 units");
    assert!((1..=2).contains(&retry), "{retry}");
    // After the interval, admitted again.
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        limited(&call(&client, "test_limited").await),
        None,
        "one interval later"
    );
    let log = server.stderr();
    assert!(
        log.contains("RateLimited") && log.contains("BudgetExhausted"),
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn probes_and_handshakes_never_draw_on_tool_budgets() {
    let server = spawn(&[]);
    let client = Client::new(server.url());
    for _ in 0..20 {
        let _ = LegacySession::open(&client, "2025-11-25").await;
        let _ = modern(&client, 1, "tools/list", json!({})).await;
    }
    for n in 0..3 {
        assert_eq!(
            limited(&call(&client, "test_limited").await),
            None,
            "call {n}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_request_and_session_rates_answer_429_with_retry_after() {
    let server = spawn(&[
        ("MCP_RATE_LIMIT", "6/3s"),
        ("MCP_RATE_LIMIT_SESSIONS", "2/4s"),
        ("MCP_TOOL_RATE_LIMITS", "test_add=100/s"),
    ]);
    let client = Client::new(server.url());
    let initialize = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
    assert_eq!(client.post(&initialize, &[]).await.status, 200);
    assert_eq!(client.post(&initialize, &[]).await.status, 200);
    let third = client.post(&initialize, &[]).await;
    assert_eq!(third.status, 429, "{third:?}");
    assert_eq!(
        third.header("retry-after"),
        Some("2"),
        "one interval of 2/4s"
    );
    assert!(
        third.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("MCP_RATE_LIMIT_SESSIONS")
    );
    // Three requests so far; three more are admitted, the seventh is refused before any work.
    for _ in 0..3 {
        assert_eq!(call(&client, "test_add").await.status, 200);
    }
    let refused = call(&client, "test_add").await;
    assert_eq!(refused.status, 429, "{refused:?}");
    assert_eq!(
        refused.header("retry-after"),
        Some("1"),
        "one interval of 6/3s is 0.5 s"
    );
    assert_eq!(refused.json()["error"]["code"], -32600);
    assert!(
        refused.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("MCP_RATE_LIMIT")
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        call(&client, "test_add").await.status,
        200,
        "admitted after the interval"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_instances_on_one_redis_share_a_limit_and_keys_expire() {
    let redis = RedisServer::start();
    let url = redis.url();
    let env = [
        ("MCP_REDIS_URL", url.as_str()),
        ("MCP_REDIS_PREFIX", "shared-test"),
    ];
    let (one, two) = (spawn(&env), spawn(&env));
    let (a, b) = (Client::new(one.url()), Client::new(two.url()));
    // 3 calls per 2 s, spread over both instances: the fourth is refused by either.
    assert_eq!(limited(&call(&a, "test_limited").await), None);
    assert_eq!(limited(&call(&b, "test_limited").await), None);
    assert_eq!(limited(&call(&a, "test_limited").await), None);
    assert!(
        limited(&call(&b, "test_limited").await).is_some(),
        "limited as one"
    );
    assert!(limited(&call(&a, "test_limited").await).is_some());
    let keys = redis.keys_with_ttl("shared-test:rl:");
    assert_eq!(keys.len(), 1, "one key for the tool and caller: {keys:?}");
    let (_, ttl) = &keys[0];
    assert!(
        (1..=2_000).contains(ttl),
        "every key has a TTL within the period: {keys:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_redis_falls_back_per_instance_and_comes_back() {
    let mut redis = RedisServer::start();
    let url = redis.url();
    let server = spawn(&[("MCP_REDIS_URL", &url), ("MCP_REDIS_TIMEOUT", "100ms")]);
    let client = Client::new(server.url());
    assert_eq!(limited(&call(&client, "test_limited").await), None);
    redis.kill();
    // No request fails because Redis did, none waits past the deadline, and the limit holds
    // from the in-process fallback (fresh there: three more, then refused).
    let mut answers = Vec::new();
    for _ in 0..4 {
        let started = Instant::now();
        let reply = call(&client, "test_limited").await;
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        answers.push(limited(&reply));
    }
    assert_eq!(answers[..3], [None, None, None], "{answers:?}");
    assert!(
        answers[3].is_some(),
        "the fallback enforces the limit: {answers:?}"
    );
    assert!(
        server
            .stderr_contains("Redis is unavailable", Duration::from_secs(2))
            .await
    );
    assert_eq!(
        server.stderr().matches("Redis is unavailable").count(),
        1,
        "the switch is logged once"
    );
    assert!(!server.stderr().contains(&url), "the URL is not logged");
    redis.restart();
    // Retried once a second: shared limits again.
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let mut back = false;
    for _ in 0..10 {
        let _ = call(&client, "test_limited").await;
        if server.stderr().contains("Redis answers again") {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(back, "{}", server.stderr());
    assert!(
        !redis.keys_with_ttl("mcp:rl:").is_empty(),
        "counting on Redis again"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redis_that_never_answers_does_not_stall_requests() {
    // Accepts connections and never says a word.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("redis://{}/0", silent.local_addr().unwrap());
    let held = tokio::spawn(async move {
        let mut sockets = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            sockets.push(socket);
        }
    });
    let server = spawn(&[("MCP_REDIS_URL", &url), ("MCP_REDIS_TIMEOUT", "150ms")]);
    let client = Client::new(server.url());
    let started = Instant::now();
    let mut results = Vec::new();
    for _ in 0..4 {
        results.push(limited(&call(&client, "test_limited").await));
    }
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(results[..3], [None, None, None]);
    assert!(results[3].is_some(), "limits never fail open: {results:?}");
    held.abort();
}
