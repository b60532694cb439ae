//! What a bench run measured, the published targets, and the Markdown tables it prints
//! (BENCHMARKS.md quotes them as printed).

use std::fmt::Write as _;

/// Which server a sample is of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    /// The raw-axum ceiling.
    Ceiling,
    /// hello on mcp-runtime.
    Framework,
}

impl Side {
    /// Ceiling first: every round runs it first.
    pub(crate) const BOTH: [Side; 2] = [Side::Ceiling, Side::Framework];

    fn label(self) -> &'static str {
        match self {
            Side::Ceiling => "ceiling (raw axum)",
            Side::Framework => "hello (mcp-runtime)",
        }
    }
}

/// One load run against one server.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sample {
    pub(crate) side: Side,
    pub(crate) connections: usize,
    pub(crate) round: usize,
    pub(crate) requests: f64,
    pub(crate) failures: f64,
    pub(crate) seconds: f64,
    pub(crate) rps: f64,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
    /// The server's CPU time over the run.
    pub(crate) server_cpu_seconds: f64,
    /// The load generator's own CPU time.
    pub(crate) load_cpu_seconds: f64,
}

impl Sample {
    fn cpu_us_per_request(&self) -> f64 {
        self.server_cpu_seconds * 1e6 / self.requests.max(1.0)
    }
}

/// The HTTP phase.
#[derive(Debug, Default)]
pub(crate) struct Http {
    pub(crate) samples: Vec<Sample>,
    /// `VmRSS` of each side before any request, KiB.
    pub(crate) idle_kib: [u64; 2],
    /// `VmHWM` of each side after each connection count's rounds, KiB.
    pub(crate) peak_kib: Vec<(usize, [u64; 2])>,
}

impl Http {
    fn of(&self, side: Side, connections: usize) -> impl Iterator<Item = &Sample> {
        self.samples
            .iter()
            .filter(move |s| s.side == side && s.connections == connections)
    }

    /// The median over rounds of `framework / ceiling` for `value`, each pair from one round.
    pub(crate) fn ratio(&self, connections: usize, value: fn(&Sample) -> f64) -> Option<f64> {
        let ratios = self
            .of(Side::Framework, connections)
            .filter_map(|framework| {
                self.of(Side::Ceiling, connections)
                    .find(|ceiling| ceiling.round == framework.round)
                    .map(|ceiling| value(framework) / value(ceiling))
            });
        median(ratios.collect())
    }

    /// How busy the ceiling kept its core at the target load, when that shows the cores were
    /// shared: at 64 connections a server alone on its core keeps it busy (≥ 0.9), so less
    /// means other processes took the core (or the load generator's).
    pub(crate) fn shared_cores(&self) -> Option<f64> {
        let busy = median(
            self.of(Side::Ceiling, TARGET_CONNECTIONS)
                .map(|s| s.server_cpu_seconds / s.seconds)
                .collect(),
        )?;
        (busy < 0.9).then_some(busy)
    }

    fn median_of(&self, side: Side, connections: usize, value: fn(&Sample) -> f64) -> f64 {
        median(self.of(side, connections).map(value).collect()).unwrap_or(f64::NAN)
    }
}

/// 10,000 sequential calls over stdio.
#[derive(Debug, Default)]
pub(crate) struct Stdio {
    pub(crate) calls: f64,
    pub(crate) failures: f64,
    pub(crate) mean_us: f64,
    pub(crate) p50_us: f64,
    pub(crate) p99_us: f64,
}

/// Idle sessions, each with its SSE stream open.
#[derive(Debug, Default)]
pub(crate) struct Sessions {
    /// `VmRSS` before the first session, KiB.
    pub(crate) baseline_kib: u64,
    /// `(sessions, VmRSS KiB)` once that many are held.
    pub(crate) held: Vec<(usize, u64)>,
}

impl Sessions {
    fn per_session_kib(&self, sessions: usize, rss_kib: u64) -> f64 {
        rss_kib.saturating_sub(self.baseline_kib) as f64 / sessions.max(1) as f64
    }
}

