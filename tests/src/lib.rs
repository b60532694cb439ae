//! Test support: drive a real server binary over stdio, line by line, as a client would.
//!
//! Used by this crate's behaviour tests and by the examples' own tests; [`interop`] sets up
//! the third-party clients.

#![allow(clippy::print_stdout)]

pub mod auth;
pub mod http;
pub mod interop;
pub mod redis;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long a test waits for one line before it fails.
pub const LINE_TIMEOUT: Duration = Duration::from_secs(20);

/// A server process spoken to over its stdin and stdout.
pub struct StdioServer {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    stderr: Arc<Mutex<String>>,
    stderr_reader: Option<std::thread::JoinHandle<()>>,
    next_id: i64,
}

impl StdioServer {
    /// Starts `binary` with extra environment variables.
    pub fn spawn(binary: impl AsRef<Path>, env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(binary.as_ref());
        command
            .arg("--stdio")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env("MCP_LOG", "debug");
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.as_ref().display()));
        let stdout = child.stdout.take().expect("piped stdout");
        let (sender, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&stderr);
        let child_stderr = child.stderr.take().expect("piped stderr");
        let stderr_reader = std::thread::spawn(move || {
            for line in BufReader::new(child_stderr).lines() {
                let Ok(line) = line else { break };
                let mut sink = sink.lock().unwrap();
                sink.push_str(&line);
                sink.push('\n');
            }
        });
        let stdin = child.stdin.take();
        StdioServer {
            child,
            stdin,
            lines,
            stderr,
            stderr_reader: Some(stderr_reader),
            next_id: 1000,
        }
    }

    /// Writes one raw line (a newline is appended).
    pub fn send_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        stdin
            .write_all(line.as_bytes())
            .and_then(|()| stdin.write_all(b"\n"))
            .and_then(|()| stdin.flush())
            .expect("write to the server");
    }

    /// Writes one JSON message.
    pub fn send(&mut self, message: &Value) {
        self.send_line(&message.to_string());
    }

    /// The next stdout line, parsed. Every stdout line must be JSON: stdout carries protocol only.
    pub fn recv(&mut self) -> Value {
        let line = self.recv_line(LINE_TIMEOUT).unwrap_or_else(|| {
            panic!(
                "no line from the server in time; stderr:\n{}",
                self.stderr()
            )
        });
        serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("stdout carried a non-JSON line ({e}): {line}"))
    }

    /// The next stdout line, if one comes within `timeout`.
    pub fn recv_line(&mut self, timeout: Duration) -> Option<String> {
        self.lines.recv_timeout(timeout).ok()
    }

    /// Sends a request and returns the response with its id (other lines in between are
    /// collected into `others`).
    pub fn request_collecting(
        &mut self,
        method: &str,
        params: Value,
        others: &mut Vec<Value>,
    ) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let deadline = Instant::now() + LINE_TIMEOUT;
        while Instant::now() < deadline {
            let message = self.recv();
            if message.get("id") == Some(&json!(id)) {
                return message;
            }
            others.push(message);
        }
        panic!("no response to request {id} ({method})")
    }

    /// Sends a request and returns its response.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let mut others = Vec::new();
        let response = self.request_collecting(method, params, &mut others);
        assert!(
            others.is_empty(),
            "unexpected messages before the response: {others:?}"
        );
        response
    }

    /// `initialize` with `version`, then `notifications/initialized`; returns the result.
    pub fn initialize(&mut self, version: &str) -> Value {
        self.initialize_with(version, json!({}))
    }

    /// `initialize` with `version` and the client `capabilities`, then
    /// `notifications/initialized`; returns the result.
    pub fn initialize_with(&mut self, version: &str, capabilities: Value) -> Value {
        let response = self.request(
            "initialize",
            json!({"protocolVersion": version, "capabilities": capabilities, "clientInfo": {"name": "mcp-tests", "version": "0"}}),
        );
        self.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        response["result"].clone()
    }

    /// `tools/call` of `name` with `arguments`; returns the whole response.
    pub fn call(&mut self, name: &str, arguments: Value) -> Value {
        self.request("tools/call", json!({"name": name, "arguments": arguments}))
    }

    /// Everything the server wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until stderr holds `needle` (the log may trail the answer on stdout); fails the
    /// test after [`LINE_TIMEOUT`].
    pub fn wait_for_stderr(&self, needle: &str) -> String {
        let deadline = Instant::now() + LINE_TIMEOUT;
        loop {
            let stderr = self.stderr();
            if stderr.contains(needle) {
                return stderr;
            }
            assert!(
                Instant::now() < deadline,
                "`{needle}` never reached stderr:\n{stderr}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Closes stdin, waits for the process to exit, and returns all it wrote to stderr.
    pub fn finish_with_stderr(mut self) -> (ExitStatus, String) {
        drop(self.stdin.take());
        let status = self.wait_for_exit();
        if let Some(reader) = self.stderr_reader.take() {
            reader.join().expect("the stderr reader ends at EOF");
        }
        (status, self.stderr())
    }

    /// Closes stdin (EOF) and waits for the process to exit.
    pub fn finish(mut self) -> ExitStatus {
        drop(self.stdin.take());
        self.wait_for_exit()
    }

    fn wait_for_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + LINE_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for the server") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not exit after EOF"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().expect("poll the server").is_none()
    }
}

impl Drop for StdioServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `violations` of a bad-arguments answer, on whichever channel it came, as `(path, keyword)`:
/// a JSON-RPC error, or an `isError` result with the error in `structuredContent.error` (tools
/// without an output schema) or in `_meta` (tools with one, whose structured content must fit it).
pub fn violations(response: &Value) -> Vec<(String, String)> {
    let list = if let Some(error) = response.get("error") {
        assert_eq!(error["code"], -32602, "{response}");
        &error["data"]["violations"]
    } else {
        let result = &response["result"];
        assert_eq!(result["isError"], true, "{response}");
        let error = match result.get("structuredContent") {
            Some(structured) => &structured["error"],
            None => &result["_meta"][mcp_runtime::ARGUMENT_ERROR_META_KEY],
        };
        assert_eq!(error["code"], -32602, "{response}");
        &error["violations"]
    };
    list.as_array()
        .unwrap_or_else(|| panic!("no violations in {response}"))
        .iter()
        .map(|v| {
            (
                v["path"].as_str().unwrap().to_owned(),
                v["keyword"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// `(path, keyword)` pairs, as [`violations`] returns them.
pub fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(path, keyword)| (path.to_string(), keyword.to_string()))
        .collect()
}

/// The text of the first content block of a `tools/call` result.
pub fn first_text(response: &Value) -> &str {
    response["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("no text content in {response}"))
}

/// The workspace's root directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace root")
        .to_path_buf()
}
