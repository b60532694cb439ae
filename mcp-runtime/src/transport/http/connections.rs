//! Accepting connections and serving each with hyper's HTTP/1 server, then draining them on
//! shutdown; and what one connection may cost: the connection cap, the header-read timeout,
//! the body-read deadline and the idle keep-alive timeout.
//!
//! This is `axum::serve` minus what a connection does not need, because an idle SSE stream
//! holds its connection for as long as the client stays: the router is shared, not rebuilt per
//! connection (axum's `Router` as a make-service clones its route tables for every
//! connection), there is no protocol sniffing (HTTP/1 only) and no upgrade machinery.
//! The timers themselves are `connection_limits.rs`.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio_util::sync::CancellationToken;

use super::HttpOptions;
use super::connection_limits::{Activity, ConnectionService, HeadTimer, ReadCounting};
use super::guard;
use crate::protocol::jsonrpc::{ErrorObject, INTERNAL_ERROR};

/// Descriptors kept for everything but served connections: the listener, the runtime's own,
/// log and database files, and the refusals being answered.
const RESERVED_FILES: usize = 128;

/// Connections past the cap answered at once; past these a new one is closed unanswered,
/// since an answer holds a descriptor for a while and closing holds none.
const REFUSALS_AT_ONCE: usize = 32;

/// How long a refused connection has to send its request and read the answer.
const REFUSAL_WAIT: Duration = Duration::from_secs(1);

/// What one connection may cost, read from [`HttpOptions`].
#[derive(Clone, Copy, Debug)]
pub(super) struct Limits {
    header_read: Duration,
    body_read: Duration,
    idle: Duration,
    max_connections: usize,
    /// How long the drain waits for requests in flight.
    drain: Duration,
}

impl Limits {
    /// The options' limits, with the connection cap lowered to what the open-file limit leaves:
    /// past it `accept` fails and every client waits, the attack the cap exists to stop.
    pub(super) fn of(options: &HttpOptions) -> Self {
        let mut max_connections = options.max_connections;
        let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
        if let Some(open_files) = soft_open_files(&limits) {
            let room = open_files.saturating_sub(RESERVED_FILES).max(1);
            if room < max_connections {
                max_connections = room;
                tracing::info!(
                    max_connections,
                    open_files,
                    "connection cap lowered to fit ulimit -n"
                );
            }
        }
        Limits {
            header_read: options.header_read_timeout,
            body_read: options.body_read_timeout,
            idle: options.idle_timeout,
            max_connections,
            drain: options.drain_timeout,
        }
    }

    /// The limits of a small listener of its own (`/metrics`, health): a few connections,
    /// drained at once.
    pub(super) fn admin(options: &HttpOptions) -> Self {
        Limits {
            header_read: options.header_read_timeout,
            body_read: options.body_read_timeout,
            idle: options.idle_timeout,
            max_connections: 64,
            drain: Duration::from_secs(1),
        }
    }
}

/// What was left when the drain's deadline passed (all zero when everything finished).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Drained {
    /// Connections still open, closed at the deadline.
    pub(super) connections: usize,
    /// Handler invocations still running in the process, cancelled at the deadline.
    pub(super) calls: usize,
}

/// The soft "Max open files" of a `/proc/self/limits` text (Linux); `None` when unlimited or
/// unreadable.
fn soft_open_files(limits: &str) -> Option<usize> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Serves `app` on every connection `listener` accepts until `shutdown` completes; then stops
/// accepting, closes every connection with no request in flight at once (idle keep-alive ones,
/// and those still sending a request's head), lets the others finish the requests they have in
/// flight for up to `limits.drain`, closes what is left then, and returns what it closed so.
pub(super) async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> Drained {
    // `stop` tells every connection to wind down, `abort` to close now; each holds a clone of
    // `open`, so `all_closed.closed()` completes once the last connection is gone.
    let (stop, stopping) = watch::channel(());
    let abort = CancellationToken::new();
    let (all_closed, open) = watch::channel(());
    let admitted = Arc::new(Semaphore::new(limits.max_connections));
    let refusing = Arc::new(Semaphore::new(REFUSALS_AT_ONCE));
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => (nodelay(tcp), peer),
                Err(error) => {
                    accept_failed(error).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Never waits: a connection past the cap is refused by a task of its own.
        let Ok(permit) = Arc::clone(&admitted).try_acquire_owned() else {
            refuse(tcp, limits.header_read.min(REFUSAL_WAIT), &refusing);
            continue;
        };
        let (app, open) = (app.clone(), open.clone());
        let ends = (stopping.clone(), abort.clone());
        let held = (open, permit);
        tokio::spawn(serve_connection(tcp, peer, app, limits, ends, held));
    }
    drop(listener);
    let _ = stop.send(());
    drop((stopping, open));
    // Issue 20: awaited without a limit, one half-sent request held the process for over 90 s.
    if tokio::time::timeout(limits.drain, all_closed.closed())
        .await
        .is_ok()
    {
        return Drained::default();
    }
    let left = Drained {
        connections: all_closed.receiver_count(),
        calls: usize::try_from(crate::metrics::calls_in_flight()).unwrap_or(0),
    };
    abort.cancel();
    // Each connection drops its requests at the abort; give their tasks a moment to go.
    let _ = tokio::time::timeout(Duration::from_secs(1), all_closed.closed()).await;
    left
}

