//! Clients that hold connections without finishing requests, over raw TCP on 127.0.0.1: slow
//! headers, slow and stalled bodies, idle keep-alive connections and a connection flood are
//! cut off by their timeout or the cap, while a well-behaved client keeps being answered and
//! streaming responses outlive every timeout.

use std::time::{Duration, Instant};

use mcp_tests::http::{ACCEPT_BOTH, Client, HttpServer, LegacySession, SseItem};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const HEADER_TIMEOUT: Duration = Duration::from_secs(1);
const BODY_TIMEOUT: Duration = Duration::from_secs(2);
const IDLE_TIMEOUT: Duration = Duration::from_secs(2);
/// Slack for a debug build on shared cores: a timeout must strike within this of its due time.
const SLACK: Duration = Duration::from_millis(1500);
/// How soon a well-behaved client must be answered while the attack goes on.
const PROMPTLY: Duration = Duration::from_secs(2);

const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"slow","version":"1"}}}"#;

/// A server with the short timeouts above; `extra` is applied after them.
fn server(extra: &[(&str, &str)]) -> HttpServer {
    let mut env = vec![
        ("MCP_LOG", "warn,mcp_runtime::transport::http=info"),
        ("MCP_HEADER_READ_TIMEOUT", "1s"),
        ("MCP_BODY_READ_TIMEOUT", "2s"),
        ("MCP_IDLE_TIMEOUT", "2s"),
    ];
    env.extend_from_slice(extra);
    HttpServer::spawn(env!("CARGO_BIN_EXE_test-server"), &env)
}

/// The head of a POST to the endpoint, with `framing` (`Content-Length: N` or
/// `Transfer-Encoding: chunked`) as its last field.
fn post_head(framing: &str) -> String {
    format!(
        "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json, text/event-stream\r\n\
         Content-Type: application/json\r\n{framing}\r\n\r\n"
    )
}

fn post(body: &str) -> String {
    post_head(&format!("Content-Length: {}", body.len())) + body
}

/// One response read off a raw connection.
#[derive(Debug)]
struct RawResponse {
    status: u16,
    /// The head, lowercased.
    head: String,
    body: Vec<u8>,
}

impl RawResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            (key == name).then(|| value.trim())
        })
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| panic!("not JSON: {self:?}"))
    }
}

/// Reads one response with a `Content-Length` body; `None` if the connection closes first or
/// none comes within `limit`.
async fn read_response(tcp: &mut TcpStream, limit: Duration) -> Option<RawResponse> {
    let deadline = tokio::time::Instant::now() + limit;
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&bytes[..end]).to_ascii_lowercase();
            let status = head.split(' ').nth(1)?.parse().ok()?;
            let response = RawResponse {
                status,
                head,
                body: Vec::new(),
            };
            let length: usize = response.header("content-length")?.parse().ok()?;
            if bytes.len() >= end + 4 + length {
                let body = bytes[end + 4..end + 4 + length].to_vec();
                return Some(RawResponse { body, ..response });
            }
        }
        match tokio::time::timeout_at(deadline, tcp.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => bytes.extend_from_slice(&chunk[..n]),
            _ => return None,
        }
    }
}

/// Waits until the server closes `tcp` (end of stream or reset); how long after `since`, or
/// `None` if it is still open after `limit`. Panics if the server sends anything.
async fn closed_after(tcp: &mut TcpStream, since: Instant, limit: Duration) -> Option<Duration> {
    let mut chunk = [0u8; 1024];
    match tokio::time::timeout(limit, tcp.read(&mut chunk)).await {
        Ok(Ok(0) | Err(_)) => Some(since.elapsed()),
        Ok(Ok(n)) => panic!(
            "unexpected bytes: {:?}",
            String::from_utf8_lossy(&chunk[..n])
        ),
        Err(_) => None,
    }
}

/// A legacy client opens a session and calls a tool; how long that took.
async fn well_behaved(client: &Client) -> Duration {
    let started = Instant::now();
    let mut session = LegacySession::open(client, "2025-11-25").await;
    let reply = session
        .request(
            "tools/call",
            json!({"name": "test_add", "arguments": {"a": 2, "b": 3}}),
        )
        .await;
    assert_eq!(reply.response()["result"]["content"][0]["text"], "5");
    started.elapsed()
}

