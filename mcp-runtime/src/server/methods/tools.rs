//! `tools/list` and `tools/call`: params, validation against the advertised schema, the error
//! contract, and the shape of results.

use std::sync::Arc;

use serde_json::{Map, Value, json};
use tracing::Instrument;
use tracing::field::Empty;

use crate::context::mrtr::CallBinding;
use crate::failure::ToolFailure;
use crate::protocol::ProtocolVersion;
use crate::protocol::jsonrpc::{ErrorObject, INVALID_PARAMS, RequestId, Response};
use crate::protocol::messages::{CallToolResult, Content};
use crate::server::exchange::{Exchange, Reply};
use crate::server::handle::{ArgumentErrorChannel, ScopeRefusal};
use crate::server::idempotency::{Claim, FirstEnd, IDEMPOTENCY_KEY_META, Ticket};
use crate::server::invoke::{Ended, Invocation, LimitCheck, Limited};
use crate::server::outcome::{Kind, Outcome, Record, UNKNOWN};
use crate::server::pagination::{page_bounds, page_result};
use crate::server::registry::RegisteredTool;
use crate::tool::{ToolArgs, ToolOutcome, ToolOutput};
use crate::validate::{Violations, clipped};

use super::missing_capability;

/// `_meta` key of an `isError` result that carries `{code, message, violations}` for a tool whose
/// output schema leaves no room for it in `structuredContent`.
pub const ARGUMENT_ERROR_META_KEY: &str = "rs.mcp-runtime/error";

pub(in crate::server) fn list(exchange: Exchange<'_>) -> Reply {
    let tools = exchange.server().tool_set();
    let tools = &tools.tools;
    let (start, end) =
        match page_bounds(exchange.params(), tools.len(), exchange.shared().page_size) {
            Ok(bounds) => bounds,
            Err(error) => return exchange.error(error),
        };
    let version = exchange.version;
    let page: Vec<Value> = tools[start..end]
        .iter()
        .map(|tool| tool.descriptor.to_json(version))
        .collect();
    let len = tools.len();
    exchange.result(page_result("tools", page, end, len))
}

/// Runs a call inside its `tool_call` span (a child of the request span): the span carries
/// `tool_name`, `outcome` and `duration_ms`, for tracing exporters such as OpenTelemetry.
pub(in crate::server) fn call(exchange: Exchange<'_>) -> Reply {
    // `principal_hash` is the caller's digest when the server authenticates; `otel.status_code`
    // marks failed calls for tracing backends.
    let span = tracing::info_span!(
        "tool_call",
        tool_name = Empty,
        outcome = Empty,
        duration_ms = Empty,
        principal_hash = Empty,
        otel.status_code = Empty
    );
    let _entered = span.enter();
    match start(exchange) {
        Reply::Later(call) => Reply::Later(Box::pin(call.instrument(span.clone()))),
        reply => reply,
    }
}

