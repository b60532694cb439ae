//! The criterion micro-benchmarks: built first, then run pinned, their medians read from
//! criterion's `estimates.json`.

use std::path::Path;
use std::time::SystemTime;

use super::json_line;
use super::report::{LOG_EVENT_PLAIN, LOG_EVENT_REDACTED, Micro, SEARCH_TICKETS};

/// `(package, bench, criterion filter, [(group/function directory, label)])`.
type Suite = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const SUITES: [Suite; 4] = [
    (
        "mcp-bench",
        "arguments",
        "validate",
        &[
            ("validate + narrow/search_tickets", SEARCH_TICKETS),
            (
                "validate + narrow/create_ticket",
                "validate + narrow `create_ticket`",
            ),
            (
                "validate + narrow/close_ticket",
                "validate + narrow `close_ticket`",
            ),
        ],
    ),
    (
        "mcp-runtime",
        "redaction",
        "log event",
        &[
            (
                "log event (JSON, to a sink)/redaction on",
                LOG_EVENT_REDACTED,
            ),
            ("log event (JSON, to a sink)/redaction off", LOG_EVENT_PLAIN),
        ],
    ),
    (
        "mcp-runtime",
        "auth",
        "authenticate",
        &[
            (
                "authenticate/no layer",
                "auth layer: none (the inner service alone)",
            ),
            ("authenticate/API key", "auth layer: API key (4 configured)"),
            ("authenticate/HS256", "auth layer: HS256 JWT"),
            (
                "authenticate/RS256, cached JWKS",
                "auth layer: RS256 JWT, key cached",
            ),
        ],
    ),
    (
        "mcp-runtime",
        "limits",
        "rate limit check",
        &[
            (
                "rate limit check/in process",
                "rate limit check: in process",
            ),
            (
                "rate limit check/Redis (loopback)",
                "rate limit check: Redis on loopback",
            ),
            (
                "rate limit check/Redis down, fallback answering",
                "rate limit check: Redis down, fallback",
            ),
        ],
    ),
];

/// Runs every suite on `core` (shorter warm-up and measurement than criterion's defaults, which
/// still give tight intervals for sub-microsecond work) and reads the medians.
pub(crate) fn run(target_dir: &Path, core: Option<usize>) -> Result<Micro, String> {
    let mut micro = Micro::default();
    for (package, bench, filter, functions) in SUITES {
        let build = ["bench", "-p", package, "--bench", bench, "--no-run"];
        crate::run("cargo", &build, &[])?;
        let started = SystemTime::now();
        let core = core.map(|c| c.to_string());
        let mut args: Vec<&str> = Vec::new();
        if let Some(core) = &core {
            args.extend(["taskset", "-c", core]);
        }
        args.extend([
            "cargo", "bench", "-q", "-p", package, "--bench", bench, "--",
        ]);
        args.extend([filter, "--warm-up-time", "1", "--measurement-time", "3"]);
        crate::run(args[0], &args[1..], &[])?;
        for (directory, label) in functions {
            let estimates = target_dir
                .join("criterion")
                .join(directory)
                .join("new")
                .join("estimates.json");
            micro
                .entries
                .push(((*label).to_owned(), median_ns(&estimates, started)?));
        }
    }
    Ok(micro)
}

/// The median's point estimate, from a file written since `since` (not a stale one).
fn median_ns(estimates: &Path, since: SystemTime) -> Result<f64, String> {
    let fresh = std::fs::metadata(estimates)
        .and_then(|meta| meta.modified())
        .is_ok_and(|modified| modified >= since);
    if !fresh {
        return Err(format!("criterion wrote no {}", estimates.display()));
    }
    let text = std::fs::read_to_string(estimates).map_err(|e| e.to_string())?;
    let median = text
        .find("\"median\":")
        .map(|at| &text[at..])
        .and_then(|rest| json_line::number(rest, "point_estimate"));
    median.ok_or_else(|| format!("no median in {}", estimates.display()))
}
