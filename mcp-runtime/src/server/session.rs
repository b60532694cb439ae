//! One client's session: lifecycle, version, in-flight calls, and dispatch of every message.
//!
//! A session serves both eras: legacy requests (2024-11-05 … 2025-11-25) rely on the version
//! `initialize` negotiated; modern requests (2026-07-28) carry their version in `_meta` and are
//! served statelessly (`modern.rs`), whatever the session has seen before.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use futures_util::future::{BoxFuture, join_all};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::Server;
use crate::context::client_requests::ClientPeer;
use crate::context::{NotificationSink, Outbound};
use crate::protocol::ProtocolVersion;
use crate::protocol::jsonrpc::{
    self, ErrorObject, Frame, INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND, Message, Request,
    RequestId, Response,
};
use crate::protocol::meta::{Era, LogLevel, RequestMeta};

/// One message ready to be written, with its error code for transports that map codes to
/// statuses (Streamable HTTP).
#[derive(Clone, Debug)]
pub struct Outgoing {
    /// The JSON-RPC message (a response, or a batch of them), one line of JSON.
    pub json: String,
    /// The error code when the message is a single error response.
    pub error_code: Option<i32>,
}

impl From<Response> for Outgoing {
    fn from(response: Response) -> Self {
        Outgoing {
            json: response.to_json(),
            error_code: response.outcome.as_ref().err().map(|error| error.code),
        }
    }
}

/// What a transport does with one incoming frame.
pub enum Reply {
    /// Nothing to send (a notification, a response, a cancelled call).
    Silent,
    /// Send this now.
    Now(Outgoing),
    /// Send what this future yields, when it does; other frames may be handled meanwhile.
    /// Notifications of the request go to the sink given to [`Session::handle`] meanwhile.
    Later(BoxFuture<'static, Option<Outgoing>>),
}

/// The state of one client connection.
pub struct Session {
    pub(super) server: Server,
    id: String,
    /// Carries `session_id`; every request span is its child, so every log line of the session,
    /// the user's own included, carries the id.
    span: tracing::Span,
    lifecycle: Mutex<Lifecycle>,
    pub(super) in_flight: Mutex<HashMap<RequestId, CancellationToken>>,
    /// `logging/setLevel`: the least severe level the client wants (`LogLevel::rank`), 0 for none.
    pub(super) log_threshold: Arc<AtomicU8>,
    /// What the client declared, and the requests sent to it that await an answer.
    pub(super) peer: Arc<ClientPeer>,
    /// `resources/subscribe`: the URIs whose `notifications/resources/updated` the client wants.
    pub(super) subscriptions: Mutex<HashSet<String>>,
}

#[derive(Default)]
struct Lifecycle {
    version: Option<ProtocolVersion>,
}

/// One message's answer, before it is written.
pub(super) enum Answer {
    None,
    Ready(Response),
    Pending(BoxFuture<'static, Option<Response>>),
}

impl Session {
    pub(super) fn new(server: Server, id: String, version: Option<ProtocolVersion>) -> Self {
        let span = tracing::info_span!("session", session_id = %id);
        Session {
            server,
            id,
            span,
            lifecycle: Mutex::new(Lifecycle { version }),
            in_flight: Mutex::default(),
            log_threshold: Arc::default(),
            peer: Arc::default(),
            subscriptions: Mutex::default(),
        }
    }

    /// The session's id, as its log lines carry it (and as Streamable HTTP's `Mcp-Session-Id`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The server the session belongs to.
    pub fn server(&self) -> &Server {
        &self.server
    }

    /// The protocol version negotiated by `initialize`, once it has been.
    pub fn protocol_version(&self) -> Option<ProtocolVersion> {
        self.lifecycle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .version
    }

    /// Whether the client asked for log messages (`logging/setLevel`).
    pub fn wants_log_messages(&self) -> bool {
        self.log_threshold.load(Ordering::Relaxed) != 0
    }

    /// Handles one frame (one line on stdio, one body over HTTP). Notifications that belong to
    /// the request (progress, log messages, a subscription's changes) go to `sink`.
    pub fn handle(self: &Arc<Self>, frame: &[u8], sink: &NotificationSink) -> Reply {
        match jsonrpc::parse_frame(frame) {
            Err(parse_error) => {
                let _session = self.span.enter();
                Reply::Now(rejected(parse_error).into())
            }
            Ok(frame) => self.handle_frame(frame, sink),
        }
    }

