//! The official TypeScript clients answer the test server's requests to the client over
//! Streamable HTTP on 127.0.0.1: `@modelcontextprotocol/sdk` 1.x on 2025-11-25 (requests on the
//! call's SSE stream, answers by POST, SEP-1699 reconnection), and `@modelcontextprotocol/client`
//! 2.x on 2026-07-28 (input_required rounds). Installed on first use from the npm registry.

use std::process::Command;

use mcp_tests::http::HttpServer;
use mcp_tests::interop::{node_with_mcp_sdk, run_script};

fn run(modern: bool) -> String {
    let server = HttpServer::spawn(env!("CARGO_BIN_EXE_test-server"), &[]);
    let dir = node_with_mcp_sdk();
    let mut command = Command::new("node");
    command
        .arg(dir.join("ts_client_requests.mjs"))
        .arg(server.url())
        .current_dir(&dir);
    if modern {
        command.arg("--modern");
    }
    run_script("typescript client answering client requests", command)
}

#[test]
fn typescript_sdk_answers_requests_on_the_call_stream_and_resumes_it() {
    let summary = run(false);
    assert!(
        summary.contains("stream closed mid-call and resumed"),
        "{summary}"
    );
}

#[test]
fn typescript_client_2_answers_through_input_required_rounds() {
    let summary = run(true);
    assert!(summary.contains("input_required rounds"), "{summary}");
}
