//! `tools/call`: params, validation, the catch-all around the handler, the error contract, and
//! the one log line every call ends in.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use serde_json::{Map, Value, json};
use tracing::Instrument;
use tracing::field::Empty;

use super::catalog::missing_capability;
use super::client_requests::ClientLink;
use super::ids::random_id;
use super::mrtr::{CallBinding, InputRound};
use super::panic_guard::{self, Guarded};
use super::session::{Answer, Session};
use super::{ArgumentErrorChannel, RegisteredTool};
use crate::Ctx;
use crate::context::NotificationSink;
use crate::protocol::ProtocolVersion;
use crate::protocol::jsonrpc::{
    ErrorObject, INTERNAL_ERROR, INVALID_PARAMS, MISSING_REQUIRED_CLIENT_CAPABILITY, RequestId,
    Response,
};
use crate::protocol::messages::{CallToolResult, Content};
use crate::protocol::meta::RequestMeta;
use crate::tool::{ToolArgs, ToolFailure, ToolOutcome, ToolOutput};
use crate::validate::{Violations, clipped};

/// `_meta` key of an `isError` result that carries `{code, message, violations}` for a tool whose
/// output schema leaves no room for it in `structuredContent`.
pub const ARGUMENT_ERROR_META_KEY: &str = "rs.mcp-runtime/error";

/// The name logged for a tool the server does not have: the client chose it, so it is not
/// written verbatim.
const UNKNOWN: &str = "<unknown>";

