//! Graceful shutdown over HTTP: on SIGTERM the server logs `shutting down`, stops accepting,
//! ends its SSE streams, lets a call in flight finish, and exits 0.

use std::time::Duration;

use mcp_tests::http::{Client, HttpServer, LegacySession, SseItem, WAIT};
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_in_flight_calls_ends_streams_and_exits_zero() {
    let mut server = HttpServer::spawn(env!("CARGO_BIN_EXE_test-server"), &[]);
    let client = Client::new(server.url());
    let session = LegacySession::open(&client, "2025-11-25").await;
    let mut headers = session.headers();
    headers.push(("accept", "text/event-stream"));
    let mut stream = client.open_sse(Method::GET, &headers, None).await;
    assert_eq!(stream.status, 200);
    assert!(
        matches!(stream.next(WAIT).await, Some(SseItem::Event(_))),
        "the priming event"
    );
    let mut caller = LegacySession::open(&client, "2025-11-25").await;
    let slow = tokio::spawn(async move {
        let call = json!({"name": "test_sleep", "arguments": {"ms": 1500}});
        caller.request("tools/call", call).await
    });
    // Nothing is logged when a call starts: give it time to be under way.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let exit = tokio::task::block_in_place(|| server.terminate(WAIT));
    assert_eq!(exit, Some(0), "stderr:\n{}", server.stderr());
    // The call ended after the shutdown began: it was drained, not cut.
    let log = server.stderr();
    let shutting_down = log.find("\"msg\":\"shutting down\"").expect("logged");
    let call_ended = log.find("\"msg\":\"tool call\"").expect("logged");
    assert!(shutting_down < call_ended, "{log}");
    // The standalone stream was ended, not cut: it reads to its end.
    let mut items = 0;
    while stream.next(Duration::from_secs(1)).await.is_some() {
        items += 1;
        assert!(items < 100, "the stream did not end");
    }
    // The call that was in flight got its answer before the process exited.
    let reply = slow.await.unwrap();
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(
        reply.json()["result"]["content"][0]["text"],
        "slept 1500 ms",
        "{reply:?}"
    );
    // Nothing listens any more.
    assert!(std::net::TcpStream::connect(server.address()).is_err());
}
