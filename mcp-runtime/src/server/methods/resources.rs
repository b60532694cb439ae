//! `resources/list`, `resources/templates/list`, `resources/read`, and (legacy versions)
//! `resources/subscribe` / `resources/unsubscribe`.

use std::borrow::Cow;
use std::sync::PoisonError;

use serde_json::{Map, Value, json};

use super::handler_error;
use crate::protocol::ProtocolVersion;
use crate::protocol::jsonrpc::{ErrorObject, INVALID_PARAMS, Response};
use crate::resource::{ResourceBody, ResourceContents, ResourceOutcome, ResourceOutput};
use crate::server::catalog::RegisteredResource;
use crate::server::exchange::{Exchange, Reply};
use crate::server::invoke::{Ended, Invocation};
use crate::server::outcome::{Kind, Outcome, Record, UNKNOWN};
use crate::server::pagination::{page_bounds, page_result};
use crate::text_args::TextArgs;
use crate::validate::clipped;

/// Legacy versions' "Resource not found" (server/resources, "Error Handling"); 2026-07-28 uses
/// -32602 instead.
pub const RESOURCE_NOT_FOUND: i32 = -32002;

/// `resources/list`: the fixed URIs, paginated.
pub(in crate::server) fn list(exchange: Exchange<'_>) -> Reply {
    list_of(exchange, false)
}

/// `resources/templates/list`: the templates, paginated.
pub(in crate::server) fn list_templates(exchange: Exchange<'_>) -> Reply {
    list_of(exchange, true)
}

fn list_of(exchange: Exchange<'_>, templates: bool) -> Reply {
    let catalog = &exchange.shared().catalog;
    let listed: Vec<&RegisteredResource> = catalog
        .resources
        .iter()
        .filter(|resource| resource.template.is_some() == templates)
        .collect();
    let page_size = exchange.shared().page_size;
    let (start, end) = match page_bounds(exchange.params(), listed.len(), page_size) {
        Ok(bounds) => bounds,
        Err(error) => return exchange.error(error),
    };
    let (key, uri_key) = match templates {
        true => ("resourceTemplates", "uriTemplate"),
        false => ("resources", "uri"),
    };
    let version = exchange.version;
    let page: Vec<Value> = listed[start..end]
        .iter()
        .map(|resource| {
            let meta = &resource.meta;
            let mut entry = Map::new();
            entry.insert(uri_key.into(), json!(meta.uri));
            entry.insert("name".into(), json!(meta.name));
            if let (Some(title), true) = (meta.title, version.has_structured_output()) {
                entry.insert("title".into(), json!(title));
            }
            if let Some(description) = meta.description {
                entry.insert("description".into(), json!(description));
            }
            if let Some(mime_type) = meta.mime_type {
                entry.insert("mimeType".into(), json!(mime_type));
            }
            Value::Object(entry)
        })
        .collect();
    let result = page_result(key, page, end, listed.len());
    exchange.result(result)
}

/// `resources/read`: the fixed resource or the first template that matches the URI.
pub(in crate::server) fn read(exchange: Exchange<'_>) -> Reply {
    let record = Record::start(Kind::Resource, UNKNOWN);
    let Some(uri) = exchange.param_str("uri").map(str::to_owned) else {
        return missing_uri(exchange);
    };
    let catalog = &exchange.shared().catalog;
    let version = exchange.version;
    let Some((resource, values)) = catalog.resource_for(&uri) else {
        record.finish(Outcome::NotFound);
        return exchange.error(not_found(&uri, version));
    };
    let mut record = record;
    record.by(exchange.principal());
    // The template, not the URI, names the resource in the log: a URI may carry anything.
    let name = resource.meta.uri;
    record.named(name);
    if let Err(refusal) = exchange.admit(resource.meta.scopes) {
        record.finish(Outcome::Refused(refusal.class()));
        return exchange.error(refusal.error());
    }
    let declared_mime = resource.meta.mime_type;
    // `resources/read` has no input rounds here yet: its handlers cannot ask the client.
    let invocation = Invocation {
        record,
        timeout: None,
        round: None,
        limits: None,
    };
    let handler = |ctx| (resource.read)(ctx, TextArgs::new(values));
    exchange.invoke(invocation, handler, move |ended, record, id| {
        let output = match ended {
            Ended::Ran(ResourceOutcome::Output(output)) => output,
            Ended::Ran(ResourceOutcome::InvalidArguments(violations)) => {
                record.set(Outcome::InvalidParams("InvalidArguments"));
                let error = ErrorObject::new(
                    INVALID_PARAMS,
                    format!(
                        "Invalid params: `{}` does not fit the resource template `{name}`",
                        clipped(&uri)
                    ),
                )
                .with_data(violations.error_data(json!({"uri": clipped(&uri)})));
                return Response::error(Some(id), error);
            }
            Ended::Panicked | Ended::TimedOut(_) => {
                return Response::error(Some(id), handler_error(None, version, record));
            }
        };
        let contents = match output {
            ResourceOutput::Body(body, mime) => {
                let mime = mime
                    .or(declared_mime.map(Cow::Borrowed))
                    .unwrap_or(Cow::Borrowed(match body {
                        ResourceBody::Text(_) => "text/plain",
                        ResourceBody::Blob(_) => "application/octet-stream",
                    }));
                vec![ResourceContents {
                    uri: uri.clone(),
                    mime_type: Some(mime.into_owned()),
                    body,
                }]
            }
            ResourceOutput::Contents(contents) => contents,
            ResourceOutput::NotFound => {
                record.set(Outcome::NotFound);
                return Response::error(Some(id), not_found(&uri, version));
            }
            ResourceOutput::Failure(failure) => {
                let error = handler_error(Some(failure), version, record);
                return Response::error(Some(id), error);
            }
        };
        let contents: Vec<Value> = contents.iter().map(ResourceContents::to_json).collect();
        Response::result(id, json!({ "contents": contents }))
    })
}

/// `resources/subscribe` (legacy versions; 2026-07-28 has `subscriptions/listen` instead).
pub(in crate::server) fn subscribe(exchange: Exchange<'_>) -> Reply {
    subscription(exchange, true)
}

/// `resources/unsubscribe` (legacy versions).
pub(in crate::server) fn unsubscribe(exchange: Exchange<'_>) -> Reply {
    subscription(exchange, false)
}

fn subscription(exchange: Exchange<'_>, subscribe: bool) -> Reply {
    let Some(uri) = exchange.param_str("uri").map(str::to_owned) else {
        return missing_uri(exchange);
    };
    let known = exchange.shared().catalog.resource_for(&uri).is_some();
    {
        let mut subscriptions = exchange
            .session
            .subscriptions
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if !subscribe {
            subscriptions.remove(&uri);
        } else if known {
            subscriptions.insert(uri);
        } else {
            drop(subscriptions);
            let error = not_found(&uri, exchange.version);
            return exchange.error(error);
        }
    }
    exchange.result(json!({}))
}

fn missing_uri(exchange: Exchange<'_>) -> Reply {
    exchange.invalid_params("`uri` must be a string")
}

/// "Resource not found", with the URI in `data` as the spec's examples have it.
fn not_found(uri: &str, version: ProtocolVersion) -> ErrorObject {
    // 2026-07-28 server/resources, "Error Handling": servers MUST answer -32602 for a resource
    // that does not exist; earlier versions used -32002.
    let code = match version.is_modern() {
        true => INVALID_PARAMS,
        false => RESOURCE_NOT_FOUND,
    };
    ErrorObject::new(code, "Resource not found").with_data(json!({ "uri": clipped(uri) }))
}
