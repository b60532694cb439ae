use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tracing_subscriber::layer::SubscriberExt;

use super::*;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    fn lines(&self) -> Vec<Value> {
        let text = String::from_utf8(self.0.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect()
    }
}

fn capture(format: LogFormat, f: impl FnOnce()) -> Capture {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(McpLayer::new(
        format,
        Redactor::default(),
        capture.clone(),
    ));
    tracing::subscriber::with_default(subscriber, f);
    capture
}

#[test]
fn lines_carry_the_ids_of_their_spans() {
    let lines = capture(LogFormat::Json, || {
        let session = tracing::info_span!("session", session_id = "s-1");
        let _session = session.enter();
        tracing::info!("outside a request");
        let request = tracing::info_span!("request", request_id = 7);
        let _request = request.enter();
        tracing::info!(tool_name = "add", duration_ms = 3u64, "tool call");
    })
    .lines();
    assert_eq!(lines[0]["session_id"], "s-1");
    assert_eq!(lines[0]["request_id"], Value::Null);
    assert_eq!(lines[1]["msg"], "tool call");
    assert_eq!(lines[1]["level"], "INFO");
    assert_eq!(lines[1]["request_id"], 7);
    assert_eq!(lines[1]["tool_name"], "add");
    assert_eq!(lines[1]["duration_ms"], 3);
    assert!(lines[1]["ts"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn json_lines_keep_their_exact_shape() {
    let capture = capture(LogFormat::Json, || {
        let session = tracing::info_span!("session", session_id = "s-3", peer = "not written");
        let _session = session.enter();
        // An id recorded after the span opened is found as well.
        let request = tracing::info_span!("request", request_id = tracing::field::Empty);
        request.record("request_id", 9);
        let _request = request.enter();
        tracing::warn!(
            level = "mine",
            tool_name = "a\"b",
            n = -3i64,
            ok = true,
            missing = tracing::field::Empty,
            "said \"hi\"\n"
        );
    });
    let text = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    let (head, rest) = text.split_once(",\"ts\":\"").unwrap();
    assert_eq!(head, "{\"level\":\"WARN\"");
    let (ts, tail) = rest.split_once('"').unwrap();
    assert_eq!(ts.len(), "2026-11-21T15:53:53.123456Z".len(), "{ts}");
    assert_eq!(
        tail,
        ",\"msg\":\"said \\\"hi\\\"\\n\",\"session_id\":\"s-3\",\"request_id\":9,\
         \"field.level\":\"mine\",\"tool_name\":\"a\\\"b\",\"n\":-3,\"ok\":true,\"missing\":null}\n"
    );
}

#[test]
fn user_events_are_redacted() {
    #[derive(Debug)]
    #[allow(dead_code)]
    struct Args {
        note: String,
    }
    let args = Args {
        note: "marker-7d3e".into(),
    };
    let lines = capture(LogFormat::Json, || {
        tracing::info!(email = "alice@example.com", "signed in");
        tracing::info!(?args, "called");
        tracing::info!(card = 4111111111111111u64, count = 12u64, "paid");
        tracing::warn!("token for bob@example.com is Bearer abc.def");
        tracing::info!(secret = %Redacted("hunter2"), "kept out");
        let error = std::io::Error::other("secret io detail");
        tracing::error!(
            error = &error as &(dyn std::error::Error + 'static),
            "failed"
        );
    })
    .lines();
    let all = lines.iter().map(Value::to_string).collect::<String>();
    for canary in [
        "alice@example.com",
        "marker-7d3e",
        "4111111111111111",
        "bob@example.com",
        "abc.def",
        "hunter2",
        "secret io detail",
    ] {
        assert!(!all.contains(canary), "{canary} leaked: {all}");
    }
    assert_eq!(lines[0]["email"], REDACTED);
    assert_eq!(lines[1]["args"], REDACTED);
    assert_eq!(lines[2]["card"], REDACTED);
    assert_eq!(lines[2]["count"], 12);
    assert_eq!(lines[3]["msg"], "token for [redacted] is [redacted]");
}

#[test]
fn text_lines_for_people() {
    let capture = capture(LogFormat::Text, || {
        let session = tracing::info_span!("session", session_id = "s-2");
        let _session = session.enter();
        tracing::info!(tool_name = "add", outcome = "ok", "tool call");
    });
    let text = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains(" INFO  tool call tool_name=add outcome=ok session_id=s-2\n"),
        "{text}"
    );
}

#[test]
fn redacted_wrapper_prints_nothing_of_its_value() {
    let wrapped = Redacted(String::from("hunter2"));
    assert_eq!(format!("{wrapped} {wrapped:?}"), "[redacted] [redacted]");
    assert_eq!(wrapped.len(), 7);
}

#[test]
fn runtime_ids_that_pass_luhns_check_are_written_intact() {
    // 16 decimal digits that pass Luhn's check: a card number to the redactor.
    let luhn = "4111111111111111";
    assert_eq!(Redactor::default().redact(luhn), REDACTED);
    let lines = capture(LogFormat::Json, || {
        // This module's target is the runtime's: its ids are its own.
        let session = tracing::info_span!("session", session_id = luhn);
        let _session = session.enter();
        tracing::error!(error_id = luhn, note = luhn, "tool call");
        // The same names from anyone else's code are redacted like every value.
        let theirs = tracing::info_span!(target: "my_app", "session", session_id = luhn);
        let _theirs = theirs.enter();
        tracing::info!(target: "my_app", error_id = luhn, "mine");
        tracing::info!(target: "mcp_runtime_lookalike", error_id = luhn, "not ours");
    })
    .lines();
    assert_eq!(lines[0]["session_id"], luhn);
    assert_eq!(lines[0]["error_id"], luhn);
    assert_eq!(lines[0]["note"], REDACTED, "only the id fields are exempt");
    assert_eq!(lines[1]["session_id"], REDACTED);
    assert_eq!(lines[1]["error_id"], REDACTED);
    assert_eq!(lines[2]["error_id"], REDACTED);
}

#[test]
fn a_session_digest_that_passes_luhns_check_is_written_intact() {
    // Some session ids have digests that are all digits and pass Luhn's check (about one in
    // 18,000): find one, as a busy server would, and log it the way `Session` does.
    let redactor = Redactor::default();
    let (id, digest) = (0u64..2_000_000)
        .map(|n| {
            let id = format!("{n:032x}");
            let digest = crate::ids::log_digest(id.as_bytes());
            (id, digest)
        })
        .find(|(_, digest)| redactor.redact(digest) == REDACTED)
        .expect("a digest the card check redacts, within 2,000,000 tries");
    let lines = capture(LogFormat::Json, || {
        let session = tracing::info_span!("session", session_id = %digest);
        let _session = session.enter();
        tracing::info!("initialize");
    })
    .lines();
    assert_eq!(lines[0]["session_id"], digest.as_str(), "id {id}");
}
