//! The optional context parameter of a tool: who is asking, in which protocol, whether they
//! still want the answer, and the way back to them for progress and log messages.

use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};

use http::Extensions;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::principal::Principal;
use crate::protocol::ProtocolVersion;
use crate::protocol::client::ClientCapabilities;
use crate::protocol::elicitation::{ElicitResult, Elicitation};
use crate::protocol::jsonrpc::RequestId;
use crate::protocol::meta::LogLevel;
use crate::protocol::roots::{ListRoots, Root};
use crate::protocol::sampling::{CreateMessage, SamplingResult};
pub(crate) mod client_requests;
mod link;
pub(crate) mod mrtr;
mod sink;

use client_requests::ClientRequestError;
pub(crate) use link::ClientLink;
pub use sink::NotificationSink;
pub(crate) use sink::{RequestSink, SinkTarget};

/// Per-call context. Take it as a `&Ctx` parameter of a `#[tool]` function (or of a resource or
/// prompt handler).
#[derive(Clone, Debug)]
pub struct Ctx {
    request_id: RequestId,
    protocol_version: ProtocolVersion,
    cancellation: CancellationToken,
    channel: Arc<RequestSink>,
    client: ClientLink,
    extensions: Arc<Extensions>,
}

/// What the invocation runner gives a handler's [`Ctx`], by name.
pub(crate) struct CtxParts {
    pub(crate) request_id: RequestId,
    pub(crate) protocol_version: ProtocolVersion,
    pub(crate) cancellation: CancellationToken,
    pub(crate) channel: Arc<RequestSink>,
    pub(crate) client: ClientLink,
    pub(crate) extensions: Arc<Extensions>,
}

impl From<CtxParts> for Ctx {
    fn from(parts: CtxParts) -> Self {
        Ctx {
            request_id: parts.request_id,
            protocol_version: parts.protocol_version,
            cancellation: parts.cancellation,
            channel: parts.channel,
            client: parts.client,
            extensions: parts.extensions,
        }
    }
}

impl Ctx {
    /// A context connected to nothing: no client to ask, nowhere to send notifications.
    pub(crate) fn detached() -> Self {
        Ctx::from(CtxParts {
            request_id: RequestId::Number(0.into()),
            protocol_version: ProtocolVersion::LATEST,
            cancellation: CancellationToken::new(),
            channel: RequestSink::new(NotificationSink::none(), None, Arc::default()),
            client: ClientLink::Detached(ClientCapabilities::default()),
            extensions: Arc::default(),
        })
    }

    pub(crate) fn channel(&self) -> &Arc<RequestSink> {
        &self.channel
    }