/// Serves one connection until it closes, until it has been idle for `limits.idle`, or until
/// `stopping` changes and its requests in flight are done (at once when it has none), or until
/// `abort`. `_held` is dropped with it, for the drain and the cap.
async fn serve_connection(
    tcp: TcpStream,
    peer: SocketAddr,
    app: Router,
    limits: Limits,
    (mut stopping, abort): (watch::Receiver<()>, CancellationToken),
    _held: (watch::Receiver<()>, OwnedSemaphorePermit),
) {
    let activity = Arc::new(Activity::new());
    let (read, write) = tcp.into_split();
    let read = ReadCounting {
        read,
        activity: Arc::clone(&activity),
    };
    let io = TokioIo::new(tokio::io::join(read, write));
    let service = ConnectionService {
        router: TowerToHyperService::new(app),
        activity: Arc::clone(&activity),
        body_read: limits.body_read,
        peer,
    };
    // Built here rather than passed in, so that the task holds one copy of the connection
    // state, not an argument slot beside the pinned local.
    let connection = http1::Builder::new()
        .timer(HeadTimer {
            activity: Arc::clone(&activity),
            first: AtomicBool::new(true),
        })
        .header_read_timeout(limits.header_read)
        .serve_connection(io, service);
    tokio::pin!(connection);
    // RFC 9112 §9.5: a server that times a connection out closes it gracefully; hyper's
    // graceful shutdown closes an idle connection at once and a busy one after its response.
    let result = tokio::select! {
        result = connection.as_mut() => result,
        _ = stopping.changed() => {
            // Nothing in flight: idle, or a head still arriving. Dropped, not waited for.
            if activity.in_flight.load(Ordering::Relaxed) == 0 {
                return;
            }
            connection.as_mut().graceful_shutdown();
            tokio::select! {
                result = connection.as_mut() => result,
                () = abort.cancelled() => return,
            }
        }
        () = activity.idle_for(limits.idle) => {
            tracing::debug!("closing an idle connection");
            connection.as_mut().graceful_shutdown();
            tokio::select! {
                result = connection.as_mut() => result,
                () = abort.cancelled() => return,
            }
        }
    };
    if let Err(error) = result {
        tracing::debug!(%error, "connection ended with an error");
    }
}

/// Past the cap a connection is still accepted, answered 503 with `Retry-After`
/// (RFC 9110 §15.6.4, §10.2.3) and closed, so that the accept loop never stalls and the
/// connections being served keep their descriptors.
fn refuse(tcp: TcpStream, within: Duration, refusing: &Arc<Semaphore>) {
    let Ok(permit) = Arc::clone(refusing).try_acquire_owned() else {
        return;
    };
    tokio::spawn(async move {
        let _permit = permit;
        let busy = hyper::service::service_fn(|_request| async {
            let mut response = guard::error_response(
                StatusCode::SERVICE_UNAVAILABLE,
                None,
                ErrorObject::new(
                    INTERNAL_ERROR,
                    "Internal error: the server holds as many connections as it may; retry later",
                ),
            );
            let retry = HeaderValue::from_static("1");
            response.headers_mut().insert(header::RETRY_AFTER, retry);
            Ok::<_, Infallible>(response)
        });
        // Without keep-alive hyper sends `Connection: close` and closes after the answer.
        let connection = http1::Builder::new()
            .keep_alive(false)
            .serve_connection(TokioIo::new(tcp), busy);
        let _ = tokio::time::timeout(within, connection).await;
    });
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

#[cfg(test)]
mod tests {
    use super::soft_open_files;

    #[test]
    fn the_soft_open_file_limit_is_read() {
        let limits = "Limit                     Soft Limit           Hard Limit           Units\n\
                      Max cpu time              unlimited            unlimited            seconds\n\
                      Max open files            1024                 524288               files\n";
        assert_eq!(soft_open_files(limits), Some(1024));
        let unlimited =
            "Max open files            unlimited            unlimited            files\n";
        assert_eq!(soft_open_files(unlimited), None);
        assert_eq!(soft_open_files(""), None);
    }
}