fn start(mut exchange: Exchange<'_>) -> Reply {
    let mut record = Record::start(Kind::Tool, UNKNOWN);
    record.by(exchange.principal());
    let params = match call_params(exchange.params.take()) {
        Ok(params) => params,
        Err(why) => {
            record.finish(Outcome::InvalidParams("InvalidParams"));
            return exchange.invalid_params(why);
        }
    };
    let tools = exchange.server().tool_set();
    let Some(tool) = tools.get(&params.name).map(Arc::clone) else {
        record.finish(Outcome::InvalidParams("UnknownTool"));
        let why = format!("unknown tool `{}`", clipped(&params.name));
        return exchange.invalid_params(&why);
    };
    record.named(tool.name);
    if let Err(refusal) = exchange.admit(tool.scopes) {
        record.finish(Outcome::Refused(refusal.class()));
        return match exchange.shared().scope_refusal {
            ScopeRefusal::Forbidden => exchange.error(refusal.error()),
            ScopeRefusal::ToolResult => {
                let result = CallToolResult::error_text(refusal.error().message);
                let version = exchange.version;
                exchange.result(result.into_json(version))
            }
        };
    }
    let arguments = Value::Object(params.arguments);
    let violations = tool.validator.violations(&arguments);
    let channel = exchange.shared().argument_errors;
    if !violations.is_empty() {
        record.finish(Outcome::InvalidParams("InvalidArguments"));
        let response = invalid_arguments(exchange.id, &tool, exchange.version, channel, violations);
        return Reply::Now(response);
    }
    let Value::Object(arguments) = arguments else {
        unreachable!("built as an object above")
    };
    let ticket = match &params.idempotency_key {
        None => None,
        Some(key) => {
            let subject = crate::limits::subject(exchange.extensions);
            let shared = exchange.shared();
            let window = shared.idempotency_window;
            match shared
                .idempotency
                .claim(&subject, tool.name, key, &arguments, window)
            {
                Claim::Run(ticket) => Some(ticket),
                Claim::Replay(result) => {
                    record.finish(Outcome::Replayed);
                    return exchange.result(result);
                }
                Claim::Wait(first) => {
                    record.finish(Outcome::Replayed);
                    return Reply::Later(Box::pin(replay_when_done(
                        exchange.id,
                        exchange.version,
                        first,
                    )));
                }
                Claim::Conflict => {
                    record.finish(Outcome::InvalidParams("IdempotencyConflict"));
                    let why = "this idempotency key was used for a call with other arguments";
                    return exchange.invalid_params(why);
                }
            }
        }
    };
    let binding = || CallBinding::new(&tool.descriptor.name, &arguments);
    let round = match exchange.open_round(binding, params.input_responses, params.request_state) {
        Ok(round) => round,
        Err(error) => {
            record.finish(Outcome::InvalidParams("InputResponses"));
            return exchange.error(error);
        }
    };
    let version = exchange.version;
    let invocation = Invocation {
        record,
        timeout: tool.timeout.or(exchange.shared().tool_timeout),
        round,
        limits: limit_check(&exchange, &tool),
    };
    let handler = {
        let tool = Arc::clone(&tool);
        move |ctx| (tool.call)(ctx, ToolArgs::new(arguments))
    };
    let reply = exchange.invoke(invocation, handler, move |ended, record, id| {
        let result = match ended {
            Ended::TimedOut(limit) => {
                let error_id = record.fail(Outcome::Timeout);
                CallToolResult::error_text(format!(
                    "The tool did not finish within {} (error id: {error_id}).",
                    crate::failure::human_duration(limit)
                ))
            }
            Ended::Panicked => internal_error_result(&record.fail(Outcome::Panic)),
            Ended::Ran(ToolOutcome::InvalidArguments(violations)) => {
                record.set(Outcome::InvalidParams("Narrowing"));
                return invalid_arguments(id, &tool, version, channel, violations);
            }
            Ended::Ran(ToolOutcome::Output(ToolOutput::Failure(
                ToolFailure::MissingCapability {
                    capability,
                    message,
                },
            ))) if version.is_modern() => {
                record.set(Outcome::MissingCapability);
                let error = missing_capability(capability, message.into_owned());
                return Response::error(Some(id), error);
            }
            Ended::Ran(ToolOutcome::Output(output)) => tool_result(&tool, output, record),
        };
        Response::result(id, result.into_json(version))
    });
    match ticket {
        Some(ticket) => remember(reply, ticket),
        None => reply,
    }
}

/// A first call's reply that reports its end to `ticket` (its result is replayed to retries).
fn remember(reply: Reply, ticket: Ticket) -> Reply {
    match reply {
        Reply::Later(call) => Reply::Later(Box::pin(async move {
            let response = call.await;
            ticket.finish(response.as_ref().and_then(|r| r.outcome.as_ref().ok()));
            response
        })),
        Reply::Now(response) => {
            ticket.finish(response.outcome.as_ref().ok());
            Reply::Now(response)
        }
        Reply::Silent => Reply::Silent,
    }
}

/// A duplicate of a running call: the first's result once it has one; if it ended with none
/// (an error, a cancellation), an `isError` result asking for a retry, which will run.
async fn replay_when_done(
    id: RequestId,
    version: ProtocolVersion,
    mut first: FirstEnd,
) -> Option<Response> {
    let ended = first
        .wait_for(Option::is_some)
        .await
        .ok()
        .and_then(|e| e.clone());
    Some(match ended.flatten() {
        Some(result) => Response::result(id, result),
        None => Response::result(
            id,
            CallToolResult::error_text(
                "The first call with this idempotency key ended without a result; retry it.",
            )
            .into_json(version),
        ),
    })
}

