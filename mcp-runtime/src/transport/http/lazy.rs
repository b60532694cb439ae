//! A legacy `tools/call` answered with plain JSON, unless the call sends something before it
//! ends: then the answer becomes an SSE stream that begins with that message. A call that sends
//! nothing (the common case) costs one channel more than a JSON answer.
//!
//! Transports (2025-03-26 … 2025-11-25), "Sending Messages to the Server": the server either
//! returns one JSON object or opens an SSE stream, on which it MAY send requests and
//! notifications before the response. Deciding at the first message lets a tool ask the
//! client (`elicitation/create`, `sampling/createMessage`) without a `progressToken`.

use std::sync::{Arc, Mutex, PoisonError};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use super::App;
use super::guard::json_answer;
use super::sessions::HttpSession;
use super::stream::{EventStream, StreamKind, StreamSlot, sse_response};
use crate::context::{NotificationSink, SinkTarget};
use crate::protocol::jsonrpc::{Frame, Response as JsonRpcResponse};
use crate::protocol::{Era, ProtocolVersion};
use crate::server::{Incoming, Reply, Session};

/// Runs a legacy `tools/call` and answers it: JSON if it ends before sending anything, SSE
/// otherwise.
pub(super) async fn answer(
    app: &Arc<App>,
    session: Arc<Session>,
    held: Arc<HttpSession>,
    incoming: Incoming,
    version: Option<ProtocolVersion>,
) -> Response {
    let era = Era::Legacy;
    // Streams of 2025-11-25 sessions carry event ids and `retry`: a client can resume them,
    // so only they may be closed mid-call (SEP-1699).
    let resumable = version.is_some_and(|v| v >= ProtocolVersion::V2025_11_25);
    let (decide, decision) = oneshot::channel();
    let lazy = Arc::new(LazyStream {
        app: Arc::clone(app),
        held: Arc::clone(&held),
        resumable,
        state: Mutex::new(LazyState {
            decide: Some(decide),
            stream: None,
            finished: false,
        }),
    });
    let sink = NotificationSink::from_outlet(Arc::clone(&lazy) as Arc<dyn SinkTarget>);
    let future = match session.handle(incoming, &sink) {
        Reply::Silent => return StatusCode::ACCEPTED.into_response(),
        Reply::Now(out) => return json_answer(&out, era),
        Reply::Later(future) => future,
    };
    // The call runs as its own task: a legacy client that disconnects does not cancel it (it
    // may resume the stream, or cancel explicitly).
    tokio::spawn(async move {
        let out = future.await;
        lazy.finish(out);
    });
    match decision.await {
        Ok(Decision::Json(Some(out))) => json_answer(&out, era),
        // Cancelled: there is no answer to give.
        Ok(Decision::Json(None)) | Err(_) => StatusCode::ACCEPTED.into_response(),
        Ok(Decision::Sse(upgraded)) => {
            let Upgraded {
                stream,
                slots,
                readers,
            } = upgraded;
            let guard = (slots, held.use_now());
            sse_response(stream, 0, resumable, guard, readers.cancelled_owned())
        }
    }
}

/// How the handler answers.
enum Decision {
    Json(Option<Frame<JsonRpcResponse>>),
    Sse(Upgraded),
}

struct Upgraded {
    stream: Arc<EventStream>,
    /// The global and the per-session stream slots, held while the HTTP body is read.
    slots: (StreamSlot, StreamSlot),
    /// Ends the POST's body, not the stream (SEP-1699).
    readers: CancellationToken,
}

/// The outlet of one legacy call: the SSE stream once there is one.
struct LazyStream {
    app: Arc<App>,
    held: Arc<HttpSession>,
    resumable: bool,
    state: Mutex<LazyState>,
}

struct LazyState {
    /// Taken by whichever comes first: the first message (SSE) or the end of the call (JSON).
    decide: Option<oneshot::Sender<Decision>>,
    stream: Option<Arc<EventStream>>,
    finished: bool,
}

impl LazyStream {
    fn lock(&self) -> std::sync::MutexGuard<'_, LazyState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The call's SSE stream, opened now if need be; `None` when the call has ended or no
    /// stream slot is free (the caps hold: a notification is dropped, a request fails).
    fn stream(&self, state: &mut LazyState) -> Option<Arc<EventStream>> {
        if state.finished {
            return None;
        }
        if let Some(stream) = &state.stream {
            return Some(Arc::clone(stream));
        }
        let options = &self.app.options;
        let global = self.app.streams.try_take(options.max_streams)?;
        let per_session = self
            .held
            .streams
            .try_take(options.max_streams_per_session)?;
        let decide = state.decide.take()?;
        let id = crate::ids::random_id();
        let stream = EventStream::new(Some(id), StreamKind::Request, self.app.limits);
        self.held.remember(Arc::clone(&stream));
        let upgraded = Upgraded {
            stream: Arc::clone(&stream),
            slots: (global, per_session),
            readers: stream.reader_token(),
        };
        // A handler gone (the client hung up) leaves the stream to `Last-Event-ID`.
        let _gone = decide.send(Decision::Sse(upgraded));
        state.stream = Some(Arc::clone(&stream));
        Some(stream)
    }

    fn finish(&self, out: Option<Frame<JsonRpcResponse>>) {
        let mut state = self.lock();
        state.finished = true;
        match (&state.stream, out) {
            (Some(stream), Some(out)) => stream.finish_with(out.to_json()),
            (Some(stream), None) => stream.close(),
            (None, out) => {
                if let Some(decide) = state.decide.take() {
                    let _gone = decide.send(Decision::Json(out));
                }
            }
        }
    }
}

impl SinkTarget for LazyStream {
    fn notify(&self, message: String) -> bool {
        let mut state = self.lock();
        self.stream(&mut state)
            .is_some_and(|stream| stream.push(message))
    }

    fn request(&self, message: String) -> bool {
        let mut state = self.lock();
        self.stream(&mut state)
            .is_some_and(|stream| stream.push_kept(message))
    }

    fn close_stream(&self) -> bool {
        if !self.resumable {
            return false;
        }
        let mut state = self.lock();
        let Some(stream) = self.stream(&mut state) else {
            return false;
        };
        // SEP-1699: the server may close the stream mid-call; the client reconnects with
        // `Last-Event-ID` and the rest, response included, is replayed there.
        stream.detach_readers();
        true
    }
}
