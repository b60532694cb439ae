//! The cost of redaction: per value, and per log event through the layer (against the same
//! layer with redaction switched off). `cargo bench -p mcp-runtime --bench redaction`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use mcp_runtime::logging::{LogFormat, McpLayer, Redactor};
use tracing_subscriber::layer::SubscriberExt;

fn values(c: &mut Criterion) {
    let redactor = Redactor::default();
    let mut group = c.benchmark_group("redact value");
    group.bench_function("no match", |b| {
        b.iter(|| {
            black_box(redactor.redact(black_box("tool call finished for the search endpoint")))
        })
    });
    group.bench_function("email", |b| {
        b.iter(|| {
            black_box(redactor.redact(black_box("signed in as alice@example.com from the web")))
        })
    });
    group.bench_function("field name check", |b| {
        b.iter(|| black_box(redactor.is_denied(black_box("duration_ms"))))
    });
    let none = Redactor::none();
    group.bench_function("field name check, no registered names", |b| {
        b.iter(|| black_box(none.is_denied(black_box("duration_ms"))))
    });
    group.finish();
}

/// A tool-call line as the runtime writes it: inside session and request spans, six fields.
fn event() {
    tracing::info!(
        tool_name = "search_tickets",
        duration_ms = 3u64,
        outcome = "ok",
        error_code = None::<i64>,
        error_class = None::<&str>,
        "tool call"
    );
}

fn events(c: &mut Criterion) {
    let mut group = c.benchmark_group("log event (JSON, to a sink)");
    for (name, redactor) in [
        ("redaction off", Redactor::none()),
        ("redaction on", Redactor::default()),
    ] {
        let subscriber = tracing_subscriber::registry().with(McpLayer::new(
            LogFormat::Json,
            redactor,
            std::io::sink(),
        ));
        tracing::subscriber::with_default(subscriber, || {
            let session = tracing::info_span!("session", session_id = "0f3c9a17d2e4b6a8");
            let _session = session.enter();
            let request = tracing::info_span!("request", request_id = "42");
            let _request = request.enter();
            group.bench_function(name, |b| b.iter(event));
        });
    }
    group.finish();
}

criterion_group!(benches, values, events);
criterion_main!(benches);
