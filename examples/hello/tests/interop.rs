//! Real third-party MCP clients drive the hello binary over stdio.
//!
//! Each test runs a script from `tests/interop/` that spawns the binary with an official SDK
//! client, lists the tools and calls them, and exits non-zero on any mismatch:
//!
//! - Python: the `mcp` package (`stdio_client` + `ClientSession`), in a virtualenv under
//!   `target/interop-venv` (see `mcp_tests::python_with_mcp`).
//! - TypeScript: `@modelcontextprotocol/sdk` (`Client` + `StdioClientTransport`) on node, installed
//!   from `tests/interop/package-lock.json` into `target/interop-node`.
//!
//! The first run installs the clients (PyPI and the npm registry); later runs reuse them. Missing
//! tooling (python3, node, npm) fails the tests: they never skip.

use std::path::Path;
use std::process::Command;

use mcp_tests::interop::{interop_dir, node_with_mcp_sdk, python_with_mcp, run_script};

fn hello() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_hello"))
}

#[test]
fn python_sdk_client_over_stdio() {
    let python = python_with_mcp();
    let mut command = Command::new(&python);
    command
        .arg(interop_dir().join("python_stdio_client.py"))
        .arg(hello())
        .env("PYTHONIOENCODING", "utf-8");
    let summary = run_script("python mcp client", command);
    assert!(summary.contains("protocolVersion"), "{summary}");
}

#[test]
fn typescript_sdk_client_over_stdio() {
    let dir = node_with_mcp_sdk();
    let mut command = Command::new("node");
    command
        .arg(dir.join("ts_stdio_client.mjs"))
        .arg(hello())
        .current_dir(&dir);
    let summary = run_script("typescript sdk client", command);
    assert!(summary.contains("protocolVersion"), "{summary}");
}
