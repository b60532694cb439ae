//! One request on its way through the server ([`Exchange`]) and what comes back of it
//! ([`Reply`]).

use std::sync::Arc;

use futures_util::future::BoxFuture;
use http::Extensions;
use serde_json::Value;

use super::handle::{Server, Shared};
use super::session::Session;
use crate::context::NotificationSink;
use crate::principal::Principal;
use crate::protocol::ProtocolVersion;
use crate::protocol::jsonrpc::{ErrorObject, INVALID_PARAMS, RequestId, Response};
use crate::protocol::meta::RequestMeta;

/// What handling a message gives back: nothing, an answer now, or an answer later (other
/// messages may be handled meanwhile; the request's notifications go to its sink until then).
pub enum Reply<T = Response> {
    /// Nothing to send (a notification, a response, a cancelled request).
    Silent,
    /// Send this now.
    Now(T),
    /// Send what this future yields, when it does (`None`: the request was cancelled).
    Later(BoxFuture<'static, Option<T>>),
}

impl<T: Send + 'static> Reply<T> {
    /// The same reply with `f` applied to the answer, now or when it comes.
    pub(crate) fn map<U>(self, f: impl FnOnce(T) -> U + Send + 'static) -> Reply<U> {
        match self {
            Reply::Silent => Reply::Silent,
            Reply::Now(answer) => Reply::Now(f(answer)),
            Reply::Later(future) => Reply::Later(Box::pin(async move { future.await.map(f) })),
        }
    }
}

/// One request, routed: who asked (the session), what (params and `_meta`), at which version,
/// where its notifications go, and what the transport attached to it.
pub(super) struct Exchange<'a> {
    pub(super) session: &'a Arc<Session>,
    pub(super) id: RequestId,
    pub(super) params: Option<Value>,
    pub(super) meta: RequestMeta,
    pub(super) version: ProtocolVersion,
    pub(super) sink: &'a NotificationSink,
    pub(super) extensions: &'a Arc<Extensions>,
}

impl<'a> Exchange<'a> {
    /// The server; borrowed from the session, not from the exchange, so it outlives a call that
    /// consumes the exchange.
    pub(super) fn server(&self) -> &'a Server {
        let session: &'a Arc<Session> = self.session;
        &session.server
    }

    pub(super) fn shared(&self) -> &'a Shared {
        &self.server().shared
    }

    pub(super) fn params(&self) -> Option<&Value> {
        self.params.as_ref()
    }

    /// A text field of the params.
    pub(super) fn param_str(&self, key: &str) -> Option<&str> {
        self.params.as_ref()?.get(key)?.as_str()
    }

    /// Answers now with this result.
    /// The verified caller, when the server authenticates.
    pub(super) fn principal(&self) -> Option<&Principal> {
        self.extensions.get::<Principal>()
    }

    pub(super) fn result(self, result: Value) -> Reply {
        Reply::Now(Response::result(self.id, result))
    }

    /// Answers now with this error.
    pub(super) fn error(self, error: ErrorObject) -> Reply {
        Reply::Now(Response::error(Some(self.id), error))
    }

    /// Answers now with -32602 and this reason.
    pub(super) fn invalid_params(self, why: &str) -> Reply {
        let error = ErrorObject::new(INVALID_PARAMS, format!("Invalid params: {why}"));
        self.error(error)
    }
}
