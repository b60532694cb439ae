//! ticketing: an mcp-runtime server that keeps tickets in a SQLite file.
//!
//! Three tools: `search_tickets`, `create_ticket`, `close_ticket`; and the resource template
//! `ticket://{id}` (with completion of ids). The database file is created
//! on first run at [`db_path`] (`TICKETING_DB`, else `ticketing.sqlite3` in the current
//! directory). The binary reads its settings with [`Settings::from_env`] (every problem listed
//! before anything binds) and serves over Streamable HTTP on 127.0.0.1:8080/mcp by default
//! (`--http [ADDR]` listens elsewhere, `--stdio` serves stdio); tests build it in-process with
//! [`server`], which registers the database's readiness check (`SELECT 1`) and closes the pool
//! once the server has drained.

mod db;
mod tickets;

use std::path::PathBuf;

use mcp_runtime::config::{self, Env};
use mcp_runtime::prelude::*;
use mcp_runtime::transport::Transport;

pub use db::{DEFAULT_POOL_SIZE, Db, OpenError};
pub use tickets::{Closed, Created, Priority, Status, Ticket, TicketId};

/// The environment variable naming the database file.
pub const DB_ENV: &str = "TICKETING_DB";

/// The environment variable sizing the connection pool (1 to 64, default
/// [`DEFAULT_POOL_SIZE`]).
pub const POOL_SIZE_ENV: &str = "TICKETING_POOL_SIZE";

/// The database file used when [`DB_ENV`] is unset or empty, relative to the current directory.
pub const DEFAULT_DB: &str = "ticketing.sqlite3";

/// The database file to open: [`DB_ENV`] if set and not empty, else [`DEFAULT_DB`].
pub fn db_path() -> PathBuf {
    std::env::var_os(DB_ENV)
        .filter(|path| !path.is_empty())
        .map_or_else(|| PathBuf::from(DEFAULT_DB), PathBuf::from)
}

/// Everything the binary reads from its command line and environment.
#[derive(Debug)]
pub struct Settings {
    /// stdio or HTTP, with the `MCP_*` options.
    pub transport: Transport,
    /// The database file ([`DB_ENV`]).
    pub db_path: PathBuf,
    /// Connections in the pool ([`POOL_SIZE_ENV`]).
    pub pool_size: usize,
}

impl Settings {
    /// Reads every setting, the runtime's and ticketing's own; fails listing every problem at
    /// once.
    pub fn from_env() -> Result<Settings, mcp_runtime::Error> {
        let mut env = Env::from_env();
        let transport = env.merge(Transport::from_env());
        let db_path = env.optional(DB_ENV, PathBuf::from(DEFAULT_DB), database_file);
        let pool_size = env.optional(POOL_SIZE_ENV, DEFAULT_POOL_SIZE, config::integer(1..=64));
        env.finish()?;
        Ok(Settings {
            transport: transport.expect("`finish` fails when the transport does"),
            db_path,
            pool_size,
        })
    }
}

/// A database file in a directory that exists.
fn database_file(value: &str) -> Result<PathBuf, String> {
    let path = config::path(value)?;
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => {
            Err("expected a file in a directory that exists".to_owned())
        }
        _ if path.is_dir() => Err("expected a file, not a directory".to_owned()),
        _ => Ok(path),
    }
}

/// The ticketing server's state: the database.
pub struct Ticketing {
    db: Db,
}

impl Ticketing {
    /// The state over the database `db` (for [`server`], and for benchmarks of single tools).
    pub fn new(db: Db) -> Self {
        Ticketing { db }
    }
}

