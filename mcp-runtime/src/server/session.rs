//! One client's session: its id and log span, the version `initialize` negotiated, what the
//! client declared and subscribed to, and the requests it has in flight.
//!
//! A session serves both eras: legacy requests (2024-11-05 … 2025-11-25) rely on the version
//! `initialize` negotiated; modern requests (2026-07-28) carry their version in `_meta` and are
//! served statelessly, whatever the session has seen before. Dispatch is `routes.rs`.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::handle::Server;
use crate::context::client_requests::ClientPeer;
use crate::context::{NotificationSink, RequestSink};
use crate::protocol::ProtocolVersion;
use crate::protocol::jsonrpc::RequestId;
use crate::protocol::meta::LogLevel;

/// The state of one client connection (stdio), legacy HTTP session, or 2026-07-28 request.
pub struct Session {
    pub(super) server: Server,
    id: String,
    /// Carries `session_id`, the id's keyed digest (`ids::log_digest`: an `Mcp-Session-Id` read
    /// from a log must not open the session); every request span is its child, so every log line
    /// of the session, the user's own included, carries the digest.
    pub(super) span: tracing::Span,
    version: Mutex<Option<ProtocolVersion>>,
    /// `notifications/initialized` arrived: the client finished the handshake (Lifecycle).
    ready: AtomicBool,
    in_flight: Mutex<HashMap<RequestId, CancellationToken>>,
    /// `logging/setLevel`: the least severe level the client wants (`LogLevel::rank`), 0 for none.
    log_threshold: Arc<AtomicU8>,
    /// What the client declared, and the requests sent to it that await an answer.
    pub(super) peer: Arc<ClientPeer>,
    /// `resources/subscribe`: the URIs whose `notifications/resources/updated` the client wants.
    pub(super) subscriptions: Mutex<HashSet<String>>,
}

impl Session {
    /// A session for one client connection (stdio) or one stand-alone request.
    pub fn open(server: &Server) -> Arc<Self> {
        Session::open_at(server, None)
    }

    /// A session for one stand-alone request at `version`, which never sees `initialize`
    /// (Streamable HTTP without sessions). Its id only correlates its log lines, so it need not
    /// be a secret.
    pub(crate) fn open_at(server: &Server, version: Option<ProtocolVersion>) -> Arc<Self> {
        Arc::new(Session::new(
            server.clone(),
            crate::ids::random_id(),
            version,
        ))
    }

    /// A session whose id is a secret: Streamable HTTP's `Mcp-Session-Id`, which grants access.
    pub(crate) fn open_secure(server: &Server) -> Arc<Self> {
        Arc::new(Session::new(server.clone(), crate::ids::secure_id(), None))
    }

    fn new(server: Server, id: String, version: Option<ProtocolVersion>) -> Self {
        let span = tracing::info_span!(
            "session",
            session_id = crate::ids::log_digest(id.as_bytes())
        );
        Session {
            server,
            id,
            span,
            version: Mutex::new(version),
            ready: AtomicBool::new(false),
            in_flight: Mutex::default(),
            log_threshold: Arc::default(),
            peer: Arc::default(),
            subscriptions: Mutex::default(),
        }
    }

    /// The session's id (Streamable HTTP's `Mcp-Session-Id`); log lines carry its digest.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The span every log line of the session is written in.
    pub(crate) fn log_span(&self) -> &tracing::Span {
        &self.span
    }

    /// The server the session belongs to.
    pub fn server(&self) -> &Server {
        &self.server
    }

    /// The protocol version negotiated by `initialize`, once it has been.
    pub fn protocol_version(&self) -> Option<ProtocolVersion> {
        *self.version.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `initialize` settled the version, and what the client declared.
    pub(super) fn initialized(&self, version: ProtocolVersion, params: Option<&Value>) {
        *self.version.lock().unwrap_or_else(PoisonError::into_inner) = Some(version);
        self.peer.remember_capabilities(params);
    }

    /// Whether the client has finished initialization: `initialize` answered and
    /// `notifications/initialized` received (Lifecycle, "Initialization"). Until then an HTTP
    /// session is held only for `MCP_SESSION_INIT_TIMEOUT`.
    pub(crate) fn initialization_complete(&self) -> bool {
        self.ready.load(Ordering::Acquire) && self.protocol_version().is_some()
    }

    /// `notifications/initialized`.
    pub(super) fn client_initialized(&self) {
        self.ready.store(true, Ordering::Release);
    }

    /// Whether the client asked for log messages (`logging/setLevel`).
    pub fn wants_log_messages(&self) -> bool {
        self.log_threshold.load(Ordering::Relaxed) != 0
    }

    /// `logging/setLevel`.
    pub(super) fn set_log_level(&self, level: LogLevel) {
        self.log_threshold.store(level.rank(), Ordering::Relaxed);
    }

    /// Registers a request as in flight, so that `notifications/cancelled` (or, on 2026-07-28
    /// over HTTP, a closed stream) can stop it; [`Session::end_request`] forgets it.
    pub(super) fn begin_request(&self, id: &RequestId) -> CancellationToken {
        let cancellation = CancellationToken::new();
        self.in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id.clone(), cancellation.clone());
        cancellation
    }

    pub(super) fn end_request(&self, id: &RequestId) {
        self.in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id);
    }

    /// The way back to the client for one request. Its log level is the session's
    /// `logging/setLevel` on legacy versions and the request's own on 2026-07-28: decided by the
    /// version, not by whether `_meta` names a level.
    pub(super) fn request_sink(
        &self,
        version: ProtocolVersion,
        progress_token: Option<Value>,
        log_level: Option<LogLevel>,
        sink: &NotificationSink,
    ) -> Arc<RequestSink> {
        let log_threshold = match version.is_modern() {
            true => Arc::new(AtomicU8::new(log_level.map_or(0, LogLevel::rank))),
            false => Arc::clone(&self.log_threshold),
        };
        RequestSink::new(sink.clone(), progress_token, log_threshold)
    }

    /// Cancels a request in flight, as `notifications/cancelled` would (Streamable HTTP
    /// 2026-07-28: closing the response stream is the cancellation signal).
    pub fn cancel_request(&self, id: &RequestId) {
        // Cancellation: a notification for an unknown or finished request is ignored.
        if let Some(token) = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
        {
            token.cancel();
        }
    }

    /// Cancels every request in flight: the session has ended.
    pub fn cancel_all(&self) {
        for token in self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
        {
            token.cancel();
        }
    }
}
