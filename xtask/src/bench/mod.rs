//! `cargo xtask bench`: the framework against a raw-axum ceiling, in one run.
//!
//! Builds in release, then: HTTP load on hello (stateless, JSON answers) and on the ceiling,
//! interleaved round by round at 1 and 64 connections; sequential calls over stdio; memory per
//! idle session with an open SSE stream; the criterion micro-benchmarks. Prints Markdown tables
//! and each published target with PASS or MISS. `cargo xtask bench build` reports build times.
//!
//! Servers run on core 0 and the load generator on core 1 (see [`process::Placement`]); the
//! heavy pieces (load generator, ceiling) are the `mcp-bench` crate's binaries.

mod build_times;
mod json_line;
mod micro;
mod process;
mod report;

use std::path::{Path, PathBuf};
use std::time::Duration;

use process::{Placement, Server, Stepper, command, last_line};
use report::{Results, Sample, Side};

/// Connection counts of the HTTP phase.
const CONNECTIONS: [usize; 2] = [1, 64];

/// Sessions held in the memory phase.
const SESSION_COUNTS: [usize; 2] = [1_000, 10_000];

/// Calls of the stdio phase.
const STDIO_CALLS: usize = 10_000;

/// File descriptors the sessions phase asks for (each side holds one per stream, plus some).
const OPEN_FILES: u64 = 65_536;

/// How long a server rests before its memory is read.
const SETTLE: Duration = Duration::from_secs(1);

struct Flags {
    rounds: usize,
    seconds: f64,
    phases: Vec<String>,
    /// `--hello-env KEY=VALUE`: set for hello in the HTTP phase (to measure it with a setting
    /// on, such as `MCP_RATE_LIMIT`, against the ceiling in the same run).
    hello_env: Vec<(String, String)>,
}

const PHASES: [&str; 4] = ["http", "stdio", "sessions", "micro"];

fn flags(args: &[String]) -> Result<Flags, String> {
    let mut flags = Flags {
        rounds: 3,
        seconds: 10.0,
        phases: PHASES.iter().map(|p| p.to_string()).collect(),
        hello_env: Vec::new(),
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .cloned()
                .ok_or_else(|| format!("{arg} needs a value"))
        };
        match arg.as_str() {
            "--rounds" => {
                flags.rounds = value()?
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or("--rounds: a positive whole number")?
            }
            "--seconds" => {
                flags.seconds = value()?
                    .parse()
                    .ok()
                    .filter(|s: &f64| *s > 0.0)
                    .ok_or("--seconds: a positive number")?
            }
            "--only" => {
                flags.phases = value()?.split(',').map(str::to_owned).collect();
                if let Some(unknown) = flags.phases.iter().find(|p| !PHASES.contains(&p.as_str())) {
                    return Err(format!(
                        "--only: unknown phase `{unknown}` (expected {PHASES:?})"
                    ));
                }
            }
            "--hello-env" => {
                let pair = value()?;
                let (key, value) = pair.split_once('=').ok_or("--hello-env: KEY=VALUE")?;
                flags.hello_env.push((key.to_owned(), value.to_owned()));
            }
            other => return Err(format!("bench: unknown argument `{other}`")),
        }
    }
    Ok(flags)
}

/// `cargo xtask bench [--rounds N] [--seconds S] [--only http,stdio,sessions,micro]
/// [--hello-env KEY=VALUE]…`, or
/// `cargo xtask bench build`.
pub(crate) fn bench(args: &[String]) -> Result<(), String> {
    if args.first().map(String::as_str) == Some("build") {
        return build_times::report(&target_dir());
    }
    let flags = flags(args)?;
    crate::run(
        "cargo",
        &[
            "build",
            "--release",
            "-p",
            "hello",
            "-p",
            "mcp-bench",
            "--bins",
        ],
        &[],
    )?;
    let release = target_dir().join("release");
    let placement = Placement::detect();
    let mut results = Results {
        machine: machine(&placement),
        rounds: flags.rounds,
        seconds: flags.seconds,
        ..Results::default()
    };
    let wants = |phase: &str| flags.phases.iter().any(|p| p == phase);
    if wants("http") {
        results.http = Some(http(&release, placement, &flags)?);
    }
    if wants("stdio") {
        results.stdio = Some(stdio(&release, placement)?);
    }
    if wants("sessions") {
        results.sessions = Some(sessions(&release, placement)?);
    }
    if wants("micro") {
        results.micro = Some(micro::run(&target_dir(), placement.server)?);
    }
    #[allow(clippy::print_stdout)]
    {
        println!("\n{}", results.render());
    }
    Ok(())
}

