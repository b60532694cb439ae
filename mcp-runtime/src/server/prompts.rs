//! `prompts/list`, `prompts/get` and `completion/complete`.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use futures_util::FutureExt;
use serde_json::{Map, Value, json};

use super::catalog::{HandlerEnd, RegisteredParam, handler_failure, log_handler};
use super::mrtr::{CallBinding, InputRound};
use super::panic_guard::Guarded;
use super::session::{Answer, Session, page_bounds, page_result};
use crate::completion::{CompletionRequest, Completions};
use crate::context::NotificationSink;
use crate::prompt::PromptOutcome;
use crate::protocol::ProtocolVersion;
use crate::protocol::jsonrpc::{ErrorObject, INVALID_PARAMS, RequestId, Response};
use crate::protocol::meta::RequestMeta;
use crate::text_args::TextArgs;
use crate::validate::clipped;

impl Session {
    pub(super) fn list_prompts(
        &self,
        id: RequestId,
        params: Option<&Value>,
        version: ProtocolVersion,
    ) -> Response {
        let prompts = &self.server.shared.catalog.prompts;
        let (start, end) = match page_bounds(params, prompts.len(), self.server.shared.page_size) {
            Ok(bounds) => bounds,
            Err(error) => return Response::error(Some(id), error),
        };
        let page: Vec<Value> = prompts[start..end]
            .iter()
            .map(|prompt| {
                let meta = &prompt.meta;
                let mut entry = Map::new();
                entry.insert("name".into(), json!(meta.name));
                if let (Some(title), true) = (meta.title, version.has_structured_output()) {
                    entry.insert("title".into(), json!(title));
                }
                if let Some(description) = meta.description {
                    entry.insert("description".into(), json!(description));
                }
                let arguments: Vec<Value> = prompt.params.iter().map(argument_json).collect();
                entry.insert("arguments".into(), Value::Array(arguments));
                Value::Object(entry)
            })
            .collect();
        Response::result(id, page_result("prompts", page, end, prompts.len()))
    }

    pub(super) fn get_prompt(
        self: &Arc<Self>,
        id: RequestId,
        params: Option<&Value>,
        version: ProtocolVersion,
        mut meta: RequestMeta,
        sink: &NotificationSink,
    ) -> Answer {
        let started = Instant::now();
        let Some(name) = params.and_then(|p| p.get("name")).and_then(Value::as_str) else {
            return Answer::Ready(invalid_params(id, "`name` must be a string"));
        };
        let arguments = match params.and_then(|p| p.get("arguments")) {
            None | Some(Value::Null) => HashMap::new(),
            Some(arguments) => match string_map(arguments) {
                Some(arguments) => arguments,
                None => {
                    return Answer::Ready(invalid_params(
                        id,
                        "`arguments` must be an object of strings",
                    ));
                }
            },
        };
        let Some(prompt) = self.server.shared.catalog.prompt(name) else {
            log_handler("prompt", "<unknown>", started, "invalid_params");
            // server/prompts, "Error Handling": an invalid prompt name is -32602.
            let message = format!("unknown prompt `{}`", clipped(name));
            return Answer::Ready(invalid_params(id, &message));
        };
        let name = prompt.meta.name;
        if let Some(unknown) = arguments
            .keys()
            .find(|key| !prompt.params.iter().any(|param| param.name == key.as_str()))
        {
            log_handler("prompt", name, started, "invalid_params");
            let message = format!("prompt `{name}` has no argument `{}`", clipped(unknown));
            return Answer::Ready(invalid_params(id, &message));
        }
        // 2026-07-28: a prompt asks the client through Multi Round-Trip Requests, as a tool does
        // (basic/patterns/mrtr: `prompts/get` is one of the requests that may answer
        // `input_required`); the state is bound to the prompt and its arguments.
        let input = match version.is_modern() {
            false => None,
            true => {
                let bound: Map<String, Value> = arguments
                    .iter()
                    .map(|(key, value)| (key.clone(), json!(value)))
                    .collect();
                let binding = CallBinding::new(&format!("prompts/get {name}"), &bound);
                let capabilities = std::mem::take(&mut meta.client_capabilities);
                let responses = params.and_then(|p| p.get("inputResponses")).cloned();
                let state = params.and_then(|p| p.get("requestState")).cloned();
                let key = &self.server.shared.state_key;
                match InputRound::open(key, &binding, capabilities, responses, state) {
                    Ok(round) => Some((Arc::new(round), binding)),
                    Err(error) => {
                        log_handler("prompt", name, started, "invalid_params");
                        return Answer::Ready(Response::error(Some(id), error));
                    }
                }
            }
        };
        let round = input.as_ref().map(|(round, _)| Arc::clone(round));
        let run = self.run_handler(&id, version, meta, sink, round, |ctx| {
            (prompt.get)(ctx, TextArgs::new(arguments))
        });
        let session = Arc::clone(self);
        Answer::Pending(Box::pin(async move {
            let answer =
                match run.await {
                    HandlerEnd::Cancelled => {
                        log_handler("prompt", name, started, "cancelled");
                        return None;
                    }
                    HandlerEnd::NeedsInput => {
                        let Some((round, binding)) = &input else {
                            unreachable!("only a 2026-07-28 request needs input")
                        };
                        let response = round.answer(id, &session.server.shared.state_key, binding);
                        let outcome = match response.outcome.is_ok() {
                            true => "input_required",
                            false => "invalid_params",
                        };
                        log_handler("prompt", name, started, outcome);
                        return Some(response);
                    }
                    HandlerEnd::Panicked => {
                        Err(handler_failure(None, version, "prompt", name, started))
                    }
                    HandlerEnd::Finished(PromptOutcome::InvalidArguments(violations)) => {
                        log_handler("prompt", name, started, "invalid_params");
                        Err(ErrorObject::new(
                            INVALID_PARAMS,
                            format!("Invalid params: invalid arguments for prompt `{name}`"),
                        )
                        .with_data(violations.error_data(json!({}))))
                    }
                    HandlerEnd::Finished(PromptOutcome::Output(Err(failure))) => Err(
                        handler_failure(Some(failure), version, "prompt", name, started),
                    ),
                    HandlerEnd::Finished(PromptOutcome::Output(Ok(messages))) => {
                        log_handler("prompt", name, started, "ok");
                        Ok(messages.to_json())
                    }
                };
            Some(match answer {
                Ok(result) => Response::result(id, result),
                Err(error) => Response::error(Some(id), error),
            })
        }))
    }

