//! Reading the suite's per-check results and judging a run by them: which checks failed, which
//! of those the expected-failures list excuses, and which listed checks pass now.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

/// One check as the suite wrote it to `<output dir>/server-<scenario>-<timestamp>/checks.json`.
pub(super) struct Check {
    pub(super) scenario: String,
    pub(super) id: String,
    pub(super) status: String,
    /// The check's error message, else its description.
    pub(super) message: String,
}

/// Every check of a run, scenario by scenario in the order they ran.
pub(super) fn read_checks(output: &Path) -> Result<Vec<Check>, String> {
    let mut scenarios: Vec<(String, String, std::path::PathBuf)> = Vec::new();
    let entries =
        std::fs::read_dir(output).map_err(|e| format!("read {} ({e})", output.display()))?;
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        // `createResultDir`: `server-` + scenario + `-` + an ISO timestamp with `:` and `.`
        // replaced by `-` (24 characters, such as `2026-07-28T10-00-00-000Z`).
        let Some(rest) = name.strip_prefix("server-") else {
            continue;
        };
        let Some(split) = rest.len().checked_sub(25) else {
            continue;
        };
        let (scenario, timestamp) = rest.split_at(split);
        if !timestamp.starts_with('-') || !timestamp.ends_with('Z') {
            continue;
        }
        scenarios.push((timestamp.to_owned(), scenario.to_owned(), entry.path()));
    }
    scenarios.sort();
    let mut checks = Vec::new();
    for (_, scenario, dir) in scenarios {
        let path = dir.join("checks.json");
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("read {} ({e})", path.display()))?;
        let Value::Array(items) =
            serde_json::from_str(&text).map_err(|e| format!("parse {} ({e})", path.display()))?
        else {
            return Err(format!("{} is not an array of checks", path.display()));
        };
        for item in items {
            let text = |key: &str| item[key].as_str().unwrap_or_default().to_owned();
            let message = match text("errorMessage") {
                message if message.is_empty() => text("description"),
                message => message,
            };
            checks.push(Check {
                scenario: scenario.clone(),
                id: text("id"),
                status: text("status"),
                message,
            });
        }
    }
    Ok(checks)
}

/// A check the prerelease suite is known to fail, and why.
#[derive(Debug)]
pub(super) struct ExpectedFailure {
    pub(super) run: String,
    pub(super) scenario: String,
    pub(super) check: String,
    pub(super) reason: String,
}

/// Reads the expected-failures list: `{"suite": "<package>@<version>", "failures": [{"run",
/// "scenario", "check", "reason"}, …]}`. Refuses a list written for another suite version, an
/// entry without a reason or for a run that does not exist, and duplicates.
pub(super) fn read_expected_failures(
    path: &Path,
    suite: &str,
    runs: &[&str],
) -> Result<Vec<ExpectedFailure>, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("read {} ({e})", path.display()))?;
    let document: Value =
        serde_json::from_str(&text).map_err(|e| format!("parse {} ({e})", path.display()))?;
    if document["suite"] != suite {
        return Err(format!(
            "{} lists failures of {}, but the suite run is {suite}: review every entry against \
             the new suite, then update `suite`",
            path.display(),
            document["suite"]
        ));
    }
    let Some(entries) = document["failures"].as_array() else {
        return Err(format!("{}: `failures` must be an array", path.display()));
    };
    let mut failures = Vec::new();
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for (index, entry) in entries.iter().enumerate() {
        let field = |key: &str| entry[key].as_str().unwrap_or_default().trim().to_owned();
        let failure = ExpectedFailure {
            run: field("run"),
            scenario: field("scenario"),
            check: field("check"),
            reason: field("reason"),
        };
        if failure.scenario.is_empty() || failure.check.is_empty() || failure.reason.is_empty() {
            problems.push(format!(
                "entry {index}: `scenario`, `check` and `reason` are required"
            ));
        }
        if !runs.contains(&failure.run.as_str()) {
            problems.push(format!(
                "entry {index}: `run` must be one of {}",
                runs.join(", ")
            ));
        }
        let key = (
            failure.run.clone(),
            failure.scenario.clone(),
            failure.check.clone(),
        );
        if !seen.insert(key) {
            problems.push(format!(
                "entry {index}: {} {}/{} is listed twice",
                failure.run, failure.scenario, failure.check
            ));
        }
        failures.push(failure);
    }
    match problems.is_empty() {
        true => Ok(failures),
        false => Err(format!("{}: {}", path.display(), problems.join("; "))),
    }
}

