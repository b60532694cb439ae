//! Test support over real HTTP on 127.0.0.1: start a server binary on a free port, speak both
//! protocol eras to it, and read SSE streams event by event.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

/// How long a test waits for a server to start, or for one SSE item.
pub const WAIT: Duration = Duration::from_secs(20);

/// A server process listening on 127.0.0.1, killed when dropped.
pub struct HttpServer {
    child: Child,
    address: String,
    stderr: Arc<Mutex<String>>,
}

impl HttpServer {
    /// Starts `binary --http 127.0.0.1:0` with `MCP_LOG=debug` and `env`, and waits for its
    /// `listening` log line (an `MCP_LOG` in `env` must keep `mcp_runtime::transport::http` at
    /// `info`).
    pub fn spawn(binary: impl AsRef<Path>, env: &[(&str, &str)]) -> Self {
        Self::spawn_at(binary, "127.0.0.1:0", env)
    }

    /// Starts `binary --http address`, as [`HttpServer::spawn`] does.
    pub fn spawn_at(binary: impl AsRef<Path>, address: &str, env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(binary.as_ref());
        command
            .args(["--http", address])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .env("MCP_LOG", "debug")
            .env("MCP_LOG_FORMAT", "json");
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.as_ref().display()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let (sink, lines) = (Arc::clone(&stderr), child.stderr.take().expect("piped"));
        let (found, address) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(lines).lines() {
                let Ok(line) = line else { break };
                if let Ok(event) = serde_json::from_str::<Value>(&line)
                    && event["msg"] == "listening"
                    && let Some(address) = event["addr"].as_str()
                {
                    let _ = found.send(address.to_owned());
                }
                let mut all = sink.lock().unwrap();
                all.push_str(&line);
                all.push('\n');
            }
        });
        let address = address.recv_timeout(WAIT).unwrap_or_else(|_| {
            let _ = child.kill();
            panic!(
                "the server did not log `listening` within {WAIT:?}; stderr:\n{}",
                stderr.lock().unwrap()
            )
        });
        HttpServer {
            child,
            address,
            stderr,
        }
    }

    /// `http://127.0.0.1:PORT/mcp`.
    pub fn url(&self) -> String {
        format!("http://{}/mcp", self.address)
    }

    /// The process id, to read its memory.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `127.0.0.1:PORT`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Sends SIGTERM (with the shell's `kill`) and waits up to `timeout` for the process to
    /// exit; its exit code, or `None` if it is still running (or was ended by a signal).
    pub fn terminate(&mut self, timeout: Duration) -> Option<i32> {
        let pid = self.child.id();
        let sent = Command::new("sh")
            .args(["-c", &format!("kill -TERM {pid}")])
            .status();
        assert!(sent.is_ok_and(|s| s.success()), "kill -TERM {pid} failed");
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// Sends `signal` (`TERM`, `INT`) without waiting.
    pub fn signal(&self, signal: &str) {
        let pid = self.child.id();
        let sent = Command::new("sh")
            .args(["-c", &format!("kill -{signal} {pid}")])
            .status();
        assert!(
            sent.is_ok_and(|s| s.success()),
            "kill -{signal} {pid} failed"
        );
    }

    /// Waits up to `timeout` for the process to exit: its exit code, or `None` if it is still
    /// running (or was ended by a signal).
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<i32> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// `http://127.0.0.1:PORT{path}`, for the operator's routes.
    pub fn at(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Everything the server wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until stderr contains `needle`; false after `timeout`.
    pub async fn stderr_contains(&self, needle: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if self.stderr().contains(needle) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        false
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An answer to one HTTP request, its body read to the end.
#[derive(Debug)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body, by content type.
    pub body: Body,
}

/// A response body.
#[derive(Debug)]
pub enum Body {
    /// `application/json`.
    Json(Value),
    /// `text/event-stream`: the events and the number of comment lines.
    Sse(Vec<SseEvent>, usize),
    /// No bytes.
    Empty,
    /// Anything else.
    Text(String),
}

impl Reply {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The JSON body; panics when the body is not JSON.
    pub fn json(&self) -> &Value {
        match &self.body {
            Body::Json(value) => value,
            other => panic!("expected a JSON body, got {other:?}"),
        }
    }

    /// The JSON-RPC response, whether it came as JSON or as the SSE event with an `id`.
    pub fn response(&self) -> Value {
        match &self.body {
            Body::Json(value) => value.clone(),
            Body::Sse(events, _) => events
                .iter()
                .filter_map(|event| serde_json::from_str::<Value>(&event.data).ok())
                .find(|message| message.get("id").is_some() && message.get("method").is_none())
                .unwrap_or_else(|| panic!("no response among {events:?}")),
            other => panic!("expected a JSON-RPC response, got {other:?}"),
        }
    }

    /// The JSON-RPC notifications of an SSE body.
    pub fn notifications(&self) -> Vec<Value> {
        match &self.body {
            Body::Sse(events, _) => events
                .iter()
                .filter_map(|event| serde_json::from_str::<Value>(&event.data).ok())
                .filter(|message| message.get("method").is_some())
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// One SSE event.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SseEvent {
    /// `id:`.
    pub id: Option<String>,
    /// `event:`.
    pub event: Option<String>,
    /// `data:` lines joined by `\n`.
    pub data: String,
    /// `retry:`.
    pub retry: Option<u64>,
}

/// What an SSE stream yields.
#[derive(Clone, Debug, PartialEq)]
pub enum SseItem {
    /// An event.
    Event(SseEvent),
    /// A comment line (a heartbeat).
    Comment,
}

/// Incremental SSE parsing (WHATWG "event stream interpretation", the parts MCP uses).
#[derive(Default)]
pub struct SseParser {
    buffer: String,
    current: SseEvent,
    has_field: bool,
}

impl SseParser {
    /// Feeds bytes; returns the items completed by them.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<SseItem> {
        self.buffer.push_str(&String::from_utf8_lossy(bytes));
        let mut items = Vec::new();
        while let Some(end) = self.buffer.find('\n') {
            let line: String = self.buffer.drain(..=end).collect();
            let line = line.trim_end_matches('\n').trim_end_matches('\r');
            if line.is_empty() {
                if self.has_field {
                    items.push(SseItem::Event(std::mem::take(&mut self.current)));
                    self.has_field = false;
                }
                continue;
            }
            if line.starts_with(':') {
                items.push(SseItem::Comment);
                continue;
            }
            let (field, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            self.has_field = true;
            match field {
                "data" => {
                    if !self.current.data.is_empty() {
                        self.current.data.push('\n');
                    }
                    self.current.data.push_str(value);
                }
                "id" => self.current.id = Some(value.to_owned()),
                "event" => self.current.event = Some(value.to_owned()),
                "retry" => self.current.retry = value.parse().ok(),
                _ => {}
            }
        }
        items
    }
}

/// An open SSE response, read item by item.
pub struct SseStream {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    bytes:
        std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    parser: SseParser,
    ready: std::collections::VecDeque<SseItem>,
}

impl SseStream {
    /// The next event or comment; `None` at the end of the stream or after `timeout`.
    pub async fn next(&mut self, timeout: Duration) -> Option<SseItem> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(item) = self.ready.pop_front() {
                return Some(item);
            }
            let chunk = tokio::time::timeout_at(deadline, self.bytes.next())
                .await
                .ok()??;
            let chunk = chunk.ok()?;
            self.ready.extend(self.parser.feed(&chunk));
        }
    }

    /// The next event's data as JSON, skipping comments and empty (priming) events.
    pub async fn next_message(&mut self, timeout: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(left).await? {
                SseItem::Event(event) if !event.data.is_empty() => {
                    return serde_json::from_str(&event.data).ok();
                }
                _ => continue,
            }
        }
    }
}

/// An HTTP client pointed at one MCP endpoint.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    url: String,
}

