//! The load generator against real servers on 127.0.0.1: the ceiling, and hello's router in
//! stateless and session modes. Runs are short; what is checked is that every call the bench
//! counts as a success really is one, and that failures are counted as failures.

use std::time::Duration;

use mcp_bench::client::Endpoint;
use mcp_bench::load::{self, Era, Plan, Report};
use mcp_bench::sessions;
use mcp_runtime::transport::http::{HttpOptions, router};
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// Serves `app` on a free port; returns its endpoint.
async fn serve(app: axum::Router) -> Endpoint {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Endpoint::parse(&format!("http://{address}/mcp")).unwrap()
}

async fn hello(stateless: bool) -> Endpoint {
    let options = HttpOptions {
        stateless,
        ..HttpOptions::default()
    };
    serve(router(hello::server().unwrap(), options)).await
}

async fn load(endpoint: &Endpoint, era: Era, arguments: Value) -> Report {
    load::run(Plan {
        endpoint: endpoint.clone(),
        connections: 4,
        duration: Duration::from_millis(300),
        era,
        tool: "add".to_owned(),
        arguments,
    })
    .await
}

fn ordinary() -> Value {
    json!({"a": 1, "b": 2})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ceiling_answers_every_call() {
    let endpoint = serve(mcp_bench::ceiling::router("/mcp")).await;
    let report = load(&endpoint, Era::Stateless, ordinary()).await;
    assert!(report.successes > 10, "{report:?}");
    assert_eq!(report.failures, 0, "{report:?}");
    assert!(report.latencies.p50 <= report.latencies.p99);
    assert!(report.rps() > 0.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hello_answers_every_era_it_serves() {
    let stateless = hello(true).await;
    for era in [Era::Stateless, Era::Modern] {
        let report = load(&stateless, era, ordinary()).await;
        assert!(report.successes > 10, "{}: {report:?}", era.name());
        assert_eq!(report.failures, 0, "{}: {report:?}", era.name());
    }
    let stateful = hello(false).await;
    let report = load(&stateful, Era::Session, ordinary()).await;
    assert!(report.successes > 10, "{report:?}");
    assert_eq!(report.failures, 0, "{report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_and_error_results_are_failures() {
    // A stateful server refuses requests without a session.
    let stateful = hello(false).await;
    let report = load(&stateful, Era::Stateless, ordinary()).await;
    assert_eq!(report.successes, 0, "{report:?}");
    assert!(report.failures > 0, "{report:?}");
    // An overflowing sum is an `isError` result.
    let stateless = hello(true).await;
    let report = load(&stateless, Era::Stateless, json!({"a": i64::MAX, "b": 1})).await;
    assert_eq!(report.successes, 0, "{report:?}");
    assert!(report.failures > 0, "{report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_are_held_with_live_streams() {
    let endpoint = hello(false).await;
    let mut held = Vec::new();
    sessions::hold(&endpoint, &mut held, 20, 4).await.unwrap();
    assert_eq!(held.len(), 20);
    sessions::hold(&endpoint, &mut held, 30, 4).await.unwrap();
    assert_eq!(held.len(), 30);
    // A stateless server has no GET stream: holding fails rather than counting it.
    let stateless = hello(true).await;
    assert!(
        sessions::hold(&stateless, &mut Vec::new(), 1, 1)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn the_ceiling_refuses_what_is_not_a_call() {
    use axum::body::Bytes;
    let listing = Bytes::from_static(br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#);
    assert_eq!(mcp_bench::ceiling::answer(listing).await.status(), 400);
    let call = Bytes::from_static(br#"{"jsonrpc":"2.0","id":7,"method":"tools/call"}"#);
    let answer = mcp_bench::ceiling::answer(call).await;
    assert_eq!(answer.status(), 200);
}