/// What one run came to.
pub(super) struct Verdict<'a> {
    pub(super) passed: usize,
    pub(super) failed: usize,
    pub(super) warnings: usize,
    /// Failed checks, each with the reason it is listed for, if it is.
    pub(super) failures: Vec<(&'a Check, Option<&'a str>)>,
    /// Listed checks that did not fail.
    pub(super) now_passing: Vec<&'a ExpectedFailure>,
}

impl<'a> Verdict<'a> {
    /// Judges `checks` of the run named `run` against the `expected` failures (all runs').
    pub(super) fn of(run: &str, checks: &'a [Check], expected: &'a [ExpectedFailure]) -> Self {
        let expected: Vec<&ExpectedFailure> = expected.iter().filter(|e| e.run == run).collect();
        let listed = |check: &Check| {
            expected
                .iter()
                .find(|e| e.scenario == check.scenario && e.check == check.id)
                .map(|e| e.reason.as_str())
        };
        let count = |status: &str| checks.iter().filter(|c| c.status == status).count();
        let failures: Vec<(&Check, Option<&str>)> = checks
            .iter()
            .filter(|c| c.status == "FAILURE")
            .map(|c| (c, listed(c)))
            .collect();
        let now_passing = expected
            .into_iter()
            .filter(|e| {
                !failures
                    .iter()
                    .any(|(c, _)| c.scenario == e.scenario && c.id == e.check)
            })
            .collect();
        Verdict {
            passed: count("SUCCESS"),
            failed: count("FAILURE"),
            warnings: count("WARNING"),
            failures,
            now_passing,
        }
    }

    /// Whether the gate lets the run through: every failure listed, no listed check passing.
    pub(super) fn holds(&self) -> bool {
        self.failures.iter().all(|(_, reason)| reason.is_some()) && self.now_passing.is_empty()
    }

    /// Prints the counts, every failed check with its message, and every stale list entry.
    pub(super) fn print(&self, run: &str, list: &Path) {
        let unexpected = self.failures.iter().filter(|(_, r)| r.is_none()).count();
        println!(
            "xtask: conformance {run}: {} passed, {} failed ({} not listed as expected), {} warnings",
            self.passed, self.failed, unexpected, self.warnings
        );
        for (check, reason) in &self.failures {
            let message = one_line(&check.message);
            match reason {
                None => println!("  FAIL {}/{}: {message}", check.scenario, check.id),
                Some(reason) => println!(
                    "  expected failure {}/{}: {message}\n    (listed: {})",
                    check.scenario,
                    check.id,
                    one_line(reason)
                ),
            }
        }
        for entry in &self.now_passing {
            println!(
                "  {}/{} now passes, remove it from the list ({})",
                entry.scenario,
                entry.check,
                list.display()
            );
        }
    }
}