    /// A value the transport, or a tower layer in front of it, attached to the request's
    /// extensions (the axum `Extension` convention): insert it with
    /// `request.extensions_mut().insert(value)` in your layer, read it here by type. Over stdio
    /// there are none.
    pub fn extension<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.extensions.get::<T>()
    }

    /// The verified caller, when the server authenticates (its auth layer, or a layer of the
    /// user's own, inserted it). Identity, scopes and tenant come from the credential only.
    pub fn principal(&self) -> Option<&Principal> {
        self.extensions.get::<Principal>()
    }

    /// All of the request's extensions.
    pub fn extensions(&self) -> &Extensions {
        &self.extensions
    }

    /// The JSON-RPC id of the `tools/call` request.
    pub fn request_id(&self) -> &RequestId {
        &self.request_id
    }

    /// The protocol version of the call: negotiated by `initialize`, or the request's own.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.protocol_version
    }

    /// Whether the client cancelled the call (`notifications/cancelled`, or on 2026-07-28 over
    /// HTTP by closing the response stream).
    ///
    /// The runtime stops polling a cancelled call by itself; check this in long synchronous loops.
    pub fn is_cancelled(&self) -> bool {
        self.cancellation.is_cancelled()
    }

    /// Completes when the client cancels the call.
    pub async fn cancelled(&self) {
        self.cancellation.cancelled().await
    }

    /// The cancellation token, to hand to work the call spawns.
    pub fn cancellation_token(&self) -> &CancellationToken {
        &self.cancellation
    }

    /// Whether the client asked for progress (it sent a `progressToken`).
    pub fn wants_progress(&self) -> bool {
        self.channel.progress_token.is_some()
    }

    /// Reports progress: `progress` so far, out of `total` if known, with an optional message
    /// for people.
    ///
    /// Sent only when the client asked for progress, and only when `progress` is greater than
    /// the last value sent (Progress: the value MUST increase with each notification); returns
    /// whether the notification went out.
    pub fn progress(&self, progress: f64, total: Option<f64>, message: Option<&str>) -> bool {
        let Some(token) = &self.channel.progress_token else {
            return false;
        };
        if !progress.is_finite() {
            return false;
        }
        {
            let mut last = self
                .channel
                .last_progress
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if last.is_some_and(|last| progress <= last) {
                return false;
            }
            *last = Some(progress);
        }
        let mut params = json!({"progressToken": token, "progress": progress});
        if let Some(total) = total.filter(|total| total.is_finite()) {
            params["total"] = json!(total);
        }
        if let Some(message) = message {
            params["message"] = json!(message);
        }
        self.channel.send("notifications/progress", params)
    }

    /// Sends a log message to the client (`notifications/message`) if it asked for messages of
    /// this severity (`logging/setLevel`, or the request's `_meta` log level on 2026-07-28);
    /// returns whether it went out.
    ///
    /// This is for the client. The server's own log is `tracing`, which never sees this data.
    pub fn log(&self, level: LogLevel, data: impl Into<Value>) -> bool {
        let threshold = self.channel.log_threshold.load(Ordering::Relaxed);
        if threshold == 0 || level.rank() < threshold {
            return false;
        }
        self.channel.send(
            "notifications/message",
            json!({"level": level.as_str(), "data": data.into()}),
        )
    }

    /// What the client declared it can answer (from `initialize`, or on 2026-07-28 from the
    /// request's `_meta`).
    pub fn client_capabilities(&self) -> &ClientCapabilities {
        self.client.capabilities()
    }

    /// Asks the client's model for a completion (`sampling/createMessage`).
    ///
    /// Fails at once, sending nothing, when the client did not declare `sampling` (or
    /// `sampling.tools` for a request with tools). On legacy versions the request goes to the
    /// client now and the call waits for the answer (at most the request's timeout, 5 minutes
    /// unless configured). On 2026-07-28 the call is answered with `input_required` and runs
    /// again from the start when the client retries with the answer (Multi Round-Trip Requests):
    /// there, a tool must do the same things up to its client requests on every run.
    pub async fn sample(
        &self,
        request: CreateMessage,
    ) -> Result<SamplingResult, ClientRequestError> {
        self.client.send(self, request).await
    }

    /// Asks the user for input through the client (`elicitation/create`): a form, or a URL to
    /// open (2025-11-25 and later).
    ///
    /// Fails at once, sending nothing, when the client did not declare the mode's capability
    /// (`elicitation`, `elicitation.form` or `elicitation.url`). Waiting and retries work as for
    /// [`Ctx::sample`]. A declined or cancelled form is an `Ok` answer, not an error.
    pub async fn elicit(&self, request: Elicitation) -> Result<ElicitResult, ClientRequestError> {
        self.client.send(self, request).await
    }

    /// Asks the client for its filesystem roots (`roots/list`).
    ///
    /// Fails at once, sending nothing, when the client did not declare `roots`. Waiting and
    /// retries work as for [`Ctx::sample`].
    pub async fn list_roots(&self, request: ListRoots) -> Result<Vec<Root>, ClientRequestError> {
        self.client.send(self, request).await
    }

    /// Closes the SSE stream this call answers on, mid-call, so that the client reconnects with
    /// `Last-Event-ID` and receives the rest (the response included) on the resumed stream
    /// (SEP-1699: servers may close a stream to poll instead of holding connections open).
    ///
    /// Only Streamable HTTP sessions at 2025-11-25 or later have such streams (their events
    /// carry ids and a `retry` hint); elsewhere this does nothing and returns false. A call
    /// answered with plain JSON so far is switched to SSE first.
    pub fn close_sse_stream(&self) -> bool {
        if self.channel.is_finished() {
            return false;
        }
        self.channel.sink.close_stream()
    }
}
