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

pub mod auth;
mod authority;
mod connection_limits;
mod connections;
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
use tokio::net::TcpListener;
use tower_http::limit::RequestBodyLimitLayer;
use tracing::Instrument;

pub use options::{HttpOptions, parse_duration};

use crate::error::Error;
use crate::protocol::jsonrpc::ErrorObject;
use crate::server::Server;
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
/// limit applied, and, when `options.auth` configures credentials, the [`auth::AuthLayer`] in
/// front of the endpoint and the protected-resource metadata beside it. Must run inside a Tokio
/// runtime (it starts the idle-session sweep).
///
/// Sessions are counted per principal when the server authenticates, else per client by the
/// peer address that [`serve`] puts in each request's extensions as
/// `axum::extract::ConnectInfo<SocketAddr>`; nested into an app served without it
/// (`into_make_service_with_connect_info` provides it), only the total cap applies.
pub fn router(server: Server, options: HttpOptions) -> Router {
    let auth = auth_layer(&server, &options);
    let sessions = Arc::new(SessionTable::new(sessions::TableLimits::of(&options)));
    if !options.stateless {
        sessions::spawn_sweeper(&sessions, options.session_sweep, options.session_idle);
        sessions::spawn_reaper(&sessions);
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
    let endpoint = Router::new()
        .route(
            &path,
            post_route(post::handle)
                .get(standalone::open)
                .delete(standalone::end_session)
                // axum still adds `Allow` (RFC 9110 §15.5.6: a 405 MUST carry it).
                .fallback(method_not_allowed),
        )
        .with_state(Arc::clone(&app))
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(max_body));
    // Credentials are checked before the body is read; the metadata stays open.
    let endpoint = match auth {
        Some(auth) => endpoint.layer(auth.clone()).merge(auth.metadata_router()),
        None => endpoint,
    };
    // Outside the limit: it rewrites the limit's own 413 as well as the extractor's. One
    // middleware for both checks, since each layer costs a boxed clone and future per request.
    endpoint.layer(middleware::from_fn_with_state(app, guard_request))
}

/// The auth layer `options.auth` configures: the resource is the public URL (or the bound
/// address) plus the endpoint's path; `scopes_supported` defaults to what the handlers require.
fn auth_layer(server: &Server, options: &HttpOptions) -> Option<auth::AuthLayer> {
    if !options.auth.is_enabled() {
        return None;
    }
    let mut auth = options.auth.clone();
    if auth.scopes_supported.is_empty() {
        auth.scopes_supported = server.required_scopes();
    }
    let origin = match &auth.public_url {
        Some(origin) => origin.clone(),
        None => format!("http://{}", options.bind),
    };
    let resource = format!("{origin}{}", options.path);
    Some(auth::AuthLayer::new(&auth, &resource))
}

/// DNS-rebinding protection before anything else runs; then a body over the limit gets 413
/// with a JSON-RPC error, not tower-http's empty body.
async fn guard_request(
    axum::extract::State(app): axum::extract::State<Arc<App>>,
    request: Request,
    next: Next,
) -> Response {
    if let Err(refused) = app
        .peers
        .check(request.version(), request.uri(), request.headers())
    {
        return refused.into_response();
    }
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

/// Any path but the endpoint, when [`serve`] serves it: 404 with a JSON-RPC error (-32600), like
/// every other refusal.
async fn not_found() -> guard::Refusal {
    guard::Refusal(
        StatusCode::NOT_FOUND,
        "Not Found: this server answers only at its MCP endpoint",
    )
}

/// A method other than POST, GET (and HEAD) or DELETE on the endpoint: 405 with a JSON-RPC
/// error (-32600).
async fn method_not_allowed() -> guard::Refusal {
    guard::Refusal(
        StatusCode::METHOD_NOT_ALLOWED,
        "Method Not Allowed: the MCP endpoint answers POST, GET and DELETE",
    )
}

/// Binds `options.bind` and serves `server` until SIGTERM or Ctrl-C, then shuts down gracefully
/// (long-lived streams end, requests in flight finish).
///
/// Logs `listening` with the bound address (useful with port 0). Each connection is served by
/// hyper's HTTP/1 server directly, with `TCP_NODELAY`.
pub async fn serve(server: Server, mut options: HttpOptions) -> Result<(), Error> {
    if let Some(problem) = options.auth.exposure_problem(options.bind) {
        return Err(Error::Config(vec![problem]));
    }
    let listener = TcpListener::bind(options.bind).await.map_err(|error| {
        std::io::Error::new(
            error.kind(),
            format!("cannot listen on {}: {error}", options.bind),
        )
    })?;
    let address = listener.local_addr()?;
    // Port 0 is now a port: the default resource URL names the address actually bound.
    options.bind = address;
    let auth = options.auth.is_enabled();
    tracing::info!(addr = %address, path = %options.path, stateless = options.stateless, auth, "listening");
    let limits = connections::Limits::of(&options);
    // The JSON 404 only where this server owns every path: a router nested into a user's app
    // leaves unknown paths to that app (axum refuses to merge two routers with fallbacks).
    let app = router(server.clone(), options).fallback(not_found);
    let shutdown = async move {
        shutdown_signal().await;
        tracing::info!("shutting down");
        server.begin_shutdown();
    };
    // Its end flushes exported telemetry (feature `otel`).
    let span = tracing::info_span!("serve");
    connections::serve(listener, app, limits, shutdown)
        .instrument(span)
        .await;
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
