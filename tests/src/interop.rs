//! Third-party MCP clients for interop tests: the official Python `mcp` package and the official
//! TypeScript SDK, installed on first use under `target/`, and a runner for their scripts in
//! `tests/interop/`. Missing tooling fails a test; it never skips one.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long one client script may run before the test kills it and fails.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);

/// The oldest node major version the pinned SDK and its dependencies support.
const MIN_NODE_MAJOR: u32 = 20;

pub fn interop_dir() -> PathBuf {
    crate::workspace_root().join("tests").join("interop")
}

/// Runs `command` to completion (killing it after [`SCRIPT_TIMEOUT`]) and fails the test, with
/// the script's stdout and stderr, unless it exits successfully. Returns its stdout.
pub fn run_script(what: &str, mut command: Command) -> String {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: cannot start {command:?}: {e}"));
    let mut stdout_pipe = child.stdout.take().expect("piped stdout");
    let mut stderr_pipe = child.stderr.take().expect("piped stderr");
    let stdout = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout_pipe.read_to_string(&mut text);
        text
    });
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr_pipe.read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + SCRIPT_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the client script") {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stdout = stdout.join().expect("stdout reader");
    let stderr = stderr.join().expect("stderr reader");
    match status {
        Some(status) if status.success() => {
            eprintln!("{what}: {}", stdout.trim_end());
            stdout
        }
        Some(status) => {
            panic!("{what} failed ({status})\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}")
        }
        None => panic!(
            "{what} did not finish within {SCRIPT_TIMEOUT:?}; killed\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}"
        ),
    }
}

/// Runs a setup tool and fails the test, with its output, unless it succeeds.
fn setup(what: &str, command: &mut Command) -> String {
    let output = command.output().unwrap_or_else(|e| {
        panic!("{what}: cannot run {command:?} ({e}); the interop tests need it")
    });
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{what} failed ({})\n--- stdout ---\n{stdout}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// A directory under `target/` holding `node_modules` with the TypeScript SDK pinned by
/// `tests/interop/package-lock.json`, and the client script beside it.
///
/// `npm ci` runs only when the lock file differs from the one last installed, so later runs do
/// no network access. Fails the test when node or npm is missing or too old.
pub fn node_with_mcp_sdk() -> PathBuf {
    // Tests of one binary run in parallel: one of them installs, the others wait.
    static INSTALLING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = INSTALLING.lock().unwrap_or_else(|e| e.into_inner());
    let version = setup("node --version", Command::new("node").arg("--version"));
    let major = version
        .trim()
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|major| major.parse::<u32>().ok())
        .unwrap_or_else(|| panic!("cannot read node's version from {version:?}"));
    assert!(
        major >= MIN_NODE_MAJOR,
        "node {} is too old for @modelcontextprotocol/sdk; node {MIN_NODE_MAJOR} or newer is needed",
        version.trim()
    );

    let source = interop_dir();
    let dir = crate::workspace_root().join("target").join("interop-node");
    let read = |name: &str| {
        let path = source.join(name);
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
    };
    let manifest = read("package.json");
    let lock = read("package-lock.json");
    let wanted = format!("{manifest}\n{lock}");
    let stamp = dir.join(".mcp-installed");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        let _ = std::fs::remove_file(&stamp);
        std::fs::write(dir.join("package.json"), &manifest).expect("copy package.json");
        std::fs::write(dir.join("package-lock.json"), &lock).expect("copy package-lock.json");
        setup(
            "npm ci (tests/interop/package-lock.json)",
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--silent"])
                .current_dir(&dir),
        );
        std::fs::write(&stamp, &wanted).expect("mark the node install ready");
    }
    // ES modules resolve packages from the importing file's directory, so the scripts run from
    // beside node_modules. Copied on every run: they are small and may have changed.
    for script in [
        "ts_stdio_client.mjs",
        "ts_http_client.mjs",
        "ts_client_requests.mjs",
        "ts_oauth_discovery.mjs",
    ] {
        std::fs::copy(source.join(script), dir.join(script))
            .unwrap_or_else(|e| panic!("copy {script}: {e}"));
    }
    dir
}

/// A Python interpreter with the official `mcp` package 1.x (legacy era only), in a virtualenv
/// under `target/`.
///
/// Created on first use (`python3 -m venv`, then `pip install`); `MCP_INTEROP_PYTHON` names an
/// interpreter to use instead. Fails the test, never skips it, when neither works.
pub fn python_with_mcp() -> PathBuf {
    if let Some(python) = std::env::var_os("MCP_INTEROP_PYTHON") {
        return PathBuf::from(python);
    }
    python_venv("interop-venv", "mcp==1.*")
}

/// A Python interpreter with the official `mcp` package 2.3, whose client speaks both eras
/// (2026-07-28 included), in a virtualenv under `target/`.
pub fn python_with_modern_mcp() -> PathBuf {
    python_venv("interop-venv-mcp2", "mcp==2.3.0")
}

fn python_venv(name: &str, requirement: &str) -> PathBuf {
    // Tests of one binary run in parallel: one of them installs, the others wait.
    static INSTALLING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = INSTALLING.lock().unwrap_or_else(|e| e.into_inner());
    let venv = crate::workspace_root().join("target").join(name);
    let python = venv.join("bin").join("python");
    let ready = venv.join(".mcp-installed");
    if std::fs::read_to_string(&ready).ok().as_deref() != Some(requirement) {
        let status = Command::new("python3")
            .args(["-m", "venv", "--clear"])
            .arg(&venv)
            .status()
            .expect("python3 is needed for the interop tests");
        assert!(status.success(), "python3 -m venv failed");
        let status = Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                requirement,
            ])
            .status()
            .expect("run pip");
        assert!(status.success(), "pip install {requirement} failed");
        std::fs::write(&ready, requirement).expect("mark the virtualenv ready");
    }
    python
}
