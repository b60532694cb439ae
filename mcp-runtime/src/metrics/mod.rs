//! Prometheus metrics: what the server counts, and its text exposition (`/metrics`).
//!
//! One registry per process, like the logging layer: every server and transport in the process
//! counts into it. Names follow the OpenTelemetry MCP semantic conventions where they define one
//! (`mcp.server.operation.duration` is `mcp_server_operation_duration_seconds`, with
//! `mcp_method_name`, `gen_ai_tool_name` and `error_type`); the rest are `mcp_server_*`.
//!
//! **Architecture Invariant:** every label value comes from a set the server defines (a route's
//! method, a registered tool's name or `<unknown>`, an outcome class, a layer name): no client
//! can create a series. Label sets are arrays of `&'static str`, so recording a known series
//! allocates nothing.

use std::sync::LazyLock;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

/// The content type of [`encode_text`]'s output.
pub(crate) const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The content type of [`encode_classic`]'s output.
pub(crate) const CLASSIC_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The OpenTelemetry MCP conventions' advice for `mcp.server.operation.duration`, in seconds.
const DURATION_BUCKETS: [f64; 14] = [
    0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
];

type Labels<const N: usize> = [(&'static str, &'static str); N];
type NewHistogram = fn() -> Histogram;

struct Metrics {
    registry: Registry,
    tool_calls: Family<Labels<2>, Counter>,
    operation_duration: Family<Labels<3>, Histogram, NewHistogram>,
    requests: Family<Labels<2>, Counter>,
    sessions: Gauge,
    streams: Gauge,
    in_flight: Gauge,
    auth_failures: Family<Labels<1>, Counter>,
    rate_limited: Family<Labels<1>, Counter>,
    limiter_fallback: Gauge,
    validation_failures: Family<Labels<1>, Counter>,
    build_info: Family<Vec<(&'static str, String)>, Gauge>,
}

fn new_histogram() -> Histogram {
    Histogram::new(DURATION_BUCKETS)
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let mut registry = Registry::default();
    let metrics = Metrics {
        registry: Registry::default(),
        tool_calls: Family::default(),
        operation_duration: Family::new_with_constructor(new_histogram),
        requests: Family::default(),
        sessions: Gauge::default(),
        streams: Gauge::default(),
        in_flight: Gauge::default(),
        auth_failures: Family::default(),
        rate_limited: Family::default(),
        limiter_fallback: Gauge::default(),
        validation_failures: Family::default(),
        build_info: Family::default(),
    };
    registry.register(
        "mcp_server_tool_calls",
        "Tool calls by tool and outcome",
        metrics.tool_calls.clone(),
    );
    registry.register_with_unit(
        "mcp_server_operation_duration",
        "Duration of handler invocations (tools/call, resources/read, prompts/get, completion/complete)",
        Unit::Seconds,
        metrics.operation_duration.clone(),
    );
    registry.register(
        "mcp_server_requests",
        "JSON-RPC requests by method and protocol era",
        metrics.requests.clone(),
    );
    registry.register(
        "mcp_server_active_sessions",
        "Legacy sessions held in the session table",
        metrics.sessions.clone(),
    );
    registry.register(
        "mcp_server_open_sse_streams",
        "SSE streams open now",
        metrics.streams.clone(),
    );
    registry.register(
        "mcp_server_calls_in_flight",
        "Handler invocations running now",
        metrics.in_flight.clone(),
    );
    registry.register(
        "mcp_server_auth_failures",
        "Requests refused by the auth layer, by reason",
        metrics.auth_failures.clone(),
    );
    registry.register(
        "mcp_server_rate_limited",
        "Requests refused by a rate limit, by layer",
        metrics.rate_limited.clone(),
    );
    registry.register(
        "mcp_server_limiter_fallback",
        "1 while the rate limiter runs on its in-memory fallback",
        metrics.limiter_fallback.clone(),
    );
    registry.register(
        "mcp_server_schema_validation_failures",
        "Tool calls whose arguments failed the input schema, by tool",
        metrics.validation_failures.clone(),
    );
    registry.register(
        "mcp_server_build_info",
        "The server's name and version and the runtime's version",
        metrics.build_info.clone(),
    );
    Metrics {
        registry,
        ..metrics
    }
});

/// The exposition of every metric, in the OpenMetrics text format (which Prometheus scrapes).
pub(crate) fn encode_text() -> String {
    let mut text = String::with_capacity(8 * 1024);
    // Writing to a String cannot fail.
    let _ = encode(&mut text, &METRICS.registry);
    text
}

