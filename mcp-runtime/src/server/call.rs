//! `tools/call`: params, validation, the catch-all around the handler, and the error contract.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, PoisonError};
use std::time::Instant;

use futures_util::FutureExt;
use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;

use super::panic_guard::{self, Guarded};
use super::session::{Answer, Session};
use super::{ArgumentErrorChannel, RegisteredTool};
use crate::Ctx;
use crate::protocol::ProtocolVersion;
use crate::protocol::jsonrpc::{ErrorObject, INVALID_PARAMS, RequestId, Response};
use crate::protocol::messages::{CallToolResult, Content};
use crate::tool::{ToolArgs, ToolFailure, ToolOutcome, ToolOutput};
use crate::validate::Violation;

impl Session {
    pub(super) fn call_tool(
        self: &Arc<Self>,
        id: RequestId,
        params: Option<Value>,
        version: ProtocolVersion,
    ) -> Answer {
        let (name, arguments) = match call_params(params) {
            Ok(call) => call,
            Err(why) => {
                return Answer::Ready(Response::error(
                    Some(id),
                    ErrorObject::new(INVALID_PARAMS, format!("Invalid params: {why}")),
                ));
            }
        };
        let shared = &self.server.shared;
        let Some(&index) = shared.by_name.get(name.as_str()) else {
            return Answer::Ready(Response::error(
                Some(id),
                ErrorObject::new(
                    INVALID_PARAMS,
                    format!("Invalid params: unknown tool `{name}`"),
                ),
            ));
        };
        let tool = &shared.tools[index];
        let arguments = Value::Object(arguments);
        let violations = tool.validator.violations(&arguments);
        if !violations.is_empty() {
            return Answer::Ready(self.invalid_arguments(id, tool, version, violations));
        }
        let Value::Object(arguments) = arguments else {
            unreachable!("built as an object above")
        };

        let cancellation = CancellationToken::new();
        self.in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id.clone(), cancellation.clone());
        let ctx = Ctx::new(id.clone(), version, cancellation.clone());
        let session = Arc::clone(self);
        Answer::Pending(Box::pin(async move {
            let tool = &session.server.shared.tools[index];
            let started = Instant::now();
            // The catch-all: a panic anywhere in narrowing or in the handler's future becomes a result.
            let run = AssertUnwindSafe(Guarded((tool.call)(ctx, ToolArgs::new(arguments))))
                .catch_unwind();
            let outcome = tokio::select! {
                biased;
                // Cancellation: the receiver SHOULD stop processing and MUST NOT respond.
                () = cancellation.cancelled() => None,
                outcome = run => Some(outcome),
            };
            session
                .in_flight
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&id);
            let elapsed_ms = started.elapsed().as_millis() as u64;
            let Some(outcome) = outcome else {
                tracing::info!(
                    tool_name = tool.descriptor.name,
                    duration_ms = elapsed_ms,
                    outcome = "cancelled",
                    "tool call"
                );
                return None;
            };
            Some(match outcome {
                Ok(ToolOutcome::InvalidArguments(violations)) => {
                    session.invalid_arguments(id, tool, version, violations)
                }
                Ok(ToolOutcome::Output(output)) => {
                    Response::result(id, finish(tool, output, elapsed_ms).to_json(version))
                }
                Err(_panic_payload) => {
                    // The payload may hold anything the handler had in hand: it is dropped unread.
                    let error_id = new_error_id();
                    let panic_location = panic_guard::take_location();
                    tracing::error!(
                        tool_name = tool.descriptor.name,
                        duration_ms = elapsed_ms,
                        outcome = "panic",
                        error_id,
                        panic_location,
                        "tool call"
                    );
                    Response::result(id, internal_error_result(&error_id).to_json(version))
                }
            })
        }))
    }

    /// Bad arguments: code -32602 with every violation, on the channel the version calls for.
    fn invalid_arguments(
        &self,
        id: RequestId,
        tool: &RegisteredTool,
        version: ProtocolVersion,
        violations: Vec<Violation>,
    ) -> Response {
        let name = &tool.descriptor.name;
        tracing::info!(
            tool_name = name,
            outcome = "invalid_params",
            error_code = INVALID_PARAMS,
            "tool call"
        );
        let message = format!("Invalid arguments for tool `{name}`");
        let as_tool_result = match self.server.shared.argument_errors {
            ArgumentErrorChannel::ByVersion => version.reports_bad_arguments_as_tool_errors(),
            ArgumentErrorChannel::JsonRpcError => false,
            ArgumentErrorChannel::ToolResult => true,
        };
        if !as_tool_result {
            let data = json!({ "violations": violations });
            return Response::error(
                Some(id),
                ErrorObject::new(INVALID_PARAMS, format!("Invalid params: {message}"))
                    .with_data(data),
            );
        }
        // 2025-11-25, tools "Error Handling": input validation errors are tool execution errors,
        // so that the model can read them and correct its call.
        let mut text = format!("{message}:");
        for violation in &violations {
            let at = if violation.path.is_empty() {
                "(arguments)"
            } else {
                violation.path.as_str()
            };
            text.push_str(&format!("\n- {at}: {}", violation.message));
        }
        let error = json!({ "code": INVALID_PARAMS, "message": message, "violations": violations });
        let result = CallToolResult {
            content: vec![Content::text(text)],
            structured_content: Some(json!({ "error": error })),
            is_error: true,
        };
        Response::result(id, result.to_json(version))
    }
}

/// Reads `{name, arguments?}`; anything else is the wrong shape for `tools/call`.
fn call_params(params: Option<Value>) -> Result<(String, Map<String, Value>), &'static str> {
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
    Ok((name, arguments))
}

fn finish(tool: &RegisteredTool, output: ToolOutput, duration_ms: u64) -> CallToolResult {
    let name = tool.descriptor.name.as_str();
    match output {
        ToolOutput::Result(result) => {
            let outcome = if result.is_error { "tool_error" } else { "ok" };
            tracing::info!(tool_name = name, duration_ms, outcome, "tool call");
            result
        }
        ToolOutput::Structured(value) => {
            tracing::info!(tool_name = name, duration_ms, outcome = "ok", "tool call");
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
            }
        }
        ToolOutput::Failure(ToolFailure::UserFacing(message)) => {
            tracing::info!(
                tool_name = name,
                duration_ms,
                outcome = "tool_error",
                "tool call"
            );
            CallToolResult::error_text(message)
        }
        ToolOutput::Failure(ToolFailure::Internal { type_name }) => {
            let error_id = new_error_id();
            tracing::error!(
                tool_name = name,
                duration_ms,
                outcome = "tool_error",
                error_class = type_name,
                error_id,
                "tool call"
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

/// A short id that ties what the client saw to the log line: 16 hex digits, unpredictable.
fn new_error_id() -> String {
    use std::hash::BuildHasher;
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{:016x}", std::hash::RandomState::new().hash_one(n))
}
