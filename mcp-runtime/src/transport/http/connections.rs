//! Accepting connections and serving each with hyper's HTTP/1 server, then draining them on
//! shutdown; and what one connection may cost: the connection cap, the header-read timeout,
//! the body-read deadline and the idle keep-alive timeout.
//!
//! This is `axum::serve` minus what a connection does not need, because an idle SSE stream
//! holds its connection for as long as the client stays: the router is shared, not rebuilt per
//! connection (axum's `Router` as a make-service clones its route tables for every
//! connection), there is no protocol sniffing (HTTP/1 only) and no upgrade machinery.
//!
//! None of the timeouts can cut a response: the header timer runs only while a head is being
//! read, the body deadline only while a request body is, and a connection sending a response
//! (an SSE stream for hours) is never idle.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::Router;
use axum::body::Body as AxumBody;
use axum::http::{HeaderValue, Request, Response, StatusCode, header};
use hyper::body::{Body, Bytes, Frame, Incoming, SizeHint};
use hyper::rt::{Sleep, Timer};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::service::{TowerToHyperService, TowerToHyperServiceFuture};
use tokio::io::{AsyncRead, ReadBuf};
use tokio::net::tcp::OwnedReadHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};

use super::HttpOptions;
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
        }
    }
}

/// The soft "Max open files" of a `/proc/self/limits` text (Linux); `None` when unlimited or
/// unreadable.
fn soft_open_files(limits: &str) -> Option<usize> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Serves `app` on every connection `listener` accepts until `shutdown` completes; then stops
/// accepting, lets each connection finish the requests it has in flight (idle keep-alive
/// connections close at once), and returns when the last one has closed.
pub(super) async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    // `stop` tells every connection to wind down; each holds a clone of `open`, so
    // `all_closed.closed()` completes once the last connection is gone.
    let (stop, stopping) = watch::channel(());
    let (all_closed, open) = watch::channel(());
    let admitted = Arc::new(Semaphore::new(limits.max_connections));
    let refusing = Arc::new(Semaphore::new(REFUSALS_AT_ONCE));
    tokio::pin!(shutdown);
    loop {
        let tcp = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, _peer)) => nodelay(tcp),
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
        let (app, stopping, open) = (app.clone(), stopping.clone(), open.clone());
        tokio::spawn(serve_connection(tcp, app, limits, stopping, (open, permit)));
    }
    drop(listener);
    let _ = stop.send(());
    drop((stopping, open));
    all_closed.closed().await;
}

/// Serves one connection until it closes, until it has been idle for `limits.idle`, or until
/// `stopping` changes and its requests in flight are done. `_held` is dropped with it, for the
/// drain and the cap.
async fn serve_connection(
    tcp: TcpStream,
    app: Router,
    limits: Limits,
    mut stopping: watch::Receiver<()>,
    _held: (watch::Receiver<()>, OwnedSemaphorePermit),
) {
    let activity = Arc::new(Activity::default());
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
            connection.as_mut().graceful_shutdown();
            connection.await
        }
        () = activity.idle_for(limits.idle) => {
            tracing::debug!("closing an idle connection");
            connection.as_mut().graceful_shutdown();
            connection.await
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

/// What the header timer and the idle watchdog know of one connection. Everything here is
/// touched from the connection's own task, so relaxed atomics suffice.
#[derive(Default)]
struct Activity {
    /// Bumped by every read that returns bytes and by every request's start and end.
    events: AtomicU64,
    /// Requests whose response has not been sent in full (0 or 1: HTTP/1 answers in order).
    in_flight: AtomicUsize,
    /// Woken when `in_flight` drops to zero.
    quiet: Notify,
    /// Set by the body of the request in flight when its deadline passed.
    body_timed_out: AtomicBool,
}

impl Activity {
    fn bump(&self) {
        self.events.fetch_add(1, Relaxed);
    }

    /// Completes once the connection has had no request in flight and read no byte for
    /// `idle`, counted from the end of its last response.
    async fn idle_for(&self, idle: Duration) {
        loop {
            let quiet = self.quiet.notified();
            tokio::pin!(quiet);
            // Enabled before `in_flight` is read, so that an end in between is not missed.
            quiet.as_mut().enable();
            if self.in_flight.load(Relaxed) > 0 {
                quiet.await;
                continue;
            }
            let seen = self.events.load(Relaxed);
            tokio::select! {
                () = tokio::time::sleep(idle) => {
                    if self.in_flight.load(Relaxed) == 0 && self.events.load(Relaxed) == seen {
                        return;
                    }
                }
                // A request came and went: the idle time starts again from its end.
                () = quiet => {}
            }
        }
    }
}

/// A request in flight, from its head until its response has been sent or dropped.
struct InFlight(Arc<Activity>);

impl InFlight {
    fn start(activity: &Arc<Activity>) -> Self {
        activity.in_flight.fetch_add(1, Relaxed);
        activity.body_timed_out.store(false, Relaxed);
        activity.bump();
        InFlight(Arc::clone(activity))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.bump();
        if self.0.in_flight.fetch_sub(1, Relaxed) == 1 {
            self.0.quiet.notify_waiters();
        }
    }
}

/// The read half of the socket, counting the reads that return bytes.
struct ReadCounting {
    read: OwnedReadHalf,
    activity: Arc<Activity>,
}

impl AsyncRead for ReadCounting {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.read).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.bump();
        }
        polled
    }
}

