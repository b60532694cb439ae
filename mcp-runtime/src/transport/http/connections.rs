//! Accepting connections and serving each with hyper's HTTP/1 server, then draining them on
//! shutdown.
//!
//! This is `axum::serve` minus what a connection does not need, because an idle SSE stream
//! holds its connection for as long as the client stays: the router is shared, not rebuilt per
//! connection (axum's `Router` as a make-service clones its route tables for every
//! connection), there is no protocol sniffing (HTTP/1 only) and no upgrade machinery.

use std::future::Future;
use std::io;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// Serves `app` on every connection `listener` accepts until `shutdown` completes; then stops
/// accepting, lets each connection finish the requests it has in flight (idle keep-alive
/// connections close at once), and returns when the last one has closed.
pub(super) async fn serve(listener: TcpListener, app: Router, shutdown: impl Future<Output = ()>) {
    // `stop` tells every connection to wind down; each holds a clone of `open`, so
    // `all_closed.closed()` completes once the last connection is gone.
    let (stop, stopping) = watch::channel(());
    let (all_closed, open) = watch::channel(());
    tokio::pin!(shutdown);
    loop {
        let tcp = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, _peer)) => tcp,
                Err(error) => {
                    accept_failed(error).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let (app, stopping, open) = (app.clone(), stopping.clone(), open.clone());
        tokio::spawn(serve_connection(tcp, app, stopping, open));
    }
    drop(listener);
    let _ = stop.send(());
    drop((stopping, open));
    all_closed.closed().await;
}

/// Serves one connection until it closes, or until `stopping` changes and its requests in
/// flight are done. `_open` is dropped with it, for the drain.
async fn serve_connection(
    tcp: TcpStream,
    app: Router,
    mut stopping: watch::Receiver<()>,
    _open: watch::Receiver<()>,
) {
    // Built here rather than passed in, so that the task holds one copy of the connection
    // state, not an argument slot beside the pinned local.
    let connection = http1::Builder::new()
        .serve_connection(TokioIo::new(nodelay(tcp)), TowerToHyperService::new(app));
    tokio::pin!(connection);
    let result = tokio::select! {
        result = connection.as_mut() => result,
        _ = stopping.changed() => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(error) = result {
        tracing::debug!(%error, "connection ended with an error");
    }
}

/// Without TCP_NODELAY an SSE response written in several pieces waits ~40 ms on delayed ACKs.
fn nodelay(tcp: TcpStream) -> TcpStream {
    if let Err(error) = tcp.set_nodelay(true) {
        tracing::debug!(%error, "TCP_NODELAY not set");
    }
    tcp
}

/// A peer that gave up before its connection was accepted is no error of ours. Anything else
/// (such as running out of file descriptors) is logged, and accepting pauses for a second so
/// that connections can close rather than the loop spinning.
async fn accept_failed(error: io::Error) {
    let peer_gone = matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    );
    if !peer_gone {
        tracing::error!(%error, "accept failed; pausing accepts for 1s");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
