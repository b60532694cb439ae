//! POST: one JSON-RPC message (or a legacy batch) per request, answered with JSON, with an SSE
//! stream when the request sends notifications or requests (a legacy `tools/call` decides at
//! its first message: `lazy.rs`), or with 202 when there is nothing to answer (a notification,
//! or the client's response to a request of ours).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::guard::{self, Capacity, error_response, json_answer, refusal};
use super::sessions::{Full, HttpSession, owner_of};
use super::stream::{EventStream, StreamKind, sse_response};
use super::{App, lazy, modern_headers};
use crate::context::NotificationSink;
use crate::protocol::jsonrpc::{
    ErrorObject, HEADER_MISMATCH, INVALID_PARAMS, METHOD_NOT_FOUND, PARSE_ERROR, RequestId,
};
use crate::protocol::meta::PROTOCOL_VERSION_KEY;
use crate::protocol::{Era, ProtocolVersion};
use crate::server::{Incoming, Reply, Session};

pub(super) const SESSION_HEADER: &str = "mcp-session-id";
pub(super) const VERSION_HEADER: &str = "mcp-protocol-version";

pub(super) async fn handle(
    State(app): State<Arc<App>>,
    extensions: Extensions,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !guard::accepts_post(&headers) {
        return refusal(
            StatusCode::NOT_ACCEPTABLE,
            "Not Acceptable: `Accept` must list both application/json and text/event-stream",
        );
    }
    let incoming = match Incoming::parse(&body) {
        Ok(incoming) => incoming.with_extensions(extensions),
        Err(_not_json) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                None,
                ErrorObject::new(PARSE_ERROR, "Parse error: the body is not valid JSON"),
            );
        }
    };
    let header_version = match headers.get(VERSION_HEADER).map(|v| v.to_str()) {
        None => None,
        Some(Ok(name)) => match ProtocolVersion::parse(name) {
            Some(version) => Some(version),
            // Transports, "Protocol Version Header": an invalid or unsupported version MUST get 400.
            None => return unsupported(&incoming, name),
        },
        Some(Err(_)) => return unsupported(&incoming, "(not text)"),
    };
    let body_version = incoming
        .meta()
        .and_then(|meta| meta.protocol_version.as_ref());
    match header_version {
        Some(version) if version.is_modern() => modern(&app, &headers, incoming, version).await,
        None if body_version.is_some() => error_response(
            StatusCode::BAD_REQUEST,
            incoming.id(),
            ErrorObject::new(
                HEADER_MISMATCH,
                "Header mismatch: the MCP-Protocol-Version header is required",
            ),
        ),
        version => legacy(&app, &headers, incoming, version).await,
    }
}

fn unsupported(incoming: &Incoming, requested: &str) -> Response {
    error_response(
        StatusCode::BAD_REQUEST,
        incoming.id(),
        ProtocolVersion::unsupported_error(requested),
    )
}

/// 2026-07-28: every request stands alone; headers must mirror the body.
async fn modern(
    app: &Arc<App>,
    headers: &HeaderMap,
    incoming: Incoming,
    version: ProtocolVersion,
) -> Response {
    if incoming.is_batch() {
        return refusal(
            StatusCode::BAD_REQUEST,
            "Invalid Request: 2026-07-28 has no JSON-RPC batches; send one message per POST",
        );
    }
    if let Some(refused) = malformed_modern_request(&incoming) {
        return refused;
    }
    if let Err(why) = modern_headers::check(headers, &incoming, version.as_str()) {
        return error_response(
            StatusCode::BAD_REQUEST,
            incoming.id(),
            ErrorObject::new(HEADER_MISMATCH, why),
        );
    }
    let (method, meta) = (incoming.method(), incoming.meta());
    let listens = method == Some("subscriptions/listen");
    let streams = listens
        || meta.is_some_and(|meta| meta.progress_token.is_some() || meta.log_level.is_some());
    let kind = match listens {
        true => StreamKind::Standalone,
        false => StreamKind::Request,
    };
    let session = Session::open(&app.server);
    answer(
        app,
        session,
        None,
        incoming,
        streams.then_some(kind),
        Era::Modern,
        None,
    )
    .await
}