/// How a call ended, as its log line says.
enum Outcome {
    Ok,
    ToolError,
    Internal(&'static str),
    InvalidParams(&'static str),
    Panic,
    Timeout,
    Cancelled,
    /// 2026-07-28: stopped to ask the client (`input_required`).
    InputRequired,
    /// 2026-07-28: the tool needed a capability the client did not declare (-32021).
    MissingCapability,
}

impl Outcome {
    /// Whether the call failed on the server's side (an error line, and an error span status).
    fn is_failure(&self) -> bool {
        matches!(
            self,
            Outcome::Internal(_) | Outcome::Panic | Outcome::Timeout
        )
    }

    /// `(outcome, error_code, error_class)`.
    fn fields(&self) -> (&'static str, Option<i32>, Option<&'static str>) {
        match self {
            Outcome::Ok => ("ok", None, None),
            Outcome::ToolError => ("tool_error", None, Some("ToolError")),
            Outcome::Internal(type_name) => ("tool_error", Some(INTERNAL_ERROR), Some(type_name)),
            Outcome::InvalidParams(class) => ("invalid_params", Some(INVALID_PARAMS), Some(class)),
            Outcome::Panic => ("panic", Some(INTERNAL_ERROR), Some("panic")),
            Outcome::Timeout => ("timeout", Some(INTERNAL_ERROR), Some("timeout")),
            Outcome::Cancelled => ("cancelled", None, Some("cancelled")),
            Outcome::InputRequired => ("input_required", None, None),
            Outcome::MissingCapability => (
                "missing_capability",
                Some(MISSING_REQUIRED_CLIENT_CAPABILITY),
                Some("MissingCapability"),
            ),
        }
    }
}

/// The call's log line: names, timing and classes only, never arguments, results or messages.
fn log_call(tool_name: &str, started: Instant, outcome: &Outcome, error_id: Option<&str>) {
    let (outcome_name, error_code, error_class) = outcome.fields();
    let duration_ms = started.elapsed().as_millis() as u64;
    let span = tracing::Span::current();
    span.record("tool_name", tool_name);
    span.record("outcome", outcome_name);
    // As i64: tracing-opentelemetry exports u64 fields as strings.
    span.record("duration_ms", duration_ms as i64);
    if outcome.is_failure() {
        span.record("otel.status_code", "ERROR");
    }
    let panic_location = matches!(outcome, Outcome::Panic)
        .then(panic_guard::take_location)
        .flatten();
    match outcome.is_failure() {
        true => tracing::error!(
            tool_name,
            duration_ms,
            outcome = outcome_name,
            error_code,
            error_class,
            error_id,
            panic_location,
            "tool call"
        ),
        false => tracing::info!(
            tool_name,
            duration_ms,
            outcome = outcome_name,
            error_code,
            error_class,
            "tool call"
        ),
    }
}

impl Session {
    /// Runs a call inside its `tool_call` span (a child of the request span): the span carries
    /// `tool_name`, `outcome` and `duration_ms`, for tracing exporters such as OpenTelemetry.
    pub(super) fn call_tool(
        self: &Arc<Self>,
        id: RequestId,
        params: Option<Value>,
        version: ProtocolVersion,
        meta: RequestMeta,
        sink: &NotificationSink,
    ) -> Answer {
        // `principal_hash` stays empty until transports authenticate; `otel.status_code` marks
        // failed calls for tracing backends.
        let span = tracing::info_span!(
            "tool_call",
            tool_name = Empty,
            outcome = Empty,
            duration_ms = Empty,
            principal_hash = Empty,
            otel.status_code = Empty
        );
        let _entered = span.enter();
        match self.start_call(id, params, version, meta, sink) {
            Answer::Pending(call) => Answer::Pending(Box::pin(call.instrument(span.clone()))),
            answer => answer,
        }
    }

    fn start_call(
        self: &Arc<Self>,
        id: RequestId,
        params: Option<Value>,
        version: ProtocolVersion,
        mut meta: RequestMeta,
        sink: &NotificationSink,
    ) -> Answer {
        let started = Instant::now();
        let shared = &self.server.shared;
        let CallParams {
            name,
            arguments,
            input_responses,
            request_state,
        } = match call_params(params) {
            Ok(call) => call,
            Err(why) => {
                log_call(
                    UNKNOWN,
                    started,
                    &Outcome::InvalidParams("InvalidParams"),
                    None,
                );
                let error = ErrorObject::new(INVALID_PARAMS, format!("Invalid params: {why}"));
                return Answer::Ready(Response::error(Some(id), error));
            }
        };
        let tools = self.server.tool_set();
        let Some(tool) = tools.get(&name).map(Arc::clone) else {
            log_call(
                UNKNOWN,
                started,
                &Outcome::InvalidParams("UnknownTool"),
                None,
            );
            let error = ErrorObject::new(
                INVALID_PARAMS,
                format!("Invalid params: unknown tool `{}`", clipped(&name)),
            );
            return Answer::Ready(Response::error(Some(id), error));
        };
        let arguments = Value::Object(arguments);
        let violations = tool.validator.violations(&arguments);
        if !violations.is_empty() {
            log_call(
                &tool.descriptor.name,
                started,
                &Outcome::InvalidParams("InvalidArguments"),
                None,
            );
            return Answer::Ready(self.invalid_arguments(id, &tool, version, violations));
        }
        let Value::Object(arguments) = arguments else {
            unreachable!("built as an object above")
        };
        // Requests to the client: sent and awaited on legacy versions. On 2026-07-28 servers
        // MUST use Multi Round-Trip Requests instead (basic/patterns/mrtr): the retried call
        // brings the answers, read here.
        let (client, binding) = match version.is_modern() {
            false => {
                let peer = Arc::clone(&self.peer);
                let timeout = shared.client_request_timeout;
                (ClientLink::Session { peer, timeout }, None)
            }
            true => {
                let binding = CallBinding::new(&tool.descriptor.name, &arguments);
                let capabilities = std::mem::take(&mut meta.client_capabilities);
                let key = &shared.state_key;
                match InputRound::open(key, &binding, capabilities, input_responses, request_state)
                {
                    Ok(round) => (ClientLink::Rounds(Arc::new(round)), Some(binding)),
                    Err(error) => {
                        let outcome = Outcome::InvalidParams("InputResponses");
                        log_call(&tool.descriptor.name, started, &outcome, None);
                        return Answer::Ready(Response::error(Some(id), error));
                    }
                }
            }
        };

        let cancellation = self.begin_request(&id);
        let outbound = self.outbound(version, meta.progress_token, meta.log_level, sink);
        let round = match &client {
            ClientLink::Rounds(round) => Some(Arc::clone(round)),
            ClientLink::Session { .. } | ClientLink::Detached(_) => None,
        };
        let ctx = Ctx::new(
            id.clone(),
            version,
            cancellation.clone(),
            Arc::clone(&outbound),
            client,
        );
        let timeout = tool.timeout.or(shared.tool_timeout);
        let session = Arc::clone(self);
        let call = async move {
            let tool = &tool;
            let name = tool.descriptor.name.as_str();
            // The catch-all: a panic anywhere in narrowing or in the handler's future becomes a result.
            let run = AssertUnwindSafe(Guarded((tool.call)(ctx, ToolArgs::new(arguments))))
                .catch_unwind();
            let limited = async {
                match timeout {
                    Some(limit) => tokio::time::timeout(limit, run).await.ok(),
                    None => Some(run.await),
                }
            };
            let needs_input = async {
                match &round {
                    Some(round) => round.interrupted().await,
                    None => std::future::pending().await,
                }
            };
            let ended = tokio::select! {
                biased;
                // Cancellation (basic/utilities/cancellation): the receiver SHOULD stop
                // processing and not send a response for the cancelled request.
                () = cancellation.cancelled() => Ended::Cancelled,
                finished = limited => match finished {
                    Some(ran) => Ended::Ran(ran),
                    None => Ended::TimedOut,
                },
                // Polled after the run, so every request of the poll that stopped it is noted.
                () = needs_input => Ended::NeedsInput,
            };
            // A handler that saw the cancellation first (through its `Ctx`) may have finished
            // in the same poll: a cancelled call is answered by nobody, whoever noticed first.
            let ended = match cancellation.is_cancelled() {
                true => Ended::Cancelled,
                false => ended,
            };
            outbound.finish();
            if let Some(round) = &round {
                round.end();
            }
            session.end_request(&id);
            let result = match ended {
                Ended::Cancelled => {
                    log_call(name, started, &Outcome::Cancelled, None);
                    return None;
                }
                Ended::NeedsInput => {
                    let (Some(round), Some(binding)) = (&round, &binding) else {
                        unreachable!("only a 2026-07-28 call needs input")
                    };
                    let response = round.answer(id, &session.server.shared.state_key, binding);
                    let outcome = match response.outcome.is_ok() {
                        true => Outcome::InputRequired,
                        false => Outcome::InvalidParams("InputResponses"),
                    };
                    log_call(name, started, &outcome, None);
                    return Some(response);
                }
                Ended::TimedOut => {
                    let error_id = random_id();
                    log_call(name, started, &Outcome::Timeout, Some(&error_id));
                    let limit = timeout.unwrap_or_default();
                    CallToolResult::error_text(format!(
                        "The tool did not finish within {} (error id: {error_id}).",
                        human_duration(limit)
                    ))
                }
                Ended::Ran(Err(_panic_payload)) => {
                    // The payload may hold anything the handler had in hand: it is dropped unread.
                    let error_id = random_id();
                    log_call(name, started, &Outcome::Panic, Some(&error_id));
                    internal_error_result(&error_id)
                }
                Ended::Ran(Ok(ToolOutcome::InvalidArguments(violations))) => {
                    log_call(name, started, &Outcome::InvalidParams("Narrowing"), None);
                    return Some(session.invalid_arguments(id, tool, version, violations));
                }
                Ended::Ran(Ok(ToolOutcome::Output(ToolOutput::Failure(
                    ToolFailure::MissingCapability {
                        capability,
                        message,
                    },
                )))) if version.is_modern() => {
                    log_call(name, started, &Outcome::MissingCapability, None);
                    let error = missing_capability(capability, message.into_owned());
                    return Some(Response::error(Some(id), error));
                }
                Ended::Ran(Ok(ToolOutcome::Output(output))) => finish(tool, output, started),
            };
            Some(Response::result(id, result.into_json(version)))
        };
        Answer::Pending(Box::pin(call))
    }

    /// Bad arguments: code -32602 with every violation, on the channel the version calls for.
    fn invalid_arguments(
        &self,
        id: RequestId,
        tool: &RegisteredTool,
        version: ProtocolVersion,
        violations: Violations,
    ) -> Response {
        let message = format!("Invalid arguments for tool `{}`", tool.descriptor.name);
        let as_tool_result = match self.server.shared.argument_errors {
            ArgumentErrorChannel::ByVersion => version.reports_bad_arguments_as_tool_errors(),
            ArgumentErrorChannel::JsonRpcError => false,
            ArgumentErrorChannel::ToolResult => true,
        };
        if !as_tool_result {
            let data = violations.error_data(json!({}));
            return Response::error(
                Some(id),
                ErrorObject::new(INVALID_PARAMS, format!("Invalid params: {message}"))
                    .with_data(data),
            );
        }
        // 2025-11-25, tools "Error Handling": input validation errors are tool execution errors,
        // so that the model can read them and correct its call.
        let text = violations.to_text(&message);
        let error = violations.error_data(json!({ "code": INVALID_PARAMS, "message": message }));
        // Tools, "Structured Content": with an output schema, structured results MUST conform
        // to it, and clients check (the TypeScript SDK rejects the whole result otherwise). So
        // a tool with an output schema gets the error in `_meta`, not in `structuredContent`.
        let (structured_content, meta) = match tool.descriptor.output_schema {
            None => (Some(json!({ "error": error })), None),
            Some(_) => (None, Some(json!({ ARGUMENT_ERROR_META_KEY: error }))),
        };
        let result = CallToolResult {
            content: vec![Content::text(text)],
            structured_content,
            is_error: true,
            meta,
        };
        Response::result(id, result.into_json(version))
    }
}

/// How a run ended.
enum Ended<R> {
    Cancelled,
    TimedOut,
    /// 2026-07-28: the tool asked the client for something the call did not bring.
    NeedsInput,
    Ran(R),
}

/// What `tools/call` params hold.
struct CallParams {
    name: String,
    arguments: Map<String, Value>,
    /// 2026-07-28, Multi Round-Trip Requests: answers to the server's requests, and the state it
    /// asked to have echoed.
    input_responses: Option<Value>,
    request_state: Option<Value>,
}

/// Reads `{name, arguments?}`; anything else is the wrong shape for `tools/call`.
fn call_params(params: Option<Value>) -> Result<CallParams, &'static str> {
    let Some(Value::Object(mut params)) = params else {
        return Err("`tools/call` needs an object with `name` and `arguments`");
    };
    let name = match params.remove("name") {
        Some(Value::String(name)) => name,
        _ => return Err("`name` must be a string"),
    };
    let arguments = match params.remove("arguments") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(arguments)) => arguments,
        Some(_) => return Err("`arguments` must be an object"),
    };
    Ok(CallParams {
        name,
        arguments,
        input_responses: params.remove("inputResponses"),
        request_state: params.remove("requestState"),
    })
}