    /// `completion/complete`: the hook of the prompt argument or template variable, or no
    /// suggestions when it has none.
    pub(super) fn complete(&self, id: RequestId, params: Option<&Value>) -> Answer {
        let Some((reference, request)) = completion_params(params) else {
            return Answer::Ready(invalid_params(
                id,
                "`completion/complete` needs `ref` ({type, name} or {type, uri}) and `argument` ({name, value})",
            ));
        };
        let catalog = &self.server.shared.catalog;
        let params = match &reference {
            Reference::Prompt(name) => catalog.prompt(name).map(|prompt| &prompt.params),
            Reference::Template(uri) => catalog.template(uri).map(|resource| &resource.params),
        };
        let Some(params) = params else {
            let message = match reference {
                Reference::Prompt(name) => format!("unknown prompt `{}`", clipped(&name)),
                Reference::Template(uri) => {
                    format!("unknown resource template `{}`", clipped(&uri))
                }
            };
            return Answer::Ready(invalid_params(id, &message));
        };
        let Some(param) = params.iter().find(|param| param.name == request.argument) else {
            let message = format!("no argument `{}` to complete", clipped(&request.argument));
            return Answer::Ready(invalid_params(id, &message));
        };
        let Some(hook) = &param.complete else {
            return Answer::Ready(Response::result(id, Completions::default().into_json()));
        };
        let started = Instant::now();
        let name = param.name;
        let pending = AssertUnwindSafe(Guarded(hook(request))).catch_unwind();
        Answer::Pending(Box::pin(async move {
            Some(match pending.await {
                Ok(Ok(completions)) => Response::result(id, completions.into_json()),
                Ok(Err(failure)) => Response::error(
                    Some(id),
                    handler_failure(Some(failure), NO_CTX, "completion", name, started),
                ),
                Err(_panic_payload) => Response::error(
                    Some(id),
                    handler_failure(None, NO_CTX, "completion", name, started),
                ),
            })
        }))
    }
}

/// The version completion failures are worded for: completion hooks get no `Ctx`, so they never
/// ask the client for anything, and no version-dependent failure comes from them.
const NO_CTX: ProtocolVersion = ProtocolVersion::V2025_11_25;

fn argument_json(param: &RegisteredParam) -> Value {
    let mut argument = json!({"name": param.name, "required": param.required});
    if let Some(description) = param.description {
        argument["description"] = json!(description);
    }
    argument
}

enum Reference {
    Prompt(String),
    Template(String),
}

fn completion_params(params: Option<&Value>) -> Option<(Reference, CompletionRequest)> {
    let params = params?;
    let reference = params.get("ref")?;
    let reference = match reference.get("type")?.as_str()? {
        "ref/prompt" => Reference::Prompt(reference.get("name")?.as_str()?.to_owned()),
        "ref/resource" => Reference::Template(reference.get("uri")?.as_str()?.to_owned()),
        _ => return None,
    };
    let argument = params.get("argument")?;
    let context = match params.get("context").and_then(|c| c.get("arguments")) {
        None | Some(Value::Null) => HashMap::new(),
        Some(arguments) => string_map(arguments)?,
    };
    Some((
        reference,
        CompletionRequest {
            argument: argument.get("name")?.as_str()?.to_owned(),
            value: argument.get("value")?.as_str()?.to_owned(),
            context,
        },
    ))
}

fn string_map(value: &Value) -> Option<HashMap<String, String>> {
    value
        .as_object()?
        .iter()
        .map(|(key, value)| Some((key.clone(), value.as_str()?.to_owned())))
        .collect()
}

fn invalid_params(id: RequestId, why: &str) -> Response {
    Response::error(
        Some(id),
        ErrorObject::new(INVALID_PARAMS, format!("Invalid params: {why}")),
    )
}
