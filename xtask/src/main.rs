//! `cargo xtask <command>`: the project's automation, with no dependencies beyond std.
//!
//! - `ci`: everything CI checks, in order: formatting, clippy with warnings denied, every test
//!   (unit, behaviour over real stdio, trybuild UI cases, schema snapshots, interop with real
//!   third-party clients, doc tests, and each example's schema contract).
//! - `snapshot`: rewrites every example's schema baseline (`mcp-schema.json`, its `.sha256`) and
//!   insta snapshot from the server as it is now.
//! - `snapshot --check`: fails on any difference, printing every change classified as breaking
//!   or compatible. The logic lives in `mcp_runtime::snapshot`; this only runs each example's
//!   `schema_contract` test in the right mode.
//! - `probe URL [flags]`: the post-deploy gate, `mcp_runtime::snapshot::probe` through the
//!   runtime's `mcp-probe` binary (flags: `--baseline PATH | --no-baseline`, `--deadline 120s`,
//!   `--interval 2s`, `--token-env NAME`); its exit code is passed on (0 pass, 1 schema drift,
//!   2 malformed answers, 3 unreachable, 64 usage).
//! - `conformance [RUN…]`: the official MCP conformance suite against the `everything` example
//!   (see [`conformance`]); it installs Node ≥ 22 and the pinned suites under `target/` first.
//! - `bench [--rounds N] [--seconds S] [--only http,stdio,sessions,micro]`: builds in release
//!   and measures hello against a raw-axum ceiling in one run (see `bench/mod.rs` and
//!   BENCHMARKS.md); `bench build`: build times and generated code size. Orchestration only:
//!   the load generator and the ceiling are the `mcp-bench` crate's binaries.
//!
//! Dependencies: std, and `serde_json` to read the conformance suite's results.

#![allow(clippy::print_stdout)]

mod bench;
mod conformance;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("snapshot") => match args.get(1).map(String::as_str) {
            None => snapshot(Mode::Update),
            Some("--check") => snapshot(Mode::Check),
            Some(other) => Err(format!(
                "snapshot: unknown option `{other}` (expected `--check`)"
            )),
        },
        Some("probe") => return probe(&args[1..]),
        Some("conformance") => conformance::run(&workspace_root(), &args[1..], is_ci()),
        Some("bench") => bench::bench(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask ci | cargo xtask snapshot [--check] | cargo xtask probe URL [flags] | cargo xtask conformance [RUN…] | cargo xtask bench [build | --rounds N --seconds S --only PHASES --hello-env KEY=VALUE]"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(step) => {
            eprintln!("xtask: `{step}` failed");
            ExitCode::FAILURE
        }
    }
}

/// Runs the probe binary and passes its exit code on, so a pipeline can branch on it.
fn probe(args: &[String]) -> ExitCode {
    let status = Command::new("cargo")
        .args([
            "run",
            "-q",
            "-p",
            "mcp-runtime",
            "--features",
            "snapshot",
            "--bin",
            "mcp-probe",
            "--",
        ])
        .args(args)
        .current_dir(workspace_root())
        .status();
    match status.ok().and_then(|status| status.code()) {
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(2)),
        None => ExitCode::from(2),
    }
}

fn ci() -> Result<(), String> {
    // CI checks the committed Cargo.lock; locally, cargo may update it.
    let locked: &[&str] = if is_ci() { &["--locked"] } else { &[] };
    let cargo = |args: &[&str], after_locked: &[&str], env: &[(&str, &str)]| {
        run("cargo", &[args, locked, after_locked].concat(), env)
    };
    let deny_warnings = ["--", "-D", "warnings"];
    run("cargo", &["fmt", "--all", "--", "--check"], &[])?;
    cargo(
        &["clippy", "--workspace", "--all-targets"],
        &deny_warnings,
        &[],
    )?;
    // The feature `otel` builds what the default build leaves out: lint it too.
    let otel = ["--features", "mcp-runtime/otel,mcp-tests/otel"];
    cargo(
        &[
            &[
                "clippy",
                "-p",
                "mcp-runtime",
                "-p",
                "mcp-tests",
                "--all-targets",
            ][..],
            &otel,
        ]
        .concat(),
        &deny_warnings,
        &[],
    )?;
    // Snapshots are checked, never written, here: a changed contract fails until it is reviewed.
    // This includes every example's `schema_contract` test, the gate `snapshot --check` runs.
    cargo(
        &["test", "--workspace"],
        &[],
        &[("INSTA_UPDATE", "no"), ("MCP_SNAPSHOT_UPDATE", "0")],
    )?;
    // OpenTelemetry export end to end, against a receiver in the test.
    cargo(
        &[
            "test",
            "-p",
            "mcp-tests",
            "--features",
            "otel",
            "--test",
            "otel_export",
        ],
        &[],
        &[],
    )?;
    // The official conformance suite: 0.1.16 must pass whole; the prerelease only as the
    // expected-failures list says.
    conformance::run(&workspace_root(), &[], is_ci())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Update,
    Check,
}

/// Runs the `schema_contract` test of every example that has one, updating or checking.
fn snapshot(mode: Mode) -> Result<(), String> {
    let env: &[(&str, &str)] = match mode {
        Mode::Update => &[("MCP_SNAPSHOT_UPDATE", "1"), ("INSTA_UPDATE", "always")],
        Mode::Check => &[("MCP_SNAPSHOT_UPDATE", "0"), ("INSTA_UPDATE", "no")],
    };
    let examples = workspace_root().join("examples");
    let mut packages: Vec<String> = std::fs::read_dir(&examples)
        .map_err(|e| format!("read {} ({e})", examples.display()))?
        .filter_map(Result::ok)
        .filter(|entry| {
            entry
                .path()
                .join("tests")
                .join("schema_contract.rs")
                .is_file()
        })
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    packages.sort();
    for package in &packages {
        run(
            "cargo",
            &["test", "-q", "-p", package, "--test", "schema_contract"],
            env,
        )?;
    }
    if mode == Mode::Update {
        println!(
            "xtask: schema baselines written for {}",
            packages.join(", ")
        );
    }
    Ok(())
}

fn run(program: &str, args: &[&str], env: &[(&str, &str)]) -> Result<(), String> {
    let shown = format!("{program} {}", args.join(" "));
    println!("xtask: {shown}");
    let started = Instant::now();
    let status = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(workspace_root())
        .status()
        .map_err(|error| format!("{shown} ({error})"))?;
    println!("xtask: {shown}: {:.1}s", started.elapsed().as_secs_f64());
    if status.success() { Ok(()) } else { Err(shown) }
}

/// CI checks the committed `Cargo.lock`; locally, cargo may update it.
fn is_ci() -> bool {
    std::env::var_os("CI").is_some()
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ sits in the workspace root")
        .to_path_buf()
}
