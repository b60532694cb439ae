//! Legacy sessions over HTTP (`Mcp-Session-Id`): the table, its caps (in all and per client),
//! the expiry of sessions that never finish initializing, the idle sweep, and each session's SSE
//! streams kept for `Last-Event-ID` resumption.
//!
//! **Invariant:** a stranger cannot fill the table for long. A session that has not received
//! `notifications/initialized` lives `MCP_SESSION_INIT_TIMEOUT` (10 s), not `MCP_SESSION_IDLE`,
//! and one client key (the peer's address today, the authenticated principal once there is one)
//! holds at most `MCP_MAX_SESSIONS_PER_CLIENT`.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::HttpOptions;
use super::stream::{EventStream, StreamCount};
use crate::principal::Principal;
use crate::server::Session;

/// Streams remembered per session for resumption; the oldest finished one is forgotten first.
/// With the stream buffer (256 events) this bounds what one session can hold.
const REMEMBERED_STREAMS: usize = 8;

/// One legacy session as the HTTP transport holds it.
pub(super) struct HttpSession {
    pub(super) session: Arc<Session>,
    /// Whose session it is, for the per-client count (`None`: not counted).
    client: Option<Arc<str>>,
    last_used: Mutex<Instant>,
    /// Requests and streams using the session now: a busy session is never idle.
    busy: AtomicUsize,
    pub(super) streams: Arc<StreamCount>,
    remembered: Mutex<VecDeque<Arc<EventStream>>>,
    /// Cancelled when the session ends (DELETE, idle sweep): its standalone streams close.
    pub(super) ended: CancellationToken,
    /// The identity of the principal that opened it; `None` on a server without auth.
    owner: Option<String>,
    /// Counts it in `mcp_server_active_sessions` while it exists.
    _metered: crate::metrics::Held,
}