/// The tool's call rate and budget for this call's subject (its principal, else its client's
/// address), when it has either: an override by name wins over what the tool declares.
fn limit_check(exchange: &Exchange<'_>, tool: &RegisteredTool) -> Option<LimitCheck> {
    let limits = exchange.server().tool_limits();
    let rate = limits.rates.get(tool.name).copied().or(tool.rate_limit);
    let budget = limits.budgets.get(tool.name).copied().or(tool.budget);
    if rate.is_none() && budget.is_none() {
        return None;
    }
    Some(LimitCheck {
        limiter: Arc::clone(&limits.limiter),
        tool: tool.name,
        subject: crate::limits::subject(exchange.extensions),
        rate,
        budget: budget.map(|budget| (budget, tool.cost)),
        answer: limited_result,
        version: exchange.version,
    })
}

/// Issue "rate limits", per-tool layers: over a limit → an `isError` result saying when to
/// retry; the session stays open and other tools keep working.
fn limited_result(id: RequestId, version: ProtocolVersion, limited: &Limited) -> Response {
    let what = match limited.budget {
        false => format!("this tool allows {} calls per principal", limited.rate),
        true => format!("this tool's budget is {} units per principal", limited.rate),
    };
    let mut result = CallToolResult::error_text(format!(
        "Rate limited: {what}; retry in {} s.",
        limited.retry_after_secs
    ))
    .into_json(version);
    result["_meta"] = json!({ RETRY_AFTER_META_KEY: limited.retry_after_secs });
    Response::result(id, result)
}

/// `_meta` key of a rate-limited call's `isError` result: seconds until a retry can succeed.
pub const RETRY_AFTER_META_KEY: &str = "rs.mcp-runtime/retryAfterSeconds";

/// Bad arguments: code -32602 with every violation, on the channel the version calls for.
fn invalid_arguments(
    id: RequestId,
    tool: &RegisteredTool,
    version: ProtocolVersion,
    channel: ArgumentErrorChannel,
    violations: Violations,
) -> Response {
    let message = format!("Invalid arguments for tool `{}`", tool.descriptor.name);
    let as_tool_result = match channel {
        ArgumentErrorChannel::ByVersion => version.reports_bad_arguments_as_tool_errors(),
        ArgumentErrorChannel::JsonRpcError => false,
        ArgumentErrorChannel::ToolResult => true,
    };
    if !as_tool_result {
        let data = violations.error_data(json!({}));
        return Response::error(
            Some(id),
            ErrorObject::new(INVALID_PARAMS, format!("Invalid params: {message}")).with_data(data),
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

/// What `tools/call` params hold.
struct CallParams {
    name: String,
    /// `_meta["rs.mcp-runtime/idempotencyKey"]`.
    idempotency_key: Option<String>,
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
    let idempotency_key = match params
        .get("_meta")
        .and_then(|meta| meta.get(IDEMPOTENCY_KEY_META))
    {
        None => None,
        Some(Value::String(key)) if (1..=255).contains(&key.len()) => Some(key.clone()),
        Some(_) => {
            return Err("`_meta.rs.mcp-runtime/idempotencyKey` must be a string of 1 to 255 bytes");
        }
    };
    let arguments = match params.remove("arguments") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(arguments)) => arguments,
        Some(_) => return Err("`arguments` must be an object"),
    };
    Ok(CallParams {
        name,
        idempotency_key,
        arguments,
        input_responses: params.remove("inputResponses"),
        request_state: params.remove("requestState"),
    })
}

/// A handler's output as a tool result, with its outcome recorded.
fn tool_result(tool: &RegisteredTool, output: ToolOutput, record: &mut Record) -> CallToolResult {
    match output {
        ToolOutput::Result(result) => {
            record.set(match result.is_error {
                true => Outcome::ToolError,
                false => Outcome::Ok,
            });
            result
        }
        ToolOutput::Structured(value) => {
            // Tools "Structured Content": a tool returning structured content SHOULD also return
            // it serialised in a text block, for clients that only read `content`.
            let text = value.to_string();
            let structured = match tool.wrap_output {
                true => json!({ "result": value }),
                false => value,
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
            record.set(Outcome::ToolError);
            CallToolResult::error_text(message)
        }
        ToolOutput::Failure(ToolFailure::Internal { type_name, trace }) => {
            internal_error_result(&record.fail_internal(type_name, trace))
        }
    }
}

fn internal_error_result(error_id: &str) -> CallToolResult {
    CallToolResult::error_text(format!(
        "The tool failed with an internal error (error id: {error_id})."
    ))
}