/// The HTTP phase: both servers up at once (the idle one costs nothing), warmed up, then
/// interleaved rounds at each connection count.
fn http(release: &Path, placement: Placement, flags: &Flags) -> Result<report::Http, String> {
    let ceiling = Server::start("ceiling", |address| {
        command(
            placement.server,
            None,
            &release.join("ceiling"),
            &["--http", address],
        )
    })?;
    let framework = Server::start("hello", |address| {
        let mut hello = command(
            placement.server,
            None,
            &release.join("hello"),
            &["--http", address],
        );
        hello.env("MCP_STATELESS", "true");
        hello.envs(flags.hello_env.iter().map(|(k, v)| (k, v)));
        hello
    })?;
    let servers = [&ceiling, &framework];
    std::thread::sleep(SETTLE);
    let mut http = report::Http::default();
    for (index, server) in servers.iter().enumerate() {
        http.idle_kib[index] = server.usage()?.rss_kib;
    }
    for server in servers {
        load(release, placement, server, 64, 2.0)?;
    }
    for connections in CONNECTIONS {
        for round in 1..=flags.rounds {
            for (side, server) in Side::BOTH.into_iter().zip(servers) {
                let before = server.usage()?;
                let line = load(release, placement, server, connections, flags.seconds)?;
                let after = server.usage()?;
                let number = |key| json_line::number(&line, key).unwrap_or(f64::NAN);
                let sample = Sample {
                    side,
                    connections,
                    round,
                    requests: number("requests"),
                    failures: number("failures"),
                    seconds: number("seconds"),
                    rps: number("rps"),
                    p50_ms: number("p50_ms"),
                    p99_ms: number("p99_ms"),
                    server_cpu_seconds: after.cpu_seconds - before.cpu_seconds,
                    load_cpu_seconds: number("cpu_seconds"),
                };
                say(&format!(
                    "round {round}/{}, {connections} connections, {side:?}: {:.0} requests/s, p99 {:.2} ms, {:.1} µs CPU/request, {} failures",
                    flags.rounds,
                    sample.rps,
                    sample.p99_ms,
                    sample.server_cpu_seconds * 1e6 / sample.requests.max(1.0),
                    sample.failures
                ));
                http.samples.push(sample);
            }
        }
        let peaks = [ceiling.usage()?.peak_kib, framework.usage()?.peak_kib];
        http.peak_kib.push((connections, peaks));
    }
    Ok(http)
}

/// One `mcp_load http` run; its JSON line.
fn load(
    release: &Path,
    placement: Placement,
    server: &Server,
    connections: usize,
    seconds: f64,
) -> Result<String, String> {
    let (connections, seconds, url) = (connections.to_string(), seconds.to_string(), server.url());
    let args = [
        "http",
        &url,
        "--connections",
        &connections,
        "--seconds",
        &seconds,
        "--era",
        "stateless",
    ];
    last_line(command(
        placement.load,
        None,
        &release.join("mcp_load"),
        &args,
    ))
}

/// 10,000 sequential calls over stdio, the server on the servers' core.
fn stdio(release: &Path, placement: Placement) -> Result<report::Stdio, String> {
    let calls = STDIO_CALLS.to_string();
    let hello = release.join("hello");
    let core = placement.server.map(|c| c.to_string());
    let mut args = vec!["stdio", "--calls", &calls, "--"];
    if let Some(core) = &core {
        args.extend(["taskset", "-c", core]);
    }
    let hello = hello.to_string_lossy();
    args.extend([hello.as_ref(), "--stdio"]);
    let line = last_line(command(
        placement.load,
        None,
        &release.join("mcp_load"),
        &args,
    ))?;
    let number = |key| json_line::number(&line, key).unwrap_or(f64::NAN);
    say(&line);
    Ok(report::Stdio {
        calls: number("calls"),
        failures: number("failures"),
        mean_us: number("mean_us"),
        p50_us: number("p50_us"),
        p99_us: number("p99_us"),
    })
}

/// Memory per idle session: a stateful hello with caps above the counts, then the load
/// generator holds 1,000 and 10,000 sessions with their SSE streams open.
fn sessions(release: &Path, placement: Placement) -> Result<report::Sessions, String> {
    let files = process::reachable_open_files(OPEN_FILES);
    // Each side needs one descriptor per stream, and some to spare.
    let counts: Vec<usize> = SESSION_COUNTS
        .into_iter()
        .filter(|&count| (count as u64) + 256 <= files)
        .collect();
    if counts.len() < SESSION_COUNTS.len() {
        say(&format!(
            "the open-file limit reaches only {files}: holding {counts:?} sessions"
        ));
    }
    let most = (SESSION_COUNTS[1] * 2).to_string();
    let server = Server::start("hello (sessions)", |address| {
        let mut hello = command(
            placement.server,
            Some(OPEN_FILES),
            &release.join("hello"),
            &["--http", address],
        );
        hello
            .env("MCP_MAX_SESSIONS", &most)
            // One load generator, one address: it is every client.
            .env("MCP_MAX_SESSIONS_PER_CLIENT", &most)
            .env("MCP_MAX_STREAMS", &most);
        hello
    })?;
    std::thread::sleep(SETTLE);
    let mut sessions = report::Sessions {
        baseline_kib: server.usage()?.rss_kib,
        held: Vec::new(),
    };
    let list = counts
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let url = server.url();
    let mut holder = Stepper::start(command(
        placement.load,
        Some(OPEN_FILES),
        &release.join("mcp_load"),
        &["sessions", &url, "--counts", &list],
    ))?;
    for &count in &counts {
        let line = holder
            .next_line()
            .map_err(|e| format!("mcp_load sessions: {e}"))?;
        let held = json_line::number(&line, "sessions").unwrap_or(0.0) as usize;
        if held != count {
            return Err(format!("mcp_load sessions held {held}, not {count}"));
        }
        std::thread::sleep(SETTLE);
        let rss = server.usage()?.rss_kib;
        say(&format!("{count} sessions held: VmRSS {rss} KiB"));
        sessions.held.push((count, rss));
        holder.go_on();
    }
    Ok(sessions)
}

/// `nproc`, the CPU model, the kernel, the placement.
fn machine(placement: &Placement) -> Vec<String> {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_else(|| "unknown".to_owned());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|k| k.trim().to_owned())
        .unwrap_or_else(|_| "unknown".to_owned());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .map(|v| v.trim().to_owned())
        })
        .unwrap_or_default();
    vec![
        format!("nproc: {cores}; CPU: {model}; memory: {memory}; kernel: Linux {kernel}"),
        placement.describe(),
    ]
}

/// Where cargo builds: `CARGO_TARGET_DIR`, else `target/` in the workspace.
fn target_dir() -> PathBuf {
    let root = crate::workspace_root();
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

#[allow(clippy::print_stdout)]
fn say(line: &str) {
    println!("xtask bench: {line}");
}