/// The `Accept` every POST sends.
pub const ACCEPT_BOTH: (&str, &str) = ("accept", "application/json, text/event-stream");

impl Client {
    /// A client for `url`.
    pub fn new(url: impl Into<String>) -> Self {
        Client {
            http: reqwest::Client::builder()
                .pool_max_idle_per_host(64)
                .build()
                .expect("a client builds"),
            url: url.into(),
        }
    }

    /// A client for `url` whose connections leave from `local` (any address in 127.0.0.0/8 on
    /// Linux), so that one test can be several clients to a server that counts per address.
    pub fn from_address(url: impl Into<String>, local: std::net::IpAddr) -> Self {
        Client {
            http: reqwest::Client::builder()
                .pool_max_idle_per_host(64)
                .local_address(local)
                .build()
                .expect("a client builds"),
            url: url.into(),
        }
    }

    /// The endpoint.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Sends a request with exactly these headers and reads the whole answer.
    pub async fn send(
        &self,
        method: reqwest::Method,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Reply {
        let response = self.start(method, headers, body).await;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let kind = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let bytes = response.bytes().await.expect("the body is read");
        let body = if bytes.is_empty() {
            Body::Empty
        } else if kind.starts_with("application/json") {
            Body::Json(serde_json::from_slice(&bytes).expect("a JSON body parses"))
        } else if kind.starts_with("text/event-stream") {
            let items = SseParser::default().feed(&bytes);
            let comments = items.iter().filter(|i| **i == SseItem::Comment).count();
            let events = items
                .into_iter()
                .filter_map(|item| match item {
                    SseItem::Event(event) => Some(event),
                    SseItem::Comment => None,
                })
                .collect();
            Body::Sse(events, comments)
        } else {
            Body::Text(String::from_utf8_lossy(&bytes).into_owned())
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    async fn start(
        &self,
        method: reqwest::Method,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> reqwest::Response {
        let mut request = self.http.request(method, &self.url);
        for (key, value) in headers {
            request = request.header(*key, *value);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        request.send().await.expect("the server answers")
    }

    /// POSTs a JSON message with `Accept` for both media types and `headers`.
    pub async fn post(&self, message: &Value, headers: &[(&str, &str)]) -> Reply {
        let mut all = vec![ACCEPT_BOTH];
        all.extend_from_slice(headers);
        self.send(
            reqwest::Method::POST,
            &all,
            Some(message.to_string().into_bytes()),
        )
        .await
    }

    /// Opens a request whose answer is read as a stream.
    pub async fn open_sse(
        &self,
        method: reqwest::Method,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> SseStream {
        let response = self
            .start(method, headers, body.map(|b| b.to_string().into_bytes()))
            .await;
        SseStream {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            bytes: Box::pin(response.bytes_stream()),
            parser: SseParser::default(),
            ready: Default::default(),
        }
    }
}

/// A legacy (initialize-based) session.
pub struct LegacySession {
    /// The client.
    pub client: Client,
    /// `Mcp-Session-Id`, when the server gave one.
    pub id: Option<String>,
    /// The negotiated version.
    pub version: String,
    next_id: i64,
}

impl LegacySession {
    /// `initialize` at `version`, then `notifications/initialized`.
    pub async fn open(client: &Client, version: &str) -> Self {
        Self::open_with(client, version, json!({})).await
    }

    /// `initialize` at `version` with the client `capabilities`, then
    /// `notifications/initialized`.
    pub async fn open_with(client: &Client, version: &str, capabilities: Value) -> Self {
        let reply = client
            .post(
                &json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
                    "protocolVersion": version, "capabilities": capabilities,
                    "clientInfo": {"name": "http-test", "version": "1"}}}),
                &[],
            )
            .await;
        assert_eq!(reply.status, 200, "{reply:?}");
        let version = reply.json()["result"]["protocolVersion"]
            .as_str()
            .expect("a negotiated version")
            .to_owned();
        let session = LegacySession {
            client: client.clone(),
            id: reply.header("mcp-session-id").map(str::to_owned),
            version,
            next_id: 0,
        };
        let initialized = session.notify("notifications/initialized", json!({})).await;
        assert_eq!(initialized.status, 202, "{initialized:?}");
        session
    }

    /// The session and version headers.
    pub fn headers(&self) -> Vec<(&str, &str)> {
        let mut headers = vec![("mcp-protocol-version", self.version.as_str())];
        if let Some(id) = &self.id {
            headers.push(("mcp-session-id", id.as_str()));
        }
        headers
    }

    /// The next request id.
    pub fn next_id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }

    /// A request in this session.
    pub async fn request(&mut self, method: &str, params: Value) -> Reply {
        let id = self.next_id();
        let message = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.client.post(&message, &self.headers()).await
    }

    /// A JSON-RPC response in this session (the answer to a request of the server's).
    pub async fn respond(&self, id: &Value, outcome: Result<Value, Value>) -> Reply {
        let message = match outcome {
            Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
            Err(error) => json!({"jsonrpc": "2.0", "id": id, "error": error}),
        };
        self.client.post(&message, &self.headers()).await
    }

    /// A notification in this session.
    pub async fn notify(&self, method: &str, params: Value) -> Reply {
        let message = json!({"jsonrpc": "2.0", "method": method, "params": params});
        self.client.post(&message, &self.headers()).await
    }
}

/// The `_meta` of a 2026-07-28 request.
pub fn modern_meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "http-test", "version": "1"}
    })
}