    /// Handles one message already parsed as JSON (an array is a batch).
    pub fn handle_json(self: &Arc<Self>, value: Value, sink: &NotificationSink) -> Reply {
        match value {
            Value::Array(items) => self.handle_frame(Frame::Batch(items), sink),
            value => self.handle_frame(Frame::Single(value), sink),
        }
    }

    fn handle_frame(self: &Arc<Self>, frame: Frame, sink: &NotificationSink) -> Reply {
        let _session = self.span.enter();
        let answer = match frame {
            Frame::Single(value) => match jsonrpc::classify(value) {
                Ok(message) => self.dispatch(message, sink),
                Err(invalid) => Answer::Ready(rejected(invalid)),
            },
            Frame::Batch(items) => return self.handle_batch(items, sink),
        };
        match answer {
            Answer::None => Reply::Silent,
            Answer::Ready(response) => Reply::Now(response.into()),
            Answer::Pending(future) => {
                Reply::Later(Box::pin(async move { future.await.map(Outgoing::from) }))
            }
        }
    }

    /// Registers a request as in flight, so that `notifications/cancelled` (or, on 2026-07-28
    /// over HTTP, a closed stream) can stop it; [`Session::end_request`] forgets it.
    pub(super) fn begin_request(&self, id: &RequestId) -> CancellationToken {
        let cancellation = CancellationToken::new();
        self.in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id.clone(), cancellation.clone());
        cancellation
    }

    pub(super) fn end_request(&self, id: &RequestId) {
        self.in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id);
    }

    /// The way back to the client for one request. Its log level is the session's
    /// `logging/setLevel` on legacy versions and the request's own on 2026-07-28: decided by the
    /// version, not by whether `_meta` names a level.
    pub(super) fn outbound(
        &self,
        version: ProtocolVersion,
        progress_token: Option<Value>,
        log_level: Option<LogLevel>,
        sink: &NotificationSink,
    ) -> Arc<Outbound> {
        let log_threshold = match version.is_modern() {
            true => Arc::new(AtomicU8::new(log_level.map_or(0, LogLevel::rank))),
            false => Arc::clone(&self.log_threshold),
        };
        Outbound::new(sink.clone(), progress_token, log_threshold)
    }

    /// Cancels a request in flight, as `notifications/cancelled` would (Streamable HTTP
    /// 2026-07-28: closing the response stream is the cancellation signal).
    pub fn cancel_request(&self, id: &RequestId) {
        // Cancellation: a notification for an unknown or finished request is ignored.
        if let Some(token) = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
        {
            token.cancel();
        }
    }

    /// Cancels every request in flight: the session has ended.
    pub fn cancel_all(&self) {
        for token in self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
        {
            token.cancel();
        }
    }

    fn handle_batch(self: &Arc<Self>, items: Vec<Value>, sink: &NotificationSink) -> Reply {
        let version = self.protocol_version();
        if !version.is_some_and(ProtocolVersion::accepts_batches) {
            let why = match version {
                Some(version) => format!(
                    "Invalid Request: protocol version {version} does not allow JSON-RPC batches"
                ),
                None => "Invalid Request: a batch cannot be sent before `initialize`".to_owned(),
            };
            return Reply::Now(
                Response::error(None, ErrorObject::new(INVALID_REQUEST, why)).into(),
            );
        }
        if items.is_empty() {
            return Reply::Now(
                Response::error(
                    None,
                    ErrorObject::new(INVALID_REQUEST, "Invalid Request: the batch is empty"),
                )
                .into(),
            );
        }
        let answers: Vec<Answer> = items
            .into_iter()
            .map(|item| match jsonrpc::classify(item) {
                Ok(Message::Request(request)) if request.method == "initialize" => {
                    Answer::Ready(Response::error(
                        Some(request.id),
                        ErrorObject::new(
                            INVALID_REQUEST,
                            "Invalid Request: `initialize` must not be part of a batch",
                        ),
                    ))
                }
                Ok(message) => self.dispatch(message, sink),
                Err(invalid) => Answer::Ready(rejected(invalid)),
            })
            .collect();
        Reply::Later(Box::pin(async move {
            let responses = join_all(answers.into_iter().map(|answer| async move {
                match answer {
                    Answer::None => None,
                    Answer::Ready(response) => Some(response),
                    Answer::Pending(future) => future.await,
                }
            }))
            .await;
            let values: Vec<Value> = responses
                .into_iter()
                .flatten()
                .map(|response| response.to_value())
                .collect();
            (!values.is_empty()).then(|| Outgoing {
                json: Value::Array(values).to_string(),
                error_code: None,
            })
        }))
    }

