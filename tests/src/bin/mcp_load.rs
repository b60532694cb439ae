//! A load generator for Streamable HTTP: `N` connections, each a loop of `tools/call` requests,
//! for `S` seconds; prints one JSON line with requests/s and latency percentiles.
//!
//! `mcp_load URL [--connections N] [--seconds S] [--legacy] [--tool NAME] [--arguments JSON]`

#![allow(clippy::print_stdout)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use mcp_tests::http::{Client, LegacySession, modern};
use serde_json::{Value, json};

struct Options {
    url: String,
    connections: usize,
    seconds: u64,
    legacy: bool,
    tool: String,
    arguments: Value,
}

fn options() -> Options {
    let mut args = std::env::args().skip(1);
    let mut options = Options {
        url: String::new(),
        connections: 64,
        seconds: 10,
        legacy: false,
        tool: "search_tickets".to_owned(),
        arguments: json!({"query": "printer", "limit": 10}),
    };
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--connections" => options.connections = value().parse().expect("a number"),
            "--seconds" => options.seconds = value().parse().expect("a number"),
            "--legacy" => options.legacy = true,
            "--tool" => options.tool = value(),
            "--arguments" => options.arguments = serde_json::from_str(&value()).expect("JSON"),
            url if !url.starts_with("--") => options.url = url.to_owned(),
            other => panic!("unknown argument {other}"),
        }
    }
    assert!(
        !options.url.is_empty(),
        "usage: mcp_load URL [--connections N] [--seconds S] [--legacy]"
    );
    options
}

#[tokio::main]
async fn main() {
    let options = Arc::new(options());
    let started = Instant::now();
    let deadline = started + Duration::from_secs(options.seconds);
    let mut workers = Vec::new();
    for _ in 0..options.connections {
        let options = Arc::clone(&options);
        workers.push(tokio::spawn(async move {
            let client = Client::new(&options.url);
            let mut session = match options.legacy {
                true => Some(LegacySession::open(&client, "2025-11-25").await),
                false => None,
            };
            let (mut latencies, mut failures) = (Vec::new(), 0u64);
            let mut id = 0;
            while Instant::now() < deadline {
                id += 1;
                let params = json!({"name": options.tool, "arguments": options.arguments});
                let sent = Instant::now();
                let reply = match &mut session {
                    Some(session) => session.request("tools/call", params).await,
                    None => modern(&client, id, "tools/call", params).await,
                };
                let took = sent.elapsed();
                let answer = reply.response();
                if reply.status == 200 && answer["result"]["isError"] != true {
                    latencies.push(took);
                } else {
                    failures += 1;
                }
            }
            (latencies, failures)
        }));
    }
    let (mut latencies, mut failures) = (Vec::new(), 0);
    for worker in workers {
        let (mine, failed) = worker.await.expect("a worker finishes");
        latencies.extend(mine);
        failures += failed;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let percentile = |p: f64| {
        let index = ((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1);
        latencies
            .get(index)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    let summary = json!({
        "connections": options.connections,
        "era": if options.legacy { "2025-11-25" } else { "2026-07-28" },
        "requests": latencies.len() as u64 + failures,
        "failures": failures,
        "seconds": (elapsed * 100.0).round() / 100.0,
        "rps": (latencies.len() as f64 / elapsed).round(),
        "p50_ms": (percentile(0.50) * 100.0).round() / 100.0,
        "p99_ms": (percentile(0.99) * 100.0).round() / 100.0,
        "max_ms": (percentile(1.0) * 100.0).round() / 100.0,
    });
    println!("{summary}");
}