/// Criterion medians, in nanoseconds.
#[derive(Debug, Default)]
pub(crate) struct Micro {
    pub(crate) entries: Vec<(String, f64)>,
}

impl Micro {
    fn get(&self, label: &str) -> Option<f64> {
        self.entries
            .iter()
            .find(|(name, _)| name == label)
            .map(|(_, ns)| *ns)
    }
}

/// Labels of the micro-benchmarks the targets read.
pub(crate) const SEARCH_TICKETS: &str = "validate + narrow `search_tickets`";
pub(crate) const LOG_EVENT_REDACTED: &str = "log event, redaction on";
pub(crate) const LOG_EVENT_PLAIN: &str = "log event, redaction off";

/// Everything one run measured.
#[derive(Debug, Default)]
pub(crate) struct Results {
    pub(crate) machine: Vec<String>,
    pub(crate) rounds: usize,
    pub(crate) seconds: f64,
    pub(crate) http: Option<Http>,
    pub(crate) stdio: Option<Stdio>,
    pub(crate) sessions: Option<Sessions>,
    pub(crate) micro: Option<Micro>,
}

/// The load the targets are quoted at.
pub(crate) const TARGET_CONNECTIONS: usize = 64;

impl Results {
    /// The whole report as Markdown.
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("## Machine\n\n");
        for line in &self.machine {
            let _ = writeln!(out, "- {line}");
        }
        if let Some(http) = &self.http {
            self.render_http(http, &mut out);
        }
        if let Some(stdio) = &self.stdio {
            let _ = write!(
                out,
                "\n## stdio: sequential `tools/call add`\n\n\
                 | calls | failures | mean µs/call | p50 µs | p99 µs |\n|---|---|---|---|---|\n\
                 | {} | {} | {:.1} | {:.1} | {:.1} |\n",
                grouped(stdio.calls),
                stdio.failures,
                stdio.mean_us,
                stdio.p50_us,
                stdio.p99_us
            );
        }
        if let Some(sessions) = &self.sessions {
            out.push_str(
                "\n## Idle legacy sessions, each with an open SSE stream\n\n\
                 | sessions | VmRSS | per session (ΔRSS ÷ sessions) |\n|---|---|---|\n",
            );
            let _ = writeln!(out, "| 0 | {} | – |", mib(sessions.baseline_kib));
            for &(count, rss) in &sessions.held {
                let _ = writeln!(
                    out,
                    "| {} | {} | {:.1} KiB |",
                    grouped(count as f64),
                    mib(rss),
                    sessions.per_session_kib(count, rss)
                );
            }
        }
        if let Some(micro) = &self.micro {
            out.push_str(
                "\n## Micro-benchmarks (criterion, median)\n\n| benchmark | time |\n|---|---|\n",
            );
            for (label, ns) in &micro.entries {
                let _ = writeln!(out, "| {label} | {} |", duration(*ns));
            }
            if let (Some(on), Some(off)) =
                (micro.get(LOG_EVENT_REDACTED), micro.get(LOG_EVENT_PLAIN))
            {
                let cost = match on - off {
                    more if more > 0.0 => duration(more),
                    _ => "none measurable (on ≤ off)".to_owned(),
                };
                let _ = writeln!(out, "| redaction per log event (on − off) | {cost} |");
            }
        }
        out.push_str("\n## Targets\n\n| target | measured | status |\n|---|---|---|\n");
        for (target, measured, verdict) in self.targets() {
            let _ = writeln!(out, "| {target} | {measured} | {} |", verdict.label());
        }
        out
    }

    fn render_http(&self, http: &Http, out: &mut String) {
        let _ = write!(
            out,
            "\n## Streamable HTTP: `tools/call add`, stateless, JSON answers\n\n\
             Medians of {} interleaved rounds of {} s (ceiling, hello, ceiling, hello, …); ratios \
             are the median of the per-round ratios. CPU µs/request is the server's utime + stime \
             over the run ÷ requests; \"busy\" is CPU time ÷ wall time (1.00 = one core). Where \
             other processes share the cores, requests/s and latency move with them; CPU per \
             request moves far less, and its inverse ratio is the requests/s ratio on dedicated \
             cores.\n\n\
             | connections | server | requests/s | p50 ms | p99 ms | CPU µs/request | server busy | load generator busy | RSS idle | RSS peak | requests/s ÷ ceiling | p99 ÷ ceiling | CPU/request ÷ ceiling |\n\
             |---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
            self.rounds, self.seconds
        );
        let mut counts: Vec<usize> = http.samples.iter().map(|s| s.connections).collect();
        counts.dedup();
        for connections in counts {
            for (index, side) in Side::BOTH.into_iter().enumerate() {
                let med = |value: fn(&Sample) -> f64| http.median_of(side, connections, value);
                let peak = http
                    .peak_kib
                    .iter()
                    .find(|(count, _)| *count == connections)
                    .map_or("–".to_owned(), |(_, kib)| mib(kib[index]));
                let (rps_ratio, p99_ratio, cpu_ratio) = match side {
                    Side::Ceiling => ("1".to_owned(), "1".to_owned(), "1".to_owned()),
                    Side::Framework => (
                        fixed(http.ratio(connections, |s| s.rps), 2),
                        fixed(http.ratio(connections, |s| s.p99_ms), 2),
                        fixed(http.ratio(connections, Sample::cpu_us_per_request), 2),
                    ),
                };
                let _ = writeln!(
                    out,
                    "| {connections} | {} | {} | {:.2} | {:.2} | {:.1} | {:.2} | {:.2} | {} | {peak} | {rps_ratio} | {p99_ratio} | {cpu_ratio} |",
                    side.label(),
                    grouped(med(|s| s.rps)),
                    med(|s| s.p50_ms),
                    med(|s| s.p99_ms),
                    med(Sample::cpu_us_per_request),
                    med(|s| s.server_cpu_seconds / s.seconds),
                    med(|s| s.load_cpu_seconds / s.seconds),
                    mib(http.idle_kib[index]),
                );
            }
        }
        if let Some(busy) = http.shared_cores() {
            let _ = writeln!(
                out,
                "\nAt {TARGET_CONNECTIONS} connections the ceiling kept its core only {busy:.2} busy: \
                 other processes were using the cores, so requests/s and latency (and their \
                 ratios) say more about them than about the servers. CPU per request holds \
                 better."
            );
        }
        let failures: f64 = http.samples.iter().map(|s| s.failures).sum();
        if failures > 0.0 {
            let _ = writeln!(out, "\n{failures} requests failed; their runs are suspect.");
        }
        let saturated = http.samples.iter().any(|s| {
            // Only a bound when the load generator, not the ceiling, ran out of core.
            s.side == Side::Ceiling
                && s.load_cpu_seconds / s.seconds > 0.95
                && s.server_cpu_seconds / s.seconds < 0.9
        });
        if saturated {
            out.push_str(
                "\nThe load generator ran out of core before the ceiling did: the ceiling's \
                 requests/s is a lower bound, and the requests/s ratios are flattered.\n",
            );
        }
    }

    /// `(target, measured, verdict)` for every published target.
    pub(crate) fn targets(&self) -> Vec<(String, String, Verdict)> {
        let http = self.http.as_ref();
        let rps = http.and_then(|h| h.ratio(TARGET_CONNECTIONS, |s| s.rps));
        let p99 = http.and_then(|h| h.ratio(TARGET_CONNECTIONS, |s| s.p99_ms));
        let cpu = http.and_then(|h| h.ratio(TARGET_CONNECTIONS, Sample::cpu_us_per_request));
        let shared = http.and_then(Http::shared_cores);
        let search = self.micro.as_ref().and_then(|m| m.get(SEARCH_TICKETS));
        let per_session = self.sessions.as_ref().and_then(|s| {
            s.held
                .iter()
                .map(|&(count, rss)| s.per_session_kib(count, rss))
                .reduce(f64::max)
        });
        let idle = http
            .map(|h| h.idle_kib[1])
            .or(self.sessions.as_ref().map(|s| s.baseline_kib));
        // On shared cores the measured requests/s ratio flatters (neither server is held back by
        // its own work alone); the verdict then comes from CPU per request, whose inverse is the
        // requests/s ratio on a core of its own.
        let (rps_measured, rps_verdict) = match (rps, cpu, shared) {
            (Some(rps), Some(cpu), Some(busy)) => (
                format!(
                    "{rps:.2} × measured; {:.2} × from CPU per request (cores shared: the ceiling \
                     kept its core {busy:.2} busy)",
                    1.0 / cpu
                ),
                Verdict::of(1.0 / cpu >= 0.80),
            ),
            (Some(rps), _, _) => (format!("{rps:.2} ×"), Verdict::of(rps >= 0.80)),
            _ => ("–".to_owned(), Verdict::NotMeasured),
        };
        let (p99_measured, p99_verdict) = match (p99, shared) {
            (Some(p99), Some(busy)) => (
                format!("{p99:.2} × (cores shared: the ceiling kept its core {busy:.2} busy)"),
                Verdict::Unreliable,
            ),
            (Some(p99), None) => (format!("{p99:.2} ×"), Verdict::of(p99 <= 1.5)),
            _ => ("–".to_owned(), Verdict::NotMeasured),
        };
        vec![
            (
                format!("requests/s at {TARGET_CONNECTIONS} connections ≥ 0.80 × ceiling"),
                rps_measured,
                rps_verdict,
            ),
            (
                format!("p99 at {TARGET_CONNECTIONS} connections ≤ 1.5 × ceiling"),
                p99_measured,
                p99_verdict,
            ),
            (
                "validate + narrow a `search_tickets` call ≤ 2 µs".to_owned(),
                search.map_or("–".into(), duration),
                search.map_or(Verdict::NotMeasured, |ns| Verdict::of(ns <= 2000.0)),
            ),
            (
                "per idle session with an open SSE stream ≤ 8 KiB (worst count)".to_owned(),
                per_session.map_or("–".into(), |kib| format!("{kib:.1} KiB")),
                per_session.map_or(Verdict::NotMeasured, |kib| Verdict::of(kib <= 8.0)),
            ),
            (
                "RSS idle ≤ 10 MiB".to_owned(),
                idle.map_or("–".into(), mib),
                idle.map_or(Verdict::NotMeasured, |kib| Verdict::of(kib <= 10 * 1024)),
            ),
        ]
    }
}

