//! Streamable HTTP on axum: one endpoint (POST, GET, DELETE) serving both protocol eras.
//!
//! - Legacy clients (2025-03-26 … 2025-11-25) open with `initialize` and get an
//!   `Mcp-Session-Id` (or none with `stateless`); GET opens a standalone SSE stream, DELETE ends
//!   the session, `Last-Event-ID` resumes a stream.
//! - Modern clients (2026-07-28) send `MCP-Protocol-Version: 2026-07-28` and per-request `_meta`
//!   on every POST; each request stands alone, and closing its SSE stream cancels it.
//!
//! [`router`] gives an `axum::Router` to nest into an application (add tower layers to it);
//! [`serve`] binds and serves it with `TCP_NODELAY` and a graceful shutdown on SIGTERM/Ctrl-C;
//! [`Listening`] does the same in two steps, with a [`ShutdownHandle`] to drain it from code.
//! Beside the endpoint: `/healthz`, `/readyz` and `/metrics` (`ops.rs`), open without
//! credentials.

pub mod auth;
mod authority;
mod connection_limits;
mod connections;
mod guard;
mod lazy;
mod modern_headers;
mod ops;
mod options;
mod post;
mod rate_limits;
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
use std::net::SocketAddr;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::limit::RequestBodyLimitLayer;
use tracing::Instrument;

pub use options::{HttpOptions, parse_duration};
pub use rate_limits::RateLimitOptions;

use crate::error::Error;
use crate::limits::Limiter;
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
    /// The limiter every rate-limit layer shares (the server's per-tool limits too).
    limiter: Arc<Limiter>,
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
    let path = options.path.clone();
    let Nestable { endpoint, root } = build(server, options, &path);
    endpoint.merge(root)
}

/// The endpoint and its root routes apart, for an app that nests the endpoint:
/// `app.nest(&options.path, routers.endpoint).merge(routers.root)`. `options.path` stays the
/// path clients use (it names the resource in the metadata); the root routes (`/healthz`,
/// `/readyz`, `/metrics`, and with auth the RFC 9728 documents under `/.well-known/`) must stay
/// at the root.
pub fn nestable(server: Server, options: HttpOptions) -> Nestable {
    build(server, options, "/")
}

/// What [`nestable`] gives: both routers carry the `Host`/`Origin` check and share one state.
pub struct Nestable {
    /// The MCP endpoint, answering at `/` of wherever it is nested.
    pub endpoint: Router,
    /// Health, readiness, metrics and (with auth) the protected-resource metadata.
    pub root: Router,
}