/// The exposition in Prometheus's classic text format (0.0.4), for scrapers and tools that do
/// not ask for OpenMetrics (`promtool check metrics`, `curl`): a counter's `HELP` and `TYPE`
/// name its `_total` sample, and there is no `UNIT` or `EOF` line.
pub(crate) fn encode_classic() -> String {
    let open = encode_text();
    let counters: Vec<&str> = open
        .lines()
        .filter_map(|line| line.strip_prefix("# TYPE ")?.strip_suffix(" counter"))
        .collect();
    let mut classic = String::with_capacity(open.len());
    for line in open.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        let described = line
            .strip_prefix("# HELP ")
            .or_else(|| line.strip_prefix("# TYPE "))
            .and_then(|rest| rest.split_once(' '));
        match described {
            Some((name, _)) if counters.contains(&name) => {
                let (head, tail) = line.split_at("# HELP ".len() + name.len());
                classic.push_str(head);
                classic.push_str("_total");
                classic.push_str(tail);
            }
            _ => classic.push_str(line),
        }
        classic.push('\n');
    }
    classic
}

/// Notes a server's identity (its `serverInfo`) as `mcp_server_build_info`, set when it is
/// built.
pub(crate) fn build_info(name: &str, version: &str) {
    let labels = vec![
        ("server_name", name.to_owned()),
        ("server_version", version.to_owned()),
        ("runtime_version", env!("CARGO_PKG_VERSION").to_owned()),
    ];
    METRICS.build_info.get_or_create(&labels).set(1);
}

/// Creates a registered tool's series at zero, so that its first call takes no write lock and a
/// tool never called is still visible.
pub(crate) fn register_tool(tool: &'static str) {
    let _ = METRICS
        .tool_calls
        .get_or_create(&[("gen_ai_tool_name", tool), ("outcome", "ok")]);
}

/// One finished handler invocation: `method` is its route (`tools/call`, …), `tool` the tool's
/// name for a tool call (else `""`, which Prometheus reads as no label), `outcome` its class,
/// `error_type` the class of a failure (else `""`).
pub(crate) fn invocation(
    method: &'static str,
    tool: &'static str,
    outcome: &'static str,
    error_type: &'static str,
    seconds: f64,
) {
    let metrics = &*METRICS;
    if !tool.is_empty() {
        metrics
            .tool_calls
            .get_or_create(&[("gen_ai_tool_name", tool), ("outcome", outcome)])
            .inc();
    }
    metrics
        .operation_duration
        .get_or_create(&[
            ("mcp_method_name", method),
            ("gen_ai_tool_name", tool),
            ("error_type", error_type),
        ])
        .observe(seconds);
}

/// A tool call whose arguments failed its input schema.
pub(crate) fn schema_validation_failed(tool: &'static str) {
    METRICS
        .validation_failures
        .get_or_create(&[("gen_ai_tool_name", tool)])
        .inc();
}

/// A request routed to `method` (a route's name, or `<unknown>`) in `era` (`legacy`, `modern`).
pub(crate) fn request(method: &'static str, era: &'static str) {
    METRICS
        .requests
        .get_or_create(&[("mcp_method_name", method), ("era", era)])
        .inc();
}

/// A request the auth layer refused: `missing`, `invalid_request` or `invalid_token`.
pub(crate) fn auth_failed(reason: &'static str) {
    METRICS
        .auth_failures
        .get_or_create(&[("reason", reason)])
        .inc();
}

/// A request or call refused by the rate limit of `layer`: `request`, `session`, `tool` or
/// `budget`.
pub(crate) fn rate_limited(layer: &'static str) {
    METRICS
        .rate_limited
        .get_or_create(&[("layer", layer)])
        .inc();
}

/// Whether the rate limiter runs on its in-memory fallback (its shared store is unreachable).
pub(crate) fn limiter_fallback(active: bool) {
    METRICS.limiter_fallback.set(i64::from(active));
}

/// What a gauge counts while a value of this type is held: dropping it takes it off again.
#[must_use]
pub(crate) struct Held(&'static Gauge);

impl Held {
    fn on(gauge: &'static Gauge) -> Self {
        gauge.inc();
        Held(gauge)
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// A legacy session in the session table, for as long as the value is held.
pub(crate) fn session_open() -> Held {
    Held::on(&METRICS.sessions)
}

/// An open SSE stream, for as long as the value is held.
pub(crate) fn stream_open() -> Held {
    Held::on(&METRICS.streams)
}

/// A handler invocation running, for as long as the value is held.
pub(crate) fn call_running() -> Held {
    Held::on(&METRICS.in_flight)
}

/// Handler invocations running now (the drain reports those it had to cancel).
pub(crate) fn calls_in_flight() -> i64 {
    METRICS.in_flight.get()
}

#[cfg(test)]
mod tests;
