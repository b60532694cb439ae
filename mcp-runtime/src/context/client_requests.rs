//! Requests from a tool to the client (`sampling/createMessage`, `elicitation/create`,
//! `roots/list`), made
//! through its [`Ctx`]: the capability check, the session's table of requests awaiting an
//! answer (legacy versions), and the hand-over to Multi Round-Trip Requests (2026-07-28,
//! `mrtr.rs`).
//!
//! Errors are [`ClientRequestError`]s, which a tool returns or `?`s into a [`ToolError`]: they
//! are user-facing (the model reads why the client could not be asked), because none of them
//! carries anything of the server's own.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::oneshot;

use super::Ctx;
use crate::context::NotificationSink;
use crate::failure::{IntoToolFailure, ToolError, ToolFailure};
use crate::protocol::ProtocolVersion;
use crate::protocol::client::{ClientCapabilities, RequestOptions};
use crate::protocol::elicitation::{ElicitResult, Elicitation};
use crate::protocol::jsonrpc::RequestId;
use crate::protocol::roots::{ListRoots, Root};
use crate::protocol::sampling::{CreateMessage, SamplingResult};

/// Why a request to the client gave no answer.
///
/// User-facing: a tool may return it, or `?` it into a [`ToolError`], and the model reads the
/// message (it names the method, the capability or the time limit, and quotes nothing but the
/// client's own error message). It is deliberately not a `std::error::Error`, whose errors this
/// runtime reports as opaque internal errors.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ClientRequestError {
    /// The client did not declare the capability the request needs; nothing was sent.
    NotSupported {
        /// The request's method.
        method: &'static str,
        /// The capability, such as `elicitation.url`.
        capability: &'static str,
    },
    /// The call's protocol version has no such request; nothing was sent.
    NotInVersion {
        /// The request's method (and mode).
        method: &'static str,
        /// The call's version.
        version: ProtocolVersion,
    },
    /// This call has no way to the client: it was answered already, or it came in a JSON-RPC
    /// batch or over a transport that carries no server messages.
    NoChannel,
    /// The transport could not take the request (its queue is full, or the connection is
    /// gone); nothing was sent.
    NotSent,
    /// The client did not answer in time; the request was cancelled.
    Timeout {
        /// The request's method.
        method: &'static str,
        /// How long the server waited.
        after: Duration,
    },
    /// The tool call was cancelled while the request waited for its answer.
    Cancelled,
    /// The client answered with a JSON-RPC error.
    Client {
        /// The error's code.
        code: i64,
        /// The error's message, as the client wrote it.
        message: String,
        /// The error's `data`, if any.
        data: Option<Value>,
    },
    /// The client's answer does not have the shape of the request's result.
    InvalidResult {
        /// The request's method.
        method: &'static str,
    },
}

impl fmt::Display for ClientRequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientRequestError::NotSupported { method, capability } => write!(
                f,
                "the client cannot answer `{method}`: it did not declare the `{capability}` capability"
            ),
            ClientRequestError::NotInVersion { method, version } => {
                write!(f, "protocol version {version} has no `{method}` request")
            }
            ClientRequestError::NoChannel => f.write_str(
                "this call cannot send requests to the client (it was answered already, or came in a batch)",
            ),
            ClientRequestError::NotSent => f.write_str(
                "the request to the client could not be sent: the connection is closed or too far behind",
            ),
            ClientRequestError::Timeout { method, after } => write!(
                f,
                "the client did not answer `{method}` within {}",
                crate::failure::human_duration(*after)
            ),
            ClientRequestError::Cancelled => {
                f.write_str("the tool call was cancelled while waiting for the client")
            }
            ClientRequestError::Client { code, message, .. } => {
                write!(f, "the client answered with error {code}: {message}")
            }
            ClientRequestError::InvalidResult { method } => {
                write!(f, "the client's answer to `{method}` is not a valid result")
            }
        }
    }
}

// Not listed in diagnostics: for a type that is neither, rustc should point at `ToolError` and
// `std::error::Error`, as the trait's own message does.
#[diagnostic::do_not_recommend]
impl IntoToolFailure for ClientRequestError {
    fn into_tool_failure(self) -> ToolFailure {
        match self {
            // 2026-07-28 basic/index, "Per-request protocol fields": a request whose processing
            // requires a capability the client did not declare MUST get -32021.
            ClientRequestError::NotSupported { capability, .. } => {
                let message = self.to_string().into();
                ToolFailure::MissingCapability {
                    capability,
                    message,
                }
            }
            _ => ToolFailure::UserFacing(self.to_string().into()),
        }
    }
}