/// A 2026-07-28 request the server must refuse before looking at its headers: `initialize`,
/// which that revision does not have, and a request whose `_meta` lacks a required field (or
/// that is no JSON-RPC message at all).
fn malformed_modern_request(incoming: &Incoming) -> Option<Response> {
    if let Some(refused) = incoming.refusal() {
        // basic/index (2026-07-28), "_meta": a request missing a required field is malformed and
        // MUST be rejected with -32602; over HTTP with status 400 (as is anything not JSON-RPC).
        let error = refused.outcome.clone().err()?;
        return Some(error_response(
            StatusCode::BAD_REQUEST,
            refused.id.clone(),
            error,
        ));
    }
    let request = incoming.request()?;
    let id = Some(request.id.clone());
    if request.method == "initialize" {
        // Streamable HTTP (2026-07-28), "Sending Messages": a method the server does not
        // implement MUST get 404 with -32601; this revision has no handshake.
        let error = ErrorObject::new(
            METHOD_NOT_FOUND,
            "Method not found: 2026-07-28 has no `initialize`; send `server/discover`, or each request with its `_meta`",
        );
        return Some(error_response(StatusCode::NOT_FOUND, id, error));
    }
    // The header names 2026-07-28; the body must too (the rest of `_meta` was checked when the
    // message was classified, for every transport).
    if request.meta.protocol_version.is_some() {
        return None;
    }
    let error = ErrorObject::new(
        INVALID_PARAMS,
        format!("Invalid params: `_meta` must carry `{PROTOCOL_VERSION_KEY}`"),
    );
    Some(error_response(StatusCode::BAD_REQUEST, id, error))
}

/// 2024-11-05 … 2025-11-25: `initialize` opens a session; later requests name it.
async fn legacy(
    app: &Arc<App>,
    headers: &HeaderMap,
    incoming: Incoming,
    header_version: Option<ProtocolVersion>,
) -> Response {
    // A legacy session belongs to the principal that opened it.
    let owner = owner_of(incoming.extensions());
    let method = incoming.method();
    let is_initialize = method == Some("initialize");
    if app.options.stateless {
        // Transports, "Protocol Version Header": without the header, assume 2025-03-26.
        let version =
            (!is_initialize).then(|| header_version.unwrap_or(ProtocolVersion::V2025_03_26));
        let session = Session::open_at(&app.server, version);
        return answer(app, session, None, incoming, None, Era::Legacy, version).await;
    }
    if is_initialize {
        return initialize(app, incoming, owner).await;
    }
    let is_call = method == Some("tools/call");
    let Some(id) = headers.get(SESSION_HEADER) else {
        // Transports, "Session Management": requests without a required session id SHOULD get 400.
        return refusal(
            StatusCode::BAD_REQUEST,
            "Bad Request: the Mcp-Session-Id header is required; send `initialize` first",
        );
    };
    let owned = |id: &str| app.sessions.get(id, owner.as_deref());
    let Some(held) = id.to_str().ok().and_then(owned) else {
        // An unknown or ended session MUST get 404; the client then starts a new one.
        return refusal(
            StatusCode::NOT_FOUND,
            "Not Found: no such session; initialize a new one",
        );
    };
    // Transports, "Protocol Version Header": the client SHOULD send the negotiated version, and
    // only an invalid or unsupported one MUST get 400. A different supported version is served
    // at the negotiated one (the official conformance suite sends 2025-03-26 on a 2025-11-25
    // session, and the TypeScript SDK accepts it).
    let negotiated = held.session.protocol_version();
    if let (Some(sent), Some(negotiated)) = (header_version, negotiated)
        && sent != negotiated
    {
        tracing::debug!(
            header = sent.as_str(),
            negotiated = negotiated.as_str(),
            "MCP-Protocol-Version differs from the negotiated version; serving the negotiated one"
        );
    }
    let _in_use = held.use_now();
    let session = Arc::clone(&held.session);
    if is_call {
        return lazy::answer(app, session, held, incoming, negotiated).await;
    }
    // Transports, "Sending Messages to the Server": a response or notification the server
    // accepts MUST get 202 with no body (`Reply::Silent`).
    answer(
        app,
        session,
        Some(held),
        incoming,
        None,
        Era::Legacy,
        negotiated,
    )
    .await
}

async fn initialize(app: &Arc<App>, incoming: Incoming, owner: Option<String>) -> Response {
    // New sessions per client (`MCP_RATE_LIMIT_SESSIONS`), before a session is made.
    if let Some(rate) = app.options.rate_limits.session_rate {
        let who = crate::limits::subject(incoming.extensions());
        let decision = app.limiter.check("http-session", &who, rate, 1).await;
        if decision != crate::limits::Decision::Allowed {
            crate::metrics::rate_limited("session");
            let message = format!(
                "Too many new sessions: this client may open {rate} (MCP_RATE_LIMIT_SESSIONS); retry later"
            );
            let retry = decision.retry_after_secs();
            return guard::over_capacity(Capacity::Client, incoming.id(), &message, retry);
        }
    }
    let session = Session::open_secure(&app.server);
    // Once auth is on, sessions are counted per principal; before, per client address.
    let client = crate::limits::client(incoming.extensions());
    let held = match app
        .sessions
        .insert(Arc::clone(&session), client.as_deref(), owner)
    {
        Ok(held) => held,
        Err(full) => return sessions_full(app, incoming.id(), full),
    };
    let held_too = Some(Arc::clone(&held));
    let mut response = answer(app, session, held_too, incoming, None, Era::Legacy, None).await;
    if held.session.protocol_version().is_some() {
        // Transports, "Session Management": the id is assigned on the initialize response.
        if let Ok(id) = HeaderValue::from_str(held.session.id()) {
            response.headers_mut().insert(SESSION_HEADER, id);
        }
    } else {
        app.sessions.remove(held.session.id());
    }
    response
}