impl HttpSession {
    fn new(session: Arc<Session>, client: Option<Arc<str>>, owner: Option<String>) -> Arc<Self> {
        Arc::new(HttpSession {
            session,
            client,
            last_used: Mutex::new(Instant::now()),
            busy: AtomicUsize::new(0),
            streams: Arc::default(),
            remembered: Mutex::default(),
            ended: CancellationToken::new(),
            owner,
            _metered: crate::metrics::session_open(),
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

/// What a request's session must be bound to: its principal's identity.
pub(super) fn owner_of(extensions: &http::Extensions) -> Option<String> {
    extensions
        .get::<Principal>()
        .map(|principal| principal.identity().to_owned())
}

/// The table's caps and the initialization deadline, from [`HttpOptions`].
#[derive(Clone, Copy, Debug)]
pub(super) struct TableLimits {
    /// `MCP_MAX_SESSIONS`.
    pub(super) max_sessions: usize,
    /// `MCP_MAX_SESSIONS_PER_CLIENT`.
    pub(super) max_per_client: usize,
    /// `MCP_SESSION_INIT_TIMEOUT`.
    pub(super) init_timeout: Duration,
}

impl TableLimits {
    pub(super) fn of(options: &HttpOptions) -> Self {
        TableLimits {
            max_sessions: options.max_sessions,
            max_per_client: options.max_sessions_per_client,
            init_timeout: options.session_init_timeout,
        }
    }
}

/// Why a session was not added.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Full {
    /// The client key holds `max_per_client` sessions.
    Client,
    /// The table holds `max_sessions`.
    Server,
}

/// Every legacy session, by id.
pub(super) struct SessionTable {
    state: Mutex<Table>,
    limits: TableLimits,
    /// Wakes the reaper when a first session awaits initialization, and when the table drops.
    wake: Arc<Notify>,
}

#[derive(Default)]
struct Table {
    sessions: HashMap<String, Arc<HttpSession>>,
    /// Sessions held per client key; a key with none is absent, so this is bounded by the table.
    per_client: HashMap<Arc<str>, usize>,
    /// Sessions added and not yet checked for initialization, with their deadlines. One timeout
    /// for all makes insertion order deadline order: the queue is sorted, and the reaper looks
    /// only at its front. An entry whose session ended early stays until its deadline.
    awaiting: VecDeque<(Instant, String)>,
}

impl SessionTable {
    pub(super) fn new(limits: TableLimits) -> Self {
        SessionTable {
            state: Mutex::default(),
            limits,
            wake: Arc::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Table> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a session for `client` (whose sessions are counted against the per-client cap;
    /// `None` counts against the total only), bound to its principal (`owner`), due to finish
    /// initializing within the init timeout. The key is opaque here: the principal's identity
    /// when the server authenticates, else the peer's address.
    pub(super) fn insert(
        &self,
        session: Arc<Session>,
        client: Option<&str>,
        owner: Option<String>,
    ) -> Result<Arc<HttpSession>, Full> {
        let mut table = self.lock();
        let client = match client {
            None => None,
            Some(key) => match table.per_client.get_key_value(key) {
                Some((_, &held)) if held >= self.limits.max_per_client => return Err(Full::Client),
                Some((key, _)) => Some(Arc::clone(key)),
                None => Some(Arc::<str>::from(key)),
            },
        };
        if table.sessions.len() >= self.limits.max_sessions {
            return Err(Full::Server);
        }
        if let Some(key) = &client {
            *table.per_client.entry(Arc::clone(key)).or_insert(0) += 1;
        }
        let held = HttpSession::new(session, client, owner);
        let id = held.session.id().to_owned();
        table.sessions.insert(id.clone(), Arc::clone(&held));
        let first = table.awaiting.is_empty();
        table
            .awaiting
            .push_back((Instant::now() + self.limits.init_timeout, id));
        if first {
            // The reaper waits for this when the queue is empty (a stored permit if it is not
            // waiting yet); otherwise it already sleeps until an earlier deadline.
            self.wake.notify_one();
        }
        Ok(held)
    }

    /// The session `id` names, if the principal of this request (`owner`) opened it: to any
    /// other principal it does not exist (404), so a session id read from anywhere is of no
    /// use without its principal's credentials.
    pub(super) fn get(&self, id: &str, owner: Option<&str>) -> Option<Arc<HttpSession>> {
        self.lock()
            .sessions
            .get(id)
            .filter(|held| held.owner.as_deref() == owner)
            .cloned()
    }

    /// Ends a session: later requests naming it get 404.
    pub(super) fn remove(&self, id: &str) -> bool {
        let mut table = self.lock();
        let Some(session) = table.sessions.remove(id) else {
            return false;
        };
        forget(&mut table.per_client, &session);
        drop(table);
        end(&session);
        true
    }

    pub(super) fn len(&self) -> usize {
        self.lock().sessions.len()
    }

    /// Sessions `client` holds now.
    #[cfg(test)]
    fn held_by(&self, client: &str) -> usize {
        self.lock().per_client.get(client).copied().unwrap_or(0)
    }

    /// Closes every session idle for `idle` or more; returns how many.
    pub(super) fn sweep(&self, idle: Duration) -> usize {
        let mut table = self.lock();
        let Table {
            sessions,
            per_client,
            ..
        } = &mut *table;
        let before = sessions.len();
        sessions.retain(|_, session| {
            let keep = session.idle_for().is_none_or(|for_| for_ < idle);
            if !keep {
                forget(per_client, session);
                end(session);
            }
            keep
        });
        before - sessions.len()
    }

    /// Closes every session whose initialization deadline has passed by `now` without
    /// `notifications/initialized` (busy or not: a client that skips the handshake broke a
    /// MUST). Returns how many it closed and the next deadline, if any.
    fn expire_uninitialized(&self, now: Instant) -> (usize, Option<Instant>) {
        let mut table = self.lock();
        let Table {
            sessions,
            per_client,
            awaiting,
        } = &mut *table;
        let mut closed = 0;
        while let Some((deadline, _)) = awaiting.front()
            && *deadline <= now
        {
            let Some((_, id)) = awaiting.pop_front() else {
                break;
            };
            let stale = sessions
                .get(&id)
                .is_some_and(|held| !held.session.initialization_complete());
            if stale && let Some(session) = sessions.remove(&id) {
                forget(per_client, &session);
                end(&session);
                closed += 1;
            }
        }
        (closed, awaiting.front().map(|(deadline, _)| *deadline))
    }
}

impl Drop for SessionTable {
    fn drop(&mut self) {
        // Lets the reaper see that the table is gone and stop.
        self.wake.notify_one();
    }
}

/// Takes a session that left the table off its client's count.
fn forget(per_client: &mut HashMap<Arc<str>, usize>, session: &HttpSession) {
    let Some(key) = &session.client else { return };
    if let Some(held) = per_client.get_mut(key) {
        *held -= 1;
        if *held == 0 {
            per_client.remove(key);
        }
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

/// Closes sessions that did not finish initializing, each at its deadline: the task sleeps
/// until the earliest deadline, or until a first session arrives when none is awaited, so it
/// costs nothing while no session is new. Holds the table weakly, like the sweeper.
pub(super) fn spawn_reaper(table: &Arc<SessionTable>) {
    let wake = Arc::clone(&table.wake);
    let table: Weak<SessionTable> = Arc::downgrade(table);
    tokio::spawn(async move {
        loop {
            let next = {
                let Some(table) = table.upgrade() else {
                    return;
                };
                let (closed, next) = table.expire_uninitialized(Instant::now());
                if closed > 0 {
                    let open = table.len();
                    tracing::info!(closed, open, "uninitialized sessions closed");
                }
                next
            };
            match next {
                Some(deadline) => tokio::time::sleep_until(deadline).await,
                None => wake.notified().await,
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::NotificationSink;
    use crate::protocol::messages::Implementation;
    use crate::server::{Incoming, Server};

    const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;
    const INITIALIZED: &str = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;

    fn send(session: &Arc<Session>, frame: &str) {
        let incoming = Incoming::parse(frame.as_bytes()).expect("a JSON frame");
        let _ = session.handle(incoming, &NotificationSink::none());
    }

    /// Uninitialized sessions expire after this.
    const INIT: Duration = Duration::from_millis(400);

    fn table(max_sessions: usize, max_per_client: usize) -> Arc<SessionTable> {
        Arc::new(SessionTable::new(TableLimits {
            max_sessions,
            max_per_client,
            init_timeout: INIT,
        }))
    }

    fn server() -> Server {
        Server::builder(Implementation::new("t", "1"))
            .build()
            .expect("an empty server builds")
    }

    #[tokio::test]
    async fn per_client_counts_stay_exact_through_every_way_out() {
        let (table, server) = (table(100, 3), server());
        let add = |client: Option<&str>| table.insert(Session::open_secure(&server), client, None);
        let a: Vec<_> = (0..3).map(|_| add(Some("a")).unwrap()).collect();
        assert_eq!(add(Some("a")).err(), Some(Full::Client));
        let _b = add(Some("b")).unwrap();
        let _uncounted = add(None).unwrap();
        assert_eq!(
            (table.held_by("a"), table.held_by("b"), table.len()),
            (3, 1, 5)
        );
        // DELETE.
        assert!(table.remove(a[0].session.id()));
        assert!(
            !table.remove(a[0].session.id()),
            "a second removal counts nothing"
        );
        assert_eq!(table.held_by("a"), 2);
        let again = add(Some("a")).expect("a freed slot is usable");
        // The idle sweep (every session is idle for at least zero).
        assert_eq!(table.sweep(Duration::ZERO), 5);
        assert_eq!(
            (table.held_by("a"), table.held_by("b"), table.len()),
            (0, 0, 0)
        );
        assert!(again.ended.is_cancelled());
        assert!(table.lock().per_client.is_empty(), "no key is kept at zero");
    }

    #[tokio::test]
    async fn the_total_cap_is_reported_apart_from_the_client_cap() {
        let (table, server) = (table(2, 5), server());
        table
            .insert(Session::open_secure(&server), Some("a"), None)
            .unwrap();
        table
            .insert(Session::open_secure(&server), Some("b"), None)
            .unwrap();
        let refused = table.insert(Session::open_secure(&server), Some("c"), None);
        assert_eq!(refused.err(), Some(Full::Server));
        assert_eq!(table.held_by("c"), 0, "a refused session is not counted");
    }

    #[tokio::test]
    async fn only_sessions_that_never_finished_initializing_expire() {
        let (table, server) = (table(100, 100), server());
        let stale = table
            .insert(Session::open_secure(&server), Some("a"), None)
            .unwrap();
        let ready = table
            .insert(Session::open_secure(&server), Some("a"), None)
            .unwrap();
        // `initialize` alone is not enough: the handshake ends with `notifications/initialized`.
        send(&stale.session, INITIALIZE);
        send(&ready.session, INITIALIZE);
        send(&ready.session, INITIALIZED);
        assert!(!stale.session.initialization_complete());
        assert!(ready.session.initialization_complete());
        let start = Instant::now();
        assert_eq!(table.expire_uninitialized(start).0, 0, "nothing is due yet");
        let (closed, next) = table.expire_uninitialized(start + INIT);
        assert_eq!((closed, next), (1, None));
        assert!(stale.ended.is_cancelled());
        assert!(table.get(stale.session.id(), None).is_none());
        assert!(
            table.get(ready.session.id(), None).is_some(),
            "initialized: kept"
        );
        assert_eq!(table.held_by("a"), 1);
        // The reaper does the same on its own, at the deadline.
        spawn_reaper(&table);
        let late = table
            .insert(Session::open_secure(&server), Some("a"), None)
            .unwrap();
        tokio::time::sleep(INIT / 2).await;
        assert!(
            table.get(late.session.id(), None).is_some(),
            "not before its deadline"
        );
        tokio::time::sleep(INIT).await;
        assert!(
            table.get(late.session.id(), None).is_none(),
            "gone after its deadline"
        );
        assert_eq!(table.held_by("a"), 1);
    }
}
