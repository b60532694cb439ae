//! Legacy sessions over HTTP (`Mcp-Session-Id`): the table, its cap, the idle sweep, and each
//! session's SSE streams kept for `Last-Event-ID` resumption.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::stream::{EventStream, StreamCount};
use crate::server::Session;

/// Streams remembered per session for resumption; the oldest finished one is forgotten first.
/// With the stream buffer (256 events) this bounds what one session can hold.
const REMEMBERED_STREAMS: usize = 8;

/// One legacy session as the HTTP transport holds it.
pub(super) struct HttpSession {
    pub(super) session: Arc<Session>,
    last_used: Mutex<Instant>,
    /// Requests and streams using the session now: a busy session is never idle.
    busy: AtomicUsize,
    pub(super) streams: Arc<StreamCount>,
    remembered: Mutex<VecDeque<Arc<EventStream>>>,
    /// Cancelled when the session ends (DELETE, idle sweep): its standalone streams close.
    pub(super) ended: CancellationToken,
}

impl HttpSession {
    fn new(session: Arc<Session>) -> Arc<Self> {
        Arc::new(HttpSession {
            session,
            last_used: Mutex::new(Instant::now()),
            busy: AtomicUsize::new(0),
            streams: Arc::default(),
            remembered: Mutex::default(),
            ended: CancellationToken::new(),
        })
    }

    /// Marks the session used until the returned guard drops.
    pub(super) fn use_now(self: &Arc<Self>) -> InUse {
        self.busy.fetch_add(1, Ordering::AcqRel);
        self.touch();
        InUse(Arc::clone(self))
    }

    fn touch(&self) {
        *self
            .last_used
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Instant::now();
    }

    fn idle_for(&self) -> Option<Duration> {
        (self.busy.load(Ordering::Acquire) == 0).then(|| {
            self.last_used
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .elapsed()
        })
    }

    /// Keeps a stream for `Last-Event-ID` replay.
    pub(super) fn remember(&self, stream: Arc<EventStream>) {
        let mut remembered = self
            .remembered
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if remembered.len() >= REMEMBERED_STREAMS {
            let oldest_finished = remembered.iter().position(|s| s.is_finished()).unwrap_or(0);
            remembered.remove(oldest_finished);
        }
        remembered.push_back(stream);
    }

    /// The remembered stream with this id.
    pub(super) fn stream(&self, id: &str) -> Option<Arc<EventStream>> {
        self.remembered
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .find(|stream| stream.id.as_deref() == Some(id))
            .cloned()
    }
}

/// A use of a session; dropping it ends the use.
pub(super) struct InUse(Arc<HttpSession>);

impl Drop for InUse {
    fn drop(&mut self) {
        self.0.touch();
        self.0.busy.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Every legacy session, by id.
#[derive(Default)]
pub(super) struct SessionTable {
    sessions: Mutex<HashMap<String, Arc<HttpSession>>>,
}

impl SessionTable {
    /// Adds a session unless `cap` are open.
    pub(super) fn insert(&self, session: Arc<Session>, cap: usize) -> Option<Arc<HttpSession>> {
        let mut sessions = self.sessions.lock().unwrap_or_else(PoisonError::into_inner);
        if sessions.len() >= cap {
            return None;
        }
        let held = HttpSession::new(session);
        sessions.insert(held.session.id().to_owned(), Arc::clone(&held));
        Some(held)
    }

    pub(super) fn get(&self, id: &str) -> Option<Arc<HttpSession>> {
        self.sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .cloned()
    }

    /// Ends a session: later requests naming it get 404.
    pub(super) fn remove(&self, id: &str) -> bool {
        let removed = self
            .sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id);
        if let Some(session) = &removed {
            end(session);
        }
        removed.is_some()
    }

    pub(super) fn len(&self) -> usize {
        self.sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Closes every session idle for `idle` or more; returns how many.
    pub(super) fn sweep(&self, idle: Duration) -> usize {
        let mut sessions = self.sessions.lock().unwrap_or_else(PoisonError::into_inner);
        let before = sessions.len();
        sessions.retain(|_, session| {
            let keep = session.idle_for().is_none_or(|for_| for_ < idle);
            if !keep {
                end(session);
            }
            keep
        });
        before - sessions.len()
    }
}

fn end(session: &HttpSession) {
    session.ended.cancel();
    // Calls still running are cancelled: nobody can ask for their answers any more.
    session.session.cancel_all();
    // In the session's span, so the line carries its digest, never its id.
    tracing::debug!(parent: session.session.log_span(), "session ended");
}

/// Sweeps idle sessions every `every` for as long as the table exists. Holds the table weakly,
/// so the sweep never keeps anything alive.
pub(super) fn spawn_sweeper(table: &Arc<SessionTable>, every: Duration, idle: Duration) {
    let table: Weak<SessionTable> = Arc::downgrade(table);
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.tick().await;
        loop {
            ticks.tick().await;
            let Some(table) = table.upgrade() else {
                return;
            };
            let closed = table.sweep(idle);
            if closed > 0 {
                tracing::info!(closed, open = table.len(), "idle sessions closed");
            }
        }
    });
}
