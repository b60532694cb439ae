//! Sequential `tools/call` over stdio: the server is started as a child, opened at 2025-11-25,
//! and sent one call at a time, each timed from the write to the answer's line.

use std::io::{BufRead, BufReader, Write};
use std::process::{ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::latency::{Latencies, Summary};
use crate::sessions::LEGACY_VERSION;

/// What a run did.
#[derive(Clone, Copy, Debug)]
pub struct StdioReport {
    /// Calls answered with a result that is not an error.
    pub successes: usize,
    /// Calls answered otherwise.
    pub failures: usize,
    /// All calls, end to end.
    pub elapsed: Duration,
    /// Per successful call.
    pub latencies: Summary,
}

/// Starts `command` (program and arguments), opens a session and makes `calls` calls of `tool`
/// with `arguments`, one after another; then closes its stdin and waits for it to exit.
pub fn run(
    command: &[String],
    calls: usize,
    tool: &str,
    arguments: &Value,
) -> Result<StdioReport, String> {
    let (program, args) = command
        .split_first()
        .ok_or("no server command given (after `--`)")?;
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {program}: {e}"))?;
    let mut peer = Peer {
        input: child.stdin.take().ok_or("no stdin")?,
        output: BufReader::new(child.stdout.take().ok_or("no stdout")?),
        line: String::new(),
    };
    let initialize = format!(
        r#"{{"jsonrpc":"2.0","id":0,"method":"initialize","params":{{"protocolVersion":"{LEGACY_VERSION}","capabilities":{{}},"clientInfo":{{"name":"mcp_load","version":"1"}}}}}}"#
    );
    if !peer.call(&initialize, 0)? {
        return Err(format!("initialize failed: {}", peer.line));
    }
    peer.send(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)?;
    let params = serde_json::json!({"name": tool, "arguments": arguments}).to_string();
    let mut latencies = Latencies::with_capacity(calls);
    let mut failures = 0;
    let started = Instant::now();
    for id in 1..=calls as u64 {
        let call =
            format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{params}}}"#);
        let sent = Instant::now();
        match peer.call(&call, id)? {
            true => latencies.record(sent.elapsed()),
            false => failures += 1,
        }
    }
    let elapsed = started.elapsed();
    drop(peer);
    let _ = child.wait();
    Ok(StdioReport {
        successes: latencies.len(),
        failures,
        elapsed,
        latencies: latencies.summary(),
    })
}

/// The server's stdin and stdout.
struct Peer {
    input: ChildStdin,
    output: BufReader<ChildStdout>,
    /// The last line read.
    line: String,
}

impl Peer {
    /// Writes one message as a line.
    fn send(&mut self, message: &str) -> Result<(), String> {
        let mut line = Vec::with_capacity(message.len() + 1);
        line.extend_from_slice(message.as_bytes());
        line.push(b'\n');
        self.input
            .write_all(&line)
            .and_then(|()| self.input.flush())
            .map_err(|e| format!("write to the server: {e}"))
    }

    /// Sends request `id` and reads lines up to its answer; true for a result that is not an
    /// error.
    fn call(&mut self, message: &str, id: u64) -> Result<bool, String> {
        self.send(message)?;
        loop {
            self.line.clear();
            let read = self.output.read_line(&mut self.line);
            if read.map_err(|e| e.to_string())? == 0 {
                return Err("the server closed its stdout".to_owned());
            }
            if answers(&self.line, id) {
                let line = &self.line;
                return Ok(!line.contains("\"error\"") && !line.contains("\"isError\":true"));
            }
        }
    }
}

/// Whether `line` is the answer to request `id`: it carries `"id":<id>` followed by `,` or `}`.
fn answers(line: &str, id: u64) -> bool {
    let needle = format!("\"id\":{id}");
    line.match_indices(&needle).any(|(at, _)| {
        matches!(
            line.as_bytes().get(at + needle.len()),
            Some(b',') | Some(b'}')
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_recognised_by_its_whole_id() {
        assert!(answers(r#"{"jsonrpc":"2.0","id":1,"result":{}}"#, 1));
        assert!(answers(r#"{"result":{},"id":12}"#, 12));
        assert!(!answers(r#"{"jsonrpc":"2.0","id":10,"result":{}}"#, 1));
        assert!(!answers(r#"{"method":"notifications/progress"}"#, 1));
    }
}