    fn dispatch(self: &Arc<Self>, message: Message, sink: &NotificationSink) -> Answer {
        match message {
            Message::Request(request) => self.request(request, sink),
            Message::Notification(notification) => {
                if notification.method == "notifications/cancelled" {
                    self.cancel(notification.params.as_ref());
                }
                // `notifications/initialized` and unknown notifications need no action or answer.
                Answer::None
            }
            // The answer to a request a tool sent the client (`client_requests.rs`).
            Message::Response { id, outcome } => {
                self.peer.complete(id, outcome);
                Answer::None
            }
        }
    }

    fn request(self: &Arc<Self>, request: Request, sink: &NotificationSink) -> Answer {
        let Request { id, method, params } = request;
        let span = tracing::info_span!("request", request_id = %id);
        let _request = span.enter();
        let meta = RequestMeta::of(params.as_ref());
        let answer = match meta.era() {
            // `initialize` always opens a legacy session, whatever its `_meta` says.
            _ if method == "initialize" => self.route(id, &method, params, meta, sink),
            Era::Legacy => self.route(id, &method, params, meta, sink),
            Era::Modern(version) => self.route_modern(id, &method, params, meta, version, sink),
            Era::Unsupported(requested) => {
                let error = ProtocolVersion::unsupported_error(&requested);
                Answer::Ready(Response::error(Some(id), error))
            }
        };
        if let Answer::Ready(Response {
            outcome: Err(error),
            ..
        }) = &answer
        {
            tracing::debug!(
                method = loggable_method(&method),
                error_code = error.code,
                "request refused"
            );
        }
        // What runs later runs in the request's span too, so its log lines (the handler's own
        // included) carry the session and request ids.
        match answer {
            Answer::Pending(future) => Answer::Pending(Box::pin(future.instrument(span.clone()))),
            answer => answer,
        }
    }

    fn route(
        self: &Arc<Self>,
        id: RequestId,
        method: &str,
        params: Option<Value>,
        meta: RequestMeta,
        sink: &NotificationSink,
    ) -> Answer {
        match (method, self.protocol_version()) {
            ("initialize", None) => Answer::Ready(self.initialize(id, params)),
            ("initialize", Some(_)) => Answer::Ready(Response::error(
                Some(id),
                ErrorObject::new(
                    INVALID_REQUEST,
                    "Invalid Request: the session is already initialized",
                ),
            )),
            // Lifecycle: ping is allowed before initialization completes.
            ("ping", _) => Answer::Ready(Response::result(id, json!({}))),
            (_, None) => Answer::Ready(Response::error(
                Some(id),
                ErrorObject::new(
                    INVALID_REQUEST,
                    "Invalid Request: the session is not initialized; send `initialize` first",
                ),
            )),
            ("tools/list", Some(version)) => {
                Answer::Ready(self.list_tools(id, params.as_ref(), version))
            }
            ("tools/call", Some(version)) => self.call_tool(id, params, version, meta, sink),
            ("logging/setLevel", Some(_)) => Answer::Ready(self.set_log_level(id, params.as_ref())),
            (method, Some(version)) => {
                match self.route_catalog(id, method, params.as_ref(), version, meta, sink) {
                    Ok(answer) => answer,
                    Err(id) => Answer::Ready(method_not_found(id)),
                }
            }
        }
    }

    fn initialize(&self, id: RequestId, params: Option<Value>) -> Response {
        let started = std::time::Instant::now();
        let Some(requested) = params
            .as_ref()
            .and_then(|p| p.get("protocolVersion"))
            .and_then(Value::as_str)
        else {
            return Response::error(
                Some(id),
                ErrorObject::new(
                    INVALID_PARAMS,
                    "Invalid params: `protocolVersion` must be a string",
                ),
            );
        };
        let version = ProtocolVersion::negotiate(requested);
        let client = params.as_ref().and_then(|p| p.get("clientInfo"));
        let client_field = |key: &str| {
            client
                .and_then(|info| info.get(key))
                .and_then(Value::as_str)
                .unwrap_or("")
        };
        tracing::info!(
            client_name = client_field("name"),
            client_version = client_field("version"),
            protocol_version = version.as_str(),
            duration_ms = started.elapsed().as_millis() as u64,
            "initialize"
        );
        self.lifecycle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .version = Some(version);
        self.peer.remember_capabilities(params.as_ref());
        let shared = &self.server.shared;
        let mut result = json!({
            "protocolVersion": version.as_str(),
            "capabilities": self.server.capabilities(),
            "serverInfo": shared.info.to_json(version),
        });
        if let Some(instructions) = &shared.instructions {
            result["instructions"] = json!(instructions);
        }
        Response::result(id, result)
    }