/// hyper's timer, which its HTTP/1 server uses for the header-read timeout alone. hyper starts
/// it as soon as a connection is ready for another request, which would make the wait between
/// keep-alive requests the header timeout's; so the first head is timed from the connection's
/// start and a later one from its first byte, and the wait before it is the idle timeout's.
struct HeadTimer {
    activity: Arc<Activity>,
    first: AtomicBool,
}

impl Timer for HeadTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        let mut sleep = HeadSleep {
            seen: self.activity.events.load(Relaxed),
            activity: Arc::clone(&self.activity),
            duration,
            armed: None,
        };
        if self.first.swap(false, Relaxed) {
            sleep.arm();
        }
        Box::pin(sleep)
    }

    fn sleep_until(&self, deadline: std::time::Instant) -> Pin<Box<dyn Sleep>> {
        self.sleep(deadline.saturating_duration_since(std::time::Instant::now()))
    }
}

/// The header timer: `duration` from when it is armed, at the first byte read after it was made.
struct HeadSleep {
    activity: Arc<Activity>,
    seen: u64,
    duration: Duration,
    armed: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl HeadSleep {
    fn arm(&mut self) {
        self.armed = Some(Box::pin(tokio::time::sleep(self.duration)));
    }
}

impl Future for HeadSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.armed.is_none() {
            // No waker is needed yet: only a read arms it, and hyper polls the timer after
            // every read that leaves the head incomplete.
            if self.activity.events.load(Relaxed) == self.seen {
                return Poll::Pending;
            }
            self.arm();
        }
        let armed = self.armed.as_mut();
        armed.map_or(Poll::Pending, |sleep| sleep.as_mut().poll(cx))
    }
}

impl Sleep for HeadSleep {}

/// The router as one connection serves it: each request counted in flight until its response
/// has been sent, and its body given a deadline.
struct ConnectionService {
    router: TowerToHyperService<Router>,
    activity: Arc<Activity>,
    body_read: Duration,
}

impl hyper::service::Service<Request<Incoming>> for ConnectionService {
    type Response = Response<CountedBody>;
    type Error = Infallible;
    type Future = Answer;

    fn call(&self, request: Request<Incoming>) -> Answer {
        let in_flight = InFlight::start(&self.activity);
        let deadline = tokio::time::Instant::now() + self.body_read;
        let request = request.map(|body| TimedBody {
            body,
            deadline,
            timer: None,
            activity: Arc::clone(&self.activity),
        });
        Answer {
            inner: hyper::service::Service::call(&self.router, request),
            in_flight: Some(in_flight),
        }
    }
}

/// The router's answer, replaced by a 408 when the request's body missed its deadline.
struct Answer {
    inner: TowerToHyperServiceFuture<Router, Request<TimedBody>>,
    in_flight: Option<InFlight>,
}

impl Future for Answer {
    type Output = Result<Response<CountedBody>, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Ok(response) = ready!(Pin::new(&mut self.inner).poll(cx));
        let in_flight = self
            .in_flight
            .take()
            .expect("an answer is not polled once done");
        let response = match in_flight.0.body_timed_out.load(Relaxed) {
            true => body_too_slow(),
            false => response,
        };
        Poll::Ready(Ok(response.map(|body| CountedBody {
            body,
            _in_flight: in_flight,
        })))
    }
}

/// RFC 9110 §15.5.9: 408 for a request that did not arrive in time, with `Connection: close`,
/// which the server SHOULD send since it will not wait on this connection any more.
fn body_too_slow() -> Response<AxumBody> {
    let mut response = guard::refusal(
        StatusCode::REQUEST_TIMEOUT,
        "Invalid Request: the body did not arrive within the time the server allows",
    );
    let close = HeaderValue::from_static("close");
    response.headers_mut().insert(header::CONNECTION, close);
    response
}

/// A response body that keeps its request in flight until it has been sent or dropped.
struct CountedBody {
    body: AxumBody,
    _in_flight: InFlight,
}

impl Body for CountedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// A request body that must arrive in full by `deadline`. The timer is made only when the
/// body is not all there at once, so that a small body costs none.
struct TimedBody {
    body: Incoming,
    deadline: tokio::time::Instant,
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
    activity: Arc<Activity>,
}

impl Body for TimedBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::BoxError>>> {
        let this = &mut *self;
        match Pin::new(&mut this.body).poll_frame(cx) {
            // A frame taken after the deadline is late too, for a body that is never pending.
            Poll::Ready(Some(_)) if tokio::time::Instant::now() >= this.deadline => {}
            Poll::Ready(frame) => return Poll::Ready(frame.map(|f| f.map_err(Into::into))),
            Poll::Pending => {
                let deadline = this.deadline;
                let timer = this
                    .timer
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                ready!(timer.as_mut().poll(cx));
            }
        }
        this.activity.body_timed_out.store(true, Relaxed);
        let late = io::Error::new(io::ErrorKind::TimedOut, "the body did not arrive in time");
        Poll::Ready(Some(Err(late.into())))
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
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
