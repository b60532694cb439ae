//! SSE streams: a bounded buffer per stream between whoever produces events (a call's
//! notifications and response, a session's list changes) and the HTTP body that writes them.
//!
//! Producers never wait: when a reader is slow the oldest undelivered notifications are dropped,
//! never a request to the client or the final response. The same buffer serves `Last-Event-ID`
//! replay for legacy clients.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::stream;
use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::HttpOptions;

/// Per-stream limits, copied from the options.
#[derive(Clone, Copy, Debug)]
pub(super) struct StreamLimits {
    pub(super) max_events: u64,
    pub(super) max_bytes: u64,
    pub(super) lifetime: Duration,
    pub(super) buffer: usize,
    pub(super) heartbeat: Duration,
    pub(super) retry: Duration,
}

impl StreamLimits {
    pub(super) fn of(options: &HttpOptions) -> Self {
        StreamLimits {
            max_events: options.stream_max_events,
            max_bytes: options.stream_max_bytes,
            lifetime: options.stream_max_lifetime,
            buffer: options.stream_buffer.max(1),
            heartbeat: options.heartbeat,
            retry: options.retry,
        }
    }
}

/// What a stream is for: it decides what happens at the caps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum StreamKind {
    /// Carries one request's notifications, then its response: past a cap notifications are
    /// dropped, the response still goes out.
    Request,
    /// A legacy GET stream or a `subscriptions/listen` stream: past a cap it is closed.
    Standalone,
}

/// One SSE stream's events.
pub(super) struct EventStream {
    /// Legacy streams have ids (event ids are `<stream id>-<seq>`); modern ones do not
    /// (2026-07-28, Streamable HTTP: "Resumable SSE streams via `Last-Event-ID` are not
    /// supported").
    pub(super) id: Option<String>,
    kind: StreamKind,
    limits: StreamLimits,
    state: Mutex<StreamState>,
    wake: Notify,
    /// Cancelled to end the HTTP bodies reading the stream now, the stream going on (SEP-1699);
    /// replaced by a fresh token for readers that come later.
    readers: Mutex<CancellationToken>,
}

#[derive(Default)]
struct StreamState {
    /// `(seq, message, kept)`: kept messages (requests to the client) are never evicted.
    buffer: VecDeque<(u64, Arc<str>, bool)>,
    next_seq: u64,
    events: u64,
    bytes: u64,
    dropped: u64,
    finished: bool,
}

impl EventStream {
    pub(super) fn new(id: Option<String>, kind: StreamKind, limits: StreamLimits) -> Arc<Self> {
        Arc::new(EventStream {
            id,
            kind,
            limits,
            state: Mutex::default(),
            wake: Notify::new(),
            readers: Mutex::default(),
        })
    }

