//! The post-deploy gate: `initialize` + `tools/list` (legacy era) and `server/discover`
//! (2026-07-28) against a live Streamable HTTP endpoint, shape checks, and the schema hash
//! against the committed baseline, retried until a deadline.
//!
//! `http://` only: no TLS is built in (probe through an in-cluster address, or a local proxy).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Request, Uri};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

use super::{SchemaSnapshot, compare};
use crate::protocol::ProtocolVersion;
use crate::protocol::meta::{CLIENT_CAPABILITIES_KEY, PROTOCOL_VERSION_KEY, SERVER_INFO_KEY};

/// What to probe and how long to insist.
#[derive(Clone, Debug)]
pub struct ProbeOptions {
    /// The MCP endpoint, such as `http://10.0.0.5:8080/mcp`.
    pub url: String,
    /// A `mcp-schema.json` or `.sha256` baseline; `None` skips the hash comparison.
    pub baseline: Option<PathBuf>,
    /// Give up after this long (default 120 s).
    pub deadline: Duration,
    /// Wait between attempts (default 2 s).
    pub interval: Duration,
    /// Sent as `Authorization: Bearer …` when set. Never printed.
    pub bearer_token: Option<String>,
}

impl ProbeOptions {
    /// Probe `url` with the defaults.
    pub fn new(url: impl Into<String>) -> Self {
        ProbeOptions {
            url: url.into(),
            baseline: None,
            deadline: Duration::from_secs(120),
            interval: Duration::from_secs(2),
            bearer_token: None,
        }
    }
}

/// How a probe ended. [`ProbeOutcome::exit_code`] is what a pipeline branches on.
#[derive(Debug)]
pub enum ProbeOutcome {
    /// Well formed, and the schema is the baseline's.
    Pass(String),
    /// Well formed, but the schema differs from the baseline (the report says how).
    Drift(String, String),
    /// The endpoint answered, but not as an MCP server should, until the deadline.
    Broken(String),
    /// Nothing answered until the deadline.
    Unreachable(String),
    /// The options cannot work (an `https://` URL, an unreadable baseline).
    Usage(String),
}

impl ProbeOutcome {
    /// 0 pass, 1 schema drift, 2 malformed answers, 3 unreachable, 64 usage.
    pub fn exit_code(&self) -> i32 {
        match self {
            ProbeOutcome::Pass(_) => 0,
            ProbeOutcome::Drift(..) => 1,
            ProbeOutcome::Broken(_) => 2,
            ProbeOutcome::Unreachable(_) => 3,
            ProbeOutcome::Usage(_) => 64,
        }
    }

    /// The one summary line.
    pub fn summary(&self) -> String {
        match self {
            ProbeOutcome::Pass(line) => format!("probe PASS {line}"),
            ProbeOutcome::Drift(line, _) => format!("probe FAIL schema drift {line}"),
            ProbeOutcome::Broken(why) => format!("probe FAIL malformed: {why}"),
            ProbeOutcome::Unreachable(why) => format!("probe FAIL unreachable: {why}"),
            ProbeOutcome::Usage(why) => format!("probe USAGE {why}"),
        }
    }

    /// The classified report of a drift.
    pub fn report(&self) -> Option<&str> {
        match self {
            ProbeOutcome::Drift(_, report) => Some(report),
            _ => None,
        }
    }
}

/// One attempt's failure: whether anything answered.
enum Failure {
    Unreachable(String),
    Broken(String),
}

/// Probes until it passes, drifts, or the deadline passes.
pub async fn probe(options: &ProbeOptions) -> ProbeOutcome {
    if !options.url.starts_with("http://") {
        return ProbeOutcome::Usage(format!(
            "{}: only http:// URLs can be probed (no TLS is built in)",
            options.url
        ));
    }
    let baseline = match &options.baseline {
        None => None,
        Some(path) => match read_baseline(path) {
            Ok(baseline) => Some(baseline),
            Err(why) => return ProbeOutcome::Usage(why),
        },
    };
    let started = Instant::now();
    let mut attempts = 0;
    loop {
        attempts += 1;
        let failure = match attempt(options).await {
            Ok(found) => {
                let line = format!(
                    "{} server={}/{} protocol={} tools={} sha256={} ({attempts} attempts, {:.1}s)",
                    options.url,
                    found.name,
                    found.version,
                    found.protocol,
                    found.tools,
                    found.snapshot.sha256(),
                    started.elapsed().as_secs_f64()
                );
                return match &baseline {
                    Some(Baseline::Hash(hash)) if hash != found.snapshot.sha256() => {
                        ProbeOutcome::Drift(line, format!("expected sha256 {hash}"))
                    }
                    Some(Baseline::Snapshot(expected)) if expected != &found.snapshot => {
                        ProbeOutcome::Drift(line, compare(expected, &found.snapshot).to_string())
                    }
                    _ => ProbeOutcome::Pass(line),
                };
            }
            Err(failure) => failure,
        };
        let left = options.deadline.saturating_sub(started.elapsed());
        if left.is_zero() {
            let after = format!(
                "{attempts} attempts in {:.1}s",
                started.elapsed().as_secs_f64()
            );
            return match failure {
                Failure::Unreachable(why) => ProbeOutcome::Unreachable(format!("{why} ({after})")),
                Failure::Broken(why) => ProbeOutcome::Broken(format!("{why} ({after})")),
            };
        }
        // The last attempt is made at the deadline itself.
        tokio::time::sleep(options.interval.min(left)).await;
    }
}