impl From<ClientRequestError> for ToolError {
    fn from(error: ClientRequestError) -> Self {
        ToolError::from_failure(error.into_tool_failure())
    }
}

/// A request a tool can send, as the runtime needs to see it.
pub(crate) trait ClientCall {
    /// What the tool gets back.
    type Output;

    /// The JSON-RPC method.
    const METHOD: &'static str;

    /// Whether the client (at `version`, with `capabilities`) may be sent this request.
    /// Capabilities: servers MUST NOT send requests the client did not declare (client/sampling,
    /// "Tools in Sampling"; client/elicitation, "Capabilities").
    fn check(
        &self,
        version: ProtocolVersion,
        capabilities: &ClientCapabilities,
    ) -> Result<(), ClientRequestError>;

    /// The request's `params`, serialised.
    fn params_json(&self, version: ProtocolVersion) -> String;

    fn options(&self) -> &RequestOptions;

    /// Reads the client's result.
    fn parse(result: Value) -> Option<Self::Output>;
}

impl ClientCall for CreateMessage {
    type Output = SamplingResult;
    const METHOD: &'static str = "sampling/createMessage";

    fn check(
        &self,
        version: ProtocolVersion,
        capabilities: &ClientCapabilities,
    ) -> Result<(), ClientRequestError> {
        let method = Self::METHOD;
        if !capabilities.sampling() {
            return Err(ClientRequestError::NotSupported {
                method,
                capability: "sampling",
            });
        }
        if self.uses_tools() {
            if version < ProtocolVersion::V2025_11_25 {
                let method = "sampling/createMessage with tools";
                return Err(ClientRequestError::NotInVersion { method, version });
            }
            if !capabilities.sampling_tools() {
                let capability = "sampling.tools";
                return Err(ClientRequestError::NotSupported { method, capability });
            }
        }
        Ok(())
    }

    fn params_json(&self, _version: ProtocolVersion) -> String {
        self.params().to_string()
    }

    fn options(&self) -> &RequestOptions {
        &self.options
    }

    fn parse(result: Value) -> Option<SamplingResult> {
        SamplingResult::from_json(result)
    }
}

impl ClientCall for Elicitation {
    type Output = ElicitResult;
    const METHOD: &'static str = "elicitation/create";

    fn check(
        &self,
        version: ProtocolVersion,
        capabilities: &ClientCapabilities,
    ) -> Result<(), ClientRequestError> {
        // Elicitation exists from 2025-06-18 on, URL mode from 2025-11-25 on.
        let (method, since) = match self.is_url() {
            true => (
                "elicitation/create (url mode)",
                ProtocolVersion::V2025_11_25,
            ),
            false => ("elicitation/create", ProtocolVersion::V2025_06_18),
        };
        if version < since {
            return Err(ClientRequestError::NotInVersion { method, version });
        }
        // client/elicitation, "Capabilities": servers MUST NOT send elicitation requests with
        // modes the client does not support.
        let (supported, capability) = match self.is_url() {
            true => (capabilities.elicitation_url(), "elicitation.url"),
            // Before 2025-11-25 there were no modes: any `elicitation` object means forms.
            false if version < ProtocolVersion::V2025_11_25 => (
                capabilities
                    .as_json()
                    .get("elicitation")
                    .is_some_and(Value::is_object),
                "elicitation",
            ),
            false => (capabilities.elicitation_form(), "elicitation.form"),
        };
        match supported {
            true => Ok(()),
            false => Err(ClientRequestError::NotSupported {
                method: Self::METHOD,
                capability,
            }),
        }
    }

    fn params_json(&self, version: ProtocolVersion) -> String {
        Elicitation::params_json(self, version)
    }

    fn options(&self) -> &RequestOptions {
        &self.options
    }

    fn parse(result: Value) -> Option<ElicitResult> {
        ElicitResult::from_json(&result)
    }
}

impl ClientCall for ListRoots {
    type Output = Vec<Root>;
    const METHOD: &'static str = "roots/list";

    fn check(
        &self,
        _version: ProtocolVersion,
        capabilities: &ClientCapabilities,
    ) -> Result<(), ClientRequestError> {
        // client/roots, "Capabilities": clients that support roots MUST declare the capability.
        match capabilities.roots() {
            true => Ok(()),
            false => Err(ClientRequestError::NotSupported {
                method: Self::METHOD,
                capability: "roots",
            }),
        }
    }