    /// The token that ends the readers of now: a reader started later gets another.
    pub(super) fn reader_token(&self) -> CancellationToken {
        self.readers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Ends the HTTP bodies reading this stream after what they already took; the stream itself
    /// goes on, for a reader that resumes with `Last-Event-ID`.
    pub(super) fn detach_readers(&self) {
        let mut readers = self.readers.lock().unwrap_or_else(PoisonError::into_inner);
        std::mem::take(&mut *readers).cancel();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, StreamState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a notification; returns whether it was taken.
    pub(super) fn push(&self, message: String) -> bool {
        self.push_event(message, false)
    }

    /// Adds a request to the client: within the caps like a notification, but never evicted
    /// from the buffer to make room.
    pub(super) fn push_kept(&self, message: String) -> bool {
        self.push_event(message, true)
    }

    fn push_event(&self, message: String, kept: bool) -> bool {
        let mut state = self.lock();
        if state.finished {
            return false;
        }
        let over_cap = state.events >= self.limits.max_events
            || state.bytes + message.len() as u64 > self.limits.max_bytes;
        if over_cap {
            state.dropped += 1;
            if self.kind == StreamKind::Standalone {
                state.finished = true;
                drop(state);
                tracing::debug!("sse stream closed at its cap");
                self.wake.notify_one();
            }
            return false;
        }
        self.append(&mut state, message, kept);
        true
    }

    /// Adds the final message (a response) whatever the caps, and ends the stream after it.
    pub(super) fn finish_with(&self, message: String) {
        let mut state = self.lock();
        if state.finished {
            return;
        }
        self.append(&mut state, message, true);
        state.finished = true;
        drop(state);
        self.wake.notify_one();
    }

    /// Ends the stream after what it holds.
    pub(super) fn close(&self) {
        self.lock().finished = true;
        self.wake.notify_one();
    }

    fn append(&self, state: &mut StreamState, message: String, kept: bool) {
        state.events += 1;
        state.bytes += message.len() as u64;
        let seq = state.next_seq;
        state.next_seq += 1;
        state.buffer.push_back((seq, message.into(), kept));
        while state.buffer.len() > self.limits.buffer {
            // The oldest notification is dropped; requests and the final response are kept.
            let Some(oldest) = state.buffer.iter().position(|(_, _, kept)| !kept) else {
                break;
            };
            state.buffer.remove(oldest);
            state.dropped += 1;
        }
        self.wake.notify_one();
    }

    /// Whether the stream has an event after `seq` still buffered, or `seq` itself (replay
    /// from a `Last-Event-ID` is possible).
    pub(super) fn holds_after(&self, seq: u64) -> bool {
        let state = self.lock();
        state.next_seq > seq
    }

    pub(super) fn is_finished(&self) -> bool {
        self.lock().finished
    }

    /// Events from `cursor` on, and whether the stream is over once they are written.
    fn take_from(&self, cursor: u64) -> (Vec<(u64, Arc<str>)>, bool) {
        let state = self.lock();
        let events: Vec<_> = state
            .buffer
            .iter()
            .filter(|(seq, _, _)| *seq >= cursor)
            .map(|(seq, data, _)| (*seq, Arc::clone(data)))
            .collect();
        (events, state.finished)
    }
}

/// Writes `stream` as an SSE response body from event `cursor` on, with heartbeats, until the
/// stream ends, its lifetime passes, or `stop` completes. `guard` is dropped when the body is
/// (the client went away, or the stream ended): it releases the stream's slot.
pub(super) fn sse_response(
    stream: Arc<EventStream>,
    cursor: u64,
    priming: bool,
    guard: impl Send + 'static,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> Response {
    let limits = stream.limits;
    let deadline = Instant::now() + limits.lifetime;
    let mut first = String::new();
    if priming && let Some(id) = &stream.id {
        // Transports (2025-11-25), "Sending Messages to the Server": the server SHOULD prime
        // the client to reconnect with an event that has an id and empty data.
        first = format!(
            "id: {id}-p\nretry: {}\ndata: \n\n",
            limits.retry.as_millis()
        );
    }
    struct Reader<G> {
        stream: Arc<EventStream>,
        cursor: u64,
        pending: Option<String>,
        stop: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>,
        _guard: G,
        done: bool,
    }
    let reader = Reader {
        stream,
        cursor,
        pending: (!first.is_empty()).then_some(first),
        stop: Box::pin(stop),
        _guard: guard,
        done: false,
    };
    let body = stream::unfold(reader, move |mut reader| async move {
        if let Some(first) = reader.pending.take() {
            return Some((Ok::<_, std::convert::Infallible>(first), reader));
        }
        if reader.done {
            return None;
        }
        let stream = Arc::clone(&reader.stream);
        loop {
            let notified = stream.wake.notified();
            let (events, finished) = stream.take_from(reader.cursor);
            if let Some((last, _)) = events.last() {
                reader.cursor = last + 1;
                let mut chunk = String::new();
                for (seq, data) in &events {
                    if let Some(id) = &stream.id {
                        chunk.push_str(&format!("id: {id}-{seq}\n"));
                    }
                    chunk.push_str("event: message\ndata: ");
                    chunk.push_str(data);
                    chunk.push_str("\n\n");
                }
                // A finished stream takes nothing more: what was read is all there is.
                reader.done = finished;
                return Some((Ok(chunk), reader));
            }
            if finished {
                return None;
            }
            tokio::select! {
                () = notified => continue,
                () = tokio::time::sleep(limits.heartbeat) => {
                    // Keep-alive comment: proxies and clients see traffic on a quiet stream.
                    return Some((Ok(":\n\n".to_owned()), reader));
                }
                () = tokio::time::sleep_until(deadline) => return None,
                () = &mut reader.stop => return None,
            }
        }
    });
    let mut response = Body::from_stream(body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // Streamable HTTP (2026-07-28), "Receiving Messages": SHOULD include `X-Accel-Buffering: no`.
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    *response.status_mut() = StatusCode::OK;
    response
}

/// A count of open streams with a cap; a slot is released when its guard drops.
#[derive(Default)]
pub(super) struct StreamCount {
    open: AtomicUsize,
    /// Whether its streams show in `mcp_server_open_sse_streams` (the server-wide count).
    metered: bool,
}

impl StreamCount {
    /// The server-wide count, whose streams the metrics show.
    pub(super) fn metered() -> Self {
        StreamCount {
            open: AtomicUsize::new(0),
            metered: true,
        }
    }

    /// Takes a slot if fewer than `cap` are taken.
    pub(super) fn try_take(self: &Arc<Self>, cap: usize) -> Option<StreamSlot> {
        self.open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |open| {
                (open < cap).then_some(open + 1)
            })
            .ok()
            .map(|_| StreamSlot {
                count: Arc::clone(self),
                _metered: self.metered.then(crate::metrics::stream_open),
            })
    }
}

/// One taken slot of a [`StreamCount`].
pub(super) struct StreamSlot {
    count: Arc<StreamCount>,
    _metered: Option<crate::metrics::Held>,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        self.count.open.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(buffer: usize, max_events: u64) -> StreamLimits {
        StreamLimits {
            max_events,
            max_bytes: 1 << 20,
            lifetime: Duration::from_secs(60),
            buffer,
            heartbeat: Duration::from_secs(60),
            retry: Duration::from_secs(1),
        }
    }

    #[test]
    fn a_slow_reader_loses_old_notifications_never_the_response() {
        let stream = EventStream::new(None, StreamKind::Request, limits(2, 100));
        for n in 0..5 {
            assert!(stream.push(format!("n{n}")));
        }
        stream.finish_with("response".into());
        let (events, finished) = stream.take_from(0);
        let data: Vec<&str> = events.iter().map(|(_, d)| &**d).collect();
        assert_eq!(data, ["n4", "response"]);
        assert!(finished);
        assert!(!stream.push("late".into()), "nothing after the response");
    }

    #[test]
    fn requests_to_the_client_are_never_evicted() {
        let stream = EventStream::new(None, StreamKind::Request, limits(2, 100));
        assert!(stream.push_kept("request".into()));
        for n in 0..3 {
            assert!(stream.push(format!("n{n}")));
        }
        let (events, _) = stream.take_from(0);
        let data: Vec<&str> = events.iter().map(|(_, d)| &**d).collect();
        assert_eq!(data, ["request", "n2"]);
        let token = stream.reader_token();
        stream.detach_readers();
        assert!(token.is_cancelled() && !stream.reader_token().is_cancelled());
    }

    #[test]
    fn caps_drop_request_notifications_and_close_standalone_streams() {
        let request = EventStream::new(None, StreamKind::Request, limits(10, 1));
        assert!(request.push("a".into()));
        assert!(!request.push("b".into()));
        request.finish_with("response".into());
        assert_eq!(request.take_from(0).0.len(), 2);

        let standalone = EventStream::new(None, StreamKind::Standalone, limits(10, 1));
        assert!(standalone.push("a".into()));
        assert!(!standalone.push("b".into()));
        assert!(standalone.is_finished());
    }

    #[test]
    fn slots_are_capped_and_released() {
        let count = Arc::new(StreamCount::default());
        let first = count.try_take(1).expect("a free slot");
        assert!(count.try_take(1).is_none());
        drop(first);
        assert!(count.try_take(1).is_some());
    }
}
