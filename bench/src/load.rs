//! Streamable HTTP load: `connections` connections, each a loop of `tools/call` requests, one
//! at a time, until a deadline. Only successful calls are timed; anything else is a failure.

use std::sync::Arc;
use std::time::Duration;

use hyper::StatusCode;
use hyper::body::Bytes;
use hyper::header::{HeaderMap, HeaderValue};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::client::{Answer, Connection, Endpoint};
use crate::latency::{Latencies, Summary};
use crate::sessions::{self, LEGACY_VERSION};

/// How requests are framed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Era {
    /// 2025-11-25 requests with no session, for a server with `MCP_STATELESS=true` (and the
    /// ceiling): `MCP-Protocol-Version` and nothing else.
    Stateless,
    /// A 2025-11-25 session per connection: `initialize` first, then `Mcp-Session-Id`.
    Session,
    /// 2026-07-28: `_meta` in every request, mirrored in `Mcp-Method` / `Mcp-Name`.
    Modern,
}

impl Era {
    /// `stateless`, `session` or `modern`.
    pub fn parse(name: &str) -> Option<Era> {
        match name {
            "stateless" => Some(Era::Stateless),
            "session" => Some(Era::Session),
            "modern" => Some(Era::Modern),
            _ => None,
        }
    }

    /// The name [`Era::parse`] reads.
    pub fn name(self) -> &'static str {
        match self {
            Era::Stateless => "stateless",
            Era::Session => "session",
            Era::Modern => "modern",
        }
    }
}

/// What to send, how hard, for how long.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The MCP endpoint.
    pub endpoint: Endpoint,
    /// Connections, each with one request in flight at a time.
    pub connections: usize,
    /// How long to send.
    pub duration: Duration,
    /// How requests are framed.
    pub era: Era,
    /// The tool called.
    pub tool: String,
    /// Its arguments.
    pub arguments: Value,
}

/// What a run did.
#[derive(Clone, Copy, Debug)]
pub struct Report {
    /// Successful calls.
    pub successes: usize,
    /// Everything else: refused, `isError`, connection errors.
    pub failures: usize,
    /// From the first connection to the last answer.
    pub elapsed: Duration,
    /// Latencies of the successful calls.
    pub latencies: Summary,
}

impl Report {
    /// Successful calls per second.
    pub fn rps(&self) -> f64 {
        self.successes as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }
}

/// Runs the plan.
pub async fn run(plan: Plan) -> Report {
    let plan = Arc::new(plan);
    let started = Instant::now();
    let deadline = started + plan.duration;
    let workers: Vec<_> = (0..plan.connections.max(1))
        .map(|_| tokio::spawn(worker(Arc::clone(&plan), deadline)))
        .collect();
    let (mut latencies, mut failures) = (Latencies::default(), 0);
    for worker in workers {
        let (mine, failed) = worker.await.unwrap_or_default();
        latencies.merge(mine);
        failures += failed;
    }
    let elapsed = started.elapsed();
    Report {
        successes: latencies.len(),
        failures,
        elapsed,
        latencies: latencies.summary(),
    }
}

async fn worker(plan: Arc<Plan>, deadline: Instant) -> (Latencies, usize) {
    let (mut latencies, mut failures) = (Latencies::with_capacity(1 << 16), 0);
    let mut caller: Option<Caller> = None;
    while Instant::now() < deadline {
        let current = match &mut caller {
            Some(current) => current,
            None => match Caller::open(&plan).await {
                Ok(opened) => caller.insert(opened),
                Err(_) => {
                    failures += 1;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let body = current.next_body();
        let sent = Instant::now();
        match current.connection.post(&current.headers, body).await {
            Ok(answer) if succeeded(&answer) => latencies.record(sent.elapsed()),
            Ok(_) => failures += 1,
            Err(_) => {
                failures += 1;
                caller = None;
            }
        }
    }
    (latencies, failures)
}

/// A 200 carrying a result that is not an error result.
pub fn succeeded(answer: &Answer) -> bool {
    answer.status == StatusCode::OK
        && answer.body_contains("\"result\"")
        && !answer.body_contains("\"isError\":true")
}

/// One connection and the framing of its calls.
struct Caller {
    connection: Connection,
    headers: HeaderMap,
    /// `params` as JSON text, written once.
    params: String,
    next_id: u64,
}

impl Caller {
    async fn open(plan: &Plan) -> Result<Caller, String> {
        let mut connection = Connection::open(&plan.endpoint)
            .await
            .map_err(|e| e.to_string())?;
        let mut params = json!({"name": plan.tool, "arguments": plan.arguments});
        let headers = match plan.era {
            Era::Stateless => {
                let mut headers = sessions::post_headers();
                headers.insert(
                    "mcp-protocol-version",
                    HeaderValue::from_static(LEGACY_VERSION),
                );
                headers
            }
            Era::Session => sessions::open_session(&mut connection).await?,
            Era::Modern => {
                params["_meta"] = json!({
                    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                    "io.modelcontextprotocol/clientCapabilities": {},
                    "io.modelcontextprotocol/clientInfo": {"name": "mcp_load", "version": "1"}
                });
                let mut headers = sessions::post_headers();
                headers.insert(
                    "mcp-protocol-version",
                    HeaderValue::from_static("2026-07-28"),
                );
                headers.insert("mcp-method", HeaderValue::from_static("tools/call"));
                headers.insert(
                    "mcp-name",
                    HeaderValue::from_str(&plan.tool).map_err(|e| e.to_string())?,
                );
                headers
            }
        };
        Ok(Caller {
            connection,
            headers,
            params: params.to_string(),
            next_id: 0,
        })
    }

    fn next_body(&mut self) -> Bytes {
        self.next_id += 1;
        Bytes::from(format!(
            r#"{{"jsonrpc":"2.0","id":{},"method":"tools/call","params":{}}}"#,
            self.next_id, self.params
        ))
    }
}
