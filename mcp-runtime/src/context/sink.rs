//! Where a request's messages go besides its answer: the transport's outlet for notifications
//! and requests to the client, and the per-call channel a `Ctx` writes progress and log
//! messages to.

use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

/// Where the messages of a request go besides its answer: notifications, and requests to the
/// client. A transport hands one to [`Session::handle`](crate::server::Session::handle): stdio
/// writes them to stdout, Streamable HTTP onto the request's SSE stream.
///
/// Sending never waits: a sink that is full or closed refuses the message (and says so).
#[derive(Clone, Default)]
pub struct NotificationSink(Option<Arc<dyn SinkTarget>>);

/// What a transport does with the messages of one request.
pub(crate) trait SinkTarget: Send + Sync {
    /// A notification; it may be dropped later when the transport falls behind. Returns whether
    /// it was taken.
    fn notify(&self, message: String) -> bool;

    /// A request to the client: once taken it is never dropped to make room. Returns whether it
    /// was taken.
    fn request(&self, message: String) -> bool {
        self.notify(message)
    }

    /// Closes the stream the request's messages travel on, so that the client reconnects
    /// (SEP-1699); returns whether there was such a stream.
    fn close_stream(&self) -> bool {
        false
    }
}

/// A sink that writes every message the same way.
struct Lines<F>(F);

impl<F: Fn(String) -> bool + Send + Sync> SinkTarget for Lines<F> {
    fn notify(&self, message: String) -> bool {
        (self.0)(message)
    }
}

impl NotificationSink {
    /// A sink calling `send` with each message (one JSON-RPC notification or request); `send`
    /// returns whether the line was taken.
    pub fn new(send: impl Fn(String) -> bool + Send + Sync + 'static) -> Self {
        NotificationSink(Some(Arc::new(Lines(send))))
    }

    /// A sink that takes nothing: requests answered with one JSON body.
    pub fn none() -> Self {
        NotificationSink(None)
    }

    pub(crate) fn from_outlet(outlet: Arc<dyn SinkTarget>) -> Self {
        NotificationSink(Some(outlet))
    }

    /// Whether the sink can take anything at all.
    pub fn is_connected(&self) -> bool {
        self.0.is_some()
    }

    pub(crate) fn send(&self, line: String) -> bool {
        self.0.as_ref().is_some_and(|outlet| outlet.notify(line))
    }

    pub(crate) fn send_request(&self, line: String) -> bool {
        self.0.as_ref().is_some_and(|outlet| outlet.request(line))
    }

    pub(crate) fn close_stream(&self) -> bool {
        self.0.as_ref().is_some_and(|outlet| outlet.close_stream())
    }
}

impl std::fmt::Debug for NotificationSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "NotificationSink(connected)"
        } else {
            "NotificationSink(none)"
        })
    }
}

/// The way back to the client for one call.
#[derive(Debug)]
pub(crate) struct RequestSink {
    pub(crate) sink: NotificationSink,
    pub(crate) progress_token: Option<Value>,
    pub(super) last_progress: Mutex<Option<f64>>,
    /// The least severe level the client wants (`LogLevel::rank`), 0 for none.
    pub(crate) log_threshold: Arc<AtomicU8>,
    /// Set when the call has been answered: nothing more may be sent for it.
    finished: AtomicBool,
    /// Notifications the sink took, for the call's log line (`notifications_sent`).
    sent: AtomicU32,
}

impl RequestSink {
    pub(crate) fn new(
        sink: NotificationSink,
        progress_token: Option<Value>,
        log_threshold: Arc<AtomicU8>,
    ) -> Arc<Self> {
        Arc::new(RequestSink {
            sink,
            progress_token,
            last_progress: Mutex::new(None),
            log_threshold,
            finished: AtomicBool::new(false),
            sent: AtomicU32::new(0),
        })
    }

    /// Progress: notifications MUST stop after completion.
    pub(crate) fn finish(&self) {
        self.finished.store(true, Ordering::Release);
    }

    /// Whether the call has been answered.
    pub(crate) fn is_finished(&self) -> bool {
        self.finished.load(Ordering::Acquire)
    }

    /// How many notifications the sink took for this call.
    pub(crate) fn notifications_sent(&self) -> u32 {
        self.sent.load(Ordering::Relaxed)
    }

    pub(super) fn send(&self, method: &str, params: Value) -> bool {
        if self.finished.load(Ordering::Acquire) {
            return false;
        }
        let message = json!({"jsonrpc": "2.0", "method": method, "params": params});
        let taken = self.sink.send(message.to_string());
        if taken {
            self.sent.fetch_add(1, Ordering::Relaxed);
        }
        taken
    }
}