fn finish(tool: &RegisteredTool, output: ToolOutput, started: Instant) -> CallToolResult {
    let name = tool.descriptor.name.as_str();
    match output {
        ToolOutput::Result(result) => {
            log_call(
                name,
                started,
                if result.is_error {
                    &Outcome::ToolError
                } else {
                    &Outcome::Ok
                },
                None,
            );
            result
        }
        ToolOutput::Structured(value) => {
            log_call(name, started, &Outcome::Ok, None);
            // Tools "Structured Content": a tool returning structured content SHOULD also return
            // it serialised in a text block, for clients that only read `content`.
            let text = value.to_string();
            let structured = if tool.wrap_output {
                json!({ "result": value })
            } else {
                value
            };
            CallToolResult {
                content: vec![Content::text(text)],
                structured_content: Some(structured),
                is_error: false,
                meta: None,
            }
        }
        ToolOutput::Failure(
            ToolFailure::UserFacing(message) | ToolFailure::MissingCapability { message, .. },
        ) => {
            log_call(name, started, &Outcome::ToolError, None);
            CallToolResult::error_text(message)
        }
        ToolOutput::Failure(ToolFailure::Internal { type_name }) => {
            let error_id = random_id();
            log_call(
                name,
                started,
                &Outcome::Internal(type_name),
                Some(&error_id),
            );
            internal_error_result(&error_id)
        }
    }
}

fn internal_error_result(error_id: &str) -> CallToolResult {
    CallToolResult::error_text(format!(
        "The tool failed with an internal error (error id: {error_id})."
    ))
}

/// `1500 ms` → `1.5s`, `90 s` → `90s`.
pub(super) fn human_duration(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis.is_multiple_of(1000) {
        format!("{}s", millis / 1000)
    } else if millis < 1000 {
        format!("{millis}ms")
    } else {
        format!("{:.1}s", duration.as_secs_f64())
    }
}
