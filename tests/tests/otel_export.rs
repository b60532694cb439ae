//! OpenTelemetry export (feature `otel`) end to end: the real `test-server` binary exports to a
//! real OTLP/HTTP receiver on 127.0.0.1, and the protobuf it sends is decoded here.
//!
//! Run with `cargo test -p mcp-tests --features otel --test otel_export`.

#![cfg(feature = "otel")]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mcp_tests::{StdioServer, first_text};
use serde_json::json;

/// In every argument of every call; must appear in no byte sent to the collector.
const CANARY: &str = "zq-otel-canary";

/// One request the collector received.
struct Received {
    method: String,
    path: String,
    content_type: Option<String>,
    body: Vec<u8>,
}

/// A minimal OTLP/HTTP receiver: answers every request `200` with an empty
/// `ExportTraceServiceResponse` and keeps what it received.
struct Collector {
    endpoint: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Collector {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&received);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let sink = Arc::clone(&sink);
                std::thread::spawn(move || serve_connection(stream, &sink));
            }
        });
        Collector { endpoint, received }
    }

    fn requests(&self) -> usize {
        self.received.lock().unwrap().len()
    }

    /// Waits until at least one request has arrived, or `limit` has passed.
    fn wait_for_request(&self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while self.requests() == 0 {
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        true
    }

    fn take(&self) -> Vec<Received> {
        std::mem::take(&mut *self.received.lock().unwrap())
    }
}

/// HTTP/1.1 with keep-alive: requests one after the other, bodies sized by `content-length`.
fn serve_connection(stream: TcpStream, sink: &Mutex<Vec<Received>>) {
    let mut writer = stream.try_clone().expect("clone the stream");
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = request_line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_owned();
        let path = parts.next().unwrap_or_default().to_owned();
        let mut headers = BTreeMap::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
            }
        }
        let length: usize = headers
            .get("content-length")
            .unwrap_or_else(|| panic!("no content-length in {headers:?}"))
            .parse()
            .expect("a numeric content-length");
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        sink.lock().unwrap().push(Received {
            method,
            path,
            content_type: headers.get("content-type").cloned(),
            body,
        });
        let answer =
            "HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";
        if writer.write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}

