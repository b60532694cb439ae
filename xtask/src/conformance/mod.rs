//! `cargo xtask conformance [RUN…]`: the official MCP conformance suite
//! (`@modelcontextprotocol/conformance`) against the `everything` example.
//!
//! Three runs, each against a fresh server process on a free loopback port:
//!
//! - `0.1.16`: the stable suite, `--suite all`. Every check must pass.
//! - `2025-11-25` and `2026-07-28`: the prerelease suite with `--requirements <revision>`, which
//!   runs the scenarios that revision requires (and, unscored, some more) at its own wire
//!   version. A check may fail only when `xtask/conformance/expected-failures.json` lists it
//!   with a reason, and a listed check that passes fails the gate too, so the list only shrinks.
//!
//! Node ≥ 22 and the suites (pinned by the committed `package.json`/`package-lock.json` under
//! `xtask/conformance/`) are installed under `target/conformance/` on first use. Each run writes
//! the suite's per-check JSON, its console output and the server's log to
//! `target/conformance/results/<run>/`.

mod everything;
mod install;
mod verdict;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use everything::Fixture;
use verdict::{Verdict, read_checks, read_expected_failures};

/// The stable suite: every check must pass.
const STABLE: &str = "0.1.16";
/// The prerelease suite: checks may fail only as the expected-failures list says.
const PRERELEASE: &str = "0.2.0-alpha.12";
/// The npm package of both.
const PACKAGE: &str = "@modelcontextprotocol/conformance";

/// How long one run of the suite may take before it is killed.
const RUN_LIMIT: Duration = Duration::from_secs(15 * 60);

/// One run of the suite against a fresh server.
struct Run {
    /// The name it is reported, listed and selected by.
    name: &'static str,
    /// The suite version.
    suite: &'static str,
    /// The arguments after `server --url URL`.
    args: &'static [&'static str],
}

const RUNS: &[Run] = &[
    Run {
        name: "0.1.16",
        suite: STABLE,
        args: &["--suite", "all"],
    },
    Run {
        name: "2025-11-25",
        suite: PRERELEASE,
        args: &["--requirements", "2025-11-25"],
    },
    Run {
        name: "2026-07-28",
        suite: PRERELEASE,
        args: &["--requirements", "2026-07-28"],
    },
];

/// Runs every run (or those named in `selected`) and fails unless each passes its gate.
pub(crate) fn run(root: &Path, selected: &[String], locked: bool) -> Result<(), String> {
    if let Some(unknown) = selected
        .iter()
        .find(|name| !RUNS.iter().any(|run| run.name == name.as_str()))
    {
        let names: Vec<&str> = RUNS.iter().map(|run| run.name).collect();
        return Err(format!(
            "conformance: unknown run `{unknown}` (expected {})",
            names.join(", ")
        ));
    }
    let runs: Vec<&Run> = RUNS
        .iter()
        .filter(|run| selected.is_empty() || selected.iter().any(|name| name == run.name))
        .collect();
    let list = root
        .join("xtask")
        .join("conformance")
        .join("expected-failures.json");
    let run_names: Vec<&str> = RUNS
        .iter()
        .filter(|run| run.suite == PRERELEASE)
        .map(|run| run.name)
        .collect();
    let expected = read_expected_failures(&list, &format!("{PACKAGE}@{PRERELEASE}"), &run_names)?;

    let cache = root.join("target").join("conformance");
    let node_bin = install::node(&cache.join("node"))?;
    let binary = everything::build(root, locked)?;

    let mut failed_runs = Vec::new();
    for run in runs {
        let entry = install::suite(
            &root
                .join("xtask")
                .join("conformance")
                .join(format!("suite-{}", run.suite)),
            &cache.join(format!("suite-{}", run.suite)),
            &node_bin,
        )?;
        let output = cache.join("results").join(run.name);
        let results = run_suite(run, &binary, &entry, &node_bin, &output)?;
        let suite_log = output.join("suite.log");
        let checks =
            read_checks(&results).map_err(|e| format!("{e}; see {}", suite_log.display()))?;
        if checks.is_empty() {
            return Err(format!(
                "conformance {}: the suite reported no checks; see {}",
                run.name,
                suite_log.display()
            ));
        }
        let excused: &[_] = match run.suite {
            PRERELEASE => &expected,
            _ => &[],
        };
        let verdict = Verdict::of(run.name, &checks, excused);
        verdict.print(run.name, &list);
        if !verdict.holds() {
            failed_runs.push(run.name);
        }
    }
    match failed_runs.is_empty() {
        true => Ok(()),
        false => Err(format!("conformance ({})", failed_runs.join(", "))),
    }
}

/// Starts a fresh server and runs the suite against it; returns the directory of its results.
fn run_suite(
    run: &Run,
    binary: &Path,
    entry: &Path,
    node_bin: &Path,
    output: &Path,
) -> Result<PathBuf, String> {
    let _ = std::fs::remove_dir_all(output);
    std::fs::create_dir_all(output).map_err(|e| format!("create {} ({e})", output.display()))?;
    let fixture = Fixture::start(binary, &output.join("server.log"))?;
    let checks = output.join("checks");
    let log_path = output.join("suite.log");
    let log = std::fs::File::create(&log_path)
        .map_err(|e| format!("create {} ({e})", log_path.display()))?;
    let log_err = log
        .try_clone()
        .map_err(|e| format!("{} ({e})", log_path.display()))?;
    println!(
        "xtask: conformance {}: {PACKAGE}@{} server --url {} {} (log: {})",
        run.name,
        run.suite,
        fixture.url(),
        run.args.join(" "),
        log_path.display()
    );
    let started = Instant::now();
    let mut child = Command::new(node_bin.join("node"))
        .arg(entry)
        .args(["server", "--url", fixture.url()])
        .args(run.args)
        .arg("--output-dir")
        .arg(&checks)
        .env("PATH", install::path_with(node_bin))
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .spawn()
        .map_err(|e| format!("start the conformance suite ({e})"))?;
    // The suite exits non-zero whenever a check fails; the verdict is drawn from its results.
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if started.elapsed() > RUN_LIMIT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "conformance {}: the suite did not finish within {RUN_LIMIT:?}; see {}",
                    run.name,
                    log_path.display()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => return Err(format!("wait for the conformance suite ({e})")),
        }
    }
    println!(
        "xtask: conformance {}: {:.1}s",
        run.name,
        started.elapsed().as_secs_f64()
    );
    drop(fixture);
    Ok(checks)
}
