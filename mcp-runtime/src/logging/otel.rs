//! OpenTelemetry export (feature `otel`): one span per tool call, sent over OTLP/HTTP with
//! protobuf.
//!
//! On when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, off
//! when `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`. The rest is the standard
//! variables, read by the SDK: `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_EXPORTER_OTLP_TIMEOUT`,
//! `OTEL_BSP_*` (batching), `OTEL_TRACES_SAMPLER`, `OTEL_RESOURCE_ATTRIBUTES`. The service is
//! named by `OTEL_SERVICE_NAME` (or `service.name` in `OTEL_RESOURCE_ATTRIBUTES`), else by the
//! executable, which Cargo names after the server's package, else `mcp-server`.
//!
//! What leaves the process: the `tool_call` spans of `server/methods/tools.rs` and nothing else — no
//! session or request span, no event (the user's own `tracing` events inside a tool may quote
//! its arguments). A span carries its name, start and end, and the fields the runtime records on
//! it: `tool_name`, `outcome`, `duration_ms`. No argument value is a field of that span; keep it
//! so. Hook for auth: once calls have a principal, declare `principal_hash = Empty` on the
//! `tool_call` span and record a keyed hash of it there; it is then exported as an attribute
//! with no change here.
//!
//! Spans are batched by the SDK's batch processor (a thread of its own) and flushed when a
//! transport's `serve` span closes: for a stdio server when stdin ends, for an HTTP server after
//! its graceful shutdown, just before the process exits.

