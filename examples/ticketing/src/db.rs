//! The ticket database: a SQLite file and a small fixed pool of connections to it.
//!
//! Each tool call leases one connection for the duration of its database work, which runs on
//! tokio's blocking pool; the lease returns the connection when dropped, even if the work
//! panicked. WAL mode lets readers run beside the one writer, and a busy timeout makes a writer
//! wait for another (in this process or another one) instead of failing with `SQLITE_BUSY`.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use mcp_runtime::ToolError;
use rusqlite::Connection;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How many connections the pool holds unless `TICKETING_POOL_SIZE` says otherwise: the most
/// tool calls that touch the database at once.
pub const DEFAULT_POOL_SIZE: usize = 4;

/// How long a statement waits for another connection's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The tables, created on first run. `*_folded` hold the lowercased text that search matches,
/// so that case-insensitive search covers every script, not only ASCII as SQLite's `LIKE` does.
/// `AUTOINCREMENT` keeps ids from ever being reused.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS tickets (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open', 'closed', 'pending')),
    priority    TEXT NOT NULL CHECK (priority IN ('low', 'medium', 'high')),
    resolution  TEXT,
    title_folded TEXT NOT NULL,
    body_folded  TEXT NOT NULL
);
";

/// A pool of connections to one SQLite file. Cloning shares the pool.
#[derive(Clone)]
pub struct Db {
    pool: Arc<Pool>,
}

struct Pool {
    /// One permit per idle connection: holding a permit guarantees `idle` is not empty.
    permits: Arc<Semaphore>,
    idle: Mutex<Vec<Connection>>,
    /// How many connections it opened.
    size: usize,
}

impl Db {
    /// Opens (creating if needed) the database file at `path` and its tables, with
    /// [`DEFAULT_POOL_SIZE`] connections.
    pub fn open(path: impl AsRef<Path>) -> Result<Db, OpenError> {
        Self::open_with(path, DEFAULT_POOL_SIZE)
    }

    /// As [`Db::open`], with `pool_size` connections (at least one).
    pub fn open_with(path: impl AsRef<Path>, pool_size: usize) -> Result<Db, OpenError> {
        let path = path.as_ref();
        let pool_size = pool_size.max(1);
        let fail = |source| OpenError {
            path: path.to_path_buf(),
            source,
        };
        let mut connections = Vec::with_capacity(pool_size);
        for _ in 0..pool_size {
            connections.push(connect(path).map_err(fail)?);
        }
        connections[0].execute_batch(SCHEMA).map_err(fail)?;
        Ok(Db {
            pool: Arc::new(Pool {
                permits: Arc::new(Semaphore::new(pool_size)),
                idle: Mutex::new(connections),
                size: pool_size,
            }),
        })
    }

    /// Runs `work` on a pooled connection on the blocking pool, waiting for a free connection
    /// first. Its SQLite errors, and a panic, are internal errors of the tool call: the client
    /// sees a generic message and an error id, never the error's text.
    pub async fn run<T, F>(&self, work: F) -> Result<T, ToolError>
    where
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let mut lease = self.lease().await;
        Ok(tokio::task::spawn_blocking(move || work(&mut lease)).await??)
    }

    /// `SELECT 1` on a pooled connection: the readiness check.
    pub async fn ping(&self) -> Result<(), ToolError> {
        self.run(|connection| connection.query_row("SELECT 1", [], |row| row.get::<_, i64>(0)))
            .await
            .map(drop)
    }

    /// Waits for every connection to come back, then closes them all (a checkpoint of the WAL
    /// on the last one); later calls wait forever for a connection, so call it only once the
    /// server has drained.
    pub async fn close(&self) {
        let all = u32::try_from(self.pool.size).unwrap_or(u32::MAX);
        // Taking every permit waits for the leases in flight; the permits are never returned.
        if let Ok(permits) = self.pool.permits.acquire_many(all).await {
            permits.forget();
        }
        let connections = std::mem::take(
            &mut *self
                .pool
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        drop(connections);
    }

    async fn lease(&self) -> Lease {
        let permit = Arc::clone(&self.pool.permits)
            .acquire_owned()
            .await
            .expect("the pool never closes its semaphore");
        let connection = self
            .pool
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
            .expect("a permit guarantees an idle connection");
        Lease {
            connection: Some(connection),
            pool: Arc::clone(&self.pool),
            _permit: permit,
        }
    }
}

/// Opens one connection with the settings every pooled connection shares.
fn connect(path: &Path) -> rusqlite::Result<Connection> {
    let connection = Connection::open(path)?;
    // Set first, so that the statements below also wait for a lock rather than fail.
    connection.busy_timeout(BUSY_TIMEOUT)?;
    connection.pragma_update(None, "journal_mode", "WAL")?;
    // With WAL, NORMAL is durable across application crashes and much faster than FULL.
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(connection)
}

/// A connection taken from the pool; dropping it gives the connection back, then the permit.
struct Lease {
    connection: Option<Connection>,
    pool: Arc<Pool>,
    // Dropped after `Drop::drop` has returned the connection, so a waiter always finds one.
    _permit: OwnedSemaphorePermit,
}

impl Deref for Lease {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.connection.as_ref().expect("present until dropped")
    }
}

impl DerefMut for Lease {
    fn deref_mut(&mut self) -> &mut Connection {
        self.connection.as_mut().expect("present until dropped")
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(connection) = self.connection.take() {
            // A transaction left open (work that panicked outside a `Transaction`) must not
            // leak into the next call that leases this connection.
            if !connection.is_autocommit() {
                let _ = connection.execute_batch("ROLLBACK");
            }
            self.pool
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(connection);
        }
    }
}

/// The database file could not be opened or prepared.
pub struct OpenError {
    path: PathBuf,
    source: rusqlite::Error,
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot open the ticket database `{}`: {}",
            self.path.display(),
            self.source
        )
    }
}

// `main` prints the `Debug` form of the error it returns: make it the readable one.
impl fmt::Debug for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for OpenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}