enum Baseline {
    Hash(String),
    Snapshot(SchemaSnapshot),
}

fn read_baseline(path: &std::path::Path) -> Result<Baseline, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the baseline {}: {e}", path.display()))?;
    if path.extension().is_some_and(|ext| ext == "sha256") {
        let hash = text
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        return match hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            true => Ok(Baseline::Hash(hash)),
            false => Err(format!("{} holds no SHA-256", path.display())),
        };
    }
    SchemaSnapshot::parse(&text)
        .map(Baseline::Snapshot)
        .map_err(|e| format!("{} is not a schema snapshot: {e}", path.display()))
}

/// What a successful attempt found.
struct Found {
    name: String,
    version: String,
    protocol: String,
    tools: usize,
    snapshot: SchemaSnapshot,
}

async fn attempt(options: &ProbeOptions) -> Result<Found, Failure> {
    let mut client = Probe {
        options,
        session: None,
        version: None,
    };
    // Legacy era: initialize, then tools/list page by page.
    let init = client
        .request(
            1,
            "initialize",
            json!({
                "protocolVersion": ProtocolVersion::LATEST.as_str(),
                "capabilities": {},
                "clientInfo": {"name": "mcp-probe", "version": env!("CARGO_PKG_VERSION")},
            }),
        )
        .await?;
    let protocol = text_at(&init, "protocolVersion")?;
    if ProtocolVersion::parse(&protocol).is_none() {
        return Err(Failure::Broken(format!(
            "unknown protocolVersion {protocol:?}"
        )));
    }
    let (name, version) = server_info(init.get("serverInfo"))?;
    if !init
        .get("capabilities")
        .and_then(|c| c.get("tools"))
        .is_some_and(Value::is_object)
    {
        return Err(Failure::Broken("capabilities has no `tools` object".into()));
    }
    client.version = Some(protocol.clone());
    client.notify("notifications/initialized").await?;
    let mut tools = Vec::new();
    let mut cursor: Option<String> = None;
    for page in 2.. {
        let params = match &cursor {
            Some(cursor) => json!({"cursor": cursor}),
            None => json!({}),
        };
        let listed = client.request(page, "tools/list", params).await?;
        let Some(batch) = listed.get("tools").and_then(Value::as_array) else {
            return Err(Failure::Broken("tools/list has no `tools` array".into()));
        };
        tools.extend(batch.iter().cloned());
        match listed.get("nextCursor").and_then(Value::as_str) {
            Some(next) if page < 1000 => cursor = Some(next.to_owned()),
            _ => break,
        }
    }
    if tools.is_empty() {
        return Err(Failure::Broken("tools/list is empty".into()));
    }
    if tools
        .iter()
        .any(|t| !t.get("name").is_some_and(Value::is_string))
    {
        return Err(Failure::Broken("a tool has no name".into()));
    }
    // 2026-07-28: server/discover, on its own (no session, headers mirroring the body).
    let discovered = Probe {
        options,
        session: None,
        version: Some("2026-07-28".into()),
    }
    .request(
        0,
        "server/discover",
        json!({"_meta": {
            PROTOCOL_VERSION_KEY: "2026-07-28", CLIENT_CAPABILITIES_KEY: {}}}),
    )
    .await?;
    if discovered.get("resultType").and_then(Value::as_str) != Some("complete")
        || !discovered
            .get("supportedVersions")
            .is_some_and(Value::is_array)
        || discovered
            .get("capabilities")
            .and_then(|c| c.get("tools"))
            .is_none()
    {
        return Err(Failure::Broken(format!(
            "server/discover is malformed: {discovered}"
        )));
    }
    let (discovered_name, _) =
        server_info(discovered.get("_meta").and_then(|m| m.get(SERVER_INFO_KEY)))?;
    if discovered_name != name {
        return Err(Failure::Broken(format!(
            "server/discover names {discovered_name:?}, initialize {name:?}"
        )));
    }
    Ok(Found {
        name,
        version,
        protocol,
        tools: tools.len(),
        snapshot: SchemaSnapshot::from_tools(tools),
    })
}

fn text_at(value: &Value, key: &str) -> Result<String, Failure> {
    value
        .get(key)
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| Failure::Broken(format!("`{key}` is missing or empty")))
}

