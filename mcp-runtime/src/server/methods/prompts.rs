//! `prompts/list` and `prompts/get`.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::handler_error;
use crate::context::mrtr::CallBinding;
use crate::prompt::PromptOutcome;
use crate::protocol::jsonrpc::{ErrorObject, INVALID_PARAMS, Response};
use crate::server::catalog::RegisteredParam;
use crate::server::exchange::{Exchange, Reply};
use crate::server::invoke::{Ended, Invocation};
use crate::server::outcome::{Kind, Outcome, Record, UNKNOWN};
use crate::server::pagination::{page_bounds, page_result};
use crate::text_args::TextArgs;
use crate::validate::clipped;

pub(in crate::server) fn list(exchange: Exchange<'_>) -> Reply {
    let prompts = &exchange.shared().catalog.prompts;
    let page_size = exchange.shared().page_size;
    let (start, end) = match page_bounds(exchange.params(), prompts.len(), page_size) {
        Ok(bounds) => bounds,
        Err(error) => return exchange.error(error),
    };
    let version = exchange.version;
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
    let result = page_result("prompts", page, end, prompts.len());
    exchange.result(result)
}

pub(in crate::server) fn get(mut exchange: Exchange<'_>) -> Reply {
    let mut record = Record::start(Kind::Prompt, UNKNOWN);
    let Some(name) = exchange.param_str("name").map(str::to_owned) else {
        return exchange.invalid_params("`name` must be a string");
    };
    let arguments = match exchange.params().and_then(|p| p.get("arguments")) {
        None | Some(Value::Null) => HashMap::new(),
        Some(arguments) => match string_map(arguments) {
            Some(arguments) => arguments,
            None => return exchange.invalid_params("`arguments` must be an object of strings"),
        },
    };
    let Some(prompt) = exchange.shared().catalog.prompt(&name) else {
        record.finish(Outcome::InvalidParams("UnknownPrompt"));
        // server/prompts, "Error Handling": an invalid prompt name is -32602.
        return exchange.invalid_params(&format!("unknown prompt `{}`", clipped(&name)));
    };
    let name = prompt.meta.name;
    record.named(name);
    record.by(exchange.principal());
    if let Err(refusal) = exchange.admit(prompt.meta.scopes) {
        record.finish(Outcome::Refused(refusal.class()));
        return exchange.error(refusal.error());
    }
    if let Some(unknown) = arguments
        .keys()
        .find(|key| !prompt.params.iter().any(|param| param.name == key.as_str()))
    {
        record.finish(Outcome::InvalidParams("UnknownArgument"));
        let message = format!("prompt `{name}` has no argument `{}`", clipped(unknown));
        return exchange.invalid_params(&message);
    }
    // 2026-07-28: a prompt asks the client through Multi Round-Trip Requests, as a tool does
    // (basic/patterns/mrtr: `prompts/get` is one of the requests that may answer
    // `input_required`); the state is bound to the prompt and its arguments.
    let binding = || {
        let bound: Map<String, Value> = arguments
            .iter()
            .map(|(key, value)| (key.clone(), json!(value)))
            .collect();
        CallBinding::new(&format!("prompts/get {name}"), &bound)
    };
    let responses = exchange
        .params()
        .and_then(|p| p.get("inputResponses"))
        .cloned();
    let state = exchange
        .params()
        .and_then(|p| p.get("requestState"))
        .cloned();
    let round = match exchange.open_round(binding, responses, state) {
        Ok(round) => round,
        Err(error) => {
            record.finish(Outcome::InvalidParams("InputResponses"));
            return exchange.error(error);
        }
    };
    let version = exchange.version;
    let invocation = Invocation {
        record,
        timeout: None,
        round,
        limits: None,
    };
    let handler = |ctx| (prompt.get)(ctx, TextArgs::new(arguments));
    exchange.invoke(invocation, handler, move |ended, record, id| {
        let error = match ended {
            Ended::Ran(PromptOutcome::Output(Ok(messages))) => {
                return Response::result(id, messages.to_json());
            }
            Ended::Ran(PromptOutcome::InvalidArguments(violations)) => {
                record.set(Outcome::InvalidParams("InvalidArguments"));
                ErrorObject::new(
                    INVALID_PARAMS,
                    format!("Invalid params: invalid arguments for prompt `{name}`"),
                )
                .with_data(violations.error_data(json!({})))
            }
            Ended::Ran(PromptOutcome::Output(Err(failure))) => {
                handler_error(Some(failure), version, record)
            }
            Ended::Panicked | Ended::TimedOut(_) => handler_error(None, version, record),
        };
        Response::error(Some(id), error)
    })
}

fn argument_json(param: &RegisteredParam) -> Value {
    let mut argument = json!({"name": param.name, "required": param.required});
    if let Some(description) = param.description {
        argument["description"] = json!(description);
    }
    argument
}

pub(super) fn string_map(value: &Value) -> Option<HashMap<String, String>> {
    value
        .as_object()?
        .iter()
        .map(|(key, value)| Some((key.clone(), value.as_str()?.to_owned())))
        .collect()
}