use std::pin::Pin;
use std::sync::OnceLock;
use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry::{InstrumentationScope, Key};
use opentelemetry_http::hyper::HyperClient;
use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};
use opentelemetry_otlp::{Protocol, SpanExporter, WithExportConfig as _, WithHttpConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::resource::{EnvResourceDetector, ResourceDetector as _};
use opentelemetry_sdk::trace::{BatchSpanProcessor, SdkTracerProvider};
use tracing::span::Id;
use tracing::{Level, Metadata, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::{LevelFilter, filter_fn};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

/// The exported span, as `server/methods/tools.rs` opens it (its target is that module's path).
const TOOL_CALL: (&str, &str) = (
    "tool_call",
    concat!(env!("CARGO_CRATE_NAME"), "::server::methods::tools"),
);
/// The spans whose end flushes the batch: `serve`, as each transport opens it.
const SERVE: &str = "serve";
const TRANSPORTS: &str = concat!(env!("CARGO_CRATE_NAME"), "::transport");
/// The service name when neither the environment nor the executable gives one.
const FALLBACK_SERVICE_NAME: &str = "mcp-server";
/// Why export is off, when it was asked for.
const UNSUPPORTED_PROTOCOL: &str = "only OTLP over HTTP with protobuf (http/protobuf) is built in";
const NO_TLS: &str = "the OTLP endpoint is https://, and TLS is not built in: use an http:// collector (a local agent)";
const UNUSABLE_CONFIGURATION: &str = "the OTLP exporter could not be set up from OTEL_EXPORTER_OTLP_* (is the endpoint an http:// URL?)";

/// The export layers when the environment asks for export: `Ok(None)` when it does not (or a
/// subscriber is installed already), `Err` with the reason when it asks for what cannot be done.
pub(super) fn layer<S>() -> Result<Option<impl Layer<S>>, &'static str>
where
    S: Subscriber + for<'span> LookupSpan<'span>,
{
    let var = |key: &str| {
        std::env::var(key)
            .ok()
            .filter(|value| !value.trim().is_empty())
    };
    // The exporter prefers the traces endpoint, as here.
    let endpoint =
        var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").or_else(|| var("OTEL_EXPORTER_OTLP_ENDPOINT"));
    let disabled = var("OTEL_SDK_DISABLED").is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
        || var("OTEL_TRACES_EXPORTER").is_some_and(|v| v.trim().eq_ignore_ascii_case("none"));
    if endpoint.is_none() || disabled || tracing::dispatcher::has_been_set() {
        return Ok(None);
    }
    let protocol =
        var("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL").or_else(|| var("OTEL_EXPORTER_OTLP_PROTOCOL"));
    if protocol.is_some_and(|protocol| protocol.trim() != "http/protobuf") {
        return Err(UNSUPPORTED_PROTOCOL);
    }
    if endpoint.is_some_and(|url| url.trim().to_ascii_lowercase().starts_with("https:")) {
        return Err(NO_TLS);
    }
    // The error may quote the endpoint, credentials and all: it is not passed on.
    let exporter = SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_http_client(OwnRuntimeClient::new(export_timeout()))
        .build()
        .map_err(|_| UNUSABLE_CONFIGURATION)?;
    let provider = SdkTracerProvider::builder()
        .with_span_processor(BatchSpanProcessor::builder(exporter).build())
        .with_resource(resource())
        .build();
    let scope = InstrumentationScope::builder(env!("CARGO_PKG_NAME"))
        .with_version(env!("CARGO_PKG_VERSION"))
        .build();
    let spans = tracing_opentelemetry::layer()
        .with_tracer(provider.tracer_with_scope(scope))
        .with_location(false)
        .with_threads(false)
        .with_target(false)
        .with_tracked_inactivity(false)
        .with_filter(
            filter_fn(|meta| is_span(meta, TOOL_CALL)).with_max_level_hint(LevelFilter::INFO),
        );
    let flush = FlushAtServeEnd(provider).with_filter(
        filter_fn(|meta| {
            meta.is_span() && meta.name() == SERVE && meta.target().starts_with(TRANSPORTS)
        })
        .with_max_level_hint(LevelFilter::INFO),
    );
    Ok(Some(spans.and_then(flush)))
}

/// Whether `meta` is the runtime's span `(name, target)`; at most `INFO`, as the filters' level
/// hint promises.
fn is_span(meta: &Metadata<'_>, (name, target): (&str, &str)) -> bool {
    meta.is_span() && meta.name() == name && meta.target() == target && *meta.level() <= Level::INFO
}

/// Flushes the batch when a transport stops serving (its filter lets only `serve` spans
/// through). Not per session: an HTTP server has a session per request on 2026-07-28.
///
/// The serve span closes after the calls it waited for, so their spans are in the batch; the
/// flush blocks for at most the processor's 5 s, so a server whose collector is down still
/// exits.
struct FlushAtServeEnd(SdkTracerProvider);

impl<S: Subscriber + for<'span> LookupSpan<'span>> Layer<S> for FlushAtServeEnd {
    fn on_close(&self, _id: Id, _ctx: Context<'_, S>) {
        let _lost_spans_are_not_fatal = self.0.force_flush();
    }
}

fn resource() -> Resource {
    let builder = Resource::builder();
    let named_by_env = std::env::var("OTEL_SERVICE_NAME").is_ok_and(|name| !name.is_empty())
        || EnvResourceDetector::new()
            .detect()
            .get(&Key::from_static_str("service.name"))
            .is_some();
    if named_by_env {
        return builder.build();
    }
    let executable = std::env::current_exe().ok().and_then(|path| {
        path.file_stem()
            .and_then(|stem| stem.to_str())
            .filter(|stem| !stem.is_empty())
            .map(str::to_owned)
    });
    builder
        .with_service_name(executable.unwrap_or_else(|| FALLBACK_SERVICE_NAME.to_owned()))
        .build()
}

/// `OTEL_EXPORTER_OTLP_TRACES_TIMEOUT`, else `OTEL_EXPORTER_OTLP_TIMEOUT` (milliseconds), else
/// the OTLP default of 10 s.
fn export_timeout() -> Duration {
    [
        "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
        "OTEL_EXPORTER_OTLP_TIMEOUT",
    ]
    .iter()
    .find_map(|key| std::env::var(key).ok()?.trim().parse().ok())
    .map_or(
        opentelemetry_otlp::OTEL_EXPORTER_OTLP_TIMEOUT_DEFAULT,
        Duration::from_millis,
    )
}

/// hyper on a Tokio runtime of the exporter's own.
///
/// The SDK's batch processor exports from a plain thread, outside the server's runtime, and
/// hyper needs a runtime for its connections: one worker thread, started at the first export,
/// runs them (and keeps pooled connections alive between exports). This is what reqwest's
/// blocking client does, without the dependencies reqwest brings.
#[derive(Debug)]
struct OwnRuntimeClient {
    client: HyperClient,
    runtime: OnceLock<tokio::runtime::Runtime>,
}

impl OwnRuntimeClient {
    fn new(timeout: Duration) -> Self {
        OwnRuntimeClient {
            client: HyperClient::with_default_connector(timeout, None),
            runtime: OnceLock::new(),
        }
    }

    fn send(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        // Only the batch processor's thread sends, so two runtimes are never built at once.
        let runtime = match self.runtime.get() {
            Some(runtime) => runtime,
            None => {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .thread_name("mcp-otlp-http")
                    .enable_all()
                    .build()?;
                self.runtime.get_or_init(|| runtime)
            }
        };
        runtime.block_on(self.client.send_bytes(request))
    }
}

type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<Response<Bytes>, HttpError>> + Send + 'a>>;

impl HttpClient for OwnRuntimeClient {
    // The signature `#[async_trait]` gives the trait's method. Polling blocks the calling
    // thread, the batch processor's, which waits for the export in any case.
    fn send_bytes<'client, 'future>(&'client self, request: Request<Bytes>) -> SendFuture<'future>
    where
        'client: 'future,
        Self: 'future,
    {
        Box::pin(async move { self.send(request) })
    }
}