    fn params_json(&self, _version: ProtocolVersion) -> String {
        "{}".to_owned()
    }

    fn options(&self) -> &RequestOptions {
        &self.options
    }

    fn parse(result: Value) -> Option<Vec<Root>> {
        Root::list_from_json(&result)
    }
}

static NO_CAPABILITIES: ClientCapabilities = ClientCapabilities::none();

/// The client side of one legacy session: what it declared in `initialize`, and the requests
/// sent to it that await an answer.
#[derive(Debug, Default)]
pub(crate) struct ClientPeer {
    capabilities: OnceLock<ClientCapabilities>,
    next_id: AtomicU64,
    waiting: Mutex<HashMap<RequestId, oneshot::Sender<Result<Value, Value>>>>,
}

impl ClientPeer {
    /// Keeps `capabilities` of the `initialize` params.
    pub(crate) fn remember_capabilities(&self, params: Option<&Value>) {
        let declared = ClientCapabilities::from_json(params.and_then(|p| p.get("capabilities")));
        let _ = self.capabilities.set(declared);
    }

    pub(crate) fn capabilities(&self) -> &ClientCapabilities {
        self.capabilities.get().unwrap_or(&NO_CAPABILITIES)
    }

    /// Hands a response from the client to the request awaiting it. A response nobody awaits
    /// (unknown id, or answered after its timeout) is logged without its content and dropped.
    pub(crate) fn complete(&self, id: RequestId, outcome: Result<Value, Value>) {
        let waiting = self
            .waiting
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&id);
        match waiting {
            Some(sender) => {
                let _gone = sender.send(outcome);
            }
            None => tracing::debug!("response to no pending request ignored"),
        }
    }

    pub(super) async fn ask<C: ClientCall>(
        self: &Arc<Self>,
        ctx: &Ctx,
        call: &C,
        timeout: Duration,
    ) -> Result<C::Output, ClientRequestError> {
        let outbound = ctx.channel();
        if outbound.is_finished() || !outbound.sink.is_connected() {
            return Err(ClientRequestError::NoChannel);
        }
        let n = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        // Our ids need only be unique among our own requests: the client's ids are its own.
        let id = RequestId::String(format!("s-{n}"));
        let (sender, answer) = oneshot::channel();
        self.waiting
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id.clone(), sender);
        let mut pending = Pending {
            peer: Arc::clone(self),
            id: id.clone(),
            sink: outbound.sink.clone(),
            answered: false,
        };
        let message = format!(
            r#"{{"jsonrpc":"2.0","id":{},"method":"{}","params":{}}}"#,
            json!(id),
            C::METHOD,
            call.params_json(ctx.protocol_version())
        );
        if !outbound.sink.send_request(message) {
            pending.answered = true; // Nothing went out: nothing to cancel.
            return Err(ClientRequestError::NotSent);
        }
        let answer = tokio::select! {
            biased;
            answer = answer => answer,
            () = ctx.cancelled() => return Err(ClientRequestError::Cancelled),
            () = tokio::time::sleep(timeout) => {
                return Err(ClientRequestError::Timeout { method: C::METHOD, after: timeout });
            }
        };
        pending.answered = true;
        match answer {
            Ok(Ok(result)) => {
                C::parse(result).ok_or(ClientRequestError::InvalidResult { method: C::METHOD })
            }
            Ok(Err(error)) => Err(client_error(&error)),
            Err(_dropped) => Err(ClientRequestError::Cancelled),
        }
    }
}

fn client_error(error: &Value) -> ClientRequestError {
    ClientRequestError::Client {
        code: error.get("code").and_then(Value::as_i64).unwrap_or(0),
        message: error
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        data: error.get("data").cloned(),
    }
}

/// A request sent and not answered yet. Dropped unanswered (timeout, or the call was cancelled
/// or stopped), it leaves the table and tells the client: basic/index "Timeouts", the sender
/// SHOULD issue a cancellation notification and stop waiting.
struct Pending {
    peer: Arc<ClientPeer>,
    id: RequestId,
    sink: NotificationSink,
    answered: bool,
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.peer
            .waiting
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.id);
        if !self.answered {
            let cancelled = json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
                "params": {"requestId": self.id, "reason": "the server stopped waiting"}});
            self.sink.send(cancelled.to_string());
        }
    }
}
