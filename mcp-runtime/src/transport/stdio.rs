//! stdio: newline-delimited JSON-RPC on stdin/stdout. stdout carries protocol only.
//!
//! Transports, "stdio": messages are delimited by newlines and MUST NOT contain embedded
//! newlines; the server MUST NOT write anything to stdout that is not a valid MCP message.

use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tracing::Instrument;

use crate::context::NotificationSink;
use crate::error::Error;
use crate::protocol::jsonrpc::Frame;
use crate::protocol::jsonrpc::{ErrorObject, INVALID_REQUEST, Response};
use crate::server::{ChangeNotifications, Incoming, Reply, Server, Session};

/// Limits of the stdio transport.
#[derive(Clone, Debug)]
pub struct StdioOptions {
    /// Longest accepted line, in bytes (default 4 MiB). A longer line is answered with an error
    /// and skipped; reading goes on.
    pub max_line_bytes: usize,
    /// Tool calls running at once (default 64). At the cap, reading pauses until one finishes.
    pub max_in_flight: usize,
}

impl Default for StdioOptions {
    fn default() -> Self {
        StdioOptions {
            max_line_bytes: 4 * 1024 * 1024,
            max_in_flight: 64,
        }
    }
}

/// Serves `server` on this process's stdin and stdout until stdin ends.
pub async fn serve(server: Server, options: StdioOptions) -> Result<(), Error> {
    serve_on(server, tokio::io::stdin(), tokio::io::stdout(), options).await
}

/// Serves `server` on any byte streams until `input` ends, then waits for calls in flight.
pub async fn serve_on<R, W>(
    server: Server,
    input: R,
    output: W,
    options: StdioOptions,
) -> Result<(), Error>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    // Its end flushes exported telemetry (feature `otel`).
    let span = tracing::info_span!("serve");
    serve_lines(server, input, output, options)
        .instrument(span)
        .await
}

async fn serve_lines<R, W>(
    server: Server,
    input: R,
    output: W,
    options: StdioOptions,
) -> Result<(), Error>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let session = Session::open(&server);
    let (lines, mut outgoing) = mpsc::channel::<String>(64);
    let writer = tokio::spawn(async move {
        let mut output = output;
        while let Some(line) = outgoing.recv().await {
            output.write_all(line.as_bytes()).await?;
            output.write_all(b"\n").await?;
            output.flush().await?;
        }
        Ok::<_, std::io::Error>(())
    });

    // Notifications (progress, log messages, list changes) share stdout with answers; they never
    // wait for room: when the writer is behind, they are dropped rather than queued.
    let notifications = {
        let lines = lines.clone();
        NotificationSink::new(move |line| lines.try_send(line).is_ok())
    };
    // Transports, stdio: the server MAY send notifications; tool-set changes go out once the
    // session is initialized.
    let list_changes = {
        let (session, lines) = (Arc::clone(&session), lines.clone());
        let mut changes = ChangeNotifications::of(&session);
        tokio::spawn(async move {
            while let Some(notification) = changes.next().await {
                if session.protocol_version().is_some() && lines.send(notification).await.is_err() {
                    break;
                }
            }
        })
    };
    let permits = Arc::new(Semaphore::new(options.max_in_flight.max(1)));
    let mut calls = JoinSet::new();
    let mut input = BufReader::with_capacity(64 * 1024, input);
    let mut line = Vec::new();
    loop {
        let reply = match read_line(&mut input, &mut line, options.max_line_bytes).await? {
            LineRead::End => break,
            LineRead::TooLong => Reply::Now(too_long(options.max_line_bytes)),
            LineRead::Line if line.iter().all(u8::is_ascii_whitespace) => continue,
            LineRead::Line => match Incoming::parse(&line) {
                Ok(incoming) => session.handle(incoming, &notifications),
                Err(not_json) => session.refuse(not_json),
            },
        };
        let sent = match reply {
            Reply::Silent => true,
            Reply::Now(answer) => lines.send(answer.to_json()).await.is_ok(),
            Reply::Later(answer) => {
                let permit = Arc::clone(&permits)
                    .acquire_owned()
                    .await
                    .expect("the semaphore is never closed");
                let lines = lines.clone();
                calls.spawn(async move {
                    if let Some(answer) = answer.await {
                        let _client_gone = lines.send(answer.to_json()).await;
                    }
                    drop(permit);
                });
                true
            }
        };
        if !sent {
            break; // The writer stopped: stdout is closed, nobody is listening.
        }
        while calls.try_join_next().is_some() {}
    }
    // Input ended: long-lived subscriptions end with their closing result, then calls drain.
    session.server().begin_shutdown();
    list_changes.abort();
    while calls.join_next().await.is_some() {}
    drop(notifications);
    drop(lines);
    writer
        .await
        .map_err(|join| std::io::Error::other(join.to_string()))??;
    Ok(())
}

enum LineRead {
    Line,
    TooLong,
    End,
}

/// Reads one line into `line` (without its `\n` or `\r\n`), keeping at most `cap` bytes: a
/// longer line is consumed to its end and reported as [`LineRead::TooLong`].
async fn read_line<R: AsyncRead + Unpin>(
    input: &mut BufReader<R>,
    line: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<LineRead> {
    line.clear();
    let mut too_long = false;
    loop {
        let buffer = input.fill_buf().await?;
        if buffer.is_empty() {
            return Ok(match (too_long, line.is_empty()) {
                (true, _) => LineRead::TooLong,
                (false, true) => LineRead::End,
                (false, false) => LineRead::Line,
            });
        }
        let (chunk_end, complete) = match buffer.iter().position(|&b| b == b'\n') {
            Some(newline) => (newline, true),
            None => (buffer.len(), false),
        };
        if !too_long {
            if line.len() + chunk_end > cap {
                too_long = true;
                line.clear();
            } else {
                line.extend_from_slice(&buffer[..chunk_end]);
            }
        }
        input.consume(if complete { chunk_end + 1 } else { chunk_end });
        if complete {
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            return Ok(if too_long {
                LineRead::TooLong
            } else {
                LineRead::Line
            });
        }
    }
}

fn too_long(cap: usize) -> Frame<Response> {
    let message = format!("Invalid Request: the message is longer than the {cap}-byte line limit");
    Frame::Single(Response::error(
        None,
        ErrorObject::new(INVALID_REQUEST, message),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn lines_of(input: &[u8], cap: usize) -> Vec<Result<String, &'static str>> {
        let mut reader = BufReader::with_capacity(4, input);
        let mut line = Vec::new();
        let mut out = Vec::new();
        loop {
            match read_line(&mut reader, &mut line, cap).await.unwrap() {
                LineRead::End => return out,
                LineRead::TooLong => out.push(Err("too long")),
                LineRead::Line => out.push(Ok(String::from_utf8(line.clone()).unwrap())),
            }
        }
    }

    #[tokio::test]
    async fn lines_are_capped_and_reading_goes_on() {
        let found = lines_of(b"short\r\nthis one is far too long\nok\nlast", 8).await;
        assert_eq!(
            found,
            vec![
                Ok("short".into()),
                Err("too long"),
                Ok("ok".into()),
                Ok("last".into())
            ]
        );
    }
}