fn spawn_server(collector: &Collector, extra: &[(&str, &str)]) -> StdioServer {
    let mut env = vec![
        ("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint.as_str()),
        ("MCP_LOG_FORMAT", "json"),
    ];
    env.extend_from_slice(extra);
    let mut server = StdioServer::spawn(env!("CARGO_BIN_EXE_test-server"), &env);
    server.initialize("2025-11-25");
    server
}

#[test]
fn tool_call_spans_are_flushed_when_stdin_closes_and_carry_no_argument() {
    let collector = Collector::start();
    // The batch timer never fires in this test: whatever arrives was flushed at exit.
    let mut server = spawn_server(&collector, &[("OTEL_BSP_SCHEDULE_DELAY", "600000")]);

    assert_eq!(
        first_text(&server.call("test_add", json!({"a": 2, "b": 3}))),
        "5"
    );
    assert_eq!(
        first_text(&server.call("test_flatten", json!({"query": CANARY}))),
        format!("{CANARY}:0")
    );
    // The handler logs its arguments with `tracing`, inside the `tool_call` span.
    let canary_email = format!("{CANARY}@example.org");
    server.call(
        "test_log_user_fields",
        json!({"email": canary_email, "note": CANARY, "ssn": CANARY}),
    );
    let failed = server.call("test_echo_error", json!({"message": CANARY}));
    assert_eq!(failed["result"]["isError"], true);
    let invalid = server.call("test_add", json!({"a": CANARY, "b": 1}));
    assert_eq!(invalid["result"]["isError"], true);

    assert_eq!(collector.requests(), 0, "exported before the session ended");
    let status = server.finish();
    assert!(status.success(), "the server exited with {status}");

    let received = collector.take();
    assert!(!received.is_empty(), "nothing was exported");
    for request in &received {
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, "/v1/traces");
        assert_eq!(
            request.content_type.as_deref(),
            Some("application/x-protobuf")
        );
        assert!(
            !contains(&request.body, CANARY.as_bytes()),
            "an argument value was exported"
        );
        // What the issue asks for, on the raw bytes before decoding.
        for expected in [
            "tool_call",
            "test_add",
            "tool_name",
            "outcome",
            "duration_ms",
        ] {
            assert!(
                contains(&request.body, expected.as_bytes()),
                "`{expected}` is not in the export"
            );
        }
    }

    let exports: Vec<Export> = received.iter().map(|r| decode(&r.body)).collect();
    for export in &exports {
        assert_eq!(export.service_names, ["test-server"]);
        assert_eq!(export.scope_names, ["mcp-runtime"]);
    }
    let spans: Vec<&Span> = exports.iter().flat_map(|e| &e.spans).collect();
    let mut calls: Vec<(String, String)> = spans
        .iter()
        .map(|span| {
            assert_eq!(span.name, "tool_call", "only tool_call spans are exported");
            assert_eq!(
                span.attributes
                    .keys()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
                ["duration_ms", "outcome", "tool_name"],
                "attributes of {span:?}"
            );
            assert!(
                matches!(span.attributes["duration_ms"], Attr::Int(ms) if ms >= 0),
                "{span:?}"
            );
            assert_eq!(span.events, 0, "events are not exported: {span:?}");
            assert!(span.end_ns >= span.start_ns && span.start_ns > 0);
            (span.text("tool_name"), span.text("outcome"))
        })
        .collect();
    calls.sort();
    let pair = |tool: &str, outcome: &str| (tool.to_owned(), outcome.to_owned());
    assert_eq!(
        calls,
        [
            pair("test_add", "invalid_params"),
            pair("test_add", "ok"),
            pair("test_echo_error", "tool_error"),
            pair("test_flatten", "ok"),
            pair("test_log_user_fields", "ok"),
        ]
    );
}

#[test]
fn spans_are_exported_while_serving_under_the_configured_name() {
    let collector = Collector::start();
    let mut server = spawn_server(
        &collector,
        &[
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
            ("OTEL_SERVICE_NAME", "zq-otel-service"),
            // The level of the log lines does not decide what is exported.
            ("MCP_LOG", "error"),
        ],
    );
    assert_eq!(
        first_text(&server.call("test_add", json!({"a": 1, "b": 1}))),
        "2"
    );
    assert!(
        collector.wait_for_request(Duration::from_secs(15)),
        "no export while the server runs; stderr:\n{}",
        server.stderr()
    );
    assert!(server.is_running());
    let export = decode(&collector.take()[0].body);
    assert_eq!(export.service_names, ["zq-otel-service"]);
    assert_eq!(export.spans.len(), 1);
    assert_eq!(export.spans[0].text("tool_name"), "test_add");
    assert_eq!(export.spans[0].text("outcome"), "ok");
    assert!(server.finish().success());
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

// ---- Just enough protobuf to read an `ExportTraceServiceRequest` (opentelemetry-proto's
// `trace/v1/trace.proto`, `common/v1/common.proto`), with no dependency.

#[derive(Debug)]
struct Export {
    service_names: Vec<String>,
    scope_names: Vec<String>,
    spans: Vec<Span>,
}

#[derive(Debug)]
struct Span {
    name: String,
    start_ns: u64,
    end_ns: u64,
    attributes: BTreeMap<String, Attr>,
    events: usize,
}

impl Span {
    fn text(&self, key: &str) -> String {
        match self.attributes.get(key) {
            Some(Attr::Text(text)) => text.clone(),
            other => panic!("`{key}` is {other:?}, not a string"),
        }
    }
}

#[derive(Debug)]
enum Attr {
    Text(String),
    Int(i64),
    Other,
}

enum Wire<'a> {
    Varint(u64),
    Fixed(u64),
    Bytes(&'a [u8]),
}

/// The fields of one message, in order.
fn fields(mut buf: &[u8]) -> Vec<(u64, Wire<'_>)> {
    fn varint(buf: &mut &[u8]) -> u64 {
        let mut value = 0;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = buf.split_first().expect("a truncated varint");
            *buf = rest;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return value;
            }
        }
        panic!("a varint longer than 64 bits")
    }
    fn fixed(buf: &mut &[u8], size: usize) -> u64 {
        let (bytes, rest) = buf.split_at(size);
        *buf = rest;
        bytes
            .iter()
            .rev()
            .fold(0, |value, &byte| value << 8 | u64::from(byte))
    }
    let mut out = Vec::new();
    while !buf.is_empty() {
        let key = varint(&mut buf);
        let value = match key & 7 {
            0 => Wire::Varint(varint(&mut buf)),
            1 => Wire::Fixed(fixed(&mut buf, 8)),
            5 => Wire::Fixed(fixed(&mut buf, 4)),
            2 => {
                let length = varint(&mut buf) as usize;
                let (bytes, rest) = buf.split_at(length);
                buf = rest;
                Wire::Bytes(bytes)
            }
            other => panic!("wire type {other} in an OTLP message"),
        };
        out.push((key >> 3, value));
    }
    out
}