/// A 2026-07-28 request: `_meta` added to `params`, and the mirrored headers
/// (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name` where the method has a target).
pub fn modern_request(id: i64, method: &str, mut params: Value) -> (Value, Vec<(String, String)>) {
    let meta = params
        .as_object_mut()
        .expect("params is an object")
        .entry("_meta")
        .or_insert_with(|| json!({}));
    for (key, value) in modern_meta().as_object().unwrap() {
        meta.as_object_mut()
            .unwrap()
            .entry(key)
            .or_insert(value.clone());
    }
    let mut headers = vec![
        ("mcp-protocol-version".to_owned(), "2026-07-28".to_owned()),
        ("mcp-method".to_owned(), method.to_owned()),
    ];
    if let Some(name) = params
        .get("name")
        .or_else(|| params.get("uri"))
        .and_then(Value::as_str)
    {
        headers.push(("mcp-name".to_owned(), name.to_owned()));
    }
    (
        json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
        headers,
    )
}

/// Sends a 2026-07-28 request.
pub async fn modern(client: &Client, id: i64, method: &str, params: Value) -> Reply {
    let (message, headers) = modern_request(id, method, params);
    client.post(&message, &header_refs(&headers)).await
}

/// Owned header pairs (as [`modern_request`] returns them) as the `&str` pairs requests take.
pub fn header_refs(headers: &[(String, String)]) -> Vec<(&str, &str)> {
    headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sse_events_survive_chunk_boundaries_and_line_endings() {
        let mut parser = SseParser::default();
        let mut items = parser.feed(b"id: s-p\r\nretry: 1000\r\ndata: \r\n\r\n:\n\ndata: {\"a\"");
        items.extend(parser.feed(b":1}\ndata: more\n\nevent: message\n"));
        items.extend(parser.feed(b"data: x\n\n"));
        assert_eq!(
            items,
            [
                SseItem::Event(SseEvent {
                    id: Some("s-p".into()),
                    retry: Some(1000),
                    ..Default::default()
                }),
                SseItem::Comment,
                SseItem::Event(SseEvent {
                    data: "{\"a\":1}\nmore".into(),
                    ..Default::default()
                }),
                SseItem::Event(SseEvent {
                    event: Some("message".into()),
                    data: "x".into(),
                    ..Default::default()
                }),
            ]
        );
    }
}
