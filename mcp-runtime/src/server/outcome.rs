//! The outcome record: how one invocation of a handler ended, written once as its log line (and
//! as the fields of its `tool_call` span, for tracing exporters). Metrics read the same record.
//!
//! **Architecture Invariant:** a record holds names, classes, codes, an error id, a duration and
//! where an error happened; never an argument, a result, an error message or a panic payload.
//! (The one exception is opt-in, for development: an internal error's clipped message, kept only
//! while `logging::log_error_messages` is on, and redacted like every value.)

use std::time::Instant;

use super::panic_guard;
use crate::failure::ErrorTrace;
use crate::metrics;
use crate::principal::Principal;
use crate::protocol::jsonrpc::{
    INSUFFICIENT_SCOPE, INTERNAL_ERROR, INVALID_PARAMS, MISSING_REQUIRED_CLIENT_CAPABILITY,
};

/// The name recorded for a handler the server does not have: the client chose it, so it is not
/// written verbatim.
pub(super) const UNKNOWN: &str = "<unknown>";

/// What kind of handler ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Tool,
    Resource,
    Prompt,
    Completion,
}

impl Kind {
    /// The method that invokes it, for the metrics' `mcp_method_name`.
    fn method(self) -> &'static str {
        match self {
            Kind::Tool => "tools/call",
            Kind::Resource => "resources/read",
            Kind::Prompt => "prompts/get",
            Kind::Completion => "completion/complete",
        }
    }

    pub(super) fn as_str(self) -> &'static str {
        match self {
            Kind::Tool => "tool",
            Kind::Resource => "resource",
            Kind::Prompt => "prompt",
            Kind::Completion => "completion",
        }
    }
}