fn messages(buf: &[u8], number: u64) -> Vec<&[u8]> {
    fields(buf)
        .into_iter()
        .filter_map(|(field, value)| match value {
            Wire::Bytes(bytes) if field == number => Some(bytes),
            _ => None,
        })
        .collect()
}

fn text(buf: &[u8], number: u64) -> String {
    messages(buf, number)
        .last()
        .map(|bytes| String::from_utf8(bytes.to_vec()).expect("UTF-8"))
        .unwrap_or_default()
}

fn fixed64(buf: &[u8], number: u64) -> u64 {
    fields(buf)
        .into_iter()
        .find_map(|(field, value)| match value {
            Wire::Fixed(v) if field == number => Some(v),
            _ => None,
        })
        .unwrap_or_default()
}

/// `KeyValue { key = 1; AnyValue value = 2 }`, `AnyValue { string_value = 1; int_value = 3 }`.
fn attributes(messages_: Vec<&[u8]>) -> BTreeMap<String, Attr> {
    messages_
        .into_iter()
        .map(|key_value| {
            let value = messages(key_value, 2).last().map_or(Attr::Other, |any| {
                match fields(any).into_iter().next() {
                    Some((1, Wire::Bytes(bytes))) => {
                        Attr::Text(String::from_utf8(bytes.to_vec()).expect("UTF-8"))
                    }
                    Some((3, Wire::Varint(v))) => Attr::Int(v as i64),
                    _ => Attr::Other,
                }
            });
            (text(key_value, 1), value)
        })
        .collect()
}

/// `ExportTraceServiceRequest { ResourceSpans resource_spans = 1 }`,
/// `ResourceSpans { Resource resource = 1; ScopeSpans scope_spans = 2 }`,
/// `Resource { KeyValue attributes = 1 }`,
/// `ScopeSpans { InstrumentationScope scope = 1 (name = 1); Span spans = 2 }`,
/// `Span { name = 5; fixed64 start = 7; fixed64 end = 8; KeyValue attributes = 9; Event events = 11 }`.
fn decode(body: &[u8]) -> Export {
    let mut export = Export {
        service_names: Vec::new(),
        scope_names: Vec::new(),
        spans: Vec::new(),
    };
    for resource_spans in messages(body, 1) {
        for resource in messages(resource_spans, 1) {
            if let Some(Attr::Text(name)) = attributes(messages(resource, 1)).remove("service.name")
            {
                export.service_names.push(name);
            }
        }
        for scope_spans in messages(resource_spans, 2) {
            for scope in messages(scope_spans, 1) {
                export.scope_names.push(text(scope, 1));
            }
            for span in messages(scope_spans, 2) {
                export.spans.push(Span {
                    name: text(span, 5),
                    start_ns: fixed64(span, 7),
                    end_ns: fixed64(span, 8),
                    attributes: attributes(messages(span, 9)),
                    events: messages(span, 11).len(),
                });
            }
        }
    }
    export
}
