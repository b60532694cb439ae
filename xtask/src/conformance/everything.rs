//! The `everything` example as the suite's fixture: built once, started fresh for each run on a
//! free loopback port, killed when the run ends.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long the server may take to bind and answer.
const STARTUP: Duration = Duration::from_secs(30);

/// Builds the `everything` binary and returns its path (as cargo reports it, so a custom target
/// directory is found too).
pub(super) fn build(root: &Path, locked: bool) -> Result<PathBuf, String> {
    let mut command = Command::new("cargo");
    command
        .args([
            "build",
            "-q",
            "-p",
            "everything",
            "--bin",
            "everything",
            "--message-format=json-render-diagnostics",
        ])
        .current_dir(root)
        .stderr(Stdio::inherit());
    if locked {
        command.arg("--locked");
    }
    let output = command
        .output()
        .map_err(|e| format!("cargo build -p everything ({e})"))?;
    if !output.status.success() {
        return Err(format!("cargo build -p everything ({})", output.status));
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|message| message["target"]["name"] == "everything")
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| "cargo build -p everything reported no executable".to_owned())
}

/// A running `everything` server; killed when dropped.
pub(super) struct Fixture {
    child: Child,
    url: String,
}

impl Fixture {
    /// Starts `binary --http 127.0.0.1:0`, its log (JSON lines) going to `log`, and waits until it
    /// has bound a port and answers HTTP on it.
    pub(super) fn start(binary: &Path, log: &Path) -> Result<Fixture, String> {
        let mut log_file =
            std::fs::File::create(log).map_err(|e| format!("create {} ({e})", log.display()))?;
        let mut child = Command::new(binary)
            .args(["--http", "127.0.0.1:0"])
            .env("MCP_LOG", "info")
            .env("MCP_LOG_FORMAT", "json")
            // Every scenario's client connects from 127.0.0.1: one address for the whole suite.
            .env("MCP_MAX_SESSIONS_PER_CLIENT", "10000")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("start {} ({e})", binary.display()))?;
        let stderr = child.stderr.take().expect("stderr is piped");
        let (found, listening) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Ok(event) = serde_json::from_str::<Value>(&line)
                    && event["msg"] == "listening"
                    && let (Some(address), Some(path)) =
                        (event["addr"].as_str(), event["path"].as_str())
                {
                    let _ = found.send((address.to_owned(), path.to_owned()));
                }
                let _ = writeln!(log_file, "{line}");
            }
        });
        let mut fixture = Fixture {
            child,
            url: String::new(),
        };
        let deadline = Instant::now() + STARTUP;
        let (address, path) = listening.recv_timeout(STARTUP).map_err(|_| {
            format!(
                "everything did not log `listening` within {STARTUP:?}; see {}",
                log.display()
            )
        })?;
        fixture.url = format!("http://{address}{path}");
        while !answers(&address, &path) {
            if Instant::now() >= deadline {
                return Err(format!("everything does not answer on {}", fixture.url));
            }
            if let Ok(Some(status)) = fixture.child.try_wait() {
                return Err(format!(
                    "everything exited ({status}); see {}",
                    log.display()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(fixture)
    }

    /// `http://127.0.0.1:PORT/mcp`.
    pub(super) fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether an HTTP server answers a GET of `path` at `address` (any status will do).
fn answers(address: &str, path: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect(address) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut status_line = [0u8; 9];
    stream.read_exact(&mut status_line).is_ok() && status_line.starts_with(b"HTTP/1.1 ")
}
