//! `completion/complete`: the completion hook of a prompt argument or template variable.

use std::collections::HashMap;

use serde_json::Value;

use super::handler_error;
use super::prompts::string_map;
use crate::completion::{CompletionRequest, Completions};
use crate::protocol::ProtocolVersion;
use crate::protocol::jsonrpc::Response;
use crate::server::exchange::{Exchange, Reply};
use crate::server::invoke::{Ended, Invocation};
use crate::server::outcome::{Kind, Record};
use crate::validate::clipped;

/// The version completion failures are worded for: completion hooks get no `Ctx`, so they never
/// ask the client for anything, and no version-dependent failure comes from them.
const NO_CTX: ProtocolVersion = ProtocolVersion::V2025_11_25;

/// The hook of the prompt argument or template variable, or no suggestions when it has none.
pub(in crate::server) fn complete(exchange: Exchange<'_>) -> Reply {
    let Some((reference, request)) = completion_params(exchange.params()) else {
        return exchange.invalid_params(
            "`completion/complete` needs `ref` ({type, name} or {type, uri}) and `argument` ({name, value})",
        );
    };
    let catalog = &exchange.shared().catalog;
    let params = match &reference {
        Reference::Prompt(name) => catalog.prompt(name).map(|prompt| &prompt.params),
        Reference::Template(uri) => catalog.template(uri).map(|resource| &resource.params),
    };
    let Some(params) = params else {
        let message = match reference {
            Reference::Prompt(name) => format!("unknown prompt `{}`", clipped(&name)),
            Reference::Template(uri) => format!("unknown resource template `{}`", clipped(&uri)),
        };
        return exchange.invalid_params(&message);
    };
    let Some(param) = params.iter().find(|param| param.name == request.argument) else {
        let message = format!("no argument `{}` to complete", clipped(&request.argument));
        return exchange.invalid_params(&message);
    };
    let Some(hook) = &param.complete else {
        return exchange.result(Completions::default().into_json());
    };
    let invocation = Invocation {
        record: Record::start(Kind::Completion, param.name),
        timeout: None,
        round: None,
        limits: None,
    };
    exchange.invoke(
        invocation,
        |_ctx| hook(request),
        |ended, record, id| {
            let failure = match ended {
                Ended::Ran(Ok(completions)) => {
                    return Response::result(id, completions.into_json());
                }
                Ended::Ran(Err(failure)) => Some(failure),
                Ended::Panicked | Ended::TimedOut(_) => None,
            };
            Response::error(Some(id), handler_error(failure, NO_CTX, record))
        },
    )
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
