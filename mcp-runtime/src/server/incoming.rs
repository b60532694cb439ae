//! What a transport hands a session: one frame, parsed and classified once at the boundary, and
//! the extensions the transport (and any tower layer in front of it) attached to the request.
//!
//! **Architecture Invariant:** nothing downstream of [`Incoming`] reads the raw bytes again; a
//! transport that needs the method, the id or `_meta` to decide something (a status, whether
//! to stream) reads them from here.

use std::sync::Arc;

use http::Extensions;
use serde_json::Value;

use crate::protocol::jsonrpc::{
    self, ErrorObject, Frame, INVALID_PARAMS, Message, Request, RequestId, Response,
};
use crate::protocol::meta::RequestMeta;

/// One frame of messages from a client, each classified (or refused with the answer it gets).
#[derive(Debug)]
pub struct Incoming {
    pub(super) frame: Frame<Result<Message, Response>>,
    pub(super) extensions: Arc<Extensions>,
}

impl Incoming {
    /// Parses one frame (a stdio line, an HTTP body). Bytes that are not JSON give the -32700
    /// answer.
    pub fn parse(bytes: &[u8]) -> Result<Self, Response> {
        Ok(Incoming {
            frame: jsonrpc::parse_frame(bytes)?.map(classify),
            extensions: Arc::default(),
        })
    }

    /// The same frame with the request's extensions, for [`Ctx::extension`](crate::Ctx::extension).
    pub fn with_extensions(mut self, extensions: Extensions) -> Self {
        self.extensions = Arc::new(extensions);
        self
    }

    /// The request's extensions (the peer address, whatever a tower layer inserted).
    pub(crate) fn extensions(&self) -> &Extensions {
        &self.extensions
    }

    /// Whether the frame is a batch.
    pub fn is_batch(&self) -> bool {
        matches!(self.frame, Frame::Batch(_))
    }

    /// The frame's one well-formed message, unless it is a batch or was refused.
    pub(crate) fn message(&self) -> Option<&Message> {
        match &self.frame {
            Frame::Single(Ok(message)) => Some(message),
            _ => None,
        }
    }

    /// The frame's one request.
    pub(crate) fn request(&self) -> Option<&Request> {
        match self.message() {
            Some(Message::Request(request)) => Some(request),
            _ => None,
        }
    }

    /// The method of the frame's one request or notification.
    pub(crate) fn method(&self) -> Option<&str> {
        match self.message()? {
            Message::Request(request) => Some(&request.method),
            Message::Notification(notification) => Some(&notification.method),
            Message::Response { .. } => None,
        }
    }

    /// The `_meta` of the frame's one request or notification.
    pub(crate) fn meta(&self) -> Option<&RequestMeta> {
        match self.message()? {
            Message::Request(request) => Some(&request.meta),
            Message::Notification(notification) => Some(&notification.meta),
            Message::Response { .. } => None,
        }
    }

    /// The id a refusal of the whole frame answers under, where one can be read.
    pub(crate) fn id(&self) -> Option<RequestId> {
        match &self.frame {
            Frame::Single(Ok(Message::Request(request))) => Some(request.id.clone()),
            Frame::Single(Ok(Message::Response { id, .. })) => Some(id.clone()),
            Frame::Single(Err(refused)) => refused.id.clone(),
            _ => None,
        }
    }

    /// The answer to a message refused as it was classified (not JSON-RPC, or a 2026-07-28
    /// request whose `_meta` is malformed).
    pub(crate) fn refusal(&self) -> Option<&Response> {
        match &self.frame {
            Frame::Single(Err(refused)) => Some(refused),
            _ => None,
        }
    }
}

/// A JSON-RPC message, or the answer it gets when it is not one; a request whose `_meta` breaks
/// a rule of its revision is refused here too, so the rule is checked in one place.
fn classify(value: Value) -> Result<Message, Response> {
    let message = jsonrpc::classify(value)?;
    if let Message::Request(request) = &message
        && request.meta.lacks_client_capabilities()
    {
        // 2026-07-28 basic/index, "`_meta`": a request missing a required field is malformed and
        // MUST be rejected with -32602.
        let error = ErrorObject::new(
            INVALID_PARAMS,
            "Invalid params: `_meta` must carry `io.modelcontextprotocol/clientCapabilities` (an object)",
        );
        return Err(Response::error(Some(request.id.clone()), error));
    }
    Ok(message)
}