/// `initialize` refused at a session cap: 429 for the client's own, 503 for the server's, to be
/// retried once uninitialized sessions have had time to expire.
fn sessions_full(app: &App, id: Option<RequestId>, full: Full) -> Response {
    let retry_after = app.options.session_init_timeout.as_secs().max(1);
    let (whose, message) = match full {
        Full::Client => (
            Capacity::Client,
            "Too many sessions: this client holds as many sessions as it may \
             (MCP_MAX_SESSIONS_PER_CLIENT); end one with DELETE or retry later",
        ),
        Full::Server => (
            Capacity::Server,
            "Server busy: the server holds as many sessions as it may (MCP_MAX_SESSIONS); \
             retry later",
        ),
    };
    guard::over_capacity(whose, id, message, retry_after)
}

/// Runs the message and answers: JSON, or SSE when `stream` says the request will stream.
async fn answer(
    app: &Arc<App>,
    session: Arc<Session>,
    held: Option<Arc<HttpSession>>,
    incoming: Incoming,
    stream: Option<StreamKind>,
    era: Era,
    version: Option<ProtocolVersion>,
) -> Response {
    let request_id = incoming.request().map(|request| request.id.clone());
    let Some(kind) = stream else {
        let reply = session.handle(incoming, &NotificationSink::none());
        return match reply {
            Reply::Silent => StatusCode::ACCEPTED.into_response(),
            Reply::Now(out) => json_answer(&out, era),
            Reply::Later(future) => {
                // The call runs as its own task: a legacy client that disconnects does not
                // cancel it (it may resume or cancel explicitly); a modern one does.
                let _cancel_on_drop = (era == Era::Modern)
                    .then(|| CancelOnDrop(Arc::clone(&session), request_id.clone()));
                let outcome = tokio::spawn(future).await;
                match outcome {
                    Ok(Some(out)) => json_answer(&out, era),
                    // Cancelled: there is no answer to give.
                    Ok(None) | Err(_) => StatusCode::ACCEPTED.into_response(),
                }
            }
        };
    };
    let Some(global) = app.streams.try_take(app.options.max_streams) else {
        return guard::too_many_streams("the server has as many SSE streams open as it may");
    };
    let per_session = match &held {
        Some(held) => match held.streams.try_take(app.options.max_streams_per_session) {
            Some(slot) => Some(slot),
            None => {
                return guard::too_many_streams(
                    "this session has as many SSE streams open as it may",
                );
            }
        },
        None => None,
    };
    let legacy = era == Era::Legacy;
    let stream = EventStream::new(legacy.then(crate::ids::random_id), kind, app.limits);
    if let Some(held) = &held {
        held.remember(Arc::clone(&stream));
    }
    let sink = {
        let stream = Arc::clone(&stream);
        NotificationSink::new(move |line| stream.push(line))
    };
    match session.handle(incoming, &sink) {
        Reply::Silent => StatusCode::ACCEPTED.into_response(),
        Reply::Now(out) => json_answer(&out, era),
        Reply::Later(future) => {
            let producer = Arc::clone(&stream);
            tokio::spawn(async move {
                match future.await {
                    Some(out) => producer.finish_with(out.to_json()),
                    None => producer.close(),
                }
            });
            let priming = legacy && version.is_some_and(|v| v >= ProtocolVersion::V2025_11_25);
            let cancel = (era == Era::Modern).then(|| CancelOnDrop(session, request_id));
            let in_use = held.as_ref().map(HttpSession::use_now);
            let guard = (global, per_session, cancel, in_use);
            // The stream ends with its response (a subscription's, at shutdown, included).
            sse_response(stream, 0, priming, guard, std::future::pending())
        }
    }
}

/// Cancels a modern request when its HTTP response is dropped before it finished (2026-07-28,
/// Streamable HTTP "Cancellation": closing the response stream MUST be treated as cancellation).
/// Dropped after the request finished, it cancels nothing: the request is no longer in flight.
struct CancelOnDrop(Arc<Session>, Option<RequestId>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(id) = &self.1 {
            self.0.cancel_request(id);
        }
    }
}