fn build(server: Server, options: HttpOptions, endpoint_path: &str) -> Nestable {
    let auth = auth_layer(&server, &options);
    let sessions = Arc::new(SessionTable::new(sessions::TableLimits::of(&options)));
    if !options.stateless {
        sessions::spawn_sweeper(&sessions, options.session_sweep, options.session_idle);
        sessions::spawn_reaper(&sessions);
    }
    // The options' limiter (Redis) replaces the builder's; without one, every layer shares the
    // builder's.
    let limiter = options
        .rate_limits
        .limiter()
        .unwrap_or_else(|| server.limiter());
    server.use_limits(Arc::clone(&limiter), options.rate_limits.tool_rates.clone());
    let request_limit = options
        .rate_limits
        .request_rate
        .map(|rate| rate_limits::RequestLimit {
            limiter: Arc::clone(&limiter),
            rate,
        });
    let app = Arc::new(App {
        peers: guard::TrustedPeers::new(&options.allowed_hosts, &options.allowed_origins),
        limits: StreamLimits::of(&options),
        sessions,
        streams: Arc::new(StreamCount::metered()),
        limiter,
        server,
        options,
    });
    let max_body = app.options.max_body_bytes;
    let ops_routes = match app.options.metrics_bind {
        Some(_) => ops::Routes::Health,
        None => ops::Routes::HealthAndMetrics,
    };
    let endpoint = Router::new()
        .route(
            endpoint_path,
            post_route(post::handle)
                .get(standalone::open)
                .delete(standalone::end_session)
                // axum still adds `Allow` (RFC 9110 §15.5.6: a 405 MUST carry it).
                .fallback(method_not_allowed),
        )
        .with_state(Arc::clone(&app))
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(max_body));
    // After authentication (the principal is the key), before any session work.
    let endpoint = match request_limit {
        Some(limit) => endpoint.layer(middleware::from_fn_with_state(
            limit,
            rate_limits::limit_requests,
        )),
        None => endpoint,
    };
    // Credentials are checked before the body is read; the metadata stays open. Probes and
    // scrapers carry no credentials either.
    let (endpoint, root) = match auth {
        Some(auth) => (endpoint.layer(auth.clone()), auth.metadata_router()),
        None => (endpoint, Router::new()),
    };
    let root = root.merge(ops::router(app.server.clone(), ops_routes));
    // Outside the limit: it rewrites the limit's own 413 as well as the extractor's. One
    // middleware for both checks, since each layer costs a boxed clone and future per request.
    // The Host/Origin guard covers the root routes too.
    let guard = middleware::from_fn_with_state(app, guard_request);
    Nestable {
        endpoint: endpoint.layer(guard.clone()),
        root: root.layer(guard),
    }
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
    mut request: Request,
    next: Next,
) -> Response {
    if let Err(refused) = app
        .peers
        .check(request.version(), request.uri(), request.headers())
    {
        return refused.into_response();
    }
    rate_limits::note_client(&mut request, &app.options.rate_limits.trusted_proxies);
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

/// Binds `options.bind` and serves `server` until SIGTERM or Ctrl-C, then drains: see
/// [`Listening::serve`].
pub async fn serve(server: Server, options: HttpOptions) -> Result<(), Error> {
    Listening::bind(server, options).await?.serve().await
}

/// Starts the drain of a [`Listening`] server from code, as SIGTERM does. Cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct ShutdownHandle(CancellationToken);

impl ShutdownHandle {
    /// Begins the drain (a second call does nothing more).
    pub fn shutdown(&self) {
        self.0.cancel();
    }
}

/// A server bound to its port (and to `MCP_METRICS_BIND`'s), not serving yet: for servers
/// embedded in a larger program, and for tests that need the address before serving.
pub struct Listening {
    server: Server,
    options: HttpOptions,
    listener: TcpListener,
    admin: Option<ops::AdminListener>,
    stop: ShutdownHandle,
}

impl Listening {
    /// Binds `options.bind` (and `options.metrics_bind`); refuses a public address without
    /// auth. Logs `listening` with the bound address (useful with port 0).
    pub async fn bind(server: Server, mut options: HttpOptions) -> Result<Self, Error> {
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
        let admin = match options.metrics_bind {
            Some(bind) => Some(ops::AdminListener::bind(bind).await?),
            None => None,
        };
        let auth = options.auth.is_enabled();
        let metrics_addr = admin.as_ref().map(|admin| admin.address.to_string());
        tracing::info!(addr = %address, path = %options.path, stateless = options.stateless, auth, metrics_addr, "listening");
        Ok(Listening {
            server,
            options,
            listener,
            admin,
            stop: ShutdownHandle::default(),
        })
    }

    /// The address the endpoint listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.options.bind
    }

    /// The address `/metrics` listens on when `MCP_METRICS_BIND` gave it a port of its own.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.admin.as_ref().map(|admin| admin.address)
    }

    /// A handle whose [`ShutdownHandle::shutdown`] drains the server as a signal does.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.stop.clone()
    }

    /// Serves until SIGTERM, Ctrl-C or [`ShutdownHandle::shutdown`], then drains in order:
    /// `/readyz` answers 503 at once and long-lived streams end; after `MCP_DRAIN_DELAY` the
    /// listener closes, and so does every connection with no request in flight; calls in
    /// flight finish, for up to `MCP_DRAIN_TIMEOUT`; the builder's shutdown hooks run; `Ok`.
    /// Past the deadline what is left is cancelled, logged with counts, and the result is
    /// [`Error::DrainTimeout`]. A second signal exits the process at once (code 130).
    pub async fn serve(self) -> Result<(), Error> {
        let Listening {
            server,
            options,
            listener,
            admin,
            stop,
        } = self;
        let limits = connections::Limits::of(&options);
        let (delay, deadline) = (options.drain_delay, options.drain_timeout);
        // The JSON 404 only where this server owns every path: a router nested into a user's
        // app leaves unknown paths to that app (axum refuses to merge two routers with
        // fallbacks).
        let app = router(server.clone(), options).fallback(not_found);
        let admin_stop = CancellationToken::new();
        let admin = admin.map(|admin| {
            let stop = admin_stop.clone().cancelled_owned();
            tokio::spawn(admin.serve(server.clone(), stop))
        });
        let draining = server.clone();
        let shutdown = async move {
            let by_signal = tokio::select! {
                () = shutdown_signal() => true,
                () = stop.0.cancelled() => false,
            };
            let drain_delay_ms = delay.as_millis() as u64;
            tracing::info!(by_signal, drain_delay_ms, "shutting down");
            draining.begin_shutdown();
            if by_signal {
                tokio::spawn(async {
                    shutdown_signal().await;
                    tracing::warn!("second signal: exiting at once");
                    std::process::exit(130);
                });
            }
            tokio::time::sleep(delay).await;
            tracing::info!("no longer accepting connections");
        };
        // Its end flushes exported telemetry (feature `otel`).
        let span = tracing::info_span!("serve");
        let drained = connections::serve(listener, app, limits, shutdown)
            .instrument(span.clone())
            .await;
        let _entered = span.enter();
        if drained.connections > 0 {
            tracing::error!(
                calls = drained.calls,
                connections = drained.connections,
                drain_timeout_ms = deadline.as_millis() as u64,
                "drain deadline passed; cancelled what was left"
            );
        }
        server.run_shutdown_hooks().await;
        admin_stop.cancel();
        if let Some(admin) = admin {
            let _ = admin.await;
        }
        match drained.connections {
            0 => {
                tracing::info!("drained");
                Ok(())
            }
            connections => Err(Error::DrainTimeout {
                calls: drained.calls,
                connections,
            }),
        }
    }
}

/// On a stdio server, serves `/healthz`, `/readyz` and `/metrics` on `bind` (`MCP_ADMIN_BIND`)
/// while `run` runs, then runs the shutdown hooks.
pub(crate) async fn beside_admin<T>(
    server: &Server,
    bind: Option<SocketAddr>,
    run: impl Future<Output = T>,
) -> Result<T, Error> {
    let stop = CancellationToken::new();
    let admin = match bind {
        Some(bind) => {
            let admin = ops::AdminListener::bind(bind).await?;
            tracing::info!(addr = %admin.address, "admin listening");
            let stopped = stop.clone().cancelled_owned();
            Some(tokio::spawn(admin.serve(server.clone(), stopped)))
        }
        None => None,
    };
    let result = run.await;
    server.begin_shutdown();
    server.run_shutdown_hooks().await;
    stop.cancel();
    if let Some(admin) = admin {
        let _ = admin.await;
    }
    Ok(result)
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
