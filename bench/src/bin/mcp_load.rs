//! `mcp_load`: the load `cargo xtask bench` applies; prints one JSON line per result.
//!
//! ```text
//! mcp_load http URL [--connections N] [--seconds S] [--era stateless|session|modern]
//!                   [--tool NAME] [--arguments JSON]
//! mcp_load sessions URL --counts 1000,10000 [--openers N]
//! mcp_load stdio [--calls N] [--tool NAME] [--arguments JSON] -- COMMAND [ARGS…]
//! ```
//!
//! `sessions` prints `{"sessions": N}` once N sessions hold an open SSE stream each, then waits
//! for a line on stdin before opening more; after the last count it holds them until stdin
//! closes. Every line carries `cpu_seconds`, the load generator's own CPU time, so that a run
//! can tell when the load generator rather than the server was the bottleneck.

#![allow(clippy::print_stdout)]

use std::process::ExitCode;
use std::time::Duration;

use mcp_bench::client::Endpoint;
use mcp_bench::latency::{micros, millis};
use mcp_bench::load::{self, Era, Plan};
use mcp_bench::{sessions, stdio};
use serde_json::{Value, json};

const USAGE: &str = "usage: mcp_load http URL [--connections N] [--seconds S] [--era stateless|session|modern] [--tool NAME] [--arguments JSON]
       mcp_load sessions URL --counts N[,N…] [--openers N]
       mcp_load stdio [--calls N] [--tool NAME] [--arguments JSON] -- COMMAND [ARGS…]";

/// Every flag any mode reads, with its default.
struct Flags {
    url: Option<String>,
    connections: usize,
    seconds: f64,
    era: Era,
    tool: String,
    arguments: Value,
    counts: Vec<usize>,
    openers: usize,
    calls: usize,
    command: Vec<String>,
}

fn parse(args: &[String]) -> Result<Flags, String> {
    let mut flags = Flags {
        url: None,
        connections: 64,
        seconds: 10.0,
        era: Era::Stateless,
        tool: "add".to_owned(),
        arguments: json!({"a": 1, "b": 2}),
        counts: Vec::new(),
        openers: 32,
        calls: 10_000,
        command: Vec::new(),
    };
    let mut args = args.iter();
    let number = |flag: &str, value: Option<&String>| -> Result<f64, String> {
        value
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|n| *n > 0.0)
            .ok_or_else(|| format!("{flag} needs a positive number"))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--connections" => flags.connections = number(arg, args.next())? as usize,
            "--seconds" => flags.seconds = number(arg, args.next())?,
            "--openers" => flags.openers = number(arg, args.next())? as usize,
            "--calls" => flags.calls = number(arg, args.next())? as usize,
            "--era" => {
                let name = args.next().map(String::as_str).unwrap_or("");
                flags.era = Era::parse(name).ok_or(format!("unknown era `{name}`"))?;
            }
            "--tool" => flags.tool = args.next().ok_or("--tool needs a name")?.clone(),
            "--arguments" => {
                let text = args.next().ok_or("--arguments needs JSON")?;
                flags.arguments =
                    serde_json::from_str(text).map_err(|e| format!("--arguments: {e}"))?;
            }
            "--counts" => {
                let list = args.next().ok_or("--counts needs N[,N…]")?;
                flags.counts = list
                    .split(',')
                    .map(|n| n.trim().parse::<usize>())
                    .collect::<Result<_, _>>()
                    .map_err(|_| format!("--counts: `{list}` is not a list of numbers"))?;
            }
            "--" => flags.command = args.by_ref().cloned().collect(),
            url if !url.starts_with("--") && flags.url.is_none() => flags.url = Some(url.into()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(flags)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match (
        args.first().map(String::as_str),
        parse(&args[1.min(args.len())..]),
    ) {
        (_, Err(why)) => Err(why),
        (Some("stdio"), Ok(flags)) => run_stdio(&flags),
        (Some("http"), Ok(flags)) => runtime().and_then(|rt| rt.block_on(run_http(&flags))),
        (Some("sessions"), Ok(flags)) => runtime().and_then(|rt| rt.block_on(run_sessions(&flags))),
        _ => Err("no mode given".to_owned()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("mcp_load: {why}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// One thread: the load generator is pinned to one core, and a single-threaded scheduler is
/// the cheapest way to drive many connections from it.
fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
}

fn endpoint(flags: &Flags) -> Result<Endpoint, String> {
    Endpoint::parse(flags.url.as_deref().ok_or("no URL given")?)
}

async fn run_http(flags: &Flags) -> Result<(), String> {
    let report = load::run(Plan {
        endpoint: endpoint(flags)?,
        connections: flags.connections,
        duration: Duration::from_secs_f64(flags.seconds),
        era: flags.era,
        tool: flags.tool.clone(),
        arguments: flags.arguments.clone(),
    })
    .await;
    let summary = json!({
        "mode": "http",
        "era": flags.era.name(),
        "connections": flags.connections,
        "requests": report.successes + report.failures,
        "failures": report.failures,
        "seconds": (report.elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
        "rps": report.rps().round(),
        "p50_ms": millis(report.latencies.p50),
        "p99_ms": millis(report.latencies.p99),
        "max_ms": millis(report.latencies.max),
        "cpu_seconds": own_cpu_seconds(),
    });
    println!("{summary}");
    Ok(())
}

async fn run_sessions(flags: &Flags) -> Result<(), String> {
    if flags.counts.is_empty() {
        return Err("sessions needs --counts".to_owned());
    }
    let endpoint = endpoint(flags)?;
    let mut held = Vec::new();
    for &count in &flags.counts {
        let started = std::time::Instant::now();
        sessions::hold(&endpoint, &mut held, count, flags.openers).await?;
        let line = json!({
            "mode": "sessions",
            "sessions": held.len(),
            "seconds": (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
            "cpu_seconds": own_cpu_seconds(),
        });
        println!("{line}");
        // Wait for the go-ahead (the measurement is taken meanwhile); EOF also goes on.
        tokio::task::spawn_blocking(|| std::io::stdin().read_line(&mut String::new()))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn run_stdio(flags: &Flags) -> Result<(), String> {
    let report = stdio::run(&flags.command, flags.calls, &flags.tool, &flags.arguments)?;
    let summary = json!({
        "mode": "stdio",
        "calls": report.successes + report.failures,
        "failures": report.failures,
        "seconds": (report.elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
        "mean_us": micros(report.latencies.mean),
        "p50_us": micros(report.latencies.p50),
        "p99_us": micros(report.latencies.p99),
        "cpu_seconds": own_cpu_seconds(),
    });
    println!("{summary}");
    Ok(())
}

/// This process's user + system CPU time from `/proc/self/stat` (in USER_HZ ticks, 100 a
/// second on Linux); 0 where there is no `/proc`.
fn own_cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces) start at the last `)`.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |index: usize| fields.get(index).and_then(|v| v.parse::<u64>().ok());
    // utime and stime are fields 14 and 15 of stat(5); `rest` starts at field 3.
    match (ticks(11), ticks(12)) {
        (Some(user), Some(system)) => (user + system) as f64 / 100.0,
        _ => 0.0,
    }
}
