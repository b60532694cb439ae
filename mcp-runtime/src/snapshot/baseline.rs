//! The committed baseline: `<name>.json` (canonical `tools/list`) and `<name>.sha256` beside it.

use std::fmt;
use std::path::{Path, PathBuf};

use super::{Report, SchemaSnapshot, compare};

/// Set to `1` to rewrite baselines instead of checking them (what `cargo xtask snapshot` does).
pub const UPDATE_VARIABLE: &str = "MCP_SNAPSHOT_UPDATE";

/// Why the current schema does not match its baseline.
#[derive(Debug)]
pub enum BaselineError {
    /// There is no baseline yet.
    Missing(PathBuf),
    /// The baseline cannot be read or parsed.
    Unreadable(PathBuf, String),
    /// The schema changed; every change classified.
    Changed(PathBuf, Report),
    /// The `.sha256` file does not match the baseline (edited by hand?).
    HashMismatch(PathBuf),
}

impl fmt::Display for BaselineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BaselineError::Missing(path) => {
                write!(
                    f,
                    "no schema baseline at {}; run `cargo xtask snapshot` (or set {UPDATE_VARIABLE}=1) to create it",
                    path.display()
                )
            }
            BaselineError::Unreadable(path, why) => write!(
                f,
                "cannot read the schema baseline {}: {why}",
                path.display()
            ),
            BaselineError::Changed(path, report) => write!(
                f,
                "tools/list differs from the baseline {}.\n{report}Review the changes, then run `cargo xtask snapshot` to accept them.",
                path.display()
            ),
            BaselineError::HashMismatch(path) => write!(
                f,
                "the SHA-256 beside {} does not match it; run `cargo xtask snapshot` to rewrite both",
                path.display()
            ),
        }
    }
}

impl std::error::Error for BaselineError {}

/// Compares `current` with the baseline at `path` (its `.sha256` sits beside it). With
/// `MCP_SNAPSHOT_UPDATE=1` in the environment, writes `current` as the new baseline instead.
pub fn check_baseline(
    current: &SchemaSnapshot,
    path: impl AsRef<Path>,
) -> Result<(), BaselineError> {
    check_or_update(
        current,
        path.as_ref(),
        std::env::var(UPDATE_VARIABLE).as_deref() == Ok("1"),
    )
}

pub(super) fn check_or_update(
    current: &SchemaSnapshot,
    path: &Path,
    update: bool,
) -> Result<(), BaselineError> {
    let hash_path = path.with_extension("sha256");
    if update {
        return write(current, path, &hash_path);
    }
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(BaselineError::Missing(path.to_owned()));
        }
        Err(error) => {
            return Err(BaselineError::Unreadable(
                path.to_owned(),
                error.to_string(),
            ));
        }
    };
    let baseline = SchemaSnapshot::parse(&text)
        .map_err(|e| BaselineError::Unreadable(path.to_owned(), e.to_string()))?;
    if baseline != *current {
        let report = compare(&baseline, current);
        return Err(BaselineError::Changed(path.to_owned(), report));
    }
    let recorded = std::fs::read_to_string(&hash_path).unwrap_or_default();
    if recorded.split_whitespace().next() != Some(current.sha256()) || text != current.json() {
        return Err(BaselineError::HashMismatch(path.to_owned()));
    }
    Ok(())
}

/// [`check_baseline`], panicking with the classified report: the one assertion a test needs.
#[track_caller]
pub fn assert_baseline(current: &SchemaSnapshot, path: impl AsRef<Path>) {
    if let Err(error) = check_baseline(current, path) {
        panic!("{error}");
    }
}

fn write(current: &SchemaSnapshot, path: &Path, hash_path: &Path) -> Result<(), BaselineError> {
    let unwritable = |e: std::io::Error| BaselineError::Unreadable(path.to_owned(), e.to_string());
    std::fs::write(path, current.json()).map_err(unwritable)?;
    std::fs::write(hash_path, format!("{}\n", current.sha256())).map_err(unwritable)
}
