//! Tickets: what a tool sees of one, and the SQL that reads and writes them.
//!
//! Every value reaches SQL as a bound parameter; search text is matched literally, with `LIKE`'s
//! wildcards escaped.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension, ToSql, TransactionBehavior, params};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where a ticket stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Open,
    Closed,
    Pending,
}

/// How urgent a ticket is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Low,
    Medium,
    High,
}

impl Status {
    fn label(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Closed => "closed",
            Status::Pending => "pending",
        }
    }
}

impl Priority {
    fn label(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Medium => "medium",
            Priority::High => "high",
        }
    }
}

// Both enums are stored as their lowercase labels, the same words the tools use.
impl ToSql for Status {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(self.label().into())
    }
}

impl FromSql for Status {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        [Status::Open, Status::Closed, Status::Pending]
            .into_iter()
            .find(|status| status.label() == value.as_str().unwrap_or_default())
            .ok_or(FromSqlError::InvalidType)
    }
}

impl ToSql for Priority {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(self.label().into())
    }
}

impl FromSql for Priority {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        [Priority::Low, Priority::Medium, Priority::High]
            .into_iter()
            .find(|priority| priority.label() == value.as_str().unwrap_or_default())
            .ok_or(FromSqlError::InvalidType)
    }
}

/// A ticket as the tools return it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Ticket {
    /// The ticket's id, `T-<n>`: pass it to `close_ticket`.
    pub id: String,
    /// One-line summary.
    pub title: String,
    /// The full description.
    pub body: String,
    /// `open`, `closed` or `pending`.
    pub status: Status,
    /// `low`, `medium` or `high`.
    pub priority: Priority,
}

/// The id of a newly created ticket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Created {
    /// The new ticket's id, `T-<n>`.
    pub id: String,
}

/// What `close_ticket` did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Closed {
    /// The ticket's id, `T-<n>`.
    pub id: String,
    /// The resolution the ticket is closed with (the first one, if it was already closed).
    pub resolution: String,
    /// `true` when the ticket was closed before this call, which then changed nothing.
    pub already_closed: bool,
}

/// The text form of a ticket's row id.
pub(crate) fn ticket_id(row_id: i64) -> String {
    format!("T-{row_id}")
}

/// The row id in `T-<n>`, or `None` if it is not one (or too large to be any ticket's).
pub(crate) fn row_id(ticket_id: &str) -> Option<i64> {
    let digits = ticket_id.strip_prefix("T-")?;
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// A ticket id, `T-<n>`, read from text: the `ticket://{id}` resource's typed variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TicketId(pub(crate) i64);

impl<'de> Deserialize<'de> for TicketId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        row_id(&text)
            .map(TicketId)
            .ok_or_else(|| serde::de::Error::custom("expected a ticket id such as T-12"))
    }
}

/// One ticket, `None` if there is no such ticket.
pub(crate) fn get(connection: &Connection, id: TicketId) -> rusqlite::Result<Option<Ticket>> {
    connection
        .query_row(
            "SELECT id, title, body, status, priority FROM tickets WHERE id = ?1",
            params![id.0],
            ticket_from_row,
        )
        .optional()
}

/// Up to `limit` ticket ids that start with `prefix`, newest first (for completion).
pub(crate) fn ids_starting_with(
    connection: &Connection,
    prefix: &str,
    limit: u32,
) -> rusqlite::Result<Vec<String>> {
    let mut statement = connection.prepare(
        r"SELECT 'T-' || id FROM tickets WHERE ('T-' || id) LIKE ?1 ESCAPE '\' ORDER BY id DESC LIMIT ?2",
    )?;
    let pattern = format!("{}%", escape_like(prefix));
    let rows = statement.query_map(params![pattern, limit], |row| row.get(0))?;
    rows.collect()
}

/// Text as search compares it: lowercased, so matching ignores case in every script.
fn fold(text: &str) -> String {
    text.to_lowercase()
}

/// A `LIKE` pattern (with `ESCAPE '\'`) matching `text` literally anywhere in a value.
fn contains_pattern(text: &str) -> String {
    format!("%{}%", escape_like(text))
}

/// `text` with `LIKE`'s wildcards and the escape character escaped (for `ESCAPE '\'`).
fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// A ticket from a row of `SELECT id, title, body, status, priority`.
fn ticket_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Ticket> {
    Ok(Ticket {
        id: ticket_id(row.get(0)?),
        title: row.get(1)?,
        body: row.get(2)?,
        status: row.get(3)?,
        priority: row.get(4)?,
    })
}

/// Tickets whose title or body contains `query` ignoring case, newest first.
pub(crate) fn search(
    connection: &Connection,
    query: &str,
    status: Option<Status>,
    limit: u32,
) -> rusqlite::Result<Vec<Ticket>> {
    let mut statement = connection.prepare(
        r"SELECT id, title, body, status, priority FROM tickets
          WHERE (title_folded LIKE ?1 ESCAPE '\' OR body_folded LIKE ?1 ESCAPE '\')
            AND (?2 IS NULL OR status = ?2)
          ORDER BY id DESC
          LIMIT ?3",
    )?;
    let rows = statement.query_map(
        params![contains_pattern(&fold(query)), status, limit],
        ticket_from_row,
    )?;
    rows.collect()
}

/// Stores a new open ticket and returns its id.
pub(crate) fn create(
    connection: &Connection,
    title: &str,
    body: &str,
    priority: Priority,
) -> rusqlite::Result<String> {
    connection.execute(
        "INSERT INTO tickets (title, body, status, priority, title_folded, body_folded)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![title, body, Status::Open, priority, fold(title), fold(body)],
    )?;
    Ok(ticket_id(connection.last_insert_rowid()))
}

/// Closes ticket `row_id` with `resolution`, unless it is already closed; `None` if there is no
/// such ticket.
pub(crate) fn close(
    connection: &mut Connection,
    row_id: i64,
    resolution: &str,
) -> rusqlite::Result<Option<Closed>> {
    // IMMEDIATE takes the write lock up front (waiting out the busy timeout if need be), so the
    // update and the read below see one state of the ticket.
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let changed = transaction.execute(
        "UPDATE tickets SET status = ?2, resolution = ?3 WHERE id = ?1 AND status <> ?2",
        params![row_id, Status::Closed, resolution],
    )?;
    let closed = transaction
        .query_row(
            "SELECT resolution FROM tickets WHERE id = ?1",
            params![row_id],
            |row| row.get::<_, Option<String>>(0),
        )
        .optional()?
        .map(|stored| Closed {
            id: ticket_id(row_id),
            resolution: stored.unwrap_or_default(),
            already_closed: changed == 0,
        });
    transaction.commit()?;
    Ok(closed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_and_the_escape_character_are_escaped() {
        assert_eq!(contains_pattern("50%_off"), r"%50\%\_off%");
        assert_eq!(contains_pattern(r"a\b"), r"%a\\b%");
        assert_eq!(contains_pattern("'; DROP TABLE"), "%'; DROP TABLE%");
    }

    #[test]
    fn ticket_ids_round_trip_and_refuse_what_is_not_one() {
        assert_eq!(row_id(&ticket_id(42)), Some(42));
        assert_eq!(row_id("T-007"), Some(7));
        assert_eq!(row_id("T-"), None);
        assert_eq!(row_id("T-+1"), None);
        assert_eq!(row_id("t-1"), None);
        assert_eq!(row_id("T-99999999999999999999"), None);
    }
}