/// How an invocation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    Ok,
    /// A [`ToolError`](crate::ToolError): its message was shown.
    ToolError,
    /// Any other error, by its type name.
    Internal(&'static str),
    /// Refused before or while narrowing the arguments, by class.
    InvalidParams(&'static str),
    NotFound,
    Panic,
    Timeout,
    Cancelled,
    /// 2026-07-28: stopped to ask the client (`input_required`).
    InputRequired,
    /// 2026-07-28: the handler needed a capability the client did not declare (-32021).
    MissingCapability,
    /// Refused by admission before anything ran, by class (`InsufficientScope`).
    Refused(&'static str),
    /// A retry with an idempotency key, answered with the first call's result.
    Replayed,
}

impl Outcome {
    /// Whether the handler failed on the server's side (an error line, an error span status).
    fn is_failure(self) -> bool {
        matches!(
            self,
            Outcome::Internal(_) | Outcome::Panic | Outcome::Timeout
        )
    }

    /// `(outcome, error_code, error_class)` of a tool call's line.
    fn tool_fields(self) -> (&'static str, Option<i32>, Option<&'static str>) {
        match self {
            Outcome::Ok => ("ok", None, None),
            Outcome::ToolError => ("tool_error", None, Some("ToolError")),
            Outcome::Internal(type_name) => ("tool_error", Some(INTERNAL_ERROR), Some(type_name)),
            Outcome::InvalidParams(class) => ("invalid_params", Some(INVALID_PARAMS), Some(class)),
            Outcome::NotFound => ("invalid_params", Some(INVALID_PARAMS), Some("NotFound")),
            Outcome::Panic => ("panic", Some(INTERNAL_ERROR), Some("panic")),
            Outcome::Timeout => ("timeout", Some(INTERNAL_ERROR), Some("timeout")),
            Outcome::Cancelled => ("cancelled", None, Some("cancelled")),
            Outcome::InputRequired => ("input_required", None, None),
            Outcome::MissingCapability => (
                "missing_capability",
                Some(MISSING_REQUIRED_CLIENT_CAPABILITY),
                Some("MissingCapability"),
            ),
            Outcome::Replayed => ("replayed", None, None),
            Outcome::Refused(class) => {
                let code = (class == "InsufficientScope").then_some(INSUFFICIENT_SCOPE);
                ("refused", code, Some(class))
            }
        }
    }

    /// `(outcome, error_class)` of a resource, prompt or completion line.
    fn handler_fields(self) -> (&'static str, Option<&'static str>) {
        match self {
            Outcome::Ok => ("ok", None),
            Outcome::ToolError => ("error", Some("ToolError")),
            Outcome::Internal(type_name) => ("error", Some(type_name)),
            Outcome::InvalidParams(_) => ("invalid_params", None),
            Outcome::NotFound => ("not_found", None),
            Outcome::Panic => ("panic", Some("panic")),
            Outcome::Timeout => ("timeout", Some("timeout")),
            Outcome::Cancelled => ("cancelled", None),
            Outcome::InputRequired => ("input_required", None),
            Outcome::MissingCapability => ("missing_capability", None),
            Outcome::Refused(class) => ("refused", Some(class)),
            Outcome::Replayed => ("replayed", None),
        }
    }
}

/// One invocation's record, from the moment its request was read.
#[derive(Debug)]
pub(super) struct Record {
    kind: Kind,
    name: &'static str,
    started: Instant,
    outcome: Outcome,
    error_id: Option<String>,
    /// The caller's [`Principal::log_id`](crate::Principal::log_id), when authenticated.
    principal_hash: Option<String>,
    /// Notifications the call sent its client (progress, log messages).
    notifications_sent: u32,
    /// Where an internal error was converted, its chain's length, and its message if opted in.
    trace: Option<ErrorTrace>,
}

impl Record {
    pub(super) fn start(kind: Kind, name: &'static str) -> Self {
        Record {
            kind,
            name,
            started: Instant::now(),
            outcome: Outcome::Ok,
            error_id: None,
            principal_hash: None,
            notifications_sent: 0,
            trace: None,
        }
    }

    pub(super) fn kind(&self) -> Kind {
        self.kind
    }

    /// Notes who called (a digest, never the subject).
    pub(super) fn by(&mut self, principal: Option<&Principal>) {
        self.principal_hash = principal.map(|principal| principal.log_id().to_owned());
    }

    /// Names the handler once it is known (a record starts before the name is read).
    pub(super) fn named(&mut self, name: &'static str) {
        self.name = name;
    }

    /// Notes how many notifications the call sent (its `RequestSink`'s count).
    pub(super) fn sent(&mut self, notifications: u32) {
        self.notifications_sent = notifications;
    }

    pub(super) fn set(&mut self, outcome: Outcome) {
        self.outcome = outcome;
    }

    /// Sets a server-side failure and returns the error id the client is shown for it.
    pub(super) fn fail(&mut self, outcome: Outcome) -> String {
        let error_id = crate::ids::random_id();
        self.outcome = outcome;
        self.error_id = Some(error_id.clone());
        error_id
    }

    /// Sets an internal error (with its trace) and returns the error id the client is shown.
    pub(super) fn fail_internal(&mut self, type_name: &'static str, trace: ErrorTrace) -> String {
        self.trace = Some(trace);
        self.fail(Outcome::Internal(type_name))
    }

    /// Sets `outcome` and writes the record.
    pub(super) fn finish(mut self, outcome: Outcome) {
        self.outcome = outcome;
        self.write();
    }

    /// The log line (and, for a tool, the `tool_call` span's fields), and the metrics.
    pub(super) fn write(&self) {
        let elapsed = self.started.elapsed();
        let duration_ms = elapsed.as_millis() as u64;
        let failed = self.outcome.is_failure();
        self.count(elapsed.as_secs_f64());
        let panic_location = (self.outcome == Outcome::Panic)
            .then(panic_guard::take_location)
            .flatten();
        let (name, error_id) = (self.name, self.error_id.as_deref());
        let principal_hash = self.principal_hash.as_deref();
        let trace = self.trace.as_ref();
        let error_location = trace
            .and_then(|trace| trace.location)
            .map(|at| format!("{}:{}", at.file(), at.line()));
        let error_location = error_location.as_deref();
        let error_sources = trace.map(|trace| trace.sources as u64);
        let error_message = trace.and_then(|trace| trace.message.as_deref());
        if self.kind != Kind::Tool {
            let (outcome, error_class) = self.outcome.handler_fields();
            let handler = self.kind.as_str();
            match (failed, error_class) {
                (true, _) => tracing::error!(
                    handler,
                    name,
                    principal_hash,
                    duration_ms,
                    outcome,
                    error_class,
                    error_id,
                    panic_location,
                    error_location,
                    error_sources,
                    error_message,
                    "handler"
                ),
                (false, Some(error_class)) => tracing::info!(
                    handler,
                    name,
                    principal_hash,
                    duration_ms,
                    outcome,
                    error_class,
                    "handler"
                ),
                (false, None) => {
                    tracing::info!(
                        handler,
                        name,
                        principal_hash,
                        duration_ms,
                        outcome,
                        "handler"
                    )
                }
            }
            return;
        }
        let (outcome, error_code, error_class) = self.outcome.tool_fields();
        let span = tracing::Span::current();
        span.record("tool_name", name);
        span.record("outcome", outcome);
        // As i64: tracing-opentelemetry exports u64 fields as strings.
        span.record("duration_ms", duration_ms as i64);
        if let Some(principal_hash) = principal_hash {
            span.record("principal_hash", principal_hash);
        }
        let notifications_sent = self.notifications_sent;
        if failed {
            span.record("otel.status_code", "ERROR");
            tracing::error!(
                tool_name = name,
                principal_hash,
                duration_ms,
                outcome,
                error_code,
                error_class,
                error_id,
                panic_location,
                notifications_sent,
                error_location,
                error_sources,
                error_message,
                "tool call"
            );
        } else {
            tracing::info!(
                tool_name = name,
                principal_hash,
                duration_ms,
                outcome,
                error_code,
                error_class,
                notifications_sent,
                "tool call"
            );
        }
    }

    /// The record's metrics: the call by tool and outcome, its duration, and a failed input
    /// schema. Every label is the server's: `name` is a registered handler's or [`UNKNOWN`].
    fn count(&self, seconds: f64) {
        let (tool, outcome, error_type) = match self.kind {
            Kind::Tool => {
                let (outcome, _, _) = self.outcome.tool_fields();
                if self.outcome == Outcome::InvalidParams("InvalidArguments") {
                    metrics::schema_validation_failed(self.name);
                }
                (self.name, outcome, outcome)
            }
            _ => {
                let (outcome, _) = self.outcome.handler_fields();
                ("", outcome, outcome)
            }
        };
        let error_type = match self.outcome {
            Outcome::Ok | Outcome::InputRequired => "",
            _ => error_type,
        };
        metrics::invocation(self.kind.method(), tool, outcome, error_type, seconds);
    }
}