    pub(super) fn list_tools(
        &self,
        id: RequestId,
        params: Option<&Value>,
        version: ProtocolVersion,
    ) -> Response {
        let tools = self.server.tool_set();
        let tools = &tools.tools;
        let (start, end) = match page_bounds(params, tools.len(), self.server.shared.page_size) {
            Ok(bounds) => bounds,
            Err(error) => return Response::error(Some(id), error),
        };
        let page: Vec<Value> = tools[start..end]
            .iter()
            .map(|tool| tool.descriptor.to_json(version))
            .collect();
        Response::result(id, page_result("tools", page, end, tools.len()))
    }

    fn set_log_level(&self, id: RequestId, params: Option<&Value>) -> Response {
        let Some(level) = params
            .and_then(|p| p.get("level"))
            .and_then(Value::as_str)
            .and_then(LogLevel::parse)
        else {
            return Response::error(
                Some(id),
                ErrorObject::new(
                    INVALID_PARAMS,
                    "Invalid params: `level` must be one of debug, info, notice, warning, error, critical, alert, emergency",
                ),
            );
        };
        self.log_threshold.store(level.rank(), Ordering::Relaxed);
        Response::result(id, json!({}))
    }

    fn cancel(&self, params: Option<&Value>) {
        if let Some(id) = params
            .and_then(|p| p.get("requestId"))
            .and_then(|id| serde_json::from_value::<RequestId>(id.clone()).ok())
        {
            self.cancel_request(&id);
        }
    }
}

pub(super) fn method_not_found(id: RequestId) -> Response {
    Response::error(
        Some(id),
        ErrorObject::new(METHOD_NOT_FOUND, "Method not found"),
    )
}

/// Logs a message refused before it could be dispatched: its code only, never its content.
fn rejected(answer: Response) -> Response {
    if let Err(error) = &answer.outcome {
        tracing::debug!(error_code = error.code, "message refused");
    }
    answer
}

/// Method names as logged: the client chooses them, so names the server does not know are
/// written as `<unknown>`. Keep `KNOWN` in step with the methods `Session::route` and
/// `Session::route_modern` answer.
fn loggable_method(method: &str) -> &str {
    const KNOWN: &[&str] = &[
        "initialize",
        "ping",
        "tools/list",
        "tools/call",
        "logging/setLevel",
        "server/discover",
        "resources/list",
        "resources/templates/list",
        "resources/read",
        "resources/subscribe",
        "resources/unsubscribe",
        "prompts/list",
        "prompts/get",
        "completion/complete",
        "subscriptions/listen",
    ];
    KNOWN
        .iter()
        .find(|known| **known == method)
        .copied()
        .unwrap_or("<unknown>")
}

/// Cursors are opaque to clients (Pagination: clients MUST NOT parse them); this one hides an offset.
const CURSOR_KEY: usize = 0x5f3c_9a17;

/// The `[start, end)` of the page a request's `cursor` asks for (Pagination); an unknown cursor
/// is -32602.
pub(super) fn page_bounds(
    params: Option<&Value>,
    len: usize,
    page_size: usize,
) -> Result<(usize, usize), ErrorObject> {
    let start = match params.and_then(|p| p.get("cursor")) {
        None | Some(Value::Null) => 0,
        Some(cursor) => cursor
            .as_str()
            .and_then(decode_cursor)
            .filter(|&offset| offset < len)
            .ok_or_else(|| ErrorObject::new(INVALID_PARAMS, "Invalid params: unknown `cursor`"))?,
    };
    Ok((start, (start + page_size).min(len)))
}

/// A list result: the page under `key`, and `nextCursor` when items remain after `end`.
pub(super) fn page_result(key: &str, page: Vec<Value>, end: usize, len: usize) -> Value {
    let mut result = json!({ key: page });
    if end < len {
        result["nextCursor"] = json!(encode_cursor(end));
    }
    result
}

fn encode_cursor(offset: usize) -> String {
    format!("c{:x}", offset ^ CURSOR_KEY)
}

fn decode_cursor(cursor: &str) -> Option<usize> {
    let hex = cursor.strip_prefix('c')?;
    usize::from_str_radix(hex, 16).ok().map(|n| n ^ CURSOR_KEY)
}
