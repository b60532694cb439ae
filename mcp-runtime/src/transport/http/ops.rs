//! The operator's routes: `/healthz` (liveness), `/readyz` (readiness: the registered checks,
//! 503 while draining) and `/metrics` (Prometheus). Merged beside the MCP endpoint outside the
//! auth layer but inside the `Host`/`Origin` guard, or served on a listener of their own
//! (`MCP_METRICS_BIND`, and `MCP_ADMIN_BIND` for stdio servers).
//!
//! **Architecture Invariant:** no probe writes a log line: the answers are the record.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;

use super::HttpOptions;
use super::connections::{self, Drained, Limits};
use crate::error::Error;
use crate::metrics;
use crate::server::Server;

/// Which operator routes a router carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Routes {
    /// `/healthz` and `/readyz`.
    Health,
    /// `/healthz`, `/readyz` and `/metrics`.
    HealthAndMetrics,
}

/// The operator's routes over `server`.
pub(super) fn router(server: Server, routes: Routes) -> Router {
    let router = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz));
    let router = match routes {
        Routes::Health => router,
        Routes::HealthAndMetrics => router.route("/metrics", get(exposition)),
    };
    router.with_state(server)
}

/// Liveness: the process answers, so it can serve (also while draining: restarting a draining
/// process would cut the calls it is finishing).
async fn healthz() -> Response {
    json(StatusCode::OK, &serde_json::json!({"status": "ok"}))
}

/// Readiness: 200 when every check passed, 503 when one failed or timed out, and while
/// draining.
async fn readyz(State(server): State<Server>) -> Response {
    let report = server.readiness().await;
    let status = match report.is_ready() {
        true => StatusCode::OK,
        false => StatusCode::SERVICE_UNAVAILABLE,
    };
    json(status, &report.to_json())
}

/// OpenMetrics to those that ask for it (Prometheus does), the classic text format to others.
async fn exposition(headers: axum::http::HeaderMap) -> Response {
    let open_metrics = headers.get_all(header::ACCEPT).iter().any(|accept| {
        accept
            .as_bytes()
            .windows(24)
            .any(|w| w == b"application/openmetrics-")
    });
    let (text, kind) = match open_metrics {
        true => (metrics::encode_text(), metrics::CONTENT_TYPE),
        false => (metrics::encode_classic(), metrics::CLASSIC_CONTENT_TYPE),
    };
    let mut response = text.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    response
}

fn json(status: StatusCode, body: &serde_json::Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A listener of its own for the operator's routes, bound now (so a bad address fails before
/// anything serves); serve it with [`AdminListener::serve`].
pub(super) struct AdminListener {
    listener: TcpListener,
    pub(super) address: SocketAddr,
}

impl AdminListener {
    pub(super) async fn bind(address: SocketAddr) -> Result<Self, Error> {
        let listener = TcpListener::bind(address).await?;
        let address = listener.local_addr()?;
        Ok(AdminListener { listener, address })
    }

    /// Serves health, readiness and metrics until `stop` completes. No `Host` check: it is
    /// meant for scrapers and probes that name the machine, and serves nothing a client sent.
    pub(super) async fn serve(self, server: Server, stop: impl Future<Output = ()>) -> Drained {
        let app = router(server, Routes::HealthAndMetrics).fallback(super::not_found);
        let limits = Limits::admin(&HttpOptions::default());
        connections::serve(self.listener, app, limits, stop).await
    }
}