fn server_info(info: Option<&Value>) -> Result<(String, String), Failure> {
    let info = info.ok_or_else(|| Failure::Broken("no serverInfo".into()))?;
    Ok((text_at(info, "name")?, text_at(info, "version")?))
}

/// One probe's HTTP conversation.
struct Probe<'a> {
    options: &'a ProbeOptions,
    session: Option<String>,
    version: Option<String>,
}

impl Probe<'_> {
    async fn request(&mut self, id: i64, method: &str, params: Value) -> Result<Value, Failure> {
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let (status, session, text) = self.post(method, &body).await?;
        if let Some(session) = session {
            self.session = Some(session);
        }
        let message = response_in(&text, id).ok_or_else(|| {
            Failure::Broken(format!(
                "{method}: HTTP {status} without a JSON-RPC response"
            ))
        })?;
        match message.get("result") {
            Some(result) => Ok(result.clone()),
            None => Err(Failure::Broken(format!(
                "{method}: error {}",
                message["error"]
            ))),
        }
    }

    async fn notify(&mut self, method: &str) -> Result<(), Failure> {
        let body = json!({"jsonrpc": "2.0", "method": method});
        let (status, _, _) = self.post(method, &body).await?;
        match status {
            200..=299 => Ok(()),
            status => Err(Failure::Broken(format!("{method}: HTTP {status}"))),
        }
    }

    async fn post(
        &self,
        method: &str,
        body: &Value,
    ) -> Result<(u16, Option<String>, String), Failure> {
        let unreachable = |why: String| Failure::Unreachable(why);
        let uri: Uri = self
            .options
            .url
            .parse()
            .map_err(|_| Failure::Broken(format!("{} is not a URL", self.options.url)))?;
        let authority = uri.authority().map(|a| a.to_string()).unwrap_or_default();
        let port = uri.port_u16().unwrap_or(80);
        let host = uri.host().unwrap_or("127.0.0.1").to_owned();
        let stream = tokio::net::TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|e| unreachable(format!("connect {authority}: {e}")))?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| unreachable(format!("HTTP handshake: {e}")))?;
        tokio::spawn(connection);
        let mut request = Request::post(&uri)
            .header("host", &authority)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream");
        if let Some(version) = &self.version {
            request = request.header("mcp-protocol-version", version);
            if version.as_str() == "2026-07-28" {
                request = request.header("mcp-method", method);
            }
        }
        if let Some(session) = &self.session {
            request = request.header("mcp-session-id", session);
        }
        if let Some(token) = &self.options.bearer_token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let request = request
            .body(Full::new(Bytes::from(body.to_string())))
            .map_err(|e| Failure::Broken(format!("request: {e}")))?;
        let response = tokio::time::timeout(Duration::from_secs(30), sender.send_request(request))
            .await
            .map_err(|_| unreachable(format!("{method}: no answer within 30s")))?
            .map_err(|e| unreachable(format!("{method}: {e}")))?;
        let status = response.status().as_u16();
        if status >= 500 {
            return Err(unreachable(format!("{method}: HTTP {status}")));
        }
        let session = response
            .headers()
            .get("mcp-session-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| unreachable(format!("{method}: reading the body: {e}")))?
            .to_bytes();
        Ok((
            status,
            session,
            String::from_utf8_lossy(&bytes).into_owned(),
        ))
    }
}

/// The JSON-RPC response with `id` in a JSON body or among an SSE body's `data:` lines.
fn response_in(text: &str, id: i64) -> Option<Value> {
    let is_it = |value: &Value| value.get("id") == Some(&json!(id));
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        return is_it(&value).then_some(value);
    }
    text.lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .filter_map(|data| serde_json::from_str::<Value>(data.trim()).ok())
        .find(is_it)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_are_found_in_json_and_sse_bodies() {
        assert!(response_in(r#"{"jsonrpc":"2.0","id":3,"result":{}}"#, 3).is_some());
        let sse = "id: a-p\nretry: 1000\ndata: \n\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"n\"}\n\ndata: {\"jsonrpc\":\"2.0\",\"id\":4,\"result\":{}}\n\n";
        assert_eq!(response_in(sse, 4).unwrap()["id"], 4);
        assert!(response_in(sse, 5).is_none());
    }

    #[test]
    fn exit_codes_are_stable() {
        assert_eq!(ProbeOutcome::Pass(String::new()).exit_code(), 0);
        assert_eq!(
            ProbeOutcome::Drift(String::new(), String::new()).exit_code(),
            1
        );
        assert_eq!(ProbeOutcome::Broken(String::new()).exit_code(), 2);
        assert_eq!(ProbeOutcome::Unreachable(String::new()).exit_code(), 3);
        assert_eq!(ProbeOutcome::Usage(String::new()).exit_code(), 64);
    }
}
