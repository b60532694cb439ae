//! What bounds one connection's time: its activity (reads, requests in flight) for the idle
//! watchdog, the header-read timer hyper is given, and the body-read deadline on every request.
//!
//! None of these can cut a response: the header timer runs only while a head is being read, the
//! body deadline only while a request body is, and a connection sending a response (an SSE
//! stream for hours) is never idle.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::Router;
use axum::body::Body as AxumBody;
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, Request, Response, StatusCode, header};
use hyper::body::{Body, Bytes, Frame, Incoming, SizeHint};
use hyper::rt::{Sleep, Timer};
use hyper_util::service::{TowerToHyperService, TowerToHyperServiceFuture};
use tokio::io::{AsyncRead, ReadBuf};
use tokio::net::tcp::OwnedReadHalf;

use super::guard;

/// What the header timer and the idle watchdog know of one connection. Everything here is
/// touched from the connection's own task, so relaxed atomics suffice.
pub(super) struct Activity {
    /// Reads that returned bytes: the header timer starts at the first one of a head.
    pub(super) reads: AtomicU64,
    /// Requests whose response has not been sent in full (0 or 1: HTTP/1 answers in order).
    pub(super) in_flight: AtomicUsize,
    /// When the last response was sent in full, in nanoseconds since `opened`.
    last_end: AtomicU64,
    opened: tokio::time::Instant,
    /// Set by the body of the request in flight when its deadline passed.
    pub(super) body_timed_out: AtomicBool,
}

impl Activity {
    pub(super) fn new() -> Self {
        Activity {
            reads: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            last_end: AtomicU64::new(0),
            opened: tokio::time::Instant::now(),
            body_timed_out: AtomicBool::new(false),
        }
    }

    /// Completes once the connection has had no request in flight for `idle`, counted from the
    /// end of its last response (or from its opening).
    ///
    /// One timer per connection, moved only when it fires: a request costs the watchdog a clock
    /// read and a store, not a timer of its own (a timer per request cost about 8 µs of CPU per
    /// request at 64 connections, a quarter of the whole call).
    pub(super) async fn idle_for(&self, idle: Duration) {
        let sleep = tokio::time::sleep(idle);
        tokio::pin!(sleep);
        loop {
            sleep.as_mut().await;
            let now = tokio::time::Instant::now();
            if self.in_flight.load(Relaxed) > 0 {
                // A response still being sent (an SSE stream) is never idle.
                sleep.as_mut().reset(now + idle);
                continue;
            }
            let last_end = self.opened + Duration::from_nanos(self.last_end.load(Relaxed));
            let deadline = last_end + idle;
            if deadline <= now {
                return;
            }
            sleep.as_mut().reset(deadline);
        }
    }

    fn ended(&self) {
        let since = self.opened.elapsed().as_nanos();
        self.last_end
            .store(u64::try_from(since).unwrap_or(u64::MAX), Relaxed);
    }
}

/// A request in flight, from its head until its response has been sent or dropped.
pub(super) struct InFlight(Arc<Activity>);

impl InFlight {
    fn start(activity: &Arc<Activity>) -> Self {
        activity.in_flight.fetch_add(1, Relaxed);
        activity.body_timed_out.store(false, Relaxed);
        InFlight(Arc::clone(activity))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        // The end is stored before the count drops, so the watchdog never sees an old end
        // with nothing in flight.
        self.0.ended();
        self.0.in_flight.fetch_sub(1, Relaxed);
    }
}

/// The read half of the socket, counting the reads that return bytes.
pub(super) struct ReadCounting {
    pub(super) read: OwnedReadHalf,
    pub(super) activity: Arc<Activity>,
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
            self.activity.reads.fetch_add(1, Relaxed);
        }
        polled
    }
}

/// hyper's timer, which its HTTP/1 server uses for the header-read timeout alone. hyper starts
/// it as soon as a connection is ready for another request, which would make the wait between
/// keep-alive requests the header timeout's; so the first head is timed from the connection's
/// start and a later one from its first byte, and the wait before it is the idle timeout's.
pub(super) struct HeadTimer {
    pub(super) activity: Arc<Activity>,
    pub(super) first: AtomicBool,
}

impl Timer for HeadTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        let mut sleep = HeadSleep {
            seen: self.activity.reads.load(Relaxed),
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
            if self.activity.reads.load(Relaxed) == self.seen {
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
pub(super) struct ConnectionService {
    pub(super) router: TowerToHyperService<Router>,
    pub(super) activity: Arc<Activity>,
    pub(super) body_read: Duration,
    /// The peer's address, put in every request's extensions as axum's `ConnectInfo` (the
    /// session table counts sessions per client by it).
    pub(super) peer: SocketAddr,
}

impl hyper::service::Service<Request<Incoming>> for ConnectionService {
    type Response = Response<CountedBody>;
    type Error = Infallible;
    type Future = Answer;

    fn call(&self, request: Request<Incoming>) -> Answer {
        let in_flight = InFlight::start(&self.activity);
        let deadline = tokio::time::Instant::now() + self.body_read;
        let mut request = request;
        request.extensions_mut().insert(ConnectInfo(self.peer));
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
pub(super) struct Answer {
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
pub(super) struct CountedBody {
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
pub(super) struct TimedBody {
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