#[mcp_server(name = "ticketing", version = env!("CARGO_PKG_VERSION"))]
impl Ticketing {
    /// Finds tickets whose title or body contains the query text, ignoring case. The text is
    /// matched literally as one substring (no wildcards, no word splitting), so use a short
    /// distinctive phrase. Returns up to `limit` tickets, newest first, each with its id,
    /// title, body, status and priority; an empty list means nothing matched.
    #[tool(
        title = "Search tickets",
        read_only,
        open_world = false,
        scopes = ["tickets:read"],
        rate_limit = "120/min"
    )]
    async fn search_tickets(
        &self,
        #[arg(
            length(min = 1, max = 500),
            description = "Text to look for in ticket titles and bodies (case-insensitive, matched literally)."
        )]
        query: String,
        #[arg(description = "Only return tickets with this status; leave out to search all.")]
        status: Option<Status>,
        #[arg(
            range(min = 1, max = 50),
            default = 10,
            description = "The most tickets to return."
        )]
        limit: u32,
    ) -> Result<Json<Vec<Ticket>>, ToolError> {
        let found = self
            .db
            .run(move |connection| tickets::search(connection, &query, status, limit))
            .await?;
        Ok(Json(found))
    }

    /// Creates a ticket with status `open` and returns `{"id": "T-<n>"}`, the new ticket's id
    /// (use it with `close_ticket`). Each call creates a new ticket, even with the same text.
    #[tool(
        title = "Create ticket",
        destructive = false,
        open_world = false,
        scopes = ["tickets:write"],
        rate_limit = "20/min"
    )]
    async fn create_ticket(
        &self,
        #[arg(
            length(min = 1, max = 200),
            description = "A one-line summary of the problem or request."
        )]
        title: String,
        #[arg(
            length(min = 1, max = 10000),
            description = "The full description: what happened, what was expected, how to reproduce."
        )]
        body: String,
        #[arg(
            default = Priority::Medium,
            description = "How urgent the ticket is."
        )]
        priority: Priority,
    ) -> Result<Json<Created>, ToolError> {
        let id = self
            .db
            .run(move |connection| tickets::create(connection, &title, &body, priority))
            .await?;
        Ok(Json(Created { id }))
    }

    /// Closes a ticket (open or pending) with a resolution saying how it was resolved. Returns
    /// `{"id", "resolution", "already_closed"}`. Closing a ticket that is already closed changes
    /// nothing: it succeeds with `already_closed: true` and the resolution it was first closed
    /// with. An id that names no ticket is an error.
    #[tool(
        title = "Close ticket",
        idempotent,
        open_world = false,
        scopes = ["tickets:write"],
        rate_limit = "20/min"
    )]
    async fn close_ticket(
        &self,
        #[arg(
            pattern = r"^T-\d+$",
            description = "The ticket's id, as returned by `create_ticket` or `search_tickets`, e.g. `T-12`."
        )]
        id: String,
        #[arg(
            length(max = 1000),
            description = "How the ticket was resolved, for whoever reads it later."
        )]
        resolution: String,
    ) -> Result<Json<Closed>, ToolError> {
        let unknown = || ToolError::new(format!("no ticket {id}; `search_tickets` finds ids"));
        let Some(row_id) = tickets::row_id(&id) else {
            return Err(unknown());
        };
        let closed = self
            .db
            .run(move |connection| tickets::close(connection, row_id, &resolution))
            .await?;
        closed.map(Json).ok_or_else(unknown)
    }

    /// One ticket as JSON (id, title, body, status, priority), for clients that attach a ticket
    /// to the conversation rather than search for it.
    #[resource(
        uri = "ticket://{id}",
        scopes = ["tickets:read"],
        name = "ticket",
        title = "Ticket",
        mime_type = "application/json"
    )]
    async fn ticket(
        &self,
        #[arg(description = "The ticket's id, such as `T-12`.", complete = Self::ticket_ids)]
        id: TicketId,
    ) -> Result<Option<Json<Ticket>>, ToolError> {
        let ticket = self
            .db
            .run(move |connection| tickets::get(connection, id))
            .await?;
        Ok(ticket.map(Json))
    }

    /// Ticket ids starting with what was typed, newest first.
    async fn ticket_ids(&self, request: &CompletionRequest) -> Result<Vec<String>, ToolError> {
        let prefix = request.value().to_owned();
        self.db
            .run(move |connection| tickets::ids_starting_with(connection, &prefix, 100))
            .await
    }
}

/// The ticketing server over the database `db`: ready while `SELECT 1` answers, and the pool
/// closed once the server has drained.
pub fn server(db: Db) -> Result<Server, mcp_runtime::Error> {
    let (ping, closing) = (db.clone(), db.clone());
    Ticketing::new(db)
        .into_builder()
        .readiness_check("sqlite", move || {
            let db = ping.clone();
            async move { db.ping().await.map_err(|_| "SELECT 1 failed") }
        })
        .on_shutdown(move || async move { closing.close().await })
        .build()
}