/// A target's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    Pass,
    Miss,
    /// The phase did not run.
    NotMeasured,
    /// Measured on cores other processes were using: no verdict.
    Unreliable,
}

impl Verdict {
    fn of(pass: bool) -> Verdict {
        if pass { Verdict::Pass } else { Verdict::Miss }
    }

    fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Miss => "MISS",
            Verdict::NotMeasured => "not measured",
            Verdict::Unreliable => "no verdict (cores shared)",
        }
    }
}

/// The median; `None` for no values.
pub(crate) fn median(mut values: Vec<f64>) -> Option<f64> {
    values.retain(|v| v.is_finite());
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    match values.len() {
        0 => None,
        n if n % 2 == 1 => Some(values[middle]),
        _ => Some((values[middle - 1] + values[middle]) / 2.0),
    }
}

fn fixed(value: Option<f64>, decimals: usize) -> String {
    value.map_or("–".to_owned(), |v| format!("{v:.decimals$}"))
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn duration(ns: f64) -> String {
    match ns >= 1000.0 {
        true => format!("{:.2} µs", ns / 1000.0),
        false => format!("{ns:.0} ns"),
    }
}

/// `41233` → `41,233`.
fn grouped(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(side: Side, round: usize, rps: f64, p99_ms: f64) -> Sample {
        Sample {
            side,
            connections: TARGET_CONNECTIONS,
            round,
            requests: rps * 10.0,
            failures: 0.0,
            seconds: 10.0,
            rps,
            p50_ms: 1.0,
            p99_ms,
            server_cpu_seconds: 10.0,
            load_cpu_seconds: 5.0,
        }
    }

    #[test]
    fn ratios_pair_rounds_and_take_the_median() {
        let http = Http {
            samples: vec![
                sample(Side::Ceiling, 1, 1000.0, 2.0),
                sample(Side::Framework, 1, 900.0, 2.0),
                sample(Side::Ceiling, 2, 500.0, 2.0),
                sample(Side::Framework, 2, 400.0, 4.0),
                sample(Side::Ceiling, 3, 1000.0, 2.0),
                sample(Side::Framework, 3, 700.0, 3.0),
            ],
            ..Http::default()
        };
        // Per round 0.9, 0.8, 0.7: the median is 0.8 (not 2000/2500 of the sums).
        assert_eq!(http.ratio(TARGET_CONNECTIONS, |s| s.rps), Some(0.8));
        assert_eq!(http.ratio(TARGET_CONNECTIONS, |s| s.p99_ms), Some(1.5));
        assert_eq!(http.ratio(1, |s| s.rps), None);
        // Same CPU time over fewer requests: 1.11, 1.25, 1.43 per round.
        let cpu = http
            .ratio(TARGET_CONNECTIONS, Sample::cpu_us_per_request)
            .unwrap();
        assert!((cpu - 1.25).abs() < 1e-9, "{cpu}");
    }

    #[test]
    fn on_shared_cores_the_verdict_comes_from_cpu_per_request() {
        let mut ceiling = sample(Side::Ceiling, 1, 1000.0, 2.0);
        ceiling.server_cpu_seconds = 4.0; // busy 0.4: something else had the core
        let mut framework = sample(Side::Framework, 1, 900.0, 2.0);
        framework.server_cpu_seconds = 7.2; // twice the ceiling's CPU per request
        let results = Results {
            http: Some(Http {
                samples: vec![ceiling, framework],
                ..Http::default()
            }),
            ..Results::default()
        };
        let targets = results.targets();
        // 0.90 × measured, but 0.50 × from CPU per request.
        assert_eq!(targets[0].2, Verdict::Miss, "{}", targets[0].1);
        assert!(
            targets[0].1.starts_with("0.90 × measured; 0.50 ×"),
            "{}",
            targets[0].1
        );
        assert_eq!(targets[1].2, Verdict::Unreliable);
        let rendered = results.render();
        assert!(rendered.contains("kept its core only 0.40 busy"));
        assert!(
            !rendered.contains("ran out of core"),
            "the load generator was at 0.5"
        );
    }

    #[test]
    fn targets_pass_miss_or_go_unmeasured() {
        let results = Results {
            sessions: Some(Sessions {
                baseline_kib: 9000,
                held: vec![(1000, 9000 + 23_800), (10_000, 9000 + 70_000)],
            }),
            micro: Some(Micro {
                entries: vec![(SEARCH_TICKETS.to_owned(), 1500.0)],
            }),
            ..Results::default()
        };
        let targets = results.targets();
        let status: Vec<Verdict> = targets.iter().map(|t| t.2).collect();
        use Verdict::*;
        assert_eq!(status, [NotMeasured, NotMeasured, Pass, Miss, Pass]);
        assert_eq!(targets[3].1, "23.8 KiB");
        assert!(results.render().contains("| 1,000 | 32.0 MiB | 23.8 KiB |"));
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(grouped(41233.4), "41,233");
        assert_eq!(grouped(999.0), "999");
        assert_eq!(duration(1234.0), "1.23 µs");
        assert_eq!(duration(150.2), "150 ns");
        assert_eq!(median(vec![3.0, 1.0, 2.0, f64::NAN]), Some(2.0));
        assert_eq!(median(vec![1.0, 2.0]), Some(1.5));
    }
}
