//! Structured logs that cannot leak what a user told the model.
//!
//! Lines carry `level`, `ts`, `msg`, `session_id` and `request_id` (from the spans the event
//! happened in, so the user's own `tracing` events inside a tool carry them too). The framework
//! never records tool arguments, results, error messages of non-`ToolError` errors or panic
//! payloads; on top, every value of every event passes through a [`Redactor`], but for the ids
//! the runtime itself generates. `session_id` is a keyed digest of the session's id, never the
//! id (an `Mcp-Session-Id` grants access); client-chosen strings are clipped ([`Clipped`]).

mod clipped;
mod layer;
#[cfg(feature = "otel")]
mod otel;
mod redact;
mod redacted;

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer as _};

pub(crate) use clipped::Clipped;
pub use layer::{LogFormat, McpLayer};
pub use redact::{DEFAULT_DENIED_FIELDS, REDACTED, Redactor, deny_field_everywhere};
pub use redacted::Redacted;

/// Installs the framework's logging on stderr (stdout carries protocol only), unless the
/// application installed a subscriber already.
///
/// - Level: `MCP_LOG`, else `RUST_LOG` (`tracing` filter syntax), else `info`.
/// - Format: `MCP_LOG_FORMAT=json` or `text`; by default JSON, or text when stderr is a terminal.
/// - Redaction: the default [`Redactor`], plus the field names in `MCP_LOG_REDACT_FIELDS`
///   (comma-separated).
/// - Internal errors' messages: `MCP_LOG_ERROR_MESSAGES=true` turns on
///   [`log_error_messages`] (for development; off by default, and when unset, `false` or `0`).
/// - With the feature `otel`, and `OTEL_EXPORTER_OTLP_ENDPOINT` set: a span per tool call
///   exported over OTLP/HTTP (tool name, outcome, duration; never arguments), whatever the
///   log level.
pub fn init_stderr() {
    let filter = ["MCP_LOG", "RUST_LOG"]
        .iter()
        .find_map(|key| {
            std::env::var(key)
                .ok()
                .and_then(|spec| EnvFilter::try_new(spec).ok())
        })
        .unwrap_or_else(|| EnvFilter::new("info"));
    let layer = McpLayer::new(format_from_env(), redactor_from_env(), std::io::stderr());
    // The level filters the log lines only, so that it does not decide what is exported.
    let registry = tracing_subscriber::registry().with(layer.with_filter(filter));
    #[cfg(feature = "otel")]
    let (registry, otel_off) = match otel::layer() {
        Ok(otel) => (registry.with(otel), None),
        Err(reason) => (registry.with(None), Some(reason)),
    };
    let _already_installed = registry.try_init();
    match std::env::var("MCP_LOG_ERROR_MESSAGES").as_deref() {
        Ok("true" | "1") => log_error_messages(true),
        Ok("false" | "0" | "") | Err(_) => {}
        Ok(_) => tracing::warn!(
            "MCP_LOG_ERROR_MESSAGES must be `true` or `false`; internal error messages stay out of the log"
        ),
    }
    #[cfg(feature = "otel")]
    if let Some(reason) = otel_off {
        tracing::warn!(reason, "OpenTelemetry export is off");
    }
}

/// Whether internal errors' messages are logged (see [`log_error_messages`]).
static ERROR_MESSAGES: AtomicBool = AtomicBool::new(false);

/// Logs the message of every internal error (an error other than a [`ToolError`](crate::ToolError)
/// that a handler returned or `?`ed) on its call's line, as `error_message`: for development,
/// where "error id 3f2a… at src/tools.rs:42" is not enough. Off by default; `init_stderr` turns it
/// on for `MCP_LOG_ERROR_MESSAGES=true`.
///
/// The message (with its `source()` chain's, `"outer: inner"`) is clipped to 128 bytes and passes
/// through the [`Redactor`] like every value, but an error message can hold anything a tool was
/// given (a path, a query, a customer's name): do not turn this on in production. Whatever the
/// setting, the line carries `error_class`, `error_location` (the `file:line` of the `?` that
/// converted the error into a `ToolError`, when a `?` did) and `error_sources` (the length of the
/// `source()` chain). Takes effect for errors converted after the call.
pub fn log_error_messages(on: bool) {
    ERROR_MESSAGES.store(on, Ordering::Relaxed);
}

pub(crate) fn error_messages_on() -> bool {
    ERROR_MESSAGES.load(Ordering::Relaxed)
}

fn format_from_env() -> LogFormat {
    match std::env::var("MCP_LOG_FORMAT").as_deref() {
        Ok("json") => LogFormat::Json,
        Ok("text") => LogFormat::Text,
        _ if std::io::stderr().is_terminal() => LogFormat::Text,
        _ => LogFormat::Json,
    }
}

fn redactor_from_env() -> Redactor {
    let extra = std::env::var("MCP_LOG_REDACT_FIELDS").unwrap_or_default();
    extra
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .fold(Redactor::default(), Redactor::deny_field)
}

#[cfg(test)]
mod tests;