/// A message on one line, cut at 300 characters.
fn one_line(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(300) {
        Some((cut, _)) => format!("{}…", &flat[..cut]),
        None => flat,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(scenario: &str, id: &str, status: &str) -> Check {
        Check {
            scenario: scenario.into(),
            id: id.into(),
            status: status.into(),
            message: format!("{id} said so"),
        }
    }

    fn listed(run: &str, scenario: &str, check: &str) -> ExpectedFailure {
        ExpectedFailure {
            run: run.into(),
            scenario: scenario.into(),
            check: check.into(),
            reason: "not implemented".into(),
        }
    }

    #[test]
    fn only_listed_failures_of_the_same_run_are_excused() {
        let checks = [
            check("tools", "a", "SUCCESS"),
            check("tools", "b", "FAILURE"),
            check("tasks", "c", "FAILURE"),
            check("tasks", "c", "SUCCESS"),
            check("tasks", "d", "WARNING"),
        ];
        let expected = [listed("2026-07-28", "tasks", "c")];
        let verdict = Verdict::of("2026-07-28", &checks, &expected);
        assert_eq!(
            (verdict.passed, verdict.failed, verdict.warnings),
            (2, 2, 1)
        );
        assert!(!verdict.holds(), "b is not listed");
        let reasons: Vec<Option<&str>> = verdict.failures.iter().map(|(_, r)| *r).collect();
        assert_eq!(reasons, [None, Some("not implemented")]);
        // The same entry does not excuse another run's failure.
        let other = Verdict::of("2025-11-25", &checks[2..3], &expected);
        assert!(!other.holds());
        assert!(other.now_passing.is_empty());
    }

    #[test]
    fn a_listed_check_that_passes_fails_the_gate() {
        let checks = [check("tasks", "c", "SUCCESS")];
        let expected = [listed("2026-07-28", "tasks", "c")];
        let verdict = Verdict::of("2026-07-28", &checks, &expected);
        assert!(verdict.failures.is_empty());
        assert_eq!(verdict.now_passing.len(), 1);
        assert!(!verdict.holds());
        let all_listed = [check("tasks", "c", "FAILURE")];
        assert!(Verdict::of("2026-07-28", &all_listed, &expected).holds());
    }

    #[test]
    fn results_are_read_per_scenario_in_run_order() {
        let dir = std::env::temp_dir().join(format!("xtask-verdict-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (name, body) in [
            (
                "server-tools-list-2026-07-28T10-00-01-000Z",
                r#"[{"id": "tools-list", "status": "SUCCESS", "description": "lists"}]"#,
            ),
            (
                "server-server-initialize-2026-07-28T10-00-00-000Z",
                r#"[{"id": "server-initialize", "status": "FAILURE", "description": "d", "errorMessage": "no"}]"#,
            ),
        ] {
            std::fs::create_dir_all(dir.join(name)).unwrap();
            std::fs::write(dir.join(name).join("checks.json"), body).unwrap();
        }
        std::fs::create_dir_all(dir.join("unrelated")).unwrap();
        let checks = read_checks(&dir).unwrap();
        let read: Vec<(&str, &str, &str)> = checks
            .iter()
            .map(|c| (c.scenario.as_str(), c.id.as_str(), c.message.as_str()))
            .collect();
        assert_eq!(
            read,
            [
                ("server-initialize", "server-initialize", "no"),
                ("tools-list", "tools-list", "lists"),
            ]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_list_must_name_its_suite_and_give_reasons() {
        let path = std::env::temp_dir().join(format!("xtask-expected-{}.json", std::process::id()));
        let suite = "@modelcontextprotocol/conformance@0.2.0-alpha.12";
        let write = |text: &str| std::fs::write(&path, text).unwrap();
        write(&format!(
            r#"{{"suite": "{suite}", "failures": [{{"run": "2026-07-28", "scenario": "s", "check": "c", "reason": "r"}}]}}"#
        ));
        assert_eq!(
            read_expected_failures(&path, suite, &["2026-07-28"])
                .unwrap()
                .len(),
            1
        );
        let other_suite = read_expected_failures(&path, "x@1", &["2026-07-28"]);
        assert!(other_suite.is_err_and(|e| e.contains("review every entry")));
        write(&format!(
            r#"{{"suite": "{suite}", "failures": [{{"run": "2026-07-28", "scenario": "s", "check": "c", "reason": " "}}, {{"run": "1999", "scenario": "s", "check": "c", "reason": "r"}}]}}"#
        ));
        let problems = read_expected_failures(&path, suite, &["2026-07-28"]).unwrap_err();
        assert!(problems.contains("`reason` are required"), "{problems}");
        assert!(
            problems.contains("`run` must be one of 2026-07-28"),
            "{problems}"
        );
        std::fs::remove_file(&path).unwrap();
    }
}
