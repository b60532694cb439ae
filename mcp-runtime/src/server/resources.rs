//! `resources/list`, `resources/templates/list`, `resources/read`, and (legacy versions)
//! `resources/subscribe` / `resources/unsubscribe`.

use std::borrow::Cow;
use std::sync::{Arc, PoisonError};
use std::time::Instant;

use serde_json::{Map, Value, json};

use super::catalog::{HandlerEnd, RegisteredResource, handler_failure, log_handler};
use super::session::{Answer, Session, page_bounds, page_result};
use crate::context::NotificationSink;
use crate::protocol::ProtocolVersion;
use crate::protocol::jsonrpc::{ErrorObject, INVALID_PARAMS, RequestId, Response};
use crate::protocol::meta::RequestMeta;
use crate::resource::{ResourceBody, ResourceContents, ResourceOutcome, ResourceOutput};
use crate::text_args::TextArgs;
use crate::validate::clipped;

/// Legacy versions' "Resource not found" (server/resources, "Error Handling"); 2026-07-28 uses
/// -32602 instead.
pub const RESOURCE_NOT_FOUND: i32 = -32002;

impl Session {
    /// `resources/list` (fixed URIs) or `resources/templates/list` (templates), paginated.
    pub(super) fn list_resources(
        &self,
        id: RequestId,
        params: Option<&Value>,
        version: ProtocolVersion,
        templates: bool,
    ) -> Response {
        let catalog = &self.server.shared.catalog;
        let listed: Vec<&RegisteredResource> = catalog
            .resources
            .iter()
            .filter(|resource| resource.template.is_some() == templates)
            .collect();
        let (start, end) = match page_bounds(params, listed.len(), self.server.shared.page_size) {
            Ok(bounds) => bounds,
            Err(error) => return Response::error(Some(id), error),
        };
        let (key, uri_key) = match templates {
            true => ("resourceTemplates", "uriTemplate"),
            false => ("resources", "uri"),
        };
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
        Response::result(id, page_result(key, page, end, listed.len()))
    }

    /// `resources/read`: the fixed resource or the first template that matches the URI.
    pub(super) fn read_resource(
        self: &Arc<Self>,
        id: RequestId,
        params: Option<&Value>,
        version: ProtocolVersion,
        meta: RequestMeta,
        sink: &NotificationSink,
    ) -> Answer {
        let started = Instant::now();
        let Some(uri) = uri_param(params) else {
            return Answer::Ready(missing_uri(id));
        };
        let catalog = &self.server.shared.catalog;
        let Some((resource, values)) = catalog.resource_for(&uri) else {
            log_handler("resource", "<unknown>", started, "not_found");
            return Answer::Ready(Response::error(Some(id), not_found(&uri, version)));
        };
        // The template, not the URI, names the resource in the log: a URI may carry anything.
        let name = resource.meta.uri;
        let declared_mime = resource.meta.mime_type;
        // `resources/read` has no input rounds here yet: its handlers cannot ask the client.
        let run = self.run_handler(&id, version, meta, sink, None, |ctx| {
            (resource.read)(ctx, TextArgs::new(values))
        });
        Answer::Pending(Box::pin(async move {
            let output = match run.await {
                HandlerEnd::Cancelled => {
                    log_handler("resource", name, started, "cancelled");
                    return None;
                }
                HandlerEnd::NeedsInput => unreachable!("a resource read has no input round"),
                HandlerEnd::Panicked => {
                    return Some(Response::error(
                        Some(id),
                        handler_failure(None, version, "resource", name, started),
                    ));
                }
                HandlerEnd::Finished(ResourceOutcome::InvalidArguments(violations)) => {
                    log_handler("resource", name, started, "invalid_params");
                    let error = ErrorObject::new(
                        INVALID_PARAMS,
                        format!(
                            "Invalid params: `{}` does not fit the resource template `{name}`",
                            clipped(&uri)
                        ),
                    )
                    .with_data(violations.error_data(json!({"uri": clipped(&uri)})));
                    return Some(Response::error(Some(id), error));
                }
                HandlerEnd::Finished(ResourceOutcome::Output(output)) => output,
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
                    log_handler("resource", name, started, "not_found");
                    return Some(Response::error(Some(id), not_found(&uri, version)));
                }
                ResourceOutput::Failure(failure) => {
                    let error = handler_failure(Some(failure), version, "resource", name, started);
                    return Some(Response::error(Some(id), error));
                }
            };
            log_handler("resource", name, started, "ok");
            let contents: Vec<Value> = contents.iter().map(ResourceContents::to_json).collect();
            Some(Response::result(id, json!({ "contents": contents })))
        }))
    }

    /// `resources/subscribe` and `resources/unsubscribe` (legacy versions; 2026-07-28 has
    /// `subscriptions/listen` instead).
    pub(super) fn subscribe_resource(
        &self,
        id: RequestId,
        params: Option<&Value>,
        version: ProtocolVersion,
        subscribe: bool,
    ) -> Response {
        let Some(uri) = uri_param(params) else {
            return missing_uri(id);
        };
        let mut subscriptions = self
            .subscriptions
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if !subscribe {
            subscriptions.remove(&uri);
        } else if self.server.shared.catalog.resource_for(&uri).is_some() {
            subscriptions.insert(uri);
        } else {
            return Response::error(Some(id), not_found(&uri, version));
        }
        Response::result(id, json!({}))
    }
}

fn uri_param(params: Option<&Value>) -> Option<String> {
    params?.get("uri")?.as_str().map(str::to_owned)
}

fn missing_uri(id: RequestId) -> Response {
    Response::error(
        Some(id),
        ErrorObject::new(INVALID_PARAMS, "Invalid params: `uri` must be a string"),
    )
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
