//! Dispatch: the routing table (which method, in which era, reaches which handler) and the path
//! of every incoming message to it.
//!
//! Legacy requests (2024-11-05 … 2025-11-25) are served at the version `initialize` negotiated
//! for the session; a request whose `_meta` names 2026-07-28 is served statelessly whatever the
//! session has seen, and its result gets `resultType` and `serverInfo` (and, for cacheable
//! results, `ttlMs` and `cacheScope`).

use std::sync::Arc;

use futures_util::future::join_all;
use http::Extensions;
use serde_json::{Value, json};
use tracing::Instrument;

use super::catalog::Catalog;
use super::exchange::{Exchange, Reply};
use super::incoming::Incoming;
use super::methods::{completion, lifecycle, listen, prompts, resources, tools};
use super::session::Session;
use crate::context::NotificationSink;
use crate::protocol::jsonrpc::{
    ErrorObject, Frame, INVALID_REQUEST, METHOD_NOT_FOUND, Message, Request, RequestId, Response,
};
use crate::protocol::meta::SERVER_INFO_KEY;
use crate::protocol::{Era, ProtocolVersion};

/// One method: the eras that have it, what the server must have for it to exist, how a
/// 2026-07-28 client may cache its result, and its handler.
struct Route {
    method: &'static str,
    eras: Eras,
    needs: Needs,
    cache: Cache,
    handler: fn(Exchange<'_>) -> Reply,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Eras {
    Both,
    Legacy,
    Modern,
    /// Legacy, and answered before `initialize` has been (Lifecycle).
    BeforeInitialize,
}

/// A method of a kind the server has none of answers -32601, like an unknown method.
#[derive(Clone, Copy)]
enum Needs {
    Nothing,
    Resources,
    Prompts,
    ResourcesOrPrompts,
}

/// 2026-07-28 `CacheableResult`: `ttlMs` and `cacheScope` are required on list results, reads
/// and discovery.
#[derive(Clone, Copy)]
enum Cache {
    No,
    /// `ttlMs` is the server's list TTL.
    List,
    /// `ttlMs: 0`: resource contents may change at any moment (the server announces updates to
    /// subscribers), so a read is a fresh answer.
    Fresh,
}

const fn route(
    method: &'static str,
    eras: Eras,
    needs: Needs,
    cache: Cache,
    handler: fn(Exchange<'_>) -> Reply,
) -> Route {
    Route {
        method,
        eras,
        needs,
        cache,
        handler,
    }
}

/// Every method the server answers, each once. Log lines name a method only if it is here: the
/// client chooses method names, so one the server does not know is written `<unknown>`.
#[rustfmt::skip]
const ROUTES: &[Route] = &[
    route("initialize", Eras::BeforeInitialize, Needs::Nothing, Cache::No, lifecycle::initialize),
    route("ping", Eras::BeforeInitialize, Needs::Nothing, Cache::No, lifecycle::ping),
    route("logging/setLevel", Eras::Legacy, Needs::Nothing, Cache::No, lifecycle::set_log_level),
    route("server/discover", Eras::Modern, Needs::Nothing, Cache::List, lifecycle::discover),
    route("tools/list", Eras::Both, Needs::Nothing, Cache::List, tools::list),
    route("tools/call", Eras::Both, Needs::Nothing, Cache::No, tools::call),
    route("resources/list", Eras::Both, Needs::Resources, Cache::List, resources::list),
    route("resources/templates/list", Eras::Both, Needs::Resources, Cache::List, resources::list_templates),
    route("resources/read", Eras::Both, Needs::Resources, Cache::Fresh, resources::read),
    route("resources/subscribe", Eras::Legacy, Needs::Resources, Cache::No, resources::subscribe),
    route("resources/unsubscribe", Eras::Legacy, Needs::Resources, Cache::No, resources::unsubscribe),
    route("prompts/list", Eras::Both, Needs::Prompts, Cache::List, prompts::list),
    route("prompts/get", Eras::Both, Needs::Prompts, Cache::No, prompts::get),
    route("completion/complete", Eras::Both, Needs::ResourcesOrPrompts, Cache::No, completion::complete),
    route("subscriptions/listen", Eras::Modern, Needs::Nothing, Cache::No, listen::listen),
];

impl Route {
    fn serves(&self, era: Era) -> bool {
        matches!(
            (self.eras, era),
            (Eras::Both, _)
                | (Eras::Legacy | Eras::BeforeInitialize, Era::Legacy)
                | (Eras::Modern, Era::Modern)
        )
    }

    fn exists_in(&self, catalog: &Catalog) -> bool {
        let (resources, prompts) = (!catalog.resources.is_empty(), !catalog.prompts.is_empty());
        match self.needs {
            Needs::Nothing => true,
            Needs::Resources => resources,
            Needs::Prompts => prompts,
            Needs::ResourcesOrPrompts => resources || prompts,
        }
    }
}

impl Session {
    /// Handles one frame (one line on stdio, one body over HTTP). Notifications that belong to
    /// a request (progress, log messages, a subscription's changes) go to `sink`.
    pub fn handle(
        self: &Arc<Self>,
        incoming: Incoming,
        sink: &NotificationSink,
    ) -> Reply<Frame<Response>> {
        let _session = self.span.enter();
        let Incoming { frame, extensions } = incoming;
        match frame {
            Frame::Single(message) => self.dispatch(message, &extensions, sink).map(Frame::Single),
            Frame::Batch(items) => self.batch(items, &extensions, sink),
        }
    }

    /// Answers a frame the transport could not parse (not JSON), with the session's log line.
    pub fn refuse(&self, refused: Response) -> Reply<Frame<Response>> {
        let _session = self.span.enter();
        Reply::Now(Frame::Single(log_refused(refused)))
    }

    fn batch(
        self: &Arc<Self>,
        items: Vec<Result<Message, Response>>,
        extensions: &Arc<Extensions>,
        sink: &NotificationSink,
    ) -> Reply<Frame<Response>> {
        let refuse = |why: String| {
            let error = ErrorObject::new(INVALID_REQUEST, why);
            Reply::Now(Frame::Single(Response::error(None, error)))
        };
        let version = self.protocol_version();
        if !version.is_some_and(ProtocolVersion::accepts_batches) {
            return refuse(match version {
                Some(version) => format!(
                    "Invalid Request: protocol version {version} does not allow JSON-RPC batches"
                ),
                None => "Invalid Request: a batch cannot be sent before `initialize`".to_owned(),
            });
        }
        if items.is_empty() {
            return refuse("Invalid Request: the batch is empty".to_owned());
        }
        let replies: Vec<Reply> = items
            .into_iter()
            .map(|item| match item {
                Ok(Message::Request(request)) if request.method == "initialize" => {
                    Reply::Now(Response::error(
                        Some(request.id),
                        ErrorObject::new(
                            INVALID_REQUEST,
                            "Invalid Request: `initialize` must not be part of a batch",
                        ),
                    ))
                }
                item => self.dispatch(item, extensions, sink),
            })
            .collect();
        Reply::Later(Box::pin(async move {
            let responses = join_all(replies.into_iter().map(|reply| async move {
                match reply {
                    Reply::Silent => None,
                    Reply::Now(response) => Some(response),
                    Reply::Later(future) => future.await,
                }
            }))
            .await;
            let responses: Vec<Response> = responses.into_iter().flatten().collect();
            (!responses.is_empty()).then_some(Frame::Batch(responses))
        }))
    }

    fn dispatch(
        self: &Arc<Self>,
        message: Result<Message, Response>,
        extensions: &Arc<Extensions>,
        sink: &NotificationSink,
    ) -> Reply {
        match message {
            Err(refused) => Reply::Now(log_refused(refused)),
            Ok(Message::Request(request)) => self.request(request, extensions, sink),
            Ok(Message::Notification(notification)) => {
                if notification.method == "notifications/cancelled"
                    && let Some(id) = notification
                        .params
                        .as_ref()
                        .and_then(|p| p.get("requestId"))
                        .and_then(|id| serde_json::from_value::<RequestId>(id.clone()).ok())
                {
                    self.cancel_request(&id);
                }
                if notification.method == "notifications/initialized" {
                    self.client_initialized();
                }
                // Unknown notifications need no action or answer.
                Reply::Silent
            }
            // The answer to a request a handler sent the client (`context/client_requests.rs`).
            Ok(Message::Response { id, outcome }) => {
                self.peer.complete(id, outcome);
                Reply::Silent
            }
        }
    }

    fn request(
        self: &Arc<Self>,
        request: Request,
        extensions: &Arc<Extensions>,
        sink: &NotificationSink,
    ) -> Reply {
        // The id is the client's choice: clipped (a 3 MB id is not copied into every line).
        let span = tracing::info_span!(
            "request",
            request_id = %crate::logging::Clipped(&request.id)
        );
        let _request = span.enter();
        // One lookup by name serves both the log line and the dispatch.
        let route = ROUTES.iter().find(|route| route.method == request.method);
        let method = route.map_or("<unknown>", |route| route.method);
        let reply = self.route(route, request, extensions, sink);
        if let Reply::Now(Response {
            outcome: Err(error),
            ..
        }) = &reply
        {
            tracing::debug!(method, error_code = error.code, "request refused");
        }
        // What runs later runs in the request's span too, so its log lines (the handler's own
        // included) carry the session and request ids.
        match reply {
            Reply::Later(future) => Reply::Later(Box::pin(future.instrument(span.clone()))),
            reply => reply,
        }
    }

    fn route(
        self: &Arc<Self>,
        route: Option<&Route>,
        request: Request,
        extensions: &Arc<Extensions>,
        sink: &NotificationSink,
    ) -> Reply {
        let Request {
            id,
            method,
            params,
            meta,
        } = request;
        // `initialize` always opens a legacy session, whatever its `_meta` says.
        let modern = match meta.modern_version() {
            _ if method == "initialize" => None,
            Ok(modern) => modern,
            Err(requested) => {
                let error = ProtocolVersion::unsupported_error(requested);
                return Reply::Now(Response::error(Some(id), error));
            }
        };
        let era = modern.map_or(Era::Legacy, ProtocolVersion::era);
        let counted = route.map_or(super::outcome::UNKNOWN, |route| route.method);
        crate::metrics::request(counted, era_label(era));
        let catalog = &self.server.shared.catalog;
        let Some(route) = route.filter(|route| route.serves(era) && route.exists_in(catalog))
        else {
            let not_initialized = era == Era::Legacy && self.protocol_version().is_none();
            return Reply::Now(match not_initialized {
                true => not_initialized_error(id),
                false => method_not_found(id),
            });
        };
        let version = match (modern, self.protocol_version()) {
            (Some(version), _) | (None, Some(version)) => version,
            // Lifecycle: nothing but `initialize` and `ping` before initialization.
            (None, None) if route.eras == Eras::BeforeInitialize => ProtocolVersion::LATEST,
            (None, None) => return Reply::Now(not_initialized_error(id)),
        };
        let exchange = Exchange {
            session: self,
            id,
            params,
            meta,
            version,
            sink,
            extensions,
        };
        let reply = (route.handler)(exchange);
        match modern {
            None => reply,
            Some(version) => {
                let info = self.server.shared.info.to_json(version);
                let ttl_ms = match route.cache {
                    Cache::No => None,
                    Cache::List => Some(self.server.list_ttl_ms()),
                    Cache::Fresh => Some(0),
                };
                reply.map(move |response| complete(response, &info, ttl_ms))
            }
        }
    }
}

/// Logs a message refused before it could be dispatched: its code only, never its content.
fn log_refused(refused: Response) -> Response {
    if let Err(error) = &refused.outcome {
        tracing::debug!(error_code = error.code, "message refused");
    }
    refused
}

fn not_initialized_error(id: RequestId) -> Response {
    Response::error(
        Some(id),
        ErrorObject::new(
            INVALID_REQUEST,
            "Invalid Request: the session is not initialized; send `initialize` first",
        ),
    )
}

fn method_not_found(id: RequestId) -> Response {
    Response::error(
        Some(id),
        ErrorObject::new(METHOD_NOT_FOUND, "Method not found"),
    )
}

/// basic/index, "ResultType": every 2026-07-28 result MUST carry `resultType`; servers SHOULD
/// name themselves in each result's `_meta`; a `CacheableResult` carries `ttlMs` and
/// `cacheScope` (nothing here depends on who asks, so intermediaries may share it).
fn complete(mut response: Response, info: &Value, ttl_ms: Option<u64>) -> Response {
    if let Ok(Value::Object(result)) = &mut response.outcome {
        if let Some(ttl_ms) = ttl_ms {
            result.insert("ttlMs".into(), json!(ttl_ms));
            result.insert("cacheScope".into(), json!("public"));
        }
        result
            .entry("resultType")
            .or_insert_with(|| json!("complete"));
        let meta = result.entry("_meta").or_insert_with(|| json!({}));
        if let Value::Object(meta) = meta {
            meta.entry(SERVER_INFO_KEY).or_insert_with(|| info.clone());
        }
    }
    response
}

/// The `era` label of `mcp_server_requests_total`.
fn era_label(era: Era) -> &'static str {
    match era {
        Era::Legacy => "legacy",
        Era::Modern => "modern",
    }
}
