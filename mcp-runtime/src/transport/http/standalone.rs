//! GET (a legacy session's standalone SSE stream, or the resumption of any of its streams with
//! `Last-Event-ID`) and DELETE (the end of a legacy session).

use std::sync::Arc;

use axum::extract::State;
use axum::http::Extensions;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio_util::sync::CancellationToken;

use super::App;
use super::guard::{self, Refusal, error_response, refusal};
use super::post::{SESSION_HEADER, VERSION_HEADER};
use super::sessions::{HttpSession, owner_of};
use super::stream::{EventStream, StreamKind, sse_response};
use crate::protocol::ProtocolVersion;
use crate::server::ChangeNotifications;

/// The `MCP-Protocol-Version` header of a GET or DELETE, or the version requested when it is
/// not one this server speaks.
fn header_version(headers: &HeaderMap) -> Result<Option<ProtocolVersion>, String> {
    match headers.get(VERSION_HEADER).map(|v| v.to_str()) {
        None => Ok(None),
        Some(Ok(name)) => ProtocolVersion::parse(name)
            .map(Some)
            .ok_or_else(|| name.to_owned()),
        Some(Err(_)) => Err("(not text)".to_owned()),
    }
}

/// Transports, "Protocol Version Header": an invalid or unsupported version MUST get 400, on
/// every request (GET and DELETE too), with the versions served.
fn unsupported(requested: &str) -> Response {
    error_response(
        StatusCode::BAD_REQUEST,
        None,
        ProtocolVersion::unsupported_error(requested),
    )
}

/// The legacy session a GET or DELETE names, or the refusal to send.
fn named_session(
    app: &App,
    headers: &HeaderMap,
    extensions: &Extensions,
    version: Option<ProtocolVersion>,
) -> Result<Arc<HttpSession>, Refusal> {
    // 2026-07-28 has no GET stream and no sessions ("Backward Compatibility": 405); neither has
    // a stateless server.
    if version.is_some_and(ProtocolVersion::is_modern) || app.options.stateless {
        return Err(Refusal(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method Not Allowed: this endpoint has no sessions in this mode; use POST",
        ));
    }
    let Some(id) = headers.get(SESSION_HEADER) else {
        return Err(Refusal(
            StatusCode::BAD_REQUEST,
            "Bad Request: the Mcp-Session-Id header is required",
        ));
    };
    id.to_str()
        .ok()
        .and_then(|id| app.sessions.get(id, owner_of(extensions).as_deref()))
        .ok_or(Refusal(StatusCode::NOT_FOUND, "Not Found: no such session"))
}

pub(super) async fn open(
    State(app): State<Arc<App>>,
    extensions: Extensions,
    headers: HeaderMap,
) -> Response {
    if !guard::accepts(&headers, "text/event-stream") {
        return refusal(
            StatusCode::NOT_ACCEPTABLE,
            "Not Acceptable: `Accept` must list text/event-stream",
        );
    }
    let version = match header_version(&headers) {
        Ok(version) => version,
        Err(requested) => return unsupported(&requested),
    };
    let held = match named_session(&app, &headers, &extensions, version) {
        Ok(held) => held,
        Err(refused) => return refused.into_response(),
    };
    let Some(global) = app.streams.try_take(app.options.max_streams) else {
        return guard::too_many_streams("the server has as many SSE streams open as it may");
    };
    let Some(per_session) = held.streams.try_take(app.options.max_streams_per_session) else {
        return guard::too_many_streams("this session has as many SSE streams open as it may");
    };
    let in_use = held.use_now();
    let ended = held.ended.clone();
    let shutdown = app.server.clone();
    let stop = async move {
        tokio::select! {
            () = ended.cancelled() => {},
            () = shutdown.shutting_down() => {},
        }
    };
    if let Some(last) = headers.get("last-event-id").and_then(|v| v.to_str().ok()) {
        // Transports, "Resumability and Redelivery": replay what followed the last event seen,
        // on the stream it belonged to, and only that stream's messages.
        let Some((stream, cursor)) = resumable(&held, last) else {
            return refusal(
                StatusCode::BAD_REQUEST,
                "Bad Request: the stream of this Last-Event-ID is no longer available",
            );
        };
        // SEP-1699: a tool may close this stream again (`Ctx::close_sse_stream`).
        let readers = stream.reader_token();
        let stop = async move {
            tokio::select! {
                () = stop => {},
                () = readers.cancelled() => {},
            }
        };
        return sse_response(stream, cursor, false, (global, per_session, in_use), stop);
    }
    let stream = EventStream::new(
        Some(crate::ids::random_id()),
        StreamKind::Standalone,
        app.limits,
    );
    held.remember(Arc::clone(&stream));
    // Server-initiated messages of the session (tool-list changes) go on this stream while a
    // reader holds it.
    let reader_gone = CancellationToken::new();
    let mut changes = ChangeNotifications::of(&held.session);
    let (producer, gone) = (Arc::clone(&stream), reader_gone.clone());
    tokio::spawn(async move {
        loop {
            tokio::select! {
                () = gone.cancelled() => break,
                change = changes.next() => {
                    let Some(notification) = change else { break };
                    if !producer.push(notification) {
                        break;
                    }
                }
            }
        }
        producer.close();
    });
    let priming = held
        .session
        .protocol_version()
        .is_some_and(|v| v >= ProtocolVersion::V2025_11_25);
    let guard = (global, per_session, in_use, reader_gone.drop_guard());
    sse_response(stream, 0, priming, guard, stop)
}

/// `<stream id>-<seq>` (or `-p` for the priming event) → the stream and the next event to send.
fn resumable(held: &HttpSession, last_event_id: &str) -> Option<(Arc<EventStream>, u64)> {
    let (stream_id, seq) = last_event_id.rsplit_once('-')?;
    let stream = held.stream(stream_id)?;
    let cursor = match seq {
        "p" => 0,
        seq => seq.parse::<u64>().ok()? + 1,
    };
    (cursor == 0 || stream.holds_after(cursor - 1)).then_some((stream, cursor))
}

pub(super) async fn end_session(
    State(app): State<Arc<App>>,
    extensions: Extensions,
    headers: HeaderMap,
) -> Response {
    let version = match header_version(&headers) {
        Ok(version) => version,
        Err(requested) => return unsupported(&requested),
    };
    match named_session(&app, &headers, &extensions, version) {
        Ok(held) => {
            // Transports, "Session Management": after DELETE, requests naming the session get 404.
            app.sessions.remove(held.session.id());
            StatusCode::NO_CONTENT.into_response()
        }
        Err(refused) => refused.into_response(),
    }
}
