//! `cargo xtask <command>`: the project's automation, with no dependencies beyond std.
//!
//! - `ci`: everything CI checks, in order: formatting, clippy with warnings denied, every test
//!   (unit, behaviour over real stdio, trybuild UI cases, schema snapshots, interop with real
//!   third-party clients, doc tests).

#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        _ => {
            eprintln!("usage: cargo xtask ci");
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

fn ci() -> Result<(), String> {
    let locked: &[&str] = if std::env::var_os("CI").is_some() {
        &["--locked"]
    } else {
        &[]
    };
    run("cargo", &["fmt", "--all", "--", "--check"], &[])?;
    run(
        "cargo",
        &[
            &["clippy", "--workspace", "--all-targets"],
            locked,
            &["--", "-D", "warnings"],
        ]
        .concat(),
        &[],
    )?;
    // The feature `otel` builds what the default build leaves out: lint it too.
    run(
        "cargo",
        &[
            &[
                "clippy",
                "-p",
                "mcp-runtime",
                "-p",
                "mcp-tests",
                "--all-targets",
                "--features",
                "mcp-runtime/otel,mcp-tests/otel",
            ],
            locked,
            &["--", "-D", "warnings"],
        ]
        .concat(),
        &[],
    )?;
    // Snapshots are checked, never written, here: a changed contract fails until it is reviewed.
    run(
        "cargo",
        &[&["test", "--workspace"], locked].concat(),
        &[("INSTA_UPDATE", "no")],
    )?;
    // OpenTelemetry export end to end, against a receiver in the test.
    run(
        "cargo",
        &[
            &[
                "test",
                "-p",
                "mcp-tests",
                "--features",
                "otel",
                "--test",
                "otel_export",
            ],
            locked,
        ]
        .concat(),
        &[],
    )?;
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

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ sits in the workspace root")
        .to_path_buf()
}
