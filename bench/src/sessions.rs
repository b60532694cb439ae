//! Legacy (2025-11-25) sessions, and idle ones held with their standalone SSE stream open:
//! what the memory per session is measured with.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use http_body_util::BodyExt;
use hyper::body::Bytes;
use hyper::header::{HeaderMap, HeaderValue};
use hyper::{Method, StatusCode};
use tokio::task::JoinHandle;

use crate::client::{Connection, Endpoint, headers};

/// The legacy version sessions are opened at: the newest one with sessions and priming events.
pub const LEGACY_VERSION: &str = "2025-11-25";

/// How long one step (an answer, a stream's first event) may take before the run fails.
const STEP_TIMEOUT: Duration = Duration::from_secs(20);

/// The headers of every POST.
pub fn post_headers() -> HeaderMap {
    headers(&[
        ("accept", "application/json, text/event-stream"),
        ("content-type", "application/json"),
    ])
}

/// Opens a session on `connection` (`initialize`, then `notifications/initialized`) and
/// returns the headers the session's later POSTs carry: `MCP-Protocol-Version` and
/// `Mcp-Session-Id` added to [`post_headers`].
pub async fn open_session(connection: &mut Connection) -> Result<HeaderMap, String> {
    let initialize = format!(
        r#"{{"jsonrpc":"2.0","id":0,"method":"initialize","params":{{"protocolVersion":"{LEGACY_VERSION}","capabilities":{{}},"clientInfo":{{"name":"mcp_load","version":"1"}}}}}}"#
    );
    let answer = connection
        .post(&post_headers(), Bytes::from(initialize))
        .await
        .map_err(|e| format!("initialize: {e}"))?;
    if answer.status != StatusCode::OK || !answer.body_contains(LEGACY_VERSION) {
        return Err(format!(
            "initialize answered {} {}",
            answer.status,
            String::from_utf8_lossy(&answer.body)
        ));
    }
    let mut session = post_headers();
    session.insert(
        "mcp-protocol-version",
        HeaderValue::from_static(LEGACY_VERSION),
    );
    if let Some(id) = answer.headers.get("mcp-session-id") {
        session.insert("mcp-session-id", id.clone());
    }
    let initialized = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;
    let answer = connection
        .post(&session, Bytes::from_static(initialized.as_bytes()))
        .await
        .map_err(|e| format!("notifications/initialized: {e}"))?;
    if answer.status != StatusCode::ACCEPTED {
        return Err(format!(
            "notifications/initialized answered {}",
            answer.status
        ));
    }
    Ok(session)
}

/// A session's standalone SSE stream, read (and discarded) by a task of its own on a
/// connection of its own; dropping it closes the stream.
pub struct HeldStream(JoinHandle<()>);

impl Drop for HeldStream {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Opens the standalone stream (GET) of the session whose headers are `session`, and waits for
/// its first (priming) event, so that a held stream is known to be live.
pub async fn open_stream(endpoint: &Endpoint, session: &HeaderMap) -> Result<HeldStream, String> {
    let mut connection = Connection::open(endpoint)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let mut get = headers(&[("accept", "text/event-stream")]);
    for name in ["mcp-protocol-version", "mcp-session-id"] {
        if let Some(value) = session.get(name) {
            get.insert(name, value.clone());
        }
    }
    let response = connection
        .start(Method::GET, &get, Bytes::new())
        .await
        .map_err(|e| format!("GET: {e}"))?;
    if response.status() != StatusCode::OK {
        return Err(format!("GET answered {}", response.status()));
    }
    let mut body = response.into_body();
    match tokio::time::timeout(STEP_TIMEOUT, body.frame()).await {
        Ok(Some(Ok(_))) => {}
        _ => return Err("the SSE stream sent no first event".to_owned()),
    }
    Ok(HeldStream(tokio::spawn(async move {
        let _connection = connection;
        while let Some(Ok(_)) = body.frame().await {}
    })))
}

/// Opens sessions with their streams until `held` has `target`, `openers` at a time. Each
/// opener POSTs on a connection of its own, closed when it is done, so that afterwards the
/// server holds only the sessions and their SSE connections.
pub async fn hold(
    endpoint: &Endpoint,
    held: &mut Vec<HeldStream>,
    target: usize,
    openers: usize,
) -> Result<(), String> {
    let wanted = target.saturating_sub(held.len());
    let taken = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..openers.clamp(1, wanted.max(1)) {
        let (endpoint, taken) = (endpoint.clone(), Arc::clone(&taken));
        tasks.push(tokio::spawn(async move {
            let mut opened = Vec::new();
            let mut connection = Connection::open(&endpoint)
                .await
                .map_err(|e| format!("connect: {e}"))?;
            while taken.fetch_add(1, Ordering::Relaxed) < wanted {
                let session = open_session(&mut connection).await?;
                opened.push(open_stream(&endpoint, &session).await?);
            }
            Ok::<_, String>(opened)
        }));
    }
    for task in tasks {
        let opened = task.await.map_err(|e| format!("an opener failed: {e}"))??;
        held.extend(opened);
    }
    Ok(())
}