fn within(took: Duration, due: Duration) -> bool {
    took + Duration::from_millis(100) >= due && took <= due + SLACK
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_silent_headers_are_cut_off_at_the_header_timeout() {
    const TRICKLERS: usize = 100;
    const SILENT: usize = 100;
    let server = server(&[]);
    let head = post(INITIALIZE).into_bytes();
    let mut attackers = Vec::new();
    for n in 0..TRICKLERS + SILENT {
        let (address, head) = (server.address().to_owned(), head.clone());
        attackers.push(tokio::spawn(async move {
            let mut tcp = TcpStream::connect(&address).await.unwrap();
            let since = Instant::now();
            let trickle = n < TRICKLERS;
            let mut next = 0;
            // One header byte every 300 ms: the head would take 45 s to arrive.
            loop {
                if trickle && next < head.len() {
                    let _ = tcp.write_all(&head[next..=next]).await;
                    next += 1;
                }
                let gap = Duration::from_millis(300);
                if let Some(closed) = closed_after(&mut tcp, since, gap).await {
                    return (trickle, closed);
                }
                if since.elapsed() > Duration::from_secs(10) {
                    panic!("still open after 10 s (trickling: {trickle})");
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let took = well_behaved(&Client::new(server.url())).await;
    assert!(
        took < PROMPTLY,
        "a normal client waited {took:?} among slow headers"
    );
    for attacker in attackers {
        let (trickle, closed) = attacker.await.unwrap();
        assert!(
            within(closed, HEADER_TIMEOUT),
            "closed after {closed:?} (trickling: {trickle})"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let server = server(&[]);
    let mut tcp = TcpStream::connect(server.address()).await.unwrap();
    tcp.write_all(post(INITIALIZE).as_bytes()).await.unwrap();
    let first = read_response(&mut tcp, PROMPTLY).await.expect("an answer");
    assert_eq!(first.status, 200);
    // Longer than the header timeout, shorter than the idle timeout: the wait between requests
    // is not timed as a slow header.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    tcp.write_all(post(INITIALIZE).as_bytes()).await.unwrap();
    let second = read_response(&mut tcp, PROMPTLY)
        .await
        .expect("a second answer");
    assert_eq!(second.status, 200);
    let idle_since = Instant::now();
    let closed = closed_after(&mut tcp, idle_since, Duration::from_secs(10)).await;
    let closed = closed.expect("the idle connection is closed");
    assert!(within(closed, IDLE_TIMEOUT), "closed after {closed:?} idle");

    // A later head is timed from its first byte: started after a request, it is cut off one
    // header timeout later.
    let mut tcp = TcpStream::connect(server.address()).await.unwrap();
    tcp.write_all(post(INITIALIZE).as_bytes()).await.unwrap();
    assert_eq!(read_response(&mut tcp, PROMPTLY).await.unwrap().status, 200);
    tokio::time::sleep(Duration::from_millis(500)).await;
    tcp.write_all(b"POST /mcp HT").await.unwrap();
    let first_byte = Instant::now();
    let closed = closed_after(&mut tcp, first_byte, Duration::from_secs(10)).await;
    let closed = closed.expect("the half-sent head is cut off");
    assert!(
        within(closed, HEADER_TIMEOUT),
        "closed {closed:?} after its first byte"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_or_stalled_body_gets_408_and_the_connection_closes() {
    let server = server(&[]);
    let client = Client::new(server.url());
    // One body byte every 200 ms: the body would take 30 s.
    let trickled = {
        let address = server.address().to_owned();
        tokio::spawn(async move {
            let mut tcp = TcpStream::connect(&address).await.unwrap();
            let head = post_head(&format!("Content-Length: {}", INITIALIZE.len()));
            tcp.write_all(head.as_bytes()).await.unwrap();
            let since = Instant::now();
            let (mut read, mut write) = tcp.split();
            let feed = async {
                for byte in INITIALIZE.as_bytes() {
                    let _ = write.write_all(&[*byte]).await;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            };
            let answer = async {
                let mut all = Vec::new();
                let _ =
                    tokio::time::timeout(Duration::from_secs(10), read.read_to_end(&mut all)).await;
                (all, since.elapsed())
            };
            tokio::select! {
                answer = answer => answer,
                () = feed => panic!("the whole body was taken"),
            }
        })
    };
    // A chunked body whose first chunk comes and the rest never does.
    let mut stalled = TcpStream::connect(server.address()).await.unwrap();
    let head = post_head("Transfer-Encoding: chunked");
    let chunk = format!("10\r\n{}\r\n", &INITIALIZE[..16]);
    stalled.write_all((head + &chunk).as_bytes()).await.unwrap();
    let since = Instant::now();

    tokio::time::sleep(Duration::from_millis(500)).await;
    let took = well_behaved(&client).await;
    assert!(
        took < PROMPTLY,
        "a normal client waited {took:?} among slow bodies"
    );

    let answer = read_response(&mut stalled, Duration::from_secs(10)).await;
    let answer = answer.expect("the stalled body is answered");
    let answered = since.elapsed();
    let closed = closed_after(&mut stalled, since, Duration::from_secs(2)).await;
    let (trickled, trickled_after) = trickled.await.unwrap();
    let trickled = String::from_utf8_lossy(&trickled).into_owned();
    for (answer, after) in [(answer, answered), (parse(&trickled), trickled_after)] {
        assert_eq!(answer.status, 408, "{answer:?}");
        assert!(within(after, BODY_TIMEOUT), "answered after {after:?}");
        assert_eq!(answer.header("content-type"), Some("application/json"));
        assert_eq!(answer.header("connection"), Some("close"));
        let body = answer.json();
        assert_eq!(body["error"]["code"], -32600, "{body}");
        assert_eq!(body["id"], Value::Null);
    }
    assert!(closed.is_some(), "the connection stays open after its 408");
    // `read_to_end` ended within its 10 s: the server closed the trickled connection too.
    assert!(
        trickled_after < Duration::from_secs(10),
        "{trickled_after:?}"
    );
}

/// A whole response (head and body) as one text.
fn parse(text: &str) -> RawResponse {
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((text, ""));
    let head = head.to_ascii_lowercase();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    RawResponse {
        status,
        head,
        body: body.as_bytes().to_vec(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_and_slow_answers_outlive_every_timeout() {
    let server = server(&[("MCP_SSE_HEARTBEAT", "500ms")]);
    let client = Client::new(server.url());
    let session = LegacySession::open(&client, "2025-11-25").await;
    let started = Instant::now();
    let mut get = session.headers();
    get.push(("accept", "text/event-stream"));
    let mut standalone = client.open_sse(Method::GET, &get, None).await;
    assert_eq!(standalone.status, 200);

    // 8 progress notifications 600 ms apart: the call's SSE answer lasts about 4.8 s.
    let progress = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {
        "name": "test_progress", "arguments": {"steps": 8, "delay_ms": 600},
        "_meta": {"progressToken": "slow"}}});
    let mut post = session.headers();
    post.push(ACCEPT_BOTH);
    let mut call = client.open_sse(Method::POST, &post, Some(&progress)).await;
    assert_eq!(call.status, 200);
    // A plain JSON answer that takes longer than the idle and body timeouts.
    let sleep = json!({"jsonrpc": "2.0", "id": 8, "method": "tools/call", "params": {
        "name": "test_sleep", "arguments": {"ms": 3000}}});
    let session_headers = session.headers();
    let slow = client.post(&sleep, &session_headers);

    let (slow, (notifications, answer)) = tokio::join!(slow, async {
        let mut notifications = 0;
        loop {
            let message = call.next_message(Duration::from_secs(5)).await;
            let message = message.expect("the call's stream stays open until its answer");
            if message.get("id").is_some() {
                return (notifications, message);
            }
            notifications += 1;
        }
    });
    assert_eq!(slow.status, 200);
    assert_eq!(
        slow.response()["result"]["content"][0]["text"],
        "slept 3000 ms"
    );
    assert_eq!(
        answer["result"]["content"][0]["text"],
        "sent 8 progress notifications"
    );
    assert!(notifications >= 8, "{notifications} notifications");
    assert!(started.elapsed() >= Duration::from_millis(4500));

    // The standalone stream, open all along, still carries heartbeats well past every timeout.
    let mut heartbeats = 0;
    while started.elapsed() < IDLE_TIMEOUT * 3 {
        match standalone.next(Duration::from_secs(2)).await {
            Some(SseItem::Comment) => heartbeats += 1,
            Some(SseItem::Event(_)) => {}
            None => panic!("the standalone stream ended after {:?}", started.elapsed()),
        }
    }
    assert!(heartbeats >= 8, "{heartbeats} heartbeats");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_connection_cap_new_connections_get_503_and_established_ones_keep_working() {
    const CAP: usize = 8;
    let server = server(&[
        ("MCP_MAX_CONNECTIONS", "8"),
        ("MCP_HEADER_READ_TIMEOUT", "20s"),
        ("MCP_IDLE_TIMEOUT", "20s"),
    ]);
    let mut established = TcpStream::connect(server.address()).await.unwrap();
    established
        .write_all(post(INITIALIZE).as_bytes())
        .await
        .unwrap();
    assert_eq!(
        read_response(&mut established, PROMPTLY)
            .await
            .unwrap()
            .status,
        200
    );
    let mut holders = Vec::new();
    for _ in 1..CAP {
        holders.push(TcpStream::connect(server.address()).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Each new connection is answered at once, whatever else is refused.
    for _ in 0..5 {
        let started = Instant::now();
        let mut refused = TcpStream::connect(server.address()).await.unwrap();
        refused
            .write_all(post(INITIALIZE).as_bytes())
            .await
            .unwrap();
        let answer = read_response(&mut refused, PROMPTLY).await.expect("a 503");
        assert_eq!(answer.status, 503, "{answer:?}");
        assert_eq!(answer.header("retry-after"), Some("1"));
        assert_eq!(answer.header("connection"), Some("close"));
        assert_eq!(answer.json()["error"]["code"], -32603);
        assert!(
            closed_after(&mut refused, started, PROMPTLY)
                .await
                .is_some()
        );
        assert!(started.elapsed() < PROMPTLY, "{:?}", started.elapsed());
    }
    // A flood past the cap does not stall the connections already served.
    let mut flood = Vec::new();
    for _ in 0..100 {
        flood.push(TcpStream::connect(server.address()).await.unwrap());
    }
    let started = Instant::now();
    established
        .write_all(post(INITIALIZE).as_bytes())
        .await
        .unwrap();
    let answer = read_response(&mut established, PROMPTLY).await;
    assert_eq!(
        answer.expect("the established client is answered").status,
        200
    );
    assert!(started.elapsed() < PROMPTLY, "{:?}", started.elapsed());

    // Once connections close, new ones are served again.
    drop((holders, flood));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let took = well_behaved(&Client::new(server.url())).await;
    assert!(took < PROMPTLY, "{took:?} once the holders left");
}
