//! Reading `tools/list` from a live server over stdio: the same bytes as in-process.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc::RecvTimeoutError;
use std::time::Duration;

use serde_json::{Value, json};

use super::SchemaSnapshot;
use crate::protocol::ProtocolVersion;

/// How long the server may take to answer one request.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a live server's schema could not be read.
#[derive(Debug)]
pub struct EndpointError(pub String);

impl std::fmt::Display for EndpointError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EndpointError {}

/// Starts `command` as a stdio MCP server, sends `initialize` and every page of `tools/list`,
/// and stops it.
pub fn from_stdio(command: &mut Command) -> Result<SchemaSnapshot, EndpointError> {
    let fail = |what: &str, e: &dyn std::fmt::Display| EndpointError(format!("{what}: {e}"));
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| fail("cannot start the server", &e))?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let stdout = child.stdout.take().expect("piped stdout");
    // Stopped however this function returns.
    let _server = StopOnDrop(child);
    // Lines arrive through a thread, so that a server that never answers fails the read after
    // `ANSWER_TIMEOUT` instead of hanging the caller.
    let stdout = BufReader::new(stdout);
    let (sender, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines() {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let mut exchange = |id: u64, method: &str, params: Value| -> Result<Value, EndpointError> {
        let request = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        writeln!(stdin, "{request}")
            .and_then(|()| stdin.flush())
            .map_err(|e| fail("cannot write to the server", &e))?;
        loop {
            let line = match lines.recv_timeout(ANSWER_TIMEOUT) {
                Ok(line) => line.map_err(|e| fail("cannot read from the server", &e))?,
                Err(RecvTimeoutError::Timeout) => {
                    return Err(EndpointError(format!(
                        "no answer to `{method}` within {ANSWER_TIMEOUT:?}"
                    )));
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(EndpointError(format!(
                        "the server closed stdout before answering `{method}`"
                    )));
                }
            };
            let message: Value = serde_json::from_str(&line)
                .map_err(|e| fail("the server wrote a line that is not JSON", &e))?;
            if message["id"] == json!(id) {
                return match message.get("result") {
                    Some(result) => Ok(result.clone()),
                    None => Err(EndpointError(format!(
                        "`{method}` failed: {}",
                        message["error"]
                    ))),
                };
            }
        }
    };
    let client = json!({"protocolVersion": ProtocolVersion::LATEST.as_str(), "capabilities": {}, "clientInfo": {"name": "mcp-snapshot", "version": env!("CARGO_PKG_VERSION")}});
    exchange(1, "initialize", client)?;
    let mut tools = Vec::new();
    let mut cursor = Value::Null;
    for id in 2.. {
        let params = if cursor.is_null() {
            json!({})
        } else {
            json!({"cursor": cursor})
        };
        let page = exchange(id, "tools/list", params)?;
        tools.extend(page["tools"].as_array().cloned().unwrap_or_default());
        match page.get("nextCursor") {
            Some(next) if !next.is_null() => cursor = next.clone(),
            _ => break,
        }
    }
    Ok(SchemaSnapshot::from_tools(tools))
}

/// A child process killed and reaped when dropped.
struct StopOnDrop(std::process::Child);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
