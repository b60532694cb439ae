//! One client's session: lifecycle, version, in-flight calls, and dispatch of every message.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use futures_util::future::{BoxFuture, join_all};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::Server;
use super::ids::random_id;
use crate::protocol::ProtocolVersion;
use crate::protocol::jsonrpc::{
    self, ErrorObject, Frame, INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND, Message, Request,
    RequestId, Response,
};

/// What a transport does with one incoming frame.
pub enum Reply {
    /// Nothing to send (a notification, a response, a cancelled call).
    Silent,
    /// Send this line now.
    Now(String),
    /// Send what this future yields, when it does; other frames may be handled meanwhile.
    Later(BoxFuture<'static, Option<String>>),
}

/// The state of one client connection.
pub struct Session {
    pub(super) server: Server,
    /// Carries `session_id`; every request span is its child, so every log line of the session,
    /// the user's own included, carries the id.
    span: tracing::Span,
    lifecycle: Mutex<Lifecycle>,
    pub(super) in_flight: Mutex<HashMap<RequestId, CancellationToken>>,
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
    pub(super) fn new(server: Server) -> Self {
        let span = tracing::info_span!("session", session_id = %random_id());
        Session {
            server,
            span,
            lifecycle: Mutex::default(),
            in_flight: Mutex::default(),
        }
    }

    /// The protocol version negotiated by `initialize`, once it has been.
    pub fn protocol_version(&self) -> Option<ProtocolVersion> {
        self.lifecycle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .version
    }

    /// Handles one frame (one line on stdio, one body over HTTP).
    pub fn handle(self: &Arc<Self>, frame: &[u8]) -> Reply {
        let _session = self.span.enter();
        let answer = match jsonrpc::parse_frame(frame) {
            Err(parse_error) => Answer::Ready(rejected(parse_error)),
            Ok(Frame::Single(value)) => match jsonrpc::classify(value) {
                Ok(message) => self.dispatch(message),
                Err(invalid) => Answer::Ready(rejected(invalid)),
            },
            Ok(Frame::Batch(items)) => return self.handle_batch(items),
        };
        match answer {
            Answer::None => Reply::Silent,
            Answer::Ready(response) => Reply::Now(response.to_json()),
            Answer::Pending(future) => Reply::Later(Box::pin(async move {
                future.await.map(|response| response.to_json())
            })),
        }
    }

    fn handle_batch(self: &Arc<Self>, items: Vec<Value>) -> Reply {
        let version = self.protocol_version();
        if !version.is_some_and(ProtocolVersion::accepts_batches) {
            let why = match version {
                Some(version) => format!(
                    "Invalid Request: protocol version {version} does not allow JSON-RPC batches"
                ),
                None => "Invalid Request: a batch cannot be sent before `initialize`".to_owned(),
            };
            return Reply::Now(
                Response::error(None, ErrorObject::new(INVALID_REQUEST, why)).to_json(),
            );
        }
        if items.is_empty() {
            return Reply::Now(
                Response::error(
                    None,
                    ErrorObject::new(INVALID_REQUEST, "Invalid Request: the batch is empty"),
                )
                .to_json(),
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
                Ok(message) => self.dispatch(message),
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
            (!values.is_empty()).then(|| Value::Array(values).to_string())
        }))
    }

    fn dispatch(self: &Arc<Self>, message: Message) -> Answer {
        match message {
            Message::Request(request) => self.request(request),
            Message::Notification(notification) => {
                if notification.method == "notifications/cancelled" {
                    self.cancel(notification.params.as_ref());
                }
                // `notifications/initialized` and unknown notifications need no action or answer.
                Answer::None
            }
            // No request of ours is outstanding yet: responses have nothing to complete.
            Message::Response { .. } => Answer::None,
        }
    }

    fn request(self: &Arc<Self>, request: Request) -> Answer {
        let Request { id, method, params } = request;
        let span = tracing::info_span!("request", request_id = %id);
        let _request = span.enter();
        let answer = self.route(id, &method, params);
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
        answer
    }

    fn route(self: &Arc<Self>, id: RequestId, method: &str, params: Option<Value>) -> Answer {
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
            ("tools/call", Some(version)) => self.call_tool(id, params, version),
            (_, Some(_)) => Answer::Ready(Response::error(
                Some(id),
                ErrorObject::new(METHOD_NOT_FOUND, "Method not found"),
            )),
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
        let shared = &self.server.shared;
        let mut result = json!({
            "protocolVersion": version.as_str(),
            "capabilities": {"tools": {"listChanged": false}},
            "serverInfo": shared.info.to_json(version),
        });
        if let Some(instructions) = &shared.instructions {
            result["instructions"] = json!(instructions);
        }
        Response::result(id, result)
    }

    fn list_tools(
        &self,
        id: RequestId,
        params: Option<&Value>,
        version: ProtocolVersion,
    ) -> Response {
        let shared = &self.server.shared;
        let start = match params.and_then(|p| p.get("cursor")) {
            None | Some(Value::Null) => 0,
            Some(cursor) => match cursor
                .as_str()
                .and_then(decode_cursor)
                .filter(|&offset| offset < shared.tools.len())
            {
                Some(offset) => offset,
                None => {
                    return Response::error(
                        Some(id),
                        ErrorObject::new(INVALID_PARAMS, "Invalid params: unknown `cursor`"),
                    );
                }
            },
        };
        let end = (start + shared.page_size).min(shared.tools.len());
        let tools: Vec<Value> = shared.tools[start..end]
            .iter()
            .map(|tool| tool.descriptor.to_json(version))
            .collect();
        let mut result = json!({"tools": tools});
        if end < shared.tools.len() {
            result["nextCursor"] = json!(encode_cursor(end));
        }
        Response::result(id, result)
    }

    fn cancel(&self, params: Option<&Value>) {
        let Some(id) = params
            .and_then(|p| p.get("requestId"))
            .and_then(|id| serde_json::from_value::<RequestId>(id.clone()).ok())
        else {
            return;
        };
        // Cancellation: a notification for an unknown or finished request is ignored.
        if let Some(token) = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&id)
        {
            token.cancel();
        }
    }
}

/// Logs a message refused before it could be dispatched: its code only, never its content.
fn rejected(answer: Response) -> Response {
    if let Err(error) = &answer.outcome {
        tracing::debug!(error_code = error.code, "message refused");
    }
    answer
}

/// Method names as logged: the client chooses them, so names the server does not know are
/// written as `<unknown>`. Keep `KNOWN` in step with the methods `Session::route` answers.
fn loggable_method(method: &str) -> &str {
    const KNOWN: &[&str] = &["initialize", "ping", "tools/list", "tools/call"];
    KNOWN
        .iter()
        .find(|known| **known == method)
        .copied()
        .unwrap_or("<unknown>")
}

/// Cursors are opaque to clients (Pagination: clients MUST NOT parse them); this one hides an offset.
const CURSOR_KEY: usize = 0x5f3c_9a17;

fn encode_cursor(offset: usize) -> String {
    format!("c{:x}", offset ^ CURSOR_KEY)
}

fn decode_cursor(cursor: &str) -> Option<usize> {
    let hex = cursor.strip_prefix('c')?;
    usize::from_str_radix(hex, 16).ok().map(|n| n ^ CURSOR_KEY)
}
