//! `cargo xtask bench build`: how long examples/hello takes to build in release from nothing
//! and after touching its `main.rs`, which units take longest (`cargo build --timings`), the
//! binary's size, and how much code `#[tool]` generates per tool.

use std::path::Path;
use std::time::{Instant, SystemTime};

use super::json_line;

/// Units listed from the timings.
const TOP_UNITS: usize = 10;

pub(crate) fn report(target_dir: &Path) -> Result<(), String> {
    // A target directory of its own, so "clean" is clean without wiping the usual one.
    let scratch = target_dir.join("bench-build-times");
    let _ = std::fs::remove_dir_all(&scratch);
    let scratch_text = scratch.to_string_lossy().into_owned();
    let env = [("CARGO_TARGET_DIR", scratch_text.as_str())];
    let build = ["build", "--release", "-p", "hello", "--timings"];
    let started = Instant::now();
    crate::run("cargo", &build, &env)?;
    let clean = started.elapsed().as_secs_f64();
    let html = std::fs::read_to_string(scratch.join("cargo-timings").join("cargo-timing.html"))
        .map_err(|e| format!("cargo wrote no timings: {e}"))?;
    let main = crate::workspace_root().join("examples/hello/src/main.rs");
    std::fs::File::options()
        .append(true)
        .open(&main)
        .and_then(|file| file.set_modified(SystemTime::now()))
        .map_err(|e| format!("touch {}: {e}", main.display()))?;
    let started = Instant::now();
    crate::run("cargo", &build[..4], &env)?;
    let incremental = started.elapsed().as_secs_f64();
    let size = std::fs::metadata(scratch.join("release").join("hello")).map_or(0, |m| m.len());
    let _ = std::fs::write(target_dir.join("bench-build-times.html"), &html);
    let _ = std::fs::remove_dir_all(&scratch);

    let mut out = format!(
        "\n## Build: `cargo build --release -p hello`\n\n\
         | build | wall time |\n|---|---|\n\
         | clean (dependencies downloaded, nothing built) | {clean:.1} s |\n\
         | incremental (`examples/hello/src/main.rs` touched) | {incremental:.1} s |\n\n\
         Release binary: {:.1} MiB. Slowest units (`--timings`, kept in target/bench-build-times.html):\n\n\
         | unit | seconds |\n|---|---|\n",
        size as f64 / (1024.0 * 1024.0)
    );
    for (unit, seconds) in slowest_units(&html) {
        out.push_str(&format!("| {unit} | {seconds:.1} |\n"));
    }
    out.push_str(
        "\nGenerated code (the expansion snapshots of mcp-macros, formatted by prettyplease, \
         including the item as written):\n\n| snapshot | tools | lines | lines per tool |\n|---|---|---|---|\n",
    );
    for (name, tools, lines) in expansion_sizes()? {
        out.push_str(&format!(
            "| {name} | {tools} | {lines} | {} |\n",
            lines / tools.max(1)
        ));
    }
    #[allow(clippy::print_stdout)]
    {
        println!("{out}");
    }
    Ok(())
}

/// The units of `UNIT_DATA` in cargo's timings page, slowest first.
fn slowest_units(html: &str) -> Vec<(String, f64)> {
    let Some(data) = html
        .split_once("const UNIT_DATA = [")
        .and_then(|(_, rest)| rest.split_once("];"))
        .map(|(data, _)| data)
    else {
        return Vec::new();
    };
    let mut units: Vec<(String, f64)> = data
        .split("\"i\":")
        .skip(1)
        .filter_map(|unit| {
            let name = json_line::string(unit, "name")?;
            let version = json_line::string(unit, "version").unwrap_or("");
            let mode = json_line::string(unit, "mode").unwrap_or("");
            let label = match mode {
                "run-custom-build" => format!("{name} {version} (build script run)"),
                _ => format!("{name} {version}"),
            };
            Some((label, json_line::number(unit, "duration")?))
        })
        .collect();
    units.sort_by(|a, b| b.1.total_cmp(&a.1));
    units.truncate(TOP_UNITS);
    units
}

/// `(snapshot, tools in it, lines of expansion)` for each expansion snapshot.
fn expansion_sizes() -> Result<Vec<(String, usize, usize)>, String> {
    let directory = crate::workspace_root().join("mcp-macros/src/expand/snapshots");
    let mut sizes = Vec::new();
    let entries =
        std::fs::read_dir(&directory).map_err(|e| format!("read {}: {e}", directory.display()))?;
    for entry in entries.filter_map(Result::ok) {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        // insta's header is the first `---` … `---` block.
        let body = text.splitn(3, "---\n").nth(2).unwrap_or(text.as_str());
        let name = entry.file_name().to_string_lossy().into_owned();
        let name = name
            .trim_start_matches("mcp_macros__expand__tests__")
            .trim_end_matches(".snap")
            .to_owned();
        sizes.push((
            name,
            body.matches("ToolDef::new(").count(),
            body.lines().count(),
        ));
    }
    sizes.sort();
    Ok(sizes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_read_from_the_timings_page_slowest_first() {
        let html = r#"<script>
const UNIT_DATA = [
  {
    "i": 0,
    "name": "syn",
    "version": "2.0.1",
    "mode": "todo",
    "duration": 4.5
  },
  {
    "i": 1,
    "name": "serde",
    "version": "1.0.0",
    "mode": "run-custom-build",
    "duration": 9.25
  }
];
const CONCURRENCY_DATA = [];"#;
        assert_eq!(
            slowest_units(html),
            [
                ("serde 1.0.0 (build script run)".to_owned(), 9.25),
                ("syn 2.0.1".to_owned(), 4.5)
            ]
        );
        assert!(slowest_units("<html></html>").is_empty());
    }

    #[test]
    fn every_expansion_snapshot_has_tools() {
        let sizes = expansion_sizes().unwrap();
        assert!(!sizes.is_empty());
        assert!(
            sizes
                .iter()
                .all(|(_, tools, lines)| *tools > 0 && *lines > 10),
            "{sizes:?}"
        );
    }
}
