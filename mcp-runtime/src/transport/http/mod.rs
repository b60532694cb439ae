//! Streamable HTTP on axum: one endpoint (POST, GET, DELETE) serving both protocol eras.
//!
//! - Legacy clients (2025-03-26 … 2025-11-25) open with `initialize` and get an
//!   `Mcp-Session-Id` (or none with `stateless`); GET opens a standalone SSE stream, DELETE ends
//!   the session, `Last-Event-ID` resumes a stream.
//! - Modern clients (2026-07-28) send `MCP-Protocol-Version: 2026-07-28` and per-request `_meta`
//!   on every POST; each request stands alone, and closing its SSE stream cancels it.
//!
//! [`router`] gives an `axum::Router` to nest into an application (add tower layers to it);
//! [`serve`] binds and serves it with `TCP_NODELAY` and a graceful shutdown on SIGTERM/Ctrl-C.

mod guard;
mod lazy;
mod modern_headers;
mod options;
mod post;
mod sessions;
mod standalone;
mod stream;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::post as post_route;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tower_http::limit::RequestBodyLimitLayer;
use tracing::Instrument;

pub use options::{HttpOptions, parse_duration};

use crate::server::Server;
use crate::{Error, protocol::jsonrpc::ErrorObject};
use sessions::SessionTable;
use stream::{StreamCount, StreamLimits};

/// What every handler shares.
struct App {
    server: Server,
    options: HttpOptions,
    peers: guard::TrustedPeers,
    sessions: Arc<SessionTable>,
    streams: Arc<StreamCount>,
    limits: StreamLimits,
}

/// The MCP endpoint as a router (at `options.path`), with the `Host`/`Origin` check and the body
/// limit applied. Must run inside a Tokio runtime (it starts the idle-session sweep).
pub fn router(server: Server, options: HttpOptions) -> Router {
    let sessions = Arc::new(SessionTable::default());
    if !options.stateless {
        sessions::spawn_sweeper(&sessions, options.session_sweep, options.session_idle);
    }
    let app = Arc::new(App {
        peers: guard::TrustedPeers::new(&options.allowed_hosts, &options.allowed_origins),
        limits: StreamLimits::of(&options),
        sessions,
        streams: Arc::default(),
        server,
        options,
    });
    let path = app.options.path.clone();
    let max_body = app.options.max_body_bytes;
    Router::new()
        .route(
            &path,
            post_route(post::handle)
                .get(standalone::open)
                .delete(standalone::end_session),
        )
        .with_state(Arc::clone(&app))
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(max_body))
        // Outside the limit: it rewrites the limit's own 413 as well as the extractor's.
        .layer(middleware::from_fn(json_body_too_large))
        .layer(middleware::from_fn_with_state(app, check_peers))
}

/// DNS-rebinding protection before anything else runs.
async fn check_peers(
    axum::extract::State(app): axum::extract::State<Arc<App>>,
    request: Request,
    next: Next,
) -> Response {
    match app.peers.check(request.headers()) {
        Ok(()) => next.run(request).await,
        Err(refused) => refused.into_response(),
    }
}

/// A body over the limit gets 413 with a JSON-RPC error, not tower-http's empty body.
async fn json_body_too_large(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|kind| kind.as_bytes().starts_with(b"application/json"));
    if response.status() != StatusCode::PAYLOAD_TOO_LARGE || is_json {
        return response;
    }
    guard::error_response(
        StatusCode::PAYLOAD_TOO_LARGE,
        None,
        ErrorObject::new(
            crate::protocol::jsonrpc::INVALID_REQUEST,
            "Invalid Request: the body is larger than the server accepts",
        ),
    )
}

/// Binds `options.bind` and serves `server` until SIGTERM or Ctrl-C, then shuts down gracefully
/// (long-lived streams end, requests in flight finish).
///
/// Logs `listening` with the bound address (useful with port 0).
pub async fn serve(server: Server, options: HttpOptions) -> Result<(), Error> {
    let listener = TcpListener::bind(options.bind).await?;
    let address = listener.local_addr()?;
    tracing::info!(addr = %address, path = %options.path, stateless = options.stateless, "listening");
    let app = router(server.clone(), options);
    // Without TCP_NODELAY an SSE response written in several pieces waits ~40 ms on delayed ACKs.
    let listener = listener.tap_io(|tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "TCP_NODELAY not set");
        }
    });
    // Its end flushes exported telemetry (feature `otel`).
    let span = tracing::info_span!("serve");
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            tracing::info!("shutting down");
            server.begin_shutdown();
        })
        .into_future()
        .instrument(span)
        .await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = terminate.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
